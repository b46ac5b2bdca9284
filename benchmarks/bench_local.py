"""Benchmark: exact local verdicts against the float64 rank pipeline.

Run from the repository root::

    python benchmarks/bench_local.py [--quick] [--seed S] [--repeat R] [--largest]
                                     [--limit SECONDS] [--no-cases]

Sections
--------
1. Two cases, timed in the same run (best of R runs after one warm-up run):

   (a) exact verdict end to end: ``local_verdict(net, X, float_check=False,
       certificate=False)``;
   (b) exact verdict with the float cross-check and the certificate document
       (``float_check=True``, then ``result.certificate`` is accessed);
   (c) float pipeline: ``float_jacobian_hint(net, X)`` (which converts the Fractions to
       float64) followed by ``numpy.linalg.matrix_rank``;
   (d) the trusted checker ``check_certificate(result.certificate)``, if importable.

   Case A has widths [10, 30, 30, 1] and 3000 samples; case B about 5,000 parameters
   ([20, 70, 50, 1]) with n = 2 D samples.
2. ``--largest``: widths [10, w, w, 1] for growing w with n = ceil(2.5 D / N_L) samples,
   each timed once (exact verdict (a) only) in a fresh process that is stopped once it
   exceeds the limit (``--limit``, 60 s); the search ends there and reports the largest
   network certified locally identifiable within the limit. ``--no-cases`` skips
   section 1.

``--quick`` uses small sizes for a smoke run: A = [5, 10, 10, 1] with 300 samples,
B = [8, 20, 15, 1] with n = 2 D, and [5, w, w, 1] in section 2.

Parameters, biases and samples are random rationals p/q with |p| <= 100 and
1 <= q <= 50 from a seeded ``random.Random``; weights and biases use p != 0 (a zero
outgoing weight of a hidden neuron would make the network degenerate, theta in S).

The script only prints figures; it never asserts anything about timings.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import os
import platform
import random
import sys
import time
from collections.abc import Callable
from fractions import Fraction
from queue import Empty
from typing import Any

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))

from exactid.jacobian import float_jacobian_hint  # noqa: E402
from exactid.network import Network  # noqa: E402
from exactid.verdicts import local_verdict  # noqa: E402

try:
    from exactid.certificates.check import check_certificate  # noqa: E402
except ImportError:  # the checker is optional
    check_certificate = None

P_MAX = 100
Q_MAX = 50


# ----------------------------------------------------------------------------- data
def rand_rational(rng: random.Random, nonzero: bool = False) -> Fraction:
    """A random p/q with |p| <= P_MAX and 1 <= q <= Q_MAX (p != 0 when ``nonzero``)."""
    while True:
        p = rng.randint(-P_MAX, P_MAX)
        if p or not nonzero:
            return Fraction(p, rng.randint(1, Q_MAX))


def random_network(widths: list[int], rng: random.Random) -> Network:
    weights = [[[rand_rational(rng, True) for _ in range(widths[l])]
                for _ in range(widths[l + 1])] for l in range(len(widths) - 1)]
    biases = [[rand_rational(rng, True) for _ in range(widths[l + 1])]
              for l in range(len(widths) - 1)]
    return Network.from_lists(weights, biases)


def random_samples(n: int, dim: int, rng: random.Random) -> list[list[Fraction]]:
    return [[rand_rational(rng) for _ in range(dim)] for _ in range(n)]


def make_case(widths: list[int], n: int | None, seed: int) -> tuple[Network, list]:
    """A random network and n random samples (n = 2 D / N_L when None)."""
    net = random_network(widths, random.Random(f"net-{seed}"))
    if n is None:
        n = 2 * net.dimension // net.n_outputs
    return net, random_samples(n, widths[0], random.Random(f"samples-{seed}"))


# --------------------------------------------------------------------------- timing
def best_of(repeat: int, fn: Callable[..., Any], *args: Any) -> tuple[float, Any]:
    """One warm-up call of ``fn(*args)``, then the best wall-clock time of ``repeat`` calls."""
    out = fn(*args)
    best = math.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn(*args)
        best = min(best, time.perf_counter() - t0)
    return best, out


def exact_plain(net: Network, xs: list) -> Any:
    return local_verdict(net, xs, float_check=False, certificate=False)


def exact_full(net: Network, xs: list) -> Any:
    result = local_verdict(net, xs, float_check=True, certificate=True)
    _ = result.certificate  # built lazily: include it in the time
    return result


def float_pipeline(net: Network, xs: list) -> int:
    return int(np.linalg.matrix_rank(float_jacobian_hint(net, xs)))


def fmt_time(t: float | None) -> str:
    return "-" if t is None else f"{t:.3f}"


def fmt_ratio(a: float | None, b: float | None) -> str:
    return "-" if a is None or b is None or b == 0 else f"{a / b:.1f}"


def print_table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    print("  ".join(h.rjust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)))


# ------------------------------------------------------------------------- sections
def run_cases(cases: list[tuple[str, list[int], int | None]], seed: int, repeat: int) -> None:
    print(f"== Section 1: exact vs float (best of {repeat} after 1 warm-up; times in s)")
    print("   (a) local_verdict(float_check=False, certificate=False)")
    print("   (b) local_verdict(float_check=True, certificate=True) + result.certificate")
    print("   (c) float_jacobian_hint + numpy.linalg.matrix_rank (float64, all parameters)")
    print("   (d) check_certificate(result.certificate)"
          + ("" if check_certificate else "  [not importable: skipped]"))
    print()
    header = ["case", "widths", "params", "D", "n", "verdict", "exact rank", "float rank",
              "(a)", "(b)", "(c)", "(d)", "(a)/(c)", "(b)/(c)", "valid"]
    rows, notes = [], []
    for k, (name, widths, n) in enumerate(cases):
        net, xs = make_case(widths, n, seed * 1000 + k)
        d, n = net.dimension, len(xs)
        print(f"[{name}] widths={widths} params={net.n_params} D={d} n={n} ...", flush=True)
        t_a, res_a = best_of(repeat, exact_plain, net, xs)
        print(f"[{name}]   (a) {t_a:.3f} s  verdict={res_a.verdict}", flush=True)
        t_b, res_b = best_of(repeat, exact_full, net, xs)
        print(f"[{name}]   (b) {t_b:.3f} s", flush=True)
        t_c, float_rank = best_of(repeat, float_pipeline, net, xs)
        print(f"[{name}]   (c) {t_c:.3f} s  float rank={float_rank}", flush=True)
        t_d, valid = None, "-"
        if check_certificate is not None and res_b.certificate is not None:
            cert = res_b.certificate
            t_d, checked = best_of(repeat, check_certificate, cert)
            valid = str(checked.valid)
            print(f"[{name}]   (d) {t_d:.3f} s  valid={checked.valid}", flush=True)
            if not checked.valid:
                notes.append(f"{name}: checker rejected the certificate: "
                             f"{'; '.join(checked.messages[:3])}")
        if res_a.verdict != res_b.verdict or res_a.rank_jacobian != res_b.rank_jacobian:
            notes.append(f"{name}: (a) and (b) disagree: {res_a.verdict}/{res_a.rank_jacobian}"
                         f" vs {res_b.verdict}/{res_b.rank_jacobian}")
        if res_b.float_rank_jacobian is not None and res_b.float_rank_jacobian != float_rank:
            notes.append(f"{name}: float rank of Gamma in (b) is {res_b.float_rank_jacobian}, "
                         f"float rank of the full J in (c) is {float_rank}")
        notes += [f"{name}: warning: {w}" for w in res_b.warnings]
        rows.append([name, str(widths), str(net.n_params), str(d), str(n), res_a.verdict,
                     "-" if res_a.rank_jacobian is None else str(res_a.rank_jacobian),
                     str(float_rank), fmt_time(t_a), fmt_time(t_b),
                     fmt_time(t_c), fmt_time(t_d), fmt_ratio(t_a, t_c), fmt_ratio(t_b, t_c),
                     valid])
    print()
    print_table(header, rows)
    for note in notes:
        print("note:", note)
    print()


def _largest_worker(widths: list[int], seed: int, queue: Any) -> None:
    """Child process of ``run_largest``: build the case, report its size, time (a)."""
    net = random_network(widths, random.Random(f"net-{seed}"))
    d = net.dimension
    n = math.ceil(2.5 * d / net.n_outputs)
    xs = random_samples(n, widths[0], random.Random(f"samples-{seed}"))
    queue.put((net.n_params, d, n))
    t0 = time.perf_counter()
    res = exact_plain(net, xs)
    queue.put((res.verdict, res.rank_jacobian, time.perf_counter() - t0))


def _receive(queue: Any, proc: Any, timeout: float | None) -> Any:
    """The next message of ``proc``, or None if it died or ``timeout`` seconds passed."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        wait = 0.5 if deadline is None else min(0.5, deadline - time.monotonic())
        if wait <= 0:
            return None
        try:
            return queue.get(timeout=wait)
        except Empty:
            if not proc.is_alive() and queue.empty():
                return None


