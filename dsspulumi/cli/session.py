"""The library ``Session`` with the command's consoles: its notes go to stderr.

Imported by the commands that run a stack, when they run: ``dss --help`` never loads it.
"""

from __future__ import annotations

from dsspulumi.cli.common import consoles
from dsspulumi.display.notices import NoticePrinter
from dsspulumi.locate import StackLocation
from dsspulumi.session import Session


class CliSession(Session):
    def __init__(
        self,
        stack: str | StackLocation,
        *,
        env: str,
        backend: str | None,
        dss_url: str | None,
        json_mode: bool,
        command: str,
        retries: int = 5,
        policy_packs: list[str] | None = None,
        policy_advisory_only: bool = False,
    ) -> None:
        self.io = consoles(json_mode)
        self.printer = NoticePrinter(self.io.err)
        super().__init__(
            stack,
            env=env,
            backend=backend,
            dss_url=dss_url,
            command=command,
            retries=retries,
            quiet_stdout=json_mode,
            notice=self.printer.notice,
            policy_packs=policy_packs,
            policy_advisory_only=policy_advisory_only,
        )
