"""`dss convert`: every prototype YAML of the corpus converts, applies, and previews empty.

The corpus (tests/data/seed_yaml, copied from the shared conversion corpus) is real YAML
written for the Dataiku IaC prototype. Each file is converted by the real CLI, the stack is
checked against the YAML it came from (by running it with dsspulumi.testing.run_program),
applied to one sandbox with `dss up`, and must then preview empty after reading DSS back.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from dsspulumi.sandbox import Sandbox
from dsspulumi.testing import dss, run_program

CORPUS = Path(__file__).resolve().parents[1] / "data" / "seed_yaml"
VALID = sorted(CORPUS.glob("*.yml"))
# Connections the corpus names, created in the sandbox as a DSS admin would have them.
CONNECTIONS = {"snowflake_prod": "Snowflake", "postgres_prod": "PostgreSQL", "s3_data_lake": "S3"}
# What the prototype's users exported before running it ("export DB_CONNECTION=…").
ENVIRONMENT = {
    "DB_CONNECTION": "snowflake_prod",
    "SNOWFLAKE_CONN": "snowflake_prod",
    "POSTGRES_CONN": "postgres_prod",
    "S3_CONN": "s3_data_lake",
}
DSS_TYPES = {"snowflake": "Snowflake", "postgresql": "PostgreSQL", "s3": "S3"}
RECIPE_TYPES = {"python": "python", "sql": "sql_query", "sync": "sync"}
KNOWN = {
    "project": {"key", "name", "description"},
    "dataset": {"name", "type", "connection", "params", "format_type", "schema", "description"},
    "recipe": {"name", "type", "inputs", "outputs", "code", "description"},
}


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox() as sb:
        client = sb.client()
        for name, type_ in CONNECTIONS.items():
            client.create_connection(name, type_, {})
        yield sb


def _resolve(value: Any) -> Any:
    if isinstance(value, str):
        return re.sub(r"\{\{\s*env\.(\w+)\s*\}\}", lambda m: ENVIRONMENT[m.group(1)], value)
    if isinstance(value, dict):
        return {k: _resolve(v) for k, v in value.items()}
    return value


def _expected_unmapped(doc: dict[str, Any]) -> list[str]:
    """Paths of the YAML keys with no dsspulumi equivalent: each must be reported."""
    out = [f"project.{k}" for k in doc["project"] if k not in KNOWN["project"]]
    for i, ds in enumerate(doc.get("datasets") or []):
        known = KNOWN["dataset"] - ({"params"} if ds["type"] == "managed" else set())
        out += [f"datasets[{i}].{k}" for k in ds if k not in known]
    for i, rc in enumerate(doc.get("recipes") or []):
        out += [f"recipes[{i}].{k}" for k in rc if k not in KNOWN["recipe"]]
    return out


def assert_stack_matches_yaml(graph: Any, doc: dict[str, Any]) -> None:
    project = doc["project"]
    node = graph[project["key"]]
    assert node.inputs["name"] == project["name"]
    assert node.inputs["description"] == project.get("description")
    datasets = doc.get("datasets") or []
    recipes = doc.get("recipes") or []
    assert len(graph.of_type("Dataset")) == len(datasets)
    assert len(graph.of_type("Recipe")) == len(recipes)
    for ds in datasets:
        inputs = graph[f"{project['key']}.{ds['name']}"].inputs
        managed = ds["type"] == "managed"
        assert inputs["managed"] is managed
        if managed:
            assert inputs["connection"] == ds.get("connection", "filesystem_managed")
        else:
            assert inputs["type"] == DSS_TYPES[ds["type"]]
            assert inputs["connection"] == _resolve(ds["connection"])
            assert inputs["params"] == ds.get("params", {})
        assert inputs["format_type"] == ds.get("format_type")
        assert inputs["description"] == ds.get("description")
        columns = (ds.get("schema") or {}).get("columns")
        if columns is None:
            assert inputs["schema"] is None
        else:
            assert [c["name"] for c in inputs["schema"]] == [c["name"] for c in columns]
            for declared, converted in zip(columns, inputs["schema"], strict=True):
                want = {"timestamp": "date"}.get(declared["type"], declared["type"])
                assert converted["type"] == want
    for rc in recipes:
        inputs = graph[f"{project['key']}.{rc['name']}"].inputs
        assert inputs["type"] == RECIPE_TYPES[rc["type"]]
        assert inputs["inputs"] == rc["inputs"] and inputs["outputs"] == rc["outputs"]
        assert inputs["code"] == rc.get("code")
        assert inputs["description"] == rc.get("description")


@pytest.mark.parametrize("yml", VALID, ids=lambda p: p.stem)
def test_corpus_converts_applies_and_previews_empty(yml: Path, sandbox: Sandbox, tmp_path: Path):
    doc = yaml.safe_load(yml.read_text(encoding="utf-8"))
    stack = tmp_path / "stacks" / "converted.py"
    r = dss("convert", str(yml), "--out", "stacks/converted.py", cwd=tmp_path)
    assert r.exit_code == 0, r.stderr
    source = stack.read_text(encoding="utf-8")
    compile(source, str(stack), "exec")  # valid Python, whatever the YAML held

    # Nothing dropped silently: each key without an equivalent is reported and kept.
    for path in _expected_unmapped(doc):
        assert f"  {path}:" in r.stderr, (path, r.stderr)
        key = path.rsplit(".", 1)[1]
        assert re.search(rf"# dss convert: not converted .*: {key} = ", source), key

    # {{ env.NAME }} became config reads; the printed `dss config set` lines set them.
    placeholders = set(re.findall(r"\{\{\s*env\.(\w+)\s*\}\}", yml.read_text()))
    hints = re.findall(
        r"dss config set (\S+) (\S+) VALUE -e dev\s+# was \{\{ env\.(\w+) \}\}", r.stderr
    )
    assert {var for _, _, var in hints} == placeholders
    for stack_name, key, var in hints:
        set_ = dss("config", "set", str(stack), key, ENVIRONMENT[var], cwd=tmp_path)
        assert set_.exit_code == 0, set_.stderr
        assert stack_name == "converted"

    assert_stack_matches_yaml(run_program(stack), doc)

    backend = f"file://{tmp_path / 'state'}"
    up = dss("up", str(stack), "--yes", "--backend", backend, sandbox=sandbox, cwd=tmp_path)
    assert up.exit_code == 0, up.stdout + up.stderr
    project = sandbox.client().get_project(doc["project"]["key"])
    assert sorted(d["name"] for d in project.list_datasets()) == sorted(
        d["name"] for d in doc.get("datasets") or []
    )
    assert sorted(r["name"] for r in project.list_recipes()) == sorted(
        r["name"] for r in doc.get("recipes") or []
    )
    again = dss(
        "preview",
        str(stack),
        "--refresh",
        "--expect-no-changes",
        "--json",
        "--backend",
        backend,
        sandbox=sandbox,
        cwd=tmp_path,
    )
    assert again.exit_code == 0, again.stdout + again.stderr
    assert set(again.json["summary"]) == {"same"}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("circular_dependency", ["circular dependency", "DATASET_A -> DATASET_B", "recipe_a"]),
        (
            "invalid_naming",
            [
                "project.key: 'invalid_project_key' must be UPPERCASE",
                "datasets[0].name: 'lowercase_dataset' must be UPPERCASE",
            ],
        ),
    ],
)
def test_invalid_corpus_is_refused_with_the_problem_named(name, expected, tmp_path):
    r = dss("convert", str(CORPUS / "invalid" / f"{name}.yml"), cwd=tmp_path)
    assert r.exit_code == 1
    for text in expected:
        assert text in r.stderr, r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "stacks").exists()  # nothing written


def _split_into_layout(doc: dict[str, Any], folder: Path) -> None:
    """customer-analytics.yml as the prototype's directory layout."""
    folder.mkdir()
    head = {k: doc[k] for k in ("version", "metadata", "project")}
    (folder / "project.yml").write_text(yaml.safe_dump(head, sort_keys=False))
    (folder / "datasets").mkdir()
    datasets = doc["datasets"]
    (folder / "datasets" / "a_raw.yml").write_text(
        yaml.safe_dump({"datasets": datasets[:3]}, sort_keys=False)
    )
    (folder / "datasets" / "b_rest.yml").write_text(
        yaml.safe_dump({"datasets": datasets[3:]}, sort_keys=False)
    )
    (folder / "recipes").mkdir()
    for i, recipe in enumerate(doc["recipes"]):  # one recipe per file, as a mapping
        (folder / "recipes" / f"{i}_{recipe['name']}.yml").write_text(
            yaml.safe_dump(recipe, sort_keys=False)
        )


