"""Benchmark: what a small change costs on the S3 backend, for a 1,000-object stack.

    python bench/bench_s3.py [--keep]

Setup: the 1,000-object stack of ``bench_preview.py`` (10 projects x 100 objects),
state in S3 (a moto server in this process, behind one global lock, as in the tests),
DSS a `dss sandbox serve` process. It is applied once; then the descriptions of 10
datasets change and `dss up --yes` runs again.

Measured for that second `up`, from the S3 server's own counters (reset before it):
requests by method, bytes received (what the backend wrote), and both per changed
object; the state object's size; and, for comparison, what rewriting the whole state
after every step would have written (Pulumi's file/S3 backend does so twice per step).
The target is that cost grows with the change, not with the stack: a few small journal
records per changed object plus one compacted state write, no full write per step.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from _benchlib import SandboxProcess, Workspace, fmt_counts, machine, run_dss
from bench_preview import OBJECTS, STACK, stack_source

from dsspulumi.testing.moto_server import TEST_ENV, MotoServer

CHANGED = 10
BUCKET = "bench-state"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the temp workspace")
    args = parser.parse_args()
    ws = Workspace("dss-bench-s3-")
    sandbox = SandboxProcess(latency_ms=0)
    try:
        with MotoServer() as s3:
            s3.create_bucket(BUCKET)
            os.environ.update({**TEST_ENV, "AWS_ENDPOINT_URL": s3.url})
            backend = f"s3://{BUCKET}/teams/analytics"
            source = stack_source()
            ws.write_stack(
                STACK, source, {"dev": '[bench_preview]\nraw_connection = "filesystem_root"\n'}
            )
            common = ["--backend", backend, "--dss-url", sandbox.url]
            run_dss(["up", STACK, "--yes", *common], cwd=ws.root, api_key=sandbox.api_key)

            for i in range(CHANGED):
                old = f'"Raw extract {i} of project 0"'
                assert old in source
                source = source.replace(old, f'"Raw extract {i} of project 0, v2"')
            ws.write_stack(STACK, source, {})
            s3.reset_stats()
            sandbox.reset()
            proc, wall = run_dss(
                ["up", STACK, "--yes", "--json", *common], cwd=ws.root, api_key=sandbox.api_key
            )
            stats = s3.stats()
            state_size = len(
                s3.client()
                .get_object(Bucket=BUCKET, Key=f"teams/analytics/{STACK}/dev.json")["Body"]
                .read()
            )
            dss_calls = sandbox.stats()["total"]
    finally:
        sandbox.stop()
        if not args.keep:
            ws.cleanup()

    requests: dict[str, int] = stats.get("requests", {})
    total = stats.get("total", sum(requests.values()))
    written = stats.get("bytes_received", 0)
    naive = 2 * CHANGED * state_size + state_size
    print()
    print("=" * 78)
    print(f"`dss up` changing {CHANGED} of {OBJECTS} objects, state in S3 (moto)")
    print(f"  machine: {machine()}; wall clock of the command {wall * 1e3:.0f} ms")
    print("-" * 78)
    print(f"S3 requests: {total} ({total / CHANGED:.1f} per changed object)")
    print(fmt_counts(requests))
    print(f"bytes written to S3: {written} ({written / CHANGED:.0f} per changed object)")
    print(f"  state object: {state_size} bytes (written once, compacted, at the end)")
    print(
        f"  a full state rewrite per checkpoint (2 per step) would write {naive} bytes: "
        f"{naive / max(written, 1):.1f}x more"
    )
    print(f"DSS API calls: {dss_calls} ({dss_calls / CHANGED:.1f} per changed object)")
    summary = json.loads(proc.stdout)["summary"]
    ok = summary.get("update") == CHANGED and set(summary) <= {"update", "same"}
    print(f"plan: {summary}{'' if ok else '  UNEXPECTED'}")
    print("=" * 78)
    return 0 if ok else 2


if __name__ == "__main__":
    sys.exit(main())
