"""local_verdict against independent exact ranks, and its certificates against the checker."""

import copy
import json
from fractions import Fraction

import flint
import pytest
from hypothesis import assume, event, given
from hypothesis import strategies as st

from exactid import strategies as xst
from exactid.certificates.check import check_certificate
from exactid.jacobian import jacobian
from exactid.lifting import gram_matrix
from exactid.network import Network
from exactid.numbers import format_rational, parse_rational
from exactid.verdicts import local_verdict

F = Fraction
WIDTHS = xst.widths(max_input=2, max_width=3, max_hidden_layers=2, max_output=2)
VERDICTS = ["locally-identifiable", "not-locally-identifiable", "inconclusive",
            "not-applicable"]


def rank(rows):
    if not rows or not rows[0]:
        return 0
    return flint.fmpq_mat([[flint.fmpq(v.numerator, v.denominator) for v in r]
                           for r in rows]).rank()


@st.composite
def dense_networks(draw, widths):
    """Networks with non-zero weights (biases may be zero): C_S is then often reachable."""
    weight = xst.rationals(5, 3, nonzero=True)
    ws = [draw(st.lists(st.lists(weight, min_size=a, max_size=a), min_size=b, max_size=b))
          for a, b in zip(widths, widths[1:])]
    bs = [draw(st.lists(xst.rationals(5, 3), min_size=b, max_size=b)) for b in widths[1:]]
    return Network.from_lists(ws, bs)


