"""S3 failing in the middle of `dss up`: the run stops cleanly, forgets nothing, heals next time."""

from __future__ import annotations

import itertools

import pytest

from dsspulumi.testing.moto_server import TEST_ENV

STACK = """
project = dss.Project("FAULT", name="Faults")
for i in range(6):
    dss.ManagedDataset(f"DS{i}", project=project, connection="filesystem_managed")
"""
_n = itertools.count()


@pytest.fixture
def s3_ws(ws, moto, monkeypatch):
    bucket = f"faults-{next(_n)}"
    moto.create_bucket(bucket)
    for k, v in {
        **TEST_ENV,
        "AWS_ENDPOINT_URL": moto.url,
        "AWS_MAX_ATTEMPTS": "1",
        "DSS_S3_RETRIES": "1",  # a refusal that lasts: fail after one more try, not five
        "DSS_BACKEND": f"s3://{bucket}/state",
    }.items():
        monkeypatch.setenv(k, v)
    ws.stack("fault", STACK)
    yield ws
    moto.set_fault(None)


def converged(ws) -> None:
    r = ws.dss("up", "fault", "--yes", "--json")
    assert r.exit_code == 0, r.stderr
    names = {
        d["name"]
        for d in ws.sandbox.client().get_project("FAULT").list_datasets(as_type="listitems")
    }
    assert names == {f"DS{i}" for i in range(6)}
    exported = ws.dss("stack", "export", "fault").json
    assert exported["pending"] == []
    assert sorted(r["name"] for r in exported["resources"]) == sorted(names | {"FAULT"})
    assert ws.dss("preview", "fault", "--refresh", "--expect-no-changes").exit_code == 0


@pytest.mark.parametrize("after", [2, 4, 6])
def test_s3_refusing_writes_mid_run(s3_ws, moto, after):
    ws = s3_ws
    ws.sandbox.latency_ms = 20
    # Let the first writes through (lock, state creation, some journal records), then refuse.
    moto.set_fault("put", 503, after=after)
    r = ws.dss("up", "fault", "--yes")
    assert r.exit_code == 1
    text = r.stdout + r.stderr
    assert "Traceback" not in text
    assert "S3" in text or "state" in text, text
    moto.set_fault(None)
    converged(ws)


def test_s3_unreachable_mid_run(s3_ws, moto):
    ws = s3_ws
    ws.sandbox.latency_ms = 20
    moto.set_fault("all", 503, after=6)
    r = ws.dss("up", "fault", "--yes")
    assert r.exit_code == 1
    assert "Traceback" not in r.stdout + r.stderr
    moto.set_fault(None)
    # The lock object of the failed run may still be there: its pid is gone, so it is broken.
    converged(ws)


def test_s3_down_before_the_run_changes_nothing(s3_ws, moto):
    ws = s3_ws
    moto.set_fault("all", 503)
    r = ws.dss("up", "fault", "--yes")
    assert r.exit_code == 1
    assert "Traceback" not in r.stderr and r.stderr.count("\n") <= 3, r.stderr
    assert "FAULT" not in ws.sandbox.client().list_project_keys()
