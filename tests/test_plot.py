"""Exact region polygons and their pictures (exactid/plot.py)."""

import sys
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exactid import strategies as xst
from exactid.domain import Domain
from exactid.errors import InputError
from exactid.network import Network
from exactid.plot import _bent_segments, plot_regions, polygon_area, region_polygon
from exactid.regions import enumerate_regions

F = Fraction

# docs/theory/deep_global.md §5.3: the (2, 3, 2, 1) region test vector; 13 regions on [-10, 10]^2.
NET_53 = Network.from_lists(
    [[[-1, "-7/3"], ["-3/2", "5/4"], ["3/2", "-3/2"]], [["-1/2", 9, 1], [-9, 8, "3/2"]],
     [["5/4", 4]]],
    [["-9/4", "4/5", "-9/4"], [4, "7/2"], [1]])
BOX_10 = Domain.box([(-10, 10), (-10, 10)])
PATTERNS_53 = ["000|11", "001|11", "010|11", "100|00", "100|10", "100|11", "101|00",
               "101|10", "101|11", "110|00", "110|10", "110|11", "111|00"]


def _cross(o, p, q):
    return (p[0] - o[0]) * (q[1] - o[1]) - (p[1] - o[1]) * (q[0] - o[0])


def _zeros(net, x):
    return {(l, j) for l, z in enumerate(net.preactivations(x)[:-1])
            for j, v in enumerate(z) if v == 0}


def check_polygons(net, rs):
    """Every polygon is strictly convex and counter-clockwise, satisfies its region's rows
    non-strictly, holds the witness strictly inside, has the region's pattern at its
    centroid, and its edges are labelled with exactly the neurons that vanish on them."""
    total = Fraction(0)
    for r in rs.regions:
        poly = region_polygon(r)
        n = len(poly)
        assert n >= 3 and len(set(poly)) == n
        assert all(type(c) is Fraction for v in poly for c in v)
        for k in range(n):
            assert _cross(poly[k - 1], poly[k], poly[(k + 1) % n]) > 0
            assert _cross(poly[k], poly[(k + 1) % n], r.witness) > 0
        for v in poly:
            assert all(sum(ai * xi for ai, xi in zip(a, v)) <= beta for a, beta, _ in r.rows)
            # a vertex is where two independent rows are tight
            assert sum(sum(ai * xi for ai, xi in zip(a, v)) == beta for a, beta, _ in r.rows) >= 2
        centroid = (sum(v[0] for v in poly) / n, sum(v[1] for v in poly) / n)
        if not rs.degenerate:
            assert net.pattern(centroid) == r.pattern
        dead = _zeros(net, r.witness)  # neurons identically zero on the region
        labelled = {}
        for neuron, p, q in _bent_segments(r, poly):
            labelled.setdefault((p, q), set()).add(neuron)
        for k in range(n):
            p, q = poly[k], poly[(k + 1) % n]
            middle = ((p[0] + q[0]) / 2, (p[1] + q[1]) / 2)
            assert labelled.get((p, q), set()) == _zeros(net, middle) - dead
        area = polygon_area(poly)
        assert area > 0
        total += area
    return total


def test_polygon_area_is_the_signed_shoelace_area():
    tri = [(F(0), F(0)), (F(2), F(0)), (F(1, 3), F(1))]
    assert polygon_area(tri) == 1
    assert polygon_area(tri[::-1]) == -1
    assert polygon_area([(F(0), F(0)), (F(3), F(0)), (F(3), F(1, 7)), (F(0), F(1, 7))]) \
        == F(3, 7)


def test_one_line_cuts_a_triangle_domain_into_two_exact_triangles():
    # Omega = {x0 >= 0, x1 >= 0, x0 + x1 <= 1}, cut by x0 = x1.
    dom = Domain(((F(-1), F(0)), (F(0), F(-1)), (F(1), F(1))), (F(0), F(0), F(1)))
    net = Network.from_lists([[[1, -1]], [[1]]], [[0], [0]])
    rs = enumerate_regions(net, dom)
    polys = {r.pattern: region_polygon(r) for r in rs.regions}
    half = F(1, 2)
    assert polys == {((1,),): [(F(0), F(0)), (F(1), F(0)), (half, half)],
                     ((0,),): [(F(0), F(0)), (half, half), (F(0), F(1))]}
    assert [polygon_area(p) for p in polys.values()] == [F(1, 4), F(1, 4)]
    assert check_polygons(net, rs) == F(1, 2)


