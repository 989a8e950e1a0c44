"""Datasets through the real client: creation paths, full definitions, schema, metadata."""

from __future__ import annotations

import pytest
from dataikuapi.dss.dataset import FSLikeDatasetSettings, SQLDatasetSettings
from dataikuapi.dss.project import DSSProject
from sandbox_asserts import CODED, ILLEGAL_ARGUMENT, NOT_FOUND, dss_error

from dsspulumi.sandbox import Sandbox


@pytest.fixture
def project(dss_sandbox: Sandbox) -> DSSProject:
    client = dss_sandbox.client()
    client.create_project("DS", "Datasets", "admin")
    return client.get_project("DS")


def test_generic_create_and_full_definition(project: DSSProject) -> None:
    project.create_dataset(
        "raw",
        "Filesystem",
        params={"connection": "filesystem_root", "path": "/data/raw"},
        formatType="csv",
        formatParams={"separator": ","},
    )
    settings = project.get_dataset("raw").get_settings()
    assert isinstance(settings, FSLikeDatasetSettings)
    raw = settings.get_raw()
    assert raw["name"] == "raw" and raw["projectKey"] == "DS" and raw["type"] == "Filesystem"
    assert raw["managed"] is False
    assert raw["params"] == {"connection": "filesystem_root", "path": "/data/raw"}
    assert raw["formatType"] == "csv" and raw["formatParams"] == {"separator": ","}
    assert raw["schema"] == {"columns": [], "userModified": False}
    assert raw["tags"] == [] and raw["description"] == "" and raw["shortDesc"] == ""
    assert raw["partitioning"]["dimensions"] == []


def test_typed_creators_and_sql_settings(dss_sandbox: Sandbox, project: DSSProject) -> None:
    dss_sandbox.client().create_connection("pg", "PostgreSQL", {"host": "db"})
    project.create_filesystem_dataset("fs", "filesystem_root", "/x")
    project.create_sql_table_dataset("tbl", "PostgreSQL", "pg", "sales", "public")
    settings = project.get_dataset("tbl").get_settings()
    assert isinstance(settings, SQLDatasetSettings)
    assert settings.get_raw()["params"]["table"] == "sales"
    assert sorted(d.name for d in project.list_datasets()) == ["fs", "tbl"]


def test_managed_dataset_creation(project: DSSProject) -> None:
    ds = (
        project.new_managed_dataset("clean")
        .with_store_into("filesystem_managed", format_option_id="parquet")
        .create()
    )
    raw = ds.get_settings().get_raw()
    assert raw["managed"] is True and raw["type"] == "Filesystem"
    assert raw["params"] == {"connection": "filesystem_managed", "path": "${projectKey}/clean"}
    assert raw["formatType"] == "parquet"
    default = project.new_managed_dataset("plain").with_store_into("filesystem_managed").create()
    assert default.get_settings().get_raw()["formatType"] == "csv"


def test_managed_dataset_on_sql_connection(dss_sandbox: Sandbox, project: DSSProject) -> None:
    dss_sandbox.client().create_connection("pg", "PostgreSQL", {"host": "db"})
    raw = project.new_managed_dataset("t").with_store_into("pg").create().get_settings().get_raw()
    assert raw["type"] == "PostgreSQL" and raw["managed"] is True
    assert raw["params"]["connection"] == "pg" and raw["params"]["mode"] == "table"


def test_list_returns_near_full_definitions_and_filters_tags(project: DSSProject) -> None:
    project.create_dataset("a", "Filesystem", {"connection": "filesystem_root"})
    project.create_dataset("b", "Filesystem", {"connection": "filesystem_root"})
    settings = project.get_dataset("a").get_settings()
    settings.get_raw()["tags"] = ["gold"]
    settings.get_raw()["schema"]["columns"] = [{"name": "id", "type": "bigint"}]
    settings.save()
    listed = {d.name: d for d in project.list_datasets()}
    full = project.get_dataset("a").get_settings().get_raw()
    assert listed["a"]._data == full  # one call per project is enough for a refresh
    assert listed["a"].schema["columns"][0]["name"] == "id"
    assert listed["a"].connection == "filesystem_root"
    assert [d.name for d in project.list_datasets(tags=["gold"])] == ["a"]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_settings_put_round_trip_and_immutable_fields(project: DSSProject) -> None:
    project.create_dataset("d", "Filesystem", {"connection": "filesystem_root", "path": "/a"})
    dataset = project.get_dataset("d")
    settings = dataset.get_settings()
    settings.get_raw()["description"] = "long text"
    settings.get_raw()["shortDesc"] = "short"
    settings.get_raw()["params"]["path"] = "/b"
    settings.add_raw_schema_column({"name": "x", "type": "string"})
    settings.save()
    raw = dataset.get_settings().get_raw()
    assert raw["description"] == "long text" and raw["shortDesc"] == "short"
    assert raw["params"]["path"] == "/b"
    assert raw["schema"]["columns"] == [{"name": "x", "type": "string"}]
    assert raw["versionTag"]["versionNumber"] == 1
    for field, value in (("type", "S3"), ("name", "other"), ("projectKey", "X")):
        changed = dict(raw, **{field: value})
        with dss_error(f"{CODED}: Cannot change the {field}"):
            dataset.set_definition(changed)
    bad_conn = dict(raw, params={"connection": "nope"})
    with dss_error(f"{ILLEGAL_ARGUMENT}: Connection 'nope' does not exist"):
        dataset.set_definition(bad_conn)


