"""Regions, polyhedra and domains: exact witnesses, certificates and known counts."""

import json
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exactid import strategies as xst
from exactid.certificates.check import check_certificate
from exactid.certificates.schema import regions_certificate
from exactid.cli import main
from exactid.domain import Domain, domain_from_doc
from exactid.errors import InputError
from exactid.network import Network
from exactid.polyhedra import strictly_feasible, verify_motzkin, verify_witness
from exactid.regions import enumerate_regions

F = Fraction
BOX2 = Domain.box([(-1, 1), (-1, 1)])


def test_thin_slab_is_decided_exactly():
    # docs/theory/exact_computing.md §8.3: width 1e-18, floats say "no interior"; the exact answer
    # is yes.
    w = F(1, 10**18)
    res = strictly_feasible([[F(-1)], [F(1)]], [-F(1, 3), F(1, 3) + w])
    assert res.feasible and F(1, 3) < res.witness[0] < F(1, 3) + w
    empty = strictly_feasible([[F(-1)], [F(1)]], [-F(1, 3), F(1, 3)])
    assert not empty.feasible
    y, mu = empty.motzkin
    assert verify_motzkin([[F(-1)], [F(1)]], [-F(1, 3), F(1, 3)], y, (), (), mu)


@settings(max_examples=30)
@given(st.lists(st.lists(xst.rationals(), min_size=2, max_size=2), min_size=1, max_size=6),
       st.lists(xst.rationals(), min_size=6, max_size=6))
def test_feasibility_answers_carry_valid_proofs(rows, rhs):
    a = [tuple(r) for r in rows] + [(F(1), F(0)), (F(-1), F(0))]
    beta = rhs[:len(rows)] + [F(2), F(2)]
    res = strictly_feasible(a, beta)
    if res.feasible:
        assert verify_witness(a, beta, res.witness)
    else:
        assert verify_motzkin(a, beta, *res.motzkin[:1], (), (), res.motzkin[1])


def test_lines_in_general_position_through_a_square():
    # 3 lines through (-1,1)^2, pairwise crossing inside: 1 + 3 + 3 = 7 regions.
    net = Network.from_lists([[[1, 0], [0, 1], [1, 1]], [[1, 1, 1]]],
                             [[F(1, 5), F(-1, 7), F(1, 11)], [0]])
    rs = enumerate_regions(net, BOX2)
    assert rs.count == 7
    # Each line is cut into 3 pieces by the other two: 9 adjacencies.
    assert len(rs.edges) == 9


@settings(max_examples=25, deadline=None)
@given(xst.networks(widths=st.sampled_from([(2, 3, 1), (2, 2, 2, 1), (1, 3, 2, 1)])),
       st.data())
def test_regions_are_correct(net, data):
    dom = Domain.box([(-1, 1)] * net.n_inputs)
    rs = enumerate_regions(net, dom)
    patterns = [r.pattern for r in rs.regions]
    assert len(set(patterns)) == rs.count
    for r in rs.regions:
        assert verify_witness(dom.a, dom.b, r.witness)
        if not rs.degenerate:
            assert net.pattern(r.witness) == r.pattern
        a, c = r.affine
        value = [sum(ai * xi for ai, xi in zip(row, r.witness)) + ci for row, ci in zip(a, c)]
        assert tuple(value) == net(r.witness)
    # Covering: random interior points off the kinks lie in a listed region.
    for _ in range(10):
        x = data.draw(st.lists(st.fractions(-1, 1, max_denominator=50).filter(
            lambda v: -1 < v < 1), min_size=net.n_inputs, max_size=net.n_inputs))
        try:
            p = net.pattern(x)
        except InputError:
            continue
        assert p in patterns
        a, c = rs.regions[patterns.index(p)].affine  # the region's map at a point inside
        assert tuple(sum(ai * xi for ai, xi in zip(row, x)) + ci
                     for row, ci in zip(a, c)) == net(x)
    assert rs.count == 0 or rs.graph.number_of_nodes() == rs.count


