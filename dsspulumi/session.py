"""One run's session: the stack (file, config, environment), its backend, and DSS.

A library object, not a command: everything comes in by keyword, and what it has to say
goes to ``notice``. The CLI wraps it with its consoles (``cli/session.py``); a program can
drive a stack with it directly::

    with Session("stacks/sales.py", env="prod", dss_url="https://dss.example.com") as s:
        result = s.run().preview(s.program())

The DSS providers (and the embedded sandbox, for ``dss_url="sandbox"``) are made on first
use, and closed with the session.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dsspulumi.locate import StackLocation, check_env, resolve_backend_url, resolve_stack

if TYPE_CHECKING:
    from dsspulumi.backends.base import Backend
    from dsspulumi.config import StackConfig
    from dsspulumi.engine import Listener, StackRun
    from dsspulumi.graph import ResourceGraph
    from dsspulumi.policy import PolicyCheck
    from dsspulumi.provider import RetryEvent
    from dsspulumi.providers.dss import DssProviders
    from dsspulumi.secrets import Crypter

EMBEDDED_SANDBOX_DIR = Path(".dss/sandbox")


class Session(contextlib.ExitStack):
    """Resolves stack, config, backend and (lazily) DSS for one run."""

    def __init__(
        self,
        stack: str | StackLocation,
        *,
        env: str = "dev",
        backend: str | Backend | None = None,
        dss_url: str | None = None,
        command: str = "dss",
        retries: int = 5,
        quiet_stdout: bool = False,
        notice: Callable[[str], None] = lambda _message: None,
        sandbox_dir: Path = EMBEDDED_SANDBOX_DIR,
        policy_packs: list[str] | None = None,
        policy_advisory_only: bool = False,
        inline: Callable[[], Any] | None = None,
        api_key: str | None = None,
    ) -> None:
        """``quiet_stdout``: stdout carries a document (``--json``), so what the stack's
        program prints goes to stderr. ``command`` names the run in locks and history.
        ``policy_packs``: None runs no policy; a list (even empty) enables those packs and
        the repository's ``[tool.dsspulumi] policy_packs`` (``dsspulumi.policy``).
        ``inline``: the program is this callable (``dsspulumi.automation``), run as the stack
        file would be; the stack file is then only where config and ``dss.File`` paths are."""
        from dsspulumi.backends import open_backend
        from dsspulumi.config import StackConfig

        super().__init__()
        self.loc = stack if isinstance(stack, StackLocation) else resolve_stack(stack)
        self.env = check_env(env)
        self.config = StackConfig.load(self.loc.file, self.loc.name, self.env)
        self.backend = (
            open_backend(resolve_backend_url(backend, self.loc.file.parent))
            if backend is None or isinstance(backend, str)
            else backend  # already open (an automation Stack's)
        )
        self.dss_url = dss_url
        self.command = command
        self.retries = retries
        self.quiet_stdout = quiet_stdout
        self.notice = notice
        self.sandbox_dir = sandbox_dir
        self.inline = inline
        self.api_key = api_key
        self.keyring = ConfigKeyring(self.config)
        self.listener: Any = None
        self._registry: DssProviders | None = None
        self.policy: PolicyCheck | None = None
        if policy_packs is not None:
            from dsspulumi import policy

            self.policy = policy.enabled(
                policy_packs,
                start=self.loc.file.parent,
                env=self.env,
                stack=self.loc.name,
                stack_config=self.config.namespaces(),
                advisory_only=policy_advisory_only,
            )

    def providers(self) -> DssProviders:
        if self._registry is None:
            from dsspulumi.config import resolve_dss_target
            from dsspulumi.providers.dss import DssProviders

            target = resolve_dss_target(self.config, cli_url=self.dss_url, cli_key=self.api_key)
            url, api_key, verify_tls = target.url, target.api_key or "", target.verify_tls
            if url == "sandbox":
                from dsspulumi.sandbox import Sandbox

                self.sandbox_dir.mkdir(parents=True, exist_ok=True)
                sandbox = self.enter_context(Sandbox(data_dir=self.sandbox_dir))
                url, api_key, verify_tls = sandbox.url, sandbox.api_key, True
            self._registry = DssProviders(
                url,
                api_key,
                verify_tls=verify_tls,
                retries=self.retries,
                on_retry=self._on_retry,
                on_progress=self._on_progress,
            )
        return self._registry

    def _on_retry(self, event: RetryEvent) -> None:
        if self.listener is not None:
            self.listener.retry(event)

    def _on_progress(self, urn: str | None, message: str) -> None:
        """A long DSS task (a code env build) reporting how it goes, shown by the display."""
        progress = getattr(self.listener, "progress", None)
        if progress is not None:
            progress(urn, message)

    def run(self, listener: Listener | None = None) -> StackRun:
        """The engine's commands on this stack, reporting to ``listener``."""
        from dsspulumi.engine import NullListener, StackRun

        self.listener = listener if listener is not None else NullListener()
        return StackRun(
            stack=self.loc.name,
            env=self.env,
            stack_file=self.loc.file,
            backend=self.backend,
            providers=self.providers,
            listener=self.listener,
            command=self.command,
            keyring=self.keyring,
            retries=self.retries,
            policy=self.policy,
        )

    def _services(self) -> dict[str, Any]:
        return {
            "reveal": self.config.reveal,
            "read_outputs": self.read_outputs,
            "digest_key": self.digest_key,
        }

    def program(self, *, document: bool | None = None) -> ResourceGraph:
        """Run the stack file. ``document``: stdout carries a document (default:
        ``quiet_stdout``), so what the program prints goes to stderr instead."""
        from dsspulumi.program import run_declarations, run_program

        quiet = self.quiet_stdout if document is None else document
        kwargs: dict[str, Any] = dict(
            stack=self.loc.name,
            env=self.env,
            config=self.config.namespaces(),
            services=self._services(),
            quiet_stdout=quiet,
            keep=self.policy is not None,
        )
        if self.inline is not None:
            return run_declarations(self.inline, stack_file=self.loc.file, **kwargs)
        return run_program(self.loc.file, **kwargs)

    def declare(self, build: Callable[[], Any]) -> Any:
        """Run ``build`` (which constructs resources) as a line of this stack's program would
        run: with its config and services (secret digests), registering nothing."""
        from dsspulumi import program_context

        ctx = program_context.ProgramContext(
            stack=self.loc.name,
            env=self.env,
            stack_file=self.loc.file.resolve(),
            config=self.config.namespaces(),
            services=self._services(),
        )
        with program_context.activate(ctx):
            return build()

    def digest_key(self) -> bytes:
        """The key of secret digests (``secrets.digest``): from the stack's secrets key.

        A stack declaring such a secret without a secrets provider gets the passphrase one.
        """
        from dsspulumi.secrets import digest_key

        if self.config.settings() is None:
            self._init_passphrase()
        return digest_key(self.config.crypter())

    def read_outputs(self, stack: str, env: str) -> dict[str, Any]:
        """Outputs of another stack in the same backend (for dss.StackReference)."""
        from dsspulumi import admin

        return admin.read_stack_outputs(self.backend, stack, env)

    def ensure_secrets_provider(self, graph: ResourceGraph | None) -> None:
        """A run about to store its first secret sets up the passphrase provider."""
        from dsspulumi.output import contains_secret, to_engine

        if self.config.settings() is not None or graph is None:
            return
        has_secret = any(contains_secret(n.inputs) for n in graph.nodes.values())
        if has_secret or contains_secret(to_engine(graph.exports)):
            self._init_passphrase()

    def _init_passphrase(self) -> None:
        self.config.init_secrets("passphrase")
        self.config.save()
        self.notice(f"set up the passphrase secrets provider in {self.config.path}")


class ConfigKeyring:
    """The engine's key for secrets in state: the stack config's secrets provider."""

    def __init__(self, config: StackConfig) -> None:
        from dsspulumi.secrets import LazyCrypter

        self.config = config
        self._lazy = LazyCrypter(lambda: config.crypter())

    def crypter(self) -> Crypter | None:
        return self._lazy

    def settings(self) -> dict[str, str] | None:
        settings = self.config.settings()
        return settings.to_dict() if settings else None