def test_directory_layout_converts_to_the_same_stack(tmp_path):
    single = CORPUS / "customer-analytics.yml"
    doc = yaml.safe_load(single.read_text())
    _split_into_layout(doc, tmp_path / "config")
    assert dss("convert", str(single), "--out", "one.py", cwd=tmp_path).exit_code == 0
    by_dir = dss("convert", "config", "--out", "dir.py", cwd=tmp_path)
    assert by_dir.exit_code == 0, by_dir.stderr
    by_file = dss("convert", "config/project.yml", "--out", "file.py", cwd=tmp_path)
    assert by_file.exit_code == 0, by_file.stderr
    reference = run_program(tmp_path / "one.py", stack="s")
    for name in ("dir.py", "file.py"):
        graph = run_program(tmp_path / name, stack="s")
        assert graph.names == reference.names
        assert [n.inputs for n in graph] == [n.inputs for n in reference]
    # Without --out, the stack is named after the layout's folder, or the YAML file.
    assert dss("convert", "config", cwd=tmp_path).exit_code == 0
    assert dss("convert", str(single), cwd=tmp_path).exit_code == 0
    assert sorted(p.name for p in (tmp_path / "stacks").iterdir()) == [
        "config.py",
        "customer_analytics.py",
    ]
    # A dataset file with a stray key is refused, naming the file.
    (tmp_path / "config" / "datasets" / "c_bad.yml").write_text("datasets: []\nrecipes: []\n")
    bad = dss("convert", "config", "--out", "bad.py", cwd=tmp_path)
    assert bad.exit_code == 1 and "datasets/c_bad.yml" in bad.stderr


