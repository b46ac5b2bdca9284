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


# --------------------------------------------------------------------------------------
# IEEE edge cases: underflow, subnormals, overflow and huge exponents. The float hint must
# never certify a wrong sign; every undecided sample is evaluated exactly.

F = Fraction


def patterns(acts, i):
    return [list(map(int, layer[i])) for layer in acts.active]


def test_weight_underflowing_to_zero_times_huge_sample():
    # float(1e-330) == 0.0, so the hint sees z = -2e-30 at every sample, while exactly
    # z = 1e-330 x - 2e-30 changes sign at x = 2e300 (an exact kink).
    net = Network.from_lists([[["1e-330"], ["1e-300"]], [[1, 1]]], [["-2e-30", -3], [0]])
    xs = [[F(s)] for s in ["1e300", "1.5e300", "2.5e300", "3.5e300", "4e300", "5e300",
                           "2.25e300", "2e300"]]
    acts = certified_activations(net, xs)
    assert [patterns(acts, i) for i in range(len(xs))] == [
        [[0, 0]], [[0, 0]], [[1, 0]], [[1, 1]], [[1, 1]], [[1, 1]], [[1, 0]], [[0, 0]]]
    assert acts.zeros == ((7, 0, 0),)
    assert_agrees(net, xs)


def test_underflowing_weight_in_a_deeper_layer():
    net = Network.from_lists([[[1]], [["1e-330"]], [[1]]], [[0], ["-2e-30"], [0]])
    xs = [[F(s)] for s in ["1e300", "2e300", "3e300", "1.999999e300", "2.000001e300"]]
    acts = certified_activations(net, xs)
    assert [int(acts.active[1][i, 0]) for i in range(len(xs))] == [0, 0, 1, 0, 1]
    assert acts.zeros == ((1, 1, 0),)
    assert_agrees(net, xs)


def test_subnormal_weights():
    # float(5e-320) is a subnormal with relative error ~2e-5; the kink is at x = 2e300.
    kink = F("2e300")
    xs = [[kink * (1 + s * F(10) ** -d)] for d in (6, 10, 30) for s in (1, -1)] + [[kink]]
    net = Network.from_lists([[["5e-320"]], [[1]]], [["-1e-19"], [0]])
    acts = certified_activations(net, xs)
    assert [int(acts.active[0][i, 0]) for i in range(len(xs))] == [1, 0, 1, 0, 1, 0, 0]
    assert acts.zeros == ((6, 0, 0),)
    assert_agrees(net, xs)
    deep = Network.from_lists([[[1]], [["5e-320"]], [[1]]], [[0], ["-1e-19"], [0]])
    assert_agrees(deep, xs)
    # Exact subnormal floats (2^-1074 k) as weights, against huge samples.
    tiny = Network.from_lists([[[F(2) ** -1074 * 3], [-F(2) ** -1060]], [[1, 1]]],
                              [[-F(2) ** -74 * 3, F(2) ** -60], [0]])
    assert_agrees(tiny, [[F(2) ** 1000], [F(2) ** 1000 + 1], [F(2) ** 1000 - 1],
                         [F(2) ** 1000 * (1 + F(2) ** -80)]])


def test_weights_and_values_overflowing_float():
    big = F("1e400")
    # A weight that does not fit float64: everything is evaluated exactly.
    net = Network.from_lists([[[big], [1]], [[1, 1]]], [[-big, 0], [0]])
    assert_agrees(net, [[1], [2], [F(1, 2)], [1 + F(10) ** -30], [-1]])
    # Products and sums overflowing to inf (or inf - inf = nan) inside the hint.
    net = Network.from_lists([[["1e200", "-1e200"], ["-1e200", 0]], [[1, 1]]],
                             [[0, "1e300"], [0]])
    xs = [[F("1e200"), F("1e200")], [F("1e200"), F("-1e200")], [F("-1e200"), F("1e100")],
          [F("1e100"), F("1e100")], [F("1e-100"), F("-1e-100")], [1, 2]]
    assert_agrees(net, xs)
    # A sample entry too large for float64 among ordinary samples.
    net = Network.from_lists([[[1, 1], [1, -1]], [[1, 1]]], [[-1, 0], [0]])
    acts = certified_activations(net, [[1, 1], [big, -big], [F(1, 3), F(2, 3)], [-big, 1]])
    assert patterns(acts, 1) == [[0, 1]] and patterns(acts, 3) == [[0, 0]]
    assert_agrees(net, [[1, 1], [big, -big], [F(1, 3), F(2, 3)], [-big, 1]])


