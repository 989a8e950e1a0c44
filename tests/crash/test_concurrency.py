"""Eight `dss up` processes on one stack at once: one applies, the others are refused."""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
import time
from pathlib import Path

import pytest

from tests.crash.conftest import DSS
from tests.crash.gate import GateProxy
from tests.crash.test_kill import assert_no_changes, dss_objects, run_dss

pytestmark = pytest.mark.slow

STACK = """
import dsspulumi as dss
project = dss.Project("CRASH", name="Concurrency")
prev = None
for i in range(4):
    ds = dss.ManagedDataset(f"DS{i}", project=project, connection="filesystem_managed",
                            description=f"dataset {i}")
    if prev is not None:
        dss.SyncRecipe(f"sync_{i}", project=project, inputs=[prev], outputs=[ds])
    prev = ds
"""


def start_ups(
    workdir: Path, url: str, n: int, *extra: str, backend_env: dict[str, str]
) -> list[subprocess.Popen[str]]:
    env = {**os.environ, "DKU_DSS_URL": url, "DKU_API_KEY": "crash-key", **backend_env}
    return [
        subprocess.Popen(
            [*DSS, "up", "conc", "--yes", "--json", *extra],
            cwd=workdir,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(n)
    ]


def test_eight_concurrent_ups_one_applies(tmp_path, served_sandbox, backend_env):
    """The processes surely meet: the lock winner is held at its first DSS write (a gate)
    until the seven others have met its lock and exited."""
    url = served_sandbox
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "conc.py").write_text(textwrap.dedent(STACK))
    with GateProxy(url, "POST", "/dip/publicapi/projects/") as gate:
        procs = start_ups(tmp_path, gate.url, 8, backend_env=backend_env)
        assert gate.reached.wait(timeout=120), "no run reached its first write"
        deadline = time.monotonic() + 120
        while sum(p.poll() is not None for p in procs) < 7:
            assert time.monotonic() < deadline, "the other runs did not all meet the lock"
            time.sleep(0.05)
        gate.open()
        results = [(p.wait(timeout=120), p.stdout.read(), p.stderr.read()) for p in procs]
    applied = [r for r in results if r[0] == 0]
    refused = [r for r in results if r[0] != 0]
    assert len(applied) == 1, [r[2] for r in results]
    assert json.loads(applied[0][1])["summary"] == {"create": 8}
    assert len(refused) == 7
    for code, _out, err in refused:
        assert code == 1
        assert "is locked by" in err and "dss up" in err and "pid" in err, err
    assert_no_changes(tmp_path, url, backend_env, "conc")
    datasets, recipes = dss_objects(url)
    assert datasets == {f"DS{i}" for i in range(4)} and len(recipes) == 3


def test_waiting_runs_take_turns_with_lock_timeout(tmp_path, served_sandbox, backend_env):
    url = served_sandbox
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "conc.py").write_text(textwrap.dedent(STACK))
    procs = start_ups(tmp_path, url, 3, "--lock-timeout", "90", backend_env=backend_env)
    results = [(p.wait(timeout=180), p.stdout.read(), p.stderr.read()) for p in procs]
    assert [r[0] for r in results] == [0, 0, 0], [r[2] for r in results]
    summaries = sorted(json.dumps(json.loads(r[1])["summary"]) for r in results)
    assert summaries == sorted([json.dumps({"create": 8})] + [json.dumps({"same": 8})] * 2)
    exported = run_dss(tmp_path, url, "stack", "export", "conc", backend_env=backend_env)
    state = json.loads(exported.stdout)
    assert len(state["resources"]) == 8 and state["pending"] == []
