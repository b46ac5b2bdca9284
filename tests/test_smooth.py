"""exactid.smooth: the file format, ball checks, recovery and its verification, the CLI."""

import json
from fractions import Fraction as F
from pathlib import Path

import numpy as np
import pytest

from exactid.cli import main
from exactid.errors import InputError
from exactid.smooth.entangled import entangled
from exactid.smooth.network import (
    Activation,
    SmoothNetwork,
    read_smooth_network,
    smooth_network_from_doc,
    smooth_network_to_doc,
)
from exactid.smooth.recover import recover
from exactid.smooth.verify import read_estimates, verify_recovery

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
TANH = EXAMPLES / "smooth-tanh" / "network.json"


def doc(**changes):
    d = {"format": "exactid.smooth-network/1",
         "activation": {"kind": "polynomial", "coefficients": [0, 1, "1/2"]},
         "output": "sum", "layers": [{"weight": [[1, 0], [0, 1]], "shift": [0, "1/2"]}]}
    d.update(changes)
    return d


@pytest.mark.parametrize("change, message", [
    ({"activation": {"kind": "relu"}}, "unknown activation kind 'relu'"),
    ({"activation": {"kind": "polynomial", "coefficients": ["pi"]}}, "coefficients[0]"),
    ({"activation": {"kind": "polynomial"}}, "non-empty list 'coefficients'"),
    ({"activation": {"kind": "tanh", "scale": 2}}, "takes no parameters"),
    ({"output": "max"}, "'output' must be"),
    ({"format": "exactid.network/1"}, "unknown format tag"),
    ({"layers": [{"weight": [[1, 0], [1]], "shift": [0, 0]}]}, "row 1 has 1 entries"),
    ({"layers": [{"weight": [[1, 0]], "shift": [0, 0]}]}, "shift must be a list of 1"),
    ({"layers": [{"weight": [[1, 0]], "bias": [0]}]}, "'weight' and 'shift'"),
])
def test_malformed_documents_are_one_line_errors(change, message):
    with pytest.raises(InputError) as exc:
        smooth_network_from_doc(doc(**change), "net.json")
    assert message in str(exc.value) and "\n" not in str(exc.value)
    assert str(exc.value).startswith("net.json: ")


def test_document_round_trip():
    net = smooth_network_from_doc(doc())
    assert smooth_network_from_doc(smooth_network_to_doc(net)) == net


def test_exact_evaluation_gradient_and_hessian():
    # f(x) = g(x1) + g(x2) with phi(t) = t + t^2/2, shifts 0 and 1/2
    net = smooth_network_from_doc(doc())
    jet = net.jet([F(1), F(2)])
    assert jet.outputs == (F(3, 2) + F(5),)   # g0(1) = 3/2, g1(2) = 2 + (25/8 - 1/8)
    assert jet.hessians[0] == ((1, 0), (0, 1))
    assert net.hessian_by_identity(jet) == [[[1, 0], [0, 1]]]


def test_tanh_ball_checks_are_proved():
    r = entangled(read_smooth_network(TANH), at=[1, 0, -1, F(1, 2)])
    assert r.proved and r.dim_space == 5 and not r.exact
    assert all(t for _, _, t in r.isolated) and r.identity == (True,) and r.drift == (False,)


def test_zero_shift_tanh_neuron_is_invisible_exactly():
    net = SmoothNetwork(Activation("tanh"), "sum", (((1, 0), (0, 1)),), ((0, F(1, 2)),))
    r = entangled(net)
    assert [t for _, _, t in r.visible] == [False, True]   # phi''(0) = 0 exactly
    assert [t for _, _, t in r.invertible] == [True, True]


def test_count_is_a_reason_not_an_error_for_tanh():
    r = entangled(read_smooth_network(TANH), count=True)
    assert r.rank_one_count is None
    assert any(x.startswith("--count: not applicable") for x in r.reasons)


def test_recovery_stays_in_budget_and_is_verified():
    net = read_smooth_network(TANH)
    est = recover(net, budget=3000, seed=1)
    assert est.evaluations <= 3000
    vectors, network = read_estimates(json.loads(json.dumps(est.to_json())), 4)
    v = verify_recovery(net, vectors, network)
    assert v.found == 5 and v.neurons == 5 and v.spurious == ()
    assert all(m.residual.mid() < 1e-4 for m in v.matches)
    assert network is not None and v.network_error is not None


def test_verify_is_exact_for_polynomials():
    net = SmoothNetwork(Activation("polynomial", (0, 1, 1)), "sum", (((1, 0), (0, 1)),),
                        ((0, 0),))
    v = verify_recovery(net, [[1, 0], [1, F(1, 100)], [1, 1]])
    assert v.matches[0].residual == 0 and v.matches[0].success
    assert v.matches[1].success and v.matches[1].residual > 0   # cos ~ 0.99995
    assert v.spurious == (2,) and v.found == 1


