"""Entangled weights and the checks X1-X8 of docs/theory/smooth.md §6-7.

Certified facts, not an identifiability verdict. For a polynomial activation with rational
data every object is rational and every check is exact (§6). For tanh and the logistic
function the entries are FLINT arb balls (§7): strict signs and lower bounds of ranks are
proved, the working precision is raised until every needed ball excludes 0 or a cap is
reached, and what the cap leaves open is listed in ``undecided``. Nothing that needs a
rank deficiency is ever claimed from balls.

The steps, each a function below:

1. :func:`entangled_weights` -- V_1 = W_1, V_l = V_{l-1} G_{l-1} W_l (§2; X1);
2. :func:`neuron_signs` -- phi'(theta) != 0 (G invertible) and phi''(theta) != 0
   (visible at 0) per neuron (X2);
3. the matrix space WW, its dimension and the bound min(m, r(r+1)/2) (§2 range fact; X1);
4. :func:`hessian_checks` -- Hess f_j(0) in WW (X3), the identity of §3 at a point (X4)
   and the drift of Hess f_j out of WW there (X5, reported, not asserted);
5. :func:`isolation` -- the projected tangent rank of each v v^T (X6);
6. :func:`reconstruction` -- W_l = G_{l-1}^{-1} V_{l-1}^+ V_l (§4; X8);
7. with ``count``, :func:`exactid.smooth.rankone.count_rank_one` (X7).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import flint

from .balls import ball, ball_text, nonzero, precision, proves_rank_at_least
from .network import Jet, SmoothNetwork
from .rankone import RankOneCount, count_rank_one, svec_index

__all__ = ["COUNT_MAX_INPUTS", "EntangledResult", "entangled", "entangled_weights",
           "hessian_checks", "isolation", "neuron_signs", "reconstruction"]

COUNT_MAX_INPUTS = 6
"""Largest input dimension D for which ``count`` runs X7 (the Groebner bases grow fast:
measured with m = D(D-1)/2, D = 5 took 0.4-1.3 s, D = 6 4.5 s with weights p/q, |p| <= 9,
q <= 4, and 108 s with 3-digit decimal weights; D = 7 did not finish in 150 s)."""

PRECISION_START = 64
PRECISION_CAP = 2048


@dataclass(frozen=True)
class EntangledResult:
    """The checks X1-X8 of docs/theory/smooth.md §6-7 for one network (fields as in ``--json``).

    ``invertible``, ``visible`` and ``isolated`` hold ``(layer, neuron, True | False |
    None)`` per neuron; ``hessian_in_space`` one entry per output at x = 0; ``drift`` and
    ``identity`` one entry per output at the point ``at`` (None without it); None always
    means undecided or not computed, and ``reasons`` or ``undecided`` say why.
    """

    neurons: int
    rank_w1: int
    dim_space: int | None
    bound: int
    entangled_weights: tuple[tuple[int, int, tuple[Any, ...]], ...]
    invertible: tuple[tuple[int, int, bool | None], ...]
    visible: tuple[tuple[int, int, bool | None], ...]
    hessian_in_space: tuple[bool | None, ...]
    drift: tuple[bool | None, ...] | None
    identity: tuple[bool | None, ...] | None
    isolated: tuple[tuple[int, int, bool | None], ...]
    tangent_ranks: tuple[int | None, ...]
    rank_one_count: RankOneCount | None
    reconstruction: bool | None
    exact: bool
    precision: int | None
    undecided: tuple[str, ...]
    reasons: tuple[str, ...]
    at: tuple[Fraction, ...] | None = None

    @property
    def proved(self) -> bool:
        """True when every reported check was decided: exactly (polynomial activation) or
        by balls excluding 0 (tanh, logistic); False when ``undecided`` is not empty."""
        return not self.undecided

    def to_json(self) -> dict:
        from ..formats.jsonio import number_to_json

        def vec(v: Sequence[Any]) -> list:
            return [number_to_json(x) for x in v] if self.exact else [ball_text(x) for x in v]

        return {
            "neurons": self.neurons, "rank_w1": self.rank_w1, "dim_space": self.dim_space,
            "bound": self.bound,
            "entangled_weights": [{"layer": l, "neuron": i, "vector": vec(v)}
                                  for l, i, v in self.entangled_weights],
            "invertible": [list(t) for t in self.invertible],
            "visible": [list(t) for t in self.visible],
            "hessian_in_space": list(self.hessian_in_space),
            "at": None if self.at is None else [number_to_json(v) for v in self.at],
            "drift": None if self.drift is None else list(self.drift),
            "identity": None if self.identity is None else list(self.identity),
            "isolated": [list(t) for t in self.isolated],
            "tangent_ranks": list(self.tangent_ranks),
            "rank_one_count": None if self.rank_one_count is None else
            self.rank_one_count.total,
            "rank_one_directions": None if self.rank_one_count is None else
            self.rank_one_count.to_json(),
            "reconstruction": self.reconstruction,
            "proved": self.proved,
            "arithmetic": "exact rational" if self.exact else
            f"arb balls at {self.precision} bits",
            "undecided": list(self.undecided),
            "reasons": list(self.reasons),
        }


@dataclass
class _Numbers:
    """Exact rationals or arb balls: how to convert, decide a sign and bound a rank."""

    exact: bool
    undecided: list[str] = field(default_factory=list)

    def num(self, q: Fraction) -> Any:
        return q if self.exact else ball(q)

    def nonzero(self, x: Any) -> bool | None:
        return x != 0 if self.exact else nonzero(x)

    def rank(self, columns: Sequence[Sequence[Any]]) -> int:
        """Exact rank (rational columns only)."""
        if not columns:
            return 0
        n = len(columns[0])
        return flint.fmpq_mat(n, len(columns), [_fmpq(c[i]) for i in range(n)
                                                for c in columns]).rank()

    def at_least(self, columns: Sequence[Sequence[Any]], k: int) -> bool | None:
        """rank >= k: decided exactly, or True when proved by balls, None otherwise."""
        if self.exact:
            return self.rank(columns) >= k
        return True if proves_rank_at_least(columns, k) else None


def _fmpq(q: Any) -> flint.fmpq:
    q = Fraction(q)
    return flint.fmpq(q.numerator, q.denominator)


def _svec(v: Sequence[Any], D: int) -> list[Any]:
    return [v[a] * v[b] for a, b in svec_index(D)]


def _svec_matrix(h: Sequence[Sequence[Any]], D: int) -> list[Any]:
    return [h[a][b] for a, b in svec_index(D)]


def entangled_weights(net: SmoothNetwork, jet0: Jet) -> list[tuple[int, int, tuple[Any, ...]]]:
    """(layer, neuron, v_{l,i}) for every neuron: the gradients of the pre-activations at
    x = 0, which are the columns of V_1 = W_1, V_l = V_{l-1} G_{l-1} W_l
    (docs/theory/smooth.md §2)."""
    return [(l, i, tuple(jet0.grad_z[l][i])) for l, i in net.neurons()]


def neuron_signs(net: SmoothNetwork, jet0: Jet, nums: _Numbers
                 ) -> tuple[list[tuple[int, int, bool | None]], list[tuple[int, int, bool | None]]]:
    """Per neuron, phi'(theta) != 0 (G invertible) and phi''(theta) != 0 (visible at 0):
    X2 of docs/theory/smooth.md §6 (at x = 0 the centred pre-activations vanish, so jet0 holds
    phi'(theta) and phi''(theta))."""
    inv, vis = [], []
    for l, i in net.neurons():
        a, b = nums.nonzero(jet0.d1[l][i]), nums.nonzero(jet0.d2[l][i])
        inv.append((l, i, a))
        vis.append((l, i, b))
        if a is None:
            nums.undecided.append(f"phi'(theta) != 0 for layer {l} neuron {i}")
        if b is None:
            nums.undecided.append(f"phi''(theta) != 0 for layer {l} neuron {i}")
    return inv, vis


def hessian_checks(net: SmoothNetwork, jet0: Jet, space: list[list[Any]], dim: int | None,
                   at: Sequence[Fraction] | None, nums: _Numbers, reasons: list[str]
                   ) -> tuple[list[bool | None], list[bool | None] | None,
                              list[bool | None] | None]:
    """(membership of Hess f_j(0) in WW: X3; drift of Hess f_j(at) out of WW: X5; the
    identity of docs/theory/smooth.md §3 at ``at``: X4)."""
    D = net.n_inputs
    if nums.exact:
        in_space = [nums.rank([*space, _svec_matrix(h, D)]) == dim for h in jet0.hessians]
        if not all(in_space):
            reasons.append("Hess f_j(0) is NOT in WW for some output: this contradicts the "
                           "identity of docs/theory/smooth.md §3; please report it")
    else:
        # Membership cannot be proved by balls and needs no proof: it is the identity of
        # docs/theory/smooth.md §3 [derived], checked exactly on the polynomial test vectors.
        in_space = [True] * net.n_outputs
        reasons.append("hessian_in_space: by the identity of docs/theory/smooth.md §3 "
                       "[derived]; balls cannot prove a membership (§7)")
    if at is None:
        return in_space, None, None
    jet = net.jet([nums.num(Fraction(v)) for v in at], number=nums.num)
    by_identity = net.hessian_by_identity(jet)
    identity: list[bool | None] = []
    drift: list[bool | None] = []
    for j, h in enumerate(jet.hessians):
        rhs = by_identity[j]
        if nums.exact:
            identity.append(all(h[a][b] == rhs[a][b] for a in range(D) for b in range(D)))
        else:
            identity.append(all(h[a][b].overlaps(rhs[a][b]) for a in range(D)
                                for b in range(D)))
        if dim is None:
            drift.append(None)
            continue
        if not nums.exact and net.depth == 1:
            drift.append(False)  # shallow: every Hessian lies in WW (§3, consequence 2)
            continue
        leaves = nums.at_least([*space, _svec_matrix(h, D)], dim + 1)
        drift.append(leaves)
        if leaves is None:
            nums.undecided.append(f"drift of Hess f_{j}(x*) out of WW")
    if not nums.exact and net.depth == 1:
        reasons.append("drift: one layer, every Hessian lies in WW (docs/theory/smooth.md "
                       "§3, consequence 2) [derived]; balls cannot prove a membership")
    if not nums.exact:
        reasons.append("identity (balls): both sides' enclosures overlap entrywise, a "
                       "consistency check of the identity of docs/theory/smooth.md §3")
    if not all(v is not False for v in identity):
        reasons.append("the Hessian identity of docs/theory/smooth.md §3 FAILS at x*: "
                       "please report it")
    return in_space, drift, identity


def isolation(net: SmoothNetwork, vectors: list[tuple[int, int, tuple[Any, ...]]],
              space: list[list[Any]], dim: int | None, nums: _Numbers
              ) -> tuple[list[tuple[int, int, bool | None]], list[int | None]]:
    """Per neuron, X6: ker(P T_v) = span{v}, i.e. rank [B_WW | vec(v e_k^T + e_k v^T)]_k
    = dim WW + D - 1 (v v^T an isolated rank-one point of WW up to scale), with the
    projected tangent rank (at most D - 1; None when balls do not decide it)."""
    D = net.n_inputs
    zero = nums.num(Fraction(0))
    out, ranks = [], []
    for l, i, v in vectors:
        if dim is None or all(nums.nonzero(x) is False for x in v):
            out.append((l, i, None))
            ranks.append(None)
            continue
        tangents = []
        for k in range(D):
            e = [nums.num(Fraction(int(a == k))) for a in range(D)]
            tangents.append([v[a] * e[b] + e[a] * v[b] + zero for a, b in svec_index(D)])
        if nums.exact:
            rank = nums.rank([*space, *tangents]) - dim
            out.append((l, i, rank == D - 1))
            ranks.append(rank)
        else:
            ok = nums.at_least([*space, *tangents], dim + D - 1)
            out.append((l, i, ok))
            ranks.append(D - 1 if ok else None)
            if ok is None:
                nums.undecided.append(f"isolation (X6) of layer {l} neuron {i}")
    return out, ranks


def _matrix(rows: Sequence[Sequence[Any]], exact: bool) -> Any:
    n, m = len(rows), len(rows[0])
    if exact:
        return flint.fmpq_mat(n, m, [_fmpq(x) for r in rows for x in r])
    return flint.arb_mat(n, m, [x for r in rows for x in r])


def reconstruction(net: SmoothNetwork, jet0: Jet, nums: _Numbers, reasons: list[str]
                   ) -> bool | None:
    """X8: W_l = G_{l-1}^{-1} V_{l-1}^+ V_l for l = 2..L (docs/theory/smooth.md §4), exactly over Q;
    for balls, True when the hypotheses (G_{l-1} invertible, V_{l-1} of full column rank)
    are proved and the enclosure of the right-hand side contains W_l. Exactly, also the
    two-sided diagonal ambiguity V~ = V Lambda of §4 for a fixed sign-and-scale Lambda."""
    if net.depth == 1:
        reasons.append("reconstruction: one layer, W_1 = V_1 (nothing to reconstruct)")
        return True
    D = net.n_inputs
    V = [[[jet0.grad_z[l][i][a] for i in range(len(net.weights[l]))] for a in range(D)]
         for l in range(net.depth)]  # V[l] as D x m_l rows
    verdict: bool | None = True
    for l in range(1, net.depth):
        prev = len(net.weights[l - 1])
        signs = [nums.nonzero(d) for d in jet0.d1[l - 1]]
        cols = [[V[l - 1][a][i] for a in range(D)] for i in range(prev)]
        full = nums.at_least(cols, prev)
        if False in signs or full is False:
            reasons.append(f"reconstruction: docs/theory/smooth.md §4 does not apply to "
                           f"layer {l} (G_{l} not invertible or V_{l} not of full column "
                           "rank; a non-pyramidal network never has it)")
            verdict = False
            continue
        if None in signs or full is None:
            nums.undecided.append(f"reconstruction hypotheses for layer {l}")
            verdict = None if verdict else verdict
            continue
        W = [[net.weights[l][i][k] for i in range(len(net.weights[l]))] for k in range(prev)]
        Vp, Vl = _matrix(V[l - 1], nums.exact), _matrix(V[l], nums.exact)
        gram = Vp.transpose() * Vp
        rhs = gram.solve(Vp.transpose() * Vl)
        ginv = _matrix([[(1 / jet0.d1[l - 1][k] if k == c else nums.num(Fraction(0)))
                         for c in range(prev)] for k in range(prev)], nums.exact)
        rec = ginv * rhs
        if nums.exact:
            ok = rec == _matrix(W, True) and _ambiguity_holds(Vp, Vl, jet0.d1[l - 1], W)
        else:
            ok = all(rec[k, i].contains(ball(W[k][i])) for k in range(prev)
                     for i in range(len(W[0])))
        if not ok:
            reasons.append(f"reconstruction FAILS for layer {l}: please report it")
            verdict = False
    return verdict


def _ambiguity_holds(Vp: flint.fmpq_mat, Vl: flint.fmpq_mat, d1: Sequence[Fraction],
                     W: list[list[Fraction]]) -> bool:
    """V~_{l-1}^+ V~_l = Lambda_{l-1}^{-1} G_{l-1} W_l Lambda_l for V~ = V Lambda with a
    fixed diagonal Lambda of signs and scales (docs/theory/smooth.md §4)."""
    def lam(n: int) -> flint.fmpq_mat:
        return flint.fmpq_mat(n, n, [flint.fmpq((-1) ** k * (k + 2), k + 1) if k == c else 0
                                     for k in range(n) for c in range(n)])

    lp, ll = lam(Vp.ncols()), lam(Vl.ncols())
    vt, wt = Vp * lp, Vl * ll
    lhs = (vt.transpose() * vt).solve(vt.transpose() * wt)
    n = Vp.ncols()
    G = flint.fmpq_mat(n, n, [_fmpq(d1[k]) if k == c else 0 for k in range(n) for c in range(n)])
    return lhs == lp.inv() * G * _matrix(W, True) * ll


def entangled(net: SmoothNetwork, at: Sequence[Any] | None = None, count: bool = False,
              precision_cap: int = PRECISION_CAP) -> EntangledResult:
    """The certified facts X1-X8 about the entangled weights of ``net``.

    Parameters
    ----------
    net : SmoothNetwork
    at : rational point x*, optional
        Where to check the identity of §3 (X4) and the drift out of WW (X5).
    count : bool
        Also count the rank-one elements of WW (X7): polynomial activations and
        D <= COUNT_MAX_INPUTS only (otherwise a ``reasons`` entry says why not).
    precision_cap : int
        Largest working precision in bits for balls (tanh, logistic).

    Returns
    -------
    EntangledResult

    Example
    -------
    >>> from exactid.smooth.network import Activation
    >>> net = SmoothNetwork(Activation("polynomial", (0, 1, 1)), "sum",
    ...                     (((1, 0), (0, 1)),), ((0, 0),))
    >>> r = entangled(net)
    >>> r.dim_space, r.bound, [t[2] for t in r.isolated]
    (2, 2, [True, True])

    Reference: docs/theory/smooth.md §6 (exact) and §7 (balls).
    """
    point = None if at is None else tuple(Fraction(v) for v in at)
    if net.activation.exact:
        return _entangled_once(net, point, count, None)
    bits = PRECISION_START
    while True:
        with precision(bits):
            result = _entangled_once(net, point, count, bits)
        if result.proved or bits >= precision_cap:
            return result
        bits = min(2 * bits, precision_cap)


def _entangled_once(net: SmoothNetwork, at: tuple[Fraction, ...] | None, count: bool,
                    bits: int | None) -> EntangledResult:
    nums = _Numbers(exact=bits is None)
    reasons: list[str] = []
    D, m = net.n_inputs, net.n_neurons
    jet0 = net.jet([nums.num(Fraction(0))] * D, number=nums.num)
    vectors = entangled_weights(net, jet0)
    invertible, visible = neuron_signs(net, jet0, nums)
    r = nums.rank([[row[k] for row in net.weights[0]] for k in range(D)])
    bound = min(m, r * (r + 1) // 2)
    space = [_svec(v, D) for _, _, v in vectors]
    if nums.exact:
        dim: int | None = nums.rank(space)
    else:
        # dim WW <= bound is structural (range fact, docs/theory/smooth.md §2); a proved lower bound
        # equal to it decides the dimension.
        dim = bound if proves_rank_at_least(space, bound) else None
        if dim is None:
            nums.undecided.append(f"dim WW = {bound} (rank of the matrix space)")
    reasons += _counting_reasons(net, r, m)
    in_space, drift, identity = hessian_checks(net, jet0, space, dim, at, nums, reasons)
    isolated, tangent_ranks = isolation(net, vectors, space, dim, nums)
    if dim is not None and any(t is False for _, _, t in isolated):
        bad = [f"{l}:{i}" for (l, i, t), k in zip(isolated, tangent_ranks) if t is False]
        ranks = sorted({k for k, (_, _, t) in zip(tangent_ranks, isolated) if t is False})
        reasons.append(f"X6 fails for {len(bad)} of {m} entangled weights (projected tangent "
                       f"rank {', '.join(map(str, ranks))} < D - 1 = {D - 1}): they are not "
                       "proved isolated rank-one points of WW")
    rec = reconstruction(net, jet0, nums, reasons)
    rank_one = None
    if count:
        rank_one = _count(net, space, vectors, reasons)
    return EntangledResult(
        neurons=m, rank_w1=r, dim_space=dim, bound=bound, entangled_weights=tuple(vectors),
        invertible=tuple(invertible), visible=tuple(visible),
        hessian_in_space=tuple(in_space),
        drift=None if drift is None else tuple(drift),
        identity=None if identity is None else tuple(identity),
        isolated=tuple(isolated), tangent_ranks=tuple(tangent_ranks),
        rank_one_count=rank_one, reconstruction=rec, exact=nums.exact, precision=bits,
        undecided=tuple(dict.fromkeys(f"{u} (undecided at precision {bits} bits)"
                                      for u in nums.undecided)),
        reasons=tuple(reasons), at=at)


def _counting_reasons(net: SmoothNetwork, r: int, m: int) -> list[str]:
    """What the dimension count of docs/theory/smooth.md §8 says for (r, m), with its label."""
    D = net.n_inputs
    out = []
    if not net.pyramidal:
        out.append(f"not pyramidal (widths {list(net.widths)}; "
                   "docs/theory/smooth.md §1 needs D >= m_1 "
                   ">= ... >= m_(L-1)): the reconstruction of docs/theory/smooth.md §4 "
                   "need not apply")
    if r < D:
        out.append(f"rank W_1 = {r} < D = {D}: every entangled weight lies in range(W_1), "
                   "so the counting bounds of docs/theory/smooth.md §8 apply with r, not D "
                   "[derived]")
    safe = r * (r - 1) // 2
    if m <= safe:
        out.append(f"m = {m} <= r(r-1)/2 = {safe}: for generic weights the given m "
                   "directions are expected to be the only rank-one points of WW "
                   "[reconstruction: not proved]")
    elif m == safe + 1:
        out.append(f"m = {m} = r(r-1)/2 + 1: the rank-one points of P(WW) are finite, of "
                   f"degree 2^(r-1) = {2 ** (r - 1)} over C; if transversal, "
                   f"{2 ** (r - 1) - m} further complex points [derived, genericity assumed]")
    else:
        out.append(f"m = {m} > r(r-1)/2 + 1 = {safe + 1}: infinitely many complex rank-one "
                   "elements in WW, recovery by rank-one search is ill-posed "
                   "(docs/theory/smooth.md §8) [derived]")
    return out


def _count(net: SmoothNetwork, space: list[list[Any]],
           vectors: list[tuple[int, int, tuple[Any, ...]]], reasons: list[str]
           ) -> RankOneCount | None:
    D = net.n_inputs
    if not net.activation.exact:
        reasons.append("--count: not applicable to tanh or logistic activations (the "
                       "entries are not rational; X7 needs exact polynomial systems)")
        return None
    if D > COUNT_MAX_INPUTS:
        reasons.append(f"--count: not applicable for D = {D} > {COUNT_MAX_INPUTS} (the "
                       "Groebner bases of X7 grow too fast)")
        return None
    result = count_rank_one(space, D, [v for _, _, v in vectors])
    if result.reason:
        reasons.append(f"--count: {result.reason}")
    else:
        reasons.append(f"X7: {result.total} real rank-one directions in WW "
                       f"(charts {' + '.join(map(str, result.charts))}), {result.given} of "
                       f"them the given ones, {len(result.spurious)} spurious")
    return result
