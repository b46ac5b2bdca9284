"""The numerical recovery of entangled weights from network evaluations, in NumPy floats
(the pipeline of docs/theory/smooth.md §5 [reconstruction]).

Untrusted by design: every number here is a float hint, and ``exactid verify-recovery``
(:mod:`exactid.smooth.verify`, check X9) measures the result exactly against the true
entangled weights. The steps, each a function below:

1. :func:`hessian_points` and :func:`finite_difference_hessians` -- forward differences
   with step eps at N_H locations ((D+1)(D+2)/2 evaluations each): the unit sphere for
   one layer, a small sphere around 0 for deep networks (§3 consequence 3, §5.6);
2. :func:`subspace` -- the top-m left singular vectors of the stacked Hessians, with the
   gap sigma_m / sigma_(m+1) (§5.2);
3. :func:`rank_one_ascent` -- projected ascent towards rank-one elements, from many
   random starts at once (§5.3);
4. :func:`refine` -- the vector form u <- P(u u^T) u of the same ascent, and a score
   ||P vec(u u^T)||^2 that discards end points far from rank-one elements;
   :func:`cluster` -- signs aligned, k-means into m groups (§5.4);
5. for one layer with a summed output, :func:`fit_shallow` -- scales and shifts by least
   squares on the rest of the budget, giving a network estimate (§4, §5.6);
6. for deep networks (§5.6 [reconstruction]), :func:`assign_layers` -- a heuristic layer
   for each rank-one estimate (with a vector output the gradient of f_j at 0 points along
   v_{L,j}, §2), :func:`reconstruction_start` -- the network of §4 built from them, and
   ``fit.fit_network`` -- every weight and shift by least squares from that start (then
   from random starts) on at most half of the budget; the estimates are then the
   entangled weights of the fitted network (``fit.entangled_float``), each with its layer.
   §4 and §5.6 leave only "the remaining parameters" (diagonal factors, shifts) to least
   squares; refitting all of them jointly is our addition.

Why step 6 refits everything: the Hessians near 0 of a deep network leave WW at first
order in the radius (§3 consequence 3). Measured on TV-S2 and on random 4-4-2 tanh
networks, the top-m singular space holds the m_L Hessians at 0 and then first-order
terms of size proportional to the radius, in and out of WW alike, so shrinking the radius
does not help: one principal angle with WW stays between 44 and 60 degrees at radius 0.5,
0.05 and 0.005, and the ascent finds few of the weights. The rank-one estimates are kept
in the estimate file (``rank_one_estimates``) for comparison.

The network is only ever called through a counter: at most ``budget`` evaluations.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from .fit import (
    decimal,
    entangled_float,
    fit_network,
    pack,
    parameter_count,
    to_network,
)
from .network import Activation, SmoothNetwork, smooth_network_to_doc

__all__ = ["ESTIMATE_FORMAT", "RecoveryResult", "assign_layers", "cluster",
           "finite_difference_hessians", "gradients_at_zero", "hessian_points",
           "rank_one_ascent", "reconstruction_start", "recover", "refine", "subspace"]

ESTIMATE_FORMAT = "exactid.smooth-estimate/1"

FIT_SAMPLES_PER_PARAMETER = 10
"""A deep fit uses at most this many residuals per parameter (and at most half the
budget): more samples slow the fit, and with these every fit of the benchmark that
converged reproduced the network's entangled weights."""

FIT_CONVERGED = 1e-6
"""Relative residual below which a deep least-squares fit counts as reproducing the
network: on noise-free evaluations such a fit reaches about 1e-15, while a local minimum
of a three-layer fit was seen at 1e-4."""


