"""The executor (parallel steps, dependency order, failures) and group-commit checkpoints."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable

import pytest

from dsspulumi.backends.base import Versioned
from dsspulumi.checkpoint import (
    Checkpointer,
    ClearPending,
    Put,
    Remove,
    SetPending,
    load_state,
)
from dsspulumi.errors import LockLostError, StateConflictError, StateError
from dsspulumi.executor import FAILED, SKIPPED, SUCCEEDED, execute, release_dependants
from dsspulumi.plan import Op, Plan, Step
from dsspulumi.state import PendingOperation, ResourceState, State, from_json, to_json


def step(name: str, *deps: str, op: Op = Op.CREATE) -> Step:
    return Step(op=op, urn=name, type="dss:Project", name=name, logical_name=name, deps=deps)


def plan_of(*steps: Step) -> Plan:
    return Plan(stack="st", env="dev", steps=steps)


class Recorder:
    """A run_step that records start/end order and the highest concurrency it saw."""

    def __init__(
        self,
        delay: float = 0.0,
        fail: set[str] = frozenset(),
        delays: dict[str, float] | None = None,
    ) -> None:
        self.lock = threading.Lock()
        self.events: list[tuple[str, str]] = []
        self.running = 0
        self.max_running = 0
        self.delay = delay
        self.delays = delays or {}
        self.fail = fail

    def __call__(self, s: Step) -> None:
        with self.lock:
            self.events.append(("start", s.urn))
            self.running += 1
            self.max_running = max(self.max_running, self.running)
        try:
            time.sleep(self.delays.get(s.urn, self.delay))
            if s.urn in self.fail:
                raise RuntimeError(f"DSS refused {s.urn}")
        finally:
            with self.lock:
                self.running -= 1
                self.events.append(("end", s.urn))

    def started(self) -> list[str]:
        return [u for kind, u in self.events if kind == "start"]

    def index(self, kind: str, urn: str) -> int:
        return self.events.index((kind, urn))


# --- executor ------------------------------------------------------------------------------


def test_independent_steps_run_concurrently():
    barrier = threading.Barrier(4, timeout=5)
    rec = Recorder()

    def run(s: Step) -> None:
        rec(s)
        barrier.wait()  # only passes if four steps are in flight at once

    outcomes = execute(plan_of(*(step(f"s{i}") for i in range(8))), run, parallel=4)
    assert {o.status for o in outcomes.values()} == {SUCCEEDED}
    assert len(outcomes) == 8


@pytest.mark.parametrize("parallel", [1, 2, 3])
def test_parallel_bound_is_respected(parallel):
    rec = Recorder(delay=0.02)
    outcomes = execute(plan_of(*(step(f"s{i}") for i in range(7))), rec, parallel=parallel)
    assert rec.max_running == parallel
    assert len(rec.started()) == 7
    assert all(o.status == SUCCEEDED for o in outcomes.values())


def test_parallel_below_one_still_runs():
    rec = Recorder()
    outcomes = execute(plan_of(step("a"), step("b", "a")), rec, parallel=0)
    assert [o.status for o in outcomes.values()] == [SUCCEEDED, SUCCEEDED]


def test_steps_never_start_before_their_dependencies_finished():
    #      a     b
    #     / \   /
    #    c   d-+
    #     \ /
    #      e    f (independent)
    steps = plan_of(
        step("a"), step("b"), step("c", "a"), step("d", "a", "b"), step("e", "c", "d"), step("f")
    )
    rec = Recorder(delays={"a": 0.05, "b": 0.02, "c": 0.01, "d": 0.03, "f": 0.01})
    outcomes = execute(steps, rec, parallel=10)
    assert all(o.status == SUCCEEDED for o in outcomes.values())
    for s in steps.steps:
        for dep in s.deps:
            assert rec.index("end", dep) < rec.index("start", s.urn), (dep, s.urn)
    # b and f did not wait for a: they started before a finished
    assert rec.index("start", "b") < rec.index("end", "a")
    assert rec.index("start", "f") < rec.index("end", "a")


def test_a_failure_skips_transitive_dependants_but_not_independent_steps():
    steps = plan_of(
        step("a"),
        step("b", "a"),
        step("c", "b"),
        step("slow"),
        step("d", "a", "slow"),  # skipped even though one dependency succeeds later
        step("x"),
        step("y", "x"),
    )
    rec = Recorder(fail={"a"}, delays={"slow": 0.1, "x": 0.05})
    outcomes = execute(steps, rec, parallel=10)
    status = {u: o.status for u, o in outcomes.items()}
    assert status == {
        "a": FAILED,
        "b": SKIPPED,
        "c": SKIPPED,
        "d": SKIPPED,
        "slow": SUCCEEDED,
        "x": SUCCEEDED,
        "y": SUCCEEDED,
    }
    assert set(rec.started()) == {"a", "slow", "x", "y"}
    assert outcomes["a"].error == "a: DSS refused a"  # the failed object named once, in front
    assert outcomes["b"].error == "skipped: a did not succeed"
    assert outcomes["c"].error == "skipped: b did not succeed"
    assert outcomes["y"].error is None


def test_independent_work_finishes_after_a_failure():
    rec = Recorder(fail={"bad"}, delays={"long": 0.15})
    outcomes = execute(plan_of(step("long"), step("bad"), step("after", "long")), rec, parallel=4)
    assert outcomes["bad"].status == FAILED
    assert outcomes["long"].status == SUCCEEDED
    assert outcomes["after"].status == SUCCEEDED
    assert outcomes["long"].seconds >= 0.1


def test_same_steps_are_not_run_and_do_not_block():
    rec = Recorder()
    steps = plan_of(step("p", op=Op.SAME), step("d", "p"), step("r", "d", op=Op.SAME))
    outcomes = execute(steps, rec)
    assert rec.started() == ["d"]
    assert {u: (o.op, o.status) for u, o in outcomes.items()} == {
        "p": ("same", SUCCEEDED),
        "d": ("create", SUCCEEDED),
        "r": ("same", SUCCEEDED),
    }


def test_a_same_step_after_a_failure_is_skipped():
    outcomes = execute(plan_of(step("a"), step("b", "a", op=Op.SAME)), Recorder(fail={"a"}))
    assert outcomes["b"].status == SKIPPED


def test_outcomes_record_the_op_and_all_errors():
    steps = plan_of(step("u", op=Op.UPDATE), step("d", op=Op.DELETE), step("r", op=Op.REPLACE))
    outcomes = execute(steps, Recorder(fail={"u", "r"}))
    assert {u: (o.op, o.status) for u, o in outcomes.items()} == {
        "u": ("update", FAILED),
        "d": ("delete", SUCCEEDED),
        "r": ("replace", FAILED),
    }
    assert outcomes["u"].error == "u: DSS refused u" and outcomes["r"].error == "r: DSS refused r"


def test_listener_sees_start_and_finish():
    seen: list[tuple[str, str, str | None]] = []
    lock = threading.Lock()

    def listener(event, s, outcome):
        with lock:
            seen.append((event, s.urn, outcome.status if outcome else None))

    execute(
        plan_of(step("a"), step("b", "a"), step("s", op=Op.SAME)), Recorder(), listener=listener
    )
    assert seen.index(("start", "a", None)) < seen.index(("finish", "a", SUCCEEDED))
    assert seen.index(("finish", "a", SUCCEEDED)) < seen.index(("start", "b", None))
    assert ("finish", "s", SUCCEEDED) in seen
    assert ("start", "s", None) not in seen  # nothing to run for a same step


def test_a_fatal_error_skips_what_was_not_started():
    steps = plan_of(step("a"), step("b", "a"), step("c"), step("d", "c"))
    rec = Recorder(delays={"c": 0.05})

    def run(s: Step) -> None:
        if s.urn == "a":
            raise LockLostError("lock lost")
        rec(s)

    outcomes = execute(steps, run, parallel=4, fatal=(LockLostError,))
    assert outcomes["a"].status == FAILED
    assert outcomes["c"].status == SUCCEEDED  # in flight: allowed to finish
    assert outcomes["b"].status == SKIPPED
    assert outcomes["d"].status == SKIPPED  # ready after the fatal error: not started
    assert "lock lost" in outcomes["d"].error
    assert rec.started() == ["c"]


def test_a_fatal_error_stops_steps_queued_behind_the_parallel_bound():
    started: list[str] = []

    def run(s: Step) -> None:
        started.append(s.urn)
        if s.urn == "a":
            raise LockLostError("lock lost")

    outcomes = execute(
        plan_of(step("a"), step("b"), step("c")), run, parallel=1, fatal=(LockLostError,)
    )
    assert started == ["a"]
    assert outcomes["b"].status == SKIPPED and outcomes["c"].status == SKIPPED


def test_a_non_fatal_error_does_not_stop_independent_steps():
    outcomes = execute(
        plan_of(step("a"), step("b")), Recorder(fail={"a"}), parallel=1, fatal=(LockLostError,)
    )
    assert outcomes["b"].status == SUCCEEDED


def test_empty_plan():
    assert execute(plan_of(), Recorder()) == {}


class Releasing(Recorder):
    """Steps in ``early`` let their dependants start, then wait until one of them started."""

    def __init__(self, early: set[str], fail: set[str] = frozenset()) -> None:
        super().__init__(fail=fail)
        self.early = early
        self.child_started = threading.Event()

    def __call__(self, s: Step) -> None:
        if s.urn not in self.early:
            if self.early & set(s.deps):
                self.child_started.set()
            return super().__call__(s)
        with self.lock:
            self.events.append(("start", s.urn))
        release_dependants()
        release_dependants()  # said twice (a create retried): its dependants start once
        assert self.child_started.wait(5), "no dependant started while the step ran"
        with self.lock:
            self.events.append(("end", s.urn))
        if s.urn in self.fail:
            raise RuntimeError(f"DSS refused the writes after creating {s.urn}")
        return None


def test_a_step_that_releases_its_dependants_lets_them_start_before_it_ends():
    steps = plan_of(step("project"), step("a", "project"), step("b", "project", "c"), step("c"))
    run = Releasing({"project"})
    outcomes = execute(steps, run, parallel=4)
    assert {o.status for o in outcomes.values()} == {SUCCEEDED}
    assert run.index("start", "a") < run.index("end", "project")
    assert sorted(run.started()) == ["a", "b", "c", "project"]  # each once
    assert run.index("end", "c") < run.index("start", "b")  # its other dependency still counts


def test_a_released_step_that_fails_does_not_skip_what_already_started():
    """What depends on it may already exist (it was made in the project that exists): the
    failure is the step's alone."""
    steps = plan_of(step("project"), step("a", "project"), step("x", "a"))
    run = Releasing({"project"}, fail={"project"})
    outcomes = execute(steps, run, parallel=4)
    assert outcomes["project"].status == FAILED
    assert outcomes["a"].status == SUCCEEDED and outcomes["x"].status == SUCCEEDED


