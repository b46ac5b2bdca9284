"""Benchmark: the exact zero-sum subset search of docs/theory/shallow.md §6.4 (exactid.subsets).

Run from the repository root::

    python benchmarks/bench_subsets.py [--seed S] [--repeat R] [--big]

Cases, each at N = 16, 24 and 32 vectors (``--big`` adds N = 40 and 48, the latter at
the limit of 2^24 sums per half):

- ``shallow d=..``: vec(v_i w_i^T) of a random shallow network with k = 1 output and
  d in {2, 4, 8} inputs (condition (iv) of docs/theory/shallow.md §2): m = d, generic kernel
  dimension q = N - d, full support;
- ``positive m=1``: N positive integers up to 10^6: q = N - 1, no zero-sum subset, so the
  whole meet-in-the-middle search runs (the worst case at this N);
- ``signed m=2``: pairs of integers up to 10^12 in absolute value with a positive first
  coordinate: again no subset, q = N - 2;
- ``planted m=2``: pairs of integers up to 10^12 in absolute value where the last vector
  is minus the sum of N/4 others;
- ``tall m=N-4``: random integer vectors in dimension N - 4 (q = 4: the free-coordinate
  branch, 2^4 assignments, however large the support).

Random rationals are p/q with 1 <= |p| <= 100 and 1 <= q <= 50 from a seeded
``random.Random``. Each time is the best of R runs after one warm-up run. The script only
prints figures; it never asserts anything about timings.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import random
import sys
import time
from collections.abc import Callable
from fractions import Fraction

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))

from exactid.subsets import ZeroSumSearch, search_zero_sum_subset  # noqa: E402

P_MAX = 100
Q_MAX = 50

Vectors = list[list[Fraction]] | list[list[int]]


# ----------------------------------------------------------------------------- data
def rand_rational(rng: random.Random) -> Fraction:
    """A random p/q with 1 <= |p| <= P_MAX and 1 <= q <= Q_MAX."""
    return Fraction(rng.choice([-1, 1]) * rng.randint(1, P_MAX), rng.randint(1, Q_MAX))


def shallow_vectors(n: int, d: int, rng: random.Random) -> Vectors:
    """vec(v_i w_i^T) of a random shallow network with widths (d, n, 1)."""
    out = []
    for _ in range(n):
        w = [rand_rational(rng) for _ in range(d)]
        v = rand_rational(rng)
        out.append([v * wj for wj in w])
    return out


def positive_vectors(n: int, rng: random.Random) -> Vectors:
    return [[rng.randint(1, 10**6)] for _ in range(n)]


def signed_vectors(n: int, rng: random.Random) -> Vectors:
    return [[rng.randint(1, 10**12), rng.randint(-10**12, 10**12)] for _ in range(n)]


def planted_vectors(n: int, rng: random.Random) -> Vectors:
    out = [[rng.randint(-10**12, 10**12) for _ in range(2)] for _ in range(n)]
    chosen = rng.sample(range(n - 1), n // 4)
    out[-1] = [-sum(out[i][t] for i in chosen) for t in range(2)]
    return out


def tall_vectors(n: int, rng: random.Random) -> Vectors:
    return [[rng.randint(-5, 5) for _ in range(n - 4)] for _ in range(n)]


def cases(n: int, seed: int) -> list[tuple[str, Vectors]]:
    def rng(name: str) -> random.Random:
        return random.Random(f"{name}-{n}-{seed}")

    out: list[tuple[str, Vectors]] = [(f"shallow d={d}", shallow_vectors(n, d, rng(f"s{d}")))
                                      for d in (2, 4, 8)]
    out += [("positive m=1", positive_vectors(n, rng("positive"))),
            ("signed m=2", signed_vectors(n, rng("signed"))),
            ("planted m=2", planted_vectors(n, rng("planted"))),
            ("tall m=N-4", tall_vectors(n, rng("tall")))]
    return out


# --------------------------------------------------------------------------- timing
def best_of(repeat: int, fn: Callable[[Vectors], ZeroSumSearch],
            vectors: Vectors) -> tuple[float, ZeroSumSearch]:
    """One warm-up call of ``fn(vectors)``, then the best wall-clock time of ``repeat``."""
    out = fn(vectors)
    best = math.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn(vectors)
        best = min(best, time.perf_counter() - t0)
    return best, out


def print_table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    print("  ".join(h.rjust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=0, help="seed of the random data")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs per case (best of)")
    ap.add_argument("--big", action="store_true", help="also N = 40 and 48 (slow)")
    args = ap.parse_args(argv)
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")

    import flint

    print(f"python {platform.python_version()}, numpy {np.__version__}, "
          f"python-flint {flint.__version__}, {os.cpu_count()} CPUs, seed {args.seed}, "
          f"repeat {args.repeat}")
    print("== zero_sum_subset "
          f"(docs/theory/shallow.md §6.4): best of {args.repeat} after 1 warm-up")
    print()
    header = ["case", "N", "m", "q", "|Supp|", "method", "sums", "found", "|S|", "time (s)"]
    rows = []
    sizes = [16, 24, 32] + ([40, 48] if args.big else [])
    for n in sizes:
        for name, vectors in cases(n, args.seed):
            t, res = best_of(args.repeat, search_zero_sum_subset, vectors)
            found = res.subset is not None
            rows.append([name, str(n), str(len(vectors[0])), str(res.kernel_dimension),
                         str(len(res.support)), res.method, str(res.sums),
                         "yes" if found else "no", str(len(res.subset)) if found else "-",
                         f"{t:.4f}"])
            print(f"  N={n} {name}: {res.method} {'found' if found else 'none'} {t:.4f} s",
                  flush=True)
    print()
    print_table(header, rows)


if __name__ == "__main__":
    main()
