"""20 rounds of `dss up` (1 project + 100 datasets) through failing services: all must pass.

DSS is `dss sandbox serve --fail-rate 0.2` in its own process, mixing a 500 before DSS
acted, a 500 after it acted and a dropped connection after it acted. With ``--s3-fail-rate``
the state lives in S3 behind a fault-injecting moto endpoint too (503 SlowDown before the
request, 500 after it was applied). Each round is a fresh project and state, at the default
``--retries 5``, checked from outside (dsspulumi.testing.flaky_rounds): `up` exits 0, DSS
holds exactly the declared datasets (listed through dataikuapi), and a refreshed preview
is empty; on S3, no lock record is left. Exits 1 if any round misses that.

    python bench/bench_faults.py [--rounds 20] [--datasets 100] [--fail-rate 0.2]
                                 [--s3-fail-rate 0.2] [--seed N]
                                 [--creation-keeps-fields yes|no]
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import _benchlib as lib

from dsspulumi.testing.flaky_rounds import Round, flaky_sandbox, run_round
from dsspulumi.testing.moto_server import MotoServer


@contextlib.contextmanager
def faulty_s3(rate: float, seed: int | None) -> Iterator[MotoServer | None]:
    if rate <= 0:
        yield None
        return
    with MotoServer() as server:
        server.create_bucket("bench-faults")
        server.set_chaos(rate, seed=seed)
        yield server


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--datasets", type=int, default=100)
    parser.add_argument("--fail-rate", type=float, default=0.2)
    parser.add_argument("--s3-fail-rate", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--creation-keeps-fields", choices=("yes", "no"), default="no")
    args = parser.parse_args()

    rounds: list[Round] = []
    locks_left: list[str] = []
    t0 = time.perf_counter()
    with (
        tempfile.TemporaryDirectory(prefix="dss-bench-faults-") as tmp,
        faulty_s3(args.s3_fail_rate, args.seed) as s3,
        flaky_sandbox(
            args.fail_rate, args.seed, creation_keeps_fields=args.creation_keeps_fields
        ) as url,
    ):
        for i in range(args.rounds):
            backend = f"s3://bench-faults/r{i}" if s3 is not None else None
            result = run_round(
                i,
                url,
                datasets=args.datasets,
                backend=backend,
                env=s3.env() if s3 is not None else None,
                workdir=Path(tmp) / f"r{i}",
            )
            print(result.line(), flush=True)
            rounds.append(result)
            if s3 is not None:
                listing = s3.client().list_objects_v2(Bucket="bench-faults", Prefix=f"r{i}/")
                locks_left += [
                    o["Key"] for o in listing.get("Contents", []) if o["Key"].endswith(".lock.json")
                ]
        injected = s3.chaos_stats()["injected"] if s3 is not None else {}
    wall = time.perf_counter() - t0

    passed = sum(r.ok for r in rounds)
    print(f"machine: {lib.machine()}")
    print(
        f"DSS fail rate {args.fail_rate} (before/after/drop), S3 fail rate {args.s3_fail_rate}"
        f"{f' (injected {injected})' if injected else ''}, default --retries 5"
    )
    print(f"  rounds passed               {passed}/{len(rounds)}")
    print(f"  duplicates                  {sum(r.duplicates for r in rounds)}")
    print(f"  missing                     {sum(r.missing for r in rounds)}")
    print(f"  non-empty/failed previews   {sum(r.preview_exit != 0 for r in rounds)}")
    if s3 is not None:
        print(f"  lock records left           {len(locks_left)}")
    print(f"  up wall time, median        {statistics.median(r.seconds for r in rounds):.1f} s")
    print(f"  total wall time             {wall:.0f} s")
    ok = passed == len(rounds) and not locks_left
    print("target met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