def test_prepare_gets_waiting_steps_and_they_start_only_once_prepared():
    """The calling thread prepares the steps next in line while the workers are busy; a
    worker that frees up waits for a step being prepared rather than overtake it."""
    lock = threading.Lock()
    started: set[str] = set()
    preparing: set[str] = set()
    prepared_then_started: list[str] = []
    handed: list[str] = []

    def prepare(steps: list[Step]) -> None:
        with lock:
            assert not {s.urn for s in steps} & started, "prepared after it started"
            preparing.update(s.urn for s in steps)
            handed.extend(s.urn for s in steps)
        time.sleep(0.004)
        with lock:
            preparing.difference_update(s.urn for s in steps)

    def run(s: Step) -> None:
        with lock:
            assert s.urn not in preparing, "started while being prepared"
            started.add(s.urn)
            if s.urn in handed:
                prepared_then_started.append(s.urn)
        time.sleep(0.01)

    outcomes = execute(
        plan_of(*(step(f"s{i}") for i in range(30))), run, parallel=3, prepare=prepare
    )
    assert {o.status for o in outcomes.values()} == {SUCCEEDED}
    assert len(handed) == len(set(handed)) and len(prepared_then_started) > 10


def test_a_listener_that_raises_stops_the_run_instead_of_hanging():
    def listener(event: str, s: Step, outcome: object) -> None:
        if event == "start" and s.urn == "s5":
            raise RuntimeError("display bug")

    with pytest.raises(RuntimeError, match="display bug"):
        execute(
            plan_of(*(step(f"s{i}") for i in range(12))),
            Recorder(delay=0.005),
            parallel=2,
            listener=listener,
        )