def run_largest(ws: list[int], n_in: int, seed: int, limit: float) -> None:
    """Time (a) once per size, each in a fresh process stopped once it exceeds ``limit``."""
    print(f"== Section 2: largest [{n_in}, w, w, 1] certified by (a) within {limit:g} s "
          "(one timed run each, n = ceil(2.5 D / N_L))")
    print("   each size runs in a fresh process; a run over the limit is stopped there")
    print()
    ctx = multiprocessing.get_context("spawn")  # no fork of FLINT's thread pool
    header = ["widths", "params", "D", "n", "verdict", "exact rank", "time (s)"]
    rows, best = [], None
    for k, w in enumerate(ws):
        widths = [n_in, w, w, 1]
        queue = ctx.Queue()
        proc = ctx.Process(target=_largest_worker, args=(widths, seed * 1000 + 100 + k, queue))
        proc.start()
        sizes = _receive(queue, proc, None)
        if sizes is None:
            print(f"  {widths}: the worker process failed (exit code {proc.exitcode})")
            break
        params, d, n = sizes
        print(f"  {widths} params={params} D={d} n={n} ...", end="", flush=True)
        outcome = _receive(queue, proc, limit + 1.0)
        if outcome is None:
            verdict, rank, t = "(stopped)" if proc.is_alive() else "(failed)", None, None
            proc.terminate()
        else:
            verdict, rank, t = outcome
        proc.join()
        over = t is None or t > limit
        shown = f"> {limit:g}" if t is None else f"{t:.2f}"
        rank_s = "-" if rank is None else str(rank)
        print(f" {verdict} rank={rank_s} {shown} s", flush=True)
        rows.append([str(widths), str(params), str(d), str(n), verdict, rank_s, shown])
        if over:
            break
        if verdict == "locally-identifiable":
            best = (widths, params, d, n, t)
    print()
    print_table(header, rows)
    if best is None:
        print(f"no network certified locally identifiable within {limit:g} s")
    else:
        widths, p, d, n, t = best
        print(f"largest certified within {limit:g} s: widths={widths} params={p} D={d} "
              f"n={n} time={t:.2f} s")
    print()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (smoke run)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the random data")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs per measure (best of)")
    ap.add_argument("--largest", action="store_true",
                    help="also search the largest network certified within --limit seconds")
    ap.add_argument("--limit", type=float, default=60.0, help="time limit of --largest (s)")
    ap.add_argument("--no-cases", action="store_true",
                    help="skip section 1 (cases A and B), e.g. to run --largest alone")
    args = ap.parse_args(argv)
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")

    import flint

    print(f"python {platform.python_version()}, numpy {np.__version__}, "
          f"python-flint {flint.__version__}, {os.cpu_count()} CPUs, "
          f"flint threads {flint.ctx.threads}, seed {args.seed}, repeat {args.repeat}"
          + (", quick" if args.quick else ""))
    print()
    if args.quick:
        cases = [("A", [5, 10, 10, 1], 300), ("B", [8, 20, 15, 1], None)]
        ws, n_in = [10, 15, 20, 25, 30, 40], 5
    else:
        cases = [("A", [10, 30, 30, 1], 3000), ("B", [20, 70, 50, 1], None)]
        ws, n_in = [30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 140, 160], 10
    if not args.no_cases:
        run_cases(cases, args.seed, args.repeat)
    if args.largest:
        run_largest(ws, n_in, args.seed, args.limit)


if __name__ == "__main__":
    main()
