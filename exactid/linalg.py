"""Rank engine: certified lower and upper bounds on the rank of exact integer matrices.

Lower bounds come from a minor that is non-singular modulo a random prime below 2^21
(``docs/theory/local.md`` §12.2, ``docs/theory/exact_computing.md`` §3): a determinant that is
non-zero modulo a prime is a non-zero integer. The minor is found by the float64 BLAS
elimination of :mod:`exactid.modular`, exact because every partial sum stays below 2^53.
Upper bounds come from integer kernel vectors verified by exact multiplication (docs/theory/local.md
§12.3). When the two do not meet for a few primes, the exact multimodular rank of FLINT
decides. No rank is ever reported that
these bounds do not prove.

A matrix is given as an :class:`ExactMatrix`: its residues modulo a prime (a NumPy int64
array, cheap to build for large Jacobians) and, lazily, its exact integer form (FLINT
``fmpz_mat``), needed only to verify kernel vectors.
"""

from __future__ import annotations

import os
import random
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import flint
import numpy as np

from .errors import CertificationError
from .modular import PRIME_BITS_BLAS, kernel_profile_blocks, rank_profile, rank_profile_blocks

__all__ = [
    "CertifiedRank",
    "ExactMatrix",
    "Minor",
    "certified_rank",
    "modular_minor",
    "modular_minor_and_kernel",
    "prime_rng",
    "random_prime",
    "rank_on_kernel_support",
]

PRIME_BITS = PRIME_BITS_BLAS
"""Primes stay below 2**21: the modular elimination then multiplies 2048-deep blocks
exactly in float64 (``exactid.modular``)."""

PRIME_ATTEMPTS = 3

flint.ctx.threads = max(1, os.cpu_count() or 1)


def prime_rng(seed: int | None = None) -> random.Random:
    """Return the source of random primes: seeded for reproducibility, otherwise seeded
    from the operating system so that no input can be built to make the primes fail.

    A bad prime never makes a rank wrong (it only weakens a lower bound,
    docs/theory/local.md §12.2), but primes an input can predict could make every attempt fail on
    purpose.
    """
    return random.Random(secrets.randbits(128) if seed is None else seed)


def random_prime(rng: random.Random, bits: int = PRIME_BITS, avoid: int = 1) -> int:
    """Return a random prime in [2**(bits-1), 2**bits) that does not divide ``avoid``."""
    while True:
        candidate = rng.randrange(2 ** (bits - 1), 2 ** bits) | 1
        if avoid % candidate and flint.fmpz(candidate).is_prime():
            return candidate


@dataclass(frozen=True)
class Minor:
    """Row and column indices of a square submatrix non-singular modulo ``prime``."""

    prime: int
    rows: tuple[int, ...]
    columns: tuple[int, ...]

    @property
    def size(self) -> int:
        return len(self.rows)


@dataclass(frozen=True)
class CertifiedRank:
    """An exactly proved rank: ``minor`` proves rank >= r; ``kernel`` (integer vectors,
    ``ncols - r`` of them, with their own non-singular minor ``kernel_minor``) proves
    rank <= r. When r equals the number of rows or of columns no kernel is needed."""

    rank: int
    minor: Minor
    kernel: tuple[tuple[int, ...], ...] = ()
    kernel_minor: Minor | None = None


def fmpz_residues(m: flint.fmpz_mat, p: int) -> np.ndarray:
    """Return the residues of an integer matrix modulo p as an int64 array."""
    flat = [int(e) % p for e in m.entries()]
    return np.array(flat, dtype=np.int64).reshape(m.nrows(), m.ncols())


@dataclass
class ExactMatrix:
    """A rational matrix known through its residues and, on demand, an integer form.

    ``residues(p)`` may be those of the matrix itself or of its integer form: the two
    may differ by row and column scalings with rational factors whose numerators and
    denominators divide ``avoid``, and primes dividing ``avoid`` are never used, so
    ranks and the vanishing of minors agree.
    """

    shape: tuple[int, int]
    residues: Callable[[int], np.ndarray]
    exact_builder: Callable[[], flint.fmpz_mat]
    avoid: int = 1
    _exact: flint.fmpz_mat | None = field(default=None, repr=False)

    def exact(self) -> flint.fmpz_mat:
        if self._exact is None:
            self._exact = self.exact_builder()
        return self._exact


