"""Identifiability on a domain (docs/theory/shallow.md §2-4,
docs/theory/deep_global.md §4-7): property tests and the command line."""

import itertools
import json
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from exactid import strategies as xst
from exactid.cli import main
from exactid.compare import compare
from exactid.domain import Domain
from exactid.network import Network
from exactid.symmetry import canonical_form, equivalence, permute_layer, rescale_neuron
from exactid.verdicts.identify import identify

F = Fraction
inner = st.fractions(F(-9, 10), F(9, 10), max_denominator=10)
weight = xst.rationals(nonzero=True)


@st.composite
def crossing_shallow(draw, max_neurons=4):
    """One hidden layer on [-1, 1]^d whose hyperplanes all pass through interior points."""
    d = draw(st.integers(1, 2))
    n = draw(st.integers(1, max_neurons))
    rows, biases = [], []
    for _ in range(n):
        w = draw(st.lists(xst.rationals(), min_size=d, max_size=d).filter(any))
        p = draw(st.lists(inner, min_size=d, max_size=d))
        rows.append(w)
        biases.append(-sum(wi * pi for wi, pi in zip(w, p)))
    k = draw(st.integers(1, 2))
    out = [draw(st.lists(weight, min_size=n, max_size=n)) for _ in range(k)]
    c = draw(st.lists(xst.rationals(), min_size=k, max_size=k))
    return Network.from_lists([rows, out], [biases, c]), Domain.box([(-1, 1)] * d)


def _collinear(u, v):
    return all(a * d == b * c for (a, b), (c, d) in itertools.combinations(zip(u, v), 2)) \
        if len(u) > 1 else True


def _brute_zero_sum(net):
    w = net.weights[0]
    v = [[row[i] for row in net.weights[1]] for i in range(len(w))]
    mats = [[vk * wj for vk in v[i] for wj in w[i]] for i in range(len(w))]
    subsets = (s for r in range(1, len(mats) + 1)
               for s in itertools.combinations(range(len(mats)), r))
    return any(all(sum(mats[i][t] for i in s) == 0 for t in range(len(mats[0])))
               for s in subsets)


@settings(max_examples=25, deadline=None)
@given(crossing_shallow())
def test_generic_crossing_shallow_networks_are_identifiable(case):
    # docs/theory/shallow.md §2: (i) and (ii) hold by construction; the verdict must follow (iii),
    # (iv).
    net, dom = case
    rows = [tuple(r) + (b,) for r, b in zip(net.weights[0], net.biases[0])]
    twins = any(_collinear(u, v) for u, v in itertools.combinations(rows, 2))
    expected = "not-identifiable" if twins or _brute_zero_sum(net) else "identifiable"
    result = identify(net, dom)
    assert result.verdict == expected
    prefix = "shallow" if expected == "identifiable" else "docs/theory/shallow.md §4"
    assert result.theorem.startswith(prefix)
    if expected == "identifiable":
        # invariant under ~P: an equivalent network is identifiable, same canonical form
        perm = list(reversed(range(net.widths[1])))
        other = permute_layer(rescale_neuron(net, 0, 0, F(7, 3)), 0, perm)
        again = identify(other, dom)
        assert again.verdict == "identifiable"
        assert canonical_form(other).network == canonical_form(net).network


@settings(max_examples=20, deadline=None)
@given(crossing_shallow(max_neurons=3), st.sampled_from(["dead", "active", "twin",
                                                          "opposite", "zero-out", "flip"]),
       st.data())
def test_planted_failures_give_verified_counterexamples(case, kind, data):
    # docs/theory/shallow.md §4: each construction gives theta' equal on the domain, not ~P theta.
    net, dom = case
    w = [list(r) for r in net.weights[0]]
    b = list(net.biases[0])
    v = [list(r) for r in net.weights[1]]
    j = len(w) - 1
    if kind == "dead":
        b[j] = -sum(abs(x) for x in w[j]) - 1
    elif kind == "active":
        b[j] = sum(abs(x) for x in w[j]) + 1
    elif kind in ("twin", "opposite"):
        mu = data.draw(st.sampled_from([F(2), F(1, 3)])) * (1 if kind == "twin" else -1)
        w.append([mu * x for x in w[0]])
        b.append(mu * b[0])
        for row in v:
            row.append(data.draw(weight))
    elif kind == "zero-out":
        for row in v:
            row[j] = F(0)
    else:  # a neuron and its mirror copy with opposite output: (iv) fails
        w.append([-x for x in w[0]])
        b.append(-b[0] + 1)
        for row in v:
            row.append(row[0])
        w.append([-x for x in w[0]])
        b.append(-b[0])
        for row in v:
            row.append(-row[0])
    planted = Network.from_lists([w, v], [b, list(net.biases[1])])
    result = identify(planted, dom)
    assert result.verdict == "not-identifiable"
    theta = result.counterexample
    assert theta.widths == planted.widths
    assert compare(planted, theta, dom).equal
    assert equivalence(planted, theta).equivalent is False


def _write(tmp_path, name, doc):
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return str(path)


