"""Ctrl-C on `dss up`: exit 130 as shells expect, nothing lost, the next run converges."""

from __future__ import annotations

import os
import signal
import subprocess
import textwrap
import time

import pytest

from tests.crash.conftest import DSS


@pytest.mark.slow
def test_sigint_exits_130_and_the_next_run_converges(tmp_path, served_sandbox):
    stack = """
    import dsspulumi as dss
    project = dss.Project("SIGINT", name="Interrupted")
    for i in range(30):
        dss.ManagedDataset(f"DS{i}", project=project, connection="filesystem_managed")
    """
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "sig.py").write_text(textwrap.dedent(stack))
    env = {
        **os.environ,
        "DKU_DSS_URL": served_sandbox,
        "DKU_API_KEY": "crash-key",
        "DSS_BACKEND": f"file://{tmp_path}/state",
    }
    proc = subprocess.Popen(
        [*DSS, "up", "sig", "--yes", "--parallel", "2"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline()
    while line and "created" not in line:  # the run is applying: interrupt it mid-way
        line = proc.stdout.readline()
    assert line, proc.stderr.read()
    time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    healed = subprocess.run(
        [*DSS, "up", "sig", "--yes", "--json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert healed.returncode == 0, healed.stderr
