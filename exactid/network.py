"""The Network value object: rational weights, ReLU hidden layers, affine output.

Conventions follow ``docs/theory/local.md`` §1: ``weights[l]`` has ``widths[l+1]`` rows
and ``widths[l]`` columns (row = receiving neuron); hidden layer 0 is the first hidden
layer; every index is 0-based.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import chain
from operator import attrgetter
from typing import TYPE_CHECKING, Any

import numpy as np

from .display import Summarised
from .errors import InputError
from .linalg import load_flint
from .numbers import parse_rational, parse_rationals

if TYPE_CHECKING:
    import flint

__all__ = ["Activations", "ForwardPass", "LayerStep", "Network", "as_samples",
           "certified_activations", "exact_layers", "layer_denominators"]

Matrix = tuple[tuple[Fraction, ...], ...]
Vector = tuple[Fraction, ...]


# Fraction's slots, read without its properties' Python calls (twice as fast); a value
# without them (not a Fraction) makes _int64_parts return None, and the caller falls back.
_NUMERATOR = attrgetter("_numerator")
_DENOMINATOR = attrgetter("_denominator")


def _lcm_of_denominators(values: Iterable[Fraction]) -> int:
    values = list(values)
    try:
        return math.lcm(*set(map(_DENOMINATOR, values)))
    except AttributeError:  # not only Fractions
        return math.lcm(*{v.denominator for v in values})


def _int64_parts(rows: Sequence[Sequence[Fraction]], ncols: int
                 ) -> tuple[np.ndarray, np.ndarray] | None:
    """Numerators and denominators of a matrix of Fractions as two len(rows) x ncols int64
    arrays; None when a row has another length or an entry does not fit in int64."""
    if any(len(row) != ncols for row in rows):
        return None
    count = len(rows) * ncols
    try:
        num = np.fromiter(map(_NUMERATOR, chain.from_iterable(rows)), np.int64, count)
        den = np.fromiter(map(_DENOMINATOR, chain.from_iterable(rows)), np.int64, count)
    except (AttributeError, OverflowError, TypeError):
        return None
    return num.reshape(len(rows), ncols), den.reshape(len(rows), ncols)


def _scaled_ints(rows: Sequence[Sequence[Fraction]], ncols: int, scale: int) -> list[int]:
    """``scale * rows`` (``scale`` clears the denominators) as one flat list of integers."""
    parts = _int64_parts(rows, ncols)
    if parts is None:
        return [v.numerator * (scale // v.denominator) for row in rows for v in row]
    num, den = parts[0].ravel().tolist(), parts[1].ravel().tolist()
    factor = {d: scale // d for d in set(den)}
    return [a * factor[d] for a, d in zip(num, den)]


def _int_matrix(rows: Sequence[Sequence[Fraction]], scale: int) -> flint.fmpz_mat:
    """Return ``scale * rows`` as an integer matrix (``scale`` clears the denominators)."""
    nrows = len(rows)
    ncols = len(rows[0]) if nrows else 0
    return load_flint().fmpz_mat(nrows, ncols, _scaled_ints(rows, ncols, scale))


@dataclass(frozen=True, repr=False)
class Network(Summarised):
    """A fully connected network with rational parameters.

    Hidden layers apply ReLU, the last layer is affine. Build one with
    :meth:`Network.from_lists` (numbers in any accepted spelling, floats taken exactly).

    Examples
    --------
    >>> net = Network.from_lists([[[1, -1]], [[2]]], [[0], ["1/2"]])
    >>> net
    Network(widths=[2, 1, 1], params=5)
    >>> net.widths
    (2, 1, 1)
    >>> net(["3", 1])
    (Fraction(9, 2),)
    """

    weights: tuple[Matrix, ...]
    biases: tuple[Vector, ...]

    def _summary(self) -> list[tuple[str, Any]]:
        return [("widths", list(self.widths)), ("params", self.n_params)]

    def _details(self) -> list[tuple[str, Any]]:
        return [("hidden neurons (H)", self.n_hidden), ("D = params - H", self.dimension)]

    def _table(self) -> tuple[list[str], list[list[Any]]] | None:
        if self.n_params > 100:
            return None
        return (["layer", "weight (row = receiving neuron)", "bias"],
                [[l, [list(row) for row in w], list(b)]
                 for l, (w, b) in enumerate(zip(self.weights, self.biases))])

    def __post_init__(self) -> None:
        if not self.weights:
            raise InputError("network: needs at least one layer")
        if len(self.weights) != len(self.biases):
            raise InputError("network: number of weight matrices and bias vectors differ")
        previous = None
        for l, (w, b) in enumerate(zip(self.weights, self.biases)):
            if len(w) == 0 or any(len(row) == 0 for row in w):
                raise InputError(f"network: layer {l} is empty")
            ncols = len(w[0])
            if any(len(row) != ncols for row in w):
                raise InputError(f"network: layer {l} weight is ragged")
            if previous is not None and ncols != previous:
                raise InputError(f"network: layer {l} weight has {ncols} columns, "
                                 f"expected {previous} (rows of layer {l - 1})")
            if len(b) != len(w):
                raise InputError(f"network: layer {l} bias has {len(b)} entries, "
                                 f"expected {len(w)}")
            for row in w:
                for v in row:
                    if type(v) is not Fraction:
                        raise InputError("network: entries must be Fractions "
                                         "(use Network.from_lists)")
            previous = len(w)

    @classmethod
    def from_lists(cls, weights: Sequence[Sequence[Sequence[Any]]],
                   biases: Sequence[Sequence[Any]], where: str = "network") -> Network:
        """Return a network from nested lists of numbers in any accepted spelling."""
        try:
            ws = tuple(tuple(tuple(parse_rational(v, f"{where}: layer {l} weight[{i}][{j}]")
                                   for j, v in enumerate(row))
                             for i, row in enumerate(_as_list(w, f"{where}: layer {l} weight")))
                       for l, w in enumerate(_as_list(weights, f"{where}: layers")))
            bs = tuple(tuple(parse_rational(v, f"{where}: layer {l} bias[{i}]")
                             for i, v in enumerate(_as_list(b, f"{where}: layer {l} bias")))
                       for l, b in enumerate(_as_list(biases, f"{where}: layers")))
        except ValueError as exc:
            raise InputError(str(exc)) from None
        try:
            return cls(ws, bs)
        except InputError as exc:
            raise InputError(str(exc).replace("network:", f"{where}:", 1)) from None

    @classmethod
    def from_numpy(cls, weights: Sequence[Any], biases: Sequence[Any],
                   layout: str = "out-in", max_denominator: int | None = None) -> Network:
        """Return a network from NumPy arrays (or nested lists), every float taken exactly.

        ``layout`` is ``"out-in"`` (``weights[l]`` is (N_{l+1}, N_l), as in PyTorch and
        exactid) or ``"in-out"`` (its transpose, as in ``x @ W`` code, Keras and
        scikit-learn); the shapes must chain. A bias may be (n,), (1, n) or (n, 1), or
        None for zeros. ``max_denominator`` rounds every parameter to the nearest
        rational with a denominator at most that (see docs/models.md).

        >>> import numpy as np
        >>> Network.from_numpy([np.array([[0.5], [0.25]], dtype=np.float32)],
        ...                    [np.zeros((1, 1))], layout="in-out").weights[0]
        ((Fraction(1, 2), Fraction(1, 4)),)
        """
        from .formats.arrays import network_from_arrays
        from .formats.models import rationalize_network

        net = network_from_arrays(weights, biases, layout, "from_numpy")
        return net if max_denominator is None else rationalize_network(net, max_denominator)[0]

    @classmethod
    def from_torch(cls, module: Any, max_denominator: int | None = None) -> Network:
        """Return the network of a PyTorch ``nn.Sequential`` of ``Linear`` and ``ReLU``
        layers (``Flatten``, ``Dropout`` allowed); a final ``Softmax`` or ``LogSoftmax``
        is dropped: the network is the logits. Floats are taken exactly."""
        from .formats.models import rationalize_network
        from .formats.torch_model import network_from_torch

        net = network_from_torch(module)[0]
        return net if max_denominator is None else rationalize_network(net, max_denominator)[0]

    @classmethod
    def from_sklearn(cls, mlp: Any, max_denominator: int | None = None) -> Network:
        """Return the network of a fitted scikit-learn ``MLPRegressor`` or
        ``MLPClassifier`` with ``activation="relu"``. For a classifier the network is the
        logits: the output activation (softmax or logistic) is left out."""
        from .formats.models import rationalize_network
        from .formats.sklearn_model import network_from_sklearn

        net = network_from_sklearn(mlp)[0]
        return net if max_denominator is None else rationalize_network(net, max_denominator)[0]

    # ----------------------------------------------------------------- counts
    @property
    def widths(self) -> tuple[int, ...]:
        """Widths (N_0, ..., N_L)."""
        return (len(self.weights[0][0]),) + tuple(len(w) for w in self.weights)

    @property
    def depth(self) -> int:
        """L, the number of weight layers (hidden layers plus the output layer)."""
        return len(self.weights)

    @property
    def hidden_widths(self) -> tuple[int, ...]:
        """Widths of the hidden layers (N_1, ..., N_{L-1})."""
        return self.widths[1:-1]

    @property
    def n_params(self) -> int:
        """Npar = sum_l N_l (N_{l-1} + 1)."""
        w = self.widths
        return sum(w[l + 1] * (w[l] + 1) for l in range(self.depth))

    @property
    def n_hidden(self) -> int:
        """H, the number of hidden neurons."""
        return sum(self.hidden_widths)

    @property
    def dimension(self) -> int:
        """D = Npar - H, the largest possible rank of the parameter Jacobian
        (docs/theory/local.md §4)."""
        return self.n_params - self.n_hidden

    @property
    def n_inputs(self) -> int:
        return self.widths[0]

    @property
    def n_outputs(self) -> int:
        return self.widths[-1]

    def hidden_neurons(self) -> list[tuple[int, int]]:
        """All hidden neurons as (hidden layer, index) pairs, 0-based, in order."""
        return [(l, j) for l, n in enumerate(self.hidden_widths) for j in range(n)]

    # ------------------------------------------------------------- flat params
    def flat_parameters(self) -> list[Fraction]:
        """Parameters in the flat order of
        docs/theory/local.md §1.2: W_1..W_L row-major, then b_1..b_L."""
        flat = [v for w in self.weights for row in w for v in row]
        flat += [v for b in self.biases for v in b]
        return flat

    def weight_index(self, layer: int, row: int, col: int) -> int:
        """Flat index of ``weights[layer][row][col]``."""
        w = self.widths
        offset = sum(w[l + 1] * w[l] for l in range(layer))
        return offset + row * w[layer] + col

    def bias_index(self, layer: int, row: int) -> int:
        """Flat index of ``biases[layer][row]``."""
        w = self.widths
        offset = sum(w[l + 1] * w[l] for l in range(self.depth))
        return offset + sum(w[l + 1] for l in range(layer)) + row

    def with_flat_parameters(self, flat: Sequence[Fraction]) -> Network:
        """Return the network with the same widths and the given flat parameters."""
        if len(flat) != self.n_params:
            raise InputError(f"network: expected {self.n_params} parameters, got {len(flat)}")
        w = self.widths
        pos = 0
        weights = []
        for l in range(self.depth):
            rows = []
            for _ in range(w[l + 1]):
                rows.append(tuple(Fraction(v) for v in flat[pos:pos + w[l]]))
                pos += w[l]
            weights.append(tuple(rows))
        biases = []
        for l in range(self.depth):
            biases.append(tuple(Fraction(v) for v in flat[pos:pos + w[l + 1]]))
            pos += w[l + 1]
        return Network(tuple(weights), tuple(biases))

    # -------------------------------------------------------------- evaluation
    def preactivations(self, x: Sequence[Any]) -> list[list[Fraction]]:
        """Return z_1(x), ..., z_L(x) exactly (the last entry is the output)."""
        point = _as_point(x, self.n_inputs)
        zs = []
        f = point
        for w, b in zip(self.weights, self.biases):
            z = [sum((wi * fi for wi, fi in zip(row, f)), Fraction(0)) + bi
                 for row, bi in zip(w, b)]
            zs.append(z)
            f = [v if v > 0 else Fraction(0) for v in z]
        return zs

    def __call__(self, x: Sequence[Any]) -> tuple[Fraction, ...]:
        """Return f_theta(x) exactly."""
        return tuple(self.preactivations(x)[-1])

    def pattern(self, x: Sequence[Any]) -> tuple[tuple[int, ...], ...]:
        """Return the activation pattern at x (one 0/1 tuple per hidden layer).

        Raises ``InputError`` if x lies on a kink (some hidden pre-activation is 0).
        """
        zs = self.preactivations(x)[:-1]
        for l, z in enumerate(zs):
            for j, v in enumerate(z):
                if v == 0:
                    raise InputError(f"point lies on the kink of hidden layer {l} neuron {j}")
        return tuple(tuple(int(v > 0) for v in z) for z in zs)

    def forward(self, samples: Sequence[Sequence[Fraction]]) -> ForwardPass:
        """Return the exact forward pass at all samples, as integer matrices."""
        return ForwardPass.compute(self, samples)

    def activations(self, samples: Sequence[Sequence[Fraction]]) -> Activations:
        """Return the exact activation patterns and kinks at all samples (fast path)."""
        return certified_activations(self, samples)


def _array(values: list[int], nrows: int, ncols: int) -> np.ndarray:
    """Integers as an int64 array when they fit, else as an object array of Python ints."""
    try:
        arr = np.array(values, dtype=np.int64)
    except OverflowError:
        arr = np.array(values, dtype=object)
    return arr.reshape(nrows, ncols)


@dataclass(frozen=True)
class Activations:
    """Activation patterns at n samples, exactly decided.

    ``active[l]`` (n x N_{l+1}, int64 0/1) is the pattern of hidden layer l (strict rule:
    1 iff z > 0); ``zeros`` lists every (sample, hidden layer, neuron) with z = 0.
    """

    active: tuple[np.ndarray, ...]
    zeros: tuple[tuple[int, int, int], ...]

    def activation_counts(self) -> list[list[int]]:
        """For each hidden layer and neuron, the number of samples where z > 0."""
        return [[int(c) for c in layer.sum(axis=0)] for layer in self.active]


_U = 2.0 ** -53                  # unit roundoff of binary64
_SMALLEST_NORMAL = 2.0 ** -1022
_TINY = 2.0 ** -1000             # absolute slack, a normal number far above every underflow
_C_PROP = 1.0 + 2.0 ** -20       # coefficient of the propagated input error
_MAX_TERMS = 2 ** 31             # (k + 1) u <= 2^-22 below this many terms per dot product
_EXACT_INT = 2 ** 53             # integers up to this magnitude are exact in binary64


def _float_matrix(rows: Sequence[Sequence[Fraction]], ncols: int) -> tuple[np.ndarray, np.ndarray]:
    """Correctly rounded float64 values of a matrix of rationals (as ``float(v)`` gives).

    Returns the n x ncols array and a boolean mask of the rows holding an entry too large
    for float64 (such a row is left 0). Fast path: numerators and denominators of
    magnitude <= 2^53 are exact in float64 and IEEE division rounds correctly, so
    ``num / den`` is the correctly rounded quotient; other entries use ``float(v)``.
    """
    nrows = len(rows)
    out = np.zeros((nrows, ncols))
    bad = np.zeros(nrows, dtype=bool)
    parts = _int64_parts(rows, ncols)
    if parts is None:
        rest = np.argwhere(np.ones((nrows, ncols), dtype=bool))
    else:
        num, den = parts
        small = (num <= _EXACT_INT) & (num >= -_EXACT_INT) & (den <= _EXACT_INT)
        np.divide(num, den, out=out, where=small)
        rest = np.argwhere(~small)
    for i, j in rest.tolist():
        if bad[i]:
            continue
        try:
            out[i, j] = float(rows[i][j])
        except OverflowError:
            bad[i] = True
    out[bad] = 0.0
    return out, bad


def certified_activations(net: Network, samples: Sequence[Sequence[Fraction]]) -> Activations:
    """Return the exact activation patterns, using float64 only as a verified hint.

    Each hidden pre-activation z = sum_i w_i f_i + b (k inputs) is computed in float64 by
    matrix products, with a bound B >= |z - z^|; a sign is accepted only when |z^| > B,
    and every sample with an undecided sign (or any non-finite value, or an entry too
    large for float64) is evaluated exactly with Fractions instead; a network whose
    hidden weights or biases do not fit float64 is evaluated exactly throughout.

    Proof that B is sound, for every IEEE case. Let u = 2^-53 and h = 2^-1022. Every
    binary64 operation (+, -, *, fma) with a finite result obeys fl(x) = x(1+d) + a,
    |d| <= u, |a| <= h: a is the underflow error (<= 2^-1075 with gradual underflow, still
    <= h if results are flushed to zero). Overflow yields +-inf, and inf or nan never turn
    finite again in a sum, so a finite result proves that no operation in it overflowed.
    ``float(v)`` is correctly rounded: |v - v^| <= u|v^| if v^ is normal, <= h otherwise
    (v underflowing to 0.0 or to a subnormal); t = 1 flags a layer with a nonzero weight
    whose v^ is not normal. Let f^, e be the layer input and its error bound
    (|f - f^| <= e; for samples e = 2u|f^| + 2^-1000 >= u|f^| + h), M = sum |w^_i||f^_i|
    + |b^|, P = sum |w^_i| e_i, S = sum (|f^_i| + e_i).
    (1) Whatever the summation order of the BLAS (blocking, threads, fma), each of the
    k+1 terms of z^ = fl(f^ . w^ + b^) undergoes at most k+1 roundings in at most 2k
    operations, so |z^ - (f^ . w^ + b^)| <= gamma_{k+1} M + 3k h.
    (2) wf - w^f^ = (w - w^) f + w^ (f - f^) gives |(f . w + b) - (f^ . w^ + b^)|
    <= u M + (1+u) P + t h S + h.
    (3) M, P, S are sums of nonnegative terms whose computed values satisfy fl(x) >=
    x(1-u) - h, so e.g. M <= rho (M^ + 2k h) with rho = (1-u)^-(k+1) <= 1 + 2^-21, as
    (k+1)u <= 2^-22 (longer dot products go to the exact path).
    Hence |z - z^| <= (gamma_{k+1} + u) rho M^ + (1+u) rho P^ + t h rho S^ + (6k+7) h,
    and B = 2(k+2)u M^ + (1 + 2^-20) P^ [+ 2^-1000 S^] + (k+1) 2^-1000, evaluated in
    float (<= 6 more roundings down, each absorbed by the slack of every coefficient),
    is at least that whenever B and z^ are finite. ReLU is 1-Lipschitz, so B bounds the
    error of the next layer's input; rows already undecided are zeroed so that no inf or
    nan reaches the matrix products.
    """
    n = len(samples)
    hidden = net.depth - 1
    if n == 0 or hidden == 0:
        return Activations(tuple(np.zeros((n, w), dtype=np.int64) for w in net.hidden_widths),
                           ())
    layers = []
    for l in range(hidden):
        w, bad = _float_matrix(net.weights[l], net.widths[l])
        b, bad_b = _float_matrix([net.biases[l]], net.widths[l + 1])
        if bad.any() or bad_b.any() or net.widths[l] + 1 > _MAX_TERMS:
            return _exact_activations(net, samples, range(n), None)
        tiny = any(net.weights[l][i][j] != 0
                   for i, j in np.argwhere(np.abs(w) < _SMALLEST_NORMAL).tolist())
        wt = np.ascontiguousarray(w.T)
        layers.append((wt, np.abs(wt), b[0], np.abs(b[0]), tiny))
    f, unsure = _float_matrix(samples, net.n_inputs)
    absf = np.abs(f)
    err = absf * (2 * _U) + _TINY
    active = []
    with np.errstate(all="ignore"):
        for wt, at, b, ab, tiny in layers:
            k = wt.shape[0]
            z = f @ wt + b
            bound = (2 * (k + 2) * _U) * (absf @ at + ab) + _C_PROP * (err @ at) + (k + 1) * _TINY
            if tiny:
                bound += _TINY * (absf + err).sum(axis=1, keepdims=True)
            ok = np.isfinite(z) & np.isfinite(bound) & (np.abs(z) > bound)
            unsure |= ~ok.all(axis=1)
            active.append((z > 0).astype(np.int64))
            f = absf = np.maximum(z, 0.0)
            err = bound
            f[unsure] = 0.0
            err[unsure] = 0.0
    return _exact_activations(net, samples, np.flatnonzero(unsure), tuple(active))


def _exact_activations(net: Network, samples: Sequence[Sequence[Fraction]],
                       rows: Iterable[int], hint: tuple[np.ndarray, ...] | None) -> Activations:
    """Patterns with the given rows recomputed exactly (all rows when there is no hint)."""
    n = len(samples)
    active = [np.zeros((n, w), dtype=np.int64) for w in net.hidden_widths] if hint is None \
        else [a.copy() for a in hint]
    zeros = []
    for i in rows:
        for l, z in enumerate(net.preactivations(samples[i])[:-1]):
            for j, v in enumerate(z):
                active[l][i, j] = int(v > 0)
                if v == 0:
                    zeros.append((int(i), l, j))
    return Activations(tuple(active), tuple(sorted(zeros)))


@dataclass(frozen=True)
class LayerStep:
    """One layer of the exact forward pass in integer form (:func:`exact_layers`):
    ``z`` (n x N_{l+1}) divided by ``d`` is the pre-activation of layer l+1, ``z_values``
    its entries row by row as Python ints; for a hidden layer, ``f`` = ReLU(z) is f_(l+1)
    times d, ``f_values`` its entries (both None for the output layer)."""

    z: flint.fmpz_mat
    d: int
    z_values: list[int]
    f: flint.fmpz_mat | None
    f_values: list[int] | None


def layer_denominators(net: Network, dx: int) -> Iterator[tuple[int, int, int]]:
    """Per layer l: the lcm dw of the denominators of W_l, db of b_l, and d, the common
    denominator of z_(l+1) when the samples have the common denominator dx."""
    fden = dx
    for w, b in zip(net.weights, net.biases):
        dw, db = _lcm_of_denominators(chain.from_iterable(w)), _lcm_of_denominators(b)
        fden = math.lcm(fden * dw, db)
        yield dw, db, fden


def exact_layers(net: Network, n: int, flat: list[int], dx: int) -> Iterator[LayerStep]:
    """The exact forward pass, one layer at a time (a consumer that needs the first layers
    only stops early): ``flat`` holds the n samples times dx, row by row."""
    flint = load_flint()
    f, fden = flint.fmpz_mat(n, net.n_inputs, flat), dx
    ones = flint.fmpz_mat(n, 1, [1] * n)
    last = net.depth - 1
    for l, (dw, db, d) in enumerate(layer_denominators(net, dx)):
        w, b = net.weights[l], net.biases[l]
        wt = _int_matrix(w, dw).transpose() * (d // (fden * dw))  # scaled before the product
        z = f * wt + ones * (_int_matrix([b], db) * (d // db))
        values = list(map(int, z.entries()))
        if l == last:
            yield LayerStep(z, d, values, None, None)
            return
        relu = [v if v > 0 else 0 for v in values]  # Python ints: no object-array passes
        f, fden = flint.fmpz_mat(n, len(w), relu), d
        yield LayerStep(z, d, values, f, relu)


@dataclass(frozen=True)
class ForwardPass:
    """Exact forward pass of a network at n samples, in integer form.

    ``pre[l]`` (n x N_{l+1}) divided by ``den[l]`` is the pre-activation of layer l+1 (the
    last one is the output); ``post[l]`` (n x N_l) divided by ``post_den[l]`` is f_l, with
    ``post[0]`` the samples, and ``post_values[l]`` the same integers as a NumPy array.
    ``activations`` holds the exact patterns and the kinks.
    """

    pre: tuple[flint.fmpz_mat, ...]
    den: tuple[int, ...]
    post: tuple[flint.fmpz_mat, ...]
    post_den: tuple[int, ...]
    post_values: tuple[np.ndarray, ...]
    activations: Activations

    @staticmethod
    def compute(net: Network, samples: Sequence[Sequence[Fraction]]) -> ForwardPass:
        n = len(samples)
        dx = _lcm_of_denominators(v for row in samples for v in row)
        flat = _scaled_ints(samples, net.n_inputs, dx)
        pre, den, post, post_den = [], [], [load_flint().fmpz_mat(n, net.n_inputs, flat)], [dx]
        values = [_array(flat, n, net.n_inputs)]
        active, zeros = [], []
        for l, step in enumerate(exact_layers(net, n, flat, dx)):
            pre.append(step.z)
            den.append(step.d)
            if step.f is None:
                break
            width = net.widths[l + 1]
            if 0 in step.z_values:
                zeros += [(i // width, l, i % width) for i, v in enumerate(step.z_values)
                          if v == 0]
            post.append(step.f)
            post_den.append(step.d)
            values.append(_array(step.f_values, n, width))
            active.append(np.fromiter(map(bool, step.f_values), bool, n * width)
                          .reshape(n, width).astype(np.int64))
        return ForwardPass(tuple(pre), tuple(den), tuple(post), tuple(post_den),
                           tuple(values), Activations(tuple(active), tuple(sorted(zeros))))

    def outputs(self) -> list[tuple[Fraction, ...]]:
        """f_theta(x^i) for every sample, exactly."""
        z, d = self.pre[-1], self.den[-1]
        m = z.ncols()
        flat = z.entries()
        return [tuple(Fraction(int(flat[i * m + k]), d) for k in range(m))
                for i in range(z.nrows())]

def _as_list(value: Any, where: str) -> list:
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"{where}: expected a list, got {type(value).__name__}")
    return list(value)


def _as_point(x: Sequence[Any], dim: int, where: str = "point") -> list[Fraction]:
    try:
        point = parse_rationals(x, where)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    if len(point) != dim:
        raise InputError(f"{where}: has dimension {len(point)}, the network expects {dim}")
    return point


_FRACTION_TYPE = {Fraction}


def as_samples(rows: Sequence[Sequence[Any]], dim: int,
               where: str = "samples") -> list[list[Fraction]]:
    """Return samples as lists of Fractions, checking that each has dimension ``dim``."""
    if not isinstance(rows, (list, tuple)):
        raise InputError(f"{where}: expected a list of samples")
    if len(rows) > 1 and all(type(r) is list and len(r) == dim for r in rows):
        try:  # all at once; on an error, row by row below, to name the sample
            flat = parse_rationals([v for r in rows for v in r], where)
            return [flat[i:i + dim] for i in range(0, len(flat), dim)]
        except ValueError:
            pass
    out = []
    for i, r in enumerate(rows):
        if not isinstance(r, (list, tuple)):
            raise InputError(f"{where}: sample {i} is not a list of numbers")
        if len(r) == dim and set(map(type, r)) <= _FRACTION_TYPE:
            out.append(list(r))  # already exact (parsed once, when the file was read)
        else:
            out.append(_as_point(r, dim, f"{where}: sample {i}"))
    return out
