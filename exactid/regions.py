"""Activation regions of a ReLU network inside a polytope, and their adjacency graph.

Enumeration follows the splitting tree of ``theory/deep_global.md`` 3.4: hidden neurons
are split one at a time, layer by layer; a child is kept iff its strict system is
non-empty (``polyhedra.strictly_feasible``: a rational witness or a Motzkin certificate,
both exact). Splitting was chosen over a search across facets because every node carries
its own proof, and because it needs no seed point. A child that contains the parent's
witness strictly needs no LP at all. Facets and the adjacency graph follow 3.5 and the
neighbour rule of section 2.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import networkx as nx

from .domain import Domain
from .errors import InputError
from .network import Network
from .numbers import format_rational
from .polyhedra import strictly_feasible, verify_witness

__all__ = ["Region", "RegionSet", "enumerate_regions"]

Vec = tuple[Fraction, ...]
Label = tuple  # ("domain", k) or ("neuron", layer, j)


@dataclass(frozen=True)
class Region:
    """One full-dimensional activation region.

    ``rows`` are its strict constraints a . x < beta with their labels; ``affine`` is
    (A, c) with f_theta(x) = A x + c on the region.
    """

    pattern: tuple[tuple[int, ...], ...]
    witness: Vec
    rows: tuple[tuple[Vec, Fraction, Label], ...]
    affine: tuple[tuple[Vec, ...], Vec]
    facets: list[dict] = field(default_factory=list, compare=False)


@dataclass(frozen=True)
class RegionSet:
    """All full-dimensional regions, the adjacency edges and the degeneracies found."""

    regions: list[Region]
    edges: list[dict]
    degenerate: list[str]
    graph: nx.Graph

    @property
    def count(self) -> int:
        return len(self.regions)

    def to_json(self) -> dict[str, Any]:
        def vec(v):
            return [format_rational(x) for x in v]

        return {
            "count": self.count,
            "regions": [{
                "pattern": [list(p) for p in r.pattern],
                "witness": vec(r.witness),
                "facets": [{"neurons": f["neurons"], "boundary": f["boundary"],
                            "witness": vec(f["witness"]),
                            "neighbour": f["neighbour"]} for f in r.facets],
                "affine": {"A": [vec(row) for row in r.affine[0]], "c": vec(r.affine[1])},
            } for r in self.regions],
            "edges": [{"a": e["a"], "b": e["b"], "neurons": e["neurons"],
                       "witness": vec(e["witness"])} for e in self.edges],
            "degenerate": list(self.degenerate),
        }


def _next_layer(net: Network, layer: int, bits: tuple[int, ...], a: tuple[Vec, ...],
                c: Vec) -> tuple[tuple[Vec, ...], Vec]:
    """Affine form of z_{layer+2} on a cell, from that of z_{layer+1} and its bits."""
    w, b = net.weights[layer + 1], net.biases[layer + 1]
    dim = len(a[0])
    new_a = tuple(tuple(sum((row[j] * a[j][i] for j in range(len(bits)) if bits[j]),
                            Fraction(0)) for i in range(dim)) for row in w)
    new_c = tuple(sum((row[j] * c[j] for j in range(len(bits)) if bits[j]), Fraction(0)) + bk
                  for row, bk in zip(w, b))
    return new_a, new_c


def enumerate_regions(net: Network, domain: Domain) -> RegionSet:
    """Return every full-dimensional activation region of ``net`` inside ``domain``.

    Each region has an exact rational interior witness, its facets (labelled with the
    neuron(s) whose zero set carries them, or the domain rows) and the exact affine map
    of the network on it; edges join regions sharing a facet (deep_global.md 2, 3.4-3.5).

    Examples
    --------
    >>> from exactid.domain import Domain
    >>> net = Network.from_lists([[[1, 0], [0, 1]], [[1, 1]]], [[0, 0], [0]])
    >>> enumerate_regions(net, Domain.box([(-1, 1), (-1, 1)])).count
    4
    """
    if net.n_inputs != domain.dim:
        raise InputError(f"the domain has dimension {domain.dim}, the network expects "
                         f"{net.n_inputs} inputs")
    if net.depth < 2:
        raise InputError("network has no hidden layer: it has a single affine region")
    degenerate: list[str] = []
    base_rows = [(row, bk, ("domain", k)) for k, (row, bk) in enumerate(zip(domain.a, domain.b))]
    start = strictly_feasible(domain.a, domain.b)
    a1 = tuple(tuple(row) for row in net.weights[0])
    leaves: list[tuple[tuple[tuple[int, ...], ...], Vec, list]] = []

    def split(layer: int, bits: list[int], done: list[tuple[int, ...]], rows: list,
              x0: Vec, a: tuple[Vec, ...], c: Vec) -> None:
        if len(bits) == len(a):
            done = done + [tuple(bits)]
            if layer + 1 == net.depth - 1:
                leaves.append((tuple(done), x0, rows))
                return
            na, nc = _next_layer(net, layer, tuple(bits), a, c)
            split(layer + 1, [], done, rows, x0, na, nc)
            return
        j = len(bits)
        form, const = a[j], c[j]
        if all(v == 0 for v in form):
            if const == 0:
                degenerate.append(f"hidden layer {layer} neuron {j}: pre-activation "
                                  f"identically zero on the cell with pattern {done} (kept "
                                  "as inactive)")
            split(layer, bits + [int(const > 0)], done, rows, x0, a, c)
            return
        value = sum((v * xi for v, xi in zip(form, x0)), Fraction(0)) + const
        for bit in (1, 0):
            # on: -(a . x) < c;  off: a . x < -c
            row = ((tuple(-v for v in form), const) if bit else (form, -const)) \
                + (("neuron", layer, j),)
            new_rows = rows + [row]
            if (value > 0) == bool(bit) and value != 0:
                split(layer, bits + [bit], done, new_rows, x0, a, c)
                continue
            res = strictly_feasible([r[0] for r in new_rows], [r[1] for r in new_rows])
            if res.feasible:
                split(layer, bits + [bit], done, new_rows, res.witness, a, c)

    split(0, [], [], base_rows, start.witness, a1, tuple(net.biases[0]))
    regions = []
    for pattern, x0, rows in leaves:
        a, c = a1, tuple(net.biases[0])
        for layer in range(net.depth - 1):
            a, c = _next_layer(net, layer, pattern[layer], a, c)
        regions.append(Region(pattern, x0, tuple(rows), (a, c)))
    edges = _facets(regions, degenerate)
    graph = nx.Graph()
    for i, r in enumerate(regions):
        graph.add_node(i, pattern=r.pattern, witness=r.witness, affine=r.affine)
    for e in edges:
        graph.add_edge(e["a"], e["b"], neurons=e["neurons"], witness=e["witness"])
    if regions and not nx.is_connected(graph):
        raise AssertionError("the region adjacency graph of a convex domain is not "
                             "connected: this is a bug, please report it")
    return RegionSet(regions, edges, degenerate, graph)


def _normalised(a: Vec, beta: Fraction) -> tuple:
    s = max(abs(v) for v in a)
    return tuple(v / s for v in a) + (beta / s,)


def _facets(regions: list[Region], degenerate: list[str]) -> list[dict]:
    """Facets of every region (deep_global.md 3.5) and the edges they induce."""
    index = {r.pattern: i for i, r in enumerate(regions)}
    edges, seen = [], set()
    shared_witness: dict[tuple, Vec] = {}
    for i, r in enumerate(regions):
        groups: dict[tuple, list[int]] = {}
        for k, (a, beta, _) in enumerate(r.rows):
            if any(v != 0 for v in a):
                groups.setdefault(_normalised(a, beta), []).append(k)
        for members in groups.values():
            labels = [r.rows[k][2] for k in members]
            neurons = sorted([lab[1], lab[2]] for lab in labels if lab[0] == "neuron")
            boundary = sorted(lab[1] for lab in labels if lab[0] == "domain")
            flipped = None
            if neurons:
                bits = [list(p) for p in r.pattern]
                for layer, j in neurons:
                    bits[layer][j] ^= 1
                flipped = tuple(tuple(b) for b in bits)
                if not boundary and flipped not in index:
                    continue
            others = [r.rows[k] for k in range(len(r.rows)) if k not in members]
            eq_a, eq_b = r.rows[members[0]][0], r.rows[members[0]][1]
            strict_a, strict_b = [o[0] for o in others], [o[1] for o in others]
            # The neighbour's facet is the same set (neighbour rule): try its witness first.
            shared = shared_witness.get((index.get(flipped), i))
            if shared is not None and verify_witness(strict_a, strict_b, shared, [eq_a], [eq_b]):
                witness = shared
            else:
                res = strictly_feasible(strict_a, strict_b, [eq_a], [eq_b])
                if not res.feasible:
                    continue
                witness = res.witness
            if len(neurons) > 1 or (neurons and boundary):
                note = (f"region {i}: neurons {neurons} and domain rows {boundary} share "
                        "one facet (non-generic)")
                if note not in degenerate:
                    degenerate.append(note)
            neighbour = index.get(flipped) if flipped is not None and not boundary else None
            r.facets.append({"neurons": neurons, "boundary": boundary,
                             "witness": witness, "neighbour": neighbour})
            if neighbour is not None:
                shared_witness[(i, neighbour)] = witness
            if neighbour is not None:
                key = (min(i, neighbour), max(i, neighbour), tuple(map(tuple, neurons)))
                if key not in seen:
                    seen.add(key)
                    edges.append({"a": key[0], "b": key[1], "neurons": neurons,
                                  "witness": witness})
    return edges
