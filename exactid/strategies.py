"""Hypothesis strategies for rational ReLU networks, samples and their symmetries.

Public and composable, for exactid's tests and for users' own property tests::

    from hypothesis import given
    from exactid import strategies as xst

    @given(xst.networks(widths=(2, 3, 1)), xst.data())
    def test_something(net, data):
        X = data.draw(xst.samples(net, min_size=4, max_size=8))
        ...

Samples drawn by :func:`samples` avoid kinks exactly: no hidden pre-activation is zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy, data  # noqa: F401  (re-exported)

from .network import Network
from .symmetry import permute_layer, rescale_neuron

__all__ = [
    "data",
    "equivalent_networks",
    "networks",
    "permutations_of",
    "points",
    "rationals",
    "rescalings",
    "samples",
    "smooth_networks",
    "widths",
]


def rationals(max_numerator: int = 9, max_denominator: int = 4,
              nonzero: bool = False) -> SearchStrategy[Fraction]:
    """Rationals p/q with |p| <= max_numerator and 1 <= q <= max_denominator."""
    lo = 1 if nonzero else 0
    magnitude = st.integers(lo, max_numerator)
    return st.builds(lambda s, p, q: Fraction(s * p, q), st.sampled_from([1, -1]),
                     magnitude, st.integers(1, max_denominator))


def widths(min_hidden_layers: int = 1, max_hidden_layers: int = 2, max_input: int = 3,
           max_width: int = 4, max_output: int = 2) -> SearchStrategy[tuple[int, ...]]:
    """Widths (N_0, ..., N_L) with the given numbers of hidden layers."""
    return st.builds(
        lambda n0, hidden, nl: (n0, *hidden, nl),
        st.integers(1, max_input),
        st.lists(st.integers(1, max_width), min_size=min_hidden_layers,
                 max_size=max_hidden_layers),
        st.integers(1, max_output),
    )


@st.composite
def networks(draw: st.DrawFn, widths: Sequence[int] | SearchStrategy | None = None,
             max_numerator: int = 9, max_denominator: int = 4,
             nondegenerate: bool = True) -> Network:
    """Rational networks of the given (or drawn) widths.

    With ``nondegenerate`` (the default) no hidden neuron has a zero outgoing column or
    a zero incoming row and bias, i.e. theta is not in S (docs/theory/local.md §3.1).
    """
    if widths is None:
        widths = globals()["widths"]()
    ws = draw(widths) if isinstance(widths, SearchStrategy) else tuple(widths)
    entry = rationals(max_numerator, max_denominator)
    weights = [draw(st.lists(st.lists(entry, min_size=ws[l], max_size=ws[l]),
                             min_size=ws[l + 1], max_size=ws[l + 1]))
               for l in range(len(ws) - 1)]
    biases = [draw(st.lists(entry, min_size=ws[l + 1], max_size=ws[l + 1]))
              for l in range(len(ws) - 1)]
    if nondegenerate:
        nonzero = rationals(max_numerator, max_denominator, nonzero=True)
        for l in range(len(ws) - 2):
            for j in range(ws[l + 1]):
                if all(v == 0 for v in weights[l][j]):
                    weights[l][j][draw(st.integers(0, ws[l] - 1))] = draw(nonzero)
                if all(row[j] == 0 for row in weights[l + 1]):
                    weights[l + 1][draw(st.integers(0, ws[l + 2] - 1))][j] = draw(nonzero)
    return Network.from_lists(weights, biases)


def points(dim: int, max_numerator: int = 12, max_denominator: int = 3
           ) -> SearchStrategy[list[Fraction]]:
    """Rational points of R^dim."""
    return st.lists(rationals(max_numerator, max_denominator), min_size=dim, max_size=dim)


def _off_kinks(net: Network, x: Sequence[Fraction]) -> bool:
    return all(v != 0 for z in net.preactivations(x)[:-1] for v in z)


def samples(net: Network, min_size: int = 1, max_size: int = 12, max_numerator: int = 12,
            max_denominator: int = 3, avoid_kinks: bool = True
            ) -> SearchStrategy[list[list[Fraction]]]:
    """Finite samples for ``net``; with ``avoid_kinks`` no hidden pre-activation is 0."""
    point = points(net.n_inputs, max_numerator, max_denominator)
    if avoid_kinks:
        point = point.filter(lambda x: _off_kinks(net, x))
    return st.lists(point, min_size=min_size, max_size=max_size)


@st.composite
def rescalings(draw: st.DrawFn, net: Network, negative: bool = False,
               max_numerator: int = 7, max_denominator: int = 7) -> Network:
    """``net`` with every hidden neuron rescaled by a random non-zero rational.

    Factors are positive unless ``negative`` (then signs are drawn too; f may change,
    phi does not, docs/theory/local.md §2.5).
    """
    for l, j in net.hidden_neurons():
        lam = Fraction(draw(st.integers(1, max_numerator)), draw(st.integers(1, max_denominator)))
        if negative and draw(st.booleans()):
            lam = -lam
        net = rescale_neuron(net, l, j, lam)
    return net


@st.composite
def permutations_of(draw: st.DrawFn, net: Network) -> Network:
    """``net`` with each hidden layer randomly permuted."""
    for l, width in enumerate(net.hidden_widths):
        net = permute_layer(net, l, draw(st.permutations(range(width))))
    return net


def equivalent_networks(net: Network) -> SearchStrategy[Network]:
    """Networks ~P-equivalent to ``net``: positive rescalings, then permutations."""
    return rescalings(net).flatmap(permutations_of)


@st.composite
def smooth_networks(draw: st.DrawFn, widths: Sequence[int] | SearchStrategy | None = None,
                    coefficients: Sequence[Fraction] | None = None, output: str | None = None,
                    max_numerator: int = 5, max_denominator: int = 3):
    """Smooth networks (``exactid.smooth.SmoothNetwork``) with a polynomial activation and
    rational weights and shifts, so that every check is exact (docs/theory/smooth.md §6).

    ``widths`` (D, m_1, ..., m_L) default to small pyramidal ones; ``coefficients`` of
    phi default to a drawn cubic with phi'(0) and phi''(0) non-zero; ``output`` is drawn
    from "vector" and "sum" unless given.
    """
    from .smooth.network import Activation, SmoothNetwork

    if widths is None:
        widths = st.integers(2, 3).flatmap(lambda d: st.tuples(
            st.just(d), st.integers(1, d)).flatmap(lambda t: st.lists(
                st.integers(1, t[1]), min_size=0, max_size=1).map(
                lambda rest: (t[0], t[1], *rest))))
    ws = draw(widths) if isinstance(widths, SearchStrategy) else tuple(widths)
    if coefficients is None:
        nz = rationals(3, 2, nonzero=True)
        coefficients = (Fraction(0), draw(nz), draw(nz), draw(rationals(3, 3)))
    entry = rationals(max_numerator, max_denominator)
    weights = tuple(tuple(tuple(draw(entry) for _ in range(ws[l]))
                          for _ in range(ws[l + 1])) for l in range(len(ws) - 1))
    shifts = tuple(tuple(draw(rationals(2, 3)) for _ in range(ws[l + 1]))
                   for l in range(len(ws) - 1))
    out = output if output is not None else draw(st.sampled_from(["vector", "sum"]))
    return SmoothNetwork(Activation("polynomial", tuple(Fraction(c) for c in coefficients)),
                         out, weights, shifts)
