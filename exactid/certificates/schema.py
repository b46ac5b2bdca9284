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
                      rank_activation: int | None, evidence: dict[str, Any]) -> dict[str, Any]:
    """Return the certificate of a local verdict (fields of docs/certificates.md)."""
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
            "outputs": samples_to_doc(net.forward(samples).outputs()),
        },
        "evidence": evidence,
    }
