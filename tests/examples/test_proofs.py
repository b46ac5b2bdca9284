"""Every example of examples/ keeps its expected verdict, and every proof re-checks."""

import json
from pathlib import Path

import pytest

from exactid.certificates.check import check_certificate
from exactid.formats import read_json, read_network, read_samples
from exactid.verdicts import local_verdict

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = json.loads((ROOT / "examples" / "expected.json").read_text())


def test_every_example_has_an_expectation_and_a_proof():
    folders = {p.parent.name for p in (ROOT / "examples").glob("*/samples.json")}
    proofs = {p.name.removesuffix(".cert.json") for p in (ROOT / "proofs").glob("*.cert.json")}
    assert folders == set(EXPECTED) == proofs


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_verdict(name):
    folder = ROOT / "examples" / name
    net = read_network(folder / "network.json")
    result = local_verdict(net, read_samples(folder / "samples.json", net.n_inputs),
                           float_check=True)
    expected = EXPECTED[name]
    assert result.verdict == expected["verdict"]
    assert result.certificate["claim"]["reason"] == expected["reason"]
    assert result.rank_jacobian == expected["rank_jacobian"]
    assert result.rank_activation == expected["rank_activation"]
    if "float_rank_jacobian" in expected:
        assert result.float_rank_jacobian == expected["float_rank_jacobian"]
        assert result.warnings, "the float/exact disagreement must be reported"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_proof_rechecks(name):
    doc = read_json(ROOT / "proofs" / f"{name}.cert.json")
    result = check_certificate(doc)
    assert result.valid, result.messages
    assert result.verdict == EXPECTED[name]["verdict"]
    doc["claim"]["dimension"] += 1
    assert not check_certificate(doc).valid


def test_committed_proofs_are_what_make_proofs_writes(tmp_path):
    """examples/make_proofs.py is deterministic (fixed seed): running it again must write
    the committed proofs/ byte for byte, or they are stale."""
    import runpy

    make_proofs = runpy.run_path(str(ROOT / "examples" / "make_proofs.py"))["make_proofs"]
    make_proofs(tmp_path, log=lambda _: None)
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.cert.json"))
    committed = sorted(p.relative_to(ROOT / "proofs")
                       for p in (ROOT / "proofs").rglob("*.cert.json"))
    assert written == committed
    stale = [str(p) for p in written
             if (tmp_path / p).read_bytes() != (ROOT / "proofs" / p).read_bytes()]
    assert not stale, f"stale proofs (run python examples/make_proofs.py): {stale}"