def test_one_dimensional_count_matches_brute_force():
    net = Network.from_lists([[[1], [-2], [3]], [[1, 1, 1]]], [[F(1, 2), F(1, 3), -1], [0]])
    rs = enumerate_regions(net, Domain.box([(-1, 1)]))
    grid = {net.pattern([F(k, 1000) + F(1, 7919)]) for k in range(-999, 999)}
    assert rs.count == len(grid) == 4


@pytest.mark.parametrize("doc, message", [
    ({"format": "exactid.domain/1", "box": [[1, 1]]}, "empty or flat"),
    ({"format": "exactid.domain/1", "A": [[1, 0], [0, 1]], "b": [1, 1]}, "unbounded"),
    ({"format": "exactid.domain/1", "A": [[1], [-1]], "b": [0, 0]}, "not full-dimensional"),
    ({"format": "exactid.domain/2", "box": [[0, 1]]}, "format tag"),
    ({"format": "exactid.domain/1", "A": [[1], [1, 2]], "b": [0, 0]}, "rectangular"),
    ({"format": "exactid.domain/1", "A": [[1], [-1], [0]], "b": [1, 1, -1]}, "empty"),
    ({"format": "exactid.domain/1", "A": [[0, 0]], "b": [1]}, "unbounded"),
    ({"format": "exactid.domain/1", "box": [[0, 1]], "A": [[1]], "b": [1]}, "not both"),
    ({"format": "exactid.domain/1", "box": [["\u0661", 2]]}, "not a rational"),
])
def test_bad_domains_are_rejected(doc, message):
    with pytest.raises(InputError, match=message):
        domain_from_doc(doc)


def test_zero_rows_that_always_hold_are_dropped():
    dom = domain_from_doc({"format": "exactid.domain/1",
                           "A": [[1, 0], [-1, 0], [0, 1], [0, -1], [0, 0]],
                           "b": [1, 1, 1, 1, 0]})
    assert dom == Domain.box([(-1, 1), (-1, 1)])


def _relu_sum_files(tmp_path):
    """relu(x0) + relu(x1) and the box [-1, 1]^2 as files: 4 regions, 4 edges."""
    net = tmp_path / "net.json"
    net.write_text(json.dumps({"format": "exactid.network/1", "layers": [
        {"weight": [[1, 0], [0, 1]], "bias": [0, 0]}, {"weight": [[1, 1]], "bias": [0]}]}))
    dom = tmp_path / "box.json"
    dom.write_text(json.dumps({"format": "exactid.domain/1", "box": [[-1, 1], [-1, 1]]}))
    return net, dom


