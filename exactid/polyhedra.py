"""Exact polyhedral primitives: strict feasibility with witnesses or Motzkin certificates.

``theory/deep_global.md`` 3.1-3.2, ``theory/exact_computing.md`` 7. A float LP (scipy's
HiGHS) is only a hint: its point is turned into a rational candidate and checked exactly;
when the check fails, or the hint says "empty", the exact simplex of SymPy decides, and
an empty system gets an exact Motzkin certificate (y >= 0, sum y = 1, sum y_k a_k
(+ E^T mu) = 0, sum y_k beta_k (+ g . mu) <= 0), also checked exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

__all__ = ["Feasibility", "strictly_feasible", "verify_motzkin", "verify_witness"]

Row = Sequence[Fraction]


@dataclass(frozen=True)
class Feasibility:
    """Outcome of a strict-feasibility test: a witness point or a Motzkin certificate.

    ``motzkin`` holds (y, mu): y >= 0 over the strict rows, mu over the equalities.
    """

    feasible: bool
    witness: tuple[Fraction, ...] | None = None
    motzkin: tuple[tuple[Fraction, ...], tuple[Fraction, ...]] | None = None


def _dot(a: Row, x: Row) -> Fraction:
    return sum((ai * xi for ai, xi in zip(a, x)), Fraction(0))


def verify_witness(a: Sequence[Row], beta: Row, x: Row,
                   e: Sequence[Row] = (), g: Row = ()) -> bool:
    """True iff a_k . x < beta_k for all k and e_r . x = g_r for all r (exact)."""
    return (all(_dot(ak, x) < bk for ak, bk in zip(a, beta))
            and all(_dot(er, x) == gr for er, gr in zip(e, g)))


def verify_motzkin(a: Sequence[Row], beta: Row, y: Row, e: Sequence[Row] = (),
                   g: Row = (), mu: Row = ()) -> bool:
    """True iff (y, mu) proves that {a x < beta, e x = g} is empty (deep_global.md 3.2)."""
    if len(y) != len(a) or len(mu) != len(e) or any(v < 0 for v in y):
        return False
    dim = len(a[0]) if a else (len(e[0]) if e else 0)
    combo = [sum((yk * ak[i] for yk, ak in zip(y, a)), Fraction(0))
             + sum((mr * er[i] for mr, er in zip(mu, e)), Fraction(0)) for i in range(dim)]
    value = _dot(y, beta) + _dot(mu, g)
    if any(c != 0 for c in combo):
        return False
    if sum(y) == 1:
        return value <= 0
    return sum(y) == 0 and value != 0  # the equalities alone are inconsistent


def _project(x: list[Fraction], e: Sequence[Row], g: Row) -> list[Fraction] | None:
    """Exact projection of x onto {e x = g} (None when e is rank deficient)."""
    if not e:
        return x
    import flint

    m = len(e)
    gram = flint.fmpq_mat(m, m, [_q(_dot(e[r], e[s])) for r in range(m) for s in range(m)])
    rhs = flint.fmpq_mat(m, 1, [_q(g[r] - _dot(e[r], x)) for r in range(m)])
    try:
        lam = gram.solve(rhs)
    except ZeroDivisionError:
        return None
    lams = [Fraction(int(lam[r, 0].p), int(lam[r, 0].q)) for r in range(m)]
    return [xi + sum((lams[r] * e[r][i] for r in range(m)), Fraction(0))
            for i, xi in enumerate(x)]


def _q(v: Fraction):
    import flint

    return flint.fmpq(v.numerator, v.denominator)


def _float_hint(a: Sequence[Row], beta: Row, e: Sequence[Row], g: Row,
                dim: int) -> tuple[np.ndarray | None, np.ndarray | None]:
    """HiGHS: maximise t subject to a x + t ||a||_inf <= beta, e x = g, t <= 1.

    Returns (point, None) when t* > 0, (None, dual weights of the rows) when t* <= 0.
    """
    from scipy.optimize import linprog

    af = np.array([[float(v) for v in row] for row in a], dtype=float).reshape(len(a), dim)
    norms = np.maximum(np.abs(af).max(axis=1, initial=0.0), 1e-300)
    a_ub = np.hstack([af, norms[:, None]])
    kwargs = {}
    if e:
        ef = np.array([[float(v) for v in row] for row in e], dtype=float)
        kwargs = {"A_eq": np.hstack([ef, np.zeros((len(e), 1))]),
                  "b_eq": np.array([float(v) for v in g])}
    c = np.zeros(dim + 1)
    c[-1] = -1.0
    try:
        res = linprog(c, A_ub=a_ub, b_ub=np.array([float(v) for v in beta]),
                      bounds=[(None, None)] * dim + [(None, 1.0)], method="highs", **kwargs)
    except (ValueError, OverflowError):
        return None, None
    if res.status != 0 or res.x is None:
        return None, None
    if res.x[-1] > 0:
        return res.x[:dim], None
    return None, -np.asarray(res.ineqlin.marginals)


def _candidates(x: np.ndarray) -> list[list[Fraction]]:
    exact = [Fraction(float(v)) for v in x]
    out = [[v.limit_denominator(d) for v in exact] for d in (64, 4096, 2**20)]
    return out + [exact]


def _free(name: str, count: int) -> tuple[list, list]:
    """Free variables as differences of non-negative ones: SymPy 1.14's simplex
    mishandles free variables (exact_computing.md 7.3)."""
    import sympy

    pos = sympy.symbols(f"{name}p0:{count}") if count else ()
    neg = sympy.symbols(f"{name}n0:{count}") if count else ()
    return [p - n for p, n in zip(pos, neg)], [v >= 0 for v in (*pos, *neg)]


def _exact_lp(a: Sequence[Row], beta: Row, e: Sequence[Row], g: Row,
              dim: int) -> Feasibility:
    """SymPy's exact simplex on the primal (witness) or the dual (Motzkin certificate)."""
    import sympy
    from sympy.solvers.simplex import lpmax, lpmin

    def r(v: Fraction) -> sympy.Rational:
        return sympy.Rational(v.numerator, v.denominator)

    xs, sign_x = _free("x", dim)
    (t,), sign_t = _free("t", 1)
    cons = sign_x + sign_t + [t <= 1]
    cons += [sum(r(v) * xi for v, xi in zip(row, xs)) + t <= r(b) for row, b in zip(a, beta)]
    cons += [sympy.Eq(sum(r(v) * xi for v, xi in zip(row, xs)), r(gr))
             for row, gr in zip(e, g)]
    try:
        best, point = lpmax(t, cons)
    except sympy.solvers.simplex.InfeasibleLPError:
        best, point = None, None
    if best is not None and best > 0:
        x = [_frac(xi.subs(point)) for xi in xs]
        if verify_witness(a, beta, x, e, g):
            return Feasibility(True, tuple(x))
    ys = sympy.symbols(f"y0:{len(a)}") if a else ()
    ms, sign_m = _free("m", len(e))
    dual = [yk >= 0 for yk in ys] + sign_m
    if ys:
        dual.append(sympy.Eq(sum(ys), 1))
    for i in range(dim):
        dual.append(sympy.Eq(sum(yk * r(row[i]) for yk, row in zip(ys, a))
                             + sum(mr * r(row[i]) for mr, row in zip(ms, e)), 0))
    objective = sum(yk * r(b) for yk, b in zip(ys, beta)) + sum(mr * r(gr)
                                                              for mr, gr in zip(ms, g))
    try:
        _, point = lpmin(objective, dual)
    except sympy.solvers.simplex.InfeasibleLPError:
        point = None
    if point is not None:
        y = tuple(_frac(sympy.sympify(yk).subs(point)) for yk in ys)
        mu = tuple(_frac(sympy.sympify(mr).subs(point)) for mr in ms)
        if verify_motzkin(a, beta, y, e, g, mu):
            return Feasibility(False, motzkin=(y, mu))
    raise RuntimeError("exact LP produced neither a witness nor a certificate")