def test_subnormal_samples():
    net = Network.from_lists([[["1e300"], ["-1e300"]], [[1, 1]]], [["-1e-10", "1e-10"], [0]])
    x = F("1e-310")
    xs = [[x], [x * (1 + F(10) ** -20)], [x * (1 - F(10) ** -20)], [2 * x], [x / 10],
          [F(2) ** -1074], [F("1e-330")]]
    acts = certified_activations(net, xs)
    assert acts.zeros == ((0, 0, 0), (0, 0, 1))
    assert patterns(acts, 1) == [[1, 0]] and patterns(acts, 2) == [[0, 1]]
    assert_agrees(net, xs)


def test_products_underflowing():
    # 1e-200 * 1e-200 underflows to 0 in float64; the kinks sit at those tiny products,
    # and a huge weight in the next layer amplifies them.
    net = Network.from_lists([[["1e-200", 1], ["-1e-200", 0]], [["1e300", "1e300"]],
                              [[1]]],
                             [["-1e-400", "1e-400"], ["-1e-100"], [0]])
    xs = [[F("1e-200"), 0], [F("1e-200") * (1 + F(10) ** -30), 0], [F("2e-200"), 0],
          [F("-1e-200"), 0], [F("1e-200"), F("1e-400")], [F("1e-200"), F("1e-390")],
          [F("1e-200"), F("-1e-390")]]
    assert_agrees(net, xs)


def test_kinks_hit_exactly_at_huge_magnitudes():
    net = Network.from_lists([[[3], [F(2) ** 1000]], [[1, 1]]],
                             [["-3e300", -F(2) ** 1023], [0]])
    xs = [[F("1e300")], [F("1e300") * (1 + F(10) ** -25)], [F("1e300") * (1 - F(10) ** -25)],
          [F(2) ** 23], [F(2) ** 23 * (1 + F(2) ** -60)], [F(2) ** 23 * (1 - F(2) ** -60)]]
    acts = certified_activations(net, xs)
    assert acts.zeros == ((0, 0, 0), (3, 0, 1))
    assert_agrees(net, xs)


def test_ordinary_networks_stay_on_the_float_path(monkeypatch):
    # The bound must not be so loose that ordinary inputs fall back to exact evaluation.
    import random

    rng = random.Random(0)
    widths = [20, 8, 8, 8, 2]
    ws = [[[F(rng.randint(-1000, 1000), 1000) for _ in range(a)] for _ in range(b)]
          for a, b in zip(widths, widths[1:])]
    bs = [[F(rng.randint(-100, 100), 1000) for _ in range(b)] for b in widths[1:]]
    net = Network.from_lists(ws, bs)
    xs = [[F(rng.randint(0, 255), 255) for _ in range(20)] for _ in range(100)]
    active, zeros = exact_patterns(net, xs)
    calls = []
    original = Network.preactivations

    def counting(self, x):
        calls.append(1)
        return original(self, x)

    monkeypatch.setattr(Network, "preactivations", counting)
    acts = certified_activations(net, xs)
    monkeypatch.undo()
    assert len(calls) == len({i for i, _, _ in zeros})
    assert list(acts.zeros) == zeros
    assert [[list(map(int, layer[i])) for layer in acts.active] for i in range(len(xs))] == active


# --------------------------------------------------------------------------------------
# Property: magnitudes from 1e-400 to 1e400 (and exact floats from 2^-1080 to 2^1023),
# exact zeros, exact kinks and points a relative 1e-40..1e-10 away from them, in every
# hidden layer.

