"""Failures said once per cause; connection retries that do not flood; a halted executor."""

from __future__ import annotations

import threading

from dsspulumi.display.failures import RetryDigest, cause_of, group_failures
from dsspulumi.executor import FAILED, SKIPPED, SUCCEEDED, execute
from dsspulumi.outage import DssUnreachableError, Outage
from dsspulumi.plan import Op, Plan, Step
from dsspulumi.provider import RetryEvent

URL = "http://dss.example:11200"


def unreachable(name: str) -> tuple[str, str, str | None]:
    exc = DssUnreachableError(URL, f"read the settings of dataset {name}")
    return name, str(exc), exc.cause


def test_failures_with_one_cause_are_one_line_with_a_count_and_the_first_names():
    groups = group_failures(unreachable(f"FLAKY.{c}") for c in "ABCDE")
    assert [g.describe() for g in groups] == [
        f"5 steps failed: cannot reach DSS at {URL} (FLAKY.A, FLAKY.B, FLAKY.C, …)"
    ]


def test_a_group_of_three_names_them_all_without_an_ellipsis():
    (group,) = group_failures(unreachable(f"P.{c}") for c in "XYZ")
    assert group.describe() == f"3 steps failed: cannot reach DSS at {URL} (P.X, P.Y, P.Z)"


def test_a_failure_alone_is_said_in_full_with_its_name():
    (group,) = group_failures([unreachable("P.ONLY")])
    assert group.describe() == (
        f"P.ONLY: cannot reach DSS at {URL} while trying to read the settings of dataset "
        "P.ONLY; check the URL and that DSS is up"
    )


def test_errors_without_an_explicit_cause_group_by_their_text_without_the_step_name():
    refused = "DSS refused to create dataset {}: Connection 'nope' does not exist"
    groups = group_failures(
        [
            ("P.A", refused.format("P.A"), None),
            ("P.B", "P.B: a dataset named B already exists in DSS", None),
            ("P.C", refused.format("P.C"), None),
            ("P.AB", refused.format("P.AB"), None),  # P.A is not a part of P.AB
        ]
    )
    assert [g.describe() for g in groups] == [
        "3 steps failed: DSS refused to create dataset …: Connection 'nope' does not exist "
        "(P.A, P.C, P.AB)",
        "P.B: a dataset named B already exists in DSS",
    ]


def test_groups_keep_the_order_in_which_each_cause_was_first_met():
    groups = group_failures([("A", "boom 1", None), ("B", "boom 2", None), ("C", "boom 1", None)])
    assert [g.names for g in groups] == [("A", "C"), ("B",)]


def test_a_cause_of_its_own_wins_over_the_text():
    assert cause_of("P.A", "anything about P.A", "DSS is down") == "DSS is down"
    assert cause_of("P.A", "P.A: DSS refused P.A") == "DSS refused …"


def event(reason: str, urn: str = "u::P.A") -> RetryEvent:
    return RetryEvent("GET", "/projects/P", 1, 6, reason, 0.1, urn)


def test_failed_connections_are_shown_once_in_a_while_and_5xx_always():
    digest = RetryDigest(every=3600)
    first = digest.line(event("connection lost"))
    assert first is not None and first.startswith("P.A: GET /projects/P failed (connection lost)")
    assert all(digest.line(event("connection failed")) is None for _ in range(50))
    assert digest.line(event("HTTP 503")) is not None  # DSS answered: worth a line each time
    assert digest.line(event("HTTP 503")) is not None


def test_the_next_connection_line_counts_the_hidden_ones():
    digest = RetryDigest(every=0.0)
    assert digest.line(event("connection failed")) is not None
    digest.every = 3600
    assert digest.line(event("connection failed")) is None
    assert digest.line(event("connection failed")) is None
    digest.every = 0.0
    line = digest.line(event("connection failed"))
    assert line is not None and line.endswith("(and 2 more failed connections not shown)")


def test_the_outage_sentence_is_the_contract():
    outage = Outage(URL, 0.0)
    line = outage.summary(325, 275)
    assert line.startswith(f"DSS at {URL} stopped answering at ")
    assert line.endswith("; 325 steps done and recorded, 275 not started")
    doc = outage.to_json(done=325, failed=10, not_started=275)
    assert doc["at"] == "1970-01-01T00:00:00Z"
    assert (doc["done"], doc["failed"], doc["not_started"]) == (325, 10, 275)


# --- the executor stops starting steps once ``halt`` gives a reason -------------------------


def chain_free_plan(n: int) -> Plan:
    steps = tuple(
        Step(op=Op.CREATE, urn=f"s{i}", type="dss:Dataset", name=f"s{i}", logical_name=f"s{i}")
        for i in range(n)
    )
    return Plan(stack="st", env="dev", steps=steps)


def test_halt_stops_new_steps_and_lets_those_in_flight_finish():
    down = threading.Event()
    started: list[str] = []
    lock = threading.Lock()

    def run(step: Step) -> None:
        with lock:
            started.append(step.urn)
            if len(started) == 4:
                down.set()  # DSS just died: this step and those in flight fail
        if down.is_set():
            raise DssUnreachableError(URL, f"create {step.urn}")

    outcomes = execute(
        chain_free_plan(40),
        run,
        parallel=1,
        halt=lambda: "DSS stopped answering" if down.is_set() else None,
    )
    assert started == ["s0", "s1", "s2", "s3"]
    statuses = [outcomes[f"s{i}"].status for i in range(40)]
    assert statuses[:3] == [SUCCEEDED] * 3 and statuses[3] == FAILED
    assert statuses[4:] == [SKIPPED] * 36
    assert all(outcomes[f"s{i}"].stopped for i in range(4, 40))
    assert isinstance(outcomes["s3"].exc, DssUnreachableError)
    assert "the run stopped (DSS stopped answering)" in (outcomes["s5"].error or "")


def test_dependants_of_a_step_that_failed_once_halted_are_not_started_either():
    steps = (
        Step(op=Op.CREATE, urn="p", type="dss:Project", name="p", logical_name="p"),
        Step(op=Op.CREATE, urn="d", type="dss:Dataset", name="d", logical_name="d", deps=("p",)),
        Step(op=Op.SAME, urn="s", type="dss:Dataset", name="s", logical_name="s"),
    )
    halted: list[str] = []

    def run(step: Step) -> None:
        halted.append("down")
        raise DssUnreachableError(URL, "create p")

    outcomes = execute(
        Plan(stack="st", env="dev", steps=steps),
        run,
        halt=lambda: "down" if halted else None,
    )
    assert outcomes["p"].status == FAILED
    assert outcomes["d"].status == SKIPPED and outcomes["d"].stopped
    assert outcomes["s"].status == SUCCEEDED  # nothing to do is done, stopped or not
