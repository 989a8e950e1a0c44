"""Policy packs in `dss preview`, `dss up` and `dss policy`, against one sandbox (real HTTP).

A mandatory violation stops `up` before any DSS call that changes something (the sandbox's
request counts show GET calls only); `dss policy check` reads a hand-made project without
writing anything.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dsspulumi.sandbox import Sandbox
from tests.conftest import Workspace

TEAM_PACK = '''"""Team rules."""
from dsspulumi import policy
import dsspulumi as dss

@policy.rule(severity="mandatory", kinds=[dss.ManagedDataset])
def datasets_have_a_description(resource, report):
    """Every managed dataset says what it holds."""
    if not resource.description:
        report("every managed dataset needs a description")

@policy.stack_rule(severity="advisory")
def at_most_one_project(stack, report, context):
    """A stack declares one project."""
    projects = stack.of_kind(dss.Project)
    if len(projects) > context.config.get("max_projects", 1):
        report(f"{len(projects)} projects in env {context.env}")
'''

STACK = """
p = dss.Project("POLDEMO", name="Policy demo")
q = dss.Project("POLDEMO2", name="Another")
raw = dss.ManagedDataset("raw", project=p, connection="filesystem_managed")
"""


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox() as sb:
        yield sb


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sandbox: Any) -> Workspace:
    monkeypatch.chdir(tmp_path)
    for var in ("DKU_DSS_URL", "DKU_API_KEY", "DSS_BACKEND"):
        monkeypatch.delenv(var, raising=False)
    (tmp_path / "stacks").mkdir()
    (tmp_path / "team.py").write_text(TEAM_PACK)
    return Workspace(tmp_path, sandbox)


def writes(sandbox: Sandbox) -> dict[str, int]:
    return {k: n for k, n in sandbox.request_counts.items() if not k.startswith("GET ")}


def test_preview_shows_violations_and_exits_1_on_a_mandatory_one(ws):
    ws.stack("demo", STACK)
    r = ws.dss("preview", "demo", "--policy-pack", "team.py")
    assert r.exit_code == 1, r.stdout + r.stderr
    assert "team.datasets_have_a_description: ManagedDataset POLDEMO.raw" in r.stdout
    assert "(stacks/demo.py:5)" in r.stdout
    assert "[advisory] team.at_most_one_project: the stack" in r.stdout
    assert "1 mandatory violation(s)" in r.stderr

    r = ws.dss("preview", "demo", "--policy-pack", "team.py", "--json")
    assert r.exit_code == 1
    doc = json.loads(r.stdout)
    assert doc["policy"][0] == {
        "pack": "team",
        "rule": "datasets_have_a_description",
        "severity": "mandatory",
        "urn": "urn:dss:dev::demo::dss:Dataset::POLDEMO.raw",
        "message": "every managed dataset needs a description",
        "file": "stacks/demo.py",
        "line": 5,
    }
    assert doc["policy"][1]["urn"] is None and doc["policy"][1]["severity"] == "advisory"

    r = ws.dss("preview", "demo", "--policy-pack", "team.py", "--format", "markdown")
    assert r.stdout.startswith("### Policy: 2 violation(s), 1 mandatory")
    assert "| mandatory | `team.datasets_have_a_description` |" in r.stdout
    assert r.stdout.index("### Policy") < r.stdout.index("## Plan")

    r = ws.dss("preview", "demo", "--policy-pack", "team.py", "--policy-advisory-only")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert "[mandatory, downgraded]" in r.stdout


def test_no_pack_changes_nothing_in_the_output(ws):
    ws.stack("demo", STACK)
    r = ws.dss("preview", "demo", "--json")
    assert r.exit_code == 0
    assert "policy" not in json.loads(r.stdout)
    assert "Policy" not in ws.dss("preview", "demo").stdout


def test_up_with_a_mandatory_violation_changes_nothing(ws, sandbox):
    ws.stack("demo", STACK)
    sandbox.reset_counts()
    r = ws.dss("up", "demo", "--yes", "--policy-pack", "team.py")
    assert r.exit_code == 1, r.stdout + r.stderr
    assert "up stopped before changing anything: nothing was changed" in r.stderr
    assert "team.datasets_have_a_description" in r.stdout
    assert writes(sandbox) == {}
    assert "POLDEMO" not in sandbox.client().list_project_keys()

    r = ws.dss("up", "demo", "--yes", "--json", "--policy-pack", "team.py")
    assert r.exit_code == 1
    assert json.loads(r.stdout)["policy"][0]["rule"] == "datasets_have_a_description"
    assert writes(sandbox) == {}


def test_up_applies_with_advisory_violations_only(ws, sandbox):
    ws.stack("adv", STACK.replace("POLDEMO", "POLADV"))
    r = ws.dss("up", "adv", "--yes", "--policy-pack", "team.py", "--policy-advisory-only")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert "[mandatory, downgraded]" in r.stdout
    assert "POLADV" in sandbox.client().list_project_keys()
    r = ws.dss("up", "adv", "--yes", "--json", "--policy-pack", "team.py", "--policy-advisory-only")
    assert r.exit_code == 0
    assert [v["rule"] for v in json.loads(r.stdout)["policy"]] == [
        "datasets_have_a_description",
        "at_most_one_project",
    ]
    ws.dss("destroy", "adv", "--yes")


def test_packs_and_settings_from_pyproject_and_policy_ls(ws):
    (ws.root / "policies").mkdir()
    (ws.root / "policies" / "team.py").write_text(TEAM_PACK)
    (ws.root / "pyproject.toml").write_text(
        "[tool.dsspulumi]\n"
        'policy_packs = ["policies/team.py", "dsspulumi.policy.recommended"]\n'
        "[tool.dsspulumi.policy.team]\n"
        "disabled = ['datasets_have_a_description']\n"
        "[tool.dsspulumi.policy.recommended]\n"
        "disabled = ['projects_have_an_owner_group']\n"
    )
    ws.stack("demo", STACK)
    r = ws.dss("policy", "ls")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert "at_most_one_project" in r.stdout and "datasets_have_a_description" not in r.stdout
    assert "A stack declares one project." in r.stdout
    assert "recommended" in r.stdout and "project_key_naming" in r.stdout
    r = ws.dss("policy", "ls", "--json")
    rows = json.loads(r.stdout)["rules"]
    assert {"pack": "team", "rule": "at_most_one_project", "severity": "advisory"}.items() <= (
        rows[0].items()
    )
    # run from another folder: the stack's repository decides its packs
    r = ws.dss("preview", str(ws.root / "stacks" / "demo.py"), "--json")
    assert r.exit_code == 0, r.stdout + r.stderr  # only advisory rules left
    found = {(v["pack"], v["rule"]) for v in json.loads(r.stdout)["policy"]}
    assert ("team", "at_most_one_project") in found
    assert ("recommended", "managed_datasets_are_documented") in found


def test_a_bad_pack_or_a_failing_rule_is_one_clear_error(ws):
    ws.stack("demo", STACK)
    r = ws.dss("preview", "demo", "--policy-pack", "missing.py")
    assert r.exit_code == 1 and "policy pack missing.py: no such file" in r.stderr
    r = ws.dss("preview", "demo", "--policy-pack", "no_such_module_here")
    assert r.exit_code == 1 and "no module of that name" in r.stderr
    (ws.root / "broken.py").write_text(
        "from dsspulumi import policy\n"
        "@policy.rule(severity='mandatory')\n"
        "def crashes(resource, report):\n"
        "    return 1 / 0\n"
    )
    r = ws.dss("preview", "demo", "--policy-pack", "broken.py")
    assert r.exit_code == 1
    assert "policy rule broken.crashes failed on POLDEMO" in r.stderr
    assert "ZeroDivisionError" in r.stderr and "Traceback" not in r.stdout + r.stderr
    (ws.root / "typo.py").write_text(
        "from dsspulumi import policy\n"
        "@policy.rule(severity='blocking')\n"
        "def f(resource, report):\n"
        "    pass\n"
    )
    r = ws.dss("preview", "demo", "--policy-pack", "typo.py")
    assert r.exit_code == 1 and "severity must be 'mandatory'" in r.stderr


def _hand_made(sandbox: Sandbox) -> None:
    client = sandbox.client()
    if "HANDMADE" in client.list_project_keys():
        return
    p = client.create_project("HANDMADE", "Hand made", "admin")
    ds = p.create_dataset(
        "raw", "Filesystem", params={"connection": "filesystem_managed", "path": "/raw"}
    )
    settings = ds.get_settings()
    settings.get_raw()["managed"] = True
    settings.save()
    p.set_variables({"standard": {"db_password": "hunter2"}, "local": {}})


def _snapshot(sandbox: Sandbox) -> Any:
    p = sandbox.client().get_project("HANDMADE")
    return (
        p.get_metadata(),
        p.get_permissions(),
        p.get_variables(),
        p.get_dataset("raw").get_settings().get_raw(),
        [d["name"] for d in p.list_datasets()],
    )


def test_policy_check_reads_a_hand_made_project_and_writes_nothing(ws, sandbox):
    _hand_made(sandbox)
    before = _snapshot(sandbox)
    sandbox.reset_counts()
    args = ["policy", "check", "--project", "HANDMADE", "--policy-pack"]
    r = ws.dss(*args, "dsspulumi.policy.recommended", "-e", "prod", "--json")
    assert r.exit_code == 1, r.stdout + r.stderr
    doc = json.loads(r.stdout)
    rows = {(v["project"], v["object"], v["rule"]) for v in doc["violations"]}
    assert {
        ("HANDMADE", "HANDMADE", "projects_are_described"),
        ("HANDMADE", "HANDMADE", "projects_have_an_owner_group"),
        ("HANDMADE", "HANDMADE.raw", "managed_datasets_are_documented"),
        ("HANDMADE", "HANDMADE.raw", "no_filesystem_datasets_in_production"),
        ("HANDMADE", "HANDMADE.variables", "no_secrets_in_variables"),
    } <= rows
    assert all(set(v) >= {"project", "object", "rule", "message"} for v in doc["violations"])

    r = ws.dss(*args, "team.py")
    assert r.exit_code == 1, r.stdout + r.stderr
    assert "HANDMADE" in r.stdout and "team.datasets_have_a_description" in r.stdout

    r = ws.dss("policy", "check", "--all-projects", "--policy-pack", "team.py", "--json")
    assert "HANDMADE" in json.loads(r.stdout)["projects"]

    r = ws.dss(*args, "team.py", "--policy-advisory-only")
    assert r.exit_code == 0, r.stdout + r.stderr

    assert writes(sandbox) == {}
    assert sandbox.request_counts  # it did read
    assert _snapshot(sandbox) == before


def test_policy_check_needs_projects_and_a_pack(ws):
    r = ws.dss("policy", "check", "--policy-pack", "team.py")
    assert r.exit_code == 2
    r = ws.dss("policy", "check", "--project", "X")
    assert r.exit_code == 1 and "no policy pack enabled" in r.stderr
    r = ws.dss("policy", "check", "--project", "NOPE", "--policy-pack", "team.py")
    assert r.exit_code == 1 and "project NOPE does not exist" in r.stderr


RECORDED_PACK = '''
from dsspulumi import policy
import dsspulumi as dss

@policy.stack_rule(severity="advisory")
def recorded_description(stack, report):
    """Reports what the state holds for each dataset (refreshed by --refresh)."""
    for ds in stack.of_kind(dss.ManagedDataset):
        step = stack.step(ds)
        if step is not None and step.old is not None:
            report(f"recorded: {step.old.inputs.get('description')}", resource=ds)
'''


def test_rules_see_refreshed_values_and_the_library_returns_them(ws, sandbox):
    from dsspulumi.session import Session

    ws.stack(
        "fresh",
        """
p = dss.Project("POLFRESH", name="Fresh")
raw = dss.ManagedDataset("raw", project=p, connection="filesystem_managed", description="ours")
""",
    )
    assert ws.dss("up", "fresh", "--yes").exit_code == 0
    ds = sandbox.client().get_project("POLFRESH").get_dataset("raw")
    settings = ds.get_settings()
    settings.get_raw()["description"] = "changed by hand"
    settings.save()
    (ws.root / "recorded.py").write_text(RECORDED_PACK)
    r = ws.dss("preview", "fresh", "--refresh", "--json", "--policy-pack", "recorded.py")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert json.loads(r.stdout)["policy"][0]["message"] == "recorded: changed by hand"

    env = {"DKU_DSS_URL": sandbox.url, "DKU_API_KEY": sandbox.api_key}
    with pytest.MonkeyPatch.context() as mp:
        for k, v in env.items():
            mp.setenv(k, v)
        with Session("fresh", policy_packs=["recorded.py"]) as s:
            result = s.run().preview(s.program())
    assert [v.message for v in result.policy] == ["recorded: ours"]  # no refresh: the state
    assert ws.dss("destroy", "fresh", "--yes").exit_code == 0
