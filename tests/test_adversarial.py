"""Crafted inputs that once gave wrong verdicts or passed the checker (the adversarial
audit): a prime failure read as a rank, float hints that lose tiny or huge numbers, claims
that a theorem refutes, ambiguous certificates. Each class has the reproduction and
variants (other magnitudes, widths and certificate kinds), so the classes stay fixed.
"""

from __future__ import annotations

import copy
import json
import math
import random
import subprocess
import sys
from fractions import Fraction as F
from pathlib import Path

import flint
import pytest

import exactid.linalg as linalg
import exactid.verdicts.local as local_mod
from exactid.certificates.check import check_certificate
from exactid.certificates.schema import identify_certificate
from exactid.domain import Domain, read_domain
from exactid.formats import network_from_doc, number_to_json, read_network, read_samples
from exactid.lifting import gram_matrix
from exactid.network import Network
from exactid.verdicts.identify import identify
from exactid.verdicts.local import local_verdict

ROOT = Path(__file__).resolve().parents[1]


def exact_rank(net: Network, xs) -> int:
    """Rank of Gamma by FLINT's exact rank over Q, with no prime anywhere."""
    acts = net.activations(xs)
    columns = local_mod.gamma_columns(net, local_mod.frozen_edges(net))
    return local_mod.backpropagate(net, xs, acts).matrix(columns).exact().rank()


# ------------------------------------------------------------------ 1. a failed prime
SCALE = 201781241381510198193413
REPRO_NET = Network.from_lists([[[1], [-1]], [[1, 1]]], [[0, SCALE], [0]])
REPRO_X = [[-3 * SCALE], [-2 * SCALE], [F(SCALE, 2)], [2 * SCALE], [3 * SCALE]]


def test_reproduction_scaled_by_a_prime_product_is_locally_identifiable():
    assert exact_rank(REPRO_NET, REPRO_X) == REPRO_NET.dimension == 5
    for seed in (0, 1, None):
        result = local_verdict(REPRO_NET, REPRO_X, seed=seed)
        assert result.verdict == "locally-identifiable", result.reasons
        assert result.rank_jacobian == 5
        assert check_certificate(json.loads(json.dumps(result.certificate))).valid


def _plant_prime_failures(monkeypatch, failures: int) -> list[int]:
    """The first ``failures`` primes of the rank search lose a pivot column, as if each of
    them divided the minors that use it."""
    calls: list[int] = []

    def blind(res, fail):
        if not fail or not res.shape[1]:
            return res
        res = res.copy()
        res[:, -1] = 0  # in every row: a column lost, as modulo a prime dividing it
        return res

    def failing(p: int) -> bool:
        calls.append(p)
        return len(calls) <= failures

    real_blocks, real_minor = local_mod.modular_minor, linalg._minor_mod_p
    real_kernel = local_mod.modular_minor_and_kernel

    def minor_of_blocks(blocks, ncols, p, target=None):
        fail = failing(p)
        return real_blocks((blind(b, fail) for b in blocks), ncols, p, target)

    def kernel_of_blocks(blocks, ncols, p, rank_bound=None):
        fail = failing(p)
        return real_kernel((blind(b, fail) for b in blocks), ncols, p, rank_bound)

    monkeypatch.setattr(local_mod, "modular_minor", minor_of_blocks)
    monkeypatch.setattr(local_mod, "modular_minor_and_kernel", kernel_of_blocks)
    monkeypatch.setattr(linalg, "_minor_mod_p", lambda res, p, target=None: real_minor(
        blind(res, failing(p)), p, target))
    return calls


@pytest.mark.parametrize("failures", [1, linalg.PRIME_ATTEMPTS, 10])
@pytest.mark.parametrize("name", ["worked-2-3-2-1", "theorem8-2-3-1", "gap-2-3-2"])
def test_planted_prime_failures_never_change_the_verdict(monkeypatch, name, failures):
    folder = ROOT / "examples" / name
    net = read_network(folder / "network.json")
    xs = json.loads((folder / "samples.json").read_text())
    honest = local_verdict(net, xs, seed=3)
    calls = _plant_prime_failures(monkeypatch, failures)
    planted = local_verdict(net, xs, seed=3)
    assert calls, "the planted failure was not reached"
    assert (planted.verdict, planted.rank_jacobian, planted.rank_activation) == \
        (honest.verdict, honest.rank_jacobian, honest.rank_activation)
    assert check_certificate(json.loads(json.dumps(planted.certificate))).valid


