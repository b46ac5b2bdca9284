"""JSON and CSV files: networks (``exactid.network/1``) and samples.

Numbers are written as JSON integers when integral and as ``"p/q"`` strings otherwise, so
that reading and writing round-trip exactly.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..network import Network, as_samples
from ..numbers import MAX_JSON_SIZE, format_rational, loads_json, parse_rational

NETWORK_FORMAT = "exactid.network/1"


def number_to_json(q: Fraction) -> int | str:
    """Integers as JSON integers, other rationals as exact ``"p/q"`` strings."""
    return q.numerator if q.denominator == 1 else format_rational(q)


def _read_text(path: str | os.PathLike) -> str:
    """The UTF-8 text of an input file of at most ``MAX_JSON_SIZE`` bytes (InputError
    otherwise; a larger regular file is rejected before it is read)."""
    too_large = f"{path}: file too large (the limit is {MAX_JSON_SIZE} bytes)"
    try:
        with open(path, "rb") as fh:
            if os.fstat(fh.fileno()).st_size > MAX_JSON_SIZE:
                raise InputError(too_large)
            data = fh.read(MAX_JSON_SIZE + 1)  # bounded even for /dev/zero or a pipe
        if len(data) > MAX_JSON_SIZE:
            raise InputError(too_large)
        return data.decode("utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot read file ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a UTF-8 text file") from None
    except MemoryError:
        raise InputError(f"{path}: not enough memory to read the file") from None


def read_json(path: str | os.PathLike) -> Any:
    """Return the parsed content of a JSON file, decimals kept exact.

    Every failure is an ``InputError`` with one line naming the file: unreadable, not
    UTF-8, larger than ``MAX_JSON_SIZE`` bytes, malformed, nested deeper than
    ``MAX_JSON_DEPTH``, an object with a duplicate key, NaN or Infinity.
    """
    text = _read_text(path)
    try:
        return loads_json(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: malformed JSON ({exc.msg} at line {exc.lineno} "
                         f"column {exc.colno})") from None
    except ValueError as exc:
        raise InputError(f"{path}: {exc}") from None
    except RecursionError:  # prevented by MAX_JSON_DEPTH; kept as a safety net
        raise InputError(f"{path}: JSON nested too deeply") from None
    except MemoryError:
        raise InputError(f"{path}: not enough memory to parse the JSON") from None


def network_to_doc(net: Network) -> dict:
    """Return the ``exactid.network/1`` document of a network."""
    return {
        "format": NETWORK_FORMAT,
        "layers": [
            {"weight": [[number_to_json(v) for v in row] for row in w],
             "bias": [number_to_json(v) for v in b]}
            for w, b in zip(net.weights, net.biases)
        ],
    }


def network_from_doc(doc: Any, where: str = "network") -> Network:
    """Return the network described by an ``exactid.network/1`` document."""
    if not isinstance(doc, dict):
        raise InputError(f"{where}: expected a JSON object with format {NETWORK_FORMAT!r}")
    if doc.get("format") != NETWORK_FORMAT:
        raise InputError(f"{where}: unknown format tag {doc.get('format')!r}, "
                         f"expected {NETWORK_FORMAT!r}")
    layers = doc.get("layers")
    if not isinstance(layers, list) or not layers:
        raise InputError(f"{where}: 'layers' must be a non-empty list")
    weights, biases = [], []
    for l, layer in enumerate(layers):
        if not isinstance(layer, dict) or "weight" not in layer or "bias" not in layer:
            raise InputError(f"{where}: layer {l} must be an object with 'weight' and 'bias'")
        w, b = layer["weight"], layer["bias"]
        if not isinstance(w, list) or not all(isinstance(r, list) for r in w):
            raise InputError(f"{where}: layer {l} weight must be a list of rows")
        if not isinstance(b, list):
            raise InputError(f"{where}: layer {l} bias must be a list")
        weights.append(w)
        biases.append(b)
    return Network.from_lists(weights, biases, where=where)


def read_network(path: str | os.PathLike, format: str | None = None,
                 layout: str | None = None) -> Network:
    """Read an ``exactid.network/1`` JSON file, or a trained model file whose name ends
    in ``.onnx``, ``.safetensors``, ``.npz``, ``.npy``, ``.pt`` or ``.pth`` or whose
    ``format`` is given, with weights stored in ``layout`` (floats taken exactly; see
    ``exactid.formats.models.read_model`` and docs/models.md)."""
    from .models import model_format, read_model

    if format is not None or model_format(path) is not None:
        return read_model(path, format, layout).network
    return network_from_doc(read_json(path), where=str(path))


def samples_to_doc(samples: Sequence[Sequence[Fraction]]) -> list[list[int | str]]:
    """Return samples as a JSON array of arrays of exact numbers."""
    return [[number_to_json(Fraction(v)) for v in row] for row in samples]


def samples_from_doc(doc: Any, dim: int, where: str = "samples") -> list[list[Fraction]]:
    """Return samples from a JSON array of arrays, checking their dimension."""
    if not isinstance(doc, list):
        raise InputError(f"{where}: expected a JSON array of samples (arrays of numbers)")
    return as_samples(doc, dim, where)


def _read_csv(path: str | os.PathLike) -> list[list[Fraction]]:
    text = _read_text(path)
    rows = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            rows.append([parse_rational(cell.strip(), f"{path}: line {lineno}")
                         for cell in line.split(",")])
        except ValueError as exc:
            raise InputError(str(exc)) from None
    return rows


def read_samples(path: str | os.PathLike, dim: int) -> list[list[Fraction]]:
    """Read samples from a JSON array of arrays, a CSV file with one sample per line, or
    a NumPy ``.npy``/``.npz`` array with one sample per row (floats taken exactly)."""
    name = str(path).lower()
    if name.endswith(".csv"):
        rows: Any = _read_csv(path)
    elif name.endswith((".npy", ".npz")):
        from .numpy_files import read_sample_array

        rows = read_sample_array(path, dim)
    else:
        rows = read_json(path)
    samples = samples_from_doc(rows, dim, where=str(path))
    if not samples:
        raise InputError(f"{path}: no samples")
    return samples


def dump_json(obj: Any, compact: bool = False) -> str:
    """Serialise a JSON document (Fractions become exact strings); ``compact``: on one
    line, without spaces (a line of a JSON-lines file)."""
    def default(o: Any) -> Any:
        if isinstance(o, Fraction):
            return number_to_json(o)
        raise TypeError(f"cannot serialise {type(o).__name__}")
    if compact:
        return json.dumps(obj, separators=(",", ":"), default=default)
    return json.dumps(obj, indent=1, default=default)


def check_writable(path: str | os.PathLike) -> Path:
    """``path`` as a Path, after checking that a file can be created there (InputError
    otherwise): commands call it on every output path before writing any of them."""
    target = Path(path)
    if target.is_dir():
        raise InputError(f"{path}: cannot write file (it is a directory)")
    if not target.parent.is_dir():
        raise InputError(f"{path}: cannot write file (no directory {target.parent})")
    return target


def _umask() -> int:
    """The process's umask (reading it means setting it, so it is set back at once)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_text_atomic(path: str | os.PathLike, text: str) -> None:
    """Write a file all at once: a failure leaves no half-written file behind.

    The text goes to a temporary file ``.<name>.XXXXXXXX`` next to the target, which is
    then renamed over it; the file gets the permissions of any new file (0o666 less the
    umask), not the 0o600 of the temporary file.
    """
    target = check_writable(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    except OSError as exc:
        raise InputError(f"{path}: cannot write file ({exc.strerror or exc})") from None
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_network(path: str | os.PathLike, net: Network) -> None:
    """Write a network as an ``exactid.network/1`` JSON file."""
    write_text_atomic(path, dump_json(network_to_doc(net)) + "\n")


def write_samples(path: str | os.PathLike, samples: Sequence[Sequence[Fraction]]) -> None:
    """Write samples as JSON (or CSV when the name ends with ``.csv``)."""
    if str(path).lower().endswith(".csv"):
        text = "".join(",".join(format_rational(v) for v in row) + "\n" for row in samples)
    else:
        text = dump_json(samples_to_doc(samples)) + "\n"
    write_text_atomic(path, text)
