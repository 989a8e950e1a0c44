"""Flow zones through the CLI: generated ids in state, items moved in and back out."""

from __future__ import annotations

STACK = """
project = dss.Project("ZONES", name="Zones")
other = dss.Project("OTHERZ", name="Other")
shared = dss.ManagedDataset("SHARED", project=other, connection="filesystem_managed",
                            share_with=[project])  # read by copy: DSS requires the exposure
raw = dss.Dataset("RAW", project=project, type="Filesystem", connection="filesystem_root",
                  params={{"path": "/raw"}})
out = dss.ManagedDataset("OUT", project=project, connection="filesystem_managed")
copy = dss.SyncRecipe("copy", project=project, inputs=[raw, shared], outputs=[out])
{zone}
"""


def _zone_of(client, key: str, name: str, kind: str = "dataset"):
    project = client.get_project(key)
    obj = project.get_dataset(name) if kind == "dataset" else project.get_recipe(name)
    return project.get_flow().get_zone_of_object(obj)


def test_flow_zone_create_update_delete(ws):
    client = ws.sandbox.client()
    zone = 'dss.FlowZone("Preparation", project=project, color="{color}", items=[{items}])'
    ws.stack("z", STACK.format(zone=zone.format(color="#ff0000", items="out, copy")))
    r = ws.dss("up", "z", "--yes")
    assert r.exit_code == 0, r.stderr
    rec = next(r for r in ws.state("z").resources if r.type == "dss:FlowZone")
    zone_id = rec.outputs["id"]
    assert rec.outputs == {"id": zone_id, "mark": rec.mark}
    found = _zone_of(client, "ZONES", "OUT")
    assert (found.id, found.name, found.color) == (zone_id, "Preparation", "#ff0000")
    assert _zone_of(client, "ZONES", "copy", "recipe").id == zone_id
    assert _zone_of(client, "ZONES", "RAW").id == "default"
    again = ws.dss("preview", "z", "--refresh", "--expect-no-changes")
    assert again.exit_code == 0, again.stdout + again.stderr

    # recolour, take the recipe out, put RAW in: in place, same id
    ws.stack("z", STACK.format(zone=zone.format(color="#00ff00", items="out, raw")))
    r = ws.dss("up", "z", "--yes", "--json")
    assert r.exit_code == 0, r.stderr
    step = next(s for s in r.json["steps"] if s["type"] == "dss:FlowZone")
    assert step["op"] == "update"
    # the second item changed from the recipe to RAW: per element and key
    assert {d["path"] for d in step["diff"]} == {
        "color",
        "items[1].objectId",
        "items[1].objectType",
    }
    z = client.get_project("ZONES").get_flow().get_zone(zone_id)
    assert z.color == "#00ff00"
    assert z._raw["items"] == [
        {"objectId": "OUT", "objectType": "DATASET"},
        {"objectId": "RAW", "objectType": "DATASET"},
    ]
    assert _zone_of(client, "ZONES", "copy", "recipe").id == "default"
    again = ws.dss("preview", "z", "--refresh", "--expect-no-changes")
    assert again.exit_code == 0, again.stdout + again.stderr

    # moved by hand into another zone: drift, and up moves it back
    flow = client.get_project("ZONES").get_flow()
    theirs = flow.create_zone("Theirs")
    theirs.add_item(client.get_project("ZONES").get_dataset("RAW"))
    r = ws.dss("preview", "z", "--refresh", "--json")
    step = next(s for s in r.json["steps"] if s["type"] == "dss:FlowZone")
    assert step["op"] == "update" and [d["path"] for d in step["diff"]] == ["items[1]"]
    assert step["diff"][0]["new"] == {"objectId": "RAW", "objectType": "DATASET"}  # put back
    assert ws.dss("up", "z", "--yes", "--refresh").exit_code == 0
    assert _zone_of(client, "ZONES", "RAW").id == zone_id

    # delete: the zone goes (theirs stays), its items return to the default zone
    ws.stack("z", STACK.format(zone=""))
    assert ws.dss("up", "z", "--yes").exit_code == 0
    assert [z.id for z in flow.list_zones()] == ["default", theirs.id]
    assert _zone_of(client, "ZONES", "OUT").id == "default"


