"""The SQLite store: migration of JSON data folders, refusals, restarts, cost per write."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from dsspulumi.sandbox import Sandbox

_TAG = {"versionNumber": 0, "lastModifiedBy": {"login": "admin"}, "lastModifiedOn": 1796305270623}


def legacy_doc() -> dict[str, Any]:
    """A data folder as the JSON sandbox (format 1) wrote it: one project with a dataset, a
    managed output and a python recipe, an extra connection, the API key."""

    def conn(name: str, type_: str, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "name": name,
            "type": type_,
            "description": "",
            "params": params,
            "usableBy": "ALL",
            "allowedGroups": [],
            "allowManagedDatasets": True,
            "credentialsMode": "GLOBAL",
            "creationTag": _TAG,
        }

    def dataset(name: str, managed: bool) -> dict[str, Any]:
        return {
            "projectKey": "OLD",
            "name": name,
            "type": "Filesystem",
            "managed": managed,
            "params": {"connection": "filesystem_root", "path": f"/{name}"},
            "formatType": "csv",
            "formatParams": {},
            "partitioning": {"dimensions": []},
            "schema": {"columns": [{"name": "id", "type": "bigint"}], "userModified": False},
            "tags": ["kept"],
            "description": "",
            "shortDesc": "",
            "checklists": {"checklists": []},
            "customMeta": {"kv": {}},
            "customFields": {"mark": name},
            "creationTag": _TAG,
            "versionTag": _TAG,
        }

    recipe = {
        "projectKey": "OLD",
        "name": "py",
        "type": "python",
        "params": {"envSelection": {"envMode": "INHERIT"}},
        "inputs": {"main": {"items": [{"ref": "raw", "deps": []}]}},
        "outputs": {"main": {"items": [{"ref": "out", "appendMode": False}]}},
        "tags": [],
        "description": "",
        "shortDesc": "",
        "checklists": {"checklists": []},
        "customMeta": {"kv": {}},
        "customFields": {},
        "creationTag": _TAG,
        "versionTag": _TAG,
    }
    return {
        "version": 1,
        "apiKey": "legacy-key",
        "connections": {
            "filesystem_root": conn("filesystem_root", "Filesystem", {"root": "/"}),
            "extra": conn("extra", "PostgreSQL", {"host": "db"}),
        },
        "projects": {
            "OLD": {
                "metadata": {
                    "label": "Old",
                    "description": "",
                    "shortDesc": "",
                    "tags": ["t"],
                    "checklists": {"checklists": []},
                    "custom": {"kv": {}},
                    "customFields": {},
                },
                "settings": {"settings": {}, "exposedObjects": {"objects": []}},
                "permissions": {"owner": "admin", "permissions": []},
                "variables": {"standard": {"a": 1}, "local": {}},
                "creationTag": _TAG,
                "versionTag": _TAG,
                "datasets": {"raw": dataset("raw", False), "out": dataset("out", True)},
                "recipes": {"py": {"recipe": recipe, "payload": "x = 1"}},
            }
        },
    }


def test_json_data_folder_is_migrated_on_first_start(tmp_path: Path) -> None:
    (tmp_path / "dss-sandbox.json").write_text(json.dumps(legacy_doc()))
    with Sandbox(data_dir=tmp_path) as sb:
        assert sb.api_key == "legacy-key"  # the key clients already use keeps working
        client = sb.client()
        assert client.list_project_keys() == ["OLD"]
        project = client.get_project("OLD")
        assert project.get_metadata()["tags"] == ["t"]
        assert project.get_variables()["standard"] == {"a": 1}
        assert [d.name for d in project.list_datasets()] == ["raw", "out"]
        raw = project.get_dataset("raw").get_settings().get_raw()
        assert raw["schema"]["columns"] == [{"name": "id", "type": "bigint"}]
        assert raw["customFields"] == {"mark": "raw"}
        assert project.get_recipe("py").get_settings().get_code() == "x = 1"
        assert {"extra", "filesystem_root", "sql_postgres"} <= set(client.list_connections())
        # The producer index was rebuilt: `out` already has its recipe.
        with pytest.raises(Exception, match="already the output of recipe py"):
            project.new_recipe("sync", "again").with_input("raw").with_output("out").create()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["dss-sandbox.db", "dss-sandbox.json.migrated"]  # the old file is kept
    assert json.loads((tmp_path / "dss-sandbox.json.migrated").read_text()) == legacy_doc()
    with Sandbox(data_dir=tmp_path) as sb:  # second start: no migration, same content
        assert sb.client().list_project_keys() == ["OLD"]


def test_both_formats_present_is_refused_with_what_to_do(tmp_path: Path) -> None:
    with Sandbox(data_dir=tmp_path) as sb:
        sb.client().create_project("NEW", "New", "admin")
    (tmp_path / "dss-sandbox.json").write_text(json.dumps(legacy_doc()))
    with pytest.raises(ValueError, match="move dss-sandbox.json away"):
        Sandbox(data_dir=tmp_path)
    assert (tmp_path / "dss-sandbox.json").exists()  # nothing was touched


def test_interrupted_migration_finishes_on_next_start(tmp_path: Path) -> None:
    """A crash after the database was renamed into place, before the JSON was renamed."""
    (tmp_path / "dss-sandbox.json").write_text(json.dumps(legacy_doc()))
    with Sandbox(data_dir=tmp_path):
        pass
    (tmp_path / "dss-sandbox.json.migrated").rename(tmp_path / "dss-sandbox.json")
    with Sandbox(data_dir=tmp_path) as sb:
        assert sb.client().list_project_keys() == ["OLD"]
    assert not (tmp_path / "dss-sandbox.json").exists()
    # An old JSON copied in again later is not taken for the interrupted one: refused.
    (tmp_path / "dss-sandbox.json").write_text(json.dumps(legacy_doc()))
    with pytest.raises(ValueError, match="move dss-sandbox.json away"):
        Sandbox(data_dir=tmp_path)


def test_broken_json_folder_is_refused_not_emptied(tmp_path: Path) -> None:
    doc = legacy_doc()
    del doc["projects"]
    (tmp_path / "dss-sandbox.json").write_text(json.dumps(doc))
    with pytest.raises(ValueError, match="cannot migrate"):
        Sandbox(data_dir=tmp_path)
    assert (tmp_path / "dss-sandbox.json").exists()
    assert not (tmp_path / "dss-sandbox.db").exists()


def test_corrupt_database_says_where(tmp_path: Path) -> None:
    (tmp_path / "dss-sandbox.db").write_bytes(b"not a database at all" * 100)
    with pytest.raises(ValueError, match="dss-sandbox.db"):
        Sandbox(data_dir=tmp_path)


def test_database_from_newer_sandbox_says_upgrade(tmp_path: Path) -> None:
    with Sandbox(data_dir=tmp_path):
        pass
    with sqlite3.connect(tmp_path / "dss-sandbox.db") as conn:
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'format'")
    conn.close()
    with pytest.raises(ValueError, match="upgrade dsspulumi"):
        Sandbox(data_dir=tmp_path)


def test_one_row_per_object_and_project_delete_cascades(tmp_path: Path) -> None:
    with Sandbox(data_dir=tmp_path) as sb:
        client = sb.client()
        client.create_project("P", "P", "admin")
        project = client.get_project("P")
        project.create_dataset("a", "Filesystem", {"connection": "filesystem_root"})
        project.create_dataset("b", "Filesystem", {"connection": "filesystem_root"})
        project.new_recipe("sync", "s").with_input("a").with_output("b").create()
        assert sb.store.count("dataset") == 2 and sb.store.count("recipe") == 1
        project.delete()
        assert sb.store.count("dataset") == 0 and sb.store.count("recipe") == 0
        client.create_project("P", "P", "admin")  # same key again: nothing left behind
        project = client.get_project("P")
        project.create_dataset("a", "Filesystem", {"connection": "filesystem_root"})
        project.create_dataset("b", "Filesystem", {"connection": "filesystem_root"})
        project.new_recipe("sync", "s2").with_input("a").with_output("b").create()
    with sqlite3.connect(tmp_path / "dss-sandbox.db") as conn:
        rows = conn.execute("SELECT kind, project, id FROM objects ORDER BY kind, id").fetchall()
    conn.close()
    assert ("dataset", "P", "a") in rows and ("recipe", "P", "s2") in rows
    assert ("project", "P", "P") in rows


def _median_write_ms(sb: Sandbox, project: str, start: int, n: int) -> float:
    client = sb.client()
    p = client.get_project(project)
    times = []
    for i in range(start, start + n):
        t0 = time.perf_counter()
        p.create_dataset(f"w{i}", "Filesystem", {"connection": "filesystem_root"})
        times.append(time.perf_counter() - t0)
    times.sort()
    return times[len(times) // 2] * 1000


def test_write_cost_does_not_grow_with_the_store(tmp_path: Path) -> None:
    """A write touches its own row: 2,000 more objects must not make a write much slower
    (the JSON store rewrote everything: ~20x slower at this size). Loose bound, no timing
    target: the bench measures the ratio precisely."""
    with Sandbox(data_dir=tmp_path) as sb:
        client = sb.client()
        client.create_project("BIG", "Big", "admin")
        small = _median_write_ms(sb, "BIG", 0, 40)
        with sb.store.transaction(write=True) as tx:
            for i in range(2000):
                tx.put("dataset", "BIG", f"filler{i}", {"name": f"filler{i}", "x": "y" * 1500})
        big = _median_write_ms(sb, "BIG", 100, 40)
    assert big < small * 3 + 2, (small, big)


def test_reads_run_while_a_write_is_in_progress(tmp_path: Path) -> None:
    """On disk (WAL), a reader is not blocked by a writer, as on DSS; writers queue."""
    with Sandbox(data_dir=tmp_path) as sb:
        client = sb.client()
        client.create_project("RW", "Read while writing", "admin")
        release = threading.Event()
        holding = threading.Event()

        def hold_write() -> None:
            with sb.store.transaction(write=True) as tx:
                tx.put("dataset", "RW", "slow", {"name": "slow", "projectKey": "RW"})
                holding.set()
                release.wait(10)

        writer = threading.Thread(target=hold_write)
        writer.start()
        try:
            assert holding.wait(5)
            t0 = time.perf_counter()
            assert client.list_project_keys() == ["RW"]  # served from the last commit
            assert client.get_project("RW").list_datasets() == []  # "slow" not committed yet
            assert time.perf_counter() - t0 < 2
            done: list[str] = []
            blocked = threading.Thread(
                target=lambda: done.append(
                    str(client.create_project("RW2", "Second writer", "admin"))
                )
            )
            blocked.start()
            blocked.join(0.3)
            assert not done  # the second writer waits for the first to commit
        finally:
            release.set()
            writer.join()
        blocked.join(5)
        assert done and sorted(client.list_project_keys()) == ["RW", "RW2"]
        assert [d.name for d in client.get_project("RW").list_datasets()] == ["slow"]
