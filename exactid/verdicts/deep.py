"""Two or more hidden layers on a domain: the necessary conditions N1-N5 of
docs/theory/deep_global.md §4 (each failure with a verified theta'), visibility of kinks (5.1),
and local identifiability on a designed sample (6). Never a claim of global
identifiability (docs/theory/deep_global.md §0, §7). Layers and neurons are 0-based."""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import flint

from ..design import design_sample, designed_points, region_points
from ..domain import Domain
from ..network import Network
from ..numbers import format_rational
from ..polyhedra import maximize
from ..regions import RegionSet, enumerate_regions
from ..subsets import zero_sum_subset
from .identify import IdentifyResult, verified_counterexample
from .local import degenerate_neurons

__all__ = ["deep_verdict", "visibility"]

LOCAL_ON_DOMAIN = ("docs/theory/deep_global.md §6: C_S on a designed sample inside the domain "
                   "(BMB22 Thm 9 [paper] plus restriction [derived])")
_TS = (Fraction(1), Fraction(2), Fraction(1, 2), Fraction(3))


def _lists(net: Network) -> tuple[list, list]:
    return ([[list(r) for r in w] for w in net.weights], [list(b) for b in net.biases])


def _net(weights, biases) -> Network:
    return Network.from_lists(weights, biases)


def _n1(net: Network, found: list) -> list[Network]:
    """N1 candidates: zero incoming row and bias first (b = -t), else a zero outgoing
    column (a zero incoming entry set to t, or b + t)."""
    zero_in = [(l, j) for l, j, case in found if case == "zero-incoming"]
    out = []
    for t in _TS:
        w, b = _lists(net)
        if zero_in:
            l, j = zero_in[0]
            b[l][j] = -t
        else:
            l, j, _ = found[0]
            zeros = [k for k, x in enumerate(w[l][j]) if x == 0]
            if zeros:
                w[l][j][zeros[0]] = t
            elif b[l][j] == 0:
                b[l][j] = t
            else:
                b[l][j] += t
        out.append(_net(w, b))
    return out


def _n2a(net: Network, l: int, j: int) -> list[Network]:
    out = []
    for t in _TS:
        w, b = _lists(net)
        w[l + 1][0][j] += t
        out.append(_net(w, b))
    return out


def _n2b(net: Network, l: int, j: int) -> list[Network]:
    out = []
    for t in _TS:
        w, b = _lists(net)
        b[l][j] += t
        for k, row in enumerate(w[l + 1]):
            b[l + 1][k] -= t * row[j]
        out.append(_net(w, b))
    return out


def _n3(net: Network, l: int, u: list[Fraction], beta: Fraction) -> list[Network]:
    out = []
    for t in _TS:
        w, b = _lists(net)
        w[l + 1][0] = [x + t * ui for x, ui in zip(w[l + 1][0], u)]
        b[l + 1][0] += t * beta
        out.append(_net(w, b))
    return out


def _n4_merge(net: Network, l: int, i: int, j: int, c: Fraction) -> Network:
    """N4: z_i = c z_j, c > 0, so relu(z_i) = c relu(z_j): neuron j takes
    W[:, j] + c W[:, i] and neuron i's outgoing column becomes zero."""
    w, b = _lists(net)
    for row in w[l + 1]:
        row[j] += c * row[i]
        row[i] = Fraction(0)
    return _net(w, b)


def _n4_opposite(net: Network, l: int, i: int, j: int, c: Fraction,
                 minimum: Fraction) -> list[Network]:
    """N4': z_i = c z_j, c < 0: neuron j keeps its row and takes W[:, j] + |c| W[:, i];
    neuron i becomes row j with bias b_j + T and column -|c| W[:, i]."""
    shift = 1 + max(Fraction(0), -minimum)
    a = abs(c)
    w, b = _lists(net)
    w[l][i], b[l][i] = list(w[l][j]), b[l][j] + shift
    for k, row in enumerate(w[l + 1]):
        vi = row[i]
        row[j] += a * vi
        row[i] = -a * vi
        b[l + 1][k] += a * shift * vi
    return [_net(w, b)]


def _flip(net: Network, l: int, subset, f_prev_x0: list[Fraction]) -> list[Network]:
    """N5: negate the rows of S in layer l; b_{l+1} += sum_S W[:, j] b_j + M_S f_{l-1}(x0)."""
    w, b = _lists(net)
    for k, row in enumerate(w[l + 1]):
        extra = Fraction(0)
        for j in subset:
            m_row = [row[j] * x for x in net.weights[l][j]]
            extra += row[j] * net.biases[l][j] + sum(
                (mi * fi for mi, fi in zip(m_row, f_prev_x0)), Fraction(0))
        b[l + 1][k] += extra
    for j in subset:
        w[l][j] = [-x for x in w[l][j]]
        b[l][j] = -b[l][j]
    return [_net(w, b)]


