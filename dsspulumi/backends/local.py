"""State in a local folder: one JSON file per stack and environment, under a filelock.

Layout under the backend root::

    <stack>/<env>.json               current state (atomic replace: temp + fsync + rename)
    <stack>/<env>.lock               fcntl lock file (released by the kernel if we die)
    <stack>/<env>.lock.json          who holds it, for the "locked by …" message
    <stack>/history/<env>/<n>.json   one copy per completed update
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import filelock

from dsspulumi.backends.base import Backend, LockInfo
from dsspulumi.errors import LockHeldError, StateError


def atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class LocalBackend(Backend):
    def __init__(self, root: str | Path, url: str | None = None) -> None:
        self.root = Path(root)
        self.url = url or f"file://{root}"

    def _state_path(self, stack: str, env: str) -> Path:
        return self.root / stack / f"{env}.json"

    def where(self, stack: str, env: str) -> str:
        return str(self._state_path(stack, env))

    def history_hint(self, stack: str, env: str) -> str:
        return (
            f"earlier versions are kept in {self._history_dir(stack, env)}/ (newest last); "
            f"copy the last good one over {self._state_path(stack, env)} to restore it"
        )

    def read_state(self, stack: str, env: str) -> bytes | None:
        try:
            return self._state_path(stack, env).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StateError(f"cannot read state {self._state_path(stack, env)}: {exc}") from exc

    def write_state(self, stack: str, env: str, data: bytes) -> None:
        try:
            atomic_write(self._state_path(stack, env), data)
        except OSError as exc:
            raise StateError(f"cannot write state {self._state_path(stack, env)}: {exc}") from exc

    def _history_dir(self, stack: str, env: str) -> Path:
        return self.root / stack / "history" / env

    def append_history(self, stack: str, env: str, data: bytes, meta: dict[str, Any]) -> None:
        folder = self._history_dir(stack, env)
        folder.mkdir(parents=True, exist_ok=True)
        numbers = [int(p.stem) for p in folder.glob("*.json") if p.stem.isdigit()]
        n = max(numbers, default=0) + 1
        atomic_write(folder / f"{n:06d}.json", data)
        atomic_write(folder / f"{n:06d}.meta", json.dumps(meta).encode())

    def list_history(self, stack: str, env: str) -> list[dict[str, Any]]:
        entries = []
        for meta in sorted(self._history_dir(stack, env).glob("*.meta")):
            info = json.loads(meta.read_text())
            info["version"] = int(meta.stem)
            info["path"] = str(meta.with_suffix(".json"))
            entries.append(info)
        return entries

    @contextlib.contextmanager
    def lock(self, stack: str, env: str, command: str) -> Iterator[LockInfo]:
        folder = self.root / stack
        folder.mkdir(parents=True, exist_ok=True)
        lock_path = folder / f"{env}.lock"
        record = folder / f"{env}.lock.json"
        lock = filelock.FileLock(str(lock_path), timeout=0)
        try:
            lock.acquire()
        except filelock.Timeout:
            raise self._held(stack, env, record) from None
        info = LockInfo.mine(stack, env, command)
        try:
            atomic_write(record, json.dumps(attrs.asdict(info)).encode())
            yield info
        finally:
            with contextlib.suppress(OSError):
                record.unlink()
            lock.release()

    def _held(self, stack: str, env: str, record: Path) -> LockHeldError:
        try:
            holder = json.loads(record.read_text())
            who = LockInfo(**holder).describe()
        except (OSError, ValueError, TypeError):
            holder, who = {}, "another process"
        return LockHeldError(
            f"stack '{stack}' (env '{env}') is locked by {who}; wait for it to finish and "
            "run the command again",
            holder=holder,
        )

    def list_stacks(self) -> Iterator[tuple[str, str]]:
        if not self.root.is_dir():
            return
        for stack_dir in sorted(p for p in self.root.iterdir() if p.is_dir()):
            for f in sorted(stack_dir.glob("*.json")):
                if not f.name.endswith(".lock.json"):
                    yield stack_dir.name, f.stem
