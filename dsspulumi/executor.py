"""Run plan steps on a bounded thread pool, each as soon as its dependencies succeeded.

A failed step skips everything that depends on it, directly or not; steps
that do not depend on it run to the end. The executor knows nothing of DSS
or of state: ``run_step`` does the work and checkpointing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
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

    ``prepare`` is handed the next steps that wait for a free worker, while every worker
    is busy: what they can do before their start is done then (their pending records).

    Returns one outcome per step: succeeded, failed, or skipped (a dependency did
    not succeed, or the run was stopped).
    """
    notify = listener or (lambda *_: None)
    steps = {s.urn: s for s in plan.steps}
    waiting = {s.urn: set(s.deps) for s in plan.steps}
    dependants: dict[str, list[str]] = {}
    for s in plan.steps:
        for d in s.deps:
            dependants.setdefault(d, []).append(s.urn)
    outcomes: dict[str, StepOutcome] = {}
    ready = [s.urn for s in plan.steps if not s.deps]
    running: dict[Future[Any], tuple[str, float]] = {}
    stopped: list[str] = []
    # Steps that let their dependants start before finishing (``release_dependants``): told
    # by the workers through ``early``, and ``wake`` interrupts the main loop's wait.
    released: set[str] = set()
    lock = threading.Lock()
    early: list[str] = []
    wake: list[Future[None]] = [Future()]

    def release(urn: str) -> None:  # in a worker thread
        with lock:
            early.append(urn)
            if not wake[0].done():
                wake[0].set_result(None)

    def work(step: Step) -> Any:
        _worker.release = lambda: release(step.urn)
        try:
            return run_step(step)
        finally:
            _worker.release = None

    def take_early() -> None:
        with lock:
            urns, early[:] = list(early), []
            if wake[0].done():
                wake[0] = Future()
        for urn in urns:
            if urn not in released and urn not in outcomes:
                released.add(urn)
                free_dependants(urn)

    def free_dependants(urn: str) -> None:
        for child in dependants.get(urn, []):
            if child in outcomes:
                continue
            waiting[child].discard(urn)
            if not waiting[child]:
                ready.append(child)

    def finish(urn: str, outcome: StepOutcome) -> None:
        outcomes[urn] = outcome
        notify("finish", steps[urn], outcome)
        if urn in released:
            return  # its dependants were let go when it said so
        if outcome.status == SUCCEEDED:
            free_dependants(urn)
            return
        for child in dependants.get(urn, []):
            if child not in outcomes:
                skip(child, urn)

    def stop_reason() -> str | None:
        if not stopped:
            reason = halt()
            if reason is not None:
                stopped.append(reason)
        return stopped[0] if stopped else None

    def not_started(urn: str, reason: str) -> StepOutcome:
        op = str(steps[urn].op)
        return StepOutcome(urn, op, SKIPPED, f"skipped: the run stopped ({reason})", stopped=True)

    def skip(urn: str, because: str) -> None:
        reason = stop_reason()
        if reason is not None:
            finish(urn, not_started(urn, reason))
            return
        finish(
            urn,
            StepOutcome(
                urn, str(steps[urn].op), SKIPPED, f"skipped: {_short(because)} did not succeed"
            ),
        )

    with ThreadPoolExecutor(max_workers=max(1, parallel), thread_name_prefix="dss-step") as pool:
        try:
            while ready or running:
                while ready and len(running) < max(1, parallel):
                    urn = ready.pop(0)
                    if urn in outcomes:
                        continue
                    step = steps[urn]
                    if not step.changes:  # same, or a lookup checked before the run
                        finish(urn, StepOutcome(urn, str(step.op), SUCCEEDED))
                        continue
                    reason = stop_reason()
                    if reason is not None:
                        finish(urn, not_started(urn, reason))
                        continue
                    notify("start", step, None)
                    running[pool.submit(work, step)] = (urn, time.monotonic())
                if not running:
                    break
                if prepare is not None and ready and not stopped:
                    nxt = [steps[u] for u in ready[: max(1, parallel)] if u not in outcomes]
                    prepare([s for s in nxt if s.changes])
                done, _ = wait([*running, wake[0]], return_when=FIRST_COMPLETED)
                take_early()
                for fut in done:
                    if fut not in running:
                        continue  # the wake-up of a release
                    urn, started = running.pop(fut)
                    exc = fut.exception()
                    seconds = time.monotonic() - started
                    op = str(steps[urn].op)
                    if exc is None:
                        finish(urn, StepOutcome(urn, op, SUCCEEDED, seconds=seconds))
                    else:
                        if isinstance(exc, fatal) and not stopped:
                            stopped.append(str(exc))
                        error = _about_step(str(exc), steps[urn])
                        finish(urn, StepOutcome(urn, op, FAILED, error, seconds, exc=exc))
            for urn in steps:
                if urn not in outcomes:
                    outcomes[urn] = not_started(urn, stopped[0] if stopped else "not reached")
        except BaseException:
            # Ctrl-C or a bug: start nothing new, let in-flight calls finish and be recorded.
            for fut in running:
                fut.cancel()
            raise
    return outcomes


def _about_step(message: str, step: Step) -> str:
    """A step's error, naming the step's object once, in front.

    The runner's own errors start with the object's name (they are also raised for one object
    outside any step, by ``dss import resource``); DSS's and the providers' do not. Every
    failure gets the name here, once, so that ``--json``'s ``error`` stands on its own and
    the display never adds it again (``HANDPROJ: HANDPROJ: ...``).
    """
    prefix = f"{step.logical_name}: "
    return message if message.startswith(prefix) else prefix + message