@settings(max_examples=20)
@given(xst.networks(widths=st.sampled_from([(2, 3, 1), (2, 2, 2, 1), (2, 4, 3, 1)])),
       xst.rationals(2, 2), xst.rationals(2, 2), xst.rationals(9, 2, nonzero=True),
       xst.rationals(9, 2, nonzero=True))
def test_region_polygons_tile_the_domain_exactly(net, x0, y0, w, h):
    # boxes around the origin, where the zero sets of small random neurons lie
    w, h = abs(w), abs(h)
    rs = enumerate_regions(net, Domain.box([(x0 - w, x0 + w), (y0 - h, y0 + h)]))
    assert check_polygons(net, rs) == 4 * w * h


def test_region_vector_53_has_13_polygons_of_total_area_400():
    rs = enumerate_regions(NET_53, BOX_10)
    assert rs.count == 13 and not rs.degenerate
    assert sorted("".join(map(str, r.pattern[0])) + "|" + "".join(map(str, r.pattern[1]))
                  for r in rs.regions) == PATTERNS_53
    assert check_polygons(NET_53, rs) == 400


def test_region_polygon_rejects_three_inputs():
    net = Network.from_lists([[[1, 1, 1]], [[1]]], [[0], [0]])
    rs = enumerate_regions(net, Domain.box([(-1, 1)] * 3))
    with pytest.raises(InputError, match="dimension 3"):
        region_polygon(rs.regions[0])


def test_plot_regions_rejects_three_inputs(tmp_path):
    net = Network.from_lists([[[1, 1, 1]], [[1]]], [[0], [0]])
    box = Domain.box([(-1, 1)] * 3)
    with pytest.raises(InputError, match="3 inputs") as info:
        plot_regions(net, enumerate_regions(net, box), box, tmp_path / "x.png")
    assert "\n" not in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_plot_regions_without_matplotlib_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.backends.backend_agg", None)
    rs = enumerate_regions(NET_53, BOX_10)
    with pytest.raises(InputError, match=r"pip install 'exactid\[plot\]'"):
        plot_regions(NET_53, rs, BOX_10, tmp_path / "x.png")


def _is_png(path):
    data = path.read_bytes()
    return len(data) > 1000 and data.startswith(b"\x89PNG\r\n\x1a\n")


def test_plot_regions_writes_png_files(tmp_path):
    pytest.importorskip("matplotlib")
    rs = enumerate_regions(NET_53, BOX_10)
    plot_regions(NET_53, rs, BOX_10, tmp_path / "values.png")
    plot_regions(NET_53, rs.regions, BOX_10, tmp_path / "plain.png", values=False)
    two_outputs = Network.from_lists([[[1, 0], [0, 1]], [[1, 1], [1, -1]]], [[0, 0], [0, 0]])
    box = Domain.box([(-1, 1), (-1, 1)])
    plot_regions(two_outputs, enumerate_regions(two_outputs, box), box, tmp_path / "two.png")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plain.png", "two.png", "values.png"]
    assert all(_is_png(p) for p in tmp_path.iterdir())


def test_plot_regions_reports_unwritable_paths(tmp_path):
    pytest.importorskip("matplotlib")
    rs = enumerate_regions(NET_53, BOX_10)
    missing = tmp_path / "no" / "such" / "dir.png"
    with pytest.raises(InputError, match="cannot write") as info:
        plot_regions(NET_53, rs, BOX_10, missing)
    assert str(missing) in str(info.value)
    (tmp_path / "taken").mkdir()
    with pytest.raises(InputError, match="taken"):
        plot_regions(NET_53, rs, BOX_10, tmp_path / "taken")
    assert [p.name for p in tmp_path.iterdir()] == ["taken"]  # no temporary file left


def test_region_colours_differ_across_every_facet_and_use_the_palette():
    from exactid.plot import _region_colours

    net = Network.from_lists([[[1, 0], [0, 1], [1, 1], [1, -1], [2, 1], [1, 3]],
                              [[1, 2, 3, 4, 5, 6]]],
                             [[0, 0, "-1/2", "1/3", "1/5", "-1/7"], [0]])
    rs = enumerate_regions(net, Domain.box([(-2, 2), (-2, 2)]))
    palette = list(range(5))
    assert len(rs.regions) > len(palette)
    colours = _region_colours(rs.regions, palette)
    assert all(colours[i] != colours[f["neighbour"]] for i, r in enumerate(rs.regions)
               for f in r.facets if f["neighbour"] is not None)
    assert set(colours) == set(palette)  # not the two colours of a bipartite graph
