"""Benchmark: exact region enumeration against a float64-only enumeration.

Run from the repository root::

    python benchmarks/bench_regions.py [--quick] [--seed S] [--repeat R] [--limit SECONDS]
                                       [--largest] [--no-cases] [--fast-float]

Networks are [d, w, w, 1] with random rational parameters over the box [-1, 1]^d.

Sections
--------
1. Headline, always printed: 2-16-16-1 with seeds S, S+1, S+2 (so the figure is not one
   lucky network). Targets: exact under 2 s, and exact at most 2x float-only.
2. Cases d in {2, 3, 4, 6}, w in {8, 12, 16, 24, 32} (``--quick``: d in {2, 3},
   w in {8, 16}). For each d the widths grow; once a case took longer than ``--limit``
   seconds the larger widths of that d are skipped. ``--no-cases`` skips this section.
3. ``--largest``: for d = 2 and d = 3, growing w, the exact enumeration alone, each size
   in a fresh process stopped once it exceeds ``--limit`` (60 s); reports the largest
   region count enumerated exactly within the limit.

Each case times, in the same run,

   exact  ``exactid.regions.enumerate_regions(net, domain)``: regions, facets and edges,
          every answer with an exact certificate;
   float  the same splitting tree (docs/theory/deep_global.md §3.4) and facet search (3.5) in
          float64 with HiGHS (``highspy``, the solver of ``exactid.polyhedra``'s hints) and
          no exact verification: a child is kept iff t* > 1e-9 in
          "max t s.t. a_k x + t ||a_k||_inf <= beta_k, t <= 1", the LP is skipped when the
          parent's point is on the child's side with that same normalised margin; a row
          group (rows equal up to a positive factor, to 1e-9 after scaling by
          ||a_k||_inf) is a facet iff the LP with its row as an equality and every other
          row strict has t* > 1e-9; a facet labelled by neurons of one layer whose flipped
          pattern is a region gives an edge.

By default each float LP gets a new ``highspy.Highs`` instance and no shortcut is used.
``--fast-float`` makes the float enumeration as fast as it can be without exactness: one
``Highs`` instance for all its LPs (as ``exactid.polyhedra`` does), and the LP-free
shortcuts of ``exactid.regions`` (mirror point across the splitting hyperplane; neighbour
rule: no LP for a neuron row whose flipped pattern is no region; the neighbour's facet
point; the crossing of the segment between two witnesses), so that the ratio measures the
price of exactness rather than the shortcuts.

Times are the best of up to R runs (``--repeat``); a measure stops repeating once its
runs have used ``--limit`` seconds. One small network is enumerated first so that
imports are not timed.

Parameters are random rationals p/q with 1 <= |p| <= 99 and 1 <= q <= 20 from a seeded
``random.Random`` (p != 0, as in bench_local.py).

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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from queue import Empty
from typing import Any

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))

from exactid.domain import Domain  # noqa: E402
from exactid.network import Network  # noqa: E402
from exactid.regions import enumerate_regions  # noqa: E402

P_MAX = 99
Q_MAX = 20
FLOAT_EPS = 1e-9  # t* > FLOAT_EPS means "non-empty" in the float enumeration

Pattern = tuple[tuple[int, ...], ...]
Label = tuple  # ("domain", k) or ("neuron", layer, j), as in exactid.regions


# ----------------------------------------------------------------------------- data
def rand_rational(rng: random.Random) -> Fraction:
    """A random p/q with 1 <= |p| <= P_MAX and 1 <= q <= Q_MAX."""
    while True:
        p = rng.randint(-P_MAX, P_MAX)
        if p:
            return Fraction(p, rng.randint(1, Q_MAX))


def random_network(d: int, w: int, seed: int) -> Network:
    """A random [d, w, w, 1] network; the same (d, w, seed) gives the same network."""
    rng = random.Random(f"regions-{d}-{w}-{seed}")
    widths = [d, w, w, 1]
    weights = [[[rand_rational(rng) for _ in range(widths[l])] for _ in range(widths[l + 1])]
               for l in range(len(widths) - 1)]
    biases = [[rand_rational(rng) for _ in range(widths[l + 1])]
              for l in range(len(widths) - 1)]
    return Network.from_lists(weights, biases)


def unit_box(d: int) -> Domain:
    return Domain.box([(-1, 1)] * d)


def name(d: int, w: int) -> str:
    return f"{d}-{w}-{w}-1"


# ---------------------------------------------------------------- exact enumeration
@dataclass(frozen=True)
class Enumerated:
    """What one enumeration found: the region patterns and the number of edges."""

    patterns: frozenset[Pattern]
    edges: int
    lps: int | None = None  # float LPs solved (float enumeration only)
    notes: tuple[str, ...] = ()

    @property
    def count(self) -> int:
        return len(self.patterns)


def exact_enumeration(net: Network, domain: Domain) -> Enumerated:
    rs = enumerate_regions(net, domain)
    patterns = frozenset(r.pattern for r in rs.regions)
    if len(patterns) != rs.count:
        raise AssertionError("enumerate_regions returned a pattern twice")
    return Enumerated(patterns, len(rs.edges), notes=tuple(rs.degenerate))


# ---------------------------------------------------------------- float enumeration
def float_lp(a: np.ndarray, beta: np.ndarray, e: np.ndarray | None = None, g: float = 0.0,
             h: Any = None) -> tuple[float, np.ndarray]:
    """(t*, x*) of max t s.t. a x + t ||a_k||_inf <= beta (and e x = g), t <= 1, by HiGHS.

    The LP of ``exactid.polyhedra._float_hint``, set up the same way; t* = -inf when
    HiGHS reports no optimum. ``h``: a ``highspy.Highs`` to reuse (default: a new one).
    """
    import highspy

    m, n = a.shape
    norms = np.abs(a).max(axis=1)
    rows = np.hstack([a, norms[:, None]])
    lower, upper = np.full(m, -np.inf), beta
    if e is not None:
        rows = np.vstack([rows, np.append(e, 0.0)])
        lower, upper = np.append(lower, g), np.append(upper, g)
    if h is None:
        h = new_highs()
    else:
        h.clearSolver()
    lp = highspy.HighsLp()
    k = rows.shape[0]
    lp.num_col_, lp.num_row_ = n + 1, k
    cost = np.zeros(n + 1)
    cost[-1] = -1.0
    lp.col_cost_ = cost
    lp.col_lower_ = np.full(n + 1, -np.inf)
    lp.col_upper_ = np.append(np.full(n, np.inf), 1.0)
    lp.row_lower_, lp.row_upper_ = lower, upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = np.arange(0, k * (n + 1) + 1, n + 1)
    lp.a_matrix_.index_ = np.tile(np.arange(n + 1), k)
    lp.a_matrix_.value_ = rows.ravel()
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = n + 1, k
    h.passModel(lp)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return -math.inf, np.zeros(n)
    x = np.array(h.getSolution().col_value)
    return float(x[-1]), x[:-1]


def new_highs() -> Any:
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    return h


def strictly_inside(a: np.ndarray, beta: np.ndarray, x: np.ndarray) -> bool:
    """a x < beta with the float enumeration's margin: FLOAT_EPS ||a_k||_inf per row."""
    return bool(np.all(beta - a @ x > FLOAT_EPS * np.abs(a).max(axis=1)))