def _minor_mod_p(res: np.ndarray, p: int, target: int | None = None) -> Minor:
    """A maximal square submatrix non-singular modulo p (or a target x target one)."""
    profile = rank_profile(res, p, target=target)
    return Minor(p, profile.rows, profile.columns)


def modular_minor(blocks: Iterable[np.ndarray], ncols: int, p: int,
                  target: int | None = None) -> Minor:
    """A maximal square submatrix non-singular modulo p (or a ``target`` x ``target`` one),
    of the matrix whose rows modulo p come in ``blocks``: they are read only until the
    minor is complete, so rows beyond it are never built."""
    profile = rank_profile_blocks(blocks, ncols, p, target=ncols if target is None else target)
    return Minor(p, profile.rows, profile.columns)


def modular_minor_and_kernel(blocks: Iterable[np.ndarray], ncols: int, p: int
                             ) -> tuple[Minor, np.ndarray]:
    """A maximal minor non-singular modulo p of the matrix whose rows modulo p come in
    ``blocks``, and a basis of its kernel modulo p (ncols x (ncols - rank) residues): the
    kernel is the hint of :func:`rank_on_kernel_support`. Rows beyond the first block are
    read only when it does not have full column rank
    (:func:`exactid.modular.kernel_profile_blocks`)."""
    found = kernel_profile_blocks(blocks, ncols, p)
    return Minor(p, found.profile.rows, found.profile.columns), found.kernel


def _submatrix(m: flint.fmpz_mat, rows: Sequence[int], cols: Sequence[int]) -> flint.fmpz_mat:
    flat, ncols = m.entries(), m.ncols()
    return flint.fmpz_mat(len(rows), len(cols), [flat[i * ncols + j] for i in rows for j in cols])


