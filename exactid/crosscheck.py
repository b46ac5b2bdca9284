"""The exact rank of the reduced Jacobian Gamma against the ranks float tools report for it.

Float tools decide the rank of Gamma (docs/theory/local.md §5) from its singular values S and a
threshold; exactid proves it (``linalg.certified_rank``). This module computes both for the
same matrix (the same columns: all parameters except the frozen edges, docs/theory/local.md §4):

- ``matrix_rank``: ``numpy.linalg.matrix_rank`` with its default tolerance,
  S > S.max() * max(M, N) * eps, eps that of the matrix's dtype;
- ``fd_threshold``: the rule of the published functional-dimension code of
  Bona-Pellissier, Malgouyres, Bachoc (NeurIPS 2022), S >= S.max() * max(M, N) * eps;

each on Gamma rounded to float64 and to float32, and on Gamma computed in float32
arithmetic end to end as a training framework would (the ``_float32_pass`` methods; the
functional-dimension code copies such float32 gradients into a float64 array, so its rule
is applied there in float64).

The rescaling stress test repeats this on exactly equivalent networks
(``symmetry.rescale_layers`` by 10^k): there Gamma' = Gamma D for a positive diagonal D
(f_{T theta} = f_theta for the linear map T, so J(T theta) = J(theta) T^-1, and the frozen
edges do not move), hence the exact rank is the same, while the float ranks may change.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from .display import Summarised
from .errors import InputError
from .explain import explain_crosscheck
from .jacobian import float_jacobian_hint, frozen_edges, gamma_columns
from .network import Network, as_samples
from .numbers import format_rational
from .symmetry import rescale_layers
from .verdicts.local import jacobian_rank, local_verdict

__all__ = ["RESCALING_EXPONENTS", "CrosscheckResult", "FloatRank", "RescaledRanks",
           "crosscheck"]

RESCALING_EXPONENTS = (-12, -6, -3, 3, 6, 12)
"""The rescaling factors 10^k of the stress test."""


@dataclass(frozen=True)
class FloatRank:
    """The rank one float tool reports for Gamma; ``agrees`` compares it with the exact
    rank (None when either is unknown). ``tolerance`` is the threshold on the singular
    values; both are None when the matrix does not fit in ``dtype``."""

    method: str
    dtype: str
    tolerance: float | None
    rank: int | None
    agrees: bool | None

    def to_json(self) -> dict[str, Any]:
        return {"method": self.method, "dtype": self.dtype, "tolerance": self.tolerance,
                "rank": self.rank, "agrees": self.agrees}


@dataclass(frozen=True)
class RescaledRanks:
    """The float ranks of Gamma for the network with every hidden layer rescaled by
    ``factor`` (the same function; the same exact rank)."""

    factor: Fraction
    float_ranks: tuple[FloatRank, ...]

    def to_json(self) -> dict[str, Any]:
        return {"factor": format_rational(self.factor),
                "float": [r.to_json() for r in self.float_ranks]}


@dataclass(frozen=True, repr=False)
class CrosscheckResult(Summarised):
    """The local verdict, the exact rank of Gamma (None when Gamma is not defined at the
    samples: a sample on a kink or theta in S) and the float tools' ranks."""

    verdict: str
    rank_exact: int | None
    dimension: int
    float_ranks: tuple[FloatRank, ...]
    rescaling: tuple[RescaledRanks, ...]
    notes: tuple[str, ...] = ()

    def _summary(self) -> list[tuple[str, Any]]:
        total = len(self.float_ranks) + sum(len(s.float_ranks) for s in self.rescaling)
        return [("verdict", self.verdict), ("rank_exact", self.rank_exact),
                ("dimension", self.dimension),
                ("disagreements", self.disagreements), ("float_ranks", total)]

    def _table(self) -> tuple[list[str], list[list[Any]]] | None:
        return (["method", "dtype", "tolerance", "rank", "agrees"],
                [[r.method, r.dtype, r.tolerance, r.rank, r.agrees] for r in self.float_ranks])

    @property
    def disagreements(self) -> int:
        """How many float ranks (at the network and at its rescalings) differ from the
        exact rank; a rank that could not be computed (None) is not counted."""
        ranks = list(self.float_ranks) + [r for s in self.rescaling for r in s.float_ranks]
        return sum(1 for r in ranks if r.agrees is False)

    def to_json(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "rank_exact": self.rank_exact,
                "dimension": self.dimension,
                "float": [r.to_json() for r in self.float_ranks],
                "rescaling": [s.to_json() for s in self.rescaling],
                "disagreements": self.disagreements, "notes": list(self.notes),
                "next_steps": list(explain_crosscheck(self).next_steps)}