@pytest.mark.parametrize("width", [2, 3, 4])
def test_scaled_networks_of_other_widths(width):
    """The attack on other widths and magnitudes: inputs and first-layer biases times a
    product of primes, so every second-layer column vanishes modulo those primes."""
    product = math.prod(linalg.random_prime(random.Random(s)) for s in range(width + 2))
    rng = random.Random(width)
    weights = [[[rng.choice([-3, -2, -1, 1, 2, 3])] for _ in range(width)],
               [[rng.choice([-2, -1, 1, 2]) for _ in range(width)]]]
    biases = [[rng.randint(-3, 3) * product for _ in range(width)], [0]]
    net = Network.from_lists(weights, biases)
    xs = [[F(rng.randint(-40, 40) * product, rng.randint(1, 3))] for _ in range(4 * width)]
    xs = [x for x in xs if not any(v == 0 for layer in net.preactivations(x)[:-1]
                                   for v in layer)]
    result = local_verdict(net, xs)
    truth = exact_rank(net, xs)
    assert result.rank_jacobian == truth
    assert (result.verdict == "locally-identifiable") == (truth == net.dimension)


def test_default_primes_are_unpredictable_and_seeded_primes_reproducible():
    folder = ROOT / "examples" / "worked-2-3-2-1"
    net = read_network(folder / "network.json")
    xs = json.loads((folder / "samples.json").read_text())
    primes = {local_verdict(net, xs).certificate["evidence"]["prime"] for _ in range(4)}
    assert len(primes) > 1
    seeded = {local_verdict(net, xs, seed=7).certificate["evidence"]["prime"] for _ in range(3)}
    assert len(seeded) == 1


# ------------------------------------------------------------------ 2. float hint
@pytest.mark.parametrize(("tiny", "huge"), [("1e-330", "1e300"), ("5e-320", "1e290"),
                                             ("1e-400", "1e380")])
def test_underflowing_weights_give_the_exact_verdict(tiny, huge):
    """A weight that underflows (or is subnormal) in float64 must not certify a sign."""
    t, h = F(tiny), F(huge)
    net = Network.from_lists([[[t], [F("1e-300")]], [[1, 1]]], [[-2 * t * h, -3], [0]])
    xs = [[h * F(k, 4)] for k in (4, 6, 10, 14, 16, 20, 9)]
    patterns = [[int(v > 0) for v in net.preactivations(x)[0]] for x in xs]
    assert [p[0] for p in patterns] == [0, 0, 1, 1, 1, 1, 1]
    result = local_verdict(net, xs)
    assert result.activation_counts[0][0] == 5
    truth = exact_rank(net, xs)
    assert result.rank_jacobian == truth
    assert (result.verdict == "locally-identifiable") == (truth == net.dimension)


def test_issue_reproduction_of_the_underflow():
    net = Network.from_lists([[["1e-330"], ["1e-300"]], [[1, 1]]], [["-2e-30", -3], [0]])
    xs = [[F(v)] for v in ("1e300", "1.5e300", "2.5e300", "3.5e300", "4e300", "5e300",
                           "2.25e300")]
    result = local_verdict(net, xs)
    assert result.never_active == []
    assert result.verdict == "locally-identifiable" and result.rank_jacobian == 5


# ------------------------------------------------------------------ 3. refuted claims
def _forged(net: Network, xs, *, never=(), always=(), reason="gap") -> dict:
    """The certificate local_verdict would write if it overlooked the activation cases:
    true ranks, a gap claim."""
    base = dict(params=net.n_params, hidden=net.n_hidden, dimension=net.dimension,
                samples=len(xs), outputs=net.n_outputs, paths=0, sample_bound=0,
                activation_counts=[])
    step = local_mod._Procedure(net, xs, True, lambda _: None, list(never), list(always), base)
    result = step.ranks(net.activations(xs), random.Random(1), False)
    assert result.certificate["claim"]["reason"] == reason
    return json.loads(json.dumps(result.certificate))


