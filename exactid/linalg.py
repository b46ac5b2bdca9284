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

import functools
import os
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np

from .errors import CertificationError
from .modular import (
    PRIME_BITS_BLAS,
    is_prime,
    kernel_profile_blocks,
    rank_profile,
    rank_profile_blocks,
)

if TYPE_CHECKING:
    import flint

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


@functools.cache
def load_flint() -> ModuleType:
    """FLINT, imported on first use and set to one thread per core. A rank proved modulo a
    prime (the BLAS elimination of :mod:`exactid.modular`) never needs it, so the commands
    that stop there do not pay for loading it."""
    import flint

    flint.ctx.threads = max(1, os.cpu_count() or 1)
    return flint


def prime_rng(seed: int | None = None) -> random.Random:
    """Return the source of random primes: seeded for reproducibility, otherwise seeded
    from the operating system so that no input can be built to make the primes fail.

    A bad prime never makes a rank wrong (it only weakens a lower bound,
    docs/theory/local.md §12.2), but primes an input can predict could make every attempt fail on
    purpose.
    """
    return random.Random(int.from_bytes(os.urandom(16), "big") if seed is None else seed)


def random_prime(rng: random.Random, bits: int = PRIME_BITS, avoid: int = 1) -> int:
    """Return a random prime in [2**(bits-1), 2**bits) that does not divide ``avoid``
    (3 <= bits <= 26, the primes of the modular elimination)."""
    if not 3 <= bits <= 26:
        raise ValueError(f"bits must be in [3, 26], got {bits!r}")
    while True:
        candidate = rng.randrange(2 ** (bits - 1), 2 ** bits) | 1
        if avoid % candidate and is_prime(candidate):
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


def modular_minor_and_kernel(blocks: Iterable[np.ndarray], ncols: int, p: int,
                             rank_bound: int | None = None) -> tuple[Minor, np.ndarray]:
    """A maximal minor non-singular modulo p of the matrix whose rows modulo p come in
    ``blocks``, and a basis of its kernel modulo p (ncols x (ncols - rank) residues): the
    kernel is the hint of :func:`rank_on_kernel_support`. Rows beyond the first block are
    read only when it has neither full column rank nor the rank ``rank_bound``, a proved
    upper bound (the kernel is then that of the first block;
    :func:`exactid.modular.kernel_profile_blocks`)."""
    found = kernel_profile_blocks(blocks, ncols, p, rank_bound=rank_bound)
    return Minor(p, found.profile.rows, found.profile.columns), found.kernel


def _submatrix(m: flint.fmpz_mat, rows: Sequence[int], cols: Sequence[int]) -> flint.fmpz_mat:
    return load_flint().fmpz_mat(len(rows), len(cols), [m[i, j] for i in rows for j in cols])


def _kernel_from_minor(exact: flint.fmpz_mat, minor: Minor,
                       rng: random.Random) -> CertifiedRank | None:
    """Kernel vectors proving rank <= r, from a non-singular r x r minor, or None.

    With B = M[I, Jc] and C = M[I, free], each free column t gives the vector with
    x[Jc] = -B^{-1} C[:, t] and x[free] = e_t (one exact rational solve, then each vector
    scaled to coprime integers). They span ker M iff M K = 0, which is checked exactly;
    they are independent because K restricted to the free rows is diagonal and non-zero.
    """
    flint = load_flint()
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
    kernel is typically carried by a few neurons, so the groups are small. A group of more
    than ``_GROUP_LIMIT`` columns is first tried one hint vector at a time
    (``_one_by_one``), as a few long vectors can join many short ones. When the hint fails
    (an unlucky prime: None), the caller falls back to :func:`certified_rank` on the whole
    matrix. Every vector returned is verified exactly, whatever the hint.
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
    union = sorted(c for group in groups.values() for c in group)
    exact = exact_columns(union)
    place = {c: a for a, c in enumerate(union)}
    members: dict[int, list[int]] = {}
    for t in range(k):
        members.setdefault(root(int(np.flatnonzero(hint[:, t])[0])), []).append(t)
    vectors: list[tuple[int, ...]] = []
    pivots: list[int] = []
    for r, group in groups.items():
        found = None
        if len(group) > _GROUP_LIMIT and len(members[r]) > 1:
            found = _one_by_one(hint[np.ix_(group, members[r])], minor.prime, group, exact,
                                place, n, rng)
        if found is None:
            found = _whole_group(group, len(members[r]), exact, place, n, rng)
        if found is None:
            return None
        vectors += found[0]
        pivots += found[1]
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


_GROUP_LIMIT = 64
"""Groups of more columns have their kernel vectors proved one by one (``_one_by_one``)."""


def _exact_part(part: np.ndarray) -> ExactMatrix:
    return ExactMatrix(part.shape, lambda q: (part % q).astype(np.int64),
                       lambda: load_flint().fmpz_mat(*part.shape, part.ravel().tolist()))


def _whole_group(group: list[int], count: int, exact: np.ndarray, place: dict[int, int],
                 n: int, rng: random.Random) -> tuple[list[tuple[int, ...]], list[int]] | None:
    """The exact kernel of M[:, group] when it has ``count`` vectors, extended by zeros,
    with the coordinates of its non-singular kernel minor; None otherwise."""
    sub = certified_rank(_exact_part(exact[:, [place[c] for c in group]]), rng)
    if len(sub.kernel) != count or sub.kernel_minor is None:
        return None
    vectors = []
    for v in sub.kernel:
        full = [0] * n
        for c, x in zip(group, v):
            full[c] = x
        vectors.append(tuple(full))
    return vectors, [group[i] for i in sub.kernel_minor.rows]


def _one_by_one(hint: np.ndarray, p: int, group: list[int], exact: np.ndarray,
                place: dict[int, int], n: int, rng: random.Random
                ) -> tuple[list[tuple[int, ...]], list[int]] | None:
    """One exact kernel vector per vector of an echelon basis of the hint, or None.

    ``hint`` (len(group) x m) spans the kernel of M[:, group] modulo p. A large group is
    often held together by a few long vectors, so the hint is first brought to reduced
    echelon form with its pivots taken from the last coordinates: basis vector t is then
    1 at its pivot c_t, 0 at the other pivots, so its support S_t is c_t and columns that
    are no pivot. Those columns are independent (a kernel vector vanishing on every pivot
    is zero), so the exact kernel of M[:, S_t] is at most one vector v_t, proved on its own
    small support by :func:`certified_rank`; v_t is non-zero at c_t, where every other
    vector is 0, so the v_t are independent.
    """
    m = hint.shape[1]
    echelon, rank = load_flint().nmod_mat(hint[::-1].T.tolist(), p).rref()
    if rank != m:
        return None
    basis = np.array([[int(x) for x in row] for row in echelon.tolist()],
                     dtype=np.int64)[:, ::-1]
    vectors, pivots = [], []
    for row in basis:
        support = np.flatnonzero(row)
        cols = [group[int(a)] for a in support]
        sub = certified_rank(_exact_part(exact[:, [place[c] for c in cols]]), rng)
        if len(sub.kernel) != 1 or not sub.kernel[0][-1]:
            return None
        full = [0] * n
        for c, x in zip(cols, sub.kernel[0]):
            full[c] = x
        vectors.append(tuple(full))
        pivots.append(cols[-1])
    return vectors, pivots


def _exact_fallback(exact: flint.fmpz_mat, rng: random.Random, avoid: int) -> CertifiedRank:
    """Exact rank over Q (FLINT, multimodular), then witnesses for both bounds."""
    load_flint()  # FLINT's threads set
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
