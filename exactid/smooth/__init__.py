"""Smooth activations: entangled weights, their exact and ball-arithmetic checks, and the
numerical recovery they certify (docs/theory/smooth.md; user guide docs/smooth.md).

Modules: ``network`` (SmoothNetwork, the exactid.smooth-network/1 format, exact and ball
evaluation), ``balls`` (rigorous signs and rank bounds), ``entangled`` (checks X1-X8),
``rankone`` (X7), ``recover`` (the numerical pipeline of §5), ``fit`` (its
least-squares fit of a deep network), ``verify`` (X9).
"""

from importlib import import_module
from typing import Any

_EXPORTS = {
    "Activation": ".network", "SmoothNetwork": ".network", "read_smooth_network": ".network",
    "smooth_network_from_doc": ".network", "smooth_network_to_doc": ".network",
    "write_smooth_network": ".network",
    "EntangledResult": ".entangled", "entangled": ".entangled",
    "RecoveryResult": ".recover", "recover": ".recover",
    "VerificationResult": ".verify", "verify_recovery": ".verify",
}


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'exactid.smooth' has no attribute {name!r}")
    value = getattr(import_module(_EXPORTS[name], __name__), name)
    globals()[name] = value
    return value


__all__ = sorted(_EXPORTS)
