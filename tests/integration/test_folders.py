"""Managed folders through the sandbox: generated ids resolved during `up`, kept in state."""

from __future__ import annotations

FLOW = """
p = dss.Project("FOLD", name="Folders")
landing = dss.ManagedFolder({name!r}, project=p, description={desc!r}{alias})
files = dss.Dataset("FILES", project=p, type="FilesInFolder", folder=landing)
reports = dss.ManagedFolder("reports", project=p, path="/reports/${{projectKey}}")
dss.PythonRecipe("report", project=p, inputs=[files], outputs=[reports], code="print(1)")
dss.export("landing_id", landing.id)
"""


def flow(name: str = "landing", desc: str = "raw files", alias: str = "") -> str:
    return FLOW.format(name=name, desc=desc, alias=alias)


def folder_by_name(client, name: str) -> dict:
    (found,) = [f for f in client.get_project("FOLD").list_managed_folders() if f["name"] == name]
    return found


def test_folder_ids_flow_into_their_consumers(ws):
    ws.stack("f", flow())
    r = ws.dss("preview", "f", "--json")
    steps = {s["name"]: s for s in r.json["steps"]}
    assert steps["FILES"]["diff"] == [
        {"path": "params.folderSmartId", "old": None, "new": {"unknown": True}}
    ]
    assert steps["report"]["diff"] == [{"path": "outputs", "old": None, "new": [{"unknown": True}]}]
    r = ws.dss("preview", "f")
    assert "params.folderSmartId: (known after apply)" in r.stdout

    r = ws.dss("up", "f", "--yes", "--json")
    assert r.exit_code == 0, r.stderr
    client = ws.sandbox.client()
    landing, reports = folder_by_name(client, "landing"), folder_by_name(client, "reports")
    assert len(landing["id"]) == 8 and landing["id"] != "landing"
    assert r.json["outputs"] == {"landing_id": landing["id"]}
    assert landing["description"] == "raw files" and landing["customFields"]["dsspulumi.mark"]
    assert reports["params"]["path"] == "/reports/${projectKey}"
    ds = client.get_project("FOLD").get_dataset("FILES").get_settings().get_raw()
    assert ds["params"]["folderSmartId"] == landing["id"]
    recipe = client.get_project("FOLD").get_recipe("report").get_settings()
    assert recipe.get_recipe_raw_definition()["outputs"]["main"]["items"][0]["ref"] == reports["id"]
    state = {rec.name: rec for rec in ws.state("f").resources}
    assert state["landing"].outputs == {"id": landing["id"]}
    assert state["FILES"].inputs["params"] == {"folderSmartId": landing["id"]}

    # Up twice: nothing to do, and the no-op preview makes no DSS call.
    ws.sandbox.reset_counts()
    r = ws.dss("preview", "f", "--json", "--expect-no-changes")
    assert r.exit_code == 0 and r.json["summary"] == {"same": 5}
    assert sum(ws.sandbox.request_counts.values()) == 0

    # Renamed in code with an alias: the same folder (same id), renamed in place.
    ws.stack(
        "f",
        flow(
            name="inbox",
            desc="incoming",
            alias=", opts=dss.ResourceOptions(aliases=['FOLD.landing'])",
        ),
    )
    r = ws.dss("preview", "f", "--json")
    step = next(s for s in r.json["steps"] if s["name"] == "inbox")
    assert step["op"] == "update" and step["moved_from"].endswith("::FOLD.landing")
    assert [d["path"] for d in step["diff"]] == ["name", "description"]
    assert "FOLD.landing → FOLD.inbox (renamed in DSS)" in ws.dss("preview", "f").stdout
    assert ws.dss("up", "f", "--yes").exit_code == 0
    inbox = folder_by_name(client, "inbox")
    assert inbox["id"] == landing["id"] and inbox["description"] == "incoming"
    assert ws.dss("preview", "f", "--expect-no-changes").exit_code == 0

    # Deleted outside the stack: created again with a new id, consumers follow.
    client.get_project("FOLD").get_managed_folder(inbox["id"]).delete()
    r = ws.dss("preview", "f", "--refresh", "--json")
    ops = {s["name"]: s["op"] for s in r.json["steps"]}
    assert ops["inbox"] == "create" and ops["FILES"] == "update"
    files = next(s for s in r.json["steps"] if s["name"] == "FILES")
    assert files["diff"][0]["new"] == {"unknown": True}
    assert ws.dss("up", "f", "--yes", "--refresh").exit_code == 0
    new_id = folder_by_name(client, "inbox")["id"]
    assert new_id != inbox["id"]
    ds = client.get_project("FOLD").get_dataset("FILES").get_settings().get_raw()
    assert ds["params"]["folderSmartId"] == new_id
    assert ws.dss("preview", "f", "--expect-no-changes").exit_code == 0

    assert ws.dss("destroy", "f", "--yes").exit_code == 0
    assert "FOLD" not in client.list_project_keys()


