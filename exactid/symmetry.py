"""Symmetries of ReLU networks: positive rescaling, permutation, canonical form, equivalence.

The equivalence ~P (positive rescaling of hidden neurons plus permutations of each
hidden layer) is decided with the canonical form of ``docs/theory/deep_global.md`` §1.1 (for
one hidden layer, ``docs/theory/shallow.md`` §1.1): layer by layer, normalise each neuron's
incoming row and bias by its largest absolute entry, compensate on the outgoing column,
and sort. Ties (equal normalised rows) are resolved by trying every ordering inside each
tie group; a neuron with zero incoming row and bias is normalised by its outgoing column
in the last hidden layer only; before the last hidden layer such neurons make the
canonical form non-unique and the test may answer "undecided".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import permutations, product
from typing import Any

from .display import Summarised
from .errors import InputError
from .network import Network

__all__ = [
    "CanonicalForm",
    "Equivalence",
    "canonical_form",
    "equivalence",
    "permute_layer",
    "rescale_layers",
    "rescale_neuron",
]

MAX_TIE_ORDERINGS = 100_000


def rescale_neuron(net: Network, layer: int, neuron: int, lam: Fraction | int) -> Network:
    """Return theta with hidden neuron (layer, neuron) rescaled by lam != 0.

    Incoming row and bias are multiplied by lam, the outgoing column divided by lam. For
    lam > 0 the function is unchanged (docs/theory/local.md §1.6); for lam < 0 only phi is (2.5).
    """
    lam = Fraction(lam)
    if lam == 0:
        raise InputError("rescale_neuron: the factor must be non-zero")
    _check_hidden(net, layer, neuron)
    weights = [list(map(list, w)) for w in net.weights]
    biases = [list(b) for b in net.biases]
    weights[layer][neuron] = [v * lam for v in weights[layer][neuron]]
    biases[layer][neuron] *= lam
    for row in weights[layer + 1]:
        row[neuron] /= lam
    return _build(weights, biases)


def permute_layer(net: Network, layer: int, perm: Sequence[int]) -> Network:
    """Return theta with hidden layer ``layer`` reordered: new neuron i is old ``perm[i]``."""
    width = net.hidden_widths[layer] if 0 <= layer < len(net.hidden_widths) else -1
    if sorted(perm) != list(range(width)):
        raise InputError(f"permute_layer: {list(perm)} is not a permutation of hidden layer "
                         f"{layer}")
    weights = [list(map(list, w)) for w in net.weights]
    biases = [list(b) for b in net.biases]
    weights[layer] = [weights[layer][p] for p in perm]
    biases[layer] = [biases[layer][p] for p in perm]
    weights[layer + 1] = [[row[p] for p in perm] for row in weights[layer + 1]]
    return _build(weights, biases)


def rescale_layers(net: Network, factor: Fraction | int) -> Network:
    """Return theta with every hidden layer rescaled by ``factor`` > 0, one after another.

    Hidden layer l's incoming weights and bias are multiplied by c and the next layer's
    weights divided by c, for each hidden layer in turn: hidden layer l then outputs
    c^(l+1) times the original, so W_l becomes c W_l, b_l becomes c^(l+1) b_l and the output
    weights W_L / c^(L-1). The function is unchanged (docs/theory/local.md §1.6).

    Examples
    --------
    >>> net = Network.from_lists([[[1]], [[2]], [[3]]], [[1], [1], [1]])
    >>> big = rescale_layers(net, 10)
    >>> [str(w[0][0]) for w in big.weights], [str(b[0]) for b in big.biases]
    (['10', '20', '3/100'], ['10', '100', '1'])
    >>> big([5]) == net([5])
    True
    """
    c = Fraction(factor)
    if c <= 0:
        raise InputError(f"rescale_layers: the factor must be positive, got {c}")
    hidden = len(net.hidden_widths)
    weights, biases = [], []
    for l, (w, b) in enumerate(zip(net.weights, net.biases)):
        out_scale = c ** (l + 1) if l < hidden else Fraction(1)
        ratio = out_scale / c ** l
        weights.append([[v * ratio for v in row] for row in w])
        biases.append([v * out_scale for v in b])
    return _build(weights, biases)


def _build(weights: list, biases: list) -> Network:
    return Network(tuple(tuple(tuple(r) for r in w) for w in weights),
                   tuple(tuple(b) for b in biases))


def _check_hidden(net: Network, layer: int, neuron: int) -> None:
    if not (0 <= layer < len(net.hidden_widths) and 0 <= neuron < net.hidden_widths[layer]):
        raise InputError(f"hidden layer {layer} neuron {neuron} does not exist")


def _row(net: Network, layer: int, j: int) -> tuple[Fraction, ...]:
    return tuple(net.weights[layer][j]) + (net.biases[layer][j],)


def _norm(values: Sequence[Fraction]) -> Fraction:
    return max((abs(v) for v in values), default=Fraction(0))


def _normalise_layer(net: Network, layer: int) -> tuple[Network, list[tuple]]:
    """Rescale every neuron of a hidden layer; return the network and each neuron's key."""
    last_hidden = layer == len(net.hidden_widths) - 1
    keys = []
    for j in range(net.hidden_widths[layer]):
        s = _norm(_row(net, layer, j))
        if s > 0:
            net = rescale_neuron(net, layer, j, 1 / s)
            keys.append((0,) + _row(net, layer, j))
        else:
            column = [row[j] for row in net.weights[layer + 1]]
            c = _norm(column)
            if last_hidden and c > 0:
                net = rescale_neuron(net, layer, j, c)  # divides the column by c
            # Dead neurons sort last; in the last hidden layer they form one tie group.
            keys.append((1,) + _row(net, layer, j))
    return net, keys


