"""Exact ranks through the support of a modular kernel (linalg.rank_on_kernel_support)."""

import json
import random
from fractions import Fraction

import flint
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exactid.certificates.check import check_certificate
from exactid.jacobian import backpropagate, frozen_edges, gamma_columns
from exactid.linalg import Minor, modular_minor, rank_on_kernel_support
from exactid.modular import kernel_mod
from exactid.network import Network, certified_activations
from exactid.verdicts import local_verdict

P = 1048583


def planted(seed: int, m: int, n: int, deps: int, spread: int) -> np.ndarray:
    """An m x n integer matrix (object dtype) whose last ``deps`` columns are integer
    combinations of at most ``spread`` earlier random columns: a sparse kernel of
    dimension ``deps`` (the other columns are generic, so independent for m >= n)."""
    rng = random.Random(seed)
    cols = [[rng.randint(-50, 50) for _ in range(m)] for _ in range(n - deps)]
    for _ in range(deps):
        picked = rng.sample(range(len(cols)), min(spread, len(cols)))
        coef = [rng.choice([-3, -2, -1, 1, 2, 3]) * rng.randint(1, 10**6) for _ in picked]
        cols.append([sum(c * cols[j][i] for c, j in zip(coef, picked)) for i in range(m)])
    return np.array(cols, dtype=object).T.copy()


def prove(a: np.ndarray, minor: Minor):
    rows = (a[list(minor.rows)] % minor.prime).astype(np.int64)
    hint, _ = kernel_mod(rows, minor.prime)
    return rank_on_kernel_support(minor, hint, lambda cols: a[:, cols], random.Random(0))


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10**6), deps=st.integers(0, 6), spread=st.integers(1, 5),
       extra=st.integers(0, 8))
def test_planted_sparse_kernels_are_proved(seed, deps, spread, extra):
    n = 20
    a = planted(seed, n + extra, n, deps, spread)
    minor = modular_minor([(a % P).astype(np.int64)], n, P)
    rank = flint.fmpz_mat(a.tolist()).rank()
    cert = prove(a, minor)
    assert cert is not None and cert.rank == rank == minor.size
    assert len(cert.kernel) == n - rank
    m = flint.fmpz_mat(a.tolist())
    if cert.kernel:
        k = flint.fmpz_mat([list(col) for col in zip(*cert.kernel)])
        assert (m * k).is_zero()
        km = cert.kernel_minor
        sub = flint.nmod_mat([[cert.kernel[j][r] % km.prime for j in range(len(cert.kernel))]
                              for r in km.rows], km.prime)
        assert sub.rank() == len(cert.kernel)


def test_a_wrong_hint_is_refused_never_believed():
    """A minor smaller than the rank (as an unlucky prime gives) must not prove a rank."""
    a = planted(3, 24, 20, 3, 4)
    assert flint.fmpz_mat(a.tolist()).rank() == 17
    short = modular_minor([(a % P).astype(np.int64)], 20, P, target=16)
    assert short.size == 16
    assert prove(a, short) is None


def gap_network(extra: int = 0) -> tuple[Network, list]:
    """[3, 6, 6, 6, 2] in the gap on 80 samples (D = 104), plus ``extra`` more samples."""
    rng = random.Random(3)
    widths = [3, 6, 6, 6, 2]
    weights = [[[Fraction(rng.randint(-40, 40) or 1, rng.randint(1, 9)) for _ in range(a)]
                for _ in range(b)] for a, b in zip(widths, widths[1:])]
    biases = [[Fraction(rng.randint(-40, 40), rng.randint(1, 9)) for _ in range(b)]
              for b in widths[1:]]
    xs = [[Fraction(rng.randint(-999, 999), 1000) for _ in range(3)] for _ in range(80 + extra)]
    return Network(weights, biases), xs


def test_gap_with_more_samples_than_parameters_bounds_r_a_only():
    """n = 200 > D = 104: the gap is proved by a Gram minor larger than R_Gamma / N_L, and
    R_A is reported as that lower bound; the checker accepts it and rejects forgeries."""
    net, xs = gap_network(120)
    result = local_verdict(net, xs, seed=1)
    assert (result.verdict, result.rank_jacobian) == ("inconclusive", 96)
    assert result.rank_activation is None and result.rank_activation_lower == 98
    assert result.to_json()["rank_activation_lower"] == 98
    doc = result.certificate
    assert len(doc["evidence"]["gram_minor"]["rows"]) == 49 and doc["evidence"]["gram_kernel"] == []
    assert check_certificate(doc).valid
    small = json.loads(json.dumps(doc))  # a Gram minor of 48 proves only R_A >= 96 = R_Gamma
    small["evidence"]["gram_minor"]["rows"] = small["evidence"]["gram_minor"]["rows"][:48]
    small["evidence"]["gram_minor"]["columns"] = small["evidence"]["gram_minor"]["columns"][:48]
    assert not check_certificate(small).valid
    claimed = json.loads(json.dumps(doc))  # an exact R_A claimed without the Gram kernel
    claimed["claim"]["rank_activation"] = 98
    assert not check_certificate(claimed).valid