def _frac(v) -> Fraction:
    import sympy

    v = sympy.Rational(sympy.sympify(v).subs({s: 0 for s in sympy.sympify(v).free_symbols}))
    return Fraction(int(v.p), int(v.q))


def strictly_feasible(a: Sequence[Row], beta: Row, e: Sequence[Row] = (),
                      g: Row = ()) -> Feasibility:
    """Decide exactly whether {x : a_k . x < beta_k, e_r . x = g_r} is non-empty.

    Returns a rational witness (checked exactly) or a Motzkin certificate (checked
    exactly); deep_global.md 3.1-3.2.

    Examples
    --------
    >>> F = Fraction
    >>> strictly_feasible([[F(1)], [F(-1)]], [F(1), F(0)]).feasible
    True
    >>> strictly_feasible([[F(1)], [F(-1)]], [F(0), F(0)]).feasible
    False
    """
    dim = len(a[0]) if a else len(e[0])
    point, duals = _float_hint(a, beta, e, g, dim)
    if point is not None:
        for cand in _candidates(point):
            x = _project(cand, e, g)
            if x is not None and verify_witness(a, beta, x, e, g):
                return Feasibility(True, tuple(x))
    if duals is not None:
        cert = _motzkin_on_support(a, beta, e, g, [k for k, v in enumerate(duals) if v > 1e-9])
        if cert is not None:
            return cert
    return _exact_lp(a, beta, e, g, dim)


def _motzkin_on_support(a: Sequence[Row], beta: Row, e: Sequence[Row], g: Row,
                        support: list[int]) -> Feasibility | None:
    """Solve sum_S y_k a_k + E^T mu = 0, sum y = 1 exactly on the float dual's support."""
    import flint

    if not support:
        return None
    dim = len(a[0])
    unknowns = len(support) + len(e)
    rows = [[a[k][i] for k in support] + [er[i] for er in e] + [Fraction(0)]
            for i in range(dim)]
    rows.append([Fraction(1)] * len(support) + [Fraction(0)] * len(e) + [Fraction(1)])
    m = flint.fmpq_mat(len(rows), unknowns + 1, [_q(v) for row in rows for v in row])
    rref, rank = m.rref()
    sol = [Fraction(0)] * unknowns
    col = 0
    for i in range(rank):
        while col <= unknowns and rref[i, col] == 0:
            col += 1
        if col == unknowns:
            return None  # inconsistent on this support
        v = rref[i, unknowns]
        sol[col] = Fraction(int(v.p), int(v.q))
        col += 1
    y = [Fraction(0)] * len(a)
    for k, v in zip(support, sol):
        y[k] = v
    mu = tuple(sol[len(support):])
    if verify_motzkin(a, beta, y, e, g, mu):
        return Feasibility(False, motzkin=(tuple(y), mu))
    return None
