"""Output scripts can rely on (issue 16, part 5): stdout holds the document and nothing else,
and `dss refresh` off a terminal records nothing unless told to.

The stdout tests run the real `dss` as a subprocess (its stdout a pipe, as in CI), against
the sandbox over HTTP.
"""

from __future__ import annotations

import json
import os
import re
import select
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

DSS = [sys.executable, "-m", "dsspulumi.cli"]

HELPER = """
print("hello from helper")
"""

PRINTING = """
import os
import sys

import dsspulumi as dss
import printing_helper  # prints when imported

print("hello from stack")
sys.stdout.write("written to sys.stdout\\n")
os.system("echo from a subprocess")
dss.Project("PRINTS", name="Prints")
"""

NOISE = ("hello from helper", "hello from stack", "written to sys.stdout", "from a subprocess")


def _run(root: Path, sandbox: Any, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DSS_BACKEND",)}
    env.update(DKU_DSS_URL=sandbox.url, DKU_API_KEY=sandbox.api_key)
    return subprocess.run(
        [*DSS, *args],
        cwd=root,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _printing_stack(root: Path) -> None:
    (root / "stacks").mkdir(exist_ok=True)
    (root / "stacks" / "printing_helper.py").write_text(HELPER)
    (root / "stacks" / "prints.py").write_text(PRINTING)


def _noise_on_stderr_only(r: subprocess.CompletedProcess[str]) -> None:
    for text in NOISE:
        assert text not in r.stdout, (text, r.stdout)
        assert text in r.stderr, (text, r.stderr)


def test_print_in_a_stack_file_goes_to_stderr_when_stdout_carries_json(tmp_path, dss_sandbox):
    _printing_stack(tmp_path)
    r = _run(tmp_path, dss_sandbox, "preview", "prints", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["summary"] == {"create": 1}  # the whole stdout parses
    _noise_on_stderr_only(r)

    r = _run(tmp_path, dss_sandbox, "up", "prints", "--yes", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["result"] == "succeeded"
    _noise_on_stderr_only(r)


def test_print_in_a_stack_file_stays_out_of_markdown_and_graphs(tmp_path, dss_sandbox):
    _printing_stack(tmp_path)
    r = _run(tmp_path, dss_sandbox, "preview", "prints", "--format", "markdown")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("## Plan: stack `prints`"), r.stdout
    _noise_on_stderr_only(r)

    r = _run(tmp_path, dss_sandbox, "graph", "prints")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("digraph"), r.stdout
    _noise_on_stderr_only(r)


def test_print_in_a_stack_file_stays_on_stdout_for_people(tmp_path, dss_sandbox):
    """The text plan is for a person: what the program prints stays where it was."""
    _printing_stack(tmp_path)
    r = _run(tmp_path, dss_sandbox, "preview", "prints")
    assert r.returncode == 0, r.stderr
    assert "hello from stack" in r.stdout and "1 to create" in r.stdout


# --- dss refresh off a terminal --------------------------------------------------------------

STACK = """
project = dss.Project("REFR", name="Refresh")
dss.Dataset("RAW", project=project, type="Filesystem", connection="filesystem_root",
            params={"path": "/orders"}, format_type="csv")
"""


def _drift_by_hand(ws) -> None:
    settings = ws.sandbox.client().get_project("REFR").get_dataset("RAW").get_settings()
    settings.get_raw()["params"]["path"] = "/by_hand"
    settings.save()


def _on_pty(ws, args: list[str], answer: str) -> tuple[int, str]:
    """`dss ARGS` on a real terminal (a pty), answering its question with ``answer``."""
    leader, follower = os.openpty()
    env = {**os.environ, "DKU_DSS_URL": ws.sandbox.url, "DKU_API_KEY": ws.sandbox.api_key}
    proc = subprocess.Popen(
        [*DSS, *args], cwd=ws.root, stdin=follower, stdout=follower, stderr=follower, env=env
    )
    os.close(follower)
    output, answered = b"", False
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
        if not answered and b"[y/N]" in output:
            os.write(leader, answer.encode() + b"\r")
            answered = True
        if proc.poll() is not None and not ready:
            break
    proc.wait(timeout=10)
    os.close(leader)
    return proc.returncode, output.decode(errors="replace")


def test_refresh_off_a_terminal_without_yes_records_nothing_and_exits_2(ws):
    ws.stack("refr", STACK)
    assert ws.dss("up", "refr", "--yes").exit_code == 0
    _drift_by_hand(ws)
    before = ws.state_path("refr").read_bytes()
    history = len(ws.dss("stack", "history", "refr", "--json").json)
    calls = ws.sandbox.total_requests

    for args in (["refresh", "refr"], ["refresh", "refr", "--json"]):
        r = ws.dss(*args)
        assert r.exit_code == 2, (args, r.stdout, r.stderr)
        assert "refusing to record the drift without confirmation" in r.stderr
        assert "stdin is not a terminal" in r.stderr and "--yes" in r.stderr
        assert "--preview-only" in r.stderr
        assert r.stdout == ""
    assert ws.sandbox.total_requests == calls  # refused before reading DSS
    assert ws.state_path("refr").read_bytes() == before
    assert len(ws.dss("stack", "history", "refr", "--json").json) == history

    # --preview-only shows the drift and is allowed; so is --expect-no-changes, which,
    # like `up --expect-no-changes`, then records nothing.
    r = ws.dss("refresh", "refr", "--preview-only", "--json")
    assert r.exit_code == 0, r.stderr
    assert r.json["recorded"] is False and r.json["drift"]
    r = ws.dss("refresh", "refr", "--expect-no-changes")
    assert r.exit_code == 3, r.stderr
    assert "nothing recorded" in r.stdout
    assert ws.state_path("refr").read_bytes() == before

    # --yes records.
    r = ws.dss("refresh", "refr", "--yes", "--json")
    assert r.exit_code == 0, r.stderr
    assert r.json["recorded"] is True
    assert ws.state_path("refr").read_bytes() != before
    assert ws.dss("preview", "refr", "--json").json["summary"] == {"update": 1, "same": 1}


def test_refresh_on_a_terminal_asks_before_recording(ws):
    """On a terminal the drift is shown, then asked about: with --json too."""
    ws.stack("refr", STACK)
    assert ws.dss("up", "refr", "--yes").exit_code == 0
    _drift_by_hand(ws)
    before = ws.state_path("refr").read_bytes()
    code, out = _on_pty(ws, ["refresh", "refr", "--json"], answer="n")
    assert code == 1 and "Record this drift in the state?" in out, out
    assert "nothing was recorded" in out
    assert ws.state_path("refr").read_bytes() == before
    code, out = _on_pty(ws, ["refresh", "refr"], answer="y")
    assert code == 0, out
    assert "1 drifted resource(s) recorded" in out
    assert ws.state_path("refr").read_bytes() != before


# --- --lock-timeout says what it waits for ---------------------------------------------------

HOLDER = """
import sys, time
from dsspulumi.backends.local import LocalBackend
with LocalBackend(sys.argv[1]).lock("locked", "dev", "dss up locked"):
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def test_lock_timeout_says_who_holds_the_lock_every_ten_seconds(tmp_path, dss_sandbox):
    """A real second process holds the lock for 11 s; `dss up --lock-timeout` waits for it,
    saying so at once and again after 10 s (the CLI's interval), then applies."""
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "locked.py").write_text(
        'import dsspulumi as dss\ndss.Project("LOCKED", name="Locked")\n'
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path / ".dss" / "state"), "11"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        r = _run(tmp_path, dss_sandbox, "up", "locked", "--yes", "--lock-timeout", "60")
    finally:
        holder.wait(timeout=60)
    assert r.returncode == 0, r.stderr
    lines = [line for line in r.stderr.splitlines() if "waiting" in line]
    assert len(lines) == 2, r.stderr
    first, again = lines
    assert first.startswith("note: stack 'locked' (env 'dev') is locked by ")
    assert f"(pid {holder.pid}) running `dss up locked` since " in first
    assert "waiting up to 60s for it (--lock-timeout)" in first
    assert again.startswith("note: still waiting for the lock of stack 'locked' (env 'dev')")
    assert f"(pid {holder.pid})" in again
    assert re.search(r"waited 1[01]s, giving up in (49|50)s$", again), again
    assert "up succeeded" in r.stdout


# --- diffs inside lists of objects -----------------------------------------------------------

SCENARIO = """
project = dss.Project("LISTS", name="Lists")
raw = dss.Dataset("RAW", project=project, type="Filesystem", connection="filesystem_root",
                  params={{"path": "/raw"}})
dss.Scenario("Nightly", project=project,
             steps=[{steps}],
             triggers=[dss.TemporalTrigger("Daily", hour={hour}, starting_from="2025-01-01")])
"""
ONE_STEP = "dss.BuildStep([raw])"


def test_a_changed_trigger_is_shown_per_element_and_key(ws):
    ws.stack("lists", SCENARIO.format(steps=ONE_STEP, hour=2))
    assert ws.dss("up", "lists", "--yes").exit_code == 0
    ws.stack("lists", SCENARIO.format(steps=ONE_STEP, hour=3))

    r = ws.dss("preview", "lists", "--diff")
    assert r.exit_code == 0, r.stderr
    assert "~ triggers[0].params.hour: 2 => 3" in r.stdout
    assert '"params"' not in r.stdout  # not the whole list, twice

    r = ws.dss("preview", "lists")
    assert "[diff: ~triggers[0].params.hour]" in r.stdout

    r = ws.dss("preview", "lists", "--json")
    (step,) = [s for s in r.json["steps"] if s["op"] != "same"]
    assert step["op"] == "update"
    assert step["diff"] == [{"path": "triggers[0].params.hour", "old": 2, "new": 3}]

    r = ws.dss("preview", "lists", "--format", "markdown")
    assert "| `~` | dss:Scenario | `LISTS.Nightly` | update | `triggers[0].params.hour` |" in (
        r.stdout
    )
    assert "- triggers[0].params.hour: 2\n+ triggers[0].params.hour: 3\n" in r.stdout


def test_a_step_added_or_removed_is_shown_at_its_index(ws):
    two = f"{ONE_STEP}, dss.PythonStep('print(1)', name='Report')"
    ws.stack("lists", SCENARIO.format(steps=ONE_STEP, hour=2))
    assert ws.dss("up", "lists", "--yes").exit_code == 0
    ws.stack("lists", SCENARIO.format(steps=two, hour=2))

    r = ws.dss("preview", "lists", "--json")
    (step,) = [s for s in r.json["steps"] if s["op"] != "same"]
    ((path, old, new),) = [(d["path"], d["old"], d["new"]) for d in step["diff"]]
    assert path == "steps[1]" and old is None and new["name"] == "Report"
    r = ws.dss("preview", "lists", "--diff")
    assert '+ steps[1]: (added) {"type": "custom_python", "name": "Report"' in r.stdout
    r = ws.dss("preview", "lists", "--format", "markdown")
    assert '+ steps[1]: (added) {"type": "custom_python", "name": "Report"' in r.stdout

    assert ws.dss("up", "lists", "--yes").exit_code == 0
    ws.stack("lists", SCENARIO.format(steps="dss.PythonStep('print(1)', name='Report')", hour=2))
    r = ws.dss("preview", "lists", "--diff")
    assert '- steps[0]: (removed) {"type": "build_flowitem"' in r.stdout
    assert "steps[1]" not in r.stdout  # the step that stays is not shown as changed


def test_drift_inside_a_list_uses_the_same_paths(ws):
    ws.stack("lists", SCENARIO.format(steps=ONE_STEP, hour=2))
    assert ws.dss("up", "lists", "--yes").exit_code == 0
    project = ws.sandbox.client().get_project("LISTS")
    (item,) = project.list_scenarios(as_type="listitems")
    settings = project.get_scenario(item["id"]).get_settings()
    settings.get_raw()["triggers"][0]["params"]["hour"] = 5
    settings.save()

    r = ws.dss("refresh", "lists", "--preview-only")
    assert "~ triggers[0].params.hour: 2 => 5 (in DSS)" in r.stdout
    r = ws.dss("refresh", "lists", "--preview-only", "--json")
    (drift,) = r.json["resources"]
    assert drift["diff"] == [{"path": "triggers[0].params.hour", "state": 2, "dss": 5}]
    r = ws.dss("preview", "lists", "--refresh", "--format", "markdown")
    assert "| `LISTS.Nightly` | changed | `triggers[0].params.hour` = `5` |" in r.stdout