@dataclass(frozen=True)
class RecoveryResult:
    """Estimated entangled weights (unit float vectors, signs aligned) and how they were
    obtained. ``layers[k]`` is the layer of estimate k when known (one layer, or a deep
    network whose least-squares fit converged), else None; ``network`` is a fitted network
    estimate or None. ``rank_one_estimates`` are the end points of the rank-one search
    with their heuristic layers (deep networks; for one layer they are the estimates)."""

    estimates: tuple[tuple[float, ...], ...]
    layers: tuple[int | None, ...]
    evaluations: int
    budget: int
    hessians: int
    singular_values_float: tuple[float, ...]
    gap_float: float | None
    restarts: int
    network: SmoothNetwork | None
    fit_residual_float: float | None
    notes: tuple[str, ...]
    rank_one_estimates: tuple[tuple[float, ...], ...] = ()
    rank_one_layers: tuple[int | None, ...] = ()

    def to_json(self) -> dict:
        """The EST.json document (``exactid.smooth-estimate/1``)."""
        return {
            "format": ESTIMATE_FORMAT,
            "entangled_weights": [{"layer": l, "vector": list(v)}
                                  for l, v in zip(self.layers, self.estimates)],
            "network": None if self.network is None else smooth_network_to_doc(self.network),
            "evaluations": self.evaluations, "budget": self.budget, "hessians": self.hessians,
            "singular_values": list(self.singular_values_float), "gap": self.gap_float,
            "restarts": self.restarts, "fit_residual": self.fit_residual_float,
            "notes": list(self.notes),
            "rank_one_estimates": [{"layer": l, "vector": list(v)} for l, v in
                                   zip(self.rank_one_layers, self.rank_one_estimates)],
        }


class _Counter:
    """The network as a black box that refuses to be called more than ``budget`` times."""

    def __init__(self, f: Callable[[np.ndarray], np.ndarray], budget: int):
        self.f, self.budget, self.used = f, budget, 0

    def __call__(self, X: np.ndarray) -> np.ndarray:
        if self.used + len(X) > self.budget:
            raise RuntimeError("evaluation budget exceeded")  # a bug, never an input error
        self.used += len(X)
        return self.f(X)


def hessian_points(rng: np.random.Generator, count: int, D: int, radius: float) -> np.ndarray:
    """``count`` locations uniform on the sphere of the given radius in R^D."""
    x = rng.standard_normal((count, D))
    return radius * x / np.linalg.norm(x, axis=1, keepdims=True)


def finite_difference_hessians(f: Callable[[np.ndarray], np.ndarray], centres: np.ndarray,
                               eps: float) -> np.ndarray:
    """Forward-difference Hessians (§5.1) of every output at every centre: an array
    (centres, outputs, D, D), from (D+1)(D+2)/2 evaluations per centre."""
    n, D = centres.shape
    iu = np.triu_indices(D)
    E = np.eye(D) * eps
    shifts = np.concatenate([np.zeros((1, D)), E, E[iu[0]] + E[iu[1]]])
    values = f((centres[:, None, :] + shifts[None]).reshape(-1, D)).reshape(n, len(shifts), -1)
    f0, fi, fij = values[:, 0], values[:, 1:D + 1], values[:, D + 1:]
    upper = (fij - fi[:, iu[0]] - fi[:, iu[1]] + f0[:, None]) / eps ** 2
    H = np.zeros((n, values.shape[2], D, D))
    H[:, :, iu[0], iu[1]] = upper.transpose(0, 2, 1)
    H[:, :, iu[1], iu[0]] = upper.transpose(0, 2, 1)
    return H


def subspace(hessians: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray, float | None]:
    """(orthonormal basis D^2 x k of the top-k left singular space with k = min(m,
    columns), all singular values, gap sigma_k / sigma_(k+1) or None) (§5.2)."""
    D = hessians.shape[-1]
    M = hessians.reshape(-1, D * D).T
    U, s, _ = np.linalg.svd(M, full_matrices=False)
    k = min(m, len(s))
    gap = float(s[k - 1] / s[k]) if len(s) > k and s[k] > 0 else None
    return U[:, :k], s, gap


