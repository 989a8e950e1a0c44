"""Create, change, replace, delete and destroy through `dss`, checked in DSS itself.

Every DSS fact is read back with the real dataikuapi client from the sandbox
over HTTP; nothing is mocked.
"""

from __future__ import annotations

import pytest

STACK = """
project = dss.Project("SALES", name="Sales", description="{desc}", tags=["iac"])
raw = dss.Dataset("RAW_ORDERS", project=project, type="Filesystem", connection="filesystem_root",
                  params={{"path": "/orders"}}, format_type="csv",
                  format_params={{"separator": ","}},
                  schema=[dss.Column("id", "bigint"), dss.Column("{col}", "string")])
clean = dss.ManagedDataset("CLEAN_ORDERS", project=project, connection="filesystem_managed")
dss.PythonRecipe("clean_orders", project=project, inputs=[raw], outputs=[clean],
                 code="{code}")
dss.export("key", project.key)
"""


def write(ws, desc="Sales data", col="amount", code="print(1)"):
    return ws.stack("sales", STACK.format(desc=desc, col=col, code=code))


def test_up_creates_everything_in_dss(ws):
    write(ws)
    r = ws.dss("up", "sales", "--yes")
    assert r.exit_code == 0, r.stderr
    client = ws.sandbox.client()
    project = client.get_project("SALES")
    md = project.get_metadata()
    assert (md["label"], md["description"], md["tags"]) == ("Sales", "Sales data", ["iac"])
    raw = project.get_dataset("RAW_ORDERS").get_settings().get_raw()
    assert raw["type"] == "Filesystem"
    assert raw["params"]["connection"] == "filesystem_root"
    assert raw["params"]["path"] == "/orders"
    assert raw["formatType"] == "csv"
    assert [c["name"] for c in raw["schema"]["columns"]] == ["id", "amount"]
    clean = project.get_dataset("CLEAN_ORDERS").get_settings().get_raw()
    assert clean["managed"] is True
    recipe = project.get_recipe("clean_orders").get_settings()
    assert recipe.get_payload() == "print(1)"
    definition = recipe.get_recipe_raw_definition()
    assert [i["ref"] for i in definition["inputs"]["main"]["items"]] == ["RAW_ORDERS"]
    assert [i["ref"] for i in definition["outputs"]["main"]["items"]] == ["CLEAN_ORDERS"]
    state = ws.state("sales")
    assert len(state.resources) == 4 and not state.pending
    assert state.outputs == {"key": "SALES"}


def test_noop_preview_makes_no_api_call(ws):
    write(ws)
    assert ws.dss("up", "sales", "--yes").exit_code == 0
    ws.sandbox.reset_counts()
    r = ws.dss("preview", "sales", "--json")
    assert r.exit_code == 0
    assert {s["op"] for s in r.json["steps"]} == {"same"}
    assert ws.sandbox.total_requests == 0


def test_edit_previews_exact_change_then_applies_it(ws):
    write(ws)
    assert ws.dss("up", "sales", "--yes").exit_code == 0
    # A field the stack does not manage, set by someone in DSS: must survive our updates.
    project = ws.sandbox.client().get_project("SALES")
    ds = project.get_dataset("RAW_ORDERS")
    settings = ds.get_settings()
    settings.get_raw()["shortDesc"] = "set by hand"
    settings.save()

    write(ws, desc="Sales data v2", col="total", code="print(2)")
    r = ws.dss("preview", "sales", "--json")
    assert r.exit_code == 0
    changed = {s["name"]: s for s in r.json["steps"] if s["op"] != "same"}
    assert set(changed) == {"SALES", "RAW_ORDERS", "clean_orders"}
    assert changed["SALES"]["op"] == "update"
    assert changed["SALES"]["diff"] == [
        {"path": "description", "old": "Sales data", "new": "Sales data v2"}
    ]
    # a column renamed: that column's name, not the whole schema twice
    (column,) = changed["RAW_ORDERS"]["diff"]
    assert column["path"] == "schema[1].name" and column["new"] == "total"
    assert changed["clean_orders"]["diff"] == [
        {"path": "code", "old": "print(1)", "new": "print(2)"}
    ]
    assert r.json["summary"] == {"update": 3, "same": 1}

    human = ws.dss("preview", "sales", "--diff")
    assert '~ description: "Sales data" => "Sales data v2"' in human.stdout

    r = ws.dss("up", "sales", "--yes", "--json")
    assert r.exit_code == 0, r.stderr
    assert r.json["result"] == "succeeded"
    assert project.get_metadata()["description"] == "Sales data v2"
    raw = ds.get_settings().get_raw()
    assert [c["name"] for c in raw["schema"]["columns"]] == ["id", "total"]
    assert raw["shortDesc"] == "set by hand"
    assert project.get_recipe("clean_orders").get_settings().get_payload() == "print(2)"
    assert {s["op"] for s in ws.dss("preview", "sales", "--json").json["steps"]} == {"same"}


