"""Cross-checking a numerical recovery against the true entangled weights (check X9 of
docs/theory/smooth.md §6, with the success threshold of §5.5).

Each float estimate a^ is converted exactly to a rational vector. Its residual
||(I - P_WW) vec(a^ a^T)||_F^2 / ||a^||^4 against the matrix space WW is an exact rational
for polynomial activations and an arb ball for tanh and the logistic function. It counts as
a recovered entangled weight v when |<a^, v>| >= (1 - delta^2 / 2) |a^| |v| with delta =
0.05, decided exactly on the squares (or by balls, None when a ball straddles the
threshold). For a network estimate, the sup-norm error on the box [-1, 1]^D is bounded
above by ball enclosures on sub-boxes (a grid, then the worst boxes bisected; on each the
smallest of a plain enclosure, a mean-value form in x and, when the estimate has the
network's architecture, a mean-value form along the segment from the true parameters to
the estimate's, aligned by an exact symmetry) and below by the exact error at their
centres.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import flint

from ..errors import InputError
from ..numbers import parse_rational
from .balls import ball, ball_text, precision
from .network import SmoothNetwork, smooth_network_from_doc
from .recover import ESTIMATE_FORMAT

__all__ = ["DELTA", "Match", "VerificationResult", "read_estimates", "verify_recovery"]

DELTA = Fraction(1, 20)
"""delta of the success threshold |cos| >= 1 - delta^2 / 2 (docs/theory/smooth.md §5.5)."""

BALL_BITS = 256


@dataclass(frozen=True)
class Match:
    """An estimate and its best true entangled weight (layer, neuron)."""

    estimate: int
    layer: int
    neuron: int
    cosine: float
    residual: Any  # Fraction (exact) or arb ball
    success: bool | None

    def to_json(self, exact: bool) -> dict:
        from ..formats.jsonio import number_to_json

        return {"estimate": self.estimate, "layer": self.layer, "neuron": self.neuron,
                "cosine": repr(self.cosine),
                "residual": number_to_json(self.residual) if exact else
                ball_text(self.residual, 10),
                "residual_float": float(self.residual) if exact else
                float(self.residual.mid()),
                "success": self.success}


@dataclass(frozen=True)
class VerificationResult:
    """X9: how many true entangled weights the estimates recover (fields as in --json)."""

    found: int
    neurons: int
    matches: tuple[Match, ...]
    spurious: tuple[int, ...]
    exact: bool
    network_error: dict | None
    reasons: tuple[str, ...]

    def to_json(self) -> dict:
        return {"found": self.found, "neurons": self.neurons,
                "matches": [m.to_json(self.exact) for m in self.matches],
                "spurious": list(self.spurious),
                "threshold": f"|cos| >= 1 - delta^2/2, delta = {DELTA}",
                "arithmetic": "exact rational" if self.exact else f"arb balls at "
                f"{BALL_BITS} bits",
                "network_error": self.network_error, "reasons": list(self.reasons)}


def read_estimates(doc: Any, D: int, where: str = "estimate"
                   ) -> tuple[list[list[Fraction]], SmoothNetwork | None]:
    """The estimated vectors (exact rationals of the floats) and network of an
    ``exactid.smooth-estimate/1`` document."""
    if not isinstance(doc, dict) or doc.get("format") != ESTIMATE_FORMAT:
        raise InputError(f"{where}: expected a JSON object with format {ESTIMATE_FORMAT!r} "
                         "(written by 'exactid recover --out')")
    items = doc.get("entangled_weights")
    if not isinstance(items, list):
        raise InputError(f"{where}: 'entangled_weights' must be a list")
    vectors = []
    for k, item in enumerate(items):
        v = item.get("vector") if isinstance(item, dict) else None
        if not isinstance(v, list) or len(v) != D:
            raise InputError(f"{where}: entangled_weights[{k}] must be an object with a "
                             f"'vector' of {D} numbers")
        try:
            vectors.append([parse_rational(x, f"{where}: entangled_weights[{k}]") for x in v])
        except ValueError as exc:
            raise InputError(str(exc)) from None
        if all(x == 0 for x in vectors[-1]):
            raise InputError(f"{where}: entangled_weights[{k}] is the zero vector")
    network = None
    if doc.get("network") is not None:
        network = smooth_network_from_doc(doc["network"], where=f"{where}: network")
        if network.n_inputs != D:
            raise InputError(f"{where}: the network estimate has {network.n_inputs} inputs, "
                             f"expected {D}")
    return vectors, network


def _vec(v: Sequence[Any]) -> list[Any]:
    return [a * b for a in v for b in v]


def verify_recovery(net: SmoothNetwork, estimates: Sequence[Sequence[Fraction]],
                    network: SmoothNetwork | None = None, grid: int | None = None
                    ) -> VerificationResult:
    """Match each estimate with the true entangled weights of ``net`` (X9).

    Returns a VerificationResult: ``found`` true weights recovered (distinct neurons with
    a successful match), ``matches`` per estimate, ``spurious`` the estimates matching
    nothing. Reference: docs/theory/smooth.md §6 X9 and §5.5.

    Example
    -------
    >>> from exactid.smooth.network import Activation
    >>> net = SmoothNetwork(Activation("polynomial", (0, 1, 1)), "sum",
    ...                     (((1, 0), (0, 1)),), ((0, 0),))
    >>> r = verify_recovery(net, [[1, "1/1000"], [1, 1]])
    >>> r.found, r.spurious, r.matches[0].residual > 0
    (1, (1,), True)
    """
    exact = net.activation.exact
    with precision(BALL_BITS):
        return _verify(net, estimates, network, exact, grid)


def _verify(net, estimates, network, exact, grid) -> VerificationResult:
    from .entangled import _matrix

    num = (lambda q: q) if exact else ball
    D = net.n_inputs
    jet0 = net.jet([num(Fraction(0))] * D, number=num, hessians=False)
    truth = [(l, i, jet0.grad_z[l][i]) for l, i in net.neurons()]
    basis = _independent([_vec(v) for _, _, v in truth], exact)
    B = _matrix([[c[r] for c in basis] for r in range(D * D)], exact)
    gram = B.transpose() * B
    thr = (1 - DELTA ** 2 / 2) ** 2
    matches, found, spurious = [], set(), []
    for k, est in enumerate(estimates):
        a = [num(Fraction(x)) for x in est]
        va = _vec(a)
        col = _matrix([[x] for x in va], exact)
        proj = (col.transpose() * B * gram.solve(B.transpose() * col))[0, 0]
        if exact:
            proj = Fraction(int(proj.p), int(proj.q))
        norm2 = sum((x * x for x in a[1:]), a[0] * a[0])
        residual = (sum((x * x for x in va[1:]), va[0] * va[0]) - proj) / (norm2 * norm2)
        best = None
        for l, i, v in truth:
            dot = sum((x * y for x, y in zip(a[1:], v[1:])), a[0] * v[0])
            vn2 = sum((y * y for y in v[1:]), v[0] * v[0])
            cos2 = dot * dot / (norm2 * vn2)
            key = float(cos2) if exact else float(cos2.mid())
            if best is None or key > best[0]:
                best = (key, l, i, cos2)
        key, l, i, cos2 = best
        if exact:
            success: bool | None = cos2 >= thr
        else:
            t = ball(thr)
            success = True if cos2 > t else False if cos2 < t else None
        matches.append(Match(k, l, i, key ** 0.5, residual, success))
        if success:
            found.add((l, i))
        else:
            spurious.append(k)
    reasons = []
    if any(m.success is None for m in matches):
        reasons.append(f"some cosines straddle the threshold at {BALL_BITS} bits (success "
                       "null)")
    error = None
    if network is not None:
        error = _network_error(net, network, grid)
        reasons.append("network_error: sup |f - f_est| on [-1, 1]^D lies in [lower, upper]: "
                       "lower is the largest error at the sub-box centres, upper the "
                       "largest ball bound over the sub-boxes (plain enclosure, mean-value "
                       "form in x, or along the parameters aligned by a symmetry)")
    return VerificationResult(len(found), net.n_neurons, tuple(matches), tuple(spurious),
                              exact, error, tuple(reasons))


def _independent(columns: list[list[Any]], exact: bool) -> list[list[Any]]:
    """A basis of the span of ``columns`` among them (pivots of an exact elimination; for
    balls, of the float midpoints, which the arb solve then re-checks)."""
    import numpy as np

    if exact:
        from .entangled import _fmpq

        n = len(columns[0])
        M = flint.fmpq_mat(n, len(columns), [_fmpq(c[r]) for r in range(n) for c in columns])
        R, rank = M.rref()
        pivots, row = [], 0
        for j in range(len(columns)):
            if row < rank and R[row, j] != 0:
                pivots.append(j)
                row += 1
        return [columns[j] for j in pivots]
    mid = np.array([[float(x.mid()) for x in c] for c in columns]).T
    rank = np.linalg.matrix_rank(mid)
    from .balls import _pivots

    _, cols = _pivots(mid, rank)
    return [columns[j] for j in sorted(cols)]


REFINE_BOXES = 512
"""How many more sub-boxes the network error may evaluate while bisecting the worst ones."""


def _network_error(net: SmoothNetwork, est: SmoothNetwork, grid: int | None,
                   refine: int = REFINE_BOXES) -> dict:
    """Bounds of sup |f - f_est| over [-1, 1]^D (per output, maximum over outputs).

    On each sub-box B with centre c and half-widths h_k, g = f - f_est is bounded in up
    to three ways and the smallest bound kept: by ball evaluation of f(B) - f_est(B)
    (whose width does not shrink as f_est approaches f), by the mean-value form
    |g(c)| + sum_k h_k |d_k g(B)|, with the gradients of f and f_est enclosed over B by
    the same ball evaluation (an overestimate of order h^2 instead of h). Starting from a
    grid of equal sub-boxes, the box with the largest bound is bisected along the
    coordinate that contributes most, ``refine`` times at most, or until the largest
    bound is at most twice the lower bound. The lower bound is the largest |g| at the
    centres of all boxes evaluated (exact for polynomials, a ball's lower end otherwise).

    The third bound, when the estimate has the architecture of the network, usually wins
    by far: with the estimate's neurons permuted (and negated, when phi is point-symmetric,
    see :func:`_symmetry_centre`) to face the true ones -- an exact symmetry, giving
    parameters p' with f(x; p') = f_est(x) -- g(x) = f(x; p) - f(x; p') is minus the
    integral over s in [0, 1] of d/ds f(x; p + s (p' - p)), enclosed over B and s by
    forward derivatives in s. Its size is that of p' - p, not of the box."""
    import heapq

    D = net.n_inputs
    if est.n_outputs != net.n_outputs:
        raise InputError(f"the network estimate has {est.n_outputs} outputs, the network "
                         f"{net.n_outputs}")
    k = grid if grid is not None else max(1, int(round(512 ** (1 / D))))
    k = min(k, 16)
    exact = net.activation.exact and est.activation.exact
    aligned = _aligned(net, est)
    lower: Fraction | float = Fraction(0) if exact else 0.0
    heap: list[tuple[float, int, tuple[Fraction, ...], tuple[Fraction, ...], list[float]]] = []
    for n, c in enumerate(itertools.product([Fraction(2 * j + 1, k) - 1 for j in range(k)],
                                            repeat=D)):
        half = (Fraction(1, k),) * D
        bound, low, parts = _box_bound(net, est, c, half, exact, aligned)
        lower = max(lower, low)
        heapq.heappush(heap, (-bound, n, c, half, parts))
    evaluated = len(heap)
    for n in range(evaluated, evaluated + refine):
        worst, _, c, half, parts = heap[0]
        if -worst <= 2 * float(lower):
            break
        heapq.heappop(heap)
        j = max(range(D), key=lambda i: parts[i])
        for sign in (-1, 1):
            cc = tuple(x + sign * half[j] / 2 if i == j else x for i, x in enumerate(c))
            hh = tuple(x / 2 if i == j else x for i, x in enumerate(half))
            bound, low, p2 = _box_bound(net, est, cc, hh, exact, aligned)
            lower = max(lower, low)
            heapq.heappush(heap, (-bound, 2 * n + (sign > 0), cc, hh, p2))
    upper = -heap[0][0]
    from ..formats.jsonio import number_to_json

    return {"box": [-1, 1], "sub_boxes": len(heap),
            "lower": number_to_json(lower) if exact else repr(float(lower)),
            "lower_float": float(lower),
            "upper": repr(upper) if upper < float("inf") else "inf",
            "upper_float": upper}


def _box_bound(net: SmoothNetwork, est: SmoothNetwork, c: Sequence[Fraction],
               half: Sequence[Fraction], exact: bool, aligned: Any
               ) -> tuple[float, Fraction | float, list[float]]:
    """(an upper bound of |f - f_est| on the box, rounded up to a float; |f - f_est| at
    its centre, exactly or the lower end of a ball; per coordinate h_k |d_k g(B)|)."""
    box = [flint.arb(ball(x), ball(h).upper()) for x, h in zip(c, half)]
    ja = net.jet(box, number=ball, hessians=False)
    jb = est.jet(box, number=ball, hessians=False)
    if exact:
        diff = [u - v for u, v in zip(_exact_outputs(net, c), _exact_outputs(est, c))]
        at_c = [ball(d) for d in diff]
        low: Fraction | float = max(abs(d) for d in diff)
    else:
        pa = net.jet([ball(x) for x in c], number=ball, hessians=False).outputs
        pb = est.jet([ball(x) for x in c], number=ball, hessians=False).outputs
        at_c = [u - v for u, v in zip(pa, pb)]
        low = max(max(0.0, math.nextafter(float(abs(g).lower()), -math.inf)) for g in at_c)
    path = _path_derivative(net, aligned, box) if aligned is not None else None
    bound, parts = 0.0, [0.0] * len(c)
    for j, (u, v, g, da, db) in enumerate(zip(ja.outputs, jb.outputs, at_c,
                                              _output_gradients(net, ja),
                                              _output_gradients(est, jb))):
        terms = [ball(h) * abs(a - b) for h, a, b in zip(half, da, db)]
        mean_value = abs(g) + sum(terms[1:], terms[0])
        best = min(_up(abs(u - v)), _up(mean_value),
                   _up(abs(path[j])) if path is not None else math.inf)
        if best >= bound:
            bound = best
            parts = [_up(t) for t in terms]
    return bound, low, parts


def _symmetry_centre(net: SmoothNetwork) -> Fraction | None:
    """t0 with phi(t0 + u) + phi(t0 - u) constant, or None: then negating a neuron's
    weights and replacing its shift theta by 2 t0 - theta negates its centred output.
    0 for tanh and the logistic function; the inflection point -c2 / (3 c3) of a cubic."""
    if net.activation.kind != "polynomial":
        return Fraction(0)
    c = list(net.activation.coefficients)
    while len(c) > 1 and c[-1] == 0:
        c.pop()
    d = len(c) - 1
    if d < 1:
        return Fraction(0)
    t0 = -Fraction(c[d - 1]) / (d * c[d])
    from math import comb

    at = [sum(Fraction(c[j]) * comb(j, i) * t0 ** (j - i) for j in range(i, d + 1))
          for i in range(d + 1)]  # the coefficients of phi(t0 + u) in u
    return t0 if all(a == 0 for i, a in enumerate(at) if i and i % 2 == 0) else None


def _aligned(net: SmoothNetwork, est: SmoothNetwork) -> Any:
    """The estimate's (weights, shifts), its neurons permuted (and, when the activation is
    point-symmetric about some t0, negated) to face the true neurons, as exact rationals:
    an exact symmetry (a negated neuron gets the shift 2 t0 - theta), so the
    aligned parameters compute f_est exactly. Last-layer neurons keep their order for a
    vector output (they are the outputs) and are never negated. None when the
    architectures or activations differ."""
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    if (est.widths != net.widths or est.activation != net.activation
            or est.output != net.output):
        return None
    t0 = _symmetry_centre(net)
    perm = list(range(net.n_inputs))
    signs = [1] * net.n_inputs
    weights, shifts = [], []
    for l, (W, t, E, te) in enumerate(zip(net.weights, net.shifts, est.weights, est.shifts)):
        rows = [[r[perm[k]] * signs[k] for k in range(len(perm))] for r in E]
        last = l == net.depth - 1
        flips = (1,) if last or t0 is None else (1, -1)

        options = {(r, f): [f * x for x in rows[r]] + [te[r] if f > 0 else 2 * t0 - te[r]]
                   for r in range(len(rows)) for f in flips}
        true = [np.array([float(x) for x in (*W[i], t[i])]) for i in range(len(W))]
        dist = {(i, r, f): float(np.linalg.norm(true[i] - np.array([float(x) for x in o])))
                for (r, f), o in options.items() for i in range(len(W))}
        if last and net.output == "vector":
            order = list(range(len(W)))
        else:
            cost = [[min(dist[i, r, f] for f in flips) for r in range(len(rows))]
                    for i in range(len(W))]
            order = [int(r) for r in linear_sum_assignment(np.array(cost))[1]]
        best = [min(flips, key=lambda f: dist[i, r, f]) for i, r in enumerate(order)]
        weights.append([options[r, f][:-1] for r, f in zip(order, best)])
        shifts.append([options[r, f][-1] for r, f in zip(order, best)])
        perm, signs = order, best
    return weights, shifts


def _path_derivative(net: SmoothNetwork, aligned: Any, box: Sequence[Any]) -> list[Any]:
    """Enclosures of d/ds f_j(x; p + s (p' - p)) over x in ``box`` and s in [0, 1], with p
    the parameters of ``net`` and p' the aligned estimate: by the mean-value theorem in s,
    |f_j(x) - f_est,j(x)| lies below them (forward derivatives in s, in balls)."""
    phi = net.activation.derivatives
    s = flint.arb(ball(Fraction(1, 2)), ball(Fraction(1, 2)).upper())
    y, dy = list(box), [ball(0)] * len(box)
    for W, t, W2, t2 in zip(net.weights, net.shifts, *aligned):
        new_y, new_dy = [], []
        for row, th, row2, th2 in zip(W, t, W2, t2):
            dw = [ball(b - a) for a, b in zip(row, row2)]
            w = [ball(a) + s * d for a, d in zip(row, dw)]
            dth = ball(th2 - th)
            ths = ball(th) + s * dth
            z = sum((a * b for a, b in zip(w[1:], y[1:])), w[0] * y[0])
            dz = sum((a * b + c * e for a, b, c, e in zip(dw, y, w, dy)), ball(0))
            v, d1, _ = phi(z + ths)
            v0, d10, _ = phi(ths)
            new_y.append(v - v0)
            new_dy.append(d1 * (dz + dth) - d10 * dth)
        y, dy = new_y, new_dy
    return [sum(dy[1:], dy[0])] if net.output == "sum" else dy


def _exact_outputs(net: SmoothNetwork, x: Sequence[Fraction]) -> list[Fraction]:
    """f(x) exactly for a polynomial activation (a forward pass in FLINT rationals,
    without the gradients of ``SmoothNetwork.evaluate``)."""
    def q(v: Fraction) -> flint.fmpq:
        return flint.fmpq(v.numerator, v.denominator)

    phi = net.activation.derivatives
    y = [q(v) for v in x]
    for W, t in zip(net.weights, net.shifts):
        y = [phi(sum((q(w) * v for w, v in zip(row, y)), flint.fmpq(0)) + q(th))[0]
             - phi(q(th))[0] for row, th in zip(W, t)]
    out = [sum(y, flint.fmpq(0))] if net.output == "sum" else y
    return [Fraction(int(v.p), int(v.q)) for v in out]


def _up(x: flint.arb) -> float:
    """A float >= every point of the ball (inf when it is not finite)."""
    if not x.is_finite():
        return math.inf
    return math.nextafter(float(x.upper()), math.inf)


def _output_gradients(net: SmoothNetwork, jet: Any) -> list[list[Any]]:
    """The gradient of every output f_j at the point (or box) of ``jet``: phi'(z + theta)
    times grad z for the last layer, summed for a summed output."""
    last = len(jet.d1) - 1
    rows = [[jet.d1[last][i] * g for g in jet.grad_z[last][i]]
            for i in range(len(jet.d1[last]))]
    if net.output == "sum":
        return [[sum((r[k] for r in rows[1:]), rows[0][k]) for k in range(net.n_inputs)]]
    return rows
