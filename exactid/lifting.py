"""Path lifting phi(theta), activation operator alpha(X, theta) and the Gram matrix.

``docs/theory/local.md`` §2 defines phi and alpha (column order: the Kronecker form of
2.3, P_0 first, then P_1, ..., P_{L-1}, then the empty path beta) and section 7 the Gram
matrix G = alpha alpha^T, computed without alpha from the activation counts
c_l(i, j) = <a^l(x^i), a^l(x^j)>. phi and alpha have exponentially many paths: use them on
small networks only; verdicts use the Gram matrix.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from fractions import Fraction
from itertools import product
from typing import TYPE_CHECKING

import numpy as np

from .linalg import ExactMatrix, fmpz_residues, load_flint
from .modular import matmul_centred, reduce_centred, residues_of_centred
from .network import Activations, Network

if TYPE_CHECKING:
    import flint

__all__ = [
    "activation_operator",
    "bias_path_value",
    "gram_matrix",
    "path_lifting",
    "paths",
    "pattern_rank_bound",
]

Path = tuple[int, tuple[int, ...]]
"""(start layer l, neuron indices in layers l..L-1); layer 0 is the input, start L is beta."""


def paths(net: Network) -> list[Path]:
    """All paths of P in the order of docs/theory/local.md §2.3."""
    widths = net.widths
    last = net.depth  # layer index L of the output; hidden layers are 1..L-1
    out = []
    for start in range(last):
        out += [(start, idx) for idx in product(*(range(widths[m]) for m in range(start, last)))]
    out.append((last, ()))
    return out


def bias_path_value(net: Network, start: int, indices: Sequence[int], output: int) -> Fraction:
    """phi[p, output] for a path starting at layer ``start`` (0 = input, l >= 1 a bias path).

    ``indices`` are the neurons in layers start..L-1 (docs/theory/local.md §2.2).
    """
    last = net.depth
    if start == last:
        return net.biases[last - 1][output]
    value = Fraction(1) if start == 0 else net.biases[start - 1][indices[0]]
    chain = list(indices) + [output]
    for m in range(start, last):
        value *= net.weights[m][chain[m - start + 1]][chain[m - start]]
    return value


def path_lifting(net: Network) -> list[list[Fraction]]:
    """phi(theta) as a |P| x N_L matrix (docs/theory/local.md §2.2)."""
    return [[bias_path_value(net, s, idx, k) for k in range(net.n_outputs)]
            for s, idx in paths(net)]


def activation_operator(net: Network,
                        samples: Sequence[Sequence[Fraction]]) -> list[list[Fraction]]:
    """alpha(X, theta) as an n x |P| matrix (docs/theory/local.md §2.3; ties count as inactive)."""
    rows = []
    all_paths = paths(net)
    for x in samples:
        zs = net.preactivations(x)[:-1]
        act = [[1 if v > 0 else 0 for v in z] for z in zs]
        row = []
        for start, idx in all_paths:
            if start == net.depth:
                row.append(Fraction(1))
                continue
            value = Fraction(x[idx[0]]) if start == 0 else Fraction(1)
            first_hidden = max(start, 1)
            for m in range(first_hidden, net.depth):
                value *= act[m - 1][idx[m - start]]
            row.append(value)
        rows.append(row)
    return rows


def gram_integer(xs: flint.fmpz_mat, dx: int, acts: Activations,
                 cols: Sequence[int] | None = None) -> np.ndarray:
    """The columns ``cols`` (default: all) of G_int = G * dx^2, G the Gram matrix of
    docs/theory/local.md §7 for the samples ``xs / dx``, as a NumPy array of Python integers:

    G[i, j] = <x^i, x^j> prod_l c_l(i, j) + sum_m prod_{l >= m} c_l(i, j) + 1.
    """
    flint = load_flint()
    n = xs.nrows()
    cols = list(range(n)) if cols is None else list(cols)
    picked = flint.fmpz_mat([[xs[j, a] for a in range(xs.ncols())] for j in cols]) \
        if cols else flint.fmpz_mat(0, xs.ncols())
    inner = np.array([int(e) for e in (xs * picked.transpose()).entries()],
                     dtype=object).reshape(n, len(cols))
    scale = dx * dx
    tail = np.ones((n, len(cols)), dtype=object)
    total = np.full((n, len(cols)), scale, dtype=object)  # the "+ 1" term, scaled
    for layer in reversed(acts.active):
        tail = tail * (layer @ layer[cols].T).astype(object)
        total = total + scale * tail
    return total + inner * tail


def gram_matrix(net: Network, samples: Sequence[Sequence[Fraction]]) -> list[list[Fraction]]:
    """The Gram matrix G = alpha alpha^T as Fractions, computed without alpha
    (docs/theory/local.md §7)."""
    fp = net.forward(samples)
    g, s = gram_integer(fp.post[0], fp.post_den[0], fp.activations), fp.post_den[0] ** 2
    return [[Fraction(int(v), s) for v in row] for row in g]


def gram_exact_matrix(xs_int: flint.fmpz_mat, dx: int, acts: Activations) -> ExactMatrix:
    """The integer Gram matrix G_int = G * dx^2 for the rank engine, where ``xs_int`` are
    the samples times their common denominator ``dx``.

    Its residues modulo p come from the same formula (docs/theory/local.md §7) in int64 arithmetic:
    <x^i, x^j> by an exact modular product and the counts c_l by 0/1 products; the exact
    integer matrix is built only if a kernel has to be verified.
    """
    n = xs_int.nrows()

    def residues(p: int) -> np.ndarray:
        return gram_residues(xs_int, dx, acts, p)

    def exact() -> flint.fmpz_mat:
        return load_flint().fmpz_mat(n, n, gram_integer(xs_int, dx, acts).ravel().tolist())

    return ExactMatrix((n, n), residues, exact)


def gram_residues(xs_int: flint.fmpz_mat, dx: int, acts: Activations, p: int,
                  rows: Sequence[int] | None = None,
                  cols: Sequence[int] | None = None) -> np.ndarray:
    """G_int modulo p (``gram_exact_matrix``), or its submatrix G_int[rows, cols] (``cols``
    defaults to ``rows``: a principal submatrix of a Gram matrix is the Gram matrix of those
    samples, so its rank is a lower bound on rank G), for a prime p < 2^26."""
    x = fmpz_residues(xs_int, p)
    masks = list(acts.active)
    if max((m.shape[1] for m in masks), default=0) >= 2**25:
        raise ValueError("hidden layers wider than 2**25 are not supported")
    r_idx = list(range(x.shape[0])) if rows is None else list(rows)
    c_idx = r_idx if cols is None else list(cols)
    # G_int = dx^2 (1 + sum_l T_l) + <x, x> T_1 with T_l = c_l c_(l+1) ... c_(L-1)
    # (docs/theory/local.md §7), computed in float64 on integers whose magnitude is tracked: a
    # product or sum is reduced modulo p (exactid.modular) only when its bound would pass 2^50, so
    # every intermediate value is an exact integer.
    h = (p - 1) // 2
    limit = 2**50
    # <x^i, x^j> as the transpose (a C-ordered view) of the Fortran-ordered product
    inner = matmul_centred(x[c_idx], x[r_idx].T.copy(), p).T
    tail = tails = counts = None
    t_bound = s_bound = 1
    for layer in reversed(masks):
        bits = layer.astype(np.float64)
        # co-activation counts <= width < 2^25: exact
        counts = np.matmul(bits[r_idx], bits[c_idx].T, out=counts)
        width = max(layer.shape[1], 1)
        if tail is None:
            tail, counts, t_bound = counts, None, width
        else:
            if t_bound * width >= limit:
                reduce_centred(tail, p)
                t_bound = h
            np.multiply(tail, counts, out=tail)
            t_bound *= width
        if tails is None:
            tails, s_bound = tail + 1.0, t_bound + 1
        else:
            if s_bound + t_bound >= limit:
                reduce_centred(tails, p)
                s_bound = h
            tails += tail
            s_bound += t_bound
    scale = dx * dx % p
    if tail is None:
        return residues_of_centred(reduce_centred(inner + float(scale), p), p)
    for a, bound in ((tail, t_bound), (tails, s_bound)):
        if bound * p >= limit:
            reduce_centred(a, p)
    np.multiply(inner, tail, out=inner)
    inner += np.multiply(tails, float(scale), out=tails)
    return residues_of_centred(reduce_centred(inner, p), p)


def pattern_rank_bound(acts: Activations, n_inputs: int) -> int:
    """Upper bound on rank alpha: sum over distinct patterns of min(count, N_0 + 1)
    (docs/theory/local.md §7)."""
    d = n_inputs
    patterns = np.packbits(np.concatenate(acts.active, axis=1).astype(bool), axis=1)
    counts = Counter(map(bytes, patterns))  # one key per pattern (its bits, packed)
    return sum(min(c, d + 1) for c in counts.values())
