"""Certificate documents (``exactid.certificate/1``): the data, as specified in
``docs/certificates.md``. Building them is the only job of this module; checking them is
``check.py``'s, which never imports this code."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from ..formats import network_to_doc, samples_to_doc
from ..network import Network

CERTIFICATE_FORMAT = "exactid.certificate/1"


def local_certificate(net: Network, samples: Sequence[Sequence[Fraction]], *,
                      verdict: str, reason: str,
                      dimension: int, rank_jacobian: int | None,
                      rank_activation: int | None, evidence: dict[str, Any],
                      outputs: Sequence[Sequence[Fraction]] | None = None) -> dict[str, Any]:
    """Return the certificate of a local verdict (fields of docs/certificates.md);
    ``outputs`` are f(X) when already computed exactly."""
    return {
        "format": CERTIFICATE_FORMAT,
        "kind": "local",
        "network": network_to_doc(net),
        "samples": samples_to_doc(samples),
        "claim": {
            "verdict": verdict,
            "reason": reason,
            "dimension": dimension,
            "rank_jacobian": rank_jacobian,
            "rank_activation": rank_activation,
            "outputs": samples_to_doc(net.forward(samples).outputs() if outputs is None
                                      else outputs),
        },
        "evidence": evidence,
    }


def _canonical_rows(net: Network, domain, pattern) -> list[tuple[list[Fraction], Fraction]]:
    """The rows of a region exactly as docs/certificates.md (region certificates) defines
    them, from the given (not rescaled) network."""
    rows = [(list(a), bk) for a, bk in zip(domain.a, domain.b)]
    a = [list(r) for r in net.weights[0]]
    c = list(net.biases[0])
    for layer in range(net.depth - 1):
        bits = pattern[layer]
        for j, (form, const) in enumerate(zip(a, c)):
            if any(form):
                rows.append(([-v for v in form], const) if bits[j] else (form, -const))
        if layer + 1 < net.depth - 1:
            on = [j for j, bit in enumerate(bits) if bit]
            w, b = net.weights[layer + 1], net.biases[layer + 1]
            a = [[sum((row[j] * a[j][i] for j in on), Fraction(0)) for i in range(len(a[0]))]
                 for row in w]
            c = [sum((row[j] * c[j] for j in on), Fraction(0)) + bk for row, bk in zip(w, b)]
    return rows


def regions_certificate(net: Network, domain, regions) -> dict[str, Any]:
    """Return the certificate of a region enumeration (docs/certificates.md, kind
    ``regions``): witnesses, facet witnesses, Motzkin vectors for the groups that are no
    facet (docs/theory/deep_global.md §3.2, §3.5), and the claimed patterns, affine maps and edges.

    Raises CertificationError only on an internal inconsistency.
    """
    from ..domain import domain_to_doc
    from ..errors import CertificationError
    from ..numbers import format_rational
    from ..polyhedra import facet_test, verify_motzkin
    from ..regions import group_labels, groups

    def vec(v):
        return [format_rational(x) for x in v]

    claim, evidence = [], []
    for i, r in enumerate(regions.regions):
        canon = _canonical_rows(net, domain, r.pattern)
        if len(canon) != len(r.rows):
            raise CertificationError(f"region {i}: row count mismatch (internal error)")
        facets = {(tuple(map(tuple, f["neurons"])), tuple(f["boundary"])): f for f in r.facets}
        entry = {"witness": vec(r.witness), "facets": [], "redundant": []}
        for members in groups(r.rows):
            neurons, boundary = group_labels(r.rows, members)
            f = facets.get((tuple(map(tuple, neurons)), tuple(boundary)))
            if f is not None:
                entry["facets"].append({"neurons": neurons, "boundary": boundary,
                                        "witness": vec(f["witness"]),
                                        "neighbour": f["neighbour"]})
                continue
            res = facet_test([row[0] for row in r.rows], [row[1] for row in r.rows], members)
            if res.feasible:
                raise CertificationError(f"region {i}: group {neurons} {boundary} is a facet "
                                         "the enumeration did not list (internal error)")
            y, (mu,) = res.motzkin
            scale = [_ratio(r.rows[k][0], canon[k][0]) for k in range(len(canon))]
            y = [yk * s for yk, s in zip(y, scale)]
            mu = mu * scale[members[0]]
            total = sum(y)
            y, mu = [yk / total for yk in y], mu / total
            if not verify_motzkin([row[0] for row in canon], [row[1] for row in canon], y,
                                  [canon[members[0]][0]], [canon[members[0]][1]], [mu]):
                raise CertificationError(f"region {i}: redundancy proof failed (internal error)")
            entry["redundant"].append({"neurons": neurons, "boundary": boundary,
                                       "y": vec(y), "mu": format_rational(mu)})
        a, c = r.affine
        claim.append({"pattern": [list(p) for p in r.pattern],
                      "affine": {"A": [vec(row) for row in a], "c": vec(c)}})
        evidence.append(entry)
    return {
        "format": CERTIFICATE_FORMAT,
        "kind": "regions",
        "network": network_to_doc(net),
        "domain": domain_to_doc(domain),
        "claim": {"count": regions.count, "regions": claim,
                  "edges": [{"a": e["a"], "b": e["b"], "neurons": e["neurons"]}
                            for e in regions.edges]},
        "evidence": {"regions": evidence},
    }


def _ratio(scaled: Sequence, original: Sequence) -> Fraction:
    """s > 0 with scaled = s * original (the first non-zero entry decides)."""
    k = next(i for i, v in enumerate(original) if v != 0)
    return Fraction(scaled[k]) / Fraction(original[k])


def identify_certificate(net: Network, domain, result) -> dict[str, Any]:
    """Return the certificate of an ``identify`` verdict (docs/certificates.md, kind
    ``identify``). Raises CertificationError when a part cannot be certified."""
    from ..compare import difference_network
    from ..domain import domain_to_doc
    from ..errors import CertificationError
    from ..regions import enumerate_regions
    from ..verdicts.local import local_verdict

    evidence: dict[str, Any] = {}
    if result.verdict == "identifiable":
        crossing = next(c for c in result.conditions if c["name"] == "ii")
        evidence["crossing"] = crossing["witness"]["crossing"]
    elif result.verdict == "not-identifiable":
        diff = difference_network(net, result.counterexample)
        cert = regions_certificate(diff, domain, enumerate_regions(diff, domain))
        evidence["counterexample"] = network_to_doc(result.counterexample)
        evidence["difference"] = {"claim": cert["claim"], "evidence": cert["evidence"]}
    elif result.verdict == "locally-identifiable":
        local = result.local
        if local is None:
            local = local_verdict(net, result.sample, float_check=False)
        if local.verdict != "locally-identifiable":
            raise CertificationError("the designed sample no longer passes C_S (internal "
                                     "error)")
        evidence["sample"] = samples_to_doc(result.sample)
        evidence["local"] = local.certificate
    return {"format": CERTIFICATE_FORMAT, "kind": "identify", "network": network_to_doc(net),
            "domain": domain_to_doc(domain),
            "claim": {"verdict": result.verdict, "theorem": result.theorem},
            "evidence": evidence}
