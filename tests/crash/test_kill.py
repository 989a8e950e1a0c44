"""`kill -9` of `dss up` mid-run, then `dss up` again: DSS and state must agree exactly.

Real processes: the sandbox runs as `dss sandbox serve` with latency (so a run
lasts long enough to be killed in the middle), `dss up` runs as a child
process and gets SIGKILL at a chosen point, counted in API calls.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

import pytest
from dataikuapi import DSSClient

pytestmark = pytest.mark.slow

DATASETS = 8
STACK = f"""
import dsspulumi as dss
project = dss.Project("CRASH", name="Crash test")
prev = None
for i in range({DATASETS}):
    ds = dss.ManagedDataset(f"DS{{i}}", project=project, connection="filesystem_managed",
                            description=f"dataset {{i}}")
    if prev is not None:
        dss.SyncRecipe(f"sync_{{i}}", project=project, inputs=[prev], outputs=[ds])
    prev = ds
"""
DSS = [sys.executable, "-m", "dsspulumi.cli"]


@pytest.fixture
def served_sandbox(tmp_path):
    proc = subprocess.Popen(
        [
            *DSS,
            "sandbox",
            "serve",
            "--port",
            "0",
            "--api-key",
            "crash-key",
            "--latency-ms",
            "60",
            "--data",
            str(tmp_path / "sandbox-data"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        assert "listening on" in line, line + proc.stderr.read()
        url = line.strip().rsplit(" ", 1)[-1]
        yield url
    finally:
        proc.kill()
        proc.wait()


def total_calls(url: str) -> int:
    with urllib.request.urlopen(f"{url}/__sandbox__/stats") as resp:
        return json.load(resp)["total"]


def run_dss(workdir: Path, url: str, *args: str, **kw):
    env = {**os.environ, "DKU_DSS_URL": url, "DKU_API_KEY": "crash-key"}
    env.pop("DSS_BACKEND", None)
    return subprocess.run(
        [*DSS, *args], cwd=workdir, env=env, capture_output=True, text=True, timeout=120, **kw
    )


def dss_objects(url: str) -> tuple[set[str], set[str]]:
    client = DSSClient(url, "crash-key")
    if "CRASH" not in client.list_project_keys():
        return set(), set()
    project = client.get_project("CRASH")
    datasets = {d["name"] for d in project.list_datasets(as_type="listitems")}
    recipes = {r["name"] for r in project.list_recipes(as_type="listitems")}
    return datasets, recipes


@pytest.mark.parametrize("kill_after_calls", [2, 5, 11, 19])
def test_killed_up_converges_on_next_run(tmp_path, served_sandbox, kill_after_calls):
    url = served_sandbox
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "crash.py").write_text(textwrap.dedent(STACK))
    env = {**os.environ, "DKU_DSS_URL": url, "DKU_API_KEY": "crash-key"}
    before = total_calls(url)
    victim = subprocess.Popen(
        [*DSS, "up", "crash", "--yes", "--parallel", "4"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while total_calls(url) - before < kill_after_calls:
        assert victim.poll() is None, "dss up finished before the kill point"
        assert time.monotonic() < deadline
        time.sleep(0.005)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    assert victim.returncode == -signal.SIGKILL

    state_file = tmp_path / ".dss" / "state" / "crash" / "dev.json"
    if state_file.exists():
        json.loads(state_file.read_text())  # never torn: parses whatever the kill point

    healed = run_dss(tmp_path, url, "up", "crash", "--yes", "--json")
    assert healed.returncode == 0, healed.stderr + healed.stdout
    assert json.loads(healed.stdout)["result"] == "succeeded"

    datasets, recipes = dss_objects(url)
    assert datasets == {f"DS{i}" for i in range(DATASETS)}
    assert recipes == {f"sync_{i}" for i in range(1, DATASETS)}
    state = json.loads(state_file.read_text())
    assert state["pending"] == []
    names = [r["name"] for r in state["resources"]]
    assert len(names) == len(set(names))  # no duplicate record
    assert set(names) == datasets | recipes | {"CRASH"}  # no orphan, nothing forgotten

    # DSS holds exactly what was declared: a refreshed preview is empty.
    check = run_dss(tmp_path, url, "preview", "crash", "--refresh", "--expect-no-changes")
    assert check.returncode == 0, check.stdout + check.stderr
