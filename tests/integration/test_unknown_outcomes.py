"""A write whose outcome stays unknown after the transport's retries is settled by reading DSS.

Each test spends the whole per-call budget (``--retries 2``: three attempts) on one write,
so the step itself must read DSS back and finish the work: before these rounds existed,
such a step failed with "the outcome is unknown". Failures are injected by the sandbox
over real HTTP: ``after`` = DSS applied the write and the answer was lost (a 500 or a
dropped connection), ``before`` = nothing was applied.
"""

from __future__ import annotations

import pytest

ONE = """
project = dss.Project("ONE", name="One")
dss.ManagedDataset("DS", project=project, connection="filesystem_managed", description="d")
"""
SETTINGS = "/projects/{projectKey}/datasets/{datasetName}"


def _datasets(ws) -> list[dict]:
    return ws.sandbox.client().get_project("ONE").list_datasets(as_type="listitems")


def _description(ws) -> str:
    raw = ws.sandbox.client().get_project("ONE").get_dataset("DS").get_settings().get_raw()
    return str(raw.get("description"))


def _no_changes(ws, stack: str = "one") -> None:
    check = ws.dss("preview", stack, "--refresh", "--expect-no-changes")
    assert check.exit_code == 0, check.stdout + check.stderr


@pytest.mark.parametrize(
    ("when", "mode"), [("after", "drop"), ("after", "status"), ("before", "status")]
)
def test_the_lost_settings_write_after_a_create_is_converged(ws, when, mode):
    """POST answered, then all three attempts of the PUT that writes settings and mark fail:
    the dataset is read back (ours: DSS answered its create) and its settings written again."""
    ws.stack("one", ONE)
    ws.sandbox.inject_failure("PUT", SETTINGS, times=3, when=when, mode=mode)
    ws.sandbox.reset_counts()
    r = ws.dss("up", "one", "--yes", "--json", "--retries", "2")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert r.json["result"] == "succeeded"
    rounds = [e for e in r.json["retries"] if e["method"] == "create"]
    assert len(rounds) == 1 and "its settings are written again" in rounds[0]["reason"], rounds
    assert ws.sandbox.request_counts["POST /projects/{projectKey}/datasets/managed"] == 1
    assert [d["name"] for d in _datasets(ws)] == ["DS"]
    assert _description(ws) == "d"
    record = ws.state("one").get("urn:dss:dev::one::dss:Dataset::ONE.DS")
    assert record is not None and record.mark is not None
    assert ws.state("one").pending == []
    _no_changes(ws)


def test_an_update_whose_write_was_lost_is_run_again(ws):
    ws.stack("one", ONE)
    assert ws.dss("up", "one", "--yes").exit_code == 0
    ws.stack("one", ONE.replace('description="d"', 'description="e"'))
    ws.sandbox.inject_failure("PUT", SETTINGS, times=3, when="after", mode="drop")
    r = ws.dss("up", "one", "--yes", "--json", "--retries", "2")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert [e["method"] for e in r.json["retries"]].count("update") == 1
    assert _description(ws) == "e"
    _no_changes(ws)


def test_a_delete_whose_answer_was_lost_is_run_again(ws):
    ws.stack("one", ONE)
    assert ws.dss("up", "one", "--yes").exit_code == 0
    ws.sandbox.inject_failure("DELETE", SETTINGS, times=3, when="after", mode="drop")
    r = ws.dss("destroy", "one", "--yes", "--json", "--retries", "2")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert [e["method"] for e in r.json["retries"]].count("delete") == 1
    assert "ONE" not in ws.sandbox.client().list_project_keys()


def test_when_every_round_fails_the_step_ends_settled_and_the_next_run_converges(ws):
    """Budget spent on every round: the run fails, but the step's outcome is not left
    unknown: DSS was read, the dataset (ours) is recorded as it is, nothing is pending, and
    the next run finishes it without a second create."""
    ws.stack("one", ONE)
    # Two attempts of the PUT after the create, two in the one round that writes it again.
    ws.sandbox.inject_failure("PUT", SETTINGS, times=4, when="after", mode="drop")
    ws.sandbox.reset_counts()
    r = ws.dss("up", "one", "--yes", "--json", "--retries", "1")
    assert r.exit_code == 1
    assert ws.sandbox.request_counts["PUT " + SETTINGS] == 4  # every injection used up
    step = next(s for s in r.json["steps"] if s["name"] == "DS")
    assert "outcome is unknown" not in step["error"]
    assert step["error"].startswith(  # a step's error names its object first, once
        "ONE.DS: dataset ONE.DS was created, but the writes after its "
    ), step
    assert "DSS was read afterwards" in step["error"], step["error"]
    state = ws.state("one")
    assert state.pending == []
    assert state.get("urn:dss:dev::one::dss:Dataset::ONE.DS") is not None
    ws.sandbox.reset_counts()
    r = ws.dss("up", "one", "--yes", "--json")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert "POST /projects/{projectKey}/datasets/managed" not in ws.sandbox.request_counts
    assert [d["name"] for d in _datasets(ws)] == ["DS"]
    _no_changes(ws)


def test_a_dropped_answer_to_an_idempotent_write_is_retried_like_any_other(ws):
    """The connection closes after DSS applied the PUT (requests raises ConnectionError after
    the body was sent): the transport retries it like a 500, inside the same call."""
    ws.stack("one", ONE)
    ws.sandbox.inject_failure("PUT", SETTINGS, times=2, when="after", mode="drop")
    ws.sandbox.reset_counts()
    r = ws.dss("up", "one", "--yes", "--json")
    assert r.exit_code == 0, r.stdout + r.stderr
    assert [(e["method"], e["reason"]) for e in r.json["retries"]] == [
        ("PUT", "connection lost"),
        ("PUT", "connection lost"),
    ]
    assert ws.sandbox.request_counts["PUT " + SETTINGS] == 3
    _no_changes(ws)
