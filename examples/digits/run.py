"""A real trained model, end to end: scikit-learn's 8x8 digits, ONNX, exactid.

    python examples/digits/run.py [--out DIR] [--max-iter N] [--crosscheck-images N]

1. Trains ``MLPClassifier(activation="relu", hidden_layer_sizes=(30, 30),
   random_state=0)`` on the first 1500 of the 1797 images that scikit-learn ships
   (``sklearn.datasets.load_digits``: no download), the other 297 held out.
2. Exports it to ``DIR/digits.onnx`` with ``onnx.helper``: Gemm, Relu, Gemm, Relu, Gemm,
   float32 initializers, the ten logits as output (no Softmax).
3. Writes the training images as an integer array ``DIR/train_images.npy`` (pixels are
   the integers 0..16, so the samples are exact) and the first ``--crosscheck-images`` of
   them as ``DIR/crosscheck_images.npy``.
4. Runs the exactid commands on these files, echoing each one: ``import``, ``local`` with
   a certificate, ``check`` of that certificate, ``crosscheck``.

Needs ``pip install 'exactid[onnx,sklearn]'``. README.md next to this file shows the
output and explains the verdict.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
import warnings
from collections.abc import Sequence

import numpy as np

N_TRAIN = 1500
"""Images 0..1499 train the network (and are the sample X); 1500..1796 are held out."""

CROSSCHECK_IMAGES = 100
"""Images given to crosscheck: Gamma has 10 rows per image and D = 3130 columns, and its
exact rank below D is proved through kernel vectors, which on the whole training set
takes far longer than the rest of this script (README.md: "Why a subset")."""

HIDDEN = (30, 30)
SEED = 0


def load_images() -> tuple[np.ndarray, np.ndarray]:
    """Return the 1797 digits as an (n, 64) integer array of pixels 0..16, and the labels."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    pixels = digits.data.astype(np.int64)
    assert np.array_equal(pixels, digits.data)  # the pixels are integers: exact samples
    return pixels, digits.target


def train(images: np.ndarray, labels: np.ndarray, max_iter: int = 500) -> object:
    """Return the fitted MLPClassifier (relu, two hidden layers of 30, fixed seed)."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    mlp = MLPClassifier(activation="relu", hidden_layer_sizes=HIDDEN, max_iter=max_iter,
                        random_state=SEED)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # short runs in the tests
        mlp.fit(images.astype(np.float64), labels)
    return mlp


def export_onnx(mlp: object, path: str | os.PathLike) -> None:
    """Write the classifier's logits as an ONNX chain Gemm, Relu, ..., Gemm.

    The weights are scikit-learn's ``coefs_`` (in, out), stored as float32 initializers:
    ``Gemm(x, W, b)`` with ``transB=0`` computes x W + b. The output activation
    (softmax) is left out, so the graph's output is the ten logits.
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    nodes, inits, data = [], [], "pixels"
    last = len(mlp.coefs_) - 1
    for l, (w, b) in enumerate(zip(mlp.coefs_, mlp.intercepts_)):
        inits += [numpy_helper.from_array(w.astype(np.float32), f"W{l}"),
                  numpy_helper.from_array(b.astype(np.float32), f"b{l}")]
        out = "logits" if l == last else f"z{l}"
        nodes.append(helper.make_node("Gemm", [data, f"W{l}", f"b{l}"], [out],
                                      name=f"dense{l}"))
        if l < last:
            nodes.append(helper.make_node("Relu", [out], [f"a{l}"], name=f"relu{l}"))
            out = f"a{l}"
        data = out
    n_in, n_out = mlp.coefs_[0].shape[0], mlp.coefs_[-1].shape[1]
    graph = helper.make_graph(
        nodes, "digits_mlp",
        [helper.make_tensor_value_info("pixels", TensorProto.FLOAT, [None, n_in])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [None, n_out])],
        initializer=inits)
    model = helper.make_model(graph, producer_name="exactid examples/digits",
                              opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    onnx.save(model, os.fspath(path))


def onnx_logits(path: str | os.PathLike, images: np.ndarray) -> np.ndarray:
    """Return the ONNX model's float32 logits on ``images`` (onnx's reference evaluator)."""
    from onnx.reference import ReferenceEvaluator

    return ReferenceEvaluator(os.fspath(path)).run(None, {
        "pixels": images.astype(np.float32)})[0]


def _exactid(*argv: str) -> None:
    """Echo and run one exactid command in this process; stop on an input error."""
    from exactid.cli import main

    print(f"\n$ exactid {shlex.join(argv)}", flush=True)
    start = time.perf_counter()
    status = main(list(argv))
    sys.stdout.flush()
    print(f"[{time.perf_counter() - start:.1f} s, exit {status}]", file=sys.stderr, flush=True)
    if status == 2:
        raise SystemExit(2)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="digits-out", help="directory for the files "
                        "(default: digits-out)")
    parser.add_argument("--max-iter", type=int, default=500,
                        help="training epochs of MLPClassifier (default: 500)")
    parser.add_argument("--crosscheck-images", type=int, default=CROSSCHECK_IMAGES,
                        help=f"how many training images crosscheck uses (default: "
                        f"{CROSSCHECK_IMAGES})")
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    model, train_x, cc_x, net, cert = (os.path.join(args.out, name) for name in (
        "digits.onnx", "train_images.npy", "crosscheck_images.npy", "digits.json",
        "digits.cert.json"))

    images, labels = load_images()
    mlp = train(images[:N_TRAIN], labels[:N_TRAIN], args.max_iter)
    export_onnx(mlp, model)
    logits = onnx_logits(model, images)
    predicted = logits.argmax(axis=1)
    print(f"trained MLPClassifier(relu, {HIDDEN}, random_state={SEED}) for "
          f"{mlp.n_iter_} epochs on images 0..{N_TRAIN - 1}")
    print(f"accuracy of {model}: training {np.mean(predicted[:N_TRAIN] == labels[:N_TRAIN]):.4f}"
          f", held out {np.mean(predicted[N_TRAIN:] == labels[N_TRAIN:]):.4f}")
    zero = np.flatnonzero(~images[:N_TRAIN].any(axis=0))
    print("pixels (row, column) that are 0 on every training image: "
          + ", ".join(f"({p // 8}, {p % 8})" for p in zero))
    np.save(train_x, images[:N_TRAIN])
    np.save(cc_x, images[:args.crosscheck_images])

    _exactid("import", model, "--out", net)
    _exactid("local", net, "--samples", train_x, "--certificate", cert, "--seed", "0")
    _exactid("check", cert)
    _exactid("crosscheck", net, "--samples", cc_x, "--seed", "0")
    return 0


if __name__ == "__main__":
    sys.exit(main())
