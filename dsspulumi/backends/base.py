"""What the engine needs from a place that keeps state, and the lock protocol on top of it.

A backend offers small primitives over bytes — a conditionally written state
document, an append-only journal of step records, history copies, and a lock
record — so that the state format lives in one place (``dsspulumi.state``)
and every backend runs the same contract tests. The lock protocol (wait,
recognise a dead holder, heartbeat, release) is written once here.

Conditional writes: ``write_state`` takes the version it expects to replace
(``None``: the document must not exist yet) and raises ``StateConflictError``
otherwise, so a writer that lost its lock can never overwrite newer state.
"""

from __future__ import annotations

import abc
import contextlib
import getpass
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import attrs

from dsspulumi.errors import LockHeldError, LockLostError

DEFAULT_LOCK_TTL = 90.0
# Seconds between two "still waiting for the lock" notices of a run waiting (--lock-timeout).
LOCK_WAIT_NOTICE_EVERY = 10.0


def lock_ttl() -> float:
    """Seconds without heartbeat after which a lock counts as abandoned (``DSS_LOCK_TTL``)."""
    try:
        return float(os.environ.get("DSS_LOCK_TTL", DEFAULT_LOCK_TTL))
    except ValueError:
        return DEFAULT_LOCK_TTL


@attrs.define
class LockInfo:
    id: str
    user: str
    host: str
    pid: int
    command: str
    stack: str
    env: str
    acquired_at: float
    renewed_at: float

    @classmethod
    def mine(cls, stack: str, env: str, command: str) -> LockInfo:
        t = time.time()
        try:
            user = getpass.getuser()
        except Exception:  # noqa: BLE001 - no user database in some containers
            user = str(os.getuid())
        return cls(
            uuid.uuid4().hex, user, socket.gethostname(), os.getpid(), command, stack, env, t, t
        )

    def describe(self) -> str:
        since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.acquired_at))
        return f"{self.user}@{self.host} (pid {self.pid}) running `{self.command}` since {since}"

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LockInfo:
        names = {f.name for f in attrs.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


@attrs.define
class ObservedLock:
    """A lock record as another run sees it: who, and how long since its last heartbeat."""

    info: LockInfo | None  # None when the record cannot be read
    token: Any  # what ``break_lock`` needs to delete exactly this record
    age: float | None  # seconds since last renewal, measured by the backend's own clock


@attrs.define
class Versioned:
    data: bytes
    version: str


def restore_steps(stack: str, env: str) -> str:
    """How to list and restore an earlier state, the end of every backend's history hint."""
    return (
        f"`dss stack history {stack} -e {env}` lists them; restore one with "
        f"`dss stack history {stack} -e {env} --show N > good.json` and "
        f"`dss stack import {stack} -e {env} good.json --force`"
    )


class Backend(abc.ABC):
    url: str

    # --- state document -----------------------------------------------------------------------
    @abc.abstractmethod
    def read_state(self, stack: str, env: str) -> Versioned | None:
        """The current state document and its version, or None for a stack never applied."""

    @abc.abstractmethod
    def write_state(self, stack: str, env: str, data: bytes, *, expected: str | None) -> str:
        """Replace the state atomically if its version is still ``expected``; return the new one."""

    # --- journal of the running update ----------------------------------------------------------
    @abc.abstractmethod
    def append_journal(self, stack: str, env: str, seq: int, data: bytes) -> None:
        """Durably add record ``seq``; refuse (StateConflictError) if ``seq`` already exists."""

    @abc.abstractmethod
    def read_journal(self, stack: str, env: str) -> list[bytes]:
        """Journal records in ``seq`` order (a torn last record is left out)."""

    @abc.abstractmethod
    def clear_journal(self, stack: str, env: str) -> None:
        """Remove every journal record (after the compacted state is written)."""

    # --- history --------------------------------------------------------------------------------
    @abc.abstractmethod
    def append_history(self, stack: str, env: str, data: bytes, meta: dict[str, Any]) -> None:
        """Keep a copy of a completed update's state."""

    @abc.abstractmethod
    def list_history(self, stack: str, env: str) -> list[dict[str, Any]]:
        """History entries (metadata plus ``version``), oldest first."""

    @abc.abstractmethod
    def read_history(self, stack: str, env: str, version: int) -> bytes:
        """The state saved as history entry ``version``."""

    # --- lock primitives ------------------------------------------------------------------------
    @abc.abstractmethod
    def try_lock(self, stack: str, env: str, info: LockInfo) -> Any | None:
        """Take the lock if free: a token for renew/release, or None when someone holds it."""

    @abc.abstractmethod
    def observe_lock(self, stack: str, env: str) -> ObservedLock | None:
        """The current holder's record, or None if the lock is free."""

    @abc.abstractmethod
    def renew_lock(self, stack: str, env: str, info: LockInfo, token: Any) -> Any:
        """Heartbeat: refresh our record; raise LockLostError if it is no longer ours."""

    @abc.abstractmethod
    def release_lock(self, stack: str, env: str, token: Any) -> None:
        """Remove our lock record, only if it is still ours."""

    @abc.abstractmethod
    def break_lock(self, stack: str, env: str, observed: ObservedLock) -> bool:
        """Remove exactly the observed record (not a newer one); False if it changed meanwhile."""

    def can_break(self, observed: ObservedLock) -> bool:
        """Whether a lock may be broken by force at all (a local fcntl lock cannot)."""
        return True

    # --- stacks ---------------------------------------------------------------------------------
    @abc.abstractmethod
    def list_stacks(self) -> Iterator[tuple[str, str]]:
        """(stack, env) pairs that have a state."""

    @abc.abstractmethod
    def delete_stack(self, stack: str, env: str) -> None:
        """Remove the state, journal and lock record of a stack environment (history stays)."""

    def where(self, stack: str, env: str) -> str:
        """Human name of the state document (for messages)."""
        return f"{self.url.rstrip('/')}/{stack}/{env}.json"

    def history_hint(self, stack: str, env: str) -> str:
        """Where a user finds earlier versions of the state, for error messages."""
        return (
            f"earlier versions: `dss stack history {stack} -e {env}`; restore one with "
            f"`dss stack history {stack} -e {env} --show N > good.json` then "
            f"`dss stack import {stack} -e {env} good.json --force`"
        )

    # --- the lock protocol ----------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(
        self,
        stack: str,
        env: str,
        command: str,
        *,
        timeout: float = 0.0,
        notice: Callable[[str], None] = lambda _m: None,
        notice_every: float = LOCK_WAIT_NOTICE_EVERY,
    ) -> Iterator[Lease]:
        """Hold the stack lock for the block, with a heartbeat; recover abandoned locks.

        A holder on this host whose process is gone, or whose heartbeat stopped for
        longer than the TTL, is broken (conditionally: only that exact record) and the
        user is told. Otherwise wait up to ``timeout`` seconds, then raise LockHeldError.
        While it waits, ``notice`` says who holds the lock and how long the wait may last,
        at once and then every ``notice_every`` seconds: a silent wait looks like a hang.
        """
        info = LockInfo.mine(stack, env, command)
        ttl = lock_ttl()
        started = time.monotonic()
        deadline = started + max(0.0, timeout)
        next_notice = started  # the first time the lock is found held and we wait
        noticed = False
        # A holder writes its record just after taking the lock: give it a moment before
        # calling the record unreadable.
        record_grace = time.monotonic() + 2.0
        while True:
            token = self.try_lock(stack, env, info)
            if token is not None:
                break
            observed = self.observe_lock(stack, env)
            if observed is None:
                continue  # released between our two calls: try again at once
            if observed.info is None and time.monotonic() < record_grace:
                time.sleep(0.05)
                continue
            reason = stale_reason(observed, ttl)
            if reason and self.can_break(observed):
                if self.break_lock(stack, env, observed):
                    who = observed.info.describe() if observed.info else "an unreadable record"
                    notice(f"broke the abandoned lock of {who}: {reason}")
                continue
            now = time.monotonic()
            if now >= deadline:
                raise held_error(stack, env, observed)
            if now >= next_notice:
                notice(waiting_notice(stack, env, observed, now - started, deadline - now, noticed))
                noticed = True
                next_notice = now + max(0.05, notice_every)
            time.sleep(min(0.5, max(0.05, deadline - now), max(0.05, next_notice - now)))
        lease = Lease(self, stack, env, info, token, ttl)
        lease.start()
        try:
            yield lease
        finally:
            lease.stop()


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# Lock ids held by leases of this process: a record naming this process but none of them
# was left by an earlier run in the same process (its release failed, e.g. S3 was down).
_ACTIVE_LEASES: set[str] = set()


