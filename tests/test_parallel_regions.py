"""Region enumeration with workers, on a Dask cluster and with the LP-free shortcuts:
the same answers as one process and as the plain algorithm (exactid/parallel.py,
exactid/regions.py)."""

import json
import random
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import exactid.regions as regions_module
from exactid import strategies as xst
from exactid.certificates.check import check_certificate
from exactid.certificates.schema import regions_certificate
from exactid.cli import main
from exactid.compare import compare
from exactid.design import design_sample
from exactid.domain import Domain
from exactid.errors import InputError
from exactid.network import Network
from exactid.parallel import map_jobs
from exactid.polyhedra import VertexHint, bound_at_vertex, verify_bound, verify_witness
from exactid.regions import enumerate_regions
from exactid.verdicts.identify import identify

F = Fraction
E4 = "examples/identify/e4-deep"


def random_network(widths: list[int], seed: int) -> Network:
    rng = random.Random(seed)

    def entry() -> Fraction:
        return F(rng.choice([-1, 1]) * rng.randint(1, 30), rng.randint(1, 7))

    return Network.from_lists(
        [[[entry() for _ in range(widths[l])] for _ in range(widths[l + 1])]
         for l in range(len(widths) - 1)],
        [[entry() for _ in range(widths[l + 1])] for l in range(len(widths) - 1)])


CASES = [([2, 6, 5, 1], 1), ([3, 4, 4, 1], 2), ([1, 5, 4, 2], 3), ([2, 4, 3, 3, 1], 4)]


def box(d: int) -> Domain:
    return Domain.box([(-1, 1)] * d)


def summary(rs) -> dict:
    """Everything the result claims, in a comparable form (regions and edges are already
    in the canonical order: depth-first in the splitting tree, edges by region)."""
    return {"json": rs.to_json(), "degenerate": rs.degenerate}


@pytest.fixture(scope="module")
def serial():
    return {tuple(w): enumerate_regions(random_network(w, s), box(w[0]), workers=1)
            for w, s in CASES}


@pytest.mark.parametrize("widths, seed", CASES)
def test_two_workers_give_the_serial_result(serial, widths, seed):
    net = random_network(widths, seed)
    ours = enumerate_regions(net, box(widths[0]), workers=2)
    assert summary(ours) == summary(serial[tuple(widths)])
    # certificates included
    assert (regions_certificate(net, box(widths[0]), ours)
            == regions_certificate(net, box(widths[0]), serial[tuple(widths)]))


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(processes=False, n_workers=2, threads_per_worker=1,
                                  dashboard_address=None) as local, \
            distributed.Client(local, set_as_default=False) as client:
        yield client


def test_a_dask_cluster_gives_the_serial_result(serial, cluster):
    for widths, seed in CASES[:2]:
        net = random_network(widths, seed)
        ours = enumerate_regions(net, box(widths[0]), scheduler=cluster)
        assert summary(ours) == summary(serial[tuple(widths)])
    widths, seed = CASES[0]
    by_address = enumerate_regions(random_network(widths, seed), box(widths[0]),
                                   scheduler=cluster.scheduler.address)
    assert summary(by_address) == summary(serial[tuple(widths)])


def test_diff_identify_and_design_do_not_depend_on_workers():
    a, b = random_network([2, 4, 3, 1], 5), random_network([2, 4, 3, 1], 6)
    assert compare(a, b, box(2), workers=1) == compare(a, b, box(2), workers=2)
    net = random_network([2, 3, 3, 1], 7)
    assert identify(net, box(2), seed=1, workers=1) == identify(net, box(2), seed=1,
                                                                workers=2)
    one, two = design_sample(net, box(2), seed=1), design_sample(net, box(2), seed=1,
                                                                 workers=2)
    assert (one.samples, one.verdict) == (two.samples, two.verdict)


def test_cli_output_is_the_same_with_two_workers(capsys):
    outputs = []
    for workers in ("1", "2"):
        for command in (["regions", f"{E4}/network.json"],
                        ["diff", f"{E4}/network.json", f"{E4}/counterexample.json"],
                        ["identify", f"{E4}/network.json"],
                        ["design-sample", f"{E4}/network.json"]):
            assert main([*command, "--domain", f"{E4}/domain.json", "--json",
                         "--workers", workers]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1]


