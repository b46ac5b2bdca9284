"""PyTorch: ``state_dict`` files (``.pt``, ``.pth``) and ``nn.Sequential`` modules.

A file is opened only by ``torch.load(..., weights_only=True)``, which unpickles tensors
and containers and refuses anything else: a file that needs more (a whole pickled
module) is rejected, never unpickled. Weights are (out, in), as ``nn.Linear`` stores them.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Iterator
from typing import Any

import numpy as np

from ..errors import InputError
from ..network import Network
from .arrays import Layout, layers_from_names, network_from_arrays
from .models import first_line, require_extra

__all__ = ["network_from_torch", "read_state_dict_network"]


def read_state_dict_network(path: str | os.PathLike,
                            layout: Layout | None = "out-in") -> Network:
    """Return the network of a saved ``state_dict``, layers in the file's order.

    Also accepted: a checkpoint dictionary holding the ``state_dict`` under the key
    ``state_dict`` or ``model_state_dict``.
    """
    torch = require_extra("torch", "torch", str(path))
    try:
        obj = torch.load(os.fspath(path), map_location="cpu", weights_only=True)
    except OSError as exc:
        raise InputError(f"{path}: cannot read file ({exc.strerror or exc})") from None
    except pickle.UnpicklingError:
        raise InputError(f"{path}: torch.load(weights_only=True) refuses this file: it holds "
                         "more than tensors; save model.state_dict() instead") from None
    except Exception as exc:  # a damaged archive: RuntimeError, EOFError, zip errors
        raise InputError(f"{path}: not a valid PyTorch file ({first_line(exc)})") from None
    if isinstance(obj, dict):
        for key in ("state_dict", "model_state_dict"):
            if isinstance(obj.get(key), dict):
                obj = obj[key]
                break
    if not isinstance(obj, dict):
        raise InputError(f"{path}: expected a state_dict (names to tensors), got "
                         f"{type(obj).__name__}")
    arrays = []
    for name, value in obj.items():
        if not isinstance(value, torch.Tensor):
            raise InputError(f"{path}: entry {name!r} is a {type(value).__name__}, not a "
                             "tensor")
        arrays.append((str(name), _to_numpy(torch, value)))
    weights, biases, names = layers_from_names(arrays, str(path))
    return network_from_arrays(weights, biases, layout, str(path), names)


def network_from_torch(module: Any) -> tuple[Network, tuple[str, ...]]:
    """Return the network of an ``nn.Sequential`` of ``Linear`` and ``ReLU`` layers
    (``Flatten`` before the first ``Linear``, ``Dropout`` and ``Identity`` anywhere), and
    what was dropped: a final ``Softmax`` or ``LogSoftmax`` (the network is the logits).
    """
    torch = require_extra("torch", "torch", "from_torch")
    nn = torch.nn
    weights, biases, names, dropped = [], [], [], []
    expect_linear = True  # a Linear must come first, and next after each ReLU
    layers = list(_leaves(module, nn))
    for k, (name, layer) in enumerate(layers):
        kind = type(layer).__name__
        if isinstance(layer, nn.Linear):
            if not expect_linear:
                raise InputError(f"from_torch: two Linear layers without a ReLU between "
                                 f"them (at {name!r})")
            weights.append(_to_numpy(torch, layer.weight))
            biases.append(None if layer.bias is None else _to_numpy(torch, layer.bias))
            names.append(f"{name}.weight")
            expect_linear = False
        elif isinstance(layer, nn.ReLU):
            if expect_linear:
                raise InputError(f"from_torch: ReLU {name!r} does not follow a Linear layer")
            expect_linear = True
        elif isinstance(layer, (nn.Dropout, nn.Identity)) or \
                (isinstance(layer, nn.Flatten) and not weights):
            continue
        elif isinstance(layer, (nn.Softmax, nn.LogSoftmax)) and k == len(layers) - 1 \
                and weights:
            dropped.append(f"final {kind} {name!r} (exactid certifies the logits)")
        else:
            raise InputError(f"from_torch: unsupported layer {kind} {name!r} (exactid reads "
                             "Linear and ReLU layers, with Flatten, Dropout and Identity)")
    if not weights:
        raise InputError("from_torch: no Linear layer")
    if expect_linear:
        raise InputError("from_torch: the model ends with a ReLU; exactid's output layer is "
                         "affine (drop the last ReLU)")
    return network_from_arrays(weights, biases, "out-in", "from_torch", names), tuple(dropped)


def _leaves(module: Any, nn: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """The layers of nested ``nn.Sequential`` containers, with their dotted names."""
    if isinstance(module, nn.Sequential):
        for name, child in module.named_children():
            yield from _leaves(child, nn, f"{prefix}{name}.")
    elif isinstance(module, nn.Module):
        yield prefix.rstrip(".") or type(module).__name__, module
    else:
        raise InputError(f"from_torch: expected a torch.nn.Module, got {type(module).__name__}")


def _to_numpy(torch: Any, tensor: Any) -> np.ndarray:
    """A tensor as a NumPy array of the same values (floats widened to float64: exact)."""
    t = tensor.detach().cpu()
    if t.is_floating_point():
        t = t.to(torch.float64)
    return t.numpy()
