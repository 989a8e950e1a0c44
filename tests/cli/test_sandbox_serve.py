"""`dss sandbox serve` as its own process, and the pytest fixture as users get it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from dataikuapi import DSSClient
from dataikuapi.utils import DataikuException

pytestmark = pytest.mark.slow


def serve(*args: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "dsspulumi.cli", "sandbox", "serve", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline()
    assert "listening on" in line, line + proc.stderr.read()
    return proc, line.strip().rsplit(" ", 1)[-1]


def test_serve_keeps_content_with_data_and_refuses_bad_keys(tmp_path):
    data = tmp_path / "data"
    proc, url = serve("--port", "0", "--api-key", "k1", "--data", str(data))
    try:
        DSSClient(url, "k1").create_project("KEPT", "Kept", "admin")
        with pytest.raises(DataikuException, match="NotAuthenticatedException"):
            DSSClient(url, "wrong").list_project_keys()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    proc, url = serve("--port", "0", "--api-key", "k1", "--data", str(data))
    try:
        assert DSSClient(url, "k1").list_project_keys() == ["KEPT"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_serve_prints_url_and_key():
    proc, url = serve("--port", "0", "--user-api-key", "not-an-admin")
    try:
        key_line = proc.stdout.readline()
        assert url.startswith("http://127.0.0.1:")
        key = proc.stdout.readline().strip().split("=", 1)[1]
        assert "DKU_DSS_URL" in key_line
        assert DSSClient(url, key).get_auth_info()["authIdentifier"]
        user_line = proc.stdout.readline()
        assert user_line.strip() == "non-admin key (user sandbox_user): not-an-admin"
        user = DSSClient(url, "not-an-admin")
        assert user.get_auth_info()["authIdentifier"] == "sandbox_user"
        with pytest.raises(DataikuException, match="UnauthorizedException"):
            user.list_connections()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_fixture_is_available_to_users_tests(tmp_path):
    """Installing dsspulumi registers `dss_sandbox` through the pytest11 entry point."""
    (tmp_path / "test_user.py").write_text(
        textwrap.dedent("""
        def test_uses_sandbox(dss_sandbox):
            client = dss_sandbox.client()
            client.create_project("MINE", "Mine", "admin")
            assert client.list_project_keys() == ["MINE"]
            assert dss_sandbox.request_counts["POST /projects/"] == 1
    """)
    )
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            str(tmp_path / "test_user.py"),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "1 passed" in r.stdout


def test_serve_fail_rate_makes_calls_fail_in_dss_shape():
    proc, url = serve("--port", "0", "--api-key", "k", "--fail-rate", "1", "--fail-mix", "before")
    try:
        with pytest.raises(DataikuException):
            DSSClient(url, "k").list_project_keys()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_serve_access_log_and_edition():
    proc, url = serve("--port", "0", "--api-key", "k", "--access-log", "--edition", "free")
    try:
        client = DSSClient(url, "k")
        assert client.get_licensing_status()["communityEdition"] is True
        with pytest.raises(DataikuException, match="Not Found"):
            client._perform_json("GET", "/projects/X/no-such-route/")
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    lines = [line for line in err.splitlines() if "/dip/publicapi/" in line]
    assert lines[0].startswith("GET /dip/publicapi/admin/licensing/status 200 ")
    assert lines[1].startswith("GET /dip/publicapi/projects/X/no-such-route/ 404 ")
    assert lines[1].endswith("(unmatched route)")


def test_serve_refuses_an_unknown_edition():
    r = subprocess.run(
        [sys.executable, "-m", "dsspulumi.cli", "sandbox", "serve", "--edition", "gold"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 1
    assert "--edition must be 'enterprise' or 'free'" in r.stderr


def test_serve_help_documents_fail_rate_mix():
    r = subprocess.run(
        [sys.executable, "-m", "dsspulumi.cli", "sandbox", "serve", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1"},
    )
    assert r.returncode == 0
    text = " ".join(r.stdout.split())
    for word in ("--fail-rate", "--fail-mix", "before", "after", "drop", "--access-log"):
        assert word in text
