"""Exact parameter Jacobians of f_theta(X) by backpropagation (``docs/theory/local.md`` §5-6).

Row (i, k) of J is the gradient of output k at sample i (index i * N_L + k); columns
follow the flat parameter order of docs/theory/local.md §1.2. Gamma is J without the frozen edges
(one non-zero outgoing edge per hidden neuron, docs/theory/local.md §4); rank Gamma = rank J
(docs/theory/local.md §5.3).

Large Jacobians are never built entry by entry from Fractions: all denominators are
cleared once, per layer, so that ``J = J_int * diag(column_scale)`` with J_int an integer matrix
(a column scaling, which changes neither the rank nor whether a minor vanishes), obtained
from FLINT integer products and assembled modulo a prime with NumPy.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from .errors import InputError
from .linalg import ExactMatrix, load_flint
from .modular import matmul_mod
from .network import (
    Activations,
    LayerStep,
    Network,
    _int64_parts,
    _int_matrix,
    _lcm_of_denominators,
    _scaled_ints,
    as_samples,
    exact_layers,
    layer_denominators,
)

if TYPE_CHECKING:
    import flint

__all__ = [
    "FrozenEdge",
    "JacobianData",
    "frozen_edges",
    "gamma_columns",
    "jacobian",
    "rescaling_tangents",
]


@dataclass(frozen=True)
class FrozenEdge:
    """The edge ``weights[layer+1][target][neuron]`` frozen for hidden neuron (layer, neuron)."""

    layer: int
    neuron: int
    target: int


def frozen_edges(net: Network) -> list[FrozenEdge]:
    """Return, per hidden neuron, the outgoing edge of largest |weight| (ties: smallest index).

    Raises ``InputError`` if a hidden neuron has no non-zero outgoing weight (theta in S).
    """
    edges = []
    for l, j in net.hidden_neurons():
        column = [abs(row[j]) for row in net.weights[l + 1]]
        best = max(column)
        if best == 0:
            raise InputError(f"hidden layer {l} neuron {j} has all outgoing weights zero")
        edges.append(FrozenEdge(l, j, column.index(best)))
    return edges


def gamma_columns(net: Network, frozen: Sequence[FrozenEdge]) -> list[int]:
    """Flat indices of Gamma's columns: all parameters except the frozen edges."""
    removed = {net.weight_index(e.layer + 1, e.target, e.neuron) for e in frozen}
    return [c for c in range(net.n_params) if c not in removed]


def _inverse(d: int, p: int, inverses: dict[int, int]) -> int:
    inv = inverses.get(d)
    if inv is None:
        inv = inverses[d] = pow(d, -1, p)
    return inv


