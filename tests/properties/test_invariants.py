"""Invariants of
docs/theory/local.md §1.6, §2, §5.3 and §7, checked exactly on random small networks."""

from fractions import Fraction

import flint
from hypothesis import assume, given
from hypothesis import strategies as st

from exactid import strategies as xst
from exactid.jacobian import frozen_edges, gamma_columns, jacobian, rescaling_tangents
from exactid.lifting import activation_operator, gram_matrix, path_lifting, paths
from exactid.network import Network
from exactid.symmetry import canonical_form, equivalence, permute_layer, rescale_neuron

F = Fraction
SMALL = xst.widths(max_input=3, max_width=4, max_hidden_layers=2, max_output=2)
TINY = xst.widths(max_input=2, max_width=3, max_hidden_layers=2, max_output=2)


def nets(widths=SMALL):
    return xst.networks(widths=widths)


def matmul(a, b):
    return [[sum((x * y for x, y in zip(row, col)), F(0)) for col in zip(*b)] for row in a]


def rank(rows):
    if not rows or not rows[0]:
        return 0
    return flint.fmpq_mat([[flint.fmpq(v.numerator, v.denominator) for v in r]
                           for r in rows]).rank()


def abs_network(net):
    return Network(tuple(tuple(tuple(abs(v) for v in row) for row in w) for w in net.weights),
                   tuple(tuple(abs(v) for v in b) for b in net.biases))


# ---------------------------------------------------------------- symmetries of f and phi
@given(nets(), st.data())
def test_outputs_invariant_under_positive_rescaling_and_permutation(net, data):
    other = data.draw(xst.equivalent_networks(net))
    xs = data.draw(xst.samples(net, max_size=8, avoid_kinks=False))
    assert [other(x) for x in xs] == [net(x) for x in xs]


@given(nets(), st.data())
def test_positive_rescaling_alone_keeps_outputs_and_phi(net, data):
    other = data.draw(xst.rescalings(net))
    xs = data.draw(xst.samples(net, max_size=6, avoid_kinks=False))
    assert [other(x) for x in xs] == [net(x) for x in xs]
    assert path_lifting(other) == path_lifting(net)


@given(nets(TINY), st.data())
def test_phi_invariant_under_signed_rescaling(net, data):
    other = data.draw(xst.rescalings(net, negative=True))
    assert path_lifting(other) == path_lifting(net)


@given(nets(TINY), st.data())
def test_negative_rescaling_changes_f_though_not_phi(net, data):
    l = data.draw(st.integers(0, len(net.hidden_widths) - 1))
    j = data.draw(st.integers(0, net.hidden_widths[l] - 1))
    other = rescale_neuron(net, l, j, -1)
    assert path_lifting(other) == path_lifting(net)
    # f changes somewhere: near a point where z_v != 0, exactly one of v, -v is active;
    # here we only require that f differs at some sample when v's column and row are
    # non-zero and v's pre-activation changes sign on the sample.
    xs = data.draw(xst.samples(net, min_size=4, max_size=8))
    zs = [net.preactivations(x)[l][j] for x in xs]
    outgoing = [row[j] for row in net.weights[l + 1]]
    if l == len(net.hidden_widths) - 1 and any(z > 0 for z in zs) and any(outgoing):
        # last hidden layer: the output changes by W_L[:, j] (sigma(-z) - sigma(z)) != 0
        # at a sample where z > 0 (then sigma(-z) - sigma(z) = -z)
        i = next(i for i, z in enumerate(zs) if z > 0)
        expected = [o - w * zs[i] for o, w in zip(net(xs[i]), outgoing)]
        assert list(other(xs[i])) == expected
        assert other(xs[i]) != net(xs[i])


# ---------------------------------------------------------------- path expansion
@given(nets(TINY), st.data())
def test_path_expansion_f_equals_alpha_phi(net, data):
    xs = data.draw(xst.samples(net, max_size=8, avoid_kinks=False))
    alpha = activation_operator(net, xs)
    phi = path_lifting(net)
    assert len(phi) == len(paths(net)) == len(alpha[0])
    assert len(phi) == 1 + sum(_prod(net.widths[m:net.depth]) for m in range(net.depth))
    assert matmul(alpha, phi) == [list(net(x)) for x in xs]


def _prod(values):
    out = 1
    for v in values:
        out *= v
    return out


@given(nets(TINY), st.data())
def test_gram_matrix_equals_alpha_alpha_transpose(net, data):
    xs = data.draw(xst.samples(net, max_size=8, avoid_kinks=False))
    alpha = activation_operator(net, xs)
    expected = matmul(alpha, [list(c) for c in zip(*alpha)])
    assert gram_matrix(net, xs) == expected
    assert rank(gram_matrix(net, xs)) == rank(alpha)


@given(nets(TINY))
def test_path_norm_identity(net):
    # docs/theory/local.md §2.6 item 2: sum |phi(theta)| = sum_k f_{|theta|}(1)[k]
    total = sum(abs(v) for row in path_lifting(net) for v in row)
    assert total == sum(abs_network(net)([1] * net.n_inputs))


