"""Durable state updates with group commit.

Every change to the state during a run goes through ``Checkpointer.update``,
which returns only once a write containing that change is durable. Writers
that arrive while a write is in flight are folded into the next one, so ten
parallel steps cost a couple of writes instead of ten, and the per-step
guarantee ("recorded before the next dependent step starts") still holds.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from dsspulumi.errors import StateError
from dsspulumi.state import State, to_json


class Checkpointer:
    def __init__(self, state: State, write: Callable[[bytes], None]) -> None:
        self.state = state
        self._write = write
        self._cond = threading.Condition()
        self._version = 0
        self._durable = 0
        self._writing = False
        self._failed: dict[int, BaseException] = {}
        self.writes = 0

    def update(self, change: Callable[[State], None]) -> None:
        """Apply ``change`` to the state and return when it is durable (or raise StateError)."""
        with self._cond:
            change(self.state)
            self._version += 1
            mine = self._version
            while self._durable < mine:
                if self._writing:
                    self._cond.wait()
                    continue
                target = self._version
                self.state.serial += 1
                data = to_json(self.state)
                self._writing = True
                self._cond.release()
                error: BaseException | None = None
                try:
                    self._write(data)
                except BaseException as exc:  # noqa: BLE001 - reported to every waiter
                    error = exc
                finally:
                    self._cond.acquire()
                    self._writing = False
                    if error is None:
                        self._durable = target
                        self.writes += 1
                    else:
                        self._failed[target] = error
                        # Waiters for these versions learn of the failure; later ones retry.
                        self._durable = target
                    self._cond.notify_all()
            failure = next((e for v, e in self._failed.items() if v >= mine), None)
            if failure is not None:
                if isinstance(failure, StateError):
                    raise failure
                raise StateError(f"could not save the state: {failure}") from failure

    def flush(self) -> None:
        self.update(lambda _s: None)
