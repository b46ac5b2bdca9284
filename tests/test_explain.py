"""Explanations (exactid.explain): every verdict's text names what was proved, the section
of docs/theory/ behind it, the neuron or sample responsible, and next steps; --json gives
the same advice as ``next_steps``."""

import json
from pathlib import Path

import pytest

from exactid.domain import Domain
from exactid.explain import describe_condition, explain_identify, explain_local
from exactid.network import Network
from exactid.verdicts import local_verdict
from exactid.verdicts.identify import identify, not_applicable

from .test_cli import put, run

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def local_cli(capsys, folder):
    """(text output, --json document) of ``exactid local`` on an example folder."""
    net, xs = EXAMPLES / folder / "network.json", EXAMPLES / folder / "samples.json"
    code, text, err = run(capsys, "local", net, "--samples", xs, "--seed", 1, "--no-progress")
    assert code == 0, err
    code, out, err = run(capsys, "local", net, "--samples", xs, "--seed", 1, "--json",
                         "--no-progress")
    assert code == 0, err
    return text, json.loads(out)


def identify_cli(capsys, folder):
    net = EXAMPLES / "identify" / folder / "network.json"
    dom = EXAMPLES / "identify" / folder / "domain.json"
    code, text, err = run(capsys, "identify", net, "--domain", dom, "--seed", 1)
    assert code == 0, err
    code, out, err = run(capsys, "identify", net, "--domain", dom, "--seed", 1, "--json")
    assert code == 0, err
    return text, json.loads(out)


def steps_text(doc):
    assert isinstance(doc["next_steps"], list) and doc["next_steps"]
    assert all(isinstance(s, str) and s for s in doc["next_steps"])
    return "\n".join(doc["next_steps"])


def in_text(text, doc):
    """Every next step of the JSON document is printed in the text report."""
    assert "next steps:" in text and "in plain words:" in text
    for step in doc["next_steps"]:
        assert step in text


# ------------------------------------------------------------------ local


def test_locally_identifiable_says_what_it_does_not_mean(capsys):
    text, doc = local_cli(capsys, "worked-2-3-2-1")
    assert doc["verdict"] == "locally-identifiable" and doc["reason"] == "C_S"
    assert "Theorem 9" in text and "docs/theory/local.md §8" in text
    assert "not claimed: global identifiability" in text
    steps = steps_text(doc)
    assert "exactid identify" in steps and "exactid check" in steps
    assert str(EXAMPLES / "worked-2-3-2-1" / "network.json") in steps  # real file names
    in_text(text, doc)


def test_theorem_8_names_the_missing_activation_patterns(capsys):
    text, doc = local_cli(capsys, "theorem8-2-3-1")
    assert doc["reason"] == "theorem-8"
    assert "Theorem 8" in text and "docs/theory/local.md §8" in text
    assert "R_Gamma = R_A = 7 < D = 10" in text
    steps = steps_text(doc)
    assert "other activation patterns" in steps and "docs/theory/local.md §7" in steps
    assert "exactid design-sample" in steps
    in_text(text, doc)


def test_gap_names_the_neurons_that_switch_on_few_samples(capsys):
    text, doc = local_cli(capsys, "gap-2-3-2")
    assert doc["verdict"] == "inconclusive" and doc["reason"] == "gap"
    assert "nothing is proved either way" in text and "docs/theory/local.md §8" in text
    assert doc["activation_counts"] == [[3, 6, 2]] and doc["samples"] == 8
    steps = steps_text(doc)
    assert ("neuron 2 of hidden layer 0 is active on 2 of 8 samples: add samples where it "
            "is active") in steps
    assert ("neuron 1 of hidden layer 0 is inactive on 2 of 8 samples: add samples where "
            "it is inactive") in steps
    assert "exactid design-sample" in steps
    in_text(text, doc)


def test_never_active_names_its_neuron(capsys):
    text, doc = local_cli(capsys, "never-active-2-2-2")
    assert doc["reason"] == "never-active" and doc["never_active"] == [[0, 0]]
    assert "neuron 0 of hidden layer 0 is never active on the 4 samples" in text
    assert "docs/theory/local.md §10.1" in text
    assert "always active on these samples: neuron 1 of hidden layer 0" in text
    steps = steps_text(doc)
    assert "add samples where neuron 0 of hidden layer 0 is active (z > 0)" in steps
    assert "add samples where neuron 1 of hidden layer 0 is inactive (z < 0)" in steps
    assert "N2a" in steps and "docs/theory/deep_global.md §4" in steps
    in_text(text, doc)


