"""How exactid's objects look in a terminal and in a notebook: a one-line ``repr`` and a
small HTML table (``_repr_html_``, which Jupyter shows), both built from the same short
summary of the object: its verdict and ranks or counts, never its weights or proofs.

    >>> from exactid import Network
    >>> Network.from_lists([[[1, -2], [1, 1], [0, 1]], [[2, -3, 1]]], [[0, 0, 1], [0]])
    Network(widths=[2, 3, 1], params=13)
"""

from __future__ import annotations

import html
from fractions import Fraction
from typing import Any

__all__ = ["Summarised", "html_table", "short"]


def short(value: Any) -> str:
    """The text of one summary value: rationals as p/q, lists and tuples bracketed."""
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, Fraction):
        return str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(short(v) for v in value) + "]"
    if isinstance(value, str):
        return repr(value)
    return str(value)


def _cell(value: Any) -> str:
    text = value if isinstance(value, str) else short(value)
    return html.escape(text)


def html_table(title: str, rows: list[tuple[str, Any]],
               table: tuple[list[str], list[list[Any]]] | None = None) -> str:
    """A small HTML table: a caption, one row per (name, value), then an optional second
    table (column names, rows). Every text is escaped."""
    parts = [f'<table><caption style="text-align:left"><b>{html.escape(title)}</b></caption>']
    parts += [f"<tr><th style=\"text-align:left\">{html.escape(name)}</th>"
              f"<td style=\"text-align:left\">{_cell(value)}</td></tr>" for name, value in rows]
    parts.append("</table>")
    if table is not None:
        header, body = table
        parts.append("<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in header)
                     + "</tr>")
        parts += ["<tr>" + "".join(f"<td>{_cell(v)}</td>" for v in row) + "</tr>"
                  for row in body]
        parts.append("</table>")
    return "".join(parts)


class Summarised:
    """Mixin of the public result types: ``repr`` and ``_repr_html_`` from ``_summary``.

    A subclass returns its summary as (name, value) pairs, and may add rows shown only in
    the HTML table (``_details``: reasons, for instance) and a second table (``_table``).
    Dataclasses using it are declared with ``repr=False``, or theirs would replace it.
    """

    __slots__ = ()

    def _summary(self) -> list[tuple[str, Any]]:
        raise NotImplementedError

    def _details(self) -> list[tuple[str, Any]]:
        return []

    def _table(self) -> tuple[list[str], list[list[Any]]] | None:
        return None

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={short(value)}" for name, value in self._summary())
        return f"{type(self).__name__}({fields})"

    def _repr_html_(self) -> str:
        return html_table(type(self).__name__, self._summary() + self._details(),
                          self._table())