def test_type_change_replaces_and_removal_deletes(ws):
    write(ws)
    assert ws.dss("up", "sales", "--yes").exit_code == 0
    ws.stack(
        "sales",
        """
project = dss.Project("SALES", name="Sales", description="Sales data", tags=["iac"])
raw = dss.ManagedDataset("RAW_ORDERS", project=project, connection="filesystem_managed")
""",
    )
    r = ws.dss("preview", "sales", "--json")
    ops = {s["name"]: s["op"] for s in r.json["steps"]}
    assert ops == {
        "SALES": "same",
        "RAW_ORDERS": "replace",
        "CLEAN_ORDERS": "delete",
        "clean_orders": "delete",
    }
    replace = next(s for s in r.json["steps"] if s["op"] == "replace")
    assert "managed" in replace["replace_because"]
    order = [s["name"] for s in r.json["steps"] if s["op"] == "delete"]
    assert order.index("clean_orders") < order.index("CLEAN_ORDERS")
    r = ws.dss("up", "sales", "--yes")
    assert r.exit_code == 0, r.stderr
    project = ws.sandbox.client().get_project("SALES")
    assert sorted(d["name"] for d in project.list_datasets(as_type="listitems")) == ["RAW_ORDERS"]
    assert project.get_dataset("RAW_ORDERS").get_settings().get_raw()["managed"] is True
    assert project.list_recipes(as_type="listitems") == []


def test_destroy_removes_everything(ws):
    write(ws)
    assert ws.dss("up", "sales", "--yes").exit_code == 0
    r = ws.dss("destroy", "sales", "--yes", "--json")
    assert r.exit_code == 0, r.stderr
    assert [s["op"] for s in r.json["steps"]] == ["delete"] * 4
    names = [s["name"] for s in r.json["steps"]]
    assert names[-1] == "SALES" and names[0] == "clean_orders"
    assert "SALES" not in ws.sandbox.client().list_project_keys()
    assert ws.state("sales").resources == []


def test_protect_blocks_delete_and_nothing_changes(ws):
    ws.stack(
        "prot",
        """
project = dss.Project("PROT", name="P", opts=dss.ResourceOptions(protect=True))
""",
    )
    assert ws.dss("up", "prot", "--yes").exit_code == 0
    r = ws.dss("destroy", "prot", "--yes")
    assert r.exit_code == 1
    assert "protected" in r.stderr and "PROT" in r.stderr
    assert "PROT" in ws.sandbox.client().list_project_keys()
    assert len(ws.state("prot").resources) == 1


def test_retain_on_delete_keeps_the_object_in_dss(ws):
    ws.stack(
        "ret",
        """
project = dss.Project("RET", name="R")
dss.ManagedDataset("KEEP", project=project, connection="filesystem_managed",
                   opts=dss.ResourceOptions(retain_on_delete=True))
""",
    )
    assert ws.dss("up", "ret", "--yes").exit_code == 0
    ws.stack(
        "ret",
        """
project = dss.Project("RET", name="R")
""",
    )
    assert ws.dss("up", "ret", "--yes").exit_code == 0
    project = ws.sandbox.client().get_project("RET")
    assert [d["name"] for d in project.list_datasets(as_type="listitems")] == ["KEEP"]
    assert [r.name for r in ws.state("ret").resources] == ["RET"]


