"""Trusted check that a square integer matrix is non-singular modulo a prime (float64 BLAS).

Standalone on purpose (NumPy only, nothing from exactid), so that it can be audited alone.

Exactness. Residues are held as float64 integers in [-h, h], h = (p - 1) / 2. IEEE float64
represents every integer of magnitude <= 2^53 exactly, and a sum, difference or product of
two such integers whose exact value has magnitude <= 2^53 is computed exactly. Every
update below is ``c - a @ b`` over at most k = ``_depth(p)`` products of centred residues,
k the largest with h + k h^2 < 2^51: every partial sum of the product, in whatever order
and blocking BLAS uses (FMA included), is an integer of magnitude <= k h^2, so the product
is exact, and so is the difference y (|y| < 2^51). y is then reduced as
``y - p * rint(y * fl(1/p))``: the computed quotient differs from y / p by less than
|y / p| 2^-52 (1 + 2^-53) < 1 / (2p), while y / p (p odd) lies at distance >= 1 / (2p) from
every half-integer, so rint gives the integer nearest y / p and the result, an integer
computed exactly, lies in [-h, h]. Longer inner dimensions are cut into blocks of k terms
with a reduction after each. A multiplier ``x * inv`` is a product of two centred residues.

Lazy updates. The update of a right half (below) is left unreduced when that block,
counting the unreduced updates it received before (``debt``), holds sums of at most k
products besides a centred value: its entries are integers of magnitude <= h + k h^2 <
2^51, so the difference is exact and a later reduction is exact. Such entries are centred
before they are used: the pivot rows of a right half before they are an operand of its
update, a column before its pivot is taken, the whole block before an update that would
take its debt past k. Reductions do not change residues modulo p.

Algorithm: Gaussian elimination with row pivoting, organised recursively on halves of the
columns (as in Toledo's recursive LU). ``_eliminate(x, lo, hi)`` is entered when
``x[lo:, lo:hi]`` is the corresponding block of S, the Schur complement of the
(non-singular) leading lo x lo block of the row-permuted matrix. It eliminates the left
half [lo, mid), leaving in ``x[mid:, lo:mid]`` the multipliers M1 with
``S[mid:, lo:mid] = M1 S[lo:mid, lo:mid]``; the update ``x[mid:, mid:hi] -= M1
x[lo:mid, mid:hi]`` turns the right half into the Schur complement of the leading
mid x mid block (Schur complements compose); it eliminates the right half (multipliers
M2), and the combination ``M1[hi:] -= M2 M1[mid:hi]`` leaves in ``x[hi:, lo:hi]`` the
multipliers of rows hi.. with respect to rows lo..hi-1 of S. A single column takes as
pivot its entry in row lo or, if that is zero, its last non-zero entry below (swapping
whole rows, which only permutes the matrix), and stores ``column / pivot`` below it. If
that column of S is zero, S is singular and, since det(A) = +-det(leading block) det(S),
so is A. Otherwise every column gets a pivot and det(A) = +-(product of the pivots),
non-zero modulo p.
"""

import numpy as np

__all__ = ["is_nonsingular_mod"]

_TEMP = 1 << 24  # entries of the temporary product (128 MB): updates are cut into row chunks
_SLICE = 1 << 15  # entries of the slices subtracted and reduced at once: they stay in cache
_SERIAL, _THREADED = 1 << 18, 1 << 22  # speed only: see _product


def _depth(p: int) -> int:
    h = (p - 1) // 2
    return (2**51 - 1 - h) // (h * h)


def _reduce(y: np.ndarray, p: int) -> None:
    """y <- y - p rint(y / p), in place: exact centring of integers |y| < 2^51."""
    q = np.multiply(y, 1.0 / p)
    np.rint(q, out=q)
    q *= p
    y -= q


