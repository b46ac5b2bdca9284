"""The embedded example of ``exactid demo``: the worked example of ``docs/theory/local.md`` §13.1.

Widths (2, 3, 2, 1), 15 samples; exactid proves rank Gamma = D = 15, so the network is
locally identifiable from the sample (Theorem 9 of BMB22), with the smallest possible
sample size ceil(D / N_L) = 15.
"""

from __future__ import annotations

from fractions import Fraction

from .network import Network

WEIGHTS = [
    [[1, -2], ["1/2", 1], [-1, 1]],
    [[1, -1, 2], ["-1/2", 1, 1]],
    [[2, -3]],
]
BIASES = [["1/3", -1, "1/2"], ["1/4", "-1/3"], ["1/5"]]
SAMPLES = [
    (-12, -12), (-12, -11), (-12, -8), (-12, -7), (-12, -5), (-12, -4), (-12, 8),
    (-12, 9), (-11, -12), (-11, -11), (-11, -8), (-11, -5), (-11, 7), (2, 1), (2, 2),
]


def demo_network() -> Network:
    """The (2, 3, 2, 1) network of docs/theory/local.md §13.1."""
    return Network.from_lists(WEIGHTS, BIASES)


def demo_samples() -> list[list[Fraction]]:
    """The 15-point sample of docs/theory/local.md §13.1."""
    return [[Fraction(a), Fraction(b)] for a, b in SAMPLES]
