"""Float64 rank of the parameter Jacobian of a ReLU network: the float side of
``bench_local_cli.py``.

Usage::

    python benchmarks/float_rank.py NET.json X.json

It reads the same files as ``exactid local NET.json --samples X.json``: a network in the
format ``exactid.network/1`` (``{"format": ..., "layers": [{"weight": [[...]], "bias":
[...]}, ...]}``, the weight of layer l has N_l rows, one per receiving neuron, and N_{l-1}
columns; hidden layers ReLU, the last one affine) and a JSON array of samples. Numbers are
JSON numbers or strings ``"p/q"``, ``"0.1234"``, ``"-3"``; each is converted to the nearest
float64 with ``float(Fraction(s))``.

It builds the float64 Jacobian J of the network outputs with respect to all parameters
(layer by layer: weights row-major, then biases), one row per (sample, output) pair,
sample-major, by backpropagation: for output k, g_L = e_k and
g_l = (g_{l+1} W_{l+1}) * (z_l > 0); the weight block of layer l is the outer product
g_l f_{l-1}^T of each sample, the bias block is g_l. It then prints one JSON line
``{"rank": numpy.linalg.matrix_rank(J), "params": P, "rows": m}``.

Only ``json``, ``fractions``, ``numpy`` and ``sys`` are imported, so that the start-up of
a fresh process is the one of numpy alone.
"""

import json
import sys
from fractions import Fraction

import numpy as np


def to_array(rows, cache):
    """A float64 array of nested lists of JSON numbers or number strings (exactly rounded)."""
    def conv(v):
        if isinstance(v, str):
            f = cache.get(v)
            if f is None:
                f = cache[v] = float(Fraction(v))
            return f
        return float(v)

    if rows and isinstance(rows[0], list):
        return np.array([[conv(v) for v in row] for row in rows], dtype=np.float64)
    return np.array([conv(v) for v in rows], dtype=np.float64)


def read_inputs(net_path, samples_path):
    with open(net_path, encoding="utf-8") as fh:
        doc = json.load(fh)
    if doc.get("format") != "exactid.network/1":
        sys.exit(f"float_rank: {net_path}: not an exactid.network/1 file")
    cache = {}
    weights = [to_array(layer["weight"], cache) for layer in doc["layers"]]
    biases = [to_array(layer["bias"], cache) for layer in doc["layers"]]
    with open(samples_path, encoding="utf-8") as fh:
        xs = to_array(json.load(fh), cache)
    return weights, biases, xs


def jacobian(weights, biases, xs):
    """The (n N_L) x P float64 parameter Jacobian, rows (sample, output), sample-major."""
    n = xs.shape[0]
    n_layers = len(weights)
    n_out = weights[-1].shape[0]
    # forward pass: f[0] = x, z[l] = f[l-1] W_l^T + b_l (l = 1..L), f[l] = relu(z[l])
    f = [xs]
    z = [None]
    for l in range(n_layers):
        zl = f[-1] @ weights[l].T + biases[l]
        z.append(zl)
        f.append(np.maximum(zl, 0.0) if l < n_layers - 1 else zl)
    masks = [None] + [(z[l] > 0).astype(np.float64) for l in range(1, n_layers)]
    sizes = [w.size for w in weights] + [b.size for b in biases]
    params = sum(sizes)
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    jac = np.empty((n, n_out, params), dtype=np.float64)
    for k in range(n_out):
        g = np.zeros((n, n_out))
        g[:, k] = 1.0
        for l in range(n_layers, 0, -1):  # g = gradient wrt z[l]
            w_off, w_size = offsets[l - 1], sizes[l - 1]
            b_off = offsets[n_layers + l - 1]
            jac[:, k, w_off:w_off + w_size] = (g[:, :, None] * f[l - 1][:, None, :]).reshape(
                n, w_size)
            jac[:, k, b_off:b_off + g.shape[1]] = g
            if l > 1:
                g = (g @ weights[l - 1]) * masks[l - 1]
    return jac.reshape(n * n_out, params)


def main(argv):
    if len(argv) != 2:
        sys.exit("usage: python benchmarks/float_rank.py NET.json X.json")
    weights, biases, xs = read_inputs(argv[0], argv[1])
    if xs.ndim != 2 or xs.shape[1] != weights[0].shape[1]:
        sys.exit("float_rank: the samples do not match the network's input dimension")
    jac = jacobian(weights, biases, xs)
    rank = int(np.linalg.matrix_rank(jac))
    print(json.dumps({"rank": rank, "params": jac.shape[1], "rows": jac.shape[0]}))


if __name__ == "__main__":
    main(sys.argv[1:])
