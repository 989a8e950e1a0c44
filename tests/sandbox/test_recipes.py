"""Recipes through the real client: creators, settings helpers, ref and producer rules."""

from __future__ import annotations

import json

import pytest
from dataikuapi.dss.project import DSSProject
from dataikuapi.dss.recipe import CodeRecipeSettings
from sandbox_asserts import CODED, ILLEGAL_ARGUMENT, NOT_FOUND, dss_error

from dsspulumi.sandbox import Sandbox


@pytest.fixture
def project(dss_sandbox: Sandbox) -> DSSProject:
    client = dss_sandbox.client()
    client.create_project("RC", "Recipes", "admin")
    project = client.get_project("RC")
    for name in ("raw", "clean", "other"):
        project.create_dataset(name, "Filesystem", {"connection": "filesystem_root"})
    return project


def test_python_recipe_create_and_code_round_trip(project: DSSProject) -> None:
    recipe = (
        project.new_recipe("python", "compute_clean")
        .with_input("raw")
        .with_output("clean")
        .with_script("print('hi')")
        .create()
    )
    assert recipe.name == "compute_clean"
    assert recipe.type == "python"
    settings = recipe.get_settings()
    assert isinstance(settings, CodeRecipeSettings)
    assert settings.get_code() == "print('hi')"
    raw = settings.get_recipe_raw_definition()
    assert raw["name"] == "compute_clean" and raw["projectKey"] == "RC"
    assert raw["inputs"] == {"main": {"items": [{"ref": "raw", "deps": []}]}}
    assert raw["outputs"] == {"main": {"items": [{"ref": "clean", "appendMode": False}]}}
    assert settings.get_code_env_settings() == {"envMode": "INHERIT"}
    settings.set_code("print('bye')")
    settings.set_code_env(code_env="py311")
    settings.get_recipe_raw_definition()["description"] = "cleans"
    settings.save()
    again = recipe.get_settings()
    assert again.get_code() == "print('bye')"
    assert again.get_code_env_settings() == {"envMode": "EXPLICIT_ENV", "envName": "py311"}
    assert again.get_recipe_raw_definition()["description"] == "cleans"


def test_sql_query_payload_empty_until_set(dss_sandbox: Sandbox, project: DSSProject) -> None:
    recipe = (
        project.new_recipe("sql_query", "q")
        .with_input("raw")
        .with_existing_output("clean")
        .create()
    )
    settings = recipe.get_settings()
    assert settings.get_payload() == ""
    settings.set_payload("SELECT 1")
    settings.save()
    assert recipe.get_settings().get_payload() == "SELECT 1"
    raw = dss_sandbox.client()._perform_json("GET", "/projects/RC/recipes/q")
    assert set(raw) == {"recipe", "payload"} and raw["payload"] == "SELECT 1"


def test_sync_with_new_output_creates_managed_dataset(project: DSSProject) -> None:
    recipe = (
        project.new_recipe("sync", "s")
        .with_input("raw")
        .with_new_output("synced", "filesystem_managed", format="PARQUET_HIVE")
        .create()
    )
    assert recipe.get_settings().get_payload() == ""
    raw = project.get_dataset("synced").get_settings().get_raw()
    assert raw["managed"] is True and raw["formatType"] == "parquet"
    assert raw["params"]["connection"] == "filesystem_managed"


def test_new_output_on_unknown_connection_creates_nothing(project: DSSProject) -> None:
    with dss_error(f"{ILLEGAL_ARGUMENT}: Connection 'nope' does not exist"):
        project.new_recipe("sync", "s").with_input("raw").with_new_output("n", "nope").create()
    assert not project.get_dataset("n").exists()
    assert project.list_recipes() == []


def test_new_output_that_exists_is_refused(project: DSSProject) -> None:
    with dss_error(f"{CODED}: Dataset RC.clean already exists"):
        project.new_recipe("sync", "s").with_input("raw").with_new_output(
            "clean", "filesystem_managed"
        ).create()