class _FloatEnumerator:
    """The float64 twin of ``enumerate_regions``; see the module docstring."""

    def __init__(self, net: Network, domain: Domain, fast: bool) -> None:
        self.weights = [np.array([[float(v) for v in row] for row in w]) for w in net.weights]
        self.biases = [np.array([float(v) for v in b]) for b in net.biases]
        self.dom_a = np.array([[float(v) for v in row] for row in domain.a])
        self.dom_b = np.array([float(v) for v in domain.b])
        self.fast = fast
        self.highs = new_highs() if fast else None
        self.lps = 0
        self.leaves: list[tuple[Pattern, np.ndarray, np.ndarray, np.ndarray, list]] = []

    def lp(self, a: np.ndarray, beta: np.ndarray, e: np.ndarray | None = None,
           g: float = 0.0) -> tuple[float, np.ndarray]:
        self.lps += 1
        return float_lp(a, beta, e, g, self.highs)

    def run(self) -> Enumerated:
        t, x0 = self.lp(self.dom_a, self.dom_b)
        if t <= FLOAT_EPS:
            raise AssertionError("the float LP finds the domain empty")
        labels = [("domain", k) for k in range(len(self.dom_b))]
        self.split(0, [], [], self.dom_a, self.dom_b, labels, x0,
                   self.weights[0], self.biases[0])
        return self.facets()

    def split(self, layer: int, bits: list[int], done: list[tuple[int, ...]], a: np.ndarray,
              beta: np.ndarray, labels: list[Label], x0: np.ndarray, forms: np.ndarray,
              consts: np.ndarray) -> None:
        """Split the node (rows a x < beta, point x0) on the next hidden neuron."""
        if len(bits) == len(consts):
            done = done + [tuple(bits)]
            if layer + 2 == len(self.weights):
                self.leaves.append((tuple(done), x0, a, beta, labels))
                return
            on = np.array(bits, dtype=bool)
            w, b = self.weights[layer + 1][:, on], self.biases[layer + 1]
            self.split(layer + 1, [], done, a, beta, labels, x0, w @ forms[on], w @ consts[on] + b)
            return
        j = len(bits)
        form, const = forms[j], consts[j]
        if not form.any():  # constant on the node: no row, the sign decides (as exactid)
            self.split(layer, bits + [int(const > 0)], done, a, beta, labels, x0, forms, consts)
            return
        value = float(form @ x0 + const)
        margin = FLOAT_EPS * float(np.abs(form).max())
        for bit in (1, 0):
            row, rhs = (-form, const) if bit else (form, -const)
            new_a, new_beta = np.vstack([a, row]), np.append(beta, rhs)
            new_labels = labels + [("neuron", layer, j)]
            child = (layer, bits + [bit], done, new_a, new_beta, new_labels)
            if (value if bit else -value) > margin:
                self.split(*child, x0, forms, consts)
                continue
            if self.fast and value != 0:
                mirror = x0 - 2.0 * value * form / float(form @ form)
                if strictly_inside(new_a, new_beta, mirror):
                    self.split(*child, mirror, forms, consts)
                    continue
            t, x = self.lp(new_a, new_beta)
            if t > FLOAT_EPS:
                self.split(*child, x, forms, consts)

    def facets(self) -> Enumerated:
        index = {pattern: i for i, (pattern, *_) in enumerate(self.leaves)}
        edges: set[tuple] = set()
        shared: dict[tuple[int, int], np.ndarray] = {}
        orphans = 0  # neuron facets of one layer whose flipped pattern is no region
        for i, (pattern, x0, a, beta, labels) in enumerate(self.leaves):
            for members in row_groups(a, beta):
                neurons = sorted((labels[k][1], labels[k][2]) for k in members
                                 if labels[k][0] == "neuron")
                boundary = any(labels[k][0] == "domain" for k in members)
                one_layer = bool(neurons) and not boundary and len({l for l, _ in neurons}) == 1
                neighbour = index.get(flip(pattern, neurons)) if one_layer else None
                if self.fast and one_layer and neighbour is None:
                    continue  # the neighbour rule: not a facet
                others = [k for k in range(len(beta)) if k not in members]
                e, g = a[members[0]], float(beta[members[0]])
                witness = None
                if self.fast and neighbour is not None:
                    witness = shared.get((neighbour, i))
                    if witness is None or not strictly_inside(a[others], beta[others], witness):
                        witness = crossing(a[others], beta[others], e, g, x0,
                                           self.leaves[neighbour][1])
                if witness is None:
                    t, x = self.lp(a[others], beta[others], e, g)
                    if t <= FLOAT_EPS:
                        continue
                    witness = x
                if one_layer and neighbour is None:
                    orphans += 1
                if neighbour is not None:
                    shared[(i, neighbour)] = witness
                    edges.add((min(i, neighbour), max(i, neighbour), tuple(neurons)))
        notes = (f"{orphans} neuron facets whose flipped pattern is no region",) if orphans \
            else ()
        return Enumerated(frozenset(index), len(edges), self.lps, notes)


