"""Identifiability on a domain: the verdict type, the dispatch, and the exact checks of
counterexamples (docs/theory/shallow.md §4, §6.5; docs/theory/deep_global.md §4, §7).

A counterexample theta' is only reported after two exact checks: ``compare`` finds
f_theta' = f_theta on the whole domain (common refinement of the regions), and the ~P test
(canonical forms, docs/theory/shallow.md §1.1,
docs/theory/deep_global.md §1.1) says "not equivalent".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ..compare import compare
from ..display import Summarised
from ..domain import Domain
from ..errors import InputError
from ..explain import explain_identify
from ..formats import network_to_doc, samples_to_doc
from ..network import Network
from ..symmetry import equivalence

__all__ = ["IdentifyResult", "identify", "not_applicable", "verified_counterexample"]

SHALLOW = "shallow theorem of docs/theory/shallow.md §2 (derived; reconstruction of SG22's claim)"


@dataclass(repr=False)
class IdentifyResult(Summarised):
    """The outcome of ``identify``; field names are those of the ``--json`` output.

    ``conditions`` holds one entry per checked condition: ``name``, ``holds`` (True or
    False) and ``witness`` (JSON-ready data, or None). ``decided_by`` names the condition
    the counterexample was built from and the neurons it changes (``{"condition": "N2b",
    "neurons": [[1, 0]]}``; ``"invisible-kink"`` for the E5-type construction).
    ``to_json`` adds ``next_steps``, the advice of ``exactid.explain.explain_identify``.
    """

    verdict: str
    theorem: str
    conditions: list[dict]
    counterexample: Network | None = None
    sample: list | None = None
    reasons: list[str] = field(default_factory=list)
    regions: int | None = None
    visibility: list[dict] | None = None
    design: dict | None = None
    decided_by: dict | None = None
    certificate: dict | None = field(default=None, repr=False)
    # the local verdict on the designed sample (locally-identifiable only): the identify
    # certificate is built from it, never recomputed
    local: Any = field(default=None, repr=False)

    def _summary(self) -> list[tuple[str, Any]]:
        failing = [c["name"] for c in self.conditions if c.get("holds") is False]
        return [("verdict", self.verdict), ("regions", self.regions),
                ("conditions", len(self.conditions)), ("failing", failing),
                ("counterexample", self.counterexample is not None)]

    def _details(self) -> list[tuple[str, Any]]:
        return [("theorem", self.theorem), *(("reason", r) for r in self.reasons)]

    def to_json(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "theorem": self.theorem,
            "conditions": self.conditions,
            "counterexample": None if self.counterexample is None
            else network_to_doc(self.counterexample),
            "sample": None if self.sample is None else samples_to_doc(self.sample),
            "reasons": self.reasons,
            "regions": self.regions,
            "visibility": self.visibility,
            "design": self.design,
            "decided_by": self.decided_by,
            "next_steps": list(explain_identify(self).next_steps),
        }


def verified_counterexample(net: Network, domain: Domain, candidates: Iterable[Network],
                            workers: int | None = 1, scheduler: Any = None
                            ) -> tuple[Network, str] | None:
    """The first candidate theta' equal to theta on ``domain`` and not ~P theta, with the
    obstruction that proves non-equivalence; None if no candidate passes both exact checks.
    ``workers`` and ``scheduler`` are those of ``compare``."""
    for cand in candidates:
        verdict = equivalence(net, cand)
        if verdict.equivalent is not False:
            continue
        if compare(net, cand, domain, workers=workers, scheduler=scheduler).equal:
            return cand, verdict.obstruction or "not equivalent"
    return None


def not_applicable(reason: str) -> IdentifyResult:
    """The verdict for hypotheses that are not met: an invalid domain
    (docs/theory/shallow.md §6.1) or a network without a hidden layer
    (docs/theory/deep_global.md §7)."""
    return IdentifyResult("not-applicable", "none: the hypotheses are not met "
                                            "(docs/theory/shallow.md "
                          "§6.1, docs/theory/deep_global.md §7)", [], reasons=[reason])


def identify(net: Network, domain: Domain, *, seed: int | None = None,
             progress: Callable[[str], None] | None = None, workers: int | None = 1,
             scheduler: Any = None) -> IdentifyResult:
    """Decide identifiability of ``net`` from its function on ``domain``.

    One hidden layer: the shallow theorem
    (docs/theory/shallow.md §2-4), exact both ways. Two or more: the necessary conditions N1-N5 of
    docs/theory/deep_global.md §4 with verified counterexamples, visibility (5.1), and local
    identifiability on a designed sample (6); never a claim of global identifiability
    (docs/theory/deep_global.md §0, §7). ``workers`` and ``scheduler`` spread the region
    enumeration over processes or a Dask cluster (``exactid.parallel``); the result does not
    depend on them.
    """
    if net.depth < 2:
        return not_applicable("the network has no hidden layer: the theorems of "
                              "docs/theory/shallow.md "
                              "and docs/theory/deep_global.md need at least one")
    if domain.dim != net.n_inputs:
        raise InputError(f"the domain has dimension {domain.dim}, the network expects "
                         f"{net.n_inputs} inputs")
    if net.depth == 2:
        from .shallow import shallow_verdict

        return shallow_verdict(net, domain)
    from .deep import deep_verdict

    return deep_verdict(net, domain, seed=seed, progress=progress, workers=workers,
                        scheduler=scheduler)