def test_ignore_changes_keeps_the_recorded_value(ws):
    ws.stack(
        "ign",
        """
dss.Project("IGN", name="first", description="d",
            opts=dss.ResourceOptions(ignore_changes=["name"]))
""",
    )
    assert ws.dss("up", "ign", "--yes").exit_code == 0
    ws.stack(
        "ign",
        """
dss.Project("IGN", name="second", description="d",
            opts=dss.ResourceOptions(ignore_changes=["name"]))
""",
    )
    r = ws.dss("preview", "ign", "--json")
    assert [s["op"] for s in r.json["steps"]] == ["same"]
    assert ws.sandbox.client().get_project("IGN").get_metadata()["label"] == "first"


def test_failed_step_skips_dependants_and_keeps_the_rest(ws):
    ws.stack(
        "fail",
        """
project = dss.Project("FAIL", name="F")
# A connection that exists (the preflight passes) but that DSS refuses for this type.
bad = dss.Dataset("BAD", project=project, type="S3", connection="filesystem_root",
                  params={"path": "/x"})
good = dss.ManagedDataset("GOOD", project=project, connection="filesystem_managed")
out = dss.ManagedDataset("OUT", project=project, connection="filesystem_managed")
dss.SyncRecipe("copy_bad", project=project, inputs=[bad], outputs=[out])
""",
    )
    r = ws.dss("up", "fail", "--yes", "--json")
    assert r.exit_code == 1
    status = {s["name"]: s["status"] for s in r.json["steps"]}
    assert status == {
        "FAIL": "succeeded",
        "BAD": "failed",
        "GOOD": "succeeded",
        "OUT": "succeeded",
        "copy_bad": "skipped",
    }
    err = next(s["error"] for s in r.json["steps"] if s["name"] == "BAD")
    assert "Connection 'filesystem_root' is of type Filesystem, not S3" in err
    assert "FAIL.BAD" in err and "CodedException" not in err
    assert r.json["result"] == "failed"
    state = ws.state("fail")
    assert sorted(x.name for x in state.resources) == ["FAIL", "GOOD", "OUT"]
    assert not state.pending
    human = ws.dss("up", "fail", "--yes")
    assert human.exit_code == 1
    assert "is of type Filesystem, not S3" in human.stdout + human.stderr
    assert "Traceback" not in human.stdout + human.stderr

    ws.stack(
        "fail",
        """
project = dss.Project("FAIL", name="F")
bad = dss.Dataset("BAD", project=project, type="Filesystem", connection="filesystem_root",
                  params={"path": "/x"})
good = dss.ManagedDataset("GOOD", project=project, connection="filesystem_managed")
out = dss.ManagedDataset("OUT", project=project, connection="filesystem_managed")
dss.SyncRecipe("copy_bad", project=project, inputs=[bad], outputs=[out])
""",
    )
    assert ws.dss("up", "fail", "--yes").exit_code == 0
    assert len(ws.state("fail").resources) == 5


def test_half_done_create_is_recorded_not_lost(ws):
    """POST succeeds, the settings PUT fails: the dataset exists, so state must know it."""
    ws.stack(
        "half",
        """
project = dss.Project("HALF", name="H")
dss.ManagedDataset("DS", project=project, connection="filesystem_managed", description="x")
""",
    )
    ws.sandbox.inject_failure(
        method="PUT", route="/projects/{projectKey}/datasets/{datasetName}", times=1, status=400
    )
    r = ws.dss("up", "half", "--yes")
    assert r.exit_code == 1
    assert "Injected failure" in r.stdout + r.stderr
    assert "was created, but the writes after its creation failed" in r.stdout
    rec = {x.name: x for x in ws.state("half").resources}
    assert "DS" in rec and rec["DS"].inputs["description"] == ""
    r = ws.dss("up", "half", "--yes", "--json")
    assert r.exit_code == 0, r.stderr
    assert [s["op"] for s in r.json["steps"] if s["name"] == "DS"] == ["update"]
    ds = ws.sandbox.client().get_project("HALF").get_dataset("DS").get_settings().get_raw()
    assert ds["description"] == "x"