def run(*argv, capsys):
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_entangled_json_fields(capsys):
    code, out, _ = run("entangled", EXAMPLES / "smooth-tv-s1" / "network.json",
                       "--at", "1/2,-1/3,1/5,1", "--json", capsys=capsys)
    d = json.loads(out)
    assert code == 0
    for key in ("neurons", "rank_w1", "dim_space", "bound", "entangled_weights",
                "invertible", "visible", "hessian_in_space", "drift", "isolated",
                "rank_one_count", "reconstruction", "proved", "undecided", "reasons"):
        assert key in d
    assert d["drift"] == [True, True] and d["isolated"][0] == [0, 0, False]
    assert d == json.loads((EXAMPLES / "smooth-tv-s1" / "entangled.json").read_text()) | {
        "rank_one_count": None, "rank_one_directions": None,
        "reasons": d["reasons"]}


def test_cli_bad_input_exit_2(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc(activation={"kind": "relu"})))
    code, _, err = run("entangled", bad, capsys=capsys)
    assert code == 2 and err.count("\n") == 1 and "unknown activation kind" in err
    code, _, err = run("entangled", TANH, "--at", "1,2", capsys=capsys)
    assert code == 2 and "expected 4" in err
    code, _, err = run("recover", TANH, "--budget", "3", capsys=capsys)
    assert code == 2 and "one Hessian needs" in err


def recover_and_verify(net, est, budget, capsys):
    """The verify-recovery --json document of 'recover --seed 1 --out est'."""
    code, _, _ = run("recover", net, "--budget", budget, "--seed", "1", "--out", est,
                     capsys=capsys)
    assert code == 0
    code, out, _ = run("verify-recovery", net, est, "--json", capsys=capsys)
    assert code == 0
    return json.loads(out)


def test_cli_recover_and_verify(tmp_path, capsys):
    d = recover_and_verify(TANH, tmp_path / "est.json", 3000, capsys)
    assert d["found"] == 5 and d["neurons"] == 5 and d["spurious"] == []
    assert set(d["matches"][0]) >= {"layer", "neuron", "cosine", "residual", "success"}


# Deep recovery (docs/theory/smooth.md §5.6 [reconstruction]): TV-S2's weights and shifts
# with tanh, so that the verifier works with balls.
DEEP_TANH = smooth_network_from_doc(
    json.loads((EXAMPLES / "smooth-tv-s2" / "network.json").read_text())
    | {"activation": {"kind": "tanh"}})


def test_deep_recovery_finds_every_weight_with_its_layer():
    est = recover(DEEP_TANH, budget=300, seed=3)
    assert est.evaluations <= 300 and est.network is not None
    assert est.fit_residual_float < 1e-9
    v = verify_recovery(DEEP_TANH, [[F(x) for x in e] for e in est.estimates])
    assert v.found == 6 and v.spurious == ()
    # up to a permutation within each layer (an intrinsic symmetry, §4)
    assert sorted((m.layer, m.neuron) for m in v.matches) == DEEP_TANH.neurons()
    assert est.layers == tuple(m.layer for m in v.matches) == (0, 0, 0, 0, 1, 1)
    assert len(est.rank_one_estimates) == len(est.rank_one_layers) >= 1


def test_deep_rank_one_estimates_get_heuristic_layers():
    # the gradient of f_j at 0 points along v_{L,j}: layer 1 (0-based) is the estimate
    # closest to each gradient; the others fill layer 0
    from exactid.smooth.fit import entangled_float
    from exactid.smooth.recover import assign_layers

    W = [np.array([[float(x) for x in row] for row in w]) for w in DEEP_TANH.weights]
    t = [np.array([float(x) for x in s]) for s in DEEP_TANH.shifts]
    vs = np.array([v / np.linalg.norm(v) for _, _, v in
                   entangled_float(W, t, DEEP_TANH.activation)])
    order = [4, 0, 1, 5, 2, 3]
    grads = vs[[4, 5]] * np.array([[0.5], [-2.0]])
    layers, per_layer = assign_layers(vs[order], (4, 4, 2), "vector", grads,
                                      np.random.default_rng(0))
    assert layers == (1, 0, 0, 1, 0, 0)
    assert np.allclose(np.abs(np.sum(per_layer[1].T * vs[[4, 5]], axis=1)), 1)


def test_fit_jacobian_is_exact():
    from exactid.smooth.fit import _jacobian, forward_params, random_start

    rng = np.random.default_rng(1)
    widths, X = (3, 3, 2, 2), rng.standard_normal((4, 3))
    for act in (Activation("tanh"), Activation("polynomial", (F(0), F(1), F(1, 2)))):
        for output in ("vector", "sum"):
            p = random_start(widths, rng)
            numeric = np.array([(forward_params(p + e, widths, act, output, X)
                                 - forward_params(p - e, widths, act, output, X)).ravel()
                                / 2e-6 for e in np.eye(len(p)) * 1e-6]).T
            assert np.abs(_jacobian(p, widths, act, output, X) - numeric).max() < 1e-6


def test_deep_recovery_on_a_small_budget_keeps_the_rank_one_estimates():
    est = recover(DEEP_TANH, budget=40, seed=0)   # 20 samples x 2 outputs < 30 parameters
    assert est.network is None and est.estimates == est.rank_one_estimates
    assert any("too small for the least-squares fit" in n for n in est.notes)


