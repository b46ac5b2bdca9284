"""Designed samples inside a domain (docs/theory/deep_global.md §3.7 and §6).

N_0 + 1 affinely independent rational points in every region (3.7) give the largest
ranks any finite sample in the domain can reach (Lemma 6.1). When C_S holds on them, the
samples used by the certificate's non-singular minor already satisfy C_S; that is the
reduced sample reported (at most D points, at least the lower bound ceil(D / N_L)).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from .display import Summarised
from .domain import Domain
from .errors import CertificationError
from .network import Network
from .polyhedra import verify_witness
from .progress import Progress
from .regions import Region, RegionSet, enumerate_regions

__all__ = ["DesignResult", "design_sample", "region_points"]

Vec = tuple[Fraction, ...]


def region_points(region: Region) -> list[Vec]:
    """x0, x0 + delta e_1, ..., x0 + delta e_d inside the region (docs/theory/deep_global.md §3.7),
    delta a power of 2 at most half the smallest scaled slack; each point checked exactly."""
    x0 = region.witness
    slack = min(Fraction(beta - sum(ai * xi for ai, xi in zip(a, x0))) / max(map(abs, a))
                for a, beta, _ in region.rows if any(a))
    delta = Fraction(1)
    while delta > slack / 2:
        delta /= 2
    points = [x0] + [tuple(x + delta * (k == i) for k, x in enumerate(x0))
                     for i in range(len(x0))]
    rows_a = [r[0] for r in region.rows]
    rows_b = [r[1] for r in region.rows]
    if not all(verify_witness(rows_a, rows_b, p) for p in points):
        raise CertificationError("a designed point left its region (internal error)")
    return points


def designed_points(regions: RegionSet) -> list[Vec]:
    """The designed sample X_d: region_points of every region, region by region."""
    return [p for r in regions.regions for p in region_points(r)]


@dataclass(repr=False)
class DesignResult(Summarised):
    """A designed sample and the local verdict on it (fields of ``design-sample --json``).

    ``verdict`` is the local verdict on ``samples``, or "C_S fails" when rank Gamma < D on
    the designed sample (then ``samples`` is the whole designed sample)."""

    samples: list[Vec]
    lower_bound: int
    rank_jacobian: int | None
    dimension: int
    verdict: str
    regions: int
    designed: int
    local: Any = None

    @property
    def size(self) -> int:
        return len(self.samples)

    def _summary(self) -> list[tuple[str, Any]]:
        return [("verdict", self.verdict), ("size", self.size),
                ("lower_bound", self.lower_bound), ("rank_jacobian", self.rank_jacobian),
                ("dimension", self.dimension), ("regions", self.regions)]

    def to_json(self) -> dict[str, Any]:
        from .formats import samples_to_doc

        return {"size": self.size, "lower_bound": self.lower_bound,
                "rank_jacobian": self.rank_jacobian, "dimension": self.dimension,
                "verdict": self.verdict, "regions": self.regions,
                "designed_points": self.designed, "samples": samples_to_doc(self.samples)}


def design_sample(net: Network, domain: Domain, *, seed: int | None = None,
                  regions: RegionSet | None = None,
                  progress: Progress | None = None, workers: int | None = 1,
                  scheduler: Any = None) -> DesignResult:
    """A small rational sample in ``domain``, off every kink, on which the local rank
    test succeeds when any finite sample in the domain can (docs/theory/deep_global.md §6.1-6.2).

    Points in every region first (3.7); when C_S holds there, the reduction keeps only the
    samples of the certified D x D minor, and the local test is re-run on them.
    ``progress`` (optional) is called with a line of text after each step; ``workers``
    and ``scheduler`` are those of ``enumerate_regions`` (the result does not depend on
    them).
    """
    from .verdicts.local import degenerate_neurons, jacobian_rank, local_verdict

    if regions is None:
        regions = enumerate_regions(net, domain, facets=False, progress=progress,
                                    workers=workers, scheduler=scheduler)
    full = designed_points(regions)
    report = progress or (lambda _: None)
    report(f"designed points: {len(full)} in {regions.count} regions")
    bound = -(-net.dimension // net.n_outputs)
    if degenerate_neurons(net) or net.activations(full).zeros:
        # theta in S, or a neuron identically zero on a region: the local test does not
        # apply (docs/theory/local.md §3.1), and local_verdict says why
        result = local_verdict(net, full, seed=seed, float_check=False, progress=progress)
        return DesignResult(full, bound, None, net.dimension, result.verdict, regions.count,
                            len(full), result)
    rank = jacobian_rank(net, full, seed=seed)
    report(f"rank of Gamma on the designed points: {rank} (D = {net.dimension})")
    if rank < net.dimension:
        # C_S fails on X_d, hence on every finite sample in the domain (Lemma 6.1); the
        # activation rank R_A of this large sample is not needed and not computed.
        return DesignResult(full, bound, rank, net.dimension, "C_S fails", regions.count,
                            len(full))
    result = local_verdict(net, full, seed=seed, float_check=False, progress=progress)
    used = sorted({i for i, _ in result.certificate["evidence"]["rows"]})
    reduced = [full[i] for i in used]
    report(f"reduced to the {len(reduced)} points of the certified minor")
    again = local_verdict(net, reduced, seed=seed, float_check=False, progress=progress)
    samples, local = (reduced, again) if again.verdict == result.verdict else (full, result)
    return DesignResult(samples, bound, local.rank_jacobian, net.dimension, local.verdict,
                        regions.count, len(full), local)