@st.composite
def wide_rationals(draw, center):
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return Fraction(0)
    sign = draw(st.sampled_from([1, -1]))
    if kind == 1:
        return sign * Fraction(2) ** draw(st.integers(-1080, 1023))
    if center is None:
        e = draw(st.integers(-400, 400))
    else:
        e = max(-400, min(400, center + draw(st.integers(-8, 8))))
    return sign * draw(st.integers(1, 9999)) * Fraction(10) ** e


def centers():
    # Anywhere, or where float64 underflows (|v| < 2.2e-308, subnormal below 1e-308,
    # 0.0 below 5e-324) or overflows (|v| > 1.8e308).
    return st.one_of(st.none(), st.integers(-400, 400), st.integers(-335, -300),
                     st.integers(300, 312))


def near(draw, v, scale):
    """v, or v moved by a relative (or, for v = 0, scale-relative) 10^-d, d in 10..40."""
    d = draw(st.integers(10, 40))
    step = (abs(v) if v != 0 else scale) * Fraction(1, 10**d)
    return v + draw(st.sampled_from([0, 0, 1, -1])) * step


@st.composite
def wide_networks_and_samples(draw):
    widths = [draw(st.integers(1, 3))]
    widths += [draw(st.integers(1, 4)) for _ in range(draw(st.integers(1, 3)))]
    widths.append(draw(st.integers(1, 2)))
    # Half of the cases: first-layer weights where float64 underflows (0.0 or subnormal)
    # against huge samples, with biases of the size of their products, and nothing that
    # overflows (so that the float hint is used); otherwise anything goes.
    hard = draw(st.booleans())
    cx = draw(st.integers(280, 295) if hard else centers())
    xs = [[draw(wide_rationals(cx)) for _ in range(widths[0])]
          for _ in range(draw(st.integers(1, 5)))]
    weights, biases = [], []
    for a, b in zip(widths, widths[1:]):
        if not hard:
            cw, cb = draw(centers()), draw(centers())
            if not weights and cw is not None and cx is not None and draw(st.booleans()):
                cb = cw + cx    # biases of the size of the products w x (cancellation)
        elif not weights:
            cw = draw(st.integers(-330, -305))
            cb = cw + cx
        else:
            cw, cb = draw(st.integers(-20, 20)), draw(st.integers(-40, 0))
        weights.append([[draw(wide_rationals(cw)) for _ in range(a)] for _ in range(b)])
        biases.append([draw(wide_rationals(cb)) for _ in range(b)])
    # Exact and near kinks of first-layer neurons.
    for _ in range(draw(st.integers(0, 3))):
        j = draw(st.integers(0, widths[1] - 1))
        w, b = weights[0][j], biases[0][j]
        nz = [i for i, v in enumerate(w) if v != 0]
        if nz:
            # Often solve for the smallest weight (underflowing ones are the hard case).
            k = draw(st.sampled_from(nz + [min(nz, key=lambda i: abs(w[i]))] * len(nz)))
            x = list(draw(st.sampled_from(xs)))
            x[k] = -(b + sum(w[i] * x[i] for i in range(len(w)) if i != k)) / w[k]
            x[k] = near(draw, x[k], max([abs(v) for v in x] + [Fraction(1)]))
            xs.append(x)
    # Exact and near kinks of deeper neurons: move a bias onto the kink at a sample.
    for _ in range(draw(st.integers(0, 3))):
        if len(widths) < 4:
            break
        l = draw(st.integers(1, len(widths) - 3))
        j = draw(st.integers(0, widths[l + 1] - 1))
        x = draw(st.sampled_from(xs))
        f = Network.from_lists(weights, biases).preactivations(x)[l - 1]
        s = sum(wi * max(fi, 0) for wi, fi in zip(weights[l][j], f))
        biases[l][j] = near(draw, -s, max([abs(s), abs(biases[l][j]), Fraction(1)]))
    return Network.from_lists(weights, biases), xs


@given(wide_networks_and_samples())
def test_agrees_with_exact_evaluation_at_every_magnitude(case):
    net, xs = case
    assert_agrees(net, xs)
