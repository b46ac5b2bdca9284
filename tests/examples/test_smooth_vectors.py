"""The test vectors TV-S1, TV-S2 and TV-S2b of docs/theory/smooth.md §9, exactly."""

from fractions import Fraction as F
from pathlib import Path

import pytest

from exactid.smooth.entangled import entangled
from exactid.smooth.network import read_smooth_network

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
X_STAR = [F(1, 2), F(-1, 3), F(1, 5), F(1)]


def net(name):
    return read_smooth_network(EXAMPLES / f"smooth-{name}" / "network.json")


@pytest.fixture(scope="module")
def s1():
    return entangled(net("tv-s1"), at=X_STAR)


def test_tv_s1_entangled_weights_and_G(s1):
    n = net("tv-s1")
    jet0 = n.jet([F(0)] * 4, hessians=False)
    assert jet0.d1[0] == (F(13, 8), F(13, 18), F(41, 32))
    v = {(l, i): w for l, i, w in s1.entangled_weights}
    assert v[1, 0] == (F(63, 64), F(785, 288), F(-65, 72), F(515, 288))
    assert v[1, 1] == (F(-115, 192), F(85, 288), F(-143, 144), F(97, 288))


def test_tv_s1_results(s1):
    assert (s1.neurons, s1.rank_w1, s1.dim_space) == (5, 3, 5)
    assert s1.hessian_in_space == (True, True)   # rank [WW | Hess f_j(0)] = 5
    assert s1.drift == (True, True)               # rank [WW | Hess f_j(x*)] = 6
    assert s1.identity == (True, True)            # the identity of §3 at x*
    assert [t for _, _, t in s1.isolated] == [False] * 5
    assert s1.tangent_ranks == (2,) * 5           # 2 < D - 1 = 3
    assert s1.proved and s1.reconstruction is True
    assert any("m = 5 > r(r-1)/2 + 1 = 4" in r for r in s1.reasons)


def test_tv_s2_results():
    r = entangled(net("tv-s2"), count=True)
    assert (r.neurons, r.rank_w1, r.dim_space) == (6, 4, 6)
    assert [t for _, _, t in r.isolated] == [True] * 6
    assert r.tangent_ranks == (3,) * 6
    c = r.rank_one_count
    assert (c.total, c.charts, c.given, c.spurious) == (6, (4, 2, 0, 0), 6, ())


def test_tv_s2b_results():
    r = entangled(net("tv-s2b"), count=True)
    assert (r.neurons, r.rank_w1, r.dim_space) == (7, 4, 7)
    assert [t for _, _, t in r.isolated] == [True] * 7
    c = r.rank_one_count
    assert (c.total, c.charts, c.given) == (8, (6, 2, 0, 0), 7)
    (spurious,) = c.spurious
    assert spurious == pytest.approx((1, -2.6696512, -4.7932147, 6.1631529), abs=1e-7)


def test_tv_s1_count_is_not_finite():
    r = entangled(net("tv-s1"), count=True)
    assert r.rank_one_count.total is None
    assert r.to_json()["rank_one_count"] is None
