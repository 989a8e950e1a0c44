"""One circuit breaker per DSS session: once DSS is found down, every call fails at once.

Without it, each step of a run spends its own retry budget (seconds of backoff) on a DSS
that is gone, then its settlement reads spend another: a 600-step ``up`` ran on for minutes
after DSS died. The breaker opens when a call has spent all its retries on connections that
were refused or timed out (never on a 5xx or a 4xx: DSS answered those). Open, it stays
open for the rest of the session: the run stops starting steps, steps in flight fail fast,
and what they left pending is settled by the next run, by reading DSS.

A breaker belongs to one ``DssSession`` (so to one run), never to the module: several runs
may live in one process.
"""

from __future__ import annotations

import threading
import time

import requests

from dsspulumi.outage import Outage


class DssDown(requests.exceptions.ConnectionError):
    """Raised instead of sending a request once the breaker is open (nothing was sent)."""


class Breaker:
    def __init__(self, url: str) -> None:
        self.url = url
        self._lock = threading.Lock()
        self._failing_since: float | None = None  # first refused connection since an answer
        self._answered = False
        self._outage: Outage | None = None

    @property
    def outage(self) -> Outage | None:
        return self._outage

    def check(self) -> None:
        """Before each attempt: refuse to send once DSS is known to be down."""
        outage = self._outage
        if outage is not None:
            raise DssDown(f"{outage.headline}; not sent")

    def answered(self) -> None:
        """DSS answered (any status): a failing streak, if any, is over."""
        self._answered = True
        if self._failing_since is not None and self._outage is None:
            with self._lock:
                self._failing_since = None

    def refused(self) -> None:
        """A connection could not be opened (refused or timed out)."""
        with self._lock:
            if self._failing_since is None:
                self._failing_since = time.time()

    def trip(self) -> None:
        """A call spent its retries on refused connections: DSS is down for this session."""
        with self._lock:
            if self._outage is None:
                since = self._failing_since if self._failing_since is not None else time.time()
                self._outage = Outage(self.url, since, was_up=self._answered)
