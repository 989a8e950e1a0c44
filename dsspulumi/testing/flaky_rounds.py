"""Rounds of `dss up` through failing services, checked from outside: the fault check shared
by the test suite (a few small rounds) and ``bench/bench_faults.py`` (20 rounds of 101
objects).

Everything is a real process: ``dss sandbox serve --fail-rate R`` (every failure kind:
a 500 before DSS acted, a 500 after it acted, a dropped connection after it acted), the
``dss`` CLI, and optionally a fault-injecting S3 endpoint in front of moto
(``moto_server.FaultyS3``) for the state. A round passes when `up` exits 0, DSS holds
exactly the declared datasets (counted through dataikuapi: no duplicates, none missing),
and a following ``preview --refresh --expect-no-changes`` exits 0.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import attrs

DSS = [sys.executable, "-m", "dsspulumi.cli"]
API_KEY = "dkuaps-flakyrounds0000000000000000"


@attrs.frozen
class Round:
    index: int
    exit_code: int
    seconds: float
    found: int  # datasets in DSS after the run
    duplicates: int
    missing: int
    preview_exit: int
    error: str = ""

    @property
    def ok(self) -> bool:
        return (
            self.exit_code == 0 and self.duplicates == 0 and self.missing == 0
        ) and self.preview_exit == 0

    def line(self) -> str:
        status = "ok" if self.ok else "FAILED"
        text = (
            f"round {self.index:2d}: {status:6s} up exit {self.exit_code} in {self.seconds:5.1f}s, "
            f"{self.found} datasets ({self.duplicates} duplicates, {self.missing} missing), "
            f"preview exit {self.preview_exit}"
        )
        return text + (f"\n    {self.error}" if self.error else "")


@contextlib.contextmanager
def flaky_sandbox(
    fail_rate: float, seed: int | None = None, *, creation_keeps_fields: str = "no"
) -> Iterator[str]:
    """``dss sandbox serve --fail-rate`` as its own process; yields its URL."""
    cmd = [*DSS, "sandbox", "serve", "--port", "0", "--api-key", API_KEY]
    cmd += ["--fail-rate", str(fail_rate), "--creation-keeps-fields", creation_keeps_fields]
    if seed is not None:
        cmd += ["--seed", str(seed)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if "listening on" not in line:
            raise RuntimeError(f"the sandbox did not start: {line}{proc.stderr.read()}")  # type: ignore[union-attr]
        yield line.strip().rsplit(" ", 1)[-1]
    finally:
        proc.kill()
        proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def stack_source(project: str, datasets: int) -> str:
    return (
        "import dsspulumi as dss\n"
        f'project = dss.Project("{project}", name="Flaky {project}")\n'
        f"for i in range({datasets}):\n"
        '    dss.ManagedDataset(f"F_{i}", project=project, connection="filesystem_managed",\n'
        '                       description=f"dataset {i}")\n'
    )


def _datasets_in_dss(url: str, project: str) -> list[str]:
    """Dataset names, listed through dataikuapi (with a generous retry budget: the check
    goes through the same failing sandbox)."""
    from dsspulumi.providers.dss.client import DssSession, NotFound

    session = DssSession(url, API_KEY, retries=20)
    try:
        with session.call(f"list the datasets of {project}"):
            items = session.client.get_project(project).list_datasets(as_type="listitems")
    except NotFound:
        return []  # the run failed before it created the project
    return [str(d["name"]) for d in items]


def run_round(
    index: int,
    url: str,
    *,
    datasets: int,
    backend: str | None = None,
    env: Mapping[str, str] | None = None,
    up_args: Sequence[str] = (),
    workdir: Path | None = None,
) -> Round:
    """One `dss up` of a fresh project with ``datasets`` datasets, checked from outside."""
    project = f"FLAKY{index}"
    root = Path(workdir or tempfile.mkdtemp(prefix="dss-flaky-rounds-"))
    (root / "stacks").mkdir(parents=True, exist_ok=True)
    (root / "stacks" / "flaky.py").write_text(stack_source(project, datasets))
    (root / "stacks" / "flaky.dev.toml").write_text(f'[dss]\nurl = "{url}"\n')
    where = ["--backend", backend or f"file://{root / 'state'}"]
    child_env = {**os.environ, **(env or {}), "DKU_API_KEY": API_KEY}
    child_env.pop("DKU_DSS_URL", None)
    t0 = time.perf_counter()
    up = subprocess.run(
        [*DSS, "up", "flaky", "--yes", *where, *up_args],
        cwd=root,
        env=child_env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    seconds = time.perf_counter() - t0
    names = _datasets_in_dss(url, project)
    wanted = {f"F_{i}" for i in range(datasets)}
    # The check reads DSS through the same faults: a generous budget keeps it out of the way.
    preview = subprocess.run(
        [*DSS, "preview", "flaky", "--refresh", "--expect-no-changes", "--retries", "10", *where],
        cwd=root,
        env=child_env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    error = ""
    if up.returncode != 0:
        error = "up: " + " | ".join(up.stderr.strip().splitlines()[-6:])
    elif preview.returncode != 0:
        error = "preview: " + " | ".join((preview.stdout + preview.stderr).splitlines()[-6:])
    return Round(
        index=index,
        exit_code=up.returncode,
        seconds=seconds,
        found=len(names),
        duplicates=len(names) - len(set(names)) + len(set(names) - wanted),
        missing=len(wanted - set(names)),
        preview_exit=preview.returncode,
        error=error,
    )