# ---------------------------------------------------------------- Jacobian ranks
@given(nets(), st.data())
def test_rank_j_equals_rank_gamma_and_is_at_most_d(net, data):
    xs = data.draw(xst.samples(net, max_size=12))
    j_full = jacobian(net, xs)
    gamma = jacobian(net, xs, reduced=True)
    assert len(j_full) == len(gamma) == len(xs) * net.n_outputs
    assert all(len(r) == net.n_params for r in j_full)
    assert all(len(r) == net.dimension for r in gamma)
    # Gamma is J without the frozen-edge columns
    cols = gamma_columns(net, frozen_edges(net))
    assert [[r[c] for c in cols] for r in j_full] == gamma
    r = rank(gamma)
    assert rank(j_full) == r
    assert r <= net.dimension


@given(nets(), st.data())
def test_rescaling_tangents_are_in_the_kernel(net, data):
    xs = data.draw(xst.samples(net, max_size=10))
    j_full = jacobian(net, xs)
    tangents = rescaling_tangents(net)
    assert len(tangents) == net.n_hidden
    for t in tangents:
        assert any(v != 0 for v in t)
        assert all(sum((a * b for a, b in zip(row, t)), F(0)) == 0 for row in j_full)
    # the H tangents are linearly independent (docs/theory/local.md §5.3 item 2)
    assert rank(tangents) == net.n_hidden


@given(nets(TINY), st.data())
def test_jacobian_matches_finite_difference_exactly_in_one_coordinate(net, data):
    # f is affine in each output-layer weight and bias, so a unit step is exact there
    xs = data.draw(xst.samples(net, min_size=1, max_size=4))
    j_full = jacobian(net, xs)
    flat = net.flat_parameters()
    l = net.depth - 1
    k = data.draw(st.integers(0, net.n_outputs - 1))
    c = data.draw(st.integers(0, net.widths[l]))  # widths[l] means the bias
    idx = net.bias_index(l, k) if c == net.widths[l] else net.weight_index(l, k, c)
    moved = list(flat)
    moved[idx] += 1
    other = net.with_flat_parameters(moved)
    for i, x in enumerate(xs):
        diff = [a - b for a, b in zip(other(x), net(x))]
        assert [j_full[i * net.n_outputs + o][idx] for o in range(net.n_outputs)] == diff


@given(nets(TINY), st.data())
def test_jacobian_is_an_exact_difference_quotient_in_every_parameter(net, data):
    # f(theta + t e_c) is affine in t while no activation changes (each pre-activation is
    # then affine in t, so equal signs at both ends hold throughout): for a small enough
    # step the difference quotient is the column of J exactly, in every layer
    xs = data.draw(xst.samples(net, min_size=1, max_size=4))
    assume(not net.activations(xs).zeros)
    j_full = jacobian(net, xs)
    idx = data.draw(st.integers(0, net.n_params - 1))
    flat = net.flat_parameters()
    before = [a.tolist() for a in net.activations(xs).active]
    for k in range(1, 80):
        t = F(1, 2**k)
        moved = list(flat)
        moved[idx] += t
        other = net.with_flat_parameters(moved)
        acts = other.activations(xs)
        if not acts.zeros and [a.tolist() for a in acts.active] == before:
            break
    else:
        raise AssertionError("no step keeps the activation patterns")
    for i, x in enumerate(xs):
        quotient = [(a - b) / t for a, b in zip(other(x), net(x))]
        assert [j_full[i * net.n_outputs + o][idx] for o in range(net.n_outputs)] == quotient


# ---------------------------------------------------------------- equivalence ~P
def rebuild(net, perms, scalings):
    for layer, (perm, lams) in enumerate(zip(perms, scalings)):
        for j, lam in enumerate(lams):
            net = rescale_neuron(net, layer, j, lam)
        inverse = [0] * len(perm)
        for j, target in enumerate(perm):
            inverse[target] = j
        net = permute_layer(net, layer, inverse)
    return net


@given(nets(), st.data())
def test_canonical_forms_of_equivalent_networks_agree(net, data):
    other = data.draw(xst.equivalent_networks(net))
    ca, cb = canonical_form(net), canonical_form(other)
    assert ca.unique == cb.unique
    if ca.unique:
        assert ca.network == cb.network
        assert not ca.notes


@given(nets(), st.data())
def test_equivalence_finds_a_verified_mapping(net, data):
    other = data.draw(xst.equivalent_networks(net))
    result = equivalence(net, other)
    assert result.equivalent is True
    assert result.obstruction is None
    assert all(lam > 0 for lams in result.scalings for lam in lams)
    assert [sorted(p) for p in result.permutations] == \
        [list(range(w)) for w in net.hidden_widths]
    assert rebuild(net, result.permutations, result.scalings) == other


@given(nets(), st.data())
def test_negated_neuron_is_not_equivalent(net, data):
    assume(canonical_form(net).unique)
    l = data.draw(st.integers(0, len(net.hidden_widths) - 1))
    j = data.draw(st.integers(0, net.hidden_widths[l] - 1))
    assume(any(v != 0 for v in net.weights[l][j]))
    assume(any(row[j] != 0 for row in net.weights[l + 1]))
    other = rescale_neuron(net, l, j, -1)
    result = equivalence(net, other)
    assert result.equivalent is False
    assert result.obstruction
    assert canonical_form(other).network != canonical_form(net).network
    # but phi cannot tell them apart (docs/theory/local.md §2.5: never test ~ by phi alone)
    if net.n_hidden <= 4:
        assert path_lifting(other) == path_lifting(net)
