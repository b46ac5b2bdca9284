"""exactid.modular (rank profiles mod p on float64 BLAS) and the trusted checker
exactid.certificates.nonsingular, both against FLINT's nmod_mat."""

import ast
import random
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import flint
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from exactid import modular
from exactid.certificates import nonsingular
from exactid.certificates.nonsingular import is_nonsingular_mod
from exactid.modular import (
    PRIME_BITS_BLAS,
    RankProfile,
    block_depth,
    is_prime,
    kernel_mod,
    kernel_profile_blocks,
    matmul_mod,
    max_depth,
    rank_profile,
    rank_profile_blocks,
    residues_of_centred,
)

P21 = 2097143  # the largest prime below 2**21 = 2**PRIME_BITS_BLAS
P24 = 16777213  # the largest prime below 2**24: block_depth 32
P26 = 67108859  # the largest prime below 2**26: block_depth 2, max_depth 8
PRIMES = (3, 5, 7, 65537, P21, P26)
PANELS = (None, 1, 2, 3, 5)  # None: the default width of exactid.modular._PANEL


@contextmanager
def panel_width(width: int | None) -> Iterator[None]:
    """Eliminate panels of at most ``width`` columns (None: the default), so that small
    matrices take the recursive steps, panels of one column, panels with few rows..."""
    saved = modular._PANEL
    modular._PANEL = saved if width is None else width
    try:
        yield
    finally:
        modular._PANEL = saved


def nmod(a: np.ndarray, p: int) -> flint.nmod_mat:
    return flint.nmod_mat(a.shape[0], a.shape[1], [int(v) for v in a.ravel()], p)


def assert_profile(a: np.ndarray, p: int, prof: RankProfile, target: int | None = None) -> None:
    """prof is FLINT's rank (or the target when below it) with a non-singular minor."""
    rank = nmod(a, p).rank()
    assert prof.rank == (rank if target is None else min(rank, target))
    assert prof.prime == p
    assert len(prof.rows) == len(prof.columns) == prof.rank
    assert list(prof.rows) == sorted(set(prof.rows)) and set(prof.rows) <= set(range(a.shape[0]))
    assert list(prof.columns) == sorted(set(prof.columns))
    assert set(prof.columns) <= set(range(a.shape[1]))
    minor = a[np.ix_(prof.rows, prof.columns)]
    assert nmod(minor, p).det() != 0
    assert is_nonsingular_mod(minor, p)


def low_rank(rng: np.random.Generator, m: int, n: int, r: int, p: int) -> np.ndarray:
    """A random m x n matrix of rank <= r mod p: a product of thin random factors."""
    left = rng.integers(0, p, size=(m, r), dtype=np.int64)
    right = rng.integers(0, p, size=(r, n), dtype=np.int64)
    return matmul_mod(left, right, p)


