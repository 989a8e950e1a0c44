"""Run plan steps on a bounded set of workers, each as soon as its dependencies succeeded.

A failed step skips everything that depends on it, directly or not; steps
that do not depend on it run to the end. The executor knows nothing of DSS
or of state: ``run_step`` does the work and checkpointing.

Workers take their next step themselves the moment they finish one: no thread hands
steps out, so a worker goes from one DSS call to the next without waiting for another
thread to be scheduled (with ten workers on a busy machine, that hand-off cost about as
much as a tenth of a call). The calling thread meanwhile prepares the steps next in line
(``prepare``: their pending records), which workers then find ready.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import attrs

from dsspulumi.plan import Plan, Step
from dsspulumi.status import FAILED, SKIPPED, SUCCEEDED
from dsspulumi.urn import logical_name as _short


@attrs.define
class StepOutcome:
    urn: str
    op: str
    status: str
    error: str | None = None
    seconds: float = 0.0
    # A skipped step that never started because the run stopped (not a failed dependency).
    stopped: bool = False
    # What the step raised (for grouping failures by cause); not part of the outcome's value.
    exc: BaseException | None = attrs.field(default=None, repr=False, eq=False)


Listener = Callable[[str, Step, StepOutcome | None], None]


class _Worker(threading.local):
    release: Callable[[], None] | None = None


_worker = _Worker()


def release_dependants() -> None:
    """From inside a running step: the steps that depend on it may start now, before it
    finishes (its object exists, marked, and what they need of it is recorded; see
    ``provider.step_context.exists``). If the step then fails, they are not skipped: what it
    made exists. Outside ``execute`` (one step run alone), nothing happens."""
    if _worker.release is not None:
        _worker.release()


def execute(
    plan: Plan,
    run_step: Callable[[Step], Any],
    *,
    parallel: int = 10,
    listener: Listener | None = None,
    fatal: tuple[type[BaseException], ...] = (),
    halt: Callable[[], str | None] = lambda: None,
    prepare: Callable[[list[Step]], None] | None = None,
) -> dict[str, StepOutcome]:
    """Run every step; an exception of a ``fatal`` type stops starting new ones, and so
    does ``halt`` once it gives a reason (asked before each start: DSS stopped answering).

    ``prepare`` is handed the next steps that wait for a free worker (up to two rounds of
    workers, once fewer than one round is prepared), while every worker is busy: what they
    can do before their start is done then (their pending records). It runs in the calling
    thread, never at the same time as those steps.

    Returns one outcome per step: succeeded, failed, or skipped (a dependency did
    not succeed, or the run was stopped).
    """
    return _Execution(plan, run_step, parallel, listener, fatal, halt, prepare).run()


Event = tuple[str, Step, "StepOutcome | None"]


class _Execution:
    """One ``execute``: the steps' bookkeeping, shared by the workers under ``cond``.

    Listener events are collected under the lock and told after it is released, by the
    thread that caused them (a step's start before its run, its finish after), so a slow
    listener never holds the other workers up.
    """

    def __init__(
        self,
        plan: Plan,
        run_step: Callable[[Step], Any],
        parallel: int,
        listener: Listener | None,
        fatal: tuple[type[BaseException], ...],
        halt: Callable[[], str | None],
        prepare: Callable[[list[Step]], None] | None,
    ) -> None:
        self.run_step = run_step
        self.parallel = max(1, parallel)
        self.notify = listener or (lambda *_: None)
        self.fatal = fatal
        self.halt = halt
        self.prepare = prepare
        self.steps = {s.urn: s for s in plan.steps}
        self.waiting = {s.urn: set(s.deps) for s in plan.steps}
        self.dependants: dict[str, list[str]] = {}
        for s in plan.steps:
            for d in s.deps:
                self.dependants.setdefault(d, []).append(s.urn)
        self.ready: deque[str] = deque(s.urn for s in plan.steps if not s.deps)
        self.outcomes: dict[str, StepOutcome] = {}
        self.running: dict[str, float] = {}
        self.stopped: list[str] = []
        # Steps that let their dependants start before finishing (``release_dependants``).
        self.released: set[str] = set()
        self.preparing: set[str] = set()  # handed to ``prepare``, not back yet
        self.prepared: set[str] = set()  # back from ``prepare``, not started yet
        self.cancelled = False  # Ctrl-C (or a bug) in the calling thread: start nothing new
        self.crash: BaseException | None = None  # what broke a worker outside its steps
        self.workers = 0
        self.cond = threading.Condition()

    def run(self) -> dict[str, StepOutcome]:
        # The steps ready at the start are claimed here, all at once, so that they all start
        # (a fatal error in the first one started must not stop the others, as if by race).
        events: list[Event] = []
        with self.cond:
            first = [self._start(step, events) for step in iter(lambda: self._claim(events), None)]
        self._tell(events)
        count = min(self.parallel, len(self.steps))
        threads = [
            threading.Thread(
                target=self._work,
                args=(first[i] if i < len(first) else None,),
                name=f"dss-step_{i}",
                daemon=True,
            )
            for i in range(count)
        ]
        self.workers = len(threads)
        for thread in threads:
            thread.start()
        try:
            self._prepare_while_running()
            for thread in threads:
                thread.join()
        except BaseException:
            # Ctrl-C or a bug: start nothing new, let in-flight calls finish and be recorded.
            with self.cond:
                self.cancelled = True
                self.cond.notify_all()
            for thread in threads:
                thread.join()
            raise
        if self.crash is not None:
            raise self.crash
        for urn in self.steps:
            if urn not in self.outcomes:
                reason = self.stopped[0] if self.stopped else "not reached"
                self.outcomes[urn] = self._not_started(urn, reason)
        return self.outcomes

    # --- the workers ----------------------------------------------------------------------
    def _work(self, step: Step | None) -> None:
        events: list[Event] = []
        try:
            if step is not None:
                self._run_one(step, events)
                self._tell(events)
            while True:
                with self.cond:
                    step = self._claim(events)
                    while step is None and not self._nothing_left():
                        self.cond.wait()
                        step = self._claim(events)
                    if step is not None:
                        self._start(step, events)
                        self.cond.notify_all()  # the calling thread may prepare the next ones
                self._tell(events)
                if step is None:
                    return
                self._run_one(step, events)
                self._tell(events)
        except BaseException as exc:  # a listener's bug: the run stops, and says why
            with self.cond:
                self.crash = self.crash or exc
                self.cancelled = True
        finally:
            with self.cond:
                self.workers -= 1
                self.cond.notify_all()

    def _claim(self, events: list[Event]) -> Step | None:
        """The next step to start (under the lock), settling on the way those that need no
        worker: nothing to send, or not to be started because the run stopped."""
        while self.ready and not self.cancelled and len(self.running) < self.parallel:
            urn = self.ready[0]
            if urn in self.preparing:
                return None  # being prepared: wait for it rather than overtake it
            self.ready.popleft()
            if urn in self.outcomes:
                continue
            step = self.steps[urn]
            if not step.changes:  # same, or a lookup checked before the run
                self._finish(urn, StepOutcome(urn, str(step.op), SUCCEEDED), events)
                continue
            reason = self._stop_reason()
            if reason is not None:
                self._finish(urn, self._not_started(urn, reason), events)
                continue
            return step
        return None

    def _start(self, step: Step, events: list[Event]) -> Step:
        self.running[step.urn] = time.monotonic()
        self.prepared.discard(step.urn)
        events.append(("start", step, None))
        return step

    def _nothing_left(self) -> bool:
        """No step will become ready for this worker: stop waiting."""
        return self.cancelled or (not self.running and not self.ready)

    def _run_one(self, step: Step, events: list[Event]) -> None:
        _worker.release = lambda: self._release(step.urn)
        error: BaseException | None = None
        try:
            self.run_step(step)
        except BaseException as exc:  # noqa: BLE001 - a step's failure is its outcome
            error = exc
        finally:
            _worker.release = None
        with self.cond:
            seconds = time.monotonic() - self.running.pop(step.urn)
            urn, op = step.urn, str(step.op)
            if error is None:
                self._finish(urn, StepOutcome(urn, op, SUCCEEDED, seconds=seconds), events)
            else:
                if isinstance(error, self.fatal) and not self.stopped:
                    self.stopped.append(str(error))
                message = _about_step(str(error), step)
                outcome = StepOutcome(urn, op, FAILED, message, seconds, exc=error)
                self._finish(urn, outcome, events)
            self.cond.notify_all()

    def _release(self, urn: str) -> None:
        with self.cond:
            if urn not in self.released and urn not in self.outcomes:
                self.released.add(urn)
                self._free_dependants(urn)
                self.cond.notify_all()

    def _tell(self, events: list[Event]) -> None:
        for event, step, outcome in events:
            self.notify(event, step, outcome)
        events.clear()

    # --- bookkeeping (under the lock) -----------------------------------------------------
    def _free_dependants(self, urn: str) -> None:
        for child in self.dependants.get(urn, []):
            if child in self.outcomes:
                continue
            self.waiting[child].discard(urn)
            if not self.waiting[child]:
                self.ready.append(child)

    def _finish(self, urn: str, outcome: StepOutcome, events: list[Event]) -> None:
        self.outcomes[urn] = outcome
        events.append(("finish", self.steps[urn], outcome))
        if urn in self.released:
            return  # its dependants were let go when it said so
        if outcome.status == SUCCEEDED:
            self._free_dependants(urn)
            return
        for child in self.dependants.get(urn, []):
            if child not in self.outcomes:
                self._skip(child, urn, events)

    def _skip(self, urn: str, because: str, events: list[Event]) -> None:
        reason = self._stop_reason()
        if reason is not None:
            self._finish(urn, self._not_started(urn, reason), events)
            return
        op = str(self.steps[urn].op)
        outcome = StepOutcome(urn, op, SKIPPED, f"skipped: {_short(because)} did not succeed")
        self._finish(urn, outcome, events)

    def _stop_reason(self) -> str | None:
        if not self.stopped:
            reason = self.halt()
            if reason is not None:
                self.stopped.append(reason)
        return self.stopped[0] if self.stopped else None

    def _not_started(self, urn: str, reason: str) -> StepOutcome:
        op = str(self.steps[urn].op)
        return StepOutcome(urn, op, SKIPPED, f"skipped: the run stopped ({reason})", stopped=True)

    # --- the calling thread ---------------------------------------------------------------
    def _prepare_while_running(self) -> None:
        """Until the workers are done: while every one is busy, prepare the steps next in
        line. A worker that frees up waits for a step being prepared rather than overtake
        it, so a step is never prepared and started at once."""
        with self.cond:
            while self.workers:
                todo = self._to_prepare()
                if not todo:
                    self.cond.wait()
                    continue
                urns = {s.urn for s in todo}
                self.preparing |= urns
                self.cond.release()
                try:
                    assert self.prepare is not None
                    self.prepare(todo)
                finally:
                    self.cond.acquire()
                    self.preparing -= urns
                    self.prepared |= urns
                    self.cond.notify_all()

    def _to_prepare(self) -> list[Step]:
        if self.prepare is None or self.stopped or self.cancelled:
            return []
        if len(self.running) < self.parallel:
            return []  # a worker is about to take the first in line
        # Two rounds of workers in line; prepared once fewer than one round is, so that one
        # journal write holds a round of pending records (not one per step started).
        window = list(itertools.islice(self.ready, 2 * self.parallel))
        if sum(1 for u in window if u in self.prepared) >= self.parallel:
            return []
        nxt = (self.steps[u] for u in window)
        return [
            s
            for s in nxt
            if s.changes and s.urn not in self.outcomes and s.urn not in self.prepared
        ]


def _about_step(message: str, step: Step) -> str:
    """A step's error, naming the step's object once, in front.

    The runner's own errors start with the object's name (they are also raised for one object
    outside any step, by ``dss import resource``); DSS's and the providers' do not. Every
    failure gets the name here, once, so that ``--json``'s ``error`` stands on its own and
    the display never adds it again (``HANDPROJ: HANDPROJ: ...``).
    """
    prefix = f"{step.logical_name}: "
    return message if message.startswith(prefix) else prefix + message
