"""`dss up` of 200 objects through a flaky DSS: retries, duplicates, requests per object.

A `dss sandbox serve --fail-rate 0.2` process fails one API call in five (5xx or a dropped
connection). The run must succeed with the default `--retries 5`, create every object exactly
once, and a refreshed preview afterwards must be empty. Prints the counts; exits 1 if any of
that does not hold.

    python bench/bench_flaky.py [--fail-rate 0.2] [--objects 200]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import TypeVar

import _benchlib as lib
import requests
from dataikuapi import DSSClient
from dataikuapi.utils import DataikuException

T = TypeVar("T")


def stack_source(objects: int) -> str:
    lines = [
        "import dsspulumi as dss",
        'project = dss.Project("FLAKY", name="Flaky")',
        "prev = None",
        f"for i in range({objects // 2}):",
        '    ds = dss.ManagedDataset(f"DS{i}", project=project, connection="filesystem_managed",',
        '                            description=f"dataset {i}")',
        "    if prev is not None:",
        '        dss.PythonRecipe(f"step_{i}", project=project, inputs=[prev], outputs=[ds],',
        '                         code=f"print({i})")',
        "    prev = ds",
    ]
    return "\n".join(lines) + "\n"


def patiently(call: Callable[[], T]) -> T:
    """The bench's own checks go through the same flaky sandbox: retry them plainly."""
    for _ in range(30):
        try:
            return call()
        except (DataikuException, requests.exceptions.ConnectionError):
            continue
    return call()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fail-rate", type=float, default=0.2)
    parser.add_argument("--objects", type=int, default=200)
    args = parser.parse_args()

    ws = lib.Workspace("dss-bench-flaky-")
    sandbox = lib.SandboxProcess(extra_args=["--fail-rate", str(args.fail_rate)])
    try:
        url = sandbox.url
        ws.write_stack("flaky", stack_source(args.objects), {"dev": f'[dss]\nurl = "{url}"\n'})
        common = ["--backend", ws.backend]
        up, wall = lib.run_dss(
            ["up", "flaky", "--yes", "--json", *common], cwd=ws.root, api_key=sandbox.api_key,
            check=False,
        )
        doc = json.loads(up.stdout) if up.stdout.strip() else {}
        stats = sandbox.stats()
        declared = args.objects  # the chain: N/2 datasets, N/2 - 1 recipes, 1 project
        client = DSSClient(url, sandbox.api_key)
        project = client.get_project("FLAKY")
        datasets = patiently(lambda: project.list_datasets(as_type="listitems"))
        recipes = patiently(lambda: project.list_recipes(as_type="listitems"))
        in_dss = 1 + len(datasets) + len(recipes)
        names = [d["name"] for d in datasets] + [r["name"] for r in recipes]
        duplicates = len(names) - len(set(names)) + max(0, in_dss - declared)
        check, _ = lib.run_dss(
            ["preview", "flaky", "--refresh", "--expect-no-changes", *common],
            cwd=ws.root,
            api_key=sandbox.api_key,
            check=False,
        )
    finally:
        sandbox.stop()
        ws.cleanup()

    retries = doc.get("retries", [])
    creates_retried = sum(1 for e in retries if e["method"] == "create")
    total = stats.get("total", 0)
    print(f"machine: {lib.machine()}")
    print(f"fail rate {args.fail_rate}, {declared} objects, default --retries 5")
    print(f"  result                      {doc.get('result', 'no JSON: ' + up.stderr[-300:])}")
    print(f"  wall time                   {wall:.1f} s")
    print(f"  HTTP requests (incl. failed) {total}  ({total / declared:.2f} per object)")
    print(f"  retries                     {len(retries)}  ({creates_retried} creates re-tried)")
    print(f"  objects in DSS              {in_dss} (declared {declared})")
    print(f"  duplicates                  {duplicates}")
    print(f"  refreshed preview empty     {'yes' if check.returncode == 0 else 'NO'}")
    ok = doc.get("result") == "succeeded" and duplicates == 0 and check.returncode == 0
    ok = ok and in_dss == declared
    print("target met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
