"""`dss up` on a real terminal (a pty): the confirmation question and the live progress."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.slow

STACK = """
project = dss.Project("TTY", name="Tty")
for i in range(4):
    dss.ManagedDataset(f"DS{i}", project=project, connection="filesystem_managed")
"""


def run_on_pty(ws, args: list[str], answer: str | None) -> tuple[int, str]:
    leader, follower = os.openpty()
    env = {
        **os.environ,
        "DKU_DSS_URL": ws.sandbox.url,
        "DKU_API_KEY": ws.sandbox.api_key,
        "TERM": "xterm",
        "COLUMNS": "120",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "dsspulumi.cli", *args],
        cwd=ws.root,
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=env,
    )
    os.close(follower)
    output = b""
    answered = False
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
        if answer is not None and not answered and b"[y/N]" in output:
            os.write(leader, answer.encode() + b"\r")
            answered = True
        if proc.poll() is not None and not ready:
            break
    proc.wait(timeout=10)
    os.close(leader)
    return proc.returncode, output.decode(errors="replace")


def test_confirm_yes_applies_with_live_progress(ws):
    ws.stack("tty", STACK)
    code, out = run_on_pty(ws, ["up", "tty"], answer="y")
    assert code == 0, out
    assert "Do you want to perform this up?" in out
    assert "done" in out and "up succeeded" in out
    assert "TTY" in ws.sandbox.client().list_project_keys()


def test_confirm_no_changes_nothing(ws):
    ws.stack("tty", STACK)
    code, out = run_on_pty(ws, ["up", "tty"], answer="n")
    assert code == 1, out
    assert "cancelled" in out
    assert "TTY" not in ws.sandbox.client().list_project_keys()