def test_placeholders_as_environment_reads(tmp_path, monkeypatch):
    r = dss(
        "convert",
        str(CORPUS / "ml-pipeline.yml"),
        "--out",
        "s.py",
        "--placeholders",
        "environ",
        cwd=tmp_path,
    )
    assert r.exit_code == 0, r.stderr
    source = (tmp_path / "s.py").read_text()
    assert 'connection=os.environ["DB_CONNECTION"]' in source and "import os" in source
    assert "DB_CONNECTION" in r.stderr
    monkeypatch.setenv("DB_CONNECTION", "warehouse")
    graph = run_program(tmp_path / "s.py")
    assert graph["RAW_CUSTOMERS"].inputs["connection"] == "warehouse"


def test_clear_errors_and_no_overwrite(tmp_path):
    (tmp_path / "broken.yml").write_text("version: '1.0'\nproject: [unclosed\n")
    r = dss("convert", "broken.yml", cwd=tmp_path)
    assert r.exit_code == 1 and "broken.yml is not valid YAML (line" in r.stderr
    r = dss("convert", "missing.yml", cwd=tmp_path)
    assert r.exit_code == 1 and "missing.yml does not exist" in r.stderr
    (tmp_path / "typo.yml").write_text(
        "version: '1.0'\nproject: {key: P, name: p}\n"
        "datasets: [{name: D, type: managed, schema: {columns: [{name: c, type: strng}]}}]\n"
    )
    r = dss("convert", "typo.yml", cwd=tmp_path)
    assert r.exit_code == 1 and "column 'c' has type 'strng'" in r.stderr
    shutil.copy(CORPUS / "simple-project.yml", tmp_path / "p.yml")
    assert dss("convert", "p.yml", "--out", "s.py", cwd=tmp_path).exit_code == 0
    before = (tmp_path / "s.py").read_text()
    again = dss("convert", "p.yml", "--out", "s.py", cwd=tmp_path)
    assert again.exit_code == 1 and "already exists" in again.stderr
    assert (tmp_path / "s.py").read_text() == before
    assert dss("convert", "p.yml", "--out", "s.py", "--force", cwd=tmp_path).exit_code == 0