def test_release_outside_the_executor_does_nothing():
    release_dependants()  # a step run alone (``dss import resource``)


# --- checkpointer --------------------------------------------------------------------------


class MemoryBackend:
    """The state-keeping primitives the Checkpointer uses, in memory (the IO seam's fake).

    ``append_journal`` can be slowed down, held, or made to fail; every record it made
    durable is kept in ``appended`` in order.
    """

    url = "mem://"

    def __init__(self) -> None:
        self.doc: Versioned | None = None
        self.journal: dict[int, bytes] = {}
        self.appended: list[bytes] = []
        self.state_writes: list[bytes] = []
        self.delay = 0.0
        self.hold_first: Callable[[], bool] | None = None  # first append waits for it
        self.fail_calls: set[int] = set()  # 1-based append_journal calls that fail
        self.calls = 0
        self.lock = threading.Lock()
        self._versions = 0

    def where(self, stack: str, env: str) -> str:
        return f"mem://{stack}/{env}.json"

    def read_state(self, stack: str, env: str) -> Versioned | None:
        return self.doc

    def write_state(self, stack: str, env: str, data: bytes, *, expected: str | None) -> str:
        current = self.doc.version if self.doc else None
        if current != expected:
            raise StateConflictError(f"expected version {expected}, found {current}")
        self._versions += 1
        self.doc = Versioned(data, str(self._versions))
        self.state_writes.append(data)
        return self.doc.version

    def append_journal(self, stack: str, env: str, seq: int, data: bytes) -> None:
        with self.lock:
            self.calls += 1
            call = self.calls
        if call == 1 and self.hold_first is not None:
            deadline = time.monotonic() + 5
            while not self.hold_first():
                assert time.monotonic() < deadline, "hold_first never became true"
                time.sleep(0.001)
        time.sleep(self.delay)
        if call in self.fail_calls:
            raise OSError(5, "I/O error")
        with self.lock:
            if seq in self.journal:
                raise StateConflictError(f"journal record {seq} exists")
            self.journal[seq] = data
            self.appended.append(data)  # durable once this returns

    def read_journal(self, stack: str, env: str) -> list[bytes]:
        with self.lock:
            return [self.journal[k] for k in sorted(self.journal)]

    def clear_journal(self, stack: str, env: str) -> None:
        with self.lock:
            self.journal.clear()


