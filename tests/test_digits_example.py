"""examples/digits/run.py: train on scikit-learn's digits, export to ONNX, certify with exactid.

A short run (a few epochs, a few images) of the example's own functions, then the checks
the example's output relies on: the imported network computes ONNX's logits, the local
verdict's certificate is accepted by the independent checker, and crosscheck's exact rank
is the rank of Gamma.
"""

import importlib.util
import warnings
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("onnx")
pytest.importorskip("sklearn")

from exactid.certificates.check import check_certificate  # noqa: E402
from exactid.crosscheck import crosscheck  # noqa: E402
from exactid.formats import read_model  # noqa: E402
from exactid.verdicts.local import jacobian_rank, local_verdict  # noqa: E402

RUN = Path(__file__).resolve().parents[1] / "examples" / "digits" / "run.py"
N_IMAGES = 12
FIELDS = {"verdict", "rank_exact", "dimension", "float", "rescaling", "disagreements"}


def _example():
    spec = importlib.util.spec_from_file_location("digits_run", RUN)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    run = _example()
    images, labels = run.load_images()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mlp = run.train(images[:200], labels[:200], max_iter=3)
    path = tmp_path_factory.mktemp("digits") / "digits.onnx"
    run.export_onnx(mlp, path)
    return run, images, mlp, path


def test_pixels_are_exact_integers(trained):
    _, images, _, _ = trained
    assert images.shape == (1797, 64) and images.dtype.kind == "i"
    assert images.min() == 0 and images.max() == 16


def test_imported_network_computes_the_onnx_logits(trained):
    run, images, mlp, path = trained
    model = read_model(path)
    assert model.format == "onnx" and model.dropped == ()
    assert model.network.widths == (64, 30, 30, 10)
    # the float32 initializers are read exactly: the network holds their binary values
    assert model.network.weights[0][0][0] == float(np.float32(mlp.coefs_[0][0, 0]))
    x = images[:N_IMAGES]
    reference = run.onnx_logits(path, x)
    exact = np.array([[float(v) for v in model.network(row.tolist())] for row in x])
    np.testing.assert_allclose(exact, reference, rtol=1e-5, atol=1e-4)


def test_local_verdict_certificate_is_accepted(trained):
    _, images, _, path = trained
    net = read_model(path).network
    result = local_verdict(net, images[:N_IMAGES].tolist(), seed=0)
    check = check_certificate(result.certificate)
    assert check.valid, check.messages
    assert check.verdict == result.verdict
    # 12 images give 120 rows for D = 3130 columns: C_S is impossible
    assert result.dimension == 3130 and result.verdict != "locally-identifiable"


def test_crosscheck_rank_is_the_exact_rank_of_gamma(trained):
    _, images, _, path = trained
    net = read_model(path).network
    x = images[:N_IMAGES].tolist()
    result = crosscheck(net, x, exponents=[3], seed=0)
    doc = result.to_json()
    assert FIELDS <= set(doc)
    assert doc["dimension"] == 3130 and len(doc["float"]) == 6
    assert [s["factor"] for s in doc["rescaling"]] == ["1000"]
    local = local_verdict(net, x, seed=0, certificate=False)
    assert doc["verdict"] == local.verdict
    expected = (local.rank_jacobian if local.rank_jacobian is not None
                else jacobian_rank(net, x, seed=0))
    assert doc["rank_exact"] == expected
    assert all(f["rank"] is None or f["rank"] <= 10 * N_IMAGES for f in doc["float"])
