"""Zero-sum subsets of rational vectors: the exact search of ``docs/theory/shallow.md`` §6.4.

Condition (iv) of the shallow theorem (docs/theory/shallow.md §2) and the sign-flip condition N5 of
``docs/theory/deep_global.md`` §4 both ask one question: does some non-empty subset S of the
vectors m_1, ..., m_N sum to zero? Equivalently, does the kernel of M = [m_1 ... m_N]
contain a non-zero 0/1 vector s?

The search (docs/theory/shallow.md §6.4):

1. Clear denominators with one common factor (scaling the vectors by different factors
   would change which 0/1 vectors lie in the kernel) and take the fraction-free RREF of
   the integer matrix M with FLINT. The RREF is the kernel: a kernel vector is fixed by
   its free coordinates, and q := dim ker M is the number of free columns. q = 0: no
   subset.
2. Supp := the indices where some kernel vector is non-zero: the free columns and the
   pivot columns whose RREF row has a non-zero free entry. s_i = 0 outside Supp.
3. If q <= |Supp| / 2, enumerate the 2^q - 1 non-zero 0/1 assignments of the free
   coordinates; the pivot coordinates follow from the RREF and must land in {0, 1}.
   Otherwise meet in the middle: split Supp into halves A and B, enumerate the subset
   sums of each half and look up the negated B-sums among the A-sums.

Subset sums are enumerated with NumPy as keys modulo the prime 2^61 - 1 (a random linear
projection with a fixed seed, so the search is deterministic). A matching key is only a
candidate: it is confirmed with exact integers, and the subset returned is checked once
more against the input. The hash decides the speed, never the answer.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import flint
import numpy as np

from .errors import CertificationError, InputError

__all__ = ["MAX_SEARCH_BITS", "ZeroSumSearch", "search_zero_sum_subset", "zero_sum_subset"]

MAX_SEARCH_BITS = 24
"""A search enumerates at most 2^24 subset sums per half (128 MiB of int64 keys; a few
seconds and under 1 GB at the limit); beyond that :func:`search_zero_sum_subset` raises
instead of running for hours or exhausting memory."""

_BLOCK = 2**20
"""B-sums looked up per call of searchsorted (bounds the temporary arrays)."""

_PRIME = 2**61 - 1
"""Keys live in [0, _PRIME); the sum of two keys stays below 2^63, inside int64."""

_SEED = 64
"""Seed of the projection coefficients: the same keys, hence the same answer, every run."""


@dataclass(frozen=True)
class ZeroSumSearch:
    """The answer of the zero-sum subset search and what it took to find it.

    ``subset`` holds the sorted indices of a non-empty subset that sums to zero exactly, or
    None when there is none. ``method`` names the step that decided: ``"no-vectors"``,
    ``"zero-vector"``, ``"trivial-kernel"`` (q = 0), ``"free-coordinates"`` (2^q
    assignments), ``"meet-in-the-middle"`` or ``"opposite-pair"`` (beyond the search
    limit, two vectors that cancel). ``kernel_dimension`` is q = dim ker M,
    ``support`` the indices where some kernel vector is non-zero, and ``sums`` the number
    of subset sums enumerated (2^q, or 2^|A| + 2^|B|).
    """

    subset: tuple[int, ...] | None
    method: str
    kernel_dimension: int
    support: tuple[int, ...]
    sums: int


def zero_sum_subset(vectors: Sequence[Sequence[Fraction | int]]) -> tuple[int, ...] | None:
    """Return the sorted indices of a non-empty subset of ``vectors`` that sums to zero.

    Parameters
    ----------
    vectors : sequence of N vectors of the same length m >= 1, with int or Fraction
        entries. N = 0 is allowed (the answer is then None).

    Returns
    -------
    The indices (i_1 < ... < i_r), r >= 1, of a subset S with sum_{i in S} vectors[i] = 0
    exactly, or None when no non-empty subset sums to zero. A zero vector is a subset on
    its own. The search is deterministic, and the subset is verified before it is returned.

    Raises
    ------
    InputError : vectors of different lengths, of length 0, or with inexact entries.
    CertificationError : the search would need more than 2^MAX_SEARCH_BITS subset sums.

    Complexity: O(m N min(m, N)) exact linear algebra (the RREF), then O(2^q) sums if
    q <= |Supp| / 2, else O(2^{|Supp|/2} |Supp|) sums, sorting and look-ups; see
    :func:`search_zero_sum_subset`.

    Example
    -------
    >>> from fractions import Fraction as F
    >>> zero_sum_subset([[1], [-1]])
    (0, 1)
    >>> zero_sum_subset([[1, 0], [0, 1], [-1, -1]])
    (0, 1, 2)
    >>> zero_sum_subset([[F(1, 2)], [-1]]) is None
    True

    Reference
    ---------
    ``docs/theory/shallow.md`` §6.4 (condition (iv) of the shallow theorem) and
    ``docs/theory/deep_global.md`` §4, §N5 (sign-flip subsets of a deep layer).
    """
    return search_zero_sum_subset(vectors).subset


def search_zero_sum_subset(vectors: Sequence[Sequence[Fraction | int]]) -> ZeroSumSearch:
    """Return the zero-sum subset of ``vectors`` (or None) with the size of the search.

    Same answer as :func:`zero_sum_subset`, which is ``search_zero_sum_subset(v).subset``;
    the other fields say which step decided it (see :class:`ZeroSumSearch`).

    Complexity: the fraction-free RREF of the m x N integer matrix, O(m N min(m, N))
    operations on integers (O(N^3) for m <= N); then, with q = dim ker M,
    O(2^q) subset sums per RREF row that is not yet decided (free-coordinate branch,
    q <= |Supp| / 2), or 2^{ceil(|Supp|/2)} + 2^{floor(|Supp|/2)} sums, one sort and
    one binary search per B-sum (meet in the middle). Exact confirmation costs O(N m) per
    candidate. Memory: O(2^e) int64 keys, e the exponent of the branch taken.

    Example
    -------
    >>> result = search_zero_sum_subset([[1, 0, 0], [0, 1, 0], [-1, -1, 0], [0, 0, 1]])
    >>> result.subset, result.method, result.kernel_dimension, result.support
    ((0, 1, 2), 'free-coordinates', 1, (0, 1, 2))

    Reference
    ---------
    ``docs/theory/shallow.md`` §6.4; ``docs/theory/deep_global.md`` §4, §N5.
    """
    exact = _exact_vectors(vectors)
    n = len(exact)
    if n == 0:
        return ZeroSumSearch(None, "no-vectors", 0, (), 0)
    cols = _common_denominator(exact)
    m = len(cols[0])

    reduced, den, rank = flint.fmpz_mat([[cols[i][j] for i in range(n)]
                                         for j in range(m)]).rref()
    rref = [[int(x) for x in row] for row in reduced.tolist()[:rank]]
    den = int(den)
    pivots = [next(c for c in range(n) if row[c]) for row in rref]
    pivot_set = set(pivots)
    free = [c for c in range(n) if c not in pivot_set]
    q = len(free)
    active = [r for r in range(rank) if any(rref[r][f] for f in free)]
    support = tuple(sorted(free + [pivots[r] for r in active]))

    zero = next((i for i in range(n) if not any(cols[i])), None)
    if zero is not None:
        return _verified(exact, ZeroSumSearch((zero,), "zero-vector", q, support, 0))
    if q == 0:
        return ZeroSumSearch(None, "trivial-kernel", 0, (), 0)

    if 2 * q <= len(support):
        bits, method = q, "free-coordinates"
    else:
        bits, method = (len(support) + 1) // 2, "meet-in-the-middle"
    if bits > MAX_SEARCH_BITS:
        # beyond the limit, a subset of two opposite vectors is still found cheaply
        seen = {cols[i]: i for i in support}
        pair = next((i for i in support if tuple(-x for x in cols[i]) in seen), None)
        if pair is not None:
            twin = seen[tuple(-x for x in cols[pair])]
            return _verified(exact, ZeroSumSearch(tuple(sorted((pair, twin))),
                                                  "opposite-pair", q, support, 0))
        raise CertificationError(
            "zero-sum subset search "
            f"(docs/theory/shallow.md §6.4) over {n} vectors of length {m}: the "
            f"kernel has dimension {q} and support {len(support)}, so the exact search "
            f"would enumerate 2^{bits} subset sums, beyond the limit 2^{MAX_SEARCH_BITS}; "
            "condition (iv) / N5 cannot be decided for this layer (use fewer neurons)")

    if method == "free-coordinates":
        subset = _search_free_coordinates(rref, den, pivots, free, active)
        sums = 2**q
    else:
        half = (len(support) + 1) // 2
        a, b = list(support[:half]), list(support[half:])
        subset = _search_halves(cols, a, b)
        sums = 2 ** len(a) + 2 ** len(b)
    return _verified(exact, ZeroSumSearch(subset, method, q, support, sums))


# ------------------------------------------------------------------------- input
def _exact_vectors(vectors: Sequence[Sequence[Fraction | int]]) -> list[tuple[Fraction, ...]]:
    """The vectors as Fraction tuples of one common length m >= 1 (or InputError)."""
    exact = []
    for i, vector in enumerate(vectors):
        row = tuple(vector)
        for x in row:
            if not isinstance(x, int | Fraction):
                raise InputError(
                    f"zero-sum subset search: vector {i} has the entry {x!r} of type "
                    f"{type(x).__name__}; pass int or fractions.Fraction (exact numbers)")
        exact.append(tuple(Fraction(x) for x in row))
    if exact:
        m = len(exact[0])
        if m == 0:
            raise InputError("zero-sum subset search: the vectors have length 0; every "
                             "subset would sum to zero, so give vectors of length >= 1")
        for i, row in enumerate(exact):
            if len(row) != m:
                raise InputError(f"zero-sum subset search: vector {i} has length "
                                 f"{len(row)}, vector 0 has length {m}")
    return exact


def _common_denominator(exact: list[tuple[Fraction, ...]]) -> list[tuple[int, ...]]:
    """The vectors times the lcm of all denominators: integers with the same zero sums."""
    scale = math.lcm(*(x.denominator for row in exact for x in row))
    return [tuple(x.numerator * (scale // x.denominator) for x in row) for row in exact]


def _verified(exact: list[tuple[Fraction, ...]], result: ZeroSumSearch) -> ZeroSumSearch:
    """``result``, after checking that its subset sums to zero in the input itself."""
    s = result.subset
    if s is not None and not (s and list(s) == sorted(set(s)) and all(
            sum(exact[i][t] for i in s) == 0 for t in range(len(exact[0])))):
        raise CertificationError(f"zero-sum subset search: the subset {s} found by the "
                                 f"{result.method} step does not sum to zero (a bug)")
    return result


# -------------------------------------------------------------------- enumeration
def _subset_sums_mod(keys: Sequence[int]) -> np.ndarray:
    """All 2^len(keys) subset sums of ``keys`` modulo _PRIME; entry ``mask`` holds the
    sum of the keys[t] with bit t of mask set (iterative doubling)."""
    sums = np.zeros(1 << len(keys), dtype=np.int64)
    size = 1
    for key in keys:
        block = sums[:size] + key
        block[block >= _PRIME] -= _PRIME
        sums[size:2 * size] = block
        size *= 2
    return sums


def _members(indices: Sequence[int], mask: int) -> list[int]:
    return [idx for t, idx in enumerate(indices) if mask >> t & 1]


def _search_free_coordinates(rref: list[list[int]], den: int, pivots: list[int],
                             free: list[int], active: list[int]) -> tuple[int, ...] | None:
    """First 0/1 assignment of the free coordinates (in mask order) whose pivot
    coordinates all land in {0, 1}, as a subset; None if there is none.

    Row r of the fraction-free RREF reads den * s_{pivot r} + sum_f rref[r][f] s_f = 0, so
    s_{pivot r} = 1 iff y_r := sum_f rref[r][f] s_f = -den, and 0 iff y_r = 0. Each row
    filters the candidate masks modulo _PRIME; survivors are then decided exactly.
    """
    q = len(free)
    candidates = np.arange(1, 1 << q, dtype=np.int64)
    targets = (0, (-den) % _PRIME)
    for r in active:
        keys = [rref[r][f] % _PRIME for f in free]
        if q * len(candidates) < 1 << q:  # few survivors: sum their bits directly
            y = np.zeros(len(candidates), dtype=np.int64)
            for t, key in enumerate(keys):
                y += ((candidates >> t) & 1) * key
                y[y >= _PRIME] -= _PRIME
        else:
            y = _subset_sums_mod(keys)[candidates]
        candidates = candidates[(y == targets[0]) | (y == targets[1])]
        if not len(candidates):
            return None
    for mask in candidates.tolist():
        chosen = _members(free, mask)
        subset = list(chosen)
        for r in active:
            y = sum(rref[r][f] for f in chosen)
            if y == -den:
                subset.append(pivots[r])
            elif y != 0:
                break
        else:
            return tuple(sorted(subset))
    return None


def _search_halves(cols: list[tuple[int, ...]], a: list[int],
                   b: list[int]) -> tuple[int, ...] | None:
    """A non-empty S_A u S_B (S_A within ``a``, S_B within ``b``) summing to zero, or None.

    Both key arrays are sorted and the negated B-sums are looked up among the A-sums in
    key order (sorted queries keep the binary searches in cache). For each common key, in
    increasing order, the masks holding it are found again and confirmed exactly. The
    empty B-subset meets the A-subsets that sum to zero on their own, the empty A-subset
    the B-subsets; only the pair (empty, empty) is skipped.
    """
    rng = random.Random(_SEED)
    coefficients = [rng.randrange(1, _PRIME) for _ in cols[0]]

    def key(i: int) -> int:
        return sum(c * x for c, x in zip(coefficients, cols[i])) % _PRIME

    sums_a = _subset_sums_mod([key(i) for i in a])
    neg_b = _subset_sums_mod([-key(i) % _PRIME for i in b])
    sorted_a, sorted_b = np.sort(sums_a), np.sort(neg_b)
    found = []
    for start in range(0, len(sorted_b), _BLOCK):
        block = sorted_b[start:start + _BLOCK]
        pos = np.minimum(np.searchsorted(sorted_a, block), len(sorted_a) - 1)
        found.append(block[sorted_a[pos] == block])
    del sorted_a, sorted_b
    common = np.unique(np.concatenate(found))
    for value in common.tolist():
        masks_a = np.flatnonzero(sums_a == value).tolist()
        for j in np.flatnonzero(neg_b == value).tolist():
            for i in masks_a:
                if i == 0 and j == 0:
                    continue
                subset = _members(a, i) + _members(b, j)
                if all(sum(cols[s][t] for s in subset) == 0 for t in range(len(cols[0]))):
                    return tuple(sorted(subset))
    return None