def stale_reason(observed: ObservedLock, ttl: float) -> str | None:
    info = observed.info
    if info is not None and info.host == socket.gethostname():
        if not pid_alive(info.pid):
            return f"process {info.pid} no longer runs on this host"
        if info.pid == os.getpid() and info.id not in _ACTIVE_LEASES:
            return "left by an earlier run of this process that could not release it"
    if observed.age is not None and observed.age > ttl:
        return f"no heartbeat for {observed.age:.0f}s (TTL {ttl:.0f}s)"
    return None


def held_error(stack: str, env: str, observed: ObservedLock) -> LockHeldError:
    who = observed.info.describe() if observed.info else "another run (unreadable lock record)"
    return LockHeldError(
        f"stack '{stack}' (env '{env}') is locked by {who}. Wait for it to finish "
        f"(or pass --lock-timeout SECONDS to wait); if that run is gone for good, "
        f"`dss stack unlock {stack} -e {env} --force` removes the lock",
        holder=observed.info.to_dict() if observed.info else {},
    )


def waiting_notice(
    stack: str, env: str, observed: ObservedLock, waited: float, left: float, again: bool
) -> str:
    """What a run waiting for the lock says: who holds it, since when, how long it waits."""
    who = observed.info.describe() if observed.info else "another run (unreadable lock record)"
    if not again:
        return (
            f"stack '{stack}' (env '{env}') is locked by {who}; waiting up to "
            f"{_seconds(left)} for it (--lock-timeout)"
        )
    return (
        f"still waiting for the lock of stack '{stack}' (env '{env}'), held by {who}: "
        f"waited {_seconds(waited)}, giving up in {_seconds(left)}"
    )