def _sort_order(keys: list[tuple]) -> list[int]:
    return sorted(range(len(keys)), key=lambda j: keys[j])


@dataclass(frozen=True)
class CanonicalForm:
    """canon(theta) of docs/theory/deep_global.md §1.1, and whether it alone decides ~P.

    ``unique`` is False when some layer has ties (equal normalised rows) or a neuron with
    zero incoming row and bias before the last hidden layer; ``notes`` says where.
    """

    network: Network
    unique: bool
    notes: tuple[str, ...]


def canonical_form(net: Network) -> CanonicalForm:
    """Return the canonical form of theta modulo positive rescaling and permutation.

    Examples
    --------
    >>> a = Network.from_lists([[[2, 0], [0, 1]], [[1, 1]]], [[2, 0], [0]])
    >>> b = permute_layer(rescale_neuron(a, 0, 0, 3), 0, [1, 0])
    >>> canonical_form(a).network == canonical_form(b).network
    True
    """
    notes = []
    for layer in range(len(net.hidden_widths)):
        net, keys = _normalise_layer(net, layer)
        notes += _tie_notes(keys, layer, layer == len(net.hidden_widths) - 1)
        net = permute_layer(net, layer, _sort_order(keys))
    return CanonicalForm(net, not notes, tuple(notes))


def _tie_notes(keys: list[tuple], layer: int, last_hidden: bool) -> list[str]:
    notes = []
    seen: dict[tuple, list[int]] = {}
    for j, k in enumerate(keys):
        seen.setdefault(k, []).append(j)
    for group in seen.values():
        if len(group) > 1:
            notes.append(f"hidden layer {layer}: neurons {group} have equal normalised rows "
                         "(twins); the canonical form depends on their order")
    dead = [j for j, k in enumerate(keys) if k[0] == 1]
    if dead and not last_hidden:
        notes.append(f"hidden layer {layer}: neurons {dead} have zero incoming row and bias "
                     "before the last hidden layer; canonical forms do not decide ~P there "
                     "(docs/theory/deep_global.md §1.1)")
    return notes


@dataclass(frozen=True, repr=False)
class Equivalence(Summarised):
    """Outcome of the ~P test.

    ``equivalent`` is True (with ``permutations[l][j]``, the neuron of B that neuron j of
    A maps to, and ``scalings[l][j]`` > 0, verified exactly), False (with the first
    ``obstruction``), or None when the test cannot decide (``obstruction`` says why).
    """

    equivalent: bool | None
    permutations: tuple[tuple[int, ...], ...] | None = None
    scalings: tuple[tuple[Fraction, ...], ...] | None = None
    obstruction: str | None = None

    def _summary(self) -> list[tuple[str, Any]]:
        if self.equivalent:
            return [("equivalent", True), ("permutations", self.permutations),
                    ("scalings", self.scalings)]
        return [("equivalent", self.equivalent), ("obstruction", self.obstruction)]

    def to_json(self) -> dict:
        from .numbers import format_rational

        return {
            "equivalent": self.equivalent,
            "permutations": None if self.permutations is None
            else [list(p) for p in self.permutations],
            "scalings": None if self.scalings is None
            else [[format_rational(v) for v in s] for s in self.scalings],
            "obstruction": self.obstruction,
        }


def _apply_layer(net: Network, layer: int, perm: Sequence[int],
                 lams: Sequence[Fraction]) -> Network:
    """Rescale neuron j of a hidden layer by lams[j], then move it to position perm[j]."""
    for j, lam in enumerate(lams):
        net = rescale_neuron(net, layer, j, lam)
    inverse = [0] * len(perm)
    for j, target in enumerate(perm):
        inverse[target] = j
    return permute_layer(net, layer, inverse)


def _apply(net: Network, perms: Sequence[Sequence[int]],
           scalings: Sequence[Sequence[Fraction]]) -> Network:
    for layer, (perm, lams) in enumerate(zip(perms, scalings)):
        net = _apply_layer(net, layer, perm, lams)
    return net


