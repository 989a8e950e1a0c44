"""Migration of a data folder written by the JSON sandbox (``<data>/dss-sandbox.json``).

Before the SQLite store, the sandbox kept everything in one JSON document (format version
1: ``{"version": 1, "apiKey", "connections": {name: conn}, "projects": {key: {metadata,
settings, permissions, variables, creationTag, versionTag, datasets: {}, recipes: {}}}}``).
On first start on such a folder it is migrated, never silently emptied:

1. the JSON is read and checked (a corrupt file or a newer format refuses to start, naming
   the file);
2. a database is built beside it under a temporary name, committed and closed;
3. the database is renamed into place, then the JSON is renamed ``dss-sandbox.json.migrated``
   (kept, in case anyone needs it).

A crash between the two renames leaves both files; the database records where it came from
(and no ``.migrated`` file exists yet), so the next start only finishes the rename. Both files
in any other case (say, an old folder copied over a migrated one): the sandbox refuses to
guess and says which file to move away.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from .kinds import recipe as recipe_kind
from .store import Store

LEGACY_FILE = "dss-sandbox.json"
LEGACY_FORMAT_VERSION = 1
MIGRATED_SUFFIX = ".migrated"


def read_legacy(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(doc, dict):
            raise ValueError("not a JSON object")
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot read the sandbox store {path}: {exc}") from exc
    version = doc.get("version")
    if version != LEGACY_FORMAT_VERSION:
        raise ValueError(
            f"sandbox store {path} has format {version!r}, which this dsspulumi cannot read; "
            "upgrade dsspulumi or use another data directory"
        )
    return doc


def import_legacy(store: Store, doc: dict[str, Any], source: str) -> None:
    """Write a version-1 JSON document into an empty store, in one transaction."""
    try:
        with store.transaction(write=True) as tx:
            # Old connections replace the seeded built-ins of the same name; built-ins added
            # since (sql_postgres) are kept, as a fresh instance would have them.
            for name, conn in doc["connections"].items():
                tx.put("connection", "", name, conn)
            for key, project in doc["projects"].items():
                datasets = project.get("datasets", {})
                recipes = project.get("recipes", {})
                row = {k: v for k, v in project.items() if k not in ("datasets", "recipes")}
                row["projectKey"] = key
                tx.put("project", key, key, row)
                for name, dataset in datasets.items():
                    tx.put("dataset", key, name, dataset)
                for name, recipe in recipes.items():
                    recipe_kind.save(tx, key, name, recipe)
            tx.conn.execute(
                "INSERT INTO meta(key, value) VALUES ('migratedFrom', ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (source,),
            )
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"cannot migrate the sandbox store {source}: {exc!r}") from exc
    if doc.get("apiKey"):
        store.api_key = str(doc["apiKey"])


def open_store(data_dir: Path, db_name: str, edition: str) -> Store:
    """Open ``data_dir``'s database, migrating a JSON store first if there is one."""
    data_dir.mkdir(parents=True, exist_ok=True)
    db_path = data_dir / db_name
    legacy = data_dir / LEGACY_FILE
    if legacy.exists() and db_path.exists():
        store = Store(db_path, edition=edition)
        with store.transaction(write=False) as tx:
            row = tx.conn.execute("SELECT value FROM meta WHERE key = 'migratedFrom'").fetchone()
        done = legacy.with_name(LEGACY_FILE + MIGRATED_SUFFIX)
        if row is None or row[0] != LEGACY_FILE or done.exists():
            store.close()
            raise ValueError(
                f"{data_dir} holds both {LEGACY_FILE} (old format) and {db_name}; move "
                f"{LEGACY_FILE} away to keep {db_name}, or remove {db_name} to migrate it again"
            )
        os.replace(legacy, done)
        return store
    if legacy.exists():
        doc = read_legacy(legacy)
        tmp = data_dir / (db_name + ".migrating")
        for leftover in (tmp, *(tmp.with_name(tmp.name + s) for s in ("-wal", "-shm"))):
            leftover.unlink(missing_ok=True)
        staging = Store(tmp, edition=edition)
        try:
            import_legacy(staging, doc, LEGACY_FILE)
        finally:
            staging.close()
        os.replace(tmp, db_path)
        _fsync_dir(data_dir)
        os.replace(legacy, legacy.with_name(LEGACY_FILE + MIGRATED_SUFFIX))
        _fsync_dir(data_dir)
    return Store(db_path, edition=edition)


def _fsync_dir(path: Path) -> None:
    if hasattr(os, "O_DIRECTORY"):  # make the renames durable (POSIX)
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
