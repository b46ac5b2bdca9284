"""The exact test vectors of docs/theory/local.md §13."""

import json
from fractions import Fraction

import flint
import pytest

from exactid.certificates.check import check_certificate
from exactid.jacobian import frozen_edges, jacobian, rescaling_tangents
from exactid.lifting import activation_operator, gram_matrix, path_lifting
from exactid.network import Network
from exactid.verdicts import local_verdict

F = Fraction


def rank(rows):
    return flint.fmpq_mat([[flint.fmpq(v.numerator, v.denominator) for v in r]
                           for r in rows]).rank()


def parse_pattern(text):
    return tuple(tuple(int(c) for c in part) for part in text.split("|"))


# ------------------------------------------------------------------ 13.1
from vectors import B131, TABLE_131, W131  # noqa: E402

NET_131 = Network.from_lists(W131, B131)
X_131 = [x for x, _, _ in TABLE_131]
# k range -> (never, always), 1-based (layer, neuron) as in docs/theory/local.md
PREFIX_131 = [
    (range(1, 3), {(1, 2), (2, 2)}, {(1, 1), (1, 3), (2, 1)}),
    (range(3, 5), {(1, 2)}, {(1, 1), (1, 3), (2, 1)}),
    (range(5, 7), {(1, 2)}, {(1, 3), (2, 1)}),
    (range(7, 9), set(), {(1, 3), (2, 1)}),
    (range(9, 14), set(), {(2, 1)}),
    (range(14, 15), set(), set()),
]


def zero_based(neurons):
    return sorted([l - 1, j - 1] for l, j in neurons)


def test_131_counts_and_verdict():
    net = NET_131
    assert (net.n_params, net.n_hidden, net.dimension) == (20, 5, 15)
    assert len(path_lifting(net)) == 21
    result = local_verdict(net, X_131)
    assert result.verdict == "locally-identifiable"
    assert (result.params, result.hidden, result.dimension, result.paths) == (20, 5, 15, 21)
    assert result.rank_jacobian == 15
    assert result.sample_bound == 15 == len(X_131)
    assert result.never_active == [] and result.always_active == []
    assert result.certificate["claim"]["reason"] == "C_S"
    assert check_certificate(json.loads(json.dumps(result.certificate))).valid


def test_131_ranks_computed_independently():
    gamma = jacobian(NET_131, X_131, reduced=True)
    assert len(gamma) == 15 and len(gamma[0]) == 15
    assert rank(gamma) == 15
    assert rank(jacobian(NET_131, X_131)) == 15
    g = gram_matrix(NET_131, X_131)
    assert rank(g) == 15  # R_A = N_L * rank G = 15
    assert rank(activation_operator(NET_131, X_131)) == 15


def test_131_frozen_edges():
    edges = frozen_edges(NET_131)
    flat = sorted(NET_131.weight_index(e.layer + 1, e.target, e.neuron) for e in edges)
    assert flat == [6, 7, 8, 12, 13]
    # neuron (1, 2) (1-based) has a tie |-1| = |1|: the smallest index wins
    assert [(e.layer, e.neuron, e.target) for e in edges] == \
        [(0, 0, 0), (0, 1, 0), (0, 2, 0), (1, 0, 0), (1, 1, 0)]
    assert local_verdict(NET_131, X_131).frozen_edges == \
        [[0, 0, 0], [0, 1, 0], [0, 2, 0], [1, 0, 0], [1, 1, 0]]


@pytest.mark.parametrize(("x", "pattern", "output"), TABLE_131)
def test_131_outputs_and_patterns(x, pattern, output):
    assert NET_131(x) == (output,)
    assert NET_131.pattern(x) == parse_pattern(pattern)
    assert all(v != 0 for z in NET_131.preactivations(x)[:-1] for v in z)


def test_131_gram_block():
    g = gram_matrix(NET_131, X_131)
    assert [row[:3] for row in g[:3]] == [[580, 556, 484], [556, 534, 468], [484, 468, 839]]
    alpha = activation_operator(NET_131, X_131)
    assert g == [[sum((a * b for a, b in zip(ra, rb)), F(0)) for rb in alpha] for ra in alpha]


def test_131_path_expansion_and_tangents():
    phi = path_lifting(NET_131)
    alpha = activation_operator(NET_131, X_131)
    assert [sum((a * p[0] for a, p in zip(row, phi)), F(0)) for row in alpha] == \
        [out for _, _, out in TABLE_131]
    j_full = jacobian(NET_131, X_131)
    for t in rescaling_tangents(NET_131):
        assert all(sum((a * b for a, b in zip(row, t)), F(0)) == 0 for row in j_full)


