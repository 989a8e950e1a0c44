"""The command line as a user meets it: exit codes, --json, refusals, clean errors."""

from __future__ import annotations

import json

SIMPLE = """
project = dss.Project("CLI", name="Cli")
dss.ManagedDataset("DS", project=project, connection="filesystem_managed")
"""


def test_up_refuses_without_yes_when_stdin_is_not_a_terminal(ws):
    ws.stack("s", SIMPLE)
    r = ws.dss("up", "s")
    assert r.exit_code == 2  # a usage error: the command needs --yes here
    assert "--yes" in r.stderr and "not a terminal" in r.stderr
    assert ws.sandbox.total_requests == 0
    assert not ws.state_path("s").exists()
    assert ws.dss("destroy", "s").exit_code == 2


def test_json_plan_shape(ws):
    ws.stack("s", SIMPLE)
    r = ws.dss("preview", "s", "--json")
    assert r.exit_code == 0
    doc = r.json
    assert doc["stack"] == "s" and doc["env"] == "dev"
    assert doc["summary"] == {"create": 2}
    step = doc["steps"][1]
    assert step["op"] == "create"
    assert step["urn"] == "urn:dss:dev::s::dss:Dataset::CLI.DS"
    assert step["type"] == "dss:Dataset" and step["name"] == "DS"
    assert step["diff"] == []
    r = ws.dss("up", "s", "--yes", "--json")
    doc = json.loads(r.stdout)  # stdout holds the JSON document and nothing else
    assert doc["result"] == "succeeded"
    assert [s["status"] for s in doc["steps"]] == ["succeeded", "succeeded"]


def test_human_output_has_markers_and_summary(ws):
    ws.stack("s", SIMPLE)
    r = ws.dss("preview", "s")
    assert "+" in r.stdout and "CLI.DS" in r.stdout and "2 to create" in r.stdout
    r = ws.dss("up", "s", "--yes")
    assert r.exit_code == 0
    assert "2 created" in r.stdout and "up succeeded" in r.stdout


def test_syntax_error_points_at_the_stack_file(ws):
    ws.stack("s", "project = dss.Project('X', name=\n")
    r = ws.dss("preview", "s")
    assert r.exit_code == 1
    assert "stacks/s.py:" in r.stderr and "syntax error" in r.stderr
    assert "Traceback" not in r.stderr


def test_validation_error_names_file_and_line(ws):
    ws.stack(
        "s",
        """
project = dss.Project("GOOD", name="x")
dss.Dataset("bad.name", project=project, type="Filesystem", connection="filesystem_root")
""",
    )
    r = ws.dss("preview", "s")
    assert r.exit_code == 1
    assert "stacks/s.py:4:" in r.stderr
    assert "not a valid DSS name" in r.stderr and "'bad.name'" in r.stderr
    assert "Traceback" not in r.stderr
    assert ws.sandbox.total_requests == 0


def test_unknown_keyword_suggests_the_right_one(ws):
    ws.stack("s", 'dss.Project("GOOD", nmae="x")\n')
    r = ws.dss("preview", "s")
    assert r.exit_code == 1
    assert "stacks/s.py:2:" in r.stderr and "did you mean 'name'" in r.stderr


def test_user_exception_reports_their_line(ws):
    ws.stack("s", "x = 1\nundefined_name\n")
    r = ws.dss("up", "s", "--yes")
    assert r.exit_code == 1
    assert "stacks/s.py:3: NameError" in r.stderr


def test_duplicate_and_bad_reference(ws):
    ws.stack(
        "s",
        """
p = dss.Project("DUP", name="x")
dss.Project("DUP", name="y")
""",
    )
    r = ws.dss("preview", "s")
    assert r.exit_code == 1
    assert "duplicate" in r.stderr and "stacks/s.py:3" in r.stderr and "stacks/s.py:4" in r.stderr
    ws.stack(
        "s",
        """
p = dss.Project("P", name="x")
dss.PythonRecipe("r", project=p, inputs=["RAW"], outputs=[], code="")
""",
    )
    r = ws.dss("preview", "s")
    assert r.exit_code == 1 and "stacks/s.py:4:" in r.stderr and "inputs" in r.stderr


def test_unknown_stack_and_bad_env(ws):
    r = ws.dss("preview", "nope")
    assert r.exit_code == 1 and "unknown stack 'nope'" in r.stderr
    ws.stack("s", SIMPLE)
    r = ws.dss("preview", "s", "-e", "bad env")
    assert r.exit_code == 1 and "invalid environment" in r.stderr


def test_usage_error_is_exit_2(ws):
    r = ws.dss("preview")
    assert r.exit_code == 2
    r = ws.dss("up", "s", "--parallel", "zero")
    assert r.exit_code == 2


