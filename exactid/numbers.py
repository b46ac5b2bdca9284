"""Exact rational numbers: the only place that parses, formats and converts numbers.

Accepted inputs (``parse_rational``): Python ``int`` and ``Fraction``; strings ``"p/q"``,
``"-3"``, ``"0.125"``, ``"1e-3"``, ``"-2.5E+2"``; JSON numbers read by :func:`loads_json`,
whose decimal text is converted exactly (``0.1`` means 1/10, never the binary double).
Python floats passed to the API are converted exactly with ``Fraction(float)``;
:func:`rationalize` is the explicit, lossy alternative that reports its error.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

__all__ = [
    "Rationalized",
    "format_rational",
    "loads_json",
    "parse_rational",
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
    value : int, Fraction, str or float
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
        if not _RATIONAL_TEXT.fullmatch(value):
            raise ValueError(f"{where}: {value!r} is not a rational number "
                             "(use an integer, 'p/q', a decimal or 1e-3 notation)")
        text = "".join(value.split())
        exponent = re.search(r"[eE][+-]?(\d+)", text)
        if exponent and len(exponent.group(1).lstrip("0")) > MAX_EXPONENT_DIGITS:
            raise ValueError(f"{where}: {value!r} has an exponent with more than "
                             f"{MAX_EXPONENT_DIGITS} digits")
        try:
            return Fraction(text)
        except ZeroDivisionError:
            raise ValueError(f"{where}: {value!r} has a zero denominator") from None
    try:
        import flint

        if isinstance(value, flint.fmpq):
            return Fraction(int(value.p), int(value.q))
        if isinstance(value, flint.fmpz):
            return Fraction(int(value))
    except ImportError:  # pragma: no cover - flint is a hard dependency
        pass
    raise ValueError(f"{where}: expected a number, got {type(value).__name__}")


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


def loads_json(text: str) -> Any:
    """Parse JSON text, keeping decimal numbers as exact text (never binary floats).

    Integers become ``int``; decimal numbers become a ``str`` subclass holding their
    text, which :func:`parse_rational` converts exactly. ``NaN`` and ``Infinity`` are
    rejected with ``ValueError``.
    """
    return json.loads(text, parse_float=JsonDecimal, parse_constant=_reject_constant)