def _invisible_shift(net: Network, l: int, j: int, top: Fraction) -> list[Network]:
    """E5-type candidates (docs/theory/deep_global.md §5.1-5.2): b_v - s, b_{l+1} + s W[:, j]."""
    out = []
    for s in (top, top / 2, top / 4, Fraction(1)):
        if s <= 0:
            continue
        w, b = _lists(net)
        b[l][j] -= s
        for k, row in enumerate(w[l + 1]):
            b[l + 1][k] += s * row[j]
        out.append(_net(w, b))
    return out


def visibility(net: Network, regions: RegionSet) -> list[dict]:
    """Per hidden neuron: the facets where it alone switches, how many of them show a kink
    of f (the output affine maps of the two regions differ;
    docs/theory/deep_global.md §2, §5.1), and the indices (into ``regions.edges``) of the pieces
    where its kink is invisible."""
    stats: dict[tuple, list] = {v: [0, []] for v in net.hidden_neurons()}
    for index, e in enumerate(regions.edges):
        if len(e["neurons"]) != 1:
            continue
        v = tuple(e["neurons"][0])
        stats[v][0] += 1
        if regions.regions[e["a"]].affine == regions.regions[e["b"]].affine:
            stats[v][1].append(index)
    return [{"neuron": [l, j], "facets": n, "visible_facets": n - len(hidden),
             "invisible_edges": hidden, "visible": n > len(hidden)}
            for (l, j), (n, hidden) in stats.items()]


def _rank_and_kernel(rows: list[list[Fraction]]) -> tuple[int, list[Fraction] | None]:
    """Rank of a rational matrix and one non-zero right kernel vector (None if none)."""
    ints = []
    for r in rows:
        den = math.lcm(*(v.denominator for v in r))
        ints += [int(v * den) for v in r]
    kernel, nullity = flint.fmpz_mat(len(rows), len(rows[0]), ints).nullspace()
    if nullity == 0:
        return len(rows[0]), None
    return len(rows[0]) - nullity, [Fraction(int(kernel[i, 0])) for i in range(len(rows[0]))]


