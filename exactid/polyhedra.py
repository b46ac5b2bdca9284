"""Exact polyhedral primitives: strict feasibility, facets, redundancy and maxima.

``docs/theory/deep_global.md`` §3.1-3.3, ``docs/theory/exact_computing.md`` §7. A float LP (HiGHS,
through ``highspy``) is only a hint: its point is turned into a rational candidate and
checked exactly; when the check fails, or the hint says "empty", an exact certificate is
solved on the hint's support, and when that fails too a small exact simplex (fmpq,
Bland's rule; docs/theory/exact_computing.md §7.3) decides.
Every answer carries its certificate: a witness point, a Motzkin vector (y >= 0,
sum y = 1, sum y_k a_k (+ E^T mu) = 0, sum y_k beta_k (+ g . mu) <= 0) or, for a
maximum, an attaining point and affine Farkas multipliers. All are checked exactly.

Rows may hold ``int`` or ``Fraction`` entries; integer rows are checked fastest.
"""

from __future__ import annotations

import math
import os
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .errors import CertificationError

__all__ = ["Feasibility", "Maximum", "VertexHint", "bound_at_vertex", "facet_test",
           "integer_point", "maximize", "strictly_feasible", "upper_bound", "verify_bound",
           "verify_maximum", "verify_motzkin", "verify_witness", "vertex_hint"]

Row = Sequence[Fraction | int]
_EPS = 1e-9


@dataclass(frozen=True)
class Feasibility:
    """Outcome of a strict-feasibility test: a witness point or a Motzkin certificate.

    ``motzkin`` holds (y, mu): y >= 0 over the strict rows, mu over the equalities.
    """

    feasible: bool
    witness: tuple[Fraction, ...] | None = None
    motzkin: tuple[tuple[Fraction, ...], tuple[Fraction, ...]] | None = None


@dataclass(frozen=True)
class Maximum:
    """max q . x over {a x <= beta}: the value, a point attaining it, and y >= 0 with
    a^T y = q and beta . y = value
    (docs/theory/deep_global.md §3.3: then q . x <= value on the set)."""

    value: Fraction
    point: tuple[Fraction, ...]
    y: tuple[Fraction, ...]


