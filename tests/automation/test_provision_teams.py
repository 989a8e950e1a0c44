"""examples/self_service/provision_teams.py on the sandbox: the team list changes between
runs (a team added, one removed and destroyed, one relabelled)."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

from dsspulumi.sandbox import Sandbox

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "self_service"


def load_example():
    spec = importlib.util.spec_from_file_location("provision_teams", EXAMPLE / "provision_teams.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def sandbox():
    with Sandbox() as sb:
        yield sb


def table(text: str) -> dict[str, list[str]]:
    rows = [line.split(None, 3) for line in text.strip().splitlines()]
    assert rows[0] == ["STACK", "ACTION", "RESULT", "CHANGES"]
    return {r[0]: r[1:] for r in rows[1:]}


def test_teams_from_a_csv_added_removed_relabelled(sandbox, tmp_path, monkeypatch, capsys):
    for var in ("DKU_DSS_URL", "DSS_BACKEND"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("DKU_API_KEY", sandbox.api_key)
    monkeypatch.chdir(tmp_path)
    example = load_example()
    teams = tmp_path / "teams.csv"
    shutil.copy(EXAMPLE / "teams.csv", teams)
    argv = [str(teams), "--work-dir", str(tmp_path / "work"), "--dss-url", sandbox.url]

    assert example.main(argv) == 0
    first = table(capsys.readouterr().out)
    assert first == {
        "team_finance": ["up", "succeeded", "create 5"],
        "team_marketing": ["up", "succeeded", "create 5"],
        "team_supply": ["up", "succeeded", "create 5"],
    }
    client = sandbox.client()
    assert {"FINANCE", "MARKETING", "SUPPLY"} <= {p["projectKey"] for p in client.list_projects()}
    grants = client.get_project("SUPPLY").get_permissions()["permissions"]
    assert any(g.get("group") == "administrators" and g.get("admin") for g in grants)

    # SUPPLY leaves, OPS joins, FINANCE gets a new name.
    teams.write_text(
        "key,name,owner_group\n"
        "MARKETING,Marketing analytics,data_team\n"
        "FINANCE,Finance and controlling,data_team\n"
        "OPS,Operations,data_team\n"
    )
    assert example.main(argv) == 0
    second = table(capsys.readouterr().out)
    assert second == {
        "team_finance": ["up", "succeeded", "update 1"],
        "team_marketing": ["up", "succeeded", "-"],
        "team_ops": ["up", "succeeded", "create 5"],
        "team_supply": ["destroy", "succeeded", "delete 5"],
    }
    keys = {p["projectKey"] for p in client.list_projects()}
    assert {"FINANCE", "MARKETING", "OPS"} <= keys and "SUPPLY" not in keys
    assert client.get_project("FINANCE").get_metadata()["label"] == "Finance and controlling"

    # A third run with nothing changed: nothing to do, and the destroyed team stays gone.
    assert example.main(argv) == 0
    third = table(capsys.readouterr().out)
    assert set(third) == {"team_finance", "team_marketing", "team_ops"}
    assert all(row[2] == "-" for row in third.values())