def row_groups(a: np.ndarray, beta: np.ndarray) -> list[list[int]]:
    """Indices of rows equal up to a positive factor (to FLOAT_EPS after scaling each row
    by its ||a_k||_inf); every row here has a != 0."""
    scaled = np.hstack([a, beta[:, None]]) / np.abs(a).max(axis=1)[:, None]
    free = np.ones(len(beta), dtype=bool)
    out = []
    for k in range(len(beta)):
        if free[k]:
            members = np.flatnonzero(free & (np.abs(scaled - scaled[k]).max(axis=1)
                                             <= FLOAT_EPS))
            free[members] = False
            out.append([int(m) for m in members])
    return out


def flip(pattern: Pattern, neurons: list[tuple[int, int]]) -> Pattern:
    bits = [list(p) for p in pattern]
    for layer, j in neurons:
        bits[layer][j] ^= 1
    return tuple(tuple(b) for b in bits)


def crossing(a: np.ndarray, beta: np.ndarray, e: np.ndarray, g: float, x0: np.ndarray,
             x1: np.ndarray) -> np.ndarray | None:
    """Where the segment x0 -> x1 meets {e x = g}, if a x < beta there (with the margin)."""
    d0, d1 = float(e @ x0), float(e @ x1)
    if d0 == d1:
        return None
    x = x0 + (g - d0) / (d1 - d0) * (x1 - x0)
    return x if strictly_inside(a, beta, x) else None


