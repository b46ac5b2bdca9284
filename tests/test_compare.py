"""Exact comparison on a domain (exactid diff): known identities and property tests."""

import json
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from exactid import strategies as xst
from exactid.cli import main
from exactid.compare import compare
from exactid.domain import Domain
from exactid.network import Network
from exactid.symmetry import permute_layer, rescale_neuron

F = Fraction
E4 = Network.from_lists([[[1, 0], [1, 0]], [[1, -1]]], [[0, F(-1, 2)], [0]])
E4_FLIP = Network.from_lists([[[-1, 0], [-1, 0]], [[1, -1]]], [[0, F(1, 2)], [F(1, 2)]])


def test_e4_flip_is_equal_on_the_domain():
    # docs/theory/deep_global.md §5.2, E4: the sign flip computes the same function everywhere.
    r = compare(E4, E4_FLIP, Domain.box([(-5, 5)] * 2))
    assert r.equal and r.max_abs_difference == (0,) and r.witness is None


def test_clamp_differs_from_relu_by_its_exact_maximum():
    relu = Network.from_lists([[[1]], [[1]]], [[0], [0]])
    clamp = Network.from_lists([[[1], [1]], [[1, -1]]], [[0, -1], [0]])  # min(max(x,0),1)
    r = compare(relu, clamp, Domain.box([(-2, 3)]))
    assert not r.equal and r.max_abs_difference == (2,) and r.witness == (3,)
    r = compare(relu, clamp, Domain.box([(-2, 1)]))
    assert r.equal


@settings(max_examples=15, deadline=None)
@given(xst.networks(widths=st.sampled_from([(2, 3, 1), (2, 2, 2, 1), (1, 3, 2)])),
       st.data())
def test_equivalent_networks_are_equal_and_a_bias_shift_is_measured(net, data):
    dom = Domain.box([(-1, 1)] * net.n_inputs)
    lam = data.draw(st.fractions(F(1, 4), 4).filter(lambda v: v > 0))
    other = permute_layer(rescale_neuron(net, 0, 0, lam), 0,
                          list(reversed(range(net.widths[1]))))
    assert compare(net, other, dom).equal
    shift = data.draw(st.fractions(-3, 3).filter(lambda v: v != 0))
    biases = [list(b) for b in net.biases]
    biases[-1][0] += shift
    moved = Network.from_lists([[list(r) for r in w] for w in net.weights], biases)
    r = compare(net, moved, dom)
    assert not r.equal and r.max_abs_difference[0] == abs(shift)
    point = r.witnesses[0]
    assert abs(net(point)[0] - moved(point)[0]) == abs(shift)


def test_maximum_is_attained_and_not_exceeded_on_a_grid():
    a = Network.from_lists([[[1, 2], [-1, 1]], [[1, 1]]], [[F(1, 3), 0], [0]])
    b = Network.from_lists([[[2, 1], [1, -1]], [[1, -1]]], [[0, F(-1, 5)], [0]])
    r = compare(a, b, Domain.box([(-1, 1)] * 2))
    m, x = r.max_abs_difference[0], r.witnesses[0]
    assert abs(a(x)[0] - b(x)[0]) == m
    grid = [F(k, 20) for k in range(-20, 21)]
    assert max(abs(a([u, v])[0] - b([u, v])[0]) for u in grid for v in grid) <= m


def test_cli_diff(tmp_path, capsys):
    from exactid.formats import write_network

    write_network(tmp_path / "a.json", E4)
    write_network(tmp_path / "b.json", E4_FLIP)
    shifted = Network.from_lists([[list(r) for r in w] for w in E4_FLIP.weights],
                                 [list(E4_FLIP.biases[0]), [F(1, 3)]])
    write_network(tmp_path / "c.json", shifted)
    (tmp_path / "d.json").write_text(json.dumps(
        {"format": "exactid.domain/1", "box": [[-5, 5], [-5, 5]]}))
    args = ["--domain", str(tmp_path / "d.json"), "--json"]
    assert main(["diff", str(tmp_path / "a.json"), str(tmp_path / "b.json"), *args]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["equal"] is True and out["max_abs_difference"] == ["0"]
    assert out["witness"] is None
    assert main(["diff", str(tmp_path / "a.json"), str(tmp_path / "c.json"), *args]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["equal"] is False and out["max_abs_difference"] == ["1/6"]
    assert len(out["witness"]) == 2
    (tmp_path / "d3.json").write_text(json.dumps(
        {"format": "exactid.domain/1", "box": [[-5, 5]] * 3}))
    assert main(["diff", str(tmp_path / "a.json"), str(tmp_path / "b.json"),
                 "--domain", str(tmp_path / "d3.json")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "d3.json" in err[0]
