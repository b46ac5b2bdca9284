"""The rank-one elements of a rational matrix space, counted exactly by lex Groebner bases
(check X7 of docs/theory/smooth.md §6; the counts it predicts are in §8).

The space WW is given by rational spanning vectors in svec coordinates (the upper-triangular
entries of a symmetric D x D matrix). A direction u spans a rank-one element u u^T of WW
iff n^T svec(u u^T) = 0 for every n in the left kernel of the spanning matrix. The
directions are counted in the affine charts u_1 = 1; u_1 = 0, u_2 = 1; ...; u = e_D, each
a polynomial system solved by a lex Groebner basis with a separating linear form t, so
that the basis is in shape position (x_k = p_k(t), q(t) = 0) and the real solutions are
the distinct real roots of q, counted exactly by Sturm sequences. The lex basis is
converted by FGLM from a grevlex basis, which is far cheaper to compute than a lex basis
directly (D = 5: under a second instead of more than 3 minutes); both are the unique
reduced bases of the same ideal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

__all__ = ["RankOneCount", "count_rank_one", "svec_index"]

SEPARATORS = ((1, 2, 3, 5, 7, 11), (3, -1, 4, -2, 5, 9), (2, 7, -3, 1, 8, -5))


@dataclass(frozen=True)
class RankOneCount:
    """Real rank-one directions of the space, per chart.

    ``total`` is None when some chart has infinitely many complex solutions or no
    separating form was found (``reason`` says which); ``given`` counts the solutions that
    are the given directions; ``spurious`` holds the others as float hints, scaled to the
    chart (first non-zero coordinate 1).
    """

    total: int | None
    charts: tuple[int | None, ...]
    given: int
    spurious: tuple[tuple[float, ...], ...]
    reason: str | None = None

    def to_json(self) -> dict:
        return {"total": self.total, "charts": list(self.charts), "given": self.given,
                "spurious": [[repr(float(v)) for v in s] for s in self.spurious],
                "reason": self.reason}


def svec_index(D: int) -> list[tuple[int, int]]:
    """The (a, b), a <= b, of the upper-triangular entries, row by row."""
    return [(a, b) for a in range(D) for b in range(a, D)]


def _chart(u: Sequence[Fraction]) -> tuple[int, tuple[Fraction, ...]] | None:
    for c, v in enumerate(u):
        if v != 0:
            return c, tuple(x / v for x in u)
    return None


def count_rank_one(spanning: Sequence[Sequence[Fraction]], D: int,
                   given: Sequence[Sequence[Fraction]] = ()) -> RankOneCount:
    """The real rank-one directions u (u u^T in the span of ``spanning``), counted chart
    by chart; ``given`` directions are recognised among them exactly.

    >>> sp = [[1, 0, 0], [0, 0, 1]]        # span of e1 e1^T and e2 e2^T in Sym^2(R^2)
    >>> count_rank_one(sp, 2, given=[[1, 0], [0, 1]]).total
    2
    """
    import sympy as sp

    idx = svec_index(D)
    rows = sp.Matrix([[sp.Rational(Fraction(v).numerator, Fraction(v).denominator)
                       for v in col] for col in spanning]) if spanning else sp.zeros(0, len(idx))
    kernel = rows.nullspace() if spanning else [sp.eye(len(idx))[:, k] for k in range(len(idx))]
    given_charts = {}
    for g in given:
        ch = _chart([Fraction(v) for v in g])
        if ch is not None:
            given_charts.setdefault(ch[0], set()).add(ch[1])
    charts: list[int | None] = []
    matched = 0
    spurious: list[tuple[float, ...]] = []
    reason = None
    for c in range(D):
        xs = sp.symbols(f"u{c + 2}:{D + 1}") if c < D - 1 else ()
        u = [sp.Integer(0)] * c + [sp.Integer(1)] + list(xs)
        eqs = [sp.expand(sum(n[k] * u[a] * u[b] for k, (a, b) in enumerate(idx)))
               for n in kernel]
        eqs = [e for e in eqs if e != 0]
        mine = given_charts.get(c, set())
        if not xs:
            charts.append(0 if eqs else 1)
            matched += len(mine) if not eqs else 0
            continue
        found = _solve_chart(eqs, list(xs), [g[c + 1:] for g in mine])
        if found is None:
            charts.append(None)
            reason = (f"chart u_{c + 1} = 1 has infinitely many complex solutions (or no "
                      "separating form was found): the count is not finite")
            continue
        count, hits, others = found
        charts.append(count)
        matched += hits
        spurious += [(0.0,) * c + (1.0,) + o for o in others]
    if reason:  # an infinite count: the finitely many points of other charts mislead
        return RankOneCount(None, tuple(charts), matched, (), reason)
    return RankOneCount(sum(charts), tuple(charts), matched, tuple(spurious), None)


def _solve_chart(eqs, xs, given):
    """(real solutions, how many are given, the others as floats) of one chart, or None
    when the system is not zero-dimensional or not in shape position for any separator."""
    import sympy as sp

    if not eqs:
        return None
    t = sp.Symbol("t_separator")
    for sep in SEPARATORS:
        coeffs = [sep[k % len(sep)] for k in range(len(xs))]
        form = sum(a * x for a, x in zip(coeffs, xs))
        G = sp.groebner([*eqs, t - form], *xs, t, order="grevlex")
        if list(G.exprs) == [1]:
            return 0, 0, []
        if not G.is_zero_dimensional:
            return None
        G = G.fglm("lex")  # the reduced lex basis, from the grevlex one
        shape = _shape(G.exprs, xs, t)
        if shape is None:
            continue
        params, q = shape
        qsf = sp.Poly(q, t).sqf_part()
        roots = sp.real_roots(qsf)
        given_t = {sum(a * sp.Rational(v.numerator, v.denominator) for a, v in zip(coeffs, g))
                   for g in given}
        hits = sum(1 for r in roots if r in given_t)
        others = [tuple(float(p.subs(t, r).evalf(30)) for p in params)
                  for r in roots if r not in given_t]
        return len(roots), hits, others
    return None


def _shape(exprs, xs, t):
    """(p_k(t) for each x_k, q(t)) when the basis reads x_k - p_k(t), ..., q(t)."""
    import sympy as sp

    if len(exprs) != len(xs) + 1:
        return None
    params = []
    for x, e in zip(xs, exprs[:-1]):
        p = sp.Poly(e, *xs, t)
        if p.degree(x) != 1 or any(p.degree(y) > 0 for y in xs if y != x):
            return None
        lead = sp.Poly(e, x).coeff_monomial(x)
        if lead.free_symbols:
            return None
        params.append(sp.expand(-(e - lead * x) / lead))
    q = exprs[-1]
    if q.free_symbols - {t}:
        return None
    return params, q
