"""What a run reports while it runs, as typed events for ``on_event``.

Every event has the same five fields, so a consumer that only logs needs no ``isinstance``:
``urn`` (None for a note about the whole run), ``operation`` (``create``, ``update``,
``delete``... for a step; the HTTP method for a retry), ``status``, ``duration`` (seconds: a
finished step's, a retry's wait) and ``message``. The CLI's live progress is one consumer;
it also reads the engine objects an event carries (``step``, ``outcome``, ``retry``), which
are not part of an event's value.

``on_event`` is called from the run's worker threads (steps run in parallel): a consumer
that keeps state guards it; one that raises stops nothing, the error is dropped.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from dsspulumi.executor import StepOutcome
    from dsspulumi.plan import Plan, Step
    from dsspulumi.provider import RetryEvent

_log = logging.getLogger("dsspulumi.automation")

RUNNING = "running"
RETRYING = "retrying"
NOTICE = "notice"
PROGRESS = "progress"


@attrs.frozen
class Event:
    """One thing that happened during a run."""

    urn: str | None
    operation: str
    status: str
    duration: float = 0.0
    message: str = ""


@attrs.frozen
class StepStarted(Event):
    """A step (create, update, replace, delete...) began; ``status`` is ``running``."""

    step: Step | None = attrs.field(default=None, eq=False, repr=False)


@attrs.frozen
class StepFinished(Event):
    """A step ended: ``status`` is ``succeeded``, ``failed`` or ``skipped``; ``message`` is
    the error of a step that did not succeed; ``duration`` how long it ran."""

    step: Step | None = attrs.field(default=None, eq=False, repr=False)
    outcome: StepOutcome | None = attrs.field(default=None, eq=False, repr=False)


@attrs.frozen
class StepRetried(Event):
    """A DSS call failed transiently and is tried again after ``duration`` seconds; ``urn``
    is the step's when a step made the call."""

    retry: RetryEvent | None = attrs.field(default=None, eq=False, repr=False)


@attrs.frozen
class Diagnostic(Event):
    """A note: ``status`` is ``notice`` (about the run: a new stack, a setting made) or
    ``progress`` (a long task of the step ``urn``, e.g. a code env build)."""


OnEvent = Callable[[Event], Any]


class EventListener:
    """The engine's ``Listener``, turned into events for ``on_event``; keeps the retries
    (the ``--json`` document lists them) and the plan the run made."""

    def __init__(self, on_event: OnEvent | None = None) -> None:
        self.on_event = on_event
        self.retries: list[RetryEvent] = []
        self.plan: Plan | None = None
        self._lock = threading.Lock()

    def _emit(self, event: Event) -> None:
        if self.on_event is None:
            return
        try:
            self.on_event(event)
        except Exception:  # noqa: BLE001 - a consumer's bug must not break the run
            _log.debug("on_event raised on %r", event, exc_info=True)

    # engine.Listener
    def notice(self, message: str) -> None:
        self._emit(Diagnostic(None, "", NOTICE, message=message))

    def plan_ready(self, plan: Plan) -> None:
        self.plan = plan

    def step(self, event: str, step: Step, outcome: StepOutcome | None) -> None:
        if not step.changes:  # same, or a lookup: nothing runs
            return
        op = str(step.op)
        if event == "start" or outcome is None:
            self._emit(StepStarted(step.urn, op, RUNNING, step=step))
            return
        self._emit(
            StepFinished(
                step.urn,
                op,
                outcome.status,
                outcome.seconds,
                outcome.error or "",
                step=step,
                outcome=outcome,
            )
        )

    def retry(self, event: RetryEvent) -> None:
        with self._lock:
            self.retries.append(event)
        self._emit(
            StepRetried(
                event.urn, event.method, RETRYING, event.delay, event.describe(), retry=event
            )
        )

    def progress(self, urn: str | None, message: str) -> None:
        self._emit(Diagnostic(urn, "", PROGRESS, message=message))
