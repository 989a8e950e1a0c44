"""Visual recipes, S3/uploaded datasets and share_with: construction checks and inputs()."""

from __future__ import annotations

import pytest

import dsspulumi as dss
from dsspulumi.errors import ResourceValidationError


@pytest.fixture
def project() -> dss.Project:
    return dss.Project("PROJ", name="Proj")


@pytest.fixture
def src(project: dss.Project) -> dss.Dataset:
    return dss.Dataset(
        "src",
        project=project,
        type="Filesystem",
        connection="fs",
        schema=[dss.Column("id", "bigint"), dss.Column("country"), dss.Column("amount", "double")],
    )


@pytest.fixture
def other(project: dss.Project) -> dss.ManagedDataset:
    return dss.ManagedDataset("other", project=project, connection="fs")


@pytest.fixture
def out(project: dss.Project) -> dss.ManagedDataset:
    return dss.ManagedDataset("out", project=project, connection="fs")


def test_group_recipe_inputs_are_canonical(project, src, out):
    g = dss.GroupRecipe(
        "g",
        project=project,
        inputs=[src],
        outputs=[out],
        keys=["country"],
        aggregations={"amount": ["sum", "avg", "max"]},
        global_count=True,
    )
    assert g.inputs()["type"] == "grouping"
    assert g.inputs()["settings"] == {
        "keys": ["country"],
        "aggregations": {"amount": ["max", "avg", "sum"]},  # DSS's order, whatever the user's
        "global_count": True,
    }
    assert g.inputs()["code"] is None


def test_prepare_and_join_inputs(project, src, other, out):
    p = dss.PrepareRecipe(
        "p",
        project=project,
        inputs=[src],
        outputs=[out],
        steps=[dss.PrepareStep("ColumnRenamer", {"renamings": []})],
    )
    assert p.inputs()["type"] == "shaker"
    assert p.inputs()["settings"] == {
        "steps": [{"type": "ColumnRenamer", "params": {"renamings": []}, "disabled": False}]
    }
    j = dss.JoinRecipe(
        "j",
        project=project,
        inputs=[src, other],
        outputs=[out],
        joins=[dss.Join(src, other, type="INNER", on=[("id", "other_id")])],
    )
    assert j.inputs()["inputs"] == ["src", "other"]
    assert j.inputs()["settings"] == {
        "joins": [{"left": "src", "right": "other", "type": "INNER", "on": [["id", "other_id"]]}]
    }
    assert j.dependencies() == [project, src, other, out]


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda p, s, o, out: dss.GroupRecipe(
                "g", project=p, inputs=[s, o], outputs=[out], keys=["id"]
            ),
            "reads exactly one dataset and writes exactly one (got 2 input(s)",
        ),
        (
            lambda p, s, o, out: dss.GroupRecipe(
                "g", project=p, inputs=[s], outputs=[out], aggregations={"amount": "sum"}
            ),
            "must be a non-empty list of aggregations",
        ),
        (
            lambda p, s, o, out: dss.GroupRecipe(
                "g", project=p, inputs=[s], outputs=[out], aggregations={"nope": ["sum"]}
            ),
            "aggregated column 'nope' is not a column of dataset 'src'",
        ),
        (
            lambda p, s, o, out: dss.GroupRecipe(
                "g", project=p, inputs=[s], outputs=[out], keys=["id", "id"]
            ),
            "names a column twice: id",
        ),
        (
            lambda p, s, o, out: dss.PrepareRecipe(
                "p", project=p, inputs=[s], outputs=[out], steps=[{"type": "x"}]
            ),
            "must be a list of dss.PrepareStep",
        ),
        (
            lambda p, s, o, out: dss.JoinRecipe(
                "j", project=p, inputs=[s, o], outputs=[out], joins=[dss.Join(s, out)]
            ),
            "a join names dataset 'out', which is not one of the recipe's inputs",
        ),
        (
            lambda p, s, o, out: dss.JoinRecipe(
                "j", project=p, inputs=[s, o], outputs=[out], joins=[]
            ),
            "must be a non-empty list of dss.Join",
        ),
        (
            lambda p, s, o, out: dss.JoinRecipe(
                "j", project=p, inputs=[s], outputs=[out], joins=[dss.Join(s, o)]
            ),
            "1 inputs need 0 join(s)",
        ),
        (lambda p, s, o, out: dss.Join(s, o, type="OUTER"), "must be one of LEFT, INNER"),
        (lambda p, s, o, out: dss.Join(s, o, on=[("a",)]), "(left column, right column) pairs"),
        (
            lambda p, s, o, out: dss.JoinRecipe(
                "j",
                project=p,
                inputs=[s, o],
                outputs=[out],
                joins=[dss.Join(s, o, on=[("idd", "x")])],
            ),
            "join column 'idd' is not a column of dataset 'src'",
        ),
        (
            lambda p, s, o, out: dss.S3Dataset("s", project=p, connection="s3", path=""),
            "'path' must not be empty",
        ),
        (
            lambda p, s, o, out: dss.ManagedDataset(
                "m", project=p, connection="fs", share_with=["bad key"]
            ),
            "must list dss.Project objects or project keys",
        ),
        (
            lambda p, s, o, out: dss.ManagedDataset(
                "m", project=p, connection="fs", share_with=[p]
            ),
            "names the dataset's own project PROJ",
        ),
    ],
)
def test_construction_errors(project, src, other, out, build, message):
    with pytest.raises(ResourceValidationError) as info:
        build(project, src, other, out)
    assert message in str(info.value)


