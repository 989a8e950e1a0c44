"""``extra_settings`` on projects, recipes and folders: merged into DSS's documents, diffed."""

from __future__ import annotations

STACK = """
project = dss.Project("XS", name="Extra", extra_settings={{
    "settings": {{"disableAutomaticTriggers": {triggers}}}}})
src = dss.ManagedDataset("SRC", project=project, connection="filesystem_managed")
out = dss.ManagedFolder("out", project=project, extra_settings={{
    "flowOptions": {{"rebuildBehavior": "{mode}"}}}})
dss.PythonRecipe("r", project=project, inputs=[src], outputs=[out], code="",
                 extra_settings={{"shortDesc": "{short}"}})
"""


def test_extra_settings_of_projects_recipes_and_folders(ws):
    ws.stack("xs", STACK.format(triggers=True, mode="EXPLICIT", short="one"))
    assert ws.dss("up", "xs", "--yes").exit_code == 0
    project = ws.sandbox.client().get_project("XS")
    assert project.get_settings().get_raw()["settings"]["disableAutomaticTriggers"] is True
    # what the stack does not declare is kept
    assert project.get_settings().get_raw()["settings"]["codeEnvs"]["python"]["useBuiltinEnv"]
    (folder,) = project.list_managed_folders()
    assert folder["flowOptions"]["rebuildBehavior"] == "EXPLICIT"
    recipe = project.get_recipe("r").get_settings().get_recipe_raw_definition()
    assert recipe["shortDesc"] == "one"
    assert ws.dss("preview", "xs", "--refresh", "--expect-no-changes").exit_code == 0

    ws.stack("xs", STACK.format(triggers=False, mode="NORMAL", short="two"))
    r = ws.dss("preview", "xs", "--json")
    diffs = {s["name"]: [d["path"] for d in s["diff"]] for s in r.json["steps"] if s["diff"]}
    assert diffs == {
        "XS": ["extra_settings.settings.disableAutomaticTriggers"],
        "out": ["extra_settings.flowOptions.rebuildBehavior"],
        "r": ["extra_settings.shortDesc"],
    }
    assert ws.dss("up", "xs", "--yes").exit_code == 0
    assert project.get_settings().get_raw()["settings"]["disableAutomaticTriggers"] is False
    (folder,) = project.list_managed_folders()
    assert folder["flowOptions"]["rebuildBehavior"] == "NORMAL"
    assert project.get_recipe("r").get_settings().get_recipe_raw_definition()["shortDesc"] == "two"

    # Drift on a declared project setting is seen by --refresh.
    settings = project.get_settings()
    settings.get_raw()["settings"]["disableAutomaticTriggers"] = True
    settings.save()
    r = ws.dss("preview", "xs", "--refresh", "--json")
    step = next(s for s in r.json["steps"] if s["name"] == "XS")
    assert step["op"] == "update" and step["diff"] == [
        {"path": "extra_settings.settings.disableAutomaticTriggers", "old": True, "new": False}
    ]
    assert ws.dss("destroy", "xs", "--yes").exit_code == 0
