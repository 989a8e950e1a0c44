"""What `dss` prints says what happens in DSS: retained objects, protected ones, renames,
failures, unreadable states, empty outputs, piped secrets (issue 16, part 5)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

RETAINED = """
p = dss.Project("{key}", name="R")
dss.ManagedDataset("KEEP", project=p, connection="filesystem_managed",
                   opts=dss.ResourceOptions(retain_on_delete=True))
dss.ManagedDataset("GONE", project=p, connection="filesystem_managed")
"""


def _datasets(ws, key: str) -> list[str]:
    return sorted(d["name"] for d in ws.sandbox.client().get_project(key).list_datasets())


def test_a_retained_object_is_shown_as_retained_not_deleted_in_plan_progress_and_summary(ws):
    ws.stack("ret", RETAINED.format(key="RETT"))
    assert ws.dss("up", "ret", "--yes").exit_code == 0
    ws.stack("ret", 'dss.Project("RETT", name="R")\n')

    plan = ws.dss("preview", "ret").stdout
    keep = next(line for line in plan.splitlines() if "RETT.KEEP" in line)
    assert re.search(r"RETT\.KEEP\s+retain\s+retained \(left in DSS\)", keep), plan
    assert "1 to retain (left in DSS)" in plan and "1 to delete" in plan  # GONE, and only it
    diff = ws.dss("preview", "ret", "--diff").stdout
    assert "RETT.KEEP (retained (left in DSS)" in diff
    assert '- name: "KEEP"' not in diff and '- name: "GONE"' in diff
    markdown = ws.dss("preview", "ret", "--format", "markdown").stdout
    assert "**1** to delete · **1** to retain (left in DSS)" in markdown
    assert re.search(r"`RETT\.KEEP` \| retain \| retained \(left in DSS\)", markdown), markdown

    r = ws.dss("up", "ret", "--yes")
    assert r.exit_code == 0, r.stderr
    assert " -  RETT.KEEP retained (left in DSS) (" in r.stdout  # the progress line
    assert "RETT.KEEP deleted" not in r.stdout
    summary = r.stdout.split("Applying", 1)[1]
    assert "1 retained (left in DSS)" in summary and "1 deleted" in summary
    assert _datasets(ws, "RETT") == ["KEEP"]
    history = ws.dss("stack", "history", "ret", "--json").json
    assert history[-1]["summary"] == {"delete": 1, "retain": 1, "same": 1}


def test_a_retained_object_in_json_keeps_op_delete_with_retain_and_status_retained(ws):
    ws.stack("ret", RETAINED.format(key="RETJ"))
    assert ws.dss("up", "ret", "--yes").exit_code == 0
    ws.stack("ret", 'dss.Project("RETJ", name="R")\n')

    plan = ws.dss("preview", "ret", "--json").json
    steps = {s["name"]: s for s in plan["steps"]}
    assert steps["KEEP"]["op"] == "delete" and steps["KEEP"]["retain"] is True
    assert "retain" not in steps["GONE"]
    assert plan["summary"] == {"delete": 1, "retain": 1, "same": 1}

    r = ws.dss("up", "ret", "--yes", "--json")
    assert r.exit_code == 0, r.stderr
    steps = {s["name"]: s for s in r.json["steps"]}
    assert (steps["KEEP"]["op"], steps["KEEP"]["status"]) == ("delete", "retained")
    assert (steps["GONE"]["op"], steps["GONE"]["status"]) == ("delete", "succeeded")
    assert r.json["result"] == "succeeded"
    assert _datasets(ws, "RETJ") == ["KEEP"]


PROTECTED = """
dss.Project("PROTK", name="P", opts=dss.ResourceOptions({opts}))
"""


def test_destroy_refused_by_protect_changed_in_code_says_to_run_up_first(ws):
    ws.stack("prot", PROTECTED.format(opts="protect=True"))
    assert ws.dss("up", "prot", "--yes").exit_code == 0

    r = ws.dss("destroy", "prot", "--yes")
    assert r.exit_code == 1
    assert "PROTK (stacks/prot.py:3) is protected" in r.stderr
    assert "set opts=dss.ResourceOptions(protect=False) there, run `dss up prot`" in r.stderr

    # Changed in code, not applied: the state still says protect=True. The option the
    # message used to suggest is already there; what is missing is `dss up`.
    ws.stack("prot", PROTECTED.format(opts="protect=False, retain_on_delete=True"))
    r = ws.dss("destroy", "prot", "--yes")
    assert r.exit_code == 1 and "Traceback" not in r.stderr
    assert "still protected in the state" in r.stderr
    assert "protect=False and retain_on_delete=True at stacks/prot.py:3" in r.stderr
    assert "Run `dss up prot` first to record it, then `dss destroy prot`" in r.stderr
    assert "set opts=dss.ResourceOptions(protect=False)" not in r.stderr
    assert "PROTK" in ws.sandbox.client().list_project_keys()

    # Declaration removed: it must be declared again, unprotected, and applied.
    ws.stack("prot", "")
    r = ws.dss("destroy", "prot", "--yes")
    assert r.exit_code == 1 and "no longer declared" in r.stderr

    # Once applied, the destroy leaves the project in DSS, as retain_on_delete says.
    ws.stack("prot", PROTECTED.format(opts="protect=False, retain_on_delete=True"))
    assert ws.dss("up", "prot", "--yes").exit_code == 0
    r = ws.dss("destroy", "prot", "--yes")
    assert r.exit_code == 0, r.stderr
    assert "PROTK retained (left in DSS)" in r.stdout and "1 retained (left in DSS)" in r.stdout
    assert "PROTK" in ws.sandbox.client().list_project_keys()
    assert ws.state("prot").resources == []


def test_a_conflict_names_the_object_once(ws):
    ws.sandbox.client().create_project("HANDPROJ", "Hand made", "admin")
    ws.stack(
        "hand",
        """
