"""Bounded full-dimensional polytope domains: ``exactid.domain/1`` files.

``{"format": "exactid.domain/1", "box": [[lo1, hi1], ...]}`` or
``{"format": "exactid.domain/1", "A": [[...], ...], "b": [...]}`` meaning A x <= b.
Emptiness, lower dimension and unboundedness are decided exactly (docs/theory/deep_global.md §1,
docs/theory/shallow.md §6.1).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .display import Summarised
from .errors import DomainError, InputError
from .numbers import parse_rational
from .polyhedra import strictly_feasible, upper_bound

__all__ = ["DOMAIN_FORMAT", "Domain", "domain_from_doc", "domain_to_doc", "read_domain"]

DOMAIN_FORMAT = "exactid.domain/1"


@dataclass(frozen=True, repr=False)
class Domain(Summarised):
    """The polytope {x : A x <= b}, validated bounded and full-dimensional."""

    a: tuple[tuple[Fraction, ...], ...]
    b: tuple[Fraction, ...]

    @property
    def dim(self) -> int:
        return len(self.a[0])

    def _summary(self) -> list[tuple[str, Any]]:
        return [("dim", self.dim), ("constraints", len(self.b))]

    def _table(self) -> tuple[list[str], list[list[Any]]] | None:
        return ["A (row)", "b"], [[list(row), v] for row, v in zip(self.a, self.b)][:20]

    @classmethod
    def box(cls, bounds: list[tuple[Any, Any]], where: str = "domain") -> Domain:
        """The box prod [lo_i, hi_i] (requires lo_i < hi_i)."""
        rows, rhs = [], []
        d = len(bounds)
        for i, (lo, hi) in enumerate(bounds):
            lo = parse_rational(lo, f"{where}: box[{i}][0]")
            hi = parse_rational(hi, f"{where}: box[{i}][1]")
            if not lo < hi:
                raise DomainError(f"{where}: box[{i}] is empty or flat ({lo} >= {hi})")
            rows.append(tuple(Fraction(int(k == i)) for k in range(d)))
            rhs.append(hi)
            rows.append(tuple(Fraction(-int(k == i)) for k in range(d)))
            rhs.append(-lo)
        return cls(tuple(rows), tuple(rhs))


def _validate(dom: Domain, where: str) -> Domain:
    if not strictly_feasible(dom.a, dom.b).feasible:
        raise DomainError(f"{where}: the domain is empty or not full-dimensional "
                         "(A x < b has no solution)")
    for i in range(dom.dim):
        for sign in (1, -1):
            if upper_bound([sign * int(k == i) for k in range(dom.dim)], dom.a) is None:
                raise DomainError(f"{where}: the domain is unbounded in coordinate {i}")
    return dom


def domain_from_doc(doc: Any, where: str = "domain") -> Domain:
    """Return the validated domain of an ``exactid.domain/1`` document."""
    if not isinstance(doc, dict) or doc.get("format") != DOMAIN_FORMAT:
        tag = doc.get("format") if isinstance(doc, dict) else None
        raise InputError(f"{where}: unknown format tag {tag!r}, expected {DOMAIN_FORMAT!r}")
    try:
        if "box" in doc and ("A" in doc or "b" in doc):
            raise InputError(f"{where}: give either 'box' or 'A' and 'b', not both")
        if "box" in doc:
            box = doc["box"]
            if not isinstance(box, list) or not box or not all(
                    isinstance(r, list) and len(r) == 2 for r in box):
                raise InputError(f"{where}: 'box' must be a non-empty list of [lo, hi] pairs")
            return _validate(Domain.box(box, where), where)
        a, b = doc.get("A"), doc.get("b")
        if not isinstance(a, list) or not a or not isinstance(b, list) or len(a) != len(b):
            raise InputError(f"{where}: expected 'box', or 'A' (rows) and 'b' of equal length")
        if not all(isinstance(r, list) for r in a) or len({len(r) for r in a}) != 1 \
                or not a[0]:
            raise InputError(f"{where}: 'A' must be a non-empty rectangular list of rows")
        rows = tuple(tuple(parse_rational(v, f"{where}: A[{i}][{j}]") for j, v in enumerate(r))
                     for i, r in enumerate(a))
        rhs = tuple(parse_rational(v, f"{where}: b[{i}]") for i, v in enumerate(b))
        for i, (r, bi) in enumerate(zip(rows, rhs)):
            if not any(r) and bi < 0:
                raise DomainError(f"{where}: the domain is empty (row {i} reads 0 <= {bi})")
        # rows 0 . x <= b with b >= 0 hold everywhere: they are dropped
        kept = [(r, bi) for r, bi in zip(rows, rhs) if any(r)]
        if not kept:
            raise DomainError(f"{where}: the domain is unbounded (every row of A is zero)")
        rows, rhs = tuple(r for r, _ in kept), tuple(bi for _, bi in kept)
    except InputError:
        raise
    except ValueError as exc:
        raise InputError(str(exc)) from None
    return _validate(Domain(rows, rhs), where)


def read_domain(path: str | os.PathLike) -> Domain:
    """Read and validate an ``exactid.domain/1`` JSON file."""
    from .formats import read_json

    return domain_from_doc(read_json(path), where=str(path))


def domain_to_doc(dom: Domain) -> dict:
    """The ``exactid.domain/1`` document of a domain, in the A/b form."""
    from .formats import number_to_json

    return {"format": DOMAIN_FORMAT,
            "A": [[number_to_json(v) for v in row] for row in dom.a],
            "b": [number_to_json(v) for v in dom.b]}
