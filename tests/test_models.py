"""Trained models in: each reader on small files written by the real libraries, exact values,
layouts, rejected graphs and names, the restricted unpickler, rounding, the CLI."""

import json
import os
import pickle
import sys
import warnings
from fractions import Fraction

import numpy as np
import pytest
from test_cli import run

from exactid.compare import compare
from exactid.domain import Domain
from exactid.errors import InputError
from exactid.formats import read_network, read_samples
from exactid.formats.models import import_model, rationalize_network, read_model
from exactid.network import Network
from exactid.numbers import parse_rational

try:
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    from onnx.reference import ReferenceEvaluator
except ImportError:  # the readers of the other formats are still tested
    onnx = None
needs_onnx = pytest.mark.skipif(onnx is None, reason="needs onnx (pip install 'exactid[onnx]')")

F = Fraction

RNG = np.random.default_rng(12)


def f32(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def floats(net, x):
    """The network's exact output at x, as floats (for comparison with float runtimes)."""
    return np.array([[float(v) for v in net([F(float(t)) for t in row])] for row in x])


def save_onnx(path, nodes, inits, in_shape, out="y", in_type="FLOAT"):
    dtype = getattr(TensorProto, in_type)
    graph = helper.make_graph(
        [node(*spec) if isinstance(spec, tuple) else spec for spec in nodes], "g",
        [helper.make_tensor_value_info("x", dtype, in_shape)],
        [helper.make_tensor_value_info(out, dtype, None)],
        [numpy_helper.from_array(np.asarray(v), k) for k, v in inits.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.save(model, str(path))
    return path


def run_onnx(path, x):
    return ReferenceEvaluator(str(path)).run(None, {"x": x})[0]


def node(op, inputs, output, name, attrs=None):
    """An ONNX node; the tests write them as tuples (op, inputs, output, name, attrs)."""
    return helper.make_node(op, inputs, [output], name=name, **(attrs or {}))


# ------------------------------------------------------------------ numbers
def test_numpy_scalars_are_exact_numbers():
    assert parse_rational(np.float32(0.1)) == F(13421773, 134217728) != F(1, 10)
    assert parse_rational(np.float16(0.1)) == F(np.float16(0.1).item())
    assert parse_rational(np.int64(-7)) == -7
    assert parse_rational(np.array(0.5, dtype=np.float32)) == F(1, 2)
    with pytest.raises(ValueError, match="not a finite number"):
        parse_rational(np.float32("inf"))
    net = Network.from_lists([[[np.float32(0.1), np.int32(2)]]], [[np.float64(0.25)]])
    assert net.weights[0][0] == (F(np.float32(0.1).item()), F(2))


def test_from_numpy_layouts_and_bias_shapes():
    w0, w1 = f32(4, 3), f32(1, 4)  # (out, in)
    b0, b1 = f32(1, 4), f32(1, 1)  # (1, n) biases
    a = Network.from_numpy([w0, w1], [b0, b1], layout="out-in")
    b = Network.from_numpy([w0.T, w1.T], [b0.T, b1.reshape(1)], layout="in-out")
    assert a == b and a.widths == (3, 4, 1)
    assert a.weights[0][2][1] == F(float(w0[2, 1]))
    with pytest.raises(InputError, match="the layout in-out fits"):
        Network.from_numpy([w0.T, w1.T], [b0, b1], layout="out-in")
    with pytest.raises(InputError, match=r"bias of .* has shape \(2, 2\)"):
        Network.from_numpy([np.eye(2)], [np.zeros((2, 2))])
    with pytest.raises(InputError, match=r"\[1\]\[0\] is nan"):
        Network.from_numpy([np.array([[1.0], [np.nan]])], [np.zeros(2)])
    assert Network.from_numpy([[[0.1]]], [None]).biases == ((F(0),),)


# ------------------------------------------------------------------ ONNX
@needs_onnx
def test_onnx_gemm_attributes_matmul_add_and_softmax(tmp_path):
    w1, b1, w2, b2, w3, b3, w4 = f32(5, 4), f32(5), f32(5, 3), f32(3), f32(2, 3), f32(2, 1), \
        f32(2, 2)
    nodes = [("Flatten", ["x"], "xf", "flat"),
             ("Gemm", ["xf", "W1", "B1"], "h1", "fc1", {"transB": 1, "alpha": 0.5, "beta": 2.0}),
             ("Relu", ["h1"], "r1", "relu1"),
             ("Dropout", ["r1"], "d1", "drop"),
             ("MatMul", ["d1", "W2"], "m2", "fc2"),
             ("Add", ["B2", "m2"], "h2", "bias2"),
             ("Relu", ["h2"], "r2", "relu2"),
             # data as B: Y = W3 r2^T is (out, batch), and the bias broadcasts as a column
             ("Gemm", ["W3", "r2", "B3"], "h3", "fc3", {"transB": 1}),
             ("Identity", ["h3"], "i3", "id"),
             ("Relu", ["i3"], "r3", "relu3"),
             # transA turns (features, batch) back into one row per sample
             ("Gemm", ["r3", "W4"], "y", "fc4", {"transA": 1})]
    inits = {"W1": w1, "B1": b1, "W2": w2, "B2": b2, "W3": w3, "B3": b3, "W4": w4}
    path = save_onnx(tmp_path / "m.onnx", nodes, inits, [None, 2, 2])
    model = read_model(path)
    net = model.network
    assert net.widths == (4, 5, 3, 2, 2) and model.dropped == ()
    assert net.weights[0][1][2] == F(float(w1[1, 2])) / 2  # alpha, exactly
    assert net.biases[0][3] == 2 * F(float(b1[3]))           # beta, exactly
    assert net.weights[1][2][4] == F(float(w2[4, 2]))  # MatMul's W is (in, out)
    x = f32(6, 2, 2)
    assert np.allclose(floats(net, x.reshape(6, 4)), run_onnx(path, x), atol=1e-5)
    assert net.weights[3][0][1] == F(float(w4[1, 0]))
    # a chain may also end on data laid out (out, batch)
    path = save_onnx(tmp_path / "t.onnx", nodes[:-3], inits, [None, 2, 2], out="h3")
    assert np.allclose(floats(read_model(path).network, x.reshape(6, 4)),
                       run_onnx(path, x).T, atol=1e-5)
    # the same chain with a final Softmax: dropped with a notice, the logits kept
    soft = [("Gemm", ["xf", "W1", "B1"], "h1", "fc1", {"transB": 1, "alpha": 0.5, "beta": 2.0}),
            ("Relu", ["h1"], "r1", "relu1"), ("MatMul", ["r1", "W2"], "m2", "fc2"),
            ("Add", ["m2", "B2"], "h2", "bias2"), ("Softmax", ["h2"], "y", "sm")]
    path = save_onnx(tmp_path / "s.onnx", [nodes[0], *soft], inits, [None, 4])
    model = read_model(path)
    assert model.dropped == ("final Softmax node 'sm' (exactid certifies the logits)",)
    logits = floats(model.network, x.reshape(6, 4))
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    assert np.allclose(probs, run_onnx(path, x.reshape(6, 4)), atol=1e-5)


@needs_onnx
def test_onnx_reshape_and_float64_and_int_weights(tmp_path):
    nodes = [("Reshape", ["x", "shape"], "xv", "rs"),
             ("MatMul", ["xv", "W"], "m", "mm"), ("Relu", ["m"], "r", "relu"),
             ("Gemm", ["r", "V"], "y", "out")]
    inits = {"shape": np.array([-1, 4], dtype=np.int64),
             "W": np.array([[1, -2], [0, 3], [5, 1], [-1, -1]], dtype=np.float64) / 3,
             "V": np.array([[2], [7]], dtype=np.float64)}
    path = save_onnx(tmp_path / "m.onnx", nodes, inits, [None, 2, 2],
                     in_type="DOUBLE")
    net = read_network(path)
    assert net.weights[0][1] == (F(-2 / 3), F(1), F(1 / 3), F(-1 / 3))
    assert net.weights[1] == ((F(2), F(7)),) and net.biases[1] == (F(0),)


REJECTED = {
    "Sigmoid": ([("Gemm", ["x", "W"], "h", "fc"), ("Sigmoid", ["h"], "s", "act"),
                 ("Gemm", ["s", "V"], "y", "out")], "unsupported Sigmoid node 'act'"),
    "Softmax inside": ([("Gemm", ["x", "W"], "h", "fc"), ("Softmax", ["h"], "s", "sm"),
                        ("Gemm", ["s", "V"], "y", "out")],
                       "unsupported Softmax node 'sm' inside the chain"),
    "branch": ([("Gemm", ["x", "W"], "h", "fc"), ("Relu", ["h"], "r", "relu"),
                ("Gemm", ["r", "V"], "y", "out"), ("Gemm", ["r", "V"], "z", "extra")],
               "tensor 'r' feeds Gemm node 'out', Gemm node 'extra': a branch"),
    "ends with Relu": ([("Gemm", ["x", "W"], "h", "fc"), ("Relu", ["h"], "y", "r")],
                       "ends with Relu"),
    "no relu": ([("Gemm", ["x", "W"], "h", "fc"), ("Gemm", ["h", "V"], "y", "out")],
                "Gemm node 'out' follows a linear layer without a Relu"),
    "data add": ([("Gemm", ["x", "W"], "h", "fc"), ("Relu", ["h"], "r", "relu"),
                  ("Gemm", ["r", "V"], "o", "out"), ("Add", ["o", "o"], "y", "twice")],
                 "input 1 \\('o'\\) of Add node 'twice' is not a constant"),
    "flatten axis": ([("Flatten", ["x"], "xf", "fl", {"axis": 0}),
                      ("Gemm", ["xf", "W"], "y", "fc")], "Flatten node 'fl' with axis=0"),
    "wrong width": ([("Gemm", ["x", "W"], "h", "fc"), ("Relu", ["h"], "r", "relu"),
                     ("Gemm", ["r", "W"], "y", "out")], "layer 1 weight has 2 columns"),
}


@needs_onnx
@pytest.mark.parametrize("case", sorted(REJECTED))
def test_onnx_unsupported_graphs_are_one_line_errors(tmp_path, case):
    nodes, message = REJECTED[case]
    inits = {"W": f32(2, 3), "V": f32(3, 1)}
    path = save_onnx(tmp_path / "m.onnx", nodes, inits, [None, 2],
                     out=nodes[-1][2] if case != "branch" else "y")
    with pytest.raises(InputError, match=message) as err:
        read_model(path)
    assert str(err.value).startswith(str(path)) and "\n" not in str(err.value)


@needs_onnx
def test_onnx_nan_weight_and_damaged_file(tmp_path):
    w = f32(2, 3)
    w[1, 0] = np.nan
    path = save_onnx(tmp_path / "m.onnx", [("Gemm", ["x", "W"], "y", "fc")], {"W": w},
                     [None, 2])
    with pytest.raises(InputError, match=r"weight of Gemm node 'fc'\[0\]\[1\] is nan"):
        read_model(path)
    damaged = tmp_path / "d.onnx"
    damaged.write_bytes(path.read_bytes()[:40])
    with pytest.raises(InputError, match="not a valid ONNX model"):
        read_model(damaged)


@needs_onnx
def test_missing_extra_names_the_pip_command(tmp_path, monkeypatch):
    path = save_onnx(tmp_path / "m.onnx", [("Gemm", ["x", "W"], "y", "fc")],
                     {"W": f32(2, 3)}, [None, 2])
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(InputError, match=r"pip install 'exactid\[onnx\]'"):
        read_model(path)


# ------------------------------------------------------------------ safetensors
def test_safetensors_with_pytorch_names_in_natural_order(tmp_path):
    st = pytest.importorskip("safetensors.numpy")
    ws = [f32(3, 2), f32(3, 3), f32(1, 3)]
    tensors = {}
    for i, w in zip((0, 2, 10), ws):  # "layers.10" sorts after "layers.2"
        tensors[f"layers.{i}.weight"], tensors[f"layers.{i}.bias"] = w, f32(len(w))
    st.save_file(tensors, str(tmp_path / "m.safetensors"))
    net = read_network(tmp_path / "m.safetensors")
    assert net.widths == (2, 3, 3, 1)
    assert net.weights[2] == (tuple(F(float(v)) for v in ws[2][0]),)
    assert net.biases[1] == tuple(F(float(v)) for v in tensors["layers.2.bias"])
    st.save_file({"0.weight": f32(3, 2), "bn.running_mean": f32(3)},
                 str(tmp_path / "bn.safetensors"))
    with pytest.raises(InputError, match="array 'bn.running_mean' is not a weight or bias"):
        read_network(tmp_path / "bn.safetensors")
    (tmp_path / "bad.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{broken")
    with pytest.raises(InputError, match="not a valid safetensors file"):
        read_network(tmp_path / "bad.safetensors")


def test_safetensors_bfloat16_is_exact(tmp_path):
    st = pytest.importorskip("safetensors.numpy")
    ml_dtypes = pytest.importorskip("ml_dtypes")
    w = np.array([[0.1, -3.0]], dtype=ml_dtypes.bfloat16)
    st.save_file({"fc.weight": w, "fc.bias": np.zeros(1, np.float32)},
                 str(tmp_path / "m.safetensors"))
    net = read_network(tmp_path / "m.safetensors")
    assert net.weights[0][0] == (F(float(w[0, 0])), F(-3)) and F(float(w[0, 0])) != F(1, 10)


# ------------------------------------------------------------------ numpy files
def test_npz_key_conventions_and_layouts(tmp_path):
    w0, w1 = f32(2, 4), f32(4, 1)  # (in, out)
    np.savez(tmp_path / "a.npz", W0=w0, b0=f32(4), W1=w1, b1=f32(1))
    np.savez(tmp_path / "b.npz", weight_1=w1.T, bias_1=f32(1), weight_0=w0.T, bias_0=f32(4))
    np.savez(tmp_path / "c.npz", w0, f32(4), w1, f32(1))  # arr_0, arr_1, ...
    a, b, c = (read_network(tmp_path / f"{k}.npz") for k in "abc")
    assert a.widths == b.widths == c.widths == (2, 4, 1)
    assert a.weights == b.weights == c.weights
    assert a.weights[0][3][1] == F(float(w0[1, 3]))
    assert read_model(tmp_path / "a.npz", layout="in-out").network == a
    with pytest.raises(InputError, match="the layout in-out fits: pass it"):
        read_model(tmp_path / "a.npz", layout="out-in")
    np.savez(tmp_path / "sq.npz", W0=f32(2, 2), b0=f32(2))
    with pytest.raises(InputError, match="fit both layouts"):
        read_network(tmp_path / "sq.npz")
    np.savez(tmp_path / "odd.npz", W0=f32(2, 2), foo=f32(2))
    with pytest.raises(InputError, match="array 'foo' is not a weight or bias"):
        read_network(tmp_path / "odd.npz")
    w0[1, 3] = np.nan  # named as stored in the file, (in, out)
    np.savez(tmp_path / "nan.npz", W0=w0, b0=f32(4), W1=w1, b1=f32(1))
    with pytest.raises(InputError, match=r"nan.npz: W0\[1\]\[3\] is nan"):
        read_network(tmp_path / "nan.npz")
    (tmp_path / "bad.npz").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(InputError, match="not a valid .npz archive"):
        read_network(tmp_path / "bad.npz")


def save_object_npy(path, weights, biases):
    arr = np.empty(2, dtype=object)
    arr[0], arr[1] = weights, biases
    np.save(path, arr, allow_pickle=True)


def test_npy_object_array_of_extraction_code(tmp_path):
    weights, biases = [f32(3, 5), f32(5, 2)], [f32(5), f32(2)]  # (in, out)
    save_object_npy(tmp_path / "m.npy", weights, biases)
    net = read_network(tmp_path / "m.npy")
    assert net.widths == (3, 5, 2)
    x = f32(4, 3)
    ref = np.maximum(x.astype(np.float64) @ weights[0] + biases[0], 0) @ weights[1] + biases[1]
    assert np.allclose(floats(net, x), ref, atol=1e-12)
    # numpy makes a (2, L) object array when the lists have equal lengths
    np.save(tmp_path / "grid.npy", np.array([weights, biases], dtype=object))
    assert read_network(tmp_path / "grid.npy") == net
    (tmp_path / "cut.npy").write_bytes((tmp_path / "m.npy").read_bytes()[:-30])
    with pytest.raises(InputError, match="cut.npy: not a valid .npy file"):
        read_network(tmp_path / "cut.npy")
    np.save(tmp_path / "plain.npy", f32(3, 3))
    with pytest.raises(InputError, match="expected an object array"):
        read_network(tmp_path / "plain.npy")


class _Exploit:
    def __reduce__(self):
        return (os.system, ("touch pwned",))


def test_npy_restricted_unpickler_refuses_code(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    header = b"{'descr': '|O', 'fortran_order': False, 'shape': (2,), }"
    header += b" " * (63 - (10 + len(header)) % 64) + b"\n"
    payload = pickle.dumps([_Exploit(), []], protocol=2)
    path = tmp_path / "evil.npy"
    path.write_bytes(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + payload)
    with pytest.raises(InputError, match="refused to load posix.system|refused to load os"):
        read_network(path)
    assert not (tmp_path / "pwned").exists()
    # a pickle reaching a harmless-looking global is refused too
    save_object_npy(tmp_path / "m.npy", [f32(1, 1)], [f32(1)])
    data = (tmp_path / "m.npy").read_bytes().replace(b"ndarray", b"memmap\x00")
    (tmp_path / "m2.npy").write_bytes(data)
    with pytest.raises(InputError, match="m2.npy"):
        read_network(tmp_path / "m2.npy")


def test_samples_from_npy_and_npz_are_exact(tmp_path):
    x = f32(4, 2, 3)
    np.save(tmp_path / "x.npy", x)
    samples = read_samples(tmp_path / "x.npy", 6)
    assert len(samples) == 4 and samples[1][5] == F(float(x[1, 1, 2]))
    np.savez(tmp_path / "x.npz", X=np.arange(6, dtype=np.uint8).reshape(3, 2), y=np.zeros(3))
    assert read_samples(tmp_path / "x.npz", 2) == [[0, 1], [2, 3], [4, 5]]
    with pytest.raises(InputError, match="dimension 2, the network expects 3"):
        read_samples(tmp_path / "x.npz", 3)
    bad = np.ones((2, 2))
    bad[1, 1] = np.inf
    np.save(tmp_path / "inf.npy", bad)
    with pytest.raises(InputError, match=r"inf.npy\[1\]\[1\] is inf"):
        read_samples(tmp_path / "inf.npy", 2)


# ------------------------------------------------------------------ scikit-learn
def test_from_sklearn_regressor_and_classifier():
    sk = pytest.importorskip("sklearn.neural_network")
    x, y = RNG.standard_normal((40, 3)), RNG.integers(0, 3, 40)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reg = sk.MLPRegressor(hidden_layer_sizes=(6, 5), max_iter=5, random_state=0).fit(x, x[:, 0])
        clf = sk.MLPClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=0).fit(x, y)
    net = Network.from_sklearn(reg)
    assert net.widths == (3, 6, 5, 1)
    assert net.weights[0][4][2] == F(float(reg.coefs_[0][2, 4]))
    assert np.allclose(floats(net, x[:5])[:, 0], reg.predict(x[:5]), atol=1e-12)
    logits = floats(Network.from_sklearn(clf), x[:5])
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    assert np.allclose(probs, clf.predict_proba(x[:5]), atol=1e-12)
    clf.activation = "tanh"
    with pytest.raises(InputError, match="activation 'tanh'"):
        Network.from_sklearn(clf)


# ------------------------------------------------------------------ PyTorch
def test_torch_module_and_state_dict_file(tmp_path):
    torch = pytest.importorskip("torch")
    nn = torch.nn
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(4, 3), nn.ReLU(), nn.Dropout(0.5),
                          nn.Sequential(nn.Linear(3, 2), nn.ReLU()), nn.Linear(2, 2),
                          nn.LogSoftmax(dim=1)).eval()
    net = Network.from_torch(model)
    assert net.widths == (4, 3, 2, 2)
    assert net.weights[1][1][2] == F(model[4][0].weight[1, 2].item())
    x = torch.randn(5, 2, 2)
    logits = floats(net, x.reshape(5, 4).numpy())
    ref = model(x).detach().numpy()
    assert np.allclose(logits - np.log(np.exp(logits).sum(axis=1, keepdims=True)), ref,
                       atol=1e-5)
    torch.save(model.state_dict(), tmp_path / "m.pt")
    assert read_network(tmp_path / "m.pt") == net
    torch.save({"epoch": 3, "state_dict": model.state_dict()}, tmp_path / "ckpt.pth")
    assert read_network(tmp_path / "ckpt.pth") == net
    (tmp_path / "cut.pt").write_bytes((tmp_path / "m.pt").read_bytes()[:100])
    with pytest.raises(InputError, match="cut.pt: not a valid PyTorch file"):
        read_network(tmp_path / "cut.pt")
    torch.save(model, tmp_path / "whole.pt")  # a pickled module: never unpickled
    with pytest.raises(InputError, match="weights_only=True.* refuses"):
        read_network(tmp_path / "whole.pt")
    with pytest.raises(InputError, match="unsupported layer Sigmoid '1'"):
        Network.from_torch(nn.Sequential(nn.Linear(2, 2), nn.Sigmoid(), nn.Linear(2, 1)))


# ------------------------------------------------------------------ rounding
def test_rationalize_reports_the_exact_change_and_function_difference(tmp_path):
    w0, b0, w1 = f32(3, 2), f32(3), f32(1, 3)
    net = Network.from_numpy([w0, w1], [b0, [0.0]])
    rounded, r = rationalize_network(net, 100)
    flat = net.flat_parameters()
    expected = max(abs(v.limit_denominator(100) - v) for v in flat)
    assert r.max_weight_change == expected > 0
    assert all(v.denominator <= 100 for v in rounded.flat_parameters())
    assert Network.from_numpy([w0, w1], [b0, [0.0]], max_denominator=100) == rounded
    np.savez(tmp_path / "m.npz", **{"0.weight": w0, "0.bias": b0, "1.weight": w1})
    box = Domain.box([(-1, 1), (-1, 1)])
    model = import_model(tmp_path / "m.npz", max_denominator=100, domain=box)
    assert model.network == rounded and model.rounding.max_weight_change == expected
    diff = compare(net, rounded, box)
    assert model.rounding.max_abs_difference == max(diff.max_abs_difference) > 0
    witness = model.rounding.witness
    assert abs(net(witness)[0] - rounded(witness)[0]) == model.rounding.max_abs_difference
    with pytest.raises(InputError, match="integer >= 1"):
        rationalize_network(net, 0)


# ------------------------------------------------------------------ command line
@pytest.fixture
def onnx_file(tmp_path):
    nodes = [("Gemm", ["x", "W", "B"], "h", "fc1", {"transB": 1}), ("Relu", ["h"], "r", "r1"),
             ("Gemm", ["r", "V"], "y", "fc2")]
    inits = {"W": np.array([[0.1, 1], [-1, 0.5], [2, -0.25]], dtype=np.float32),
             "B": np.array([0.5, 0, -1], dtype=np.float32),
             "V": np.array([[1], [-2], [0.75]], dtype=np.float32)}
    return save_onnx(tmp_path / "m.onnx", nodes, inits, [None, 2])


@needs_onnx
def test_cli_import_writes_the_network_and_reports(capsys, tmp_path, onnx_file):
    out = tmp_path / "net.json"
    code, text, err = run(capsys, "import", onnx_file, "--out", out, "--json")
    assert code == 0 and err == f"exactid: wrote {out}\n"
    report = json.loads(text)
    assert report["widths"] == [2, 3, 1] and report["params"] == 13
    assert report["max_denominator_bits"] == 27  # float32 0.1 = 13421773 / 2^27
    assert report["dropped"] == [] and report["rounded"] == 0
    assert report["max_weight_change"] == "0" and report["out"] == str(out)
    assert read_network(out).weights[0][0][0] == F(13421773, 2**27)
    box = tmp_path / "box.json"
    box.write_text(json.dumps({"format": "exactid.domain/1", "box": [[-1, 1], [-1, 1]]}))
    code, text, _ = run(capsys, "import", onnx_file, "--out", out, "--rationalize", 10,
                        "--domain", box, "--json")
    report = json.loads(text)
    assert code == 0 and report["rationalize"] == 10 and report["rounded"] == 1
    assert F(report["max_weight_change"]) == abs(F(1, 10) - F(13421773, 2**27))
    assert report["largest_change_at"] == "layer 0 weight[0][0]"
    assert F(report["max_abs_difference"]) > 0 and len(report["witness"]) == 2
    code, text, _ = run(capsys, "import", onnx_file, "--out", out)
    assert code == 0 and "widths               2-3-1" in text and "27 bits" in text


@needs_onnx
def test_cli_commands_read_models_and_npy_samples(capsys, tmp_path, onnx_file):
    x = np.array([[0.1, -0.3], [1.5, 2.0]], dtype=np.float32)
    np.save(tmp_path / "x.npy", x)
    code, text, _ = run(capsys, "eval", onnx_file, "--samples", tmp_path / "x.npy", "--json")
    assert code == 0
    outputs = [float(F(o[0])) for o in json.loads(text)["outputs"]]
    assert np.allclose(outputs, run_onnx(onnx_file, x)[:, 0], atol=1e-5)
    net = read_network(onnx_file)
    assert json.loads(text)["outputs"][1] == [str(net([F(1.5), F(2)])[0])]


@needs_onnx
@pytest.mark.parametrize("args, message", [
    (["--layout", "in-out"], "ONNX graph states its own layout"),
    (["--format", "npz"], "not a valid .npz archive"),
    (["--rationalize", "0"], "integer >= 1"),
])
def test_cli_import_bad_input_exits_2_and_writes_nothing(capsys, tmp_path, onnx_file, args,
                                                         message):
    out = tmp_path / "net.json"
    code, text, err = run(capsys, "import", onnx_file, "--out", out, *args)
    assert code == 2 and text == "" and message in err and err.count("\n") == 1
    assert not out.exists()


@needs_onnx
def test_cli_unknown_extension_and_truncated_file(capsys, tmp_path, onnx_file):
    (tmp_path / "m.bin").write_bytes(b"x")
    code, _, err = run(capsys, "import", tmp_path / "m.bin", "--out", tmp_path / "n.json")
    assert code == 2 and "unknown model format" in err
    (tmp_path / "t.onnx").write_bytes(onnx_file.read_bytes()[:-7])
    code, _, err = run(capsys, "local", tmp_path / "t.onnx", "--samples", tmp_path / "x.json")
    assert code == 2 and err.startswith(f"exactid: {tmp_path / 't.onnx'}: not a valid ONNX")


def test_cli_format_and_layout_on_every_network_command(capsys, tmp_path):
    """A square .npz is ambiguous; --layout settles it for `eval` and `equiv`, and --format
    reads a model whose file name does not say its format."""
    w0 = np.array([[1.0, 2.0], [-0.5, 0.25]], dtype=np.float32)  # (out, in) for out-in
    w1 = np.array([[3.0, -1.0], [1.0, 1.0]], dtype=np.float32)
    np.savez(tmp_path / "sq.npz", W0=w0, b0=np.zeros(2), W1=w1, b1=np.zeros(2))
    (tmp_path / "x.json").write_text('[["1", "1"]]')
    code, _, err = run(capsys, "eval", tmp_path / "sq.npz", "--samples", tmp_path / "x.json")
    assert code == 2 and "layout" in err
    outputs = {}
    for layout in ("out-in", "in-out"):
        code, text, _ = run(capsys, "eval", tmp_path / "sq.npz", "--samples",
                            tmp_path / "x.json", "--layout", layout, "--json")
        assert code == 0
        outputs[layout] = json.loads(text)["outputs"][0][0]
    # out-in: z = (3, -1/4), relu -> (3, 0), f = (9, 3);
    # in-out: z = W0^T x = (1/2, 9/4), f = W1^T z = (15/4, 7/4)
    assert outputs == {"out-in": "9", "in-out": "15/4"}
    os.replace(tmp_path / "sq.npz", tmp_path / "model.bin")
    code, text, _ = run(capsys, "equiv", tmp_path / "model.bin", tmp_path / "model.bin",
                        "--format", "npz", "--layout", "out-in", "--json")
    assert code == 0 and json.loads(text)["equivalent"] is True
