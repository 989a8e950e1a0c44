"""Configuration per environment, encrypted secrets, outputs and stack references.

The central check: after a full cycle of commands, the plaintext of every secret
appears nowhere — not in state, history, journal or config files, not in any
command's output.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

PASS = "correct horse battery staple"
DB_PASSWORD = "pw-Zx81-very-secret"

STACK = """
cfg = dss.Config()
project = dss.Project("SEC", name="Secrets", description=cfg.require("label"))
password = cfg.require_secret("db_password")
dss.Dataset("DB", project=project, type="PostgreSQL", connection="filesystem_root",
            params={"mode": "table", "table": "t", "password": password},
            extra_settings={"customFields": {"token": password.apply(lambda p: p + "-derived")}})
dss.export("project", project.key)
dss.export("password", password)
"""


def all_text_under(root: Path) -> str:
    return "\n".join(
        p.read_text(errors="replace")
        for p in root.rglob("*")
        if p.is_file() and ".dss/sandbox" not in str(p)
    )


@pytest.fixture
def secret_ws(ws, monkeypatch):
    monkeypatch.setenv("DSS_CONFIG_PASSPHRASE", PASS)
    ws.stack("sec", STACK)
    assert ws.dss("config", "set", "sec", "label", "Secret project").exit_code == 0
    r = ws.dss("config", "set", "sec", "db_password", DB_PASSWORD, "--secret")
    assert r.exit_code == 0, r.stderr
    return ws


def full_cycle(ws) -> str:
    outputs = []
    for args in (
        ["preview", "sec", "--diff"],
        ["preview", "sec", "--json"],
        ["up", "sec", "--yes"],
        ["up", "sec", "--yes", "--json"],
        ["preview", "sec", "--refresh", "--diff"],
        ["config", "ls", "sec"],
        ["config", "ls", "sec", "--json"],
        ["config", "get", "sec", "db_password"],
        ["stack", "output", "sec"],
        ["stack", "output", "sec", "--json"],
        ["stack", "export", "sec"],
        ["stack", "history", "sec", "--show", "1"],
        ["refresh", "sec", "--yes"],
    ):
        r = ws.dss(*args)
        assert r.exit_code == 0, (args, r.stdout, r.stderr)
        outputs += [r.stdout, r.stderr]
    # a changed secret: the diff says it changed, not the values
    assert (
        ws.dss("config", "set", "sec", "db_password", "new-" + DB_PASSWORD, "--secret").exit_code
        == 0
    )
    r = ws.dss("preview", "sec", "--diff")
    assert "[secret] (changed)" in r.stdout
    outputs += [r.stdout, r.stderr]
    r = ws.dss("preview", "sec", "--json")
    diffs = [d for s in r.json["steps"] for d in s["diff"]]
    assert {"path": "params.password", "old": "[secret]", "new": "[secret]"} in diffs
    outputs.append(r.stdout)
    for args in (["up", "sec", "--yes"], ["destroy", "sec", "--yes"]):
        r = ws.dss(*args)
        assert r.exit_code == 0, (args, r.stdout, r.stderr)
        outputs += [r.stdout, r.stderr]
    return "\n".join(outputs)


def test_secret_never_in_plaintext_with_passphrase(secret_ws):
    ws = secret_ws
    config_text = (ws.root / "stacks" / "sec.dev.toml").read_text()
    assert "secure" in config_text and DB_PASSWORD not in config_text
    assert 'secrets_provider = "passphrase"' in config_text
    captured = full_cycle(ws)
    for secret in (DB_PASSWORD, "new-" + DB_PASSWORD, DB_PASSWORD + "-derived"):
        assert secret not in captured
        assert secret not in all_text_under(ws.root)
    assert "[secret]" in captured


def test_dss_gets_the_plaintext(secret_ws):
    ws = secret_ws
    assert ws.dss("up", "sec", "--yes").exit_code == 0
    raw = ws.sandbox.client().get_project("SEC").get_dataset("DB").get_settings().get_raw()
    assert raw["params"]["password"] == DB_PASSWORD
    assert raw["customFields"]["token"] == DB_PASSWORD + "-derived"
    state_text = ws.state_path("sec").read_text()
    assert DB_PASSWORD not in state_text and "__secret__" in state_text
    r = ws.dss("stack", "output", "sec", "password", "--show-secrets")
    assert r.stdout.strip() == json.dumps(DB_PASSWORD) or r.stdout.strip() == DB_PASSWORD
    assert ws.dss("stack", "output", "sec", "password").stdout.strip() == "[secret]"
    assert (
        ws.dss("config", "get", "sec", "db_password", "--show-secrets").stdout.strip()
        == DB_PASSWORD
    )


def test_wrong_passphrase_fails_clearly_and_changes_nothing(secret_ws, monkeypatch):
    ws = secret_ws
    assert ws.dss("up", "sec", "--yes").exit_code == 0
    before_state = ws.state_path("sec").read_bytes()
    before_config = (ws.root / "stacks" / "sec.dev.toml").read_bytes()
    monkeypatch.setenv("DSS_CONFIG_PASSPHRASE", "wrong passphrase")
    for args in (
        ["up", "sec", "--yes"],
        ["preview", "sec"],
        ["destroy", "sec", "--yes"],
        ["config", "set", "sec", "other", "x", "--secret"],
        ["config", "get", "sec", "db_password", "--show-secrets"],
    ):
        r = ws.dss(*args)
        assert r.exit_code == 1, args
        assert "wrong passphrase" in r.stderr, (args, r.stderr)
        assert "Traceback" not in r.stderr
    assert ws.state_path("sec").read_bytes() == before_state
    assert (ws.root / "stacks" / "sec.dev.toml").read_bytes() == before_config
    assert "SEC" in ws.sandbox.client().list_project_keys()


def test_missing_passphrase_says_what_to_set(secret_ws, monkeypatch):
    monkeypatch.delenv("DSS_CONFIG_PASSPHRASE")
    r = secret_ws.dss("preview", "sec")
    assert r.exit_code == 1 and "DSS_CONFIG_PASSPHRASE" in r.stderr


def test_config_per_environment_round_trips(ws, monkeypatch):
    monkeypatch.setenv("DSS_CONFIG_PASSPHRASE", PASS)
    ws.stack("cfg", 'dss.Project(dss.Config().require("key"), name="x")\n')
    (ws.root / "stacks" / "cfg.dev.toml").write_text("# team settings, keep this comment\n")
    assert ws.dss("config", "set", "cfg", "key", "DEVKEY").exit_code == 0
    assert ws.dss("config", "set", "cfg", "key", "PRODKEY", "-e", "prod").exit_code == 0
    assert (
        ws.dss(
            "config", "set", "cfg", "dss:url", "http://dss.example:11200", "-e", "prod"
        ).exit_code
        == 0
    )
    assert ws.dss("config", "set", "cfg", "token", "t0k3n", "--secret", "-e", "prod").exit_code == 0
    assert ws.dss("config", "get", "cfg", "key").stdout.strip() == "DEVKEY"
    assert ws.dss("config", "get", "cfg", "cfg:key", "-e", "prod").stdout.strip() == "PRODKEY"
    listing = ws.dss("config", "ls", "cfg", "-e", "prod", "--json").json
    assert listing == {
        "cfg:key": {"value": "PRODKEY", "secret": False},
        "dss:url": {"value": "http://dss.example:11200", "secret": False},
        "cfg:token": {"value": "[secret]", "secret": True},
    }
    shown = ws.dss("config", "ls", "cfg", "-e", "prod", "--json", "--show-secrets").json
    assert shown["cfg:token"]["value"] == "t0k3n"
    assert "keep this comment" in (ws.root / "stacks" / "cfg.dev.toml").read_text()
    assert ws.dss("preview", "cfg", "--json").json["steps"][0]["name"] == "DEVKEY"
    assert ws.dss("config", "rm", "cfg", "key").exit_code == 0
    r = ws.dss("config", "get", "cfg", "key")
    assert r.exit_code == 1 and "not set" in r.stderr
    r = ws.dss("preview", "cfg")
    assert r.exit_code == 1 and "dss config set cfg cfg:key VALUE -e dev" in r.stderr


def test_api_key_encrypted_in_config(ws, monkeypatch):
    monkeypatch.setenv("DSS_CONFIG_PASSPHRASE", PASS)
    ws.stack("key", 'dss.Project("APIKEY", name="x")\n')
    assert ws.dss("config", "set", "key", "dss:url", ws.sandbox.url).exit_code == 0
    assert (
        ws.dss("config", "set", "key", "dss:api_key", ws.sandbox.api_key, "--secret").exit_code == 0
    )
    r = ws.dss("up", "key", "--yes", env={"DKU_DSS_URL": "", "DKU_API_KEY": ""})
    assert r.exit_code == 0, r.stderr
    assert ws.sandbox.api_key not in (ws.root / "stacks" / "key.dev.toml").read_text()
    assert "APIKEY" in ws.sandbox.client().list_project_keys()


def test_first_secret_in_code_sets_up_passphrase_provider(ws, monkeypatch):
    monkeypatch.setenv("DSS_CONFIG_PASSPHRASE", PASS)
    ws.stack(
        "code",
        """
