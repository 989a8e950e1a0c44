"""Projects and connections through the real client: shapes, rules, cascades."""

from __future__ import annotations

import pytest
from sandbox_asserts import CODED, ILLEGAL_ARGUMENT, NOT_FOUND, dss_error

from dsspulumi.sandbox import Sandbox


def test_default_connections(dss_sandbox: Sandbox) -> None:
    conns = dss_sandbox.client().list_connections()
    assert set(conns) == {
        "filesystem_root",
        "filesystem_managed",
        "filesystem_folders",
        "sql_postgres",
    }
    for name, item in conns.items():
        assert item.name == name
        assert item.type == ("PostgreSQL" if name == "sql_postgres" else "Filesystem")


def test_connection_create_get_put_delete(dss_sandbox: Sandbox) -> None:
    client = dss_sandbox.client()
    conn = client.create_connection(
        "pg", "PostgreSQL", {"host": "db", "password": "s3cret"}, description="warehouse"
    )
    settings = conn.get_settings()
    raw = settings.get_raw()
    assert raw["name"] == "pg" and raw["type"] == "PostgreSQL"
    assert raw["description"] == "warehouse" and raw["usableBy"] == "ALL"
    assert raw["params"]["host"] == "db"
    token = raw["params"]["password"]
    assert token != "s3cret"  # returned sealed, like DSS's encrypted secrets
    raw["params"]["host"] = "db2"
    settings.save()
    again = conn.get_definition()
    assert again["params"]["host"] == "db2"
    assert again["params"]["password"] == token  # token sent back unchanged keeps the secret
    assert client.list_connections_names("PostgreSQL") == ["sql_postgres", "pg"]
    assert conn.get_info()["type"] == "PostgreSQL"
    conn.delete()
    assert "pg" not in client.list_connections()


def test_connection_rules(dss_sandbox: Sandbox) -> None:
    client = dss_sandbox.client()
    with dss_error(f"{CODED}: Connection filesystem_root already exists"):
        client.create_connection("filesystem_root", "Filesystem")
    with dss_error(f"{ILLEGAL_ARGUMENT}: Connection 'nope' does not exist"):
        client.get_connection("nope").get_settings()
    with dss_error(ILLEGAL_ARGUMENT):
        client.get_connection("nope").delete()
    definition = client.get_connection("filesystem_root").get_definition()
    definition["type"] = "S3"
    with dss_error(CODED):
        client.get_connection("filesystem_root").set_definition(definition)


def test_create_project_fills_summary_and_metadata(dss_sandbox: Sandbox) -> None:
    client = dss_sandbox.client()
    client.create_project(
        "SALES", "Sales data", "alice", description="All sales", tags=["finance", "prod"]
    )
    assert client.list_project_keys() == ["SALES"]
    (item,) = client.list_projects()
    assert item["projectKey"] == "SALES" and item["name"] == "Sales data"
    project = client.get_project("SALES")
    summary = project.get_summary()
    assert summary["projectKey"] == "SALES" and summary["ownerLogin"] == "alice"
    meta = project.get_metadata()
    assert meta["label"] == "Sales data"
    assert meta["description"] == "All sales"
    assert meta["tags"] == ["finance", "prod"]
    assert meta["checklists"] == {"checklists": []} and meta["custom"] == {"kv": {}}
    meta["label"] = "Sales"
    meta["tags"] = ["x"]
    project.set_metadata(meta)
    assert project.get_summary()["name"] == "Sales"
    assert project.get_metadata()["tags"] == ["x"]


@pytest.mark.parametrize("key", ["lower", "1ABC", "A-B", "A.B", "", "A B"])
def test_invalid_project_key_is_refused(dss_sandbox: Sandbox, key: str) -> None:
    with dss_error(f"{CODED}: Invalid project key"):
        dss_sandbox.client().create_project(key, "x", "admin")


def test_duplicate_project_key_is_refused(dss_sandbox: Sandbox) -> None:
    client = dss_sandbox.client()
    client.create_project("DUP", "One", "admin")
    with dss_error(f"{CODED}: Project DUP already exists"):
        client.create_project("DUP", "Two", "admin")
    assert client.get_project("DUP").get_metadata()["label"] == "One"


