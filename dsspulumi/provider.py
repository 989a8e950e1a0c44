"""The contract between the engine and the code that knows DSS.

The engine never imports ``dataikuapi``; it talks to objects that satisfy
``Provider`` (one per resource type token) looked up through ``ProviderRegistry``.

Inputs are plain JSON-able dicts produced by the resource classes (see
``dsspulumi/resources``); outputs are the values only DSS knows (generated ids,
…) that later runs need to address the object. Both are stored in state.

Ownership: every object the tool creates carries a ``Mark`` (the id of the
creating operation, written where DSS keeps custom fields for that kind). An
object is the stack's only if it carries the mark its record holds; nothing
else is ever adopted, changed or deleted (a record from before marks existed
has no mark and is trusted, as it was created by this stack's state). Where a
DSS creation body cannot carry custom fields (projects, datasets), the mark is
written right after the create call; for the instant between the two, the
engine has recorded, before the call, that the name was free.

Contracts every provider keeps:
- ``create``: on success the object exists with the declared inputs applied and
  the mark written. ``PartialCreateError`` means DSS created it (its answer
  proves it) but the writes after creation failed. If it raises anything else,
  the object may or may not exist, marked or not (a later ``inspect`` decides
  by the mark, never by the name).
- ``inspect``: the current DSS values of the *declared* keys only, in the same
  normalised shape as the inputs, plus the mark the object carries; ``None``
  when the object does not exist. Never raises for "not found".
- ``update``: read-modify-write of the DSS settings document: fields the stack
  does not manage (the mark included) are preserved. Refuses with
  ``NotOwnedError`` before writing anything when ``owner`` is given and the
  object carries another mark. ``mark``, when given, is written too (a record
  without a mark gets one on its first update). If it raises otherwise, some
  changes may be applied.
- ``delete``: on success the object is gone; deleting an absent object is a
  success. Refuses with ``NotOwnedError`` like ``update``. If it raises, the
  object is left in place.
Every DSS refusal is raised as ``ProviderError`` with DSS's own text; a failure
whose outcome is unknown (5xx after retries, a dropped connection) as
``TransientError``.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any, Protocol

import attrs

Inputs = Mapping[str, Any]
Outputs = dict[str, Any]


@attrs.frozen
class Mark:
    """What the tool writes into an object it creates: proof of ownership."""

    id: str
    urn: str


@attrs.frozen
class Found:
    """An object as DSS holds it: the declared keys, and the mark it carries (or None)."""

    inputs: dict[str, Any]
    mark: str | None
    # When DSS created it, on DSS's clock (epoch seconds), where DSS records it.
    created_at: float | None = None
    # Its outputs (a generated id), for an object found without them (a lost create answer).
    outputs: dict[str, Any] | None = None


@attrs.frozen
class RetryEvent:
    """One retried call (an HTTP request, or a create found absent after a lost answer)."""

    method: str
    path: str
    attempt: int  # the attempt that failed (1 = the first try)
    attempts: int  # how many attempts are allowed in all
    reason: str
    delay: float
    urn: str | None = None

    def describe(self) -> str:
        return (
            f"{self.method} {self.path} failed ({self.reason}); retry "
            f"{self.attempt}/{self.attempts - 1} in {self.delay:.1f}s"
        )

    def to_json(self) -> dict[str, Any]:
        return attrs.asdict(self)


class Provider(Protocol):
    # True when the create call itself carries the mark (nothing unmarked ever exists);
    # otherwise the engine first checks the name is free and records that it did.
    marks_on_create: bool

    def create(self, inputs: Inputs, mark: Mark) -> Outputs: ...

    def inspect(self, inputs: Inputs, outputs: Mapping[str, Any]) -> Found | None: ...

    def update(
        self,
        old: Inputs,
        new: Inputs,
        outputs: Mapping[str, Any],
        *,
        owner: str | None,
        mark: Mark | None = None,
    ) -> Outputs: ...

    def delete(self, inputs: Inputs, outputs: Mapping[str, Any], *, owner: str | None) -> None: ...

    def lookup(self, identity: Inputs) -> dict[str, Any] | None:
        """An object the stack only reads (``.get``): a summary of it, or None if absent."""
        ...


class ProviderRegistry(Protocol):
    def provider(self, type_token: str) -> Provider: ...

    def check_connection(self) -> dict[str, Any]:
        """Probe DSS (who am I) before planning; raise DssConnectionError when it fails."""
        ...

    def server_time(self) -> float | None:
        """DSS's clock as of the last answer this thread received, if it said."""
        ...


class _StepContext(threading.local):
    urn: str | None = None


step_context = _StepContext()
"""The step a worker thread is carrying out, so that transport events (retries) name it."""
