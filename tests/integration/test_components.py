"""Components and aliases through the CLI and the sandbox: the example component stack."""

from __future__ import annotations

import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
COMPONENT = "urn:dss:dev::feature_store::examples:FeaturePipeline"


def test_example_component_stack_round_trips(ws):
    shutil.copytree(REPO / "stacks" / "components", ws.root / "stacks" / "components")
    shutil.copy(REPO / "stacks" / "feature_store.py", ws.root / "stacks")

    r = ws.dss("preview", "feature_store", "--json")
    steps = {s["name"]: s for s in r.json["steps"]}
    assert steps["CHURN_FEATURES"]["parent"] == f"{COMPONENT}::CHURN"
    assert steps["CHURN_FEATURES"]["urn"] == (
        "urn:dss:dev::feature_store::examples:FeaturePipeline$dss:Dataset::"
        "FEATURE_STORE.CHURN_FEATURES"
    )
    assert "parent" not in steps["CUSTOMERS"]
    assert {c["name"] for c in r.json["components"]} == {"CHURN", "LTV"}
    lines = ws.dss("preview", "feature_store").stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if "examples:FeaturePipeline" in line)
    assert "CHURN" in lines[header] and "component" in lines[header]
    assert "  FEATURE_STORE.CHURN_FEATURES" in lines[header + 1]

    assert ws.dss("up", "feature_store", "--yes").exit_code == 0
    recipe = ws.sandbox.client().get_project("FEATURE_STORE").get_recipe("prepare_ltv")
    assert (
        recipe.get_settings().get_recipe_raw_definition()["outputs"]["main"]["items"][0]["ref"]
        == "LTV_FEATURES"
    )
    zones = {z.name: z for z in ws.sandbox.client().get_project("FEATURE_STORE").get_flow()
             .list_zones()}
    assert {(i["objectType"], i["objectId"]) for i in zones["LTV features"]._raw["items"]} == {
        ("DATASET", "LTV_FEATURES"), ("RECIPE", "prepare_ltv")}
    assert steps["CHURN features"]["parent"] == f"{COMPONENT}::CHURN"
    assert ws.dss("preview", "feature_store", "--expect-no-changes").exit_code == 0
    assert ws.dss("destroy", "feature_store", "--yes").exit_code == 0
    assert "FEATURE_STORE" not in ws.sandbox.client().list_project_keys()


FLAT = """
p = dss.Project("MOVE", name="Move")
src = dss.ManagedDataset("SRC", project=p, connection="filesystem_managed")
out = dss.ManagedDataset("OUT", project=p, connection="filesystem_managed")
dss.SyncRecipe("copy", project=p, inputs=[src], outputs=[out])
"""

GROUPED = """
p = dss.Project("MOVE", name="Move")
src = dss.ManagedDataset("SRC", project=p, connection="filesystem_managed")

class Copy(dss.ComponentResource):
    def __init__(self, name):
        super().__init__("acme:Copy", name)
        opts = dss.ResourceOptions(parent=self, aliases={aliases})
        out = dss.ManagedDataset("OUT", project=p, connection="filesystem_managed", opts=opts)
        opts = dss.ResourceOptions(parent=self, aliases={recipe_aliases})
        dss.SyncRecipe("copy", project=p, inputs=[src], outputs=[out], opts=opts)

Copy("{name}")
"""


def test_moving_into_a_component_with_aliases_keeps_the_objects(ws):
    ws.stack("m", FLAT)
    assert ws.dss("up", "m", "--yes").exit_code == 0
    client = ws.sandbox.client()
    project = client.get_project("MOVE")
    created = project.get_dataset("OUT").get_settings().get_raw()["creationTag"]

    # Without aliases: new URNs, so delete + create (DSS names collide: the run says so).
    ws.stack("m", GROUPED.format(aliases="[]", recipe_aliases="[]", name="c"))
    r = ws.dss("preview", "m", "--json")
    assert r.json["summary"] == {"create": 2, "delete": 2, "same": 2}

    ws.stack("m", GROUPED.format(aliases='["MOVE.OUT"]', recipe_aliases='["MOVE.copy"]', name="c"))
    r = ws.dss("preview", "m", "--json")
    assert r.json["summary"] == {"same": 4} and r.json["changes"] is True
    moved = {s["name"]: s["moved_from"] for s in r.json["steps"] if "moved_from" in s}
    assert moved == {
        "OUT": "urn:dss:dev::m::dss:Dataset::MOVE.OUT",
        "copy": "urn:dss:dev::m::dss:Recipe::MOVE.copy",
    }
    assert "moved from urn:dss:dev::m::dss:Dataset::MOVE.OUT" in ws.dss("preview", "m").stdout
    assert ws.dss("preview", "m", "--expect-no-changes").exit_code == 3
    markdown = ws.dss("preview", "m", "--format", "markdown").stdout
    assert "moved from `urn:dss:dev::m::dss:Recipe::MOVE.copy` (state only)" in markdown

    ws.sandbox.reset_counts()
    assert ws.dss("up", "m", "--yes").exit_code == 0
    writes = {k: n for k, n in ws.sandbox.request_counts.items() if not k.startswith("GET")}
    assert writes == {}  # a move only rewrites the state
    urns = {rec.urn for rec in ws.state("m").resources}
    assert "urn:dss:dev::m::acme:Copy$dss:Dataset::MOVE.OUT" in urns
    assert project.get_dataset("OUT").get_settings().get_raw()["creationTag"] == created
    assert ws.dss("preview", "m", "--expect-no-changes").exit_code == 0

    # Renaming the component instance changes no URN: nothing to do.
    ws.stack("m", GROUPED.format(aliases='["MOVE.OUT"]', recipe_aliases="[]", name="renamed"))
    assert ws.dss("preview", "m", "--expect-no-changes").exit_code == 0
    assert ws.dss("destroy", "m", "--yes").exit_code == 0