def _example(name: str):
    folder = ROOT / "examples" / name
    net = read_network(folder / "network.json")
    return net, read_samples(folder / "samples.json", net.n_inputs)


def test_gap_claim_with_a_never_active_neuron_is_rejected():
    net, xs = _example("never-active-2-2-2")
    result = check_certificate(_forged(net, xs))
    assert not result.valid and "never active" in result.messages[0]


def test_gap_claim_with_an_always_active_neuron_is_rejected():
    net, xs = _example("rescaled-3-6-6-1")
    result = check_certificate(_forged(net, xs))
    assert not result.valid and "always active" in result.messages[0]


def test_gap_claim_of_a_true_gap_is_accepted():
    net, xs = _example("gap-2-3-2")
    assert check_certificate(_forged(net, xs)).valid


def _with_extra_sample(doc: dict, x: list) -> dict:
    doc = copy.deepcopy(doc)
    doc["samples"].append(x)
    net = network_from_doc(doc["network"])
    doc["claim"]["outputs"].append([number_to_json(v) for v in net(x)])
    return doc


def _assert_rejected(doc: dict, words: str) -> None:
    result = check_certificate(json.loads(json.dumps(doc, default=str)))
    assert not result.valid and words in result.messages[0]


def test_cs_claim_with_a_kink_at_an_unused_sample_is_rejected():
    net, xs = _example("worked-2-3-2-1")
    doc = local_verdict(net, xs).certificate
    # x with z = 0 for hidden neuron [0, 0]: 1*x0 - 2*x1 + 1/3 = 0
    bad = _with_extra_sample(doc, [F(-1, 3), 0])
    assert net.preactivations([F(-1, 3), 0])[0][0] == 0
    _assert_rejected(bad, "kink")


def test_activation_claim_with_a_kink_is_rejected():
    net, xs = _example("never-active-2-2-2")
    doc = local_verdict(net, xs).certificate
    assert doc["claim"]["reason"] == "never-active"
    # a point on the kink of neuron [0, 1]: x1 = (1 + x0) / 4 at x0 = 3
    x = [3, 1]
    assert net.preactivations(x)[0][1] == 0
    _assert_rejected(_with_extra_sample(doc, x), "kink")


def test_kink_claim_for_theta_in_s_is_rejected():
    net, xs = _example("kink-1-2-1")
    doc = local_verdict(net, xs).certificate
    assert doc["claim"]["reason"] == "sample-on-kink"
    doc["network"]["layers"][1]["weight"][0][1] = 0  # neuron [0, 1] now in S
    doc["claim"]["outputs"] = [[number_to_json(v) for v in network_from_doc(doc["network"])(x)]
                               for x in xs]
    _assert_rejected(doc, "theta is in S")


# ------------------------------------------------------------------ 4. ambiguous documents
@pytest.fixture(scope="module")
def identify_doc() -> dict:
    folder = ROOT / "examples" / "identify" / "sum"
    net, domain = read_network(folder / "network.json"), read_domain(folder / "domain.json")
    doc = identify_certificate(net, domain, identify(net, domain))
    return json.loads(json.dumps(doc))


def test_domain_with_box_and_inequalities_is_rejected(identify_doc):
    doc = copy.deepcopy(identify_doc)
    dim = len(doc["network"]["layers"][0]["weight"][0])
    box = {"format": "exactid.domain/1", "box": [[-1, 1]] * dim}
    doc["domain"] = {**box, **{k: v for k, v in identify_doc["domain"].items()
                               if k != "format"}}
    result = check_certificate(doc)
    assert not result.valid and "domain" in result.messages[0]


@pytest.mark.parametrize("path", [(), ("claim",), ("evidence",), ("network",),
                                  ("network", "layers", 0), ("domain",)])
def test_unknown_fields_are_rejected(identify_doc, path):
    doc = copy.deepcopy(identify_doc)
    part = doc
    for key in path:
        part = part[key]
    part["verified_by"] = "someone"
    result = check_certificate(doc)
    assert not result.valid and "verified_by" in result.messages[0]


