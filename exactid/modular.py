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
  of that depth with a reduction after each block.
* Lazy updates. The update of a right half (step 2 below) is not reduced when its entries,
  counting the lazy updates they received since their last reduction, are sums of at most
  ``block_depth`` products besides the centred entry: their magnitude stays below
  h + block_depth h^2 < 2^51, so every difference is exact and a later reduction is
  exact. Such columns are reduced when a panel reaches them (and the pivot rows on them
  before they serve as a product operand), which saves four passes over the right half
  at each level of the recursion; an update that would exceed the bound reduces first.
* The elimination of a panel (:func:`_panel_pivots`) computes ``d * x - c * y`` for
  centred residues d, x, c, y: magnitude <= 2 h^2 < 2^51, exact, reduced exactly; its
  other operations are products of two centred residues, and blocked products as above.

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

A call on at most ``_PANEL`` columns (a panel) is not split: :func:`_panel_pivots` takes
its pivots as one-column calls would, column by column: the entry in the next row or, if it
is zero, the last non-zero entry below it (so that rows which are zero there move far down,
not one row per column), whose whole row is swapped into the next row. It works on a slab
of the first rows, as many as columns (a Gauss-Jordan elimination of about ten small NumPy
operations per pivot), and reads the rows below only for a zero entry (the last rows
non-zero in the panel then join the slab, the others are reduced if needed). With its r
pivots in rows R = r0..r0+r-1 and columns C, P = A[R, C] is non-singular, and one product
with ``S = [-P^-1 | P^-1 Q]``, Q = A[R, N] on the other columns N, turns every row b below
into ``[m | b_N - m Q]``, m = b_C P^-1: its multipliers, in the columns C moved to the
front, and its residue on N (zero in this block: N are columns without pivot). Steps 2 and
4 are float64 matrix products: n^3 / 3 multiply-adds for a square matrix of full rank, as
LU, and about 2 n^2 / 3 for each further row. The pivots found form a minor whose
determinant is +-(product of the pivots) mod p, non-zero; once all columns are eliminated
the rows left are zero, so the number of pivots is the rank. Elimination stops as soon as
the rank reaches ``target``; the minor found so far is then target x target. The pivots,
the row swaps and hence the results do not depend on ``_PANEL`` (one column: the rule
itself).

