"""Shared fixtures: a throw-away workspace with stacks, and the `dss` CLI run in-process.

The DSS side is always the sandbox over real HTTP with the real dataikuapi
client (fixture ``dss_sandbox`` from the dsspulumi pytest plugin).
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import attrs
import pytest
from typer.testing import CliRunner

from dsspulumi.backends.local import LocalBackend
from dsspulumi.checkpoint import load_state
from dsspulumi.cli import app
from dsspulumi.state import State
from dsspulumi.testing.cli import CliResult


@attrs.define
class Workspace:
    root: Path
    sandbox: Any

    def stack(self, name: str, code: str, config: dict[str, dict[str, Any]] | None = None) -> Path:
        path = self.root / "stacks" / f"{name}.py"
        path.parent.mkdir(exist_ok=True)
        path.write_text("import dsspulumi as dss\n" + textwrap.dedent(code))
        if config is not None:
            lines = []
            for ns, table in config.items():
                lines.append(f"[{ns}]")
                lines += [f"{k} = {json.dumps(v)}" for k, v in table.items()]
            (path.parent / f"{name}.dev.toml").write_text("\n".join(lines) + "\n")
        return path

    def dss(
        self, *args: str, input: str | None = None, env: dict[str, str] | None = None
    ) -> CliResult:
        runner = CliRunner()
        base = {"DKU_DSS_URL": self.sandbox.url, "DKU_API_KEY": self.sandbox.api_key}
        result = runner.invoke(
            app, list(args), input=input, env={**base, **(env or {})}, catch_exceptions=False
        )
        return CliResult(result.exit_code, result.stdout, result.stderr)

    def state(self, stack: str, env: str = "dev") -> State:
        backend = LocalBackend(self.root / ".dss" / "state")
        assert backend.read_state(stack, env) is not None, f"no state for {stack}/{env}"
        return load_state(backend, stack, env)[0]

    def state_path(self, stack: str, env: str = "dev") -> Path:
        return self.root / ".dss" / "state" / stack / f"{env}.json"


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dss_sandbox: Any) -> Workspace:
    monkeypatch.chdir(tmp_path)
    for var in ("DKU_DSS_URL", "DKU_API_KEY", "DSS_BACKEND"):
        monkeypatch.delenv(var, raising=False)
    (tmp_path / "stacks").mkdir()
    return Workspace(tmp_path, dss_sandbox)


@pytest.fixture(scope="session")
def moto():
    """One moto S3/KMS server for the session (in a thread, behind one global lock)."""
    from dsspulumi.testing.moto_server import MotoServer

    with MotoServer() as server:
        yield server
