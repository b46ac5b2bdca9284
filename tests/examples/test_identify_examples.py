"""examples/identify: every network keeps its expected verdict (docs/theory/shallow.md §7,
docs/theory/deep_global.md §5.2-5.3), its counterexample is verified, and its proof re-checks."""

import json
from pathlib import Path

import pytest

from exactid.certificates.check import check_certificate
from exactid.compare import compare
from exactid.domain import read_domain
from exactid.formats import read_json, read_network
from exactid.symmetry import equivalence
from exactid.verdicts.identify import identify

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / "examples" / "identify"
EXPECTED = json.loads((FOLDER / "expected.json").read_text())


def test_every_example_has_an_expectation_and_a_proof():
    folders = {p.name for p in FOLDER.iterdir() if p.is_dir()}
    proofs = {p.name.removesuffix(".cert.json")
              for p in (ROOT / "proofs" / "identify").glob("*.cert.json")}
    assert folders == set(EXPECTED) == proofs


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_identify_example(name):
    net = read_network(FOLDER / name / "network.json")
    domain = read_domain(FOLDER / name / "domain.json")
    expected = EXPECTED[name]
    result = identify(net, domain)
    assert result.verdict == expected["verdict"]
    assert [c["name"] for c in result.conditions if not c["holds"]] == expected["failed"]
    if expected["regions"] is not None:
        assert result.regions == expected["regions"]
    if result.verdict == "not-identifiable":
        theta = result.counterexample
        assert compare(net, theta, domain).equal
        assert equivalence(net, theta).equivalent is False
    else:
        assert result.counterexample is None
    if result.verdict == "locally-identifiable":
        assert result.sample and len(result.sample) >= result.design["lower_bound"]
        assert "global" in " ".join(result.reasons)  # never claims global identifiability
    stored = FOLDER / name / "counterexample.json"
    if stored.exists():  # the theory's own theta' agrees on the domain, and is not ~P theta
        assert compare(net, read_network(stored), domain).equal
        assert equivalence(net, read_network(stored)).equivalent is False


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_identify_proof_rechecks(name):
    doc = read_json(ROOT / "proofs" / "identify" / f"{name}.cert.json")
    result = check_certificate(doc)
    assert result.valid, result.messages
    assert result.verdict == EXPECTED[name]["verdict"]
    doc["claim"]["verdict"] = ("identifiable" if EXPECTED[name]["verdict"] != "identifiable"
                               else "not-identifiable")
    assert not check_certificate(doc).valid