def test_code_recipe_new_output_dataset(project: DSSProject) -> None:
    with pytest.warns(DeprecationWarning):
        project.new_recipe("python", "p").with_input("raw").with_new_output_dataset(
            "py_out", "filesystem_managed"
        ).with_script("pass").create()
    assert project.get_dataset("py_out").get_settings().get_raw()["managed"] is True


def test_grouping_and_join_default_payloads(project: DSSProject) -> None:
    grouping = (
        project.new_recipe("grouping", "g")
        .with_input("raw")
        .with_group_key("country")
        .with_new_output("grouped", "filesystem_managed")
        .create()
    )
    assert grouping.get_settings().get_json_payload()["keys"] == [{"column": "country"}]
    join = (
        project.new_recipe("join", "j")
        .with_input("raw")
        .with_input("clean")
        .with_new_output("joined", "filesystem_managed")
        .create()
    )
    settings = join.get_settings()
    refs = [i["ref"] for i in settings.get_recipe_raw_definition()["inputs"]["main"]["items"]]
    assert refs == ["raw", "clean"]
    assert json.loads(settings.get_payload())["virtualInputs"] == [{"index": 0}, {"index": 1}]


def test_server_chooses_name_when_none(project: DSSProject) -> None:
    first = project.new_recipe("sync").with_input("raw").with_existing_output("clean").create()
    assert first.name == "compute_clean"
    first.delete()
    project.new_recipe("python", "compute_other").with_input("raw").with_output("other").create()
    second = (
        project.new_recipe("sync")
        .with_input("raw")
        .with_new_output("other2", "filesystem_managed")
        .create()
    )
    assert second.name == "compute_other2"


def test_list_recipes_has_no_payload(project: DSSProject) -> None:
    project.new_recipe("python", "p").with_input("raw").with_output("clean").with_script(
        "x"
    ).create()
    (item,) = project.list_recipes()
    assert item._data == {"name": "p", "projectKey": "RC", "type": "python", "tags": []}
    assert item.name == "p" and item.type == "python"


def test_missing_input_is_refused(project: DSSProject) -> None:
    with dss_error(f"{NOT_FOUND}: dataset does not exist: RC.nope"):
        project.new_recipe("python", "p").with_input("nope").with_output("clean").create()
    with dss_error(f"{NOT_FOUND}: dataset does not exist: OTHER.x"):
        project.new_recipe("python", "p").with_input("x", project_key="OTHER").with_output(
            "clean"
        ).create()
    with dss_error(f"{NOT_FOUND}: dataset does not exist: RC.missing_out"):
        project.new_recipe("python", "p").with_input("raw").with_output("missing_out").create()
    assert project.list_recipes() == []


def test_foreign_input_must_be_exposed(dss_sandbox: Sandbox, project: DSSProject) -> None:
    client = dss_sandbox.client()
    client.create_project("SRC", "Source", "admin")
    client.get_project("SRC").create_dataset(
        "shared", "Filesystem", {"connection": "filesystem_root"}
    )
    refusal = f"{CODED}: Dataset SRC.shared is not exposed to project RC"
    with dss_error(refusal):
        project.new_recipe("sync", "s").with_input("shared", project_key="SRC").with_output(
            "clean"
        ).create()
    assert project.list_recipes() == []
    # exposed to another project only: still refused
    settings = client.get_project("SRC").get_settings()
    settings.add_exposed_object("DATASET", "shared", "ELSEWHERE")
    settings.save()
    with dss_error(refusal):
        project.new_recipe("sync", "s").with_input("shared", project_key="SRC").with_output(
            "clean"
        ).create()
    # a PUT that adds a foreign input is held to the same rule
    recipe = project.new_recipe("sync", "s").with_input("raw").with_output("clean").create()
    recipe_settings = recipe.get_settings()
    recipe_settings.get_recipe_raw_definition()["inputs"]["main"]["items"] = [
        {"ref": "SRC.shared"}
    ]
    with dss_error(refusal):
        recipe_settings.save()


