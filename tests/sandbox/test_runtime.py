"""Runtime behaviour: latency overlaps, persistence across restarts, lifecycle."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import dataikuapi
import pytest
import requests

from dsspulumi.sandbox import Sandbox


def test_latency_is_applied_and_concurrent_calls_overlap() -> None:
    with Sandbox(latency_ms=100) as sb:
        start = time.monotonic()
        sb.client().list_project_keys()
        assert time.monotonic() - start >= 0.1

        def call(_: int) -> list[str]:
            return dataikuapi.DSSClient(sb.url, sb.api_key).list_project_keys()

        start = time.monotonic()
        with ThreadPoolExecutor(max_workers=10) as pool:
            results = list(pool.map(call, range(10)))
        elapsed = time.monotonic() - start
        assert results == [[]] * 10
        assert elapsed < 0.6, elapsed  # serialised, it would take >= 1 s

        sb.latency_ms = 0
        start = time.monotonic()
        sb.client().list_project_keys()
        assert time.monotonic() - start < 0.1


def test_concurrent_creates_are_consistent(dss_sandbox: Sandbox) -> None:
    client = dss_sandbox.client()
    client.create_project("CC", "Concurrent", "admin")
    errors: list[Exception] = []

    def create(i: int) -> None:
        project = dataikuapi.DSSClient(dss_sandbox.url, dss_sandbox.api_key).get_project("CC")
        try:
            project.create_dataset(f"d{i % 5}", "Filesystem", {"connection": "filesystem_root"})
        except Exception as exc:  # noqa: BLE001 - we count the refusals
            errors.append(exc)

    threads = [threading.Thread(target=create, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    names = sorted(d.name for d in client.get_project("CC").list_datasets())
    assert names == ["d0", "d1", "d2", "d3", "d4"]
    assert len(errors) == 15
    assert all("already exists" in str(e) for e in errors)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # inside with_new_output_dataset
def test_data_dir_persists_across_restart(tmp_path: Path) -> None:
    with Sandbox(data_dir=tmp_path) as sb:
        key = sb.api_key
        client = sb.client()
        client.create_project("KEEP", "Kept", "admin", tags=["t"])
        project = client.get_project("KEEP")
        project.create_dataset("raw", "Filesystem", {"connection": "filesystem_root"})
        project.new_recipe("python", "py").with_input("raw").with_new_output_dataset(
            "out", "filesystem_managed"
        ).with_script("x = 1").create()
        project.set_variables({"standard": {"a": 1}, "local": {}})
        client.create_connection("extra", "PostgreSQL", {"host": "db"})
    # One SQLite file; closed cleanly, so the WAL was checkpointed and removed.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dss-sandbox.db"]

    with Sandbox(data_dir=tmp_path) as sb:
        assert sb.api_key == key  # generated key reused
        client = sb.client()
        project = client.get_project("KEEP")
        assert client.list_project_keys() == ["KEEP"]
        assert project.get_metadata()["tags"] == ["t"]
        assert sorted(d.name for d in project.list_datasets()) == ["out", "raw"]
        assert project.get_recipe("py").get_settings().get_code() == "x = 1"
        assert project.get_variables()["standard"] == {"a": 1}
        assert "extra" in client.list_connections()


def test_memory_only_sandbox_starts_empty_each_time() -> None:
    with Sandbox() as sb:
        sb.client().create_project("GONE", "Gone", "admin")
    with Sandbox() as sb:
        assert sb.client().list_project_keys() == []


def test_corrupt_store_file_says_where(tmp_path: Path) -> None:
    (tmp_path / "dss-sandbox.json").write_text("{oops")
    with pytest.raises(ValueError, match="dss-sandbox.json"):
        Sandbox(data_dir=tmp_path)


def test_start_stop_without_with_and_url_requires_start() -> None:
    sb = Sandbox()
    with pytest.raises(RuntimeError):
        _ = sb.url
    sb.start()
    url = sb.url
    assert url.startswith("http://127.0.0.1:")
    session = requests.Session()
    assert session.get(url + "/__sandbox__/stats").status_code == 200  # keep-alive connection
    sb.stop()
    sb.stop()
    with pytest.raises(requests.ConnectionError):
        session.get(url + "/__sandbox__/stats", timeout=2)


def test_serve_forever_returns_when_stopped() -> None:
    sb = Sandbox()
    thread = threading.Thread(target=sb.serve_forever, daemon=True)
    thread.start()
    deadline = time.monotonic() + 2
    while sb._httpd is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sb.client().list_project_keys() == []
    sb.stop()
    thread.join(timeout=2)
    assert not thread.is_alive()