def res(urn: str) -> ResourceState:
    return ResourceState(urn=urn, type="dss:Project", name=urn, inputs={"key": urn})


def urns_in_record(data: bytes) -> set[str]:
    return {c[1]["urn"] for c in json.loads(data)["changes"] if c[0] == "put"}


def durable_urns(backend: MemoryBackend) -> set[str]:
    with backend.lock:
        return set().union(*(urns_in_record(d) for d in backend.appended))


def new_checkpointer(backend: MemoryBackend, **kw) -> Checkpointer:
    return Checkpointer(backend, State(stack="st", env="dev"), None, **kw)


def run_threads(n: int, target: Callable[[int], None]) -> None:
    threads = [threading.Thread(target=target, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
        assert not t.is_alive()


def test_record_applies_the_change_and_journals_it():
    backend = MemoryBackend()
    cp = new_checkpointer(backend)
    cp.record(Put(res("A")))
    cp.record(Put(res("B")), SetPending(PendingOperation("C", "create", "t", "C", {})))
    cp.record(Remove("A"), ClearPending("C"))
    assert [r.urn for r in cp.state.resources] == ["B"]
    assert cp.state.pending == []
    assert len(backend.appended) == 3 and cp.journal_writes == 3
    docs = [json.loads(d) for d in backend.appended]
    assert [d["seq"] for d in docs] == [1, 2, 3]
    assert [c[0] for c in docs[2]["changes"]] == ["remove", "clear_pending"]


def test_journal_replays_to_the_same_state_and_compact_folds_it():
    backend = MemoryBackend()
    cp = new_checkpointer(backend)
    cp.compact()
    cp.record(Put(res("A")), Put(res("B")))
    cp.record(Remove("A"), SetPending(PendingOperation("C", "create", "t", "C", {"k": 1})))
    loaded, version, _ = load_state(backend, "st", "dev")
    assert version == cp.version
    assert loaded == cp.state
    assert [r.urn for r in loaded.resources] == ["B"] and loaded.pending[0].urn == "C"
    cp.compact()
    assert backend.journal == {}
    doc = from_json(backend.doc.data, where="mem")
    assert [r.urn for r in doc.resources] == ["B"]
    assert load_state(backend, "st", "dev")[0] == cp.state


def test_journal_records_on_an_older_document_are_not_replayed():
    backend = MemoryBackend()
    cp = new_checkpointer(backend)
    cp.compact()
    cp.record(Put(res("A")))
    # Another writer replaced the document the journal was built on.
    backend.write_state("st", "dev", to_json(State(stack="st", env="dev")), expected=cp.version)
    loaded, _, _ = load_state(backend, "st", "dev")
    assert loaded.resources == []


def test_compact_is_conditional():
    backend = MemoryBackend()
    cp = new_checkpointer(backend)
    cp.compact()
    backend.write_state("st", "dev", b"{}", expected=cp.version)  # someone else wrote
    with pytest.raises(StateConflictError):
        cp.compact()


def test_concurrent_records_are_group_committed():
    n = 12
    backend = MemoryBackend()
    backend.delay = 0.01
    cp = new_checkpointer(backend)
    # Hold the first write until every thread has applied its change, so all but the
    # first have to wait and are folded into the next write.
    backend.hold_first = lambda: len(cp.state.resources) == n
    contained: dict[str, bool] = {}

    def worker(i: int) -> None:
        urn = f"R{i}"
        cp.record(Put(res(urn)))
        # Returned: a journal record holding this change is already durable.
        contained[urn] = urn in durable_urns(backend)

    run_threads(n, worker)
    assert contained == {f"R{i}": True for i in range(n)}
    assert len(backend.appended) < n
    assert len(backend.appended) == 2  # the first change alone, then all the others at once
    assert cp.journal_writes == 2
    assert durable_urns(backend) == {f"R{i}" for i in range(n)}


def test_records_return_only_after_a_durable_journal_record_under_load():
    backend = MemoryBackend()
    backend.delay = 0.003
    cp = new_checkpointer(backend)
    bad: list[str] = []

    def worker(i: int) -> None:
        for j in range(5):
            urn = f"R{i}_{j}"
            cp.record(Put(res(urn)))
            if urn not in durable_urns(backend):
                bad.append(urn)

    run_threads(8, worker)
    assert bad == []
    assert len(backend.appended) < 40
    seqs = [json.loads(d)["seq"] for d in backend.appended]
    assert seqs == list(range(1, len(seqs) + 1))


def test_a_failing_journal_write_raises_state_error_to_the_caller():
    backend = MemoryBackend()
    backend.fail_calls = {1}
    cp = new_checkpointer(backend)
    with pytest.raises(StateError, match="I/O error") as info:
        cp.record(Put(res("A")))
    assert isinstance(info.value.__cause__, OSError)
    assert cp.journal_writes == 0
    # the next record succeeds (and does not re-raise the old failure)
    cp.record(Put(res("B")))
    assert cp.journal_writes == 1


def test_ctrl_c_during_a_journal_write_stops_the_writer_not_a_state_error():
    """The executor's thread writes the pending records of waiting steps (``prepare``): a
    Ctrl-C there must stop the run (exit 130), not turn into a failed journal write."""

    class Interrupted(MemoryBackend):
        def append_journal(self, stack: str, env: str, seq: int, data: bytes) -> None:
            raise KeyboardInterrupt

    cp = new_checkpointer(Interrupted())
    with pytest.raises(KeyboardInterrupt):
        cp.record(Put(res("A")))
    # A thread whose change was in that batch is told, in words (no write is made here).
    with pytest.raises(StateError, match="KeyboardInterrupt while it was written"):
        cp.flush()


def test_a_state_error_from_the_backend_is_raised_as_is():
    backend = MemoryBackend()
    cp = new_checkpointer(backend)
    backend.journal[1] = b"taken"
    with pytest.raises(StateConflictError, match="journal record 1 exists"):
        cp.record(Put(res("A")))


def test_a_lost_lock_stops_journal_writes():
    backend = MemoryBackend()

    def guard() -> None:
        raise LockLostError("the lock was broken by someone else")

    cp = new_checkpointer(backend, guard=guard)
    with pytest.raises(LockLostError):
        cp.record(Put(res("A")))
    assert backend.appended == []


def test_every_waiter_of_a_failed_batch_gets_the_error_and_only_them():
    n = 6
    backend = MemoryBackend()
    backend.fail_calls = {2}  # the batch of everyone but the first fails
    cp = new_checkpointer(backend)
    backend.hold_first = lambda: len(cp.state.resources) == n
    results: dict[str, str] = {}

    def worker(i: int) -> None:
        try:
            cp.record(Put(res(f"R{i}")))
            results[f"R{i}"] = "ok"
        except StateError:
            results[f"R{i}"] = "error"

    run_threads(n, worker)
    assert sorted(results.values()) == ["error"] * (n - 1) + ["ok"]
    (ok,) = [u for u, r in results.items() if r == "ok"]
    assert durable_urns(backend) == {ok}
    cp.record(Put(res("LATER")))  # later records work again
    assert "LATER" in durable_urns(backend)
