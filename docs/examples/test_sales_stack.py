"""A full `up` of the sales stack against the DSS sandbox (the `dss_sandbox` pytest fixture).

Run with `python -m pytest docs/examples`. The fixture comes with dsspulumi: a sandbox that
speaks the DSS REST API over real HTTP, fresh for each test, so the real `dss` command runs
against it exactly as against a DSS.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

STACK = Path(__file__).parent / "stacks" / "sales.py"


def dss(sandbox, state_dir, *args):
    env = {
        **os.environ,
        "DKU_DSS_URL": sandbox.url,  # overrides dss:url of the stack's config
        "DKU_API_KEY": sandbox.api_key,
        "DSS_BACKEND": f"file://{state_dir}",  # a throw-away state
    }
    return subprocess.run(
        [sys.executable, "-m", "dsspulumi.cli", *args], env=env, capture_output=True, text=True
    )


def test_sales_stack_applies_and_is_stable(dss_sandbox, tmp_path):
    r = dss(dss_sandbox, tmp_path, "up", str(STACK), "--yes", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["result"] == "succeeded"

    # What DSS holds now, read with the real dataikuapi client.
    project = dss_sandbox.client().get_project("SALES")
    assert {d["name"] for d in project.list_datasets()} == {"ORDERS", "ORDERS_CLEAN"}
    assert [r["name"] for r in project.list_recipes()] == ["clean_orders"]

    # Applying again changes nothing, even after reading DSS back.
    r = dss(dss_sandbox, tmp_path, "preview", str(STACK), "--refresh", "--expect-no-changes")
    assert r.returncode == 0, r.stdout + r.stderr

    r = dss(dss_sandbox, tmp_path, "destroy", str(STACK), "--yes")
    assert r.returncode == 0, r.stderr
    assert "SALES" not in dss_sandbox.client().list_project_keys()
