"""The shared machinery of the sandbox: the database, versions and tags, futures, the key.

:class:`Store` owns the database and what is not a DSS object (the API key, the edition, the
finished futures). Each request gets a :class:`Tx`: one database transaction plus the helpers
every kind module needs (JSON rows by ``(kind, project, id)``, ``versionTag`` /
``creationTag``, already-finished futures). Handlers validate everything first and only then
write, and the transaction makes a request all-or-nothing anyway: a refused or crashed request
leaves the store exactly as it was.

The DSS object kinds themselves -- their routes, handlers and refusals -- live one per module
under :mod:`dsspulumi.sandbox.kinds`; they :func:`declare` their side tables and seeders here
when they load (this module never imports them).
"""

from __future__ import annotations

import copy
import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from .db import DB_FORMAT_VERSION, Database
from .errors import ADMIN_LOGIN, DssApiError, not_found

EDITIONS = ("enterprise", "free")
_MAX_FUTURES = 100


#: What the kind modules declare for the database (registered when :mod:`.kinds` loads; this
#: module never imports them): extra ``CREATE TABLE/INDEX`` statements, and the seeders that
#: write built-in objects into a new database.
_SCHEMA: list[str] = []
_SEEDERS: list[Callable[[Tx], Any]] = []


def declare(schema: Iterable[str] = (), seed: Callable[[Tx], Any] | None = None) -> None:
    """Add a kind's side tables and its seeder to every store opened from now on."""
    _SCHEMA.extend(schema)
    if seed is not None:
        _SEEDERS.append(seed)


class _MetaValue:
    """A string of the ``meta`` table, read and written as an attribute of the store (None:
    not set; setting None removes it)."""

    def __init__(self, key: str) -> None:
        self.key = key

    def __get__(self, store: Store, owner: type[Store]) -> str | None:
        return store._meta(self.key)

    def __set__(self, store: Store, value: str | None) -> None:
        store._set_meta(self.key, value)


class Store:
    """The sandbox's content: a :class:`~dsspulumi.sandbox.db.Database` and its helpers.

    ``path=None`` keeps everything in memory. ``clock`` returns seconds since the epoch (tests
    may pin it). ``edition`` is the DSS edition imitated (``enterprise`` or ``free``).
    """

    def __init__(
        self,
        path: Path | None = None,
        *,
        clock: Callable[[], float] = time.time,
        edition: str = "enterprise",
    ) -> None:
        if edition not in EDITIONS:
            raise ValueError(f"unknown DSS edition {edition!r}: expected one of {EDITIONS}")
        self.clock = clock
        self.edition = edition
        # How long a code env creation (a long task, answered as a running future) takes.
        self.code_env_seconds = 1.0
        # Whether a creation call keeps the fields it carries beyond the ones DSS is known to
        # take (description, tags, customFields, schema, a recipe's code, a scenario's
        # definition...): UNVERIFIED on real DSS, so both behaviours are imitated.
        self.creation_keeps_fields = False
        # Finished long tasks by jobId, for GET /futures/{jobId}; not persisted (a restarted
        # DSS forgets its futures too).
        self.futures: dict[str, dict[str, Any]] = {}
        self._futures_lock = threading.Lock()
        try:
            self.db = Database(path, list(_SCHEMA))
            with self.db.transaction(write=True) as conn:
                row = conn.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
                if row is None:
                    conn.execute(
                        "INSERT INTO meta(key, value) VALUES ('format', ?)",
                        (str(DB_FORMAT_VERSION),),
                    )
                    tx = Tx(self, conn)
                    for seed in _SEEDERS:
                        seed(tx)
                elif row[0] != str(DB_FORMAT_VERSION):
                    raise ValueError(
                        f"sandbox database format {row[0]} is not supported (expected "
                        f"{DB_FORMAT_VERSION}); upgrade dsspulumi or use another data directory"
                    )
        except sqlite3.DatabaseError as exc:
            raise ValueError(f"cannot read the sandbox database {path}: {exc}") from exc

    # ---- transactions -----------------------------------------------------------------------

    @contextmanager
    def transaction(self, *, write: bool) -> Iterator[Tx]:
        with self.db.transaction(write=write) as conn:
            yield Tx(self, conn)

    def close(self) -> None:
        self.db.close()

    # ---- the API keys (kept in the database, so a restarted sandbox keeps its keys) ---------

    def _meta(self, name: str) -> str | None:
        with self.db.transaction(write=False) as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (name,)).fetchone()
        return None if row is None else str(row[0])

    def _set_meta(self, name: str, value: str | None) -> None:
        with self.db.transaction(write=True) as conn:
            if value is None:
                conn.execute("DELETE FROM meta WHERE key = ?", (name,))
            else:
                conn.execute(
                    "INSERT INTO meta(key, value) VALUES (?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    (name, value),
                )

    #: The admin user's key.
    api_key = _MetaValue("apiKey")
    #: The key of the non-admin user (:data:`~.errors.USER_LOGIN`).
    user_api_key = _MetaValue("userApiKey")

    # ---- futures (memory only) ---------------------------------------------------------------

    def remember_future(self, state: dict[str, Any]) -> None:
        with self._futures_lock:
            self.futures[state["jobId"]] = copy.deepcopy(state)
            while len(self.futures) > _MAX_FUTURES:
                del self.futures[next(iter(self.futures))]

    def future(self, job_id: str) -> dict[str, Any]:
        """A future's state as DSS reports it: a running one finishes once its time is up."""
        with self._futures_lock:
            state = self.futures.get(job_id)
            if state is None:
                raise not_found("future", job_id)
            ready_at = state.pop("_readyAt", None)
            if ready_at is not None:
                if self.clock() >= ready_at:
                    state.update(hasResult=True, alive=False, result=state.pop("_result"))
                else:
                    state["_readyAt"] = ready_at
            public = {k: v for k, v in state.items() if not k.startswith("_")}
            return copy.deepcopy(public)

    def finish_futures(self) -> int:
        """Let every running future finish now (tests that do not want to wait); how many."""
        with self._futures_lock:
            running = [s for s in self.futures.values() if "_readyAt" in s]
            for state in running:
                state["_readyAt"] = float("-inf")
        return len(running)

    def abort_future(self, job_id: str) -> bool:
        """Abort a running future (it finishes now, as aborted); False if it had finished."""
        with self._futures_lock:
            state = self.futures.get(job_id)
            if state is None:
                raise not_found("future", job_id)
            if state.pop("_readyAt", None) is None:
                return False
            state.pop("_result", None)
            state.update(hasResult=True, alive=False, aborted=True, result=None)
            return True

    def count(self, kind: str) -> int:
        """How many objects of ``kind`` the store holds (for benches and tests)."""
        with self.transaction(write=False) as tx:
            return tx.count(kind)


