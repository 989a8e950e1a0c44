"""Failures said once per cause, and retries that do not flood the terminal.

When DSS stops answering, or a stack names a connection that does not exist, dozens of steps
fail for one reason. A summary listing each would bury the reason: failures with the same
cause are one line, with a count and the first few names. While the run goes on, retries of
connections that fail are shown once in a while, not once per step and attempt.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

import attrs

from dsspulumi.errors import DssConnectionError
from dsspulumi.status import FAILED, SUCCEEDED
from dsspulumi.urn import logical_name

if TYPE_CHECKING:
    from dsspulumi.engine import RunResult
    from dsspulumi.executor import StepOutcome
    from dsspulumi.provider import RetryEvent

SHOWN_NAMES = 3


@attrs.frozen
class FailureGroup:
    cause: str
    names: tuple[str, ...]
    first_error: str  # the whole message of the first one (said as is when alone)

    def describe(self) -> str:
        if len(self.names) == 1:
            name = self.names[0]
            # Step errors start with their object's name already: never say it twice.
            if self.first_error.startswith(f"{name}: "):
                return self.first_error
            return f"{name}: {self.first_error}"
        shown = ", ".join(self.names[:SHOWN_NAMES])
        more = ", …" if len(self.names) > SHOWN_NAMES else ""
        return f"{len(self.names)} steps failed: {self.cause} ({shown}{more})"


def cause_of(name: str, error: str, cause: str | None = None) -> str:
    """What a failure has in common with others of the same cause: the explicit ``cause``
    the error carries, else its message without the step's own name."""
    if cause:
        return cause
    text = error.removeprefix(f"{name}: ")
    return re.sub(rf"(?<![\w.]){re.escape(name)}(?![\w])", "…", text)


def group_failures(failures: Iterable[tuple[str, str, str | None]]) -> list[FailureGroup]:
    """(name, error, cause) per failed step, in order: one group per cause, in the order
    each cause was first met."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for name, error, cause in failures:
        groups.setdefault(cause_of(name, error, cause), []).append((name, error))
    return [
        FailureGroup(cause, tuple(n for n, _ in members), members[0][1])
        for cause, members in groups.items()
    ]


def failed_groups(result: RunResult) -> list[FailureGroup]:
    return group_failures(
        (logical_name(o.urn), o.error or "", getattr(o.exc, "cause", None))
        for o in result.outcomes.values()
        if o.status == FAILED
    )


@attrs.frozen
class Progress:
    """How far a run got, over the steps that change something."""

    done: int
    failed: int
    not_started: int


def progress(result: RunResult) -> Progress:
    done = failed = not_started = 0
    for step in result.plan.steps:
        outcome = result.outcomes.get(step.urn)
        if not step.changes or outcome is None:
            continue
        if outcome.status == SUCCEEDED:
            done += 1
        elif outcome.status == FAILED:
            failed += 1
        else:
            not_started += 1
    return Progress(done, failed, not_started)


def is_unreachable(outcome: StepOutcome) -> bool:
    """A step failure that says DSS could not be reached (said once while the run goes on)."""
    return isinstance(outcome.exc, DssConnectionError)


CONNECTIVITY = ("connection failed", "connection lost")


class RetryDigest:
    """Which retries to show: every one DSS answered (a 5xx), but of the connections that
    failed (refused, timed out, dropped) one per ``every`` seconds, the next one counting
    those not shown. When DSS dies, every step in flight retries at once, and then again."""

    def __init__(self, every: float = 10.0) -> None:
        self.every = every
        self._last: float | None = None
        self._hidden = 0

    def line(self, event: RetryEvent) -> str | None:
        who = f"{event.urn.rsplit('::', 1)[-1]}: " if event.urn else ""
        text = f"{who}{event.describe()}"
        if event.reason not in CONNECTIVITY:
            return text
        now = time.monotonic()
        if self._last is not None and now - self._last < self.every:
            self._hidden += 1
            return None
        self._last = now
        if self._hidden:
            text += f" (and {self._hidden} more failed connections not shown)"
            self._hidden = 0
        return text