def rank_one_ascent(basis: np.ndarray, rng: np.random.Generator, restarts: int,
                    steps: int = 60, gamma: float = 2.0) -> np.ndarray:
    """Unit vectors u (restarts x D) from projected ascent of ||X||_2 over unit-Frobenius
    X in the span of ``basis`` (§5.3), all restarts at once."""
    D = int(round(np.sqrt(basis.shape[0])))
    X = (rng.standard_normal((restarts, basis.shape[1])) @ basis.T).reshape(-1, D, D)
    X = (X + X.transpose(0, 2, 1)) / 2
    X /= np.linalg.norm(X, axis=(1, 2), keepdims=True)
    for _ in range(steps):
        w, V = np.linalg.eigh(X)
        top = np.argmax(np.abs(w), axis=1)
        lam = w[np.arange(len(w)), top]
        u = V[np.arange(len(w)), :, top]
        X = X + (gamma - 1) * lam[:, None, None] * u[:, :, None] * u[:, None, :]
        X = ((X.reshape(-1, D * D) @ basis) @ basis.T).reshape(-1, D, D)
        X /= np.linalg.norm(X, axis=(1, 2), keepdims=True)
    w, V = np.linalg.eigh(X)
    top = np.argmax(np.abs(w), axis=1)
    return V[np.arange(len(w)), :, top]


def _align_signs(U: np.ndarray) -> np.ndarray:
    idx = np.argmax(np.abs(U), axis=1)
    return U * np.sign(U[np.arange(len(U)), idx])[:, None]


def refine(vectors: np.ndarray, basis: np.ndarray, steps: int = 100
           ) -> tuple[np.ndarray, np.ndarray]:
    """(unit vectors, scores ||P vec(u u^T)||_F^2): the vector form of §5.3 (the SPM
    objective), u <- P(u u^T) u normalised, from the ascent's end points. A score near 1
    means u u^T lies in the estimated space; lower scores are non-rank-one stationary
    points."""
    D = vectors.shape[1]
    U = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    for _ in range(steps):
        outer = (U[:, :, None] * U[:, None, :]).reshape(len(U), -1)
        X = ((outer @ basis) @ basis.T).reshape(-1, D, D)
        U = np.einsum("nij,nj->ni", X, U)
        U /= np.linalg.norm(U, axis=1, keepdims=True)
    outer = (U[:, :, None] * U[:, None, :]).reshape(len(U), -1)
    return U, np.linalg.norm(outer @ basis, axis=1) ** 2


def cluster(vectors: np.ndarray, m: int, scores: np.ndarray | None = None,
            cosine: float = 0.995) -> np.ndarray:
    """Unit centres of at most m k-means clusters of the sign-aligned vectors (§5.4).

    k-means starts from the m largest groups of a greedy grouping (vectors taken by
    decreasing score, joined to the first group within ``cosine``), so that rarely found
    weights are not split away by a random start; empty clusters are dropped."""
    from scipy.cluster.vq import kmeans2

    data = _align_signs(vectors)
    order = np.argsort(-scores) if scores is not None else np.arange(len(data))
    groups: list[list[int]] = []
    for k in order:
        for g in groups:
            if abs(data[g[0]] @ data[k]) >= cosine:
                g.append(int(k))
                break
        else:
            groups.append([int(k)])
    groups.sort(key=len, reverse=True)
    start = np.array([data[g].mean(axis=0) for g in groups[:m]])
    with warnings.catch_warnings():  # an empty cluster is dropped below
        warnings.simplefilter("ignore", UserWarning)
        centres, labels = kmeans2(data, start, minit="matrix")
    kept = np.array([c for j, c in enumerate(centres) if np.any(labels == j)])
    return _align_signs(kept / np.linalg.norm(kept, axis=1, keepdims=True))


def ball_points(rng: np.random.Generator, count: int, D: int) -> np.ndarray:
    """``count`` points uniform in the unit ball of R^D (the least-squares samples)."""
    X = rng.standard_normal((count, D))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    return X * rng.uniform(0, 1, (count, 1)) ** (1 / D)


