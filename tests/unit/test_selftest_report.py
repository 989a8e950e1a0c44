"""The lines `dss selftest` prints: one per kind, a difference as path, declared and read."""

from __future__ import annotations

from dsspulumi.output import Output
from dsspulumi.selftest import supported_kinds
from dsspulumi.selftest_report import ADMIN_SKIP, SKIPPED, KindResult, Problem, Report
from dsspulumi.selftest_samples import samples


def test_a_difference_names_the_field_the_declared_and_the_read_value():
    res = KindResult("dss:Dataset")
    res.fail(Problem("read", "", object="selftest_in", path="description", declared="a", read=None))
    assert res.line() == (
        "Dataset               FAILED  read: selftest_in: description: declared 'a', read None"
    )
    assert res.to_json()["problems"] == [
        {
            "phase": "read",
            "message": "read: selftest_in: description: declared 'a', read None",
            "object": "selftest_in",
            "path": "description",
            "declared": "a",
            "read": None,
        }
    ]


def test_secrets_never_reach_the_lines():
    secret = Output.secret("hunter2")
    problem = Problem("read", "", path="params.password", declared=secret, read="x")
    assert "hunter2" not in problem.describe()
    assert "hunter2" not in str(problem.to_json())


def test_skipped_kinds_do_not_fail_the_run_and_anything_left_does():
    report = Report(dss_url="u", project="ZZ_SELFTEST_X", admin=False)
    report.kinds = [KindResult("dss:Project"), KindResult("dss:Group", SKIPPED, ADMIN_SKIP)]
    assert report.ok
    assert report.lines() == ["Project               ok", f"Group                 {ADMIN_SKIP}"]
    report.left_behind = ["ZZ_SELFTEST_X"]
    assert not report.ok
    assert report.lines()[-1] == "NOT REMOVED (remove by hand): ZZ_SELFTEST_X"


def test_every_supported_kind_has_a_sample():
    assert set(supported_kinds()) <= set(samples()), "add a sample to dsspulumi/selftest_samples.py"
