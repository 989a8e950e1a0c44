"""Real processes for crash and concurrency tests: a sandbox server and a moto S3 server."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dsspulumi.testing.moto_server import TEST_ENV

DSS = [sys.executable, "-m", "dsspulumi.cli"]
_buckets = itertools.count()


def _serve(tmp_path, latency_ms: int):
    """`dss sandbox serve` as its own process, with latency so runs can be caught mid-way."""
    proc = subprocess.Popen(
        [
            *DSS,
            "sandbox",
            "serve",
            "--port",
            "0",
            "--api-key",
            "crash-key",
            "--latency-ms",
            str(latency_ms),
            "--data",
            str(tmp_path / "sandbox-data"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        assert "listening on" in line, line + proc.stderr.read()
        yield line.strip().rsplit(" ", 1)[-1]
    finally:
        proc.kill()
        proc.wait()


@pytest.fixture
def served_sandbox(tmp_path):
    """`dss sandbox serve` as its own process, with latency so runs can be caught mid-way."""
    yield from _serve(tmp_path, 60)


@pytest.fixture(params=["local", "s3"])
def backend_env(request, tmp_path) -> dict[str, str]:
    """Environment variables that select the state backend for child `dss` processes."""
    if request.param == "local":
        return {"DSS_BACKEND": f"file://{tmp_path}/state"}
    server = request.getfixturevalue("moto")
    bucket = f"crash-state-{next(_buckets)}"
    server.create_bucket(bucket)
    return {**TEST_ENV, "AWS_ENDPOINT_URL": server.url, "DSS_BACKEND": f"s3://{bucket}/teams"}


def serve(
    data: Path, port: int = 0, *, key: str = "kill-key", latency_ms: float = 15
) -> tuple[subprocess.Popen[str], str]:
    """`dss sandbox serve --data DATA` on ``port`` (0: a free one): the process and its URL.
    The caller kills it (kill -9 is the point) and may start another on the same data and
    port."""
    proc = subprocess.Popen(
        [
            *DSS,
            "sandbox",
            "serve",
            "--port",
            str(port),
            "--api-key",
            key,
            "--latency-ms",
            str(latency_ms),
            "--data",
            str(data),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline()
    assert "listening on" in line, line + proc.stderr.read()
    return proc, line.strip().rsplit(" ", 1)[-1]


def run_dss(
    workdir: Path, url: str, *args: str, key: str = "kill-key", timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    """A `dss` command against ``url``, with the state in ``workdir/state``."""
    env = {**os.environ, "DKU_DSS_URL": url, "DKU_API_KEY": key}
    env["DSS_BACKEND"] = f"file://{workdir}/state"
    return subprocess.run(
        [*DSS, *args], cwd=workdir, env=env, capture_output=True, text=True, timeout=timeout
    )