def test_s3_and_uploaded_inputs_match_the_generic_spelling(project):
    s3 = dss.S3Dataset("s", project=project, connection="s3", bucket="b", path="/p")
    generic = dss.Dataset(
        "s2", project=project, type="S3", connection="s3", params={"bucket": "b", "path": "/p"}
    )
    assert {**s3.inputs(), "name": "s2"} == generic.inputs()
    up = dss.UploadedFilesDataset("u", project=project)
    assert (up.inputs()["type"], up.inputs()["connection"], up.inputs()["params"]) == (
        "UploadedFiles",
        None,
        {},
    )
    up2 = dss.UploadedFilesDataset("u2", project=project, connection=dss.Connection.get("fs"))
    assert up2.inputs()["params"] == {"uploadConnection": "fs"}


def test_share_with_is_sorted_and_absent_when_undeclared(project):
    b = dss.Project("B", name="b")
    ds = dss.ManagedDataset("m", project=project, connection="fs", share_with=["Z", b])
    assert ds.inputs()["share_with"] == ["B", "Z"]
    assert b in ds.dependencies()
    plain = dss.ManagedDataset("n", project=project, connection="fs")
    assert "share_with" not in plain.inputs()  # records written before stay unchanged


@pytest.mark.parametrize(
    "build",
    [
        lambda p, s, f, out: dss.PrepareRecipe("r", project=p, inputs=[f], outputs=[out]),
        lambda p, s, f, out: dss.GroupRecipe("r", project=p, inputs=[s], outputs=[f]),
        lambda p, s, f, out: dss.JoinRecipe(
            "r", project=p, inputs=[s, f], outputs=[out], joins=[dss.Join(s, s)]
        ),
        lambda p, s, f, out: dss.SyncRecipe("r", project=p, inputs=[f], outputs=[out]),
    ],
)
def test_visual_recipes_take_no_folders(project, src, out, build):
    folder = dss.ManagedFolder("f", project=project)
    with pytest.raises(ResourceValidationError, match="takes no folders, got ManagedFolder"):
        build(project, src, folder, out)


def test_code_recipes_read_and_write_folders(project, src, out):
    folder = dss.ManagedFolder("f", project=project)
    py = dss.PythonRecipe("py", project=project, inputs=[src, folder], outputs=[folder], code="")
    assert folder in py.dependencies()
    sql = dss.SqlQueryRecipe("q", project=project, inputs=[folder], outputs=[out], sql="")
    assert sql.inputs_ == [folder]


def test_one_connection_rule_for_every_dataset_spelling(project):
    # An uploaded-files dataset is the same object whichever class declares it.
    for conn in (None, "fs"):
        typed = dss.UploadedFilesDataset("u", project=project, connection=conn)
        generic = dss.Dataset("u", project=project, type="UploadedFiles", connection=conn)
        assert typed.inputs() == generic.inputs()
    assert generic.inputs()["connection"] is None
    assert generic.inputs()["params"] == {"uploadConnection": "fs"}
    same = dss.Dataset(
        "u",
        project=project,
        type="UploadedFiles",
        connection="fs",
        params={"uploadConnection": "fs"},
    )
    assert same.inputs() == generic.inputs()
    with pytest.raises(ResourceValidationError, match=r"contradicts connection='fs'"):
        dss.Dataset(
            "u",
            project=project,
            type="UploadedFiles",
            connection="fs",
            params={"uploadConnection": "other"},
        )
    with pytest.raises(ResourceValidationError, match=r"as connection=, not params\['upload"):
        dss.Dataset("u", project=project, type="UploadedFiles", params={"uploadConnection": "x"})
    # A FilesInFolder dataset reads its folder: no connection at all.
    folder = dss.ManagedFolder("f", project=project)
    with pytest.raises(ResourceValidationError, match="has no connection; drop connection="):
        dss.Dataset("F", project=project, type="FilesInFolder", folder=folder, connection="fs")
    # Every other type needs one, and the message says which types go without.
    with pytest.raises(
        ResourceValidationError, match="only FilesInFolder and UploadedFiles datasets may go"
    ):
        dss.Dataset("D", project=project, type="PostgreSQL")


def test_typed_datasets_and_visual_recipes_go_where_datasets_go(project, src, out):
    # Zones, build steps and dataset-change triggers take every dataset class.
    s3 = dss.S3Dataset("s3", project=project, connection="s3", path="/p")
    up = dss.UploadedFilesDataset("up", project=project)
    prep = dss.PrepareRecipe("prep", project=project, inputs=[s3], outputs=[out])
    zone = dss.FlowZone("z", project=project, items=[s3, up, prep])
    assert {s3, up, prep} <= set(zone.dependencies())
    step = dss.BuildStep([s3, up])
    trigger = dss.DatasetChangeTrigger([up])
    scenario = dss.Scenario("sc", project=project, steps=[step], triggers=[trigger])
    assert {s3, up} <= set(scenario.dependencies())
