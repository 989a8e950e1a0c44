"""DSS dies mid-run (`kill -9` of a real `dss sandbox serve`): the run stops early, says so once.

Real processes throughout: the sandbox (SQLite under --data, 20 ms per request) and the `dss`
command under test. The sandbox is killed once the run is well under way, then:

* `up` / `destroy` exit 1 within seconds (the contract is 60 s at the default retries), print
  one summary line with real counts (done + failed + not started = every step), no flood of
  retry or "cannot reach DSS" lines, and the state records every step reported done;
* `refresh` stops with one line and records nothing (a read that failed is no deletion);
* once the sandbox is back (same data, same port), the same command converges and nothing is
  left over or duplicated.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import textwrap
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from dataikuapi import DSSClient

from tests.crash.conftest import DSS, run_dss, serve

pytestmark = pytest.mark.slow

KEY = "down-key"
LATENCY_MS = 20
BOUND_S = 40  # the contract is 60 s; at the default retries a run takes a few seconds here
SUMMARY = re.compile(
    r"DSS at (\S+) stopped answering at \d\d:\d\d:\d\d; (\d+) steps done and recorded, "
    r"(\d+) not started"
)
NOISE = ("↻", "retry", "cannot reach DSS", "stopped answering", "skipped")


def stack(workdir: Path, n: int, kind: str = "dataset") -> str:
    declare = {
        "dataset": 'dss.ManagedDataset(f"D{i:04d}", project=project, '
        'connection="filesystem_managed")',
        "folder": 'dss.ManagedFolder(f"F{i:04d}", project=project)',
    }[kind]
    (workdir / "stacks").mkdir(exist_ok=True)
    (workdir / "stacks" / "down.py").write_text(
        textwrap.dedent(
            f"""
            import dsspulumi as dss
            project = dss.Project("DOWN", name="DSS dies mid-run")
            for i in range({n}):
                {declare}
            """
        )
    )
    return "down"


def calls(url: str, *needles: str) -> int:
    """API calls the sandbox served so far whose route contains every one of ``needles``."""
    with urllib.request.urlopen(f"{url}/__sandbox__/stats", timeout=10) as resp:
        counts = json.load(resp)["counts"]
    return sum(n for route, n in counts.items() if all(x in route for x in needles))


class Victim:
    """A `dss` command that the sandbox dies under; its output goes to files (no pipe to
    fill), and the time from the kill to its exit is measured."""

    def __init__(self, workdir: Path, url: str, *args: str) -> None:
        env = {
            **os.environ,
            "DKU_DSS_URL": url,
            "DKU_API_KEY": KEY,
            "DSS_BACKEND": f"file://{workdir}/state",
        }
        self.out = workdir / f"victim-{args[0]}.out"
        self.err = workdir / f"victim-{args[0]}.err"
        with self.out.open("w") as out, self.err.open("w") as err:
            self.proc = subprocess.Popen(
                [*DSS, *args], cwd=workdir, env=env, stdout=out, stderr=err
            )

    def kill_sandbox_when(
        self, sandbox: subprocess.Popen[str], ready: Callable[[], bool], timeout: float = 120
    ) -> None:
        deadline = time.monotonic() + timeout
        while not ready():
            assert self.proc.poll() is None, "finished before the kill point:\n" + self.text()
            assert time.monotonic() < deadline, "the command never reached the kill point"
            time.sleep(0.005)
        sandbox.send_signal(signal.SIGKILL)
        sandbox.wait()
        self.killed_at = time.monotonic()

    def text(self) -> str:
        return self.out.read_text() + self.err.read_text()

    def finish(self) -> tuple[int, float]:
        """Exit code, and seconds from the kill to the exit."""
        try:
            code = self.proc.wait(timeout=300)  # generous: the bound is asserted, not waited
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
        return code, time.monotonic() - self.killed_at


def summary_counts(lines: list[str], url: str) -> tuple[int, int, int]:
    """done, failed and not started, as the summary says them (once each)."""
    found = [m for m in map(SUMMARY.search, lines) if m]
    assert len(found) == 1, "\n".join(lines[-30:])
    stopped_url, done, not_started = found[0].groups()
    assert stopped_url == url
    failed = [re.search(r"✗\s+(\d+) failed, (\d+) not started", line) for line in lines]
    (counts,) = [m for m in failed if m]
    assert int(counts.group(2)) == int(not_started)
    return int(done), int(counts.group(1)), int(not_started)


def assert_no_flood(lines: list[str], url: str) -> None:
    """A handful of lines about the outage, not one per step or per retry."""
    noisy = [line for line in lines if any(word in line for word in NOISE)]
    assert len(noisy) <= 8, "\n".join(noisy)
    assert sum("Run `dss" in line and "again when DSS is back" in line for line in lines) == 1


def recorded(workdir: Path, url: str) -> dict:
    exported = run_dss(workdir, url, "stack", "export", "down", key=KEY)
    assert exported.returncode == 0, exported.stderr
    return json.loads(exported.stdout)


def down_objects(url: str) -> set[str]:
    client = DSSClient(url, KEY)
    if "DOWN" not in client.list_project_keys():
        return set()
    project = client.get_project("DOWN")
    names = {"DOWN"} | {d["name"] for d in project.list_datasets(as_type="listitems")}
    return names | {f["name"] for f in project.list_managed_folders()}


def test_up_stops_soon_after_dss_dies_says_it_once_and_converges_later(tmp_path: Path) -> None:
    n = 300
    data = tmp_path / "sandbox-data"
    name = stack(tmp_path, n)
    sandbox, url = serve(data, key=KEY, latency_ms=LATENCY_MS)
    port = int(url.rsplit(":", 1)[1])
    try:
        victim = Victim(tmp_path, url, "up", name, "--yes")
        victim.kill_sandbox_when(sandbox, lambda: calls(url, "POST", "datasets") >= 40)
        code, after_kill = victim.finish()
    finally:
        sandbox.kill()
        sandbox.wait()
    text = victim.text()
    lines = text.splitlines()
    assert code == 1, text
    assert after_kill < BOUND_S, f"{after_kill:.1f}s after the kill\n{text}"
    done, failed, not_started = summary_counts(lines, url)
    assert done + failed + not_started == n + 1, (done, failed, not_started)
    assert done >= 20 and not_started > 0, (done, failed, not_started)
    assert_no_flood(lines, url)
    assert "Run `dss up` again when DSS is back" in text
    reported = {m.group(1) for m in map(re.compile(r"^ \+\s+(\S+) created ").search, lines) if m}
    assert len(reported) == done
    state = recorded(tmp_path, url)
    in_state = {r["urn"].rsplit("::", 1)[-1] for r in state["resources"]}
    assert reported <= in_state  # every step reported done is recorded
    # The steps in flight were left pending (their settlement reads failed at once), for
    # the next run to settle by reading DSS.
    pending = {p["urn"].rsplit("::", 1)[-1] for p in state["pending"]}
    assert len(pending) <= failed and not pending & reported
    assert len(in_state) <= done + failed

    sandbox, url2 = serve(data, port, key=KEY, latency_ms=LATENCY_MS)  # DSS is back
    try:
        assert url2 == url
        healed = run_dss(tmp_path, url, "up", name, "--yes", "--json", key=KEY)
        assert healed.returncode == 0, healed.stdout + healed.stderr
        for op in pending:
            assert f"{op}: interrupted create" in healed.stderr, healed.stderr
        doc = json.loads(healed.stdout)
        assert doc["result"] == "succeeded" and doc["dss_stopped_answering"] is None
        expected = {"DOWN"} | {f"D{i:04d}" for i in range(n)}
        assert down_objects(url) == expected  # all there, nothing extra
        state = recorded(tmp_path, url)
        assert len(state["resources"]) == n + 1 and not state.get("pending")
        check = run_dss(tmp_path, url, "preview", name, "--refresh", "--expect-no-changes", key=KEY)
        assert check.returncode == 0, check.stdout + check.stderr
    finally:
        sandbox.kill()
        sandbox.wait()


def test_destroy_stops_soon_after_dss_dies_and_finishes_later(tmp_path: Path) -> None:
    n = 150
    data = tmp_path / "sandbox-data"
    name = stack(tmp_path, n)
    sandbox, url = serve(data, key=KEY, latency_ms=LATENCY_MS)
    port = int(url.rsplit(":", 1)[1])
    try:
        built = run_dss(tmp_path, url, "up", name, "--yes", "--json", key=KEY)
        assert built.returncode == 0, built.stdout + built.stderr
        victim = Victim(tmp_path, url, "destroy", name, "--yes", "--json")
        victim.kill_sandbox_when(sandbox, lambda: calls(url, "DELETE", "datasets") >= 25)
        code, after_kill = victim.finish()
    finally:
        sandbox.kill()
        sandbox.wait()
    assert code == 1, victim.text()
    assert after_kill < BOUND_S, f"{after_kill:.1f}s after the kill"
    doc = json.loads(victim.out.read_text())
    assert doc["result"] == "failed"
    down = doc["dss_stopped_answering"]
    assert down["url"] == url and re.fullmatch(r"\d\d:\d\d:\d\d", down["at_local"])
    assert down["done"] + down["failed"] + down["not_started"] == n + 1
    # Each step in flight spends one call's retries at most (10 steps at --parallel 10, 5
    # retries each): once one has spent them all, every other call fails without retrying,
    # the settlement reads of the failed steps included.
    assert len(doc["retries"]) <= 10 * 5, len(doc["retries"])
    statuses = [s["status"] for s in doc["steps"]]
    assert statuses.count("succeeded") == down["done"] >= 10
    assert statuses.count("skipped") == down["not_started"] > 0  # the project, at least
    state = recorded(tmp_path, url)
    deleted = {s["logical_name"] for s in doc["steps"] if s["status"] == "succeeded"}
    assert not deleted & {r["urn"].rsplit("::", 1)[-1] for r in state["resources"]}

    sandbox, _ = serve(data, port, key=KEY, latency_ms=LATENCY_MS)
    try:
        again = run_dss(tmp_path, url, "destroy", name, "--yes", "--json", key=KEY)
        assert again.returncode == 0, again.stdout + again.stderr
        assert down_objects(url) == set()
        assert recorded(tmp_path, url)["resources"] == []
    finally:
        sandbox.kill()
        sandbox.wait()


def test_refresh_stops_when_dss_dies_and_records_nothing(tmp_path: Path) -> None:
    """Folders are read one by one (no batched list): a refresh takes a while, and is caught
    mid-way. A read that failed must not be recorded as a deletion."""
    n = 120
    data = tmp_path / "sandbox-data"
    name = stack(tmp_path, n, kind="folder")
    sandbox, url = serve(data, key=KEY, latency_ms=0)
    port = int(url.rsplit(":", 1)[1])
    try:
        built = run_dss(tmp_path, url, "up", name, "--yes", "--json", key=KEY)
        assert built.returncode == 0, built.stdout + built.stderr
    finally:
        sandbox.kill()
        sandbox.wait()
    before = recorded(tmp_path, url)
    # The same DSS, slower: the reads of the refresh are caught mid-way.
    sandbox, _ = serve(data, port, key=KEY, latency_ms=4 * LATENCY_MS)
    try:
        victim = Victim(tmp_path, url, "refresh", name, "--yes")
        victim.kill_sandbox_when(sandbox, lambda: calls(url, "GET", "managedfolders") >= 20)
        code, after_kill = victim.finish()
    finally:
        sandbox.kill()
        sandbox.wait()
    text = victim.text()
    lines = text.splitlines()
    assert code == 1, text
    assert after_kill < BOUND_S, f"{after_kill:.1f}s after the kill\n{text}"
    said = [line for line in lines if "stopped answering" in line]
    assert len(said) == 1 and f"DSS at {url} stopped answering at " in said[0], text
    assert "nothing was recorded" in said[0] and "Run `dss refresh` again" in said[0]
    assert "deleted outside" not in text
    assert sum(any(word in line for word in NOISE) for line in lines) <= 4, text
    after = recorded(tmp_path, url)
    assert after["resources"] == before["resources"]  # no read that failed became a deletion

    sandbox, _ = serve(data, port, key=KEY, latency_ms=0)
    try:
        again = run_dss(tmp_path, url, "refresh", name, "--yes", key=KEY)
        assert again.returncode == 0, again.stdout + again.stderr
        assert "DSS matches the state" in again.stdout
    finally:
        sandbox.kill()
        sandbox.wait()
