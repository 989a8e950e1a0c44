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
from dsspulumi.output import Output

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


@pytest.mark.parametrize("name", sorted(set(BEFORE) - {"python_folder", "python_env_obj"}))
def test_recipe_import_call_declares_exactly_the_inputs(name):
    resource = _examples()[name]
    inputs = resource.inputs()
    calls = [c for c in (cls.from_inputs(inputs) for cls in CODE_CLASSES) if c is not None]
    assert len(calls) == 1 and calls[0].cls == type(resource).__name__
    assert instantiate(calls[0]).inputs() == inputs
