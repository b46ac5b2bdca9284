"""Check an ``exactid.certificate/1`` certificate of kind ``local``, ``regions`` or
``identify`` (docs/certificates.md).

This is the small, trusted path of exactid. It does not import the code that found the
certificate: it re-implements what it needs (reading the network document, the exact
forward pass, Jacobian rows by backpropagation, the Gram matrix, one path-lifting
coordinate; the affine forms and rows of an activation region) and recomputes every
number it can from the embedded network, samples and domain. From the certificate it takes
only evidence that it verifies exactly: indices, a prime, integer kernel vectors, a
perturbed network; for regions, witness points, Motzkin vectors and neighbour indices;
for identifiability, crossing points, a counterexample theta' with a region certificate
of the difference network, or a designed sample with a local certificate.

What it trusts:
- Python integers and FLINT: exact rationals (``fmpq``), exact matrix products over Z and
  Q, determinants modulo a word-size prime (``nmod_mat``) and ``fmpz.is_prime``; NumPy
  arrays of these exact objects (dtype object) for entrywise products and sums;
- NumPy: int64 arithmetic on residues below 2^26 (products below 2^52, sums reduced every
  2^10 terms) for the rows of Gamma and of the Gram matrix modulo a prime (with the
  latter's products of neuron counts exact below 2^36), and, in ``nonsingular.py``, float64
  matrix products whose partial sums stay below 2^51 (the exactness argument is written
  out there and in docs/certificates.md);
- ``exactid.numbers.parse_rational`` for reading exact numbers;
- the mathematics of docs/theory/local.md: Theorems 8 and 9 of BMB22 (sections 8, 12), the
  sufficient test for theta not in Delta_X (3.3), Gamma by backpropagation with any
  non-zero frozen edges (5.3, 6), the Gram formula (7), the activation families (10) and
  the path-lifting invariance (2.5);
- for region certificates, docs/theory/deep_global.md: the affine forms of a region and the
  neighbour rule (2), Motzkin's transposition theorem (3.1, 3.2) and the completeness
  argument of docs/certificates.md;
- for identifiability certificates, the shallow theorem (docs/theory/shallow.md §2) and its
  canonical neurons (1.1), the canonical form of docs/theory/deep_global.md §1.1 and the
  designed-sample argument of docs/theory/deep_global.md §6.2.

Restrictions of this checker: primes must be below 2^64 (word-size modular arithmetic),
decimal exponents in numbers must have at most four digits, and an ``identifiable`` claim
may have at most 40 hidden neurons (condition (iv) is checked by exhaustive search: at 40
neurons it takes seconds and about a gigabyte).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cached_property
from itertools import groupby, pairwise, permutations, product
from typing import Any

import flint
import numpy as np

from exactid.certificates.nonsingular import is_nonsingular_mod
from exactid.numbers import parse_rational

__all__ = ["CheckResult", "check_certificate"]

CERTIFICATE_FORMAT = "exactid.certificate/1"
NETWORK_FORMAT = "exactid.network/1"
DOMAIN_FORMAT = "exactid.domain/1"
_VERDICT_OF_REASON = {
    "C_S": "locally-identifiable",
    "theorem-8": "not-locally-identifiable",
    "never-active": "not-locally-identifiable",
    "always-active": "not-locally-identifiable",
    "gap": "inconclusive",
    "degenerate-neuron": "not-applicable",
    "sample-on-kink": "not-applicable",
}
_BMB22 = "Bona-Pellissier, Malgouyres, Bachoc (NeurIPS 2022)"
# What the checker prints for a verified claim: its own text, never the file's.
_THEOREM_OF_REASON = {
    "C_S": f"Theorem 9 of {_BMB22}: C_S, rank Gamma = D (docs/theory/local.md §8)",
    "theorem-8": f"Theorem 8 of {_BMB22}: C_N fails, R_Gamma = R_A < D (docs/theory/local.md §8)",
    "never-active": "activation certificate: a hidden neuron never active on the sample "
                    "(docs/theory/local.md §10.1)",
    "always-active": "activation certificate: a hidden neuron always active on the sample "
                     "(docs/theory/local.md §10.2)",
    "gap": "none: R_Gamma < R_A and R_Gamma < D, no theorem applies (docs/theory/local.md §8)",
    "degenerate-neuron": "none: theta is in S, a degenerate hidden neuron "
                         "(docs/theory/local.md §3.1)",
    "sample-on-kink": "none: a sample lies on a kink (docs/theory/local.md §3.3)",
}
_THEOREM_OF_VERDICT = {
    "identifiable": ("the shallow theorem: conditions (i)-(iv) hold on the domain "
                     "(docs/theory/shallow.md §2)"),
    "not-identifiable": ("an explicit theta' equal to theta on the domain, not ~P-equivalent "
                         "(docs/theory/shallow.md §4, docs/theory/deep_global.md §4)"),
    "locally-identifiable": (f"C_S on a sample inside the domain (Theorem 9 of {_BMB22}; "
                             "docs/theory/deep_global.md §6.2)"),
    "undecided": "none: no verdict was proved (docs/theory/deep_global.md §7)",
}
# The fields of each part of a certificate (docs/certificates.md); anything else is rejected.
_LOCAL_EVIDENCE = {
    "C_S": ("frozen_edges", "prime", "rows"),
    "theorem-8": ("frozen_edges", "prime", "jacobian_minor", "gram_kernel",
                  "gram_kernel_minor"),
    "gap": ("frozen_edges", "prime", "jacobian_minor", "jacobian_kernel",
            "jacobian_kernel_minor", "gram_minor", "gram_kernel", "gram_kernel_minor"),
    "never-active": ("neuron", "t", "perturbed_network", "path"),
    "always-active": ("neuron", "t", "perturbed_network", "path"),
    "degenerate-neuron": ("neuron", "case"),
    "sample-on-kink": ("sample", "neuron"),
}
_IDENTIFY_EVIDENCE = {
    "identifiable": ("crossing",),
    "not-identifiable": ("counterexample", "difference"),
    "locally-identifiable": ("sample", "local"),
    "undecided": (),
}
_SUM_ENTRIES = 2**20  # sums of Gamma K held at once (``_Theta.gamma_kills``): bounds memory
_BIG_EXPONENT = re.compile(r"[eE]\s*[+-]?\s*0*[1-9]\d{4,}")


@dataclass(frozen=True)
class CheckResult:
    """The outcome of checking one certificate.

    ``messages`` says what failed (on failure) or lists what was verified (on success).
    """

    valid: bool
    verdict: str | None
    reason: str | None
    messages: tuple[str, ...]
    theorem: str | None = None


class _Invalid(Exception):
    """A check failed; the message names the field and the problem."""


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise _Invalid(message)


def _show(value: Any) -> str:
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - e.g. an integer too long to print
        return type(value).__name__
    return text if len(text) <= 60 else text[:57] + "..."


# ------------------------------------------------------------------ reading JSON
# The messages are built only on failure: certificates hold hundreds of thousands of values.
def _dict(value: Any, where: str) -> dict:
    if not isinstance(value, dict):
        raise _Invalid(f"{where}: expected a JSON object, got {_show(value)}")
    return value


def _fields(value: Any, where: str, required: tuple[str, ...],
            optional: tuple[str, ...] = ()) -> dict:
    """A JSON object with exactly the ``required`` fields and some of the ``optional`` ones:
    a field the checker would not read could otherwise carry a claim it never verified."""
    doc = _dict(value, where)
    unknown = sorted(set(doc) - set(required) - set(optional))
    if unknown:
        raise _Invalid(f"{where}.{unknown[0]}: unknown field (not part of this certificate "
                       "kind)")
    missing = [key for key in required if key not in doc]
    if missing:
        raise _Invalid(f"{where}.{missing[0]}: missing field")
    return doc


def _list(value: Any, where: str, length: int | None = None) -> list:
    if not isinstance(value, list):
        raise _Invalid(f"{where}: expected a JSON array, got {_show(value)}")
    _require(length is None or len(value) == length,
             f"{where}: expected {length} entries, got {len(value)}")
    return value


def _int(value: Any, where: str, low: int | None = None, high: int | None = None) -> int:
    if type(value) is not int:
        raise _Invalid(f"{where}: expected a JSON integer, got {_show(value)}")
    if (low is not None and value < low) or (high is not None and value >= high):
        raise _Invalid(f"{where}: {_show(value)} is not in [{low}, {high})")
    return value


def _number(value: Any, where: str) -> flint.fmpq:
    if type(value) is str and (known := _TEXTS.get(value)) is not None:
        return known  # sample files repeat their values (pixels k/255)
    if isinstance(value, str) and _BIG_EXPONENT.search(value):
        raise _Invalid(f"{where}: exponent too large in {_show(value)}")
    try:
        q = parse_rational(value, where)
    except ValueError as exc:
        raise _Invalid(str(exc)) from None
    number = flint.fmpq(q.numerator, q.denominator)
    if type(value) is str and len(_TEXTS) < 1 << 16:
        _TEXTS[value] = number
    return number


_TEXTS: dict[str, flint.fmpq] = {}
"""Numbers already read, by their text (fmpq values are immutable)."""


def _network(doc: Any, where: str) -> tuple[list, list]:
    """Return (weights, biases) of a network document as nested lists of fmpq."""
    doc = _fields(doc, where, ("format", "layers"))
    _require(doc.get("format") == NETWORK_FORMAT,
             f"{where}.format: expected {NETWORK_FORMAT!r}, got {_show(doc.get('format'))}")
    layers = _list(doc.get("layers"), f"{where}.layers")
    _require(len(layers) >= 2, f"{where}.layers: needs at least 2 layers (one hidden layer)")
    weights: list = []
    biases: list = []
    for l, layer in enumerate(layers):
        at = f"{where}.layers[{l}]"
        layer = _fields(layer, at, ("weight", "bias"))
        rows = _list(layer.get("weight"), f"{at}.weight")
        _require(len(rows) > 0, f"{at}.weight: has no rows")
        cols = len(weights[-1]) if weights else len(_list(rows[0], f"{at}.weight[0]"))
        _require(cols > 0, f"{at}.weight: rows are empty")
        weights.append([[_number(v, f"{at}.weight[{i}][{c}]")
                         for c, v in enumerate(_list(row, f"{at}.weight[{i}]", cols))]
                        for i, row in enumerate(rows)])
        biases.append([_number(v, f"{at}.bias[{i}]")
                       for i, v in enumerate(_list(layer.get("bias"), f"{at}.bias", len(rows)))])
    return weights, biases


# ------------------------------------------------------------------ exact computations
def _denominator(values: Any) -> int:
    """The lcm of the denominators of some rationals (1 for none)."""
    return math.lcm(*(int(v.q) for v in values))


def _scaled(rows: Any, scale: int) -> list[int]:
    """The entries of rows of rationals times ``scale`` (a multiple of every denominator),
    row by row."""
    return [int(v.p) * (scale // int(v.q)) for row in rows for v in row]


def _entries(m: flint.fmpz_mat) -> np.ndarray:
    """The entries of an integer matrix as a NumPy array of exact integers (dtype object)."""
    return np.array(m.entries(), dtype=object).reshape(m.nrows(), m.ncols())


def _fmpz(a: np.ndarray) -> flint.fmpz_mat:
    """A 2-D NumPy array of integers as an integer matrix."""
    return flint.fmpz_mat(a.shape[0], a.shape[1], a.ravel().tolist())


class _Pass:
    """The exact forward pass of a network at the samples, in integers (docs/certificates.md,
    whose layers are numbered from 1: here (W_l, b_l) = (weights[l], biases[l]) from 0).

    With e_i the lcm of the denominators of x^i and d_l that of (W_l, b_l), A_l = d_l W_l
    and c_l = d_l b_l are integer matrices and, with s_l(i) = e_i d_0 ... d_{l-1} > 0, so
    are F_l = s_l f_l (f_0 = x) and Z_l = F_l A_l^T + s_l c_l^T = s_{l+1} z_{l+1}: FLINT
    products. As s_{l+1} > 0, F_{l+1} = relu(Z_l) and every sign of Z_l is that of z_{l+1};
    z_{l+1}(x^i) = Z_l[i] / s_{l+1}(i).
    """

    def __init__(self, weights: list, biases: list, xs: list) -> None:
        n = len(xs)
        self.e = [_denominator(x) for x in xs]
        self.d = [math.lcm(_denominator(v for row in w for v in row), _denominator(b))
                  for w, b in zip(weights, biases, strict=True)]
        self.a = [flint.fmpz_mat(len(w), len(w[0]), _scaled(w, d))
                  for w, d in zip(weights, self.d, strict=True)]
        self.q = [1]  # s_l(i) = e_i q[l]
        self.f = [flint.fmpz_mat(n, len(weights[0][0]), [
            v for x, e in zip(xs, self.e, strict=True) for v in _scaled([x], e)])]
        self.z: list[flint.fmpz_mat] = []
        self.signs: list[np.ndarray] = []  # of z_{l+1} (hidden layers): n x width, -1, 0 or 1
        e = flint.fmpz_mat(n, 1, self.e)
        for l, (b, d) in enumerate(zip(biases, self.d, strict=True)):
            self.z.append(self.f[l] * self.a[l].transpose()
                          + e * flint.fmpz_mat(1, len(b), _scaled([b], d * self.q[l])))
            self.q.append(self.q[l] * d)
            if l < len(weights) - 1:
                z = _entries(self.z[l])
                self.signs.append((z > 0).astype(np.int8) - (z < 0).astype(np.int8))
                self.f.append(_fmpz(np.where(z > 0, z, 0)))

    def value(self, l: int, i: int, j: int) -> flint.fmpq:
        """z_{l+1}(x^i)[j] (l = L-1: output j)."""
        return flint.fmpq(self.z[l][i, j], self.e[i] * self.q[l + 1])

    def outputs(self) -> list[list[flint.fmpq]]:
        """f_theta(x^i) for every sample."""
        z, m = self.z[-1].entries(), self.z[-1].ncols()
        return [[flint.fmpq(z[i * m + k], e * self.q[-1]) for k in range(m)]
                for i, e in enumerate(self.e)]


class _Theta:
    """The claimed network and sample with everything the checks recompute from them."""

    def __init__(self, weights: list, biases: list, xs: list) -> None:
        self.weights, self.biases, self.xs = weights, biases, xs
        self.widths = [len(self.weights[0][0])] + [len(w) for w in self.weights]
        self.L, self.n, self.outs = len(self.weights), len(self.xs), self.widths[-1]
        self.offsets = [0]  # flat index of W_l[0, 0], then of b_l[0]
        for a, b in pairwise(self.widths):
            self.offsets.append(self.offsets[-1] + a * b)
        self.npar = self.offsets[-1] + sum(self.widths[1:])
        self.D = self.npar - sum(self.widths[1:-1])
        self.run = _Pass(self.weights, self.biases, self.xs)
        self.outputs = self.run.outputs()
        # 0/1 activation patterns of the hidden layers, one n x width array per layer
        self.active = [(s > 0).astype(np.int64) for s in self.run.signs]

    def hidden(self) -> list[tuple[int, int]]:
        return [(l, j) for l in range(self.L - 1) for j in range(self.widths[l + 1])]

    @cached_property
    def cells(self) -> list[tuple[int, int, int]]:
        """Flat parameter index -> (layer l, neuron a of layer l+1, input j), j = N_l for
        the bias b_l[a]."""
        cells = [(l, a, j) for l in range(self.L) for a in range(self.widths[l + 1])
                 for j in range(self.widths[l])]
        return cells + [(l, a, self.widths[l]) for l in range(self.L)
                        for a in range(self.widths[l + 1])]

    @cached_property
    def gradients(self) -> list[np.ndarray]:
        """G_l for l = 0 .. L-1: (N_L n) x N_{l+1} object arrays of integers, row (k, i) at
        k n + i, with G_{L-1}[(k, i)] = e_k and G_l = (G_{l+1} A_{l+1}) o (z_{l+1} > 0) (a
        FLINT product, then the pattern). By induction G_l = d_{l+1} ... d_{L-1} g_l with
        g_l[(k, i)] = d f_k(x^i) / d z_{l+1}, the backpropagation of docs/theory/local.md §6."""
        g = np.zeros((self.outs * self.n, self.outs), dtype=object)
        for k in range(self.outs):
            g[k * self.n:(k + 1) * self.n, k] = 1
        grads = [g]
        for l in range(self.L - 2, -1, -1):
            g = np.where(np.tile(self.active[l], (self.outs, 1)),
                         _entries(_fmpz(g) * self.run.a[l + 1]), 0)
            grads.insert(0, g)
        return grads

    @cached_property
    def inputs(self) -> list[np.ndarray]:
        """F~_l = [F_l, s_l] for l = 0 .. L-1: n x (N_l + 1) object arrays of integers, the
        layer inputs of ``_Pass`` with the bias input 1 scaled as they are."""
        return [np.hstack([_entries(f), np.array([[e * q] for e in self.run.e], dtype=object)])
                for f, q in zip(self.run.f, self.run.q[:-1], strict=True)]

    def gamma_kills(self, free: list[int], vectors: list[list[int]]) -> bool:
        """Whether Gamma K = 0 exactly, K the integer matrix with columns ``vectors``
        (entries indexed by Gamma's columns ``free``, flat parameter indices).

        Gamma[(i, k), (l, a, j)] = g_l[(k, i), a] f_l[i, j], with f_l[i, N_l] = 1 for the
        bias. In the integers of ``_Pass``, ``gradients`` and ``inputs`` this is
        G_l F~_l / (P_l s_l) with P_l = d_{l+1} ... d_{L-1}, and P_l s_l(i) =
        e_i d_0 ... d_{L-1} / d_l; so, multiplying row (i, k) by e_i d_0 ... d_{L-1} > 0,
        Gamma K = 0 iff for every row (i, k) and vector b
        sum_{l, a} G_l[(k, i), a] H_{l, a}[i, b] = 0, H_{l, a}[i, b] =
        sum_j F~_l[i, j] d_l K[(l, a, j), b]. Kernel vectors are sparse and their entries
        long, so both sums run over the non-zero entries of K only, neuron by neuron, as
        NumPy operations on columns of exact integers; and only over the samples where the
        neuron (l, a) is active (elsewhere G_l[(k, i), a] = 0; at the output, everywhere).
        """
        step = max(1, _SUM_ENTRIES // (self.outs * self.n))  # vectors per pass
        for start in range(0, len(vectors), step):
            batch = vectors[start:start + step]
            # (l, a) -> the non-zero entries (b, j, d_l K[(l, a, j), b]) of its columns
            entries: dict[tuple[int, int], list[tuple[int, int, int]]] = {}
            for b, vec in enumerate(batch):
                for c, v in enumerate(vec):
                    if v:
                        l, a, j = self.cells[free[c]]
                        entries.setdefault((l, a), []).append((b, j, v * self.run.d[l]))
            total = np.zeros((self.outs, self.n, len(batch)), dtype=object)
            for (l, a), nonzero in entries.items():
                rows = np.flatnonzero(self.active[l][:, a]) if l < self.L - 1 else np.arange(self.n)
                if not len(rows):
                    continue
                terms = (self.inputs[l][np.ix_(rows, [j for _, j, _ in nonzero])]
                         * np.array([flint.fmpz(v) for *_, v in nonzero], dtype=object))
                starts = [s for s, (b, _, _) in enumerate(nonzero)
                          if s == 0 or nonzero[s - 1][0] != b]
                h = np.add.reduceat(terms, starts, axis=1)
                g = self.gradients[l].reshape(self.outs, self.n, -1)[:, rows, a]
                total[:, rows[:, None], [nonzero[s][0] for s in starts]] += g[:, :, None] * h
            if total.any():
                return False
        return True

    def gram_part(self, rows: list[int], cols: list[int], p: int | None = None) -> np.ndarray:
        """G[rows, cols] with G[i, j] = <alpha(x^i), alpha(x^j)> by the formula of
        docs/theory/local.md §7: exact (an object array of rationals) or its residues modulo p (p
        divides no denominator of X). c_l counts the neurons of hidden layer l active at both
        samples: an exact integer product of 0/1 matrices (at most the width, so int64 is exact).
        Modulo p < 2^26 the products and sums of the c_l are reduced only when the product
        of the hidden widths times L reaches 2^36: below, they are exact in int64 (each c_l is
        at most its width), and so is inner * suffix + total < 2^26 2^36 + 2^36 < 2^63."""
        xr, xc = [self.xs[i] for i in rows], [self.xs[j] for j in cols]
        if p is None:
            prod = flint.fmpq_mat(xr) * flint.fmpq_mat(xc).transpose() if rows and cols \
                else flint.fmpq_mat(len(rows), len(cols))
            inner = np.array(prod.entries(), dtype=object).reshape(len(rows), len(cols))
        else:
            inverses: dict = {}
            inner = _matmul_mod(_residues(xr, p, inverses), _residues(xc, p, inverses).T.copy(),
                                p)
        suffix: Any = 1
        total: Any = 1
        for l in reversed(range(self.L - 1)):
            # sums of at most width products of 0s and 1s: exact in float64 (BLAS)
            c = (self.active[l][rows].astype(float) @ self.active[l][cols].T).astype(np.int64)
            suffix = suffix * c.astype(inner.dtype, copy=False)
            total = total + suffix
            if p is not None and math.prod(self.widths[1:-1]) * self.L >= 2**36:
                suffix, total = suffix % p, total % p
        out = inner * suffix + total
        return out % p if p is not None else out


def _residue_type(p: int) -> type:
    """int64 for primes below 2^26 (products of two residues below 2^52), else Python ints."""
    return np.int64 if p < 2**26 else object


def _residues(values: list, p: int, inverses: dict) -> np.ndarray:
    """Residues modulo p of rows of rationals whose denominators p does not divide."""
    out = np.empty((len(values), len(values[0]) if values else 0), dtype=_residue_type(p))
    for i, row in enumerate(values):
        for j, q in enumerate(row):
            den = int(q.q)
            inv = inverses.get(den)
            if inv is None:
                _require(den % p != 0, f"the prime {p} divides a denominator of theta or X")
                inv = inverses[den] = pow(den, -1, p)
            out[i, j] = int(q.p) % p * inv % p
    return out


def _matmul_mod(a: np.ndarray, b: np.ndarray, p: int) -> np.ndarray:
    """(a @ b) mod p for residues (``_residue_type``): for int64 each chunk of 2^10 products
    of two residues below 2^26 sums to less than 2^62, so nothing overflows."""
    out = np.zeros((a.shape[0], b.shape[1]), dtype=a.dtype)
    for s in range(0, a.shape[1], 1024):
        out = (out + a[:, s:s + 1024] @ b[s:s + 1024]) % p
    return out


def _gamma_mod(t: _Theta, rows: list[tuple[int, int]], free: list[int], p: int) -> np.ndarray:
    """Gamma[rows, :] modulo p up to the order of its rows (those of output 0 first, then
    output 1, ...: a row permutation, which changes no determinant's vanishing), by the
    forward and backward pass of docs/theory/local.md §6 carried out modulo p on the exact
    patterns: the entries of Gamma are polynomials in theta and X, so their residues are those
    of the rational entries (p divides no denominator)."""
    inverses: dict = {}
    dtype = _residue_type(p)
    samples = sorted({i for i, _ in rows})
    at = {i: a for a, i in enumerate(samples)}
    ws = [_residues(w, p, inverses) for w in t.weights]
    bs = [_residues([b], p, inverses) for b in t.biases]
    fs = [_residues([t.xs[i] for i in samples], p, inverses)]
    masks = [t.active[l][samples].astype(dtype) for l in range(t.L - 1)]
    for l in range(t.L - 1):
        fs.append((_matmul_mod(fs[l], ws[l].T.copy(), p) + bs[l]) % p * masks[l])
    # column (l, a, j) of Gamma is g_l[:, a] f~_l[:, j], f~_l = [f_l, 1] (j = N_l: the bias)
    fcat = np.concatenate([np.hstack([f, np.ones((len(samples), 1), dtype=dtype)]) for f in fs],
                          axis=1)
    cells = [t.cells[c] for c in free]
    fcol = np.array([sum(t.widths[:l]) + l + j for l, _, j in cells], dtype=np.intp)
    gcol = np.array([sum(t.widths[1:l + 1]) + a for l, a, _ in cells], dtype=np.intp)
    out = np.empty((len(rows), len(free)), dtype=np.int32 if dtype is np.int64 else object)
    done = 0  # rows of out filled
    for k in range(t.outs):
        mine = [a for a, (_, kk) in enumerate(rows) if kk == k]
        if not mine:
            continue
        idx = [at[rows[a][0]] for a in mine]
        g = np.zeros((len(mine), t.outs), dtype=dtype)
        g[:, k] = 1
        grads = [g]
        for l in range(t.L - 2, -1, -1):
            g = _matmul_mod(g, ws[l + 1], p) * masks[l][idx]
            grads.insert(0, g)
        gcat = np.concatenate(grads, axis=1)
        for s in range(0, len(mine), 256):  # row blocks bound the memory of the products
            block = np.take(gcat[s:s + 256], gcol, axis=1)
            block *= np.take(fcat[idx[s:s + 256]], fcol, axis=1)
            np.remainder(block, p, out=block)  # in place: a remainder cast on the fly is slow
            out[done:done + len(block)] = block
            done += len(block)
    return out


def _nonsingular_residues(m: np.ndarray, p: int) -> bool:
    """Return whether a square matrix of residues modulo p has a non-zero determinant:
    by float64 BLAS elimination (``nonsingular.py``) for primes below 2^26, else FLINT."""
    n = m.shape[0]
    if n == 0:
        return True
    if p < 2**26:
        return is_nonsingular_mod(m, p)
    return flint.nmod_mat(n, n, m.ravel().tolist(), p).det() != 0


def _nonsingular_mod(rows: list, p: int) -> bool:
    """Return whether the square rational matrix, rows scaled to integers, has det != 0 mod p."""
    ints: list = []
    for row in rows:
        ints += flint.fmpq_mat(1, len(row), row).numer_denom()[0].entries()  # row * lcm(denoms)
    return len(rows) == 0 or flint.nmod_mat(len(rows), len(rows), ints, p).det() != 0


def _bias_path(weights: list, biases: list, layer: int, path: list) -> flint.fmpq:
    """Return phi[p, k] for the bias path p = path[:-1] starting in hidden layer ``layer``."""
    value = biases[layer][path[0]]
    for m in range(len(path) - 1):
        value *= weights[layer + 1 + m][path[m + 1]][path[m]]
    return value


# ------------------------------------------------------------------ shared checks
def _not_in_s(t: _Theta, done: list) -> None:
    for l, j in t.hidden():
        _require(any(row[j] != 0 for row in t.weights[l + 1]),
                 f"theta is in S: hidden neuron [{l}, {j}] has all outgoing weights zero")
        _require(any(v != 0 for v in t.weights[l][j]) or t.biases[l][j] != 0,
                 f"theta is in S: hidden neuron [{l}, {j}] has zero incoming weights and bias")
    done.append("theta is not in S (no degenerate hidden neuron)")


def _no_kinks(t: _Theta, done: list) -> None:
    zero = np.argwhere(np.hstack(t.run.signs) == 0)  # sample-major, then hidden neurons in order
    if len(zero):
        l, j = t.hidden()[zero[0][1]]
        raise _Invalid(f"sample {zero[0][0]} is on a kink of hidden neuron [{l}, {j}] "
                       "(zero pre-activation)")
    done.append(f"no zero hidden pre-activation at the {t.n} samples used")


def _prime(ev: dict, done: list, where: str = "evidence") -> int:
    p = _int(ev.get("prime"), f"{where}.prime", 3, 2**64)
    _require(flint.fmpz(p).is_prime(), f"{where}.prime: {p} is not prime")
    done.append(f"{where}.prime {p} is prime")
    return p


def _minor_prime(minor: dict, p: int, where: str, done: list) -> int:
    """A minor may name its own prime; otherwise evidence.prime is used."""
    return p if minor.get("prime") is None else _prime(minor, done, where)


def _free_columns(t: _Theta, ev: dict, done: list) -> list[int]:
    """Return Gamma's columns: flat parameter indices without the frozen edges."""
    edges = _list(ev.get("frozen_edges"), "evidence.frozen_edges", len(t.hidden()))
    frozen = set()
    for h, (l, j) in enumerate(t.hidden()):
        where = f"evidence.frozen_edges[{h}]"
        e = _list(edges[h], where, 3)
        _require(type(e[0]) is int and type(e[1]) is int and (e[0], e[1]) == (l, j),
                 f"{where}: expected [{l}, {j}, target] (hidden neurons in order)")
        s = _int(e[2], f"{where} target", 0, t.widths[l + 2])
        _require(t.weights[l + 1][s][j] != 0, f"{where}: the frozen edge is zero")
        frozen.add(t.offsets[l + 1] + s * t.widths[l + 1] + j)
    done.append(f"frozen_edges: one non-zero outgoing edge for each of the {len(frozen)} "
                "hidden neurons")
    return [c for c in range(t.npar) if c not in frozen]


def _indices(value: Any, where: str, length: int | None, bound: int) -> list[int]:
    out = [_int(v, f"{where}[{a}]", 0, bound) for a, v in enumerate(_list(value, where, length))]
    _require(len(set(out)) == len(out), f"{where}: indices are not distinct")
    return out


def _pairs(t: _Theta, value: Any, where: str, length: int | None) -> list[tuple[int, int]]:
    out = []
    for a, pair in enumerate(_list(value, where, length)):
        pair = _list(pair, f"{where}[{a}]", 2)
        out.append((_int(pair[0], f"{where}[{a}] sample", 0, t.n),
                    _int(pair[1], f"{where}[{a}] output", 0, t.outs)))
    _require(len(set(out)) == len(out), f"{where}: [sample, output] pairs are not distinct")
    return out


def _jacobian_minor(t: _Theta, ev: dict, free: list, p: int, done: list) -> int:
    minor = _dict(ev.get("jacobian_minor"), "evidence.jacobian_minor")
    rows = _pairs(t, minor.get("rows"), "evidence.jacobian_minor.rows", None)
    cols = _indices(minor.get("columns"), "evidence.jacobian_minor.columns", len(rows), t.D)
    p = _minor_prime(minor, p, "evidence.jacobian_minor", done)
    matrix = _gamma_mod(t, rows, [free[c] for c in cols], p)
    _require(_nonsingular_residues(matrix, p),
             "evidence.jacobian_minor: singular modulo the prime")
    done.append(f"jacobian_minor: non-singular {len(rows)} x {len(rows)} minor of Gamma, "
                f"so R_Gamma >= {len(rows)}")
    return len(rows)


def _kernel(kills: Any, length: int, ev: dict, name: str, count: int, p: int,
            done: list) -> None:
    """Check ``count`` integer vectors of the given length with M K = 0 and a non-singular
    K minor; ``kills(vectors)`` decides M K = 0 exactly."""
    vectors = [[_int(v, f"evidence.{name}[{b}][{a}]") for a, v in
                enumerate(_list(vec, f"evidence.{name}[{b}]", length))]
               for b, vec in enumerate(_list(ev.get(name), f"evidence.{name}", count))]
    minor = _dict(ev.get(f"{name}_minor"), f"evidence.{name}_minor")
    rows = _indices(minor.get("rows"), f"evidence.{name}_minor.rows", count, length)
    p = _minor_prime(minor, p, f"evidence.{name}_minor", done)
    _require(_nonsingular_mod([[vec[a] for vec in vectors] for a in rows], p),
             f"evidence.{name}_minor: singular modulo the prime")
    _require(kills(vectors), f"evidence.{name}: the product with the matrix is not zero")
    done.append(f"{name}: {count} independent exact kernel vectors, so rank <= "
                f"{length - count}")


def _kills_by_columns(columns: Any) -> Any:
    """``kills(vectors)`` for a matrix M given by ``columns(S)``, its columns S exactly (an
    ``fmpq_mat``): M K = 0 is checked group by group (``_components``), on the columns where
    some vector is non-zero, in integers (M[:, S] times a common denominator)."""

    def kills(vectors: list[list[int]]) -> bool:
        for group, members in _components(vectors, len(vectors[0]) if vectors else 0):
            m = columns(group).numer_denom()[0]
            if len(members) == 1 or len(group) <= 64:
                k = flint.fmpz_mat(len(group), len(members),
                                   [vectors[b][a] for a in group for b in members])
                zero = (m * k).is_zero()
            else:  # a few long vectors join many short ones: one product per vector
                zero = all((m * flint.fmpz_mat(len(group), 1, [vectors[b][a] for a in group])
                            ).is_zero() for b in members)
            if not zero:
                return False
        return True

    return kills


def _root(parent: list[int], a: int) -> int:
    """The representative of a in a union-find forest (with path halving)."""
    while parent[a] != a:
        parent[a] = parent[parent[a]]
        a = parent[a]
    return a


def _components(vectors: list[list[int]], length: int) -> list[tuple[list[int], list[int]]]:
    """Group the vectors whose supports overlap (connected components): M K = 0 holds iff
    M[:, S] K[S, B] = 0 for each group B of vectors and the union S of their supports,
    and only those columns of M are needed."""
    parent = list(range(length))

    def root(a: int) -> int:
        return _root(parent, a)

    supports = [[a for a, v in enumerate(vec) if v] for vec in vectors]
    for support in supports:
        for a in support[1:]:
            parent[root(a)] = root(support[0])
    groups: dict[int, tuple[list[int], list[int]]] = {}
    for a in range(length):
        if any(vec[a] for vec in vectors):
            groups.setdefault(root(a), ([], []))[0].append(a)
    for b, support in enumerate(supports):
        if support:
            groups[root(support[0])][1].append(b)
    return list(groups.values())


def _gram_kills(t: _Theta) -> Any:
    return _kills_by_columns(lambda cols: flint.fmpq_mat(
        t.n, len(cols), t.gram_part(list(range(t.n)), cols).ravel().tolist()))


def _claim_ranks(claim: dict, jacobian: int | None, activation: int | None) -> None:
    for key, expected in (("rank_jacobian", jacobian), ("rank_activation", activation)):
        _require(key in claim, f"claim: missing field {key!r}")
        value = claim[key]
        ok = value is None if expected is None else (type(value) is int and value == expected)
        _require(ok, f"claim.{key}: expected {_show(expected)}, got {_show(value)}")


def _neuron(t: _Theta, value: Any) -> tuple[int, int]:
    pair = _list(value, "evidence.neuron", 2)
    layer = _int(pair[0], "evidence.neuron layer", 0, t.L - 1)
    return layer, _int(pair[1], "evidence.neuron index", 0, t.widths[layer + 1])


# ------------------------------------------------------------------ one check per reason
def _check_cs(t: _Theta, claim: dict, ev: dict, done: list) -> None:
    p, free = _prime(ev, done), _free_columns(t, ev, done)
    rows = _pairs(t, ev.get("rows"), "evidence.rows", t.D)
    _not_in_s(t, done)
    _no_kinks(t, done)  # a kink anywhere in X makes the verdict not-applicable
    _require(_nonsingular_residues(_gamma_mod(t, rows, free, p), p),
             "evidence.rows: Gamma[rows, :] is singular modulo the prime")
    done.append(f"Gamma[rows, :] is a non-singular {t.D} x {t.D} matrix: R_Gamma = D, "
                "C_S holds (Theorem 9)")
    _claim_ranks(claim, t.D, None)


def _pattern_bound(t: _Theta) -> int:
    """Sum over the distinct activation patterns of X of min(#samples, N_0 + 1): an upper
    bound on rank alpha (docs/theory/local.md §7)."""
    counts = np.unique(np.hstack(t.active), axis=0, return_counts=True)[1]
    return sum(min(int(c), t.widths[0] + 1) for c in counts)


def _check_theorem8(t: _Theta, claim: dict, ev: dict, done: list) -> None:
    p, free = _prime(ev, done), _free_columns(t, ev, done)
    _not_in_s(t, done)
    _no_kinks(t, done)
    r = _jacobian_minor(t, ev, free, p, done)
    q = len(_list(ev.get("gram_kernel"), "evidence.gram_kernel"))
    _require(q <= t.n, "evidence.gram_kernel: more vectors than samples")
    _kernel(_gram_kills(t), t.n, ev, "gram_kernel", q, p, done)
    bound = _pattern_bound(t)
    if q == 0 and r == t.outs * bound:
        done.append(f"pattern bound: rank alpha <= {bound} (alpha rows of samples sharing an "
                    f"activation pattern are affine in x), so R_A <= N_L {bound} = {r}")
    else:
        _require(r == t.outs * (t.n - q), f"evidence: minor size r = {r} differs from "
                                          f"N_L (n - q) = {t.outs * (t.n - q)} and from "
                                          f"N_L times the pattern bound = {t.outs * bound}")
    _require(r < t.D, f"evidence: r = {r} is not below D = {t.D}")
    done.append(f"R_Gamma = R_A = {r} < D = {t.D}: C_N fails (Theorem 8)")
    _claim_ranks(claim, r, r)


def _check_gap(t: _Theta, claim: dict, ev: dict, done: list) -> None:
    p, free = _prime(ev, done), _free_columns(t, ev, done)
    _not_in_s(t, done)
    _no_kinks(t, done)
    r = _jacobian_minor(t, ev, free, p, done)
    _require(r < t.D, f"evidence.jacobian_minor: size r = {r} is not below D = {t.D}")
    _kernel(lambda vectors: t.gamma_kills(free, vectors), t.D, ev, "jacobian_kernel", t.D - r,
            p, done)
    minor = _dict(ev.get("gram_minor"), "evidence.gram_minor")
    rows = _indices(minor.get("rows"), "evidence.gram_minor.rows", None, t.n)
    cols = _indices(minor.get("columns"), "evidence.gram_minor.columns", len(rows), t.n)
    pg = _minor_prime(minor, p, "evidence.gram_minor", done)
    _require(_nonsingular_residues(t.gram_part(rows, cols, pg), pg),
             "evidence.gram_minor: singular modulo the prime")
    r_g = len(rows)
    done.append(f"gram_minor: non-singular {r_g} x {r_g} minor of G, so rank G >= {r_g}")
    exact = claim.get("rank_activation") is not None  # else R_A is only bounded below
    _kernel(_gram_kills(t), t.n, ev, "gram_kernel", t.n - r_g if exact else 0, p, done)
    _require(r < t.outs * r_g, f"evidence: R_Gamma = {r} is not below "
                               f"{'' if exact else 'the lower bound '}{t.outs * r_g} on R_A")
    _switching(t, done)
    done.append(f"R_Gamma = {r} < {'R_A = ' if exact else ''}{t.outs * r_g}"
                f"{'' if exact else ' <= R_A'} and R_Gamma < D = {t.D}: no theorem applies")
    _claim_ranks(claim, r, t.outs * r_g if exact else None)


def _switching(t: _Theta, done: list) -> None:
    """Every hidden neuron is active at some sample and inactive at another: otherwise
    docs/theory/local.md §10 proves not-locally-identifiable, which
    docs/theory/local.md §9 reports instead of the gap."""
    counts = np.hstack(t.active).sum(axis=0)  # samples where each hidden neuron is active
    for (l, j), count in zip(t.hidden(), counts, strict=True):
        if count in (0, t.n):
            raise _Invalid(f"hidden neuron [{l}, {j}] is {'always' if count else 'never'}"
                           " active on X: "
                           "docs/theory/local.md §10 proves not-locally-identifiable, so the "
                           "gap is not the verdict")
    done.append("every hidden neuron is active at some sample and inactive at another")


def _check_activation(t: _Theta, claim: dict, ev: dict, done: list, always: bool) -> None:
    layer, j = _neuron(t, ev.get("neuron"))
    _not_in_s(t, done)
    _no_kinks(t, done)  # docs/theory/local.md §9: a kink makes the verdict not-applicable
    wrong = np.flatnonzero(t.run.signs[layer][:, j] == (-1 if always else 1))
    if len(wrong):
        raise _Invalid(f"evidence.neuron: hidden neuron [{layer}, {j}] has pre-activation "
                       f"{t.run.value(layer, int(wrong[0]), j)} at sample {wrong[0]}")
    done.append(f"hidden neuron [{layer}, {j}] is {'always' if always else 'never'} active")
    step = _number(ev.get("t"), "evidence.t")
    _require(step > 0, f"evidence.t: {step} is not positive")
    weights = [[list(row) for row in w] for w in t.weights]
    biases = [list(b) for b in t.biases]
    biases[layer][j] += step if always else -step
    if always:
        for u, row in enumerate(weights[layer + 1]):
            biases[layer + 1][u] -= step * row[j]
    new_weights, new_biases = _network(ev.get("perturbed_network"), "evidence.perturbed_network")
    _require(new_weights == weights and new_biases == biases,
             "evidence.perturbed_network: differs from the construction of docs/theory/local.md "
             f"§{'10.2' if always else '10.1'} with t = {step}")
    done.append(f"perturbed_network is the construction of docs/theory/local.md "
                f"§{'10.2' if always else '10.1'} with t = {step}")
    _require(_Pass(new_weights, new_biases, t.xs).outputs() == t.outputs,
             "evidence.perturbed_network: outputs differ from theta's on the sample")
    done.append("perturbed_network has exactly the same outputs at every sample")
    path = _list(ev.get("path"), "evidence.path", t.L - layer)
    for m, v in enumerate(path):
        _int(v, f"evidence.path[{m}]", 0, t.widths[layer + 1 + m])
    _require(path[0] == j, f"evidence.path: starts at {path[0]}, not at neuron {j}")
    before = _bias_path(t.weights, t.biases, layer, path)
    after = _bias_path(new_weights, new_biases, layer, path)
    _require(before != after, "evidence.path: the bias-path coordinate of phi is unchanged")
    done.append(f"phi along the bias path changes from {before} to {after}: theta' is not "
                "equivalent to theta (docs/theory/local.md §2.5)")
    _claim_ranks(claim, None, None)


def _check_degenerate(t: _Theta, claim: dict, ev: dict, done: list) -> None:
    layer, j = _neuron(t, ev.get("neuron"))
    case = ev.get("case")
    if case == "zero-outgoing":
        _require(all(row[j] == 0 for row in t.weights[layer + 1]),
                 f"evidence: hidden neuron [{layer}, {j}] has a non-zero outgoing weight")
    else:
        _require(case == "zero-incoming", f"evidence.case: unknown case {_show(case)}")
        _require(all(v == 0 for v in t.weights[layer][j]) and t.biases[layer][j] == 0,
                 f"evidence: hidden neuron [{layer}, {j}] has a non-zero incoming weight or bias")
    done.append(f"hidden neuron [{layer}, {j}] is degenerate ({case}): theta is in S")
    _claim_ranks(claim, None, None)


def _check_kink(t: _Theta, claim: dict, ev: dict, done: list) -> None:
    _not_in_s(t, done)  # docs/theory/local.md §9 reports theta in S before any kink
    i = _int(ev.get("sample"), "evidence.sample", 0, t.n)
    layer, j = _neuron(t, ev.get("neuron"))
    z = t.run.value(layer, i, j)
    _require(z == 0, f"evidence: pre-activation of [{layer}, {j}] at sample {i} is {z}, not 0")
    done.append(f"sample {i} is on the kink of hidden neuron [{layer}, {j}]")
    _claim_ranks(claim, None, None)


# ------------------------------------------------------------------ region certificates
def _point(value: Any, where: str, dim: int) -> list:
    return [_number(v, f"{where}[{c}]") for c, v in enumerate(_list(value, where, dim))]


def _domain(doc: Any, dim: int) -> list[list]:
    """Return the rows [a_k..., beta_k] (a_k . x <= beta_k) of a domain document, in order."""
    doc = _dict(doc, "domain")
    # One reading only: a domain with both box and A/b would be ambiguous.
    doc = _fields(doc, "domain", ("format", "box") if "box" in doc else ("format", "A", "b"))
    _require(doc.get("format") == DOMAIN_FORMAT,
             f"domain.format: expected {DOMAIN_FORMAT!r}, got {_show(doc.get('format'))}")
    if "box" not in doc:
        b = _list(doc.get("b"), "domain.b")
        return [_point(row, f"domain.A[{k}]", dim) + [_number(b[k], f"domain.b[{k}]")]
                for k, row in enumerate(_list(doc.get("A"), "domain.A", len(b)))]
    rows = []
    for i, pair in enumerate(_list(doc["box"], "domain.box", dim)):
        lo, hi = _point(pair, f"domain.box[{i}]", 2)
        unit = [flint.fmpq(int(c == i)) for c in range(dim)]
        rows += [unit + [hi], [-v for v in unit] + [-lo]]
    return rows


def _pattern(value: Any, where: str, widths: list[int]) -> tuple[tuple[int, ...], ...]:
    value = _list(value, where, len(widths))
    return tuple(tuple(_int(v, f"{where}[{l}][{j}]", 0, 2)
                       for j, v in enumerate(_list(bits, f"{where}[{l}]", n)))
                 for l, (bits, n) in enumerate(zip(value, widths, strict=True)))


def _neurons(value: Any, where: str) -> tuple[tuple[int, int], ...]:
    return tuple(tuple(_int(v, f"{where}[{a}]") for v in _list(pair, f"{where}[{a}]", 2))
                 for a, pair in enumerate(_list(value, where)))


def _labels(entry: dict, where: str) -> tuple:
    boundary = _list(entry.get("boundary"), f"{where}.boundary")
    return (_neurons(entry.get("neurons"), f"{where}.neurons"),
            tuple(_int(v, f"{where}.boundary[{a}]") for a, v in enumerate(boundary)))


def _row_name(label: Any) -> str:
    return f"boundary {label}" if isinstance(label, int) else f"neuron {list(label)}"


class _Region:
    """A claimed region with its affine forms, rows and groups recomputed from the pattern
    (docs/certificates.md, "The rows of a region"; docs/theory/deep_global.md §2 and §3.5)."""

    def __init__(self, ws: list, bs: list, domain: list[list], pattern: tuple,
                 where: str) -> None:
        self.pattern, self.dim = pattern, ws[0].ncols()
        self.rows, self.labels = [list(row) for row in domain], list(range(len(domain)))
        a, c = ws[0], bs[0]
        for l, bits in enumerate(pattern):
            for j, (form, const) in enumerate(zip(a.tolist(), c.entries(), strict=True)):
                if any(form):
                    self.rows.append([-v for v in form] + [const] if bits[j] else form + [-const])
                    self.labels.append((l, j))
                    continue
                _require(bits[j] == int(const > 0), f"{where}[{l}][{j}]: the neuron is the "
                         f"constant {const} on the region, so its bit must be {int(const > 0)}")
            on = flint.fmpq_mat(len(bits), len(bits),
                                [bits[i] if i == k else 0 for i in range(len(bits))
                                 for k in range(len(bits))])
            w = ws[l + 1] * on
            a, c = w * a, w * c + bs[l + 1]
        self.affine = (a.tolist(), c.entries())
        self.matrix = flint.fmpq_mat(len(self.rows), self.dim + 1,
                                     [v for row in self.rows for v in row])
        by_row: dict[tuple, list[int]] = {}
        for k, row in enumerate(self.rows):
            pivot = next((v for v in row[:-1] if v != 0), None)
            if pivot is not None:  # rows equal after scaling by 1/|pivot| are positive multiples
                by_row.setdefault(tuple(v / abs(pivot) for v in row), []).append(k)
        self.groups = {self.group_labels(members): members for members in by_row.values()}

    def group_labels(self, members: list[int]) -> tuple:
        labels = [self.labels[k] for k in members]
        return (tuple(sorted(v for v in labels if isinstance(v, tuple))),
                tuple(sorted(v for v in labels if isinstance(v, int))))

    def check_point(self, value: Any, where: str, members: list[int]) -> list:
        """Check a_k . x = beta_k for the rows in ``members``, a_k . x < beta_k for the
        others; return x."""
        x = _point(value, where, self.dim)
        slacks = (self.matrix * flint.fmpq_mat(self.dim + 1, 1, [*x, -1])).entries()
        for k, v in enumerate(slacks):
            if not (v == 0 if k in members else v < 0):
                raise _Invalid(f"{where}: {'not on' if k in members else 'not strictly inside'}"
                               f" row {k} ({_row_name(self.labels[k])}) of the region")
        return x


def _check_facet(region: _Region, members: list[int], entry: dict, where: str,
                 regions: list[_Region]) -> int | None:
    """Check one facet entry; return its neighbour (None for a boundary facet).

    The neighbour is the listed region just across the facet witness x_F: each of its rows
    is strict at x_F or a positive multiple of the facet's row reversed, so the half-ball
    beyond the facet near x_F lies in it. Every neuron's form changes across the facet by
    a multiple of the facet's form, so the region across is the same at every relative
    interior point of the facet (docs/certificates.md, "Across a facet";
    docs/theory/deep_global.md §2).
    """
    x = region.check_point(entry.get("witness"), f"{where}.witness", members)
    if region.group_labels(members)[1]:
        _require("neighbour" in entry and entry["neighbour"] is None,
                 f"{where}.neighbour: must be null for a boundary facet")
        return None
    j = _int(entry.get("neighbour"), f"{where}.neighbour", 0, len(regions))
    other = regions[j]
    slacks = (other.matrix * flint.fmpq_mat(region.dim + 1, 1, [*x, -1])).entries()
    beyond = _normalised([-v for v in region.rows[members[0]]])
    for k, v in enumerate(slacks):
        if v < 0 or (v == 0 and _normalised(other.rows[k]) == beyond):
            continue
        raise _Invalid(f"{where}.neighbour: region {j} is not across the facet: its row {k} "
                       f"({_row_name(other.labels[k])}) is neither strict at the facet witness "
                       "nor the facet's row reversed")
    return j


def _check_redundant(region: _Region, members: list[int], entry: dict, where: str) -> None:
    y = _point(entry.get("y"), f"{where}.y", len(region.rows))
    mu = _number(entry.get("mu"), f"{where}.mu")
    for k, v in enumerate(y):
        if v < 0 or (v != 0 and k in members):
            raise _Invalid(f"{where}.y[{k}]: {v} is " + ("negative" if v < 0 else
                           "not zero on a row of the group"))
    _require(sum(y) == 1, f"{where}.y: sums to {sum(y)}, not 1")
    g = region.rows[members[0]]
    total = [v + mu * w for v, w in zip((flint.fmpq_mat(1, len(y), y) * region.matrix)
                                        .entries(), g, strict=True)]
    _require(all(v == 0 for v in total[:-1]), f"{where}: sum_k y_k a_k + mu a_g is not zero")
    _require(total[-1] <= 0, f"{where}: sum_k y_k beta_k + mu beta_g = {total[-1]} is positive")


def _check_evidence(region: _Region, ev: dict, at: str, regions: list[_Region]
                    ) -> tuple[list, int]:
    """Check a region's witness and that each of its groups is covered once, by a facet or
    by a redundancy proof; return the facets as (neighbour or None, neurons) and the number
    of redundancy proofs."""
    region.check_point(ev.get("witness"), f"{at}.witness", [])
    facets, redundant, covered = [], 0, set()
    for field in ("facets", "redundant"):
        for e, entry in enumerate(_list(ev.get(field), f"{at}.{field}")):
            where = f"{at}.{field}[{e}]"
            labels = _labels(_dict(entry, where), where)
            if labels not in region.groups:
                raise _Invalid(f"{where}: the region has no group with neurons "
                               f"{_show([list(v) for v in labels[0]])} and boundary "
                               f"{_show(list(labels[1]))}")
            _require(labels not in covered, f"{where}: this group is listed twice")
            covered.add(labels)
            if field == "facets":
                facets.append((_check_facet(region, region.groups[labels], entry, where,
                                            regions), labels[0]))
            else:
                _check_redundant(region, region.groups[labels], entry, where)
                redundant += 1
    missing = sorted(region.groups.keys() - covered)
    if missing:
        raise _Invalid(f"{at}: the group with neurons {[list(v) for v in missing[0][0]]} and "
                       f"boundary {list(missing[0][1])} is in neither facets nor redundant")
    return facets, redundant


def _check_regions(weights: list, biases: list, domain: list[list], claim: dict,
                   evidence: dict) -> list[str]:
    """Check a region claim and its evidence; return the verified facts."""
    ws = [flint.fmpq_mat(w) for w in weights]
    bs = [flint.fmpq_mat(len(b), 1, b) for b in biases]
    widths, outs = [len(w) for w in weights[:-1]], len(biases[-1])
    claimed = _list(claim.get("regions"), "claim.regions")
    regions: list[_Region] = []
    index: dict[tuple, int] = {}
    for i, entry in enumerate(claimed):
        at = f"claim.regions[{i}]"
        pattern = _pattern(_dict(entry, at).get("pattern"), f"{at}.pattern", widths)
        _require(pattern not in index, f"{at}.pattern: equals the pattern of region "
                 f"{index.get(pattern)}")
        index[pattern] = i
        regions.append(_Region(ws, bs, domain, pattern, f"{at}.pattern"))
        affine = _dict(entry.get("affine"), f"{at}.affine")
        a = [_point(row, f"{at}.affine.A[{k}]", regions[-1].dim)
             for k, row in enumerate(_list(affine.get("A"), f"{at}.affine.A", outs))]
        c = _point(affine.get("c"), f"{at}.affine.c", outs)
        _require((a, c) == regions[-1].affine, f"{at}.affine: differs from the recomputed "
                 "affine map (A^L, c^L) of the pattern")
    # The completeness argument starts from a listed region; an empty list proves nothing.
    _require(len(regions) > 0, "claim.regions: no region is listed")
    count = claim.get("count")
    _require(type(count) is int and count == len(regions),
             f"claim.count: {_show(count)} is not the number of regions {len(regions)}")
    evidences = _list(evidence.get("regions"), "evidence.regions", count)
    # An edge joins the two sides of a facet; its label is the union of both sides'
    # neuron labels (they differ where a neuron is identically zero on one side).
    edges: dict[tuple[int, int], set] = {}
    n_facets = n_redundant = 0
    for i, region in enumerate(regions):
        at = f"evidence.regions[{i}]"
        facets, redundant = _check_evidence(region, _dict(evidences[i], at), at, regions)
        for j, neurons in facets:
            if j is not None:
                edges.setdefault((min(i, j), max(i, j)), set()).update(neurons)
        n_facets, n_redundant = n_facets + len(facets), n_redundant + redundant
    listed = set()
    for e, entry in enumerate(_list(claim.get("edges"), "claim.edges")):
        where = f"claim.edges[{e}]"
        entry = _dict(entry, where)
        a, b = (_int(entry.get(key), f"{where}.{key}", 0, count) for key in "ab")
        pair = (min(a, b), max(a, b))
        _require(pair not in listed, f"{where}: the pair {pair} is listed twice")
        _require(pair in edges, f"{where}: no certified facet joins regions {a} and {b}")
        neurons = _neurons(entry.get("neurons"), f"{where}.neurons")
        _require(neurons == tuple(sorted(edges[pair])), f"{where}.neurons: the facets between "
                 f"regions {a} and {b} carry {_show(sorted(map(list, edges[pair])))}")
        listed.add(pair)
    _require(listed == edges.keys(), "claim.edges: misses the facets between regions "
             f"{_show(sorted(edges.keys() - listed))}")
    return [f"{count} regions, {len(edges)} edges; witnesses, facets, redundancy proofs and "
            "completeness verified",
            f"{n_facets} facet witnesses and {n_redundant} Motzkin redundancy proofs"]


# ------------------------------------------------------------------ identifiability certificates
_MAX_SEARCH_BITS = 20  # 2^20 subset sums per search: the largest exhaustive search we run


def _nested(where: str, check: Any, *args: Any) -> Any:
    """Run a check on an embedded certificate part; prefix its failure with ``where``."""
    try:
        return check(*args)
    except _Invalid as exc:
        raise _Invalid(f"{where}: {exc}") from None


def _inside(domain: list[list], x: list, strict: bool) -> int | None:
    """Return the first domain row violated by x (a . x < beta, or <= unless ``strict``)."""
    for k, row in enumerate(domain):
        slack = sum((a * v for a, v in zip(row[:-1], x, strict=True)), flint.fmpq(0)) - row[-1]
        if slack > 0 or (strict and slack == 0):
            return k
    return None


def _normalised(row: list) -> tuple | None:
    """Return row / ||row||_inf, or None for a zero row."""
    s = max(abs(v) for v in row)
    return tuple(v / s for v in row) if s != 0 else None


def _widths(weights: list) -> tuple[int, ...]:
    return (len(weights[0][0]), *(len(w) for w in weights))


def _columns(weights: list, biases: list) -> list[tuple]:
    """Return v_i (column i of W_2) for every neuron of the (first) hidden layer."""
    return [tuple(row[i] for row in weights[1]) for i in range(len(biases[0]))]


def _subset_sums(vectors: list[tuple[int, ...]], dim: int) -> list[tuple[int, tuple]]:
    """Return (bit mask, sum) for every subset of ``vectors``, the empty subset first."""
    sums: list[tuple[int, tuple]] = [(0, (0,) * dim)]
    for b, u in enumerate(vectors):
        sums += [(mask | 1 << b, tuple(s + t for s, t in zip(total, u, strict=True)))
                 for mask, total in sums]
    return sums


def _meet_in_the_middle(vectors: list[tuple[int, ...]], dim: int) -> list[int] | None:
    """Return the indices of a non-empty subset of the integer vectors with sum 0, or None.

    A subset is a subset A of the first half together with a subset B of the second, and
    sums to 0 iff sum(A) = -sum(B). The dict of first-half sums keeps a non-empty A when
    there is one, so the empty A is paired only with a non-empty B.
    """
    half = len(vectors) // 2
    first: dict[tuple, int] = {}
    for mask, total in _subset_sums(vectors[:half], dim):
        if total not in first or first[total] == 0:
            first[total] = mask
    for mask, total in _subset_sums(vectors[half:], dim):
        other = first.get(tuple(-v for v in total))
        if other is not None and (mask or other):
            found = other | mask << half
            return [i for i in range(len(vectors)) if found >> i & 1]
    return None


def _free_assignments(rref: flint.fmpq_mat, pivots: list[tuple[int, int]], free: list[int]
                      ) -> list[int] | None:
    """A non-zero 0/1 kernel vector of the RREF supported on ``pivots`` (row, column) and
    the ``free`` columns, or None: each assignment of the free coordinates fixes the pivot
    ones, which must be 0 or 1. Gray code: one free coordinate changes per step."""
    dens = [math.lcm(*(int(rref[r, j].q) for j in free)) for r, _ in pivots]
    # integers: pivot value times its row's denominator, which must be 0 or that denominator
    coef = [[int(rref[r, j].p) * (den // int(rref[r, j].q)) for (r, _), den in zip(pivots, dens)]
            for j in free]
    values = [0] * len(pivots)
    bits = [0] * len(free)
    for step in range(1, 2 ** len(free)):
        k = (step & -step).bit_length() - 1
        bits[k] ^= 1
        values = ([v - c for v, c in zip(values, coef[k])] if bits[k] else
                  [v + c for v, c in zip(values, coef[k])])
        if all(v == 0 or v == den for v, den in zip(values, dens)):
            return sorted([c for (_, c), v in zip(pivots, values) if v]
                          + [j for j, bit in zip(free, bits) if bit])
    return None


def _zero_sum_subset(vectors: list[tuple[int, ...]], dim: int) -> list[int] | None:
    """Return the indices of a non-empty subset of the integer vectors with sum 0, or None.

    Linear algebra first (docs/theory/shallow.md §6.4): a zero sum is a 0/1 vector in the kernel of
    M = [m_1 ... m_N]. From the RREF of M, the columns split into components (joined when
    a pivot row has a non-zero entry in a free column); the spans of different components
    meet only in 0, so a zero-sum subset restricted to each component still sums to zero,
    and each component is searched alone: through its 2^q free assignments (q its free
    columns) or by meeting in the middle over its columns, whichever is smaller. Raises
    _Invalid when both exceed 2^_MAX_SEARCH_BITS sums in one component.
    """
    zero = next((i for i, v in enumerate(vectors) if not any(v)), None)
    if zero is not None:
        return [zero]
    n = len(vectors)
    rref, rank = flint.fmpq_mat(dim, n, [vectors[j][i] for i in range(dim)
                                         for j in range(n)]).rref()
    pivots = [(r, next(j for j in range(n) if rref[r, j] != 0)) for r in range(rank)]
    free = sorted(set(range(n)) - {c for _, c in pivots})
    parent = list(range(n))

    def root(j: int) -> int:
        return _root(parent, j)

    for r, c in pivots:
        for j in free:
            if rref[r, j] != 0:
                parent[root(j)] = root(c)
    for part in {root(j) for j in free}:
        cols = [j for j in range(n) if root(j) == part]
        f = [j for j in free if root(j) == part]
        half = (len(cols) + 1) // 2
        if min(len(f), half) > _MAX_SEARCH_BITS:
            raise _Invalid(f"network: condition (iv) needs a search over {len(cols)} neurons "
                           f"with {len(f)} free ones, beyond the checker's limit of "
                           f"2^{_MAX_SEARCH_BITS} subset sums")
        if len(f) <= half:
            found = _free_assignments(rref, [(r, c) for r, c in pivots if root(c) == part], f)
        else:
            found = _meet_in_the_middle([vectors[j] for j in cols], dim)
            found = None if found is None else [cols[k] for k in found]
        if found is not None:
            return found
    return None  # columns in no component with a free column are independent of the rest


def _check_identifiable(weights: list, biases: list, domain: list[list], ev: dict) -> list[str]:
    """The shallow theorem (docs/theory/shallow.md §2): conditions (i)-(iv), checked as in
    docs/theory/shallow.md §6."""
    _require(len(weights) == 2, "claim.verdict: 'identifiable' is certified for one hidden "
             f"layer only; the network has {len(weights) - 1}")
    n, dim = len(biases[0]), len(weights[0][0])
    vs = _columns(weights, biases)
    for i, v in enumerate(vs):
        _require(any(v), f"claim.verdict: 'identifiable', but the output column v_{i} is zero "
                 "(condition (i) fails)")
    done = [f"(i) the {n} output columns v_i are non-zero"]
    seen: set[int] = set()
    for e, entry in enumerate(_list(ev.get("crossing"), "evidence.crossing")):
        at = f"evidence.crossing[{e}]"
        i = _int(_dict(entry, at).get("neuron"), f"{at}.neuron", 0, n)
        _require(i not in seen, f"{at}.neuron: hidden neuron {i} is listed twice")
        seen.add(i)
        for side, sign in (("below", -1), ("above", 1)):
            x = _point(entry.get(side), f"{at}.{side}", dim)
            k = _inside(domain, x, strict=True)
            _require(k is None, f"{at}.{side}: not strictly inside domain row {k}")
            z = sum((a * v for a, v in zip(weights[0][i], x, strict=True)), biases[0][i])
            _require(z * sign > 0, f"{at}.{side}: z_{i} = {z} is not "
                     f"{'negative' if sign < 0 else 'positive'}")
    missing = sorted(set(range(n)) - seen)
    if missing:
        raise _Invalid(f"evidence.crossing: no entry for hidden neuron {missing[0]}")
    done.append("(ii) every hyperplane H_i meets the interior of the domain: z_i < 0 and "
                "z_i > 0 at interior points")
    directions: dict[tuple, int] = {}
    for i, (row, b) in enumerate(zip(weights[0], biases[0], strict=True)):
        r = [*row, b]
        pivot = next(v for v in r if v != 0)  # (ii) excludes zero rows
        j = directions.setdefault(tuple(v / pivot for v in r), i)
        _require(j == i, f"claim.verdict: 'identifiable', but hidden neurons {j} and {i} are "
                 "twins: their rows (w, b) are collinear (condition (iii) fails)")
    done.append("(iii) no two rows (w_i, b_i) are collinear")
    products = [[a * w for a in v for w in row] for v, row in zip(vs, weights[0], strict=True)]
    scale = math.lcm(*(int(u.q) for p in products for u in p))
    subset = _zero_sum_subset([tuple(int(u.p) * (scale // int(u.q)) for u in p)
                               for p in products], len(products[0]))
    _require(subset is None, f"claim.verdict: 'identifiable', but v_i w_i^T sums to zero over "
             f"the hidden neurons S = {subset} (condition (iv) fails)")
    done.append(f"(iv) no non-empty subset S of the {n} neurons has sum_S v_i w_i^T = 0 "
                "(exhaustive search on the kernel of [v_i w_i^T])")
    done.append("theta is identifiable from the domain (shallow theorem, "
                "docs/theory/shallow.md §2)")
    return done


def _difference(weights: list, biases: list, other_weights: list, other_biases: list
                ) -> tuple[list, list]:
    """Return the difference network P of docs/certificates.md: f_P = f_theta - f_theta'."""
    zero = flint.fmpq(0)
    ws = [weights[0] + other_weights[0]]
    for w, w2 in zip(weights[1:-1], other_weights[1:-1], strict=True):
        ws.append([row + [zero] * len(w2[0]) for row in w]
                  + [[zero] * len(w[0]) + row for row in w2])
    ws.append([row + [-v for v in row2] for row, row2 in zip(weights[-1], other_weights[-1],
                                                            strict=True)])
    bs = [b + b2 for b, b2 in zip(biases[:-1], other_biases[:-1], strict=True)]
    bs.append([v - v2 for v, v2 in zip(biases[-1], other_biases[-1], strict=True)])
    return ws, bs


# Invariants of ~P (docs/theory/shallow.md §1.1,
# docs/theory/deep_global.md §1.1); None means "not applicable". The widths are one too, but the
# counterexample must have theta's widths.
def _zero_entries(weights: list, biases: list) -> tuple | None:
    return tuple(sum(v == 0 for row in w for v in row) + sum(v == 0 for v in b)
                 for w, b in zip(weights[:-1], biases[:-1], strict=True))


def _output_bias(weights: list, biases: list) -> tuple | None:
    return tuple(biases[-1])


def _first_rows(weights: list, biases: list) -> tuple | None:
    rows = (_normalised([*row, b]) for row, b in zip(weights[0], biases[0], strict=True))
    return tuple(sorted(r for r in rows if r is not None))


def _canonical_neurons(weights: list, biases: list) -> tuple | None:
    """Return the sorted kappa_i of docs/theory/shallow.md §1.1 (one hidden layer only)."""
    if len(weights) != 2:
        return None
    kappas = []
    for row, b, v in zip(weights[0], biases[0], _columns(weights, biases), strict=True):
        r = [*row, b]
        s = max(abs(u) for u in r)
        kappas.append(tuple(u / s for u in r) + tuple(s * u for u in v) if s != 0 else
                      tuple(r) + (_normalised(list(v)) or v))
    return tuple(sorted(kappas))


_MAX_TIE_ORDERS = 5040  # orderings of tie groups tried, over all layers together


def _canonical_form(weights: list, biases: list) -> tuple | None:
    """Return canon(theta) of docs/theory/deep_global.md §1.1 (two or more hidden layers): the least
    result over every ordering inside the tie groups (neurons with equal normalised rows),
    which is the same for ~P-equivalent networks. None when a hidden neuron has zero
    incoming row and bias, or the tie groups allow more than _MAX_TIE_ORDERS orderings."""
    if len(weights) < 3:
        return None
    budget = [_MAX_TIE_ORDERS]

    def canon(l: int, ws: list, bs: list) -> tuple | None:
        if l == len(ws) - 1:
            return (tuple(map(tuple, ws[l])), tuple(bs[l]))
        rows = [_normalised([*row, b]) for row, b in zip(ws[l], bs[l], strict=True)]
        if None in rows:
            return None
        scales = [max(abs(v) for v in [*row, b]) for row, b in zip(ws[l], bs[l], strict=True)]
        order = sorted(range(len(rows)), key=rows.__getitem__)
        ties = [list(g) for _, g in groupby(order, key=rows.__getitem__)]
        budget[0] -= math.prod(math.factorial(len(g)) for g in ties)
        if budget[0] < 0:
            return None
        head = (tuple(rows[j] for j in order),)
        best = None
        for choice in product(*(permutations(g) for g in ties)):
            order = [j for g in choice for j in g]
            nxt = [[row[j] * scales[j] for j in order] for row in ws[l + 1]]
            rest = canon(l + 1, [*ws[:l + 1], nxt, *ws[l + 2:]], bs)
            if rest is None:
                return None
            best = rest if best is None else min(best, rest)
        return head + best

    return canon(0, [[list(row) for row in w] for w in weights], [list(b) for b in biases])


_INVARIANTS = (
    ("the number of zero entries of (W_l, b_l) per hidden layer", _zero_entries),
    ("the output bias b_L", _output_bias),
    ("the multiset of normalised first-layer rows", _first_rows),
    ("the multiset of canonical neurons (docs/theory/shallow.md §1.1)", _canonical_neurons),
    ("the canonical form (docs/theory/deep_global.md §1.1)", _canonical_form),
)


def _check_not_identifiable(weights: list, biases: list, domain: list[list], ev: dict
                            ) -> list[str]:
    """docs/theory/shallow.md §4,
    docs/theory/deep_global.md §4-5: theta' agrees with theta on the domain (a region certificate of
    the difference network P) and an invariant of ~P separates them."""
    other_weights, other_biases = _network(ev.get("counterexample"), "evidence.counterexample")
    _require(_widths(other_weights) == _widths(weights), "evidence.counterexample: widths "
             f"{_widths(other_weights)} differ from theta's {_widths(weights)}")
    ws, bs = _difference(weights, biases, other_weights, other_biases)
    diff = _fields(ev.get("difference"), "evidence.difference", ("claim", "evidence"))
    claim = _fields(diff.get("claim"), "evidence.difference.claim", ("count", "regions", "edges"))
    done = _nested("evidence.difference", _check_regions, ws, bs, domain, claim,
                   _fields(diff.get("evidence"), "evidence.difference.evidence", ("regions",)))
    for i, entry in enumerate(claim["regions"]):  # well-formed: _check_regions read them
        at = f"evidence.difference.claim.regions[{i}].affine"
        affine = entry["affine"]
        values = [*(v for row in affine["A"] for v in row), *affine["c"]]
        _require(all(_number(v, at) == 0 for v in values),
                 f"{at}: f_theta - f_theta' is not zero on this region")
    done.append("f_theta = f_theta' on every region of P, hence on the domain")
    for name, invariant in _INVARIANTS:
        mine, theirs = invariant(weights, biases), invariant(other_weights, other_biases)
        if mine is not None and theirs is not None and mine != theirs:
            return [*done, f"theta' is not ~P theta: {name} differs",
                    "theta is not identifiable from the domain"]
    raise _Invalid("evidence.counterexample: theta' is not shown to be non-equivalent to "
                   "theta (no invariant of ~P differs)")


def _check_locally_identifiable(weights: list, biases: list, domain: list[list], ev: dict
                                ) -> list[str]:
    """docs/theory/deep_global.md §6.2: C_S on a sample inside the domain (a local C_S
    certificate)."""
    _require(len(weights) >= 3, "claim.verdict: 'locally-identifiable' needs at least two "
             f"hidden layers; the network has {len(weights) - 1}")
    dim = len(weights[0][0])
    xs = [_point(x, f"evidence.sample[{i}]", dim)
          for i, x in enumerate(_list(ev.get("sample"), "evidence.sample"))]
    for i, x in enumerate(xs):
        k = _inside(domain, x, strict=False)
        _require(k is None, f"evidence.sample[{i}]: outside domain row {k}")
    local = _dict(ev.get("local"), "evidence.local")
    _require(local.get("kind") == "local", "evidence.local.kind: expected 'local', got "
             f"{_show(local.get('kind'))}")
    claim = _dict(local.get("claim"), "evidence.local.claim")
    _require(claim.get("reason") == "C_S" and claim.get("verdict") == "locally-identifiable",
             "evidence.local.claim: expected verdict 'locally-identifiable' with reason 'C_S'")
    _require(_network(local.get("network"), "evidence.local.network") == (weights, biases),
             "evidence.local.network: differs from the network of the certificate")
    samples = [_point(x, f"evidence.local.samples[{i}]", dim)
               for i, x in enumerate(_list(local.get("samples"), "evidence.local.samples"))]
    _require(samples == xs, "evidence.local.samples: differ from evidence.sample")
    done = [f"the {len(xs)} sample points lie in the domain"]
    done += _nested("evidence.local", _check, local)
    return [*done, "theta is locally identifiable from the domain "
                   "(docs/theory/deep_global.md §6.2)"]


def _check_undecided(weights: list, biases: list, domain: list[list], ev: dict) -> list[str]:
    """Nothing to prove beyond depth: one hidden layer is always decided
    (docs/theory/shallow.md §2)."""
    _require(len(weights) >= 3, "claim.verdict: 'undecided' needs at least two hidden layers "
             "(the shallow theorem always decides one)")
    return ["nothing is claimed: no verdict was proved for this deep network"]


_IDENTIFY_CHECKS = {
    "identifiable": _check_identifiable,
    "not-identifiable": _check_not_identifiable,
    "locally-identifiable": _check_locally_identifiable,
    "undecided": _check_undecided,
}


def _check_identify(doc: dict) -> list[str]:
    """Check a certificate of kind ``identify``: the part common to all verdicts, then the
    verdict's own check."""
    weights, biases = _network(doc.get("network"), "network")
    domain = _domain(doc.get("domain"), len(weights[0][0]))
    claim = _fields(doc.get("claim"), "claim", ("verdict", "theorem"))
    verdict = claim.get("verdict")
    _require(isinstance(verdict, str) and verdict in _IDENTIFY_CHECKS,
             f"claim.verdict: unknown verdict {_show(verdict)}")
    # claim.theorem is the producer's text: read, never echoed (_THEOREM_OF_VERDICT is).
    _require(isinstance(claim.get("theorem"), str),
             f"claim.theorem: expected a string, got {_show(claim.get('theorem'))}")
    evidence = _dict(doc.get("evidence"), "evidence")
    done = _IDENTIFY_CHECKS[verdict](weights, biases, domain, evidence)
    _fields(evidence, "evidence", _IDENTIFY_EVIDENCE[verdict])
    return [f"network: widths {_widths(weights)}; domain with {len(domain)} rows", *done]


_CHECKS = {
    "C_S": _check_cs,
    "theorem-8": _check_theorem8,
    "gap": _check_gap,
    "never-active": lambda *a: _check_activation(*a, always=False),
    "always-active": lambda *a: _check_activation(*a, always=True),
    "degenerate-neuron": _check_degenerate,
    "sample-on-kink": _check_kink,
}


_TOP_FIELDS = {
    "local": ("format", "kind", "network", "samples", "claim", "evidence"),
    "regions": ("format", "kind", "network", "domain", "claim", "evidence"),
    "identify": ("format", "kind", "network", "domain", "claim", "evidence"),
}


def _check(doc: Any) -> list[str]:
    doc = _dict(doc, "certificate")
    _require(doc.get("format") == CERTIFICATE_FORMAT,
             f"format: expected {CERTIFICATE_FORMAT!r}, got {_show(doc.get('format'))}")
    kind = doc.get("kind")
    _require(kind in _TOP_FIELDS,
             f"kind: expected 'local', 'regions' or 'identify', got {_show(kind)}")
    doc = _fields(doc, "certificate", _TOP_FIELDS[kind])
    if kind == "identify":
        return _check_identify(doc)
    if kind == "regions":
        weights, biases = _network(doc.get("network"), "network")
        return _check_regions(weights, biases, _domain(doc.get("domain"), len(weights[0][0])),
                              _fields(doc.get("claim"), "claim", ("count", "regions", "edges")),
                              _fields(doc.get("evidence"), "evidence", ("regions",)))
    claim = _fields(doc.get("claim"), "claim", ("verdict", "reason", "dimension",
                                                 "rank_jacobian", "rank_activation", "outputs"))
    verdict, reason = claim.get("verdict"), claim.get("reason")
    _require(isinstance(reason, str) and reason in _VERDICT_OF_REASON,
             f"claim.reason: unknown reason {_show(reason)}")
    _require(verdict == _VERDICT_OF_REASON[reason], f"claim.verdict: {_show(verdict)} is not "
             f"allowed with reason {reason!r} (expected {_VERDICT_OF_REASON[reason]!r})")
    weights, biases = _network(doc.get("network"), "network")
    dim = len(weights[0][0])
    xs = [_point(x, f"samples[{i}]", dim)
          for i, x in enumerate(_list(doc.get("samples"), "samples"))]
    _require(len(xs) > 0, "samples: no samples")
    t = _Theta(weights, biases, xs)
    done = [f"network: widths {tuple(t.widths)}, D = {t.D}; {t.n} samples of dimension {dim}"]
    _require(type(claim.get("dimension")) is int and claim["dimension"] == t.D,
             f"claim.dimension: expected D = {t.D}, got {_show(claim.get('dimension'))}")
    outputs = _list(claim.get("outputs"), "claim.outputs", t.n)
    for i, row in enumerate(outputs):
        for k, v in enumerate(_list(row, f"claim.outputs[{i}]", t.outs)):
            _require(_number(v, f"claim.outputs[{i}][{k}]") == t.outputs[i][k],
                     f"claim.outputs[{i}][{k}]: {_show(v)} differs from the exact output "
                     f"{t.outputs[i][k]}")
    done.append("claim.dimension and claim.outputs agree with the exact recomputation")
    _CHECKS[reason](t, claim, _fields(doc.get("evidence"), "evidence", _LOCAL_EVIDENCE[reason]),
                    done)
    return done


def check_certificate(doc: object) -> CheckResult:
    """Return whether ``doc`` is a valid ``exactid.certificate/1`` certificate (kind
    ``local``, ``regions`` or ``identify``).

    Parameters
    ----------
    doc : object
        The parsed JSON document (any value: malformed input is reported, never raised).

    Returns
    -------
    CheckResult
        ``valid`` and, on failure, the first check that failed; on success one message per
        verified fact. ``verdict`` is the claimed verdict when it is one the checker knows
        (``"regions"`` for a region certificate). ``reason`` is the claimed reason of a local
        certificate (one of a fixed list) and, for an identifiability certificate, the
        checker's own text for the theorem behind the verdict; ``theorem`` is the checker's
        text for the theorem behind the verdict. Nothing free-form is copied from ``doc``.

    Reference: docs/certificates.md; docs/theory/local.md §3, §6, §7, §9, §10 and §12;
    docs/theory/deep_global.md §1.1, §2, §3 and §6.2; docs/theory/shallow.md §1.1 and §2.
    """
    verdict = reason = theorem = None
    claim = doc.get("claim") if isinstance(doc, dict) else None
    if isinstance(doc, dict) and doc.get("kind") == "regions":
        verdict = "regions"
    elif isinstance(claim, dict):
        claimed = claim.get("verdict")
        verdict = claimed if isinstance(claimed, str) else None
        if doc.get("kind") == "identify":
            reason = theorem = _THEOREM_OF_VERDICT.get(verdict)
        elif isinstance(claim.get("reason"), str) and claim["reason"] in _THEOREM_OF_REASON:
            reason = claim["reason"]
            theorem = _THEOREM_OF_REASON[reason]
    try:
        messages = _check(doc)
    except _Invalid as exc:
        return CheckResult(False, verdict, reason, (str(exc),), theorem)
    except Exception as exc:  # noqa: BLE001 - the checker never raises on bad input
        return CheckResult(False, verdict, reason,
                           (f"malformed certificate: {type(exc).__name__}: {exc}",), theorem)
    return CheckResult(True, verdict, reason, tuple(messages), theorem)