def test_bad_api_key_fails_before_planning_naming_the_url(ws):
    ws.stack("s", SIMPLE)
    r = ws.dss("up", "s", "--yes", env={"DKU_API_KEY": "wrong"})
    assert r.exit_code == 1
    assert ws.sandbox.url in r.stderr and "refused the API key" in r.stderr
    assert "wrong" not in r.stderr  # never echo a key


def test_unreachable_dss(ws):
    ws.stack("s", SIMPLE)
    r = ws.dss("up", "s", "--yes", "--dss-url", "http://127.0.0.1:9")
    assert r.exit_code == 1
    assert "cannot reach DSS at http://127.0.0.1:9" in r.stderr


def test_missing_dss_url(ws):
    ws.stack("s", SIMPLE)
    r = ws.dss("up", "s", "--yes", env={"DKU_DSS_URL": ""})
    assert r.exit_code == 1 and "no DSS URL" in r.stderr


def test_missing_config_tells_the_command(ws):
    ws.stack("s", 'cfg = dss.Config()\ndss.Project(cfg.require("key"), name="x")\n')
    r = ws.dss("preview", "s")
    assert r.exit_code == 1
    assert "dss config set s s:key VALUE -e dev" in r.stderr


def test_config_file_feeds_the_program(ws):
    ws.stack(
        "s",
        'cfg = dss.Config()\ndss.Project(cfg.require("key"), name="x")\n',
        config={"s": {"key": "FROM_CONFIG"}},
    )
    r = ws.dss("preview", "s", "--json")
    assert r.exit_code == 0 and r.json["steps"][0]["name"] == "FROM_CONFIG"


def test_corrupt_state_is_reported_and_left_untouched(ws):
    ws.stack("s", SIMPLE)
    assert ws.dss("up", "s", "--yes").exit_code == 0
    path = ws.state_path("s")
    path.write_text('{"stack": "s", "resources": [')
    for cmd in (["preview", "s"], ["up", "s", "--yes"], ["destroy", "s", "--yes"]):
        r = ws.dss(*cmd)
        assert r.exit_code == 1
        assert "state/s/dev.json is corrupt" in r.stderr
        assert "history" in r.stderr
    assert path.read_text() == '{"stack": "s", "resources": ['


def test_state_from_newer_version_says_upgrade(ws):
    ws.stack("s", SIMPLE)
    assert ws.dss("up", "s", "--yes").exit_code == 0
    path = ws.state_path("s")
    doc = json.loads(path.read_text())
    doc["version"] = 99
    path.write_text(json.dumps(doc))
    r = ws.dss("preview", "s")
    assert r.exit_code == 1 and "upgrade dsspulumi" in r.stderr


def test_debug_shows_the_traceback(ws):
    ws.stack("s", SIMPLE)
    r = ws.dss("up", "s", "--yes", "--debug", "--dss-url", "http://127.0.0.1:9")
    assert r.exit_code == 1
    assert "Traceback" in r.stderr


def test_environments_have_separate_state(ws):
    ws.stack("s", SIMPLE)
    assert ws.dss("up", "s", "--yes", "-e", "dev").exit_code == 0
    r = ws.dss("preview", "s", "-e", "prod", "--json")
    assert r.json["summary"] == {"create": 2}


def test_backend_selection_precedence(ws, tmp_path):
    ws.stack("s", SIMPLE)
    (ws.root / "pyproject.toml").write_text('[tool.dsspulumi]\nbackend = "file://from-pyproject"\n')
    assert ws.dss("up", "s", "--yes").exit_code == 0
    assert (ws.root / "from-pyproject" / "s" / "dev.json").exists()
    r = ws.dss("preview", "s", "--json", env={"DSS_BACKEND": f"file://{ws.root}/from-env"})
    assert r.json["summary"] == {"create": 2}  # empty state there
    r = ws.dss("preview", "s", "--json", "--backend", f"file://{ws.root}/from-pyproject")
    assert r.json["summary"] == {"same": 2}
    r = ws.dss("preview", "s", "--backend", "ftp://x")
    assert r.exit_code == 1 and "unknown backend URL" in r.stderr


def test_destroy_of_a_never_applied_stack_creates_nothing(ws):
    ws.stack("s", SIMPLE)
    r = ws.dss("destroy", "s", "--yes", "--json")
    assert r.exit_code == 0
    assert r.json["steps"] == [] and r.json["result"] == "not-applied"
    assert ws.dss("refresh", "s", "--yes").exit_code == 0
    assert not ws.state_path("s").exists()
    assert ws.dss("stack", "ls", "--json").json == []
