"""Benchmark: region enumeration at scale - LP-free shortcuts, workers, identify.

Run from the repository root::

    python benchmarks/bench_regions_scale.py [--quick] [--seed S] [--sections LIST]

Networks are [d, w, w, 1] with random rational parameters over [-1, 1]^d (the generator
of bench_regions.py). Sections (``--sections headline,throughput,six,identify``):

headline    2-16-16-1 over [-1, 1]^2, seeds S, S+1, S+2: ``enumerate_regions`` (regions,
            facets, edges, one worker) against a plain exact enumeration written here -
            the same splitting tree, one exact LP (``polyhedra._exact_lp``, the fmpq
            simplex) per candidate child and per row group, no float hints - and against
            ``enumerate_regions(shortcuts=False)`` (HiGHS hints, no vertex certificates).
            Targets: at least 3x faster than plain and under 2 s. The answers (patterns,
            edges) are compared.
throughput  the regions per second of a 3-D and a 4-D network with 1 and 2 workers (the
            whole enumeration: regions, facets, edges), and the largest count reached in
            60 s with 2 workers (target: at least 10,000).
six         6-12-12-1 over [-1, 1]^6 with 2 workers completes (time, count).
identify    ``exactid.verdicts.identify.identify`` on 3-12-12-1 over [-1, 1]^3 with 1 and 2
            workers.

First of all, a calibration: the same pure-Python loop on 8 tasks with 1 and 2 worker
processes, to show how much of the machine two workers get right now (on a shared
machine, other jobs may take it).

The script only prints figures; it never asserts anything about timings.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_regions import random_network, unit_box  # noqa: E402

from exactid.domain import Domain  # noqa: E402
from exactid.network import Network  # noqa: E402
from exactid.parallel import map_jobs  # noqa: E402
from exactid.polyhedra import _exact_lp  # noqa: E402
from exactid.regions import (  # noqa: E402
    _domain_rows,
    _Integer,
    _row,
    across,
    enumerate_regions,
    flat_neurons,
    group_labels,
    groups,
)
from exactid.verdicts.identify import identify  # noqa: E402


# ------------------------------------------------------------------ plain enumeration
def plain_enumeration(net: Network, domain: Domain) -> tuple[list, int]:
    """(patterns in depth-first order, edge count): splitting tree with one exact LP per
    candidate child, facets with one exact LP per row group (neighbour rule kept: a neuron
    group with no region across is no facet, docs/theory/deep_global.md §2)."""
    integer = _Integer.of(net)
    dim = net.n_inputs
    hidden = len(integer.weights)
    leaves = []

    def feasible(rows, eq=None) -> bool:
        a = [r[0] for r in rows]
        beta = [r[1] for r in rows]
        if eq is None:
            return _exact_lp(a, beta, (), (), dim).feasible
        return _exact_lp(a, beta, [eq[0]], [eq[1]], dim).feasible

    def split(layer, bits, done, rows, a, c):
        if len(bits) == len(a):
            done = done + [tuple(bits)]
            if layer + 1 == hidden:
                leaves.append((tuple(done), tuple(rows)))
                return
            na, nc = integer.next_forms(layer, tuple(bits), a, c)
            split(layer + 1, [], done, rows, na, nc)
            return
        form, const = a[len(bits)], c[len(bits)]
        if not any(form):
            split(layer, bits + [int(const > 0)], done, rows, a, c)
            return
        for bit in (1, 0):
            new = rows + [_row(form, const, bit, ("neuron", layer, len(bits)))]
            if feasible(new):
                split(layer, bits + [bit], done, new, a, c)

    split(0, [], [], _domain_rows(domain), [tuple(r) for r in integer.weights[0]],
          list(integer.biases[0]))
    index = {p: i for i, (p, _) in enumerate(leaves)}
    edges = set()
    for i, (pattern, rows) in enumerate(leaves):
        flat = flat_neurons(integer, pattern)
        for members in groups(rows):
            neurons, boundary = group_labels(rows, members)
            neighbour = None
            if neurons and not boundary:
                neighbour = index.get(across(integer, pattern, rows[members[0]], neurons, flat))
                if neighbour is None:
                    continue
            others = [rows[k] for k in range(len(rows)) if k not in members]
            if feasible(others, rows[members[0]]) and neighbour is not None:
                edges.add((min(i, neighbour), max(i, neighbour)))
    return [p for p, _ in leaves], len(edges)


# ------------------------------------------------------------------------- helpers
def timed(fn, *args, **kwargs):
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - t0, out


def burn(n: int) -> int:
    s = 0
    for i in range(n):
        s += i * i
    return s


def calibration() -> None:
    map_jobs(abs, [1, 2], workers=2)  # the fork server starts once per process: not timed
    t1, _ = timed(map_jobs, burn, [2_000_000] * 8, workers=1)
    t2, _ = timed(map_jobs, burn, [2_000_000] * 8, workers=2)
    print(f"calibration: 8 pure-Python tasks take {t1:.2f} s with 1 worker, {t2:.2f} s with "
          f"2 (speed-up {t1 / t2:.2f}x; 2.0x on an idle 2-core machine)")
    print()


def headline(seed: int, quick: bool) -> None:
    print("== Headline: 2-16-16-1 over [-1,1]^2 (targets: >= 3x faster than plain, < 2 s)")
    print(f"{'seed':>4} {'regions':>7} {'edges':>6} {'exactid s':>9} {'no-shortcut s':>13} "
          f"{'plain s':>8} {'plain/exactid':>13}  same answers")
    for s in [seed] if quick else [seed, seed + 1, seed + 2]:
        net, box = random_network(2, 16, s), unit_box(2)
        t_fast, fast = timed(enumerate_regions, net, box, workers=1)
        t_old, _ = timed(enumerate_regions, net, box, workers=1, shortcuts=False)
        t_plain, (patterns, edges) = timed(plain_enumeration, net, box)
        same = patterns == [r.pattern for r in fast.regions] and edges == len(fast.edges)
        print(f"{s:>4} {fast.count:>7} {len(fast.edges):>6} {t_fast:>9.2f} {t_old:>13.2f} "
              f"{t_plain:>8.2f} {t_plain / t_fast:>13.1f}  {same}")
    print()


def throughput(seed: int, quick: bool) -> None:
    print("== Throughput: regions per second (regions, facets and edges), 1 and 2 workers")
    print(f"{'network':>10} {'regions':>7} {'edges':>6} {'1 worker s':>10} {'reg/s':>7} "
          f"{'2 workers s':>11} {'reg/s':>7} {'speed-up':>8}")
    for d, w in ([(3, 12)] if quick else [(3, 16), (4, 16)]):
        net, box = random_network(d, w, seed), unit_box(d)
        t1, one = timed(enumerate_regions, net, box, workers=1)
        t2, two = timed(enumerate_regions, net, box, workers=2)
        assert one.to_json() == two.to_json(), "workers changed the result"
        print(f"{d}-{w}-{w}-1 {one.count:>7} {len(one.edges):>6} {t1:>10.2f} "
              f"{one.count / t1:>7.0f} {t2:>11.2f} {two.count / t2:>7.0f} {t1 / t2:>7.2f}x")
    if quick:
        print()
        return
    print("largest count within 60 s with 2 workers (3-D, growing widths):")
    for w in (24, 28, 32, 36, 40):
        net, box = random_network(3, w, seed), unit_box(3)
        t, rs = timed(enumerate_regions, net, box, workers=2)
        print(f"  3-{w}-{w}-1: {rs.count} regions, {len(rs.edges)} edges, {t:.1f} s "
              f"({rs.count / t:.0f} regions/s)", flush=True)
        if t > 60:
            break
    print()


def six(seed: int, quick: bool) -> None:
    d, w = (6, 8) if quick else (6, 12)
    print(f"== {d}-{w}-{w}-1 over [-1,1]^{d}, 2 workers")
    t, rs = timed(enumerate_regions, random_network(d, w, seed), unit_box(d), workers=2)
    print(f"completed: {rs.count} regions, {len(rs.edges)} edges, {t:.1f} s "
          f"({rs.count / t:.0f} regions/s)")
    print()


def identify_section(seed: int, quick: bool) -> None:
    d, w = (3, 8) if quick else (3, 12)
    print(f"== identify on {d}-{w}-{w}-1 over [-1,1]^{d}")
    net, box = random_network(d, w, seed), unit_box(d)
    t1, one = timed(identify, net, box, seed=0, workers=1)
    t2, two = timed(identify, net, box, seed=0, workers=2)
    print(f"verdict {one.verdict}; 1 worker {t1:.2f} s, 2 workers {t2:.2f} s "
          f"(speed-up {t1 / t2:.2f}x); same result: {one == two}")
    print()


SECTIONS = {"headline": headline, "throughput": throughput, "six": six,
            "identify": identify_section}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, one seed")
    ap.add_argument("--seed", type=int, default=0, help="seed of the random networks")
    ap.add_argument("--sections", default=",".join(SECTIONS),
                    help=f"comma-separated, from {', '.join(SECTIONS)}")
    args = ap.parse_args(argv)
    import flint

    print(f"python {platform.python_version()}, python-flint {flint.__version__}, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}, seed {args.seed}")
    enumerate_regions(random_network(2, 4, 0), unit_box(2))  # imports are not timed
    calibration()
    for name in args.sections.split(","):
        SECTIONS[name.strip()](args.seed, args.quick)


if __name__ == "__main__":
    main()
