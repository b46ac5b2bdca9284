"""safetensors files, read with the library's NumPy API (no PyTorch needed).

Tensor names follow PyTorch's ``state_dict`` (``0.weight``, ``0.bias``, ``fc2.weight``
...), or the indexed names of ``docs/models.md``; weights are (out, in) unless told
otherwise. A safetensors file does not keep the order in which tensors were saved, so
layers are taken in the natural order of their names (``layers.2`` before ``layers.10``).
"""

from __future__ import annotations

import os
from contextlib import suppress

from ..errors import InputError
from ..network import Network
from .arrays import Layout, layers_from_names, network_from_arrays
from .models import first_line, require_extra

__all__ = ["read_safetensors_network"]


def read_safetensors_network(path: str | os.PathLike,
                             layout: Layout | None = "out-in") -> Network:
    """Return the network stored in a ``.safetensors`` file, every float taken exactly.

    bfloat16 and float8 tensors are read when the ``ml_dtypes`` package is installed (it
    comes with ``pip install 'exactid[safetensors]'``).
    """
    st = require_extra("safetensors.numpy", "safetensors", str(path))
    with suppress(ImportError):
        import ml_dtypes  # noqa: F401  (registers bfloat16 with NumPy)
    try:
        arrays = st.load_file(os.fspath(path))
    except OSError as exc:
        raise InputError(f"{path}: cannot read file ({exc.strerror or exc})") from None
    except TypeError as exc:  # a dtype NumPy does not know, e.g. bfloat16 without ml_dtypes
        raise InputError(f"{path}: {exc} (pip install 'exactid[safetensors]' brings "
                         "ml_dtypes, which reads bfloat16)") from None
    except Exception as exc:  # SafetensorError and friends: a damaged header or body
        raise InputError(f"{path}: not a valid safetensors file ({first_line(exc)})") from None
    weights, biases, names = layers_from_names(list(arrays.items()), str(path),
                                               natural_order=True)
    return network_from_arrays(weights, biases, layout, str(path), names)
