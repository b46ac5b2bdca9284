"""Tests of the trusted certificate checker (exactid/certificates/check.py).

Certificates are built here by hand from the test vectors of docs/theory/local.md §13.
The evidence is computed independently of the checker: Jacobians by forward-mode dual
numbers (the checker backpropagates), the Gram matrix from the explicit activation operator
alpha (the checker uses the c_l formula), minors and kernels with FLINT rref / nullspace.
"""

from __future__ import annotations

import copy
import random
from fractions import Fraction as F
from itertools import pairwise

import flint
import numpy as np
import pytest

import exactid.certificates.check as check_module
from exactid.certificates.check import (
    CheckResult,
    _free_columns,
    _gamma_mod,
    _Theta,
    check_certificate,
)
from exactid.numbers import format_rational

PRIME = 2**61 - 1


# ------------------------------------------------------------------ independent helpers
def num(q):
    q = F(q)
    return q.numerator if q.denominator == 1 else format_rational(q)


def net_doc(weights, biases):
    return {"format": "exactid.network/1",
            "layers": [{"weight": [[num(v) for v in row] for row in w],
                        "bias": [num(v) for v in b]} for w, b in zip(weights, biases, strict=True)]}


def widths_of(weights):
    return [len(weights[0][0])] + [len(w) for w in weights]


def forward_dual(weights, biases, x, dw=None, db=None):
    """Return (pre-activations per layer, their derivatives) along the direction (dw, db)."""
    dw = dw or [[[0] * len(r) for r in w] for w in weights]
    db = db or [[0] * len(b) for b in biases]
    f, df, zs = [F(v) for v in x], [F(0)] * len(x), []
    for l, (w, b) in enumerate(zip(weights, biases, strict=True)):
        z = [sum((wr[c] * f[c] for c in range(len(f))), F(0)) + b[j] for j, wr in enumerate(w)]
        dz = [sum((dw[l][j][c] * f[c] + w[j][c] * df[c] for c in range(len(f))), F(0)) + db[l][j]
              for j in range(len(w))]
        zs.append(z)
        f = [v if v > 0 else F(0) for v in z]
        df = [d if v > 0 else F(0) for v, d in zip(z, dz, strict=True)]
    return zs, dz


def outputs(weights, biases, xs):
    return [forward_dual(weights, biases, x)[0][-1] for x in xs]


def frozen(weights):
    """Frozen edges of
    docs/theory/local.md §4: largest |outgoing weight|, ties to the smallest index."""
    edges = []
    for l in range(len(weights) - 1):
        for j in range(len(weights[l])):
            col = [row[j] for row in weights[l + 1]]
            edges.append([l, j, max(range(len(col)), key=lambda s: (abs(col[s]), -s))])
    return edges


def gamma(weights, biases, xs, edges):
    """Return Gamma as a list of rows (sample-major, then output) by forward-mode derivatives."""
    shapes = [(len(w), len(w[0])) for w in weights]
    directions = [("w", l, j, c) for l, (r, cc) in enumerate(shapes)
                  for j in range(r) for c in range(cc)]
    directions += [("b", l, j, 0) for l, (r, _) in enumerate(shapes) for j in range(r)]
    dropped = {("w", l + 1, s, j) for l, j, s in edges}
    directions = [d for d in directions if d not in dropped]
    cols = []
    for kind, l, j, c in directions:
        dw = [[[0] * cc for _ in range(r)] for r, cc in shapes]
        db = [[0] * r for r, _ in shapes]
        if kind == "w":
            dw[l][j][c] = 1
        else:
            db[l][j] = 1
        cols.append([d for x in xs for d in forward_dual(weights, biases, x, dw, db)[1]])
    return [list(row) for row in zip(*cols, strict=True)]


def alpha_row(weights, biases, x):
    """Return alpha(x) from its Kronecker form (docs/theory/local.md §2.3)."""
    zs = forward_dual(weights, biases, x)[0][:-1]
    acts = [[1 if v > 0 else 0 for v in z] for z in zs]

    def kron(vectors):
        out = [F(1)]
        for v in vectors:
            out = [a * b for a in out for b in v]
        return out

    row = kron([list(map(F, x))] + acts)
    for m in range(len(acts)):
        row += kron(acts[m:])
    return row + [F(1)]


def gram(weights, biases, xs):
    alpha = flint.fmpq_mat([[flint.fmpq(v.numerator, v.denominator) for v in
                             alpha_row(weights, biases, x)] for x in xs])
    return alpha * alpha.transpose()


def to_fmpq_mat(rows):
    return flint.fmpq_mat([[flint.fmpq(F(v).numerator, F(v).denominator) for v in r]
                           for r in rows])


def pivots(mat):
    """Return the pivot columns of the rref of an fmpq_mat."""
    reduced, rank = mat.rref()
    return [next(c for c in range(mat.ncols()) if reduced[i, c] != 0) for i in range(rank)]


def minor_of(rows):
    """Return (row indices, column indices) of a maximal non-singular minor."""
    mat = to_fmpq_mat(rows)
    cols = pivots(mat)
    sub = to_fmpq_mat([[row[c] for c in cols] for row in rows])
    return pivots(sub.transpose()), cols