def deep_verdict(net: Network, domain: Domain, *, seed: int | None = None,
                 progress: Callable[[str], None] | None = None, workers: int | None = 1,
                 scheduler: Any = None) -> IdentifyResult:
    """N1-N5 in order, then invisible kinks, then C_S on a designed sample (see module);
    the regions are enumerated by ``workers`` processes or on the Dask ``scheduler``
    (``enumerate_regions``; the result does not depend on them)."""
    def fail(name: str, candidates, conditions, regions=None, vis=None,
             theorem: str | None = None, cause: dict | None = None):
        found = verified_counterexample(net, domain, candidates, workers, scheduler)
        if found is None:
            return None
        theta, why = found
        return IdentifyResult(
            "not-identifiable", theorem or f"docs/theory/deep_global.md §4, §{name} "
                                           "[derived]", conditions,
            counterexample=theta, regions=regions, visibility=vis, decided_by=cause,
            reasons=[
                f"{name}; theta' computes the same function on the domain (exact "
                f"comparison on the common refinement) and is not equivalent ({why})"])

    conditions: list[dict] = []
    reasons: list[str] = []
    deg = degenerate_neurons(net)
    conditions.append({"name": "N1", "holds": not deg, "witness": {
        "degenerate": [[l, j, case] for l, j, case in deg]}})
    if deg:
        moved = next(([l, j] for l, j, case in deg if case == "zero-incoming"),
                     list(deg[0][:2]))  # the neuron _n1 changes
        res = fail("N1 fails", _n1(net, deg), conditions,
                   theorem="docs/theory/deep_global.md §4, §N1 [derived]",
                   cause={"condition": "N1", "neurons": [moved]})
        if res is not None:
            return res
        reasons.append("N1 fails but no candidate theta' verified")

    regions = enumerate_regions(net, domain, progress=progress, workers=workers,
                                scheduler=scheduler)
    count = regions.count
    patterns = [r.pattern for r in regions.regions]
    hidden = net.hidden_neurons()
    dead = [[l, j] for l, j in hidden if all(p[l][j] == 0 for p in patterns)]
    # z >= 0 on the whole domain: active, or identically zero, on every region (a neuron
    # zero at a region's witness is zero on all of it: witnesses avoid every kink)
    zero = [{(l, j) for l, z in enumerate(net.preactivations(r.witness)[:-1])
             for j, v in enumerate(z) if v == 0} for r in regions.regions]
    always = [[l, j] for l, j in hidden if [l, j] not in dead and all(
        p[l][j] == 1 or (l, j) in zs for p, zs in zip(patterns, zero))]
    conditions.append({"name": "N2a", "holds": not dead, "witness": {"dead": dead}})
    conditions.append({"name": "N2b", "holds": not always, "witness": {"always_active": always}})
    for name, bad, build in (("N2a", dead, _n2a), ("N2b", always, _n2b)):
        for l, j in bad:
            res = fail(f"{name} fails for neuron {[l, j]}", build(net, l, j), conditions, count,
                       theorem=f"docs/theory/deep_global.md §4, §{name} [derived]",
                       cause={"condition": name, "neurons": [[l, j]]})
            if res is not None:
                return res
            reasons.append(f"{name} fails for neuron {[l, j]} but no candidate theta' verified")

    xd = designed_points(regions)
    pre = [net.preactivations(x) for x in xd]
    twins, opposite = [], []
    for l, width in enumerate(net.hidden_widths):
        cols = [[z[l][j] for z in pre] for j in range(width)]
        for i in range(width):
            for j in range(i + 1, width):
                c = _proportional(cols[i], cols[j])
                if c is not None:
                    (twins if c > 0 else opposite).append((l, i, j, c))
    conditions.append({"name": "N4", "holds": not twins, "witness": {"twins": [
        {"layer": l, "neurons": [i, j], "c": format_rational(c)} for l, i, j, c in twins]}})
    conditions.append({"name": "N4'", "holds": not opposite, "witness": {"twins": [
        {"layer": l, "neurons": [i, j], "c": format_rational(c)} for l, i, j, c in opposite]}})
    for l, i, j, c in twins:
        res = fail("N4 fails", [_n4_merge(net, l, i, j, c)] + _n3(
                       net, l, [Fraction(k == i) - c * (k == j)
                                for k in range(net.hidden_widths[l])], Fraction(0)),
                   conditions, count, theorem="docs/theory/deep_global.md §4, §N4 [derived]",
                   cause={"condition": "N4", "neurons": [[l, i], [l, j]]})
        if res is not None:
            return res
    for l, i, j, c in opposite:
        lo = min(_closure_min(net, r, l, j) for r in regions.regions)
        res = fail("N4' fails", _n4_opposite(net, l, i, j, c, lo), conditions, count,
                   theorem="docs/theory/deep_global.md §4, §N4' [derived]",
                   cause={"condition": "N4'", "neurons": [[l, i], [l, j]]})
        if res is not None:
            return res

    dependence = []
    for l, width in enumerate(net.hidden_widths):
        rows = [[max(z[l][j], Fraction(0)) for j in range(width)] + [Fraction(1)] for z in pre]
        rank, kernel = _rank_and_kernel(rows)
        if kernel is not None:
            dependence.append((l, kernel))
    conditions.append({"name": "N3", "holds": not dependence, "witness": {"dependent": [
        {"layer": l, "u": [format_rational(v) for v in k[:-1]], "beta": format_rational(k[-1])}
        for l, k in dependence]}})
    for l, k in dependence:
        res = fail("N3 fails", _n3(net, l, k[:-1], k[-1]), conditions, count,
                   theorem="docs/theory/deep_global.md §4, §N3 [derived]",
                   cause={"condition": "N3",
                          "neurons": [[l, j] for j, u in enumerate(k[:-1]) if u != 0]})
        if res is not None:
            return res

    flips = []
    for l in range(len(net.hidden_widths)):
        basis, f_x0 = _input_span(net, l, pre, xd)
        vectors = []
        for j in range(net.hidden_widths[l]):
            proj = [sum((net.weights[l][j][i] * bv[i] for i in range(len(bv))), Fraction(0))
                    for bv in basis]
            vectors.append([row[j] * p for row in net.weights[l + 1] for p in proj])
        subset = zero_sum_subset(vectors) if basis else None
        if subset is not None:
            flips.append((l, subset, f_x0))
    conditions.append({"name": "N5", "holds": not flips, "witness": {"subsets": [
        {"layer": l, "neurons": list(s)} for l, s, _ in flips]}})
    for l, subset, f_x0 in flips:
        res = fail("N5 fails", _flip(net, l, subset, f_x0), conditions, count,
                   theorem="docs/theory/deep_global.md §4, §N5 [derived]",
                   cause={"condition": "N5", "neurons": [[l, j] for j in subset]})
        if res is not None:
            return res

    if progress:
        progress("conditions N2-N5")
    vis = visibility(net, regions)
    hidden_kinks = [v["neuron"] for v in vis if not v["visible"]]
    for l, j in hidden_kinks:
        top = max(z[l][j] for z in pre)
        res = fail(f"neuron {[l, j]} has no visible kink (E5 type)",
                   _invisible_shift(net, l, j, top), conditions, count, vis,
                   "docs/theory/deep_global.md §5.1-5.2, invisible kink, E5-type construction "
                   "[derived]",
                   {"condition": "invisible-kink", "neurons": [[l, j]]})
        if res is not None:
            return res
        reasons.append(f"neuron {[l, j]} has no visible kink on the domain "
                       "(docs/theory/deep_global.md "
                       "§5.1); no E5-type theta' verified")
    if progress:
        progress("visibility of the kinks")
    design = design_sample(net, domain, seed=seed, regions=regions, progress=progress)
    summary = {"size": design.size, "lower_bound": design.lower_bound,
               "rank_jacobian": design.rank_jacobian, "dimension": design.dimension,
               "designed_points": design.designed}
    if regions.degenerate:
        reasons += [f"degenerate: {d}" for d in regions.degenerate]
    if design.verdict == "locally-identifiable":
        return IdentifyResult(
            "locally-identifiable", LOCAL_ON_DOMAIN, conditions, sample=design.samples,
            local=design.local,
            reasons=reasons + [
                "N1-N5 pass; C_S holds on the designed sample, so theta is locally "
                "identifiable from its values on the domain; global identifiability of a "
                "network with two or more hidden layers is never claimed "
                "(docs/theory/deep_global.md §0)"],
            regions=count, visibility=vis, design=summary)
    if design.rank_jacobian is None:
        why = (f"N1-N5 pass; the local rank test does not apply to the designed sample "
               f"({design.verdict}): " + "; ".join(design.local.reasons))
    else:
        why = (f"N1-N5 pass; the designed sample gives rank {design.rank_jacobian} < D = "
               f"{design.dimension} ({design.verdict}); by Lemma 6.1 of "
               "docs/theory/deep_global.md no "
               "finite sample in the domain satisfies C_S, which is not a proof of "
               "non-identifiability")
    return IdentifyResult(
        "undecided", "none (docs/theory/deep_global.md §7: diagnostics only)", conditions,
        reasons=reasons + [why], regions=count, visibility=vis, design=summary)