def gradients_at_zero(f: Callable[[np.ndarray], np.ndarray], D: int, eps: float
                      ) -> np.ndarray:
    """Central-difference gradients at 0 of every output (outputs x D), from 2D
    evaluations. By §2, grad f_j(0) = phi'(theta_{L,j}) v_{L,j} for a vector output, and
    sum_i phi'(theta_{L,i}) v_{L,i} for a summed one."""
    E = np.eye(D) * eps
    values = f(np.concatenate([E, -E]))
    return ((values[:D] - values[D:]) / (2 * eps)).T


def assign_layers(vectors: np.ndarray, widths: Sequence[int], output: str,
                  gradients: np.ndarray, rng: np.random.Generator
                  ) -> tuple[tuple[int | None, ...], list[np.ndarray]]:
    """(a layer for each rank-one estimate or None, and per layer a D x m_l matrix of unit
    columns to start the reconstruction of §4 from) -- a heuristic [reconstruction]:
    §5.6 assumes the layer assignment known.

    Last layer: with a vector output, the gradient of f_j at 0 points along v_{L,j} (§2),
    so the estimate closest to each gradient direction (|cos| >= 0.9) is put in layer L
    and the start uses the gradient directions themselves; with a summed output, the m_L
    estimates with the largest coefficients of grad f(0) in their span. The other
    estimates fill layers 1, ..., L-1 in their order (largest clusters first); random unit
    vectors fill what is missing.
    """
    D, L = widths[0], len(widths) - 1
    layers: list[int | None] = [None] * len(vectors)
    pool = list(range(len(vectors)))
    last: list[np.ndarray] = []
    if output == "vector":
        for g in gradients:
            if not np.linalg.norm(g):
                continue
            g = g / np.linalg.norm(g)
            last.append(g)
            if pool:
                k = max(pool, key=lambda j: abs(vectors[j] @ g))
                if abs(vectors[k] @ g) >= 0.9:
                    layers[k] = L - 1
                    pool.remove(k)
    elif pool:
        c = np.linalg.lstsq(vectors[pool].T, gradients[0], rcond=None)[0]
        for j in np.argsort(-np.abs(c))[:widths[-1]]:
            layers[pool[j]] = L - 1
            last.append(vectors[pool[j]])
        pool = [k for k in pool if layers[k] is None]
    per_layer = []
    for l in range(L):
        if l == L - 1:
            cols = last[:widths[-1]]
        else:
            take, pool = pool[:widths[l + 1]], pool[widths[l + 1]:]
            for k in take:
                layers[k] = l
            cols = [vectors[k] for k in take]
        while len(cols) < widths[l + 1]:
            u = rng.standard_normal(D)
            cols.append(u / np.linalg.norm(u))
        per_layer.append(np.array(cols).T)
    return tuple(layers), per_layer


def reconstruction_start(per_layer: Sequence[np.ndarray], rng: np.random.Generator
                         ) -> np.ndarray:
    """The parameter vector of §4's reconstruction from normalised entangled weights:
    W_1 = V~_1 and W_l = V~_{l-1}^+ V~_l, with the unknown diagonal factors and G_{l-1}
    set to the identity, and small random shifts (the fit adjusts all of them)."""
    weights = [per_layer[0].T]
    for prev, cur in zip(per_layer, per_layer[1:]):
        W = (np.linalg.pinv(prev) @ cur).T
        weights.append(W / np.maximum(np.linalg.norm(W, axis=1, keepdims=True), 1e-300))
    return pack(weights, [rng.uniform(-0.1, 0.1, V.shape[1]) for V in per_layer])