class Tx:
    """One request's view of the store: one transaction, JSON documents in and out.

    Documents returned are fresh copies (decoded from the row), so handlers may change them
    freely; nothing reaches the database until :meth:`put`.
    """

    def __init__(self, store: Store, conn: sqlite3.Connection) -> None:
        self.store = store
        self.conn = conn

    # ---- rows -------------------------------------------------------------------------------

    def get(self, kind: str, project: str, ident: str) -> dict[str, Any] | None:
        row = self.conn.execute(
            "SELECT doc FROM objects WHERE kind = ? AND project = ? AND id = ?",
            (kind, project, ident),
        ).fetchone()
        return None if row is None else json.loads(row[0])

    def exists(self, kind: str, project: str, ident: str) -> bool:
        row = self.conn.execute(
            "SELECT 1 FROM objects WHERE kind = ? AND project = ? AND id = ?",
            (kind, project, ident),
        ).fetchone()
        return row is not None

    def docs(self, kind: str, project: str | None = None) -> list[dict[str, Any]]:
        """Documents of one kind (in one project, or all), in creation order."""
        return [json.loads(v) for v in self._column("doc", kind, project)]

    def ids(self, kind: str, project: str | None = None) -> list[str]:
        return [str(v) for v in self._column("id", kind, project)]

    def _column(self, column: Literal["doc", "id"], kind: str, project: str | None) -> list[Any]:
        """One column of the objects of a kind (in one project, or all), in creation order."""
        where, args = ("", (kind,)) if project is None else (" AND project = ?", (kind, project))
        sql = f"SELECT {column} FROM objects WHERE kind = ?{where} ORDER BY rowid"
        return [r[0] for r in self.conn.execute(sql, args)]

    def count(self, kind: str) -> int:
        return int(
            self.conn.execute("SELECT COUNT(*) FROM objects WHERE kind = ?", (kind,)).fetchone()[0]
        )

    def put(self, kind: str, project: str, ident: str, doc: Any) -> None:
        """Create or replace one object (an update keeps its place in listings)."""
        self.conn.execute(
            "INSERT INTO objects(kind, project, id, doc) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(kind, project, id) DO UPDATE SET doc = excluded.doc, "
            "version = objects.version + 1",
            (kind, project, ident, json.dumps(doc, separators=(",", ":"))),
        )

    def delete(self, kind: str, project: str, ident: str) -> bool:
        cur = self.conn.execute(
            "DELETE FROM objects WHERE kind = ? AND project = ? AND id = ?", (kind, project, ident)
        )
        return cur.rowcount > 0

    def drop_project(self, project: str) -> None:
        """Delete every object of a project (kinds empty their side tables by a hook on the
        project's deletion, :mod:`.hooks`)."""
        self.conn.execute("DELETE FROM objects WHERE project = ?", (project,))

    # ---- versions and tags ------------------------------------------------------------------

    def tag(self, version: int = 0) -> dict[str, Any]:
        return {
            "versionNumber": version,
            "lastModifiedBy": {"login": ADMIN_LOGIN},
            "lastModifiedOn": int(self.store.clock() * 1000),
        }

    def bump(self, obj: dict[str, Any]) -> None:
        """A saved object's ``versionTag.versionNumber`` goes up by one, as on DSS."""
        previous = obj.get("versionTag", {}).get("versionNumber", 0)
        obj["versionTag"] = self.tag(previous + 1)

    # ---- futures ----------------------------------------------------------------------------

    def finished_future(self, result: Any) -> dict[str, Any]:
        """Long tasks run synchronously: answer an already-finished future (never polled
        forever), and remember it so ``future.get_result()`` can fetch it again."""
        state = {"jobId": secrets.token_hex(4), "hasResult": True, "alive": False, "result": result}
        self.store.remember_future(state)
        return state

    def running_future(self, result: Any, seconds: float) -> dict[str, Any]:
        """A long task that finishes ``seconds`` from now (on the store's clock) with
        ``result``: ``GET /futures/{jobId}`` answers ``hasResult: false, alive: true`` until
        then, and always finishes (a client polling with ``wait_for_result`` never hangs)."""
        job_id = secrets.token_hex(4)
        state = {
            "jobId": job_id,
            "hasResult": False,
            "alive": True,
            "_readyAt": self.store.clock() + max(0.0, seconds),
            "_result": result,
        }
        self.store.remember_future(state)
        return self.store.future(job_id)


__all__ = ["DssApiError", "Store", "Tx"]
