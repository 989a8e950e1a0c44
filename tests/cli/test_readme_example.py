"""The README's main command, as a new user runs it: the example stack on the embedded sandbox."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DSS = [sys.executable, "-m", "dsspulumi.cli"]

pytestmark = pytest.mark.slow


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DKU_DSS_URL", "DKU_API_KEY", "DSS_BACKEND")
    }
    return subprocess.run(
        [*DSS, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def test_example_stack_on_embedded_sandbox(tmp_path):
    shutil.copytree(REPO / "stacks", tmp_path / "stacks")
    r = run(tmp_path, "up", "customer_analytics", "--yes")
    assert r.returncode == 0, r.stderr
    assert "up succeeded" in r.stdout and "6 created" in r.stdout
    assert (tmp_path / ".dss" / "sandbox").is_dir()  # the sandbox persisted its content

    # The sandbox kept the objects across processes: a refreshed preview finds nothing to do.
    r = run(tmp_path, "preview", "customer_analytics", "--refresh", "--expect-no-changes")
    assert r.returncode == 0, r.stdout + r.stderr

    stack = tmp_path / "stacks" / "customer_analytics.py"
    stack.write_text(
        stack.read_text().replace(
            'description="Churn features"', 'description="Churn features, v2"'
        )
    )
    r = run(tmp_path, "preview", "customer_analytics", "--json")
    changed = [s for s in json.loads(r.stdout)["steps"] if s["op"] != "same"]
    assert [(s["name"], s["op"], [d["path"] for d in s["diff"]]) for s in changed] == [
        ("CUSTOMER_ANALYTICS", "update", ["description"])
    ]
    assert run(tmp_path, "up", "customer_analytics", "--yes").returncode == 0

    # The same program in prod, with prod's configuration (other key, more report copies).
    r = run(tmp_path, "up", "customer_analytics", "--yes", "-e", "prod", "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["outputs"] == {"project_key": "CUSTOMER_ANALYTICS_PROD"}
    assert doc["summary"] == {"create": 10}

    r = run(tmp_path, "destroy", "customer_analytics", "--yes")
    assert r.returncode == 0, r.stderr
    assert "6 deleted" in r.stdout
    assert run(tmp_path, "destroy", "customer_analytics", "--yes", "-e", "prod").returncode == 0