def _residue_matrix(rows: Sequence[Sequence[Fraction]], p: int, inverses: dict[int, int],
                    parts: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """The residues modulo p (in [0, p)) of a matrix of Fractions, as int64; ``parts``: its
    numerators and denominators as int64 arrays, if already known."""
    ncols = len(rows[0]) if rows else 0
    if parts is None:
        parts = _int64_parts(rows, ncols)
    if parts is None or p >= 2**31:
        return np.array([[v.numerator * _inverse(v.denominator, p, inverses) % p for v in row]
                         for row in rows], dtype=np.int64).reshape(len(rows), -1)
    num, den = parts
    distinct = np.array(sorted(set(den.ravel().tolist())), dtype=np.int64)
    inv = np.array([_inverse(d, p, inverses) for d in distinct.tolist()], dtype=np.int64)
    # np.unique is avoided: it imports numpy.ma, a fifth of a small command's run time
    return num % p * inv[np.searchsorted(distinct, den)] % p  # each product < 2^62


def _fmpz_product(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a @ b for NumPy arrays of integers, multiplied by FLINT (NumPy's object dot is slow)
    unless the inner dimension is 1 (an outer product: no conversion to FLINT's integers)."""
    m, k = a.shape
    if k == 1:
        return a.astype(object) * b.astype(object)
    flint = load_flint()
    prod = flint.fmpz_mat(m, k, a.ravel().tolist()) * flint.fmpz_mat(k, b.shape[1],
                                                                     b.ravel().tolist())
    return np.array([int(v) for v in prod.entries()], dtype=object).reshape(m, b.shape[1])


@dataclass(frozen=True)
class JacobianData:
    """The parameter Jacobian J at n samples off the kinks, built on demand.

    Modulo a prime p (not dividing any denominator of theta or X), J itself is computed
    by a modular forward and backward pass with NumPy (``residues``). Exactly, the
    integer matrix J_int = J * diag(1 / column_scale) is built from an integer forward pass
    with one common denominator per layer (``exact_int``); ``column_scale[c]`` is a
    positive rational, so J and J_int have the same rank and the same vanishing minors.
    """

    net: Network
    samples: tuple[tuple[Fraction, ...], ...]
    masks: tuple[np.ndarray, ...]

    @property
    def n(self) -> int:
        return len(self.samples)

    @property
    def nrows(self) -> int:
        return self.n * self.net.n_outputs

    @cached_property
    def sample_parts(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Numerators and denominators of the samples as int64 arrays (None if too large)."""
        return _int64_parts(self.samples, self.net.n_inputs)

    @cached_property
    def denominators(self) -> int:
        """lcm of every denominator of theta and X: primes dividing it are avoided."""
        dws = [math.lcm(dw, db) for dw, db, _ in layer_denominators(self.net, 1)]
        return math.lcm(self.sample_denominator, *dws)

    @cached_property
    def samples_int(self) -> tuple[flint.fmpz_mat, int]:
        """The samples times the lcm ``dx`` of their denominators (an integer matrix), and dx."""
        dx = self.sample_denominator
        return _int_matrix(self.samples, dx), dx

    def _modular(self, p: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Residues of (f_0, ..., f_{L-1}) and of W_1, ..., W_L modulo p."""
        if self.denominators % p == 0:
            raise ValueError(f"the prime {p} divides a denominator")
        inverses: dict[int, int] = {}
        weights = [_residue_matrix(w, p, inverses) for w in self.net.weights]
        posts = [_residue_matrix(self.samples, p, inverses, self.sample_parts)]
        for l in range(self.net.depth - 1):
            b = _residue_matrix([self.net.biases[l]], p, inverses)
            z = (matmul_mod(posts[-1], weights[l].T.copy(), p) + b) % p
            posts.append(z * self.masks[l])
        return posts, weights

    @cached_property
    def sample_denominator(self) -> int:
        """dx, the lcm of the denominators of the samples."""
        parts = self.sample_parts
        return math.lcm(*set(parts[1].ravel().tolist())) if parts is not None else \
            _lcm_of_denominators(v for row in self.samples for v in row)

    @cached_property
    def _exact_weights(self) -> tuple[list[np.ndarray], tuple[Fraction, ...]]:
        """Integer weights and the column scale of J_int."""
        net = self.net
        dx = self.sample_denominator
        scales = list(layer_denominators(net, dx))
        dws = [dw for dw, _, _ in scales]
        post_den = [dx] + [d for _, _, d in scales]
        weights = [np.array(_scaled_ints(net.weights[l], net.widths[l], dws[l]),
                            dtype=object).reshape(net.widths[l + 1], net.widths[l])
                   for l in range(net.depth)]
        # The true gradient with respect to z_{l+1} is the integer one divided by tail[l].
        tail = [math.prod(dws[l + 1:]) for l in range(net.depth)]
        scale_w, scale_b = [], []
        for l in range(net.depth):
            size = net.widths[l + 1] * net.widths[l]
            scale_w += [Fraction(1, tail[l] * post_den[l])] * size
            scale_b += [Fraction(1, tail[l])] * net.widths[l + 1]
        return weights, tuple(scale_w + scale_b)

    @cached_property
    def _exact_pass(self) -> tuple[list[np.ndarray], Iterator[LayerStep]]:
        """Integer f_l computed so far (object arrays) and the rest of the exact pass."""
        dx = self.sample_denominator
        flat = _scaled_ints(self.samples, self.net.n_inputs, dx)
        first = np.array(flat, dtype=object).reshape(self.n, self.net.n_inputs)
        return [first], exact_layers(self.net, self.n, flat, dx)

    def _exact_posts(self, count: int) -> list[np.ndarray]:
        """Integer f_0, ..., f_(count-1): the exact forward pass is run only that far."""
        posts, steps = self._exact_pass
        while len(posts) < count:
            step = next(steps)
            width = self.net.widths[len(posts)]
            posts.append(np.array(step.f_values, dtype=object).reshape(self.n, width))
        return posts

    @property
    def column_scale(self) -> tuple[Fraction, ...]:
        return self._exact_weights[1]

    def _segments(self, cols: np.ndarray) -> list[tuple[int, bool, slice | np.ndarray,
                                                        np.ndarray | None]]:
        """Where each block of parameters goes among ``cols``: per layer l, its weights then
        its bias, as (l, is bias, positions in ``cols`` -- a slice when consecutive --,
        indices within the block, or None when the block is taken whole and in order)."""
        sizes = [w * v for v, w in zip(self.net.widths, self.net.widths[1:])]
        blocks = [(l, False, size) for l, size in enumerate(sizes)] + \
            [(l, True, width) for l, width in enumerate(self.net.widths[1:])]
        found, lo = [], 0
        for l, bias, size in blocks:
            pos = np.flatnonzero((cols >= lo) & (cols < lo + size))
            local = cols[pos] - lo
            lo += size
            if not pos.size:
                continue
            if pos[-1] - pos[0] == pos.size - 1:
                found.append((l, bias, slice(int(pos[0]), int(pos[-1]) + 1),
                              None if pos.size == size and (np.diff(local) == 1).all()
                              else local))
            else:
                found.append((l, bias, pos, local))
        return found

    def _rows(self, posts: list[np.ndarray], weights: list[np.ndarray], part: slice | np.ndarray,
              cols: np.ndarray, p: int, out: np.ndarray | None = None) -> np.ndarray:
        """Rows of J[:, cols] modulo p for the samples in ``part``, sample-major, written into
        ``out`` (any integer dtype holding [0, p); by default a new int64 array). Each block
        of parameters goes straight to its columns: no whole-Jacobian intermediate."""
        nout = self.net.n_outputs
        masks = [m[part] for m in self.masks]
        f = [v[part] for v in posts]
        n = f[0].shape[0]
        if out is None:
            out = np.empty((n * nout, len(cols)), dtype=np.int64)
        segments = self._segments(cols)
        widths = self.net.widths
        # one buffer for every weight block: no new pages, and a C-ordered product
        buf = np.empty(n * max(a * b for a, b in zip(widths, widths[1:])), dtype=np.int64)
        for k in range(nout):
            grads = self._gradients(weights, masks, n, k, p)
            rows = out[k::nout]
            for l, bias, pos, local in segments:
                if bias:
                    block = grads[l]
                else:
                    shape = (n, widths[l + 1], widths[l])
                    block = buf[:math.prod(shape)].reshape(shape)
                    np.multiply(grads[l][:, :, None], f[l][:, None, :], out=block)
                    block = block.reshape(n, -1)
                    block %= p  # products of residues below 2^26: below 2^52
                if local is None:
                    rows[:, pos] = block
                elif isinstance(pos, slice):  # no gathered copy: straight to its columns
                    np.take(block, local, axis=1, out=rows[:, pos], mode="clip")
                else:
                    rows[:, pos] = block[:, local]
        return out

    def _gradients(self, weights: list[np.ndarray], masks: list[np.ndarray], n: int, k: int,
                   modulus: int | None, lowest: int = 0) -> list[np.ndarray | None]:
        """Gradients of output k with respect to z_1, ..., z_L (integer or mod ``modulus``),
        from the top down to z_(lowest+1) (None below)."""
        dtype = np.int64 if modulus else object
        g = np.zeros((n, self.net.n_outputs), dtype=dtype)
        g[:, k] = 1
        grads: list[np.ndarray | None] = [g]
        for l in range(self.net.depth - 2, lowest - 1, -1):
            g = (matmul_mod(g, weights[l + 1], modulus) if modulus
                 else _fmpz_product(g, weights[l + 1])) * masks[l]
            grads.insert(0, g)
        return [None] * (len(self.net.weights) - len(grads)) + grads

    def residue_blocks(self, p: int, columns: Sequence[int], first_rows: int = 0,
                       rows_per_block: int = 4096) -> Iterator[np.ndarray]:
        """J[:, columns] modulo p as blocks of consecutive rows (residues in [0, p)), so that
        a large Jacobian is never held whole: its rank is computed block by block.

        The first block has at least ``first_rows`` rows (an elimination does most of its
        work, in large matrix products, on its first block); it is int32 when p < 2^31.
        """
        posts, weights = self._modular(p)
        cols = np.asarray(list(columns), dtype=np.intp)
        nout = self.net.n_outputs
        step = max(1, rows_per_block // nout)
        first = min(self.n, -(-first_rows // nout))
        if first:
            block = np.empty((first * nout, len(cols)), dtype=np.int32 if p < 2**31 else np.int64)
            for start in range(0, first, step):
                part = slice(start, min(first, start + step))
                self._rows(posts, weights, part, cols, p, block[start * nout:part.stop * nout])
            yield block
            del block
        for start in range(first, self.n, step):
            yield self._rows(posts, weights, slice(start, start + step), cols, p)

    def residue_rows(self, p: int, columns: Sequence[int], rows: Sequence[int]) -> np.ndarray:
        """J[rows, columns] modulo p (int64), computing only the samples of those rows."""
        nout = self.net.n_outputs
        samples = np.array(sorted({r // nout for r in rows}), dtype=np.intp)
        posts, weights = self._modular(p)
        block = self._rows(posts, weights, samples, np.asarray(list(columns), dtype=np.intp), p)
        where = {int(s): a for a, s in enumerate(samples)}
        return block[[where[r // nout] * nout + r % nout for r in rows]]

    def exact_array(self, columns: Sequence[int]) -> np.ndarray:
        """J_int[:, columns] exactly, as a NumPy array of Python integers, computing only
        those columns (all rows)."""
        weights = self._exact_weights[0]
        net, n, nout = self.net, self.n, self.net.n_outputs
        # parameter index -> (layer, receiving neuron, input neuron or -1 for a bias)
        where = []
        for l in range(net.depth):
            where += [(l, i, j) for i in range(net.widths[l + 1]) for j in range(net.widths[l])]
        where += [(l, i, -1) for l in range(net.depth) for i in range(net.widths[l + 1])]
        picked = [where[c] for c in columns]
        # only the layers of the columns: the forward pass up to the highest weight, the
        # backward pass down to the lowest layer
        posts = self._exact_posts(1 + max((l for l, _, j in picked if j >= 0), default=-1))
        lowest = min((l for l, _, _ in picked), default=net.depth - 1)
        out = np.empty((n * nout, len(picked)), dtype=object)
        for k in range(nout):
            grads = self._gradients(weights, list(self.masks), n, k, None, lowest)
            for l in range(net.depth):
                for bias in (False, True):
                    pos = [a for a, (m, _, j) in enumerate(picked) if m == l and (j < 0) == bias]
                    if not pos:
                        continue
                    g = grads[l][:, [picked[a][1] for a in pos]]
                    out[k::nout, pos] = g if bias else g * posts[l][:, [picked[a][2] for a in pos]]
        return out

    def exact_int(self, columns: Sequence[int]) -> flint.fmpz_mat:
        """J_int[:, columns] exactly, computing only those columns (all rows)."""
        arr = self.exact_array(columns)
        return load_flint().fmpz_mat(arr.shape[0], arr.shape[1], arr.ravel().tolist())

    def residues(self, p: int, columns: Sequence[int]) -> np.ndarray:
        """J[:, columns] modulo p (int64), for a prime p below 2**26."""
        posts, weights = self._modular(p)
        return self._rows(posts, weights, slice(None), np.asarray(list(columns), dtype=np.intp), p)

    def matrix(self, columns: Sequence[int]) -> ExactMatrix:
        """J[:, columns] for the rank engine (residues of J, exact form J_int)."""
        cols = list(columns)
        return ExactMatrix((self.nrows, len(cols)), lambda p: self.residues(p, cols),
                           lambda: self.exact_int(cols), avoid=self.denominators)

    def rational_rows(self, rows: Sequence[int], columns: Sequence[int]) -> list[list[Fraction]]:
        """The true rational entries J[rows, columns] (small selections only)."""
        exact = self.exact_int(columns)
        scale = [self.column_scale[c] for c in columns]
        return [[Fraction(int(exact[r, j])) * scale[j] for j in range(len(scale))] for r in rows]


def backpropagate(net: Network, samples: Sequence[Sequence[Fraction]],
                  activations: Activations | None = None) -> JacobianData:
    """Return the parameter Jacobian data at ``samples`` (patterns computed if not given).

    Requires no hidden pre-activation to be zero (the Jacobian is then defined,
    docs/theory/local.md §5.1 Prop. 10 and section 6).
    """
    acts = activations if activations is not None else net.activations(samples)
    if acts.zeros:
        i, l, j = acts.zeros[0]
        raise InputError(f"sample {i} lies on the kink of hidden layer {l} neuron {j}: "
                         "the parameter Jacobian is not defined there")
    return JacobianData(net, tuple(tuple(row) for row in samples), acts.active)


def jacobian(net: Network, samples: Sequence[Sequence[Fraction]],
             reduced: bool = False) -> list[list[Fraction]]:
    """Return the exact parameter Jacobian J (or Gamma when ``reduced``) as Fractions.

    Rows are (sample, output) pairs in sample-major order; columns follow the flat order
    of docs/theory/local.md §1.2, without the frozen edges when ``reduced``
    (docs/theory/local.md §5.1).

    Examples
    --------
    >>> net = Network.from_lists([[[1]], [[2]]], [[0], [0]])
    >>> jacobian(net, [[3]])
    [[Fraction(6, 1), Fraction(3, 1), Fraction(2, 1), Fraction(1, 1)]]
    """
    data = backpropagate(net, as_samples(samples, net.n_inputs))
    columns = gamma_columns(net, frozen_edges(net)) if reduced else range(net.n_params)
    return data.rational_rows(range(data.nrows), list(columns))


def rescaling_tangents(net: Network) -> list[list[Fraction]]:
    """Return the rescaling tangents t_v of docs/theory/local.md §5.3, one per hidden neuron.

    Each satisfies J t_v = 0 at every sample off the kinks; together they prove
    rank J <= D without any rank computation.
    """
    flat = net.flat_parameters()
    tangents = []
    for l, j in net.hidden_neurons():
        t = [Fraction(0)] * net.n_params
        for i in range(net.widths[l]):
            c = net.weight_index(l, j, i)
            t[c] = flat[c]
        c = net.bias_index(l, j)
        t[c] = flat[c]
        for u in range(net.widths[l + 2]):
            c = net.weight_index(l + 1, u, j)
            t[c] = -flat[c]
        tangents.append(t)
    return tangents


def float_jacobian_hint(net: Network, samples: Sequence[Sequence[Fraction]],
                        columns: Sequence[int] | None = None,
                        dtype: type = np.float64) -> np.ndarray:
    """The same Jacobian computed in floating point of type ``dtype`` (float64, or float32
    as a training framework computes gradients), from the weights and samples rounded to
    it, forward and backward: an untrusted baseline for cross-checks only."""
    x = np.array([[float(v) for v in row] for row in samples]).astype(dtype)
    ws = [np.array([[float(v) for v in row] for row in w]).astype(dtype) for w in net.weights]
    bs = [np.array([float(v) for v in b]).astype(dtype) for b in net.biases]
    posts, masks = [x], []
    f = x
    for l in range(net.depth - 1):
        z = f @ ws[l].T + bs[l]
        masks.append((z > 0).astype(dtype))
        f = np.maximum(z, dtype(0))
        posts.append(f)
    n, nout = x.shape[0], net.n_outputs
    out = np.empty((n * nout, net.n_params), dtype=dtype)
    for k in range(nout):
        g = np.zeros((n, nout), dtype=dtype)
        g[:, k] = 1
        grads = [g]
        for l in range(net.depth - 2, -1, -1):
            g = (g @ ws[l + 1]) * masks[l]
            grads.insert(0, g)
        blocks = [(grads[l][:, :, None] * posts[l][:, None, :]).reshape(n, -1)
                  for l in range(net.depth)]
        out[k::nout] = np.concatenate(blocks + grads, axis=1)
    return out if columns is None else out[:, list(columns)]