def int_kernel(mat):
    """Return an integer basis of the right kernel as a list of vectors."""
    nrows, ncols = mat.nrows(), mat.ncols()
    integer_rows = []
    for i in range(nrows):
        row = [mat[i, c] for c in range(ncols)]
        integer_rows.append(flint.fmpq_mat(1, ncols, row).numer_denom()[0].entries())
    basis, nullity = flint.fmpz_mat([list(r) for r in integer_rows]).nullspace()
    return [[int(basis[a, b]) for a in range(ncols)] for b in range(nullity)]


def certificate(weights, biases, xs, verdict, reason, rank_j, rank_a, evidence):
    widths = widths_of(weights)
    npar = sum(b * (a + 1) for a, b in pairwise(widths))
    return {
        "format": "exactid.certificate/1",
        "kind": "local",
        "network": net_doc(weights, biases),
        "samples": [[num(v) for v in x] for x in xs],
        "claim": {"verdict": verdict, "reason": reason,
                  "dimension": npar - sum(widths[1:-1]),
                  "rank_jacobian": rank_j, "rank_activation": rank_a,
                  "outputs": [[num(v) for v in out] for out in outputs(weights, biases, xs)]},
        "evidence": evidence,
    }


def assert_invalid(doc, *words):
    result = check_certificate(doc)
    assert isinstance(result, CheckResult)
    assert result.valid is False, result
    assert len(result.messages) >= 1
    for word in words:
        assert word in result.messages[0], result.messages[0]
    return result


def assert_valid(doc):
    result = check_certificate(doc)
    assert result.valid is True, result.messages
    assert len(result.messages) >= 3
    return result


def changed(doc, path, value):
    """Return a deep copy of ``doc`` with the entry at ``path`` set (or mapped by a callable)."""
    new = copy.deepcopy(doc)
    target = new
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value(target[path[-1]]) if callable(value) else value
    return new


# ------------------------------------------------------------------ test vectors
W1_131 = [[[1, -2], [F(1, 2), 1], [-1, 1]],
          [[1, -1, 2], [F(-1, 2), 1, 1]],
          [[2, -3]]]
B1_131 = [[F(1, 3), -1, F(1, 2)], [F(1, 4), F(-1, 3)], [F(1, 5)]]
X_131 = [(-12, -12), (-12, -11), (-12, -8), (-12, -7), (-12, -5), (-12, -4), (-12, 8),
         (-12, 9), (-11, -12), (-11, -11), (-11, -8), (-11, -5), (-11, 7), (2, 1), (2, 2)]
F_131 = ["821/30", "821/30", "641/30", "461/30", "46/5", "51/5", "86/5", "66/5", "821/30",
         "761/30", "358/15", "41/5", "177/10", "-13/10", "-63/10"]

W_132 = [[[0, 2], [1, 2], [-1, -3]], [[-1, 3, -1]]]
B_132 = [[-1, -1, 2], [3]]
X_132 = [(0, 2), (4, -3), (4, -1), (2, 4), (-2, 4), (-3, 0), (-4, -1), (3, 4), (-1, 4),
         (0, -4), (-3, -3), (2, 1)]

W_133 = [[[-1, -3], [3, 1], [-2, -1]], [[-1, -3, -2], [-2, -1, 1]]]
B_133 = [[-2, 2, -1], [2, 2]]
X_133 = [(0, 3), (1, 3), (3, -3), (-4, 0), (2, 1), (2, -1), (0, -3), (0, 4)]


def cs_certificate(xs=X_131, edges=None):
    edges = edges or frozen(W1_131)
    return certificate(W1_131, B1_131, xs, "locally-identifiable", "C_S", 15, None,
                       {"frozen_edges": edges, "prime": PRIME,
                        "rows": [[i, 0] for i in range(len(xs))]})


