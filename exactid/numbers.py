"""Exact rational numbers: the only place that parses, formats and converts numbers.

Accepted inputs (``parse_rational``): Python ``int`` and ``Fraction``; strings ``"p/q"``,
``"-3"``, ``"0.125"``, ``"1e-3"``, ``"-2.5E+2"``; JSON numbers read by :func:`loads_json`,
whose decimal text is converted exactly (``0.1`` means 1/10, never the binary double).
Python floats and NumPy scalars (integers, float16/32/64, 0-d arrays) passed to the API are
converted exactly: a float is its binary value, ``np.float32(0.1)`` is 13421773/134217728;
:func:`rationalize` is the explicit, lossy alternative that reports its error.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from fractions import Fraction
from itertools import accumulate
from typing import Any

__all__ = [
    "Rationalized",
    "format_rational",
    "loads_json",
    "parse_rational",
    "parse_rationals",
    "rationalize",
    "to_fraction",
]

_RATIONAL_TEXT = re.compile(
    r"""\s*[+-]?(
        \d+\s*/\s*\d+                              # p/q
      | (\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?        # integer, decimal, scientific
    )\s*""",
    re.VERBOSE | re.ASCII,  # no non-ASCII digits
)


MAX_EXPONENT_DIGITS = 5
"""Decimal exponents are limited to 5 digits so that '1e999999999' cannot exhaust memory."""


class JsonDecimal(str):
    """The text of a JSON decimal number, kept as text so that it is parsed exactly."""


def parse_rational(value: Any, where: str = "value") -> Fraction:
    """Return ``value`` as an exact ``Fraction``.

    Parameters
    ----------
    value : int, Fraction, str, float or a NumPy number
        A number in one of the accepted spellings (see the module docstring). Floats are
        converted exactly; NaN and infinities are rejected.
    where : str
        Names the value in error messages (for example ``"net.json: layer 0 weight[1][2]"``).

    Raises
    ------
    ValueError
        With a one-line message naming ``where`` and the problem.
    """
    if isinstance(value, bool):
        raise ValueError(f"{where}: expected a number, got a boolean")
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, Fraction):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{where}: {value!r} is not a finite number")
        return Fraction(value)
    if isinstance(value, str):
        try:
            return _parse_text(str(value))
        except ValueError as exc:
            raise ValueError(f"{where}: {value!r} {exc}") from None
    numpy_value = _numpy_rational(value, where)
    if numpy_value is not None:
        return numpy_value
    try:
        import flint

        if isinstance(value, flint.fmpq):
            return Fraction(int(value.p), int(value.q))
        if isinstance(value, flint.fmpz):
            return Fraction(int(value))
    except ImportError:  # pragma: no cover - flint is a hard dependency
        pass
    raise ValueError(f"{where}: expected a number, got {type(value).__name__}")


def _numpy_rational(value: Any, where: str) -> Fraction | None:
    """The exact value of a NumPy integer or float scalar (or 0-d array); None when
    ``value`` is not one. Every NumPy float has ``as_integer_ratio``, which is exact."""
    import numpy as np

    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, np.integer):
        return Fraction(int(value))
    if isinstance(value, np.floating):
        if not np.isfinite(value):
            raise ValueError(f"{where}: {value!r} is not a finite number")
        return Fraction(*value.as_integer_ratio())
    if isinstance(value, np.bool_):
        raise ValueError(f"{where}: expected a number, got a boolean")
    return None


def _parse_plain(text: str) -> Fraction | None:
    """The value of the commonest spellings, ``[-]p/q``, ``[-]d.ddd`` and ``[-]d``, with
    ASCII digits only and nothing else (no spaces, signs elsewhere or exponents), parsed without
    regular expressions; None for every other text, which the full grammar then decides
    (zero denominators and very long numbers included)."""
    body = text[1:] if text[:1] == "-" else text
    if len(body) > 1000 or not body.isascii():
        return None
    num, sep, den = body.partition("/")
    if not sep:
        num, sep, den = body.partition(".")
    if not sep:
        num, den = body, "0"
    if not (num.isdigit() and den.isdigit()):
        return None
    sign = -1 if body is not text else 1
    if sep == "/":
        if not den.strip("0"):
            return None  # a zero denominator: reported by the full grammar's path
        return Fraction(sign * int(num), int(den))
    if sep:
        return Fraction(sign * int(num + den), 10 ** len(den))
    return Fraction(sign * int(num))


_TEXT_CACHE: dict[str, Fraction] = {}
_TEXT_CACHE_SIZE = 1 << 16


def _parse_text(text: str) -> Fraction:
    """The rational spelled by ``text``, cached in ``_TEXT_CACHE`` (emptied when full):
    sample files repeat their values, such as the 256 pixel values k/255, and a Fraction
    is immutable, so sharing it is safe."""
    value = _TEXT_CACHE.get(text)
    if value is None:
        if len(_TEXT_CACHE) >= _TEXT_CACHE_SIZE:
            _TEXT_CACHE.clear()
        value = _TEXT_CACHE[text] = _parse_new_text(text)
    return value


def _parse_new_text(text: str) -> Fraction:
    plain = _parse_plain(text)
    if plain is not None:
        return plain
    if not _RATIONAL_TEXT.fullmatch(text):
        raise ValueError("is not a rational number (use an integer, 'p/q', a decimal or "
                         "1e-3 notation)")
    text = "".join(text.split())
    exponent = re.search(r"[eE][+-]?(\d+)", text)
    if exponent and len(exponent.group(1).lstrip("0")) > MAX_EXPONENT_DIGITS:
        raise ValueError(f"has an exponent with more than {MAX_EXPONENT_DIGITS} digits")
    try:
        return Fraction(text)
    except ZeroDivisionError:
        raise ValueError("has a zero denominator") from None


_TABLE_TYPES = {str, JsonDecimal, int}


def parse_rationals(values: Any, where: str) -> list[Fraction]:
    """Return a list of numbers as Fractions; on failure, the error names ``where[i]``.

    The fast path for long rows (samples of 784 pixels): no per-number message is built.
    """
    if not isinstance(values, (list, tuple)):
        raise ValueError(f"{where}: expected a list, got {type(values).__name__}")
    cached = _TEXT_CACHE.get
    try:
        if len(values) > 64 and set(map(type, values)) <= _TABLE_TYPES:
            # a long list (all the samples of a file): each distinct value parsed once
            table = {v: Fraction(v) if type(v) is int else _parse_text(v) for v in set(values)}
            return list(map(table.__getitem__, values))
        return [v if type(v) is Fraction else
                q if type(v) is str and (q := cached(v)) is not None else
                Fraction(v) if type(v) is int else
                _parse_text(str(v)) if isinstance(v, str) else parse_rational(v)
                for v in values]
    except ValueError:
        return [parse_rational(v, f"{where}[{i}]") for i, v in enumerate(values)]


def to_fraction(value: Any) -> Fraction:
    """Return ``value`` as a ``Fraction`` (API entry point; floats are taken exactly)."""
    return parse_rational(value, where="value")


def format_rational(q: Fraction | int) -> str:
    """Return the canonical text of a rational: ``"p/q"`` in lowest terms, or ``"p"``."""
    q = Fraction(q)
    return str(q.numerator) if q.denominator == 1 else f"{q.numerator}/{q.denominator}"


@dataclass(frozen=True)
class Rationalized:
    """A float approximated by a rational, with the exact error introduced."""

    value: Fraction
    error: Fraction


def rationalize(x: float | Fraction, max_denominator: int) -> Rationalized:
    """Return the closest rational with denominator at most ``max_denominator``.

    Unlike the exact conversion, this changes the number; ``error`` is the exact value
    ``|value - x|`` measured against the exact binary value of ``x``.
    """
    if max_denominator < 1:
        raise ValueError("rationalize: max_denominator must be >= 1")
    exact = parse_rational(x, where="rationalize")
    value = exact.limit_denominator(max_denominator)
    return Rationalized(value, abs(value - exact))


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a finite number")


MAX_JSON_DEPTH = 100
"""Deepest nesting of arrays and objects that :func:`loads_json` accepts. exactid's own
documents nest at most 10 levels whatever the size of the network (an identify
certificate: evidence, difference, evidence, regions, a region, facets, a facet, neurons,
a neuron), so the limit leaves a tenfold margin while staying far below Python's
recursion limit (1000), which the parser would otherwise hit with a traceback."""

MAX_JSON_SIZE = 2**30
"""Longest JSON text accepted: 1 GiB (characters of a text given to :func:`loads_json`,
bytes of a file read by ``exactid.formats.read_json``). The certificates of large networks
reach hundreds of megabytes; parsing takes about four times the size of the text in
memory, so a larger input would need more memory than most machines have. An input above
the limit is rejected before it is read."""

# A JSON string, escapes included, so that brackets inside strings do not count. The
# closing quote is optional: an unterminated string runs to the end of the text, so every
# match succeeds at its first quote and the scan stays linear (a required closing quote
# would retry from every later quote: quadratic time on '"' + '\\"' * n).
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\[\s\S][^"\\]*)*"?')
_NOT_BRACKET = re.compile(r'[^\[\]{}]+')
_BRACKET_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def _json_depth(text: str) -> int:
    """The deepest nesting of ``[`` and ``{`` outside strings (a linear scan).

    On text that is not valid JSON the result is still an upper bound of the depth the
    parser reaches before it stops: the strings of any prefix it accepts are matched here
    as the same tokens.
    """
    # without a backslash no quote is escaped, so the strings are the odd pieces between
    # quotes (an unterminated one included): a split, much faster than the pattern
    outside = "".join(text.split('"')[::2]) if "\\" not in text else _JSON_STRING.sub("", text)
    brackets = _NOT_BRACKET.sub("", outside)
    return max(accumulate(map(_BRACKET_STEP.__getitem__, brackets), initial=0))


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                name = repr(key) if len(key) <= 60 else repr(key[:60]) + "..."
                raise ValueError(f"duplicate key {name} in a JSON object")
            seen.add(key)
    return obj


def loads_json(text: str) -> Any:
    """Parse JSON text, keeping decimal numbers as exact text (never binary floats).

    Integers become ``int``; decimal numbers become a ``str`` subclass holding their
    text, which :func:`parse_rational` converts exactly. ``ValueError`` (one line) is
    raised for ``NaN`` and ``Infinity``, for an object with a duplicate key, for nesting
    deeper than :data:`MAX_JSON_DEPTH` and for a text longer than :data:`MAX_JSON_SIZE`;
    malformed JSON raises ``json.JSONDecodeError`` (a ``ValueError``).
    """
    if len(text) > MAX_JSON_SIZE:
        raise ValueError(f"JSON text too large ({len(text)} characters, the limit is "
                         f"{MAX_JSON_SIZE})")
    depth = _json_depth(text)
    if depth > MAX_JSON_DEPTH:
        raise ValueError(f"JSON nested too deeply ({depth} levels of arrays and objects, "
                         f"the limit is {MAX_JSON_DEPTH})")
    try:
        return json.loads(text, parse_float=JsonDecimal, parse_constant=_reject_constant,
                          object_pairs_hook=_unique_keys)
    except RecursionError:  # not reached below MAX_JSON_DEPTH; kept as a safety net
        raise ValueError("JSON nested too deeply") from None