def float_enumeration(net: Network, domain: Domain, fast: bool = False) -> Enumerated:
    """Regions and edges found in float64 (``fast``: one HiGHS instance and shortcuts)."""
    return _FloatEnumerator(net, domain, fast).run()


# --------------------------------------------------------------------------- timing
def best_of(repeat: int, budget: float, fn: Callable[..., Any], *args: Any) -> tuple[float, Any]:
    """Best wall-clock time of up to ``repeat`` calls of ``fn(*args)``, stopping once the
    calls have used ``budget`` seconds."""
    best, used, out = math.inf, 0.0, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn(*args)
        elapsed = time.perf_counter() - t0
        best, used = min(best, elapsed), used + elapsed
        if used > budget:
            break
    return best, out


def print_table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    print("  ".join(h.rjust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)))


@dataclass
class Case:
    """One timed case: both enumerations of one network."""

    d: int
    w: int
    seed: int
    exact_s: float | None = None
    float_s: float | None = None
    exact: Enumerated | None = None
    floats: Enumerated | None = None
    notes: list[str] = field(default_factory=list)

    def row(self, with_seed: bool = False) -> list[str]:
        def secs(t: float | None) -> str:
            return "-" if t is None else f"{t:.3f}"

        def count(e: Enumerated | None, attr: str) -> str:
            return "-" if e is None else str(getattr(e, attr))

        ratio = ("-" if self.exact_s is None or not self.float_s
                 else f"{self.exact_s / self.float_s:.2f}")
        per = ("-" if self.exact_s is None or not self.exact or not self.exact.count
               else f"{1000 * self.exact_s / self.exact.count:.2f}")
        return ([str(self.d), name(self.d, self.w)] + ([str(self.seed)] if with_seed else [])
                + [count(self.exact, "count"), count(self.floats, "count"),
                   count(self.exact, "edges"), secs(self.exact_s), secs(self.float_s), ratio,
                   per])

    @property
    def slowest(self) -> float:
        return max(t for t in (self.exact_s, self.float_s, 0.0) if t is not None)


HEADER = ["d", "widths", "regions(exact)", "regions(float)", "edges", "exact s", "float s",
          "ratio", "ms/region"]