def fit_shallow(f: Callable[[np.ndarray], np.ndarray], directions: np.ndarray,
                activation: Activation, samples: int, rng: np.random.Generator
                ) -> tuple[np.ndarray, np.ndarray, float]:
    """(weights, shifts, relative residual) of sum_k phi(s_k a_k.x + t_k) - phi(t_k) fitted
    to ``samples`` evaluations of the black box by least squares over the scales s_k and
    shifts t_k (the remaining parameters of §4, fitted as in §5.6)."""
    from scipy.optimize import least_squares

    m, D = directions.shape
    X = ball_points(rng, samples, D)
    y = f(X).reshape(-1)
    proj = X @ directions.T

    def residual(p: np.ndarray) -> np.ndarray:
        s, t = p[:m], p[m:]
        phi = activation.derivatives_float
        return (phi(proj * s + t)[0] - phi(t)[0]).sum(axis=1) - y

    best = None
    for _ in range(3):
        start = np.concatenate([rng.uniform(0.5, 2, m) * rng.choice([-1, 1], m),
                                rng.uniform(-1, 1, m)])
        sol = least_squares(residual, start, method="lm" if samples >= 2 * m else "trf")
        if best is None or sol.cost < best.cost:
            best = sol
    s, t = best.x[:m], best.x[m:]
    rel = float(np.linalg.norm(residual(best.x)) / max(np.linalg.norm(y), 1e-300))
    return directions * s[:, None], t, rel


