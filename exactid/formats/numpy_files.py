"""NumPy files: ``.npz`` archives of named arrays, ``.npy`` object arrays
``[weights, biases]``, and sample arrays.

A ``.npy`` object array is a pickle. It is read by a restricted unpickler that admits
NumPy arrays, dtypes and scalars (lists, tuples and numbers need no admission) and
refuses every other global, so a crafted file cannot run code.
"""

from __future__ import annotations

import os
import pickle
from fractions import Fraction
from typing import Any

import numpy as np

from ..errors import InputError
from ..network import Network
from .arrays import Layout, exact_rows, layers_from_names, network_from_arrays
from .models import first_line

__all__ = ["read_npy_network", "read_npz_network", "read_sample_array"]


def read_npz_network(path: str | os.PathLike, layout: Layout | None = None) -> Network:
    """Return the network stored in a ``.npz`` archive.

    The array names follow one convention (``W0, b0, ...``, ``weight_0, bias_0, ...``,
    PyTorch's ``0.weight, 0.bias, ...`` or positional ``arr_0, arr_1, ...``); ``layout``
    None chooses (out, in) or (in, out) from the shapes, and fails when both fit.
    """
    arrays = _load_npz(path)
    weights, biases, names = layers_from_names(list(arrays.items()), str(path))
    return network_from_arrays(weights, biases, layout, str(path), names)


def read_npy_network(path: str | os.PathLike, layout: Layout | None = "in-out") -> Network:
    """Return the network stored as a ``.npy`` object array ``[weights, biases]``.

    ``weights`` is the list of weight matrices, (in, out) by default as the published
    extraction-attack code writes them, ``biases`` the list of bias vectors.
    """
    obj = _load_npy(path)
    where = str(path)
    if not (isinstance(obj, np.ndarray) and obj.dtype == object):
        raise InputError(f"{where}: expected an object array [weights, biases], got an "
                         f"array of dtype {getattr(obj, 'dtype', type(obj).__name__)}")
    if len(obj) != 2:
        raise InputError(f"{where}: expected an object array [weights, biases], got "
                         f"{len(obj)} entries")
    weights, biases = (_array_list(part, f"{where}: {what}")
                       for part, what in zip(obj, ("weights", "biases")))
    if len(weights) != len(biases):
        raise InputError(f"{where}: {len(weights)} weight matrices but {len(biases)} biases")
    return network_from_arrays(weights, biases, layout, where,
                               [f"weights[{l}]" for l in range(len(weights))])


def read_sample_array(path: str | os.PathLike, dim: int) -> list[list[Fraction]]:
    """Return the samples in a ``.npy`` numeric array or a ``.npz`` archive, exactly.

    An archive holds one array, or several of which one is named ``X``, ``x`` or
    ``samples``. The array is (n, dim), or (n, ...) with trailing dimensions flattened
    (8x8 images for 64 inputs); a vector is one sample, or n samples when ``dim`` is 1.
    """
    where = str(path)
    if where.lower().endswith(".npz"):
        arrays = _load_npz(path)
        chosen = (next(iter(arrays)) if len(arrays) == 1 else
                  next((k for k in ("X", "x", "samples") if k in arrays), None))
        if chosen is None:
            raise InputError(f"{where}: {len(arrays)} arrays and none named X, x or "
                             "samples: which holds the samples?")
        arr, where = arrays[chosen], f"{where}: {chosen}"
    else:
        arr = _load_npy(path)
    if not isinstance(arr, np.ndarray) or arr.dtype == object:
        raise InputError(f"{where}: expected a numeric array of samples")
    if arr.ndim == 0:
        raise InputError(f"{where}: expected an array of samples, got a single number")
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1) if dim == 1 else arr.reshape(1, -1)
    return exact_rows(arr.reshape(arr.shape[0], -1), where) if arr.size else []


# ------------------------------------------------------------------ loading
class _Refused(pickle.UnpicklingError):
    """A pickle that names a global outside NumPy's arrays, dtypes and scalars."""


class _NumpyOnlyUnpickler(pickle.Unpickler):
    """Unpickles NumPy arrays, dtypes and scalars, and nothing else that has a global."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ADMITTED:
            return _ADMITTED[module, name]
        raise _Refused(f"refused to load {module}.{name}: only NumPy arrays, dtypes and "
                       "lists are admitted")


def _numpy_multiarray() -> Any:
    try:
        from numpy._core import multiarray  # NumPy 2
    except ImportError:  # pragma: no cover - NumPy 1.x
        from numpy.core import multiarray
    return multiarray


_ADMITTED = {
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    **{(module, name): getattr(_numpy_multiarray(), name)
       for module in ("numpy.core.multiarray", "numpy._core.multiarray")
       for name in ("_reconstruct", "scalar")},
}


def _load_npy(path: str | os.PathLike) -> Any:
    """The content of a ``.npy`` file: a numeric array, or an object array read by the
    restricted unpickler."""
    try:
        with open(path, "rb") as fh:
            version = np.lib.format.read_magic(fh)
            read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                           else np.lib.format.read_array_header_2_0)
            _, _, dtype = read_header(fh)
            if dtype.hasobject:
                return _NumpyOnlyUnpickler(fh).load()
        return np.load(path, allow_pickle=False)
    except OSError as exc:
        raise InputError(f"{path}: cannot read file ({exc.strerror or exc})") from None
    except _Refused as exc:
        raise InputError(f"{path}: {exc}") from None
    except Exception as exc:  # a malformed header, array or pickle fails in many ways
        raise InputError(f"{path}: not a valid .npy file ({first_line(exc)})") from None


def _load_npz(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """The arrays of a ``.npz`` archive, in archive order (object arrays refused)."""
    try:
        archive = np.load(path, allow_pickle=False)
        if not isinstance(archive, np.lib.npyio.NpzFile):
            raise InputError(f"{path}: not a .npz archive (a single array: use .npy)")
        with archive:
            return {name: archive[name] for name in archive.files}
    except InputError:
        raise
    except OSError as exc:
        raise InputError(f"{path}: cannot read file ({exc.strerror or exc})") from None
    except Exception as exc:  # a damaged archive fails in many ways (zip, zlib, header)
        raise InputError(f"{path}: not a valid .npz archive ({first_line(exc)})") from None


def _array_list(part: Any, where: str) -> list[np.ndarray]:
    if isinstance(part, np.ndarray) and part.dtype == object:
        part = list(part)
    if not isinstance(part, (list, tuple)) or not part:
        raise InputError(f"{where}: expected a non-empty list of arrays")
    arrays = []
    for i, a in enumerate(part):
        if not isinstance(a, (np.ndarray, list, tuple)):
            raise InputError(f"{where}[{i}]: expected an array, got {type(a).__name__}")
        arrays.append(np.asarray(a))
    return arrays

