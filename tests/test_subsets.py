"""exactid.subsets: the exact zero-sum subset search of
docs/theory/shallow.md §6.4, against brute force."""

import itertools
import random
from fractions import Fraction as F

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exactid import subsets
from exactid.errors import CertificationError, InputError
from exactid.subsets import MAX_SEARCH_BITS, search_zero_sum_subset, zero_sum_subset


def shallow_vectors(neurons):
    """vec(v_i w_i^T) for neurons (w_i; b_i; v_i) written as in docs/theory/shallow.md §7."""
    return [[F(vk) * F(wj) for vk in v for wj in w] for w, _b, v in neurons]


def brute_force(vectors):
    """Every non-empty subset (as a sorted tuple) whose vectors sum to zero exactly."""
    n = len(vectors)
    return {s for r in range(1, n + 1) for s in itertools.combinations(range(n), r)
            if all(sum(F(vectors[i][t]) for i in s) == 0 for t in range(len(vectors[0])))}


def assert_zero_sum(vectors, subset):
    assert subset, "the empty subset is not an answer"
    assert list(subset) == sorted(set(subset))
    assert all(0 <= i < len(vectors) for i in subset)
    assert all(sum(F(vectors[i][t]) for i in subset) == 0 for t in range(len(vectors[0])))


def check_against_brute_force(vectors):
    result = search_zero_sum_subset(vectors)
    solutions = brute_force(vectors) if vectors else set()
    if solutions:
        assert result.subset in solutions
    else:
        assert result.subset is None
    assert search_zero_sum_subset(vectors) == result  # deterministic
    return result


# ------------------------------------------------------------ docs/theory/shallow.md §7 examples
def test_clamp_fails_condition_iv_with_both_neurons():
    vectors = shallow_vectors([((1,), 0, (1,)), ((1,), -1, (-1,))])
    assert vectors == [[1], [-1]]
    assert zero_sum_subset(vectors) == (0, 1)


def test_sum_satisfies_condition_iv():
    vectors = shallow_vectors([((1,), 0, (1,)), ((1,), -1, (1,))])
    assert zero_sum_subset(vectors) is None


def test_triangle_fails_condition_iv_with_all_three_neurons():
    vectors = shallow_vectors([((1, 0), 0, (1,)), ((0, 1), 0, (1,)), ((1, 1), -1, (-1,))])
    assert vectors == [[1, 0], [0, 1], [-1, -1]]
    assert zero_sum_subset(vectors) == (0, 1, 2)


def test_e4_and_ok1():
    e4 = shallow_vectors([((1, 0), 0, (1,)), ((1, 0), F(-1, 2), (-1,))])
    assert zero_sum_subset(e4) == (0, 1)
    ok1 = shallow_vectors([((1, 0), F(-1, 2), (1,)), ((0, 1), F(-1, 2), (1,))])
    assert zero_sum_subset(ok1) is None


# ------------------------------------------------------------------ small cases
def test_no_vectors_and_single_vectors():
    assert zero_sum_subset([]) is None
    assert zero_sum_subset([[3, F(1, 2)]]) is None
    assert zero_sum_subset([[0, F(0)]]) == (0,)


def test_a_zero_vector_is_a_subset_on_its_own():
    result = search_zero_sum_subset([[1, 2], [3, 4], [0, 0], [0, 0]])
    assert result.subset == (2,)
    assert result.method == "zero-vector"


def test_denominators_are_cleared_with_one_common_factor():
    # Clearing denominators vector by vector would turn [1/2] and [-1] into [1] and [-1].
    assert zero_sum_subset([[F(1, 2)], [-1]]) is None
    assert zero_sum_subset([[F(1, 2)], [F(-1, 2)]]) == (0, 1)
    assert zero_sum_subset([[F(1, 3), 1], [F(1, 6), F(-3, 4)], [F(-1, 2), F(-1, 4)]]) \
        == (0, 1, 2)
    assert zero_sum_subset([[F(1, 3), 1], [F(1, 6), F(-3, 4)], [F(-1, 2), F(-1, 3)]]) is None


def test_kernel_vectors_without_a_0_1_vector_give_none():
    # ker = span (2, 1) and span (2, 1, 0): no 0/1 vector
    assert zero_sum_subset([[1], [-2]]) is None
    assert zero_sum_subset([[1, 3], [-2, -6], [1, 1]]) is None
    # ker = span {(1, -1, 0), (2, 0, 1)}, which holds (1, 1, 1)
    assert zero_sum_subset([[1, 3], [1, 3], [-2, -6]]) == (0, 1, 2)


