"""Finding names free for a create, one listing per project and kind instead of a read each.

A kind whose mark may not be in DSS from its first instant (its creation call cannot carry
it, or DSS has not yet been seen to keep it: ``creation``) must prove, before its create
call, that the name was free, and when: an unmarked object DSS created just after is then
this operation's (``engine.settlement.created_by``). That proof used to be one GET per
object, timed by its answer's ``Date`` header. Here it is one listing of the project's
objects of that kind, timed the same way: DSS's clock as its answer says it, read once per
listing (not once per object), with no clock of ours involved.

A name absent from the listing was free when DSS answered it; that answer's time is the
claim, so the adoption rule is unchanged: an unmarked object created within
``CLAIM_WINDOW`` of that time. A listing serves the creates of the next ``MAX_AGE`` seconds
(well inside the window), then is read again. A name the listing shows taken is not decided
here (None): the caller reads that object, as before, and finds the conflict.

A project this run created needs no listing: it held nothing when DSS answered its creation,
so every name in it was free at that answer's time (``project_created``), which serves as
the listing's for the same ``MAX_AGE``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable

from dsspulumi.providers.dss.transport import server_clock

#: How long one listing answers for names (seconds, local monotonic clock).
MAX_AGE = 30.0


class NameListings:
    """The listings of one run (one DSS session), by (project, kind)."""

    def __init__(self, max_age: float = MAX_AGE) -> None:
        self.max_age = max_age
        self._lock = threading.Lock()
        self._locks: dict[tuple[str, str], threading.Lock] = {}
        self._listed: dict[tuple[str, str], tuple[frozenset[str], float | None, float]] = {}
        self._empty: dict[str, tuple[float, float]] = {}  # project -> (DSS time, monotonic)

    def free_since(
        self, project_key: str, kind: str, name: str, names: Callable[[], Iterable[str]]
    ) -> float | None:
        """DSS's time at which ``name`` was seen free, or None (taken, or no DSS clock).

        ``names`` lists the project's objects of the kind (raises ``NotFound`` when the
        project does not exist: then every name is free, but not provably so: None)."""
        key = (project_key, kind)
        with self._lock:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:  # one listing at a time per project and kind; the others wait for it
            cached = self._listed.get(key)
            if cached is None or time.monotonic() - cached[2] > self.max_age:
                cached = self._created_empty(project_key)
            if cached is None or time.monotonic() - cached[2] > self.max_age:
                server_clock.now = None
                taken = frozenset(names())
                cached = (taken, server_clock.now, time.monotonic())
                self._listed[key] = cached
        taken, at, _ = cached
        return None if name in taken else at

    def project_created(self, project_key: str, at: float | None) -> None:
        """This run created the project, and DSS answered at ``at`` (its clock; None: no
        ``Date`` header, and the listings are read as usual)."""
        with self._lock:
            for key in [k for k in self._listed if k[0] == project_key]:
                del self._listed[key]
            if at is None:
                self._empty.pop(project_key, None)
            else:
                self._empty[project_key] = (at, time.monotonic())

    def _created_empty(self, project_key: str) -> tuple[frozenset[str], float, float] | None:
        with self._lock:
            empty = self._empty.get(project_key)
        return None if empty is None else (frozenset(), empty[0], empty[1])
