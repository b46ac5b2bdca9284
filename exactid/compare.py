"""Exact comparison of two networks on a domain, on the common refinement of their regions.

On each cell R ∩ S (R a region of theta_A, S a region of theta_B inside R) both networks
are affine (docs/theory/deep_global.md §2), so f_A - f_B is affine there; its exact maximum and
minimum on the cell's closure come from ``polyhedra.maximize``
(docs/theory/deep_global.md §3.3). The cells' closures cover the domain (their union is dense and
closed), and f_A - f_B is continuous, so the largest of these maxima is max |f_A - f_B| on the
domain; it is 0 iff the two affine maps agree on every cell, i.e. iff f_A = f_B on the whole domain.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .display import Summarised
from .domain import Domain
from .errors import InputError
from .network import Network
from .numbers import format_rational
from .polyhedra import maximize
from .progress import Progress, throttled
from .regions import enumerate_regions

__all__ = ["Comparison", "compare", "difference_network"]


@dataclass(frozen=True, repr=False)
class Comparison(Summarised):
    """Result of ``compare``: per output k, max over the domain of |f_A,k - f_B,k| and a
    rational point attaining it (None when that output agrees everywhere)."""

    equal: bool
    max_abs_difference: tuple[Fraction, ...]
    witnesses: tuple[tuple[Fraction, ...] | None, ...]
    cells: int

    def _summary(self) -> list[tuple[str, Any]]:
        return [("equal", self.equal), ("max_abs_difference", list(self.max_abs_difference)),
                ("cells", self.cells)]

    def _details(self) -> list[tuple[str, Any]]:
        return [("witness", None if self.witness is None else list(self.witness))]

    @property
    def witness(self) -> tuple[Fraction, ...] | None:
        """A point attaining the largest difference over all outputs (None when equal)."""
        if self.equal:
            return None
        k = max(range(len(self.max_abs_difference)), key=self.max_abs_difference.__getitem__)
        return self.witnesses[k]

    def to_json(self) -> dict[str, Any]:
        def vec(v):
            return None if v is None else [format_rational(x) for x in v]

        return {"equal": self.equal,
                "max_abs_difference": [format_rational(v) for v in self.max_abs_difference],
                "witness": vec(self.witness),
                "witnesses": [vec(w) for w in self.witnesses],
                "cells": self.cells}


def compare(net_a: Network, net_b: Network, domain: Domain, *,
            progress: Progress | None = None, workers: int | None = 1,
            scheduler: Any = None) -> Comparison:
    """Decide exactly whether f_A = f_B on ``domain``; otherwise give max |f_A - f_B| per
    output with attaining points (see the module docstring for why this is exact).
    ``progress`` (optional) is called with a line of text now and then. ``workers`` and
    ``scheduler`` spread the regions of A and the cells inside runs of them over worker
    processes or a Dask cluster (``exactid.parallel``); the result does not depend on them.

    Examples
    --------
    >>> a = Network.from_lists([[[1]], [[1]]], [[0], [0]])            # relu(x)
    >>> b = Network.from_lists([[[1], [-1]], [[1, 0]]], [[0, 0], [0]])  # same function
    >>> compare(a, b, Domain.box([(-1, 1)])).equal
    True
    >>> c = Network.from_lists([[[2]], [[1]]], [[0], [0]])            # relu(2x)
    >>> r = compare(a, c, Domain.box([(-1, 1)]))
    >>> r.max_abs_difference, r.witness
    ((Fraction(1, 1),), (Fraction(1, 1),))
    """
    if net_a.n_inputs != net_b.n_inputs or net_a.n_outputs != net_b.n_outputs:
        raise InputError(f"the networks differ in shape: {net_a.n_inputs} -> "
                         f"{net_a.n_outputs} and {net_b.n_inputs} -> {net_b.n_outputs}")
    from .parallel import default_workers, imap_jobs

    outs = net_a.n_outputs
    best = [Fraction(0)] * outs
    where: list[tuple[Fraction, ...] | None] = [None] * outs
    cells = 0
    regions_a = enumerate_regions(net_a, domain, facets=False, progress=progress,
                                  workers=workers, scheduler=scheduler).regions
    count = default_workers() if workers is None else workers
    tasks = 1 if scheduler is None and count == 1 else 8 * (count if scheduler is None else 4)
    size = max(1, -(-len(regions_a) // tasks))
    jobs = [(net_b, regions_a[s:s + size]) for s in range(0, len(regions_a), size)]
    parts: dict[int, tuple] = {}
    tick = throttled(progress)
    for k, part in imap_jobs(_cells_task, jobs, workers=workers, scheduler=scheduler):
        parts[k] = part
        cells += part[0]
        done = len(parts)
        tick(lambda cells=cells, done=done: f"cells: {cells} so far ({done} of {len(jobs)} "
             "runs of regions of A)")
    for k in range(len(jobs)):  # in region order: the first region attaining a maximum wins
        for out, (value, point) in enumerate(zip(parts[k][1], parts[k][2])):
            if value > best[out]:
                best[out], where[out] = value, point
    if progress is not None:
        progress(f"cells of the common refinement: {cells}")
    return Comparison(all(v == 0 for v in best), tuple(best), tuple(where), cells)


def _cells_task(args: tuple) -> tuple[int, list[Fraction], list]:
    """One independent task: the cells R ∩ S for a run of regions R of A, and per output
    the largest difference met there and the first point attaining it (picklable)."""
    net_b, regions_a = args
    outs = net_b.n_outputs
    best = [Fraction(0)] * outs
    where: list[tuple[Fraction, ...] | None] = [None] * outs
    cells = 0
    for region in regions_a:
        closure = Domain(tuple(r[0] for r in region.rows), tuple(r[1] for r in region.rows))
        for cell in enumerate_regions(net_b, closure, facets=False).regions:
            cells += 1
            rows = [c[0] for c in cell.rows]
            rhs = [c[1] for c in cell.rows]
            for k in range(outs):
                q = [u - v for u, v in zip(region.affine[0][k], cell.affine[0][k])]
                r = region.affine[1][k] - cell.affine[1][k]
                if not any(q) and r == 0:
                    continue
                for sign in (1, -1):
                    m = maximize([sign * v for v in q], rows, rhs)
                    value = m.value + sign * r
                    if value > best[k]:
                        best[k], where[k] = value, m.point
    return cells, best, where


def difference_network(net_a: Network, net_b: Network) -> Network:
    """P with f_P = f_A - f_B: hidden layers stacked (block-diagonal after the first),
    output [W_L, -W'_L] and bias b_L - b'_L (docs/certificates.md, kind ``identify``).
    Its regions are the common refinement of those of A and B. Needs equal depths."""
    if net_a.depth != net_b.depth or net_a.n_inputs != net_b.n_inputs \
            or net_a.n_outputs != net_b.n_outputs:
        raise InputError("difference_network needs two networks of the same depth and "
                         "input and output sizes")
    weights, biases = [], []
    for layer, (wa, wb) in enumerate(zip(net_a.weights, net_b.weights)):
        last = layer == net_a.depth - 1
        if layer == 0:
            w = [list(r) for r in wa] + [list(r) for r in wb]
        elif last:
            w = [list(ra) + [-v for v in rb] for ra, rb in zip(wa, wb)]
        else:
            w = ([list(r) + [Fraction(0)] * len(wb[0]) for r in wa]
                 + [[Fraction(0)] * len(wa[0]) + list(r) for r in wb])
        weights.append(w)
        ba, bb = net_a.biases[layer], net_b.biases[layer]
        biases.append([u - v for u, v in zip(ba, bb)] if last else list(ba) + list(bb))
    return Network.from_lists(weights, biases)
