"""The same lifecycle against a real DSS, when one is configured (skipped otherwise).

Set DKU_DSS_URL and DKU_API_KEY (an API key allowed to create projects; an admin key also
checks the instance kinds in `dss selftest`) and run
``python -m pytest -m real_dss tests/contract``. Every object is created in a project
with a unique key and destroyed at the end.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import uuid

import pytest

URL = os.environ.get("DKU_DSS_URL")
KEY = os.environ.get("DKU_API_KEY")

pytestmark = [
    pytest.mark.real_dss,
    pytest.mark.skipif(
        not (URL and KEY), reason="needs a real DSS: set DKU_DSS_URL and DKU_API_KEY"
    ),
]


def dss(cwd, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DKU_DSS_URL": URL or "", "DKU_API_KEY": KEY or ""}
    return subprocess.run(
        [sys.executable, "-m", "dsspulumi.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_lifecycle_on_real_dss(tmp_path):
    key = f"DSSPULUMI_CONTRACT_{uuid.uuid4().hex[:8].upper()}"
    (tmp_path / "stacks").mkdir()
    stack = tmp_path / "stacks" / "contract.py"
    source = textwrap.dedent(f"""
        import dsspulumi as dss
        project = dss.Project("{key}", name="dsspulumi contract test", description="{{desc}}")
        raw = dss.Dataset("RAW", project=project, type="Filesystem", connection="filesystem_root",
                          params={{{{"path": "/dsspulumi-contract"}}}},
                          schema=[dss.Column("id", "bigint")])
        out = dss.ManagedDataset("OUT", project=project, connection="filesystem_managed")
        dss.PythonRecipe("compute", project=project, inputs=[raw], outputs=[out], code="pass")
    """)
    stack.write_text(source.format(desc="v1"))
    try:
        r = dss(tmp_path, "up", "contract", "--yes", "--json")
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout)["summary"] == {"create": 4}
        r = dss(tmp_path, "preview", "contract", "--refresh", "--expect-no-changes")
        assert r.returncode == 0, r.stdout + r.stderr  # what we read back matches what we wrote
        stack.write_text(source.format(desc="v2"))
        r = dss(tmp_path, "up", "contract", "--yes", "--json")
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout)["summary"] == {"update": 1, "same": 3}
    finally:
        r = dss(tmp_path, "destroy", "contract", "--yes")
        assert r.returncode == 0, r.stderr


def test_selftest_on_real_dss(tmp_path):
    """Every kind, created, read back, updated, drifted and deleted on this DSS version.

    A failing line names the kind and the field where the sandbox's shapes (and so the
    providers) differ from this DSS; with a non-admin key the instance kinds are skipped.
    """
    r = dss(tmp_path, "selftest", "--json")
    report = json.loads(r.stdout) if r.stdout.strip().startswith("{") else None
    assert report is not None, r.stdout + r.stderr
    assert report["left_behind"] == [], report["left_behind"]  # nothing left, whatever failed
    failed = [
        f"{k['kind']}: " + "; ".join(p["message"] for p in k["problems"])
        for k in report["kinds"]
        if k["status"] == "failed"
    ]
    assert r.returncode == 0 and not failed, "\n".join(failed) or r.stderr
