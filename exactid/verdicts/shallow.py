"""One hidden layer on a bounded convex domain: conditions (i)-(iv) of the shallow theorem
(docs/theory/shallow.md §2, checked as in 6) and the counterexample of section 4 for the first
condition that fails. Neurons are 0-based."""

from __future__ import annotations

from fractions import Fraction

from ..domain import Domain
from ..errors import CertificationError
from ..network import Network
from ..numbers import format_rational
from ..polyhedra import maximize, strictly_feasible
from ..subsets import zero_sum_subset
from .identify import SHALLOW, IdentifyResult, verified_counterexample

__all__ = ["neuron_range", "shallow_verdict"]

Vec = tuple[Fraction, ...]


def _vec(v) -> list[str]:
    return [format_rational(x) for x in v]


def neuron_range(w: Vec, b: Fraction, domain: Domain) -> tuple[Fraction, Vec, Fraction, Vec]:
    """(min, argmin, max, argmax) of z(x) = w . x + b over the domain, exact
    (docs/theory/deep_global.md §3.3; for w = 0 any point of the domain)."""
    hi = maximize(list(w), domain.a, domain.b)
    lo = maximize([-v for v in w], domain.a, domain.b)
    return b - lo.value, lo.point, b + hi.value, hi.point


def _inside(point: Vec, centre: Vec, z) -> Vec:
    """A point strictly inside the domain, on the same strict side of z as ``point`` (a
    point of the closure): move towards the interior point ``centre`` by 1/2^k."""
    t = Fraction(1, 2)
    sign = z(point) > 0
    while True:
        x = tuple((1 - t) * p + t * c for p, c in zip(point, centre))
        if (z(x) > 0) == sign and z(x) != 0:
            return x
        t /= 2


def shallow_verdict(net: Network, domain: Domain) -> IdentifyResult:
    """The shallow theorem (docs/theory/shallow.md §2): "identifiable" when (i)-(iv) hold, otherwise
    "not-identifiable" with the theta' of section 4 for the first failed condition,
    verified exactly (equal on the domain, not ~P theta)."""
    w, b = net.weights[0], net.biases[0]
    v = [tuple(row[i] for row in net.weights[1]) for i in range(len(w))]
    n = len(w)
    centre = strictly_feasible(domain.a, domain.b).witness
    conditions, failures = [], []

    zero_out = [i for i in range(n) if not any(v[i])]
    conditions.append({"name": "i", "holds": not zero_out,
                       "witness": {"zero_output_neurons": zero_out}})
    if zero_out:
        failures.append(("i", zero_out[0], None))

    crossing, bad = [], []
    for i in range(n):
        lo, arg_lo, hi, arg_hi = neuron_range(w[i], b[i], domain)
        if any(w[i]) and lo < 0 < hi:
            def z(x, i=i):
                return sum((wi * xi for wi, xi in zip(w[i], x)), b[i])
            crossing.append({"neuron": i, "below": _vec(_inside(arg_lo, centre, z)),
                             "above": _vec(_inside(arg_hi, centre, z))})
            continue
        kind = "dead" if hi <= 0 and any(list(w[i]) + [b[i]]) else "active"
        bad.append({"neuron": i, "case": kind, "min": format_rational(lo),
                    "max": format_rational(hi)})
        if not failures:
            failures.append(("ii", i, (kind, lo)))
    conditions.append({"name": "ii", "holds": not bad,
                       "witness": {"crossing": crossing, "failing": bad}})

    twins = _twins(w, b)
    conditions.append({"name": "iii", "holds": not twins, "witness": {"twins": [
        {"neurons": [i, j], "mu": format_rational(mu)} for i, j, mu in twins]}})
    if twins and not failures:
        failures.append(("iii", twins[0], None))

    try:
        subset = zero_sum_subset([[vk * wj for vk in v[i] for wj in w[i]] for i in range(n)])
    except CertificationError as exc:
        if not failures:
            raise
        # an earlier condition already decides; (iv) is left undecided
        conditions.append({"name": "iv", "holds": None, "witness": {"subset": None},
                           "reason": str(exc)})
        subset = None
    else:
        conditions.append({"name": "iv", "holds": subset is None,
                           "witness": {"subset": None if subset is None else list(subset)}})
    if subset is not None and not failures:
        failures.append(("iv", subset, None))

    if not failures:
        return IdentifyResult("identifiable", SHALLOW, conditions, reasons=[
            "conditions (i)-(iv) of the shallow theorem hold (docs/theory/shallow.md §2-3)"])
    name, data, extra = failures[0]
    cand = _construction(net, name, data, extra, domain)
    found = verified_counterexample(net, domain, [cand])
    if found is None:
        raise CertificationError("the construction of "
                                 f"docs/theory/shallow.md §4 for condition ({name}) "
                                 "did not verify; please report this network")
    theta, why = found
    neurons = ([data] if name in ("i", "ii") else list(data[:2]) if name == "iii"
               else list(data))
    return IdentifyResult(
        "not-identifiable", f"docs/theory/shallow.md §4, construction for condition ({name}) "
                            "[derived]",
        conditions, counterexample=theta,
        decided_by={"condition": name, "neurons": [[0, i] for i in neurons]}, reasons=[
            f"condition ({name}) fails; theta' of "
            "docs/theory/shallow.md §4 computes the same function on "
            f"the domain (exact comparison on the common refinement) and is not equivalent "
            f"to theta ({why})"])


