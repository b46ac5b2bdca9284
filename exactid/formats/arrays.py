"""NumPy arrays to exact networks: number conversion, array names, layouts.

Every reader of a model file (npz, npy, safetensors, PyTorch, scikit-learn) ends here:
its arrays become ``Fraction`` matrices exactly (a float is its binary value: float32
0.1 is 13421773/134217728, never 1/10), the names say which array is a weight and which a
bias, and the layout says whether a weight is stored (out, in) or (in, out). The naming
conventions and layouts are documented in ``docs/models.md``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from fractions import Fraction
from typing import Any, Literal

import numpy as np

from ..errors import InputError
from ..network import Network
from ..numbers import parse_rational

__all__ = ["LAYOUTS", "Layout", "exact_rows", "layers_from_names", "network_from_arrays"]

Layout = Literal["out-in", "in-out"]
LAYOUTS: tuple[Layout, ...] = ("out-in", "in-out")


def exact_rows(array: Any, where: str) -> list[list[Fraction]]:
    """Return a 1-D or 2-D numeric array as rows of exact Fractions (a 1-D array is one
    row); a float is taken as its binary value.

    Raises ``InputError`` naming ``where`` for NaN, an infinity, a boolean or a
    non-numeric array.
    """
    arr = np.asarray(array)
    if arr.dtype.name == "bfloat16" or arr.dtype.name.startswith("float8"):
        arr = arr.astype(np.float64)  # ml_dtypes' small floats: each is a float64 exactly
    if arr.ndim not in (1, 2):
        raise InputError(f"{where}: expected a vector or a matrix, got shape {arr.shape}")
    rows = arr.reshape(1, -1) if arr.ndim == 1 else arr
    kind = arr.dtype.kind
    if kind in "iu":
        return [[Fraction(v) for v in row] for row in rows.tolist()]
    if kind == "f":
        finite = np.isfinite(rows)
        if not finite.all():
            i, j = np.argwhere(~finite)[0].tolist()
            at = f"[{j}]" if arr.ndim == 1 else f"[{i}][{j}]"
            raise InputError(f"{where}{at} is {float(rows[i, j])}, not a finite number")
        if arr.dtype.itemsize <= 8:  # float16 and float32 widen to float64 exactly
            return [[Fraction(v) for v in row] for row in rows.astype(np.float64).tolist()]
        return [[Fraction(*v.as_integer_ratio()) for v in row] for row in rows]
    if kind == "O":
        try:
            return [[parse_rational(v, f"{where}[{i}][{j}]") for j, v in enumerate(row)]
                    for i, row in enumerate(rows)]
        except ValueError as exc:
            raise InputError(str(exc)) from None
    raise InputError(f"{where}: expected numbers, got an array of dtype {arr.dtype}")


def network_from_arrays(weights: Sequence[Any], biases: Sequence[Any | None],
                        layout: Layout | None, where: str,
                        names: Sequence[str] | None = None) -> Network:
    """Return the network whose layer l has weight ``weights[l]`` and bias ``biases[l]``.

    Parameters
    ----------
    weights : sequence of 2-D arrays
        Stored (out, in) when ``layout`` is ``"out-in"`` (PyTorch, exactid), (in, out)
        when it is ``"in-out"`` (``x @ W`` code, Keras, scikit-learn).
    biases : sequence of arrays or None
        Shapes (n,), (1, n) or (n, 1); None means a layer without bias (zeros).
    layout : "out-in", "in-out" or None
        None chooses the layout that the shapes allow; an error if both or neither do.
    where : str
        The file or object, for error messages.
    names : sequence of str, optional
        The weight names, for error messages (default ``layer l weight``).

    Raises
    ------
    InputError
        A weight that is not a matrix, a bias of the wrong shape, shapes that do not
        chain in the layout, NaN or an infinity.
    """
    if len(weights) != len(biases) or not weights:
        raise InputError(f"{where}: no layers, or a different number of weights and biases")
    names = list(names) if names is not None else [f"layer {l} weight"
                                                   for l in range(len(weights))]
    try:
        mats = [np.asarray(w) for w in weights]
    except ValueError as exc:  # ragged nested lists
        raise InputError(f"{where}: a weight is not a matrix ({exc})") from None
    for name, w in zip(names, mats):
        if w.ndim != 2:
            raise InputError(f"{where}: weight {name!r} has shape {w.shape}, expected a "
                             "matrix")
    try:
        raw = [None if b is None else np.asarray(b) for b in biases]
    except ValueError as exc:  # ragged nested lists
        raise InputError(f"{where}: a bias is not a vector ({exc})") from None
    vecs = [None if b is None else _bias_vector(b, name, where) for name, b in zip(names, raw)]
    if layout is None:
        layout = _infer_layout(mats, vecs, names, where)
    elif layout not in LAYOUTS:
        raise InputError(f"{where}: unknown layout {layout!r}, expected one of "
                         f"{', '.join(LAYOUTS)}")
    problem = _chain_problem(mats, vecs, names, layout)
    if problem:
        other = LAYOUTS[1 - LAYOUTS.index(layout)]
        hint = (f"; the layout {other} fits: pass it" if not _chain_problem(mats, vecs, names,
                                                                               other) else "")
        raise InputError(f"{where}: {problem} (layout {layout}){hint}")
    ws, bs = [], []
    for name, w, b in zip(names, mats, vecs):
        rows = exact_rows(w, f"{where}: {name}")  # converted as stored: errors index the file
        ws.append(tuple(map(tuple, rows if layout == "out-in" else zip(*rows))))
        bs.append(tuple(Fraction(0) for _ in ws[-1]) if b is None
                  else tuple(exact_rows(b, f"{where}: bias of {name}")[0]))
    try:
        return Network(tuple(ws), tuple(bs))
    except InputError as exc:  # an empty layer
        raise InputError(str(exc).replace("network:", f"{where}:", 1)) from None


def _bias_vector(b: np.ndarray, name: str, where: str) -> np.ndarray:
    if b.ndim == 1:
        return b
    if b.ndim == 2 and 1 in b.shape:
        return b.reshape(-1)
    raise InputError(f"{where}: bias of {name!r} has shape {b.shape}, expected (n,), (1, n) "
                     "or (n, 1)")


def _chain_problem(mats: list[np.ndarray], vecs: list[np.ndarray | None], names: list[str],
                   layout: Layout) -> str | None:
    """Why the weights do not form a chain in ``layout`` (None when they do)."""
    previous = None
    for l, (name, w, b) in enumerate(zip(names, mats, vecs)):
        n_out, n_in = w.shape if layout == "out-in" else w.shape[::-1]
        if previous is not None and n_in != previous:
            return (f"weight {name!r} has shape {w.shape}: {n_in} inputs, but layer {l - 1} "
                    f"has {previous} outputs")
        if b is not None and len(b) != n_out:
            return (f"weight {name!r} has shape {w.shape}: {n_out} outputs, but its bias has "
                    f"{len(b)} entries")
        previous = n_out
    return None


def _infer_layout(mats: list[np.ndarray], vecs: list[np.ndarray | None], names: list[str],
                  where: str) -> Layout:
    fits = [lay for lay in LAYOUTS if not _chain_problem(mats, vecs, names, lay)]
    if len(fits) == 1:
        return fits[0]
    if fits:
        raise InputError(f"{where}: the shapes fit both layouts (out, in) and (in, out): "
                         "choose one (exactid import --layout out-in or in-out; API: layout=)")
    raise InputError(f"{where}: {_chain_problem(mats, vecs, names, 'out-in')} (layout "
                     f"out-in), and the shapes do not chain in the layout in-out either")


# Array names. One convention per file:
#   indexed:    W0, b0, W1, b1 ... (also w0, weight_0, bias_0, weights0, biases0, kernel_0)
#   suffixed:   <layer>.weight and <layer>.bias (PyTorch state_dict: 0.weight, fc1.bias ...)
#   positional: arr_0, arr_1, ... alternating weight and bias (np.savez(path, W0, b0, ...))
_INDEXED = re.compile(r"(?P<kind>W|w|weights?|kernel|b|bias|biases)_?(?P<index>\d+)")
_SUFFIXED = re.compile(r"(?P<layer>.+)[./_](?P<kind>weight|bias)")
_POSITIONAL = re.compile(r"arr_(?P<index>\d+)")
NAMING_HELP = ("expected W0, b0, W1, b1, ... or weight_0, bias_0, ... or PyTorch names "
               "<layer>.weight and <layer>.bias (docs/models.md)")


def layers_from_names(arrays: Sequence[tuple[str, Any]], where: str,
                      natural_order: bool = False
                      ) -> tuple[list[Any], list[Any | None], list[str]]:
    """Return (weights, biases, weight names) from named arrays, layer by layer.

    Indexed names (``W0, b0``) are ordered by index, positional ones (``arr_0``) by
    position, suffixed ones (``fc1.weight``) in the order given, or in the natural order
    of the layer names (``layers.2`` before ``layers.10``) when ``natural_order`` is set:
    safetensors files do not keep the order in which the tensors were saved. A layer
    without bias gets None.

    Raises ``InputError`` for a name that fits no convention, two conventions in one
    file, a bias without weight, or a repeated name.
    """
    if not arrays:
        raise InputError(f"{where}: no arrays in the file")
    first = arrays[0][0]
    if _POSITIONAL.fullmatch(first):
        return _positional(arrays, where)
    pattern = _INDEXED if _INDEXED.fullmatch(first) else _SUFFIXED
    layers: dict[Any, dict[str, tuple[str, Any]]] = {}
    for name, arr in arrays:
        m = pattern.fullmatch(name)
        if not m:
            raise InputError(f"{where}: array {name!r} is not a weight or bias of a linear "
                             f"layer named like {first!r} ({NAMING_HELP})")
        kind = "bias" if m["kind"].startswith("b") else "weight"
        key = int(m["index"]) if pattern is _INDEXED else m["layer"]
        if kind in layers.setdefault(key, {}):
            raise InputError(f"{where}: two {kind}s for layer {key!r} ({name!r} and "
                             f"{layers[key][kind][0]!r})")
        layers[key][kind] = (name, arr)
    keys = list(layers)
    if pattern is _INDEXED:
        keys.sort()
    elif natural_order:
        keys.sort(key=lambda k: [(0, int(t), "") if t.isdigit() else (1, 0, t)
                                 for t in re.split(r"(\d+)", k) if t])
    weights, biases, names = [], [], []
    for key in keys:
        layer = layers[key]
        if "weight" not in layer:
            raise InputError(f"{where}: bias {layer['bias'][0]!r} has no weight")
        names.append(layer["weight"][0])
        weights.append(layer["weight"][1])
        biases.append(layer["bias"][1] if "bias" in layer else None)
    return weights, biases, names


def _positional(arrays: Sequence[tuple[str, Any]], where: str
                ) -> tuple[list[Any], list[Any | None], list[str]]:
    indexed = {}
    for name, arr in arrays:
        m = _POSITIONAL.fullmatch(name)
        if not m:
            raise InputError(f"{where}: array {name!r} mixed with positional arrays arr_0, "
                             f"arr_1, ... ({NAMING_HELP})")
        indexed[int(m["index"])] = arr
    if sorted(indexed) != list(range(len(indexed))) or len(indexed) % 2:
        raise InputError(f"{where}: positional arrays must be arr_0 ... arr_{{2L-1}}, "
                         "alternating weight and bias")
    return ([indexed[i] for i in range(0, len(indexed), 2)],
            [indexed[i] for i in range(1, len(indexed), 2)],
            [f"arr_{i}" for i in range(0, len(indexed), 2)])
