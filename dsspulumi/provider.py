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
- ``release`` (optional, ``Releaser``; kinds whose mark lives in DSS): the object leaves
  the state but stays in DSS (``retain_on_delete``), so its mark is removed and a note
  left, and any state may adopt it as it would an object made by hand. Only an object
  carrying ``owner`` (the record's mark) is touched; the answer says what was found. If it
  raises, the mark may or may not be gone (a later ``inspect`` tells).
Every DSS refusal is raised as ``ProviderError`` with DSS's own text; a failure
whose outcome is unknown (5xx after retries, a dropped connection) as
``TransientError``.

Drift and import (issue 9) -- what a kind adds, in two small optional protocols:
- ``BatchInspector.inspect_many``: the answers of ``inspect`` for many objects at once,
  read through DSS's list endpoints (one call per project and kind) where they return full
  definitions (dss-rest-api.md §10). A kind whose list endpoint does not return what
  ``inspect`` needs simply does not implement it: ``dss refresh`` then falls back to one
  ``inspect`` per object (``dsspulumi.drift.read_all``).
- ``Importer``: ``read_existing`` (one object by its DSS id, for
  ``dss import resource`` and ``ResourceOptions(import_id=...)``) and ``list_existing``
  (every object of the kind in one project, for ``dss import project``), each returning
  ``Existing``: the inputs a declaration of exactly that object would produce. The
  resource class turns those inputs back into constructor arguments
  (``Resource.from_inputs``, see ``dsspulumi/resource.py``); the shared code writer
  (``dsspulumi.importer.codegen``) does the rest. Adoption writes the stack's mark with
  ``update(..., owner=None, mark=...)``: nothing new is needed for it.
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import attrs

if TYPE_CHECKING:
    from dsspulumi.outage import Outage

Inputs = Mapping[str, Any]
Outputs = dict[str, Any]


@attrs.frozen
class Mark:
    """What the tool writes into an object it creates: proof of ownership.

    ``stack`` is the identity of the state that wrote it (``State.identity``): two states
    sharing a stack name and environment (another backend, a colleague's local state) are
    told apart by it. ``backend`` (the state's backend URL, no credentials) is only there
    for messages. Both are None in marks written before identities existed.
    """

    id: str
    urn: str
    stack: str | None = None
    backend: str | None = None


@attrs.frozen
class Found:
    """An object as DSS holds it: the declared keys, and the mark it carries (or None)."""

    inputs: dict[str, Any]
    mark: str | None
    # When DSS created it, on DSS's clock (epoch seconds), where DSS records it.
    created_at: float | None = None
    # Its outputs (a generated id), for an object found without them (a lost create answer).
    outputs: dict[str, Any] | None = None
    # The URN written next to the mark (``dsspulumi.urn``): which stack's object it is.
    mark_urn: str | None = None
    # The identity of the state that wrote the mark, and its backend (see ``Mark``).
    mark_stack: str | None = None
    mark_backend: str | None = None


# For kinds whose ownership is recorded in outputs (no mark in DSS: project variables and
# permissions, see providers/dss/owned.py): the output an import hands to ``inspect`` so that
# the object is read although no mark was recorded yet. ``update`` drops it.
ADOPTING = "adopting"


@attrs.frozen
class Existing:
    """An object found in DSS, as a declaration of it would hold it (for import).

    ``inputs`` are exactly the inputs of the resource class that declares it (``identity``
    is its logical name: project key, or ``PROJECT.name``); rebuilding the constructor call
    from them is the resource class's job. ``outputs`` are what the provider needs to address
    it (a generated id) -- what ``Resource.import_outputs`` gives for an ``import_id``.
    ``unmodelled`` says why no resource type of the
    tool can declare it (an unsupported recipe type, …): such objects are listed, never
    dropped silently, and never recorded.
    """

    type: str
    identity: str
    inputs: dict[str, Any]
    outputs: dict[str, Any] = attrs.field(factory=dict)
    mark: str | None = None
    mark_urn: str | None = None
    mark_stack: str | None = None
    mark_backend: str | None = None
    unmodelled: str | None = None
    # Other ids by which DSS objects refer to it (a managed folder's ``PROJECT.id``).
    aliases: tuple[str, ...] = ()


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


class Released(enum.StrEnum):
    """What a release found (``Releaser.release``); in every case the record may go."""

    RELEASED = "released"  # it carried the record's mark: the mark is removed now
    UNMARKED = "unmarked"  # it carries no mark (released already, or a record from before marks)
    FOREIGN = "foreign"  # it carries another mark: someone else's object, left untouched
    ABSENT = "absent"  # not in DSS any more


class Releaser(Protocol):
    """Optional: a kind whose ownership mark lives in DSS (``retain_on_delete``)."""

    def release(
        self, inputs: Inputs, outputs: Mapping[str, Any], *, owner: str | None, note: str
    ) -> Released:
        """Remove the mark ``owner`` from the object (leaving ``note``) if it carries it."""
        ...


#: An answer of ``inspect_many`` for an object its batch read did not show: the caller reads
#: it with ``inspect`` (``drift.read_all``, in parallel with the others).
UNREAD: Any = type("Unread", (), {"__repr__": lambda self: "UNREAD"})()


class BatchInspector(Protocol):
    """Optional: ``inspect`` of many objects in few calls (batched refresh)."""

    def inspect_many(self, items: Sequence[tuple[Inputs, Mapping[str, Any]]]) -> list[Found | None]:
        """One answer per item, in order, each what ``inspect(inputs, outputs)`` would say
        (or ``UNREAD``: to be read with ``inspect``)."""
        ...


class Importer(Protocol):
    """Optional: a kind that existing DSS objects can be adopted into (``dss import``)."""

    def read_existing(self, identity: str) -> Existing | None:
        """The object whose logical name is ``identity`` (``KEY`` / ``PROJECT.name``), or None."""
        ...

    def list_existing(self, project_key: str) -> list[Existing]:
        """Every object of this kind in project ``project_key`` (empty if none)."""
        ...


class ProviderRegistry(Protocol):
    def provider(self, type_token: str) -> Provider: ...

    def check_connection(self) -> dict[str, Any]:
        """Probe DSS (who am I) before planning; raise DssConnectionError when it fails."""
        ...

    def server_time(self) -> float | None:
        """DSS's clock as of the last answer this thread received, if it said."""
        ...

    def instance_names(self, type_token: str) -> frozenset[str] | None:
        """Every name of that instance kind in DSS (read once per run); None: cannot tell."""
        ...

    def outage(self) -> Outage | None:
        """Set once DSS stopped answering during this run (``dsspulumi.outage``)."""
        ...


class _StepContext(threading.local):
    urn: str | None = None
    # Set by the engine around a create (``StepRunner.create``); see ``exists``.
    on_exists: Callable[[dict[str, Any]], None] | None = None

    def exists(self, outputs: Mapping[str, Any]) -> None:
        """Said by a create once its object exists in DSS *and carries its mark*, before the
        writes that follow its creation call (a project's metadata): the steps that depend on
        it may start now instead of waiting for those writes. ``outputs`` are the object's
        outputs as they will be recorded. Nothing happens outside a create."""
        if self.on_exists is not None:
            self.on_exists(dict(outputs))


step_context = _StepContext()
"""The step a worker thread is carrying out, so that transport events (retries) name it, and
so that a create can let its dependants start early (``exists``)."""
