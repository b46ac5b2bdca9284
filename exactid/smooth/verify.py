"""Cross-checking a numerical recovery against the true entangled weights (check X9 of
docs/theory/smooth.md §6, with the success threshold of §5.5).

Each float estimate a^ is converted exactly to a rational vector. Its residual
||(I - P_WW) vec(a^ a^T)||_F^2 / ||a^||^4 against the matrix space WW is an exact rational
for polynomial activations and an arb ball for tanh and the logistic function. It counts as
a recovered entangled weight v when |<a^, v>| >= (1 - delta^2 / 2) |a^| |v| with delta =
0.05, decided exactly on the squares (or by balls, None when a ball straddles the
threshold). For a network estimate, the sup-norm error on the box [-1, 1]^D is enclosed
by ball evaluation on a grid of sub-boxes (an upper bound) and bounded below by the exact
error at their centres.
"""

from __future__ import annotations

import itertools
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
                       "lower is the largest error at the sub-box centres, upper a ball "
                       "enclosure over all sub-boxes")
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


def _network_error(net: SmoothNetwork, est: SmoothNetwork, grid: int | None) -> dict:
    """Bounds of sup |f - f_est| over [-1, 1]^D (per output, maximum over outputs)."""
    D = net.n_inputs
    if est.n_outputs != net.n_outputs:
        raise InputError(f"the network estimate has {est.n_outputs} outputs, the network "
                         f"{net.n_outputs}")
    k = grid if grid is not None else max(1, int(round(512 ** (1 / D))))
    k = min(k, 16)
    half = Fraction(1, k)
    centres = [Fraction(2 * j + 1, k) - 1 for j in range(k)]
    lower = Fraction(0) if net.activation.exact and est.activation.exact else None
    lower_float = 0.0
    upper = ball(0)
    for c in itertools.product(centres, repeat=D):
        box = [flint.arb(flint.fmpq(x.numerator, x.denominator), flint.arb(
            flint.fmpq(half.numerator, half.denominator)).upper()) for x in c]
        fa = net.jet(box, number=ball, hessians=False).outputs
        fb = est.jet(box, number=ball, hessians=False).outputs
        for u, v in zip(fa, fb):
            upper = upper.max(abs(u - v))
        if lower is not None:
            diff = max(abs(u - v) for u, v in zip(net.evaluate(c), est.evaluate(c)))
            lower = max(lower, diff)
        else:
            pa = net.jet([ball(x) for x in c], number=ball, hessians=False).outputs
            pb = est.jet([ball(x) for x in c], number=ball, hessians=False).outputs
            lower_float = max(lower_float, max(float(abs(u - v).lower()) for u, v in
                                              zip(pa, pb)))
    from ..formats.jsonio import number_to_json

    return {"box": [-1, 1], "sub_boxes": k ** D,
            "lower": number_to_json(lower) if lower is not None else repr(lower_float),
            "upper": upper.upper().str(6, radius=False) if upper.is_finite() else "inf",
            "upper_float": float(upper.upper())}
