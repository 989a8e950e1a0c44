"""The S3 backend from the command line: moving a stack there, administering it, references."""

from __future__ import annotations

import itertools

import pytest

from dsspulumi.testing.moto_server import TEST_ENV

_n = itertools.count()

PRODUCER = """
project = dss.Project("MOVED", name="Moved")
dss.ManagedDataset("DS", project=project, connection="filesystem_managed")
dss.export("key", project.key)
dss.export("token", dss.Output.secret("s3-token-77"))
"""


@pytest.fixture
def s3_url(moto, monkeypatch):
    bucket = f"cli-{next(_n)}"
    moto.create_bucket(bucket)
    for k, v in {**TEST_ENV, "AWS_ENDPOINT_URL": moto.url}.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("DSS_CONFIG_PASSPHRASE", "s3 test passphrase")
    return f"s3://{bucket}/team"


def test_move_local_stack_to_s3_then_administer(ws, s3_url, tmp_path):
    ws.stack("moved", PRODUCER)
    assert ws.dss("up", "moved", "--yes").exit_code == 0
    exported = tmp_path / "moved.json"
    exported.write_text(ws.dss("stack", "export", "moved").stdout)
    assert "s3-token-77" not in exported.read_text()

    r = ws.dss("stack", "import", "moved", str(exported), "--backend", s3_url)
    assert r.exit_code == 0, r.stderr
    r = ws.dss("preview", "moved", "--backend", s3_url, "--json")
    assert r.json["summary"] == {"same": 2}
    rows = ws.dss("stack", "ls", "--backend", s3_url, "--json").json
    assert [(x["stack"], x["env"], x["resources"]) for x in rows] == [("moved", "dev", 2)]
    out = ws.dss("stack", "output", "moved", "token", "--backend", s3_url, "--show-secrets")
    assert out.stdout.strip() == "s3-token-77"
    assert ws.dss("stack", "output", "moved", "token", "--backend", s3_url).stdout.strip() == (
        "[secret]"
    )
    r = ws.dss("stack", "rm", "moved", "--backend", s3_url)
    assert r.exit_code == 1 and "still manages 2 resource(s)" in r.stderr
    assert ws.dss("destroy", "moved", "--yes", "--backend", s3_url).exit_code == 0
    assert ws.dss("stack", "rm", "moved", "--backend", s3_url).exit_code == 0
    assert ws.dss("stack", "ls", "--backend", s3_url, "--json").json == []


def test_stack_reference_on_s3(ws, s3_url):
    ws.stack("moved", PRODUCER)
    ws.stack(
        "consumer",
        """
ref = dss.StackReference("moved")
dss.Project("CONSUMER_S3", name="uses " + ref.require_output("key"),
            description=ref.require_output("token").apply(lambda t: "token " + t))
""",
    )
    assert ws.dss("up", "moved", "--yes", "--backend", s3_url).exit_code == 0
    r = ws.dss("up", "consumer", "--yes", "--backend", s3_url)
    assert r.exit_code == 0, r.stderr
    md = ws.sandbox.client().get_project("CONSUMER_S3").get_metadata()
    assert md["label"] == "uses MOVED" and md["description"] == "token s3-token-77"
    state = ws.dss("stack", "export", "consumer", "--backend", s3_url).stdout
    assert "s3-token-77" not in state and "__secret__" in state


def test_s3_errors_are_one_line(ws, moto, monkeypatch):
    ws.stack("moved", 'dss.Project("PLAIN", name="plain")\n')
    for k, v in {**TEST_ENV, "AWS_ENDPOINT_URL": moto.url}.items():
        monkeypatch.setenv(k, v)
    r = ws.dss("up", "moved", "--yes", "--backend", "s3://no-such-bucket-here/x")
    assert r.exit_code == 1
    assert "no-such-bucket-here" in r.stderr and "does not exist" in r.stderr
    assert "Traceback" not in r.stderr
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    r = ws.dss("preview", "moved", "--backend", "s3://some-bucket/x")
    assert r.exit_code == 1 and "Traceback" not in r.stderr
    assert "127.0.0.1:9" in r.stderr