def run_case(d: int, w: int, seed: int, repeat: int, budget: float, fast: bool) -> Case:
    """Time both enumerations of ``random_network(d, w, seed)`` and compare their answers."""
    case = Case(d, w, seed)
    net, domain = random_network(d, w, seed), unit_box(d)
    tag = f"[{name(d, w)} seed {seed}]"
    print(f"{tag} exact ...", end="", flush=True)
    try:
        case.exact_s, case.exact = best_of(repeat, budget, exact_enumeration, net, domain)
        print(f" {case.exact.count} regions {case.exact_s:.3f} s;", end="", flush=True)
    except Exception as exc:  # report and go on: one failing case should not hide the rest
        print(f" failed ({type(exc).__name__});", end="", flush=True)
        case.notes.append(f"exact enumeration failed: {type(exc).__name__}: {exc}")
    print(" float ...", end="", flush=True)
    try:
        case.float_s, case.floats = best_of(repeat, budget, float_enumeration, net, domain,
                                            fast)
        print(f" {case.floats.count} regions {case.float_s:.3f} s ({case.floats.lps} LPs)",
              flush=True)
    except Exception as exc:
        print(f" failed ({type(exc).__name__})", flush=True)
        case.notes.append(f"float enumeration failed: {type(exc).__name__}: {exc}")
    if case.exact is not None and case.floats is not None:
        missing = case.exact.patterns - case.floats.patterns
        extra = case.floats.patterns - case.exact.patterns
        if missing or extra:
            case.notes.append(f"float misses {len(missing)} exact regions and has {len(extra)} "
                              "regions the exact enumeration does not")
        if case.exact.edges != case.floats.edges:
            case.notes.append(f"edges: exact {case.exact.edges}, float {case.floats.edges}")
    for e, what in ((case.exact, "exact"), (case.floats, "float")):
        if e is not None:
            case.notes += [f"{what}: {n}" for n in e.notes]
    return case


def print_notes(cases: list[Case]) -> None:
    for c in cases:
        for note in c.notes:
            print(f"note: {name(c.d, c.w)} seed {c.seed}: {note}")


# ------------------------------------------------------------------------- sections
def run_headline(seed: int, repeat: int, limit: float, fast: bool) -> None:
    seeds = [seed, seed + 1, seed + 2]
    print(f"== Headline: 2-16-16-1 over [-1,1]^2, seeds {seeds} "
          "(targets: exact < 2 s, exact <= 2x float)")
    cases = [run_case(2, 16, s, repeat, limit, fast) for s in seeds]
    print()
    header = HEADER[:2] + ["seed"] + HEADER[2:]
    print_table(header, [c.row(with_seed=True) for c in cases])
    timed = [c for c in cases if c.exact_s is not None and c.float_s]
    if timed:
        worst = max(c.exact_s for c in timed)
        ratio = max(c.exact_s / c.float_s for c in timed)
        print(f"worst exact time {worst:.3f} s (target < 2 s: "
              f"{'met' if worst < 2 else 'not met'}); worst ratio {ratio:.2f} "
              f"(target <= 2: {'met' if ratio <= 2 else 'not met'})")
    print_notes(cases)
    print()


def run_cases(ds: list[int], ws: list[int], seed: int, repeat: int, limit: float,
              fast: bool) -> None:
    print(f"== Cases: [d, w, w, 1] over [-1,1]^d, seed {seed}; larger widths of a d are "
          f"skipped once a case took longer than {limit:g} s")
    cases, skipped = [], []
    for d in ds:
        previous = None
        for w in ws:
            if previous is not None and previous.slowest > limit:
                skipped.append(name(d, w))
                continue
            previous = run_case(d, w, seed, repeat, limit, fast)
            cases.append(previous)
    print()
    if cases:
        print_table(HEADER, [c.row() for c in cases])
    if skipped:
        print(f"skipped (a smaller width took longer than {limit:g} s): {', '.join(skipped)}")
    print_notes(cases)
    print()


def growing_widths() -> Iterator[int]:
    """8, 12, ..., 32, 40, ..., 64, 80, ..., 128, 160, ...: steps of about w / 8."""
    w = 8
    while True:
        yield w
        w += max(4, 2 ** (w.bit_length() - 3))


def _largest_worker(d: int, w: int, seed: int, queue: Any) -> None:
    """Child process of ``run_largest``: time the exact enumeration once."""
    net, domain = random_network(d, w, seed), unit_box(d)
    t0 = time.perf_counter()
    rs = enumerate_regions(net, domain)
    queue.put((rs.count, len(rs.edges), time.perf_counter() - t0))