def _seconds(value: float) -> str:
    value = max(0.0, value)
    if value < 120:
        return f"{value:.0f}s"
    minutes, secs = divmod(round(value), 60)
    return f"{minutes}m{secs:02d}s"


class Lease:
    """A held lock plus its heartbeat. ``lost`` is set if the lock stopped being ours."""

    def __init__(
        self, backend: Backend, stack: str, env: str, info: LockInfo, token: Any, ttl: float
    ) -> None:
        self.backend = backend
        self.stack = stack
        self.env = env
        self.info = info
        self.token = token
        self.interval = max(0.2, ttl / 3)
        self.lost = threading.Event()
        self.lost_reason = ""
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._beat, name="dss-lock-heartbeat", daemon=True)

    @property
    def id(self) -> str:
        return self.info.id

    def start(self) -> None:
        _ACTIVE_LEASES.add(self.info.id)
        self._thread.start()

    def _beat(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                with self._lock:
                    self.info.renewed_at = time.time()
                    self.token = self.backend.renew_lock(
                        self.stack, self.env, self.info, self.token
                    )
            except LockLostError as exc:
                self.lost_reason = str(exc)
                self.lost.set()
                return
            except Exception:  # noqa: BLE001 - a missed beat is retried; TTL covers several
                continue

    def check(self) -> None:
        if self.lost.is_set():
            raise LockLostError(
                f"the lock on stack '{self.stack}' (env '{self.env}') was lost: "
                f"{self.lost_reason}; stopping"
            )

    def stop(self) -> None:
        _ACTIVE_LEASES.discard(self.info.id)
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        if not self.lost.is_set():
            with self._lock, contextlib.suppress(Exception):
                self.backend.release_lock(self.stack, self.env, self.token)