def test_progress_with_workers_goes_to_stderr_only(capsys, monkeypatch):
    def every_time(progress, seconds=2.0):  # no throttling: every report is printed
        return (lambda message: None) if progress is None else (lambda m: progress(m()))

    monkeypatch.setattr(regions_module, "throttled", every_time)
    lines = []
    rs = enumerate_regions(random_network([2, 10, 8, 1], 1), box(2), workers=2,
                           progress=lines.append)
    assert any(line.endswith("found so far") for line in lines)
    assert f"regions: {rs.count}" in lines
    assert main(["regions", f"{E4}/network.json", "--domain", f"{E4}/domain.json", "--json",
                 "--workers", "2", "--progress"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["count"] > 0 and "regions:" in err


def test_workers_must_be_positive(capsys):
    with pytest.raises(InputError, match="positive"):
        map_jobs(abs, [1, 2], workers=0)
    with pytest.raises(SystemExit) as stop:
        main(["regions", f"{E4}/network.json", "--domain", f"{E4}/domain.json",
              "--workers", "0"])
    assert stop.value.code == 2
    assert "positive number of workers" in capsys.readouterr().err


def test_map_jobs_keeps_the_input_order_and_raises_the_tasks_error():
    assert map_jobs(abs, [-5, 3, -1, 0, -9], workers=2) == [5, 3, 1, 0, 9]
    with pytest.raises(TypeError):
        map_jobs(abs, [1, "x", 2], workers=2)


def test_a_missing_dask_is_named(monkeypatch):
    import builtins

    real = builtins.__import__

    def no_dask(name, *args, **kwargs):
        if name.startswith("dask"):
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_dask)
    with pytest.raises(InputError, match=r"pip install 'exactid\[dask\]'"):
        map_jobs(abs, [1], scheduler="tcp://127.0.0.1:8786")


def same_answers(net: Network, dom: Domain, fast, plain) -> None:
    """The shortcuts change witnesses only: patterns, order, edges and notes agree, and
    every witness is checked again here."""
    assert [r.pattern for r in fast.regions] == [r.pattern for r in plain.regions]
    assert ([(e["a"], e["b"], e["neurons"]) for e in fast.edges]
            == [(e["a"], e["b"], e["neurons"]) for e in plain.edges])
    assert len(fast.degenerate) == len(plain.degenerate)
    for r in fast.regions:
        rows = [row[0] for row in r.rows]
        assert verify_witness(rows, [row[1] for row in r.rows], r.witness)
        for f in r.facets:
            assert verify_witness(dom.a, dom.b, f["witness"]) or f["boundary"]


@settings(max_examples=20, deadline=None)
@given(xst.networks(widths=st.sampled_from([(2, 3, 1), (2, 3, 2, 1), (1, 3, 2, 1),
                                            (3, 3, 2, 1)])))
def test_shortcuts_never_change_the_result(net):
    dom = box(net.n_inputs)
    fast = enumerate_regions(net, dom)
    plain = enumerate_regions(net, dom, shortcuts=False)
    same_answers(net, dom, fast, plain)
    assert check_certificate(regions_certificate(net, dom, fast)).valid


def wrong_hint(a, beta, inside):
    """A float hint that lies: vertices of a far-away, shifted box, with active sets that
    name arbitrary rows."""
    dim = len(inside)
    corners = np.array([[(1 if (k >> i) & 1 else -1) * 3.0 + 0.7 for i in range(dim)]
                        for k in range(2 ** dim)])
    active = [tuple((k + i) % len(a) for i in range(dim)) for k in range(2 ** dim)]
    return VertexHint(corners, active)


def test_a_wrong_float_hint_falls_back_to_the_exact_lp(monkeypatch):
    cases = [random_network([2, 5, 4, 1], 11), random_network([3, 4, 3, 1], 12)]
    plain = [enumerate_regions(net, box(net.n_inputs), shortcuts=False) for net in cases]
    monkeypatch.setattr(regions_module, "vertex_hint", wrong_hint)
    for net, expected in zip(cases, plain):
        fast = enumerate_regions(net, box(net.n_inputs))
        same_answers(net, box(net.n_inputs), fast, expected)


def test_a_vertex_certificate_is_exact_or_absent():
    # the square [-1, 1]^2 as x < 1, -x < 1, y < 1, -y < 1
    a, beta = [(1, 0), (-1, 0), (0, 1), (0, -1)], [1, 1, 1, 1]
    right = VertexHint(np.array([[1.0, 1.0], [-1.0, 1.0], [-1.0, -1.0], [1.0, -1.0]]),
                       [(0, 2), (1, 2), (1, 3), (0, 3)])
    y = bound_at_vertex(right, a, beta, (1, 1), 2)  # x + y <= 2 on the square
    assert y is not None and verify_bound(a, beta, (1, 1), 2, y)
    assert bound_at_vertex(right, a, beta, (1, 1), 2, strict=True) is None
    assert bound_at_vertex(right, a, beta, (1, 1), 1) is None  # false: no certificate
    lying = VertexHint(np.array([[-1.0, -1.0], [0.0, 0.0], [-2.0, 0.0]]),
                       [(1, 3), (0, 1), (1, 2)])
    assert bound_at_vertex(lying, a, beta, (1, 1), 1) is None
