"""Benchmark: DSS calls per object of `dss up` and `dss up --refresh` (issue 20).

    python bench/bench_calls.py [--creation-keeps-fields yes|no] [--skip-bench-up]

The flow: 1 project, 100 managed datasets (50 inputs with a description, 50 outputs), 50
Python recipes (one input, one output, their code), 10 managed folders and 5 scenarios:
166 objects, applied with the `dss` CLI against a `dss sandbox serve` process, counted by
the sandbox's request counters (``/__sandbox__/stats``, reset before each command). Printed,
with the calls by route:

* `up` from empty: calls per created object (target <= 1.5);
* `up` changing 10 descriptions (target <= 25 calls);
* a no-op `up --refresh` (target <= 20 calls);
* `bench_up`'s measured/ideal, the ideal counting ONE call per object (target <= 1.5): 200
  datasets at 20 ms latency, --parallel 10 (``bench_up.py``'s in-process measurement, the
  median of 5 runs after one warm-up as ``bench_up.py`` reports it: the first run of a
  process also pays its imports).

Each target is printed PASS or FAIL; the exit code is 1 if any fails.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from _benchlib import SandboxProcess, Workspace, fmt_counts, machine, run_dss

STACK = "bench_calls"
DATASETS, RECIPES, FOLDERS, SCENARIOS = 100, 50, 10, 5
OBJECTS = 1 + DATASETS + RECIPES + FOLDERS + SCENARIOS
TARGETS = {"create": 1.5, "update": 25, "refresh": 20, "bench_up": 1.5}


def stack_source(version: int) -> str:
    """The flow; ``version`` changes the descriptions of the first 10 input datasets."""
    lines = [
        "import dsspulumi as dss",
        "",
        'project = dss.Project("BENCH_CALLS", name="Bench calls")',
    ]
    half = DATASETS // 2
    for i in range(half):
        desc = f"input {i}" + (f" v{version}" if i < 10 else "")
        lines.append(
            f'in_{i} = dss.ManagedDataset("in_{i}", project=project, '
            f'connection="filesystem_managed", description="{desc}", tags=["bench"])'
        )
        lines.append(
            f'out_{i} = dss.ManagedDataset("out_{i}", project=project, '
            'connection="filesystem_managed")'
        )
    for i in range(RECIPES):
        lines.append(
            f'dss.PythonRecipe("compute_{i}", project=project, inputs=[in_{i}], '
            f'outputs=[out_{i}], code="print({i})")'
        )
    for i in range(FOLDERS):
        lines.append(f'dss.ManagedFolder("folder_{i}", project=project)')
    for i in range(SCENARIOS):
        lines.append(
            f'dss.Scenario("Build {i}", project=project, steps=[dss.BuildStep([out_{i}])])'
        )
    return "\n".join(lines) + "\n"


def verdict(value: float, target: float) -> str:
    return f"[{'PASS' if value <= target else 'FAIL'}: target <= {target:g}]"


def measure(sandbox: SandboxProcess, ws: Workspace, args: list[str]) -> dict[str, Any]:
    common = ["--backend", ws.backend, "--dss-url", sandbox.url]
    sandbox.reset()
    run_dss([*args, STACK, "--yes", "--json", *common], cwd=ws.root, api_key=sandbox.api_key)
    return sandbox.stats()


def bench_up_ratio(keeps: str) -> float:
    """``bench_up``'s in-process apply of 200 datasets (20 ms, --parallel 10), against the
    ideal of one call per object: the project's create, then the datasets P at a time."""
    import bench_up

    n, lat, par = 200, 20.0, 10
    ws = Workspace("dss-bench-calls-up-")
    sandbox = SandboxProcess(latency_ms=lat, extra_args=["--creation-keeps-fields", keeps])
    try:
        envs = ("r1", "r2", "r3", "r4", "r5")
        configs = {env: bench_up.config(env.upper()) for env in ("w1", *envs)}
        ws.write_stack(bench_up.STACK, bench_up.stack_source(n), configs)
        warm = bench_up.in_process_up(ws, sandbox, par, "w1")  # not counted: pays the imports
        runs = [bench_up.in_process_up(ws, sandbox, par, env) for env in envs]
        for r in [warm, *runs]:
            if not r["succeeded"]:
                raise RuntimeError(f"bench_up's apply failed: {r['failed'][:3]}")
        r = sorted(runs, key=lambda x: x["apply_s"])[len(runs) // 2]  # the median run
        ideal_s = (1 * lat + n * lat / par) / 1e3
        ratio: float = r["apply_s"] / ideal_s
        print(
            f"bench_up: 1 project + {n} datasets at {lat:g} ms, --parallel {par}: "
            f"{r['stats']['total']} calls, apply {r['apply_s'] * 1e3:.0f} ms (median of "
            f"{', '.join(str(round(x['apply_s'] * 1e3)) for x in runs)} after a warm-up run of "
            f"{warm['apply_s'] * 1e3:.0f}); one-call ideal "
            f"1 x {lat:g} + {n} x {lat:g} / {par} = {ideal_s * 1e3:.0f} ms"
        )
        print(fmt_counts(r["stats"]["counts"], indent="      "))
        return ratio
    finally:
        sandbox.stop()
        ws.cleanup()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--creation-keeps-fields", choices=("yes", "no"), default="yes")
    ap.add_argument("--skip-bench-up", action="store_true")
    args = ap.parse_args()
    ws = Workspace("dss-bench-calls-")
    sandbox = SandboxProcess(extra_args=["--creation-keeps-fields", args.creation_keeps_fields])
    results: dict[str, float] = {}
    try:
        print(f"machine: {machine()}; sandbox --creation-keeps-fields {args.creation_keeps_fields}")
        ws.write_stack(STACK, stack_source(1), {})
        created = measure(sandbox, ws, ["up"])
        per_object = created["total"] / OBJECTS
        results["create"] = per_object
        print(
            f"`up` from empty, {OBJECTS} objects: {created['total']} calls, "
            f"{per_object:.2f} per object {verdict(per_object, TARGETS['create'])}"
        )
        print(fmt_counts(created["counts"], indent="      "))

        ws.write_stack(STACK, stack_source(2), {})
        updated = measure(sandbox, ws, ["up"])
        results["update"] = updated["total"]
        print(
            f"`up` changing 10 descriptions: {updated['total']} calls "
            f"{verdict(updated['total'], TARGETS['update'])}"
        )
        print(fmt_counts(updated["counts"], indent="      "))

        refreshed = measure(sandbox, ws, ["up", "--refresh"])
        results["refresh"] = refreshed["total"]
        print(
            f"no-op `up --refresh`: {refreshed['total']} calls "
            f"{verdict(refreshed['total'], TARGETS['refresh'])}"
        )
        print(fmt_counts(refreshed["counts"], indent="      "))
    finally:
        sandbox.stop()
        ws.cleanup()
    if not args.skip_bench_up:
        ratio = bench_up_ratio(args.creation_keeps_fields)
        results["bench_up"] = ratio
        print(
            f"bench_up measured/ideal (one call per object) = {ratio:.2f} "
            f"{verdict(ratio, TARGETS['bench_up'])}"
        )
    met = all(results[k] <= TARGETS[k] for k in results)
    print(f"all targets met: {'yes' if met else 'NO'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
