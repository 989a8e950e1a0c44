"""The recommended pack: each rule passes on a good declaration and fails on a bad one.

Resources are built as a stack program builds them (outside a program run they register
nothing) and judged by ``PolicyCheck.evaluate``, the code preview, up and check all use.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import dsspulumi as dss
from dsspulumi.errors import ConfigError
from dsspulumi.policy import PolicyCheck, declared_of, load_pack

PACK = "dsspulumi.policy.recommended"


def run(resources: list[Any], *, env: str = "dev", **settings: Any) -> list[tuple[str, str]]:
    pack = load_pack(PACK, Path.cwd(), {"recommended": settings})
    check = PolicyCheck([pack], env=env)
    found = check.evaluate(declared_of(resources), mode="check")
    return [(v.rule, v.object or "") for v in found]


def rules(found: list[tuple[str, str]]) -> set[str]:
    return {rule for rule, _ in found}


def project(key: str = "SALES", description: str | None = "Sales forecasting data") -> Any:
    return dss.Project(key, name=key, description=description)


def owned(p: Any, group: str = "sales_admins") -> Any:
    return dss.ProjectPermissions(project=p, permissions=[dss.GroupPermission(group, admin=True)])


def good_project() -> list[Any]:
    p = project()
    return [p, owned(p)]


def test_a_well_kept_project_passes_every_rule():
    p = project()
    ds = dss.ManagedDataset(
        "orders", project=p, connection="sql_prod", description="Orders, one row per line"
    )
    recipe = dss.PythonRecipe(
        "clean", project=p, inputs=[ds], outputs=[ds], code="", code_env="py311"
    )
    scenario = dss.Scenario("nightly", project=p, active=True, reporters=[{"type": "mail"}])
    variables = dss.ProjectVariables(project=p, standard={"region": "eu"})
    assert run([p, owned(p), ds, recipe, scenario, variables], env="prod") == []


def test_project_key_naming():
    assert "project_key_naming" not in rules(run(good_project()))
    found = run([project("SALES__V2"), owned(project("SALES__V2"))])
    assert ("project_key_naming", "SALES__V2") in found
    # configurable: the team's scheme
    assert "project_key_naming" in rules(run(good_project(), project_key_pattern="^HR_"))


def test_projects_are_described():
    assert "projects_are_described" not in rules(run(good_project()))
    p = project(description=None)
    assert ("projects_are_described", "SALES") in run([p, owned(p)])
    short = project(description="Sales")
    assert "projects_are_described" in rules(run([short, owned(short)]))
    assert "projects_are_described" not in rules(
        run([short, owned(short)], min_description_length=3)
    )


def test_projects_have_an_owner_group():
    assert "projects_have_an_owner_group" not in rules(run(good_project()))
    p = project()
    assert ("projects_have_an_owner_group", "SALES") in run([p])
    readers = dss.ProjectPermissions(project=p, permissions=[dss.GroupPermission("readers")])
    assert "projects_have_an_owner_group" in rules(run([p, readers]))
    # configurable: only some groups may own projects
    found = run([p, owned(p, "interns")], owner_group_pattern="_admins$")
    assert "projects_have_an_owner_group" in rules(found)
    assert run([p, owned(p, "sales_admins")], owner_group_pattern="_admins$") == []


def test_managed_datasets_are_documented():
    p = project()
    documented = dss.ManagedDataset(
        "a", project=p, connection="sql", description="What the a table holds"
    )
    bare = dss.ManagedDataset("b", project=p, connection="sql")
    found = run([p, owned(p), documented, bare])
    assert found == [("managed_datasets_are_documented", "SALES.b")]
    assert run([p, owned(p), bare], disabled=["managed_datasets_are_documented"]) == []


def test_no_filesystem_datasets_in_production():
    p = project()
    ds = dss.ManagedDataset(
        "a", project=p, connection="filesystem_managed", description="A table, described"
    )
    base = [p, owned(p), ds]
    assert run(base, env="dev") == []
    assert run(base, env="prod") == [("no_filesystem_datasets_in_production", "SALES.a")]
    assert run(base, env="live", production_envs=["live"]) != []
    # configurable: the connections each env allows
    assert run(base, env="dev", allowed_connections={"dev": ["sql_dev"]}) != []
    sql = dss.ManagedDataset("s", project=p, connection="sql_dev", description="A sql table")
    assert run([p, owned(p), sql], env="dev", allowed_connections={"dev": ["sql_dev"]}) == []


def test_python_recipes_declare_a_code_env():
    p = project()
    ds = dss.ManagedDataset("a", project=p, connection="sql", description="A table, described")
    bare = dss.PythonRecipe("r", project=p, inputs=[ds], outputs=[ds], code="")
    assert run([p, owned(p), ds, bare], env="dev") == []
    assert run([p, owned(p), ds, bare], env="prod") == [
        ("python_recipes_declare_a_code_env", "SALES.r")
    ]
    with_env = dss.PythonRecipe("r2", project=p, inputs=[ds], outputs=[ds], code="", code_env="e")
    assert run([p, owned(p), ds, with_env], env="prod") == []
    r_recipe = dss.RRecipe("r3", project=p, inputs=[ds], outputs=[ds], code="")
    assert run([p, owned(p), ds, r_recipe], env="prod") == []  # only python, by default
    assert run([p, owned(p), ds, r_recipe], env="prod", code_env_recipe_types=["r"]) != []


def test_no_secrets_in_variables():
    p = project()
    clean = dss.ProjectVariables(project=p, standard={"region": "eu", "token_ttl": 3})
    assert run([p, owned(p), clean]) == []
    leaky = dss.ProjectVariables(
        project=p, standard={"db": {"password": "hunter2"}}, local={"k": "AKIAABCDEFGHIJKLMNOP"}
    )
    found = run([p, owned(p), leaky])
    assert found == [("no_secrets_in_variables", "SALES.variables")] * 2
    instance = dss.GlobalVariables({"slack_token": "xoxb-1234567890-abcdef"})
    assert rules(run([instance])) == {"no_secrets_in_variables"}
    # configurable: what a secret's name looks like
    assert run([p, owned(p), clean], secret_name_pattern="region") != []


def test_scenarios_have_reporters():
    p = project()
    reported = dss.Scenario("a", project=p, active=True, reporters=[{"type": "mail"}])
    inactive = dss.Scenario("b", project=p, active=False)
    silent = dss.Scenario("c", project=p, active=True)
    found = run([p, owned(p), reported, inactive, silent])
    assert found == [("scenarios_have_reporters", "SALES.c")]
    strict = run([p, owned(p), inactive], reporters_for_inactive_scenarios=True)
    assert strict == [("scenarios_have_reporters", "SALES.b")]


def test_recipes_write_in_their_project():
    p, other = project(), project("SHARED")
    mine = dss.ManagedDataset("a", project=p, connection="sql", description="A table, described")
    theirs = dss.ManagedDataset(
        "b", project=other, connection="sql", description="B table, described"
    )
    ok = dss.SyncRecipe("to_mine", project=p, inputs=[theirs], outputs=[mine])
    bad = dss.SyncRecipe("to_theirs", project=p, inputs=[mine], outputs=[theirs])
    base = [p, owned(p), other, owned(other), mine, theirs]
    assert run([*base, ok]) == []
    assert run([*base, bad]) == [("recipes_write_in_their_project", "SALES.to_theirs")]
    assert run([*base, bad], shared_output_projects=["SHA*"]) == []


def test_settings_are_checked_against_the_pack():
    with pytest.raises(ConfigError, match="did you mean 'project_key_pattern'"):
        run([], project_key_patern="x")
    with pytest.raises(ConfigError, match="must be list"):
        run([], production_envs="prod")
    with pytest.raises(ConfigError, match="has no rule 'nope'"):
        run([], disabled=["nope"])


def test_severity_can_be_changed_per_rule():
    p = project("BAD_KEY_")
    pack = load_pack(
        PACK, Path.cwd(), {"recommended": {"severity": {"project_key_naming": "advisory"}}}
    )
    found = PolicyCheck([pack]).evaluate(declared_of([p, owned(p)]))
    assert [(v.rule, v.severity) for v in found] == [("project_key_naming", "advisory")]
