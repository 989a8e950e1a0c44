"""Datasets and recipes renamed in code: with an alias, DSS's rename action (an update)."""

from __future__ import annotations

FLOW = """
p = dss.Project("REN", name="Renames")
src = dss.ManagedDataset({src!r}, project=p, connection="filesystem_managed",
                         description="orders"{src_alias})
out = dss.ManagedDataset("OUT", project=p, connection="filesystem_managed")
dss.SyncRecipe({recipe!r}, project=p, inputs=[src], outputs=[out]{recipe_alias})
"""


def flow(src: str, recipe: str, src_alias: str = "", recipe_alias: str = "") -> str:
    def opts(alias: str) -> str:
        return f", opts=dss.ResourceOptions(aliases=[{alias!r}])" if alias else ""

    return FLOW.format(
        src=src, recipe=recipe, src_alias=opts(src_alias), recipe_alias=opts(recipe_alias)
    )


def test_rename_with_an_alias_is_dss_rename_and_without_one_a_replace(ws):
    ws.stack("r", flow("ORDERS", "copy"))
    assert ws.dss("up", "r", "--yes").exit_code == 0
    project = ws.sandbox.client().get_project("REN")
    dataset_tag = project.get_dataset("ORDERS").get_settings().get_raw()["creationTag"]
    recipe_tag = (
        project.get_recipe("copy").get_settings().get_recipe_raw_definition()["creationTag"]
    )

    ws.stack("r", flow("SALES", "copy_sales", "REN.ORDERS", "REN.copy"))
    r = ws.dss("preview", "r", "--json")
    steps = {s["name"]: s for s in r.json["steps"]}
    assert steps["SALES"]["op"] == "update" and steps["copy_sales"]["op"] == "update"
    assert [d["path"] for d in steps["SALES"]["diff"]] == ["name"]
    assert [d["path"] for d in steps["copy_sales"]["diff"]] == ["name", "inputs"]
    assert steps["SALES"]["moved_from"].endswith("::REN.ORDERS")
    assert "REN.ORDERS → REN.SALES (renamed in DSS)" in ws.dss("preview", "r").stdout

    ws.sandbox.reset_counts()
    assert ws.dss("up", "r", "--yes").exit_code == 0
    writes = {k: n for k, n in ws.sandbox.request_counts.items() if not k.startswith("GET")}
    assert writes["POST /projects/{projectKey}/actions/renameDataset"] == 1
    assert writes["POST /projects/{projectKey}/actions/renameRecipe"] == 1
    assert not any(k.startswith("DELETE") for k in writes), writes
    assert "POST /projects/{projectKey}/datasets/managed" not in writes
    assert "POST /projects/{projectKey}/recipes/" not in writes
    dataset = project.get_dataset("SALES").get_settings().get_raw()
    assert dataset["creationTag"] == dataset_tag and dataset["description"] == "orders"
    recipe = project.get_recipe("copy_sales").get_settings().get_recipe_raw_definition()
    assert recipe["creationTag"] == recipe_tag
    assert recipe["inputs"]["main"]["items"][0]["ref"] == "SALES"
    assert {d["name"] for d in project.list_datasets()} == {"SALES", "OUT"}
    assert [r["name"] for r in project.list_recipes()] == ["copy_sales"]
    ws.sandbox.reset_counts()
    assert ws.dss("preview", "r", "--expect-no-changes").exit_code == 0
    assert sum(ws.sandbox.request_counts.values()) == 0

    # Without the alias: a new URN, so the old dataset is deleted and a new one created.
    ws.stack("r", flow("REVENUE", "copy_sales"))
    r = ws.dss("preview", "r", "--json")
    ops = {s["name"]: s["op"] for s in r.json["steps"]}
    assert ops["REVENUE"] == "create" and ops["SALES"] == "delete"
    assert ops["copy_sales"] == "update"
    assert ws.dss("up", "r", "--yes").exit_code == 0
    revenue = project.get_dataset("REVENUE").get_settings().get_raw()
    assert revenue["creationTag"] != dataset_tag
    assert {d["name"] for d in project.list_datasets()} == {"REVENUE", "OUT"}
    assert ws.dss("preview", "r", "--expect-no-changes").exit_code == 0

    # Ownership is proven on the old name before the rename: a REVENUE re-created by someone
    # else (no mark of ours) is not renamed.
    project.get_dataset("REVENUE").delete()
    project.create_dataset("REVENUE", "Filesystem", {"connection": "filesystem_root"})
    ws.stack("r", flow("THEIRS", "copy_sales", "REN.REVENUE"))
    r = ws.dss("up", "r", "--yes")
    assert r.exit_code == 1
    assert "dataset REN.REVENUE in DSS is not the object this stack created" in r.stdout, r.stdout
    assert {d["name"] for d in project.list_datasets()} == {"REVENUE", "OUT"}
