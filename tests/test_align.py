"""exactid align: matching a float estimate B to A, with exact errors after alignment."""

import json
from fractions import Fraction

import pytest
from hypothesis import assume, given, settings
from test_cli import put, run  # noqa: E402
from vectors import B131, W131  # noqa: E402

from exactid import strategies as xst
from exactid.align import align
from exactid.compare import compare
from exactid.domain import Domain
from exactid.formats import network_to_doc
from exactid.network import Network
from exactid.symmetry import canonical_form, equivalence, permute_layer, rescale_neuron

F = Fraction
A = Network.from_lists(W131, B131)  # docs/theory/local.md §13.1
BOX = Domain.box([(-1, 1), (-1, 1)])


def transformed(net):
    """A with known scalings and permutations of both hidden layers."""
    net = rescale_neuron(rescale_neuron(net, 0, 1, 3), 1, 0, F(1, 7))
    return permute_layer(permute_layer(net, 0, [2, 0, 1]), 1, [1, 0])


def with_weight(net, layer, row, col, delta):
    weights = [[list(r) for r in w] for w in net.weights]
    weights[layer][row][col] += delta
    return Network.from_lists(weights, net.biases)


def test_recovers_a_known_permutation_and_scaling_exactly():
    r = align(A, transformed(A))
    # neuron j of A -> neuron perm[j] of B (permute_layer's new i is old perm[i]).
    assert r.permutations == ((1, 2, 0), (1, 0))
    assert r.scalings == ((1, 3, 1), (F(1, 7), 1))
    assert r.max_weight_error == (0, 0, 0) and r.equivalent and r.aligned == A
    e = equivalence(A, transformed(A))
    assert (r.permutations, r.scalings) == (e.permutations, e.scalings)


def test_perturbed_copy_has_the_perturbation_as_its_error():
    # 1/1000 added to A's weight [1][1][0] (-1/2, not the largest of its row, so the
    # scaling is unchanged); the largest |weight| of layer 1 of A is 2.
    b = transformed(with_weight(A, 1, 1, 0, F(1, 1000)))
    r = align(A, b)
    assert r.permutations == ((1, 2, 0), (1, 0))
    assert r.max_weight_error == (0, F(1, 2000), 0)
    assert not r.equivalent
    assert r.aligned == with_weight(A, 1, 1, 0, F(1, 1000))


def test_float_estimate_is_close_but_not_equal():
    b = transformed(A)
    floats = Network.from_lists([[[float(v) for v in row] for row in w] for w in b.weights],
                                [[float(v) for v in bias] for bias in b.biases])
    r = align(A, floats)
    assert r.permutations == ((1, 2, 0), (1, 0))
    assert not r.equivalent
    # 1/3, 1/5, 1/7 ... are rounded to binary fractions: tiny non-zero errors, exactly
    assert all(0 < e < F(1, 2 ** 50) for e in r.max_weight_error)


def test_domain_difference_is_the_one_of_diff():
    b = transformed(with_weight(A, 1, 1, 0, F(1, 1000)))
    r = align(A, b, BOX)
    c = compare(A, b, BOX)
    assert r.max_abs_difference == max(c.max_abs_difference)
    assert r.comparison.witness == c.witness
    w = r.comparison.witness
    assert abs(A(w)[0] - b(w)[0]) == r.max_abs_difference > 0
    # 3 (|output weight|) * 1/1000 * (hidden neuron 0 of layer 0 at w: 5/6)
    assert (r.max_abs_difference, w) == (F(1, 400), (-1, F(-3, 4)))
    assert r.to_json()["max_abs_difference"] == "1/400"
    assert r.to_json()["witness"] == ["-1", "-3/4"]


@settings(max_examples=20)
@given(xst.networks(xst.widths(max_width=4)).flatmap(
    lambda net: xst.equivalent_networks(net).map(lambda b: (net, b))))
def test_equivalent_copies_align_exactly(pair):
    a, b = pair
    assume(canonical_form(a).unique)  # twins may be paired either way
    r = align(a, b)
    assert r.equivalent and r.aligned == a
    e = equivalence(a, b)
    assert (r.permutations, r.scalings) == (e.permutations, e.scalings)


def test_cli_json_fields_and_equiv_convention(capsys, tmp_path):
    pa = put(tmp_path / "a.json", network_to_doc(A))
    pb = put(tmp_path / "b.json", network_to_doc(transformed(A)))
    code, out, err = run(capsys, "align", pa, pb, "--json")
    assert code == 0 and err == ""
    doc = json.loads(out)
    assert set(doc) == {"permutations", "scalings", "max_weight_error",
                        "max_weight_error_float", "equivalent"}
    assert doc["permutations"] == [[1, 2, 0], [1, 0]]
    assert doc["scalings"] == [["1", "3", "1"], ["1/7", "1"]]
    assert doc["max_weight_error"] == ["0", "0", "0"] and doc["equivalent"] is True
    code, out, _ = run(capsys, "equiv", pa, pb, "--json")
    equiv = json.loads(out)
    assert (equiv["permutations"], equiv["scalings"]) == (doc["permutations"], doc["scalings"])


def test_cli_domain_matches_diff(capsys, tmp_path):
    pa = put(tmp_path / "a.json", network_to_doc(A))
    pb = put(tmp_path / "b.json",
             network_to_doc(transformed(with_weight(A, 1, 1, 0, F(1, 1000)))))
    pd = put(tmp_path / "d.json", {"format": "exactid.domain/1", "box": [[-1, 1], [-1, 1]]})
    code, out, _ = run(capsys, "align", pa, pb, "--domain", pd, "--json")
    doc = json.loads(out)
    assert code == 0 and doc["max_weight_error"] == ["0", "1/2000", "0"]
    assert doc["equivalent"] is False
    code, out, _ = run(capsys, "diff", pa, pb, "--domain", pd, "--json")
    diff = json.loads(out)
    assert doc["max_abs_difference"] == max(diff["max_abs_difference"], key=F)
    assert doc["witness"] == diff["witness"]
    code, out, _ = run(capsys, "align", pa, pb, "--domain", pd)
    assert code == 0 and "perm = [1, 2, 0]" in out
    assert "layer 1: 0.0005 (1/2000)" in out and "B differs from A" in out
    assert f"max |f_A - f_B| = {doc['max_abs_difference']}" in out


@pytest.mark.parametrize("case", ["widths", "domain"])
def test_cli_bad_input_exits_2_with_one_line(capsys, tmp_path, case):
    other = Network.from_lists([[[1, 1]], [[1]]], [[0], [0]]) if case == "widths" else A
    argv = ["align", put(tmp_path / "a.json", network_to_doc(A)),
            put(tmp_path / "b.json", network_to_doc(other))]
    if case == "domain":
        argv += ["--domain", put(tmp_path / "d.json",
                                 {"format": "exactid.domain/1", "box": [[-1, 1]]})]
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.startswith("exactid: ") and err.count("\n") == 1