p = dss.Project("HANDPROJ", name="Mine")
dss.ManagedDataset("DS", project=p, connection="filesystem_managed")
""",
    )
    r = ws.dss("up", "hand", "--yes")
    assert r.exit_code == 1
    assert "already exists in DSS and was not created by this stack" in r.stdout
    assert "HANDPROJ: HANDPROJ" not in r.stdout
    failed = [line for line in r.stdout.splitlines() if "already exists" in line]
    assert len(failed) == 2  # the progress line, and the failure in the summary
    for line in failed:
        assert len(re.findall(r"HANDPROJ\b(?! already)(?!')", line)) == 1, line  # named once
    assert any(line.startswith(" ✗  HANDPROJ create failed: a project") for line in failed)
    assert "  - HANDPROJ: a project named HANDPROJ already exists" in r.stdout
    assert " !  HANDPROJ.DS skipped (HANDPROJ did not succeed)" in r.stdout  # not "(skipped: …"

    r = ws.dss("up", "hand", "--yes", "--json")
    step = next(s for s in r.json["steps"] if s["name"] == "HANDPROJ")
    assert step["error"].startswith("HANDPROJ: a project named HANDPROJ already exists")
    assert step["error"].count("HANDPROJ:") == 1
    project = ws.sandbox.client().get_project("HANDPROJ")
    assert project.get_metadata()["label"] == "Hand made"  # untouched


def test_an_alias_rename_is_summarised_as_a_rename_in_dss(ws):
    flow = """
