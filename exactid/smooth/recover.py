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
   squares on the rest of the budget, giving a network estimate (§4, §5.6).

The network is only ever called through a counter: at most ``budget`` evaluations.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ..errors import InputError
from .network import Activation, SmoothNetwork, smooth_network_to_doc

__all__ = ["ESTIMATE_FORMAT", "RecoveryResult", "cluster", "finite_difference_hessians",
           "hessian_points", "rank_one_ascent", "recover", "refine", "subspace"]

ESTIMATE_FORMAT = "exactid.smooth-estimate/1"


@dataclass(frozen=True)
class RecoveryResult:
    """Estimated entangled weights (unit float vectors, signs aligned) and how they were
    obtained. ``layers[k]`` is the layer of estimate k when known (one-layer networks),
    else None; ``network`` is a fitted network estimate or None."""

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


def fit_shallow(f: Callable[[np.ndarray], np.ndarray], directions: np.ndarray,
                activation: Activation, samples: int, rng: np.random.Generator
                ) -> tuple[np.ndarray, np.ndarray, float]:
    """(weights, shifts, relative residual) of sum_k phi(s_k a_k.x + t_k) - phi(t_k) fitted
    to ``samples`` evaluations of the black box by least squares over the scales s_k and
    shifts t_k (the remaining parameters of §4, fitted as in §5.6)."""
    from scipy.optimize import least_squares

    m, D = directions.shape
    X = rng.standard_normal((samples, D))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    X *= rng.uniform(0, 1, (samples, 1)) ** (1 / D)
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


def _decimal(x: float) -> Fraction:
    """The rational of the shortest decimal text of a float (what a reader of the
    estimate file sees)."""
    return Fraction(repr(float(x)))


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
    count = (budget - fit_samples) // per_hessian
    if count < 1:
        raise InputError(f"--budget {budget}: one Hessian needs (D+1)(D+2)/2 = {per_hessian} "
                         "evaluations; give a larger budget")
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
    layers = tuple(0 if L == 1 else None for _ in centres_u)
    if L > 1:
        notes.append("deep network: layers of the estimates not assigned, no network "
                     "estimate (the layer assignment of §5.6 is assumed known there)")
    network, fit_res = None, None
    if fit and len(centres_u) == m:
        W, t, fit_res = fit_shallow(f, centres_u, net.activation, fit_samples, rng)
        network = SmoothNetwork(net.activation, "sum", (tuple(tuple(_decimal(v) for v in row)
                                                              for row in W),),
                                (tuple(_decimal(v) for v in t),))
    elif L == 1 and net.output != "sum":
        notes.append("vector output: no network estimate (fitted only for a summed output)")
    return RecoveryResult(tuple(tuple(float(v) for v in u) for u in centres_u), layers,
                          f.used, budget, count, tuple(float(v) for v in s), gap,
                          n_restarts, network, fit_res, tuple(notes))
