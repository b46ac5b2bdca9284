"""Network: exact evaluation, pre-activations, patterns, batch forward pass, flat order."""

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exactid import strategies as xst
from exactid.errors import InputError
from exactid.network import Network, as_samples

F = Fraction

from vectors import B131, TABLE_131, W131  # noqa: E402


def net131():
    return Network.from_lists(W131, B131)


def parse_pattern(text):
    return tuple(tuple(int(c) for c in part) for part in text.split("|"))


def test_counts_of_the_worked_example():
    net = net131()
    assert net.widths == (2, 3, 2, 1)
    assert net.depth == 3
    assert net.hidden_widths == (3, 2)
    assert (net.n_params, net.n_hidden, net.dimension) == (20, 5, 15)
    assert (net.n_inputs, net.n_outputs) == (2, 1)
    assert net.hidden_neurons() == [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1)]


@pytest.mark.parametrize(("x", "pattern", "output"), TABLE_131)
def test_outputs_and_patterns_of_the_worked_example(x, pattern, output):
    net = net131()
    assert net(x) == (output,)
    assert net.pattern(x) == parse_pattern(pattern)


def test_preactivations_by_hand():
    net = net131()
    # x = (2, 1): z1 = (2 - 2 + 1/3, 1 + 1 - 1, -2 + 1 + 1/2) = (1/3, 1, -1/2)
    # f1 = (1/3, 1, 0); z2 = (1/3 - 1 + 1/4, -1/6 + 1 - 1/3) = (-5/12, 1/2)
    # f2 = (0, 1/2); z3 = -3 * 1/2 + 1/5 = -13/10
    zs = net.preactivations([2, 1])
    assert zs[0] == [F(1, 3), F(1), F(-1, 2)]
    assert zs[1] == [F(-5, 12), F(1, 2)]
    assert zs[2] == [F(-13, 10)]
    assert all(type(v) is Fraction for z in zs for v in z)


def test_preactivations_at_a_second_point():
    net = net131()
    zs = net.preactivations([-12, -12])
    # z1 = (-12 + 24 + 1/3, -6 - 12 - 1, 12 - 12 + 1/2) = (37/3, -19, 1/2)
    assert zs[0] == [F(37, 3), F(-19), F(1, 2)]
    # f1 = (37/3, 0, 1/2); z2 = (37/3 + 1 + 1/4, -37/6 + 1/2 - 1/3)
    assert zs[1] == [F(37, 3) + 1 + F(1, 4), F(-37, 6) + F(1, 2) - F(1, 3)]
    f2 = [max(v, F(0)) for v in zs[1]]
    assert zs[2] == [2 * f2[0] - 3 * f2[1] + F(1, 5)] == [F(821, 30)]


def test_small_network_by_hand():
    net = Network.from_lists([[[1, -1]], [[2]]], [[0], ["1/2"]])
    assert net(["3", 1]) == (F(9, 2),)
    assert net([1, 3]) == (F(1, 2),)  # ReLU clips -2 to 0
    assert net(["0.5", "-1/4"]) == (F(2),)  # 2 * 3/4 + 1/2
    assert net.pattern([1, 3]) == ((0,),)
    assert net.pattern([3, 1]) == ((1,),)


def test_output_layer_is_affine_not_relu():
    net = Network.from_lists([[[1]], [[1]]], [[5], [-10]])
    assert net([0]) == (F(-5),)  # a ReLU on the output would give 0


def test_pattern_raises_on_a_kink():
    net = net131()
    # neuron (layer 0, neuron 1): x/2 + y - 1 = 0 at (2, 0)
    assert net.preactivations([2, 0])[0][1] == 0
    with pytest.raises(InputError, match="hidden layer 0 neuron 1"):
        net.pattern([2, 0])
    # evaluation itself is defined on kinks
    assert net([2, 0]) == net([2, F(0)])
    # second hidden layer kink: neuron (1, 0) of a 1-1-1-1 chain
    chain = Network.from_lists([[[1]], [[1]], [[1]]], [[0], [-2], [0]])
    with pytest.raises(InputError, match="hidden layer 1 neuron 0"):
        chain.pattern([2])
    assert chain.pattern([3]) == ((1,), (1,))


def test_point_of_wrong_dimension_is_rejected():
    net = net131()
    with pytest.raises(InputError, match="dimension 3"):
        net([1, 2, 3])
    with pytest.raises(InputError):
        net(["nan", 1])


@given(xst.networks(), st.data())
def test_forward_batch_equals_per_point(net, data):
    xs = data.draw(xst.samples(net, min_size=1, max_size=8, avoid_kinks=False))
    xs = as_samples(xs, net.n_inputs)
    fp = net.forward(xs)
    assert fp.outputs() == [net(x) for x in xs]
    for i, x in enumerate(xs):
        zs = net.preactivations(x)
        for l, z in enumerate(zs):
            assert [F(int(fp.pre[l][i, j]), fp.den[l]) for j in range(len(z))] == z
        for l, z in enumerate(zs[:-1]):
            assert [int(v) for v in fp.activations.active[l][i]] == [int(v > 0) for v in z]
            post = [F(int(fp.post[l + 1][i, j]), fp.post_den[l + 1]) for j in range(len(z))]
            assert post == [max(v, F(0)) for v in z]
    zeros = sorted((i, l, j) for i, x in enumerate(xs)
                   for l, z in enumerate(net.preactivations(x)[:-1])
                   for j, v in enumerate(z) if v == 0)
    assert list(fp.activations.zeros) == zeros
    assert list(net.activations(xs).zeros) == zeros