def _kernel_from_minor(exact: flint.fmpz_mat, minor: Minor,
                       rng: random.Random) -> CertifiedRank | None:
    """Kernel vectors proving rank <= r, from a non-singular r x r minor, or None.

    With B = M[I, Jc] and C = M[I, free], each free column t gives the vector with
    x[Jc] = -B^{-1} C[:, t] and x[free] = e_t (one exact rational solve, then each vector
    scaled to coprime integers). They span ker M iff M K = 0, which is checked exactly;
    they are independent because K restricted to the free rows is diagonal and non-zero.
    """
    ncols = exact.ncols()
    chosen = set(minor.columns)
    free = [c for c in range(ncols) if c not in chosen]
    if not free:
        return CertifiedRank(ncols, minor)
    rows, cols = list(minor.rows), list(minor.columns)
    if rows:
        b = flint.fmpq_mat(_submatrix(exact, rows, cols))
        num, den = b.solve(flint.fmpq_mat(_submatrix(exact, rows, free))).numer_denom()
    vectors, diagonal = [], 1
    for t, f in enumerate(free):
        column = [num[a, t] for a in range(len(cols))] if rows else []
        g = den if rows else flint.fmpz(1)
        for v in column:
            g = g.gcd(v)
        x = [0] * ncols
        x[f] = int(den // g) if rows else 1
        for c, v in zip(cols, column):
            x[c] = -int(v // g)
        vectors.append(tuple(x))
        diagonal *= x[f]
    k = flint.fmpz_mat(ncols, len(free), [vec[i] for i in range(ncols) for vec in vectors])
    if not (exact * k).is_zero():
        return None
    q = random_prime(rng, avoid=diagonal)
    return CertifiedRank(len(rows), minor, tuple(vectors),
                         Minor(q, tuple(free), tuple(range(len(free)))))


def certified_rank(matrix: ExactMatrix, rng: random.Random) -> CertifiedRank:
    """Return the exact rank of ``matrix`` with a proof of both bounds.

    Parameters
    ----------
    matrix : ExactMatrix
        The integer matrix (rows scaled by non-zero rationals do not change the rank).
    rng : random.Random
        Source of the random primes.

    Returns
    -------
    CertifiedRank
        ``minor`` proves rank >= r modulo a prime; when r is below both dimensions,
        ``kernel`` holds ncols - r integer vectors with M K = 0 (checked exactly) and
        ``kernel_minor`` proves they are independent.

    Raises
    ------
    CertificationError
        Never in practice: the exact fallback always produces a proof.
    """
    for _ in range(PRIME_ATTEMPTS):
        p = random_prime(rng, avoid=matrix.avoid)
        minor = _minor_mod_p(matrix.residues(p), p)
        if minor.size == min(matrix.shape):
            return CertifiedRank(minor.size, minor)
        cert = _kernel_from_minor(matrix.exact(), minor, rng)
        if cert is not None:
            return cert
    return _exact_fallback(matrix.exact(), rng, matrix.avoid)


def rank_on_kernel_support(minor: Minor, hint: np.ndarray,
                           exact_columns: Callable[[list[int]], np.ndarray],
                           rng: random.Random) -> CertifiedRank | None:
    """Prove rank M = r, the size of ``minor``, through the support of its kernel, or None.

    ``hint`` holds n - r vectors (the columns of an n x (n - r) array) spanning the kernel
    of M modulo ``minor.prime``, as :func:`modular_minor_and_kernel` gives;
    ``exact_columns(S)`` gives the columns S of an integer matrix of the same rank and
    vanishing minors as M (a NumPy array of Python integers). The hint is a hint
    only: the columns are grouped into the connected components of its vectors' supports,
    and for each group S the exact kernel of M[:, S] is computed and verified by
    :func:`certified_rank`. Vectors of different groups have disjoint supports, so when
    the groups give k vectors in all, these, extended by zeros, are k independent exact
    kernel vectors of M: rank M <= r, and the minor proves rank M >= r. A ReLU Jacobian's
    kernel is typically carried by a few neurons, so the groups are small; when they are
    not, or the hint fails (an unlucky prime: None), the caller falls back to
    :func:`certified_rank` on the whole matrix.
    """
    n = hint.shape[0]
    k = n - minor.size
    if k == 0:
        return CertifiedRank(minor.size, minor)
    if hint.shape[1] != k or not hint.any(axis=0).all():
        return None
    parent = list(range(n))

    def root(c: int) -> int:
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    for t in range(k):
        support = np.flatnonzero(hint[:, t])
        first = root(int(support[0]))
        for c in support[1:]:
            parent[root(int(c))] = first
    groups: dict[int, list[int]] = {}
    for c in np.flatnonzero(hint.any(axis=1)):
        groups.setdefault(root(int(c)), []).append(int(c))
    expected: dict[int, int] = {}
    for t in range(k):
        r = root(int(np.flatnonzero(hint[:, t])[0]))
        expected[r] = expected.get(r, 0) + 1
    union = sorted(c for group in groups.values() for c in group)
    exact = exact_columns(union)
    place = {c: a for a, c in enumerate(union)}
    vectors, pivots = [], []
    for r, group in groups.items():
        part = exact[:, [place[c] for c in group]]
        sub = certified_rank(ExactMatrix(
            part.shape, lambda q, part=part: (part % q).astype(np.int64),
            lambda part=part: flint.fmpz_mat(*part.shape, part.ravel().tolist())), rng)
        if len(sub.kernel) != expected.get(r, 0) or sub.kernel_minor is None:
            return None
        for v in sub.kernel:
            full = [0] * n
            for c, x in zip(group, v):
                full[c] = x
            vectors.append(tuple(full))
        pivots += [group[i] for i in sub.kernel_minor.rows]
    # Rows ``pivots`` of the vectors form a block-diagonal matrix whose blocks are the
    # groups' non-singular kernel minors: non-singular modulo most primes.
    square = [[v[c] for v in vectors] for c in pivots]
    for _ in range(PRIME_ATTEMPTS):
        q = random_prime(rng)
        if _minor_mod_p(np.array([[x % q for x in row] for row in square], dtype=np.int64),
                        q).size == k:
            return CertifiedRank(minor.size, minor, tuple(vectors),
                                 Minor(q, tuple(pivots), tuple(range(k))))
    return None


def _exact_fallback(exact: flint.fmpz_mat, rng: random.Random, avoid: int) -> CertifiedRank:
    """Exact rank over Q (FLINT, multimodular), then witnesses for both bounds."""
    m, n = exact.nrows(), exact.ncols()
    rank = exact.rank() if m >= n else exact.transpose().rank()
    for _ in range(4 * PRIME_ATTEMPTS):
        p = random_prime(rng, avoid=avoid)
        minor = _minor_mod_p(fmpz_residues(exact, p), p)
        if minor.size == rank == min(m, n):
            return CertifiedRank(rank, minor)
        if minor.size == rank:
            cert = _kernel_from_minor(exact, minor, rng)
            if cert is not None:
                return cert
    raise CertificationError("could not certify a rank: every prime tried divides the "
                             "minors (report this matrix as a bug)")
