"""Exact rank profiles modulo a prime, computed with float64 BLAS matrix products.

A rank profile of an integer matrix ``a`` modulo a prime ``p`` is the rank r of ``a`` mod p
together with r rows and r columns of ``a`` whose r x r minor is non-singular mod p. The
minor is the proof: its determinant is a non-zero integer, so ``rank(a) >= r`` over Q, and
the trusted checker :mod:`exactid.certificates.nonsingular` re-decides its non-singularity
independently. This module is the search side: untrusted, but every result is exact.

Exactness of float64 arithmetic
-------------------------------
Residues are held in float64 arrays in the centred range [-h, h], h = (p - 1) / 2 (p odd).

* IEEE float64 represents every integer of magnitude <= 2^53 exactly, and a sum, difference
  or product of two such integers whose exact value has magnitude <= 2^53 is computed
  exactly (the correct rounding of a representable value is that value).
* A product of two centred residues has magnitude <= h^2, so every partial sum of a dot
  product of k such products is an integer of magnitude <= k h^2, in whatever order and
  blocking BLAS sums, with or without fused multiply-add. When k h^2 < 2^53 every
  intermediate result is exact, hence so is the matrix product. :func:`max_depth` is the
  largest such k.
* Reduction. ``np.fmod`` is exact but costs ~190 ns per entry for large quotients on this
  machine (glibc's fmod divides bit by bit), against ~1 ns for a multiplication, so a value
  y is reduced as ``y - p * rint(y * fl(1/p))``. For an integer y with |y| < 2^51 this is
  exact and lands in [-h, h]: the computed quotient y * fl(1/p) differs from y / p by less
  than |y / p| 2^-52 (1 + 2^-53) < 1 / (2p), while y / p is never a half-integer (2y is
  even, (2n + 1) p is odd), so it lies at distance >= 1 / (2p) from every half-integer;
  rint therefore returns the integer q nearest to y / p, and ``q * p`` and ``y - q * p``
  are integers below 2^53, computed exactly, with |y - q p| < p / 2.
* Every update is ``c - a @ b`` with c, a, b centred and an inner dimension of at most
  :func:`block_depth` = the largest k with h + k h^2 < 2^51: the product is exact, the
  difference is exact, the reduction is exact. Longer inner dimensions are cut into blocks
  of that depth with a reduction after each block. Multipliers ``x * inv`` are products of
  two centred residues.

Prime size: ``PRIME_BITS_BLAS = 21``, i.e. p < 2^21, h < 2^20, ``max_depth >= 8192`` and
``block_depth >= 2048``. A reduction costs five passes over the updated entries (~6 ns per
entry) against ~80 ns of dgemm for a 2048-deep block (4096 flops per entry at ~50
GFlop/s), so even the deepest updates stay dgemm-bound. 22-bit primes would allow blocks of
only 512 products and 23-bit primes 128 (reduction-bound); 21 bits keep the largest primes
(about 73,000 of them, in [2^20, 2^21)) for which the work stays dgemm-bound. Primes up to
2^26 are accepted (``block_depth >= 1``), more slowly.

Algorithm
---------
Gaussian elimination with row pivoting, organised recursively on halves of the columns
(as in Toledo's recursive LU) so that nearly all the work is in large matrix products. A
call on rows r0.. and columns [c0, c1) finds pivots in the leftmost columns first:

1. eliminate the left half [c0, mid): r1 pivots, in rows r0..r0+r1-1 and (after
   compaction, step 5) columns c0..c0+r1-1; every row below stores, in those columns, its
   multipliers M1 with ``row = M1 @ pivot rows`` on the left half (it is zero elsewhere);
2. Schur update of the right half: ``A[below, mid:c1] -= M1 @ A[pivot rows, mid:c1]``;
3. eliminate the right half on the remaining rows: r2 pivots and multipliers M2;
4. combine the multipliers of the rows below both, ``M1 <- M1 - M2 @ M1[right pivots]``,
   so that they express those rows in terms of the pivot rows as they were on entry (not
   done on the right spine of the recursion, whose multipliers are never used);
5. compaction: rotate columns so that the r1 + r2 pivot columns come first (only rows
   below the pivots move: the pivot rows keep the layout the steps above read them in).

A one-column call takes as pivot the entry in row r0 or, if it is zero, the last non-zero
entry below it (so that rows which are zero there move far down, not one row per column),
swaps the two whole rows, and stores the multipliers ``column / pivot`` below. Steps 2 and
4 are float64 matrix products: n^3 / 3 multiply-adds for a square matrix of full rank, as
LU, and about 2 n^2 / 3 for each further row. The pivots found form a minor whose
determinant is +-(product of the pivots) mod p, non-zero; once all columns are eliminated
the rows left are zero, so the number of pivots is the rank. Elimination stops as soon as
the rank reaches ``target``; the minor found so far is then target x target.

Streaming tall matrices
-----------------------
:func:`rank_profile_blocks` eliminates a first block of rows in place (in a float64 copy of
the block), keeps its pivot rows and the list of the steps above (one-column scalings,
updates, combinations, rotations), and reads further row blocks only while the rank is
below the target. Each is reduced by replaying those steps -- the same products, with the
block as the rows below -- which leaves in the non-pivot columns its residue modulo the
pivot rows; that residue is eliminated in turn as a new stage. A tall matrix whose first
rows reach the target is thus never read, nor held in memory, beyond them.
:func:`rank_profile` streams a tall matrix this way (first block: ``max(ncols, block)``
rows, then blocks of ``block``, ``2 block``, ... up to ``8 block`` rows) and works on the
transpose of a wide one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import flint
import numpy as np

__all__ = [
    "PRIME_BITS_BLAS",
    "KernelProfile",
    "RankProfile",
    "block_depth",
    "kernel_mod",
    "kernel_profile",
    "kernel_profile_blocks",
    "matmul_centred",
    "matmul_mod",
    "max_depth",
    "rank_profile",
    "rank_profile_blocks",
    "reduce_centred",
    "residues_of_centred",
]

PRIME_BITS_BLAS = 21
"""Default prime size: p < 2**21 gives 2048-deep exact blocks (module docstring)."""

_MAX_PRIME = 2**26
_TEMP = 1 << 24
"""Entries of one temporary product (128 MB): updates are cut into row chunks of this size."""
_MIN_ROWS = 256
_SERIAL = 1 << 18
"""OpenBLAS runs a product of fewer than 2 * 2**18 multiply-adds on one thread."""
_THREADED = 1 << 26
"""Products of fewer multiply-adds are issued in calls of at most ``_SERIAL``: on two
cores, threads only pay off on large products, and on a loaded machine every threaded
call waits for both threads to be scheduled (a performance choice; results are equal)."""


@dataclass(frozen=True)
class RankProfile:
    """Rank modulo ``prime`` and a non-singular ``rank`` x ``rank`` minor proving it.

    ``rows`` and ``columns`` (increasing indices into the input) select a submatrix that is
    non-singular modulo ``prime``. ``rank`` is the rank modulo ``prime``, unless a target
    was given and reached, in which case the rank is at least ``rank`` (= the target).
    """

    rank: int
    rows: tuple[int, ...]
    columns: tuple[int, ...]
    prime: int


def max_depth(p: int) -> int:
    """Largest k with k ((p-1)/2)^2 < 2^53: k products of centred residues sum exactly."""
    _check_prime(p)
    h = (p - 1) // 2
    return (2**53 - 1) // (h * h)


def block_depth(p: int) -> int:
    """Largest k with (p-1)/2 + k ((p-1)/2)^2 < 2^51: the inner dimension of one update.

    ``c - a @ b`` over k such terms is then exact and reduces exactly (module docstring).
    """
    _check_prime(p)
    h = (p - 1) // 2
    return (2**51 - 1 - h) // (h * h)


def _check_prime(p: int) -> None:
    if not isinstance(p, int) or not 3 <= p < _MAX_PRIME or not flint.fmpz(p).is_prime():
        raise ValueError(f"p must be an odd prime below 2**26, got {p!r}")


def _check_depth(p: int, depth: int | None) -> int:
    limit = block_depth(p)
    if depth is None:
        return limit
    if not isinstance(depth, int) or not 1 <= depth <= limit:
        raise ValueError(f"depth must be an integer in [1, {limit}] for p = {p}")
    return depth


def _centred(block: np.ndarray, p: int, ncols: int | None = None) -> np.ndarray:
    """Float64 copy (Fortran order) of int residues in [0, p), centred into [-h, h]."""
    block = np.asarray(block)
    if block.ndim != 2 or (ncols is not None and block.shape[1] != ncols):
        raise ValueError(f"expected a 2-D array with {ncols} columns, got {block.shape}")
    if block.dtype.kind not in "iu":
        raise ValueError(f"expected integer residues, got dtype {block.dtype}")
    if block.size and (block.min() < 0 or block.max() >= p):
        raise ValueError(f"entries must be residues in [0, {p})")
    x = np.array(block, dtype=np.float64, order="F")
    step = max(1, _TEMP // max(1, x.shape[0]))
    scratch = np.empty((x.shape[0], min(step, x.shape[1])), order="F")
    for j in range(0, x.shape[1], step):
        part = x[:, j:j + step]
        _centre(part, scratch[:, :part.shape[1]], p)
    return x


def _centre(y: np.ndarray, q: np.ndarray, p: int) -> None:
    """y <- y - p rint(y / p) in place (exact for integers |y| < 2^51); q is scratch."""
    np.multiply(y, 1.0 / p, out=q)
    np.rint(q, out=q)
    q *= p
    y -= q


def reduce_centred(y: np.ndarray, p: int) -> np.ndarray:
    """Reduce a float64 array of integers of magnitude below 2^51 modulo p, in place, into
    [-(p-1)/2, (p-1)/2]: exact (module docstring, "Reduction"). Returns ``y``."""
    _check_prime(p)
    if y.dtype != np.float64:
        raise ValueError(f"expected a float64 array, got dtype {y.dtype}")
    flat = y.T if y.ndim == 2 and y.flags.f_contiguous else y.reshape(-1, y.shape[-1])
    step = max(1, _TEMP // max(1, flat.shape[1]))
    scratch = np.empty((min(step, flat.shape[0]), flat.shape[1]))
    for i in range(0, flat.shape[0], step):
        part = flat[i:i + step]
        _centre(part, scratch[:part.shape[0]], p)
    return y


def _submul(t: np.ndarray, out: slice, inp: slice, s: np.ndarray, p: int, depth: int) -> None:
    """t[:, out] <- centred(t[:, out] - t[:, inp] @ s), inner blocks of ``depth`` terms."""
    m = t.shape[0]
    k, w = s.shape
    if not (m and k and w):
        return
    step = max(_MIN_ROWS, _TEMP // w)
    buf = np.empty((min(step, m), w), order="F")
    for i in range(0, m, step):
        c = t[i:i + step, out]
        a = t[i:i + step, inp]
        prod = buf[:c.shape[0]]
        for j in range(0, k, depth):
            _matmul(a[:, j:j + depth], s[j:j + depth], prod)
            c -= prod
            _centre(c, prod, p)


def _matmul(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
    """out <- a @ b; mid-sized products in calls of at most ``_SERIAL`` multiply-adds."""
    m, k = a.shape
    w = b.shape[1]
    if m * k * w >= _THREADED or m * k * w < 2 * _SERIAL:
        np.matmul(a, b, out=out)
        return
    step = max(1, _SERIAL // (k * w))
    for i in range(0, m, step):
        np.matmul(a[i:i + step], b, out=out[i:i + step])


def _rotate(t: np.ndarray, lo: int, mid: int, hi: int) -> None:
    """Reorder columns [lo, hi) as [mid, hi) followed by [lo, mid), by chunks of rows."""
    step = max(_MIN_ROWS, _TEMP // max(1, mid - lo))
    for i in range(0, t.shape[0], step):
        rows = t[i:i + step]
        left = rows[:, lo:mid].copy(order="F")
        rows[:, lo:lo + hi - mid] = rows[:, mid:hi]
        rows[:, lo + hi - mid:hi] = left


def _apply(op: tuple, t: np.ndarray, s: np.ndarray, p: int, depth: int) -> None:
    """Apply one recorded elimination step to the rows ``t``, with pivot rows ``s``."""
    match op:
        case ("scale", c, inv):
            col = t[:, c]
            col *= inv
            _centre(col, np.empty_like(col), p)
        case ("update", k0, k1, c0, mid, c1):
            _submul(t, slice(mid, c1), slice(c0, c0 + k1 - k0), s[k0:k1, mid:c1], p, depth)
        case ("combine", k1, k2, c0, r1, mid):
            _submul(t, slice(c0, c0 + r1), slice(mid, mid + k2 - k1), s[k1:k2, c0:c0 + r1],
                    p, depth)
        case ("rotate", lo, mid, hi):
            _rotate(t, lo, mid, hi)


class _Elimination:
    """Rank-profile elimination of one float64 block in place (module docstring).

    After it, ``rows``/``cols`` hold the global indices of the pivots, ``a[:rank]`` the pivot
    rows and ``ops`` the steps that reduce further rows modulo them; when the target was not
    reached, ``colid[rank:]`` are the global indices of the columns left without pivot,
    which are the columns ``a[:, rank:]`` of the rows reduced by ``ops``.
    """

    def __init__(self, a: np.ndarray, p: int, depth: int, target: int,
                 rowid: np.ndarray, colid: np.ndarray, full: bool = False) -> None:
        self.a, self.p, self.depth, self.target, self.full = a, p, depth, target, full
        self.rowid, self.colid = rowid, colid.copy()
        self.rows: list[int] = []
        self.cols: list[int] = []
        self.ops: list[tuple] = []
        if target > 0:
            self._node(0, 0, a.shape[1], True)

    def _done(self) -> bool:
        return not self.full and len(self.rows) == self.target

    def _record(self, op: tuple, first_row: int) -> None:
        _apply(op, self.a[first_row:], self.a, self.p, self.depth)
        self.ops.append(op)

    def _leaf(self, r0: int, c: int) -> int:
        a = self.a
        col = a[r0:, c]
        if col[0] == 0:
            nz = np.flatnonzero(col)
            if not nz.size:
                return 0
            i = r0 + int(nz[-1])
            a[[r0, i]] = a[[i, r0]]
            self.rowid[[r0, i]] = self.rowid[[i, r0]]
        inv = pow(int(a[r0, c]), -1, self.p)
        if inv > (self.p - 1) // 2:
            inv -= self.p
        self._record(("scale", c, inv), r0 + 1)
        self.rows.append(int(self.rowid[r0]))
        self.cols.append(int(self.colid[c]))
        return 1

    def _node(self, r0: int, c0: int, c1: int, spine: bool) -> int:
        """Eliminate columns [c0, c1) on rows r0..; return the number of pivots found."""
        if r0 == self.a.shape[0] or c0 == c1:
            return 0
        if c1 - c0 == 1:
            return self._leaf(r0, c0)
        mid = (c0 + c1) // 2
        r1 = self._node(r0, c0, mid, False)
        if self._done():
            return r1
        if r1:
            self._record(("update", r0, r0 + r1, c0, mid, c1), r0 + r1)
        r2 = self._node(r0 + r1, mid, c1, spine)
        if self._done() or not r2:
            return r1 + r2
        below = r0 + r1 + r2
        if r1 and (self.full or not spine):
            self._record(("combine", r0 + r1, below, c0, r1, mid), below)
        if r1 < mid - c0:
            self._record(("rotate", c0 + r1, mid, mid + r2), below)
            ids = self.colid
            ids[c0 + r1:mid + r2] = np.concatenate((ids[mid:mid + r2], ids[c0 + r1:mid]))
        return r1 + r2


@dataclass(frozen=True)
class _Stage:
    """Pivot rows of one eliminated block and the steps reducing further rows by them."""

    pivots: np.ndarray
    ops: list[tuple]


def rank_profile_blocks(blocks: Iterable[np.ndarray], ncols: int, p: int,
                        target: int | None = None, *, depth: int | None = None) -> RankProfile:
    """Rank profile mod p of the matrix stacking ``blocks`` (int residues in [0, p)).

    Parameters
    ----------
    blocks
        Row blocks, each a 2-D integer array with ``ncols`` columns and entries in [0, p).
        They are read one at a time and only while the rank is below ``target``.
    ncols
        Number of columns.
    p
        An odd prime below 2**26 (fastest below ``2**PRIME_BITS_BLAS``).
    target
        Stop once the rank reaches it (default: ``ncols``).
    depth
        Inner dimension of the exact blocks (default and maximum ``block_depth(p)``);
        smaller values only serve to test the blocking.

    Returns
    -------
    RankProfile
        Rows are global indices into the stacked matrix. The first block is eliminated in
        place, later ones are reduced by replaying its steps and eliminated as new stages
        (module docstring): every product is exact, so the rank and the non-singularity of
        the minor mod p are exact, not probabilistic.
    """
    _check_prime(p)
    depth = _check_depth(p, depth)
    if not isinstance(ncols, int) or ncols < 0:
        raise ValueError(f"ncols must be a non-negative integer, got {ncols!r}")
    if target is not None and (not isinstance(target, int) or target < 0):
        raise ValueError(f"target must be a non-negative integer, got {target!r}")
    target = ncols if target is None else min(target, ncols)
    stages: list[_Stage] = []
    rows: list[int] = []
    cols: list[int] = []
    free = np.arange(ncols)
    offset = 0
    it = iter(blocks)
    while len(rows) < target and (block := next(it, None)) is not None:
        x = _centred(block, p, ncols)
        b = x.shape[0]
        for stage in stages:
            for op in stage.ops:
                _apply(op, x, stage.pivots, p, depth)
            x = x[:, stage.pivots.shape[0]:]
        elim = _Elimination(x, p, depth, target - len(rows), np.arange(offset, offset + b), free)
        offset += b
        rows += elim.rows
        cols += elim.cols
        r = len(elim.rows)
        if r and len(rows) < target:
            pivots = x[:r] if 2 * r >= b else np.asfortranarray(x[:r])
            stages.append(_Stage(pivots, elim.ops))
            free = elim.colid[r:]
    return RankProfile(len(rows), tuple(sorted(rows)), tuple(sorted(cols)), p)


def rank_profile(a: np.ndarray, p: int, *, target: int | None = None, block: int = 512,
                 depth: int | None = None) -> RankProfile:
    """Rank of ``a`` mod p and a non-singular minor proving it (module docstring).

    Parameters
    ----------
    a
        2-D integer array of residues in [0, p) (the caller reduces the entries).
    p
        An odd prime below 2**26 (fastest below ``2**PRIME_BITS_BLAS``).
    target
        Stop once the rank reaches it; the minor is then target x target.
    block
        The first block has ``max(ncols, block)`` rows; the next ones ``block``, then twice
        as many each time up to ``8 * block`` (few rows are read when few are needed, and
        few blocks when many are: each block replays the steps of the first). A wide
        matrix is handled through its transpose (rows and columns are swapped back).
    depth
        As in :func:`rank_profile_blocks`.

    Returns
    -------
    RankProfile
        Exact: every float64 operation is an exact integer operation (module docstring).
    """
    a = np.asarray(a)
    if a.ndim != 2:
        raise ValueError(f"expected a 2-D array, got shape {a.shape}")
    if not isinstance(block, int) or block < 1:
        raise ValueError(f"block must be a positive integer, got {block!r}")
    m, n = a.shape
    if m < n:
        t = rank_profile(a.T, p, target=target, block=block, depth=depth)
        return RankProfile(t.rank, t.columns, t.rows, p)
    def row_blocks() -> Iterator[np.ndarray]:
        start, size = max(n, block), block
        yield a[:start]
        while start < m:
            yield a[start:start + size]
            start, size = start + size, min(2 * size, 8 * block)

    return rank_profile_blocks(row_blocks(), n, p, target, depth=depth)


@dataclass(frozen=True)
class KernelProfile:
    """A rank profile modulo ``profile.prime`` and a basis of the right kernel modulo it.

    ``kernel`` is an n x (n - rank) int64 array of residues in [0, p) with ``a @ kernel = 0
    mod p``; its column t is 1 in row ``free[t]`` and 0 in the other rows of ``free``, so
    its columns are independent and span the kernel.
    """

    profile: RankProfile
    kernel: np.ndarray
    free: tuple[int, ...]


def kernel_profile(a: np.ndarray, p: int, *, depth: int | None = None) -> KernelProfile:
    """Rank profile and right kernel of ``a`` modulo p, from one elimination.

    Parameters
    ----------
    a
        2-D integer array (m x n) of residues in [0, p).
    p, depth
        As in :func:`rank_profile_blocks`.

    Returns
    -------
    KernelProfile
        The transpose (rows = columns of ``a``) is eliminated completely, with the
        multipliers of the rows below combined at every node of the recursion, the right
        spine included (step 4 of the module docstring). Its pivots give the minor (pivot
        rows of the transpose are columns of ``a``). Each row i left without pivot is then
        ``M_i @`` (the pivot rows as they were on entry): column i of ``a`` is that
        combination of its pivot columns, so ``e_i - sum_k M_ik e_(pivot k)`` lies in the
        kernel. Every product is exact, as in :func:`rank_profile_blocks`.
    """
    _check_prime(p)
    depth = _check_depth(p, depth)
    a = np.asarray(a)
    if a.ndim != 2:
        raise ValueError(f"expected a 2-D array, got shape {a.shape}")
    m, n = a.shape
    t = _centred(a.T, p)
    elim = _Elimination(t, p, depth, m, np.arange(n), np.arange(m), full=True)
    r = len(elim.rows)
    free = elim.rowid[r:]
    k = np.zeros((n, n - r), dtype=np.int64)
    k[free, np.arange(n - r)] = 1
    k[elim.rowid[:r]] = (-t[r:, :r].T).astype(np.int64) % p
    profile = RankProfile(r, tuple(sorted(elim.cols)), tuple(sorted(elim.rows)), p)
    return KernelProfile(profile, k, tuple(int(i) for i in free))


def kernel_mod(a: np.ndarray, p: int, *, depth: int | None = None
               ) -> tuple[np.ndarray, tuple[int, ...]]:
    """A basis K of the right kernel of ``a`` modulo p and its rows ``free`` where K is the
    identity (:func:`kernel_profile`)."""
    found = kernel_profile(a, p, depth=depth)
    return found.kernel, found.free


def kernel_profile_blocks(blocks: Iterable[np.ndarray], ncols: int, p: int, *,
                          depth: int | None = None) -> KernelProfile:
    """Rank profile and right kernel modulo p of the matrix stacking ``blocks``.

    The first block B (int residues in [0, p), ``ncols`` columns, as in
    :func:`rank_profile_blocks`) is eliminated by :func:`kernel_profile`: a minor
    B[R1, C1] and a kernel basis K1 with K1[F1] = I. When B has full column rank, no other
    block is read. Otherwise every further block E only contributes the small product
    E K1, and

    * the rank is rank B + rank(E K1): x -> x K1 maps the row space onto a space whose
      kernel is exactly the row space of B (K1 spans its annihilator);
    * with R2, C2 a profile of E K1, the minor on rows R1 + R2 and columns C1 + F1[C2] is
      non-singular: with K1 = [X; I] on (C1, F1), X = -B[R1, C1]^-1 B[R1, F1], its Schur
      complement with respect to B[R1, C1] is (E K1)[R2, C2];
    * the kernel is K1 N, N the kernel of E K1 (a @ K1 N = 0, and it is the identity on
      the rows F1[free of N]).

    The work beyond B is one product E K1 per block and an elimination of E K1, instead of
    reducing every further row by every pivot row.
    """
    _check_prime(p)
    depth = _check_depth(p, depth)
    if not isinstance(ncols, int) or ncols < 0:
        raise ValueError(f"ncols must be a non-negative integer, got {ncols!r}")
    it = iter(blocks)
    first = next(it, None)
    if first is None:
        first = np.zeros((0, ncols), dtype=np.int64)
    first = np.asarray(first)
    if first.ndim != 2 or first.shape[1] != ncols:
        raise ValueError(f"expected a 2-D array with {ncols} columns, got {first.shape}")
    head = kernel_profile(first, p, depth=depth)
    k1 = head.kernel
    if not k1.shape[1]:
        return head
    parts = []
    for block in it:
        block = np.asarray(block)
        if block.ndim != 2 or block.shape[1] != ncols:
            raise ValueError(f"expected a 2-D array with {ncols} columns, got {block.shape}")
        parts.append(matmul_mod(block, k1, p, depth=depth))
    if not parts:
        return head
    tail = kernel_profile(np.concatenate(parts), p, depth=depth)
    offset = first.shape[0]
    rows = head.profile.rows + tuple(offset + i for i in tail.profile.rows)
    cols = head.profile.columns + tuple(head.free[j] for j in tail.profile.columns)
    profile = RankProfile(len(rows), tuple(sorted(rows)), tuple(sorted(cols)), p)
    kernel = matmul_mod(k1, tail.kernel, p, depth=depth)
    return KernelProfile(profile, kernel, tuple(head.free[j] for j in tail.free))


def matmul_centred(a: np.ndarray, b: np.ndarray, p: int, *, depth: int | None = None
                   ) -> np.ndarray:
    """(a @ b) mod p as a float64 array (Fortran order) of centred residues in [-h, h],
    for int residues a, b in [0, p).

    Exact: centred float64 products over inner blocks of at most ``block_depth(p)`` terms
    (or ``depth``), each added to the centred accumulator and reduced (module docstring).
    """
    _check_prime(p)
    depth = _check_depth(p, depth)
    x, y = _centred(a, p), _centred(b, p)
    if x.shape[1] != y.shape[0]:
        raise ValueError(f"shapes {x.shape} and {y.shape} do not match")
    acc = np.zeros((x.shape[0], y.shape[1]), order="F")
    if x.shape[1]:
        _matmul(x[:, :depth], y[:depth], acc)
        reduce_centred(acc, p)
    if x.shape[1] > depth:
        prod = np.empty_like(acc)
        for j in range(depth, x.shape[1], depth):
            _matmul(x[:, j:j + depth], y[j:j + depth], prod)
            acc += prod
            reduce_centred(acc, p)
    return acc


def residues_of_centred(y: np.ndarray, p: int) -> np.ndarray:
    """int64 residues in [0, p) of a float64 array of centred residues."""
    res = y.astype(np.int64)
    res += (res >> 63) & p  # p where negative (arithmetic shift: -1), else 0
    return res


def matmul_mod(a: np.ndarray, b: np.ndarray, p: int, *, depth: int | None = None
               ) -> np.ndarray:
    """(a @ b) mod p as int64 residues in [0, p), for int residues a, b in [0, p)
    (:func:`matmul_centred`)."""
    return residues_of_centred(matmul_centred(a, b, p, depth=depth), p)