def test_missing_project_is_not_found(dss_sandbox: Sandbox) -> None:
    project = dss_sandbox.client().get_project("GHOST")
    for call in (
        project.get_summary,
        project.get_metadata,
        project.get_settings,
        project.get_permissions,
        project.get_variables,
        project.list_datasets,
        project.list_recipes,
        project.delete,
    ):
        with dss_error(f"{NOT_FOUND}: project does not exist: GHOST"):
            call()


def test_project_settings_round_trip(dss_sandbox: Sandbox) -> None:
    client = dss_sandbox.client()
    client.create_project(
        "SET", "Settings", "admin", settings={"container": {"containerMode": "NONE"}}
    )
    project = client.get_project("SET")
    settings = project.get_settings()
    raw = settings.get_raw()
    assert raw["settings"]["container"]["containerMode"] == "NONE"
    assert raw["exposedObjects"] == {"objects": []}
    settings.set_python_code_env("py311")
    settings.set_container_exec_config("k8s-small")
    settings.set_k8s_cluster("cluster1", fallback_cluster="cluster0")
    settings.add_exposed_object("DATASET", "d", "OTHER")
    settings.save()
    again = project.get_settings().get_raw()
    assert again["settings"]["codeEnvs"]["python"] == {
        "mode": "EXPLICIT_ENV",
        "useBuiltinEnv": False,
        "envName": "py311",
    }
    assert again["settings"]["container"]["containerConf"] == "k8s-small"
    assert again["settings"]["k8sCluster"]["clusterId"] == "cluster1"
    assert again["exposedObjects"]["objects"][0]["localName"] == "d"


def test_project_permissions_round_trip(dss_sandbox: Sandbox) -> None:
    client = dss_sandbox.client()
    with dss_error(f"{CODED}: Group 'readers' does not exist"):
        client.create_project("PERM", "Perm", "bob", permissions=[{"group": "readers"}])
    client.create_group("readers")  # a granted group must exist
    client.create_group("writers")
    client.create_project(
        "PERM", "Perm", "bob", permissions=[{"group": "readers", "readProjectContent": True}]
    )
    project = client.get_project("PERM")
    perms = project.get_permissions()
    assert perms["owner"] == "bob"
    assert perms["permissions"] == [{"group": "readers", "readProjectContent": True}]
    perms["permissions"].append({"group": "writers", "writeProjectContent": True})
    project.set_permissions(perms)
    assert len(project.get_permissions()["permissions"]) == 2
    with dss_error(CODED):
        project.set_permissions({"owner": "bob", "permissions": [{"readDashboards": True}]})


def test_project_variables(dss_sandbox: Sandbox) -> None:
    client = dss_sandbox.client()
    client.create_project("VARS", "Vars", "admin")
    project = client.get_project("VARS")
    assert project.get_variables() == {"standard": {}, "local": {}}
    project.set_variables(
        {"standard": {"n": 1, "l": [1, 2], "d": {"a": True}}, "local": {"s": "x"}}
    )
    project.update_variables({"m": 2})
    assert project.get_variables() == {
        "standard": {"n": 1, "l": [1, 2], "d": {"a": True}, "m": 2},
        "local": {"s": "x"},
    }
    with dss_error(f"{CODED}: Missing 'local' key"):
        client._perform_json("PUT", "/projects/VARS/variables/", body={"standard": {}})


def test_project_delete_cascades_and_key_is_reusable(dss_sandbox: Sandbox) -> None:
    client = dss_sandbox.client()
    client.create_project("DEL", "Del", "admin")
    project = client.get_project("DEL")
    project.create_dataset("a", "Filesystem", {"connection": "filesystem_root"})
    project.new_recipe("sync", "s").with_input("a").with_new_output(
        "b", "filesystem_managed"
    ).create()
    future = project.delete(clear_managed_datasets=True)
    assert future.wait_for_result() == future.get_result()
    assert client.list_project_keys() == []
    with dss_error(NOT_FOUND):
        project.get_dataset("a").get_settings()
    client.create_project("DEL", "Again", "admin")
    project = client.get_project("DEL")
    assert project.list_datasets() == [] and project.list_recipes() == []
