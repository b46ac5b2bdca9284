"""Align a float estimate B of a network A (an extracted or re-trained copy) and measure
exactly how far it is from A once hidden neurons are matched.

B is only known up to the symmetries of ReLU networks: a permutation and a positive
rescaling of each hidden layer (docs/theory/local.md §1.6). The matching is a float hint: layer by
layer, each neuron's incoming weights and bias are normalised and the neurons of A and B
paired by the largest total cosine similarity (``scipy.optimize.linear_sum_assignment``).
Everything reported is then exact: the scalings are ratios of rationals, B is brought into
A's frame by exact rescalings and permutations (``symmetry.rescale_neuron``,
``symmetry.permute_layer``), and the weight errors and the function difference
(``compare.compare``) are exact rationals.

Convention (the one of ``exactid equiv --json``): ``permutations[l][j]`` is the neuron of
B's hidden layer l that neuron j of A maps to, and ``scalings[l][j]`` > 0 the factor by
which A's neuron j is rescaled to become it, layers taken in order; when B is an exact
copy, rescaling and permuting A this way gives B.

SciPy is a core dependency for this module alone (``linear_sum_assignment`` is the
matching of every ``exactid align`` run, so it is not an optional extra); it is imported
inside ``_matching_hint`` so that ``import exactid`` and the other commands never load it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from .compare import Comparison, compare
from .display import Summarised
from .domain import Domain
from .errors import InputError
from .network import Network
from .numbers import format_rational
from .symmetry import permute_layer, rescale_neuron

__all__ = ["Alignment", "align"]


@dataclass(frozen=True, repr=False)
class Alignment(Summarised):
    """Result of ``align``: the matching (equiv's convention), B in A's frame (``aligned``)
    and, per layer of the network (hidden and output), the largest |aligned - A| entry
    of its weights and bias divided by the largest |A| entry of that layer (the absolute
    error when that layer of A is zero). ``comparison`` holds max |f_A - f_B| on a domain
    when one was given."""

    permutations: tuple[tuple[int, ...], ...]
    scalings: tuple[tuple[Fraction, ...], ...]
    max_weight_error: tuple[Fraction, ...]
    aligned: Network
    comparison: Comparison | None = None

    def _summary(self) -> list[tuple[str, Any]]:
        return [("equivalent", self.equivalent),
                ("max_weight_error", list(self.max_weight_error)),
                ("max_abs_difference", self.max_abs_difference)]

    def _details(self) -> list[tuple[str, Any]]:
        return [("permutations", [list(p) for p in self.permutations]),
                ("scalings", [list(s) for s in self.scalings])]

    @property
    def equivalent(self) -> bool:
        """True when the aligned weights are exactly those of A (then f_A = f_B)."""
        return not any(self.max_weight_error)

    @property
    def max_abs_difference(self) -> Fraction | None:
        """max over the domain and the outputs of |f_A - f_B| (None without a domain)."""
        return None if self.comparison is None else max(self.comparison.max_abs_difference)

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "permutations": [list(p) for p in self.permutations],
            "scalings": [[format_rational(v) for v in s] for s in self.scalings],
            "max_weight_error": [format_rational(v) for v in self.max_weight_error],
            "max_weight_error_float": [float(v) for v in self.max_weight_error],
            "equivalent": self.equivalent,
        }
        if self.comparison is not None:
            witness = self.comparison.witness
            doc["max_abs_difference"] = format_rational(self.max_abs_difference)
            doc["witness"] = None if witness is None else [format_rational(v) for v in witness]
        return doc


def align(a: Network, b: Network, domain: Domain | None = None) -> Alignment:
    """Return the permutation and positive scaling of each hidden layer that best map B
    onto A, with the exact weight errors left after alignment.

    Parameters
    ----------
    a : Network
        The reference network.
    b : Network
        An estimate of A (same widths), e.g. floats taken exactly.
    domain : Domain, optional
        Also compute the exact max |f_A - f_B| on this polytope and a point attaining it.

    Returns
    -------
    Alignment

    Raises
    ------
    InputError
        If the widths differ or the domain's dimension is not the number of inputs.

    Examples
    --------
    >>> from exactid.symmetry import permute_layer, rescale_neuron
    >>> a = Network.from_lists([[[1, 2], [3, -1]], [[1, 1]]], [[0, 1], [0]])
    >>> b = permute_layer(rescale_neuron(a, 0, 0, 4), 0, [1, 0])
    >>> r = align(a, b)
    >>> r.permutations, [[str(s) for s in lams] for lams in r.scalings], r.equivalent
    (((1, 0),), [['4', '1']], True)
    """
    if a.widths != b.widths:
        raise InputError(f"align needs networks of the same widths: {list(a.widths)} and "
                         f"{list(b.widths)}")
    if domain is not None and domain.dim != a.n_inputs:
        raise InputError(f"the domain has dimension {domain.dim}, the networks expect "
                         f"{a.n_inputs} inputs")
    current, perms, scalings = b, [], []
    for layer in range(len(a.hidden_widths)):
        perm = _matching_hint(a, current, layer)
        norms_a = [_norm(row) for row in _rows(a, layer)]
        norms_b = [_norm(row) for row in _rows(current, layer)]
        lams = [_scaling(a, current, layer, j, t, norms_a[j], norms_b[t])
                for j, t in enumerate(perm)]
        for j, t in enumerate(perm):
            current = rescale_neuron(current, layer, t, 1 / lams[j])
        current = permute_layer(current, layer, perm)
        perms.append(tuple(perm))
        scalings.append(tuple(lams))
    errors = tuple(_relative_error(a, current, layer) for layer in range(a.depth))
    comparison = None if domain is None else compare(a, b, domain)
    return Alignment(tuple(perms), tuple(scalings), errors, current, comparison)


def _rows(net: Network, layer: int) -> list[list[Fraction]]:
    """Each neuron's incoming weights followed by its bias."""
    return [list(w) + [bias] for w, bias in zip(net.weights[layer], net.biases[layer])]


def _norm(values: Sequence[Fraction]) -> Fraction:
    return max((abs(v) for v in values), default=Fraction(0))


def _unit_rows_hint(rows: list[list[Fraction]]) -> np.ndarray:
    """Rows divided exactly by their largest |entry|, then as float64 of Euclidean norm 1
    (so that no weight, however large or small, overflows)."""
    out = np.zeros((len(rows), len(rows[0])))
    for i, row in enumerate(rows):
        s = _norm(row)
        if s:
            out[i] = [float(v / s) for v in row]
            out[i] /= np.linalg.norm(out[i])
    return out


def _matching_hint(a: Network, b: Network, layer: int) -> list[int]:
    """perm[j]: the neuron of B paired with neuron j of A, maximising the total cosine
    similarity of the normalised incoming rows (a float hint; nothing exact relies on
    it being optimal)."""
    from scipy.optimize import linear_sum_assignment

    cosine = _unit_rows_hint(_rows(a, layer)) @ _unit_rows_hint(_rows(b, layer)).T
    rows, cols = linear_sum_assignment(cosine, maximize=True)
    perm = [0] * len(rows)
    for j, t in zip(rows, cols):
        perm[int(j)] = int(t)
    return perm


def _scaling(a: Network, b: Network, layer: int, j: int, t: int, sa: Fraction,
             sb: Fraction) -> Fraction:
    """The positive factor taking A's neuron j to B's neuron t: sb / sa, the ratio of the
    largest |entries| of their incoming rows, or of their outgoing columns (inverted) when
    a row is zero, else 1 (as ``symmetry.equivalence`` chooses it)."""
    if sa and sb:
        return sb / sa
    ca = _norm([row[j] for row in a.weights[layer + 1]])
    cb = _norm([row[t] for row in b.weights[layer + 1]])
    return ca / cb if ca and cb else Fraction(1)


def _relative_error(a: Network, aligned: Network, layer: int) -> Fraction:
    ra, rb = _rows(a, layer), _rows(aligned, layer)
    diff = max(abs(u - v) for x, y in zip(ra, rb) for u, v in zip(x, y))
    scale = max(_norm(row) for row in ra)
    return diff / scale if scale else diff
