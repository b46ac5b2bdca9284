"""exactid: exact, certified identifiability verdicts for ReLU networks.

Public API (re-exports only); the command each function is behind in brackets::

    Network, Domain                                      networks and polytope domains
    read_network, read_samples, read_domain, read_model  [every command reads with these]
    write_network, write_samples, import_model           [import, design-sample --out]
    local_verdict, LocalResult                           [local]
    check_certificate, CheckResult                       [check]
    equivalence, Equivalence, canonical_form             [equiv]
    enumerate_regions, RegionSet, regions_certificate    [regions]
    plot_regions                                         [regions --plot; extra 'plot']
    compare, Comparison                                  [diff]
    identify, IdentifyResult, identify_certificate       [identify]
    design_sample, DesignResult                          [design-sample]
    crosscheck, CrosscheckResult                         [crosscheck]
    align, Alignment                                     [align]
    demo_network, demo_samples                           [demo]
    rescale_neuron, permute_layer
    jacobian, rescaling_tangents, path_lifting, activation_operator, gram_matrix
    parse_rational, format_rational, rationalize
"""

import sys
from importlib import import_module
from types import ModuleType
from typing import Any

# Each public name and the module that defines it. They are imported on first use, so
# that the command line starts without loading what a subcommand does not need.
_EXPORTS = {
    "Alignment": ".align", "align": ".align",
    "CheckResult": ".certificates.check", "check_certificate": ".certificates.check",
    "identify_certificate": ".certificates.schema",
    "regions_certificate": ".certificates.schema",
    "Comparison": ".compare", "compare": ".compare",
    "CrosscheckResult": ".crosscheck", "crosscheck": ".crosscheck",
    "demo_network": ".demo", "demo_samples": ".demo",
    "DesignResult": ".design", "design_sample": ".design",
    "Domain": ".domain", "read_domain": ".domain",
    "CertificationError": ".errors", "ExactidError": ".errors", "InputError": ".errors",
    "read_network": ".formats", "read_samples": ".formats", "write_network": ".formats",
    "write_samples": ".formats",
    "ImportedModel": ".formats.models", "import_model": ".formats.models",
    "read_model": ".formats.models",
    "jacobian": ".jacobian", "rescaling_tangents": ".jacobian",
    "activation_operator": ".lifting", "gram_matrix": ".lifting", "path_lifting": ".lifting",
    "Network": ".network",
    "format_rational": ".numbers", "parse_rational": ".numbers", "rationalize": ".numbers",
    "plot_regions": ".plot",
    "RegionSet": ".regions", "enumerate_regions": ".regions",
    "Equivalence": ".symmetry", "canonical_form": ".symmetry", "equivalence": ".symmetry",
    "permute_layer": ".symmetry", "rescale_neuron": ".symmetry",
    "LocalResult": ".verdicts", "local_verdict": ".verdicts",
    "IdentifyResult": ".verdicts.identify", "identify": ".verdicts.identify",
}


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'exactid' has no attribute {name!r}")
    value = getattr(import_module(_EXPORTS[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


class _Package(ModuleType):
    """The package module. Importing the submodule ``exactid.compare`` would otherwise
    rebind ``exactid.compare`` to that module, hiding the function ``compare`` it
    exports (likewise ``align``, ``crosscheck``): an exported name is never replaced by a
    submodule, which stays reachable as ``sys.modules["exactid.compare"]`` and through
    ``from exactid.compare import ...``."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _EXPORTS and isinstance(value, ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


__version__ = "0.1.0"

__all__ = sorted(_EXPORTS)