def _mapping(a: Network, b: Network, perms: list[list[int]]) -> list[list[Fraction]]:
    """Positive scalings that make A match B once the permutations are fixed."""
    scalings = []
    current = a
    for layer, perm in enumerate(perms):
        lams = []
        for j, target in enumerate(perm):
            sa, sb = _norm(_row(current, layer, j)), _norm(_row(b, layer, target))
            if sa > 0 and sb > 0:
                lams.append(sb / sa)
                continue
            ca = _norm([row[j] for row in current.weights[layer + 1]])
            cb = _norm([row[target] for row in b.weights[layer + 1]])
            lams.append(ca / cb if ca > 0 and cb > 0 else Fraction(1))
        scalings.append(lams)
        current = _apply_layer(current, layer, perm, lams)
    return scalings


def equivalence(a: Network, b: Network) -> Equivalence:
    """Decide whether B = A up to positive rescaling and permutation of hidden neurons (~P).

    Returns the permutations and scalings mapping A onto B (checked by rebuilding B
    exactly) or the first obstruction found. Reference: docs/theory/deep_global.md §1.1,
    docs/theory/shallow.md §1.1.

    Examples
    --------
    >>> a = Network.from_lists([[[1], [-1]], [[1, 2]]], [[0, 1], [0]])
    >>> equivalence(a, permute_layer(a, 0, [1, 0])).equivalent
    True
    >>> equivalence(a, rescale_neuron(a, 0, 0, -1)).equivalent
    False
    """
    if a.widths != b.widths:
        return Equivalence(False, obstruction=f"widths differ: {list(a.widths)} vs "
                                              f"{list(b.widths)}")
    hidden = len(a.hidden_widths)
    undecided_reason = None
    for layer in range(hidden):
        da = sum(1 for j in range(a.hidden_widths[layer]) if _norm(_row(a, layer, j)) == 0)
        db = sum(1 for j in range(b.hidden_widths[layer]) if _norm(_row(b, layer, j)) == 0)
        if da != db:
            return Equivalence(False, obstruction=f"hidden layer {layer}: {da} neurons with "
                               f"zero incoming row and bias in A, {db} in B")
        if da and layer < hidden - 1:
            undecided_reason = (f"hidden layer {layer} has neurons with zero incoming row and "
                                "bias before the last hidden layer: canonical forms cannot "
                                "decide ~P (docs/theory/deep_global.md §1.1)")
    budget = [MAX_TIE_ORDERINGS]
    found, obstruction = _search(a, b, 0, [], budget)
    if found is not None:
        scalings = _mapping(a, b, found)
        if _apply(a, found, scalings) == b:
            return Equivalence(True, tuple(map(tuple, found)), tuple(map(tuple, scalings)))
    if budget[0] <= 0:
        return Equivalence(None, obstruction=f"more than {MAX_TIE_ORDERINGS} tie orderings; "
                           "the test gave up")
    if undecided_reason:
        return Equivalence(None, obstruction=undecided_reason)
    return Equivalence(False, obstruction=obstruction)


def _search(a: Network, b: Network, layer: int, perms: list[list[int]],
            budget: list[int]) -> tuple[list[list[int]] | None, str | None]:
    """Depth-first search over tie orderings, layer by layer, on the canonicalised networks."""
    if layer == len(a.hidden_widths):
        if a.weights[-1] != b.weights[-1] or a.biases[-1] != b.biases[-1]:
            return None, "output layer differs after canonicalising the hidden layers"
        return perms, None
    na, ka = _normalise_layer(a, layer)
    nb, kb = _normalise_layer(b, layer)
    if sorted(ka) != sorted(kb):
        missing = next(k for k in sorted(ka) if ka.count(k) != kb.count(k))
        j = ka.index(missing)
        return None, (f"hidden layer {layer}: neuron {j} of A (normalised incoming row and "
                      "bias) has no counterpart in B")
    order_a = _sort_order(ka)
    na = permute_layer(na, layer, order_a)
    groups: dict[tuple, list[int]] = {}
    for j in _sort_order(kb):
        groups.setdefault(kb[j], []).append(j)
    choices = [list(permutations(g)) for g in groups.values()]
    total = math.prod(len(c) for c in choices)
    obstruction = None
    for combo in product(*choices):
        budget[0] -= 1
        if budget[0] < 0:
            return None, None
        order_b = [j for group in combo for j in group]
        nb2 = permute_layer(nb, layer, order_b)
        # A's neuron order_a[i] and B's neuron order_b[i] sit at position i.
        perm = [0] * len(order_a)
        for i, ja in enumerate(order_a):
            perm[ja] = order_b[i]
        found, why = _search(na, nb2, layer + 1, perms + [perm], budget)
        if found is not None:
            return found, None
        obstruction = obstruction or why
        if total == 1:
            break
    return None, obstruction
