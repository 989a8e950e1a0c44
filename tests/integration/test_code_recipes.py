"""``dss.RRecipe``, ``dss.PySparkRecipe``, ``dss.SparkSQLRecipe`` and ``dss.ShellRecipe``
through the real ``dss`` CLI and dataikuapi against the sandbox."""

from __future__ import annotations

import pytest

KINDS = [
    ("RRecipe", "r", "x <- 1"),
    ("PySparkRecipe", "pyspark", "df = spark.range(1)"),
    ("SparkSQLRecipe", "spark_sql_query", "SELECT 1"),
    ("ShellRecipe", "shell", "echo 1"),
]


def stack(cls: str, code: str, extra: str = "") -> str:
    return f"""
p = dss.Project("CR", name="Code recipes")
raw = dss.Dataset("raw", project=p, type="Filesystem", connection="filesystem_root",
                  params={{"path": "/raw"}})
out = dss.ManagedDataset("out", project=p, connection="filesystem_managed")
dss.{cls}("compute", project=p, inputs=[raw], outputs=[out], code={code!r}{extra})
"""


@pytest.mark.parametrize(("cls", "dss_type", "code"), KINDS)
def test_code_recipe_lifecycle(ws, cls, dss_type, code):
    ws.stack("c", stack(cls, code))
    r = ws.dss("up", "c", "--yes")
    assert r.exit_code == 0, r.stdout + r.stderr
    client = ws.sandbox.client()
    recipe = client.get_project("CR").get_recipe("compute")
    settings = recipe.get_settings()
    assert settings.get_recipe_raw_definition()["type"] == dss_type
    assert settings.get_payload() == code
    assert settings.get_recipe_raw_definition()["customFields"]["dsspulumi.mark"]
    assert ws.dss("preview", "c", "--refresh", "--expect-no-changes").exit_code == 0

    # Changed by hand: drift, put back by up --refresh.
    settings.set_payload("changed by hand")
    settings.save()
    r = ws.dss("preview", "c", "--refresh", "--json")
    (step,) = [s for s in r.json["steps"] if s["op"] != "same"]
    assert step["op"] == "update" and [d["path"] for d in step["diff"]] == ["code"]
    assert ws.dss("up", "c", "--yes", "--refresh").exit_code == 0
    assert recipe.get_settings().get_payload() == code

    # Updated in code: in place.
    ws.stack("c", stack(cls, code + "\n# v2", ', description="v2"'))
    r = ws.dss("preview", "c", "--json")
    assert [s["op"] for s in r.json["steps"] if s["op"] != "same"] == ["update"]
    assert ws.dss("up", "c", "--yes").exit_code == 0
    assert recipe.get_settings().get_payload() == code + "\n# v2"
    assert ws.dss("preview", "c", "--expect-no-changes").exit_code == 0

    assert ws.dss("destroy", "c", "--yes").exit_code == 0
    assert "CR" not in client.list_project_keys()


def test_another_recipe_type_is_a_replacement(ws):
    ws.stack("c", stack("PythonRecipe", "print(1)"))
    assert ws.dss("up", "c", "--yes").exit_code == 0
    ws.stack("c", stack("PySparkRecipe", "print(1)"))
    r = ws.dss("preview", "c", "--json")
    assert [s["op"] for s in r.json["steps"] if s["op"] != "same"] == ["replace"]
    assert ws.dss("up", "c", "--yes").exit_code == 0
    raw = ws.sandbox.client().get_project("CR").get_recipe("compute").get_settings()
    assert raw.get_recipe_raw_definition()["type"] == "pyspark"


def test_a_recipe_made_by_hand_is_a_conflict(ws):
    client = ws.sandbox.client()
    p = client.create_project("CRT", "Taken", "admin")
    p.create_dataset("raw", "Filesystem", params={"connection": "filesystem_root", "path": "/r"})
    p.create_dataset("out", "Filesystem", params={"connection": "filesystem_root", "path": "/o"})
    creator = p.new_recipe("shell", "compute")
    creator.with_input("raw")
    creator.with_output("out")
    creator.create()
    ws.stack(
        "t",
        """
p = dss.Project.get("CRT")
raw = dss.Dataset.get("CRT.raw")
out = dss.Dataset.get("CRT.out")
dss.ShellRecipe("compute", project=p, inputs=[raw], outputs=[out], code="echo ours")
""",
    )
    r = ws.dss("up", "t", "--yes")
    assert r.exit_code == 1
    assert "already exists in DSS and was not created by this stack" in r.stdout + r.stderr
    assert p.get_recipe("compute").get_settings().get_payload() != "echo ours"


def test_the_code_env_check_names_the_class(ws):
    ws.stack(
        "e",
        """
p = dss.Project("CRE", name="Env")
raw = dss.Dataset("raw", project=p, type="Filesystem", connection="filesystem_root",
                  params={"path": "/raw"})
dss.RRecipe("r", project=p, inputs=[raw], outputs=[raw], code="1", code_env="renv",
            extra_settings={"params": {"envSelection": {"envMode": "INHERIT"}}})
""",
    )
    r = ws.dss("preview", "e")
    assert r.exit_code == 1 and "RRecipe 'r': code_env=" in r.stdout + r.stderr


def test_code_recipes_import_project_round_trip(ws):
    client = ws.sandbox.client()
    p = client.create_project("CRI", "Imported", "admin")
    p.create_dataset("raw", "Filesystem", params={"connection": "filesystem_root", "path": "/r"})
    for i, (_cls, dss_type, code) in enumerate(KINDS):
        p.create_dataset(f"o{i}", "Filesystem", params={"connection": "filesystem_root"})
        creator = p.new_recipe(dss_type, f"rec{i}")
        creator.with_input("raw")
        creator.with_output(f"o{i}")
        creator.with_script(code)
        creator.create()
    r = ws.dss("import", "project", "CRI", "--out", "stacks/cri.py", "--json")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert {f"CRI.rec{i}" for i in range(len(KINDS))} <= set(r.json["imported"])
    assert r.json["unmodelled"] == []
    code = (ws.root / "stacks" / "cri.py").read_text()
    for i, (cls, _type, _code) in enumerate(KINDS):
        assert f'rec{i} = dss.{cls}(\n    "rec{i}",' in code
    written = sorted(f.name for f in (ws.root / "stacks" / "cri_code").iterdir())
    assert written == ["rec0.R", "rec1.py", "rec2.sql", "rec3.sh"]
    assert (ws.root / "stacks" / "cri_code" / "rec0.R").read_text() == "x <- 1"
    r = ws.dss("preview", "cri", "--refresh", "--expect-no-changes")
    assert r.exit_code == 0, r.stdout + r.stderr