@pytest.mark.parametrize("part", ["", "claim", "evidence", "network"])
def test_unknown_fields_in_local_certificates_are_rejected(part):
    net, xs = _example("theorem8-2-3-1")
    doc = json.loads(json.dumps(local_verdict(net, xs).certificate))
    (doc[part] if part else doc)["theorem"] = "Theorem 9: locally identifiable"
    result = check_certificate(doc)
    assert not result.valid and "theorem" in result.messages[0]


def test_the_printed_theorem_comes_from_the_checker(identify_doc, tmp_path):
    doc = copy.deepcopy(identify_doc)
    doc["claim"]["theorem"] = "GLOBALLY IDENTIFIABLE: proved by the author"
    path = tmp_path / "cert.json"
    path.write_text(json.dumps(doc))
    proc = subprocess.run([sys.executable, "-m", "exactid", "check", str(path)],
                          capture_output=True, text=True)
    assert proc.returncode == 0
    assert "GLOBALLY" not in proc.stdout and "shallow theorem" in proc.stdout


def test_domain_reader_and_checker_agree_on_ambiguous_domains(tmp_path):
    path = tmp_path / "d.json"
    path.write_text(json.dumps({"format": "exactid.domain/1", "box": [[0, 1]],
                                "A": [[1]], "b": [5]}))
    with pytest.raises(Exception, match="not both|both"):
        read_domain(path)
    assert Domain.box([(0, 1)]).dim == 1


# ------------------------------------------------------------------ activation shortcut
def test_never_active_neuron_decides_without_a_rank_of_gamma(monkeypatch):
    """D minus the zero columns of a never-active neuron is below R_A: Theorem 8 cannot
    apply, so no rank of Gamma is computed, and the activation certificate checks."""
    rng = random.Random(5)
    weights = [[[rng.choice([-2, -1, 1, 2]) for _ in range(3)] for _ in range(4)],
               [[rng.choice([-2, -1, 1, 2]) for _ in range(4)] for _ in range(4)],
               [[1, -1, 2, 1]]]
    biases = [[-100, F(1, 3), F(-1, 5), F(1, 7)], [F(1, 2), F(-1, 3), F(1, 4), F(1, 5)], [0]]
    net = Network.from_lists(weights, biases)
    xs = [[F(rng.randint(-97, 97), 97) for _ in range(3)] for _ in range(60)]
    xs = [x for x in xs if all(v != 0 for z in net.preactivations(x)[:-1] for v in z)]
    monkeypatch.setattr(local_mod, "_gamma_minor", lambda *a: pytest.fail("rank computed"))
    result = local_verdict(net, xs)
    assert result.verdict == "not-locally-identifiable" and result.never_active == [[0, 0]]
    assert result.rank_jacobian is None and result.rank_activation is None
    assert any("Theorem 8 does not apply" in r for r in result.reasons)
    assert check_certificate(json.loads(json.dumps(result.certificate))).valid
    gram = [[flint.fmpq(v.numerator, v.denominator) for v in row] for row in gram_matrix(net, xs)]
    r_a = net.n_outputs * flint.fmpq_mat(gram).rank()
    assert exact_rank(net, xs) <= net.dimension - 4 < r_a


@pytest.mark.parametrize(("weight", "scale"), [("1e400", 1), (1, F(10) ** 400),
                                               ("1e-400", F(10) ** 400)])
def test_float_check_beyond_float64_is_skipped_not_a_crash(weight, scale, capsys):
    """--float-check with numbers float64 cannot hold: the exact verdict stands, the
    cross-check is reported as skipped (no traceback, no overflow warning)."""
    net = Network.from_lists([[[weight], [-1]], [[1, 1]]], [[0, 1], [0]])
    xs = [[v * scale] for v in (-3, -2, F(1, 2), 2, 3, 5)]
    result = local_verdict(net, xs, float_check=True)
    assert result.float_rank_jacobian is None
    assert any("float64 cross-check was skipped" in w for w in result.warnings)
    assert result.rank_jacobian == exact_rank(net, xs) or result.rank_jacobian is None
    assert capsys.readouterr().err == ""
