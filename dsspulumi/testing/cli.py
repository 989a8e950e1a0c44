"""``dss(...)``: the real ``dss`` command line, run in the test's own process.

For full tests of a stack against the DSS sandbox (the ``dss_sandbox`` pytest fixture):
``dss("up", "stacks/my.py", "--yes", sandbox=dss_sandbox)``. The DSS URL and API key come
from the sandbox, so the stack's own ``dss:url`` is not used.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs


@attrs.define
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def json(self) -> Any:
        return json.loads(self.stdout)


@contextlib.contextmanager
def _cwd(path: Path | None) -> Iterator[None]:
    if path is None:
        yield
        return
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def dss(
    *args: str,
    sandbox: Any = None,
    cwd: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    input: str | None = None,
) -> CliResult:
    """Run ``dss ARGS…``; with ``sandbox`` (a ``dsspulumi.sandbox.Sandbox``) against it."""
    from typer.testing import CliRunner

    from dsspulumi.cli import app

    variables = dict(env or {})
    if sandbox is not None:
        variables.setdefault("DKU_DSS_URL", sandbox.url)
        variables.setdefault("DKU_API_KEY", sandbox.api_key)
    with _cwd(Path(cwd) if cwd is not None else None):
        result = CliRunner().invoke(
            app, list(args), input=input, env=variables, catch_exceptions=False
        )
    return CliResult(result.exit_code, result.stdout, result.stderr)
