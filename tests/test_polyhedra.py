"""The exact LP path of polyhedra.py, with and without the float hints of HiGHS."""

from fractions import Fraction as F

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exactid import polyhedra
from exactid import strategies as xst
from exactid.domain import Domain
from exactid.network import Network
from exactid.polyhedra import (
    maximize,
    strictly_feasible,
    upper_bound,
    verify_maximum,
    verify_motzkin,
    verify_witness,
)
from exactid.regions import enumerate_regions

SQUARE = [(1, 0), (-1, 0), (0, 1), (0, -1)]


@pytest.fixture
def no_hints(monkeypatch):
    """Every float LP answers "no hint": only the exact simplex decides."""
    monkeypatch.setattr(polyhedra, "_highs", lambda *args: None)


def test_a_degenerate_maximum_that_sympy_got_wrong(no_hints):
    # SymPy 1.14's lpmax returned (123/160, -43/80) here, which violates x0 + x1 <= 0; the
    # objective is parallel to the row 2 x0 + x1 <= 1, so the optimum is an edge.
    a = SQUARE + [(-2, -1), (1, 1), (2, 1), (160, 160), (-320, -160)]
    beta = [1, 1, 1, 1, 0, 0, 1, 37, -123]
    m = maximize([2, 1], a, beta)
    assert m.value == 1 and verify_maximum([2, 1], a, beta, m)


def test_inconsistent_equalities_get_the_equality_certificate(no_hints):
    res = strictly_feasible(SQUARE, [1] * 4, [(1, 1), (2, 2)], [0, 1])
    y, mu = res.motzkin
    assert not res.feasible and not any(y) and verify_motzkin(SQUARE, [1] * 4, y,
                                                              [(1, 1), (2, 2)], [0, 1], mu)


def test_upper_bounds_are_found_exactly_or_refused():
    wedge = [(-1, 0), (0, -1), (1, 1)]  # x, y >= 0, x + y <= 1: bounded
    y = upper_bound([1, 0], wedge)
    assert y is not None and min(y) >= 0
    assert tuple(sum(yk * row[i] for yk, row in zip(y, wedge)) for i in range(2)) == (1, 0)
    assert upper_bound([-1, 1], [(-1, 0), (0, -1)]) is None  # the quadrant: y unbounded


rows = st.lists(st.tuples(xst.rationals(), xst.rationals()), min_size=0, max_size=5)


@settings(max_examples=40, deadline=None)
@given(rows, st.lists(xst.rationals(), min_size=5, max_size=5),
       st.tuples(xst.rationals(), xst.rationals()))
def test_exact_maxima_agree_with_the_hinted_ones(extra, rhs, q):
    a = SQUARE + list(extra) + list(extra[:2])  # repeated rows: degenerate vertices
    beta = [2] * 4 + rhs[:len(extra)] + rhs[:min(2, len(extra))]
    if not strictly_feasible(a, beta).feasible:
        return
    hinted = maximize(q, a, beta)
    exact = polyhedra._exact_max(q, a, beta)
    assert hinted.value == exact.value
    assert verify_maximum(q, a, beta, hinted) and verify_maximum(q, a, beta, exact)


@settings(max_examples=40, deadline=None)
@given(rows, st.lists(xst.rationals(), min_size=5, max_size=5), st.booleans(),
       st.tuples(xst.rationals(), xst.rationals()), xst.rationals())
def test_exact_feasibility_agrees_with_the_hinted_one(extra, rhs, with_equality, e, g):
    a = SQUARE + list(extra)
    beta = [2] * 4 + rhs[:len(extra)]
    eq, gs = ([e], [g]) if with_equality and any(e) else ([], [])
    hinted = strictly_feasible(a, beta, eq, gs)
    exact = polyhedra._exact_lp(a, beta, eq, gs, 2)
    assert hinted.feasible == exact.feasible
    for res in (hinted, exact):
        if res.feasible:
            assert verify_witness(a, beta, res.witness, eq, gs)
        else:
            assert verify_motzkin(a, beta, res.motzkin[0], eq, gs, res.motzkin[1])


def test_regions_without_float_hints_are_the_same(monkeypatch):
    net = Network.from_lists([[[1, 2], [-1, 1], [3, -1]], [[1, -1, 2], [2, 1, -1]], [[1, 1]]],
                             [[F(1, 3), F(-1, 2), F(1, 5)], [F(1, 4), F(-1, 3)], [0]])
    box = Domain.box([(-1, 1), (-1, 1)])
    hinted = enumerate_regions(net, box)
    monkeypatch.setattr(polyhedra, "_highs", lambda *args: None)
    exact = enumerate_regions(net, box)
    assert exact.count == hinted.count > 4
    assert sorted(r.pattern for r in exact.regions) == sorted(r.pattern for r in hinted.regions)
    assert len(exact.edges) == len(hinted.edges)
