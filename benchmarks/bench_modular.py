"""Benchmark: rank profiles modulo a prime on float64 BLAS (exactid.modular).

Run from the repository root::

    python benchmarks/bench_modular.py [--sizes 1000 2000 4000 8000] [--seed S]
                                       [--repeat R] [--flint-max N] [--budget SECONDS]

For each size n, on a random n x n matrix of residues modulo the largest prime below
2**PRIME_BITS_BLAS (exact, full rank), it prints the wall-clock time of

- ``rank_profile`` (the search side: rank and a non-singular minor),
- ``is_nonsingular_mod`` on that minor (the trusted checker),
- ``flint.nmod_mat(...).rank()`` (the reference; up to ``--flint-max``, the conversion of
  the entries to an nmod_mat is not timed),

with the CPU time of the process and the achieved GFlop/s, counting LU's 2/3 n^3 flops
(n^3 / 3 multiply-adds, two flops each) in the wall-clock time. Two tall 1.2n x n cases
follow: random (the first n rows already reach rank n, the last 0.2n are never read), and
the same with 16 of its first n rows overwritten by copies of others, so that the rank is
completed by streaming the last rows (blocks of 512, 1024, ... rows). A size is skipped
when the previous one, scaled by 8, predicts more than ``--budget`` seconds. Each time is
the best of R runs. The load average is printed with the figures: on a shared machine,
wall-clock times of multi-threaded BLAS suffer first. The script only prints figures; it
never asserts anything about timings.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable

import flint
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from exactid.certificates.nonsingular import is_nonsingular_mod  # noqa: E402
from exactid.modular import PRIME_BITS_BLAS, block_depth, rank_profile  # noqa: E402


def best_of(repeat: int, run: Callable[[], object]) -> tuple[tuple[float, float], object]:
    """(wall-clock, CPU) seconds of the fastest of ``repeat`` runs, and the last result."""
    best, result = (float("inf"), 0.0), None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = run()
        best = min(best, (time.perf_counter() - wall, time.process_time() - cpu))
    return best, result


def gflops(n: int, seconds: float) -> float:
    return 2 * n**3 / 3 / seconds / 1e9


def row(label: str, n: int, rank: object, seconds: tuple[float, float]) -> None:
    wall, cpu = seconds
    print(f"{label:<38} {n:>6} {rank!s:>6} {wall:>9.2f} s {cpu:>9.2f} s "
          f"{gflops(n, wall):>8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000, 4000, 8000])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--flint-max", type=int, default=4000)
    parser.add_argument("--budget", type=float, default=120.0)
    args = parser.parse_args()

    p = 2**PRIME_BITS_BLAS - 1
    while not flint.fmpz(p).is_prime():
        p -= 2
    flint.ctx.threads = os.cpu_count() or 1
    rng = np.random.default_rng(args.seed)
    print(f"python {platform.python_version()}, numpy {np.__version__}, "
          f"python-flint {flint.__version__}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.2f}")
    print(f"p = {p} ({PRIME_BITS_BLAS} bits), exact blocks of {block_depth(p)} products; "
          f"best of {args.repeat}; GFlop/s = (2/3 n^3) / wall-clock time; CPU time sums "
          f"the threads (BLAS threads spin while waiting)")
    print(f"{'case':<38} {'n':>6} {'rank':>6} {'wall':>11} {'CPU':>11} {'GFlop/s':>8}")
    previous = 0.0
    for n in args.sizes:
        if previous * 8 > args.budget:
            print(f"n = {n} skipped: about {previous * 8:.0f} s predicted (--budget)")
            break
        a = rng.integers(0, p, size=(n, n), dtype=np.int64)
        t_search, prof = best_of(args.repeat, lambda a=a: rank_profile(a, p))
        row("rank_profile", n, prof.rank, t_search)
        minor = a[np.ix_(prof.rows, prof.columns)]
        t_check, ok = best_of(args.repeat, lambda m=minor: is_nonsingular_mod(m, p))
        row(f"is_nonsingular_mod ({'non-singular' if ok else 'SINGULAR'})", n, prof.rank,
            t_check)
        if n <= args.flint_max:
            reference = flint.nmod_mat(n, n, a.ravel().tolist(), p)
            t_flint, rank = best_of(args.repeat, reference.rank)
            row("flint nmod_mat.rank", n, rank, t_flint)
            del reference
        tall = rng.integers(0, p, size=(n + n // 5, n), dtype=np.int64)
        t_tall, prof = best_of(args.repeat, lambda t=tall: rank_profile(t, p))
        row(f"tall {n + n // 5} x {n}: random", n, prof.rank, t_tall)
        tall[rng.choice(n, size=16, replace=False)] = tall[rng.choice(n, size=16)]
        t_stream, prof = best_of(args.repeat, lambda t=tall: rank_profile(t, p))
        row(f"tall {n + n // 5} x {n}: 16 rows overwritten", n, prof.rank, t_stream)
        previous = t_search[0] + t_check[0] + t_tall[0] + t_stream[0]
        sys.stdout.flush()


if __name__ == "__main__":
    main()