def _twins(w, b) -> list[tuple[int, int, Fraction]]:
    """Pairs i < j with (w_j, b_j) = mu (w_i, b_i), mu != 0 (docs/theory/shallow.md §6.3)."""
    keys: dict[tuple, list[int]] = {}
    out = []
    for j, (row, bj) in enumerate(zip(w, b)):
        r = tuple(row) + (bj,)
        s = max(abs(x) for x in r)
        if s == 0:
            continue
        key = tuple(x / s for x in r)
        first = next(x for x in key if x != 0)
        canon = key if first > 0 else tuple(-x for x in key)
        for i in keys.get(canon, []):
            ri = tuple(w[i]) + (b[i],)
            k = next(t for t, x in enumerate(ri) if x != 0)
            out.append((i, j, r[k] / ri[k]))
        keys.setdefault(canon, []).append(j)
    return out


def _construction(net: Network, name: str, data, extra, domain: Domain) -> Network:
    """theta' of docs/theory/shallow.md §4 for the failed condition."""
    w = [list(r) for r in net.weights[0]]
    b = list(net.biases[0])
    w2 = [list(r) for r in net.weights[1]]
    c = list(net.biases[1])
    if name == "i":
        i = data
        if any(w[i]):
            b[i] += 1
        else:
            w[i] = [Fraction(int(k == 0)) for k in range(len(w[i]))]
    elif name == "ii":
        i, (kind, _) = data, extra
        if kind == "dead":
            for row in w2:
                row[i] *= 2
        else:
            b[i] += 1
            for k, row in enumerate(w2):
                c[k] -= row[i]
    elif name == "iii":
        i, j, mu = data
        if mu > 0:
            for row in w2:
                row[i] += mu * row[j]
                row[j] = Fraction(0)
        else:
            lo = neuron_range(net.weights[0][i], net.biases[0][i], domain)[0]
            shift = 1 + max(Fraction(0), -lo)
            a = abs(mu)
            w[j], b[j] = list(w[i]), b[i] + shift
            for k, row in enumerate(w2):
                vj = row[j]
                row[i] += a * vj
                row[j] = -a * vj
                c[k] += a * shift * vj
    else:
        for i in data:
            w[i] = [-x for x in w[i]]
            for k, row in enumerate(w2):
                c[k] += row[i] * b[i]
            b[i] = -b[i]
    return Network.from_lists([w, w2], [b, c])