def test_foreign_input_that_exists_is_accepted(dss_sandbox: Sandbox, project: DSSProject) -> None:
    client = dss_sandbox.client()
    client.create_project("SRC", "Source", "admin")
    src = client.get_project("SRC")
    src.create_dataset("shared", "Filesystem", {"connection": "filesystem_root"})
    settings = src.get_settings()
    settings.add_exposed_object("DATASET", "shared", "RC")
    settings.save()
    recipe = (
        project.new_recipe("sync", "s")
        .with_input("shared", project_key="SRC")
        .with_existing_output("clean")
        .create()
    )
    items = recipe.get_settings().get_recipe_raw_definition()["inputs"]["main"]["items"]
    assert items[0]["ref"] == "SRC.shared"


def test_second_producer_is_refused(project: DSSProject) -> None:
    project.new_recipe("python", "first").with_input("raw").with_output("clean").create()
    with dss_error(f"{CODED}: Dataset RC.clean is already the output of recipe first"):
        project.new_recipe("sync", "second").with_input("raw").with_existing_output(
            "clean"
        ).create()
    second = (
        project.new_recipe("sync", "second")
        .with_input("raw")
        .with_existing_output("other")
        .create()
    )
    settings = second.get_settings()
    settings.get_recipe_raw_definition()["outputs"]["main"]["items"][0]["ref"] = "clean"
    with dss_error(f"{CODED}: Dataset RC.clean is already the output of recipe first"):
        settings.save()


def test_put_validates_refs_and_immutable_fields(project: DSSProject) -> None:
    recipe = project.new_recipe("python", "p").with_input("raw").with_output("clean").create()
    settings = recipe.get_settings()
    settings.get_recipe_raw_definition()["inputs"]["main"]["items"].append({"ref": "ghost"})
    with dss_error(f"{NOT_FOUND}: dataset does not exist: RC.ghost"):
        settings.save()
    settings = recipe.get_settings()
    settings.get_recipe_raw_definition()["inputs"]["main"]["items"].append({"ref": "other"})
    settings.save()
    refs = [i["ref"] for i in recipe.get_settings().get_recipe_inputs()["main"]["items"]]
    assert refs == ["raw", "other"]
    settings = recipe.get_settings()
    settings.get_recipe_raw_definition()["type"] = "r"
    with dss_error(f"{CODED}: Cannot change the type"):
        settings.save()


def test_raw_mode_skips_checks_and_creates_nothing(project: DSSProject) -> None:
    creator = project.new_recipe("python", "raw_p").with_input("ghost").with_output("phantom")
    creator.set_raw_mode()
    creator.creation_settings["rawPayload"] = "print('raw')"
    recipe = creator.create()
    assert recipe.get_settings().get_code() == "print('raw')"
    assert not project.get_dataset("phantom").exists()


def test_recipe_name_rules_and_not_found(project: DSSProject) -> None:
    project.new_recipe("python", "dup").with_input("raw").with_output("clean").create()
    with dss_error(f"{CODED}: Recipe RC.dup already exists"):
        project.new_recipe("python", "dup").with_input("raw").with_output("other").create()
    with dss_error(f"{CODED}: Invalid recipe name"):
        project.new_recipe("python", "bad.name").with_input("raw").with_output("other").create()
    ghost = project.get_recipe("ghost")
    for call in (ghost.get_settings, ghost.delete, ghost.get_metadata):
        with dss_error(f"{NOT_FOUND}: recipe does not exist: RC.ghost"):
            call()


def test_recipe_metadata_and_delete(project: DSSProject) -> None:
    recipe = project.new_recipe("python", "p").with_input("raw").with_output("clean").create()
    meta = recipe.get_metadata()
    meta["tags"] = ["etl"]
    recipe.set_metadata(meta)
    assert project.list_recipes()[0]["tags"] == ["etl"]
    recipe.delete()
    assert project.list_recipes() == []
    assert project.get_dataset("clean").exists()  # outputs survive their recipe
    project.new_recipe("sync", "again").with_input("raw").with_existing_output("clean").create()