def test_always_active_names_its_neuron(capsys):
    text, doc = local_cli(capsys, "rescaled-3-6-6-1")
    assert doc["reason"] == "always-active" and doc["always_active"] == [[1, 2]]
    assert "neuron 2 of hidden layer 1 is always active on the 150 samples" in text
    assert "docs/theory/local.md §10.2" in text
    assert "add samples where neuron 2 of hidden layer 1 is inactive" in steps_text(doc)
    in_text(text, doc)


def test_sample_on_a_kink_names_the_sample_and_the_neuron(capsys):
    text, doc = local_cli(capsys, "kink-1-2-1")
    assert doc["verdict"] == "not-applicable" and doc["reason"] == "sample-on-kink"
    assert doc["on_kink"] == [[1, 0, 1], [2, 0, 0]]
    assert "sample 1 lies exactly on the kink of neuron 1 of hidden layer 0" in text
    assert "docs/theory/local.md §3.3" in text
    steps = steps_text(doc)
    assert "move sample 1 slightly off the kink of neuron 1 of hidden layer 0" in steps
    assert "move sample 2 slightly off the kink of neuron 0 of hidden layer 0" in steps
    assert "exactid eval" in steps
    in_text(text, doc)


def test_degenerate_neuron_is_named(capsys):
    text, doc = local_cli(capsys, "degenerate-2-2-1")
    assert doc["reason"] == "degenerate-neuron"
    assert doc["degenerate"] == [[0, 1, "zero-outgoing"]]
    assert "neuron 1 of hidden layer 0 has all outgoing weights zero" in text
    assert "docs/theory/local.md §3.1" in text
    assert "neuron 1 of hidden layer 0: it does not affect the output; remove it" in \
        steps_text(doc)
    in_text(text, doc)


def rare_neuron_network():
    """Widths (2, 3, 1): neurons 0 and 1 switch across a 10 x 10 grid, neuron 2
    (z = x0 + x1 - 19) is active only at the two extra samples."""
    net = Network.from_lists([[[1, 0], [0, 1], [1, 1]], [[1, 2, 3]]],
                             [["-9/2", "-9/2", -19], [1]])
    xs = [[a, b] for a in range(10) for b in range(10)] + [[10, 10], [10, 11]]
    return net, xs


def test_a_neuron_active_on_few_samples_gets_the_advice_with_its_counts(capsys, tmp_path):
    net, xs = rare_neuron_network()
    result = local_verdict(net, xs, seed=1, certificate=False)
    assert result.activation_counts[0][2] == 2 and result.samples == 102
    assert result.verdict == "not-locally-identifiable" and result.reason == "theorem-8"
    advice = ("neuron 2 of hidden layer 0 is active on 2 of 102 samples: add samples where "
              "it is active")
    steps = explain_local(result).next_steps
    assert advice in steps
    assert any("exactid design-sample NET --domain D.json" in s for s in steps)
    assert result.to_json()["next_steps"] == list(steps)
    doc = {"format": "exactid.network/1", "layers": [
        {"weight": [[1, 0], [0, 1], [1, 1]], "bias": ["-9/2", "-9/2", -19]},
        {"weight": [[1, 2, 3]], "bias": [1]}]}
    net_path, x_path = put(tmp_path / "n.json", doc), put(tmp_path / "x.json", xs)
    code, text, _ = run(capsys, "local", net_path, "--samples", x_path, "--seed", 1,
                        "--no-progress")
    assert code == 0 and advice in text
    assert f"exactid design-sample {net_path} --domain D.json" in text


def test_the_advice_counts_the_neurons_it_does_not_list():
    # eight neurons, each active only at the sample x = 8 of 40: five named, three counted
    net = Network.from_lists([[[1]] * 8, [list(range(1, 9))]], [["-15/2"] * 8, [0]])
    xs = [[8]] + [[k] for k in range(-31, 8)]
    result = local_verdict(net, xs, seed=1, certificate=False)
    steps = explain_local(result).next_steps
    named = [s for s in steps if "add samples where it is" in s]
    assert len(named) == 5
    assert any("more neurons switch on few samples" in s for s in steps)


# ------------------------------------------------------------------ identify