def _pending_create_of_ds2(ws, *, marked: bool):
    """Reproduce the crash window by hand: DS2 exists in DSS, state only has a pending create.

    ``marked``: DS2 carries the pending operation's ownership mark (the run that died created
    it) or none (it was made by hand before the run).
    """
    ws.stack(
        "pend",
        """
project = dss.Project("PEND", name="P")
dss.ManagedDataset("DS", project=project, connection="filesystem_managed")
""",
    )
    assert ws.dss("up", "pend", "--yes").exit_code == 0
    ws.stack(
        "pend",
        """
project = dss.Project("PEND", name="P")
dss.ManagedDataset("DS", project=project, connection="filesystem_managed")
dss.ManagedDataset("DS2", project=project, connection="filesystem_managed")
""",
    )
    from dsspulumi.state import PendingOperation, to_json

    op = PendingOperation(
        urn="urn:dss:dev::pend::dss:Dataset::PEND.DS2",
        op="create",
        type="dss:Dataset",
        name="DS2",
        inputs={
            "project": "PEND",
            "name": "DS2",
            "format_params": {},
            "schema": None,
            "description": None,
            "tags": [],
            "extra_settings": {},
            "type": None,
            "managed": True,
            "connection": "filesystem_managed",
            "params": {},
            "format_type": None,
        },
        dependencies=["urn:dss:dev::pend::dss:Project::PEND"],
    )
    project = ws.sandbox.client().get_project("PEND")
    project.new_managed_dataset("DS2").with_store_into("filesystem_managed").create()
    if marked:
        settings = project.get_dataset("DS2").get_settings()
        settings.get_raw()["customFields"] = {"dsspulumi.mark": op.id, "dsspulumi.urn": op.urn}
        settings.save()
    state = ws.state("pend")
    state.pending.append(op)
    ws.state_path("pend").write_bytes(to_json(state))


def test_pending_create_is_adopted_when_it_carries_the_mark(ws):
    """A run died after DSS created the object but before state recorded it."""
    _pending_create_of_ds2(ws, marked=True)
    r = ws.dss("up", "pend", "--yes", "--json")
    assert r.exit_code == 0, r.stderr
    assert "interrupted create; found in DSS with this run's mark" in r.stderr
    assert {s["name"]: s["op"] for s in r.json["steps"]}["DS2"] == "same"
    assert sorted(x.name for x in ws.state("pend").resources) == ["DS", "DS2", "PEND"]
    assert not ws.state("pend").pending


def test_pending_create_never_adopts_an_unmarked_object(ws):
    """Same window, but DS2 was made by hand: it is not adopted, and up reports a conflict."""
    _pending_create_of_ds2(ws, marked=False)
    r = ws.dss("up", "pend", "--yes", "--json")
    assert r.exit_code == 1
    assert "was not created by this stack" in r.stderr
    steps = {s["name"]: s for s in r.json["steps"]}
    assert steps["DS2"]["op"] == "create" and steps["DS2"]["status"] == "failed"
    assert "already exists in DSS and was not created by this stack" in steps["DS2"]["error"]
    assert sorted(x.name for x in ws.state("pend").resources) == ["DS", "PEND"]
    assert not ws.state("pend").pending
    # DS2 is not the stack's, and deleting its project would delete it: destroy refuses.
    r = ws.dss("destroy", "pend", "--yes")
    assert r.exit_code == 1 and "still holds objects this stack does not manage" in r.stdout
    project = ws.sandbox.client().get_project("PEND")
    assert [d["name"] for d in project.list_datasets()] == ["DS2"]
    project.get_dataset("DS2").delete()
    assert ws.dss("destroy", "pend", "--yes").exit_code == 0
    assert "PEND" not in ws.sandbox.client().list_project_keys()