def crosscheck(net: Network, samples: Sequence[Sequence[Any]], *,
               exponents: Sequence[int] = RESCALING_EXPONENTS,
               seed: int | None = None,
               progress: Callable[[str], None] | None = None) -> CrosscheckResult:
    """Return the exact rank of Gamma at ``samples`` with the ranks float tools give for it.

    Parameters
    ----------
    net : Network
        At least one hidden layer; no hidden neuron with all outgoing weights zero (Gamma
        drops one outgoing edge per hidden neuron, docs/theory/local.md §4).
    samples : sequence of points
        The finite sample X (numbers in any accepted spelling; floats taken exactly).
    exponents : sequence of int
        The stress test rescales every hidden layer by 10^k for each k.
    seed : int or None
        Seed of the random primes of the exact rank (``local_verdict``).
    progress : callable, optional
        Called with a line of text after each step (``exactid.progress``).

    Returns
    -------
    CrosscheckResult

    Raises
    ------
    InputError
        No hidden layer, samples of the wrong dimension, or a hidden neuron whose outgoing
        weights are all zero.

    References
    ----------
    Bona-Pellissier, Malgouyres, Bachoc, "Local Identifiability of Deep ReLU Neural
    Networks: the Theory", NeurIPS 2022, arXiv 2206.07424 (Gamma, Theorems 8 and 9; their
    code's rank rule); docs/crosscheck.md.

    Examples
    --------
    >>> net = Network.from_lists([[[1], [-2]], [[1, 1]]], [[1, 1], [0]])
    >>> r = crosscheck(net, [[-3], [-2], [0], [1], [2], [3]], exponents=[12])
    >>> r.verdict, r.rank_exact, r.float_ranks[0].rank
    ('locally-identifiable', 5, 5)
    >>> [(f.method, f.dtype, f.rank) for f in r.rescaling[0].float_ranks[:3]]
    [('matrix_rank', 'float64', 5), ('fd_threshold', 'float64', 5), ('matrix_rank', 'float32', 1)]
    """
    xs = as_samples(samples, net.n_inputs)
    local = local_verdict(net, xs, seed=seed, certificate=False, progress=progress)
    report = progress or (lambda _: None)
    rank = local.rank_jacobian
    if rank is None and local.verdict != "not-applicable":
        rank = jacobian_rank(net, xs, seed=seed)  # an activation certificate skipped it
    try:
        columns = gamma_columns(net, frozen_edges(net))
    except InputError as exc:
        raise InputError(f"crosscheck needs Gamma, which drops one non-zero outgoing edge "
                         f"per hidden neuron: {exc}") from None
    notes: list[str] = []
    base = _float_ranks(net, xs, columns, rank, notes, "")
    report("float ranks")
    rescaling = []
    for k in exponents:
        factor = Fraction(10) ** k
        ranks = _float_ranks(rescale_layers(net, factor), xs, columns, rank, notes,
                             f"rescaled by 10^{k}: ")
        rescaling.append(RescaledRanks(factor, ranks))
        report(f"float ranks, rescaled by 10^{k}")
    return CrosscheckResult(local.verdict, rank, local.dimension, base, tuple(rescaling),
                            tuple(notes))


def _float_ranks(net: Network, xs: Sequence[Sequence[Fraction]], columns: Sequence[int],
                 exact: int | None, notes: list[str], where: str) -> tuple[FloatRank, ...]:
    """The six float ranks of Gamma, each matrix built and decomposed once."""
    out: list[FloatRank] = []
    matrix = _finite_hint(lambda: float_jacobian_hint(net, xs, columns), np.float64,
                          notes, f"{where}Gamma rounded to float64")
    for dtype in (np.float64, np.float32):
        if dtype is np.float32 and matrix is not None:
            matrix = _finite_hint(matrix.astype, np.float32, notes,
                                  f"{where}Gamma rounded to float32", np.float32)
        sv = _singular_values(matrix, notes, where)
        out += [_threshold_rank("matrix_rank", dtype, sv, matrix, exact, inclusive=False),
                _threshold_rank("fd_threshold", dtype, sv, matrix, exact, inclusive=True)]
    passed = _finite_hint(lambda: float_jacobian_hint(net, xs, columns, np.float32),
                          np.float32, notes, f"{where}Gamma computed in float32")
    sv = _singular_values(passed, notes, where)
    out.append(_threshold_rank("matrix_rank_float32_pass", np.float32, sv, passed, exact,
                               inclusive=False))
    widened = None if passed is None else passed.astype(np.float64)
    sv = _singular_values(widened, notes, where)
    out.append(_threshold_rank("fd_threshold_float32_pass", np.float64, sv, widened, exact,
                               inclusive=True))
    return tuple(out)


def _finite_hint(build: Callable[..., np.ndarray], dtype: type, notes: list[str],
                 what: str, *args: Any) -> np.ndarray | None:
    """The float matrix ``build`` returns, or None (with a note) when a weight, a sample or
    an entry does not fit in ``dtype``: the float tool cannot even be run."""
    try:
        with np.errstate(all="ignore"):
            matrix = build(*args)
    except OverflowError:
        matrix = None
    if matrix is None or not np.isfinite(matrix).all():
        notes.append(f"{what}: a weight, a sample or an entry does not fit in "
                     f"{np.dtype(dtype).name}; no float rank")
        return None
    return matrix


def _singular_values(matrix: np.ndarray | None, notes: list[str],
                     where: str) -> np.ndarray | None:
    if matrix is None:
        return None
    try:
        with np.errstate(all="ignore"):
            sv = np.linalg.svd(matrix, compute_uv=False)
    except np.linalg.LinAlgError:
        sv = None
    if sv is None or not np.isfinite(sv).all():
        notes.append(f"{where}the {matrix.dtype.name} SVD did not converge; no float rank")
        return None
    return sv


def _threshold_rank(method: str, dtype: type, sv: np.ndarray | None,
                    matrix: np.ndarray | None, exact: int | None,
                    inclusive: bool) -> FloatRank:
    """The number of singular values above S.max() * max(M, N) * eps (``inclusive``: at
    or above), as numpy's ``matrix_rank`` and the functional-dimension code count them."""
    name = np.dtype(dtype).name
    if sv is None or matrix is None:
        return FloatRank(method, name, None, None, None)
    tol = float(sv.max(initial=0.0)) * max(matrix.shape) * float(np.finfo(dtype).eps)
    rank = int(np.count_nonzero(sv >= tol if inclusive else sv > tol))
    return FloatRank(method, name, tol, rank, None if exact is None else rank == exact)