project = dss.Project("CODESEC", name="x")
dss.export("token", dss.Output.secret("inline-token-123"))
""",
    )
    r = ws.dss("up", "code", "--yes")
    assert r.exit_code == 0, r.stderr
    assert "passphrase secrets provider" in r.stderr
    assert "inline-token-123" not in ws.state_path("code").read_text()
    assert "inline-token-123" not in r.stdout


def test_kms_provider_through_moto(ws, monkeypatch):
    from moto import mock_aws

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("DSS_CONFIG_PASSPHRASE", raising=False)
    with mock_aws():
        import boto3

        kms = boto3.client("kms", region_name="us-east-1")
        key_id = kms.create_key()["KeyMetadata"]["KeyId"]
        kms.create_alias(AliasName="alias/dss-test", TargetKeyId=key_id)
        ws.stack("sec", STACK)
        r = ws.dss("stack", "init", "sec", "--secrets-provider", "awskms://alias/dss-test")
        assert r.exit_code == 0, r.stderr
        assert ws.dss("config", "set", "sec", "label", "Kms project").exit_code == 0
        assert ws.dss("config", "set", "sec", "db_password", DB_PASSWORD, "--secret").exit_code == 0
        config_text = (ws.root / "stacks" / "sec.dev.toml").read_text()
        assert "awskms://alias/dss-test" in config_text and "encrypted_key" in config_text
        captured = full_cycle(ws)
        assert DB_PASSWORD not in captured and DB_PASSWORD not in all_text_under(ws.root)

        # move to a passphrase: config and state re-encrypted, still readable
        monkeypatch.setenv("DSS_CONFIG_PASSPHRASE", PASS)
        assert ws.dss("up", "sec", "--yes").exit_code == 0
        r = ws.dss("stack", "change-secrets-provider", "sec", "passphrase")
        assert r.exit_code == 0, r.stderr
        assert (
            'secrets_provider = "passphrase"' in (ws.root / "stacks" / "sec.dev.toml").read_text()
        )
        assert ws.dss("preview", "sec", "--json").json["summary"] == {"same": 2}
        assert (
            ws.dss("config", "get", "sec", "db_password", "--show-secrets").stdout.strip()
            == "new-" + DB_PASSWORD  # full_cycle changed it
        )
        assert DB_PASSWORD not in all_text_under(ws.root)


def test_stack_reference_reads_outputs(ws, monkeypatch):
    monkeypatch.setenv("DSS_CONFIG_PASSPHRASE", PASS)
    ws.stack(
        "producer",
        """