def test_independent_steps_run_in_parallel(ws):
    ws.stack(
        "par",
        """
project = dss.Project("PAR", name="P")
for i in range(10):
    dss.ManagedDataset(f"DS{i}", project=project, connection="filesystem_managed")
""",
    )
    import time

    ws.dss("preview", "par")  # warm imports so only the run is timed
    ws.sandbox.latency_ms = 200
    t0 = time.monotonic()
    assert ws.dss("up", "par", "--yes", "--parallel", "10").exit_code == 0
    elapsed = time.monotonic() - t0
    calls = ws.sandbox.total_requests
    # auth; the connection names (preflight); project POST + metadata GET/PUT (the mark); no
    # listing of the project's datasets (the run created the project: its names are free);
    # per dataset: POST carrying the mark; one read-back of the first (the in-process sandbox
    # drops what a creation call carries by default), so each then has its settings GET/PUT
    assert calls == 1 + 1 + 3 + 10 + 1 + 10 * 2
    # One call after another would take calls x 200 ms; the ten datasets must overlap.
    assert elapsed < 0.6 * calls * 0.2, elapsed


def test_target_limits_the_plan(ws):
    write(ws)
    r = ws.dss("up", "sales", "--yes", "--json", "--target", "SALES")
    assert r.exit_code == 0, r.stderr
    assert [s["name"] for s in r.json["steps"]] == ["SALES"]
    r = ws.dss("preview", "sales", "--target", "SALES.clean_orders")
    assert r.exit_code == 1 and "not targeted" in r.stderr
    r = ws.dss("preview", "sales", "--target", "NOPE")
    assert r.exit_code == 1 and "NOPE" in r.stderr


def test_lock_held_fails_at_once_naming_the_holder(ws):
    write(ws)
    from dsspulumi.backends.local import LocalBackend

    backend = LocalBackend(ws.root / ".dss" / "state")
    with backend.lock("sales", "dev", "dss up (other terminal)"):
        r = ws.dss("up", "sales", "--yes")
        assert r.exit_code == 1
        assert "locked by" in r.stderr and "dss up (other terminal)" in r.stderr
        assert ws.dss("preview", "sales").exit_code == 0  # preview needs no lock
    assert "SALES" not in ws.sandbox.client().list_project_keys()


@pytest.mark.parametrize("flag", ["--expect-no-changes"])
def test_expect_no_changes_exit_codes(ws, flag):
    write(ws)
    assert ws.dss("preview", "sales", flag).exit_code == 3
    assert ws.dss("up", "sales", "--yes", flag).exit_code == 3
    assert "SALES" not in ws.sandbox.client().list_project_keys()
    assert ws.dss("up", "sales", "--yes").exit_code == 0
    assert ws.dss("preview", "sales", flag).exit_code == 0
    assert ws.dss("up", "sales", flag).exit_code == 0


def test_refresh_detects_drift_and_up_repairs_it(ws):
    write(ws)
    assert ws.dss("up", "sales", "--yes").exit_code == 0
    project = ws.sandbox.client().get_project("SALES")
    md = project.get_metadata()
    md["description"] = "edited in the DSS UI"
    project.set_metadata(md)
    project.get_recipe("clean_orders").delete()
    r = ws.dss("preview", "sales", "--refresh", "--json")
    ops = {s["name"]: s["op"] for s in r.json["steps"]}
    assert ops["SALES"] == "update" and ops["clean_orders"] == "create"
    assert ws.dss("up", "sales", "--refresh", "--yes").exit_code == 0
    assert project.get_metadata()["description"] == "Sales data"
    assert ws.dss("preview", "sales", "--refresh", "--expect-no-changes").exit_code == 0
