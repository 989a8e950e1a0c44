"""Backends under test: the local folder and S3 (moto behind one global lock), same contract.

``backend`` is parametrized over both, each test with a fresh folder or a fresh
bucket. The S3 side talks real HTTP to ``MotoServer`` with boto3's ordinary
credential chain fed by environment variables, exactly as a user's run would.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from dsspulumi.backends import open_backend
from dsspulumi.backends.base import Backend
from dsspulumi.backends.local import LocalBackend
from dsspulumi.testing.moto_server import MotoServer, set_fault


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    """One in-process moto S3 server for the session (buckets keep tests apart)."""
    with MotoServer() as server:
        yield server


def clear_aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No AWS setting of the developer's shell or ~/.aws may leak into a test."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def aws_env(moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[MotoServer]:
    """AWS environment variables pointing boto3 at the moto server; faults healed afterwards."""
    clear_aws_env(monkeypatch)
    for name, value in moto_server.env().items():
        monkeypatch.setenv(name, value)
    yield moto_server
    moto_server.set_fault(None)


@pytest.fixture
def s3_bucket(aws_env: MotoServer) -> str:
    return aws_env.create_bucket(f"dss-state-{uuid.uuid4().hex[:12]}")


@pytest.fixture(params=["local", "s3"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    """A fresh, empty backend of each kind."""
    if request.param == "local":
        return LocalBackend(tmp_path / "state")
    bucket = request.getfixturevalue("s3_bucket")
    return open_backend(f"s3://{bucket}/team/state")


@pytest.fixture
def s3_backend(s3_bucket: str) -> Backend:
    return open_backend(f"s3://{s3_bucket}/team/state")


@pytest.fixture(scope="module")
def moto_process() -> Iterator[str]:
    """The runnable form as its own process (what crash and concurrency tests share): its URL."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "dsspulumi.testing.moto_server", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), url
        yield url
        set_fault(url, None)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