def integer_point(x: Sequence[Fraction | int]) -> tuple[list[int], int]:
    """(nums, den) with x = nums / den, den > 0."""
    den = math.lcm(*(v.denominator for v in x)) if x else 1
    return [v.numerator * (den // v.denominator) for v in x], den


def _dot(a: Row, nums: Sequence[int]) -> Fraction | int:
    return sum(ai * ni for ai, ni in zip(a, nums))


def verify_witness(a: Sequence[Row], beta: Row, x: Row,
                   e: Sequence[Row] = (), g: Row = ()) -> bool:
    """True iff a_k . x < beta_k for all k and e_r . x = g_r for all r (exact)."""
    nums, den = integer_point(x)
    return (all(_dot(ak, nums) < bk * den for ak, bk in zip(a, beta))
            and all(_dot(er, nums) == gr * den for er, gr in zip(e, g)))


def verify_motzkin(a: Sequence[Row], beta: Row, y: Row, e: Sequence[Row] = (),
                   g: Row = (), mu: Row = ()) -> bool:
    """True iff (y, mu) proves that {a x < beta, e x = g} is empty
    (docs/theory/deep_global.md §3.2)."""
    if len(y) != len(a) or len(mu) != len(e):
        return False
    dim = len(a[0]) if a else (len(e[0]) if e else 0)
    coef, den = integer_point(list(y) + list(mu))
    ys, ms = coef[:len(y)], coef[len(y):]
    if any(v < 0 for v in ys):
        return False
    for i in range(dim):
        if sum(yk * ak[i] for yk, ak in zip(ys, a) if yk) + \
                sum(mr * er[i] for mr, er in zip(ms, e) if mr) != 0:
            return False
    value = _dot(beta, ys) + _dot(g, ms)
    if sum(ys) == den:
        return value <= 0
    return sum(ys) == 0 and value != 0  # the equalities alone are inconsistent


def verify_maximum(q: Row, a: Sequence[Row], beta: Row, m: Maximum) -> bool:
    """True iff ``m`` proves max {q . x : a x <= beta} = m.value, attained at m.point."""
    if len(m.y) != len(a) or any(v < 0 for v in m.y):
        return False
    nums, den = integer_point(m.point)
    if any(_dot(ak, nums) > bk * den for ak, bk in zip(a, beta)):
        return False
    if _dot(q, nums) != m.value * den:
        return False
    ys, yden = integer_point(m.y)
    return (all(sum(yk * ak[i] for yk, ak in zip(ys, a) if yk) == qi * yden
                for i, qi in enumerate(q))
            and _dot(beta, ys) == m.value * yden)


def _q(v: Fraction | int):
    import flint

    v = Fraction(v)
    return flint.fmpq(v.numerator, v.denominator)


def _frac(v) -> Fraction:
    return Fraction(int(v.p), int(v.q))


def _project(x: list[Fraction], e: Sequence[Row], g: Row) -> list[Fraction] | None:
    """Exact projection of x onto {e x = g} (None when e is rank deficient)."""
    if not e:
        return x
    import flint

    m = len(e)
    gram = flint.fmpq_mat(m, m, [_q(sum(u * v for u, v in zip(e[r], e[s])))
                                 for r in range(m) for s in range(m)])
    nums, den = integer_point(x)
    rhs = flint.fmpq_mat(m, 1, [_q(g[r] - Fraction(_dot(e[r], nums), den)) for r in range(m)])
    try:
        lam = gram.solve(rhs)
    except ZeroDivisionError:
        return None
    lams = [_frac(lam[r, 0]) for r in range(m)]
    return [xi + sum((lams[r] * e[r][i] for r in range(m)), Fraction(0))
            for i, xi in enumerate(x)]


_SOLVERS = threading.local()


def _solver():
    """One HiGHS instance per thread, reused: each call passes a whole new model. Not one
    per process: HiGHS runs without the interpreter lock, and threads sharing an instance
    (a Dask worker runs tasks in threads) would corrupt it."""
    h = getattr(_SOLVERS, "highs", None)
    if h is None:
        h = _SOLVERS.highs = _new_solver()
    return h


def _new_solver():
    import highspy

    # Recent highspy releases print a banner on the C-level stdout when an instance is
    # constructed, before any option can be set; it would corrupt `--json` output.
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 1)
            h = highspy.Highs()
            h.setOptionValue("output_flag", False)
            # one thread: the LPs are tiny, and HiGHS's spinning helper threads would take
            # the cores of the other worker processes
            h.setOptionValue("threads", 1)
            h.setOptionValue("parallel", "off")
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    return h


def _highs(cost: np.ndarray, rows: np.ndarray, lower: np.ndarray, upper: np.ndarray,
           col_lower: np.ndarray, col_upper: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray] | None:
    """Minimise cost . x subject to lower <= rows x <= upper and column bounds, in
    float64 (an untrusted hint). Returns (x, row duals) at an optimum, else None."""
    import highspy

    h = _solver()
    m, n = rows.shape
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n, m
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = cost, col_lower, col_upper
    lp.row_lower_, lp.row_upper_ = lower, upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = np.arange(0, m * n + 1, n)
    lp.a_matrix_.index_ = np.tile(np.arange(n), m)
    lp.a_matrix_.value_ = rows.ravel()
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = n, m
    h.passModel(lp)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    sol = h.getSolution()
    return np.array(sol.col_value), np.array(sol.row_dual)


def _floats(rows: Sequence[Row], dim: int) -> np.ndarray:
    return np.array([[float(v) for v in row] for row in rows], dtype=float).reshape(len(rows),
                                                                                   dim)


def _float_hint(a: Sequence[Row], beta: Row, e: Sequence[Row], g: Row,
                dim: int) -> tuple[np.ndarray | None, np.ndarray | None]:
    """HiGHS: maximise t subject to a x + t ||a||_inf <= beta, e x = g, t <= 1.

    Returns (point, None) when t* > 0, (None, |dual weights| of the a rows) when t* <= 0.
    """
    try:
        af, ef = _floats(a, dim), _floats(e, dim)
        norms = np.maximum(np.abs(af).max(axis=1, initial=0.0), 1e-300)
        enorms = np.maximum(np.abs(ef).max(axis=1, initial=0.0), 1e-300)
        rows = np.vstack([np.hstack([af / norms[:, None], np.ones((len(a), 1))]),
                          np.hstack([ef / enorms[:, None], np.zeros((len(e), 1))])])
        bf = np.array([float(v) for v in beta]) / norms
        gf = np.array([float(v) for v in g]) / enorms
        cost = np.zeros(dim + 1)
        cost[-1] = -1.0
        res = _highs(cost, rows, np.concatenate([np.full(len(a), -np.inf), gf]),
                     np.concatenate([bf, gf]), np.full(dim + 1, -np.inf),
                     np.concatenate([np.full(dim, np.inf), [1.0]]))
    except (ValueError, OverflowError):
        return None, None
    if res is None or not np.all(np.isfinite(res[0])):
        return None, None
    x, duals = res
    if x[-1] > 0:
        return x[:dim], None
    duals = np.abs(duals[:len(a)])
    return None, duals / max(duals.max(initial=0.0), 1e-300)


def _candidates(x: np.ndarray) -> list[list[Fraction]]:
    exact = [Fraction(float(v)) for v in x]
    out = [[v.limit_denominator(d) for v in exact] for d in (64, 4096, 2**20)]
    return out + [exact]


def _simplex(cost: Row, rows: Sequence[Row], rhs: Row
             ) -> tuple[list[Fraction], list[Fraction]] | None:
    """min cost . y subject to rows y = rhs, y >= 0, by a dense two-phase simplex over
    fmpq with Bland's rule (docs/theory/exact_computing.md §7.3). Returns (y, x) with x solving
    x . rows[:, j] = cost_j on the final basis (the dual solution), or None when the
    problem is infeasible or unbounded. Callers verify what they use."""
    import flint

    n, k = len(cost), len(rows)
    table = []
    for i, (row, r) in enumerate(zip(rows, rhs)):
        sign = -1 if r < 0 else 1
        table.append([sign * _q(v) for v in row] + [flint.fmpq(int(i == h)) for h in range(k)]
                     + [sign * _q(r)])
    basis = [n + i for i in range(k)]

    def pivot(r: int, j: int) -> None:
        piv = table[r][j]
        table[r] = [v / piv for v in table[r]]
        for i, row in enumerate(table):
            if i != r and row[j] != 0:
                f = row[j]
                table[i] = [v - f * w for v, w in zip(row, table[r])]
        basis[r] = j

    def run(obj: list, columns: int) -> bool:
        """Minimise obj over the current basis; False if unbounded."""
        while True:
            duals = [obj[b] for b in basis]
            entering = next((j for j in range(columns) if j not in basis
                             and obj[j] - sum((d * row[j] for d, row in zip(duals, table)
                                               if d != 0), flint.fmpq(0)) < 0), None)
            if entering is None:
                return True
            ratios = [(row[-1] / row[entering], basis[i], i)
                      for i, row in enumerate(table) if row[entering] > 0]
            if not ratios:
                return False
            pivot(min(ratios)[2], entering)

    run([flint.fmpq(0)] * n + [flint.fmpq(1)] * k, n + k)
    if any(row[-1] != 0 for row, b in zip(table, basis) if b >= n):
        return None  # phase 1 optimum > 0: no y >= 0 solves rows y = rhs
    for r in range(len(table) - 1, -1, -1):  # drive the artificials out of the basis
        if basis[r] >= n:
            j = next((j for j in range(n) if table[r][j] != 0), None)
            if j is None:
                del table[r], basis[r]  # a redundant equation
            else:
                pivot(r, j)
    if not run([_q(v) for v in cost] + [flint.fmpq(0)] * k, n):
        return None
    y = [Fraction(0)] * n
    for row, b in zip(table, basis):
        y[b] = _frac(row[-1])
    x = _particular(flint.fmpq_mat(len(basis), k + 1, [
        _q(rows[i][b]) if i < k else _q(cost[b]) for b in basis for i in range(k + 1)]))
    return (y, x) if x is not None else None


def _exact_lp(a: Sequence[Row], beta: Row, e: Sequence[Row], g: Row,
              dim: int) -> Feasibility:
    """The exact simplex on max t subject to a_k . x + t <= beta_k, t <= 1, e x = g
    (docs/theory/deep_global.md §3.1-3.2): a witness when t* > 0, else the Motzkin certificate read
    off the optimal dual."""
    mu = _inconsistent(e, g, dim)
    if mu is not None:
        return Feasibility(False, motzkin=(tuple(Fraction(0) for _ in a), tuple(mu)))
    # rows of max c . z, A' z <= b' with z = (x, t); equalities as two inequalities
    lp_rows = [list(row) + [1] for row in a] + [[0] * dim + [1]]
    lp_rows += [list(row) + [0] for row in e] + [[-v for v in row] + [0] for row in e]
    lp_rhs = list(beta) + [1] + list(g) + [-v for v in g]
    solved = _simplex(lp_rhs, [[row[i] for row in lp_rows] for i in range(dim + 1)],
                      [0] * dim + [1])
    if solved is None:
        raise CertificationError("the exact LP fallback failed (internal error)")
    y, z = solved
    if z[-1] > 0:
        x = z[:-1]
        if verify_witness(a, beta, x, e, g):
            return Feasibility(True, tuple(x))
    m = len(a)
    total = sum(y[:m])
    if total > 0:
        ys = tuple(v / total for v in y[:m])
        mus = tuple((u - w) / total for u, w in zip(y[m + 1:m + 1 + len(e)], y[m + 1 + len(e):]))
        if verify_motzkin(a, beta, ys, e, g, mus):
            return Feasibility(False, motzkin=(ys, mus))
    raise CertificationError("the exact LP fallback produced neither a witness nor a "
                             "certificate (internal error)")


def _inconsistent(e: Sequence[Row], g: Row, dim: int) -> list[Fraction] | None:
    """mu with E^T mu = 0 and g . mu = 1 when E x = g has no solution, else None."""
    import flint

    if not e:
        return None
    # E x = g is inconsistent iff [E^T; g^T] mu = (0, 1) is solvable
    return _particular(flint.fmpq_mat(dim + 1, len(e) + 1, [
        _q(e[r][i] if i < dim else g[r]) if r < len(e) else _q(int(i == dim))
        for i in range(dim + 1) for r in range(len(e) + 1)]))


def strictly_feasible(a: Sequence[Row], beta: Row, e: Sequence[Row] = (),
                      g: Row = ()) -> Feasibility:
    """Decide exactly whether {x : a_k . x < beta_k, e_r . x = g_r} is non-empty.

    Returns a rational witness (checked exactly) or a Motzkin certificate (checked
    exactly); docs/theory/deep_global.md §3.1-3.2.

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
        cert = _motzkin_on_support(a, beta, e, g, [k for k, v in enumerate(duals) if v > _EPS])
        if cert is not None:
            return cert
    return _exact_lp(a, beta, e, g, dim)


def facet_test(a: Sequence[Row], beta: Row, group: Sequence[int]) -> Feasibility:
    """Is {a_g . x = beta_g for g in group, every other row strict} non-empty?

    ``group`` lists rows that are positive multiples of one another
    (docs/theory/deep_global.md §3.5); the first is used as the equality. A witness lies in the
    relative interior of the facet; otherwise the Motzkin vector y has one entry per row of ``a``
    (zero on the group) and mu has one entry: the group is redundant.
    """
    others = [k for k in range(len(a)) if k not in group]
    res = strictly_feasible([a[k] for k in others], [beta[k] for k in others],
                            [a[group[0]]], [beta[group[0]]])
    if res.feasible:
        return res
    y = [Fraction(0)] * len(a)
    for k, v in zip(others, res.motzkin[0]):
        y[k] = v
    return Feasibility(False, motzkin=(tuple(y), res.motzkin[1]))


def _motzkin_on_support(a: Sequence[Row], beta: Row, e: Sequence[Row], g: Row,
                        support: list[int]) -> Feasibility | None:
    """Solve sum_S y_k a_k + E^T mu = 0, sum y = 1 exactly on the float dual's support."""
    import flint

    if not support:
        return None
    dim = len(a[0])
    unknowns = len(support) + len(e)
    rows = [[a[k][i] for k in support] + [er[i] for er in e] + [0] for i in range(dim)]
    rows.append([1] * len(support) + [0] * len(e) + [1])
    sol = _particular(flint.fmpq_mat(len(rows), unknowns + 1,
                                     [_q(v) for row in rows for v in row]))
    if sol is None:
        return None  # inconsistent on this support
    y = [Fraction(0)] * len(a)
    for k, v in zip(support, sol):
        y[k] = v
    mu = tuple(sol[len(support):])
    if verify_motzkin(a, beta, y, e, g, mu):
        return Feasibility(False, motzkin=(tuple(y), mu))
    return None


def maximize(q: Row, a: Sequence[Row], beta: Row) -> Maximum:
    """Exact maximum of q . x over the bounded non-empty polytope {a x <= beta}.

    HiGHS suggests an optimal vertex; the exact vertex and dual multipliers are solved on
    its active rows (multipliers on the float dual's support first) with fmpq and checked
    (docs/theory/deep_global.md §3.3); the exact simplex ``_simplex`` on the dual is the fallback.

    Examples
    --------
    >>> F = Fraction
    >>> m = maximize([1, 1], [[1, 0], [0, 1], [-1, 0], [0, -1]], [F(1, 2), 3, 0, 0])
    >>> m.value, m.point
    (Fraction(7, 2), (Fraction(1, 2), Fraction(3, 1)))
    """
    dim = len(q)
    try:
        res = _highs(-np.array([float(v) for v in q]), _floats(a, dim),
                     np.full(len(a), -np.inf), np.array([float(v) for v in beta]),
                     np.full(dim, -np.inf), np.full(dim, np.inf))
    except (ValueError, OverflowError):
        res = None
    if res is not None:
        x, duals = res
        slack = np.array([float(v) for v in beta]) - _floats(a, dim) @ x
        scale = 1.0 + np.abs(x).max(initial=0.0)
        for tol in (1e-9, 1e-6):
            support = [k for k in range(len(a)) if abs(duals[k]) > tol]
            tight = sorted({*support, *(k for k in range(len(a))
                                       if abs(slack[k]) <= tol * scale)})
            # multipliers on the float dual's support first: on all tight rows a
            # degenerate vertex may give negative ones
            for rows in (support, tight):
                found = _maximum_on_active(q, a, beta, tight, rows)
                if found is not None:
                    return found
    return _exact_max(q, a, beta)


def _maximum_on_active(q: Row, a: Sequence[Row], beta: Row, tight: list[int],
                       support: list[int]) -> Maximum | None:
    """The vertex on the ``tight`` rows and multipliers on the ``support`` rows, if they
    prove optimality."""
    import flint

    dim = len(q)
    if not support:
        return None
    n = len(support)
    # y on the support: A_S^T y = q; x: the vertex, A_T x = beta_T
    yv = _particular(flint.fmpq_mat(dim, n + 1, [_q(a[support[j]][i] if j < n else q[i])
                                                 for i in range(dim) for j in range(n + 1)]))
    xv = _particular(flint.fmpq_mat(len(tight), dim + 1, [_q(a[k][i] if i < dim else beta[k])
                                                          for k in tight
                                                          for i in range(dim + 1)]))
    if yv is None or xv is None:
        return None
    y = [Fraction(0)] * len(a)
    for k, v in zip(support, yv):
        y[k] = v
    value = sum((Fraction(qi) * xi for qi, xi in zip(q, xv)), Fraction(0))
    m = Maximum(value, tuple(xv), tuple(y))
    return m if verify_maximum(q, a, beta, m) else None


def _particular(aug) -> list[Fraction] | None:
    """A particular solution of the system [M | r] (free unknowns 0), None if none."""
    rref, rank = aug.rref()
    n = aug.ncols() - 1
    sol = [Fraction(0)] * n
    col = 0
    for i in range(rank):
        while col <= n and rref[i, col] == 0:
            col += 1
        if col == n:
            return None
        sol[col] = _frac(rref[i, n])
        col += 1
    return sol


def upper_bound(q: Row, a: Sequence[Row]) -> tuple[Fraction, ...] | None:
    """y >= 0 with a^T y = q, checked exactly: then q . x <= beta . y on {a x <= beta}
    for every beta (affine Farkas,
    docs/theory/deep_global.md §3.3). None when there is none: then, by Farkas' lemma, q . x is
    unbounded above on every non-empty {a x <= beta}."""
    solved = _simplex([0] * len(a), [[row[i] for row in a] for i in range(len(q))], q)
    if solved is None:
        return None
    y = tuple(solved[0])
    ys, den = integer_point(y)
    if any(v < 0 for v in ys) or any(sum(yk * ak[i] for yk, ak in zip(ys, a) if yk) != qi * den
                                     for i, qi in enumerate(q)):
        raise CertificationError("the exact LP produced an invalid bound (internal error)")
    return y


def _exact_max(q: Row, a: Sequence[Row], beta: Row) -> Maximum:
    """The exact simplex on the dual min beta . y, a^T y = q, y >= 0 (fallback of
    ``maximize``); the attaining point is the dual of the optimal basis."""
    solved = _simplex(beta, [[row[i] for row in a] for i in range(len(q))], q)
    if solved is None:
        raise CertificationError("the exact LP found no maximum: the set is empty or "
                                 "unbounded in the direction asked")
    y, x = solved
    m = Maximum(sum((Fraction(qi) * xi for qi, xi in zip(q, x)), Fraction(0)), tuple(x),
                tuple(y))
    if not verify_maximum(q, a, beta, m):
        raise CertificationError("the exact LP produced no verified maximum (internal error)")
    return m


class VertexHint:
    """Float vertices of a bounded polytope {a x < beta} (qhull, a hint only), with the
    rows active at each vertex, and a cache of the exact inverses used to turn a vertex
    into a Farkas certificate (:func:`bound_at_vertex`).

    The rows are given by index into the caller's list, which may grow by rows appended
    at its end (redundant ones): the indices stay valid.
    """

    def __init__(self, vertices_float: np.ndarray, active: list[tuple[int, ...]]) -> None:
        self.vertices_float = vertices_float
        self.active = active
        self.centre_float = vertices_float.mean(axis=0)
        self._inverses: dict[tuple[int, ...], object] = {}

    def __getstate__(self) -> dict:
        return {"vertices_float": self.vertices_float, "active": self.active,
                "centre_float": self.centre_float, "_inverses": {}}


def vertex_hint(a: Sequence[Row], beta: Row, inside: Sequence[Fraction | float]
                ) -> VertexHint | None:
    """Return the float vertices of the bounded polytope {a x < beta} with a point
    ``inside`` it (qhull's halfspace intersection), or None when qhull cannot tell
    (thin or degenerate cells: the caller then solves an LP)."""
    try:
        from scipy.spatial import HalfspaceIntersection

        dim = len(inside)
        af = _floats(a, dim)
        bf = np.array([float(v) for v in beta])
        norms = np.linalg.norm(af, axis=1)
        if not np.all(norms > 0) or not np.all(np.isfinite(af)):
            return None
        x = np.array([float(v) for v in inside])
        with np.errstate(all="ignore"):
            if not np.max((af @ x - bf) / norms) < -1e-10:
                return None  # too close to the boundary for qhull's interior point
            halfspaces = np.hstack([af / norms[:, None], -(bf / norms)[:, None]])
            if not np.all(np.isfinite(halfspaces)):
                return None
            hs = HalfspaceIntersection(halfspaces, x)  # may divide by ~0 at huge scales
        vertices = np.asarray(hs.intersections, dtype=float)
        active = [tuple(int(k) for k in f) for f in hs.dual_facets]
    except Exception:  # qhull's errors, overflow, degenerate input: no hint
        return None
    if (len(vertices) <= dim or not np.all(np.isfinite(vertices))
            or any(len(s) != dim for s in active)):
        return None
    return VertexHint(vertices, active)


def hint_values(hint: VertexHint, q: Sequence[int | Fraction]) -> np.ndarray | None:
    """q . v at the float vertices v of a hint, or None when q or a value does not fit in
    float64 (an adversarial 1e400, say): the caller then goes without the hint."""
    try:
        qf = np.array([float(v) for v in q])
    except OverflowError:
        return None
    with np.errstate(all="ignore"):
        values = hint.vertices_float @ qf
    return values if np.all(np.isfinite(values)) else None


def bound_at_vertex(hint: VertexHint, a: Sequence[Sequence[int]], beta: Sequence[int],
                    q: Sequence[int], r: int, strict: bool = False
                    ) -> tuple[Fraction, ...] | None:
    """y >= 0 with a^T y = q and beta . y <= r (< r when ``strict``), checked exactly, so
    that q . x <= r (< r) on {a x <= beta} (affine Farkas, docs/theory/deep_global.md §3.3);
    None when no vertex of the hint gives one. Integer rows only.

    The float hint names the vertices maximising q . x; on the rows active at such a
    vertex y is the unique solution of a_S^T y = q (an exact d x d solve, whose inverse is
    cached per active set). No LP is solved.
    """
    import flint

    values = hint_values(hint, q)
    if values is None:
        return None
    top = values.max()
    tol = 1e-9 * (1.0 + abs(top))
    tried = set()
    for k in np.flatnonzero(values >= top - tol):
        support = hint.active[k]
        if support in tried:
            continue
        tried.add(support)
        inverse = hint._inverses.get(support)
        if inverse is None:
            dim = len(support)
            try:
                inverse = flint.fmpq_mat(dim, dim, [a[s][i] for i in range(dim)
                                                    for s in support]).inv()
            except ZeroDivisionError:
                inverse = False
            hint._inverses[support] = inverse
        if inverse is False:
            continue
        y = inverse * flint.fmpq_mat(len(support), 1, list(q))
        ys = [y[i, 0] for i in range(len(support))]
        bound = sum(v * beta[s] for v, s in zip(ys, support))
        if any(v < 0 for v in ys) or bound > r or (strict and bound == r):
            continue
        out = [Fraction(0)] * len(a)
        for v, s in zip(ys, support):
            out[s] = _frac(v)
        return tuple(out)
    return None


def verify_bound(a: Sequence[Row], beta: Row, q: Row, r: Fraction | int,
                 y: Sequence[Fraction]) -> bool:
    """True iff y >= 0, a^T y = q and beta . y <= r (then q . x <= r on {a x <= beta})."""
    ys, den = integer_point(y)
    return (len(ys) == len(a) and all(v >= 0 for v in ys)
            and all(sum(yk * ak[i] for yk, ak in zip(ys, a) if yk) == qi * den
                    for i, qi in enumerate(q))
            and _dot(beta, ys) <= r * den)