def theorem8_certificate(weights, biases, xs):
    edges = frozen(weights)
    rows, cols = minor_of(gamma(weights, biases, xs, edges))
    kernel = int_kernel(gram(weights, biases, xs))
    kernel_rows = pivots(to_fmpq_mat(kernel)) if kernel else []
    n_out = len(weights[-1])
    r = len(rows)
    return certificate(weights, biases, xs, "not-locally-identifiable", "theorem-8", r, r, {
        "frozen_edges": edges, "prime": PRIME,
        "jacobian_minor": {"rows": [[i // n_out, i % n_out] for i in rows], "columns": cols},
        "gram_kernel": kernel, "gram_kernel_minor": {"rows": kernel_rows}})


def gap_certificate():
    edges = frozen(W_133)
    g_rows = gamma(W_133, B_133, X_133, edges)
    rows, cols = minor_of(g_rows)
    j_kernel = int_kernel(to_fmpq_mat(g_rows))
    g = gram(W_133, B_133, X_133)
    g_list = [[g[i, j] for j in range(g.ncols())] for i in range(g.nrows())]
    gm_rows, gm_cols = minor_of([[F(int(v.p), int(v.q)) for v in r] for r in g_list])
    g_kernel = int_kernel(g)
    return certificate(W_133, B_133, X_133, "inconclusive", "gap", len(rows), 2 * len(gm_rows), {
        "frozen_edges": edges, "prime": PRIME,
        "jacobian_minor": {"rows": [[i // 2, i % 2] for i in rows], "columns": cols},
        "jacobian_kernel": j_kernel,
        "jacobian_kernel_minor": {"rows": pivots(to_fmpq_mat(j_kernel))},
        "gram_minor": {"rows": gm_rows, "columns": gm_cols},
        "gram_kernel": g_kernel,
        "gram_kernel_minor": {"rows": pivots(to_fmpq_mat(g_kernel))}})


# Shallow (1, 2, 1) network: neuron [0, 0] always active, [0, 1] never active on X_SMALL.
W_SMALL = [[[1], [1]], [[1, 1]]]
B_SMALL = [[0, -10], [0]]
X_SMALL = [(1,), (2,), (3,)]
# Deeper (2, 2, 2, 1) network: neuron [0, 0] always active on X_DEEP.
W_DEEP = [[[1, 1], [1, -1]], [[1, 2], [0, 1]], [[1, -1]]]
B_DEEP = [[1, 0], [0, 1], [0]]
X_DEEP = [(1, 0), (2, 1), (3, 1), (1, 2)]


def never_certificate(t=1):
    new_b = copy.deepcopy(B_SMALL)
    new_b[0][1] -= F(t)
    return certificate(W_SMALL, B_SMALL, X_SMALL, "not-locally-identifiable", "never-active",
                       None, None, {"neuron": [0, 1], "t": num(t),
                                    "perturbed_network": net_doc(W_SMALL, new_b),
                                    "path": [1, 0]})


def always_certificate(t=F(1, 2)):
    new_b = [list(map(F, b)) for b in B_DEEP]
    new_b[0][0] += t
    new_b[1] = [b - t * row[0] for b, row in zip(new_b[1], W_DEEP[1], strict=True)]
    return certificate(W_DEEP, B_DEEP, X_DEEP, "not-locally-identifiable", "always-active",
                       None, None, {"neuron": [0, 0], "t": num(t),
                                    "perturbed_network": net_doc(W_DEEP, new_b),
                                    "path": [0, 0, 0]})


# ------------------------------------------------------------------ 13.1: C_S
def test_transcription_of_131_matches_the_listed_outputs():
    assert [out[0] for out in outputs(W1_131, B1_131, X_131)] == [F(v) for v in F_131]
    assert frozen(W1_131) == [[0, 0, 0], [0, 1, 0], [0, 2, 0], [1, 0, 0], [1, 1, 0]]


def test_cs_certificate_of_131_is_valid():
    result = assert_valid(cs_certificate())
    assert (result.verdict, result.reason) == ("locally-identifiable", "C_S")
    assert any("D = 15" in m for m in result.messages)


def test_cs_accepts_any_nonzero_frozen_edge():
    edges = frozen(W1_131)
    edges[0] = [0, 0, 1]  # W_2[1][0] = -1/2, not the largest but non-zero
                          # (docs/theory/local.md §5.3)
    assert_valid(cs_certificate(edges=edges))


@pytest.mark.parametrize("path, value, words", [
    (("claim", "verdict"), "not-locally-identifiable", ("claim.verdict",)),
    (("claim", "verdict"), "inconclusive", ("claim.verdict",)),
    (("claim", "reason"), "theorem-9", ("claim.reason",)),
    (("claim", "rank_jacobian"), 14, ("rank_jacobian",)),
    (("claim", "rank_jacobian"), None, ("rank_jacobian",)),
    (("claim", "rank_activation"), 15, ("rank_activation",)),
    (("claim", "dimension"), 16, ("claim.dimension",)),
    (("claim", "dimension"), "15", ("claim.dimension",)),
    (("claim", "outputs", 3, 0), lambda v: num(F(v) + 1), ("claim.outputs[3][0]",)),
    (("samples", 4, 1), -6, ("claim.outputs[4][0]",)),
    (("network", "layers", 1, "weight", 0, 2), 3, ("claim.outputs",)),
    (("evidence", "prime"), PRIME + 1, ("not prime",)),
    (("evidence", "prime"), 2, ("evidence.prime",)),
    (("evidence", "prime"), True, ("evidence.prime",)),
    (("evidence", "prime"), 2**127 - 1, ("evidence.prime",)),
    (("evidence", "rows", 5), [4, 0], ("not distinct",)),
    (("evidence", "rows", 5), [15, 0], ("evidence.rows[5]",)),
    (("evidence", "rows", 5), [5, 1], ("evidence.rows[5]",)),
    (("evidence", "rows", 5), [True, 0], ("evidence.rows[5]",)),
    (("evidence", "rows"), [[i, 0] for i in range(14)], ("evidence.rows",)),
    (("evidence", "frozen_edges", 0), [0, 1, 0], ("frozen_edges[0]",)),
    (("evidence", "frozen_edges", 3), [1, 0, 1], ("frozen_edges[3]",)),
    (("format",), "exactid.certificate/2", ("format",)),
    (("kind",), "global", ("kind",)),
    (("network", "format"), "exactid.network/2", ("network.format",)),
])
def test_corrupted_cs_certificate_is_rejected(path, value, words):
    assert_invalid(changed(cs_certificate(), path, value), *words)


def test_cs_rejects_a_singular_gamma_even_with_correct_claims():
    # Replacing sample 14 by sample 13 keeps 15 distinct rows but repeats a row of Gamma.
    xs = list(X_131[:14]) + [X_131[13]]
    assert_invalid(cs_certificate(xs=xs), "singular")


def test_cs_rejects_a_sample_on_a_kink():
    # z_{1,1} = x1 - 2 x2 + 1/3 vanishes at x = (1/3, 1/3).
    xs = list(X_131[:14]) + [(F(1, 3), F(1, 3))]
    assert_invalid(cs_certificate(xs=xs), "kink", "[0, 0]")


def test_cs_rejects_a_degenerate_network():
    weights, biases = [[[1], [0]], [[1, 1]]], [[0, 0], [0]]
    xs = [(1,), (2,), (3,), (4,), (5,)]
    doc = certificate(weights, biases, xs, "locally-identifiable", "C_S", 5, None,
                      {"frozen_edges": frozen(weights), "prime": PRIME,
                       "rows": [[i, 0] for i in range(5)]})
    assert_invalid(doc, "theta is in S", "[0, 1]")


def test_zero_frozen_edge_is_rejected():
    weights, biases = [[[1], [2]], [[1, 0], [1, 1]]], [[0, 0], [0, 0]]
    doc = certificate(weights, biases, [(1,)], "locally-identifiable", "C_S", 8, None,
                      {"frozen_edges": [[0, 0, 0], [0, 1, 0]], "prime": PRIME, "rows": []})
    assert_invalid(doc, "frozen_edges[1]", "zero")


# ------------------------------------------------------------------ 13.2: theorem 8
def test_gram_formula_matches_131_and_explicit_alpha():
    def q(v):
        return flint.fmpq(F(v).numerator, F(v).denominator)

    t = _Theta([[[q(v) for v in r] for r in w] for w in W1_131],
               [[q(v) for v in b] for b in B1_131], [[q(v) for v in x] for x in X_131])
    n = len(X_131)
    everything = list(range(n))
    g = t.gram_part(everything, everything)
    assert g[:3, :3].tolist() == [[580, 556, 484], [556, 534, 468], [484, 468, 839]]
    assert flint.fmpq_mat(n, n, g.ravel().tolist()) == gram(W1_131, B1_131, X_131)
    rows, cols = [5, 0, 9], [2, 7]
    assert t.gram_part(rows, cols).tolist() == g[np.ix_(rows, cols)].tolist()
    for p in (1000003, 2**61 - 1):  # int64 residues, and Python integers beyond 2^26
        residues = t.gram_part(rows, cols, p)
        assert [[int(v) for v in row] for row in residues] == [
            [int(v.p) * pow(int(v.q), -1, p) % p for v in row] for row in g[np.ix_(rows, cols)]]


def test_theorem8_certificate_of_132_is_valid():
    doc = theorem8_certificate(W_132, B_132, X_132)
    assert len(doc["evidence"]["gram_kernel"]) == 5
    assert len(doc["evidence"]["jacobian_minor"]["rows"]) == 7
    assert doc["claim"]["dimension"] == 10
    result = assert_valid(doc)
    assert result.verdict == "not-locally-identifiable"


def test_theorem8_with_empty_gram_kernel_on_131_prefix_is_valid():
    doc = theorem8_certificate(W1_131, B1_131, X_131[:14])
    assert doc["evidence"]["gram_kernel"] == [] and doc["claim"]["rank_jacobian"] == 14
    assert_valid(doc)


def theorem8_corruptions():
    ev = theorem8_certificate(W_132, B_132, X_132)["evidence"]
    return [
        (("evidence", "gram_kernel", 0, 0), lambda v: v + 1, ("gram_kernel",)),
        (("evidence", "gram_kernel"), ev["gram_kernel"][:4], ("gram_kernel_minor.rows",)),
        (("evidence", "gram_kernel", 1), ev["gram_kernel"][0], ("gram_kernel_minor",)),
        (("evidence", "gram_kernel", 0, 0), "1", ("gram_kernel[0][0]",)),
        (("evidence", "gram_kernel_minor", "rows", 1),
         ev["gram_kernel_minor"]["rows"][0], ("not distinct",)),
        (("evidence", "jacobian_minor", "rows", 1),
         ev["jacobian_minor"]["rows"][0], ("not distinct",)),
        (("evidence", "jacobian_minor", "columns", 6), 10, ("columns[6]",)),
        (("evidence", "jacobian_minor", "columns", 6), -1, ("columns[6]",)),
        (("evidence", "jacobian_minor", "columns", 6), 10**400, ("columns[6]",)),
        (("evidence", "jacobian_minor", "columns"), ev["jacobian_minor"]["columns"][:6],
         ("expected 7",)),
        (("claim", "rank_activation"), 8, ("rank_activation",)),
        (("claim", "rank_jacobian"), None, ("rank_jacobian",)),
        (("claim", "verdict"), "locally-identifiable", ("claim.verdict",)),
        (("evidence", "prime"), PRIME + 1, ("not prime",)),
        (("samples", 0, 0), 1, ("claim.outputs[0][0]",)),
        (("network", "layers", 0, "bias", 0), -2, ("claim.outputs",)),
    ]


def test_corrupted_theorem8_certificates_are_rejected():
    for path, value, words in theorem8_corruptions():
        assert_invalid(changed(theorem8_certificate(W_132, B_132, X_132), path, value), *words)


def test_theorem8_rejects_a_kernel_that_is_too_small():
    # Four of the five kernel vectors, with a non-singular 4 x 4 minor: all checks of the
    # kernel pass, but it no longer proves R_A <= r.
    doc = theorem8_certificate(W_132, B_132, X_132)
    kernel = doc["evidence"]["gram_kernel"][:4]
    rows = doc["evidence"]["gram_kernel_minor"]["rows"]
    for drop in range(5):
        subset = rows[:drop] + rows[drop + 1:]
        if to_fmpq_mat([[vec[a] for vec in kernel] for a in subset]).rank() == 4:
            break
    doc["evidence"]["gram_kernel"] = kernel
    doc["evidence"]["gram_kernel_minor"]["rows"] = subset
    assert_invalid(doc, "N_L (n - q)")


def test_theorem8_rejects_a_singular_jacobian_minor():
    doc = theorem8_certificate(W_132, B_132, X_132)
    cols = doc["evidence"]["jacobian_minor"]["columns"]
    rows = doc["evidence"]["jacobian_minor"]["rows"]
    g = gamma(W_132, B_132, X_132, frozen(W_132))
    for c in range(10):
        if c in cols:
            continue
        trial = cols[:-1] + [c]
        sub = to_fmpq_mat([[g[i][cc] for cc in trial] for i, _ in rows])
        if sub.rank() < 7:
            doc["evidence"]["jacobian_minor"]["columns"] = trial
            assert_invalid(doc, "jacobian_minor", "singular")
            return
    pytest.fail("no singular replacement column found")


def test_theorem8_rejects_a_kink_anywhere_in_the_sample():
    # Add (0, 1/2): z_{1,1} = 2 * 1/2 - 1 = 0; the kink is at a sample the minor never uses.
    xs = list(X_132) + [(0, F(1, 2))]
    doc = theorem8_certificate(W_132, B_132, X_132)
    doc["samples"].append([0, "1/2"])
    doc["claim"]["outputs"].append([num(outputs(W_132, B_132, xs)[-1][0])])
    assert_invalid(doc, "sample 12", "kink")


# ------------------------------------------------------------------ 13.3: gap
def test_gap_certificate_of_133_is_valid():
    doc = gap_certificate()
    assert doc["claim"]["rank_jacobian"] == 11 and doc["claim"]["rank_activation"] == 12
    assert len(doc["evidence"]["jacobian_kernel"]) == 3
    assert len(doc["evidence"]["gram_kernel"]) == 2
    result = assert_valid(doc)
    assert result.verdict == "inconclusive"


@pytest.mark.parametrize("path, value, words", [
    (("evidence", "jacobian_kernel", 0, 0), lambda v: v + 1, ("jacobian_kernel",)),
    (("evidence", "jacobian_kernel", 2), lambda v: [0] * 14, ("jacobian_kernel_minor",)),
    (("evidence", "gram_kernel", 1, 3), lambda v: v - 1, ("gram_kernel",)),
    (("evidence", "gram_minor", "columns"), lambda v: [v[1]] + v[1:], ("not distinct",)),
    (("evidence", "gram_minor"), lambda m: {"rows": m["rows"] + [next(
        i for i in range(8) if i not in m["rows"])], "columns": m["columns"] + [next(
        i for i in range(8) if i not in m["columns"])]}, ("gram_minor", "singular")),
    (("evidence", "gram_minor", "rows"), lambda v: v[:5], ("gram_minor.columns",)),
    (("claim", "rank_activation"), 11, ("rank_activation",)),
    (("claim", "rank_jacobian"), 12, ("rank_jacobian",)),
    (("claim", "verdict"), "not-locally-identifiable", ("claim.verdict",)),
    (("evidence", "jacobian_kernel_minor"), None, ("jacobian_kernel_minor",)),
])
def test_corrupted_gap_certificate_is_rejected(path, value, words):
    assert_invalid(changed(gap_certificate(), path, value), *words)


# ------------------------------------------------------------------ the checker's integers
def rational_net(seed, widths):
    """A network with weights and biases p/q of many denominators, and a flag per neuron."""
    rng = random.Random(seed)

    def value():
        return F(rng.choice([-1, 1]) * rng.randint(1, 30), rng.randint(1, 12))

    return ([[[value() for _ in range(a)] for _ in range(b)] for a, b in pairwise(widths)],
            [[value() for _ in range(b)] for b in widths[1:]])


def rational_samples(seed, n, dim):
    """Samples whose coordinates have different denominators from sample to sample."""
    rng = random.Random(seed)
    return [tuple(F(rng.randint(-40, 40), rng.choice([1, 3, 5, 7, 11, 13, 16]))
                  for _ in range(dim)) for _ in range(n)]


def fmpq_lists(weights, biases, xs):
    def q(v):
        return flint.fmpq(F(v).numerator, F(v).denominator)

    return ([[[q(v) for v in r] for r in w] for w in weights], [[q(v) for v in b] for b in biases],
            [[q(v) for v in x] for x in xs])


# Depth 4, varied denominators, a neuron active at one sample only: row restriction, layer
# scales d_l and per-sample scales e_i all matter.
DEEP_WIDTHS = [2, 3, 3, 3, 2]


def deep_case(seed):
    weights, biases = rational_net(seed, DEEP_WIDTHS)
    xs = rational_samples(seed, 5, 2)
    zs = [forward_dual(weights, biases, x)[0] for x in xs]
    if any(v == 0 for z in zs for layer in z[:-1] for v in layer):
        return None
    return weights, biases, xs, zs


@pytest.mark.parametrize("seed", range(6))
def test_integer_forward_pass_is_the_exact_one(seed):
    case = deep_case(seed)
    if case is None:
        pytest.skip("a sample on a kink")
    weights, biases, xs, zs = case
    t = _Theta(*fmpq_lists(weights, biases, xs))
    assert t.outputs == [[flint.fmpq(v.numerator, v.denominator) for v in z[-1]] for z in zs]
    for l in range(len(weights) - 1):
        assert t.run.signs[l].tolist() == [[(v > 0) - (v < 0) for v in z[l]] for z in zs]
        for i, z in enumerate(zs):
            for j, v in enumerate(z[l]):
                assert t.run.value(l, i, j) == flint.fmpq(v.numerator, v.denominator)


@pytest.mark.parametrize("seed", range(6))
def test_gamma_kernel_check_agrees_with_forward_mode_gamma(seed):
    """gamma_kills (integer pass, gradients scaled per layer, sums over the non-zero entries
    and active samples) against Gamma by forward-mode Fractions: the exact kernel passes,
    and for changed vectors its answer is Gamma u == 0."""
    case = deep_case(seed)
    if case is None:
        pytest.skip("a sample on a kink")
    weights, biases, xs, _ = case
    edges = frozen(weights)
    rows = gamma(weights, biases, xs, edges)
    t = _Theta(*fmpq_lists(weights, biases, xs))
    free = _free_columns(t, {"frozen_edges": edges}, [])
    kernel = int_kernel(to_fmpq_mat(rows))
    assert len(kernel) >= t.D - len(rows) > 0
    assert t.gamma_kills(free, kernel)
    rng = random.Random(seed)
    live = [c for c in range(t.D) if any(row[c] for row in rows)]  # non-zero columns
    for vec in kernel:
        one = rng.choice(live)  # Gamma (vec + e_c) = Gamma[:, c] != 0
        forged = [v + (c == one) for c, v in enumerate(vec)]
        assert not t.gamma_kills(free, [forged])
        assert not t.gamma_kills(free, [*kernel[:3], forged])
        for other in ([2 * v if c < len(free) // 2 else v for c, v in enumerate(vec)],
                      [v * rng.randint(-2, 2) for v in vec]):
            zero = all(sum(a * b for a, b in zip(row, other, strict=True)) == 0 for row in rows)
            assert t.gamma_kills(free, [other]) == zero


@pytest.mark.parametrize("per_pass", [1, 2, 3])
def test_gamma_kernel_check_in_several_passes(monkeypatch, per_pass):
    """Vectors taken a few at a time (memory bound): the answer must not change, whichever
    pass holds the forged vector."""
    weights, biases, xs, _ = next(c for c in map(deep_case, range(6)) if c is not None)
    edges = frozen(weights)
    rows = gamma(weights, biases, xs, edges)
    t = _Theta(*fmpq_lists(weights, biases, xs))
    free = _free_columns(t, {"frozen_edges": edges}, [])
    kernel = int_kernel(to_fmpq_mat(rows))[:7]
    live = next(c for c in range(t.D) if any(row[c] for row in rows))
    monkeypatch.setattr(check_module, "_SUM_ENTRIES", per_pass * t.outs * t.n)
    assert t.gamma_kills(free, kernel)
    for b in range(len(kernel)):
        forged = [list(v) for v in kernel]
        forged[b][live] += 1
        assert not t.gamma_kills(free, forged)


@pytest.mark.parametrize("p", [1000003, 2**61 - 1])
def test_gamma_modulo_p_is_forward_mode_gamma_reduced(p):
    weights, biases, xs, _ = next(c for c in map(deep_case, range(6)) if c is not None)
    edges = frozen(weights)
    rows = gamma(weights, biases, xs, edges)
    t = _Theta(*fmpq_lists(weights, biases, xs))
    free = _free_columns(t, {"frozen_edges": edges}, [])
    pairs = [(i, k) for i in range(len(xs)) for k in range(2)][::-1]
    got = _gamma_mod(t, pairs, free, p)  # rows of output 0 first, then of output 1
    assert [[int(v) for v in row] for row in got] == [
        [v.numerator * pow(v.denominator, -1, p) % p for v in rows[2 * i + k]]
        for k in range(2) for i, kk in pairs if kk == k]


def test_gram_modulo_p_reduces_when_the_widths_are_large():
    """Six hidden layers of 128, every neuron active: the product of the c_l is 2^42, so it
    is reduced modulo p layer by layer (int64 would overflow otherwise); with small widths it
    is exact. Both must give the exact Gram matrix reduced."""
    for widths in ([2, *[128] * 6, 1], [2, 4, 4, 1]):
        weights, biases = rational_net(7, widths)
        weights = [[[abs(v) for v in row] for row in w] for w in weights]
        biases = [[abs(v) for v in b] for b in biases]
        xs = [tuple(abs(v) for v in x) for x in rational_samples(7, 6, 2)]
        t = _Theta(*fmpq_lists(weights, biases, xs))
        assert all(a.all() for a in t.active)
        rows, cols = [0, 3, 5, 1], [2, 4, 0]
        exact = t.gram_part(rows, cols)
        for p in (1000003, 67108859, 2**61 - 1):
            assert [[int(v) for v in r] for r in t.gram_part(rows, cols, p)] == [
                [int(v.p) * pow(int(v.q), -1, p) % p for v in r] for r in exact]


def test_forged_larger_jacobian_minor_is_rejected():
    """R_Gamma = 11 on 13.3: every 12 x 12 minor is singular, however it is chosen."""
    doc = gap_certificate()
    minor = doc["evidence"]["jacobian_minor"]
    rows = [[i, k] for i in range(8) for k in range(2) if [i, k] not in minor["rows"]]
    columns = [c for c in range(14) if c not in minor["columns"]]
    for extra_row in rows[:3]:
        for extra_column in columns:
            bad = changed(doc, ("evidence", "jacobian_minor"),
                          {"rows": [*minor["rows"], extra_row],
                           "columns": [*minor["columns"], extra_column]})
            assert_invalid(bad, "jacobian_minor", "singular")


# ------------------------------------------------------------------ section 10
def test_never_and_always_active_certificates_are_valid():
    assert_valid(never_certificate())
    assert_valid(never_certificate(t=F(7, 3)))
    result = assert_valid(always_certificate())
    assert result.reason == "always-active"


@pytest.mark.parametrize("make, path, value, words", [
    (never_certificate, ("evidence", "perturbed_network", "layers", 0, "bias", 1), -12,
     ("perturbed_network",)),
    (never_certificate, ("evidence", "perturbed_network", "layers", 1, "weight", 0, 0), 2,
     ("perturbed_network",)),
    (never_certificate, ("evidence", "neuron"), [0, 0], ("evidence.neuron",)),
    (never_certificate, ("evidence", "neuron"), [1, 0], ("evidence.neuron layer",)),
    (never_certificate, ("evidence", "path"), [0, 0], ("evidence.path",)),
    (never_certificate, ("evidence", "path"), [1, 1], ("evidence.path[1]",)),
    (never_certificate, ("evidence", "path"), [1], ("evidence.path",)),
    (never_certificate, ("evidence", "t"), "one", ("evidence.t",)),
    (never_certificate, ("claim", "rank_jacobian"), 4, ("rank_jacobian",)),
    (never_certificate, ("claim", "reason"), "always-active", ("evidence.neuron",)),
    (always_certificate, ("evidence", "perturbed_network", "layers", 1, "bias", 0), 0,
     ("perturbed_network",)),
    (always_certificate, ("evidence", "t"), "1", ("perturbed_network",)),
    (always_certificate, ("evidence", "neuron"), [0, 1], ("evidence.neuron",)),
    (always_certificate, ("evidence", "path"), [0, 1, 0], ("unchanged",)),
])
def test_corrupted_activation_certificates_are_rejected(make, path, value, words):
    assert_invalid(changed(make(), path, value), *words)


@pytest.mark.parametrize("s", range(3))
def test_activation_claim_fails_at_a_single_sample(s):
    """Neuron [0, 1] is active at sample s only (x = 11 > 10): never-active is false there,
    and at any position of that sample; the outputs and theta' are those of X."""
    xs = [(11,) if i == s else x for i, x in enumerate(X_SMALL)]
    doc = never_certificate()
    doc["samples"] = [[num(v) for v in x] for x in xs]
    doc["claim"]["outputs"] = [[num(v) for v in out] for out in outputs(W_SMALL, B_SMALL, xs)]
    assert_invalid(doc, "evidence.neuron", f"at sample {s}")


def test_activation_certificate_needs_positive_t():
    # t = -1 and t = 0 give consistent constructions; only the sign of t is wrong.
    assert_invalid(never_certificate(t=-1), "evidence.t")
    assert_invalid(never_certificate(t=0), "evidence.t")
    assert_invalid(always_certificate(t=F(-1, 2)), "evidence.t")


# ------------------------------------------------------------------ not-applicable
def degenerate_certificate(case):
    if case == "zero-outgoing":
        weights, biases = [[[1], [1]], [[1, 0]]], [[1, 1], [0]]
    else:
        weights, biases = [[[1], [0]], [[1, 1]]], [[1, 0], [0]]
    return certificate(weights, biases, X_SMALL, "not-applicable", "degenerate-neuron", None,
                       None, {"neuron": [0, 1], "case": case})


def kink_certificate():
    return certificate(W_SMALL, [[0, -2], [0]], X_SMALL, "not-applicable", "sample-on-kink",
                       None, None, {"sample": 1, "neuron": [0, 1]})


def test_not_applicable_certificates_are_valid():
    assert_valid(degenerate_certificate("zero-outgoing"))
    assert_valid(degenerate_certificate("zero-incoming"))
    assert_valid(kink_certificate())


@pytest.mark.parametrize("make, path, value, words", [
    (lambda: degenerate_certificate("zero-outgoing"), ("evidence", "neuron"), [0, 0],
     ("non-zero outgoing",)),
    (lambda: degenerate_certificate("zero-outgoing"), ("evidence", "case"), "zero-incoming",
     ("non-zero incoming",)),
    (lambda: degenerate_certificate("zero-incoming"), ("evidence", "case"), "zero-outgoing",
     ("non-zero outgoing",)),
    (lambda: degenerate_certificate("zero-incoming"), ("evidence", "case"), "zero", ("case",)),
    (lambda: degenerate_certificate("zero-incoming"), ("claim", "verdict"),
     "not-locally-identifiable", ("claim.verdict",)),
    (kink_certificate, ("evidence", "sample"), 0, ("not 0",)),
    (kink_certificate, ("evidence", "sample"), 3, ("evidence.sample",)),
    (kink_certificate, ("evidence", "sample"), "1", ("evidence.sample",)),
    (kink_certificate, ("evidence", "neuron"), [0, 0], ("not 0",)),
    (kink_certificate, ("claim", "rank_activation"), 0, ("rank_activation",)),
])
def test_corrupted_not_applicable_certificates_are_rejected(make, path, value, words):
    assert_invalid(changed(make(), path, value), *words)


# ------------------------------------------------------------------ garbage
GARBAGE = [
    None, [], {}, "exactid.certificate/1", 3, 2.5, True,
    {"format": "exactid.certificate/1"},
    {"format": "exactid.certificate/1", "kind": "local"},
    {"format": "exactid.certificate/1", "kind": "local", "claim": []},
    {"format": "exactid.certificate/1", "kind": "local",
     "claim": {"verdict": "locally-identifiable", "reason": "C_S"}},
]


@pytest.mark.parametrize("doc", GARBAGE)
def test_garbage_is_rejected_without_raising(doc):
    assert_invalid(doc)


@pytest.mark.parametrize("path, value", [
    (("network",), None),
    (("network",), {"format": "exactid.network/1"}),
    (("network", "layers"), []),
    (("network", "layers"), lambda v: v[:1]),
    (("network", "layers", 0, "weight"), [[1, 2], [3]]),
    (("network", "layers", 0, "weight"), [[], [], []]),
    (("network", "layers", 0, "bias"), [1, 2]),
    (("network", "layers", 1, "weight"), [[1, 2], [3, 4]]),
    (("network", "layers", 0, "weight", 0, 0), "one"),
    (("network", "layers", 0, "weight", 0, 0), "1e999999999"),
    (("network", "layers", 0, "weight", 0, 0), "1/0"),
    (("network", "layers", 0, "weight", 0, 0), None),
    (("network", "layers", 0, "weight", 0, 0), True),
    (("network", "layers", 0, "weight", 0, 0), [1]),
    (("samples",), []),
    (("samples",), "X"),
    (("samples", 0), [1, 2, 3]),
    (("samples", 0, 0), "x"),
    (("claim", "outputs"), None),
    (("claim", "outputs", 0), "821/30"),
    (("claim", "outputs", 0, 0), "nan"),
    (("claim",), lambda c: {k: v for k, v in c.items() if k != "rank_activation"}),
    (("evidence",), []),
    (("evidence",), {}),
    (("evidence", "rows"), "all"),
    (("evidence", "rows", 0), {"sample": 0}),
    (("evidence", "rows", 0), [-1, 0]),
    (("evidence", "rows", 0), [10**100, 0]),
    (("evidence", "rows", 0), [10**5000, 0]),
    (("evidence", "rows", 0), [0.0, 0]),
    (("evidence", "frozen_edges"), None),
    (("evidence", "frozen_edges", 0), [0, 0]),
    (("evidence", "frozen_edges", 0), [0, 0, -1]),
    (("evidence", "frozen_edges", 0), [False, 0, 0]),
    (("evidence", "prime"), "2305843009213693951"),
    (("evidence", "prime"), -PRIME),
])
def test_malformed_fields_are_rejected(path, value):
    result = assert_invalid(changed(cs_certificate(), path, value))
    assert result.verdict == "locally-identifiable" and result.reason == "C_S"


def test_float_samples_are_read_exactly():
    # Floats and decimal strings are read exactly; the float 821/30 is not 821/30.
    doc = cs_certificate()
    doc["samples"][0] = ["-12", "-12.0"]
    assert_valid(doc)
    doc["samples"][0] = [-12.0, -12.0]
    assert_valid(doc)
    doc["claim"]["outputs"][0] = [821 / 30]
    assert_invalid(doc, "claim.outputs[0][0]")
