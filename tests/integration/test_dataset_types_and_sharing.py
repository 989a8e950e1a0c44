"""S3 and uploaded-files datasets, and datasets shared with other projects (exposed objects)."""

from __future__ import annotations

import pytest

from dsspulumi.program import run_program

S3 = """
project = dss.Project("LAKE", name="Lake")
dss.S3Dataset("events", project=project, connection="{conn}", bucket="{bucket}", path="/events",
              format_type="csv")
dss.UploadedFilesDataset("lookup", project=project, connection="filesystem_managed",
                         description="{desc}")
"""


@pytest.fixture
def s3_connection(ws):
    ws.sandbox.client().create_connection("s3_lake", "S3", params={"defaultManagedBucket": "b"})
    return "s3_lake"


def _raw(ws, name, project="LAKE"):
    return ws.sandbox.client().get_project(project).get_dataset(name).get_settings().get_raw()


def test_s3_and_uploaded_datasets_lifecycle(ws, s3_connection):
    ws.stack("lake", S3.format(conn=s3_connection, bucket="raw-bucket", desc="v1"))
    r = ws.dss("up", "lake", "--yes")
    assert r.exit_code == 0, r.stderr
    events = _raw(ws, "events")
    assert events["type"] == "S3" and events["formatType"] == "csv"
    assert events["params"] == {"connection": "s3_lake", "bucket": "raw-bucket", "path": "/events"}
    lookup = _raw(ws, "lookup")
    assert lookup["type"] == "UploadedFiles"
    assert lookup["params"]["uploadConnection"] == "filesystem_managed"
    assert lookup["description"] == "v1"
    assert ws.dss("preview", "lake", "--refresh", "--expect-no-changes").exit_code == 0

    # bucket and description change in place
    ws.stack("lake", S3.format(conn=s3_connection, bucket="other-bucket", desc="v2"))
    r = ws.dss("up", "lake", "--yes", "--json")
    assert r.exit_code == 0, r.stderr
    ops = {s["name"]: (s["op"], [d["path"] for d in s["diff"]]) for s in r.json["steps"]}
    assert ops["events"] == ("update", ["params.bucket"])
    assert ops["lookup"] == ("update", ["description"])
    assert _raw(ws, "events")["params"]["bucket"] == "other-bucket"
    assert ws.dss("preview", "lake", "--refresh", "--expect-no-changes").exit_code == 0

    # the same S3 dataset spelled as dss.Dataset: nothing to do
    ws.stack(
        "lake",
        S3.format(conn=s3_connection, bucket="other-bucket", desc="v2").replace(
            'dss.S3Dataset("events", project=project, connection="s3_lake", '
            'bucket="other-bucket", path="/events",',
            'dss.Dataset("events", project=project, type="S3", connection="s3_lake", '
            'params={"bucket": "other-bucket", "path": "/events"},',
        ),
    )
    assert ws.dss("preview", "lake", "--expect-no-changes").exit_code == 0

    # another type is another DSS object: a replace
    ws.stack(
        "lake",
        'project = dss.Project("LAKE", name="Lake")\n'
        'dss.Dataset("events", project=project, type="Filesystem", connection="filesystem_root",'
        ' params={"path": "/events"})\n',
    )
    r = ws.dss("up", "lake", "--yes", "--json")
    assert r.exit_code == 0, r.stderr
    ops = {s["name"]: s["op"] for s in r.json["steps"]}
    assert ops["events"] == "replace" and ops["lookup"] == "delete"
    assert _raw(ws, "events")["type"] == "Filesystem"
    assert ws.dss("destroy", "lake", "--yes").exit_code == 0
    assert ws.sandbox.client().list_project_keys() == []


def test_s3_dataset_on_a_non_s3_connection_is_refused_by_dss(ws):
    ws.stack("lake", S3.format(conn="filesystem_root", bucket="b", desc="x"))
    r = ws.dss("up", "lake", "--yes")
    assert r.exit_code == 1
    assert "Connection 'filesystem_root' is of type Filesystem, not S3" in r.stdout + r.stderr


SHARED = """
src = dss.Project("SRC", name="Source")
dst = dss.Project("DST", name="Consumer")
ref = dss.ManagedDataset("REF", project=src, connection="filesystem_managed",
                         share_with=[{targets}])
out = dss.ManagedDataset("OUT", project=dst, connection="filesystem_managed")
{recipe}
"""
RECIPE = 'dss.SyncRecipe("copy", project=dst, inputs=[ref], outputs=[out])'


