"""`dss up` through failing services, as real processes: every run succeeds, nothing doubles.

The small version of ``bench/bench_faults.py`` (20 rounds of 1 project + 100 datasets). DSS
is ``dss sandbox serve --fail-rate 0.2`` (a 500 before DSS acted, a 500 after it acted, a
dropped connection after it acted, drawn evenly); in the second test the state's S3
endpoint also fails 20% of requests (503 SlowDown before, 500 after applying). Each round
is a fresh project, checked from outside: `up` exits 0, DSS holds exactly the declared
datasets, a refreshed preview is empty, and no lock or pending operation is left.

These are the statistical half; the exact paths (a write whose answer was lost and whose
retries ran out) are pinned by tests/integration/test_unknown_outcomes.py and
tests/backends/test_s3_lost_answers.py.
"""

from __future__ import annotations

import json
import os
import subprocess

from dsspulumi.testing.flaky_rounds import DSS, flaky_sandbox, run_round


def test_ups_through_a_flaky_dss_process_all_succeed(tmp_path):
    with flaky_sandbox(0.2) as url:
        rounds = [run_round(i, url, datasets=40, workdir=tmp_path / f"r{i}") for i in range(4)]
    report = "\n".join(r.line() for r in rounds)
    assert all(r.ok for r in rounds), report


def test_ups_with_s3_and_dss_failing_all_succeed_and_leave_no_lock(tmp_path, moto):
    bucket = moto.create_bucket("fault-rounds")
    moto.set_chaos(0.2, seed=16)
    try:
        with flaky_sandbox(0.2) as url:
            rounds = []
            for i in range(3):
                backend = f"s3://{bucket}/r{i}"
                rounds.append(
                    run_round(
                        i,
                        url,
                        datasets=20,
                        backend=backend,
                        env=moto.env(),
                        workdir=tmp_path / f"r{i}",
                    )
                )
        injected = moto.chaos_stats()["injected"]
    finally:
        moto.set_chaos(0.0)
    report = "\n".join(r.line() for r in rounds)
    assert all(r.ok for r in rounds), report
    assert injected["before"] > 0 and injected["after"] > 0, injected
    keys = [o["Key"] for o in moto.client().list_objects_v2(Bucket=bucket)["Contents"]]
    assert not [k for k in keys if k.endswith(".lock.json")], keys
    assert not [k for k in keys if ".journal/" in k], keys
    for i in range(3):
        exported = subprocess.run(
            [*DSS, "stack", "export", "flaky", "--backend", f"s3://{bucket}/r{i}"],
            cwd=tmp_path / f"r{i}",
            env={**os.environ, **moto.env()},
            capture_output=True,
            text=True,
            check=True,
        )
        doc = json.loads(exported.stdout)
        assert doc["pending"] == [] and len(doc["resources"]) == 21
