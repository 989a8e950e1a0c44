"""Drift (issue 9): changes made by hand in DSS, seen by `dss refresh`, repaired by `up --refresh`.

Every change is made with the real dataikuapi client against the sandbox over HTTP, the way
a user clicking in DSS changes objects; request counts come from the sandbox.
"""

from __future__ import annotations

from dsspulumi.drift import read_all
from dsspulumi.providers.dss import DssProviders

STACK = """
project = dss.Project("SALES", name="Sales", description="Sales data")
raw = dss.Dataset("RAW", project=project, type="Filesystem", connection="filesystem_root",
                  params={"path": "/orders"}, format_type="csv")
clean = dss.ManagedDataset("CLEAN", project=project, connection="filesystem_managed")
dss.PythonRecipe("prep", project=project, inputs=[raw], outputs=[clean], code="print(1)")
"""


def _edit_by_hand(client):
    project = client.get_project("SALES")
    settings = project.get_dataset("RAW").get_settings()
    settings.get_raw()["params"]["path"] = "/by_hand"  # declared: drift
    settings.get_raw()["shortDesc"] = "kept"  # not declared: must survive
    settings.save()
    recipe = project.get_recipe("prep").get_settings()
    recipe.set_payload("print('edited in DSS')")  # declared: drift
    recipe.save()


def _drift(doc):
    return {r["logical_name"]: (r["status"], r["diff"]) for r in doc}


def test_refresh_reports_exactly_the_drift_and_up_refresh_restores_it(ws):
    ws.stack("sales", STACK)
    assert ws.dss("up", "sales", "--yes").exit_code == 0
    client = ws.sandbox.client()
    _edit_by_hand(client)
    expected = {
        "SALES.RAW": ("changed", [{"path": "params.path", "state": "/orders", "dss": "/by_hand"}]),
        "SALES.prep": (
            "changed",
            [{"path": "code", "state": "print(1)", "dss": "print('edited in DSS')"}],
        ),
    }

    # --preview-only shows the drift and records nothing.
    before = ws.state_path("sales").read_bytes()
    r = ws.dss("refresh", "sales", "--preview-only", "--json")
    assert r.exit_code == 0, r.stderr
    assert _drift(r.json["resources"]) == expected and r.json["recorded"] is False
    assert ws.state_path("sales").read_bytes() == before

    # The CI drift check: exit 3 and the drifted properties in --json.
    r = ws.dss("preview", "sales", "--refresh", "--expect-no-changes", "--json")
    assert r.exit_code == 3
    assert _drift(r.json["drift"]) == expected
    ops = {s["name"]: (s["op"], [d["path"] for d in s["diff"]]) for s in r.json["steps"]}
    assert ops["RAW"] == ("update", ["params.path"]) and ops["prep"] == ("update", ["code"])
    assert ops["SALES"][0] == ops["CLEAN"][0] == "same"

    # The CI job summary: the drift before the plan.
    r = ws.dss("preview", "sales", "--refresh", "--format", "markdown")
    assert "### Drift: changed in DSS outside dsspulumi" in r.stdout
    assert '| `SALES.RAW` | changed | `params.path` = `"/by_hand"` |' in r.stdout

    # The console names each drifted property, state value => DSS value.
    r = ws.dss("refresh", "sales", "--preview-only")
    assert '~ params.path: "/orders" => "/by_hand" (in DSS)' in r.stdout
    assert "SALES.prep: changed outside dsspulumi" in r.stdout

    # A recorded refresh: the state holds what DSS holds; a plain preview plans it back.
    r = ws.dss("refresh", "sales", "--json", "--yes")
    assert r.exit_code == 0 and r.json["recorded"] is True
    assert _drift(r.json["resources"]) == expected
    r = ws.dss("preview", "sales", "--json")
    assert r.json["summary"] == {"update": 2, "same": 2}

    assert ws.dss("up", "sales", "--refresh", "--yes").exit_code == 0
    project = client.get_project("SALES")
    raw = project.get_dataset("RAW").get_settings().get_raw()
    assert raw["params"]["path"] == "/orders"
    assert raw["shortDesc"] == "kept"  # undeclared, changed by hand: untouched
    assert project.get_recipe("prep").get_settings().get_payload() == "print(1)"
    r = ws.dss("preview", "sales", "--refresh", "--expect-no-changes", "--json")
    assert r.exit_code == 0 and r.json["drift"] == []


def test_an_undeclared_change_is_no_drift(ws):
    ws.stack("sales", STACK)
    assert ws.dss("up", "sales", "--yes").exit_code == 0
    project = ws.sandbox.client().get_project("SALES")
    settings = project.get_dataset("CLEAN").get_settings()
    settings.get_raw()["shortDesc"] = "a note"
    settings.get_raw()["params"]["path"] = "elsewhere"  # not declared by ManagedDataset
    settings.save()
    r = ws.dss("refresh", "sales", "--preview-only", "--json", "--expect-no-changes")
    assert r.exit_code == 0 and r.json["resources"] == []
    assert ws.dss("up", "sales", "--refresh", "--yes").exit_code == 0
    raw = project.get_dataset("CLEAN").get_settings().get_raw()
    assert (raw["shortDesc"], raw["params"]["path"]) == ("a note", "elsewhere")


