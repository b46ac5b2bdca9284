"""SmoothNetwork: shifted smooth activations, exact and ball evaluation, gradients and
Hessians (docs/theory/smooth.md §1-3).

File format ``exactid.smooth-network/1``::

    {"format": "exactid.smooth-network/1",
     "activation": {"kind": "polynomial", "coefficients": [c0, c1, c2, ...]}
                 | {"kind": "tanh"} | {"kind": "logistic"},
     "output": "vector" | "sum",
     "layers": [{"weight": [[...], ...], "shift": [...]}, ...]}

``weight`` rows are receiving neurons (as in ``exactid.network/1``), so layer l's matrix is
the transpose of docs/theory/smooth.md's W_l. Every layer, the last included, is activated and
centred: neuron i of layer l computes g(t) = phi(t + shift[i]) - phi(shift[i]) of its
pre-activation t = weight[i] . y, so that every pre-activation is 0 at x = 0.

Numbers: exact ``Fraction`` for polynomial activations (every object of
docs/theory/smooth.md is then rational); FLINT ``arb`` balls for tanh and the logistic function,
whose values at rational points are transcendental; NumPy floats only in the ``*_float`` functions
used by the numerical recovery (docs/theory/smooth.md §5).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from ..errors import InputError
from ..numbers import parse_rational

__all__ = [
    "ACTIVATION_KINDS",
    "SMOOTH_FORMAT",
    "Activation",
    "Jet",
    "SmoothNetwork",
    "read_smooth_network",
    "smooth_network_from_doc",
    "smooth_network_to_doc",
    "write_smooth_network",
]

SMOOTH_FORMAT = "exactid.smooth-network/1"
WIDE_BALL = 2.0 ** -20
"""Radius above which tanh and the logistic function are enclosed from their monotone
pieces instead of FLINT's own functions (far too wide on wide balls)."""
ACTIVATION_KINDS = ("polynomial", "tanh", "logistic")


