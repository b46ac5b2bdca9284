"""Benchmark: ``exactid identify`` verdicts on a domain (docs/theory/shallow.md,
docs/theory/deep_global.md).

Run from the repository root::

    python benchmarks/bench_identify.py [--quick] [--seed S]

Prints, for random rational networks over the box [-1, 1]^d (seeded ``random.Random``):
1. shallow networks, d in 2..8 and N in 4..32 hidden neurons, one output, hyperplanes
   through random interior points: the time of the full verdict;
2. deep networks d in {2, 3}, widths [d, w, w, 1]: the whole verdict, including region
   enumeration, N1-N5, visibility and the designed sample.
Condition (iv) alone at N = 16, 24, 32 is timed by ``bench_subsets.py``.
Times are wall-clock seconds of one run; the script asserts nothing.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from exactid.domain import Domain  # noqa: E402
from exactid.network import Network  # noqa: E402
from exactid.verdicts.identify import identify  # noqa: E402


def _q(rng: random.Random) -> Fraction:
    return Fraction(rng.choice([-1, 1]) * rng.randint(1, 99), rng.randint(1, 20))


def shallow(rng: random.Random, d: int, n: int) -> Network:
    rows, biases = [], []
    for _ in range(n):
        w = [_q(rng) for _ in range(d)]
        p = [Fraction(rng.randint(-90, 90), 100) for _ in range(d)]
        rows.append(w)
        biases.append(-sum(wi * pi for wi, pi in zip(w, p)))
    return Network.from_lists([rows, [[_q(rng) for _ in range(n)]]], [biases, [_q(rng)]])


def deep(rng: random.Random, widths: list[int]) -> Network:
    ws = [[[_q(rng) for _ in range(widths[i])] for _ in range(widths[i + 1])]
          for i in range(len(widths) - 1)]
    bs = [[_q(rng) for _ in range(widths[i + 1])] for i in range(len(widths) - 1)]
    return Network.from_lists(ws, bs)


def timed(fn, *args):
    t = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    print("== shallow identify on [-1,1]^d")
    print(f"{'d':>2} {'N':>3} {'verdict':>18} {'seconds':>8}")
    for d in ((2, 4) if args.quick else (2, 4, 6, 8)):
        for n in ((4, 16) if args.quick else (4, 8, 16, 24, 32)):
            net = shallow(rng, d, n)
            res, t = timed(identify, net, Domain.box([(-1, 1)] * d))
            print(f"{d:>2} {n:>3} {res.verdict:>18} {t:8.3f}")
    print("\n== deep identify (regions, N1-N5, visibility, designed sample)")
    print(f"{'widths':>12} {'box':>9} {'regions':>8} {'verdict':>20} {'sample':>7} "
          f"{'seconds':>8}")
    for radius in (1, 10):
        for d in (2, 3):
            for w in ((4, 6) if args.quick else (4, 6, 8, 12)):
                net = deep(rng, [d, w, w, 1])
                res, t = timed(identify, net, Domain.box([(-radius, radius)] * d))
                size = len(res.sample) if res.sample else "-"
                print(f"{'-'.join(map(str, net.widths)):>12} {f'[-{radius},{radius}]^{d}':>9} "
                      f"{res.regions or '-':>8} {res.verdict:>20} {size:>7} {t:8.3f}")

if __name__ == "__main__":
    main()
