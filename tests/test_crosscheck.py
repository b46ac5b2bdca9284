"""exactid crosscheck: the exact rank of Gamma against float rank tools, and under rescaling."""

import json
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_cli import put, run  # noqa: E402
from vectors import B131, TABLE_131, W131  # noqa: E402

from exactid import strategies as xst
from exactid.crosscheck import RESCALING_EXPONENTS, crosscheck
from exactid.formats import network_to_doc
from exactid.jacobian import float_jacobian_hint, frozen_edges, gamma_columns
from exactid.network import Network
from exactid.symmetry import equivalence, rescale_layers
from exactid.verdicts.local import jacobian_rank

F = Fraction
# docs/theory/local.md §13.1: widths 2-3-2-1, locally identifiable from these 15 samples (rank 15 =
# D).
NET = Network.from_lists(W131, B131)
X = [list(x) for x, _, _ in TABLE_131]
METHODS = [("matrix_rank", "float64"), ("fd_threshold", "float64"),
           ("matrix_rank", "float32"), ("fd_threshold", "float32"),
           ("matrix_rank_float32_pass", "float32"), ("fd_threshold_float32_pass", "float64")]
FIELDS = {"verdict", "rank_exact", "dimension", "float", "rescaling", "disagreements", "notes",
          "next_steps"}
# Hidden neuron (0, 0) is never active on these samples (examples/never-active-2-2-2).
NEVER = Network.from_lists([[[-5, 4], [1, -4]], [["1/2", "3/2"], ["-3/2", "-1/2"]]],
                           [[-4, 1], [5, "1/2"]])
X_NEVER = [[2, "1/2"], ["5/2", "-3/2"], [1, 0], [3, "-7/2"]]


@pytest.fixture(scope="module")
def result():
    return crosscheck(NET, X, seed=1)


def test_exact_rank_and_float_ranks_at_the_network(result):
    assert (result.verdict, result.rank_exact, result.dimension) == (
        "locally-identifiable", 15, 15)
    assert [(r.method, r.dtype) for r in result.float_ranks] == METHODS
    assert [r.rank for r in result.float_ranks] == [15] * 6
    assert all(r.agrees for r in result.float_ranks)
    assert result.notes == ()


def test_rescaling_changes_float_ranks_not_the_exact_one(result):
    assert [s.factor for s in result.rescaling] == [F(10) ** k for k in RESCALING_EXPONENTS]
    ranks = {s.factor: [r.rank for r in s.float_ranks] for s in result.rescaling}
    # float64's matrix_rank loses rank at 10^-12, 10^-6 and 10^12; float32 everywhere.
    assert ranks[F(10) ** 12] == [13, 13, 1, 1, 1, 13]
    assert ranks[F(10) ** -6] == [14, 14, 5, 5, 5, 14]
    assert ranks[F(10) ** 3][:2] == [15, 15] and ranks[F(10) ** 3][2] < 15
    assert result.disagreements == 27
    for k in RESCALING_EXPONENTS:
        scaled = rescale_layers(NET, F(10) ** k)
        assert jacobian_rank(scaled, X, seed=k) == result.rank_exact == 15


def test_a_rescaled_network_where_float64_disagrees():
    scaled = rescale_layers(NET, F(10) ** 12)
    r = crosscheck(scaled, X, exponents=(), seed=2)
    assert r.rank_exact == 15 and r.verdict == "locally-identifiable"
    f64 = r.float_ranks[0]
    assert (f64.method, f64.dtype, f64.rank, f64.agrees) == ("matrix_rank", "float64", 13, False)
    assert r.disagreements == 6 and r.rescaling == ()


def test_matrix_rank_rows_are_numpy_matrix_rank():
    columns = gamma_columns(NET, frozen_edges(NET))
    for k in (0, 6, 12):
        net = rescale_layers(NET, F(10) ** k)
        jac = float_jacobian_hint(net, X, columns)
        r = crosscheck(net, X, exponents=(), seed=3).float_ranks
        assert r[0].rank == np.linalg.matrix_rank(jac)
        assert r[2].rank == np.linalg.matrix_rank(jac.astype(np.float32))
        assert r[4].rank == np.linalg.matrix_rank(float_jacobian_hint(net, X, columns, np.float32))
        s = np.linalg.svd(jac, compute_uv=False)
        assert r[0].tolerance == s.max() * max(jac.shape) * np.finfo(np.float64).eps


def test_float32_pass_is_gamma_at_float32_precision():
    columns = gamma_columns(NET, frozen_edges(NET))
    exact = float_jacobian_hint(NET, X, columns)
    single = float_jacobian_hint(NET, X, columns, np.float32)
    assert single.dtype == np.float32 and single.shape == exact.shape == (15, 15)
    assert np.allclose(single, exact, rtol=1e-5, atol=1e-5 * np.abs(exact).max())


