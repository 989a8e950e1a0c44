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
import textwrap
import time
import urllib.request
from pathlib import Path

import pytest
from dataikuapi import DSSClient

from tests.crash.conftest import DSS
from tests.crash.gate import GateProxy

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


def total_calls(url: str) -> int:
    with urllib.request.urlopen(f"{url}/__sandbox__/stats") as resp:
        return json.load(resp)["total"]


def run_dss(workdir: Path, url: str, *args: str, backend_env: dict[str, str] | None = None, **kw):
    env = {**os.environ, "DKU_DSS_URL": url, "DKU_API_KEY": "crash-key"}
    env.pop("DSS_BACKEND", None)
    env.update(backend_env or {})
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


def state_of(tmp_path: Path, url: str, backend_env: dict[str, str]) -> dict:
    exported = run_dss(tmp_path, url, "stack", "export", "crash", backend_env=backend_env)
    assert exported.returncode == 0, exported.stderr
    return json.loads(exported.stdout)


def assert_no_changes(
    tmp_path: Path, url: str, backend_env: dict[str, str], stack: str = "crash"
) -> None:
    """DSS holds exactly what was declared: a refreshed preview is empty."""
    check = run_dss(
        tmp_path,
        url,
        "preview",
        stack,
        "--refresh",
        "--expect-no-changes",
        backend_env=backend_env,
    )
    assert check.returncode == 0, check.stdout + check.stderr


@pytest.mark.parametrize("kill_after_calls", [2, 5, 11, 19])
def test_killed_up_converges_on_next_run(tmp_path, served_sandbox, backend_env, kill_after_calls):
    url = served_sandbox
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "crash.py").write_text(textwrap.dedent(STACK))
    env = {**os.environ, "DKU_DSS_URL": url, "DKU_API_KEY": "crash-key", **backend_env}
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

    # Whatever the kill point, the state (document + journal) reads back: never torn.
    listing = run_dss(tmp_path, url, "stack", "ls", "--json", backend_env=backend_env)
    assert listing.returncode == 0, listing.stderr
    assert all(row["error"] is None for row in json.loads(listing.stdout))

    healed = run_dss(tmp_path, url, "up", "crash", "--yes", "--json", backend_env=backend_env)
    assert healed.returncode == 0, healed.stderr + healed.stdout
    assert json.loads(healed.stdout)["result"] == "succeeded"
    if "s3" in backend_env.get("DSS_BACKEND", ""):
        # The killed run's S3 lock object was left behind; it names a dead pid on this host.
        assert "broke the abandoned lock" in healed.stderr, healed.stderr

    datasets, recipes = dss_objects(url)
    assert datasets == {f"DS{i}" for i in range(DATASETS)}
    assert recipes == {f"sync_{i}" for i in range(1, DATASETS)}
    state = state_of(tmp_path, url, backend_env)
    assert state["pending"] == []
    names = [r["name"] for r in state["resources"]]
    assert len(names) == len(set(names))  # no duplicate record
    assert set(names) == datasets | recipes | {"CRASH"}  # no orphan, nothing forgotten

    assert_no_changes(tmp_path, url, backend_env)


def test_killed_while_the_project_is_finished_after_what_goes_into_it_started(
    tmp_path, served_sandbox
):
    """A project lets the objects that go into it start once its creation call is answered
    (its mark rides in a tag; ``step_context.exists``), then moves the mark into its metadata.
    `dss up` is killed while that metadata read is held, after the datasets were created:
    the next run finds the project and every dataset by their marks, creates nothing twice,
    and destroy deletes them all (the project proven ours by the tag)."""
    url = served_sandbox
    backend_env = {"DSS_BACKEND": f"file://{tmp_path}/state"}
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "crash.py").write_text(
        textwrap.dedent(
            """
            import dsspulumi as dss
            project = dss.Project("CRASH", name="Crash test")
            for i in range(3):
                dss.ManagedDataset(f"DS{i}", project=project, connection="filesystem_managed")
            """
        )
    )
    with GateProxy(url, "GET", "/dip/publicapi/projects/CRASH/metadata") as gate:
        env = {**os.environ, "DKU_DSS_URL": gate.url, "DKU_API_KEY": "crash-key", **backend_env}
        victim = subprocess.Popen(
            [*DSS, "up", "crash", "--yes"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        assert gate.reached.wait(timeout=120), "the project's metadata was never read"
        deadline = time.monotonic() + 60
        while dss_objects(url)[0] != {"DS0", "DS1", "DS2"}:
            assert victim.poll() is None, "dss up finished while the project was held"
            assert time.monotonic() < deadline, "the datasets did not start before the project"
            time.sleep(0.01)
        time.sleep(0.3)  # their answers come back and are recorded
        victim.send_signal(signal.SIGKILL)
        victim.wait()

    healed = run_dss(tmp_path, url, "up", "crash", "--yes", "--json", backend_env=backend_env)
    assert healed.returncode == 0, healed.stderr + healed.stdout
    assert "create" not in json.loads(healed.stdout)["summary"]  # nothing made twice
    state = state_of(tmp_path, url, backend_env)
    assert state["pending"] == []
    assert sorted(r["name"] for r in state["resources"]) == ["CRASH", "DS0", "DS1", "DS2"]
    assert_no_changes(tmp_path, url, backend_env)
    gone = run_dss(tmp_path, url, "destroy", "crash", "--yes", backend_env=backend_env)
    assert gone.returncode == 0, gone.stdout + gone.stderr
    assert "CRASH" not in DSSClient(url, "crash-key").list_project_keys()
