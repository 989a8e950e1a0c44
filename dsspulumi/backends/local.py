"""State in a local folder, one protocol with the S3 backend.

Layout under the backend root::

    <stack>/<env>.json                 current state (temp file + fsync + rename)
    <stack>/<env>.journal/<seq>.json   step records of the running update (one file each)
    <stack>/<env>.lock                 fcntl lock (the kernel releases it if the holder dies)
    <stack>/<env>.lock.json            who holds it, for "locked by …" messages
    <stack>/history/<env>/<n>.json     one copy per completed update (+ <n>.meta)

Versions of the state document are content hashes; the state carries a nonce
(serial and run id) so equal bytes mean equal state.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dsspulumi.backends.base import Backend, LockInfo, ObservedLock, Versioned, restore_steps
from dsspulumi.errors import BackendError, LockLostError, StateConflictError, StateError

if TYPE_CHECKING:
    import filelock


def atomic_write(path: Path, data: bytes, *, exclusive: bool = False) -> None:
    """Write ``data`` so that readers see the old or the new bytes, never a mix.

    ``exclusive``: fail with FileExistsError if ``path`` exists (link instead of rename).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if exclusive:
            os.link(tmp, path)
            os.unlink(tmp)
        else:
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


def content_version(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:24]


class LocalBackend(Backend):
    def __init__(self, root: str | Path, url: str | None = None) -> None:
        self.root = Path(root)
        self.url = url or f"file://{root}"
        self._held: dict[tuple[str, str], filelock.FileLock] = {}

    # --- paths ----------------------------------------------------------------------------------
    def _state_path(self, stack: str, env: str) -> Path:
        return self.root / stack / f"{env}.json"

    def _journal_dir(self, stack: str, env: str) -> Path:
        return self.root / stack / f"{env}.journal"

    def _history_dir(self, stack: str, env: str) -> Path:
        return self.root / stack / "history" / env

    def _lock_record(self, stack: str, env: str) -> Path:
        return self.root / stack / f"{env}.lock.json"

    def where(self, stack: str, env: str) -> str:
        return str(self._state_path(stack, env))

    def history_hint(self, stack: str, env: str) -> str:
        return (
            f"earlier versions are kept in {self._history_dir(stack, env)}/ (newest last): "
            + restore_steps(stack, env)
        )

    def _io(self, what: str, exc: OSError) -> StateError:
        return BackendError(f"cannot {what} under {self.root}: {exc.strerror or exc}")

    # --- state ----------------------------------------------------------------------------------
    def read_state(self, stack: str, env: str) -> Versioned | None:
        try:
            data = self._state_path(stack, env).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise self._io("read the state", exc) from exc
        return Versioned(data, content_version(data))

    def write_state(self, stack: str, env: str, data: bytes, *, expected: str | None) -> str:
        path = self._state_path(stack, env)
        try:
            current = path.read_bytes()
        except FileNotFoundError:
            current = None
        except OSError as exc:
            raise self._io("read the state", exc) from exc
        found = content_version(current) if current is not None else None
        if found != expected:
            raise StateConflictError(
                f"state {path} changed since it was read (expected version {expected}, found "
                f"{found}); another run wrote it. Nothing was overwritten; run the command again"
            )
        try:
            atomic_write(path, data)
        except OSError as exc:
            raise self._io("write the state", exc) from exc
        return content_version(data)

    # --- journal --------------------------------------------------------------------------------
    def append_journal(self, stack: str, env: str, seq: int, data: bytes) -> None:
        path = self._journal_dir(stack, env) / f"{seq:08d}.json"
        try:
            atomic_write(path, data, exclusive=True)
        except FileExistsError:
            raise StateConflictError(
                f"journal record {path} already exists: another run is writing this stack"
            ) from None
        except OSError as exc:
            raise self._io("write the journal", exc) from exc

    def read_journal(self, stack: str, env: str) -> list[bytes]:
        folder = self._journal_dir(stack, env)
        if not folder.is_dir():
            return []
        return [p.read_bytes() for p in sorted(folder.glob("*.json"))]

    def clear_journal(self, stack: str, env: str) -> None:
        folder = self._journal_dir(stack, env)
        for p in folder.glob("*.json"):
            p.unlink(missing_ok=True)

    # --- history --------------------------------------------------------------------------------
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
            entries.append(info)
        return entries

    def read_history(self, stack: str, env: str, version: int) -> bytes:
        path = self._history_dir(stack, env) / f"{version:06d}.json"
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise StateError(
                f"no history entry {version} for stack '{stack}' (env '{env}')"
            ) from None

    # --- locks ----------------------------------------------------------------------------------
    def try_lock(self, stack: str, env: str, info: LockInfo) -> Any | None:
        folder = self.root / stack
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise self._io("create the stack folder", exc) from exc
        import filelock  # only runs that lock pay for it (not preview)

        lock = filelock.FileLock(str(folder / f"{env}.lock"), timeout=0)
        try:
            lock.acquire()
        except filelock.Timeout:
            return None
        atomic_write(self._lock_record(stack, env), json.dumps(info.to_dict()).encode())
        return lock

    def observe_lock(self, stack: str, env: str) -> ObservedLock | None:
        import filelock  # only runs that lock pay for it (not preview)

        probe = filelock.FileLock(str(self.root / stack / f"{env}.lock"), timeout=0)
        try:
            probe.acquire()
        except filelock.Timeout:
            pass  # held: describe the holder below
        except OSError:
            return None  # no stack folder: nobody holds anything
        else:
            probe.release()
            return None
        try:
            data = json.loads(self._lock_record(stack, env).read_text())
            info = LockInfo.from_dict(data)
        except (OSError, ValueError, TypeError):
            return ObservedLock(info=None, token=None, age=None)
        return ObservedLock(info=info, token=info.id, age=time.time() - info.renewed_at)

    def can_break(self, observed: ObservedLock) -> bool:
        # An fcntl lock that try_lock could not take is held by a live process: the kernel
        # drops the locks of dead ones. There is nothing to break.
        return False

    def renew_lock(self, stack: str, env: str, info: LockInfo, token: Any) -> Any:
        record = self._lock_record(stack, env)
        try:
            current = json.loads(record.read_text()).get("id")
        except (OSError, ValueError):
            current = None
        if current != info.id:
            raise LockLostError(f"lock record {record} no longer names this run")
        atomic_write(record, json.dumps(info.to_dict()).encode())
        return token

    def release_lock(self, stack: str, env: str, token: Any) -> None:
        with contextlib.suppress(OSError):
            self._lock_record(stack, env).unlink()
        token.release()

    def break_lock(self, stack: str, env: str, observed: ObservedLock) -> bool:
        return False

    def remove_lock_record(self, stack: str, env: str) -> bool:
        """For `dss stack unlock`: drop a leftover record if no live process holds the lock."""
        import filelock  # only runs that lock pay for it (not preview)

        lock = filelock.FileLock(str(self.root / stack / f"{env}.lock"), timeout=0)
        try:
            lock.acquire()
        except filelock.Timeout:
            return False
        try:
            self._lock_record(stack, env).unlink(missing_ok=True)
        finally:
            lock.release()
        return True

    # --- stacks ---------------------------------------------------------------------------------
    def list_stacks(self) -> Iterator[tuple[str, str]]:
        if not self.root.is_dir():
            return
        for stack_dir in sorted(p for p in self.root.iterdir() if p.is_dir()):
            for f in sorted(stack_dir.glob("*.json")):
                if not f.name.endswith(".lock.json"):
                    yield stack_dir.name, f.stem

    def delete_stack(self, stack: str, env: str) -> None:
        self._state_path(stack, env).unlink(missing_ok=True)
        shutil.rmtree(self._journal_dir(stack, env), ignore_errors=True)
        self._lock_record(stack, env).unlink(missing_ok=True)
