"""The fast activation patterns (float hint + rigorous bound) agree with exact evaluation."""

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from exactid import strategies as xst
from exactid.network import Network, certified_activations


def exact_patterns(net, xs):
    active, zeros = [], []
    for i, x in enumerate(xs):
        zs = net.preactivations(x)[:-1]
        active.append([[int(v > 0) for v in z] for z in zs])
        zeros += [(i, l, j) for l, z in enumerate(zs) for j, v in enumerate(z) if v == 0]
    return active, sorted(zeros)


def assert_agrees(net, xs):
    acts = certified_activations(net, xs)
    active, zeros = exact_patterns(net, xs)
    assert list(acts.zeros) == zeros
    for i in range(len(xs)):
        assert [list(map(int, layer[i])) for layer in acts.active] == active[i]


@given(xst.networks(), st.data())
def test_agrees_with_exact_evaluation_including_kinks(net, data):
    xs = data.draw(xst.samples(net, min_size=1, max_size=8, avoid_kinks=False))
    # Put one sample exactly on the kink of a first-layer neuron, when that neuron has a
    # non-zero weight: x_k = -(b + sum_{i != k} w_i x_i) / w_k.
    j = data.draw(st.integers(0, net.widths[1] - 1))
    w, b = net.weights[0][j], net.biases[0][j]
    k = next((i for i, v in enumerate(w) if v != 0), None)
    if k is not None:
        x = list(xs[0])
        x[k] = -(b + sum(w[i] * x[i] for i in range(len(w)) if i != k)) / w[k]
        xs = [x] + xs
    assert_agrees(net, xs)


def test_thin_margins_and_cancellation():
    # z = x - 1/3 at x = 1/3 + 10^-30: float64 rounds x to 1/3, the exact sign is +.
    net = Network.from_lists([[[1], [-1]], [[1, 1]]], [["-1/3", "1/3"], [0]])
    eps = Fraction(1, 10**30)
    xs = [[Fraction(1, 3) + eps], [Fraction(1, 3) - eps], [Fraction(1, 3)], [1]]
    acts = certified_activations(net, xs)
    assert [list(map(int, acts.active[0][i])) for i in range(4)][:2] == [[1, 0], [0, 1]]
    assert acts.zeros == ((2, 0, 0), (2, 0, 1))
    assert_agrees(net, xs)


def test_huge_and_tiny_numbers_fall_back_to_exact():
    big = Fraction(10**400)
    tiny = Fraction(1, 10**400)
    net = Network.from_lists([[[big], [tiny]], [[1, -1]]], [[-big, tiny], [0]])
    xs = [[1], [2], [Fraction(1, 2)], [-1]]
    assert_agrees(net, xs)
    deep = Network.from_lists([[[tiny]], [[big]], [[1]]], [[0], [-1], [0]])
    assert_agrees(deep, [[1], [2], [-3]])
