"""Visual recipes in the sandbox through the real client: creators, payload shapes, refusals."""

from __future__ import annotations

import json

import pytest
from dataikuapi.dss.project import DSSProject
from dataikuapi.dss.recipe import GroupingRecipeSettings, JoinRecipeSettings
from sandbox_asserts import CODED, dss_error

from dsspulumi.sandbox import Sandbox


@pytest.fixture
def project(dss_sandbox: Sandbox) -> DSSProject:
    client = dss_sandbox.client()
    client.create_project("VR", "Visual", "admin")
    project = client.get_project("VR")
    for name, columns in (("a", ["id", "x"]), ("b", ["id", "y"]), ("c", []), ("d", [])):
        ds = project.create_dataset(name, "Filesystem", {"connection": "filesystem_root"})
        ds.set_schema({"columns": [{"name": c, "type": "string"} for c in columns]})
    return project


def test_join_creator_guesses_conditions_on_shared_columns(project: DSSProject) -> None:
    recipe = project.new_recipe("join", "j").with_input("a").with_input("b").with_output("c")
    settings = recipe.create().get_settings()
    assert isinstance(settings, JoinRecipeSettings)
    (join,) = settings.raw_joins
    assert (join["table1"], join["table2"], join["type"]) == (0, 1, "LEFT")
    assert [(c["column1"]["name"], c["column2"]["name"]) for c in join["on"]] == [("id", "id")]


def test_grouping_payload_round_trips_through_the_helpers(project: DSSProject) -> None:
    recipe = (
        project.new_recipe("grouping", "g")
        .with_input("a")
        .with_group_key("id")
        .with_output("c")
        .create()
    )
    settings = recipe.get_settings()
    assert isinstance(settings, GroupingRecipeSettings)
    settings.add_grouping_key("x")
    settings.set_column_aggregations("y", sum=True)
    settings.set_global_count_enabled(True)
    settings.save()
    payload = recipe.get_settings().get_json_payload()
    assert payload["keys"] == [{"column": "id"}, {"column": "x"}] and payload["globalCount"]
    assert payload["values"][0]["column"] == "y" and payload["values"][0]["sum"] is True


@pytest.mark.parametrize(
    ("type_", "payload", "message"),
    [
        ("grouping", "not json", "Invalid grouping recipe payload: not valid JSON"),
        ("grouping", {"keys": [{"col": "id"}]}, "Invalid grouping key: every item needs a"),
        (
            "grouping",
            {"keys": [], "values": [{"column": "x", "sum": "yes"}]},
            "Invalid grouping aggregation on column x: 'sum' must be true or false",
        ),
        ("shaker", {"steps": [{"metaType": "PROCESSOR"}]}, "Invalid prepare step #0: a processor"),
        ("shaker", {"steps": [{"metaType": "MAGIC"}]}, "Invalid prepare step #0: unknown"),
        (
            "join",
            {"virtualInputs": [{"index": 0}, {"index": 5}], "joins": []},
            "Invalid join virtual input #1: index 5 is not one of the recipe's 2 input(s)",
        ),
        (
            "join",
            {
                "virtualInputs": [{"index": 0}, {"index": 1}],
                "joins": [{"table1": 0, "table2": 2, "type": "LEFT", "on": []}],
            },
            "Invalid join #0: table 2 is not one of the 2 virtual input(s)",
        ),
        (
            "join",
            {
                "virtualInputs": [{"index": 0}, {"index": 1}],
                "joins": [{"table1": 0, "table2": 1, "type": "SIDEWAYS", "on": []}],
            },
            "Invalid join #0: unknown join type 'SIDEWAYS'",
        ),
    ],
)
def test_payload_of_the_wrong_shape_is_refused(
    project: DSSProject, type_: str, payload: object, message: str
) -> None:
    creator = project.new_recipe(type_, "r").with_input("a")
    if type_ == "join":
        creator.with_input("b")
    recipe = creator.with_output("c").create()
    settings = recipe.get_settings()
    before = settings.get_payload()
    settings.set_payload(payload if isinstance(payload, str) else json.dumps(payload))
    with dss_error(f"{CODED}: {message}"):
        settings.save()
    assert recipe.get_settings().get_payload() == before  # nothing changed


def test_one_input_one_output_types_are_enforced(project: DSSProject) -> None:
    for type_ in ("grouping", "shaker"):
        with dss_error(f"{CODED}: A {type_} recipe must have exactly one input and one output"):
            project.new_recipe(type_, "r").with_input("a").with_input("b").with_output(
                "c"
            ).create()
    assert project.list_recipes() == []
    recipe = project.new_recipe("shaker", "r").with_input("a").with_output("c").create()
    settings = recipe.get_settings()
    settings.get_recipe_raw_definition()["outputs"]["main"]["items"].append({"ref": "d"})
    with dss_error(f"{CODED}: A shaker recipe must have exactly one input and one output"):
        settings.save()


def test_s3_dataset_needs_an_s3_connection(dss_sandbox: Sandbox, project: DSSProject) -> None:
    with dss_error(f"{CODED}: Connection 'filesystem_root' is of type Filesystem, not S3"):
        project.create_s3_dataset("s3", "filesystem_root", "/p", bucket="b")
    dss_sandbox.client().create_connection("s3c", "S3", params={})
    ds = project.create_s3_dataset("s3", "s3c", "/p", bucket="b")
    settings = ds.get_settings()
    assert settings.get_raw()["type"] == "S3" and settings.get_raw()["params"]["bucket"] == "b"
    settings.get_raw()["params"]["connection"] = "filesystem_root"
    with dss_error(f"{CODED}: Connection 'filesystem_root' is of type Filesystem, not S3"):
        settings.save()


def test_uploaded_files_dataset_and_exposure_cleanup(
    dss_sandbox: Sandbox, project: DSSProject
) -> None:
    ds = project.create_upload_dataset("up", connection="filesystem_managed")
    assert ds.get_settings().get_raw()["params"] == {"uploadConnection": "filesystem_managed"}
    settings = project.get_settings()
    settings.add_exposed_object("DATASET", "up", "ELSEWHERE")
    settings.save()
    with dss_error(f"{CODED}: Invalid exposed object #1: it needs a 'type' and a 'localName'"):
        settings.get_raw()["exposedObjects"]["objects"].append({"type": "DATASET"})
        settings.save()
    ds.delete()
    assert project.get_settings().get_raw()["exposedObjects"]["objects"] == []