def test_gap_network_rank_is_exact_and_the_certificate_checks():
    """A deep network in the gap (rank 92 < D = 104 < R_A): the kernel proof gives FLINT's
    exact rank, with several groups of columns, and the checker accepts the certificate."""
    net, xs = gap_network()
    result = local_verdict(net, xs, seed=1)
    assert (result.verdict, result.rank_jacobian, result.dimension) == ("inconclusive", 92, 104)
    assert result.rank_activation > 92 and result.rank_activation_lower is None  # n <= D: exact
    data = backpropagate(net, xs, certified_activations(net, xs))
    assert data.exact_int(gamma_columns(net, frozen_edges(net))).rank() == 92
    assert len(result.certificate["evidence"]["jacobian_kernel"]) == 12
    assert check_certificate(result.certificate).valid


def long_and_short(seed: int, m: int = 160, n: int = 120) -> np.ndarray:
    """Columns with 8 short dependencies (3 columns each) and 2 long ones (70 columns):
    the supports join into one group of more than linalg._GROUP_LIMIT columns."""
    rng = random.Random(seed)
    cols = [[rng.randint(-50, 50) for _ in range(m)] for _ in range(n - 10)]
    for spread in [3] * 8 + [70, 70]:
        picked = rng.sample(range(n - 10), spread)
        coef = [rng.choice([-3, -2, -1, 1, 2, 3]) * rng.randint(1, 10**6) for _ in picked]
        cols.append([sum(c * cols[j][i] for c, j in zip(coef, picked)) for i in range(m)])
    return np.array(cols, dtype=object).T.copy()


def test_a_large_group_is_proved_vector_by_vector(monkeypatch):
    """The echelon basis of the hint gives short vectors proved on their own supports,
    exact, independent, and as many as the kernel dimension."""
    import exactid.linalg as linalg
    from exactid.modular import kernel_profile

    calls = []
    real = linalg._one_by_one
    monkeypatch.setattr(linalg, "_one_by_one", lambda *a: calls.append(a) or real(*a))
    for seed in range(3):
        a = long_and_short(seed)
        found = kernel_profile((a % P).astype(np.int64), P)
        minor = Minor(P, found.profile.rows, found.profile.columns)
        cert = rank_on_kernel_support(minor, found.kernel, lambda cols, a=a: a[:, cols],
                                      random.Random(seed))
        m = flint.fmpz_mat(a.tolist())
        assert cert is not None and cert.rank == m.rank() == 110
        k = flint.fmpz_mat([list(col) for col in zip(*cert.kernel)])
        assert k.ncols() == 10 and (m * k).is_zero()
        km = cert.kernel_minor
        assert flint.nmod_mat([[cert.kernel[j][r] % km.prime for j in range(10)]
                               for r in km.rows], km.prime).rank() == 10
        # the short dependencies come out short
        assert sorted(sum(1 for x in v if x) for v in cert.kernel)[:8] == [4] * 8
    assert calls, "the vector-by-vector path was not taken"


def test_checker_proves_a_large_group_vector_by_vector_and_rejects_a_forgery():
    """The checker's kernel step for a matrix given by its columns (as the Gram kernel is),
    on a group of more than 64 columns (one product per vector, on its support): the
    honest vectors pass, one changed entry fails."""
    from exactid.certificates import check
    from exactid.modular import kernel_profile

    a = long_and_short(5)
    found = kernel_profile((a % P).astype(np.int64), P)
    minor = Minor(P, found.profile.rows, found.profile.columns)
    cert = rank_on_kernel_support(minor, found.kernel, lambda cols: a[:, cols],
                                  random.Random(5))
    assert max(len(g) for g, _ in check._components([list(v) for v in cert.kernel], 120)) > 64

    def columns(cols):
        return flint.fmpq_mat(flint.fmpz_mat(a[:, cols].tolist()))

    def evidence(vectors):
        return {"k": [list(v) for v in vectors],
                "k_minor": {"rows": list(cert.kernel_minor.rows),
                            "prime": cert.kernel_minor.prime}}

    done: list = []
    check._kernel(check._kills_by_columns(columns), 120, evidence(cert.kernel), "k", 10, P, done)
    assert done
    forged = [list(v) for v in cert.kernel]
    short = min(range(10), key=lambda b: sum(1 for x in forged[b] if x))
    c = next(i for i, x in enumerate(forged[short]) if x)
    forged[short][c] += 1
    with pytest.raises(check._Invalid):
        check._kernel(check._kills_by_columns(columns), 120, evidence(forged), "k", 10, P, [])