def test_trivial_kernel():
    result = search_zero_sum_subset([[1, 0, 2], [0, 1, 5]])
    assert (result.subset, result.method, result.kernel_dimension) == (None, "trivial-kernel", 0)


def test_support_excludes_indices_no_kernel_vector_uses():
    result = search_zero_sum_subset([[1, 0, 0], [0, 1, 0], [-1, -1, 0], [0, 0, 1]])
    assert result.subset == (0, 1, 2)
    assert result.kernel_dimension == 1
    assert result.support == (0, 1, 2)


@pytest.mark.parametrize(("vectors", "problem"), [
    ([[1, 2], [3]], "length"),
    ([[], []], "length 0"),
    ([[1], [0.5]], "float"),
    ([[1], ["1/2"]], "str"),
])
def test_bad_input_is_rejected(vectors, problem):
    with pytest.raises(InputError, match=problem):
        zero_sum_subset(vectors)


# ---------------------------------------------------------- the two branches
def test_free_coordinate_branch_accepts_pivots_in_0_1():
    result = search_zero_sum_subset([[1, 0], [0, 1], [-1, -1]])
    assert result.method == "free-coordinates"
    assert (result.kernel_dimension, result.sums) == (1, 2)
    assert result.subset == (0, 1, 2)


@pytest.mark.parametrize("vectors", [
    [[1, 0], [0, 1], [-2, -2]],  # pivot coordinates 2
    [[1, 0], [0, 1], [1, 1]],  # pivot coordinates -1
    [[1, 0], [0, 1], [-1, 1]],  # one pivot coordinate -1, one 1
])
def test_free_coordinate_branch_rejects_pivots_outside_0_1(vectors):
    result = search_zero_sum_subset(vectors)
    assert result.method == "free-coordinates"
    assert result.subset is None
    assert brute_force(vectors) == set()


def test_free_coordinate_branch_on_a_large_support():
    # 60 vectors: e_0, ..., e_57 and two more; ker is spanned by (e_0 + 2 e_1 + e_58) and
    # (3 e_2 + e_3 + e_59), so no 0/1 vector: 2^2 assignments instead of 2^3 + 2^3 sums.
    vectors = [[int(i == j) for j in range(58)] for i in range(58)]
    vectors.append([-1, -2] + [0] * 56)
    vectors.append([0, 0, -3, -1] + [0] * 54)
    result = search_zero_sum_subset(vectors)
    assert result.method == "free-coordinates"
    assert (result.kernel_dimension, result.support) == (2, (0, 1, 2, 3, 58, 59))
    assert result.subset is None
    vectors[59] = [0, 0, -1, -1] + [0] * 54
    assert zero_sum_subset(vectors) == (2, 3, 59)


@pytest.mark.parametrize(("vectors", "expected"), [
    # A = the first four support indices, B = the last four
    ([[2], [-2], [5], [7], [100], [201], [403], [807]], (0, 1)),  # within A alone
    ([[100], [201], [403], [807], [2], [-2], [5], [7]], (4, 5)),  # within B alone
    ([[3], [5], [9], [17], [-8], [100], [200], [400]], (0, 1, 4)),  # across A and B
    ([[3], [5], [9], [17], [-7], [100], [200], [400]], None),
])
def test_meet_in_the_middle_branch(vectors, expected):
    result = search_zero_sum_subset(vectors)
    assert result.method == "meet-in-the-middle"
    assert (result.kernel_dimension, len(result.support), result.sums) == (7, 8, 32)
    assert result.subset == expected
    assert brute_force(vectors) == (set() if expected is None else {expected})


def test_meet_in_the_middle_at_n_32():
    rng = random.Random(7)
    positive = [[rng.randint(1, 10**6), rng.randint(-10**6, 10**6)] for _ in range(32)]
    result = search_zero_sum_subset(positive)  # first coordinates positive: no subset
    assert (result.method, result.kernel_dimension, result.sums) == (
        "meet-in-the-middle", 30, 2 * 2**16)
    assert result.subset is None
    planted = [[rng.randint(-10**9, 10**9), rng.randint(-10**9, 10**9)] for _ in range(32)]
    planted[20] = [-(planted[2][t] + planted[9][t] + planted[25][t]) for t in range(2)]
    subset = zero_sum_subset(planted)
    assert subset is not None
    assert_zero_sum(planted, subset)


