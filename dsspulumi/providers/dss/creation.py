"""Whether DSS keeps what a creation call carries: checked once per kind and run.

A create carries everything DSS may take in its creation call -- the ownership mark in
``customFields``, the description, tags, schema, a recipe's code, a scenario's definition --
so that it is one call instead of a call followed by a read and a write. Whether a given DSS
version keeps a field sent at creation is unverified (dss-rest-api.md §13), so the first
create of each kind in a run reads its object back once and compares the mark and the
declared settings:

* kept: every later create of that kind trusts its creation call (one call per object);
* not kept: that kind falls back to a write after each create (the read-modify-write it
  always was), and says so once in the debug log.

Creates that run in parallel with the first one do not wait for its check to start: they
send their own creation call, then wait for the verdict before deciding whether to write
after it. A check that failed (DSS unreachable, a refusal) leaves the kind unchecked: the
next create checks instead. The kinds whose mark may be missing for an instant (datasets,
recipes, folders) keep claiming their names before each create (``claims``: one listing per
project and kind, so it costs next to nothing), whatever the verdict: a name already taken
stays a conflict found before any call, and an object created unmarked just before a crash
is adopted by the same rule as before.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TypeVar

log = logging.getLogger("dsspulumi.providers.creation")

T = TypeVar("T")


class CreationChecks:
    """The verdicts of one run (one DSS session), by kind (a type token and a variant)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._kept: dict[str, bool] = {}
        self._checking: set[str] = set()

    def kept(self, kind: str) -> bool | None:
        """The verdict so far: True (kept), False (dropped), None (not known yet)."""
        with self._cond:
            return self._kept.get(kind)

    def created(self, kind: str, check: Callable[[], bool]) -> bool:
        """After a successful creation call: whether DSS kept what it carried.

        The first caller of a kind runs ``check`` (a read-back: True when the mark and the
        settings are there); the others wait for its verdict. A ``check`` that raises leaves
        the kind unchecked (the error propagates; a waiting create checks its own object).
        """
        with self._cond:
            while True:
                if kind in self._kept:
                    return self._kept[kind]
                if kind not in self._checking:
                    self._checking.add(kind)
                    break
                self._cond.wait()
        try:
            verdict = bool(check())
        except BaseException:
            with self._cond:
                self._checking.discard(kind)
                self._cond.notify_all()
            raise
        with self._cond:
            self._checking.discard(kind)
            self._kept[kind] = verdict
            self._cond.notify_all()
        if not verdict:
            log.debug(
                "DSS did not keep the fields sent in the creation call of a %s (ownership "
                "mark or settings): each %s created in this run is written again just after "
                "its creation call",
                kind,
                kind,
            )
        return verdict
