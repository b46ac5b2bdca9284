"""exactid: exact, certified identifiability verdicts for ReLU networks.

Public API (re-exports only)::

    Network, read_network, read_samples, write_network, write_samples
    local_verdict, LocalResult
    canonical_form, equivalence, rescale_neuron, permute_layer
    jacobian, rescaling_tangents, path_lifting, activation_operator, gram_matrix
    check_certificate
    parse_rational, format_rational, rationalize
"""

from .certificates.check import check_certificate
from .errors import CertificationError, ExactidError, InputError
from .formats import read_network, read_samples, write_network, write_samples
from .jacobian import jacobian, rescaling_tangents
from .lifting import activation_operator, gram_matrix, path_lifting
from .network import Network
from .numbers import format_rational, parse_rational, rationalize
from .symmetry import canonical_form, equivalence, permute_layer, rescale_neuron
from .verdicts import LocalResult, local_verdict

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
