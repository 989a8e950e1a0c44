"""Instance-level kinds through the real `dss` CLI and the sandbox over HTTP: connections,
groups, users, code envs and instance variables (issue 8, "instance level").

Each test drives whole commands; DSS is checked with the real client (admin key).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from dsspulumi.sandbox.kinds import user as sandbox_users

PASS = "a passphrase for the admin stack"
CONN_PASSWORD = "pg-Pw-8831-zq"
USER_PASSWORD = "usr-Pw-4471-kx"

STACK = """
cfg = dss.Config()
team = dss.Group("analysts", description=cfg.require("team_desc"), may_create_projects=True,
                 may_write_safe_code=cfg.get_bool("safe_code", True))
dss.User("alice", display_name=cfg.require("alice_name"), email="alice@example.com",
         groups=[team], password=cfg.require_secret("alice_password"))
pg = dss.Connection("warehouse", type=cfg.require("conn_type"),
                    params={"host": "db.example.com", "port": "5432",
                            "password": cfg.require_secret("pg_password")},
                    allowed_groups=[team], description=cfg.require("conn_desc"))
dss.CodeEnv("py-features", lang=cfg.require("env_lang"), packages=cfg.get_object("packages"),
            timeout=30)
dss.GlobalVariables({"env": cfg.require("env_name"), "max_rows": 1000})
"""

CONFIG = {
    "team_desc": "Analysts",
    "alice_name": "Alice",
    "conn_type": "PostgreSQL",
    "conn_desc": "The warehouse",
    "env_lang": "python",
    "packages": '["pandas>=2", "scikit-learn"]',
    "env_name": "dev",
}


def all_text_under(root: Path) -> str:
    return "\n".join(p.read_text(errors="replace") for p in root.rglob("*") if p.is_file())


@pytest.fixture
def admin_ws(ws, monkeypatch):
    monkeypatch.setenv("DSS_CONFIG_PASSPHRASE", PASS)
    ws.sandbox.store.code_env_seconds = 0.2
    ws.stack("admin", STACK)
    for key, value in CONFIG.items():
        assert ws.dss("config", "set", "admin", key, value).exit_code == 0
    for key, value in (("pg_password", CONN_PASSWORD), ("alice_password", USER_PASSWORD)):
        r = ws.dss("config", "set", "admin", key, value, "--secret")
        assert r.exit_code == 0, r.stderr
    return ws


def _set(ws, key: str, value: str, *, secret: bool = False) -> None:
    r = ws.dss("config", "set", "admin", key, value, *(["--secret"] if secret else []))
    assert r.exit_code == 0, r.stderr


def _opened(token: str) -> str:
    """The plaintext of a sandbox connection secret token (``e:`` + base64(nonce + text))."""
    assert token.startswith("e:")
    return base64.b64decode(token[2:])[4:].decode()


def test_create_update_replace_delete(admin_ws):
    ws, client = admin_ws, admin_ws.sandbox.client()
    client.get_global_variables()  # a variable someone else set must survive everything
    others = client.get_global_variables()
    others["owner_team"] = "platform"
    others.save()

    r = ws.dss("up", "admin", "--yes")
    assert r.exit_code == 0, r.stdout + r.stderr
    group = client.get_group("analysts").get_definition()
    assert group["description"] == "Analysts"
    assert group["mayCreateProjects"] and group["mayWriteSafeCode"] and not group["admin"]
    user = client.get_user("alice").get_settings().get_raw()
    assert user["groups"] == ["analysts"] and user["displayName"] == "Alice"
    with ws.sandbox.store.transaction(write=False) as tx:
        assert sandbox_users.password_matches(tx.get("user", "", "alice"), USER_PASSWORD)
    conn = client.get_connection("warehouse").get_definition()
    assert conn["type"] == "PostgreSQL" and conn["allowedGroups"] == ["analysts"]
    assert conn["params"]["host"] == "db.example.com"
    assert _opened(conn["params"]["password"]) == CONN_PASSWORD
    env = client.get_code_env("PYTHON", "py-features").get_definition()
    assert env["specPackageList"] == "pandas>=2\nscikit-learn"
    assert env["desc"]["pythonInterpreter"] == "PYTHON311"
    assert client.get_global_variables() == {
        "owner_team": "platform",
        "env": "dev",
        "max_rows": 1000,
    }

    # up twice: the second plan is empty (also after reading DSS)
    assert ws.dss("preview", "admin", "--expect-no-changes").exit_code == 0
    assert ws.dss("preview", "admin", "--refresh", "--expect-no-changes").exit_code == 0

    # update in place: every kind
    _set(ws, "team_desc", "Analysts (EU)")
    _set(ws, "safe_code", "false")
    _set(ws, "alice_name", "Alice B.")
    _set(ws, "alice_password", "new-" + USER_PASSWORD, secret=True)
    _set(ws, "pg_password", "new-" + CONN_PASSWORD, secret=True)
    _set(ws, "conn_desc", "The EU warehouse")
    _set(ws, "packages", '["pandas>=2"]')
    _set(ws, "env_name", "prod")
    r = ws.dss("preview", "admin", "--json")
    ops = {s["name"]: s["op"] for s in r.json["steps"]}
    assert ops == {
        "analysts": "update",
        "alice": "update",
        "warehouse": "update",
        "py-features": "update",
        "instance-variables": "update",
    }
    diffs = {d["path"]: d for s in r.json["steps"] for d in s["diff"]}
    assert diffs["secret_params.password"] == {
        "path": "secret_params.password",
        "old": "[secret]",
        "new": "[secret]",
    }
    r = ws.dss("up", "admin", "--yes")
    assert r.exit_code == 0, r.stdout + r.stderr
    group = client.get_group("analysts").get_definition()
    assert group["description"] == "Analysts (EU)" and not group["mayWriteSafeCode"]
    assert client.get_user("alice").get_settings().get_raw()["displayName"] == "Alice B."
    with ws.sandbox.store.transaction(write=False) as tx:
        assert sandbox_users.password_matches(tx.get("user", "", "alice"), "new-" + USER_PASSWORD)
    conn = client.get_connection("warehouse").get_definition()
    assert conn["description"] == "The EU warehouse"
    assert _opened(conn["params"]["password"]) == "new-" + CONN_PASSWORD
    assert (
        client.get_code_env("PYTHON", "py-features").get_definition()["specPackageList"]
        == "pandas>=2"
    )
    assert client.get_global_variables()["env"] == "prod"
    assert ws.dss("preview", "admin", "--expect-no-changes").exit_code == 0

    # replace where DSS forces it: a connection's type, a code env's language
    _set(ws, "conn_type", "Snowflake")
    _set(ws, "env_lang", "r")
    r = ws.dss("preview", "admin", "--json")
    ops = {s["name"]: s["op"] for s in r.json["steps"]}
    assert ops["warehouse"] == "replace" and ops["py-features"] == "replace"
    r = ws.dss("up", "admin", "--yes")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert client.get_connection("warehouse").get_definition()["type"] == "Snowflake"
    envs = {(e["envLang"], e["envName"]) for e in client.list_code_envs()}
    assert ("R", "py-features") in envs and ("PYTHON", "py-features") not in envs
    assert ws.dss("preview", "admin", "--expect-no-changes").exit_code == 0

    # delete: everything the stack made goes; what others made stays
    r = ws.dss("destroy", "admin", "--yes")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert "warehouse" not in client.list_connections()
    assert "analysts" not in {g["name"] for g in client.list_groups()}
    assert "alice" not in {u["login"] for u in client.list_users()}
    assert not any(e["envName"] == "py-features" for e in client.list_code_envs())
    assert client.get_global_variables() == {"owner_team": "platform"}
    assert {u["login"] for u in client.list_users()} >= {"admin", "sandbox_user"}


def test_passwords_never_in_state_or_output(admin_ws):
    ws = admin_ws
    outputs = []
    for args in (
        ["preview", "admin", "--diff"],
        ["preview", "admin", "--json"],
        ["up", "admin", "--yes"],
        ["up", "admin", "--yes", "--json"],
        ["preview", "admin", "--refresh", "--diff"],
        ["stack", "export", "admin"],
        ["stack", "history", "admin", "--show", "1"],
        ["refresh", "admin", "--yes"],
    ):
        r = ws.dss(*args)
        assert r.exit_code == 0, (args, r.stdout, r.stderr)
        outputs += [r.stdout, r.stderr]
    _set(ws, "pg_password", "new-" + CONN_PASSWORD, secret=True)
    for args in (["preview", "admin", "--diff"], ["up", "admin", "--yes", "--json"]):
        r = ws.dss(*args)
        assert r.exit_code == 0, (args, r.stdout, r.stderr)
        outputs += [r.stdout, r.stderr]
    assert "[secret]" in "\n".join(outputs)
    state_text = ws.state_path("admin").read_text()
    assert "hmac-sha256:" in state_text  # recorded as keyed digests...
    everything = "\n".join(outputs) + all_text_under(ws.root)
    for secret in (CONN_PASSWORD, USER_PASSWORD, "new-" + CONN_PASSWORD):
        assert secret not in everything  # ...never as the password, in any file or output
        assert base64.b64encode(secret.encode()).decode()[:12] not in everything
    # and DSS did get the new one
    conn = ws.sandbox.client().get_connection("warehouse").get_definition()
    assert _opened(conn["params"]["password"]) == "new-" + CONN_PASSWORD
    r = ws.dss("destroy", "admin", "--yes")
    assert r.exit_code == 0, r.stderr


def test_non_admin_key_is_refused_clearly(admin_ws):
    ws = admin_ws
    r = ws.dss("up", "admin", "--yes", env={"DKU_API_KEY": ws.sandbox.user_api_key})
    assert r.exit_code == 1
    assert "needs an admin API key" in r.stdout + r.stderr
    assert "Traceback" not in r.stderr
    client = ws.sandbox.client()
    assert "warehouse" not in client.list_connections()
    assert "analysts" not in {g["name"] for g in client.list_groups()}
    text = r.stdout + r.stderr
    for failed in ("analysts", "py-features", "instance-variables"):
        assert f"{failed} create failed: cannot " in text and "needs an admin API key" in text
    # the kinds that waited for the group above, on their own
    ws.stack(
        "solo",
        'dss.User("bob")\ndss.Connection("c_solo", type="Filesystem", params={"root": "/"})\n',
    )
    r = ws.dss("up", "solo", "--yes", env={"DKU_API_KEY": ws.sandbox.user_api_key})
    assert r.exit_code == 1
    for failed in ("bob", "c_solo"):
        assert f"{failed} create failed: cannot read" in r.stdout, r.stdout
    assert r.stdout.count("needs an admin API key") >= 2
    # nothing half-recorded: with the admin key the stack then applies cleanly
    r = ws.dss("up", "admin", "--yes")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert ws.dss("preview", "admin", "--expect-no-changes").exit_code == 0
    # an update and a destroy with the non-admin key are refused the same way, nothing lost
    _set(ws, "conn_desc", "changed")
    for args in (["up", "admin", "--yes"], ["destroy", "admin", "--yes"]):
        r = ws.dss(*args, env={"DKU_API_KEY": ws.sandbox.user_api_key})
        assert r.exit_code == 1 and "needs an admin API key" in r.stdout + r.stderr
    assert len(ws.state("admin").resources) == 5
    assert client.get_connection("warehouse").get_definition()["description"] == "The warehouse"


CONN_STACK = """
cfg = dss.Config()
dss.Connection("lake", type="Filesystem", params={"root": "/data/lake"}, usable_by="ALL")
"""


def test_connection_in_use_is_not_deleted(ws):
    ws.stack("conn", CONN_STACK)
    assert ws.dss("up", "conn", "--yes").exit_code == 0
    client = ws.sandbox.client()
    project = client.create_project("OTHERS", "Others", "admin")
    project.create_dataset("files", "Filesystem", params={"connection": "lake", "path": "/x"})
    r = ws.dss("destroy", "conn", "--yes")
    assert r.exit_code == 1
    assert "still used by datasets OTHERS.files" in r.stdout + r.stderr
    assert "lake" in client.list_connections()
    assert len(ws.state("conn").resources) == 1  # still managed: nothing lost
    project.get_dataset("files").delete()
    assert ws.dss("destroy", "conn", "--yes").exit_code == 0
    assert "lake" not in client.list_connections()


def test_connection_recreated_by_hand_is_not_ours(ws):
    ws.stack("conn", CONN_STACK)
    assert ws.dss("up", "conn", "--yes").exit_code == 0
    client = ws.sandbox.client()
    client.get_connection("lake").delete()
    client.create_connection("lake", "Filesystem", params={"root": "/theirs"})
    r = ws.dss("destroy", "conn", "--yes")
    assert "not the object this stack created" in r.stdout + r.stderr
    assert client.get_connection("lake").get_definition()["params"]["root"] == "/theirs"


VARS_STACK = """
dss.GlobalVariables({"region": "eu-west-1"})
"""


def test_global_variable_set_by_someone_else_is_a_conflict(ws):
    client = ws.sandbox.client()
    variables = client.get_global_variables()
    variables["region"] = "us-east-1"
    variables.save()
    ws.stack("vars", VARS_STACK)
    r = ws.dss("up", "vars", "--yes")
    assert r.exit_code == 1
    assert "region already exist in DSS and were not set by this stack" in r.stdout + r.stderr
    assert client.get_global_variables() == {"region": "us-east-1"}


ENV_STACK = """
cfg = dss.Config()
dss.CodeEnv("slow-env", packages=cfg.get_object("packages"), timeout=cfg.get_int("timeout"))
"""


def test_code_env_build_progress_timeout_and_failure(ws):
    ws.stack("envs", ENV_STACK, config={"envs": {"packages": '["numpy"]', "timeout": 1}})
    ws.sandbox.store.code_env_seconds = 30
    r = ws.dss("up", "envs", "--yes")
    assert r.exit_code == 1
    out = r.stdout + r.stderr
    assert "building" in out  # the progress shown while waiting
    assert "still building after 1s" in out and "raise timeout=" in out
    # once DSS has finished, the next up completes the env (packages set and installed)
    ws.sandbox.store.code_env_seconds = 0.1
    assert ws.sandbox.store.finish_futures() == 1
    r = ws.dss("up", "envs", "--yes")
    assert r.exit_code == 0, r.stdout + r.stderr
    client = ws.sandbox.client()
    assert client.get_code_env("PYTHON", "slow-env").get_definition()["specPackageList"] == "numpy"
    assert ws.dss("preview", "envs", "--expect-no-changes").exit_code == 0

    # a package DSS cannot install: DSS's messages, and the next up tries again
    ws.stack("envs", ENV_STACK, config={"envs": {"packages": '["no-such-pkg"]', "timeout": 30}})
    r = ws.dss("up", "envs", "--yes")
    assert r.exit_code == 1
    assert (
        "Could not find a version that satisfies the requirement no-such-pkg" in r.stdout + r.stderr
    )
    assert client.get_code_env("PYTHON", "slow-env").get_definition()["specPackageList"] == "numpy"
    r = ws.dss("preview", "envs", "--json")
    assert [s["op"] for s in r.json["steps"]] == ["update"]
    assert ws.dss("destroy", "envs", "--yes").exit_code == 0


def test_password_must_come_from_secret_config(ws):
    ws.stack(
        "bad",
        'dss.Connection("pg", type="PostgreSQL", params={"password": "hunter2"})\n',
    )
    r = ws.dss("preview", "bad")
    assert r.exit_code == 1
    assert "looks like a credential but is a plain string" in r.stderr
    assert "cfg.require_secret" in r.stderr
    assert json.dumps("hunter2") not in r.stdout