@st.composite
def cases(draw, anything=False):
    """A network and a sample; the sample is often large enough for C_S to be possible.

    With ``anything``, degenerate networks and samples on kinks are drawn too.
    """
    shallow = xst.widths(max_input=2, max_width=3, max_hidden_layers=1, max_output=1)
    widths = draw(st.one_of(WIDTHS, shallow), label="widths")
    degenerate = anything and draw(st.booleans(), label="allow degenerate")
    if degenerate:
        net = draw(xst.networks(widths=widths, max_numerator=3, nondegenerate=False))
    else:
        net = draw(dense_networks(widths))
    bound = min(12, -(-net.dimension // net.n_outputs))
    low = draw(st.sampled_from([bound, 1, bound]), label="min sample size")
    kinks = anything and draw(st.booleans(), label="allow kinks")
    xs = draw(xst.samples(net, min_size=low, max_size=max(low, 12), avoid_kinks=not kinks))
    return net, xs


@given(cases())
def test_ranks_agree_with_independent_exact_ranks(case):
    net, xs = case
    result = local_verdict(net, xs, certificate=False, float_check=False)
    assert result.verdict != "not-applicable"  # nondegenerate, kink-free sample
    r_gamma = rank(jacobian(net, xs, reduced=True))
    if result.rank_jacobian is None:  # an activation certificate decides without it
        assert result.never_active or result.always_active
    else:
        assert result.rank_jacobian == r_gamma
    r_a = net.n_outputs * rank(gram_matrix(net, xs))
    if result.rank_activation is not None:
        assert result.rank_activation == r_a
    assert r_gamma <= r_a  # docs/theory/local.md §8: R_Gamma <= R_A always
    assert (result.params, result.hidden, result.dimension) == \
        (net.n_params, net.n_hidden, net.dimension)
    assert result.samples == len(xs) and result.outputs == net.n_outputs
    assert result.sample_bound == -(-net.dimension // net.n_outputs)
    counts = [[sum(1 for x in xs if net.preactivations(x)[l][j] > 0)
               for j in range(w)] for l, w in enumerate(net.hidden_widths)]
    assert result.activation_counts == counts
    assert result.never_active == [[l, j] for l, j in net.hidden_neurons()
                                   if counts[l][j] == 0]
    assert result.always_active == [[l, j] for l, j in net.hidden_neurons()
                                    if counts[l][j] == len(xs)]


@given(cases())
def test_verdict_is_consistent_with_the_ranks(case):
    net, xs = case
    result = local_verdict(net, xs, float_check=False)
    d = net.dimension
    reason = result.certificate["claim"]["reason"]
    r_gamma = rank(jacobian(net, xs, reduced=True))
    r_a = net.n_outputs * rank(gram_matrix(net, xs))
    assert (result.verdict == "locally-identifiable") == (r_gamma == d)
    if result.verdict == "locally-identifiable":
        assert reason == "C_S"
        assert result.rank_jacobian == d
    if reason == "theorem-8":
        assert result.verdict == "not-locally-identifiable"
        assert result.rank_jacobian == result.rank_activation < d
    if result.verdict == "inconclusive":
        assert reason == "gap"
        assert result.rank_jacobian < result.rank_activation
        assert result.rank_jacobian < d
        assert not result.never_active and not result.always_active
    if reason in ("never-active", "always-active"):
        assert result.verdict == "not-locally-identifiable"
        assert r_gamma < r_a and r_gamma < d  # used only in the gap
        listed = result.never_active if reason == "never-active" else result.always_active
        assert result.certificate["evidence"]["neuron"] in listed
    # Theorem 8 applies exactly when R_Gamma = R_A < D
    assert (reason == "theorem-8") == (r_gamma == r_a < d)


def round_trip(doc):
    return json.loads(json.dumps(doc))


def bump(value):
    return format_rational(parse_rational(value) + 1)


def corruptions(cert, pick):
    """Yield (label, copy of ``cert`` with one field corrupted).

    ``pick(n, label)`` chooses an index in range(n).
    """
    claim, ev = cert["claim"], cert["evidence"]
    c = copy.deepcopy(cert)
    others = [v for v in VERDICTS if v != claim["verdict"]]
    c["claim"]["verdict"] = others[pick(len(others), "verdict")]
    yield "verdict", c
    if claim["rank_jacobian"] is not None:
        c = copy.deepcopy(cert)
        c["claim"]["rank_jacobian"] += 1
        yield "rank_jacobian", c
    if claim["rank_activation"] is not None:
        c = copy.deepcopy(cert)
        c["claim"]["rank_activation"] += 1
        yield "rank_activation", c
    c = copy.deepcopy(cert)
    c["claim"]["dimension"] += 1
    yield "dimension", c
    c = copy.deepcopy(cert)
    i = pick(len(claim["outputs"]), "output sample")
    k = pick(len(claim["outputs"][0]), "output index")
    c["claim"]["outputs"][i][k] = bump(c["claim"]["outputs"][i][k])
    yield "outputs", c
    if ev.get("prime") is not None:
        c = copy.deepcopy(cert)
        c["evidence"]["prime"] += 1
        yield "prime", c
    for key in ("rows", "jacobian_minor"):
        rows = ev.get(key) if key == "rows" else (ev.get(key) or {}).get("rows")
        if rows is not None and len(rows) >= 2:
            c = copy.deepcopy(cert)
            target = c["evidence"][key] if key == "rows" else c["evidence"][key]["rows"]
            target[0] = copy.deepcopy(target[1])
            yield f"{key} duplicated", c
    if ev.get("gram_kernel"):
        c = copy.deepcopy(cert)
        b = pick(len(ev["gram_kernel"]), "kernel vector")
        a = pick(len(ev["gram_kernel"][b]), "kernel entry")
        c["evidence"]["gram_kernel"][b][a] += 1
        yield "gram_kernel", c
    c = copy.deepcopy(cert)
    layers = c["network"]["layers"]
    l = pick(len(layers), "bias layer")
    j = pick(len(layers[l]["bias"]), "bias index")
    layers[l]["bias"][j] = bump(layers[l]["bias"][j])
    yield "bias", c


def outputs_of(doc_net, samples):
    layers = doc_net["layers"]
    net = Network.from_lists([layer["weight"] for layer in layers],
                             [layer["bias"] for layer in layers])
    return [[format_rational(v) for v in net([parse_rational(s) for s in x])] for x in samples]


@given(cases(anything=True), st.data())
def test_certificates_are_accepted_and_corruptions_rejected(case, data):
    net, xs = case
    result = local_verdict(net, xs, seed=data.draw(st.integers(0, 3), label="seed"),
                           float_check=False)
    cert = round_trip(result.certificate)
    event(cert["claim"]["reason"])
    check = check_certificate(cert)
    assert check.valid, check.messages
    assert check.verdict == result.verdict
    assert check.reason == cert["claim"]["reason"]
    assert cert["claim"]["dimension"] == net.dimension
    def pick(n, label):
        return data.draw(st.integers(0, n - 1), label=label)

    for label, bad in corruptions(cert, pick):
        if label == "bias":
            # a changed bias may leave every output unchanged (e.g. a dead neuron)
            claimed = [[format_rational(parse_rational(v)) for v in row]
                       for row in cert["claim"]["outputs"]]
            assume(outputs_of(bad["network"], bad["samples"]) != claimed)
        verdict = check_certificate(round_trip(bad))
        assert verdict.valid is False, (label, verdict.messages)
        assert verdict.messages


# docs/theory/local.md §13.3 with W_1 doubled and X halved: the same function on the sample, the
# same patterns and ranks, but fractional samples.
W133 = [[[-1, -3], [3, 1], [-2, -1]], [[-1, -3, -2], [-2, -1, 1]]]
B133 = [[-2, 2, -1], [2, 2]]
X133 = [(0, 3), (1, 3), (3, -3), (-4, 0), (2, 1), (2, -1), (0, -3), (0, 4)]


FIXED = {  # name: (weights, biases, samples, reason)
    "13.1": ([[[1, -2], ["1/2", 1], [-1, 1]], [[1, -1, 2], ["-1/2", 1, 1]], [[2, -3]]],
             [["1/3", -1, "1/2"], ["1/4", "-1/3"], ["1/5"]],
             [(-12, -12), (-12, -11), (-12, -8), (-12, -7), (-12, -5), (-12, -4), (-12, 8),
              (-12, 9), (-11, -12), (-11, -11), (-11, -8), (-11, -5), (-11, 7), (2, 1),
              (2, 2)], "C_S"),
    "13.2": ([[[0, 2], [1, 2], [-1, -3]], [[-1, 3, -1]]], [[-1, -1, 2], [3]],
             [(0, 2), (4, -3), (4, -1), (2, 4), (-2, 4), (-3, 0), (-4, -1), (3, 4), (-1, 4),
              (0, -4), (-3, -3), (2, 1)], "theorem-8"),
    "13.3": (W133, B133, X133, "gap"),
    "never": ([[[1, 0], [0, 1]], [[1, 1], [1, -1]]], [[-100, 0], [0, 0]],
              [(1, 1), (2, -1), (3, 2), (-1, 3)], "never-active"),
    "always": ([[[-2, 3], [1, 1]], [[1, -2], [-1, -2]]], [[2, 100], [-2, 3]],
               [(-1, -5), (1, 3), (5, -4), (-3, 5), (-1, -4), (0, 3)], "always-active"),
    "kink": ([[[1], [-1]], [[1, 1]]], [["-1/2", 1], [0]], [(0,), (1,), ("1/2",), (2,)],
             "sample-on-kink"),
    "degenerate": ([[[1, 0], [0, 1]], [[1, 0]]], [[0, 0], [0]], [(1, 1), (-1, 2)],
                   "degenerate-neuron"),
}


@pytest.mark.parametrize("name", sorted(FIXED))
@pytest.mark.parametrize("choice", [0, 1, 2])
def test_fixed_certificates_and_their_corruptions(name, choice):
    weights, biases, xs, reason = FIXED[name]
    net = Network.from_lists(weights, biases)
    cert = round_trip(local_verdict(net, xs).certificate)
    assert cert["claim"]["reason"] == reason
    assert check_certificate(cert).valid
    labels = []
    for label, bad in corruptions(cert, lambda n, _label: (choice * 7 + 3) % n):
        labels.append(label)
        if label == "bias" and outputs_of(bad["network"], bad["samples"]) == [
                [format_rational(parse_rational(v)) for v in row]
                for row in cert["claim"]["outputs"]]:
            continue
        result = check_certificate(round_trip(bad))
        assert result.valid is False, (label, result.messages)
    assert {"verdict", "dimension", "outputs", "bias"} <= set(labels)
    if reason in ("C_S", "theorem-8", "gap"):
        assert {"prime", "rank_jacobian"} <= set(labels)
    if reason in ("theorem-8", "gap"):
        assert "jacobian_minor duplicated" in labels


def test_output_bias_corruption_is_always_detected():
    net = Network.from_lists([[[1], [-2]], [[1, 1]]], [[1, 1], [0]])
    cert = round_trip(local_verdict(net, [[-3], [-2], [0], [1], [2], [3]]).certificate)
    assert check_certificate(cert).valid
    cert["network"]["layers"][-1]["bias"][0] = 1
    result = check_certificate(cert)
    assert not result.valid
    assert "claim.outputs" in result.messages[0]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_seeds_change_primes_not_verdicts(seed):
    net = Network.from_lists([[[1], [-2]], [[1, 1]]], [[1, 1], [0]])
    result = local_verdict(net, [[-3], [-2], [0], [1], [2], [3]], seed=seed)
    assert result.verdict == "locally-identifiable"
    assert result.rank_jacobian == net.dimension == 5
    assert check_certificate(round_trip(result.certificate)).valid


def rescaled_133():
    net = Network.from_lists([[[2 * v for v in row] for row in W133[0]], W133[1]], B133)
    return net, [[F(a, 2), F(b, 2)] for a, b in X133]


def test_rescaled_gap_example_keeps_its_ranks():
    net, xs = rescaled_133()
    result = local_verdict(net, xs)
    assert result.verdict == "inconclusive"
    assert (result.rank_jacobian, result.rank_activation, result.dimension) == (11, 12, 14)
    assert check_certificate(round_trip(
        local_verdict(Network.from_lists(W133, B133), X133).certificate)).valid


def test_gap_certificate_with_fractional_data_is_valid():
    net, xs = rescaled_133()
    cert = round_trip(local_verdict(net, xs).certificate)
    gamma = jacobian(net, xs, reduced=True)
    for vector in cert["evidence"]["jacobian_kernel"]:
        assert all(sum(a * b for a, b in zip(row, vector)) == 0 for row in gamma)
    result = check_certificate(cert)
    assert result.valid, result.messages


@given(cases(), st.sampled_from([1048583, 2097143, 67108859]), st.booleans(), st.data())
def test_jacobian_modulo_p_is_the_exact_jacobian_reduced(case, p, huge, data):
    # residues from int64 arrays (and, with a denominator beyond int64, entry by entry)
    # must equal the exact Jacobian's entries reduced modulo p, for all the columns and
    # for any selection of them in any order
    from exactid.jacobian import backpropagate

    net, xs = case
    if huge:
        xs = [list(x) for x in xs]
        xs[0][0] += Fraction(1, 3**50)  # a denominator beyond int64
    assume(not net.activations(xs).zeros)
    jac = backpropagate(net, xs)
    assume(jac.denominators % p)
    exact = jacobian(net, xs)
    want = [[v.numerator * pow(v.denominator, -1, p) % p for v in row] for row in exact]
    assert jac.residues(p, range(net.n_params)).tolist() == want
    cols = data.draw(st.lists(st.integers(0, net.n_params - 1), unique=True), label="columns")
    for chosen in (cols, sorted(cols)):  # in any order, and in blocks of consecutive ones
        assert jac.residues(p, chosen).tolist() == [[row[c] for c in chosen] for row in want]
    # the exact columns alone (a forward pass only as far as their layers) are those of J
    fresh = backpropagate(net, xs)
    assert fresh.rational_rows(range(fresh.nrows), cols) == [[row[c] for c in cols]
                                                            for row in exact]


@given(st.integers(0, 40), st.lists(st.integers(1, 12), min_size=1, max_size=3),
       st.integers(1, 4), st.randoms(use_true_random=False))
def test_pattern_rank_bound_counts_distinct_patterns(n, widths, d, rnd):
    # sum over the distinct patterns (all hidden layers together) of min(count, d + 1)
    import numpy as np

    from exactid.lifting import pattern_rank_bound
    from exactid.network import Activations

    density = rnd.random()
    active = tuple(np.array([[int(rnd.random() < density) for _ in range(w)] for _ in range(n)],
                            dtype=np.int64).reshape(n, w) for w in widths)
    counts: dict = {}
    for i in range(n):
        key = tuple(int(v) for layer in active for v in layer[i])
        counts[key] = counts.get(key, 0) + 1
    assert pattern_rank_bound(Activations(active, ()), d) == \
        sum(min(c, d + 1) for c in counts.values())
