"""What a verdict means, in plain words, and what the user can do next.

Pure functions from result objects (``LocalResult``, ``IdentifyResult``,
``CrosscheckResult``) to an ``Explanation``: summary lines saying what was proved, by which
statement of ``docs/theory/``, and which neuron or sample is responsible, and next steps.
Nothing here decides anything: every line restates fields of the result, and claims no
more than the label of the statement behind the verdict (``docs/theory/README.md``).

Neurons are written "neuron j of hidden layer l", 0-based as everywhere in exactid.
File names in the advice are placeholders (``NET``, ``X.json``, ``D.json``) unless the
caller passes the real ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Explanation", "describe_condition", "explain_crosscheck", "explain_identify",
           "explain_local", "neuron_name", "rarely_switching"]

_LIST_AT_MOST = 5  # neurons or samples named one by one; the rest are counted
_PAPER = "BMB22"  # Bona-Pellissier, Malgouyres, Bachoc (NeurIPS 2022), docs/theory/local.md


@dataclass(frozen=True)
class Explanation:
    """``summary``: what was proved and who is responsible; ``next_steps``: advice."""

    summary: tuple[str, ...]
    next_steps: tuple[str, ...]


def _doc(file: str, section: str) -> str:
    return f"docs/theory/{file}.md §{section}"


def neuron_name(layer: int, neuron: int) -> str:
    """'neuron j of hidden layer l' (0-based)."""
    return f"neuron {neuron} of hidden layer {layer}"


def _names(neurons: list, at_most: int = _LIST_AT_MOST) -> str:
    """'neurons 0, 1 of hidden layer 0, neuron 2 of hidden layer 1 and 3 more'."""
    layers: dict[int, list[int]] = {}
    for l, j, *_ in neurons[:at_most]:
        layers.setdefault(l, []).append(j)
    names = [neuron_name(l, js[0]) if len(js) == 1
             else f"neurons {', '.join(map(str, js))} of hidden layer {l}"
             for l, js in layers.items()]
    more = len(neurons) - at_most
    return ", ".join(names) + (f" and {more} more" if more > 0 else "")


# ---------------------------------------------------------------- local verdicts

def _switching(result: Any):
    """(layer, neuron, count, side) for every hidden neuron: ``side`` is the rarer of
    "active" and "inactive" on the samples, ``count`` how many samples it has."""
    n = result.samples
    for l, counts in enumerate(result.activation_counts):
        for j, active in enumerate(counts):
            yield ((l, j, active, "active") if active <= n - active
                   else (l, j, n - active, "inactive"))


def rarely_switching(result: Any) -> list[tuple[int, int, int, str]]:
    """Hidden neurons that switch on few samples of a ``LocalResult``: (layer, neuron,
    count, side), the neuron being ``side`` ("active" or "inactive") on only ``count``
    samples. "Few" means fewer samples than the neuron has incoming parameters
    (N_{l-1} + 1); neurons that never switch are left out (the activation certificates
    name them). Sorted, fewest first."""
    found = [t for t in _switching(result) if 0 < t[2] < result.widths[t[0]] + 1]
    return sorted(found, key=lambda t: (t[2], t[0], t[1]))


def _least_switching(result: Any) -> tuple[int, int, int, str] | None:
    """The hidden neuron whose rarer side (active or inactive) has the fewest samples,
    among those that switch."""
    return min((t for t in _switching(result) if t[2]), key=lambda t: t[2], default=None)


def _switch_advice(result: Any, network: str) -> list[str]:
    """Next steps for a rank that falls short of D: sample size, patterns, the neurons
    that switch on few samples, and a designed sample."""
    n, d, nout = result.samples, result.dimension, result.outputs
    steps = []
    if n * nout < d:
        steps.append(f"add at least {result.sample_bound - n} samples: C_S needs "
                     f"n >= ceil(D / N_L) = {result.sample_bound} ({_doc('local', '11')})")
    elif result.pattern_bound is not None and nout * result.pattern_bound < d:
        steps.append(f"add samples with other activation patterns: N_L x pattern bound = "
                     f"{nout * result.pattern_bound} < D = {d} with these samples "
                     f"({_doc('local', '7')})")
    # neurons that never switch first (0 samples on one side), then those that rarely do
    rare = ([(l, j, 0, "active") for l, j in result.never_active]
            + [(l, j, 0, "inactive") for l, j in result.always_active]
            + rarely_switching(result))
    for l, j, count, side in rare[:_LIST_AT_MOST]:
        steps.append(f"{neuron_name(l, j)} is {side} on {count} of {n} samples: add samples "
                     f"where it is {side}")
    if len(rare) > _LIST_AT_MOST:
        steps.append(f"{len(rare) - _LIST_AT_MOST} more neurons switch on few samples "
                     "(activation_counts in --json)")
    if not rare and not steps:
        least = _least_switching(result)
        if least is not None:
            l, j, count, side = least
            steps.append(f"the neuron that switches least is {neuron_name(l, j)}, {side} on "
                         f"{count} of {n} samples: samples where it is {side} may help")
    steps.append(f"{'or ' if steps else ''}run `exactid design-sample {network} --domain "
                 "D.json`: it builds a "
                 "sample in the domain on which C_S holds whenever some finite sample there "
                 f"satisfies it ({_doc('deep_global', '6.1')})")
    return steps


def explain_local(result: Any, network: str = "NET", samples: str = "X.json") -> Explanation:
    """The explanation of a ``LocalResult`` (docs/theory/local.md §9): what its verdict
    proves, the neuron or sample behind it, and next steps.

    ``network`` and ``samples`` are the file names used in the suggested commands.

    Examples
    --------
    >>> from exactid import Network, local_verdict
    >>> net = Network.from_lists([[[1], [-1]], [[1, 1]]], [[0, -5], [0]])
    >>> result = local_verdict(net, [[-3], [-2], [-1], [1], [2], [3]], certificate=False)
    >>> result.reason
    'theorem-8'
    >>> [step for step in explain_local(result).next_steps if "neuron 1" in step]
    ['neuron 1 of hidden layer 0 is active on 0 of 6 samples: add samples where it is active']
    """
    reason = result.reason
    n, d = result.samples, result.dimension
    if reason == "C_S":
        summary = [
            f"proved: rank Gamma = D = {d} (condition C_S), so theta is locally identifiable "
            f"from these {n} samples (Theorem 9 of {_PAPER}, {_doc('local', '8')})",
            "meaning: every parameter vector close enough to theta that gives the same "
            f"outputs on these samples is a positive rescaling of theta ({_doc('local', '1.7')})",
            "not claimed: global identifiability; a network far from theta may give the same "
            f"outputs ({_doc('deep_global', '5.2')}, examples E4 and E6)"]
        steps = [f"for the function on a whole domain, run `exactid identify {network} "
                 f"--domain D.json` ({_doc('shallow', '2')}, {_doc('deep_global', '7')})",
                 f"keep a proof: `exactid local {network} --samples {samples} --certificate "
                 "C.json`, then `exactid check C.json`"]
    elif reason == "theorem-8":
        r = result.rank_jacobian
        summary = [
            f"proved: R_Gamma = R_A = {r} < D = {d} (condition C_N fails), so theta is not "
            f"locally identifiable from these {n} samples: parameters arbitrarily close to "
            "theta, not rescalings of it, give the same outputs on them (Theorem 8 of "
            f"{_PAPER}, {_doc('local', '8')})",
            "this is about these samples only: more or other samples may change it"]
        if result.never_active or result.always_active:
            summary.append(f"also: {_names(result.never_active + result.always_active)} "
                           "never switch on these samples, which alone rules out local "
                           f"identifiability from them ({_doc('local', '10')})")
        steps = _switch_advice(result, network)
    elif reason == "gap":
        r = result.rank_jacobian
        r_a = (str(result.rank_activation) if result.rank_activation is not None
               else f">= {result.rank_activation_lower}")
        summary = [
            f"nothing is proved either way: R_Gamma = {r} < R_A ({r_a}) and R_Gamma < D = "
            f"{d}, the gap where Theorems 8 and 9 of {_PAPER} draw no conclusion "
            f"({_doc('local', '8')})",
            "no theorem applies; more or different samples may decide"]
        steps = _switch_advice(result, network)
    elif reason in ("never-active", "always-active"):
        summary, steps = _explain_activation(result, network)
    elif reason == "sample-on-kink":
        summary, steps = _explain_kink(result, network, samples)
    elif reason == "degenerate-neuron":
        summary, steps = _explain_degenerate(result)
    else:
        summary, steps = [f"verdict {result.verdict} ({result.theorem})"], []
    return Explanation(tuple(summary), tuple(steps))


def _explain_activation(result: Any, network: str) -> tuple[list[str], list[str]]:
    n = result.samples
    never, always = result.never_active, result.always_active
    summary = []
    if never:
        l, j = never[0]
        summary.append(
            f"proved: {neuron_name(l, j)} is never active on the {n} samples (z <= 0 at every "
            "one), so lowering its bias changes the parameters but not the outputs on them: "
            "theta is not locally identifiable from these samples (activation certificate, "
            f"{_doc('local', '10.1')})")
    else:
        l, j = always[0]
        summary.append(
            f"proved: {neuron_name(l, j)} is always active on the {n} samples (z >= 0 at "
            "every one), so raising its bias and compensating in the next layer changes the "
            "parameters but not the outputs on them: theta is not locally identifiable from "
            f"these samples (activation certificate, {_doc('local', '10.2')})")
    if len(never) > (1 if never else 0):
        summary.append(f"never active on these samples: {_names(never)}")
    if always and (never or len(always) > 1):
        summary.append(f"always active on these samples: {_names(always)}")
    summary.append("this is about these samples only: samples where these neurons switch "
                   "may change it")
    steps = [f"add samples where {neuron_name(l, j)} is active (z > 0)"
             for l, j in never[:_LIST_AT_MOST]]
    steps += [f"add samples where {neuron_name(l, j)} is inactive (z < 0)"
              for l, j in always[:max(0, _LIST_AT_MOST - len(never))]]
    hidden = len(never) + len(always) - len(steps)
    if hidden > 0:
        steps.append(f"{hidden} more neurons never switch on these samples "
                     "(never_active, always_active in --json)")
    steps.append(f"if no input of your domain makes a neuron switch, the network is not "
                 f"identifiable there: `exactid identify {network} --domain D.json` checks "
                 f"this (conditions N2a, N2b, {_doc('deep_global', '4')}; condition (ii), "
                 f"{_doc('shallow', '2')})")
    steps.append(f"or run `exactid design-sample {network} --domain D.json` for a sample "
                 f"with points in every activation region ({_doc('deep_global', '6')})")
    return summary, steps


def _explain_kink(result: Any, network: str, samples: str) -> tuple[list[str], list[str]]:
    kinks = result.on_kink
    i, l, j = kinks[0]
    summary = [f"no theorem applied: sample {i} lies exactly on the kink of "
               f"{neuron_name(l, j)} (its pre-activation is 0), so the hypothesis theta not "
               f"in Delta_X is not verified ({_doc('local', '3.3')})"]
    others = sorted({s for s, _, _ in kinks} - {i})
    if others:
        shown = ", ".join(map(str, others[:_LIST_AT_MOST]))
        more = len(others) - _LIST_AT_MOST
        summary.append(f"also on a kink: sample{'s' if len(others) > 1 else ''} {shown}"
                       + (f" and {more} more" if more > 0 else ""))
    steps = []
    seen: set[int] = set()
    for s, sl, sj in kinks:
        if s in seen:
            continue
        seen.add(s)
        if len(seen) > _LIST_AT_MOST:
            break
        steps.append(f"move sample {s} slightly off the kink of {neuron_name(sl, sj)}, or "
                     "drop it, and run again")
    steps.append(f"`exactid eval {network} --samples {samples}` lists every sample on a kink")
    if result.never_active or result.always_active:
        summary.append(f"also: {_names(result.never_active + result.always_active)} never "
                       "switch on these samples; their activation certificates do not need "
                       f"the kink hypothesis ({_doc('local', '10')}; see the reasons)")
    return summary, steps


_DEGENERATE = {"zero-outgoing": ("has all outgoing weights zero",
                                 "it does not affect the output"),
               "zero-incoming": ("has all incoming weights and its bias zero",
                                 "its output is always 0")}


def _explain_degenerate(result: Any) -> tuple[list[str], list[str]]:
    first = result.degenerate[0]
    what = _DEGENERATE[first[2]][0]
    summary = [f"no theorem applied: {neuron_name(first[0], first[1])} {what}, so theta is "
               f"in the degenerate set S, where Theorems 8 and 9 of {_PAPER} do not apply "
               f"({_doc('local', '3.1')})"]
    if len(result.degenerate) > 1:
        summary.append(f"degenerate neurons: {_names(result.degenerate)}")
    steps = [f"{neuron_name(l, j)}: {_DEGENERATE[case][1]}; remove it (the smaller network "
             "computes the same function) and run again"
             for l, j, case in result.degenerate[:_LIST_AT_MOST]]
    return summary, steps


# ---------------------------------------------------------------- identify verdicts

_SHALLOW_2 = _doc("shallow", "2")
_DEEP_4 = _doc("deep_global", "4")
# what each condition asks (docs/theory/shallow.md §2, docs/theory/deep_global.md §4)
CONDITIONS = {
    "i": ("every neuron has a non-zero output weight", _SHALLOW_2),
    "ii": ("every neuron's kink crosses the inside of the domain", _SHALLOW_2),
    "iii": ("no twins (neurons with collinear weights and bias)", _SHALLOW_2),
    "iv": ("no sign-flip set (sum over S of v_i w_i^T = 0)", _SHALLOW_2),
    "N1": ("no degenerate neuron (theta not in S)", _DEEP_4),
    "N2a": ("no neuron dead (z <= 0) on the whole domain", _DEEP_4),
    "N2b": ("no neuron active (z >= 0) on the whole domain", _DEEP_4),
    "N3": ("no affine relation among a layer's outputs on the domain", _DEEP_4),
    "N4": ("no twins z_i = c z_j with c > 0 in a layer", _DEEP_4),
    "N4'": ("no opposite twins z_i = c z_j with c < 0 in a layer", _DEEP_4),
    "N5": ("no sign-flip set in a layer", _DEEP_4),
}


def _culprits(condition: dict) -> list[str]:
    """Who makes a failed condition fail, from its witness."""
    name, w = condition["name"], condition.get("witness") or {}
    out = []
    if name == "i":
        out = [f"{neuron_name(0, i)} has all output weights zero"
               for i in w.get("zero_output_neurons", [])]
    elif name == "ii":
        for f in w.get("failing", []):
            nn = neuron_name(0, f["neuron"])
            if f["min"] == f["max"]:
                out.append(f"{nn} has z = {f['min']} on the whole domain (constant)")
            elif f["case"] == "dead":
                out.append(f"{nn} is dead on the whole domain: z <= {f['max']} there")
            else:
                out.append(f"{nn} is active on the whole domain: z >= {f['min']} there")
    elif name in ("iii",):
        for t in w.get("twins", []):
            i, j = t["neurons"]
            kind = "same" if not str(t["mu"]).startswith("-") else "opposite"
            out.append(f"neurons {i} and {j} of hidden layer 0 are twins ({kind} "
                       f"orientation): (w_{j}, b_{j}) = {t['mu']} (w_{i}, b_{i})")
    elif name == "iv" and w.get("subset") is not None:
        out = ["S = {" + ", ".join(map(str, w["subset"])) + "} of hidden layer 0"]
    elif name == "N1":
        out = [f"{neuron_name(l, j)} {_DEGENERATE[case][0]}"
               for l, j, case in w.get("degenerate", [])]
    elif name == "N2a":
        out = [f"{neuron_name(l, j)} is dead on the whole domain" for l, j in w.get("dead", [])]
    elif name == "N2b":
        out = [f"{neuron_name(l, j)} is active on the whole domain"
               for l, j in w.get("always_active", [])]
    elif name in ("N4", "N4'"):
        out = [f"neurons {i} and {j} of hidden layer {t['layer']}: z_{i} = {t['c']} z_{j} "
               "on the domain" for t in w.get("twins", []) for i, j in [t["neurons"]]]
    elif name == "N3":
        out = [f"hidden layer {d['layer']}: u . f(x) + beta = 0 on the domain with u = "
               f"[{', '.join(d['u'])}], beta = {d['beta']}" for d in w.get("dependent", [])]
    elif name == "N5":
        out = [f"neurons {', '.join(map(str, s['neurons']))} of hidden layer {s['layer']} "
               "can flip sign" for s in w.get("subsets", [])]
    if len(out) > _LIST_AT_MOST:
        out = out[:_LIST_AT_MOST] + [f"and {len(out) - _LIST_AT_MOST} more"]
    return out


def describe_condition(condition: dict) -> list[str]:
    """Lines for one checked condition: its name, whether it holds, what it asks (with
    the theory section), and, when it fails, who makes it fail."""
    name = condition["name"]
    label = f"({name})" if name in ("i", "ii", "iii", "iv") else name
    state = {True: "holds", False: "FAILS", None: "not decided"}[condition["holds"]]
    meaning, where = CONDITIONS.get(name, ("", ""))
    lines = [f"condition {label:>5}: {state:<11} {meaning}"
             + (f" ({where})" if where and condition["holds"] is not True else "")]
    if condition["holds"] is False:
        lines += [f"{'':>18}{c}" for c in _culprits(condition)]
    elif condition["holds"] is None and condition.get("reason"):
        lines.append(f"{'':>18}{condition['reason']}")
    return lines


def _first_failure(result: Any) -> dict | None:
    """What the counterexample was built from: ``result.decided_by`` when the verdict
    module set it, else the first failed condition."""
    cause = getattr(result, "decided_by", None)
    if cause:
        return cause
    for c in result.conditions:
        if c["holds"] is False:
            return {"condition": c["name"], "neurons": []}
    return None


# per failed condition: (why theta' exists, what the user can do); docs/theory/shallow.md §4
# and docs/theory/deep_global.md §4
_FIX = {
    "i": ("the neuron does not contribute to f, so its incoming weights are free",
          "remove the neuron: the smaller network computes the same function"),
    "ii-dead": ("the neuron is zero on the domain, so its output weights are free",
                "enlarge the domain so that the neuron's kink crosses its inside, or "
                "remove the neuron (it is zero there)"),
    "ii-active": ("the neuron is affine on the domain, so its bias can trade with the "
                  "output bias",
                  "enlarge the domain so that the neuron's kink crosses its inside"),
    "iii": ("twins can trade output weight (opposite twins: an affine term)",
            "merge the twins into one neuron, as theta' does"),
    "iv": ("flipping the neurons of S and shifting the output bias gives the same "
           "function on all inputs",
           "no domain separates theta and theta': the parameters are determined at best "
           "up to this flip"),
    "N1": ("the degenerate neuron's parameters can change without changing f",
           "remove the degenerate neuron: the smaller network computes the same function"),
    "N2a": ("the neuron is zero on the domain, so its outgoing weights are free",
            "enlarge the domain so that the neuron switches inside it, or remove it"),
    "N2b": ("the neuron is affine on the domain, so its bias can trade with the next "
            "layer's", "enlarge the domain so that the neuron switches inside it"),
    "N3": ("the layer's outputs satisfy an affine relation on the domain, so the next "
           "layer's weights can move along it",
           "enlarge the domain, or use fewer neurons in that layer"),
    "N4": ("the twins can trade output weight",
           "merge the twins into one neuron, as theta' does"),
    "N4'": ("opposite twins add an affine term, which a shifted neuron can carry",
            "enlarge the domain, or merge the twins"),
    "N5": ("flipping the signs of those neurons and shifting the next layer's bias gives "
           "the same function on the domain",
           "a larger domain may remove the flip when it is not in the first hidden layer; "
           "in the first, no domain does"),
    "invisible-kink": ("the neuron's kink does not show in f on the domain (the neurons "
                       "after it are off there), so its bias can move",
                       "enlarge the domain where the later neurons are active"),
}


def _fix_key(result: Any, cause: dict) -> str:
    """The ``_FIX`` entry of the failed condition (condition (ii): dead or active)."""
    name = cause["condition"]
    if name != "ii":
        return name
    neurons = {j for _, j in cause.get("neurons") or []}
    for c in result.conditions:
        for f in (c.get("witness") or {}).get("failing", []) if c["name"] == "ii" else []:
            if f["neuron"] in neurons:
                return f"ii-{f['case']}"
    return "ii-active"


def explain_identify(result: Any, network: str = "NET", domain: str = "D.json") -> Explanation:
    """The explanation of an ``IdentifyResult`` (docs/theory/shallow.md §2-4,
    docs/theory/deep_global.md §4-7)."""
    v = result.verdict
    if v == "identifiable":
        summary = [
            "proved: conditions (i)-(iv) hold, so every network of the same widths that "
            "computes the same function on the domain equals theta up to permutation and "
            f"positive rescaling (the shallow theorem, {_doc('shallow', '2')}-3; derived, a "
            "reconstruction of Stock & Gribonval's claim)",
            "not claimed: anything about wider networks (a neuron with zero output weight "
            f"can always be added, {_doc('shallow', '1')})"]
        steps = [f"keep a proof: `exactid identify {network} --domain {domain} --certificate "
                 "C.json`, then `exactid check C.json`"]
    elif v == "not-identifiable":
        cause = _first_failure(result) or {"condition": "", "neurons": []}
        name = cause["condition"]
        shallow = name in ("i", "ii", "iii", "iv")
        section = (_doc("shallow", "4") if shallow
                   else _doc("deep_global", "5.1") if name == "invisible-kink"
                   else _doc("deep_global", "4"))
        label = (f"condition ({name})" if shallow
                 else "an invisible kink" if name == "invisible-kink" else name)
        summary = [f"proved: theta' below computes the same function on the domain and is "
                   "not equivalent to theta (both checked exactly): theta is not "
                   f"identifiable from the domain; theta' is the construction for {label} "
                   f"({section})"]
        if cause.get("neurons"):
            summary.append(f"responsible: {_names(cause['neurons'])}")
        why, fix = _FIX.get(_fix_key(result, cause), ("", ""))
        if why:
            summary.append(f"why: {why}")
        steps = [fix] if fix else []
        steps.append("check it: save theta' (`counterexample` in --json) as T.json and run "
                     f"`exactid diff {network} T.json --domain {domain}`")
    elif v == "locally-identifiable":
        size = (result.design or {}).get("size")
        summary = [
            f"proved: conditions N1-N5 hold and C_S holds on a designed sample of {size} "
            "points inside the domain, so theta is locally identifiable from its values on "
            f"the domain (Theorem 9 of {_PAPER} plus restriction, {_doc('deep_global', '6')})",
            "not claimed: global identifiability; it is never reported for two or more "
            f"hidden layers ({_doc('deep_global', '0')}; example E6 of "
            f"{_doc('deep_global', '5.2')} is locally but not globally identifiable)"]
        steps = [f"save the designed sample with `exactid design-sample {network} --domain "
                 f"{domain} --out X.json` and re-check it with `exactid local {network} "
                 "--samples X.json`"]
    elif v == "undecided":
        design = result.design or {}
        summary = [f"nothing is proved either way: conditions N1-N5 hold, and no theorem "
                   f"decides for two or more hidden layers ({_doc('deep_global', '7')})"]
        rank, dim = design.get("rank_jacobian"), design.get("dimension")
        if rank is not None and dim is not None and rank < dim:
            summary.append(f"the designed sample gives rank Gamma = {rank} < D = {dim}: no "
                           "finite sample in the domain satisfies C_S (Lemma 6.1, "
                           f"{_doc('deep_global', '6.1')}); this is not a proof of "
                           "non-identifiability")
        elif rank is None:
            summary.append("the local rank test does not apply to the designed sample "
                           f"(a sample on a kink or theta in S, {_doc('local', '3')})")
        invisible = [x["neuron"] for x in result.visibility or [] if not x["visible"]]
        if invisible:
            summary.append(f"kinks invisible in f: {_names(invisible)} "
                           f"({_doc('deep_global', '5.1')})")
        if rank is None:
            steps = ["a designed point lies on a kink (the reasons name it): the regions are "
                     f"not in general position here; `exactid regions {network} --domain "
                     f"{domain}` lists the degeneracies"]
        else:
            steps = ["a larger domain, where the neurons switch in more regions, may raise "
                     "the rank; no sample inside this domain can",
                     f"`exactid regions {network} --domain {domain}` shows the regions "
                     "behind these diagnostics"]
    else:
        summary = [f"no theorem applied: the hypotheses are not met ({_doc('shallow', '6.1')}"
                   f", {_doc('deep_global', '7')})"]
        summary += [f"because: {r}" for r in result.reasons[:1]]
        steps = ["the domain must be a bounded, full-dimensional box or polytope "
                 f"(exactid.domain/1; {_doc('shallow', '6.1')}) and the network needs a "
                 "hidden layer"]
    return Explanation(tuple(summary), tuple(steps))


# ---------------------------------------------------------------- crosscheck

def explain_crosscheck(result: Any, network: str = "NET",
                       samples: str = "X.json") -> Explanation:
    """The explanation of a ``CrosscheckResult``: the exact rank against float ranks."""
    if result.rank_exact is None:
        summary = ["the exact rank of Gamma is not defined here (a sample on a kink or "
                   f"theta in S, {_doc('local', '3')}); only float ranks were computed"]
        steps = [f"`exactid local {network} --samples {samples}` names the sample or neuron"]
        return Explanation(tuple(summary), tuple(steps))
    summary = [f"the exact rank of Gamma is {result.rank_exact} (D = {result.dimension}); "
               f"{result.disagreements} float ranks differ from it"]
    if result.disagreements:
        summary.append("a float rank is a guess from singular values and a tolerance: it "
                       "decides nothing about identifiability")
    steps = [f"for the verdict and its proof, run `exactid local {network} --samples "
             f"{samples}` ({_doc('local', '9')})"]
    return Explanation(tuple(summary), tuple(steps))