def _receive(queue: Any, proc: Any, timeout: float) -> Any:
    """The message of ``proc``, or None if it died or ``timeout`` seconds passed."""
    deadline = time.monotonic() + timeout
    while True:
        wait = min(0.5, deadline - time.monotonic())
        if wait <= 0:
            return None
        try:
            return queue.get(timeout=wait)
        except Empty:
            if not proc.is_alive() and queue.empty():
                return None


def run_largest(seed: int, limit: float) -> None:
    """Grow w for d = 2 and 3 until one exact run exceeds ``limit``; report the largest."""
    print(f"== Largest region count enumerated exactly within {limit:g} s "
          f"([d, w, w, 1], seed {seed}, one run each in a fresh process)")
    ctx = multiprocessing.get_context("spawn")  # no fork of FLINT's thread pool
    rows, best = [], {}
    for d in (2, 3):
        for w in growing_widths():
            queue = ctx.Queue()
            proc = ctx.Process(target=_largest_worker, args=(d, w, seed, queue))
            print(f"  {name(d, w)} ...", end="", flush=True)
            t0 = time.perf_counter()
            proc.start()
            outcome = _receive(queue, proc, limit + 5.0)  # slack: the child's imports
            if outcome is None:
                alive = proc.is_alive()
                proc.terminate()
                proc.join()
                shown = f"> {limit:g}" if alive else f"failed (exit {proc.exitcode})"
                print(f" {shown} (after {time.perf_counter() - t0:.1f} s)", flush=True)
                rows.append([str(d), name(d, w), "-", "-", shown])
                break
            proc.join()
            count, edges, t = outcome
            print(f" {count} regions, {edges} edges, {t:.2f} s", flush=True)
            rows.append([str(d), name(d, w), str(count), str(edges), f"{t:.2f}"])
            if t > limit:
                break
            if d not in best or count > best[d][1]:
                best[d] = (w, count, t)
    print()
    print_table(["d", "widths", "regions", "edges", "exact s"], rows)
    for d, (w, count, t) in sorted(best.items()):
        print(f"d = {d}: largest count within {limit:g} s: {count} regions, "
              f"widths {name(d, w)}, {t:.2f} s")
    if best:
        d, (w, count, t) = max(best.items(), key=lambda item: item[1][1])
        print(f"overall: {count} regions ({name(d, w)}, {t:.2f} s)")
    else:
        print(f"no enumeration finished within {limit:g} s")
    print()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="d in {2, 3}, w in {8, 16} only")
    ap.add_argument("--seed", type=int, default=0, help="seed of the random networks")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs per measure (best of)")
    ap.add_argument("--limit", type=float, default=60.0,
                    help="seconds: skip larger widths after a slower case; --largest's limit")
    ap.add_argument("--largest", action="store_true",
                    help="also search the largest region count enumerated within --limit")
    ap.add_argument("--no-cases", action="store_true", help="skip the table of cases")
    ap.add_argument("--fast-float", action="store_true",
                    help="float enumeration with exactid's LP-free shortcuts, one HiGHS")
    args = ap.parse_args(argv)
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")

    import flint
    import highspy

    h = highspy.Highs()
    print(f"python {platform.python_version()}, numpy {np.__version__}, highspy "
          f"{h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}, python-flint "
          f"{flint.__version__}, {os.cpu_count()} CPUs, flint threads {flint.ctx.threads}, "
          f"seed {args.seed}, repeat {args.repeat}, limit {args.limit:g} s"
          + (", quick" if args.quick else ""))
    print("float enumeration: "
          + ("fast (exactid's LP-free shortcuts, one HiGHS instance)" if args.fast_float
             else "plain (an LP per split and per row group, a new HiGHS instance per LP)"))
    print()
    warm = random_network(2, 4, 0)  # imports and first calls are not timed
    exact_enumeration(warm, unit_box(2))
    float_enumeration(warm, unit_box(2))

    run_headline(args.seed, args.repeat, args.limit, args.fast_float)
    if not args.no_cases:
        ds, ws = ([2, 3], [8, 16]) if args.quick else ([2, 3, 4, 6], [8, 12, 16, 24, 32])
        run_cases(ds, ws, args.seed, args.repeat, args.limit, args.fast_float)
    if args.largest:
        run_largest(args.seed, args.limit)


if __name__ == "__main__":
    main()
