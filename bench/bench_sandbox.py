"""Benchmark: the sandbox holding a real-sized flow (issue 7).

    python bench/bench_sandbox.py [--samples 200] [--objects 5000] [--parallel 16] [--keep]
                                  [--skip-store] [--skip-stack]

Both parts run against a `dss sandbox serve --data DIR` *process* (SQLite on disk, every
change committed durably before it is answered: the configuration users and CI run), with
no injected latency, so every millisecond measured is the sandbox's own or the client's.

(1) Cost of a write vs the size of the store. One project; a sequential real client
    (``dataikuapi``, keep-alive) times ``--samples`` rounds of three mutating requests --
    create a dataset (POST), save its metadata (PUT), delete it (DELETE) -- with 100 objects
    in the store, then again after filling it to 10,000 objects (datasets with a 20-column
    schema, ~2 KB each). Printed: the median per request kind and over all of them, and the
    ratio 10,000 / 100. Target: ratio <= 1.5 (a write touches only its own row). The JSON
    store this replaces rewrote the whole document on every write: linear in the store.

(2) `dss up` of a 5,000-object stack: 1 project, 2,500 managed datasets and 2,500 Python
    recipes in a chain (recipe i reads dataset i-1 and writes dataset i; the first reads one
    external source dataset), ``--parallel 16``.
    Printed: wall time (target < 90 s on 2 cores), HTTP requests per object, the sandbox's
    share of the time (CPU seconds of the sandbox process / wall seconds; the rest is the
    engine, the client and waiting), and the `dss` process's CPU for comparison. Then
    `dss preview --expect-no-changes` (must be empty) and `dss destroy --yes`, timed too.

Exit code 1 if an `up`/`preview`/`destroy` fails or the preview is not empty; the time
targets are printed as PASS/FAIL only.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import dataikuapi
from _benchlib import SandboxProcess, Workspace, dss_command, fmt_counts, machine

STACK = "bench_sandbox"
TARGET_RATIO = 1.5
TARGET_UP_SECONDS = 90.0
SCHEMA = [{"name": f"col_{i:02d}", "type": "string"} for i in range(20)]


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (Linux /proc), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


# ---- (1) cost per write vs store size -----------------------------------------------------


def fill(url: str, key: str, project: str, start: int, stop: int) -> None:
    """Create datasets ``start..stop-1`` with a schema, 8 client threads."""

    def create(chunk: Sequence[int]) -> None:
        p = dataikuapi.DSSClient(url, key).get_project(project)
        for i in chunk:
            p.create_dataset(f"FILL_{i:05d}", "Filesystem", {"connection": "filesystem_root"})
            ds = p.get_dataset(f"FILL_{i:05d}")
            ds.set_schema({"columns": SCHEMA})

    ids = list(range(start, stop))
    chunks = [ids[i::8] for i in range(8)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(create, chunks))


def time_writes(url: str, key: str, project: str, samples: int) -> dict[str, float]:
    """Median ms per mutating request kind (and over all), sequential, keep-alive."""
    p = dataikuapi.DSSClient(url, key).get_project(project)
    times: dict[str, list[float]] = {"POST create": [], "PUT metadata": [], "DELETE": []}
    for i in range(samples):
        name = f"PROBE_{i:05d}"
        t0 = time.perf_counter()
        p.create_dataset(name, "Filesystem", {"connection": "filesystem_root"})
        t1 = time.perf_counter()
        ds = p.get_dataset(name)
        ds.set_metadata({"label": name, "tags": ["probe"], "description": f"probe {i}"})
        t2 = time.perf_counter()
        ds.delete()
        t3 = time.perf_counter()
        times["POST create"].append(t1 - t0)
        times["PUT metadata"].append(t2 - t1)
        times["DELETE"].append(t3 - t2)
    out = {k: statistics.median(v) * 1e3 for k, v in times.items()}
    out["all mutating"] = statistics.median([t for v in times.values() for t in v]) * 1e3
    return out


def bench_store(ws: Workspace, samples: int) -> bool:
    sandbox = SandboxProcess(data_dir=ws.root / "store-data")
    try:
        client = dataikuapi.DSSClient(sandbox.url, sandbox.api_key)
        client.create_project("STORE", "Store bench", "admin")
        fill(sandbox.url, sandbox.api_key, "STORE", 0, 99)  # + the project = 100 objects
        small = time_writes(sandbox.url, sandbox.api_key, "STORE", samples)
        t0 = time.perf_counter()
        fill(sandbox.url, sandbox.api_key, "STORE", 99, 9999)  # 10,000 objects
        fill_s = time.perf_counter() - t0
        big = time_writes(sandbox.url, sandbox.api_key, "STORE", samples)
        size = (ws.root / "store-data" / "dss-sandbox.db").stat().st_size
    finally:
        sandbox.stop()
    ratio = big["all mutating"] / small["all mutating"]
    print("=" * 72)
    print("(1) sandbox time per mutating request vs store size (dss sandbox serve --data)")
    print(f"    machine: {machine()}; {samples} samples per kind, sequential client")
    print(f"    filled 9,900 datasets (create + schema PUT each) in {fill_s:.1f} s")
    print(f"    database: {size >> 20} MB")
    print(f"    {'request':<16}{'100 objects':>14}{'10,000 objects':>17}{'ratio':>9}")
    for kind in small:
        print(
            f"    {kind:<16}{small[kind]:>11.2f} ms{big[kind]:>14.2f} ms"
            f"{big[kind] / small[kind]:>9.2f}"
        )
    verdict = "PASS" if ratio <= TARGET_RATIO else "FAIL"
    print(f"    ratio (all mutating): {ratio:.2f}   [{verdict}: target <= {TARGET_RATIO}]")
    return True


# ---- (2) dss up of a 5,000-object stack ---------------------------------------------------


def stack_source(n_datasets: int) -> str:
    return "\n".join(
        [
            '"""Generated by bench/bench_sandbox.py: managed datasets + Python recipes."""',
            "",
            "import dsspulumi as dss",
            "",
            'project = dss.Project("BENCH_BIG", name="Bench sandbox")',
            'previous = dss.Dataset("SOURCE", project=project, type="Filesystem",',
            '                       connection="filesystem_root", params={"path": "/bench"})',
            f"for i in range({n_datasets}):",
            '    ds = dss.ManagedDataset(f"DS_{i:05d}", project=project,',
            '                            connection="filesystem_managed")',
            '    dss.PythonRecipe(f"compute_{i:05d}", project=project,',
            "                     inputs=[previous], outputs=[ds],",
            '                     code=f"# step {i}\\nimport dataiku\\n")',
            "    previous = ds",
            "",
        ]
    )


def run(
    args: list[str], cwd: Path, key: str, timeout: float
) -> tuple[subprocess.CompletedProcess[str], float, float]:
    """Run `dss ARGS`; return the process, its wall seconds and its CPU seconds."""
    env = {**os.environ, "DKU_API_KEY": key}
    env.pop("DKU_DSS_URL", None)
    env.pop("DSS_BACKEND", None)
    t0 = time.perf_counter()
    before = os.times()
    proc = subprocess.run(
        [*dss_command(), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    after = os.times()
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    return proc, time.perf_counter() - t0, cpu


def bench_stack(ws: Workspace, objects: int, parallel: int) -> bool:
    n = objects // 2
    ws.write_stack(STACK, stack_source(n), {})
    sandbox = SandboxProcess(data_dir=ws.root / "stack-data")
    ok = True
    try:
        common = ["--backend", ws.backend, "--dss-url", sandbox.url]
        results = {}
        for label, args in (
            ("up", ["up", STACK, "--yes", "--json", "--parallel", str(parallel)]),
            ("preview", ["preview", STACK, "--json", "--expect-no-changes"]),
            ("destroy", ["destroy", STACK, "--yes", "--json", "--parallel", str(parallel)]),
        ):
            sandbox.reset()
            cpu0 = cpu_seconds(sandbox.proc.pid)
            print(f"  dss {label} ...", flush=True)
            proc, wall, dss_cpu = run([*args, *common], ws.root, sandbox.api_key, timeout=1200)
            sb_cpu = cpu_seconds(sandbox.proc.pid) - cpu0
            stats = sandbox.stats()
            results[label] = (proc, wall, dss_cpu, sb_cpu, stats)
            if proc.returncode != 0:
                ok = False
                print(f"  `dss {label}` exited {proc.returncode}:\n{proc.stderr[-3000:]}")
                if label == "up":
                    break
    finally:
        sandbox.stop()

    print("=" * 72)
    print(f"(2) {objects:,}-object stack ({n:,} managed datasets + {n:,} Python recipes, a chain)")
    print(f"    against `dss sandbox serve --data DIR`, --parallel {parallel}; {machine()}")
    for label, (proc, wall, dss_cpu, sb_cpu, stats) in results.items():
        summary = ""
        try:
            doc = json.loads(proc.stdout)
            summary = f" result={doc.get('result', '-')} summary={doc.get('summary')}"
        except ValueError:
            pass
        calls = stats["total"]
        print(
            f"  {label:<8} wall {wall:7.1f} s | {calls:6d} requests = {calls / objects:.2f}/object"
            f" | sandbox CPU {sb_cpu:6.1f} s = {sb_cpu / wall:4.0%} of wall"
            f" | dss CPU {dss_cpu:6.1f} s"
        )
        print(f"           {summary.strip()}")
        if label == "up":
            verdict = "PASS" if wall < TARGET_UP_SECONDS and proc.returncode == 0 else "FAIL"
            print(f"           [{verdict}: target < {TARGET_UP_SECONDS:.0f} s]")
            print(fmt_counts(stats["counts"], indent="           "))
        if stats.get("unmatched"):
            print(f"           unmatched routes: {stats['unmatched']}")
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--samples", type=int, default=200, help="rounds per store size")
    ap.add_argument("--objects", type=int, default=5000, help="stack size (half datasets)")
    ap.add_argument("--parallel", type=int, default=16)
    ap.add_argument("--skip-store", action="store_true", help="skip part (1)")
    ap.add_argument("--skip-stack", action="store_true", help="skip part (2)")
    ap.add_argument("--keep", action="store_true", help="keep the temp workspace")
    args = ap.parse_args()
    ws = Workspace("dss-bench-sandbox-")
    ok = True
    try:
        if not args.skip_store:
            ok = bench_store(ws, args.samples) and ok
        if not args.skip_stack:
            ok = bench_stack(ws, args.objects, args.parallel) and ok
        print("=" * 72)
        return 0 if ok else 1
    finally:
        if args.keep:
            print(f"workspace kept in {ws.root}")
        else:
            ws.cleanup()


if __name__ == "__main__":
    sys.exit(main())