def matrix(kind: str, m: int, n: int, p: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    a = rng.integers(0, p, size=(m, n), dtype=np.int64)
    if kind == "low rank":
        a = low_rank(rng, m, n, int(rng.integers(0, min(m, n) + 1)), p)
    elif kind == "late pivots":
        a[:, : 2 * n // 3] = 0
    elif kind == "repeated columns" and n:
        a[:, rng.integers(0, n, size=n // 2)] = 0
        a[:, rng.integers(0, n, size=n // 2)] = a[:, rng.integers(0, n, size=n // 2)]
    elif kind == "extreme":  # entries of largest centred magnitude (p - 1) / 2 and -(p - 1) / 2
        a = np.where(rng.integers(0, 2, size=(m, n)) == 1, (p - 1) // 2, (p + 1) // 2)
    elif kind == "sparse":
        a[rng.random(size=(m, n)) < 0.85] = 0
    return a


KINDS = ("uniform", "low rank", "late pivots", "repeated columns", "extreme", "sparse")


@given(kind=st.sampled_from(KINDS), m=st.integers(0, 26), n=st.integers(0, 26),
       p=st.sampled_from(PRIMES), seed=st.integers(0, 2**32 - 1),
       depth=st.sampled_from([None, 1, 2]), block=st.integers(1, 9),
       panel=st.sampled_from(PANELS))
def test_rank_profile_matches_flint(kind, m, n, p, seed, depth, block, panel):
    a = matrix(kind, m, n, p, seed)
    with panel_width(panel):
        assert_profile(a, p, rank_profile(a, p, block=block, depth=depth))


@given(kind=st.sampled_from(KINDS), m=st.integers(1, 20), n=st.integers(1, 20),
       p=st.sampled_from(PRIMES), seed=st.integers(0, 2**32 - 1),
       panel=st.sampled_from(PANELS), data=st.data())
def test_target_stops_with_a_target_minor(kind, m, n, p, seed, panel, data):
    a = matrix(kind, m, n, p, seed)
    target = data.draw(st.integers(0, min(m, n) + 2))
    with panel_width(panel):
        assert_profile(a, p, rank_profile(a, p, target=target, block=3), target)


def one_column_rule(a: np.ndarray, p: int, limit: int) -> tuple[list[int], list[int]]:
    """Reference in Python integers: the rows, as swapped, and the pivot columns of the
    column-by-column elimination whose pivot is the entry in the next row or, if zero,
    the last non-zero entry below it."""
    x = [[int(v) % p for v in row] for row in a]
    order = list(range(len(x)))
    cols: list[int] = []
    for j in range(a.shape[1]):
        k = len(cols)
        if k in (limit, len(x)):
            break
        if not x[k][j]:
            below = [i for i in range(k, len(x)) if x[i][j]]
            if not below:
                continue
            i = below[-1]
            x[k], x[i], order[k], order[i] = x[i], x[k], order[i], order[k]
        inv = pow(x[k][j], -1, p)
        for i in range(k + 1, len(x)):
            f = x[i][j] * inv % p
            x[i] = [(u - f * v) % p for u, v in zip(x[i], x[k])]
        cols.append(j)
    return order, cols


def block_diagonal(m: int, n: int, size: int, p: int, seed: int) -> np.ndarray:
    """Random blocks of ``size`` on the diagonal, rows shuffled."""
    rng = np.random.default_rng(seed)
    a = np.zeros((m, n), dtype=np.int64)
    for i in range(0, min(m, n), size):
        a[i:i + size, i:i + size] = rng.integers(0, p, size=a[i:i + size, i:i + size].shape)
    return a[rng.permutation(m)]


@given(kind=st.sampled_from(KINDS + ("tall", "block diagonal")), m=st.integers(1, 30),
       w=st.integers(1, 12), p=st.sampled_from(PRIMES), seed=st.integers(0, 2**32 - 1),
       depth=st.sampled_from([None, 1, 2]), data=st.data())
def test_panel_pivots_follow_the_one_column_rule(kind, m, w, p, seed, depth, data):
    """The panel elimination picks the pivots and swaps the rows as the one-column rule
    does, rows below the slab included (kind "tall": the first rows are zero, the pivots
    are found below them; "block diagonal": among rows scattered below), stops after
    ``limit`` pivots, and returns smat = [-P^-1 | P^-1 Q]."""
    if kind == "block diagonal":
        a = block_diagonal(m, w, 3, p, seed)
    else:
        a = matrix("uniform" if kind == "tall" else kind, m, w, p, seed)
    if kind == "tall":
        a[:m // 2] = 0
    limit = data.draw(st.integers(1, w + 1))
    depth = block_depth(p) if depth is None else min(depth, block_depth(p))
    block = np.asfortranarray(np.where(a > (p - 1) // 2, a - p, a).astype(np.float64))
    order = list(range(m))

    def swap(k: int, i: int) -> None:
        block[[k, i]] = block[[i, k]]
        order[k], order[i] = order[i], order[k]

    cols, smat = modular._panel_pivots(block, p, depth, limit, swap)
    assert (order, cols) == one_column_rule(a, p, limit)
    r = len(cols)
    if not r:
        assert smat.shape == (0, w)
        return
    rows = a[order[:r]]
    free = [j for j in range(w) if j not in cols]
    inverse = nmod(rows[:, cols], p).inv()
    expected = np.hstack([-np.array(inverse.tolist(), dtype=object),
                          np.array((inverse * nmod(rows[:, free], p)).tolist()
                                   if free else np.zeros((r, 0)), dtype=object)])
    expected = np.vectorize(int)(expected) % p
    assert np.abs(smat).max() <= (p - 1) // 2
    assert (residues_of_centred(smat, p) == expected).all()


@pytest.mark.parametrize(("m", "n", "block"), [(300, 260, 512), (700, 260, 64), (260, 300, 512)])
@pytest.mark.parametrize("kind", ["uniform", "low rank", "late pivots", "sparse"])
def test_larger_matrices(kind, m, n, block):
    """Sizes where updates are cut into several BLAS calls and tall inputs are streamed."""
    a = matrix(kind, m, n, P21, m + n)
    assert_profile(a, P21, rank_profile(a, P21, block=block))


@pytest.mark.parametrize(("m", "n"), [(0, 0), (0, 5), (5, 0), (1, 1), (1, 40), (40, 1),
                                      (3, 50), (50, 3)])
@pytest.mark.parametrize("kind", ["zero", "uniform"])
def test_degenerate_shapes(m, n, kind):
    a = matrix("uniform", m, n, P21, 7) if kind == "uniform" else np.zeros((m, n), np.int64)
    assert_profile(a, P21, rank_profile(a, P21, block=4))


@pytest.mark.parametrize("n", [31, 32, 33, 64, 65, 100])
@pytest.mark.parametrize("kind", ["uniform", "low rank", "late pivots", "repeated columns",
                                  "sparse"])
@pytest.mark.parametrize("depth", [None, 1, 3])
def test_widths_around_the_panel(kind, n, depth):
    """Widths at and around the panel width (one panel, two, a recursion above them), with
    lazy updates (depth None), updates reduced after each (1) or some (3) of them; the
    rows beyond the first block are streamed through the recorded steps."""
    m = n + 45
    a = matrix(kind, m, n, P21, 10 * n + (depth or 0))
    assert_profile(a, P21, rank_profile(a, P21, block=16, depth=depth))
    assert_profile(a, P21, rank_profile(a, P21, target=n // 2, block=16, depth=depth), n // 2)
    assert_kernel(a, P21, depth)
    assert_kernel(a.T.copy(), P21, depth)


@pytest.mark.parametrize("kind", ["uniform", "low rank", "late pivots", "repeated columns",
                                  "sparse", "lower rows", "block diagonal", "staircase"])
def test_results_do_not_depend_on_the_panel_width(kind):
    """Panels pick the pivots of the one-column rule (a panel of one column is that rule):
    the same minors, kernels and free rows whatever the width, rows below the slab
    included ("lower rows": the first rows span one dimension, some rows are zero; "block
    diagonal", "staircase": the pivots of a panel in rows scattered below its first)."""
    rng = np.random.default_rng(11)
    n = 70
    if kind == "lower rows":
        a = rng.integers(0, P21, size=(n + 60, n))
        a[:40] = np.outer(rng.integers(1, 9, size=40), a[0]) % P21
        a[60:70] = 0
    elif kind == "block diagonal":
        a = block_diagonal(n + 60, n, 4, P21, 11)
    elif kind == "staircase":  # row i non-zero on 3 columns from i / 2, last rows first
        a = np.zeros((2 * n, n), dtype=np.int64)
        for i in range(2 * n):
            a[i, i // 2:i // 2 + 3] = rng.integers(1, P21, size=len(a[i, i // 2:i // 2 + 3]))
        a = a[::-1].copy()
    else:
        a = matrix(kind, n + 60, n, P21, 11)
    found = []
    for panel in (1, 3, 8, None):
        with panel_width(panel):
            kernel, free = kernel_mod(a, P21)
            found.append((rank_profile(a, P21, block=8), rank_profile(a.T.copy(), P21),
                          rank_profile(a, P21, target=n // 2), kernel.tolist(), free))
    assert all(f == found[0] for f in found)
    assert_profile(a, P21, found[0][0])
    assert_kernel(a, P21)


@pytest.mark.parametrize("panel", [None, 4])
def test_matmul_bands_and_tiles(panel):
    """Mid-sized products are cut into bands of rows or into tiles: the same products."""
    rng = np.random.default_rng(12)
    for m, k, w in [(60, 581, 650), (316, 325, 325), (1129, 162, 163), (3, 2048, 300)]:
        a = rng.integers(-1000, 1000, size=(m, k)).astype(np.float64)
        b = np.asfortranarray(rng.integers(-1000, 1000, size=(k, w)).astype(np.float64))
        out = np.empty((m, w), order="F")
        modular._matmul(a, b, out)
        assert (out == a @ b).all()


def test_late_pivots_and_zero_rows():
    """Pivots only in the last columns and, for them, only in the last rows."""
    a = np.zeros((60, 50), np.int64)
    a[45:, 40:] = matrix("uniform", 15, 10, P21, 1)
    assert_profile(a, P21, rank_profile(a, P21))
    assert_profile(a.T.copy(), P21, rank_profile(a.T.copy(), P21))


def test_zero_and_repeated_columns():
    rng = np.random.default_rng(2)
    a = rng.integers(0, P21, size=(40, 12))
    a = a[:, [0, 1, 1, 2, 0, 3, 4, 4, 4, 5, 6, 7, 8, 9, 10, 11, 11]]
    a[:, [2, 7, 16]] = 0  # copies of columns 1, 4 and 11 zeroed: the rank stays 12
    prof = rank_profile(a, P21)
    assert_profile(a, P21, prof)
    assert prof.rank == 12


@pytest.mark.parametrize("r", [1, 5, 17, 39])
def test_rank_deficient_products(r):
    a = low_rank(np.random.default_rng(r), 70, 45, r, P21)
    prof = rank_profile(a, P21, depth=3)
    assert prof.rank == r
    assert_profile(a, P21, prof)


def test_rank_completed_by_the_last_rows_only():
    """The first 95 rows span 7 dimensions; rows 95..99 raise the rank to 10."""
    rng = np.random.default_rng(3)
    a = np.vstack([low_rank(rng, 95, 10, 7, P21), rng.integers(0, P21, size=(5, 10))])
    for block in (1, 4, 200):
        prof = rank_profile(a, P21, block=block)
        assert_profile(a, P21, prof)
        assert prof.rank == 10 and max(prof.rows) >= 95


def test_singular_only_modulo_p():
    """An integer matrix of non-zero determinant whose residues are singular mod p."""
    rng = random.Random(4)
    for p in (7, P21):
        b = [[rng.randrange(-(10**20), 10**20) for _ in range(12)] for _ in range(11)]
        coefficients = [rng.randrange(5) for _ in range(11)]
        b.append([sum(c * row[j] for c, row in zip(coefficients, b)) + p * rng.randrange(1, 9)
                  for j in range(12)])
        assert flint.fmpz_mat(b).det() != 0
        a = np.array([[v % p for v in row] for row in b], dtype=np.int64)
        prof = rank_profile(a, p)
        assert prof.rank == 11
        assert_profile(a, p, prof)
        assert not is_nonsingular_mod(a, p)


def test_large_python_integers_reduced_by_the_caller():
    rng = random.Random(5)
    big = [[rng.randrange(-(10**40), 10**40) for _ in range(30)] for _ in range(25)]
    a = np.array([[v % P21 for v in row] for row in big], dtype=np.int64)
    prof = rank_profile(a, P21)
    assert_profile(a, P21, prof)
    assert prof.rank == 25


@pytest.mark.parametrize("n", [48, 97])
def test_exact_near_the_float64_limit(n):
    """p just below 2**26: each product of extreme residues is ~2**50, so a sum of three
    (or an update skipping the reduction) leaves the exact range: only blocks of
    block_depth(p) = 2 products with a reduction after each give FLINT's answer."""
    for kind in ("extreme", "uniform", "low rank"):
        a = matrix(kind, n, n - 3, P26, n)
        assert_profile(a, P26, rank_profile(a, P26))


@given(m=st.integers(0, 12), k=st.integers(0, 12), n=st.integers(0, 12),
       p=st.sampled_from(PRIMES), seed=st.integers(0, 2**32 - 1),
       depth=st.sampled_from([None, 1, 2]))
def test_matmul_mod_matches_integer_arithmetic(m, k, n, p, seed, depth):
    rng = np.random.default_rng(seed)
    a = rng.integers(0, p, size=(m, k), dtype=np.int64)
    b = rng.integers(0, p, size=(k, n), dtype=np.int64)
    expected = (a.astype(object) @ b.astype(object)) % p if k else np.zeros((m, n), int)
    assert (matmul_mod(a, b, p, depth=depth) == expected).all()


def schur_trap(p: int, k: int, e_rank: int, seed: int) -> np.ndarray:
    """[[I, B], [C, D]] with B, C of entries (p-1)/2 (C) and +-(p-1)/2 (B), D = C B + E.

    Eliminating the identity leaves the multipliers C and the Schur complement
    D - C B = E, of rank ``e_rank``: for p near 2**26 its entries are sums of k products
    ~2**50, beyond 2**53 for k >= 9, so a missing blocking or reduction shows in the rank.
    """
    rng = np.random.default_rng(seed)
    h = (p - 1) // 2
    c = np.full((k, k), h, dtype=np.int64)
    b = np.where(rng.integers(0, 2, size=(k, k)) == 1, h, p - h)
    b[:, 0] = h
    d = (matmul_mod(c, b, p) + low_rank(rng, k, k, e_rank, p)) % p
    return np.block([[np.eye(k, dtype=np.int64), b], [c, d]])


@pytest.mark.parametrize("p", [P21, P26])
@pytest.mark.parametrize("e_rank", [0, 3, 24])
def test_schur_complement_near_the_float64_limit(p, e_rank):
    a = schur_trap(p, 24, e_rank, e_rank)
    prof = rank_profile(a, p)
    assert prof.rank == 24 + e_rank
    assert_profile(a, p, prof)
    assert is_nonsingular_mod(a, p) == (e_rank == 24)


@pytest.mark.parametrize("panel", [None, 1, 2, 4, 8])
@pytest.mark.parametrize(("p", "k"), [(P24, 160), (P26, 24)])
def test_lazy_updates_stop_at_block_depth(p, k, panel):
    """Column 0 of D receives k products (p-1)/2 * (p-1)/2 from the identity's pivots, in
    lazy updates over several levels of the recursion (panels of 1 to 8 columns): about
    2^53.3 in all for P24 (block_depth 32, products ~2^46), 2^54.6 for P26 (block_depth
    2, products ~2^50), so the updates must be reduced after every ``block_depth`` terms.
    (Float64 sums only go wrong past 2^53: this shows missing reductions and a bound 8
    times too large, not a slightly loose one.)"""
    assert block_depth(P24) == 32
    for e_rank in (0, 5, k):
        a = schur_trap(p, k, e_rank, e_rank)
        with panel_width(panel):
            prof = rank_profile(a, p)
            assert prof.rank == k + e_rank
            assert_profile(a, p, prof)
            assert_kernel(a, p)


def test_large_inner_dimension_is_reduced_by_blocks():
    """8201 products (p-1)/2 * (p-1)/2 (odd, ~2**40) sum to an odd integer beyond 2**53,
    which float64 cannot hold: one product over the whole inner dimension is inexact,
    matmul_mod (blocks of 2048 products, or of 5) is exact."""
    h = (P21 - 1) // 2
    k = 8201
    a = np.full((3, k), h, dtype=np.int64)
    a[1, ::3] = P21 - h
    b = np.full((k, 2), h, dtype=np.int64)
    b[::7, 1] = 1
    exact = [[sum((x if x <= h else x - P21) * (y if y <= h else y - P21)
                  for x, y in zip(row.tolist(), col.tolist())) for col in b.T] for row in a]
    residues = np.array(exact, dtype=object) % P21
    assert (matmul_mod(a, b, P21) == residues).all()
    assert (matmul_mod(a, b, P21, depth=5) == residues).all()
    assert exact[0][0] == k * h * h and exact[0][0] % 2 == 1 and exact[0][0] > 2**53
    one_product = np.where(a > h, a - P21, a).astype(float) @ np.where(b > h, b - P21, b)
    assert int(one_product[0, 0]) != exact[0][0]


def test_blocks_are_streamed_lazily_with_global_row_indices():
    rng = np.random.default_rng(6)
    a = rng.integers(0, P21, size=(10, 6))

    def blocks():
        yield np.zeros((4, 6), np.int64)
        yield np.zeros((0, 6), np.int64)
        yield a[:3]
        yield a[3:]
        raise AssertionError("read beyond the target")

    prof = rank_profile_blocks(blocks(), 6, P21, 6)
    stacked = np.vstack([np.zeros((4, 6), np.int64), a])
    assert_profile(stacked, P21, prof)
    assert min(prof.rows) >= 4


@pytest.mark.parametrize("panel", [None, 2])
@pytest.mark.parametrize("depth", [None, 1])
def test_rank_grows_over_many_streamed_stages(depth, panel):
    """Each block of 8 rows adds at most 3 to the rank: one new stage per block."""
    rng = np.random.default_rng(9)
    blocks = [low_rank(rng, 8, 13, 3, P26) for _ in range(6)]
    with panel_width(panel):
        for k in range(1, 7):
            stacked = np.vstack(blocks[:k])
            assert_profile(stacked, P26, rank_profile_blocks(blocks[:k], 13, P26, depth=depth))
            for target in (4, 11):
                prof = rank_profile_blocks(blocks[:k], 13, P26, target, depth=depth)
                assert_profile(stacked, P26, prof, target)


def test_a_reached_target_leaves_later_rows_unread():
    a = matrix("uniform", 5000, 8, P21, 8)
    seen = []

    def blocks():
        for s in range(0, 5000, 100):
            seen.append(s)
            yield a[s:s + 100]

    prof = rank_profile_blocks(blocks(), 8, P21)
    assert prof.rank == 8 and seen == [0]


def test_depths_and_prime_size():
    assert PRIME_BITS_BLAS == 21
    for p in PRIMES:
        h = (p - 1) // 2
        k, d = max_depth(p), block_depth(p)
        assert k * h * h < 2**53 <= (k + 1) * h * h
        assert h + d * h * h < 2**51 <= h + (d + 1) * h * h
    assert max_depth(P21) >= 8192 and block_depth(P21) >= 2048


@pytest.mark.parametrize("call", [
    lambda: rank_profile(np.zeros((2, 2), np.int64), 2**26 + 15),
    lambda: rank_profile(np.zeros((2, 2), np.int64), 2),
    lambda: rank_profile(np.zeros((2, 2), np.int64), 15),
    lambda: rank_profile(np.full((2, 2), 7), 7),
    lambda: rank_profile(np.full((2, 2), -1), 7),
    lambda: rank_profile(np.zeros((2, 2)), 7),
    lambda: rank_profile(np.zeros(4, np.int64), 7),
    lambda: rank_profile(np.zeros((2, 2), np.int64), 7, depth=0),
    lambda: rank_profile(np.zeros((2, 2), np.int64), P26, depth=3),
    lambda: rank_profile(np.zeros((2, 2), np.int64), 7, target=-1),
    lambda: rank_profile(np.zeros((2, 2), np.int64), 7, block=0),
    lambda: rank_profile_blocks([np.zeros((2, 3), np.int64)], 2, 7),
    lambda: matmul_mod(np.zeros((2, 3), np.int64), np.zeros((2, 3), np.int64), 7),
])
def test_invalid_input_is_rejected(call):
    with pytest.raises(ValueError):
        call()


# --- the trusted checker ---------------------------------------------------------------


def square(kind: str, n: int, p: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    a = rng.integers(0, p, size=(n, n), dtype=np.int64)
    if kind == "repeated row" and n >= 2:  # singular: a row repeated deep in the matrix
        a[-1] = a[int(rng.integers(0, n - 1))]
    elif kind == "combination" and n >= 2:  # singular mod p: last row = combination mod p
        a[-1] = matmul_mod(rng.integers(0, p, size=(1, n - 1)), a[:-1], p)
    elif kind == "swaps":  # non-singular, rows of a triangular matrix shuffled: row swaps
        upper = np.triu(a) + np.diag(1 + rng.integers(0, p - 1, size=n) - np.diag(a))
        a = np.ascontiguousarray(np.roll(upper % p, 1, axis=0)[::-1])
    elif kind == "extreme":
        a = np.where(rng.integers(0, 2, size=(n, n)) == 1, (p - 1) // 2, (p + 1) // 2)
    elif kind == "low rank":
        a = low_rank(rng, n, n, int(rng.integers(0, n + 1)), p)
    return a


CHECK_KINDS = ("uniform", "repeated row", "combination", "swaps", "extreme", "low rank")


@given(kind=st.sampled_from(CHECK_KINDS), n=st.integers(0, 40), p=st.sampled_from(PRIMES),
       seed=st.integers(0, 2**32 - 1))
def test_checker_matches_flint_det(kind, n, p, seed):
    a = square(kind, n, p, seed)
    assert is_nonsingular_mod(a, p) == (nmod(a, p).det() != 0)


@pytest.mark.parametrize("n", [64, 150])
@pytest.mark.parametrize("p", [P21, P24, P26])  # lazy updates: never, sometimes, always due
@pytest.mark.parametrize("kind", CHECK_KINDS)
def test_checker_on_larger_matrices(kind, n, p):
    a = square(kind, n, p, n)
    expected = nmod(a, p).det() != 0
    assert is_nonsingular_mod(a, p) == expected
    if kind in ("uniform", "swaps"):
        assert expected
    if kind in ("repeated row", "combination"):
        assert not expected


@pytest.mark.parametrize("p", [P21, P24, P26])
def test_checker_products_meet_the_exactness_bound(monkeypatch, p):
    # the exactness argument of nonsingular.py, checked on every update: operands centred,
    # and the block either centred (reduced after each block of terms) or, for a lazy
    # update, still below the bound h + depth h^2 afterwards
    h, depth = (p - 1) // 2, nonsingular._depth(p)
    real = nonsingular._submul
    seen = []

    def submul(c, a, b, p_, centre=True):
        assert np.abs(a).max(initial=0) <= h and np.abs(b).max(initial=0) <= h
        if centre:
            assert np.abs(c).max(initial=0) <= h
        real(c, a, b, p_, centre)
        if not centre:
            assert a.shape[1] <= depth
            assert np.abs(c).max(initial=0) <= h + depth * h * h
        seen.append(centre)

    monkeypatch.setattr(nonsingular, "_submul", submul)
    for kind in ("uniform", "extreme", "swaps"):
        a = square(kind, 150, p, 3)
        assert is_nonsingular_mod(a, p) == (nmod(a, p).det() != 0)
    assert True in seen and (False in seen) == (depth > 1)


def test_checker_small_cases():
    assert is_nonsingular_mod(np.zeros((0, 0), np.int64), 7)
    assert not is_nonsingular_mod(np.zeros((1, 1), np.int64), 7)
    assert is_nonsingular_mod(np.array([[0, 1], [1, 0]]), 7)
    assert not is_nonsingular_mod(np.array([[2, 3], [3, 1]]), 7)  # det = -7
    assert is_nonsingular_mod(np.array([[2, 3], [3, 1]]), 5)


@pytest.mark.parametrize(("a", "p"), [
    (np.eye(2, dtype=np.int64), 2**26 + 15),
    (np.eye(2, dtype=np.int64), 2**25 + 1),  # 3 * 11184811
    (np.eye(2, dtype=np.int64), 2),
    (np.eye(2, dtype=np.int64), 9),
    (np.eye(2, dtype=np.int64), 7.0),
    (np.zeros((2, 3), np.int64), 7),
    (np.zeros(4, np.int64), 7),
    (np.full((2, 2), 7), 7),
    (np.full((2, 2), -1), 7),
    (np.eye(2), 7),
])
def test_checker_rejects_invalid_input(a, p):
    with pytest.raises(ValueError):
        is_nonsingular_mod(a, p)


def test_checker_imports_nothing_from_exactid():
    tree = ast.parse(Path(nonsingular.__file__).read_text())
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0
            modules.add(node.module)
    assert modules == {"numpy"}


def assert_kernel(a: np.ndarray, p: int, depth: int | None = None) -> None:
    """kernel_mod: a K = 0, K has n - rank columns, identity on the free rows."""
    m, n = a.shape
    k, free = kernel_mod(a, p, depth=depth)
    rank = nmod(a, p).rank() if m and n else 0
    assert k.shape == (n, n - rank)
    assert k.min(initial=0) >= 0 and k.max(initial=0) < p
    assert len(set(free)) == len(free)
    assert (k[list(free)] == np.eye(n - rank, dtype=np.int64)).all()
    if m and k.size:
        assert not matmul_mod(a, k, p).any()


@given(kind=st.sampled_from(KINDS), m=st.integers(0, 26), n=st.integers(0, 26),
       p=st.sampled_from(PRIMES), seed=st.integers(0, 2**32 - 1),
       depth=st.sampled_from([None, 1, 2]), panel=st.sampled_from(PANELS))
def test_kernel_mod_matches_flint(kind, m, n, p, seed, depth, panel):
    with panel_width(panel):
        assert_kernel(matrix(kind, m, n, p, seed), p, depth)


@pytest.mark.parametrize(("m", "n"), [(250, 300), (300, 250), (40, 700)])
@pytest.mark.parametrize("kind", ["uniform", "low rank", "late pivots", "repeated columns"])
def test_kernel_mod_larger(kind, m, n):
    """Sizes with several levels of recursion, rotations and blocked updates."""
    assert_kernel(matrix(kind, m, n, P21, m * n), P21)


def test_kernel_mod_rejects_bad_input():
    with pytest.raises(ValueError):
        kernel_mod(np.zeros(3, np.int64), P21)
    with pytest.raises(ValueError):
        kernel_mod(np.full((2, 2), P21), P21)


def assert_kernel_profile(a: np.ndarray, p: int, first: int, step: int,
                          depth: int | None = None) -> None:
    """kernel_profile_blocks on row blocks of ``a``: the rank of FLINT, a minor that is
    non-singular, a kernel basis that is the identity on ``free``."""
    m, n = a.shape
    blocks = [a[:first]] + [a[i:i + step] for i in range(first, m, step)]
    found = kernel_profile_blocks(blocks, n, p, depth=depth)
    rank = nmod(a, p).rank() if m and n else 0
    assert found.profile.rank == rank == len(found.profile.columns)
    if rank:
        minor = a[np.ix_(found.profile.rows, found.profile.columns)]
        assert nmod(minor, p).det() != 0
    k = found.kernel
    assert k.shape == (n, n - rank) and len(set(found.free)) == len(found.free)
    assert k.min(initial=0) >= 0 and k.max(initial=0) < p
    assert (k[list(found.free)] == np.eye(n - rank, dtype=np.int64)).all()
    if m and k.size:
        assert not matmul_mod(a, k, p).any()


@given(kind=st.sampled_from(KINDS), m=st.integers(0, 30), n=st.integers(0, 24),
       p=st.sampled_from(PRIMES), seed=st.integers(0, 2**32 - 1),
       first=st.integers(0, 30), step=st.integers(1, 9), depth=st.sampled_from([None, 1]),
       panel=st.sampled_from(PANELS))
def test_kernel_profile_blocks_matches_flint(kind, m, n, p, seed, first, step, depth, panel):
    with panel_width(panel):
        assert_kernel_profile(matrix(kind, m, n, p, seed), p, min(first, m), step, depth)


@pytest.mark.parametrize("kind", ["uniform", "low rank", "late pivots", "repeated columns"])
def test_kernel_profile_blocks_larger(kind):
    """A first block short of the rank, then the rows that complete it."""
    assert_kernel_profile(matrix(kind, 420, 300, P21, 7), P21, 300, 50)


def test_kernel_profile_blocks_stops_at_full_column_rank():
    a = matrix("uniform", 40, 10, P21, 1)

    def blocks():
        yield a[:20]
        raise AssertionError("a block was read after the rank reached ncols")

    assert kernel_profile_blocks(blocks(), 10, P21).profile.rank == 10


def test_kernel_profile_blocks_stops_at_the_rank_bound():
    # rank 6 < 10 columns: a first block of rank 6 ends it when the caller proved rank <= 6,
    # and the same block without the bound reads on (the bound, not luck, stops it)
    a = low_rank(np.random.default_rng(3), 40, 10, 6, P21)
    rank = nmod(a, P21).rank()

    def blocks():
        yield a[:20]
        raise AssertionError("a block was read after the rank reached the bound")

    found = kernel_profile_blocks(blocks(), 10, P21, rank_bound=rank)
    assert found.profile.rank == rank < 10
    assert nmod(a[np.ix_(found.profile.rows, found.profile.columns)], P21).det() != 0
    assert not matmul_mod(a[:20], found.kernel, P21).any()
    with pytest.raises(AssertionError, match="after the rank"):
        kernel_profile_blocks(blocks(), 10, P21)
    split = [a[:20], a[20:]]
    bounded = kernel_profile_blocks(split, 10, P21, rank_bound=rank + 1)
    plain = kernel_profile_blocks(split, 10, P21)  # a bound not reached changes nothing
    assert (bounded.profile, bounded.free) == (plain.profile, plain.free)
    assert (bounded.kernel == plain.kernel).all()


def test_kernel_profile_blocks_stops_soon_after_later_blocks_reach_the_bound():
    # a first block short of the rank: later blocks are read until the rank with them
    # reaches the bound (checked whenever the rows read have doubled), not to the end
    a = low_rank(np.random.default_rng(4), 60, 12, 9, P21)
    rank = nmod(a, P21).rank()
    head = a[:5]  # rank 5 < 9
    read = []

    def blocks():
        yield head
        for i in range(5, 60, 5):
            read.append(i)
            yield a[i:i + 5]

    found = kernel_profile_blocks(blocks(), 12, P21, rank_bound=rank)
    assert found.profile.rank == rank == 9
    rows = list(found.profile.rows)
    assert nmod(a[np.ix_(rows, found.profile.columns)], P21).det() != 0
    assert len(read) < 11  # stopped before the last block
    seen = a[:5 + 5 * len(read)]
    assert not matmul_mod(seen, found.kernel, P21).any()  # the kernel of the rows read
    for bound in (None, rank + 1):  # a bound not reached reads everything
        read.clear()
        assert kernel_profile_blocks(blocks(), 12, P21, rank_bound=bound).profile.rank == 9
        assert len(read) == 11


def test_is_prime_agrees_with_flint():
    # every n below 2^16, products of two primes near 2^13 (the largest squares and
    # semiprimes below 2^26), and random n up to 2^26
    rng = random.Random(7)
    hard = [8191 * 8191, 8179 * 8191, 8191 * 8171, 2**26 - 1, 2**26 - 5, 8192, 8193]
    ns = list(range(1 << 16)) + hard + [rng.randrange(1 << 26) for _ in range(20000)]
    assert [is_prime(n) for n in ns] == [bool(flint.fmpz(n).is_prime()) for n in ns]
    with pytest.raises(ValueError):
        is_prime(1 << 26)