Streaming tall matrices
-----------------------
:func:`rank_profile_blocks` eliminates a first block of rows in place (in a float64 copy of
the block), keeps its pivot rows and the list of the steps above (panels, reductions,
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

import functools
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np

__all__ = [
    "PRIME_BITS_BLAS",
    "KernelProfile",
    "RankProfile",
    "block_depth",
    "is_prime",
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
_CHUNK = 1 << 15
"""Entries (256 kB) of the slices reduced at once: the four passes of a reduction hit the cache."""
_PANEL = 32
"""Widest column range eliminated by :func:`_panel_pivots` rather than split in halves."""
_SERIAL = 1 << 18
"""OpenBLAS runs a product of fewer than 2 * 2**18 multiply-adds on one thread."""
_THREADED = 1 << 22
"""Products of fewer multiply-adds are issued in calls of at most ``_SERIAL``: on two
cores, threads only pay off from a few million multiply-adds (measured on the local
Jacobians: a 1231 x 1231 elimination 48 -> 41 ms, 3500 x 3400 604 -> 549 ms, against a
threshold of 2**26), and on a loaded machine every threaded call waits for both threads
to be scheduled (a performance choice; results are equal)."""
_MIN_BAND = 32
"""Fewest rows of a band in such calls; thinner products are cut into square tiles instead
(a product of few rows reads all of ``b`` for little work)."""


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


@functools.cache
def _small_primes() -> np.ndarray:
    """The primes below 2**13, by the sieve of Eratosthenes (91**2 > 2**13)."""
    sieve = np.ones(1 << 13, dtype=bool)
    sieve[:2] = False
    for i in range(2, 91):
        if sieve[i]:
            sieve[i * i::i] = False
    return np.flatnonzero(sieve)


@functools.lru_cache(maxsize=1024)
def is_prime(n: int) -> bool:
    """Whether the integer 0 <= n < 2**26 is prime, by trial division by every prime below
    2**13: a composite n has a prime factor at most sqrt(n) < 2**13. (A few lines of
    NumPy, so that a rank modulo a prime never needs to load FLINT.)"""
    if not isinstance(n, int) or not 0 <= n < _MAX_PRIME:
        raise ValueError(f"n must be an integer in [0, 2**26), got {n!r}")
    primes = _small_primes()
    if n < 1 << 13:
        return n >= 2 and bool(primes[np.searchsorted(primes, n)] == n)
    return bool((n % primes).all())


def _check_prime(p: int) -> None:
    if not isinstance(p, int) or not 3 <= p < _MAX_PRIME or not is_prime(p):
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
    x = np.empty(block.shape, order="F")
    step = max(1, _CHUNK // max(1, x.shape[0]))
    for j in range(0, x.shape[1], step):  # cache-sized slices: converted, checked, centred
        part = x[:, j:j + step]
        part[...] = block[:, j:j + step]  # float64 keeps the order: checks as on integers
        if part.size and (part.min() < 0 or part.max() >= p):
            raise ValueError(f"entries must be residues in [0, {p})")
        _reduce(part, p)
    return x


def _centre(y: np.ndarray, q: np.ndarray, p: int) -> None:
    """y <- y - p rint(y / p) in place (exact for integers |y| < 2^51); q is scratch."""
    np.multiply(y, 1.0 / p, out=q)
    np.rint(q, out=q)
    q *= p
    y -= q


def _reduce(y: np.ndarray, p: int) -> None:
    """:func:`_centre` on a 2-D array or view, by slices of at most ``_CHUNK`` entries
    along its axis of smaller stride (cache-sized: the four passes read them once)."""
    if y.strides[0] > y.strides[1]:
        y = y.T
    m, w = y.shape
    if not (m and w):
        return
    step = max(1, _CHUNK // m)
    scratch = np.empty((m, min(step, w)), order="F")
    for j in range(0, w, step):
        part = y[:, j:j + step]
        _centre(part, scratch[:, :part.shape[1]], p)


def reduce_centred(y: np.ndarray, p: int) -> np.ndarray:
    """Reduce a float64 array of integers of magnitude below 2^51 modulo p, in place, into
    [-(p-1)/2, (p-1)/2]: exact (module docstring, "Reduction"). Returns ``y``."""
    _check_prime(p)
    if y.dtype != np.float64:
        raise ValueError(f"expected a float64 array, got dtype {y.dtype}")
    _reduce(y if y.ndim == 2 else y.reshape(-1, y.shape[-1]), p)
    return y


def _submul(c: np.ndarray, a: np.ndarray, s: np.ndarray, p: int, depth: int,
            reduce: bool = True) -> None:
    """c <- c - a @ s in place, by row chunks and inner blocks of ``depth`` terms, each
    followed by a reduction into [-h, h] unless ``reduce`` is false (then ``s`` must have
    at most ``depth`` rows: the caller bounds the sum, see "Lazy updates")."""
    m = c.shape[0]
    k, w = s.shape
    if not (m and k and w):
        return
    if k <= depth and m * w <= _CHUNK:  # small: fewest NumPy calls
        prod = np.empty((m, w), order="F")
        _matmul(a, s, prod)
        c -= prod
        if reduce:
            _centre(c, prod, p)
        return
    step = max(_MIN_ROWS, _TEMP // w)
    buf = np.empty((min(step, m), w), order="F")
    for i in range(0, m, step):
        ci = c[i:i + step]
        ai = a[i:i + step]
        prod = buf[:ci.shape[0]]
        for j in range(0, k, depth):
            _matmul(ai[:, j:j + depth], s[j:j + depth], prod)
            if not reduce:
                ci -= prod
                continue
            cols = max(1, _CHUNK // ci.shape[0])  # cache-sized slices of columns
            for col in range(0, w, cols):
                cc, pc = ci[:, col:col + cols], prod[:, col:col + cols]
                cc -= pc
                _centre(cc, pc, p)


def _matmul(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
    """out <- a @ b; mid-sized products in calls of at most ``_SERIAL`` multiply-adds, on
    bands of rows or, when a band would have fewer than ``_MIN_BAND`` rows, on tiles."""
    m, k = a.shape
    w = b.shape[1]
    if m * k * w >= _THREADED or m * k * w < 2 * _SERIAL:
        np.matmul(a, b, out=out)
        return
    area = max(1, _SERIAL // k)
    rows, cols = area // w, w
    if rows < _MIN_BAND:
        rows = max(1, math.isqrt(area))
        cols = area // rows
    for i in range(0, m, rows):
        for j in range(0, w, cols):
            np.matmul(a[i:i + rows], b[:, j:j + cols], out=out[i:i + rows, j:j + cols])


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
        case ("panel", c0, order, smat):
            r, w = smat.shape
            block = t[:, c0:c0 + w]
            left = block[:, order[:r]]
            block[:, r:] = block[:, order[r:]]
            block[:, :r] = 0.0
            _submul(block, left, smat, p, depth)
        case ("reduce", c0, c1):
            _reduce(t[:, c0:c1], p)
        case ("update", k0, k1, c0, mid, c1, lazy):
            _submul(t[:, mid:c1], t[:, c0:c0 + k1 - k0], s[k0:k1, mid:c1], p, depth,
                    reduce=not lazy)
        case ("combine", k1, k2, c0, r1, mid):
            _submul(t[:, c0:c0 + r1], t[:, mid:mid + k2 - k1], s[k1:k2, c0:c0 + r1], p, depth)
        case ("rotate", lo, mid, hi):
            _rotate(t, lo, mid, hi)


def _panel_pivots(block: np.ndarray, p: int, depth: int, limit: int,
                  swap: Callable[[int, int], None]) -> tuple[list[int], np.ndarray]:
    """Pivots of a panel by the one-column rule, and the matrix eliminating by them.

    ``block`` holds the panel's columns of rows r0.. (centred, as on entry to the panel)
    and ``swap(k, i)`` exchanges its rows k and i as whole rows of the matrix. Column by
    column, the pivot is the entry in the next row k or, if it is zero, the last non-zero
    entry below it (so that rows which are zero there move far down, not one row per
    column), entries taken modulo the pivots found so far; its row is swapped into row k.
    Returns ``(cols, smat)``: the r = ``len(cols)`` pivot columns (at most ``limit``),
    pivot t being in row t, P = ``block[:r, cols]`` non-singular mod p, and, with the
    other columns N (increasing) and Q = ``block[:r, N]``, ``smat = [-P^-1 | P^-1 Q]``
    (r x ncols, centred). For a row b and m = b[cols] P^-1,
    ``[0 | b[N]] - b[cols] @ smat = [m | b[N] - m Q]``: its multipliers and its residue.
    The work is done on a few rows only (:class:`_Slab`).
    """
    slab = _Slab(block, p, depth, swap)
    for j in range(block.shape[1]):
        k = len(slab.cols)
        if k == limit or k == block.shape[0]:
            break
        if slab.g[k, j] != 0 or slab.pivot_below(j):
            slab.eliminate(j)
    return slab.cols, slab.smat()


class _Slab:
    """Fraction-free Gauss-Jordan elimination of some rows of a panel (:func:`_panel_pivots`).

    ``g = [S | F]``: S holds rows of the panel (the first min(nrows, ncols) ones, then, once
    an entry there is zero, the last ncols rows non-zero in the panel) and F the row
    operations done on them, so that ``F @ (those rows) = S`` with F's columns indexing
    the pivot rows 0.., plus for each row not yet a pivot its own coefficient, equal to
    ``before`` (the product of the pivots so far) and left implicit. The step of pivot t,
    d in row t and column j, replaces every row x by ``d * x - c * (row t)``, c its entry
    in column j (0 for row t itself): exact, as the magnitude is at most 2 h^2 < 2^51
    (module docstring). It is only computed on the columns j+1 .. ncols+t, where row t can
    be non-zero: elsewhere it multiplies each column by d (columns j' <= j are zero in row
    t; so are F's columns beyond t), and these factors are put back in :meth:`smat`. A
    row not yet a pivot is thus ``before * (x - m P)``, with P the pivot rows as on entry
    and m = x[cols] P^-1, and F part ``-before * m``.
    """

    def __init__(self, block: np.ndarray, p: int, depth: int,
                 swap: Callable[[int, int], None]) -> None:
        self.block, self.p, self.depth, self.swap = block, p, depth, swap
        m, w = block.shape
        self.top = s = min(m, w)
        self.g = np.zeros((s, w + s), order="F")
        self.g[:, :w] = block[:s]
        self.buf = np.empty_like(self.g)
        self.pos = list(range(s))  # row of the panel held in each row of g
        self.middle: list[int] | None = None  # rows between, non-zero in the panel,
        self.lower = np.zeros((0, w))  # and their entries
        self.cols: list[int] = []
        self.pivots: list[int] = []
        self.inverse: list[int] = []  # of the pivots, as needed
        self.before = 1  # product of the pivots so far, mod p
        self.scale = np.zeros((0, 1))

    def eliminate(self, j: int) -> None:
        """The step of the pivot in row k = ``len(cols)`` and column j."""
        g, w, k = self.g, self.block.shape[1], len(self.cols)
        d = g[k, j]
        g[k, w + k] = _centre_int(self.before, self.p)
        # F-contiguous operands: small NumPy operations are fastest on them
        part, o = g[:, j + 1:w + k + 1], self.buf[:, :w + k - j]
        c = g[:, j:j + 1]  # column j is not read again
        c[k] = 0.0
        np.multiply(c, part[k], out=o)
        part *= d
        part -= o
        _centre(part, o, self.p)
        self.cols.append(j)
        self.pivots.append(int(d))
        self.before = self.before * self.pivots[-1] % self.p

    def pivot_below(self, j: int) -> bool:
        """Column j is zero in row k = ``len(cols)``: swap into row k the last row below
        whose entry in column j is non-zero, and return True; False if there is none.

        The first time, the last ncols rows non-zero in the panel below the first rows join
        g: the rows the rule takes when the first ones run out. The rows between are only
        reduced here, when none of those will do."""
        k, top = len(self.cols), self.top
        if self.middle is None:
            live = (top + np.flatnonzero(self.block[top:].any(axis=1))).tolist()
            cut = max(0, len(live) - self.block.shape[1])
            self.middle, last = live[:cut], live[cut:]
            self.lower = self.block[self.middle]
            if last:
                g = np.empty((top + len(last), self.g.shape[1]), order="F")
                g[:top], g[top:] = self.g, self.states(self.block[last], j)
                self.g, self.buf = g, np.empty_like(g)
                self.pos += last
        g = self.g
        nz = k + 1 + np.flatnonzero(g[k + 1:, j])
        if (not nz.size or nz[-1] < top) and self.middle:  # none of the last rows
            between = np.flatnonzero(self.states(self.lower, j, only_column=True))
            if between.size:
                q = int(between[-1])
                mid = self.middle[q]
                g[k] = self.states(self.lower[q:q + 1], j)[0]
                self.swap(k, mid)
                self.lower[q] = self.block[mid]
                return True
        if not nz.size:
            return False
        i = int(nz[-1])
        g[[k, i]] = g[[i, k]]
        self.swap(k, self.pos[i])
        return True

    def _scales(self) -> np.ndarray:
        """1 / D_t for the k pivots so far, D_t = d_t (d_t d_(t+1) ... d_(k-1)) the entry
        of pivot row t in its column, as a centred k x 1 array."""
        p, k = self.p, len(self.cols)
        if len(self.scale) != k:
            self.inverse += [pow(d, -1, p) for d in self.pivots[len(self.inverse):]]
            acc, scale = 1, [0] * k
            for t in range(k - 1, -1, -1):
                acc = acc * self.inverse[t] % p
                scale[t] = acc * self.inverse[t] % p
            a = np.array(scale, dtype=np.float64)[:, None]
            self.scale = np.where(a > (p - 1) // 2, a - p, a)
        return self.scale

    def states(self, x: np.ndarray, j: int, only_column: bool = False) -> np.ndarray:
        """The rows of g that rows x of the panel (entries as on entry, not pivots) have
        before the step of column j, or only their entries in column j modulo the pivots
        (zero or not).

        ``x - m P`` on the columns j.. is ``x[j:] - x[cols] @ Y`` with Y = P^-1 P[:, j:]
        = ``G[:k, j:] / D`` and m = ``x[cols] @ F[:k, :k] / D`` (:meth:`_scales`):
        blocked products of centred residues, exact."""
        p, w, k = self.p, self.block.shape[1], len(self.cols)
        hi = j + 1 if only_column else w + k
        z = self.g[:k, j:hi] * self._scales()  # [Y | P^-1]
        _centre(z, np.empty_like(z), p)
        out = np.zeros((x.shape[0], hi - j), order="F")
        out[:, :min(w, hi) - j] = x[:, j:min(w, hi)]
        _submul(out, x[:, self.cols], z, p, self.depth)  # [x[j:] - x[cols] Y | -m]
        if only_column:
            return out
        state = np.zeros((x.shape[0], self.g.shape[1]), order="F")
        np.multiply(out, _centre_int(self.before, p), out=state[:, j:w + k])
        _centre(state, np.empty_like(state), p)
        return state

    def smat(self) -> np.ndarray:
        """``[-P^-1 | P^-1 Q]``, P^-1 = ``F[:r, :r] / D`` and P^-1 Q = ``S[:r, N] / D`` with
        D_t = d_t (d_t ... d_(r-1)) and each column j' of N multiplied by the pivots of the
        columns after it (the factors the steps left out)."""
        g, p, w, cols, pivots = self.g, self.p, self.block.shape[1], self.cols, self.pivots
        r = len(cols)
        free = sorted(set(range(w)).difference(cols))
        after = [1] * (r + 1)  # after[t]: product of the pivots t.. mod p
        for t in range(r - 1, -1, -1):
            after[t] = after[t + 1] * pivots[t] % p
        smat = np.empty((r, w))
        smat[:, :r] = -g[:r, w:w + r]
        if free:
            later = [after[t] for t in np.searchsorted(cols, free).tolist()]
            rest = smat[:, r:]
            np.multiply(g[:r, free], [_centre_int(v, p) for v in later], out=rest)
            _centre(rest, np.empty_like(rest), p)
        smat *= self._scales()
        _centre(smat, np.empty_like(smat), p)
        return smat


def _centre_int(v: int, p: int) -> float:
    """The centred residue of the integer v modulo p, as a float."""
    v %= p
    return float(v - p if v > (p - 1) // 2 else v)


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
            self._node(0, 0, a.shape[1], True, 0)

    def _done(self) -> bool:
        return not self.full and len(self.rows) == self.target

    def _record(self, op: tuple, first_row: int) -> None:
        _apply(op, self.a[first_row:], self.a, self.p, self.depth)
        self.ops.append(op)

    def _swap(self, i: int, k: int) -> None:
        """Exchange the rows i and k (whole rows)."""
        self.a[[i, k]] = self.a[[k, i]]
        self.rowid[[i, k]] = self.rowid[[k, i]]

    def _panel(self, r0: int, c0: int, c1: int, pending: int) -> int:
        """Eliminate the at most ``_PANEL`` columns [c0, c1) on rows r0.. (module docstring);
        return the number of pivots found."""
        if pending:
            self._record(("reduce", c0, c1), r0)
        limit = c1 - c0 if self.full else self.target - len(self.rows)
        cols, smat = _panel_pivots(self.a[r0:, c0:c1], self.p, self.depth, limit,
                                   lambda k, i: self._swap(r0 + k, r0 + i))
        r = len(cols)
        self.rows += self.rowid[r0:r0 + r].tolist()
        self.cols += self.colid[c0 + np.array(cols, dtype=int)].tolist()
        if not r or self._done():
            return r
        order = np.array(cols + sorted(set(range(c1 - c0)).difference(cols)))
        self._record(("panel", c0, order, smat), r0 + r)
        ids = self.colid[c0:c1]
        ids[:] = ids[order]
        return r

    def _node(self, r0: int, c0: int, c1: int, spine: bool, pending: int) -> int:
        """Eliminate columns [c0, c1) on rows r0.., where ``pending`` inner terms of lazy
        updates are not reduced yet; return the number of pivots found."""
        if c0 == c1:
            return 0
        if r0 == self.a.shape[0]:
            if pending:  # no row left here, but further blocks replay the steps
                self._record(("reduce", c0, c1), r0)
            return 0
        if c1 - c0 <= _PANEL:
            return self._panel(r0, c0, c1, pending)
        mid = (c0 + c1) // 2
        r1 = self._node(r0, c0, mid, False, pending)
        if self._done():
            return r1
        right = pending
        if r1:
            lazy = pending + r1 <= self.depth
            if pending:
                _reduce(self.a[r0:r0 + r1, mid:c1], self.p)  # pivot rows: product operands
                if not lazy:
                    self._record(("reduce", mid, c1), r0 + r1)
            self._record(("update", r0, r0 + r1, c0, mid, c1, lazy), r0 + r1)
            right = pending + r1 if lazy else 0
        r2 = self._node(r0 + r1, mid, c1, spine, right)
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
                          depth: int | None = None, rank_bound: int | None = None
                          ) -> KernelProfile:
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

    ``rank_bound``, an upper bound on the rank that the caller has proved (for Gamma, its
    dimension D): when B reaches it, no other block is read either, and the rank with the
    blocks read so far is checked whenever their rows have doubled, so that reading stops
    soon after the bound is reached. The minor is then maximal, but the kernel returned is
    that of the rows read.
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
    if not k1.shape[1] or head.profile.rank == rank_bound:
        return head
    parts: list[np.ndarray] = []
    tail, checked, rows_read = None, 0, 0
    for block in it:
        block = np.asarray(block)
        if block.ndim != 2 or block.shape[1] != ncols:
            raise ValueError(f"expected a 2-D array with {ncols} columns, got {block.shape}")
        parts.append(matmul_mod(block, k1, p, depth=depth))
        rows_read += block.shape[0]
        if rank_bound is not None and rows_read >= 2 * checked:  # doubling: at most twice
            tail, checked = kernel_profile(np.concatenate(parts), p, depth=depth), rows_read
            if head.profile.rank + tail.profile.rank >= rank_bound:
                break
    if not parts:
        return head
    if checked != rows_read:
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