@pytest.mark.parametrize("example, seed", [("smooth-tv-s1", 1), ("smooth-tv-s2b", 2)])
def test_recovery_of_the_deep_examples_is_verified(example, seed):
    net = read_smooth_network(EXAMPLES / example / "network.json")
    est = recover(net, budget=300, seed=seed)
    v = verify_recovery(net, [[F(x) for x in e] for e in est.estimates])
    assert v.found == v.neurons == net.n_neurons and v.spurious == ()
    assert est.layers == tuple(m.layer for m in v.matches)


def test_cli_recovery_of_a_deep_example_is_verified(tmp_path, capsys):
    est = tmp_path / "est.json"
    d = recover_and_verify(EXAMPLES / "smooth-tv-s2" / "network.json", est, 300, capsys)
    assert d["found"] == d["neurons"] == 6 and d["spurious"] == []
    layers = [w["layer"] for w in json.loads(est.read_text())["entangled_weights"]]
    assert layers == [m["layer"] for m in d["matches"]]
    # the fitted network is the truth up to a symmetry (a neuron of the cubic may be
    # negated with its shift reflected about the inflection point -1): the error bound
    # follows the parameters, not the sub-box widths
    e = d["network_error"]
    assert F(e["lower"]) <= F(e["upper"]) < F(1, 10 ** 9)


def test_network_error_bound_is_tight_for_a_close_estimate():
    from exactid.smooth.balls import precision
    from exactid.smooth.verify import _network_error

    net = read_smooth_network(TANH)
    _, est = read_estimates(json.loads((EXAMPLES / "smooth-tanh" / "estimate.json")
                                       .read_text()), 4)
    with precision(256):
        e = _network_error(net, est, None, refine=64)
    assert 0.008 < e["lower_float"] <= e["upper_float"] < 0.1   # a plain ball bound: 12


def test_symmetry_centre_of_the_activation():
    from exactid.smooth.verify import _symmetry_centre

    def centre(*c):
        return _symmetry_centre(SmoothNetwork(Activation("polynomial", tuple(map(F, c))),
                                              "sum", (((1,),),), ((0,),)))

    assert centre(0, 1, F(1, 2), F(1, 6)) == -1      # the cubic of TV-S1: phi'' = 1 + t
    assert centre(0, 1, 0, 1) == 0 and centre(0, 1, F(1, 2)) is None
    assert _symmetry_centre(DEEP_TANH) == 0


def test_count_finishes_for_five_inputs():
    # ten generic rank-one directions in Sym^2(R^5): m = D(D-1)/2 = 10, the safe bound of
    # §8, so exactly the ten given ones (lex basis by FGLM from grevlex; a direct lex
    # basis took more than 3 minutes)
    rng = np.random.default_rng(4)
    rows = tuple(tuple(F(int(rng.choice([-1, 1]) * rng.integers(1, 10)), int(rng.integers(1, 5)))
                       for _ in range(5)) for _ in range(10))
    cubic = Activation("polynomial", (F(0), F(1), F(1, 2), F(1, 6)))
    net = SmoothNetwork(cubic, "sum", (rows,), ((F(0),) * 10,))
    c = entangled(net, count=True).rank_one_count
    assert c.total == 10 and c.given == 10 and c.charts == (10, 0, 0, 0, 0)


def test_wide_tanh_balls_stay_in_range():
    import flint

    th, d1, _ = Activation("tanh").derivatives(flint.arb(0.5, 3))   # FLINT's tanh: +/- 148
    assert th.upper() <= 1 and th.lower() >= -1 and d1.upper() <= 1.01


def test_network_error_bounds_a_permuted_negated_deep_estimate():
    # the estimate: weights moved by at most 1/100, first-layer neuron 0 negated (with its
    # outgoing weights), first layer reversed; sampled errors must lie below `upper`
    rng = np.random.default_rng(0)
    W = [[[x + F(int(rng.integers(-10, 10)), 1000) for x in r] for r in w]
         for w in DEEP_TANH.weights]
    T = [list(t) for t in DEEP_TANH.shifts]
    W[0][0], T[0][0] = [-x for x in W[0][0]], -T[0][0]
    W[1] = [[-r[0], *r[1:]][::-1] for r in W[1]]
    W[0], T[0] = W[0][::-1], T[0][::-1]
    est = SmoothNetwork(DEEP_TANH.activation, "vector",
                        tuple(tuple(map(tuple, w)) for w in W), tuple(map(tuple, T)))
    from exactid.smooth.balls import precision
    from exactid.smooth.verify import _network_error

    with precision(256):
        e = _network_error(DEEP_TANH, est, None, refine=16)
    X = rng.uniform(-1, 1, (5000, 4))
    sampled = np.abs(DEEP_TANH.forward_float(X) - est.forward_float(X)).max()
    assert e["lower_float"] <= e["upper_float"] and sampled <= e["upper_float"] < 0.1
