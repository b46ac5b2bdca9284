"""Benchmark: ``exactid batch`` throughput on many small ``identify`` jobs.

Run from the repository root::

    python benchmarks/bench_batch.py [--jobs 1000] [--seed S] [--no-dask]

Writes a jobs file of ``--jobs`` identify jobs (seeded ``random.Random``): inline networks
with 2 inputs, 2 to 4 hidden neurons and one output, weights small rationals p/q, over the
box [-1, 1]^2, each with a fixed seed. Runs the whole batch (``exactid.batch.run_batch``:
reading the jobs, the verdicts, one synced line per job) with 1 worker, with 2 worker
processes, and through a Dask ``LocalCluster`` of 2 single-threaded worker processes
(when dask.distributed is installed), each into a fresh results file; prints wall-clock
seconds and jobs per second, and checks that the three results files hold the same lines.
The cluster's start-up is not timed. The script asserts nothing else.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from exactid.batch import run_batch  # noqa: E402


def _q(rng: random.Random) -> str:
    return f"{rng.choice([-1, 1]) * rng.randint(1, 9)}/{rng.randint(1, 5)}"


def jobs_file(folder: Path, count: int, seed: int) -> Path:
    rng = random.Random(seed)
    lines = []
    for i in range(count):
        hidden = rng.randint(2, 4)
        network = {"format": "exactid.network/1", "layers": [
            {"weight": [[_q(rng), _q(rng)] for _ in range(hidden)],
             "bias": [_q(rng) for _ in range(hidden)]},
            {"weight": [[_q(rng) for _ in range(hidden)]], "bias": [_q(rng)]}]}
        lines.append(json.dumps({"id": i, "command": "identify", "network": network,
                                 "domain": {"format": "exactid.domain/1",
                                            "box": [[-1, 1], [-1, 1]]}, "seed": i}))
    path = folder / "jobs.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def timed(label: str, jobs: Path, out: Path, count: int, **how) -> None:
    start = time.perf_counter()
    summary = run_batch(jobs, out, **how)
    seconds = time.perf_counter() - start
    print(f"{label:<28} {seconds:8.2f} s  {count / seconds:8.1f} jobs/s  "
          f"({summary.ok} ok, {summary.failed} failed)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1000, help="number of jobs")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random networks")
    parser.add_argument("--no-dask", action="store_true", help="skip the LocalCluster run")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench_batch_"))
    jobs = jobs_file(folder, args.jobs, args.seed)
    print(f"{args.jobs} identify jobs (2 inputs, 2-4 hidden neurons, box [-1, 1]^2)")
    timed("1 worker", jobs, folder / "one.jsonl", args.jobs, workers=1)
    timed("2 worker processes", jobs, folder / "two.jsonl", args.jobs, workers=2)
    outputs = ["one.jsonl", "two.jsonl"]
    if not args.no_dask:
        try:
            from dask.distributed import LocalCluster
        except ImportError:
            print("LocalCluster: dask.distributed is not installed")
        else:
            with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                              dashboard_address=None) as cluster:
                timed("LocalCluster (2 x 1 thread)", jobs, folder / "dask.jsonl", args.jobs,
                      scheduler=cluster.scheduler_address)
            outputs.append("dask.jsonl")
    contents = {sorted((folder / name).read_text().splitlines()).__repr__()
                for name in outputs}
    print("same lines in every results file:", "yes" if len(contents) == 1 else "NO")


if __name__ == "__main__":
    main()