p = dss.Project("ALI", name="A")
dss.ManagedDataset({name!r}, project=p, connection="filesystem_managed"{opts})
"""
    ws.stack("ali", flow.format(name="OLD", opts=""))
    assert ws.dss("up", "ali", "--yes").exit_code == 0
    opts = ', description="d", opts=dss.ResourceOptions(aliases=["ALI.OLD"])'
    ws.stack("ali", flow.format(name="NEW", opts=opts))

    plan = ws.dss("preview", "ali").stdout
    row = next(line for line in plan.splitlines() if "ALI.NEW" in line and "dss:Dataset" in line)
    assert re.search(r"ALI\.NEW\s+rename\s+ALI\.OLD → ALI\.NEW \(renamed in DSS\)", row), plan
    assert "[diff: ~description]" in row  # the other change, the name being the rename
    assert "1 to rename in DSS (aliases): ALI.OLD → ALI.NEW" in plan
    assert "state only" not in plan
    diff = ws.dss("preview", "ali", "--diff").stdout
    assert " ~  dss:Dataset rename ALI.OLD → ALI.NEW (renamed in DSS)" in diff
    markdown = ws.dss("preview", "ali", "--format", "markdown").stdout
    assert "| rename | `ALI.OLD` → `ALI.NEW` (renamed in DSS); also `description` |" in markdown
    assert "(state only)" not in markdown
    step = next(s for s in ws.dss("preview", "ali", "--json").json["steps"] if s["name"] == "NEW")
    assert step["op"] == "update" and step["renamed_in_dss"] is True
    assert step["moved_from"].endswith("::ALI.OLD")

    r = ws.dss("up", "ali", "--yes")
    assert r.exit_code == 0, r.stderr
    assert " ~  ALI.OLD → ALI.NEW renamed in DSS (" in r.stdout
    assert "1 renamed in DSS (aliases): ALI.OLD → ALI.NEW" in r.stdout
    assert _datasets(ws, "ALI") == ["NEW"]


def test_stack_ls_shows_an_unreadable_state_as_unreadable(ws):
    ws.stack("good", 'dss.Project("LSOK", name="n")\n')
    ws.stack("bad", 'dss.Project("LSBAD", name="n")\n')
    assert ws.dss("up", "good", "--yes").exit_code == 0
    assert ws.dss("up", "bad", "--yes").exit_code == 0
    ws.state_path("bad").write_text("{not json")

    r = ws.dss("stack", "ls")
    assert r.exit_code == 0
    rows = {line.split()[0]: line.split() for line in r.stdout.splitlines()[1:] if line.strip()}
    assert rows["good"][-1] == "succeeded"
    assert rows["bad"][-1] == "unreadable" and "succeeded" not in rows["bad"]
    assert "bad (env dev) is unreadable: state" in r.stderr and "is corrupt" in r.stderr
    assert "dss stack history bad -e dev --show N" in r.stderr

    rows_json = {x["stack"]: x for x in ws.dss("stack", "ls", "--json").json}
    assert rows_json["bad"]["status"] == "unreadable" and rows_json["bad"]["resources"] is None
    assert rows_json["bad"]["last_result"] == "succeeded"  # the last run's, as recorded
    assert rows_json["good"]["status"] == "ok" and rows_json["good"]["error"] is None


def test_stack_output_without_outputs_says_so(ws):
    ws.stack("noout", 'dss.Project("NOOUT", name="n")\n')
    assert ws.dss("up", "noout", "--yes").exit_code == 0
    r = ws.dss("stack", "output", "noout")
    assert r.exit_code == 0
    assert r.stdout.strip() == (
        "stack 'noout' (env 'dev') has no outputs; a stack program exports values with "
        "dss.export(name, value)"
    )
    assert ws.dss("stack", "output", "noout", "--json").json == {}


def test_config_set_secret_reads_a_piped_value_and_never_echoes_it(ws, monkeypatch):
    monkeypatch.setenv("DSS_CONFIG_PASSPHRASE", "correct horse")
    ws.stack("cfg", 'dss.Project("CFGP", name="n")\n')
    secret = "s3cr3t-piped-value"
    r = ws.dss("config", "set", "cfg", "db_password", "--secret", input=secret + "\n")
    assert r.exit_code == 0, r.stderr
    assert secret not in r.stdout + r.stderr
    assert "set cfg:db_password (secret)" in r.stdout
    toml = (ws.root / "stacks" / "cfg.dev.toml").read_text()
    assert "db_password = {secure" in toml and secret not in toml
    r = ws.dss("config", "get", "cfg", "db_password", "--show-secrets")
    assert r.stdout.strip() == secret
    # Plain values are read the same way; an empty stdin is still a usage error.
    assert ws.dss("config", "set", "cfg", "conn", input="filesystem_root\n").exit_code == 0
    assert ws.dss("config", "get", "cfg", "conn").stdout.strip() == "filesystem_root"
    r = ws.dss("config", "set", "cfg", "other", "--secret", input="")
    assert r.exit_code == 2 and "missing for other" in r.stderr


def test_troubleshooting_says_connections_can_be_declared(ws):
    page = (Path(__file__).parents[2] / "docs" / "troubleshooting.md").read_text()
    assert "declaring connections is not supported" not in page
    assert 'dss.Connection("c", type=..., params=...)` declares' in page
    # What the page says holds: a declared connection is planned as a create.
    ws.stack("conn", 'dss.Connection("c_docs", type="Filesystem", params={"root": "/"})\n')
    r = ws.dss("preview", "conn", "--json")
    assert r.exit_code == 0, r.stderr
    assert [(s["type"], s["op"]) for s in r.json["steps"]] == [("dss:Connection", "create")]


@pytest.fixture(autouse=True)
def _no_passphrase(monkeypatch):
    monkeypatch.delenv("DSS_CONFIG_PASSPHRASE", raising=False)
