"""Code recipes declared by the schema (issue 17) keep the inputs they had before.

``data/recipe_inputs_before_schema.json`` was computed on main before the code recipe classes
were converted: a state written then must plan no change now, so the inputs of each
representative declaration must be exactly the same keys and values. The import calls, too,
must declare exactly those inputs.
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
from dsspulumi.providers.dss.recipe import apply_definition
from dsspulumi.resources.recipe import _RecipeBase

BEFORE = json.loads(
    (Path(__file__).parent / "data" / "recipe_inputs_before_schema.json").read_text()
)

CODE_CLASSES = (
    dss.PythonRecipe,
    dss.SqlQueryRecipe,
    dss.SyncRecipe,
    dss.RRecipe,
    dss.PySparkRecipe,
    dss.SparkSQLRecipe,
    dss.ShellRecipe,
)


def _examples() -> dict[str, Any]:
    p = dss.Project("P", name="P")
    q = dss.Project("Q", name="Q")
    a = dss.ManagedDataset("a", project=p, connection="fs")
    b = dss.ManagedDataset("b", project=p, connection="fs")
    c = dss.ManagedDataset("c", project=p, connection="fs")
    foreign = dss.ManagedDataset("f", project=q, connection="fs")
    folder = dss.ManagedFolder("files", project=p)
    env = dss.CodeEnv("py311", lang="python")
    return {
        "python_min": dss.PythonRecipe("compute_b", project=p, inputs=[a], outputs=[b], code="x=1"),
        "python_full": dss.PythonRecipe(
            "compute_c",
            project=p,
            inputs=[a, foreign],
            outputs=[c, b],
            code="print(1)\n",
            description="d",
            tags=["z", "a"],
            extra_settings={"params": {"k": 1}, "neverRecomputeExistingPartitions": True},
        ),
        "python_env_name": dss.PythonRecipe(
            "with_env", project=p, inputs=[a], outputs=[b], code="", code_env="myenv"
        ),
        "python_env_obj": dss.PythonRecipe(
            "with_env_obj",
            project=p,
            inputs=[a],
            outputs=[b],
            code="y",
            code_env=env,
            extra_settings={"params": {"other": 2}},
        ),
        "python_folder": dss.PythonRecipe(
            "to_folder", project=p, inputs=[a], outputs=[folder], code="z"
        ),
        "sql_query": dss.SqlQueryRecipe(
            "q", project=p, inputs=[a], outputs=[b], sql="SELECT 1", tags=["t"]
        ),
        "sync": dss.SyncRecipe("sync_ab", project=p, inputs=[a], outputs=[b], description="s"),
        "sync_foreign": dss.SyncRecipe("sync_f", project=p, inputs=[foreign], outputs=[c]),
        "r": dss.RRecipe("r1", project=p, inputs=[a], outputs=[b], code="x <- 1", code_env="renv"),
        "pyspark": dss.PySparkRecipe("ps", project=p, inputs=[a], outputs=[b], code="df"),
        "spark_sql": dss.SparkSQLRecipe("ss", project=p, inputs=[a], outputs=[b], code="SELECT"),
        "shell": dss.ShellRecipe("sh", project=p, inputs=[a], outputs=[b], code="echo hi"),
        "prepare": dss.PrepareRecipe(
            "prep",
            project=p,
            inputs=[a],
            outputs=[b],
            steps=[dss.PrepareStep("ColumnRenamer", {"renamings": []}, disabled=True)],
            tags=["v"],
        ),
        "prepare_empty": dss.PrepareRecipe("prep0", project=p, inputs=[a], outputs=[c]),
        "group": dss.GroupRecipe(
            "grp",
            project=p,
            inputs=[a],
            outputs=[c],
            keys=["k"],
            aggregations={"x": ["sum", "avg"]},
            global_count=True,
            description="g",
        ),
        "join": dss.JoinRecipe(
            "jn",
            project=p,
            inputs=[a, foreign],
            outputs=[c],
            joins=[dss.Join(a, foreign, type="INNER", on=[("id", "fid")])],
        ),
    }


def _plain(inputs: dict[str, Any]) -> dict[str, Any]:
    """A folder's smart id is an Output (known after apply): compared by its place only."""
    refs = {
        k: ["<output>" if isinstance(r, Output) else r for r in inputs[k]]
        for k in ("inputs", "outputs")
    }
    return {**inputs, **refs}


@pytest.mark.parametrize("name", sorted(BEFORE))
def test_recipe_inputs_are_unchanged(name):
    inputs = _plain(_examples()[name].inputs())
    assert inputs == BEFORE[name]
    assert json.dumps(inputs, sort_keys=True) == json.dumps(BEFORE[name], sort_keys=True)


