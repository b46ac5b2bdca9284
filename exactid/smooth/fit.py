"""The least-squares fit of a smooth network to evaluations, in NumPy floats (step 6 of
:mod:`exactid.smooth.recover`, docs/theory/smooth.md §5.6 [reconstruction]; fitting every
parameter jointly is our addition).

Parameters are packed layer by layer as (weight rows, shifts), weight rows receiving
neurons as in ``exactid.smooth-network/1``. Untrusted: ``exactid verify-recovery`` measures
the fitted network and its entangled weights exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .network import Activation, SmoothNetwork

__all__ = ["NetworkFit", "decimal", "entangled_float", "fit_network", "forward_params",
           "pack", "parameter_count", "random_start", "to_network"]


def decimal(x: float) -> Fraction:
    """The rational of the shortest decimal text of a float (what a reader of the
    estimate file sees)."""
    return Fraction(repr(float(x)))


@dataclass(frozen=True)
class NetworkFit:
    """The best least-squares fit: float weights and shifts per layer, its relative
    residual ||f_fit - y|| / ||y|| on the samples, which start gave it (0 = the first
    start given, counting on into the random ones) and how many starts were tried."""

    weights: tuple[np.ndarray, ...]
    shifts: tuple[np.ndarray, ...]
    residual_float: float
    start: int
    starts_tried: int


def parameter_count(widths: Sequence[int]) -> int:
    """The number of weights and shifts of a network with widths (D, m_1, ..., m_L)."""
    return sum(b * (a + 1) for a, b in zip(widths, widths[1:]))


def pack(weights: Sequence[np.ndarray], shifts: Sequence[np.ndarray]) -> np.ndarray:
    """The parameter vector of per-layer weight matrices (rows receiving) and shifts."""
    return np.concatenate([np.concatenate([np.ravel(w), np.ravel(t)])
                           for w, t in zip(weights, shifts)])


def _unpack(p: np.ndarray, widths: Sequence[int]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    weights, shifts, k = [], [], 0
    for a, b in zip(widths, widths[1:]):
        weights.append(p[k:k + a * b].reshape(b, a))
        k += a * b
        shifts.append(p[k:k + b])
        k += b
    return weights, shifts


def forward_params(p: np.ndarray, widths: Sequence[int], activation: Activation,
                   output: str, X: np.ndarray) -> np.ndarray:
    """Float outputs (n x outputs) of the network with parameter vector ``p`` at the rows
    of ``X``."""
    return _forward(p, widths, activation, output, X)[0]


def _forward(p, widths, activation, output, X):
    weights, shifts = _unpack(p, widths)
    phi = activation.derivatives_float
    Y, layers = X, []
    for W, t in zip(weights, shifts):
        Z = Y @ W.T + t
        value, d1, _ = phi(Z)
        layers.append((Y, d1, phi(t)[1]))
        Y = value - phi(t)[0]
    return (Y.sum(axis=1, keepdims=True) if output == "sum" else Y), layers


def _jacobian(p, widths, activation, output, X):
    """d outputs / d p, shape (n * outputs, parameters), rows ordered as outputs.ravel()."""
    weights, _ = _unpack(p, widths)
    _, layers = _forward(p, widths, activation, output, X)
    n, mL = len(X), widths[-1]
    seeds = [np.ones((n, mL))] if output == "sum" else [
        np.repeat(np.eye(mL)[j][None], n, axis=0) for j in range(mL)]
    J = np.zeros((n, len(seeds), len(p)))
    for o, e in enumerate(seeds):
        blocks = []
        for l in range(len(weights) - 1, -1, -1):
            Y_in, d1, d1_shift = layers[l]
            delta = e * d1
            blocks.append(np.concatenate([(delta[:, :, None] * Y_in[:, None, :]).reshape(n, -1),
                                          delta - e * d1_shift], axis=1))
            e = delta @ weights[l]
        J[:, o, :] = np.concatenate(blocks[::-1], axis=1)
    return J.reshape(n * len(seeds), len(p))


def random_start(widths: Sequence[int], rng: np.random.Generator) -> np.ndarray:
    """Weights N(0, 1/fan-in) and shifts uniform in [-1, 1]."""
    return pack([rng.standard_normal((b, a)) / np.sqrt(a) for a, b in zip(widths, widths[1:])],
                [rng.uniform(-1, 1, b) for b in widths[1:]])


def fit_network(X: np.ndarray, y: np.ndarray, widths: Sequence[int], activation: Activation,
                output: str, starts: Sequence[np.ndarray], rng: np.random.Generator,
                random_starts: int = 8, tolerance: float = 1e-7,
                max_evaluations: int = 500) -> NetworkFit:
    """The least-squares fit of every weight and shift to the samples (X, y), from each of
    ``starts`` and then up to ``random_starts`` random starts, stopping at the first fit
    whose relative residual is below ``tolerance``; each start is given at most
    ``max_evaluations`` evaluations of the residuals (which bounds the time spent in a
    local minimum).

    Levenberg-Marquardt (scipy) with the exact Jacobian of the parameters when there are
    at least as many residuals as parameters, a trust-region method otherwise.
    """
    from scipy.optimize import least_squares

    y = np.asarray(y, dtype=float).reshape(len(X), -1)
    scale = max(float(np.linalg.norm(y)), 1e-300)
    method = "lm" if y.size >= parameter_count(widths) else "trf"

    def residual(p):
        with np.errstate(over="ignore", invalid="ignore"):
            return np.nan_to_num((forward_params(p, widths, activation, output, X)
                                  - y).ravel(), nan=1e150, posinf=1e150, neginf=-1e150)

    def jacobian(p):
        with np.errstate(over="ignore", invalid="ignore"):
            return np.nan_to_num(_jacobian(p, widths, activation, output, X))

    candidates = list(starts)
    best, best_k, tried = None, 0, 0
    k = 0
    while k < len(candidates) + random_starts:
        start = candidates[k] if k < len(candidates) else random_start(widths, rng)
        sol = least_squares(residual, start, jac=jacobian, method=method,
                            max_nfev=max_evaluations)
        tried += 1
        if best is None or sol.cost < best.cost:
            best, best_k = sol, k
        if np.sqrt(2 * best.cost) / scale < tolerance:
            break
        k += 1
    weights, shifts = _unpack(best.x, widths)
    return NetworkFit(tuple(weights), tuple(shifts), float(np.sqrt(2 * best.cost) / scale),
                      best_k, tried)


def entangled_float(weights: Sequence[np.ndarray], shifts: Sequence[np.ndarray],
                    activation: Activation) -> list[tuple[int, int, np.ndarray]]:
    """(layer, neuron, v_{l,i}) of every neuron (0-based): V_1 = W_1, V_l = V_{l-1} G_{l-1}
    W_l with G_k = diag(phi'(theta_k)) (docs/theory/smooth.md §2), in floats."""
    out = []
    V = np.asarray(weights[0]).T
    for l, W in enumerate(weights):
        if l:
            V = V @ np.diag(activation.derivatives_float(np.asarray(shifts[l - 1]))[1]) @ W.T
        out += [(l, i, V[:, i]) for i in range(V.shape[1])]
    return out


def to_network(fit: NetworkFit, activation: Activation, output: str) -> SmoothNetwork:
    """The ``SmoothNetwork`` of a fit, each float read as the rational of its shortest
    decimal text (what a reader of the estimate file sees)."""
    return SmoothNetwork(activation, output,
                         tuple(tuple(tuple(decimal(v) for v in row) for row in W)
                               for W in fit.weights),
                         tuple(tuple(decimal(v) for v in t) for t in fit.shifts))