def test_cli_identify_and_design_sample(tmp_path, capsys):
    e6 = _write(tmp_path, "e6.json", {"format": "exactid.network/1", "layers": [
        {"weight": [[1, 0], [1, 0], [1, "-1/2"]], "bias": [0, "-1/2", "-1/2"]},
        {"weight": [[-2, 2, "1/2"], [1, -1, -2]], "bias": ["1/8", "-1/8"]},
        {"weight": [["1/2", 1]], "bias": [0]}]})
    box = _write(tmp_path, "box.json", {"format": "exactid.domain/1", "box": [[-3, 3], [-3, 3]]})
    cert = tmp_path / "cert.json"
    assert main(["identify", e6, "--domain", box, "--json", "--certificate", str(cert)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["verdict"] == "not-identifiable" and out["sample"] is None
    assert out["counterexample"]["format"] == "exactid.network/1"
    assert [c["name"] for c in out["conditions"] if not c["holds"]] == ["N5"]
    assert "N5" in out["theorem"] and out["reasons"]
    assert main(["check", str(cert)]) == 0
    capsys.readouterr()
    xs = tmp_path / "x.json"
    assert main(["design-sample", e6, "--domain", box, "--json", "--out", str(xs)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["dimension"] == 15 and out["rank_jacobian"] == 15
    assert out["lower_bound"] == 15 <= out["size"] == len(out["samples"])
    assert json.loads(xs.read_text()) == out["samples"]
    # docs/theory/shallow.md §6.1: an invalid domain is "not-applicable" (exit 0), a malformed one
    # exit 2
    flat = _write(tmp_path, "flat.json", {"format": "exactid.domain/1", "box": [[0, 0], [0, 1]]})
    assert main(["identify", e6, "--domain", flat, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["verdict"] == "not-applicable" and "flat.json" in out["reasons"][0]
    assert out["counterexample"] is None and out["sample"] is None
    slab = _write(tmp_path, "slab.json", {"format": "exactid.domain/1",
                                          "A": [[1, 0], [-1, 0]], "b": [1, 1]})
    assert main(["identify", e6, "--domain", slab, "--json"]) == 0
    assert "unbounded" in json.loads(capsys.readouterr().out)["reasons"][0]
    bad = _write(tmp_path, "bad.json", {"format": "exactid.domain/1", "box": [[0, "1/0"]]})
    assert main(["identify", e6, "--domain", bad]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "bad.json" in err[0]
    assert main(["identify", e6, "--domain", box[:-5] + "missing.json"]) == 2
    capsys.readouterr()


def test_an_earlier_failure_decides_when_condition_iv_is_beyond_the_search_limit():
    # 50 neurons on [0, 1] with v_i w_i = i + 1: the (iv) search would need 2^25 sums.
    n = 50
    biases = [-5] + [Fraction(-k, n + 1) for k in range(2, n + 1)]  # neuron 0 is dead
    net = Network.from_lists([[[1]] * n, [list(range(1, n + 1))]], [biases, [0]])
    result = identify(net, Domain.box([(0, 1)]))
    holds = {c["name"]: c["holds"] for c in result.conditions}
    assert result.verdict == "not-identifiable"
    assert holds == {"i": True, "ii": False, "iii": True, "iv": None}
    assert compare(net, result.counterexample, Domain.box([(0, 1)])).equal


def test_a_neuron_zero_on_a_region_and_positive_elsewhere_fails_n2b():
    # relu(relu(x)) on [-1, 1]: the second neuron is 0 for x < 0 and x for x > 0, so
    # z >= 0 on the domain (N2b,
    # docs/theory/deep_global.md §4), though its pattern bit is 0 on x < 0.
    net = Network.from_lists([[[1]], [[1]], [[1]]], [[0], [0], [0]])
    box = Domain.box([(-1, 1)])
    result = identify(net, box)
    assert result.verdict == "not-identifiable" and "N2b" in result.theorem
    assert compare(net, result.counterexample, box).equal
    assert equivalence(net, result.counterexample).equivalent is False


def test_a_designed_sample_on_an_identically_zero_neuron_gives_undecided():
    # the second-layer neuron relu(x0) - relu(x1) is identically zero where x0, x1 < 0
    net = Network.from_lists([[[1, 0], [0, 1]], [[1, -1], [1, 1]], [[1, 1]]],
                             [[0, 0], [0, "-1/2"], [0]])
    result = identify(net, Domain.box([(-1, 1), (-1, 1)]))
    assert result.verdict == "undecided" and result.sample is None
    assert "does not apply" in result.reasons[-1]


def _relu_relu_files(tmp_path):
    net, dom = tmp_path / "n.json", tmp_path / "d.json"
    net.write_text(json.dumps({"format": "exactid.network/1", "layers": [
        {"weight": [[1]], "bias": [0]}, {"weight": [[1]], "bias": [0]},
        {"weight": [[1]], "bias": [0]}]}))
    dom.write_text(json.dumps({"format": "exactid.domain/1", "box": [[-1, 1]]}))
    return net, dom


def test_a_counterexample_compared_across_a_facet_of_two_layers_is_certified(tmp_path, capsys):
    # relu(relu(x)) on [-1, 1]: the comparison of theta and theta' meets the facet x = 0,
    # carried by neurons of both layers on x > 0 (on x < 0 the second one is zero).
    net, dom = _relu_relu_files(tmp_path)
    cert = tmp_path / "c.json"
    assert main(["identify", str(net), "--domain", str(dom), "--json",
                 "--certificate", str(cert)]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["verdict"] == "not-identifiable" and err == f"exactid: wrote {cert}\n"
    assert main(["check", str(cert), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["valid"] is True


def test_a_verdict_without_a_checkable_certificate_writes_none(tmp_path, capsys, monkeypatch):
    # When the independent checker would reject the certificate, no file is written, the
    # verdict is still printed, and stderr says why.
    from exactid.certificates import check

    net, dom = _relu_relu_files(tmp_path)
    cert = tmp_path / "c.json"
    monkeypatch.setattr(check, "check_certificate", lambda doc: check.CheckResult(
        False, "not-identifiable", None, ("evidence: planted failure",)))
    assert main(["identify", str(net), "--domain", str(dom), "--json",
                 "--certificate", str(cert)]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["verdict"] == "not-identifiable"
    assert err.startswith("exactid: no certificate written") and err.count("\n") == 1
    assert "planted failure" in err
    assert not cert.exists()
