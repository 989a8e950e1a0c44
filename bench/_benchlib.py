"""Shared plumbing for the benchmarks: temp workspaces, a sandbox server process, `dss` runs.

Not a benchmark itself. The benchmarks import it as ``_benchlib`` (running
``python bench/bench_x.py`` puts ``bench/`` first on ``sys.path``).
"""

from __future__ import annotations

import json
import os
import platform
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

API_KEY = "dkuaps-bench" + secrets.token_hex(10)


def dss_command() -> list[str]:
    """The `dss` console script of *this* interpreter (not a pyenv shim, not another venv)."""
    script = Path(sys.executable).with_name("dss")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "from dsspulumi.cli import main; main()"]


def machine() -> str:
    return f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs"


class Workspace:
    """A temp project folder with ``stacks/<name>.py`` + ``stacks/<name>.<env>.toml``.

    State goes to ``<ws>/state`` through an explicit ``--backend`` so no
    ``pyproject.toml`` above the temp folder can redirect it.
    """

    def __init__(self, prefix: str) -> None:
        self.root = Path(tempfile.mkdtemp(prefix=prefix))
        (self.root / "stacks").mkdir()
        self.backend = f"file://{(self.root / 'state').as_posix()}"

    def write_stack(self, name: str, source: str, configs: dict[str, str]) -> Path:
        path = self.root / "stacks" / f"{name}.py"
        path.write_text(source, encoding="utf-8")
        for env, toml in configs.items():
            (self.root / "stacks" / f"{name}.{env}.toml").write_text(toml, encoding="utf-8")
        return path

    def cleanup(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


class SandboxProcess:
    """``dss sandbox serve`` as its own process: its threads never compete for our GIL."""

    def __init__(
        self,
        *,
        latency_ms: float = 0.0,
        data_dir: Path | None = None,
        extra_args: Sequence[str] = (),
    ) -> None:
        self.latency_ms = latency_ms
        self.api_key = API_KEY
        cmd = [
            *dss_command(),
            "sandbox",
            "serve",
            "--port",
            "0",
            "--api-key",
            self.api_key,
            "--latency-ms",
            str(latency_ms),
        ]
        if data_dir is not None:
            cmd += ["--data", str(data_dir)]
        cmd += list(extra_args)
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            start_new_session=True,
        )
        self.url = self._wait_for_url(timeout=30)

    def _wait_for_url(self, timeout: float) -> str:
        found: list[str] = []

        def reader() -> None:
            assert self.proc.stdout is not None
            for line in self.proc.stdout:
                if line.startswith("DSS sandbox listening on "):
                    found.append(line.split(" on ", 1)[1].strip())
                    return

        t = threading.Thread(target=reader, daemon=True)
        t.start()
        t.join(timeout)
        if not found:
            self.stop()
            err = self.proc.stderr.read() if self.proc.stderr else ""
            raise RuntimeError(f"the sandbox server did not start: {err.strip()}")
        return found[0]

    def _control(self, method: str, path: str) -> dict[str, Any]:
        req = urllib.request.Request(self.url + "/__sandbox__/" + path, method=method, data=None)
        with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310 - local sandbox
            return json.loads(resp.read())

    def stats(self) -> dict[str, Any]:
        return self._control("GET", "stats")

    def reset(self) -> None:
        self._control("POST", "reset")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()


def run_dss(
    args: Sequence[str], *, cwd: Path, api_key: str, check: bool = True
) -> tuple[subprocess.CompletedProcess[str], float]:
    """Run `dss ARGS` in ``cwd``; return the process and its wall-clock seconds."""
    env = {**os.environ, "DKU_API_KEY": api_key}
    env.pop("DKU_DSS_URL", None)
    env.pop("DSS_BACKEND", None)
    t0 = time.perf_counter()
    proc = subprocess.run(
        [*dss_command(), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )
    wall = time.perf_counter() - t0
    if check and proc.returncode != 0:
        raise RuntimeError(
            f"`dss {' '.join(args)}` exited {proc.returncode}:\n{proc.stderr[-3000:]}"
        )
    return proc, wall


def fmt_counts(counts: dict[str, int], indent: str = "    ") -> str:
    if not counts:
        return f"{indent}(none)"
    width = max(len(k) for k in counts)
    return "\n".join(
        f"{indent}{k:<{width}}  {n:>6}" for k, n in sorted(counts.items(), key=lambda kv: -kv[1])
    )