def test_numbers_beyond_float_range_give_null_ranks_and_notes():
    # Parameters up to 1e300 (rescaled by 10^150): float64 holds them and loses the rank,
    # float32 cannot hold the weights (the float32 pass has no rank); rescaled by 10^12
    # they leave float64 too. The exact rank does not care.
    big = rescale_layers(NET, F(10) ** 150)
    r = crosscheck(big, X, exponents=(-12, 12), seed=4)
    assert r.rank_exact == 15
    assert [x.rank for x in r.float_ranks] == [1, 1, 1, 1, None, None]
    assert [x.agrees for x in r.float_ranks] == [False] * 4 + [None] * 2
    assert r.float_ranks[4].tolerance is None
    assert all(x.rank is None for x in r.rescaling[1].float_ranks)
    assert r.notes[0] == ("Gamma computed in float32: a weight, a sample or an entry does "
                          "not fit in float32; no float rank")
    assert "rescaled by 10^12: Gamma rounded to float64: a weight, a sample or an entry " \
           "does not fit in float64; no float rank" in r.notes
    assert r.disagreements == 8
    json.dumps(r.to_json(), allow_nan=False)  # no Infinity or NaN leaks into the JSON


def test_sample_on_a_kink_has_no_exact_rank():
    kink = Network.from_lists([[[1], [-1]], [[1, 1]]], [["-1/2", 1], [0]])
    r = crosscheck(kink, [["1/2"], [2], [-3]], exponents=(3,), seed=5)
    assert r.verdict == "not-applicable" and r.rank_exact is None
    assert all(x.agrees is None for x in r.float_ranks) and r.disagreements == 0
    assert all(x.rank is not None for x in r.float_ranks)


def test_never_active_neuron_still_gets_an_exact_rank():
    r = crosscheck(NEVER, X_NEVER, exponents=(), seed=6)
    assert r.verdict == "not-locally-identifiable"
    assert r.rank_exact == jacobian_rank(NEVER, X_NEVER, seed=6)
    assert r.rank_exact < r.dimension


@settings(max_examples=15)
@given(xst.networks(xst.widths(max_width=3)), xst.data(),
       st.sampled_from(RESCALING_EXPONENTS))
def test_rescale_layers_is_an_exact_symmetry(net, data, k):
    c = F(10) ** k
    scaled = rescale_layers(net, c)
    assert equivalence(net, scaled).equivalent
    xs = data.draw(xst.samples(net, min_size=1, max_size=6))
    assert [scaled(x) for x in xs] == [net(x) for x in xs]
    assert jacobian_rank(scaled, xs, seed=0) == jacobian_rank(net, xs, seed=0)


def test_cli_json_fields(capsys, tmp_path):
    code, out, err = run(capsys, "crosscheck", put(tmp_path / "n.json", network_to_doc(NET)),
                         "--samples", put(tmp_path / "x.json", X), "--json", "--seed", 1)
    assert code == 0 and err == ""
    doc = json.loads(out)
    assert set(doc) == FIELDS
    assert (doc["verdict"], doc["rank_exact"], doc["dimension"]) == (
        "locally-identifiable", 15, 15)
    assert [set(r) for r in doc["float"]] == [{"method", "dtype", "tolerance", "rank",
                                               "agrees"}] * 6
    assert [(r["method"], r["dtype"]) for r in doc["float"]] == METHODS
    assert [s["factor"] for s in doc["rescaling"]] == [
        "1/1000000000000", "1/1000000", "1/1000", "1000", "1000000", "1000000000000"]
    assert all(len(s["float"]) == 6 for s in doc["rescaling"])
    assert doc["disagreements"] == 27 and doc["notes"] == []


def test_cli_text_table(capsys, tmp_path):
    code, out, _ = run(capsys, "crosscheck", put(tmp_path / "n.json", network_to_doc(NET)),
                       "--samples", put(tmp_path / "x.json", X), "--seed", 1)
    assert code == 0
    assert "rank Gamma (exact) = 15, D = 15" in out
    assert "[1] matrix_rank                float64" in out
    assert "  10^12      13*    13*     1*     1*     1*    13*" in out
    assert "disagreements: 27 of 42 float ranks differ from the exact rank" in out


@pytest.mark.parametrize("case", ["no-hidden", "zero-outgoing", "dimension"])
def test_cli_bad_input_exits_2_with_one_line(capsys, tmp_path, case):
    net = {"no-hidden": Network.from_lists([[[1, 1]]], [[0]]),
           "zero-outgoing": Network.from_lists([[[1, 0], [0, 1]], [[1, 0]]], [[1, 1], [0]]),
           "dimension": NET}[case]
    samples = [[1]] if case == "dimension" else [[1, 2], [3, -1]]
    code, out, err = run(capsys, "crosscheck", put(tmp_path / "n.json", network_to_doc(net)),
                         "--samples", put(tmp_path / "x.json", samples))
    assert code == 2 and out == ""
    assert err.startswith("exactid: ") and err.count("\n") == 1
