"""The example stack using every kind (stacks/churn_platform.py): up, empty preview, destroy.

Issue 8's end-to-end check: instance connection and group, two projects with a shared
dataset, folders, visual and code recipes, zones, a scheduled scenario, variables,
permissions and a component, applied to the sandbox through the real CLI; the warehouse
password never appears in state, history, exports or output.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "Pg-pa55word-for-churn"
PASS = {"DSS_CONFIG_PASSPHRASE": "churn platform test passphrase"}


@pytest.fixture
def churn(ws):
    for part in ("components", "code"):
        shutil.copytree(REPO / "stacks" / part, ws.root / "stacks" / part)
    for name in ("churn_platform.py", "churn_platform.dev.toml"):
        shutil.copy(REPO / "stacks" / name, ws.root / "stacks")
    r = ws.dss("config", "set", "churn_platform", "pg_password", "--secret", "-",
               input=PASSWORD, env=PASS)
    assert r.exit_code == 0, r.stderr
    return ws


def _outputs(ws, *args: str) -> str:
    r = ws.dss(*args, env=PASS)
    assert r.exit_code in (0, 3), r.stdout + r.stderr
    return r.stdout + r.stderr


def test_churn_platform_round_trips_and_keeps_the_password_secret(churn):
    ws = churn
    seen = _outputs(ws, "preview", "churn_platform", "--json")
    up = ws.dss("up", "churn_platform", "--yes", env=PASS)
    assert up.exit_code == 0, up.stdout + up.stderr
    seen += up.stdout + up.stderr

    client = ws.sandbox.client()
    assert {"CHURN", "CHURN_REF"} <= set(client.list_project_keys())
    scoring = client.get_project("CHURN")
    assert "churn_warehouse" in client.list_connections()
    assert "churn_analysts" in {g["name"] for g in client.list_groups()}
    assert client.get_global_variables()["churn_platform_env"] == "dev"
    recipes = {r.name: r.type for r in scoring.list_recipes()}
    assert {recipes[n] for n in ("clean_customers", "group_by_country", "join_regions")} == {
        "shaker", "grouping", "join"}
    assert recipes["score_churn"] == "python"
    folders = {f["name"]: f["id"] for f in scoring.list_managed_folders()}
    assert set(folders) == {"landing", "reports"}
    raw = scoring.get_dataset("RAW_CUSTOMERS").get_settings().get_raw()
    assert raw["params"]["folderSmartId"] == folders["landing"]
    exposed = client.get_project("CHURN_REF").get_settings().get_raw()["exposedObjects"]
    assert any(o["localName"] == "COUNTRIES" and any(r["targetProject"] == "CHURN"
               for r in o["rules"]) for o in exposed["objects"])
    zones = {z.name: z._raw for z in scoring.get_flow().list_zones()}
    assert {"Scoring", "CHURN features"} <= set(zones)
    assert {"objectType": "MANAGED_FOLDER", "objectId": folders["reports"]} in [
        {k: i[k] for k in ("objectType", "objectId")} for i in zones["Scoring"]["items"]]
    scenario = scoring.list_scenarios(as_type="objects")[0].get_settings().get_raw()
    assert scenario["active"] is True
    assert scenario["triggers"][0]["params"]["frequency"] == "Daily"
    assert scoring.get_variables()["standard"]["score_threshold"] == 0.7
    groups = {p.get("group") for p in scoring.get_permissions()["permissions"]}
    assert "churn_analysts" in groups

    # Up twice: the second plan is empty, from the state alone and against DSS.
    assert ws.dss("preview", "churn_platform", "--expect-no-changes", env=PASS).exit_code == 0
    r = ws.dss("preview", "churn_platform", "--refresh", "--expect-no-changes", env=PASS)
    assert r.exit_code == 0, r.stdout + r.stderr
    seen += r.stdout + r.stderr
    seen += _outputs(ws, "stack", "export", "churn_platform")
    seen += _outputs(ws, "stack", "history", "churn_platform", "--json")

    destroy = ws.dss("destroy", "churn_platform", "--yes", env=PASS)
    assert destroy.exit_code == 0, destroy.stdout + destroy.stderr
    seen += destroy.stdout + destroy.stderr
    assert not {"CHURN", "CHURN_REF"} & set(client.list_project_keys())
    assert "churn_warehouse" not in client.list_connections()
    assert "churn_platform_env" not in client.get_global_variables()

    on_disk = b"".join(p.read_bytes() for p in ws.root.rglob("*") if p.is_file())
    assert PASSWORD.encode() not in on_disk
    assert PASSWORD not in seen