def _exposed(ws):
    raw = ws.sandbox.client().get_project("SRC").get_settings().get_raw()
    return {
        o["localName"]: [r["targetProject"] for r in o["rules"]]
        for o in raw["exposedObjects"]["objects"]
    }


def test_shared_dataset_feeds_a_recipe_of_another_project(ws):
    ws.stack("share", SHARED.format(targets="dst", recipe=RECIPE))
    r = ws.dss("up", "share", "--yes")
    assert r.exit_code == 0, r.stderr
    assert _exposed(ws) == {"REF": ["DST"]}
    refs = ws.sandbox.client().get_project("DST").get_recipe("copy").get_settings()
    assert [i["ref"] for i in refs.get_recipe_raw_definition()["inputs"]["main"]["items"]] == [
        "SRC.REF"
    ]
    # the edges are in the graph: recipe -> shared dataset -> the project it is shared with
    graph = run_program(ws.root / "stacks" / "share.py", stack="share", env="dev")
    by_name = {n.logical_name: n for n in graph.nodes.values()}
    assert by_name["SRC.REF"].urn in by_name["DST.copy"].deps
    assert by_name["DST"].urn in by_name["SRC.REF"].deps
    assert ws.dss("preview", "share", "--refresh", "--expect-no-changes").exit_code == 0

    # someone else shares it further by hand: kept, and shown as drift of the declared list
    settings = ws.sandbox.client().get_project("SRC").get_settings()
    settings.add_exposed_object("DATASET", "REF", "THIRD")
    settings.save()
    r = ws.dss("preview", "share", "--refresh", "--json")
    step = next(s for s in r.json["steps"] if s["name"] == "REF")
    assert step["diff"] == [{"path": "share_with", "old": ["DST", "THIRD"], "new": ["DST"]}]

    # sharing with one more project adds only that rule
    ws.stack("share", SHARED.format(targets='dst, "OTHER"', recipe=RECIPE))
    r = ws.dss("up", "share", "--yes", "--json")
    assert r.exit_code == 0, r.stderr
    assert sorted(_exposed(ws)["REF"]) == ["DST", "OTHER", "THIRD"]

    # un-sharing (with the recipe gone) removes our rules only
    ws.stack("share", SHARED.format(targets="", recipe=""))
    r = ws.dss("up", "share", "--yes")
    assert r.exit_code == 0, r.stderr
    assert _exposed(ws) == {"REF": ["THIRD"]}
    assert ws.dss("destroy", "share", "--yes").exit_code == 0


def test_unshared_input_is_refused_by_dss_and_sharing_fixes_it(ws):
    # declared by the stack, not shared: DSS refuses the recipe, the rest is applied
    ws.stack("share", SHARED.format(targets="", recipe=RECIPE))
    r = ws.dss("up", "share", "--yes", "--json")
    assert r.exit_code == 1
    step = next(s for s in r.json["steps"] if s["name"] == "copy")
    assert step["status"] == "failed"
    assert "Dataset SRC.REF is not exposed to project DST" in step["error"]
    assert ws.sandbox.client().get_project("DST").list_recipes() == []
    # what the message says to do: share it; the next run completes
    ws.stack("share", SHARED.format(targets='"DST"', recipe=RECIPE))
    r = ws.dss("up", "share", "--yes")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert _exposed(ws) == {"REF": ["DST"]}
    assert ws.dss("preview", "share", "--refresh", "--expect-no-changes").exit_code == 0

    # another team's dataset (a lookup): DSS refuses, with its own words
    client = ws.sandbox.client()
    client.create_project("THEIRS", "Theirs", "admin").create_dataset(
        "DATA", "Filesystem", params={"connection": "filesystem_root", "path": "/d"}
    )
    ws.stack(
        "look",
        'mine = dss.Project("MINE", name="Mine")\n'
        'out = dss.ManagedDataset("OUT", project=mine, connection="filesystem_managed")\n'
        'dss.SyncRecipe("copy", project=mine, inputs=[dss.Dataset.get("THEIRS.DATA")],'
        " outputs=[out])\n",
    )
    r = ws.dss("up", "look", "--yes")
    assert r.exit_code == 1
    assert "Dataset THEIRS.DATA is not exposed to project MINE" in r.stdout + r.stderr
    assert client.get_project("MINE").list_recipes() == []
