"""Activation regions of a ReLU network inside a polytope, and their adjacency graph.

Enumeration follows the splitting tree of ``docs/theory/deep_global.md`` §3.4: hidden neurons
are split one at a time, layer by layer; a child is kept iff its strict system is
non-empty. Splitting was chosen over a search across facets because every node carries
its own proof, and because it needs no seed point. Facets and the adjacency graph follow
3.5 and the neighbour rule of section 2, extended to facets shared by several layers
(``across``; docs/certificates.md, "Across a facet").

Fewer exact LPs. Floats only suggest; every decision is checked exactly:

* a child that contains the parent's witness strictly, or a rounding of its mirror image
  across the splitting hyperplane, is non-empty (an integer check, no LP);
* the float vertices of a cell (qhull, ``polyhedra.vertex_hint``, computed once per cell
  and kept while the splits leave the cell unchanged) give, for a hyperplane that misses
  the cell, the vertex where its form is extreme: on the d rows active there an exact
  d x d solve yields Farkas multipliers y >= 0 proving the far child empty
  (``polyhedra.bound_at_vertex``; the inverse is shared by all forms extreme at that
  vertex); for a hyperplane that cuts the cell they give points near the far vertices,
  checked exactly;
* a facet's witness is where the segment between the two regions' witnesses meets it,
  or the neighbour's facet witness, or the mean of the float vertices on it projected
  exactly onto the hyperplane; a row group that is no facet is settled by the same
  vertex certificate (a . x < beta on the whole closed region);
* whatever is left goes to ``polyhedra.strictly_feasible`` / ``facet_test`` (HiGHS hint,
  exact certificate on its support, exact simplex as the last resort).

Parallel work (``workers``, ``scheduler``; ``exactid.parallel``). The splitting tree is
cut into independent subtrees: starting from the root, every node of the current level is
split (in the calling process) until there are at least 32 nodes per worker (128 for a
Dask cluster): subtrees differ in size by orders of magnitude, and many small tasks, handed
out as workers become free, keep every worker busy. Each subtree below that frontier is one
task, which needs only its node (the cell's rows, an interior point, the forms of its layer
and the float vertices when known). Listed in depth-first order,
the frontier's subtrees give back the leaves in exactly the serial order, so the regions
are numbered as with one worker; the notes on degenerate neurons carry the key of the node
that met them and are sorted by it. Facets are then computed region by region, each
independently of the others, by runs of consecutive regions as tasks; a facet towards a
region of smaller index that the witnesses' segment does not give is settled in the merge,
which takes the regions in order (the neighbour's witness when it lies on this side's facet
too, otherwise the LP). Every step is deterministic, so the result - regions, facets,
edges, witnesses, notes, certificates - is the same for any number of workers.

The work is done on an equivalent network whose hidden rows are primitive integer
vectors (positive rescaling, docs/theory/local.md §1.6: the same regions), so that every exact test
is integer arithmetic; affine maps are those of the given network.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

import networkx as nx
import numpy as np

from .display import Summarised
from .domain import Domain
from .errors import InputError
from .network import Network
from .numbers import format_rational
from .polyhedra import (
    VertexHint,
    bound_at_vertex,
    facet_test,
    hint_values,
    integer_point,
    strictly_feasible,
    verify_witness,
    vertex_hint,
)
from .progress import Progress, throttled

__all__ = ["Region", "RegionSet", "enumerate_regions", "region_rows"]

Vec = tuple[Fraction, ...]
Label = tuple  # ("domain", k) or ("neuron", layer, j)
IntRow = tuple[tuple[int, ...], int, Label]


@dataclass(frozen=True)
class Region:
    """One full-dimensional activation region.

    ``rows`` are its strict constraints a . x < beta with their labels (primitive integer
    rows, positive multiples of those of docs/certificates.md); ``affine`` is (A, c) with
    f_theta(x) = A x + c on the region.
    """

    pattern: tuple[tuple[int, ...], ...]
    witness: Vec
    rows: tuple[IntRow, ...]
    affine: tuple[tuple[Vec, ...], Vec]
    facets: list[dict] = field(default_factory=list, compare=False)


@dataclass(frozen=True, repr=False)
class RegionSet(Summarised):
    """All full-dimensional regions, the adjacency edges and the degeneracies found.

    ``lower_dimensional`` lists activation patterns met on a facet (at its witness) that
    are no full-dimensional region (docs/theory/deep_global.md §2: such sets are not regions).
    """

    regions: list[Region]
    edges: list[dict]
    degenerate: list[str]
    graph: nx.Graph
    lower_dimensional: list[dict] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.regions)

    def _summary(self) -> list[tuple[str, Any]]:
        return [("count", self.count), ("edges", len(self.edges)),
                ("degenerate", len(self.degenerate)),
                ("lower_dimensional", len(self.lower_dimensional))]

    def _details(self) -> list[tuple[str, Any]]:
        return [("degenerate", d) for d in self.degenerate]

    def _table(self) -> tuple[list[str], list[list[Any]]] | None:
        shown = self.regions[:20]
        rows = [[i, [list(p) for p in r.pattern], list(r.witness), len(r.facets)]
                for i, r in enumerate(shown)]
        if self.count > len(shown):
            rows.append(["...", f"{self.count - len(shown)} more (to_json() lists all)", "", ""])
        return ["region", "pattern", "witness", "facets"], rows

    def index(self, pattern: tuple[tuple[int, ...], ...]) -> int | None:
        """Position of the region with this pattern, None if there is none."""
        return self.graph.graph["index"].get(pattern)

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
            "lower_dimensional": [{"pattern": [list(p) for p in x["pattern"]],
                                   "point": vec(x["point"])} for x in self.lower_dimensional],
        }


def _primitive(values: list[Fraction | int]) -> tuple[list[int], Fraction]:
    """(ints, s) with ints = s * values primitive integers, s > 0 (s = 1 for zeros)."""
    den = math.lcm(*(Fraction(v).denominator for v in values))
    ints = [int(Fraction(v) * den) for v in values]
    g = math.gcd(*ints)
    if g == 0:
        return ints, Fraction(1)
    return [v // g for v in ints], Fraction(den, g)


@dataclass(frozen=True)
class _Integer:
    """The hidden layers of an equivalent network with primitive integer rows, and the
    output layer adjusted so that the function is unchanged."""

    weights: tuple[tuple[tuple[int, ...], ...], ...]
    biases: tuple[tuple[int, ...], ...]
    out_w: tuple[tuple[Fraction, ...], ...]
    out_b: tuple[Fraction, ...]

    @classmethod
    def of(cls, net: Network) -> _Integer:
        scales = [Fraction(1)] * net.n_inputs
        weights, biases = [], []
        for w, b in zip(net.weights[:-1], net.biases[:-1]):
            rows, new = [], []
            for wrow, bj in zip(w, b):
                ints, s = _primitive([wi / si for wi, si in zip(wrow, scales)] + [bj])
                rows.append(ints)
                new.append(s)
            weights.append(tuple(tuple(r[:-1]) for r in rows))
            biases.append(tuple(r[-1] for r in rows))
            scales = new
        out_w = tuple(tuple(wi / si for wi, si in zip(row, scales)) for row in net.weights[-1])
        return cls(tuple(weights), tuple(biases), out_w, tuple(net.biases[-1]))

    def next_forms(self, layer: int, bits: tuple[int, ...], a: list, c: list) -> tuple:
        """Forms of hidden layer ``layer + 1`` on a cell, from those of ``layer``."""
        on = [j for j, bit in enumerate(bits) if bit]
        dim = len(a[0])
        w, b = self.weights[layer + 1], self.biases[layer + 1]
        return ([tuple(sum(row[j] * a[j][i] for j in on) for i in range(dim)) for row in w],
                [sum(row[j] * c[j] for j in on) + bk for row, bk in zip(w, b)])

    def forms(self, pattern: tuple[tuple[int, ...], ...]) -> tuple[list, list]:
        """Forms (a rows, c) of every hidden layer on the region with ``pattern``."""
        a, c = [tuple(r) for r in self.weights[0]], list(self.biases[0])
        out_a, out_c = [a], [c]
        for layer in range(len(self.weights) - 1):
            a, c = self.next_forms(layer, pattern[layer], a, c)
            out_a.append(a)
            out_c.append(c)
        return out_a, out_c

    def affine(self, pattern, a_last: list, c_last: list) -> tuple[tuple[Vec, ...], Vec]:
        on = [j for j, bit in enumerate(pattern[-1]) if bit]
        dim = len(a_last[0])
        big_a = tuple(tuple(sum((row[j] * a_last[j][i] for j in on), Fraction(0))
                            for i in range(dim)) for row in self.out_w)
        c = tuple(sum((row[j] * c_last[j] for j in on), Fraction(0)) + bk
                  for row, bk in zip(self.out_w, self.out_b))
        return big_a, c

    def pattern_at(self, nums: list[int], den: int) -> tuple[tuple[int, ...], ...]:
        """p(x) at x = nums / den, with p_v = 1 iff z_v(x) > 0 (docs/theory/deep_global.md §2)."""
        z = nums
        scale = den
        bits = []
        for w, b in zip(self.weights, self.biases):
            pre = [sum(wi * zi for wi, zi in zip(row, z)) + bk * scale for row, bk in zip(w, b)]
            bits.append(tuple(int(v > 0) for v in pre))
            z = [max(v, 0) for v in pre]
        return tuple(bits)


def _row(form: tuple[int, ...], const: int, bit: int, label: Label) -> IntRow:
    """The strict row of a neuron: on: -(a . x) < c; off: a . x < -c; made primitive."""
    vals = [-v for v in form] + [const] if bit else list(form) + [-const]
    g = math.gcd(*vals)
    return tuple(v // g for v in vals[:-1]), vals[-1] // g, label


def _domain_rows(domain: Domain) -> list[IntRow]:
    rows = []
    for k, (a, bk) in enumerate(zip(domain.a, domain.b)):
        ints, _ = _primitive(list(a) + [bk])
        rows.append((tuple(ints[:-1]), ints[-1], ("domain", k)))
    return rows


def region_rows(net: Network, domain: Domain, pattern) -> list[IntRow]:
    """The rows of the region with ``pattern`` in the order of docs/certificates.md
    (domain rows, then one row per hidden neuron with a non-zero form)."""
    integer = _Integer.of(net)
    a_all, c_all = integer.forms(pattern)
    rows = _domain_rows(domain)
    for layer, (a, c) in enumerate(zip(a_all, c_all)):
        for j, (form, const) in enumerate(zip(a, c)):
            if any(form):
                rows.append(_row(form, const, pattern[layer][j], ("neuron", layer, j)))
    return rows


def _value(form: tuple[int, ...], const: int, point: tuple[list[int], int]) -> int:
    """den * (form . x + const) at x = nums / den."""
    nums, den = point
    return sum(v * n for v, n in zip(form, nums)) + const * den


def _mirror(form: tuple[int, ...], value: int,
            point: tuple[list[int], int]) -> list[tuple[list[int], int]]:
    """Small-denominator roundings of the mirror image of x across {form . x + const = 0}
    (given den * value there): candidates for a witness on the other side."""
    nums, den = point
    norm = sum(v * v for v in form)
    try:  # float hints only: the candidates are checked exactly
        step = 2 * value / (den * norm)
        mirror = [n / den - step * v for n, v in zip(nums, form)]
        return [([round(x * grid) for x in mirror], grid) for grid in (64, 4096)]
    except (OverflowError, ValueError):  # beyond float range: no hint, the LP decides
        return []


def _strict(rows: list[IntRow], point: tuple[list[int], int]) -> bool:
    nums, den = point
    return all(sum(v * n for v, n in zip(a, nums)) < beta * den for a, beta, _ in rows)


def _as_vec(point: tuple[list[int], int]) -> Vec:
    nums, den = point
    return tuple(Fraction(n, den) for n in nums)


def enumerate_regions(net: Network, domain: Domain, *, facets: bool = True,
                      progress: Progress | None = None, workers: int | None = 1,
                      scheduler: Any = None, shortcuts: bool = True) -> RegionSet:
    """Return every full-dimensional activation region of ``net`` inside ``domain``.

    Each region has an exact rational interior witness, its facets (labelled with the
    neuron(s) whose zero set carries them, or the domain rows) and the exact affine map
    of the network on it; edges join regions sharing a facet
    (docs/theory/deep_global.md §2, §3.4-3.5).

    Parameters
    ----------
    facets : with False only the regions are computed (no facets, edges or graph edges).
    progress : called with a line of text now and then: the regions found so far, then
        the facets (``exactid.progress``).
    workers : worker processes (``None``: all cores; 1: this process alone); the result
        is the same for every value (``exactid.parallel``; the split is explained in this
        module's docstring).
    scheduler : a Dask scheduler address or ``dask.distributed.Client``; the same tasks
        then run on that cluster.
    shortcuts : with False, every child of the splitting tree not settled by the parent's
        witness or its mirror image is decided by an LP (``strictly_feasible``): the
        plain algorithm, kept to test that the vertex shortcuts never change a result.

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
    integer = _Integer.of(net)
    base_rows = _domain_rows(domain)
    start = strictly_feasible([r[0] for r in base_rows], [r[1] for r in base_rows])
    root = _Node(0, (), (), tuple(base_rows), _int_point(start.witness),
                 tuple(tuple(r) for r in integer.weights[0]), tuple(integer.biases[0]))
    leaves, notes = _split_all(integer, root, shortcuts, workers, scheduler, progress)
    degenerate = [note for _, note in sorted(notes, key=lambda kn: kn[0])]
    regions = [Region(pattern, _as_vec(x0), tuple(rows), integer.affine(pattern, *forms))
               for pattern, x0, rows, forms in leaves]
    index = {r.pattern: i for i, r in enumerate(regions)}
    lower: list[dict] = []
    if progress is not None:
        progress(f"regions: {len(regions)}")
    edges = []
    if facets:
        found = _all_facets(integer, regions, index, workers, scheduler, progress, shortcuts)
        edges = _merge_facets(regions, found, index, integer, degenerate, lower)
        if progress is not None:
            progress(f"facets and adjacencies: {len(edges)} adjacencies")
    graph = nx.Graph(index=index)
    for i, r in enumerate(regions):
        graph.add_node(i, pattern=r.pattern, witness=r.witness, affine=r.affine)
    for e in edges:
        graph.add_edge(e["a"], e["b"], neurons=e["neurons"], witness=e["witness"])
    if facets and regions and not nx.is_connected(graph):
        raise AssertionError("the region adjacency graph of a convex domain is not "
                             "connected: this is a bug, please report it")
    return RegionSet(regions, edges, degenerate, graph, lower)


Point = tuple[tuple[int, ...], int]  # x = nums / den
MIN_FACET_TASK = 16  # regions per facet task at least: a task costs a round trip
Leaf = tuple  # (pattern, point, rows, (forms a, constants c) of the last hidden layer)


def _int_point(x: Vec) -> Point:
    nums, den = integer_point(x)
    return tuple(nums), den


@dataclass
class _Node:
    """A node of the splitting tree (docs/theory/deep_global.md §3.4): the cell where the bits
    ``done`` (whole layers) and ``bits`` (the first neurons of ``layer``) hold, its strict
    rows, an exact interior point, the integer forms (a, c) of ``layer`` on it, and the
    float vertices of the cell when known (None: not computed yet; False: qhull failed)."""

    layer: int
    bits: tuple[int, ...]
    done: tuple[tuple[int, ...], ...]
    rows: tuple[IntRow, ...]
    point: Point
    a: tuple[tuple[int, ...], ...]
    c: tuple[int, ...]
    hint: VertexHint | bool | None = None

    def key(self) -> tuple[int, ...]:
        """The node's place in the depth-first order of the serial enumeration (bit 1
        before bit 0, a node before its descendants)."""
        return tuple(1 - b for bits in self.done for b in bits) + tuple(1 - b for b in self.bits)


class _Splitter:
    """One step of the splitting tree at a time; the notes on degenerate neurons are kept
    with the key of the node that met them, so that any split of the tree into subtrees
    gives the notes of the serial order once sorted."""

    def __init__(self, integer: _Integer, shortcuts: bool) -> None:
        self.integer = integer
        self.shortcuts = shortcuts
        self.hidden = len(integer.weights)
        self.notes: list[tuple[tuple[int, ...], str]] = []

    def expand(self, node: _Node) -> tuple[list[_Node], Leaf | None]:
        """The non-empty children of ``node`` in depth-first order, or the leaf (a
        region) that ``node`` completes."""
        if len(node.bits) == len(node.a):
            done = node.done + (node.bits,)
            if node.layer + 1 == self.hidden:
                return [], (done, node.point, node.rows, (node.a, node.c))
            na, nc = self.integer.next_forms(node.layer, node.bits, node.a, node.c)
            return [replace(node, layer=node.layer + 1, bits=(), done=done, a=tuple(na),
                            c=tuple(nc))], None
        j = len(node.bits)
        form, const = node.a[j], node.c[j]
        if not any(form):
            if const == 0:
                self.notes.append((node.key(), f"hidden layer {node.layer} neuron {j}: "
                                   "pre-activation identically zero on the cell with pattern "
                                   f"{list(node.done)} (kept as inactive)"))
            return [replace(node, bits=node.bits + (int(const > 0),))], None
        value = _value(form, const, node.point)
        rows = {bit: node.rows + (_row(form, const, bit, ("neuron", node.layer, j)),)
                for bit in (1, 0)}
        if value == 0:  # a hyperplane through an interior point: both sides exist
            return [replace(node, bits=node.bits + (bit,), rows=rows[bit],
                            point=self._witness(node, rows[bit]), hint=None)
                    for bit in (1, 0)], None
        here = int(value > 0)
        there = 1 - here
        far = self._other_side(node, rows[there], form, value)
        kept = replace(node, bits=node.bits + (here,), rows=rows[here],
                       hint=node.hint if far is None else None)
        if far is None:
            return [kept], None
        other = replace(node, bits=node.bits + (there,), rows=rows[there], point=far,
                        hint=None)
        return ([kept, other] if here == 1 else [other, kept]), None

    def _hint(self, node: _Node) -> VertexHint | None:
        if not self.shortcuts or node.hint is False:
            return None
        if node.hint is None:
            hint = vertex_hint([r[0] for r in node.rows], [r[1] for r in node.rows],
                               _as_vec(node.point))
            node.hint = hint if hint is not None else False
        return node.hint or None

    def _other_side(self, node: _Node, rows: tuple[IntRow, ...], form: tuple[int, ...],
                    value: int) -> Point | None:
        """An interior point of the child across the hyperplane from the node's point, or
        None when that child is empty (proved exactly)."""
        hint = self._hint(node)
        ra, rb, _ = rows[-1]
        values = hint_values(hint, ra) if hint is not None else None
        if values is not None and abs(rb) < 2**1000 and not np.any(
                values < float(rb) - 1e-9 * abs(float(rb))):
            # no vertex clearly on the far side: the far child is probably empty
            if bound_at_vertex(hint, _Column(node.rows, 0), _Column(node.rows, 1),
                               [-v for v in ra], -rb) is not None:
                return None  # ra . x >= rb on the whole cell: a Farkas certificate
        mirror = next((m for m in _mirror(form, value, node.point) if _strict(rows, m)), None)
        if mirror is not None:
            return mirror
        if hint is not None:
            point = _hint_point(hint, rows)
            if point is not None:
                return point
        res = strictly_feasible([r[0] for r in rows], [r[1] for r in rows])
        return _int_point(res.witness) if res.feasible else None

    def _witness(self, node: _Node, rows: tuple[IntRow, ...]) -> Point:
        """An interior point of a child known to be non-empty."""
        found = self._hint(node)
        point = _hint_point(found, rows) if found is not None else None
        if point is not None:
            return point
        res = strictly_feasible([r[0] for r in rows], [r[1] for r in rows])
        if not res.feasible:
            raise AssertionError("a hyperplane through an interior point left one side "
                                 "empty: this is a bug, please report it")
        return _int_point(res.witness)

    def subtree(self, node: _Node, tick: Any = None) -> list[Leaf]:
        """The leaves below ``node``, depth first."""
        leaves: list[Leaf] = []
        stack = [node]
        while stack:
            children, leaf = self.expand(stack.pop())
            if leaf is not None:
                leaves.append(leaf)
                if tick is not None:
                    tick(lambda: f"regions: {len(leaves)} found so far")
            stack.extend(reversed(children))
        return leaves


class _Column:
    """Entry ``k`` of every row, read on demand (a certificate reads only a few rows)."""

    def __init__(self, rows: tuple[IntRow, ...], k: int) -> None:
        self.rows, self.k = rows, k

    def __getitem__(self, i: int) -> Any:
        return self.rows[i][self.k]

    def __len__(self) -> int:
        return len(self.rows)


def _hint_point(hint: VertexHint, rows: tuple[IntRow, ...]) -> Point | None:
    """A rational point strictly inside {rows} near the float vertices of the parent cell
    on the new row's side, checked exactly; None when the candidates miss."""
    ra, rb, _ = rows[-1]
    values = hint_values(hint, ra)
    if values is None:
        return None
    best = hint.vertices_float[int(np.argmin(values))]
    centre = hint.centre_float
    for t in (0.5, 0.9, 0.99, 0.999):
        x = centre + t * (best - centre)
        for grid in (64, 4096, 2 ** 20):
            cand = (tuple(round(v * grid) for v in x), grid)
            if _strict(rows, cand):
                return cand
    return None


def _subtree_task(args: tuple) -> tuple[list[Leaf], list]:
    """One independent task: the whole subtree below a frontier node (picklable)."""
    integer, shortcuts, node = args
    splitter = _Splitter(integer, shortcuts)
    return splitter.subtree(node), splitter.notes


def _split_all(integer: _Integer, root: _Node, shortcuts: bool, workers: int | None,
               scheduler: Any, progress: Progress | None) -> tuple[list[Leaf], list]:
    """The leaves of the splitting tree in depth-first order and the notes met."""
    from .parallel import default_workers, imap_jobs

    splitter = _Splitter(integer, shortcuts)
    tick = throttled(progress)
    count = default_workers() if workers is None else workers
    if scheduler is None and count == 1:
        return splitter.subtree(root, tick), splitter.notes
    # the frontier: breadth-first until there are enough independent subtrees
    target = 32 * (count if scheduler is None else 4)
    items: list[_Node | tuple[str, Leaf]] = [root]
    while 0 < sum(isinstance(it, _Node) for it in items) < target:
        grown: list[_Node | tuple[str, Leaf]] = []
        for it in items:
            if isinstance(it, _Node):
                children, leaf = splitter.expand(it)
                grown.extend(children if leaf is None else [("leaf", leaf)])
            else:
                grown.append(it)
        items = grown
    nodes = [it for it in items if isinstance(it, _Node)]
    parts: dict[int, list[Leaf]] = {}
    notes = list(splitter.notes)
    found = sum(1 for it in items if not isinstance(it, _Node))
    jobs = [(integer, shortcuts, node) for node in nodes]
    for k, (leaves, more) in imap_jobs(_subtree_task, jobs, workers=workers,
                                       scheduler=scheduler):
        parts[k] = leaves
        notes.extend(more)
        found += len(leaves)
        tick(lambda found=found: f"regions: {found} found so far")
    out: list[Leaf] = []
    k = 0
    for it in items:
        if isinstance(it, _Node):
            out.extend(parts[k])
            k += 1
        else:
            out.append(it[1])
    return out, notes


def groups(rows: tuple[IntRow, ...]) -> list[list[int]]:
    """Indices of rows grouped by coincidence (equal primitive rows), rows with a = 0
    left out (docs/theory/deep_global.md §3.5)."""
    out: dict[tuple, list[int]] = {}
    for k, (a, beta, _) in enumerate(rows):
        if any(a):
            out.setdefault((a, beta), []).append(k)
    return list(out.values())


def group_labels(rows: tuple[IntRow, ...], members: list[int]) -> tuple[list, list]:
    """(neurons, boundary) of a group: sorted [layer, j] pairs and domain row indices."""
    labels = [rows[k][2] for k in members]
    return (sorted([lab[1], lab[2]] for lab in labels if lab[0] == "neuron"),
            sorted(lab[1] for lab in labels if lab[0] == "domain"))


def _multiple(form: tuple[int, ...], const: int, row: tuple) -> Fraction | None:
    """lambda with form . x + const = lambda (a . x - beta) for row = (a, beta, label),
    None if there is none."""
    a, beta, _ = row
    k = next(i for i, v in enumerate(a) if v)
    lam = Fraction(form[k], a[k])
    if all(f == lam * v for f, v in zip(form, a)) and const == -lam * beta:
        return lam
    return None


def flat_neurons(integer: _Integer, pattern) -> set[tuple[int, int]]:
    """The hidden neurons identically zero on the region with ``pattern``."""
    a_all, c_all = integer.forms(pattern)
    return {(layer, j) for layer, (a, c) in enumerate(zip(a_all, c_all))
            for j, (form, const) in enumerate(zip(a, c)) if const == 0 and not any(form)}


def across(integer: _Integer, pattern, row: IntRow, neurons: list,
           flat: set[tuple[int, int]]) -> tuple:
    """The pattern just across the facet of the region with ``pattern`` that lies on the
    hyperplane of ``row`` and carries ``neurons`` (its group's neuron labels); ``flat``
    are the region's neurons identically zero (``flat_neurons``).

    Neighbour rule of docs/theory/deep_global.md §2, extended to facets shared by several layers and
    to neurons identically zero on the region (docs/certificates.md, "Across a facet"): with
    ell = a . x - beta, every form changes across the facet by a multiple of ell, so a
    neuron whose form is no multiple of ell keeps its bit (it is non-zero on the facet)
    and every other one takes the sign of its form's multiple of ell on the far side.
    """
    first = min(layer for layer, _ in neurons)
    # zero forms downstream change too
    moving = {tuple(v) for v in neurons} | {v for v in flat if v[0] > first}
    if all(layer == first for layer, _ in moving):
        return tuple(tuple(bit ^ ((layer, j) in moving) for j, bit in enumerate(bits))
                     for layer, bits in enumerate(pattern))
    out: list[tuple[int, ...]] = []
    a, c = [tuple(r) for r in integer.weights[0]], list(integer.biases[0])
    for layer, bits in enumerate(pattern):
        if layer:
            a, c = integer.next_forms(layer - 1, out[-1], a, c)
        new = list(bits)
        for j in range(len(bits)):
            if (layer, j) in moving:
                lam = _multiple(a[j], c[j], row)
                if lam is None:
                    raise AssertionError("a form across a facet is no multiple of the facet's "
                                         "form: this is a bug, please report it")
                new[j] = int(lam > 0)
        out.append(tuple(new))
    return tuple(out)


def _crossing(rows: tuple[IntRow, ...], members: list[int], p0: Point, p1: Point
              ) -> Vec | None:
    """Where the segment between the points p0 and p1 (nums, den) meets the group's
    hyperplane, if every other row is strict there (a facet witness found without an LP);
    integer arithmetic throughout."""
    a, beta, _ = rows[members[0]]
    (n0, d0), (n1, d1) = p0, p1
    s0 = sum(ai * xi for ai, xi in zip(a, n0))
    s1 = sum(ai * xi for ai, xi in zip(a, n1))
    p, q = beta * d0 * d1 - s0 * d1, s1 * d0 - s0 * d1  # t = p / q along p0 -> p1
    if q == 0:
        return None
    if q < 0:
        p, q = -p, -q
    nums = [(q - p) * u * d1 + p * v * d0 for u, v in zip(n0, n1)]
    den = q * d0 * d1
    member = set(members)
    if sum(ai * xi for ai, xi in zip(a, nums)) != beta * den or not all(
            sum(ak * xi for ak, xi in zip(row[0], nums)) < row[1] * den
            for k, row in enumerate(rows) if k not in member):
        return None
    return _as_vec((nums, den))


def _region_facets(integer: _Integer, i: int, r: Region, index: dict,
                   witnesses: list[Vec], shortcuts: bool = True) -> list[dict]:
    """The facets of region ``i`` (docs/theory/deep_global.md §3.5), each with its neurons,
    domain rows, neighbour and an exact witness; a facet towards a region of smaller index
    whose witness the segment between the two region witnesses does not give is left
    ``"pending"``: the merge takes the neighbour's own facet witness, or solves the LP."""
    out = []
    flat = flat_neurons(integer, r.pattern)
    hint: VertexHint | bool | None = None if shortcuts else False
    for members in groups(r.rows):
        neurons, boundary = group_labels(r.rows, members)
        neighbour = None
        if neurons and not boundary:
            neighbour = index.get(across(integer, r.pattern, r.rows[members[0]], neurons, flat))
            if neighbour is None:
                continue  # a facet has a full-dimensional region across it
        witness = None
        if neighbour is not None:
            witness = _crossing(r.rows, members, _int_point(r.witness),
                                _int_point(witnesses[neighbour]))
        if witness is None and hint is None:
            hint = vertex_hint([row[0] for row in r.rows], [row[1] for row in r.rows],
                               r.witness) or False
        if witness is None and hint:
            a, beta, _ = r.rows[members[0]]
            if bound_at_vertex(hint, _Column(r.rows, 0), _Column(r.rows, 1), a, beta,
                               strict=True) is not None:
                continue  # a . x < beta on the whole closed region: no facet there
            witness = _facet_point(hint, r.rows, members)
        if witness is None and neighbour is not None and neighbour < i:
            out.append({"neurons": neurons, "boundary": boundary, "witness": None,
                        "neighbour": neighbour, "pending": members})
            continue
        if witness is None:
            res = facet_test([row[0] for row in r.rows], [row[1] for row in r.rows], members)
            if not res.feasible:
                continue
            witness = res.witness
        out.append({"neurons": neurons, "boundary": boundary, "witness": witness,
                    "neighbour": neighbour})
    return out


def _facet_point(hint: VertexHint, rows: tuple[IntRow, ...], members: list[int]
                 ) -> Vec | None:
    """A rational point in the relative interior of the facet on the group's hyperplane:
    the mean of the float vertices on it, rounded, projected exactly onto the hyperplane
    and checked exactly; None when the hint has no such vertices or the check fails."""
    on = [k for k, active in enumerate(hint.active) if any(m in active for m in members)]
    if len(on) < len(hint.centre_float):
        return None
    mean = hint.vertices_float[on].mean(axis=0)
    a, beta, _ = rows[members[0]]
    norm = sum(v * v for v in a)
    others = [rows[k] for k in range(len(rows)) if k not in members]
    for grid in (2 ** 20, 2 ** 40):
        x = [Fraction(round(v * grid), grid) for v in mean]
        step = (beta - sum(ai * xi for ai, xi in zip(a, x))) / norm
        x = tuple(xi + step * ai for xi, ai in zip(x, a))
        if verify_witness([o[0] for o in others], [o[1] for o in others], x, [a], [beta]):
            return x
    return None


def _facets_task(args: tuple) -> list[list[dict]]:
    """One independent task: the facets of a run of consecutive regions (picklable)."""
    integer, first, chunk, index, witnesses, shortcuts = args
    return [_region_facets(integer, first + k, r, index, witnesses, shortcuts)
            for k, r in enumerate(chunk)]


def _all_facets(integer: _Integer, regions: list[Region], index: dict, workers: int | None,
                scheduler: Any, progress: Progress | None, shortcuts: bool
                ) -> list[list[dict]]:
    """The facets of every region, computed region by region (each independently of the
    others, hence in any order and by any worker)."""
    from .parallel import default_workers, imap_jobs

    witnesses = [r.witness for r in regions]
    count = default_workers() if workers is None else workers
    tasks = 1 if scheduler is None and count == 1 else 8 * (count if scheduler is None else 4)
    size = max(1, -(-len(regions) // tasks), MIN_FACET_TASK)
    if scheduler is None and size >= len(regions):
        workers = 1  # too little work to pay for starting processes
    jobs = [(integer, s, regions[s:s + size], index, witnesses, shortcuts)
            for s in range(0, len(regions), size)]
    tick = throttled(progress)
    out: list[list[dict]] = [[] for _ in regions]
    done = 0
    for k, part in imap_jobs(_facets_task, jobs, workers=workers, scheduler=scheduler):
        out[jobs[k][1]:jobs[k][1] + len(part)] = part
        done += len(part)
        tick(lambda done=done: f"facets: {done} of {len(regions)} regions")
    return out


def _merge_facets(regions: list[Region], found: list[list[dict]], index: dict,
                  integer: _Integer, degenerate: list[str], lower: list[dict]) -> list[dict]:
    """Attach the facets to the regions in region order and return the edges: a facet
    shared with a region of smaller index takes that region's witness when it lies on this
    side's facet too, so that both sides name one point; the notes on non-generic facets
    and lower-dimensional patterns follow the same order."""
    edges: dict[tuple[int, int], dict] = {}
    shared_witness: dict[tuple, Vec] = {}
    for i, (r, facet_list) in enumerate(zip(regions, found)):
        for f in facet_list:
            neurons, boundary, neighbour = f["neurons"], f["boundary"], f["neighbour"]
            members = f.pop("pending", None)
            shared = shared_witness.get((neighbour, i)) if neighbour is not None else None
            if shared is not None:
                if members is None:
                    members = next(m for m in groups(r.rows)
                                   if group_labels(r.rows, m) == (neurons, boundary))
                others = [r.rows[k] for k in range(len(r.rows)) if k not in members]
                eq = r.rows[members[0]]
                if verify_witness([o[0] for o in others], [o[1] for o in others], shared,
                                  [eq[0]], [eq[1]]):
                    f["witness"] = shared
            if f["witness"] is None:
                res = facet_test([row[0] for row in r.rows], [row[1] for row in r.rows],
                                 members)
                if not res.feasible:
                    continue
                f["witness"] = res.witness
            witness = f["witness"]
            if len(neurons) > 1 or (neurons and boundary):
                note = (f"region {i}: neurons {neurons} and domain rows {boundary} share "
                        "one facet (non-generic)")
                if note not in degenerate:
                    degenerate.append(note)
            r.facets.append(f)
            if neighbour is None:
                continue
            shared_witness[(i, neighbour)] = witness
            key = (min(i, neighbour), max(i, neighbour))
            if key in edges:  # the labels of both sides differ when a neuron is zero on one
                union = {*map(tuple, edges[key]["neurons"]), *map(tuple, neurons)}
                edges[key]["neurons"] = [list(v) for v in sorted(union)]
                continue
            edges[key] = {"a": key[0], "b": key[1], "neurons": neurons, "witness": witness}
            at = integer.pattern_at(*integer_point(witness))
            if at not in index and all(x["pattern"] != at for x in lower):
                lower.append({"pattern": at, "point": witness})
                degenerate.append(f"pattern {[list(p) for p in at]} occurs on the facet "
                                  f"between regions {key[0]} and {key[1]} but on no "
                                  "full-dimensional region (a lower-dimensional region)")
    return list(edges.values())
