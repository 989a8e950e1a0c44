"""Datasets declared by the schema (issue 17) keep the inputs they had before.

``data/dataset_inputs_before_schema.json`` was computed on main before the dataset classes
were converted: a state written then must plan no change now, so the inputs of each
representative declaration must be exactly the same keys and values.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import dsspulumi as dss
from dsspulumi.importer.codegen import instantiate
from dsspulumi.kinds import schema
from dsspulumi.output import Output
from dsspulumi.providers.dss.dataset import DatasetProvider, apply_settings

BEFORE = json.loads(
    (Path(__file__).parent / "data" / "dataset_inputs_before_schema.json").read_text()
)


def _examples() -> dict[str, Any]:
    p = dss.Project("P", name="P")
    q = dss.Project("Q", name="Q")
    folder = dss.ManagedFolder("files", project=p)
    return {
        "external_minimal": dss.Dataset(
            "raw", project=p, type="PostgreSQL", connection="pg", params={"table": "t"}
        ),
        "external_full": dss.Dataset(
            "ext",
            project=p,
            type="Filesystem",
            connection="fs",
            params={"path": "/a"},
            format_type="csv",
            format_params={"separator": ","},
            schema=[dss.Column("a"), dss.Column("b", "int")],
            description="d",
            tags=["x", "a"],
            extra_settings={"k": {"v": 1}},
            share_with=[q, "Z", "Q"],
        ),
        "uploaded_by_type": dss.Dataset(
            "up", project=p, type="UploadedFiles", connection="uploads"
        ),
        "uploaded_by_type_noconn": dss.Dataset(
            "up2", project=p, type="UploadedFiles", params={"x": 1}
        ),
        "managed": dss.ManagedDataset(
            "m",
            project=p,
            connection="fs",
            format_type="parquet",
            schema=[dss.Column("c")],
            tags=["t"],
        ),
        "managed_min": dss.ManagedDataset("m2", project=p, connection="pg"),
        "s3": dss.S3Dataset(
            "s", project=p, connection="s3", path="/x", bucket="b", share_with=["Q"]
        ),
        "s3_nobucket": dss.S3Dataset(
            "s2", project=p, connection="s3", path="/y", format_params={"a": 1}
        ),
        "uploaded": dss.UploadedFilesDataset("u", project=p, connection="uploads", description="u"),
        "uploaded_noconn": dss.UploadedFilesDataset("u2", project=p),
        "in_folder": dss.Dataset(
            "inf", project=p, type="FilesInFolder", folder=folder, params={"path": "/"}
        ),
    }


def _plain(inputs: dict[str, Any]) -> dict[str, Any]:
    """The folder's smart id is an Output (known after apply): compared by its place only."""
    params = {k: "<output>" if isinstance(v, Output) else v for k, v in inputs["params"].items()}
    return {**inputs, "params": params}


@pytest.mark.parametrize("name", sorted(BEFORE))
def test_dataset_inputs_are_unchanged(name):
    inputs = _plain(_examples()[name].inputs())
    assert inputs == BEFORE[name]
    assert json.dumps(inputs, sort_keys=True) == json.dumps(BEFORE[name], sort_keys=True)


# Before the schema, importing an uploaded-files dataset with a connection wrote it as
# params["uploadConnection"], which the constructor refuses ("uploaded", "uploaded_by_type").
@pytest.mark.parametrize("name", sorted(set(BEFORE) - {"in_folder"}))
def test_dataset_import_call_declares_exactly_the_inputs(name):
    resource = _examples()[name]
    calls = [c.from_inputs(resource.inputs()) for c in (dss.Dataset, dss.ManagedDataset)]
    call = next(c for c in calls if c is not None)
    assert instantiate(call).inputs() == resource.inputs()


@pytest.mark.parametrize(
    "cls", [dss.Dataset, dss.ManagedDataset, dss.S3Dataset, dss.UploadedFilesDataset]
)
def test_dataset_classes_are_declared_by_their_schema(cls):
    assert schema.declares(cls)
    assert "inputs" not in vars(cls)


def test_typed_spellings_are_imported_as_dss_dataset():
    s3 = _examples()["s3"].inputs()
    assert dss.S3Dataset.from_inputs(s3) is None
    assert dss.UploadedFilesDataset.from_inputs(_examples()["uploaded"].inputs()) is None
    call = dss.Dataset.from_inputs(s3)
    assert call is not None and call.cls == "Dataset"


# --- the provider's view and write, derived from the schema (pure: raw documents) -------------

_SQL_RAW = {
    "name": "raw",
    "type": "PostgreSQL",
    "managed": False,
    "params": {"connection": "pg", "table": "t", "mode": "table"},
    "tags": ["x"],
    "schema": {"columns": [{"name": "a", "type": "string", "comment": "kept"}]},
}


def test_writing_a_sql_dataset_adds_no_format_params():
    inputs = _examples()["external_minimal"].inputs()
    raw = apply_settings(_SQL_RAW, inputs, None)
    assert "formatParams" not in raw
    assert raw["params"] == {"connection": "pg", "table": "t", "mode": "table"}
    assert raw["tags"] == [] and raw["schema"] == _SQL_RAW["schema"]


def test_a_param_no_longer_declared_is_removed_and_others_kept():
    old = _examples()["external_minimal"].inputs()
    new = {**old, "params": {}, "schema": [{"name": "b", "type": "int"}]}
    raw = apply_settings(_SQL_RAW, new, old)
    assert raw["params"] == {"connection": "pg", "mode": "table"}
    assert raw["schema"] == {"columns": [{"name": "b", "type": "int"}], "userModified": True}


def test_the_view_reads_the_declared_keys_and_the_kind_dss_holds():
    managed = _examples()["managed_min"].inputs()
    view = DatasetProvider._view_raw(None, _SQL_RAW, managed)  # type: ignore[arg-type]
    # A managed dataset that DSS holds as an external one differs in type and managed.
    assert (view["type"], view["managed"], view["connection"]) == ("PostgreSQL", False, "pg")
    uploaded = _examples()["uploaded"].inputs()
    view = DatasetProvider._view_raw(None, _SQL_RAW, uploaded)  # type: ignore[arg-type]
    assert view["connection"] == "pg" and view["params"] == {"uploadConnection": None}
    assert "share_with" not in view  # the project's exposed objects: read by the caller


def test_import_reads_every_param_but_the_connection():
    found = DatasetProvider._existing_raw(None, _SQL_RAW, "P", "raw", [])  # type: ignore[arg-type]
    assert found.inputs["params"] == {"table": "t", "mode": "table"}
    assert found.inputs["connection"] == "pg" and "share_with" not in found.inputs
    assert found.inputs["schema"] == [{"name": "a", "type": "string"}]
    assert found.inputs["description"] is None and found.inputs["format_type"] is None
