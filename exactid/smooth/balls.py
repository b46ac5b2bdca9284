"""Rigorous facts from FLINT arb balls: signs and lower bounds of ranks
(docs/theory/smooth.md §7).

A ball proves a strict sign when it excludes 0, and "rank >= k" when some k x k minor has
a determinant ball excluding 0. Nothing here proves a rank deficiency or a membership:
a ball that contains 0 proves nothing, and the answer is then ``None`` (undecided).
The minor is chosen by float elimination on the midpoints (a hint: a bad choice only
weakens the bound, never makes it wrong).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Sequence
from fractions import Fraction
from typing import Any

import flint
import numpy as np

__all__ = ["ball", "ball_text", "nonzero", "precision", "proves_rank_at_least"]


@contextlib.contextmanager
def precision(bits: int) -> Iterator[None]:
    """Run a block with FLINT's working precision set to ``bits``."""
    old = flint.ctx.prec
    flint.ctx.prec = bits
    try:
        yield
    finally:
        flint.ctx.prec = old


def ball(q: Fraction | int) -> flint.arb:
    """The exact ball of a rational (radius 0 when the binary value is exact)."""
    q = Fraction(q)
    return flint.arb(flint.fmpq(q.numerator, q.denominator))


def nonzero(x: Any) -> bool | None:
    """True when the ball ``x`` excludes 0, False when it is exactly 0, else None."""
    if x.is_zero():
        return False
    return None if x.contains(0) else True


_BALL_TEXT = re.compile(r"\[(\S+) \+/- (\S+)\]")


def ball_text(x: Any, digits: int = 20) -> list[str]:
    """``[midpoint, radius]`` as decimal strings whose ball contains ``x`` (FLINT's
    printing rounds outwards)."""
    text = x.str(digits)
    match = _BALL_TEXT.fullmatch(text)
    return [match.group(1), match.group(2)] if match else [text, "0"]


def _pivots(a: np.ndarray, k: int) -> tuple[list[int], list[int]]:
    """Rows and columns of k pivots of complete-pivoting elimination on ``a`` (floats)."""
    a = np.array(a, dtype=float)
    norms = np.linalg.norm(a, axis=0)
    a = a / np.where(norms > 0, norms, 1.0)
    rows, cols = [], []
    for _ in range(k):
        masked = np.abs(a)
        masked[rows, :] = -1.0
        masked[:, cols] = -1.0
        i, j = np.unravel_index(np.argmax(masked), masked.shape)
        if masked[i, j] <= 0:
            break
        rows.append(int(i))
        cols.append(int(j))
        a = a - np.outer(a[:, j], a[i, :]) / a[i, j]
    return rows, cols


def proves_rank_at_least(columns: Sequence[Sequence[Any]], k: int) -> bool:
    """True when the matrix with these ball columns provably has rank >= k (a k x k
    minor whose determinant ball excludes 0); False means "not proved", not "smaller"."""
    if k <= 0:
        return True
    if not columns or k > min(len(columns), len(columns[0])):
        return False
    mid = np.array([[float(x.mid()) for x in c] for c in columns]).T
    rows, cols = _pivots(mid, k)
    if len(rows) < k:
        return False
    minor = flint.arb_mat(k, k, [columns[c][r] for r in rows for c in cols])
    return not minor.det().contains(0)