@pytest.mark.parametrize("k", range(1, 15))
def test_131_prefixes(k):
    result = local_verdict(NET_131, X_131[:k])
    assert result.verdict == "not-locally-identifiable"
    assert result.certificate["claim"]["reason"] == "theorem-8"
    assert result.rank_jacobian == result.rank_activation == k
    assert rank(jacobian(NET_131, X_131[:k], reduced=True)) == k
    (never, always), = [(n, a) for ks, n, a in PREFIX_131 if k in ks]
    assert result.never_active == zero_based(never)
    assert result.always_active == zero_based(always)


# ------------------------------------------------------------------ 13.2
NET_132 = Network.from_lists([[[0, 2], [1, 2], [-1, -3]], [[-1, 3, -1]]], [[-1, -1, 2], [3]])
X_132 = [(0, 2), (4, -3), (4, -1), (2, 4), (-2, 4), (-3, 0), (-4, -1), (3, 4), (-1, 4),
         (0, -4), (-3, -3), (2, 1)]


def test_132_patterns():
    patterns = [NET_132.pattern(x) for x in X_132]
    counts = {}
    for p in patterns:
        counts[p] = counts.get(p, 0) + 1
    assert counts == {((1, 1, 0),): 6, ((0, 0, 1),): 5, ((0, 1, 1),): 1}


def test_132_theorem_8():
    result = local_verdict(NET_132, X_132)
    assert result.dimension == 10
    assert result.verdict == "not-locally-identifiable"
    assert (result.rank_jacobian, result.rank_activation) == (7, 7)
    assert result.never_active == [] and result.always_active == []
    cert = result.certificate
    assert cert["claim"]["reason"] == "theorem-8"
    # R_A <= 7 by the pattern bound 3 + 3 + 1
    # (docs/theory/local.md §7), not by the q = 5 Gram kernel
    assert result.pattern_bound == 7 and cert["evidence"]["gram_kernel"] == []
    assert len(cert["evidence"]["jacobian_minor"]["rows"]) == 7  # r = 7
    checked = check_certificate(json.loads(json.dumps(cert)))
    assert checked.valid and any("pattern bound" in step for step in checked.messages)
    g = gram_matrix(NET_132, X_132)
    assert rank(g) == 7 and len(g) - rank(g) == 5
    gamma = jacobian(NET_132, X_132, reduced=True)
    assert rank(gamma) == 7 and len(gamma[0]) - rank(gamma) == 3


# ------------------------------------------------------------------ 13.3
NET_133 = Network.from_lists([[[-1, -3], [3, 1], [-2, -1]], [[-1, -3, -2], [-2, -1, 1]]],
                             [[-2, 2, -1], [2, 2]])
X_133 = [(0, 3), (1, 3), (3, -3), (-4, 0), (2, 1), (2, -1), (0, -3), (0, 4)]


def test_133_patterns():
    counts = {}
    for x in X_133:
        p = NET_133.pattern(x)[0]
        counts[p] = counts.get(p, 0) + 1
    assert counts == {(0, 1, 0): 5, (1, 1, 0): 1, (1, 0, 1): 2}


def test_133_gap():
    result = local_verdict(NET_133, X_133)
    assert result.dimension == 14
    assert result.verdict == "inconclusive"
    assert (result.rank_jacobian, result.rank_activation) == (11, 12)
    assert result.never_active == [] and result.always_active == []
    cert = result.certificate
    assert cert["claim"]["reason"] == "gap"
    assert len(cert["evidence"]["jacobian_kernel"]) == 3
    assert check_certificate(json.loads(json.dumps(cert))).valid
    assert rank(gram_matrix(NET_133, X_133)) == 6
    gamma = jacobian(NET_133, X_133, reduced=True)
    assert rank(gamma) == 11 and len(gamma[0]) == 14


@pytest.mark.parametrize(("net", "xs"), [(NET_131, X_131), (NET_132, X_132),
                                         (NET_133, X_133)])
def test_rank_j_is_rank_gamma_for_every_nonzero_frozen_choice(net, xs):
    # docs/theory/local.md §13.4: deleting any non-zero outgoing edge per hidden neuron gives rank J
    j_full = jacobian(net, xs)
    r = rank(j_full)
    choices = []
    for l, j in net.hidden_neurons():
        choices.append([net.weight_index(l + 1, u, j) for u, row in enumerate(net.weights[l + 1])
                        if row[j] != 0])
    # vary one neuron's choice at a time, others at their first option
    base = [c[0] for c in choices]
    for h, options in enumerate(choices):
        for option in options:
            removed = set(base[:h] + [option] + base[h + 1:])
            cols = [c for c in range(net.n_params) if c not in removed]
            assert rank([[row[c] for c in cols] for row in j_full]) == r
