"""DSS stopped answering mid-run: when, and the one sentence that tells the user.

A run has one ``Outage`` at most (``ProviderRegistry.outage``): set when a call spent its
retries on connections that were refused or timed out, after which no new step starts and
every further call fails at once (``providers/dss/breaker.py``). The engine and the display
know only this record, nothing of HTTP.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import attrs

from dsspulumi.errors import DssConnectionError, StateError


@attrs.frozen
class Outage:
    """Where DSS stopped answering, and since when (epoch seconds: the first connection of
    the failing streak that was refused or timed out)."""

    url: str
    since: float
    # Whether DSS had answered this run before: if not, it did not *stop* answering, it was
    # never reached (a wrong URL), and the plain "cannot reach DSS" error says it better.
    was_up: bool = True

    @property
    def clock(self) -> str:
        """Local wall-clock time, as the user's terminal shows it."""
        return time.strftime("%H:%M:%S", time.localtime(self.since))

    @property
    def headline(self) -> str:
        return f"DSS at {self.url} stopped answering at {self.clock}"

    def summary(self, done: int, not_started: int) -> str:
        """The summary line of an ``up``/``destroy`` that names the cause (a contract)."""
        return f"{self.headline}; {done} steps done and recorded, {not_started} not started"

    def to_json(self, *, done: int, failed: int, not_started: int) -> dict[str, Any]:
        return {
            "url": self.url,
            "at": datetime.fromtimestamp(self.since, UTC).isoformat().replace("+00:00", "Z"),
            "at_local": self.clock,
            "done": done,
            "failed": failed,
            "not_started": not_started,
        }


class DssUnreachableError(DssConnectionError):
    """A call found DSS unreachable: every connection refused or timed out, its retries
    spent (or DSS already known down in this run). ``cause`` is what every step that met
    it has in common, for the summary's one line per cause."""

    def __init__(self, url: str, what: str) -> None:
        super().__init__(
            f"cannot reach DSS at {url} while trying to {what}; check the URL and that DSS is up"
        )
        self.cause = f"cannot reach DSS at {url}"


class DssOutageError(DssConnectionError):
    """DSS stopped answering during a command that stops as a whole (refresh, the reads
    before a plan): says so once, with when, and what to do."""

    def __init__(self, outage: Outage, what: str, command: str) -> None:
        super().__init__(
            f"{outage.headline}; {what}. Run `{command}` again when DSS is back",
        )
        self.outage = outage


F = TypeVar("F", bound=Callable[..., Any])


def stops_when_dss_down(what: str) -> Callable[[F], F]:
    """For a command that stops as a whole when DSS stops answering (refresh; the reads
    before a plan): its error becomes the one sentence that says so, when, and ``what``
    became of the state. The run's registry is the ``dss`` attribute of the command's
    object (set once the registry is made), its command line ``command``."""

    def wrap(method: F) -> F:
        @functools.wraps(method)
        def run(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                return method(self, *args, **kwargs)
            except (StateError, DssOutageError):
                raise
            except Exception as exc:
                registry = getattr(self, "dss", None)
                outage = registry.outage() if registry is not None else None
                if outage is None or not outage.was_up:
                    raise
                raise DssOutageError(outage, what, self.command) from exc

        return run  # type: ignore[return-value]

    return wrap
