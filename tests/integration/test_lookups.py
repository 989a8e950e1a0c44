"""Read-only lookups (``.get``): use what the stack does not manage, never touch it."""

from __future__ import annotations

import pytest

STACK = """
other = dss.Project.get("OTHER")
customers = dss.Dataset.get("OTHER.CUSTOMERS")
conn = dss.Connection.get("filesystem_managed")
mine = dss.Project("MINE", name="Mine")
scored = dss.ManagedDataset("SCORED", project=mine, connection=conn)
dss.PythonRecipe("score", project=mine, inputs=[customers], outputs=[scored], code="pass")
# A dataset of ours in the other team's project reads that project, never changes it.
dss.ManagedDataset("FROM_MINE", project=other, connection="filesystem_managed")
"""


@pytest.fixture
def other_team(ws):
    """Another team's project, made by hand: the stack must never modify or delete it."""
    client = ws.sandbox.client()
    project = client.create_project("OTHER", "Other team", "admin", description="theirs")
    project.create_dataset(
        "CUSTOMERS", "Filesystem", params={"connection": "filesystem_root", "path": "/c"}
    )
    settings = project.get_settings()  # they share it with us, as DSS requires
    settings.add_exposed_object("DATASET", "CUSTOMERS", "MINE")
    settings.save()
    return client


def _fingerprint(client):
    project = client.get_project("OTHER")
    md = project.get_metadata()
    ds = project.get_dataset("CUSTOMERS").get_settings().get_raw()
    return md, ds


def test_lookups_are_read_checked_and_never_touched(ws, other_team):
    ws.stack("look", STACK)
    before = _fingerprint(other_team)
    ws.sandbox.reset_counts()
    r = ws.dss("preview", "look", "--json")
    assert r.exit_code == 0, r.stderr
    ops = {s["name"]: s["op"] for s in r.json["steps"]}
    assert ops == {
        "OTHER": "read",
        "CUSTOMERS": "read",
        "filesystem_managed": "read",
        "MINE": "create",
        "SCORED": "create",
        "score": "create",
        "FROM_MINE": "create",
    }
    assert r.json["summary"] == {"create": 4, "read": 3}
    assert ws.sandbox.total_requests == 0  # a plain preview makes no DSS call
    human = ws.dss("preview", "look")
    assert "> " in human.stdout and "3 to read" in human.stdout

    r = ws.dss("up", "look", "--yes", "--json")
    assert r.exit_code == 0, r.stderr
    assert {s["name"]: s["status"] for s in r.json["steps"]}["CUSTOMERS"] == "succeeded"
    recipe = other_team.get_project("MINE").get_recipe("score").get_settings()
    assert recipe.get_recipe_raw_definition()["inputs"]["main"]["items"][0]["ref"] == (
        "OTHER.CUSTOMERS"
    )
    names = sorted(rec.name for rec in ws.state("look").resources)
    assert names == ["FROM_MINE", "MINE", "SCORED", "score"]  # lookups are not in the state
    assert ws.dss("preview", "look", "--refresh", "--expect-no-changes").exit_code == 0

    assert ws.dss("destroy", "look", "--yes").exit_code == 0
    assert "MINE" not in other_team.list_project_keys()
    assert _fingerprint(other_team) == before  # not modified, not deleted
    datasets = [d["name"] for d in other_team.get_project("OTHER").list_datasets()]
    assert datasets == ["CUSTOMERS"]  # FROM_MINE, ours, is gone; theirs stays


def test_a_missing_lookup_fails_before_anything_changes(ws, other_team):
    ws.stack("look", STACK.replace("OTHER.CUSTOMERS", "OTHER.CUSTOMERZ"))
    r = ws.dss("up", "look", "--yes")
    assert r.exit_code == 1
    assert "Dataset OTHER.CUSTOMERZ (read at stacks/look.py:4): not found in DSS" in r.stderr
    assert "MINE" not in other_team.list_project_keys()
    assert not ws.state("look").resources
    r = ws.dss("preview", "look", "--refresh")
    assert r.exit_code == 1 and "OTHER.CUSTOMERZ" in r.stderr
    assert ws.dss("preview", "look").exit_code == 0  # without --refresh, no DSS call

    ws.stack("conn", 'dss.Project("P", name="p")\nc = dss.Connection.get("nope")\n'
             'dss.ManagedDataset("D", project=dss.Project.get("OTHER"), connection=c)\n')
    r = ws.dss("up", "conn", "--yes")
    assert r.exit_code == 1 and "Connection nope (read at stacks/conn.py:3)" in r.stderr


def test_a_managed_object_turned_into_a_lookup_is_refused(ws, other_team):
    ws.stack("turn", 'dss.Project("TURN", name="t")\n')
    assert ws.dss("up", "turn", "--yes").exit_code == 0
    ws.stack("turn", 'dss.Project.get("TURN")\n')
    r = ws.dss("preview", "turn")
    assert r.exit_code == 1 and "retain_on_delete" in r.stderr
