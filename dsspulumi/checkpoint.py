"""Durable state during a run: a journal of step records with group commit, compacted at the end.

Writing the whole state after every step costs O(resources) per step (Pulumi's
O(n^2) problem on big stacks). Instead each change is a small journal record
(``put`` a resource, ``remove`` one, set or clear a ``pending`` operation),
appended durably before ``record`` returns, so a step's result is recorded
before any dependent step starts. Records that arrive while one is being
written are folded into the next (group commit). ``compact`` writes the full
state with a conditional write and clears the journal.

A journal record names the version of the state document it builds on
(``base``); only records on the current version are replayed, so records of a
run that lost its lock are never applied to a newer state, and records already
folded into a compacted state are not applied twice.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Iterable
from typing import Any

import attrs

from dsspulumi.backends.base import Backend
from dsspulumi.errors import CorruptStateError, StateError
from dsspulumi.ownership import ensure_identity
from dsspulumi.secrets import Crypter, dumps_sealed, unseal
from dsspulumi.state import PendingOperation, ResourceState, State, converter, from_json, to_json


@attrs.frozen
class Put:
    record: ResourceState


@attrs.frozen
class Remove:
    urn: str


@attrs.frozen
class SetPending:
    op: PendingOperation


@attrs.frozen
class ClearPending:
    urn: str


Change = Put | Remove | SetPending | ClearPending


def apply_change(state: State, change: Change) -> None:
    if isinstance(change, Put):
        state.put(change.record)
    elif isinstance(change, Remove):
        state.remove(change.urn)
    elif isinstance(change, SetPending):
        state.set_pending(change.op)
    else:
        state.clear_pending(change.urn)


def _encode(change: Change) -> list[Any]:
    if isinstance(change, Put):
        return ["put", converter.unstructure(change.record)]
    if isinstance(change, Remove):
        return ["remove", change.urn]
    if isinstance(change, SetPending):
        return ["pending", converter.unstructure(change.op)]
    return ["clear_pending", change.urn]


def _decode(item: list[Any]) -> Change:
    kind, payload = item
    if kind == "put":
        return Put(converter.structure(payload, ResourceState))
    if kind == "remove":
        return Remove(payload)
    if kind == "pending":
        return SetPending(converter.structure(payload, PendingOperation))
    if kind == "clear_pending":
        return ClearPending(payload)
    raise ValueError(f"unknown journal record kind {kind!r}")


def replay_journal(
    state: State,
    version: str | None,
    records: Iterable[bytes],
    *,
    where: str,
    crypter: Crypter | None = None,
) -> int:
    """Apply the journal records built on ``version`` of the state; return how many."""
    applied = 0
    for raw in records:
        try:
            doc = json.loads(raw)
            if doc.get("base") != version:
                continue
            changes = [_decode(item) for item in unseal(doc["changes"], crypter)]
        except (ValueError, KeyError, TypeError) as exc:
            raise CorruptStateError(f"journal of {where} has an unreadable record: {exc}") from None
        for change in changes:
            apply_change(state, change)
        applied += 1
    return applied


def load_state(
    backend: Backend, stack: str, env: str, crypter: Crypter | None = None
) -> tuple[State, str | None, int]:
    """State as of the last durable record: document plus its journal.

    Returns (state, version of the document, number of journal records present).
    """
    where = backend.where(stack, env)
    doc = backend.read_state(stack, env)
    if doc is None:
        state, version = State(stack=stack, env=env), None
    else:
        state, version = from_json(doc.data, where=where, crypter=crypter), doc.version
    records = backend.read_journal(stack, env)
    replay_journal(state, version, records, where=where, crypter=crypter)
    return state, version, len(records)


class Checkpointer:
    """Owns the in-memory state of a writing run and makes every change durable."""

    def __init__(
        self,
        backend: Backend,
        state: State,
        version: str | None,
        *,
        guard: Callable[[], None] = lambda: None,
        crypter: Crypter | None = None,
    ) -> None:
        self.crypter = crypter
        self.backend = backend
        self.state = state
        self.version = version
        self._guard = guard
        self._cond = threading.Condition()
        self._queued: list[Change] = []
        self._submitted = 0  # changes handed to record()
        self._durable = 0  # changes known to be durable
        self._writing = False
        self._failures: list[tuple[int, int, BaseException]] = []
        self._seq = 0
        self.last_written: bytes | None = None  # the bytes of the last full state write
        self.journal_writes = 0
        self.journal_bytes = 0
        self.state_writes = 0
        self.state_bytes = 0

    @property
    def stack(self) -> str:
        return self.state.stack

    @property
    def env(self) -> str:
        return self.state.env

    # --- full writes ----------------------------------------------------------------------------
    def compact(self) -> None:
        """Write the whole state (conditionally) and drop the journal it now contains."""
        with self._cond:
            while self._writing:
                self._cond.wait()
            self._guard()
            ensure_identity(self.state)
            self.state.serial += 1
            self.state.nonce = uuid.uuid4().hex
            data = to_json(self.state, self.crypter)
            self.version = self.backend.write_state(
                self.stack, self.env, data, expected=self.version
            )
            self.state_writes += 1
            self.state_bytes += len(data)
            self.last_written = data
            self.backend.clear_journal(self.stack, self.env)
            self._seq = 0
            self._queued = []  # in the state just written
            self._durable = self._submitted

    def flush(self) -> None:
        """Make every change handed to ``record`` durable (a no-op when they are)."""
        self.record()

    # --- journal --------------------------------------------------------------------------------
    def record(self, *changes: Change, wait: bool = True) -> None:
        """Apply ``changes`` and return once a journal record holding them is durable.

        ``wait=False`` (the end of a step whose pending record is durable): queued only; the
        next record written, or the final state write, carries them. Losing them in a crash
        loses nothing: the pending record is still there, and the next run settles it by
        reading DSS. Records are written in order, so a later step's pending record is never
        durable without them."""
        with self._cond:
            for change in changes:
                apply_change(self.state, change)
            self._queued.extend(changes)
            self._submitted += len(changes)
            if not wait:
                return
            mine = self._submitted
            while self._durable < mine:
                if self._writing:
                    self._cond.wait()
                    continue
                batch, self._queued = self._queued, []
                first, target = self._durable, self._submitted
                self._seq += 1
                encoded = [_encode(c) for c in batch]
                record = {"base": self.version, "seq": self._seq, "changes": encoded}
                data = dumps_sealed(record, self.crypter, where="journal").encode()
                seq = self._seq
                self._writing = True
                self._cond.release()
                error: BaseException | None = None
                try:
                    self._guard()
                    self.backend.append_journal(self.stack, self.env, seq, data)
                except BaseException as exc:  # noqa: BLE001 - every waiter of the batch is told
                    error = exc
                finally:
                    self._cond.acquire()
                    self._writing = False
                    self._durable = target
                    if error is None:
                        self.journal_writes += 1
                        self.journal_bytes += len(data)
                    else:
                        self._failures.append((first, target, error))
                    self._cond.notify_all()
                if error is not None and not isinstance(error, Exception):
                    raise error  # Ctrl-C in the writing thread: the run stops, as it asked
            for first, target, error in self._failures:
                if first < mine <= target:
                    if isinstance(error, StateError):
                        raise error
                    detail = str(error) or f"{type(error).__name__} while it was written"
                    raise StateError(f"could not record progress in the state: {detail}") from error
