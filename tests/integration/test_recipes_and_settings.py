"""Recipe kinds, cross-project references and the extra_settings escape hatch, checked in DSS."""

from __future__ import annotations


def test_sql_query_recipe_and_code_changes(ws):
    ws.stack(
        "sql",
        """
project = dss.Project("SQLP", name="Sql")
src = dss.Dataset("SRC", project=project, type="Filesystem", connection="filesystem_root",
                  params={"path": "/src"})
out = dss.ManagedDataset("OUT", project=project, connection="filesystem_managed")
dss.SqlQueryRecipe("q", project=project, inputs=[src], outputs=[out], sql="SELECT 1",
                   description="the query")
""",
    )
    ws.sandbox.reset_counts()
    r = ws.dss("up", "sql", "--yes")
    assert r.exit_code == 0, r.stderr
    counts = ws.sandbox.request_counts
    # SQL cannot be passed at creation: POST, then GET + PUT of the settings (dss-rest-api §4.2)
    assert counts["POST /projects/{projectKey}/recipes/"] == 1
    assert counts["PUT /projects/{projectKey}/recipes/{recipeName}"] == 1
    recipe = ws.sandbox.client().get_project("SQLP").get_recipe("q").get_settings()
    assert recipe.get_payload() == "SELECT 1"
    assert recipe.get_recipe_raw_definition()["type"] == "sql_query"
    assert recipe.get_recipe_raw_definition()["description"] == "the query"

    ws.stack(
        "sql",
        """
project = dss.Project("SQLP", name="Sql")
src = dss.Dataset("SRC", project=project, type="Filesystem", connection="filesystem_root",
                  params={"path": "/src"})
out = dss.ManagedDataset("OUT", project=project, connection="filesystem_managed")
dss.PythonRecipe("q", project=project, inputs=[src], outputs=[out], code="print('now python')")
""",
    )
    r = ws.dss("preview", "sql", "--json")
    step = next(s for s in r.json["steps"] if s["name"] == "q")
    assert step["op"] == "replace" and step["replace_because"] == ["type"]
    assert ws.dss("up", "sql", "--yes").exit_code == 0
    recipe = ws.sandbox.client().get_project("SQLP").get_recipe("q").get_settings()
    assert recipe.get_recipe_raw_definition()["type"] == "python"
    assert recipe.get_payload() == "print('now python')"


def test_recipe_inputs_change_in_place(ws):
    stack = """
project = dss.Project("FLOW", name="Flow")
a = dss.ManagedDataset("A", project=project, connection="filesystem_managed")
b = dss.ManagedDataset("B", project=project, connection="filesystem_managed")
out = dss.ManagedDataset("OUT", project=project, connection="filesystem_managed")
dss.SyncRecipe("copy", project=project, inputs=[{src}], outputs=[out])
"""
    ws.stack("flow", stack.format(src="a"))
    assert ws.dss("up", "flow", "--yes").exit_code == 0
    ws.stack("flow", stack.format(src="b"))
    r = ws.dss("up", "flow", "--yes", "--json")
    step = next(s for s in r.json["steps"] if s["name"] == "copy")
    assert step["op"] == "update"
    assert step["diff"] == [{"path": "inputs", "old": ["A"], "new": ["B"]}]
    d = ws.sandbox.client().get_project("FLOW").get_recipe("copy").get_settings()
    assert [i["ref"] for i in d.get_recipe_raw_definition()["inputs"]["main"]["items"]] == ["B"]


def test_cross_project_input(ws):
    ws.stack(
        "xp",
        """
shared = dss.Project("SHARED", name="Shared")
mine = dss.Project("MINE", name="Mine")
ref = dss.ManagedDataset("REFERENCE", project=shared, connection="filesystem_managed",
                         share_with=[mine])
out = dss.ManagedDataset("OUT", project=mine, connection="filesystem_managed")
dss.PythonRecipe("use_ref", project=mine, inputs=[ref], outputs=[out], code="pass")
""",
    )
    r = ws.dss("up", "xp", "--yes")
    assert r.exit_code == 0, r.stderr
    d = ws.sandbox.client().get_project("MINE").get_recipe("use_ref").get_settings()
    refs = [i["ref"] for i in d.get_recipe_raw_definition()["inputs"]["main"]["items"]]
    assert refs == ["SHARED.REFERENCE"]
    # destroy deletes the recipe before the dataset it reads in the other project
    r = ws.dss("destroy", "xp", "--yes", "--json")
    names = [s["name"] for s in r.json["steps"]]
    assert names.index("use_ref") < names.index("REFERENCE")


def test_extra_settings_are_merged_and_diffed(ws):
    stack = """
project = dss.Project("EXTRA", name="Extra")
dss.ManagedDataset("DS", project=project, connection="filesystem_managed",
                   extra_settings={{"flowOptions": {{"rebuildBehavior": "{mode}"}}}})
"""
    ws.stack("extra", stack.format(mode="EXPLICIT"))
    assert ws.dss("up", "extra", "--yes").exit_code == 0
    raw = ws.sandbox.client().get_project("EXTRA").get_dataset("DS").get_settings().get_raw()
    assert raw["flowOptions"]["rebuildBehavior"] == "EXPLICIT"
    ws.stack("extra", stack.format(mode="NORMAL"))
    r = ws.dss("preview", "extra", "--json")
    step = next(s for s in r.json["steps"] if s["name"] == "DS")
    assert step["diff"] == [
        {"path": "extra_settings.flowOptions.rebuildBehavior", "old": "EXPLICIT", "new": "NORMAL"}
    ]
    assert ws.dss("up", "extra", "--yes").exit_code == 0
    raw = ws.sandbox.client().get_project("EXTRA").get_dataset("DS").get_settings().get_raw()
    assert raw["flowOptions"]["rebuildBehavior"] == "NORMAL"
    assert ws.dss("preview", "extra", "--refresh", "--expect-no-changes").exit_code == 0


def test_api_calls_per_object_are_minimal(ws):
    ws.stack(
        "calls",
        """
project = dss.Project("CALLS", name="Calls")
for i in range(5):
    dss.ManagedDataset(f"DS{i}", project=project, connection="filesystem_managed")
""",
    )
    ws.sandbox.reset_counts()
    assert ws.dss("up", "calls", "--yes").exit_code == 0
    counts = ws.sandbox.request_counts
    # The in-process sandbox drops what a creation call carries beyond the basics (its
    # default, ``creation_keeps_fields=False``): the first create reads its dataset back once
    # and finds the mark missing, so each create is POST, then one GET + PUT writing the
    # ownership mark (and any declared settings). The names are known free without a call:
    # the run created the project, empty, and DSS's answer dated it (what proves, after a
    # crash between POST and PUT, that the unmarked object is ours; in a project that exists,
    # one listing of its datasets does). With a DSS that keeps them, see tests/integration/
    # test_creation_fields.py.
    assert counts == {
        "GET /auth/info": 1,
        "GET /connections/get-names": 1,  # the preflight: once, for the five datasets
        "POST /projects/": 1,
        "GET /projects/{projectKey}/metadata": 1,
        "PUT /projects/{projectKey}/metadata": 1,
        "POST /projects/{projectKey}/datasets/managed": 5,
        "GET /projects/{projectKey}/datasets/{datasetName}": 6,
        "PUT /projects/{projectKey}/datasets/{datasetName}": 5,
    }
