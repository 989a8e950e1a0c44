"""``kill -9`` of ``dss up`` right after DSS created a scenario or a flow zone.

A scenario carries this run's mark from its creation body on, so the next run adopts it;
a zone can carry none, so the next run never adopts it, and nothing is created twice.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess

from tests.crash.conftest import DSS

STACK = """
import dsspulumi as dss
project = dss.Project("CRASHK", name="Crash kinds")
{extra}
"""


def _killed(ws, point: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DKU_DSS_URL": ws.sandbox.url,
        "DKU_API_KEY": ws.sandbox.api_key,
        "DSSPULUMI_CRASH_AT": point,
    }
    env.pop("DSS_BACKEND", None)
    return subprocess.run(
        [*DSS, "up", "own", "--yes", "--parallel", "1"],
        cwd=ws.root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _write(ws, extra: str) -> None:
    (ws.root / "stacks" / "own.py").write_text(STACK.format(extra=extra))


def test_killed_after_creating_a_scenario_the_next_run_adopts_it(ws):
    client = ws.sandbox.client()
    _write(ws, "")
    assert ws.dss("up", "own", "--yes").exit_code == 0
    _write(ws, 'dss.Scenario("Nightly", project=project, steps=[dss.PythonStep("pass")])')
    r = _killed(ws, "after-create-call:CRASHK.Nightly")
    assert r.returncode == -signal.SIGKILL, r.stderr
    assert len(client.get_project("CRASHK").list_scenarios()) == 1

    healed = ws.dss("up", "own", "--yes", "--json")
    assert healed.exit_code == 0, healed.stderr
    assert "CRASHK.Nightly: interrupted create; found in DSS with this run's mark" in (
        healed.stderr
    )
    (scenario,) = client.get_project("CRASHK").list_scenarios()
    rec = next(r for r in ws.state("own").resources if r.name == "Nightly")
    assert rec.outputs == {"id": scenario["id"]}  # found by its mark, recorded with its id
    steps = client.get_project("CRASHK").get_scenario(scenario["id"]).get_settings().raw_steps
    assert [s["type"] for s in steps] == ["custom_python"]
    check = ws.dss("preview", "own", "--refresh", "--expect-no-changes")
    assert check.exit_code == 0, check.stdout + check.stderr
    assert ws.dss("destroy", "own", "--yes").exit_code == 0
    assert "CRASHK" not in client.list_project_keys()


def test_killed_after_creating_a_zone_the_next_run_never_adopts_nor_duplicates_it(ws):
    client = ws.sandbox.client()
    _write(ws, "")
    assert ws.dss("up", "own", "--yes").exit_code == 0
    _write(ws, 'dss.FlowZone("Prep", project=project)')
    r = _killed(ws, "after-create-call:CRASHK.Prep")
    assert r.returncode == -signal.SIGKILL, r.stderr

    again = ws.dss("up", "own", "--yes", "--json")
    assert again.exit_code == 1
    step = next(s for s in json.loads(again.stdout)["steps"] if s["name"] == "Prep")
    assert "already exists in DSS and was not created by this stack" in step["error"]
    zones = client.get_project("CRASHK").get_flow().list_zones()
    assert [z.name for z in zones] == ["Default", "Prep"]  # never created twice
    assert not [r for r in ws.state("own").resources if r.name == "Prep"]
