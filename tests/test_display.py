"""Short reprs and HTML tables for notebooks (exactid/display.py), and the public API:
every name of ``exactid.__all__`` resolves, lazily."""

import subprocess
import sys
from pathlib import Path
from types import ModuleType

from exactid import (
    Domain,
    Network,
    align,
    compare,
    crosscheck,
    demo_network,
    demo_samples,
    design_sample,
    enumerate_regions,
    equivalence,
    identify,
    local_verdict,
)

ROOT = Path(__file__).resolve().parents[1]
BOX = Domain.box([[-1, 1], [-1, 1]])
SHALLOW = Network.from_lists([[[1, 0], [0, 1]], [[1, 1]]], [["1/4", "-1/3"], [0]])


def test_network_repr_is_widths_and_params():
    net = Network.from_lists([[[1, -2], [1, 1], [0, 1]], [[2, -3, 1]]], [[0, 0, 1], [0]])
    assert repr(net) == "Network(widths=[2, 3, 1], params=13)"


def test_result_reprs_are_short_summaries():
    net, xs = demo_network(), demo_samples()
    regions = enumerate_regions(SHALLOW, BOX)
    reprs = {
        "local": repr(local_verdict(net, xs, seed=0)),
        "regions": repr(regions),
        "identify": repr(identify(SHALLOW, BOX)),
        "compare": repr(compare(SHALLOW, SHALLOW, BOX)),
        "design": repr(design_sample(SHALLOW, BOX, seed=0)),
        "equivalence": repr(equivalence(SHALLOW, SHALLOW)),
        "align": repr(align(SHALLOW, SHALLOW, BOX)),
        "crosscheck": repr(crosscheck(net, xs, seed=0)),
        "domain": repr(BOX),
    }
    assert reprs["local"] == ("LocalResult(verdict='locally-identifiable', rank_jacobian=15, "
                              "rank_activation=None, dimension=15, samples=15)")
    assert reprs["regions"] == "RegionSet(count=4, edges=4, degenerate=0, lower_dimensional=0)"
    assert reprs["compare"] == "Comparison(equal=True, max_abs_difference=[0], cells=4)"
    assert reprs["domain"] == "Domain(dim=2, constraints=4)"
    assert reprs["identify"].startswith("IdentifyResult(verdict=")
    assert reprs["crosscheck"].startswith(
        "CrosscheckResult(verdict='locally-identifiable', rank_exact=15, dimension=15")
    assert all(len(r) < 200 for r in reprs.values()), reprs


def test_html_tables_escape_text():
    net = demo_network()
    result = local_verdict(net, demo_samples(), seed=0)
    for obj in (net, result, enumerate_regions(SHALLOW, BOX), identify(SHALLOW, BOX),
                compare(SHALLOW, SHALLOW, BOX), crosscheck(net, demo_samples(), seed=0)):
        page = obj._repr_html_()
        assert page.startswith("<table>") and page.endswith("</table>")
        assert type(obj).__name__ in page
    # reasons quote "<" and ">" (R_Gamma < D): they must arrive escaped
    kink = local_verdict(Network.from_lists([[[1]], [[1]]], [[0], [0]]), [[0]])
    page = kink._repr_html_()
    assert "not-applicable" in page and "<script" not in page
    assert all(("<" not in r or "&lt;" in page) for r in kink.reasons)


def test_every_public_name_resolves():
    # importing the submodules must not hide the functions of the same name
    import exactid.align
    import exactid.compare
    import exactid.crosscheck  # noqa: F401

    for name in exactid.__all__:
        assert not isinstance(getattr(exactid, name), ModuleType), name
    assert exactid.compare.__name__ == "compare" and callable(exactid.align)
    assert set(exactid.__all__) <= set(dir(exactid))


def test_import_exactid_loads_no_heavy_module():
    code = ("import sys, exactid; heavy = [m for m in ('numpy', 'flint', 'networkx', "
            "'scipy', 'hypothesis', 'highspy') if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout
    assert out.strip() == "[]"