@dataclass(frozen=True)
class Activation:
    """The activation phi: a polynomial with rational coefficients c0 + c1 t + ..., tanh,
    or the logistic function 1 / (1 + exp(-t))."""

    kind: str
    coefficients: tuple[Fraction, ...] = ()

    @property
    def exact(self) -> bool:
        """True when every value at a rational point is rational (a polynomial)."""
        return self.kind == "polynomial"

    def derivatives(self, t: Any) -> tuple[Any, Any, Any]:
        """(phi(t), phi'(t), phi''(t)) in the number type of ``t``: a ``Fraction`` for a
        polynomial, a FLINT ``arb`` ball for tanh and the logistic function.

        >>> Activation("polynomial", (Fraction(0), Fraction(1), Fraction(1, 2))).derivatives(
        ...     Fraction(2))
        (Fraction(4, 1), Fraction(3, 1), Fraction(1, 1))
        """
        if self.kind == "polynomial":
            if isinstance(t, (Fraction, int)):
                return _polynomial_derivatives(self.coefficients, t)
            import flint  # FLINT adds no Fraction to an arb or fmpq

            kind = flint.fmpq if isinstance(t, flint.fmpq) else flint.arb
            return _polynomial_derivatives(
                [kind(flint.fmpq(c.numerator, c.denominator)) for c in self.coefficients], t)
        if t.rad() > WIDE_BALL:
            return self._wide_ball_derivatives(t)
        if self.kind == "tanh":
            th = t.tanh()
            d1 = 1 - th * th
            return th, d1, -2 * th * d1
        s = 1 / (1 + (-t).exp())
        d1 = s * (1 - s)
        return s, d1, d1 * (1 - 2 * s)

    def _wide_ball_derivatives(self, t: Any) -> tuple[Any, Any, Any]:
        """(phi, phi', phi'') over a wide ball t = [a, b], tanh or logistic, from the
        shapes of the functions: phi increases, so phi(t) lies between phi(a) and phi(b);
        phi' increases up to 0 and decreases after it, so phi'(t) lies between phi'(a),
        phi'(b) and, when 0 is in t, phi'(0); phi'' = -2 phi phi' (tanh) or
        phi' (1 - 2 phi) (logistic) is enclosed by the product of those enclosures.
        FLINT's own tanh of [0.5 +/- 3] is [+/- 148]; this gives [+/- 0.999]."""
        import flint

        ends = [flint.arb(t.lower()), flint.arb(t.upper())]
        if self.kind == "tanh":
            v = [e.tanh() for e in ends]
            d = [1 - x * x for x in v]
            top = flint.arb(1)
        else:
            v = [1 / (1 + (-e).exp()) for e in ends]
            d = [x * (1 - x) for x in v]
            top = flint.arb(1) / 4
        value, d1 = v[0].union(v[1]), d[0].union(d[1])
        if ends[0] <= 0 <= ends[1]:
            d1 = d1.union(top)
        return value, d1, (-2 * value * d1 if self.kind == "tanh" else d1 * (1 - 2 * value))

    def derivatives_float(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(phi, phi', phi'') at the float array ``t`` (recovery hints only)."""
        if self.kind == "polynomial":
            c = [float(v) for v in self.coefficients]
            return tuple(np.polynomial.polynomial.polyval(t, np.polynomial.polynomial.polyder(
                c, k) if k else c) for k in range(3))  # type: ignore[return-value]
        if self.kind == "tanh":
            th = np.tanh(t)
            d1 = 1 - th * th
            return th, d1, -2 * th * d1
        s = 1 / (1 + np.exp(-t))
        d1 = s * (1 - s)
        return s, d1, d1 * (1 - 2 * s)

    def to_doc(self) -> dict:
        if self.kind == "polynomial":
            from ..formats.jsonio import number_to_json

            return {"kind": "polynomial",
                    "coefficients": [number_to_json(c) for c in self.coefficients]}
        return {"kind": self.kind}


def _polynomial_derivatives(coefficients: Sequence[Any], t: Any) -> tuple[Any, Any, Any]:
    p = d1 = d2 = 0 * t
    for c in reversed(coefficients):  # Horner for p, p' and p'' together
        d2 = d2 * t + 2 * d1
        d1 = d1 * t + p
        p = p * t + c
    return p, d1, d2


@dataclass(frozen=True)
class Jet:
    """Values, gradients and Hessians (with respect to the input x) at one point.

    ``z[l][i]`` is the centred pre-activation of neuron (l, i) (without its shift),
    ``grad_z[l][i]`` its gradient: the local entangled weight v_{l,i}(x) of
    docs/theory/smooth.md §2; ``d1[l][i]`` and ``d2[l][i]`` are phi' and phi'' at z + shift;
    ``outputs`` are the values f_j(x) and ``hessians[j]`` Hess f_j(x) (D x D lists), computed by
    forward propagation of second derivatives, independently of the identity of
    docs/theory/smooth.md §3.
    """

    z: tuple[tuple[Any, ...], ...]
    grad_z: tuple[tuple[tuple[Any, ...], ...], ...]
    d1: tuple[tuple[Any, ...], ...]
    d2: tuple[tuple[Any, ...], ...]
    outputs: tuple[Any, ...]
    hessians: tuple[tuple[tuple[Any, ...], ...], ...] | None


@dataclass(frozen=True)
class SmoothNetwork:
    """A network with shifted, centred smooth activations on every layer (docs/theory/smooth.md §1).

    ``weights[l][i][k]`` is the weight from neuron k of layer l-1 (the input when l = 0)
    into neuron i of layer l; ``shifts[l][i]`` is theta_{l,i}. Layers and neurons are
    0-based (docs/theory/smooth.md numbers layers from 1).

    >>> net = SmoothNetwork(Activation("polynomial", (0, 1, Fraction(1, 2))), "sum",
    ...                     (((1, 2),),), ((Fraction(1),),))
    >>> net.widths, net.evaluate([1, 1])
    ((2, 1), (Fraction(21, 2),))
    """

    activation: Activation
    output: str
    weights: tuple[tuple[tuple[Fraction, ...], ...], ...]
    shifts: tuple[tuple[Fraction, ...], ...]

    @property
    def widths(self) -> tuple[int, ...]:
        """(D, m_1, ..., m_L)."""
        return (len(self.weights[0][0]), *(len(w) for w in self.weights))

    @property
    def n_inputs(self) -> int:
        return len(self.weights[0][0])

    @property
    def depth(self) -> int:
        """L, the number of (activated) layers."""
        return len(self.weights)

    @property
    def n_neurons(self) -> int:
        """m = m_1 + ... + m_L."""
        return sum(len(w) for w in self.weights)

    @property
    def n_outputs(self) -> int:
        return len(self.weights[-1]) if self.output == "vector" else 1

    @property
    def pyramidal(self) -> bool:
        """D >= m_1 >= ... >= m_{L-1} (m_L free), docs/theory/smooth.md §1."""
        w = self.widths[:-1]
        return all(a >= b for a, b in zip(w, w[1:]))

    def neurons(self) -> list[tuple[int, int]]:
        """(layer, neuron) of every neuron, layer by layer, 0-based."""
        return [(l, i) for l, w in enumerate(self.weights) for i in range(len(w))]

    def evaluate(self, x: Sequence[Any]) -> tuple[Fraction, ...]:
        """The exact outputs f(x) of a polynomial network at a rational point."""
        return self.jet([parse_rational(v, "x") for v in x], hessians=False).outputs

    def jet(self, x: Sequence[Any], number: Callable[[Fraction], Any] = lambda q: q,
            hessians: bool = True) -> Jet:
        """Values, gradients and (with ``hessians``) Hessians at ``x``, computed in the
        number type that ``number`` converts rationals to (identity: exact Fractions for
        a polynomial activation; ``flint.arb`` for balls). ``x`` is already of that type
        or rational."""
        D = self.n_inputs
        zero = number(Fraction(0))
        one = number(Fraction(1))
        y = [number(v) if isinstance(v, (int, Fraction)) else v for v in x]
        grad_y = [tuple(one if k == i else zero for k in range(D)) for i in range(D)]
        hess_y: list[list[list[Any]]] | None = (
            [[[zero] * D for _ in range(D)] for _ in range(D)] if hessians else None)
        zs, grads, d1s, d2s = [], [], [], []
        for w, th in zip(self.weights, self.shifts):
            wn = [[number(v) for v in row] for row in w]
            z = [_dot(row, y, zero) for row in wn]
            gz = [tuple(_dot(row, [g[k] for g in grad_y], zero) for k in range(D))
                  for row in wn]
            derivs = [self.activation.derivatives(zi + number(t)) for zi, t in zip(z, th)]
            base = [self.activation.derivatives(number(t))[0] for t in th]
            new_y = [d[0] - b for d, b in zip(derivs, base)]
            d1 = [d[1] for d in derivs]
            d2 = [d[2] for d in derivs]
            if hess_y is not None:
                new_h = []
                for i, row in enumerate(wn):
                    hz = [[_dot(row, [h[a][b] for h in hess_y], zero) for b in range(D)]
                          for a in range(D)]
                    g = gz[i]
                    new_h.append([[d2[i] * g[a] * g[b] + d1[i] * hz[a][b] for b in range(D)]
                                  for a in range(D)])
                hess_y = new_h
            grad_y = [tuple(d1[i] * v for v in gz[i]) for i in range(len(wn))]
            y = new_y
            zs.append(tuple(z))
            grads.append(tuple(gz))
            d1s.append(tuple(d1))
            d2s.append(tuple(d2))
        if self.output == "sum":
            outputs: tuple[Any, ...] = (sum(y[1:], y[0]),)
            hess = None if hess_y is None else ((tuple(
                tuple(sum((h[a][b] for h in hess_y[1:]), hess_y[0][a][b]) for b in range(D))
                for a in range(D))),)
        else:
            outputs = tuple(y)
            hess = None if hess_y is None else tuple(
                tuple(tuple(r) for r in h) for h in hess_y)
        return Jet(tuple(zs), tuple(grads), tuple(d1s), tuple(d2s), outputs, hess)

    def sensitivities(self, jet: Jet) -> list[list[list[Any]]]:
        """beta[j][l][i] = d f_j / d y_{l,i} at the point of ``jet`` (docs/theory/smooth.md §3), by
        back-propagation."""
        L = self.depth
        mL = len(self.weights[-1])
        zero = jet.d1[0][0] * 0
        betas = []
        for j in range(self.n_outputs):
            top = [zero + (1 if (self.output == "sum" or i == j) else 0) for i in range(mL)]
            per_layer = [top]
            for l in range(L - 1, 0, -1):
                upper = per_layer[0]
                w = self.weights[l]
                per_layer.insert(0, [_dot([upper[i] * jet.d1[l][i] for i in range(len(w))],
                                          [w[i][k] for i in range(len(w))], zero)
                                     for k in range(len(self.weights[l - 1]))])
            betas.append(per_layer)
        return betas

    def hessian_by_identity(self, jet: Jet) -> list[list[list[Any]]]:
        """Hess f_j(x) for every output j, as the sum of docs/theory/smooth.md §3:
        sum_{l,i} beta^{(j)}_{l,i}(x) phi''(z_{l,i}(x) + theta_{l,i}) v_{l,i}(x) v_{l,i}(x)^T."""
        D = self.n_inputs
        zero = jet.d1[0][0] * 0
        out = []
        for beta in self.sensitivities(jet):
            h = [[zero] * D for _ in range(D)]
            for l, i in self.neurons():
                c = beta[l][i] * jet.d2[l][i]
                v = jet.grad_z[l][i]
                for a in range(D):
                    ca = c * v[a]
                    for b in range(D):
                        h[a][b] = h[a][b] + ca * v[b]
            out.append(h)
        return out

    def forward_float(self, X: np.ndarray) -> np.ndarray:
        """Float outputs for the rows of ``X`` (n x D): n x (outputs). Recovery hints only."""
        Y = np.asarray(X, dtype=float)
        for w, th in zip(self.weights, self.shifts):
            W = np.array([[float(v) for v in row] for row in w])
            t = np.array([float(v) for v in th])
            Y = self.activation.derivatives_float(Y @ W.T + t)[0] - \
                self.activation.derivatives_float(t)[0]
        return Y.sum(axis=1, keepdims=True) if self.output == "sum" else Y


def _dot(a: Sequence[Any], b: Sequence[Any], zero: Any) -> Any:
    s = zero
    for u, v in zip(a, b):
        if u:
            s = s + u * v
    return s


def _fail(where: str, message: str) -> InputError:
    return InputError(f"{where}: {message}")


def smooth_network_from_doc(doc: Any, where: str = "network") -> SmoothNetwork:
    """The SmoothNetwork of an ``exactid.smooth-network/1`` document (InputError, one line
    naming ``where`` and the field, when it is malformed)."""
    if not isinstance(doc, dict):
        raise _fail(where, f"expected a JSON object with format {SMOOTH_FORMAT!r}")
    if doc.get("format") != SMOOTH_FORMAT:
        raise _fail(where, f"unknown format tag {doc.get('format')!r}, expected "
                    f"{SMOOTH_FORMAT!r}")
    act = doc.get("activation")
    if not isinstance(act, dict) or "kind" not in act:
        raise _fail(where, "'activation' must be an object with a 'kind' "
                    f"({', '.join(ACTIVATION_KINDS)})")
    kind = act["kind"]
    if kind not in ACTIVATION_KINDS:
        raise _fail(where, f"unknown activation kind {kind!r} (use one of "
                    f"{', '.join(ACTIVATION_KINDS)})")
    coefficients: tuple[Fraction, ...] = ()
    if kind == "polynomial":
        cs = act.get("coefficients")
        if not isinstance(cs, list) or not cs:
            raise _fail(where, "a polynomial activation needs a non-empty list "
                        "'coefficients' [c0, c1, ...]")
        coefficients = tuple(_rational(c, where, f"activation coefficients[{k}]")
                             for k, c in enumerate(cs))
    elif set(act) - {"kind"}:
        raise _fail(where, f"a {kind} activation takes no parameters (found "
                    f"{', '.join(sorted(set(act) - {'kind'}))})")
    output = doc.get("output")
    if output not in ("vector", "sum"):
        raise _fail(where, f"'output' must be \"vector\" or \"sum\", got {output!r}")
    layers = doc.get("layers")
    if not isinstance(layers, list) or not layers:
        raise _fail(where, "'layers' must be a non-empty list")
    weights, shifts = [], []
    fan_in = None
    for l, layer in enumerate(layers):
        if not isinstance(layer, dict) or "weight" not in layer or "shift" not in layer:
            raise _fail(where, f"layer {l} must be an object with 'weight' and 'shift'")
        w, s = layer["weight"], layer["shift"]
        if not isinstance(w, list) or not w or not all(isinstance(r, list) for r in w):
            raise _fail(where, f"layer {l} weight must be a non-empty list of rows")
        if fan_in is None:
            fan_in = len(w[0])
            if fan_in == 0:
                raise _fail(where, "layer 0 weight rows are empty (no inputs)")
        for i, row in enumerate(w):
            if len(row) != fan_in:
                raise _fail(where, f"layer {l} weight row {i} has {len(row)} entries, "
                            f"expected {fan_in} (the width of the layer before)")
        if not isinstance(s, list) or len(s) != len(w):
            raise _fail(where, f"layer {l} shift must be a list of {len(w)} numbers (one "
                        "per row of weight)")
        weights.append(tuple(tuple(_rational(v, where, f"layer {l} weight[{i}][{k}]")
                                   for k, v in enumerate(row)) for i, row in enumerate(w)))
        shifts.append(tuple(_rational(v, where, f"layer {l} shift[{i}]")
                            for i, v in enumerate(s)))
        fan_in = len(w)
    return SmoothNetwork(Activation(kind, coefficients), output, tuple(weights), tuple(shifts))


def _rational(value: Any, where: str, name: str) -> Fraction:
    try:
        return parse_rational(value, f"{where}: {name}")
    except ValueError as exc:
        raise InputError(str(exc)) from None


def smooth_network_to_doc(net: SmoothNetwork) -> dict:
    """The ``exactid.smooth-network/1`` document of ``net``."""
    from ..formats.jsonio import number_to_json

    return {"format": SMOOTH_FORMAT, "activation": net.activation.to_doc(),
            "output": net.output,
            "layers": [{"weight": [[number_to_json(v) for v in row] for row in w],
                        "shift": [number_to_json(v) for v in s]}
                       for w, s in zip(net.weights, net.shifts)]}


def read_smooth_network(path: str | os.PathLike) -> SmoothNetwork:
    """Read an ``exactid.smooth-network/1`` JSON file (decimals exact)."""
    from ..formats.jsonio import read_json

    return smooth_network_from_doc(read_json(path), where=str(path))


def write_smooth_network(path: str | os.PathLike, net: SmoothNetwork) -> None:
    """Write ``net`` as an ``exactid.smooth-network/1`` JSON file."""
    from ..formats.jsonio import dump_json, write_text_atomic

    write_text_atomic(path, dump_json(smooth_network_to_doc(net)) + "\n")
