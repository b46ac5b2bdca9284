"""Benchmark: exactid's smooth-activation commands (docs/theory/smooth.md, docs/smooth.md).

Run from the repository root::

    python benchmarks/bench_smooth.py [--full] [--seed S] [--trials T]

Prints
1. the time of ``entangled`` (checks X1-X8) on one-layer networks with D inputs and m
   neurons, D in 4..16, m = D and m = D(D-1)/2: exact (cubic activation) and arb balls
   (tanh);
2. the time of ``entangled --count`` (X7, Groebner bases) for D = 3..6, m = D(D-1)/2;
3. a success-rate table of ``recover`` + ``verify-recovery`` over (D, m) for one-layer
   and deep tanh networks (random weights N(0, 1/fan-in) rounded to 3 digits, shifts
   uniform in [-1, 1]; one layer: summed output, deep: vector output, and summed output
   where the row says so), budget 3 m Hessians plus the fit, with the mean fraction of
   entangled weights found, the runs that found all of them, the runs whose estimated
   layers all agree with the verifier's matches (deep networks) and the mean time.
The default run takes a few minutes on 2 cores; ``--full`` adds larger cases;
``--deep-only`` runs only the deep rows of the third table.
Times are wall-clock seconds of one run; the script asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import time
from fractions import Fraction
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from exactid.smooth.entangled import entangled  # noqa: E402
from exactid.smooth.network import Activation, SmoothNetwork  # noqa: E402
from exactid.smooth.recover import recover  # noqa: E402
from exactid.smooth.verify import verify_recovery  # noqa: E402

CUBIC = Activation("polynomial", (Fraction(0), Fraction(1), Fraction(1, 2), Fraction(1, 6)))


def small_net(rng, activation, widths) -> SmoothNetwork:
    """Weights p/q with 1 <= |p| <= 9, 1 <= q <= 4 (as in the test vectors): Groebner bases
    over Q slow down sharply with the size of the coefficients."""
    def q():
        return Fraction(int(rng.choice([-1, 1]) * rng.integers(1, 10)), int(rng.integers(1, 5)))
    weights = [tuple(tuple(q() for _ in range(a)) for _ in range(b))
               for a, b in zip(widths, widths[1:])]
    return SmoothNetwork(activation, "sum", tuple(weights),
                         tuple(tuple(Fraction(0) for _ in range(b)) for b in widths[1:]))


def random_net(rng, activation, widths, output="sum") -> SmoothNetwork:
    weights, shifts = [], []
    for a, b in zip(widths, widths[1:]):
        w = rng.standard_normal((b, a)) / np.sqrt(a)
        weights.append(tuple(tuple(Fraction(round(float(v), 3)) for v in row) for row in w))
        shifts.append(tuple(Fraction(round(float(v), 2)) for v in rng.uniform(-1, 1, b)))
    return SmoothNetwork(activation, output, tuple(weights), tuple(shifts))


def timed(f, *args, **kwargs):
    t = time.perf_counter()
    out = f(*args, **kwargs)
    return out, time.perf_counter() - t


def bench_entangled(rng, dims):
    print("1. entangled (X1-X8), one layer, D inputs, m neurons")
    print(f"   {'D':>3} {'m':>4} {'exact s':>9} {'dim WW':>7} {'tanh s':>8} {'bits':>5} "
          f"{'proved':>6}")
    for D in dims:
        for m in sorted({D, D * (D - 1) // 2}):
            exact, te = timed(entangled, random_net(rng, CUBIC, (D, m)))
            ball, tb = timed(entangled, random_net(rng, Activation("tanh"), (D, m)))
            print(f"   {D:>3} {m:>4} {te:>9.2f} {exact.dim_space:>7} {tb:>8.2f} "
                  f"{ball.precision:>5} {str(ball.proved):>6}", flush=True)


def bench_count(rng, dims):
    print("\n2. entangled --count (X7), one layer, m = D(D-1)/2, cubic activation, weights "
          "p/q with |p| <= 9, q <= 4")
    print(f"   {'D':>3} {'m':>4} {'seconds':>8} {'count':>6} {'charts':<16}")
    for D in dims:
        m = D * (D - 1) // 2
        r, t = timed(entangled, small_net(rng, CUBIC, (D, m)), count=True)
        c = r.rank_one_count
        print(f"   {D:>3} {m:>4} {t:>8.2f} {str(c.total):>6} "
              f"{'+'.join(map(str, c.charts)):<16}", flush=True)


def bench_recover(rng, cases, trials):
    print(f"\n3. recover + verify-recovery, tanh, {trials} random networks per row")
    print(f"   {'widths':<18} {'m':>4} {'budget':>7} {'found':>6} {'all':>5} {'layers':>6} "
          f"{'gap':>8} {'recover s':>9} {'verify s':>8}")
    for widths, output in cases:
        D, m = widths[0], sum(widths[1:])
        per = (D + 1) * (D + 2) // 2
        budget = int(3 * m * per / (0.8 if len(widths) == 2 else 1))
        found, full, layered, gaps, tr, tv = [], 0, 0, [], [], []
        for _ in range(trials):
            net = random_net(rng, Activation("tanh"), widths, output)
            est, t1 = timed(recover, net, budget, seed=int(rng.integers(1 << 30)))
            vectors = [[Fraction(x) for x in v] for v in est.estimates]
            res, t2 = timed(verify_recovery, net, vectors)
            found.append(res.found / m)
            full += res.found == m
            layered += all(l == r.layer for l, r in zip(est.layers, res.matches))
            gaps.append(est.gap_float or float("nan"))
            tr.append(t1)
            tv.append(t2)
        name = "-".join(map(str, widths)) + (" sum" if output == "sum" and len(widths) > 2
                                             else "")
        print(f"   {name:<18} {m:>4} {budget:>7} "
              f"{np.mean(found):>6.2f} {full:>2}/{trials:<2} "
              f"{layered if len(widths) > 2 else '-':>3}/{trials:<2} {np.median(gaps):>8.3g} "
              f"{np.mean(tr):>9.2f} {np.mean(tv):>8.2f}", flush=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--full", action="store_true", help="larger cases (D up to 16 for "
                   "recovery, every D in 4..16 for entangled)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random networks")
    p.add_argument("--trials", type=int, default=3, help="networks per recovery row")
    p.add_argument("--deep-only", action="store_true", help="only the deep rows of the "
                   "recovery table")
    args = p.parse_args()
    rng = np.random.default_rng(args.seed)
    if not args.deep_only:
        bench_entangled(rng, range(4, 17) if args.full else (4, 8, 12))
        bench_count(rng, (3, 4, 5, 6) if args.full else (3, 4, 5))
    shallow = [(4, 4), (4, 6), (6, 6), (6, 15), (8, 8), (8, 28)]
    deep = [(4, 4, 2), (6, 6, 3), (8, 8, 4)]
    deep_sum = [(4, 4, 2), (6, 6, 3)]
    if args.full:
        shallow += [(12, 12), (12, 66), (16, 16)]
        deep += [(6, 6, 4, 2), (12, 12, 6)]
    cases = [(w, "vector") for w in deep] + [(w, "sum") for w in deep_sum]
    bench_recover(rng, cases if args.deep_only else [(w, "sum") for w in shallow] + cases,
                  args.trials)


if __name__ == "__main__":
    main()