def test_folder_settings_update_and_ownership(ws):
    ws.stack(
        "g",
        """
p = dss.Project("GF", name="Folders")
dss.ManagedFolder("docs", project=p, tags=["a"], extra_settings={"shortDesc": "short"})
""",
    )
    assert ws.dss("up", "g", "--yes").exit_code == 0
    client = ws.sandbox.client()
    project = client.get_project("GF")
    (doc,) = project.list_managed_folders()
    assert doc["tags"] == ["a"] and doc["shortDesc"] == "short"

    ws.stack(
        "g",
        """
p = dss.Project("GF", name="Folders")
dss.ManagedFolder("docs", project=p, tags=["b"], extra_settings={"shortDesc": "longer"},
                  connection="filesystem_root", path="/data/docs")
""",
    )
    r = ws.dss("preview", "g", "--json")
    (step,) = [s for s in r.json["steps"] if s["op"] != "same"]
    assert step["op"] == "update"
    assert [d["path"] for d in step["diff"]] == [
        "connection",
        "path",
        "tags",
        "extra_settings.shortDesc",
    ]
    assert ws.dss("up", "g", "--yes").exit_code == 0
    (after,) = project.list_managed_folders()
    assert after["id"] == doc["id"]
    assert after["params"] == {"connection": "filesystem_root", "path": "/data/docs"}
    assert after["tags"] == ["b"] and after["shortDesc"] == "longer"
    assert ws.dss("preview", "g", "--expect-no-changes").exit_code == 0

    # Someone else's folder in the project: the project is not deleted with it.
    theirs = project.create_managed_folder("theirs")
    r = ws.dss("destroy", "g", "--yes")
    assert r.exit_code == 1
    assert "managed folders theirs" in r.stderr + r.stdout
    assert [f["name"] for f in project.list_managed_folders()] == ["theirs"]
    theirs.delete()
    assert ws.dss("destroy", "g", "--yes").exit_code == 0


def test_a_folder_name_taken_by_someone_else_is_a_conflict(ws):
    client = ws.sandbox.client()
    client.create_project("TAKEN", "Taken", "admin")
    client.get_project("TAKEN").create_managed_folder("shared")
    ws.stack(
        "t",
        """
p = dss.Project.get("TAKEN")
dss.ManagedFolder("shared", project=p)
""",
    )
    r = ws.dss("up", "t", "--yes")
    assert r.exit_code == 1
    assert "already exists in DSS and was not created by this stack" in r.stdout + r.stderr
    assert len(client.get_project("TAKEN").list_managed_folders()) == 1


def test_a_folder_create_whose_answer_is_lost_is_found_with_its_id(ws):
    ws.stack(
        "lost",
        """
p = dss.Project("LOST", name="Lost")
box = dss.ManagedFolder("box", project=p)
dss.Dataset("FILES", project=p, type="FilesInFolder", folder=box)
""",
    )
    # The create happens, then the connection drops: its id never reaches the engine.
    ws.sandbox.inject_failure(
        "POST", "/projects/{projectKey}/managedfolders/", when="after", mode="drop"
    )
    r = ws.dss("up", "lost", "--yes")
    assert r.exit_code == 0, r.stdout + r.stderr
    (folder,) = ws.sandbox.client().get_project("LOST").list_managed_folders()  # created once
    state = {rec.name: rec for rec in ws.state("lost").resources}
    assert state["box"].outputs == {"id": folder["id"]}
    assert state["FILES"].inputs["params"] == {"folderSmartId": folder["id"]}
    assert folder["customFields"]["dsspulumi.mark"] == state["box"].mark
    assert ws.dss("preview", "lost", "--refresh", "--expect-no-changes").exit_code == 0