@pytest.mark.parametrize("prime", [2, 3, 7])
def test_hash_collisions_never_change_the_answer(monkeypatch, prime):
    # With keys modulo a tiny prime almost every key matches: exact confirmation decides.
    monkeypatch.setattr(subsets, "_PRIME", prime)
    rng = random.Random(prime)
    seen = set()
    for _ in range(150):
        m, n = rng.randint(1, 3), rng.randint(2, 9)
        vectors = [[F(rng.randint(-3, 3) or 1, rng.randint(1, 2)) for _ in range(m)]
                   for _ in range(n)]
        seen.add(check_against_brute_force(vectors).method)
    assert {"free-coordinates", "meet-in-the-middle"} <= seen


def test_a_subset_that_does_not_sum_to_zero_is_never_returned(monkeypatch):
    monkeypatch.setattr(subsets, "_search_halves", lambda cols, a, b: (0, 1))
    with pytest.raises(CertificationError, match="does not sum to zero"):
        zero_sum_subset([[1], [2], [-4]])


def test_too_large_a_search_is_refused():
    vectors = [[i + 1] for i in range(2 * MAX_SEARCH_BITS + 2)]
    with pytest.raises(CertificationError, match="2\\^25 subset sums"):
        zero_sum_subset(vectors)


def test_beyond_the_limit_two_opposite_vectors_are_still_found():
    vectors = [[i + 1] for i in range(2 * MAX_SEARCH_BITS + 2)]
    vectors[7] = [-10]  # cancels vectors[9] = [10]
    result = search_zero_sum_subset(vectors)
    assert result.subset == (7, 9) and result.method == "opposite-pair"


# --------------------------------------------------------------- brute force
small = st.one_of(st.integers(-3, 3), st.fractions(-2, 2, max_denominator=3))
wide = st.one_of(st.integers(-20, 20), st.fractions(-5, 5, max_denominator=7))


@st.composite
def vector_lists(draw, entries, max_size=12):
    m = draw(st.integers(1, 3))
    return draw(st.lists(st.lists(entries, min_size=m, max_size=m), max_size=max_size))


@st.composite
def planted(draw):
    """Vectors with a planted zero-sum subset of at least two vectors."""
    vectors = draw(vector_lists(wide, max_size=12).filter(lambda v: len(v) >= 2))
    subset = draw(st.lists(st.sampled_from(range(len(vectors))), min_size=2, unique=True))
    last = subset[-1]
    vectors[last] = [-sum((F(vectors[i][t]) for i in subset[:-1]), F(0))
                     for t in range(len(vectors[0]))]
    return vectors


@given(vector_lists(small))
def test_agrees_with_brute_force_on_small_entries(vectors):
    check_against_brute_force(vectors)


@given(vector_lists(wide))
def test_agrees_with_brute_force_on_wide_entries(vectors):
    check_against_brute_force(vectors)


@given(planted())
def test_planted_subsets_are_found(vectors):
    result = check_against_brute_force(vectors)
    assert_zero_sum(vectors, result.subset)


@given(st.integers(1, 3), st.integers(1, 2), st.data())
def test_free_coordinate_branch_agrees_with_brute_force(m, q, data):
    # m + q vectors in dimension m + 1 with no zero vector: q <= |Supp| / 2 mostly
    entries = st.integers(-2, 2)
    vectors = data.draw(st.lists(st.lists(entries, min_size=m + 1, max_size=m + 1).filter(any),
                                 min_size=m + q + 1, max_size=m + q + 1))
    if data.draw(st.booleans()):
        vectors[-1] = [-a - b for a, b in zip(vectors[0], vectors[1])]
    check_against_brute_force(vectors)


def test_both_branches_find_and_refute_subsets():
    # The brute-force comparison above must go through both branches, with both answers.
    rng = random.Random(3)
    seen = set()
    for _ in range(400):
        m, n = rng.randint(1, 3), rng.randint(2, 9)
        vectors = [[rng.randint(-2, 2) or 1 for _ in range(m)] for _ in range(n)]
        result = check_against_brute_force(vectors)
        seen.add((result.method, result.subset is None))
    for method in ("free-coordinates", "meet-in-the-middle"):
        assert (method, True) in seen and (method, False) in seen
