"""Local identifiability of a ReLU network from a finite sample (``docs/theory/local.md`` §9).

Verdicts and what backs them:

- ``locally-identifiable``: condition C_S, rank Gamma = D (Bona-Pellissier, Malgouyres,
  Bachoc, NeurIPS 2022, Theorem 9; docs/theory/local.md §8).
- ``not-locally-identifiable``: C_N fails, R_Gamma = R_A < D (same paper, Theorem 8), or
  a hidden neuron never / always active on X (docs/theory/local.md §10, derived).
- ``inconclusive``: R_Gamma < R_A and R_Gamma < D (the gap: no theorem applies).
- ``not-applicable``: theta in S (docs/theory/local.md §3.1) or a sample on a kink
(docs/theory/local.md §3.3).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from typing import Any

import numpy as np

from ..certificates.schema import local_certificate
from ..display import Summarised
from ..errors import InputError
from ..explain import explain_local
from ..formats import network_to_doc
from ..jacobian import (
    backpropagate,
    float_jacobian_hint,
    frozen_edges,
    gamma_columns,
)
from ..lifting import gram_exact_matrix, gram_integer, gram_residues, pattern_rank_bound
from ..linalg import (
    PRIME_ATTEMPTS,
    CertifiedRank,
    Minor,
    certified_rank,
    modular_minor,
    modular_minor_and_kernel,
    prime_rng,
    random_prime,
    rank_on_kernel_support,
)
from ..network import Network, as_samples

__all__ = ["LocalResult", "activation_perturbation", "degenerate_neurons", "local_verdict"]

PAPER = "Bona-Pellissier, Malgouyres, Bachoc (NeurIPS 2022)"
_DEGENERATE = {"zero-outgoing": "all outgoing weights are zero",
               "zero-incoming": "all incoming weights and the bias are zero"}


@dataclass(frozen=True, repr=False)
class LocalResult(Summarised):
    """Everything the local decision procedure established (docs/theory/local.md §9).

    Layers and neurons are 0-based; hidden layer 0 is the first hidden layer.
    ``rank_activation`` is None when the verdict did not need it; in the gap,
    ``rank_activation_lower`` then holds the proved lower bound on R_A that decided it.
    ``reason`` is the certificate's claim (C_S, theorem-8, gap, never-active, always-active,
    sample-on-kink, degenerate-neuron); ``on_kink`` lists the [sample, layer, neuron] with
    pre-activation 0 and ``degenerate`` the [layer, neuron, case] that put theta in S.
    ``to_json`` adds ``next_steps``, the advice of ``exactid.explain.explain_local``.
    """

    verdict: str
    theorem: str
    params: int
    hidden: int
    dimension: int
    samples: int
    outputs: int
    paths: int
    rank_jacobian: int | None
    rank_activation: int | None
    sample_bound: int
    pattern_bound: int | None
    activation_counts: list[list[int]]
    never_active: list[list[int]]
    always_active: list[list[int]]
    frozen_edges: list[list[int]]
    reasons: list[str]
    float_rank_jacobian: int | None = None
    rank_activation_lower: int | None = None
    warnings: list[str] = field(default_factory=list)
    widths: list[int] = field(default_factory=list)
    reason: str = ""
    on_kink: list[list[int]] = field(default_factory=list)
    degenerate: list[list] = field(default_factory=list)
    certificate_data: dict | None = field(default=None, repr=False, compare=False)

    def _summary(self) -> list[tuple[str, Any]]:
        return [("verdict", self.verdict), ("rank_jacobian", self.rank_jacobian),
                ("rank_activation", self.rank_activation), ("dimension", self.dimension),
                ("samples", self.samples)]

    def _details(self) -> list[tuple[str, Any]]:
        return [("theorem", self.theorem), *(("reason", r) for r in self.reasons),
                *(("warning", w) for w in self.warnings)]

    @cached_property
    def certificate(self) -> dict | None:
        """The ``exactid.certificate/1`` document proving the verdict (built on first use)."""
        return None if self.certificate_data is None else local_certificate(**self.certificate_data)

    def to_json(self) -> dict[str, Any]:
        """The result as a JSON object (the fields above, without the certificate)."""
        doc = {k: getattr(self, k) for k in (
            "verdict", "theorem", "params", "hidden", "dimension", "samples", "outputs",
            "paths", "rank_jacobian", "rank_activation", "rank_activation_lower",
            "float_rank_jacobian",
            "sample_bound", "pattern_bound", "activation_counts", "never_active",
            "always_active", "frozen_edges", "reasons", "warnings", "widths", "reason",
            "on_kink", "degenerate")}
        doc["next_steps"] = list(explain_local(self).next_steps)
        return doc


def jacobian_rank(net: Network, samples: Sequence[Sequence[Fraction]], *,
                  seed: int | None = None) -> int:
    """The exact rank of Gamma on ``samples`` (docs/theory/local.md §5-6), proved by a
    minor and kernel vectors, without the activation rank R_A: the kernel is sought on the
    support of a modular kernel first (``linalg.rank_on_kernel_support``), then on the whole
    matrix (``linalg.certified_rank``). Requires theta not in S and no sample on a kink
    (InputError otherwise)."""
    xs = as_samples(samples, net.n_inputs)
    acts = net.activations(xs)
    if degenerate_neurons(net) or acts.zeros:
        raise InputError("the rank of Gamma needs theta not in S and no sample on a kink")
    columns = gamma_columns(net, frozen_edges(net))
    data = backpropagate(net, xs, acts)
    rng = prime_rng(seed)
    for _ in range(PRIME_ATTEMPTS):
        minor, hint = _gamma_minor(data, columns, rng)
        if minor.size == min(len(columns), data.nrows):  # no kernel needed
            return minor.size
        proved = rank_on_kernel_support(
            minor, hint, lambda support: data.exact_array([columns[c] for c in support]), rng)
        if proved is not None:
            return proved.rank
    return certified_rank(data.matrix(columns), rng).rank


def degenerate_neurons(net: Network) -> list[tuple[int, int, str]]:
    """Hidden neurons that put theta in S (docs/theory/local.md §3.1), with the case."""
    found = []
    for l, j in net.hidden_neurons():
        if all(row[j] == 0 for row in net.weights[l + 1]):
            found.append((l, j, "zero-outgoing"))
        elif all(v == 0 for v in net.weights[l][j]) and net.biases[l][j] == 0:
            found.append((l, j, "zero-incoming"))
    return found


def activation_perturbation(net: Network, layer: int, neuron: int, case: str,
                            t: Fraction) -> Network:
    """theta~_t of docs/theory/local.md §10.1 (``never-active``) or 10.2 (``always-active``)."""
    biases = [list(b) for b in net.biases]
    if case == "never-active":
        biases[layer][neuron] -= t
    elif case == "always-active":
        biases[layer][neuron] += t
        for u, row in enumerate(net.weights[layer + 1]):
            biases[layer + 1][u] -= t * row[neuron]
    else:
        raise ValueError(f"unknown case {case!r}")
    return Network(net.weights, tuple(tuple(b) for b in biases))


def _nonzero_path(net: Network, layer: int, neuron: int) -> list[int]:
    """Neurons of a path from (layer, neuron) to an output with non-zero weights (Lemma P)."""
    path = [neuron]
    for m in range(layer + 1, net.depth):
        column = [abs(row[path[-1]]) for row in net.weights[m]]
        path.append(column.index(max(column)))
    return path


def _float_rank(net: Network, samples: Sequence[Sequence[Fraction]],
                columns: Sequence[int]) -> int | None:
    """numpy's float64 rank of the same Jacobian, or None when a weight or a sample does
    not fit in float64 (the float pipeline cannot even be run; the verdict is unaffected)."""
    try:
        with np.errstate(all="ignore"):
            jac = float_jacobian_hint(net, samples, columns)
    except OverflowError:
        return None
    if not np.isfinite(jac).all():
        return None
    return int(np.linalg.matrix_rank(jac))


def local_verdict(net: Network, samples: Sequence[Sequence[Any]], *, seed: int | None = None,
                  certificate: bool = True, float_check: bool = False,
                  progress: Callable[[str], None] | None = None) -> LocalResult:
    """Decide exactly whether ``net`` is locally identifiable from ``samples``.

    Parameters
    ----------
    net : Network
        At least one hidden layer (ReLU) and an affine output layer.
    samples : sequence of points
        The finite sample X (numbers in any accepted spelling; floats taken exactly).
    seed : int or None
        Seed of the random primes, for reproducible certificates. The default draws them
        from the operating system, so that no input can be built to defeat them; any seed
        gives a proved answer.
    certificate : bool
        Attach an ``exactid.certificate/1`` document (``result.certificate``).
    float_check : bool
        Also compute numpy's float64 rank of the same Jacobian (``float_rank_jacobian``;
        None when not computed).
    progress : callable, optional
        Called with the name of each step of the procedure once it is done.

    Returns
    -------
    LocalResult

    Raises
    ------
    InputError
        If the network has no hidden layer or the samples have the wrong dimension.

    References
    ----------
    ``docs/theory/local.md`` §9 (procedure), 8 (Theorems 8 and 9 of BMB22), 10
    (activation certificates), 12 (certificates).

    Examples
    --------
    >>> net = Network.from_lists([[[1], [-2]], [[1, 1]]], [[1, 1], [0]])
    >>> local_verdict(net, [[-3], [-2], [0], [1], [2], [3]]).verdict
    'locally-identifiable'
    """
    if net.depth < 2:
        raise InputError("network has no hidden layer: local identifiability needs at "
                         "least one hidden ReLU layer")
    xs = as_samples(samples, net.n_inputs)
    if not xs:
        raise InputError("samples: at least one sample is needed")
    acts = net.activations(xs)
    counts = acts.activation_counts()
    n, d = len(xs), net.dimension
    step = _Procedure(net, xs, certificate, progress or (lambda _: None),
                      never=[[l, j] for l, j in net.hidden_neurons() if counts[l][j] == 0],
                      always=[[l, j] for l, j in net.hidden_neurons() if counts[l][j] == n],
                      base=dict(params=net.n_params, hidden=net.n_hidden, dimension=d,
                                samples=n, outputs=net.n_outputs,
                                paths=1 + sum(math.prod(net.widths[m:net.depth])
                                              for m in range(net.depth)),
                                sample_bound=-(-d // net.n_outputs), activation_counts=counts,
                                widths=list(net.widths)))
    return (step.degenerate() or step.on_kink(acts)
            or step.ranks(acts, prime_rng(seed), float_check))


class _Procedure:
    """The steps of the decision procedure
    (docs/theory/local.md §9), each returning a result or None.

    Every verdict is decided from proved numbers only: ranks come from ``CertifiedRank``
    (a non-singular minor and verified kernel vectors), never from a prime that failed.
    """

    def __init__(self, net: Network, xs: list, certificate: bool,
                 progress: Callable[[str], None], never: list, always: list,
                 base: dict) -> None:
        self.net, self.xs, self.certificate, self.progress = net, xs, certificate, progress
        self.never, self.always, self.base = never, always, base
        self.notes: list[str] = []
        self.data: Any = None  # the JacobianData, once built (its forward pass is reused)

    def finish(self, verdict: str, theorem: str, reasons: list[str], claim_reason: str,
               evidence: dict, rank_j: int | None = None, rank_a: int | None = None,
               proved_ranks: bool = True, rank_j_lower: int | None = None,
               **extra: Any) -> LocalResult:
        warnings = list(self.notes)
        fr = extra.get("float_rank_jacobian")
        if fr is not None and rank_j is not None and fr != rank_j:
            warnings.append(f"numpy.linalg.matrix_rank (float64, default tolerance) gives "
                            f"{fr} for the same Jacobian; the exact rank is {rank_j}")
        elif fr is not None and rank_j_lower is not None and fr < rank_j_lower:
            warnings.append(f"numpy.linalg.matrix_rank (float64, default tolerance) gives "
                            f"{fr} for the same Jacobian; the exact rank is at least "
                            f"{rank_j_lower}")
        cert = None
        if self.certificate:
            cert = dict(net=self.net, samples=self.xs, verdict=verdict, reason=claim_reason,
                        dimension=self.net.dimension,
                        rank_jacobian=rank_j if proved_ranks else None,
                        rank_activation=rank_a if proved_ranks else None, evidence=evidence)
            forward = None if self.data is None else vars(self.data).get("forward")
            if forward is not None:  # already computed exactly: f(X) is not recomputed
                cert["outputs"] = forward.outputs()
        extra.setdefault("never_active", self.never)
        extra.setdefault("always_active", self.always)
        return LocalResult(verdict=verdict, theorem=theorem, reason=claim_reason,
                           rank_jacobian=rank_j,
                           rank_activation=rank_a, reasons=reasons, certificate_data=cert,
                           warnings=warnings, **self.base, **extra)

    def degenerate(self) -> LocalResult | None:
        """Step 2: theta in S (docs/theory/local.md §3.1) gives not-applicable."""
        degenerate = degenerate_neurons(self.net)
        if not degenerate:
            return None
        l, j, case = degenerate[0]
        reasons = [f"hidden layer {dl} neuron {dj}: {_DEGENERATE[dc]}; theta is in S, so "
                   "Theorems 8 and 9 do not apply "
                   "(docs/theory/local.md §3.1)" for dl, dj, dc in degenerate]
        return self.finish("not-applicable", "none: theta in S "
                                             "(docs/theory/local.md §3.1)", reasons,
                           "degenerate-neuron", {"neuron": [l, j], "case": case},
                           pattern_bound=None, frozen_edges=[],
                           degenerate=[list(found) for found in degenerate])

    def on_kink(self, acts: Any) -> LocalResult | None:
        """Step 3: a sample with a zero hidden pre-activation gives not-applicable."""
        if not acts.zeros:
            return None
        i, l, j = acts.zeros[0]
        reasons = [f"sample {si} lies exactly on the kink of hidden layer {sl} neuron {sj} "
                   "(pre-activation 0): theta not in Delta_X is not verified, so no theorem "
                   "is applied (docs/theory/local.md §3.3)" for si, sl, sj in acts.zeros[:10]]
        if len(acts.zeros) > 10:
            reasons.append(f"... {len(acts.zeros) - 10} more samples on kinks")
        reasons += _activation_notes(self.never, self.always)
        frozen = [[e.layer, e.neuron, e.target] for e in frozen_edges(self.net)]
        return self.finish("not-applicable", "none: a sample lies on a kink "
                                             "(docs/theory/local.md §3.3)",
                           reasons, "sample-on-kink", {"sample": i, "neuron": [l, j]},
                           pattern_bound=None, frozen_edges=frozen,
                           on_kink=[list(z) for z in acts.zeros])

    def ranks(self, acts: Any, rng: random.Random, float_check: bool) -> LocalResult:
        """Steps 5-8: R_Gamma, then R_A, each proved, and the verdict they give."""
        net, xs, d, nout = self.net, self.xs, self.net.dimension, self.net.n_outputs
        n = len(xs)
        frozen = frozen_edges(net)
        frozen_doc = [[e.layer, e.neuron, e.target] for e in frozen]
        columns = gamma_columns(net, frozen)
        self.progress("activation patterns")
        data = self.data = backpropagate(net, xs, acts)
        pattern_bound = pattern_rank_bound(acts, net.n_inputs)
        extra: dict[str, Any] = dict(pattern_bound=pattern_bound, frozen_edges=frozen_doc)
        if float_check:
            extra["float_rank_jacobian"] = _float_rank(net, xs, columns)
            if extra["float_rank_jacobian"] is None:
                self.notes.append("the float64 cross-check was skipped: a weight, a sample or "
                                  "a Jacobian entry does not fit in float64")
        reasons: list[str] = []
        possible = True
        if n * nout < d:
            reasons.append(f"n * N_L = {n * nout} < D = {d}: C_S is impossible with this "
                           f"sample size (at least {-(-d // nout)} samples are needed, "
                           "docs/theory/local.md §11)")
            possible = False
        elif nout * pattern_bound < d:
            reasons.append(f"N_L * pattern bound = {nout * pattern_bound} < D = {d}: C_S is "
                           "impossible (docs/theory/local.md §7)")
            possible = False
        if self.never or self.always:  # docs/theory/local.md §10: R_Gamma < D, C_S cannot hold
            return self.activation_or_theorem8(data, columns, acts, rng, reasons, frozen_doc,
                                               extra)
        # R_Gamma <= D and R_Gamma <= R_A <= N_L * pattern bound: either one reached ends it
        minor, hint = _gamma_minor(data, columns, rng, min(d, nout * pattern_bound))
        self.progress(f"rank of Gamma modulo a prime (>= {minor.size}, D = {d})")
        gram: CertifiedRank | None = None
        gram_kernel: dict = {}
        lower: Minor | None = None
        gamma = None
        # A minor proves R_Gamma >= its size; kernel vectors prove the converse. An
        # unlucky prime only makes the kernel proof fail: then another prime is tried.
        # With more samples than parameters (n > D, the Gram matrix is then the larger
        # one), R_A is settled only as far as the verdict needs: a Gram minor larger than
        # R_Gamma / N_L proves the gap, and the exact rank of G is computed only otherwise.
        bound_only = n > d
        for attempt in range(PRIME_ATTEMPTS if possible else 1):
            if minor.size == d:
                return self.identifiable(minor, reasons, frozen_doc, extra)
            if minor.size == nout * pattern_bound:  # R_Gamma >= r = N_L bound >= R_A
                return self.theorem8(minor, minor.size, reasons, frozen_doc, None, extra)
            if gram is None:
                lower = (self.gram_minor(data, acts, rng, minor.size // nout + 1, minor)
                         if bound_only else None)
                if lower is None:
                    gram, gram_kernel = self.gram(data, acts, rng)
            if gram is not None and minor.size == nout * gram.rank:
                # R_Gamma >= r (the minor) = R_A >= R_Gamma
                return self.theorem8(minor, nout * gram.rank, reasons, frozen_doc,
                                     gram_kernel, extra)
            gamma = rank_on_kernel_support(
                minor, hint, lambda support: data.exact_array([columns[c] for c in support]),
                rng)
            self.progress(f"kernel of Gamma ({'proved' if gamma else 'not proved'} with "
                          f"prime {attempt + 1})")
            if gamma is not None:
                break
            other, other_hint = _gamma_minor(data, columns, rng)
            if other.size >= minor.size:
                minor, hint = other, other_hint
        if gamma is None:
            self.progress("exact rank of Gamma (the whole matrix: can be long)")
            gamma = certified_rank(data.matrix(columns), rng)  # exact: pins R_Gamma
        r = gamma.rank
        if r == d:
            return self.identifiable(gamma.minor, reasons, frozen_doc, extra)
        if gram is None and (lower is None or nout * lower.size <= r):
            lower = self.gram_minor(data, acts, rng, r // nout + 1, gamma.minor)
            if lower is None:
                gram, gram_kernel = self.gram(data, acts, rng)
        if gram is not None and r == nout * gram.rank:
            return self.theorem8(gamma.minor, r, reasons, frozen_doc, gram_kernel, extra)
        reasons.append(f"rank Gamma = {r} < D = {d}: C_S fails")
        evidence = {"frozen_edges": frozen_doc, "prime": gamma.minor.prime,
                    "jacobian_minor": _minor_doc(gamma.minor, nout),
                    "jacobian_kernel": _true_kernel(gamma, data.column_scale, columns),
                    "jacobian_kernel_minor": _minor_doc(gamma.kernel_minor, columns=False)}
        if gram is not None:
            r_a, r_a_lower = nout * gram.rank, None
            reasons.append(f"R_Gamma = {r} < R_A = {r_a} and R_Gamma < D: the gap, where "
                           "Theorems 8 and 9 draw no conclusion (docs/theory/local.md §8)")
            evidence.update(gram_minor=_minor_doc(gram.minor), **gram_kernel)
        else:
            assert lower is not None
            r_a, r_a_lower = None, nout * lower.size
            reasons.append(f"R_Gamma = {r} < {r_a_lower} <= R_A (a {lower.size} x "
                           f"{lower.size} minor of the Gram matrix non-singular modulo "
                           f"{lower.prime}) and R_Gamma < D: the gap, where Theorems 8 and "
                           "9 draw no conclusion "
                           "(docs/theory/local.md §8); R_A itself is not needed")
            evidence.update(gram_minor=_minor_doc(lower), gram_kernel=[],
                            gram_kernel_minor=_minor_doc(None, columns=False))
        return self.finish("inconclusive", "none: the gap between C_S and C_N "
                                           "(docs/theory/local.md §8)",
                           reasons, "gap", evidence, rank_j=r, rank_a=r_a,
                           rank_activation_lower=r_a_lower, **extra)

    def gram_minor(self, data: Any, acts: Any, rng: random.Random, need: int,
                   near: Minor | None = None) -> Minor | None:
        """A ``need`` x ``need`` minor of the Gram matrix G non-singular modulo a prime,
        proving R_A >= N_L need (docs/theory/local.md §7), or None when the prime finds none.

        A principal submatrix of G is the Gram matrix of those samples, so any subset may be
        tried; indices are sample indices. Tried in turn: the samples of ``near`` (a minor of
        Gamma of size r: Gamma = alpha times a matrix, so the alpha rows of its samples
        have rank >= r / N_L) with 32 more at random, which needs one elimination of about
        r / N_L rows; a random subset a little larger than ``need``; all samples.
        """
        n = len(self.xs)
        if need > n:
            return None
        xs_int, dx = data.samples_int
        p = random_prime(rng)
        nout = self.net.n_outputs
        subsets = []
        if near is not None:
            base = sorted({r // nout for r in near.rows})
            rest = sorted(set(range(n)).difference(base))
            subsets.append(sorted(base + rng.sample(rest, min(len(rest), 32))))
        subsets.append(sorted(rng.sample(range(n), min(n, need + need // 4 + 16))))
        for rows in [s for s in subsets if need <= len(s) < n] + [list(range(n))]:
            found = modular_minor([gram_residues(xs_int, dx, acts, p, rows)], len(rows), p,
                                  target=need)
            if found.size == need:
                self.progress(f"Gram matrix: rank >= {need}")
                return Minor(p, tuple(rows[i] for i in found.rows),
                             tuple(rows[j] for j in found.columns))
        return None

    def gram(self, data: Any, acts: Any, rng: random.Random) -> tuple[CertifiedRank, dict]:
        """rank G, proved (docs/theory/local.md §7), and its kernel as Theorem 8 evidence."""
        xs_int, dx = data.samples_int
        matrix, n = gram_exact_matrix(xs_int, dx, acts), len(self.xs)
        p = random_prime(rng)
        minor, hint = modular_minor_and_kernel([matrix.residues(p)], n, p)
        # kernel vectors on the support of a modular kernel: samples sharing an activation
        # pattern are dependent among themselves, so the groups are small (linalg)
        gram = CertifiedRank(n, minor) if minor.size == n else rank_on_kernel_support(
            minor, hint, lambda support: gram_integer(xs_int, dx, acts, support), rng)
        gram = gram or certified_rank(matrix, rng)
        self.progress(f"rank of the Gram matrix ({gram.rank})")
        return gram, {"gram_kernel": [list(v) for v in gram.kernel],
                      "gram_kernel_minor": _minor_doc(gram.kernel_minor, columns=False)}

    def activation_or_theorem8(self, data: Any, columns: Sequence[int], acts: Any,
                               rng: random.Random, reasons: list[str], frozen_doc: list,
                               extra: dict) -> LocalResult:
        """A neuron never or always active: not locally identifiable either way;
        docs/theory/local.md §9 names Theorem 8 when R_Gamma = R_A, the activation certificate
        otherwise.

        The incoming weights and the bias of a never-active neuron are zero columns of
        Gamma (its backpropagated gradient is zero at every sample), so R_Gamma <= D - z;
        when that is below R_A, Theorem 8 cannot apply and no rank of Gamma is computed.
        """
        nout, net = self.net.n_outputs, self.net
        zero = sum(net.widths[l] + 1 for l, _ in self.never)
        upper = net.dimension - zero
        need = upper // nout + 1  # a Gram minor this large proves R_A > upper >= R_Gamma
        lower = self.gram_minor(data, acts, rng, need)
        if lower is not None:
            reasons.append(f"R_Gamma <= D - {zero} = {upper} < {nout * need} <= R_A (the "
                           "incoming weights and biases of the never-active neurons are zero "
                           "columns of Gamma; a Gram minor non-singular modulo "
                           f"{lower.prime}): Theorem 8 does not apply")
            low = None  # a lower bound only serves the float64 cross-check
            if extra.get("float_rank_jacobian") is not None:
                low = _gamma_minor(data, columns, rng)[0].size
            return self.activation(None, low, reasons, extra)
        minor, _ = _gamma_minor(data, columns, rng)
        self.progress(f"rank of Gamma modulo a prime (>= {minor.size}, D = {net.dimension})")
        if minor.size == nout * extra["pattern_bound"]:  # R_Gamma >= r = N_L bound >= R_A
            return self.theorem8(minor, minor.size, reasons, frozen_doc, None, extra)
        gram, gram_kernel = self.gram(data, acts, rng)
        r_a = nout * gram.rank
        if minor.size == r_a:  # R_Gamma >= r (the minor) = R_A >= R_Gamma
            return self.theorem8(minor, r_a, reasons, frozen_doc, gram_kernel, extra)
        reasons.append(f"R_Gamma >= {minor.size} (a minor non-singular modulo {minor.prime}) "
                       f"and R_A = {r_a}: R_Gamma is not pinned, as the activation certificate "
                       "below decides without it")
        return self.activation(r_a, minor.size, reasons, extra)

    def identifiable(self, minor: Minor, reasons: list[str], frozen_doc: list,
                     extra: dict) -> LocalResult:
        """C_S: a D x D minor of Gamma non-singular modulo a prime (Theorem 9)."""
        d, nout = self.net.dimension, self.net.n_outputs
        reasons.append(f"C_S holds: rank Gamma = D = {d}, proved by a {d} x {d} minor "
                       f"non-singular modulo {minor.prime}; theta is locally identifiable "
                       f"from X (Theorem 9 of {PAPER}; docs/theory/local.md §8)")
        return self.finish("locally-identifiable", f"Theorem 9 of {PAPER} "
                                                   "(docs/theory/local.md §8)",
                           reasons, "C_S",
                           {"frozen_edges": frozen_doc, "prime": minor.prime,
                            "rows": [[r // nout, r % nout] for r in minor.rows]},
                           rank_j=d, **extra)

    def theorem8(self, minor: Minor, r_a: int, reasons: list[str], frozen_doc: list,
                 gram_kernel: dict | None, extra: dict) -> LocalResult:
        """C_N fails: R_Gamma = R_A < D (Theorem 8). R_A <= r comes from the Gram kernel, or
        (``gram_kernel`` None) from the pattern bound of
        docs/theory/local.md §7 when N_L times it is r."""
        r, d = minor.size, self.net.dimension
        reasons.append(f"rank Gamma = {r} < D = {d}: C_S fails")
        if gram_kernel is None:
            reasons.append(f"R_A <= N_L * pattern bound = {r} (samples sharing an activation "
                           "pattern have alpha rows affine in x; "
                           "docs/theory/local.md §7, derived), and "
                           f"R_Gamma >= {r} (a minor non-singular modulo {minor.prime})")
            gram_kernel = {"gram_kernel": [],
                           "gram_kernel_minor": _minor_doc(None, columns=False)}
        reasons.append(f"R_Gamma = R_A = {r} < D = {d}: C_N fails, so theta is not locally "
                       f"identifiable from X (Theorem 8 of {PAPER}; docs/theory/local.md §8)")
        return self.finish("not-locally-identifiable", f"Theorem 8 of {PAPER} "
                                                       "(docs/theory/local.md §8)",
                           reasons + _activation_notes(self.never, self.always), "theorem-8",
                           {"frozen_edges": frozen_doc, "prime": minor.prime,
                            "jacobian_minor": _minor_doc(minor, self.net.n_outputs),
                            **gram_kernel},
                           rank_j=r, rank_a=r_a, **extra)

    def activation(self, r_a: int | None, r_low: int | None, reasons: list[str],
                   extra: dict) -> LocalResult:
        """A neuron never or always active on X (docs/theory/local.md §10): a direct proof."""
        case = "never-active" if self.never else "always-active"
        l, j = (self.never or self.always)[0]
        perturbed = activation_perturbation(self.net, l, j, case, Fraction(1))
        return self.finish("not-locally-identifiable",
                           f"activation certificate, {case} neuron "
                           "(docs/theory/local.md §10, derived)",
                           reasons + _activation_notes(self.never, self.always), case,
                           {"neuron": [l, j], "t": 1,
                            "perturbed_network": network_to_doc(perturbed),
                            "path": _nonzero_path(self.net, l, j)},
                           rank_a=r_a, proved_ranks=False, rank_j_lower=r_low, **extra)


def _gamma_minor(data: Any, columns: Sequence[int], rng: random.Random,
                 rank_bound: int | None = None) -> tuple[Minor, np.ndarray]:
    """The largest minor of Gamma non-singular modulo a random prime, which proves
    R_Gamma >= its size (an unlucky prime gives a smaller minor, never a wrong one), and
    the kernel of Gamma modulo that prime (a hint for ``rank_on_kernel_support``), unless
    the minor reaches ``rank_bound``, a proved upper bound on R_Gamma: then no further
    row is computed, and the kernel is that of the rows read."""
    p = random_prime(rng, avoid=data.denominators)
    return modular_minor_and_kernel(data.residue_blocks(p, columns, first_rows=len(columns)),
                                    len(columns), p, rank_bound)


def _minor_doc(minor: Minor | None, nout: int | None = None,
               columns: bool = True) -> dict[str, Any]:
    """A minor as evidence: rows ([sample, output] pairs when ``nout``), columns, prime."""
    if minor is None:
        return {"rows": [], "prime": None}
    rows = [[i // nout, i % nout] for i in minor.rows] if nout else list(minor.rows)
    doc: dict[str, Any] = {"rows": rows}
    if columns:
        doc["columns"] = list(minor.columns)
    doc["prime"] = minor.prime
    return doc


def _true_kernel(rank: CertifiedRank, scale: Sequence[Fraction],
                 columns: Sequence[int]) -> list[list[int]]:
    """Kernel vectors of the true Gamma from those of J_int = Gamma diag(1 / scale)."""
    out = []
    for v in rank.kernel:
        support = [a for a, x in enumerate(v) if x]
        q = {a: Fraction(v[a]) / scale[columns[a]] for a in support}
        den = math.lcm(*(x.denominator for x in q.values()))
        ints = [0] * len(v)
        for a, x in q.items():
            ints[a] = x.numerator * (den // x.denominator)
        g = math.gcd(*ints)
        out.append([x // g for x in ints])
    return out


def _activation_notes(never: list, always: list) -> list[str]:
    notes = [f"hidden layer {l} neuron {j} is never active on X: lowering its bias keeps "
             "f(X) and changes phi, so theta is not locally identifiable from X "
             "(docs/theory/local.md §10.1)" for l, j in never]
    notes += [f"hidden layer {l} neuron {j} is always active on X: raising its bias and "
              "compensating downstream keeps f(X) and changes phi (docs/theory/local.md §10.2)"
              for l, j in always]
    return notes
