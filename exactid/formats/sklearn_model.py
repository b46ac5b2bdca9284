"""scikit-learn: fitted ``MLPRegressor`` and ``MLPClassifier`` with ReLU activation.

``coefs_[l]`` is (in, out) and ``intercepts_[l]`` its bias. A classifier's output
activation (softmax, or the logistic function for two classes) is left out: the network is
the logits, the values before that activation, one per class (one for two classes).
"""

from __future__ import annotations

from typing import Any

from ..errors import InputError
from ..network import Network
from .arrays import network_from_arrays

__all__ = ["network_from_sklearn"]


def network_from_sklearn(mlp: Any) -> tuple[Network, tuple[str, ...]]:
    """Return the network of a fitted scikit-learn MLP, and what was dropped (the
    output activation of a classifier)."""
    kind = type(mlp).__name__
    if not hasattr(mlp, "activation") or not hasattr(mlp, "out_activation_"):
        raise InputError(f"from_sklearn: expected a fitted MLPRegressor or MLPClassifier, "
                         f"got {kind}")
    if mlp.activation != "relu":
        raise InputError(f"from_sklearn: the {kind} has activation {mlp.activation!r}; "
                         "exactid reads activation='relu' only")
    coefs, intercepts = list(mlp.coefs_), list(mlp.intercepts_)
    if len(coefs) != len(intercepts):
        raise InputError(f"from_sklearn: {len(coefs)} weight matrices but "
                         f"{len(intercepts)} intercepts")
    net = network_from_arrays(coefs, intercepts, "in-out", "from_sklearn",
                              [f"coefs_[{l}]" for l in range(len(coefs))])
    out = mlp.out_activation_
    dropped = () if out == "identity" else (
        f"output activation {out!r} of the {kind} (exactid certifies the logits)",)
    return net, dropped