def test_cli_regions_json_and_errors(tmp_path, capsys):
    net, dom = _relu_sum_files(tmp_path)
    assert main(["regions", str(net), "--domain", str(dom), "--json",
                 "--graphml", str(tmp_path / "g.graphml")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["count"] == 4 and len(out["edges"]) == 4 and out["degenerate"] == []
    assert sorted(map(tuple, (tuple(map(tuple, r["pattern"])) for r in out["regions"]))) == \
        [((0, 0),), ((0, 1),), ((1, 0),), ((1, 1),)]
    assert all(e["neurons"] in ([[0, 0]], [[0, 1]]) for e in out["edges"])
    assert "<graphml" in (tmp_path / "g.graphml").read_text()
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": "exactid.domain/1", "box": [[-1, 1]]}))
    assert main(["regions", str(net), "--domain", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(bad) in err[0]


# docs/theory/deep_global.md §5.3: the region test vector, widths (2, 3, 2, 1) on [-R, R]^2.
VECTOR_53 = Network.from_lists(
    [[[-1, F(-7, 3)], [F(-3, 2), F(5, 4)], [F(3, 2), F(-3, 2)]],
     [[F(-1, 2), 9, 1], [-9, 8, F(3, 2)]], [[F(5, 4), 4]]],
    [[F(-9, 4), F(4, 5), F(-9, 4)], [4, F(7, 2)], [1]])


@pytest.mark.parametrize("radius, regions, pairs, boundary", [
    (1, 5, 5, 10), (3, 9, 12, 12), (10, 13, 19, 14)])
def test_region_vector_of_deep_global_5_3(radius, regions, pairs, boundary):
    rs = enumerate_regions(VECTOR_53, Domain.box([(-radius, radius)] * 2))
    assert rs.count == regions
    assert len(rs.edges) == pairs
    assert sum(len(f["boundary"]) > 0 for r in rs.regions for f in r.facets) == boundary
    assert rs.degenerate == [] and rs.lower_dimensional == []
    if radius == 10:
        listed = {"".join(map(str, r.pattern[0])) + "|" + "".join(map(str, r.pattern[1]))
                  for r in rs.regions}
        assert listed == {"000|11", "001|11", "010|11", "100|00", "100|10", "100|11",
                          "101|00", "101|10", "101|11", "110|00", "110|10", "110|11",
                          "111|00"}


def test_e6_has_twelve_regions_and_every_neuron_switches():
    # docs/theory/deep_global.md §5.2, E6 on (-3, 3)^2.
    net = Network.from_lists(
        [[[1, 0], [1, 0], [1, F(-1, 2)]], [[-2, 2, F(1, 2)], [1, -1, -2]], [[F(1, 2), 1]]],
        [[0, F(-1, 2), F(-1, 2)], [F(1, 8), F(-1, 8)], [0]])
    rs = enumerate_regions(net, Domain.box([(-3, 3)] * 2))
    assert rs.count == 12
    switching = {tuple(v) for e in rs.edges for v in e["neurons"]}
    assert switching == {(0, 0), (0, 1), (0, 2), (1, 0), (1, 1)}


def _grid_patterns(net, lo, hi, steps):
    found = set()
    for i in range(steps):
        for j in range(steps):
            x = [lo + (hi - lo) * F(2 * i + 1, 2 * steps) + F(1, 7919),
                 lo + (hi - lo) * F(2 * j + 1, 2 * steps) - F(1, 7907)]
            try:
                found.add(net.pattern(x))
            except InputError:
                pass
    return found


@settings(max_examples=10, deadline=None)
@given(xst.networks(widths=st.sampled_from([(2, 3, 1), (2, 3, 2, 1), (2, 4, 1)])))
def test_grid_patterns_are_regions(net):
    # Every pattern a fine grid meets is a listed region (brute force,
    # docs/theory/deep_global.md §2).
    rs = enumerate_regions(net, BOX2)
    assert _grid_patterns(net, -1, 1, 40) <= {r.pattern for r in rs.regions}


def test_two_dimensional_count_matches_a_fine_grid():
    # 4 lines in general position: 11 regions in the plane, all inside [-1, 1]^2 here.
    net = Network.from_lists([[[1, 0], [0, 1], [1, 1], [1, -1]], [[1, 1, 1, 1]]],
                             [[F(1, 5), F(-1, 7), F(1, 11), F(-1, 13)], [0]])
    rs = enumerate_regions(net, BOX2)
    assert rs.count == 11 == len(_grid_patterns(net, -1, 1, 80))


def test_coincident_opposite_neurons_give_a_lower_dimensional_pattern():
    # z_0 = x_1 and z_1 = -x_1: the pattern (0, 0) lives on the line x_1 = 0 only.
    net = Network.from_lists([[[1, 0], [-1, 0]], [[1, 1]]], [[0, 0], [0]])
    rs = enumerate_regions(net, BOX2)
    assert rs.count == 2 and len(rs.edges) == 1
    assert rs.edges[0]["neurons"] == [[0, 0], [0, 1]]
    assert [x["pattern"] for x in rs.lower_dimensional] == [((0, 0),)]
    assert any("non-generic" in d for d in rs.degenerate)


def test_cli_regions_writes_nothing_when_one_output_path_is_bad(tmp_path, capsys):
    net, dom = _relu_sum_files(tmp_path)
    good = tmp_path / "g.graphml"
    bad = tmp_path / "no-such-dir" / "c.json"
    assert main(["regions", str(net), "--domain", str(dom), "--graphml", str(good),
                 "--certificate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(bad) in err
    assert not good.exists()


def test_neighbour_across_a_facet_of_two_layers_is_not_a_flip():
    # relu(relu(x) + relu(-x)) = |x| on [-1, 1]: on either side the three neurons share the
    # facet x = 0, but the layer-1 neuron is on both sides, so flipping the whole group
    # would give a pattern that is no region (docs/certificates.md, "Across a facet").
    net = Network.from_lists([[[1], [-1]], [[1, 1]], [[1]]], [[0, 0], [0], [0]])
    box = Domain.box([(-1, 1)])
    rs = enumerate_regions(net, box)
    assert sorted(r.pattern for r in rs.regions) == [((0, 1), (1,)), ((1, 0), (1,))]
    assert [e["neurons"] for e in rs.edges] == [[[0, 0], [0, 1], [1, 0]]]
    assert all(f["neighbour"] == 1 - i for i, r in enumerate(rs.regions) for f in r.facets
               if not f["boundary"])
    doc = regions_certificate(net, box, rs)
    assert check_certificate(doc).valid
    for r in doc["evidence"]["regions"]:  # the flipped pattern is not across the facet
        facet = next(f for f in r["facets"] if not f["boundary"])
        facet["neighbour"] = doc["evidence"]["regions"].index(r)
    assert not check_certificate(doc).valid


@st.composite
def _small_integer_networks(draw):
    """Networks with weights in {-1, 0, 1, 2} and biases in {-1, 0, 1}: coinciding zero
    sets across layers, dead neurons and neurons identically zero on regions are common."""
    widths = draw(st.sampled_from([(1, 2, 2, 1), (2, 2, 2, 1), (2, 3, 2, 1), (2, 2, 2, 2, 1),
                                   (1, 2, 1, 2, 1)]))
    weights = [[[draw(st.sampled_from([-1, 0, 1, 2])) for _ in range(widths[l])]
                for _ in range(widths[l + 1])] for l in range(len(widths) - 1)]
    biases = [[draw(st.sampled_from([-1, 0, 1])) for _ in range(widths[l + 1])]
              for l in range(len(widths) - 1)]
    return Network.from_lists(weights, biases)


@settings(max_examples=40, deadline=None)
@given(_small_integer_networks(), st.data())
def test_degenerate_networks_get_complete_certified_regions(net, data):
    box = Domain.box([(-1, 1)] * net.n_inputs)
    rs = enumerate_regions(net, box)  # raises if the adjacency graph is not connected
    assert check_certificate(regions_certificate(net, box, rs)).valid
    neighbours = {(i, f["neighbour"]) for i, r in enumerate(rs.regions) for f in r.facets
                  if f["neighbour"] is not None}
    assert all((j, i) in neighbours for i, j in neighbours)  # facets pair up
    patterns = {r.pattern: r for r in rs.regions}
    for _ in range(10):  # random points: off the kinks, a neuron is 0 only where flat
        x = data.draw(st.lists(st.fractions(-1, 1, max_denominator=97).filter(
            lambda v: -1 < v < 1), min_size=net.n_inputs, max_size=net.n_inputs))
        p = tuple(tuple(int(z > 0) for z in layer) for layer in net.preactivations(x)[:-1])
        if p in patterns:
            a, c = patterns[p].affine
            assert tuple(sum(ai * xi for ai, xi in zip(row, x)) + ci
                         for row, ci in zip(a, c)) == net(x)
        else:  # then x is on a kink: on the boundary of the closure of a listed region
            slacks = [[sum(ai * xi for ai, xi in zip(a, x)) - beta for a, beta, _ in r.rows]
                      for r in rs.regions]
            assert any(max(s) == 0 for s in slacks)


def test_coordinates_beyond_what_highs_treats_as_finite():
    # HiGHS reads bounds >= 1e20 as infinite; the exact simplex decides instead. Three
    # lines through (1e24, 2e24) cut the box [0, 1e25]^2 into 6 regions.
    big = 10**24
    net = Network.from_lists([[[1, 0], [0, 1], [1, 1]], [[1, 1, 1]]],
                             [[-big, -2 * big, -3 * big], [0]])
    box = Domain.box([(0, 10 * big), (0, 10 * big)])
    rs = enumerate_regions(net, box)
    assert rs.count == 6 and len(rs.edges) == 6
    assert check_certificate(regions_certificate(net, box, rs)).valid