def recover(net: SmoothNetwork, budget: int, seed: int | None = None, eps: float = 1e-3,
            radius: float | None = None, restarts: int | None = None) -> RecoveryResult:
    """Estimate the entangled weights of ``net`` from at most ``budget`` float
    evaluations (docs/theory/smooth.md §5 [reconstruction]; float hints only).

    Parameters
    ----------
    net : SmoothNetwork
        Used only as a black box x -> f(x) in float64 and for its architecture (D, m,
        depth, output), which the pipeline assumes known (§5.6).
    budget : int
        The largest number of network evaluations.
    seed : int, optional
        Seeds every random choice (locations, restarts, k-means, fit samples).
    eps, radius, restarts
        Finite-difference step, radius of the Hessian locations (default 1 for one layer,
        0.05 for deep networks) and number of ascent restarts (default max(200, 20 m)).

    Raises
    ------
    InputError
        When the budget does not pay for one Hessian ((D+1)(D+2)/2 evaluations).

    Example
    -------
    >>> from fractions import Fraction
    >>> from exactid.smooth.network import Activation
    >>> net = SmoothNetwork(Activation("tanh"), "sum", (((1, 0), (0, 1)),),
    ...                     ((Fraction(1, 2), Fraction(-1, 3)),))
    >>> r = recover(net, budget=200, seed=0)
    >>> len(r.estimates), r.evaluations <= 200
    (2, True)
    """
    D, m, L = net.n_inputs, net.n_neurons, net.depth
    per_hessian = (D + 1) * (D + 2) // 2
    rng = np.random.default_rng(seed)
    notes = []
    fit = L == 1 and net.output == "sum"
    fit_samples = budget // 5 if fit else 0
    deep_samples = 0
    if L > 1:
        params = parameter_count(net.widths)
        deep_samples = min(budget // 2, -(-FIT_SAMPLES_PER_PARAMETER * params
                                          // net.n_outputs))
        if deep_samples * net.n_outputs < params:
            deep_samples = 0
            notes.append(f"budget too small for the least-squares fit of all "
                         f"{parameter_count(net.widths)} parameters: rank-one estimates "
                         "only")
    grad_samples = 2 * D if L > 1 else 0
    count = (budget - fit_samples - deep_samples - grad_samples) // per_hessian
    if count < 1 and deep_samples:
        deep_samples = 0
        count = (budget - grad_samples) // per_hessian
        notes.append("budget too small for the least-squares fit and a Hessian: rank-one "
                     "estimates only")
    if count < 1:
        extra = f" (and 2D = {grad_samples} for the gradients at 0)" if grad_samples else ""
        raise InputError(f"--budget {budget}: one Hessian needs (D+1)(D+2)/2 = {per_hessian} "
                         f"evaluations{extra}; give a larger budget")
    if fit and fit_samples < 2 * m:
        fit, fit_samples = False, 0
        count = budget // per_hessian
        notes.append("budget too small for the least-squares fit: entangled weights only")
    f = _Counter(net.forward_float, budget)
    r = radius if radius is not None else (1.0 if L == 1 else 0.05)
    centres = hessian_points(rng, count, D, r)
    H = finite_difference_hessians(f, centres, eps)
    basis, s, gap = subspace(H, m)
    if basis.shape[1] < m:
        notes.append(f"only {basis.shape[1]} Hessians for m = {m} neurons: the subspace "
                     "has fewer dimensions than WW")
    n_restarts = restarts if restarts is not None else max(200, 20 * m)
    U, scores = refine(rank_one_ascent(basis, rng, n_restarts), basis)
    good = scores >= 0.99
    if good.sum() < m:  # keep the best m when noise lowers every score
        good = scores >= np.sort(scores)[-min(m, len(scores))]
    centres_u = cluster(U[good], m, scores[good])
    rank_one = tuple(tuple(float(v) for v in u) for u in centres_u)
    estimates, layers = rank_one, tuple(0 if L == 1 else None for _ in centres_u)
    rank_one_layers = layers
    network, fit_res = None, None
    if L > 1:
        rank_one_layers, per_layer = assign_layers(
            centres_u, net.widths, net.output, gradients_at_zero(f, D, eps), rng)
        layers = rank_one_layers
        if deep_samples:
            estimates, layers, network, fit_res = _fit_deep(
                net, f, deep_samples, reconstruction_start(per_layer, rng), rng, notes)
            if network is None:
                estimates, layers = rank_one, rank_one_layers
    elif fit and len(centres_u) == m:
        W, t, fit_res = fit_shallow(f, centres_u, net.activation, fit_samples, rng)
        network = SmoothNetwork(net.activation, "sum", (tuple(tuple(decimal(v) for v in row)
                                                              for row in W),),
                                (tuple(decimal(v) for v in t),))
    elif L == 1 and net.output != "sum":
        notes.append("vector output: no network estimate (fitted only for a summed output)")
    return RecoveryResult(estimates, layers, f.used, budget, count,
                          tuple(float(v) for v in s), gap, n_restarts, network, fit_res,
                          tuple(notes), rank_one, rank_one_layers)


def _fit_deep(net, f, samples, start, rng, notes):
    """(estimates, layers, network or None, relative residual) of the joint fit of §5.6
    [reconstruction]: the entangled weights of the fitted network when it fits."""
    X = ball_points(rng, samples, net.n_inputs)
    result = fit_network(X, f(X), net.widths, net.activation, net.output, [start], rng)
    how = "the reconstruction of §4" if result.start == 0 else f"random start {result.start}"
    if result.residual_float >= FIT_CONVERGED:
        notes.append(f"deep network: the least-squares fit did not converge (relative "
                     f"residual {result.residual_float:.3g} after {result.starts_tried} "
                     "starts): the estimates are the rank-one estimates with heuristic "
                     "layers")
        return None, None, None, result.residual_float
    notes.append(f"deep network: all weights and shifts fitted by least squares from "
                 f"{how} ({result.starts_tried} starts tried); the estimates are the "
                 "entangled weights of the fitted network, with its layers")
    triples = entangled_float(result.weights, result.shifts, net.activation)
    norms = [float(np.linalg.norm(v)) for _, _, v in triples]
    if not all(np.isfinite(norms)) or min(norms) == 0:
        notes.append("deep network: the fitted network has a zero entangled weight: the "
                     "estimates are the rank-one estimates with heuristic layers")
        return None, None, None, result.residual_float
    vectors = _align_signs(np.array([v / n for (_, _, v), n in zip(triples, norms)]))
    return (tuple(tuple(float(x) for x in v) for v in vectors),
            tuple(l for l, _, _ in triples),
            to_network(result, net.activation, net.output), result.residual_float)
