"""The scenarios / variables / permissions / zones example of docs/kinds.md, exactly as written."""

from __future__ import annotations

import re
from pathlib import Path

PAGE = Path(__file__).resolve().parents[2] / "docs" / "kinds.md"


def docs_example() -> str:
    blocks = re.findall(r"```python\n(.*?)```", PAGE.read_text(), flags=re.S)
    (block,) = [b for b in blocks if "dss.Scenario(" in b and "dss.FlowZone(" in b]
    return block.replace("import dsspulumi as dss\n", "")


def test_docs_project_kinds_example_goes_up_previews_empty_and_destroys(ws):
    client = ws.sandbox.client()
    client.create_group("analysts")  # granted groups must exist ("engineers" is declared)
    client.create_user("alice", "pw")  # so must the owner (`up` checks before any change)
    ws.stack("readme", docs_example())
    r = ws.dss("up", "readme", "--yes", "--json")
    assert r.exit_code == 0, r.stderr
    assert r.json["summary"] == {"create": 10}
    project = client.get_project("CHURN")
    assert sorted(s["name"] for s in project.list_scenarios()) == ["Cleanup", "Nightly build"]
    assert project.get_variables()["standard"] == {"env": "prod"}
    assert project.get_permissions()["owner"] == "alice"
    zone = project.get_flow().get_zone_of_object(project.get_recipe("score"))
    assert zone.name == "Scoring"
    r = ws.dss("preview", "readme", "--refresh", "--expect-no-changes")
    assert r.exit_code == 0, r.stdout + r.stderr
    r = ws.dss("destroy", "readme", "--yes")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert client.list_project_keys() == []
    assert [g["name"] for g in client.list_groups()].count("engineers") == 0