def test_flat_order_of_the_worked_example():
    net = net131()
    flat = net.flat_parameters()
    assert len(flat) == 20
    assert flat[:6] == [F(1), F(-2), F(1, 2), F(1), F(-1), F(1)]  # W_1 row-major
    assert flat[6:12] == [F(1), F(-1), F(2), F(-1, 2), F(1), F(1)]  # W_2
    assert flat[12:14] == [F(2), F(-3)]  # W_3
    assert flat[14:] == [F(1, 3), F(-1), F(1, 2), F(1, 4), F(-1, 3), F(1, 5)]  # b_1, b_2, b_3
    assert net.weight_index(0, 0, 0) == 0
    assert net.weight_index(0, 2, 1) == 5
    assert net.weight_index(1, 0, 0) == 6
    assert net.weight_index(1, 1, 2) == 11
    assert net.weight_index(2, 0, 1) == 13
    assert net.bias_index(0, 0) == 14
    assert net.bias_index(1, 1) == 18
    assert net.bias_index(2, 0) == 19


@given(xst.networks(), st.data())
def test_flat_indices_and_round_trip(net, data):
    flat = net.flat_parameters()
    assert len(flat) == net.n_params
    seen = set()
    for l, w in enumerate(net.weights):
        for r, row in enumerate(w):
            for c, v in enumerate(row):
                idx = net.weight_index(l, r, c)
                assert flat[idx] == v
                seen.add(idx)
        for r, v in enumerate(net.biases[l]):
            idx = net.bias_index(l, r)
            assert flat[idx] == v
            seen.add(idx)
    assert seen == set(range(net.n_params))
    assert net.with_flat_parameters(flat) == net
    # changing one flat entry changes exactly the matching weight or bias
    pos = data.draw(st.integers(0, net.n_params - 1))
    new = list(flat)
    new[pos] += 1
    other = net.with_flat_parameters(new)
    assert other.widths == net.widths
    assert other.flat_parameters() == new
    diffs = [(l, r, c) for l, (wa, wb) in enumerate(zip(net.weights, other.weights))
             for r, (ra, rb) in enumerate(zip(wa, wb)) for c in range(len(ra)) if ra[c] != rb[c]]
    bdiffs = [(l, r) for l, (ba, bb) in enumerate(zip(net.biases, other.biases))
              for r in range(len(ba)) if ba[r] != bb[r]]
    assert len(diffs) + len(bdiffs) == 1
    if diffs:
        assert net.weight_index(*diffs[0]) == pos
    else:
        assert net.bias_index(*bdiffs[0]) == pos


def test_with_flat_parameters_rejects_wrong_length():
    net = net131()
    with pytest.raises(InputError, match="expected 20 parameters"):
        net.with_flat_parameters([F(0)] * 19)


@pytest.mark.parametrize(
    ("weights", "biases", "message"),
    [
        ([[[1, 2], [3]], [[1, 1]]], [[0, 0], [0]], "ragged"),
        ([[[1, 2]], [[1, 1]]], [[0], [0]], "columns"),
        ([[[1, 2]], [[1]]], [[0, 0], [0]], "bias has 2 entries"),
        ([[], [[1]]], [[], [0]], "empty"),
        ([[[]], [[1]]], [[0], [0]], "empty"),
        ([[[1, "1/0"]], [[1]]], [[0], [0]], "zero denominator"),
        ([[[1, "nan"]], [[1]]], [[0], [0]], "not a rational"),
        ([[[1, float("inf")]], [[1]]], [[0], [0]], "not a finite"),
        ([[[1, True]], [[1]]], [[0], [0]], "boolean"),
        ([[[1, 2]], [[1]]], [[0]], "number of weight matrices"),
    ],
)
def test_from_lists_rejects_bad_shapes_and_numbers(weights, biases, message):
    with pytest.raises(InputError, match=message):
        Network.from_lists(weights, biases, where="my-net")


def test_from_lists_names_where():
    with pytest.raises(InputError, match="^my-net: layer 0 weight is ragged"):
        Network.from_lists([[[1, 2], [3]], [[1, 1]]], [[0, 0], [0]], where="my-net")
    with pytest.raises(InputError, match=r"^my-net: layer 0 weight\[0\]\[1\]"):
        Network.from_lists([[[1, "x"]], [[1]]], [[0], [0]], where="my-net")


def test_floats_in_from_lists_are_exact():
    net = Network.from_lists([[[0.1]], [[1]]], [[0], [0]])
    assert net.weights[0][0][0] == Fraction(0.1) != Fraction(1, 10)
