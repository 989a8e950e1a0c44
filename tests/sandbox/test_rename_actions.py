"""Dataset and recipe renames through the real client (dss-rest-api.md §3.2, §4).

The same object under a new name, and what references it follows: recipe refs (in its own
project and from another one), exposed objects, flow zone items, scenario build steps.
"""

from __future__ import annotations

import pytest
from dataikuapi.dss.project import DSSProject
from sandbox_asserts import CODED, NOT_FOUND, dss_error

from dsspulumi.sandbox import Sandbox


@pytest.fixture
def project(dss_sandbox: Sandbox) -> DSSProject:
    client = dss_sandbox.client()
    client.create_project("RN", "Renames", "admin")
    project = client.get_project("RN")
    for name in ("raw", "clean", "other"):
        project.create_dataset(name, "Filesystem", {"connection": "filesystem_root"})
    return project


def _refs(recipe_raw: dict, roles: str) -> list[str]:
    return [i["ref"] for r in recipe_raw[roles].values() for i in r["items"]]


def test_dataset_rename_keeps_the_object_and_carries_its_references(
    dss_sandbox: Sandbox, project: DSSProject
) -> None:
    client = dss_sandbox.client()
    before = project.get_dataset("raw").get_settings().get_raw()
    project.new_recipe("sync", "copy").with_input("raw").with_output("clean").create()
    # shared with another project, whose recipe reads it as RN.raw
    settings = project.get_settings()
    settings.add_exposed_object("DATASET", "raw", "USE")
    settings.save()
    client.create_project("USE", "Users", "admin")
    user = client.get_project("USE")
    user.create_dataset("mine", "Filesystem", {"connection": "filesystem_root"})
    user.new_recipe("sync", "pull").with_input("raw", project_key="RN").with_output("mine").create()
    zone = project.get_flow().create_zone("Prep")
    zone.add_item(project.get_dataset("raw"))
    scenario = project.create_scenario("Build", "step_based")
    scenario_settings = scenario.get_settings()
    scenario_settings.raw_steps.append(
        {"type": "build_flowitem", "params": {"builds": [{"type": "DATASET", "itemId": "raw"}]}}
    )
    scenario_settings.save()

    dataset = project.get_dataset("raw")
    dataset.rename("orders")
    assert dataset.dataset_name == "orders"
    after = project.get_dataset("orders").get_settings().get_raw()
    assert after["name"] == "orders" and after["creationTag"] == before["creationTag"]
    assert after["params"] == before["params"]
    assert after["versionTag"]["versionNumber"] == before["versionTag"]["versionNumber"] + 1
    assert sorted(d["name"] for d in project.list_datasets()) == ["clean", "orders", "other"]
    with dss_error(f"{NOT_FOUND}: dataset does not exist: RN.raw"):
        project.get_dataset("raw").get_settings()

    copy = project.get_recipe("copy").get_settings().get_recipe_raw_definition()
    assert _refs(copy, "inputs") == ["orders"] and _refs(copy, "outputs") == ["clean"]
    pull = user.get_recipe("pull").get_settings().get_recipe_raw_definition()
    assert _refs(pull, "inputs") == ["RN.orders"]
    exposed = project.get_settings().get_raw()["exposedObjects"]["objects"]
    assert [o["localName"] for o in exposed] == ["orders"]
    assert project.get_flow().get_zone(zone.id)._raw["items"] == [
        {"objectId": "orders", "objectType": "DATASET"}
    ]
    steps = scenario.get_settings().get_raw()["params"]["steps"]
    assert steps[0]["params"]["builds"][0]["itemId"] == "orders"
    # the renamed dataset is still the output-checked input: a second producer of clean is refused
    with dss_error(f"{CODED}: Dataset RN.clean is already the output of recipe copy"):
        project.new_recipe("sync", "again").with_input("orders").with_existing_output(
            "clean"
        ).create()


def test_dataset_rename_refusals(project: DSSProject) -> None:
    with dss_error(f"{NOT_FOUND}: dataset does not exist: RN.missing"):
        project.get_dataset("missing").rename("x")
    with dss_error(f"{CODED}: Dataset RN.clean already exists"):
        project.get_dataset("raw").rename("clean")
    with dss_error(f"{CODED}: Invalid dataset name 'bad name'"):
        project.get_dataset("raw").rename("bad name")
    with pytest.raises(ValueError, match="already raw"):  # refused by the client itself
        project.get_dataset("raw").rename("raw")
    assert sorted(d["name"] for d in project.list_datasets()) == ["clean", "other", "raw"]


def test_recipe_rename_keeps_the_recipe_and_its_zone(project: DSSProject) -> None:
    recipe = (
        project.new_recipe("python", "compute")
        .with_input("raw")
        .with_output("clean")
        .with_script("print(1)")
        .create()
    )
    project.new_recipe("sync", "sync_other").with_input("raw").with_output("other").create()
    before = recipe.get_settings().get_recipe_raw_definition()
    zone = project.get_flow().create_zone("Code")
    zone.add_item(recipe)

    recipe.rename("compute_clean")
    settings = project.get_recipe("compute_clean").get_settings()
    after = settings.get_recipe_raw_definition()
    assert after["name"] == "compute_clean" and after["creationTag"] == before["creationTag"]
    assert settings.get_code() == "print(1)"
    assert _refs(after, "outputs") == ["clean"]
    assert sorted(r["name"] for r in project.list_recipes()) == ["compute_clean", "sync_other"]
    assert project.get_flow().get_zone(zone.id)._raw["items"] == [
        {"objectId": "compute_clean", "objectType": "RECIPE"}
    ]
    # the producer index follows: clean is still written by one recipe, the renamed one
    with dss_error(f"{CODED}: Dataset RN.clean is already the output of recipe compute_clean"):
        project.new_recipe("sync", "again").with_input("raw").with_existing_output("clean").create()

    with dss_error(f"{NOT_FOUND}: recipe does not exist: RN.compute"):
        project.get_recipe("compute").rename("x")
    with dss_error(f"{CODED}: Recipe RN.sync_other already exists"):
        project.get_recipe("compute_clean").rename("sync_other")
    with dss_error(f"{CODED}: Invalid recipe name 'a.b'"):
        project.get_recipe("compute_clean").rename("a.b")
    with pytest.raises(ValueError, match="already compute_clean"):
        project.get_recipe("compute_clean").rename("compute_clean")
