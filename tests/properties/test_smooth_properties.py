"""Theorems behind exactid.smooth (docs/theory/smooth.md), on random exact networks."""

from fractions import Fraction as F

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from exactid import strategies as xst
from exactid.smooth.entangled import entangled
from exactid.smooth.network import Activation, SmoothNetwork
from exactid.smooth.rankone import count_rank_one, svec_index

SMALL = settings(max_examples=15)


@SMALL
@given(xst.smooth_networks(), st.data())
def test_hessian_identity_at_rational_points(net, data):
    """§3: the forward Hessian equals sum beta phi'' v v^T at every rational point."""
    x = data.draw(xst.points(net.n_inputs, 4, 3))
    jet = net.jet(x)
    assert [[list(r) for r in h] for h in jet.hessians] == net.hessian_by_identity(jet)


@SMALL
@given(xst.smooth_networks())
def test_range_fact(net):
    """§2: dim WW <= min(m, r(r+1)/2), and Hess f_j(0) lies in WW (§3 consequence 1)."""
    r = entangled(net)
    assert r.dim_space <= r.bound == min(r.neurons, r.rank_w1 * (r.rank_w1 + 1) // 2)
    assert all(r.hessian_in_space)


@SMALL
@given(xst.smooth_networks(widths=st.sampled_from([(3, 3, 2), (3, 2, 2), (2, 2, 1, 1)])))
def test_reconstruction_identity(net):
    """§4: W_l = G^-1 V^+ V_l whenever G is invertible and V of full column rank."""
    r = entangled(net)
    ok = all(t for l, _, t in r.invertible if l < net.depth - 1)
    assume(ok)
    assert r.reconstruction in (True, False)
    assert r.reconstruction is True or any("does not apply" in x for x in r.reasons)


def _generic_shallow(draw, D, m):
    entry = xst.rationals(6, 5, nonzero=True)
    weights = tuple(tuple(draw(entry) for _ in range(D)) for _ in range(m))
    return SmoothNetwork(Activation("polynomial", (F(0), F(1), F(1), F(1))), "sum",
                         (weights,), (tuple(F(0) for _ in range(m)),))


@settings(max_examples=5)
@given(st.data())
def test_counting_m_equal_safe_bound_r3(data):
    """§8: r = 3, m = r(r-1)/2 = 3 (and m = 4 = r(r-1)/2 + 1, degree 2^(r-1) = 4 = m):
    generic weights give exactly the m given rank-one directions, X6 holds for all."""
    m = data.draw(st.sampled_from([3, 4]))
    net = _generic_shallow(data.draw, 3, m)
    vs = [w for w in net.weights[0]]
    space = [[v[a] * v[b] for a, b in svec_index(3)] for v in vs]
    r = entangled(net)
    assume(r.dim_space == m and all(t for _, _, t in r.isolated))
    c = count_rank_one(space, 3, vs)
    assume(c.total is not None and c.given == m)   # the m directions are distinct
    assert c.total == m and c.spurious == ()


@settings(max_examples=5)
@given(st.data())
def test_counting_too_many_neurons_is_not_finite(data):
    """§8: m > r(r-1)/2 + 1 gives infinitely many rank-one elements (r = 3, m = 5), and
    X6 cannot hold at any given direction."""
    net = _generic_shallow(data.draw, 3, 5)
    r = entangled(net, count=True)
    assume(r.dim_space == 5)
    assert r.rank_one_count is None or r.rank_one_count.total is None
    assert not any(t for _, _, t in r.isolated)
