"""Benchmark: API calls of `dss refresh` on one project of 500 datasets and 200 recipes.

    python bench/bench_refresh.py [--datasets 500] [--recipes 200] [--keep]

Setup: a temp workspace with ``stacks/bench_refresh.py``: 1 project, ``--datasets``
datasets (the first ``--recipes`` external Filesystem datasets, each read by one Python
recipe writing one managed dataset; the rest external), applied with `dss up` against a
`dss sandbox serve` process. Calls are counted by the sandbox (``/__sandbox__/stats``).

Measured, each from a reset of the sandbox's counters:

* ``dss refresh --json`` as a user runs it: reads are batched where DSS's list endpoints
  return full definitions (datasets: one ``GET /projects/{pk}/datasets/`` per project) and
  fall back to one read per object where they do not (recipes: their list items carry no
  payload; the project: its metadata);
* the same reads one object at a time (``dsspulumi.drift.read_all(batch=False)``, the
  baseline): what the refresh cost before batching.

Both must find no drift, and both must agree object by object (exit code 1 otherwise).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from _benchlib import SandboxProcess, Workspace, fmt_counts, machine, run_dss

STACK = "bench_refresh"


def stack_source(datasets: int, recipes: int) -> str:
    lines = [
        "import dsspulumi as dss",
        "",
        'project = dss.Project("BENCH_REFRESH", name="Bench refresh")',
    ]
    external = datasets - recipes
    for i in range(external):
        lines.append(
            f'raw_{i} = dss.Dataset("raw_{i}", project=project, type="Filesystem", '
            f'connection="filesystem_root", params={{"path": "/raw/{i}"}}, format_type="csv")'
        )
    for i in range(recipes):
        lines.append(
            f'out_{i} = dss.ManagedDataset("out_{i}", project=project, '
            'connection="filesystem_managed")'
        )
        lines.append(
            f'dss.PythonRecipe("compute_{i}", project=project, inputs=[raw_{i}], '
            f'outputs=[out_{i}], code="print({i})")'
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--datasets", type=int, default=500)
    parser.add_argument("--recipes", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="keep the temp workspace")
    args = parser.parse_args()
    if not 0 < args.recipes <= args.datasets - args.recipes:
        parser.error("need 0 < recipes <= datasets - recipes")

    ws = Workspace("bench_refresh_")
    sandbox = SandboxProcess()
    try:
        ws.write_stack(STACK, stack_source(args.datasets, args.recipes), {})
        common = ["--backend", ws.backend, "--dss-url", sandbox.url]
        t0 = time.perf_counter()
        run_dss(["up", STACK, "--yes", "--json", *common], cwd=ws.root, api_key=sandbox.api_key)
        print(
            f"setup: `dss up` of 1 + {args.datasets} + {args.recipes} objects "
            f"in {time.perf_counter() - t0:.1f}s"
        )

        sandbox.reset()
        proc, wall = run_dss(
            ["refresh", STACK, "--json", "--yes", *common], cwd=ws.root, api_key=sandbox.api_key
        )
        batched = sandbox.stats()
        drift = json.loads(proc.stdout)["resources"]

        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
        from dsspulumi.backends.local import LocalBackend
        from dsspulumi.checkpoint import load_state
        from dsspulumi.drift import read_all
        from dsspulumi.providers.dss import DssProviders

        state = load_state(LocalBackend(ws.root / "state"), STACK, "dev")[0]
        registry = DssProviders(sandbox.url, sandbox.api_key)
        sandbox.reset()
        t1 = time.perf_counter()
        one_by_one = read_all(registry, state.resources, batch=False)
        baseline_wall = time.perf_counter() - t1
        baseline = sandbox.stats()
        sandbox.reset()
        same = read_all(registry, state.resources) == one_by_one

        objects = 1 + args.datasets + args.recipes
        print(f"machine: {machine()}")
        print(
            f"refresh of {objects} objects (1 project, {args.datasets} datasets, "
            f"{args.recipes} recipes)"
        )
        print(
            f"  batched  (`dss refresh`):   {batched['total']:>5} API calls "
            f"(incl. 1 API-key check), {wall:.2f}s wall"
        )
        print(fmt_counts(batched["counts"], indent="      "))
        print(
            f"  baseline (one read/object): {baseline['total']:>5} API calls, "
            f"{baseline_wall:.2f}s for the reads alone"
        )
        print(fmt_counts(baseline["counts"], indent="      "))
        saved = baseline["total"] - (batched["total"] - 1)
        print(
            f"  saved: {saved} calls ({saved / baseline['total']:.0%}); "
            f"drift found: {len(drift)}; batched == one-by-one answers: {same}"
        )
        return 0 if same and not drift else 1
    finally:
        sandbox.stop()
        if args.keep:
            print(f"workspace kept: {ws.root}")
        else:
            ws.cleanup()


if __name__ == "__main__":
    sys.exit(main())
