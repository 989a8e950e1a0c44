"""Managed folders in the sandbox, through the real client: ids, refusals, cascades."""

from __future__ import annotations

import re

import pytest
from sandbox_asserts import CODED, ILLEGAL_ARGUMENT, NOT_FOUND, dss_error

from dsspulumi.sandbox import Sandbox


@pytest.fixture(scope="module")
def client():
    with Sandbox() as sb:
        yield sb.client()


def test_create_returns_a_generated_id_not_the_name(client):
    project = client.create_project("MF1", "Folders", "admin")
    folder = project.create_managed_folder("My files")
    assert re.fullmatch(r"[A-Za-z0-9]{8}", folder.id)
    raw = folder.get_settings().get_raw()
    assert raw["name"] == "My files" and raw["id"] == folder.id
    assert raw["type"] == "Filesystem"  # the connection's type when none is given
    assert raw["params"] == {"connection": "filesystem_folders", "path": "/${projectKey}/${odbId}"}
    other = project.create_managed_folder("My files")  # names are labels (UNVERIFIED)
    assert other.id != folder.id
    assert {f["id"] for f in project.list_managed_folders()} == {folder.id, other.id}


def test_refusals(client):
    project = client.create_project("MF2", "Folders", "admin")
    with dss_error(f"{ILLEGAL_ARGUMENT}: Connection 'nope' does not exist"):
        project.create_managed_folder("f", connection_name="nope")
    with dss_error(CODED):
        project.create_managed_folder("   ")
    with dss_error(f"{NOT_FOUND}: managed folder does not exist: MF2.missing1"):
        project.get_managed_folder("missing1").get_settings()
    with dss_error(f"{NOT_FOUND}: project does not exist: NOPE"):
        client.get_project("NOPE").create_managed_folder("f")
    folder = project.create_managed_folder("f")
    with dss_error(CODED):
        folder.rename("  ")
    settings = folder.get_settings()
    settings.get_raw()["id"] = "other123"
    with dss_error(CODED):
        settings.save()
    settings = folder.get_settings()
    settings.get_raw()["params"]["connection"] = "nope"
    with dss_error(ILLEGAL_ARGUMENT):
        settings.save()
    assert project.list_managed_folders()[0]["params"]["connection"] == "filesystem_folders"


def test_settings_rename_and_custom_fields_round_trip(client):
    project = client.create_project("MF3", "Folders", "admin")
    folder = project.create_managed_folder("f")
    settings = folder.get_settings()
    settings.custom_fields = {"k": "v"}
    settings.tags = ["t"]
    settings.set_connection_and_path("filesystem_root", "/data")
    settings.save()
    folder.rename("renamed")
    raw = folder.get_settings().get_raw()
    assert raw["name"] == "renamed" and raw["customFields"] == {"k": "v"} and raw["tags"] == ["t"]
    assert raw["params"] == {"connection": "filesystem_root", "path": "/data"}
    assert raw["versionTag"]["versionNumber"] == 2
    assert folder.list_contents() == {"items": []}


def test_folders_in_the_flow_and_delete_cascades(client):
    project = client.create_project("MF4", "Folders", "admin")
    folder = project.create_managed_folder("in")
    files = folder.create_dataset_from_files("FILES")
    assert files.get_settings().get_raw()["params"]["folderSmartId"] == folder.id
    with dss_error(f"{NOT_FOUND}: managed folder does not exist: MF4.absent00"):
        project.create_dataset("BAD", "FilesInFolder", params={"folderSmartId": "absent00"})
    out = project.create_managed_folder("out")
    creator = project.new_recipe("python", "write")
    creator.with_input(folder.id)
    creator.with_output(out.id)
    creator.with_script("")
    creator.create()
    creator = project.new_recipe("python", "again")
    creator.with_input(folder.id)
    creator.with_output(out.id)
    creator.with_script("")
    with dss_error(CODED):  # one producing recipe per folder too
        creator.create()
    assert folder.delete() is not None  # JSON answer (the client parses it)
    assert [r["name"] for r in project.list_recipes()] == []  # the recipe using it went too
    assert [f["name"] for f in project.list_managed_folders()] == ["out"]
    project.delete()
    with dss_error(NOT_FOUND):
        client.get_project("MF4").list_managed_folders()


def test_a_folder_of_another_project_must_be_exposed_as_a_folder(client):
    src = client.create_project("MF5", "Folder owner", "admin")
    folder = src.create_managed_folder("shared")
    project = client.create_project("MF6", "Folder reader", "admin")
    out = project.create_managed_folder("out")

    def create():
        creator = project.new_recipe("python", "read")
        creator.with_input(folder.id, project_key="MF5")
        creator.with_output(out.id)
        creator.with_script("")
        return creator.create()

    refusal = f"{CODED}: Managed folder MF5.{folder.id} is not exposed to project MF6"
    with dss_error(refusal):
        create()
    settings = src.get_settings()  # exposed under the wrong type: still refused
    settings.add_exposed_object("DATASET", folder.id, "MF6")
    settings.save()
    with dss_error(refusal):
        create()
    settings = src.get_settings()
    settings.add_exposed_object("MANAGED_FOLDER", folder.id, "MF6")
    settings.save()
    items = create().get_settings().get_recipe_raw_definition()["inputs"]["main"]["items"]
    assert items[0]["ref"] == f"MF5.{folder.id}"
