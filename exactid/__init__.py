"""exactid: exact, certified identifiability verdicts for ReLU networks.

Public API (re-exports only)::

    Network, read_network, read_samples, write_network, write_samples
    local_verdict, LocalResult
    canonical_form, equivalence, rescale_neuron, permute_layer
    jacobian, rescaling_tangents, path_lifting, activation_operator, gram_matrix
    check_certificate
    parse_rational, format_rational, rationalize
"""

from importlib import import_module
from typing import Any

# Each public name and the module that defines it. They are imported on first use, so
# that the command line starts without loading what a subcommand does not need.
_EXPORTS = {
    "check_certificate": ".certificates.check",
    "CertificationError": ".errors", "ExactidError": ".errors", "InputError": ".errors",
    "read_network": ".formats", "read_samples": ".formats", "write_network": ".formats",
    "write_samples": ".formats",
    "jacobian": ".jacobian", "rescaling_tangents": ".jacobian",
    "activation_operator": ".lifting", "gram_matrix": ".lifting", "path_lifting": ".lifting",
    "Network": ".network",
    "format_rational": ".numbers", "parse_rational": ".numbers", "rationalize": ".numbers",
    "canonical_form": ".symmetry", "equivalence": ".symmetry", "permute_layer": ".symmetry",
    "rescale_neuron": ".symmetry",
    "LocalResult": ".verdicts", "local_verdict": ".verdicts",
}


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'exactid' has no attribute {name!r}")
    value = getattr(import_module(_EXPORTS[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


__version__ = "0.1.0"

__all__ = [
    "CertificationError",
    "ExactidError",
    "InputError",
    "LocalResult",
    "Network",
    "activation_operator",
    "canonical_form",
    "check_certificate",
    "equivalence",
    "format_rational",
    "gram_matrix",
    "jacobian",
    "local_verdict",
    "parse_rational",
    "path_lifting",
    "permute_layer",
    "rationalize",
    "read_network",
    "read_samples",
    "rescale_neuron",
    "rescaling_tangents",
    "write_network",
    "write_samples",
]
