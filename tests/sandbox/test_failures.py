"""Failure injection realistic enough to test retries: before or after the change, 500 or
a dropped connection; and the access log / stats that show what happened."""

from __future__ import annotations

import io
import re

import pytest
import requests
from dataikuapi.dss.project import DSSProject
from dataikuapi.utils import DataikuException
from sandbox_asserts import dss_error

from dsspulumi.sandbox import Sandbox

DATASETS = "/projects/{projectKey}/datasets/"


@pytest.fixture
def project(dss_sandbox: Sandbox) -> DSSProject:
    client = dss_sandbox.client()
    client.create_project("F", "Failures", "admin")
    return client.get_project("F")


def _create(project: DSSProject, name: str) -> None:
    project.create_dataset(name, "Filesystem", {"connection": "filesystem_root"})


def test_failure_after_the_handler_keeps_the_change(
    dss_sandbox: Sandbox, project: DSSProject
) -> None:
    dss_sandbox.inject_failure("POST", DATASETS, when="after", message="lost answer")
    with dss_error("java.lang.RuntimeException: lost answer"):
        _create(project, "d")
    assert project.get_dataset("d").exists()  # the client saw a 500, the change is done
    with dss_error("com.dataiku.dip.exceptions.CodedException: Dataset F.d already exists"):
        _create(project, "d")  # a naive retry meets its own earlier success


def test_dropped_connection_before_changes_nothing(
    dss_sandbox: Sandbox, project: DSSProject
) -> None:
    dss_sandbox.inject_failure("POST", DATASETS, mode="drop")
    with pytest.raises(requests.exceptions.ConnectionError):
        _create(project, "d")
    assert not project.get_dataset("d").exists()
    _create(project, "d")  # the next call is served normally


def test_dropped_connection_after_keeps_the_change(
    dss_sandbox: Sandbox, project: DSSProject
) -> None:
    dss_sandbox.inject_failure("POST", DATASETS, when="after", mode="drop")
    with pytest.raises(requests.exceptions.ConnectionError):
        _create(project, "d")
    assert project.get_dataset("d").exists()
    stats = requests.get(dss_sandbox.url + "/__sandbox__/stats").json()
    assert stats["injected"] == {"after-drop": 1}


def test_inject_failure_checks_its_arguments(dss_sandbox: Sandbox) -> None:
    with pytest.raises(ValueError, match="when"):
        dss_sandbox.inject_failure(when="during")
    with pytest.raises(ValueError, match="mode"):
        dss_sandbox.inject_failure(mode="explode")


def _outcomes(seed: int) -> list[str]:
    """Create 60 datasets at fail rate 0.5: what happened to each call, and was it applied."""
    out = []
    with Sandbox(fail_rate=0.5, seed=seed, fail_mix=["before", "after", "drop"]) as sb:
        client = sb.client()
        sb.fail_rate = 0.0
        client.create_project("R", "R", "admin")
        sb.fail_rate = 0.5
        project = client.get_project("R")
        for i in range(60):
            try:
                _create(project, f"d{i}")
                result = "ok"
            except DataikuException:
                result = "500"
            except requests.exceptions.ConnectionError:
                result = "drop"
            sb.fail_rate = 0.0
            applied = project.get_dataset(f"d{i}").exists()
            sb.fail_rate = 0.5
            out.append(f"{result}:{applied}")
        stats = requests.get(sb.url + "/__sandbox__/stats").json()  # never fails
        assert set(stats["injected"]) == {"before-status", "after-status", "after-drop"}
    return out


def test_fail_rate_mixes_failure_kinds_reproducibly() -> None:
    first = _outcomes(seed=7)
    assert first == _outcomes(seed=7)  # same seed, same calls: same failures
    kinds = set(first)
    assert {"ok:True", "500:False", "500:True", "drop:True"} <= kinds, kinds
    assert kinds <= {"ok:True", "500:False", "500:True", "drop:True"}


def test_in_process_default_mix_is_before_only() -> None:
    with Sandbox(fail_rate=1.0, seed=5) as sb:
        client = sb.client()
        for _ in range(10):
            with dss_error("java.lang.RuntimeException: Injected random failure (before"):
                client.create_project("B", "B", "admin")
        sb.fail_rate = 0
        assert client.list_project_keys() == []


def test_fail_mix_restricts_the_kinds() -> None:
    with Sandbox(fail_rate=1.0, seed=3, fail_mix=["after"]) as sb:
        with dss_error("java.lang.RuntimeException: Injected random failure (after"):
            sb.client().create_project("A", "A", "admin")
        sb.fail_rate = 0
        assert sb.client().list_project_keys() == ["A"]
    with pytest.raises(ValueError, match="unknown failure kind"):
        Sandbox(fail_mix=["sideways"])


def test_control_endpoints_never_fail() -> None:
    with Sandbox(fail_rate=1.0) as sb:
        for _ in range(20):
            assert requests.get(sb.url + "/__sandbox__/stats").status_code == 200


def test_access_log_has_one_line_per_request_and_marks_unmatched_routes() -> None:
    log = io.StringIO()
    with Sandbox(access_log=log) as sb:
        client = sb.client()
        client.create_project("LOG", "Log", "admin")
        with pytest.raises(DataikuException):
            client._perform_json("GET", "/projects/LOG/nope/")
        with pytest.raises(DataikuException):
            client.get_project("NOPE").get_metadata()
        stats = requests.get(sb.url + "/__sandbox__/stats").json()
    lines = log.getvalue().splitlines()
    assert len(lines) == 4, lines
    assert re.fullmatch(r"POST /dip/publicapi/projects/ 200 \d+\.\dms", lines[0])
    assert re.fullmatch(
        r"GET /dip/publicapi/projects/LOG/nope/ 404 \d+\.\dms \(unmatched route\)", lines[1]
    )
    assert re.fullmatch(r"GET /dip/publicapi/projects/NOPE/metadata 404 \d+\.\dms", lines[2])
    assert lines[3].startswith("GET /__sandbox__/stats 200 ")
    assert stats["unmatched"] == {"GET /dip/publicapi/projects/LOG/nope/": 1}
    assert stats["counts"]["GET (unmatched)"] == 1


def test_dropped_call_is_logged_as_dropped() -> None:
    log = io.StringIO()
    with Sandbox(access_log=log) as sb:
        sb.inject_failure(mode="drop")
        with pytest.raises(requests.exceptions.ConnectionError):
            sb.client().list_project_keys()
    assert re.fullmatch(r"GET /dip/publicapi/projects/ dropped \d+\.\dms", log.getvalue().strip())
