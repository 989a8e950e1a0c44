"""What the engine needs from a place that keeps state: bytes in, bytes out, a lock.

Backends deal in serialized state (bytes) so that the state format lives in
one place (``dsspulumi.state``) and a backend can be tested on its own.
"""

from __future__ import annotations

import abc
import getpass
import os
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any

import attrs


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


@attrs.define
class StackSummary:
    stack: str
    env: str
    resources: int
    updated_at: float | None
    updated_by: str | None


class Backend(abc.ABC):
    url: str

    @abc.abstractmethod
    def read_state(self, stack: str, env: str) -> bytes | None:
        """The current state document, or None for a stack never applied."""

    @abc.abstractmethod
    def write_state(self, stack: str, env: str, data: bytes) -> None:
        """Replace the state atomically: a reader sees the old or the new bytes, never a mix."""

    @abc.abstractmethod
    def append_history(self, stack: str, env: str, data: bytes, meta: dict[str, Any]) -> None:
        """Keep a copy of a completed update's state."""

    @abc.abstractmethod
    def list_history(self, stack: str, env: str) -> list[dict[str, Any]]:
        """History entries, oldest first."""

    @abc.abstractmethod
    def lock(self, stack: str, env: str, command: str) -> AbstractContextManager[LockInfo]:
        """Hold the stack lock for the block; raise LockHeldError at once if another run has it."""

    @abc.abstractmethod
    def list_stacks(self) -> Iterator[tuple[str, str]]:
        """(stack, env) pairs that have a state."""

    def history_hint(self, stack: str, env: str) -> str:
        """Where a user finds earlier versions of the state, for error messages."""
        return f"earlier versions are kept in the history of {self.where(stack, env)}"

    def where(self, stack: str, env: str) -> str:
        """Human name of the state document (for messages)."""
        return f"{self.url}/{stack}/{env}"