def test_a_dataset_deleted_by_hand_is_planned_for_creation(ws):
    ws.stack("sales", STACK)
    assert ws.dss("up", "sales", "--yes").exit_code == 0
    ws.sandbox.client().get_project("SALES").get_dataset("RAW").delete()
    r = ws.dss("preview", "sales", "--refresh", "--json")
    assert r.exit_code == 0
    assert {s["name"]: s["op"] for s in r.json["steps"]}["RAW"] == "create"
    assert _drift(r.json["drift"]) == {"SALES.RAW": ("deleted", [])}
    r = ws.dss("refresh", "sales", "--preview-only", "--expect-no-changes")
    assert r.exit_code == 3 and "SALES.RAW: deleted outside dsspulumi" in r.stdout
    assert ws.dss("up", "sales", "--refresh", "--yes").exit_code == 0
    assert ws.dss("preview", "sales", "--refresh", "--expect-no-changes").exit_code == 0


BIG = """
project = dss.Project("BIG", name="Big")
ds = [dss.ManagedDataset(f"D{i}", project=project, connection="filesystem_managed")
      for i in range(30)]
for i in range(5):
    dss.SyncRecipe(f"r{i}", project=project, inputs=[ds[i]], outputs=[ds[i + 10]])
for i in range(3):
    dss.FlowZone(f"Z{i}", project=project, items=[ds[20 + i]])
"""


def test_refresh_reads_datasets_in_one_list_call_per_project(ws):
    ws.stack("big", BIG)
    assert ws.dss("up", "big", "--yes").exit_code == 0
    ws.sandbox.reset_counts()
    r = ws.dss("refresh", "big", "--json", "--yes")
    assert r.exit_code == 0 and r.json["resources"] == []
    counts = ws.sandbox.request_counts
    assert counts.get("GET /projects/{projectKey}/datasets/") == 1
    assert "GET /projects/{projectKey}/datasets/{datasetName}" not in counts
    # Recipes: the list items have no payload (dss-rest-api.md §10): one project export
    # (providers.dss.project_export) carries them all, instead of one read each.
    assert "GET /projects/{projectKey}/recipes/{recipeName}" not in counts
    assert counts.get("POST /projects/{projectKey}/export") == 1
    assert counts.get("GET /projects/{projectKey}/flow/zones") == 1  # zones: listed whole
    assert not any(k.startswith("GET /projects/{projectKey}/flow/zones/") for k in counts)
    batched = ws.sandbox.total_requests

    # The one-read-per-object baseline reads the same thing, in one call per object.
    state = ws.state("big")
    registry = DssProviders(ws.sandbox.url, ws.sandbox.api_key)
    ws.sandbox.reset_counts()
    one_by_one = read_all(registry, state.resources, batch=False)
    assert ws.sandbox.request_counts.get("GET /projects/{projectKey}/datasets/{datasetName}") == 30
    assert ws.sandbox.total_requests == 1 + 30 + 5 + 3
    assert batched == 1 + 1 + 1 + 1 + 1  # auth check, project, dataset list, export, zones
    ws.sandbox.reset_counts()
    assert read_all(registry, state.resources) == one_by_one  # same answers, fewer calls
    assert ws.sandbox.total_requests == 1 + 1 + 1 + 1


KINDS = """
project = dss.Project("KINDS", name="Kinds")
raw = dss.Dataset("RAW", project=project, type="Filesystem", connection="filesystem_root",
                  params={"path": "/raw"})
dss.ProjectVariables(project=project, standard={"env": "prod", "limit": 10})
dss.Scenario("Nightly", project=project, steps=[dss.BuildStep([raw])],
             triggers=[dss.TemporalTrigger("Daily", hour=2, starting_from="2025-01-01")])
"""


def test_drift_of_a_scenario_trigger_and_a_variable(ws):
    ws.stack("kinds", KINDS)
    assert ws.dss("up", "kinds", "--yes").exit_code == 0
    project = ws.sandbox.client().get_project("KINDS")
    variables = project.get_variables()
    variables["standard"]["limit"] = 99  # declared: drift
    variables["standard"]["by_hand"] = "kept"  # not declared: survives
    project.set_variables(variables)
    (item,) = project.list_scenarios(as_type="listitems")
    settings = project.get_scenario(item["id"]).get_settings()
    settings.get_raw()["triggers"][0]["params"]["hour"] = 5  # declared: drift
    settings.get_raw()["shortDesc"] = "kept"  # not declared: survives
    settings.save()

    r = ws.dss("refresh", "kinds", "--preview-only", "--json")
    assert r.exit_code == 0, r.stderr
    drift = _drift(r.json["resources"])
    assert drift["KINDS.variables"] == (
        "changed",
        [{"path": "standard.limit", "state": 10, "dss": 99}],
    )
    status, diff = drift["KINDS.Nightly"]
    # One element of a list of objects, one key: not the whole list twice.
    assert status == "changed"
    assert diff == [{"path": "triggers[0].params.hour", "state": 2, "dss": 5}]
    assert set(drift) == {"KINDS.variables", "KINDS.Nightly"}

    assert ws.dss("up", "kinds", "--refresh", "--yes").exit_code == 0
    variables = project.get_variables()["standard"]
    assert variables == {"env": "prod", "limit": 10, "by_hand": "kept"}
    raw = project.get_scenario(item["id"]).get_settings().get_raw()
    assert raw["triggers"][0]["params"]["hour"] == 2 and raw["shortDesc"] == "kept"
    assert ws.dss("preview", "kinds", "--refresh", "--expect-no-changes").exit_code == 0
