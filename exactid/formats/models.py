"""Trained models in: read ONNX, safetensors, PyTorch, NumPy files as exact networks.

:func:`read_model` picks the reader from the file name (or ``format``); each reader takes
every float as its exact binary value. :func:`import_model` adds the optional, explicit
rounding of ``exactid import --rationalize DEN``: every parameter is replaced by the
nearest rational with denominator at most DEN, and the exact largest change is reported,
with, on a domain, the exact largest change of the function (``compare``, as ``exactid
diff``). The formats and their conventions are documented in ``docs/models.md``.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass, field, replace
from fractions import Fraction
from types import ModuleType
from typing import Any

from ..errors import InputError
from ..network import Network
from ..numbers import format_rational
from .arrays import Layout

__all__ = ["MODEL_FORMATS", "ImportedModel", "Rounding", "first_line", "import_model",
           "model_format", "rationalize_network", "read_model", "require_extra"]

MODEL_FORMATS = {".onnx": "onnx", ".safetensors": "safetensors", ".npz": "npz",
                 ".npy": "npy", ".pt": "pt", ".pth": "pt"}
"""File name endings of the model formats, and the format each means."""


@dataclass(frozen=True)
class Rounding:
    """What ``max_denominator`` changed, in exact figures.

    ``max_weight_change`` is the largest |theta~_i - theta_i| over all parameters, first
    attained at ``largest_change_at``; ``changed`` counts the parameters that moved. With
    a domain, ``max_abs_difference`` is max over the domain and the outputs of
    |f(x) - f~(x)|, attained at ``witness`` (None when the functions agree there).
    """

    max_denominator: int
    changed: int
    max_weight_change: Fraction
    largest_change_at: str | None
    max_abs_difference: Fraction | None = None
    witness: tuple[Fraction, ...] | None = None


@dataclass(frozen=True)
class ImportedModel:
    """A network read from a model file, with what the reader left out or changed."""

    network: Network
    source: str
    format: str
    dropped: tuple[str, ...] = ()
    rounding: Rounding | None = field(default=None)

    @property
    def max_denominator_bits(self) -> int:
        """ceil(log2) of the largest denominator of a parameter (24 for float32 weights of
        size about 1, 0 for integers)."""
        return max((v.denominator - 1).bit_length() for v in self.network.flat_parameters())

    def to_json(self) -> dict[str, Any]:
        """The summary that ``exactid import --json`` prints (exact numbers as strings)."""
        r = self.rounding
        change = Fraction(0) if r is None else r.max_weight_change
        difference = None if r is None else r.max_abs_difference
        return {
            "source": self.source,
            "format": self.format,
            "widths": list(self.network.widths),
            "params": self.network.n_params,
            "max_denominator_bits": self.max_denominator_bits,
            "dropped": list(self.dropped),
            "rationalize": None if r is None else r.max_denominator,
            "rounded": 0 if r is None else r.changed,
            "max_weight_change": format_rational(change),
            "max_weight_change_float": float(change),
            "largest_change_at": None if r is None else r.largest_change_at,
            "max_abs_difference": None if difference is None else format_rational(difference),
            "witness": (None if r is None or r.witness is None
                        else [format_rational(v) for v in r.witness]),
        }


def model_format(path: str | os.PathLike) -> str | None:
    """The model format that the file name announces (None for other files)."""
    name = str(path).lower()
    return next((fmt for end, fmt in MODEL_FORMATS.items() if name.endswith(end)), None)


def read_model(path: str | os.PathLike, format: str | None = None,
               layout: Layout | None = None) -> ImportedModel:
    """Return the network stored in a model file, every float taken exactly.

    Parameters
    ----------
    path : path of an ``.onnx``, ``.safetensors``, ``.npz``, ``.npy``, ``.pt`` or ``.pth``
        file.
    format : "onnx", "safetensors", "npz", "npy" or "pt", optional
        Overrides the format that the file name announces.
    layout : "out-in", "in-out" or None
        How weight matrices are stored; None means the format's own convention: (out, in)
        for safetensors and PyTorch, (in, out) for the ``.npy`` object array, the one the
        shapes allow for ``.npz``. ONNX says it in the graph and takes no layout.

    Raises
    ------
    InputError
        One line naming the file and the problem: unknown format, missing optional
        package, malformed file, unsupported layer, shapes that do not chain, NaN.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "net.npz")
    >>> np.savez(path, W0=np.array([[0.5, -1.0]], dtype=np.float32), b0=np.zeros(1))
    >>> read_model(path, layout="out-in").network.weights[0]
    ((Fraction(1, 2), Fraction(-1, 1)),)
    """
    fmt = format or model_format(path)
    if fmt is None:
        raise InputError(f"{path}: unknown model format (expected a file ending in "
                         f"{', '.join(MODEL_FORMATS)}, or --format)")
    if fmt == "onnx":
        if layout is not None:
            raise InputError(f"{path}: an ONNX graph states its own layout; drop --layout")
        from .onnx_model import read_onnx

        network, dropped = read_onnx(path)
        return ImportedModel(network, str(path), fmt, dropped)
    if fmt == "safetensors":
        from .safetensors_model import read_safetensors_network as reader
    elif fmt == "npz":
        from .numpy_files import read_npz_network as reader
    elif fmt == "npy":
        from .numpy_files import read_npy_network as reader
    elif fmt == "pt":
        from .torch_model import read_state_dict_network as reader
    else:
        raise InputError(f"{path}: unknown model format {fmt!r} (expected one of "
                         f"{', '.join(sorted(set(MODEL_FORMATS.values())))})")
    network = reader(path, layout) if layout is not None else reader(path)
    return ImportedModel(network, str(path), fmt)


def import_model(path: str | os.PathLike, format: str | None = None,
                 layout: Layout | None = None, max_denominator: int | None = None,
                 domain: Any = None) -> ImportedModel:
    """Return :func:`read_model`'s network, rounded when ``max_denominator`` is given.

    With ``max_denominator`` each parameter becomes the nearest rational with
    denominator at most that bound, and ``rounding`` gives the exact largest change;
    with a ``domain`` (an ``exactid.domain.Domain``) also the exact max |f - f~| on it and
    a point attaining it, by :func:`exactid.compare.compare` (this enumerates the regions
    of both networks on the domain: affordable in low input dimension only).
    """
    model = read_model(path, format, layout)
    if max_denominator is None:
        if domain is not None:
            raise InputError("a domain measures the effect of rounding: give it together "
                             "with a largest denominator (--rationalize DEN)")
        return model
    rounded, rounding = rationalize_network(model.network, max_denominator)
    if domain is not None:
        rounding = _with_difference(rounding, model.network, rounded, domain, str(path))
    return replace(model, network=rounded, rounding=rounding)


def rationalize_network(net: Network, max_denominator: int) -> tuple[Network, Rounding]:
    """Return the network with every parameter rounded to the nearest rational of
    denominator at most ``max_denominator``, and the exact figures of the change.

    Examples
    --------
    >>> net = Network.from_lists([[[0.1]], [[1]]], [[0], [0]])
    >>> rounded, r = rationalize_network(net, 10)
    >>> rounded.weights[0], r.max_weight_change == abs(Fraction(1, 10) - Fraction(0.1))
    (((Fraction(1, 10),),), True)
    """
    if isinstance(max_denominator, bool) or not isinstance(max_denominator, int) \
            or max_denominator < 1:
        raise InputError(f"rationalize: the largest denominator must be an integer >= 1, "
                         f"got {max_denominator!r}")
    flat = net.flat_parameters()
    rounded = [v.limit_denominator(max_denominator) for v in flat]
    changes = [abs(r - v) for r, v in zip(rounded, flat)]
    largest = max(changes)
    at = None
    if largest:
        at = _parameter_name(net, changes.index(largest))
    rounding = Rounding(max_denominator, sum(1 for c in changes if c), largest, at)
    return net.with_flat_parameters(rounded), rounding


def _parameter_name(net: Network, index: int) -> str:
    """The name of the parameter at ``index`` in the flat order of
    ``Network.flat_parameters`` (all weights row-major, then all biases)."""
    w = net.widths
    for l in range(net.depth):
        if index < w[l + 1] * w[l]:
            return f"layer {l} weight[{index // w[l]}][{index % w[l]}]"
        index -= w[l + 1] * w[l]
    for l in range(net.depth):
        if index < w[l + 1]:
            return f"layer {l} bias[{index}]"
        index -= w[l + 1]
    raise IndexError(index)  # pragma: no cover - index < n_params


def _with_difference(rounding: Rounding, exact: Network, rounded: Network, domain: Any,
                     where: str) -> Rounding:
    from ..compare import compare

    if domain.dim != exact.n_inputs:
        raise InputError(f"{where}: the domain has dimension {domain.dim}, the network "
                         f"expects {exact.n_inputs} inputs")
    if exact.depth < 2:
        raise InputError(f"{where}: the network has no hidden layer; the difference on a "
                         "domain needs one")
    result = compare(exact, rounded, domain)
    if result.equal:
        return replace(rounding, max_abs_difference=Fraction(0))
    return replace(rounding, max_abs_difference=max(result.max_abs_difference),
                   witness=result.witness)


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (its type when it has none): what a
    one-line error quotes from a library that failed on a damaged file."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def require_extra(module: str, extra: str, where: str) -> ModuleType:
    """Import an optional package, or raise a one-line ``InputError`` saying which extra
    installs it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise InputError(f"{where}: reading this file needs the package {module!r}: "
                         f"pip install 'exactid[{extra}]'") from None