def test_failed_shallow_condition_is_explained_with_its_neuron(capsys):
    text, doc = identify_cli(capsys, "e1")
    assert doc["decided_by"] == {"condition": "ii", "neurons": [[0, 0]]}
    assert "condition  (ii): FAILS" in text
    assert "neuron 0 of hidden layer 0 is dead on the whole domain" in text
    assert "docs/theory/shallow.md §2" in text and "docs/theory/shallow.md §4" in text
    assert "responsible: neuron 0 of hidden layer 0" in text
    steps = steps_text(doc)
    assert "enlarge the domain" in steps and "exactid diff" in steps
    in_text(text, doc)


def test_always_active_deep_neuron_is_named(capsys):
    text, doc = identify_cli(capsys, "vector53-r3")
    assert doc["decided_by"] == {"condition": "N2b", "neurons": [[1, 0]]}
    assert "condition   N2b: FAILS" in text
    assert "neuron 0 of hidden layer 1 is active on the whole domain" in text
    assert "docs/theory/deep_global.md §4" in text
    assert "enlarge the domain so that the neuron switches" in steps_text(doc)
    in_text(text, doc)


@pytest.mark.parametrize("folder, condition, neurons, pointer", [
    ("clamp", "iv", [[0, 0], [0, 1]], "docs/theory/shallow.md §4"),
    ("same-twins", "iii", [[0, 0], [0, 1]], "docs/theory/shallow.md §4"),
    ("e6", "N5", [[0, 0], [0, 1]], "docs/theory/deep_global.md §4"),
    ("e5", "invisible-kink", [[0, 0]], "docs/theory/deep_global.md §5.1"),
])
def test_every_counterexample_names_its_condition_and_neurons(capsys, folder, condition,
                                                              neurons, pointer):
    text, doc = identify_cli(capsys, folder)
    assert doc["verdict"] == "not-identifiable"
    assert doc["decided_by"] == {"condition": condition, "neurons": neurons}
    assert pointer in text and "responsible: neuron" in text
    steps_text(doc)
    in_text(text, doc)


def test_identifiable_and_locally_identifiable_say_what_they_do_not_claim(capsys):
    text, doc = identify_cli(capsys, "ok-1")
    assert doc["verdict"] == "identifiable" and doc["decided_by"] is None
    assert "docs/theory/shallow.md §2" in text and "not claimed" in text
    assert "exactid check" in steps_text(doc)
    text, doc = identify_cli(capsys, "vector53-r10")
    assert doc["verdict"] == "locally-identifiable"
    assert "docs/theory/deep_global.md §6" in text
    assert "not claimed: global identifiability" in text
    assert "exactid design-sample" in steps_text(doc)


def test_undecided_and_not_applicable_have_next_steps():
    net = Network.from_lists([[[1, 0], [0, 1]], [[1, -1], [1, 1]], [[1, 1]]],
                             [[0, 0], [0, "-1/2"], [0]])
    result = identify(net, Domain.box([(-1, 1), (-1, 1)]))
    assert result.verdict == "undecided"
    explanation = explain_identify(result)
    assert "docs/theory/deep_global.md §7" in explanation.summary[0]
    assert explanation.next_steps and result.to_json()["next_steps"]
    flat = not_applicable("flat.json: the domain is not full-dimensional")
    explanation = explain_identify(flat)
    assert "flat.json" in "\n".join(explanation.summary)
    assert "docs/theory/shallow.md §6.1" in explanation.next_steps[0]


def test_a_condition_line_says_what_it_asks():
    lines = describe_condition({"name": "iii", "holds": False, "witness": {"twins": [
        {"neurons": [0, 2], "mu": "-3"}]}})
    assert "FAILS" in lines[0] and "twins" in lines[0] and "docs/theory/shallow.md §2" in lines[0]
    assert "neurons 0 and 2 of hidden layer 0 are twins (opposite orientation)" in lines[1]
    assert describe_condition({"name": "N1", "holds": True, "witness": {}})[0].count("\n") == 0


# ------------------------------------------------------------------ crosscheck


def test_crosscheck_points_to_the_local_verdict(capsys):
    net = EXAMPLES / "worked-2-3-2-1" / "network.json"
    xs = EXAMPLES / "worked-2-3-2-1" / "samples.json"
    code, out, _ = run(capsys, "crosscheck", net, "--samples", xs, "--seed", 1, "--json")
    doc = json.loads(out)
    assert code == 0 and f"exactid local {net}" in steps_text(doc)
    code, text, _ = run(capsys, "crosscheck", net, "--samples", xs, "--seed", 1)
    assert "docs/theory/local.md §9" in text
    in_text(text, doc)