def _product(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
    """out <- a @ b. Below 2^22 multiply-adds, in calls of at most 2^18, which OpenBLAS runs
    on one thread: threads only pay off on large products (and wait for each other when the
    machine is loaded)."""
    (m, k), w = a.shape, b.shape[1]
    step = m if m * k * w >= _THREADED else max(1, _SERIAL // max(1, k * w))
    for i in range(0, m, step):
        np.matmul(a[i:i + step], b, out=out[i:i + step])


def _submul(c: np.ndarray, a: np.ndarray, b: np.ndarray, p: int, centre: bool = True) -> None:
    """c <- c - a @ b, over inner blocks of ``_depth(p)`` terms, each followed by a reduction
    (c centred on entry); with ``centre`` False, one block whose bound the caller keeps
    (``_eliminate``), left unreduced. The product goes to one scratch array, and is
    subtracted (and reduced) by slices of columns small enough to stay in cache."""
    m, w = c.shape
    k, step = _depth(p), max(1, _TEMP // max(1, w))
    scratch = np.empty((min(step, m), w), order="F")
    cols = max(1, _SLICE // min(step, max(1, m)))
    for i in range(0, m, step):
        part = c[i:i + step]
        prod = scratch[:part.shape[0]]
        for j in range(0, a.shape[1], k):
            _product(a[i:i + step, j:j + k], b[j:j + k], prod)
            for s in range(0, w, cols):
                part[:, s:s + cols] -= prod[:, s:s + cols]
                if centre:
                    _reduce(part[:, s:s + cols], p)


def _eliminate(x: np.ndarray, lo: int, hi: int, p: int, debt: int = 0) -> bool:
    """Eliminate columns lo..hi-1 of x in place; False when a column has no pivot.

    ``debt``: every entry of x[lo:, lo:hi] is an integer of magnitude at most
    h + debt h^2 (module docstring), centred when 0; every entry left of column lo is
    centred."""
    if hi - lo == 1:
        if debt:
            _reduce(x[lo:, lo], p)
        if x[lo, lo] == 0:
            nonzero = np.flatnonzero(x[lo:, lo])
            if nonzero.size == 0:
                return False
            i = lo + int(nonzero[-1])
            x[[lo, i]] = x[[i, lo]]
        inv = pow(int(x[lo, lo]), -1, p)
        if inv > (p - 1) // 2:
            inv -= p
        below = x[lo + 1:, lo]
        below *= inv
        _reduce(below, p)
        return True
    mid = (lo + hi) // 2
    if not _eliminate(x, lo, mid, p, debt):
        return False
    right, pivots = x[mid:, mid:hi], x[lo:mid, mid:hi]
    if debt:
        _reduce(pivots, p)  # an operand: centred
    if debt + mid - lo > _depth(p):
        if debt:
            _reduce(right, p)
        debt = 0
    lazy = debt + mid - lo <= _depth(p)
    _submul(right, x[mid:, lo:mid], pivots, p, centre=not lazy)
    if not _eliminate(x, mid, hi, p, debt + mid - lo if lazy else 0):
        return False
    _submul(x[hi:, lo:mid], x[hi:, mid:hi], x[mid:hi, lo:mid], p)
    return True


def is_nonsingular_mod(rows: np.ndarray, p: int) -> bool:
    """Decide whether a square matrix of residues is non-singular modulo the prime p.

    Parameters
    ----------
    rows
        Square 2-D integer array with entries in [0, p).
    p
        A prime, 3 <= p < 2**26 (then h + h^2 < 2^51 and the exactness argument of the
        module docstring holds with blocks of at least one term).

    Returns
    -------
    bool
        Whether det(rows) is non-zero modulo p, decided exactly by recursive elimination
        with row pivoting in float64 (module docstring). The empty matrix is non-singular.

    Raises
    ------
    ValueError
        If the matrix is not square or not integer residues in [0, p), or if p is not a
        prime in [3, 2**26).
    """
    if not isinstance(p, int) or not 3 <= p < 2**26 or any(
            p % d == 0 for d in range(2, int(p**0.5) + 1)):
        raise ValueError(f"p must be a prime in [3, 2**26), got {p!r}")
    a = np.asarray(rows)
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ValueError(f"expected a square matrix, got shape {a.shape}")
    if a.dtype.kind not in "iu" or (a.size and (a.min() < 0 or a.max() >= p)):
        raise ValueError(f"entries must be integer residues in [0, {p})")
    # A^T is eliminated (det A^T = det A): the column-major copy of a row-major input reads
    # it in order, where a column-major copy of A itself would gather it (slow)
    x = np.array(a.T, dtype=np.float64, order="F")
    step = max(1, _SLICE // max(1, x.shape[0]))
    for j in range(0, x.shape[1], step):  # centring: the residues x > h become x - p
        _reduce(x[:, j:j + step], p)
    return a.shape[0] == 0 or _eliminate(x, 0, a.shape[0], p)