def test_schema_get_put(project: DSSProject) -> None:
    project.create_dataset("s", "Filesystem", {"connection": "filesystem_root"})
    dataset = project.get_dataset("s")
    cols = [{"name": "id", "type": "bigint"}, {"name": "label", "type": "string"}]
    answer = dataset.set_schema({"columns": cols})
    assert answer["columns"] == cols
    assert dataset.get_schema()["columns"] == cols
    assert dataset.get_settings().get_raw()["schema"]["columns"] == cols
    with dss_error(f"{CODED}: Invalid schema column #0"):
        dataset.set_schema({"columns": [{"name": "no_type"}]})


def test_metadata_and_exists(project: DSSProject) -> None:
    dataset = project.get_dataset("m")
    assert dataset.exists() is False
    project.create_dataset("m", "Filesystem", {"connection": "filesystem_root"})
    assert dataset.exists() is True
    meta = dataset.get_metadata()
    assert meta["label"] == "m" and meta["tags"] == []
    meta["tags"] = ["pii"]
    meta["description"] = "customers"
    meta["custom"]["kv"]["owner"] = "team-a"
    assert dataset.set_metadata(meta)["tags"] == ["pii"]
    raw = dataset.get_settings().get_raw()
    assert raw["tags"] == ["pii"] and raw["description"] == "customers"
    assert dataset.get_metadata()["custom"]["kv"] == {"owner": "team-a"}


def test_delete_dataset(project: DSSProject) -> None:
    project.create_dataset("gone", "Filesystem", {"connection": "filesystem_root"})
    project.get_dataset("gone").delete(drop_data=True)
    assert project.list_datasets() == []
    with dss_error(f"{NOT_FOUND}: dataset does not exist: DS.gone"):
        project.get_dataset("gone").delete()


def test_missing_dataset_is_not_found_everywhere(project: DSSProject) -> None:
    dataset = project.get_dataset("ghost")
    for call in (dataset.get_settings, dataset.get_schema, dataset.get_metadata):
        with dss_error(f"{NOT_FOUND}: dataset does not exist: DS.ghost"):
            call()


def test_dataset_name_rules(project: DSSProject) -> None:
    project.create_dataset("dup", "Filesystem", {"connection": "filesystem_root"})
    with dss_error(f"{CODED}: Dataset DS.dup already exists"):
        project.create_dataset("dup", "Filesystem", {"connection": "filesystem_root"})
    with dss_error(f"{CODED}: Dataset DS.dup already exists"):
        project.new_managed_dataset("dup").with_store_into("filesystem_managed").create()
    for bad in ("a.b", "with space", "dash-name", ""):
        with dss_error(f"{CODED}: Invalid dataset name"):
            project.create_dataset(bad, "Filesystem", {"connection": "filesystem_root"})


def test_unknown_connection_at_creation(project: DSSProject) -> None:
    with dss_error(f"{ILLEGAL_ARGUMENT}: Connection 'nope' does not exist"):
        project.create_dataset("x", "Filesystem", {"connection": "nope", "path": "/"})
    with dss_error(f"{ILLEGAL_ARGUMENT}: Connection 'nope' does not exist"):
        project.new_managed_dataset("y").with_store_into("nope").create()
    assert project.list_datasets() == []


def test_managed_overwrite_deletes_first(project: DSSProject) -> None:
    project.new_managed_dataset("o").with_store_into("filesystem_managed").create()
    project.new_managed_dataset("o").with_store_into(
        "filesystem_managed", format_option_id="parquet"
    ).create(overwrite=True)
    assert project.get_dataset("o").get_settings().get_raw()["formatType"] == "parquet"