# A folder's id and a CodeEnv object cannot round-trip as plain inputs; a join's sides are
# checked by identity against its inputs, which ``instantiate`` looks up one Ref at a time
# (an import's code names each dataset once: tests/integration/test_import_project.py).
@pytest.mark.parametrize("name", sorted(set(BEFORE) - {"python_folder", "python_env_obj", "join"}))
def test_recipe_import_call_declares_exactly_the_inputs(name):
    resource = _examples()[name]
    inputs = resource.inputs()
    classes = (*CODE_CLASSES, dss.PrepareRecipe, dss.GroupRecipe, dss.JoinRecipe)
    calls = [c for c in (cls.from_inputs(inputs) for cls in classes) if c is not None]
    assert len(calls) == 1 and calls[0].cls == type(resource).__name__
    assert instantiate(calls[0]).inputs() == inputs


@pytest.mark.parametrize(
    ("name", "arg", "suffix"),
    [
        ("python_min", "code", ".py"),
        ("sql_query", "sql", ".sql"),
        ("r", "code", ".R"),
        ("pyspark", "code", ".py"),
        ("spark_sql", "code", ".sql"),
        ("shell", "code", ".sh"),
    ],
)
def test_import_writes_the_code_to_a_file_of_its_language(name, arg, suffix):
    resource = _examples()[name]
    call = type(resource).from_inputs(resource.inputs())
    assert call is not None and call.kwargs[arg].suffix == suffix
    assert "code_env" not in call.kwargs and "type" not in call.kwargs


@pytest.mark.parametrize("cls", [*CODE_CLASSES, dss.PrepareRecipe, dss.GroupRecipe, dss.JoinRecipe])
def test_recipe_classes_are_declared_by_their_schema(cls):
    assert schema.declares(cls)
    assert "from_inputs" not in vars(cls) and "inputs" not in vars(cls)


# --- the provider's view and write, derived from the schema (pure: raw documents) -------------

_RAW = {
    "type": "python",
    "name": "compute_b",
    "inputs": {"main": {"items": [{"ref": "a", "deps": ["kept"]}]}},
    "outputs": {"main": {"items": [{"ref": "b", "appendMode": True}]}},
    "params": {"envSelection": {"envMode": "INHERIT"}, "other": 1},
    "tags": ["x"],
    "customFields": {"k": "v"},
}


def test_write_keeps_what_dss_holds_for_a_ref_and_adds_defaults_for_a_new_one():
    old = _examples()["python_min"].inputs()
    new = {**old, "inputs": ["a", "Q.f"], "outputs": ["c"], "description": "now"}
    raw = apply_definition(_RAW, new, old)
    assert raw["inputs"]["main"]["items"] == [
        {"ref": "a", "deps": ["kept"]},
        {"ref": "Q.f", "deps": []},
    ]
    assert raw["outputs"]["main"]["items"] == [{"ref": "c", "appendMode": False}]
    assert raw["description"] == "now" and raw["tags"] == []
    assert raw["customFields"] == {"k": "v"} and raw["type"] == "python"
    assert _RAW["inputs"]["main"]["items"] == [{"ref": "a", "deps": ["kept"]}]  # a copy


def test_code_env_is_written_into_params_and_the_rest_kept():
    inputs = _examples()["python_env_name"].inputs()
    raw = apply_definition(_RAW, inputs, None)
    assert raw["params"] == {
        "envSelection": {"envMode": "EXPLICIT_ENV", "envName": "myenv"},
        "other": 1,
    }


def test_the_view_reads_the_roles_and_only_the_declared_extra_settings():
    inputs = _examples()["python_env_name"].inputs()
    view = schema.view_of(_RecipeBase, _RAW, inputs, project="P", name="with_env", code="")
    assert view["inputs"] == ["a"] and view["outputs"] == ["b"] and view["type"] == "python"
    # The declared keys only: an env chosen by hand in DSS shows as a change of code_env.
    selection = {"envMode": "INHERIT", "envName": None}
    assert view["extra_settings"] == {"params": {"envSelection": selection}}
    assert view["description"] is None and view["tags"] == ["x"]
    assert set(view) == set(inputs)


def test_import_reads_the_whole_definition_but_no_extra_settings():
    found = schema.existing_of(_RecipeBase, _RAW, project="P", name="compute_b", code="x=1")
    assert found.pop("settings") is None  # a visual recipe's: the provider reads its payload
    assert found == {
        "project": "P",
        "name": "compute_b",
        "type": "python",
        "inputs": ["a"],
        "outputs": ["b"],
        "code": "x=1",
        "description": None,
        "tags": ["x"],
        "extra_settings": {},
    }