def _proportional(a: list[Fraction], b: list[Fraction]) -> Fraction | None:
    """c with a = c b (c != 0), or None."""
    k = next((i for i, v in enumerate(b) if v != 0), None)
    if k is None or a[k] == 0:
        return None
    c = a[k] / b[k]
    return c if all(x == c * y for x, y in zip(a, b)) else None


def _closure_min(net: Network, region, l: int, j: int) -> Fraction:
    """min of z_{l,j} over the closure of a region (exact LP, docs/theory/deep_global.md §3.3); the
    affine form is read off the designed points x0, x0 + delta e_i of the region."""
    pts = region_points(region)
    vals = [net.preactivations(p)[l][j] for p in pts]
    delta = pts[1][0] - pts[0][0]
    grad = [(vals[i + 1] - vals[0]) / delta for i in range(len(pts) - 1)]
    const = vals[0] - sum((g * xi for g, xi in zip(grad, pts[0])), Fraction(0))
    m = maximize([-g for g in grad], [r[0] for r in region.rows], [r[1] for r in region.rows])
    return const - m.value


def _input_span(net: Network, l: int, pre, xd) -> tuple[list[list[Fraction]], list[Fraction]]:
    """A basis of U_{l-1} = span{f_{l-1}(x) - f_{l-1}(x0)} over the designed sample
    (docs/theory/deep_global.md §4, §N5; Lemma 6.1), and f_{l-1}(x0)."""
    if l == 0:
        d = net.n_inputs
        return [[Fraction(int(i == k)) for i in range(d)] for k in range(d)], \
            [Fraction(0)] * d
    f = [[max(v, Fraction(0)) for v in z[l - 1]] for z in pre]
    diffs = [[u - v for u, v in zip(row, f[0])] for row in f[1:]]
    if not diffs:
        return [], f[0]
    m = flint.fmpq_mat(len(diffs), len(diffs[0]),
                       [flint.fmpq(v.numerator, v.denominator) for r in diffs for v in r])
    rref, rank = m.rref()
    basis = [[Fraction(int(rref[i, k].p), int(rref[i, k].q)) for k in range(m.ncols())]
             for i in range(rank)]
    return basis, f[0]
