"""What issue 12 needs from the sandbox: ownership marks in ``customFields``, SQL connection.

dsspulumi marks the objects it creates in the field DSS keeps for custom data. Every place
a mark can be written must keep it exactly as sent and give it back.
"""

from __future__ import annotations

import pytest
from dataikuapi.dss.project import DSSProject
from dataikuapi.dss.recipe import CodeRecipeSettings

from dsspulumi.sandbox import Sandbox

MARK = {"dsspulumi": {"stack": "analytics", "env": "dev", "urn": "urn:dss:dev::x", "n": 3}}


@pytest.fixture
def project(dss_sandbox: Sandbox) -> DSSProject:
    client = dss_sandbox.client()
    client.create_project("OWN", "Owned", "admin")
    return client.get_project("OWN")


def test_project_metadata_custom_fields_round_trip(project: DSSProject) -> None:
    meta = project.get_metadata()
    assert meta["customFields"] == {}
    meta["customFields"] = MARK
    project.set_metadata(meta)
    assert project.get_metadata()["customFields"] == MARK
    meta = project.get_metadata()
    meta["description"] = "changed, mark untouched"
    project.set_metadata(meta)
    assert project.get_metadata()["customFields"] == MARK


def test_dataset_definition_and_metadata_share_custom_fields(project: DSSProject) -> None:
    project.create_dataset("d", "Filesystem", {"connection": "filesystem_root"})
    dataset = project.get_dataset("d")
    settings = dataset.get_settings()
    settings.get_raw()["customFields"] = MARK
    settings.save()
    assert dataset.get_settings().get_raw()["customFields"] == MARK
    assert dataset.get_metadata()["customFields"] == MARK  # the metadata is a view on it
    listed = {d.name: d for d in project.list_datasets()}
    assert listed["d"]._data["customFields"] == MARK  # list items carry it: batched refresh
    other = {"dsspulumi": {"stack": "other"}}
    meta = dataset.get_metadata()
    meta["customFields"] = other
    dataset.set_metadata(meta)
    assert dataset.get_settings().get_raw()["customFields"] == other


def test_recipe_custom_fields_sent_at_creation_are_kept(project: DSSProject) -> None:
    project.create_dataset("raw", "Filesystem", {"connection": "filesystem_root"})
    project.create_dataset("clean", "Filesystem", {"connection": "filesystem_root"})
    creator = project.new_recipe("python", "py").with_input("raw").with_output("clean")
    creator.with_script("x = 1")
    creator.recipe_proto["customFields"] = MARK  # sent inside recipePrototype, one call
    recipe = creator.create()
    settings = recipe.get_settings()
    assert isinstance(settings, CodeRecipeSettings)
    assert settings.get_recipe_raw_definition()["customFields"] == MARK
    assert recipe.get_metadata()["customFields"] == MARK


def test_recipe_custom_fields_through_put_and_metadata(project: DSSProject) -> None:
    project.create_dataset("raw", "Filesystem", {"connection": "filesystem_root"})
    project.create_dataset("clean", "Filesystem", {"connection": "filesystem_root"})
    recipe = project.new_recipe("sync", "s").with_input("raw").with_output("clean").create()
    settings = recipe.get_settings()
    assert settings.get_recipe_raw_definition()["customFields"] == {}
    settings.get_recipe_raw_definition()["customFields"] = MARK
    settings.save()
    assert recipe.get_settings().get_recipe_raw_definition()["customFields"] == MARK
    meta = recipe.get_metadata()
    meta["customFields"] = {"k": [1, 2]}
    recipe.set_metadata(meta)
    assert recipe.get_settings().get_recipe_raw_definition()["customFields"] == {"k": [1, 2]}


def test_marks_survive_restart(tmp_path) -> None:
    with Sandbox(data_dir=tmp_path) as sb:
        client = sb.client()
        client.create_project("OWN", "Owned", "admin")
        project = client.get_project("OWN")
        meta = project.get_metadata()
        meta["customFields"] = MARK
        project.set_metadata(meta)
    with Sandbox(data_dir=tmp_path) as sb:
        assert sb.client().get_project("OWN").get_metadata()["customFields"] == MARK


def test_sql_postgres_connection_takes_managed_datasets_and_sql_recipes(
    project: DSSProject, dss_sandbox: Sandbox
) -> None:
    client = dss_sandbox.client()
    assert client.get_connection("sql_postgres").get_info()["type"] == "PostgreSQL"
    src = project.new_managed_dataset("src").with_store_into("sql_postgres").create()
    raw = src.get_settings().get_raw()
    assert raw["type"] == "PostgreSQL" and raw["managed"] is True
    assert raw["params"] == {
        "connection": "sql_postgres",
        "mode": "table",
        "table": "${projectKey}_src",
    }
    assert "formatType" not in raw  # SQL datasets have table params and no format
    recipe = (
        project.new_recipe("sql_query", "q")
        .with_input("src")
        .with_new_output("agg", "sql_postgres")
        .create()
    )
    settings = recipe.get_settings()
    settings.set_payload("SELECT COUNT(*) FROM src")
    settings.save()
    assert recipe.get_settings().get_payload() == "SELECT COUNT(*) FROM src"
    agg = project.get_dataset("agg").get_settings().get_raw()
    assert agg["type"] == "PostgreSQL" and agg["params"]["table"] == "${projectKey}_agg"
