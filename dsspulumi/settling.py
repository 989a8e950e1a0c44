"""Steps whose last write has an unknown outcome: settled by reading DSS, then converged.

The transport retries every idempotent call on a 5xx or a lost connection, but its budget
can run out (at a 20% fault rate, six failures in a row happen about once in 16,000 calls,
so a few times in a hundred runs of a 100-object stack). When it does, the write may or
may not have been applied: that is never where a step is left. The object is read back
and what it holds decides:

- a create whose call was answered (``PartialCreateError``: DSS made the object, the
  writes after it failed) or whose object carries this run's mark is ours: the rest of
  its settings are converged with a fresh read-modify-write (``update``);
- a create not found afterwards is tried again; found with another mark, it is a conflict;
- an update or delete is simply run again: both are read-modify-write or idempotent,
  and both prove ownership by the mark each time before writing.

Each of those rounds has a budget of its own (``retries``, with backoff). If it runs out
too, the step fails and the engine records what DSS was last seen to hold
(``StepRunner._settle_after_failure``): state stays truthful and the next run's diff
converges the rest. An unreachable DSS (``DssConnectionError``) is never retried here:
the transport has already spent its budget on it, and DSS being down is not a question
another read can answer.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any, TypeVar

from dsspulumi.errors import ConflictError, DssConnectionError, PartialCreateError, TransientError
from dsspulumi.faults import crash_point
from dsspulumi.provider import Found, Mark, Provider, RetryEvent

T = TypeVar("T")


def unknown_outcome(exc: BaseException) -> bool:
    """A failure after which a write may or may not have been applied (retries spent)."""
    if isinstance(exc, PartialCreateError):
        return isinstance(exc.__cause__, TransientError)
    return isinstance(exc, TransientError)


UNKNOWN = " (the outcome is unknown)"


def partial_create(first: PartialCreateError | None, last: Exception) -> PartialCreateError:
    """The error of a create DSS answered whose later rounds failed too: the first error's
    words ("X was created, but the writes after its creation failed: ") with the last cause."""
    cause = str(first.__cause__) if first is not None else ""
    if first is None or not cause or not first.message.endswith(cause):
        return PartialCreateError(str(last))
    return PartialCreateError(first.message[: -len(cause)] + str(last))


def settled_message(message: str, note: str) -> str:
    """The error of a step that failed with an unknown outcome, once DSS was read: what
    the state now holds replaces the uncertainty."""
    settled = message.replace(UNKNOWN, "")
    return f"{settled}; DSS was read afterwards: {note}; running the command again finishes it"


class StepRetry:
    """The step-level rounds above the transport's per-call retries (see module doc)."""

    def __init__(
        self,
        retries: int,
        base_delay: float,
        on_retry: Callable[[RetryEvent], None],
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.retries = retries
        self.base_delay = base_delay
        self.on_retry = on_retry
        self.sleep = sleep

    def _wait(self, attempt: int, what: str, name: str, urn: str, reason: str) -> None:
        delay = random.uniform(0, min(5.0, self.base_delay * 2**attempt))
        self.on_retry(
            RetryEvent(
                method=what,
                path=name,
                attempt=attempt + 1,
                attempts=self.retries + 1,
                reason=reason,
                delay=round(delay, 3),
                urn=urn,
            )
        )
        self.sleep(delay)

    def again(self, what: str, name: str, urn: str, call: Callable[[], T]) -> T:
        """Run an update or delete; after a failure of unknown outcome, run it again."""
        attempt = 0
        while True:
            try:
                return call()
            except TransientError as exc:
                if attempt >= self.retries:
                    raise
                self._wait(attempt, what, name, urn, f"{exc}; running it again")
                attempt += 1

    def create(
        self,
        provider: Provider,
        plain: dict[str, Any],
        mark: Mark,
        *,
        name: str,
        urn: str,
        ours: Callable[[Found], bool],
        conflict: Callable[[], ConflictError],
    ) -> dict[str, Any]:
        """Create, never twice: after a failure of unknown outcome, DSS is read first.

        ``ours`` says whether an object found carries proof of this operation (its mark, or
        its creation moments after the name was found free). An object whose create call
        DSS answered is ours even unmarked. Ours: converged with an ``update`` (settings
        and mark). Absent: created again. Anyone else's: ``conflict``.
        """
        attempt = 0
        made = False  # proven ours: DSS answered the create call, or the object has our proof
        check = False  # a create call's outcome is still unknown: read DSS before anything
        last: Exception
        partial: PartialCreateError | None = None
        while True:
            phase = "check" if check else "converge" if made else "create"
            try:
                if check:
                    made, check = self._ours_in_dss(provider, plain, ours, conflict), False
                    phase = "converge" if made else "create"
                if made:
                    found = provider.inspect(plain, {})
                    if found is not None:
                        if found.mark is not None and not ours(found):
                            raise conflict()
                        return provider.update(
                            found.inputs, plain, found.outputs or {}, owner=found.mark, mark=mark
                        )
                    made, phase = False, "create"  # made, then deleted in DSS: make it again
                try:
                    return provider.create(plain, mark)
                finally:
                    crash_point("after-create", name)
            except PartialCreateError as exc:
                if not unknown_outcome(exc):
                    raise
                made, last, partial = True, exc, exc
                reason = f"{exc.__cause__}; DSS made it, its settings are written again"
            except (TransientError, DssConnectionError) as exc:
                last = exc
                if phase != "create":
                    if isinstance(exc, DssConnectionError):
                        raise  # DSS is unreachable: another round would only wait longer
                    reason = f"{exc}; DSS is read again before anything else"
                    check = phase == "check"
                else:
                    # The create call's outcome is unknown: DSS is read at once.
                    try:
                        made = self._ours_in_dss(provider, plain, ours, conflict)
                    except TransientError as unread:
                        check, last = True, unread
                        reason = f"{exc}; DSS could not be read afterwards"
                    else:
                        if made:
                            continue  # converged at once, without waiting
                        reason = f"{exc}; not in DSS afterwards"
            if attempt >= self.retries:
                if made and not isinstance(last, PartialCreateError):
                    # DSS made it: the engine must know so when it settles the step.
                    raise partial_create(partial, last) from last
                raise last
            self._wait(attempt, "create", name, urn, reason)
            attempt += 1

    @staticmethod
    def _ours_in_dss(
        provider: Provider,
        plain: dict[str, Any],
        ours: Callable[[Found], bool],
        conflict: Callable[[], ConflictError],
    ) -> bool:
        """After a create call of unknown outcome: True if the object is in DSS with this
        operation's proof, False if absent; someone else's is a conflict."""
        found = provider.inspect(plain, {})
        if found is not None and not ours(found):
            raise conflict()
        return found is not None