def test_foreign_items_and_lost_create_answer(ws):
    client = ws.sandbox.client()
    zone = 'dss.FlowZone("Inputs", project=project, items=[shared])'
    ws.stack("z", STACK.format(zone=zone))
    ws.sandbox.inject_failure("POST", "/projects/{projectKey}/flow/zones", when="after")
    ws.sandbox.reset_counts()
    r = ws.dss("up", "z", "--yes")
    assert r.exit_code == 0, r.stderr
    assert ws.sandbox.request_counts["POST /projects/{projectKey}/flow/zones"] == 1
    zones = client.get_project("ZONES").get_flow().list_zones()
    assert [z.name for z in zones] == ["Default", "Inputs"]
    # a foreign object's ref names its project first, as the client builds it
    assert zones[1]._raw["items"] == [
        {"projectKey": "OTHERZ", "objectId": "SHARED", "objectType": "DATASET"}
    ]
    rec = next(r for r in ws.state("z").resources if r.type == "dss:FlowZone")
    assert rec.outputs["id"] == zones[1].id
    assert ws.dss("preview", "z", "--refresh", "--expect-no-changes").exit_code == 0
    assert ws.dss("destroy", "z", "--yes").exit_code == 0


def test_a_zone_named_like_a_hand_made_one_is_a_conflict(ws):
    client = ws.sandbox.client()
    ws.stack("z", STACK.format(zone=""))
    assert ws.dss("up", "z", "--yes").exit_code == 0
    theirs = client.get_project("ZONES").get_flow().create_zone("Prep")
    ws.stack("z", STACK.format(zone='dss.FlowZone("Prep", project=project, items=[raw])'))
    r = ws.dss("up", "z", "--yes", "--json")
    assert r.exit_code == 1
    step = next(s for s in r.json["steps"] if s["type"] == "dss:FlowZone")
    assert "a flowzone named Prep already exists in DSS and was not created" in step["error"]
    zones = client.get_project("ZONES").get_flow().list_zones()
    assert [(z.id, z.name) for z in zones] == [("default", "Default"), (theirs.id, "Prep")]
    assert zones[1]._raw["items"] == []  # theirs untouched


IDS = """
p = dss.Project("IDS", name="Ids")
landing = dss.ManagedFolder("landing", project=p)
nightly = dss.Scenario("Nightly", project=p, steps=[dss.BuildStep([landing])])
zone = dss.FlowZone("Landing", project=p, items=[landing])
dss.ProjectVariables(project=p, standard={"nightly": nightly.id, "zone": zone.id})
dss.export("scenario_id", nightly.id)
"""


def test_scenario_and_zone_ids_are_outputs_and_folders_are_items(ws):
    ws.stack("ids", IDS)
    r = ws.dss("preview", "ids", "--json")
    steps = {s["type"]: s for s in r.json["steps"]}
    assert steps["dss:ProjectVariables"]["diff"] == [
        {"path": "standard.nightly", "old": None, "new": {"unknown": True}},
        {"path": "standard.zone", "old": None, "new": {"unknown": True}},
    ]
    assert steps["dss:FlowZone"]["diff"] == [
        {
            "path": "items",
            "old": None,
            "new": [{"objectId": {"unknown": True}, "objectType": "MANAGED_FOLDER"}],
        }
    ]
    r = ws.dss("up", "ids", "--yes", "--json")
    assert r.exit_code == 0, r.stderr
    project = ws.sandbox.client().get_project("IDS")
    (folder,) = project.list_managed_folders()
    (scenario,) = project.list_scenarios()
    zone_id = next(z.id for z in project.get_flow().list_zones() if z.name == "Landing")
    assert r.json["outputs"] == {"scenario_id": scenario["id"]}
    assert project.get_variables()["standard"] == {"nightly": scenario["id"], "zone": zone_id}
    build = project.get_scenario(scenario["id"]).get_settings().raw_steps[0]["params"]
    assert build["builds"] == [
        {"type": "MANAGED_FOLDER", "itemId": folder["id"], "partitionsSpec": ""}
    ]
    zone = project.get_flow().get_zone(zone_id)
    assert zone._raw["items"] == [{"objectId": folder["id"], "objectType": "MANAGED_FOLDER"}]
    ws.sandbox.reset_counts()
    assert ws.dss("preview", "ids", "--expect-no-changes").exit_code == 0
    assert sum(ws.sandbox.request_counts.values()) == 0
    assert ws.dss("preview", "ids", "--refresh", "--expect-no-changes").exit_code == 0