project = dss.Project("PRODUCER", name="Producer")
shared = dss.ManagedDataset("SHARED", project=project, connection="filesystem_managed")
dss.export("project_key", project.key)
dss.export("dataset", shared.name)
dss.export("token", dss.Output.secret("producer-token-42"))
""",
    )
    ws.stack(
        "consumer",
        """
ref = dss.StackReference("producer")
project = dss.Project("CONSUMER", name="Consumer",
                      description="reads " + ref.require_output("project_key"))
dss.Dataset("TOKENIZED", project=project, type="Filesystem", connection="filesystem_root",
            params={"path": "/x", "token": ref.require_output("token")})
""",
    )
    r = ws.dss("preview", "consumer")
    assert r.exit_code == 1 and "stack 'producer' has no state" in r.stderr
    assert ws.dss("up", "producer", "--yes").exit_code == 0
    r = ws.dss("preview", "consumer", "--json", "--diff")
    assert r.exit_code == 0, r.stderr
    assert ws.dss("up", "consumer", "--yes").exit_code == 0, r.stderr
    md = ws.sandbox.client().get_project("CONSUMER").get_metadata()
    assert md["description"] == "reads PRODUCER"
    ds = (
        ws.sandbox.client()
        .get_project("CONSUMER")
        .get_dataset("TOKENIZED")
        .get_settings()
        .get_raw()
    )
    assert ds["params"]["token"] == "producer-token-42"
    assert "producer-token-42" not in ws.state_path("consumer").read_text()
    ws.stack("consumer", 'dss.StackReference("producer").require_output("nope")\n')
    r = ws.dss("preview", "consumer")
    assert r.exit_code == 1 and "has no output 'nope'" in r.stderr and "project_key" in r.stderr
