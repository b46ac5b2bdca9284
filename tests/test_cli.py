"""The command line: exit codes, JSON output, certificates and one-line input errors."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from exactid.cli import main

ROOT = Path(__file__).resolve().parents[1]

NET_131 = {"format": "exactid.network/1", "layers": [
    {"weight": [[1, -2], ["1/2", 1], [-1, 1]], "bias": ["1/3", -1, "1/2"]},
    {"weight": [[1, -1, 2], ["-1/2", 1, 1]], "bias": ["1/4", "-1/3"]},
    {"weight": [[2, -3]], "bias": ["1/5"]}]}
X_131 = [[-12, -12], [-12, -11], [-12, -8], [-12, -7], [-12, -5], [-12, -4], [-12, 8],
         [-12, 9], [-11, -12], [-11, -11], [-11, -8], [-11, -5], [-11, 7], [2, 1], [2, 2]]
OUT_131 = ["821/30", "821/30", "641/30", "461/30", "46/5", "51/5", "86/5", "66/5", "821/30",
           "761/30", "358/15", "41/5", "177/10", "-13/10", "-63/10"]
NET_132 = {"format": "exactid.network/1", "layers": [
    {"weight": [[0, 2], [1, 2], [-1, -3]], "bias": [-1, -1, 2]},
    {"weight": [[-1, 3, -1]], "bias": [3]}]}
X_132 = [[0, 2], [4, -3], [4, -1], [2, 4], [-2, 4], [-3, 0], [-4, -1], [3, 4], [-1, 4],
         [0, -4], [-3, -3], [2, 1]]
KINK_NET = {"format": "exactid.network/1", "layers": [
    {"weight": [[1], [-1]], "bias": ["-1/2", 1]}, {"weight": [[1, 1]], "bias": [0]}]}
DEGENERATE_NET = {"format": "exactid.network/1", "layers": [
    {"weight": [[1, 0], [0, 1]], "bias": [0, 0]}, {"weight": [[1, 0]], "bias": [0]}]}
LOCAL_FIELDS = {"verdict", "params", "hidden", "dimension", "samples", "outputs",
                "rank_jacobian", "rank_activation", "sample_bound", "activation_counts",
                "reasons", "float_rank_jacobian"}


def put(path, obj):
    path.write_text(obj if isinstance(obj, str) else json.dumps(obj), encoding="utf-8")
    return str(path)


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def files(tmp_path):
    return {
        "net": put(tmp_path / "net.json", NET_131),
        "x": put(tmp_path / "x.json", X_131),
        "net132": put(tmp_path / "net132.json", NET_132),
        "x132": put(tmp_path / "x132.json", X_132),
    }


def test_local_json_fields_and_values(capsys, files):
    code, out, err = run(capsys, "local", files["net"], "--samples", files["x"], "--json")
    assert code == 0 and err == ""
    doc = json.loads(out)  # exactly one JSON object on stdout
    assert isinstance(doc, dict)
    assert LOCAL_FIELDS <= set(doc)
    assert doc["verdict"] == "locally-identifiable"
    assert (doc["params"], doc["hidden"], doc["dimension"]) == (20, 5, 15)
    assert (doc["samples"], doc["outputs"]) == (15, 1)
    assert doc["rank_jacobian"] == 15 and doc["rank_activation"] is None
    assert doc["sample_bound"] == 15
    assert doc["activation_counts"] == [[8, 5, 13], [13, 11]]
    assert doc["float_rank_jacobian"] is None  # the float64 cross-check is opt-in
    assert doc["reasons"] and "C_S" in doc["reasons"][0]
    code, out, _ = run(capsys, "local", files["net"], "--samples", files["x"], "--json",
                       "--float-check")
    assert code == 0 and json.loads(out)["float_rank_jacobian"] == 15


def test_local_progress_goes_to_stderr_only(capsys, files):
    code, out, err = run(capsys, "local", files["net"], "--samples", files["x"], "--json",
                         "--progress")
    assert code == 0 and json.loads(out)["verdict"] == "locally-identifiable"
    lines = err.splitlines()
    assert lines[0].startswith("exactid: read 15 samples (")
    assert any("rank of Gamma modulo a prime (>= 15, D = 15)" in line for line in lines)
    assert lines[-1].startswith("exactid: verdict: locally-identifiable (")


def test_local_json_theorem_8(capsys, files):
    code, out, _ = run(capsys, "local", files["net132"], "--samples", files["x132"], "--json",
                       "--no-float-check")
    doc = json.loads(out)
    assert code == 0
    assert doc["verdict"] == "not-locally-identifiable"
    assert (doc["rank_jacobian"], doc["rank_activation"], doc["dimension"]) == (7, 7, 10)
    assert doc["float_rank_jacobian"] is None


def test_local_text_report(capsys, files):
    code, out, _ = run(capsys, "local", files["net"], "--samples", files["x"])
    assert code == 0
    assert "VERDICT: locally-identifiable" in out
    assert "dimension D = Npar - H" in out and " 15" in out


def test_certificate_written_checked_and_corruption_rejected(capsys, files, tmp_path):
    cert = tmp_path / "out.cert.json"
    code, out, _ = run(capsys, "local", files["net132"], "--samples", files["x132"],
                       "--certificate", cert)
    assert code == 0 and cert.exists()
    assert str(cert) in out
    doc = json.loads(cert.read_text())
    assert doc["format"] == "exactid.certificate/1"
    assert doc["claim"]["verdict"] == "not-locally-identifiable"
    code, out, _ = run(capsys, "check", cert)
    assert code == 0 and "VALID" in out and "INVALID" not in out
    code, out, _ = run(capsys, "check", cert, "--json")
    assert code == 0 and json.loads(out)["valid"] is True
    doc["claim"]["dimension"] += 1
    bad = put(tmp_path / "bad.cert.json", doc)
    code, out, _ = run(capsys, "check", bad)
    assert code == 1 and "INVALID" in out and "dimension" in out
    code, out, _ = run(capsys, "check", bad, "--json")
    result = json.loads(out)
    assert code == 1 and result["valid"] is False and result["messages"]


def test_check_malformed_json_exits_2(capsys, tmp_path):
    path = put(tmp_path / "broken.cert.json", '{"format": ')
    code, out, err = run(capsys, "check", path)
    assert code == 2 and out == ""
    lines = err.splitlines()
    assert len(lines) == 1 and path in lines[0] and "malformed JSON" in lines[0]


def test_eval_json_outputs_exact_strings(capsys, files):
    code, out, _ = run(capsys, "eval", files["net"], "--samples", files["x"], "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["outputs"] == [[o] for o in OUT_131]
    assert all(isinstance(v, str) for row in doc["outputs"] for v in row)
    assert doc["patterns"][0] == [[1, 0, 1], [1, 0]]
    assert doc["patterns"][13] == [[1, 1, 0], [0, 1]]
    assert doc["kinks"] == []


def test_eval_text_and_kinks(capsys, tmp_path):
    net = put(tmp_path / "kink.json", KINK_NET)
    xs = put(tmp_path / "x.json", [[0], ["1/2"], [2], [3]])
    code, out, _ = run(capsys, "eval", net, "--samples", xs, "--json")
    doc = json.loads(out)
    assert code == 0
    assert doc["outputs"] == [["1"], ["1/2"], ["3/2"], ["5/2"]]
    assert doc["patterns"][1] is None and doc["patterns"][0] == [[0, 1]]
    assert doc["patterns"][3] == [[1, 0]]
    assert doc["kinks"] == [{"sample": 1, "neurons": [[0, 0]]}]
    code, out, _ = run(capsys, "eval", net, "--samples", xs)
    assert code == 0 and "on kink of layer 0 neuron 0" in out and "f = (1/2)" in out


def test_equiv_json_true_and_false(capsys, tmp_path):
    a = put(tmp_path / "a.json", NET_132)
    # B: hidden neurons 0 and 2 swapped, neuron 1 (now 1) rescaled by 2
    b_doc = {"format": "exactid.network/1", "layers": [
        {"weight": [[-1, -3], [2, 4], [0, 2]], "bias": [2, -2, -1]},
        {"weight": [[-1, "3/2", -1]], "bias": [3]}]}
    b = put(tmp_path / "b.json", b_doc)
    code, out, _ = run(capsys, "equiv", a, b, "--json")
    doc = json.loads(out)
    assert code == 0
    assert doc["equivalent"] is True
    assert doc["permutations"] == [[2, 1, 0]]
    assert doc["scalings"] == [["1", "2", "1"]]
    # C: neuron 1 negated (incoming row, bias and outgoing weight): same phi, not ~
    c_doc = json.loads(json.dumps(NET_132))
    c_doc["layers"][0]["weight"][1] = [-1, -2]
    c_doc["layers"][0]["bias"][1] = 1
    c_doc["layers"][1]["weight"][0][1] = -3
    c = put(tmp_path / "c.json", c_doc)
    code, out, _ = run(capsys, "equiv", a, c, "--json")
    doc = json.loads(out)
    assert code == 0
    assert doc["equivalent"] is False
    assert doc["obstruction"] and doc["permutations"] is None
    code, out, _ = run(capsys, "equiv", a, b)
    assert code == 0 and "are equivalent" in out
    code, out, _ = run(capsys, "equiv", a, c)
    assert code == 0 and "NOT equivalent" in out


def test_kink_sample_is_not_applicable(capsys, tmp_path):
    net = put(tmp_path / "kink.json", KINK_NET)
    xs = put(tmp_path / "x.json", [[0], ["1/2"], [2], [3]])
    cert = tmp_path / "kink.cert.json"
    code, out, _ = run(capsys, "local", net, "--samples", xs, "--json", "--certificate", cert)
    doc = json.loads(out)
    assert code == 0
    assert doc["verdict"] == "not-applicable"
    assert doc["rank_jacobian"] is None
    assert any("sample 1" in r and "hidden layer 0 neuron 0" in r for r in doc["reasons"])
    assert run(capsys, "check", cert)[0] == 0
    cdoc = json.loads(cert.read_text())
    assert cdoc["evidence"] == {"sample": 1, "neuron": [0, 0]}


def test_degenerate_neuron_is_not_applicable(capsys, tmp_path):
    net = put(tmp_path / "deg.json", DEGENERATE_NET)
    xs = put(tmp_path / "x.json", [[1, 1], [-1, 2]])
    code, out, _ = run(capsys, "local", net, "--samples", xs, "--json")
    doc = json.loads(out)
    assert code == 0
    assert doc["verdict"] == "not-applicable"
    assert any("hidden layer 0 neuron 1" in r and "outgoing" in r for r in doc["reasons"])


def test_demo_as_a_subprocess():
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-m", "exactid", "demo"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "locally-identifiable" in proc.stdout
    assert "VALID" in proc.stdout and "INVALID" not in proc.stdout


@pytest.mark.parametrize("argv, field, value", [
    (["regions", "network.json", "--domain", "domain.json", "--json"], "count", 7),
    (["diff", "network.json", "counterexample.json", "--domain", "domain.json", "--json"],
     "equal", True),
    (["identify", "network.json", "--domain", "domain.json", "--json"], "verdict",
     "not-identifiable"),
    (["design-sample", "network.json", "--domain", "domain.json", "--json"], "dimension",
     10),
])
def test_json_stdout_of_a_fresh_process_is_one_object(argv, field, value):
    # A fresh process: the LP solver is constructed there, and nothing it prints may
    # reach stdout (highspy >= 1.16 prints a banner on construction).
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-m", "exactid", *argv],
                          cwd=ROOT / "examples" / "identify" / "triangle", env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)[field] == value


def test_demo_in_process(capsys):
    code, out, _ = run(capsys, "demo")
    assert code == 0 and "VERDICT: locally-identifiable" in out


# ------------------------------------------------------------------ input errors
GOOD_X = [[1, 2], [3, 4]]
BAD_NETS = {
    "malformed": '{"format": "exactid.network/1", "layers": [',
    "unknown-tag": {"format": "onnx", "layers": NET_132["layers"]},
    "ragged": {"format": "exactid.network/1", "layers": [
        {"weight": [[1, 2], [3]], "bias": [0, 0]}, {"weight": [[1, 1]], "bias": [0]}]},
    "nan": '{"format": "exactid.network/1", "layers": [{"weight": [[NaN, 1]], "bias": [0]},'
           ' {"weight": [[1]], "bias": [0]}]}',
    "nan-string": {"format": "exactid.network/1", "layers": [
        {"weight": [["nan", 1]], "bias": [0]}, {"weight": [[1]], "bias": [0]}]},
    "zero-denominator": {"format": "exactid.network/1", "layers": [
        {"weight": [["3/0", 1]], "bias": [0]}, {"weight": [[1]], "bias": [0]}]},
    "no-hidden-layer": {"format": "exactid.network/1", "layers": [
        {"weight": [[1, 2]], "bias": [0]}]},
}


def assert_one_line_error(err, name=None):
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].strip()
    assert "Traceback" not in err
    if name is not None:
        assert name in lines[0], lines[0]


@pytest.mark.parametrize("case", sorted(BAD_NETS))
def test_bad_network_exits_2_with_one_line(capsys, tmp_path, case):
    net = put(tmp_path / f"{case}.json", BAD_NETS[case])
    xs = put(tmp_path / "x.json", GOOD_X)
    cert = tmp_path / "never.cert.json"
    code, out, err = run(capsys, "local", net, "--samples", xs, "--certificate", cert)
    assert code == 2
    assert out == ""
    assert_one_line_error(err, net)
    assert not cert.exists()
    assert not list(tmp_path.glob(".never.cert.json*"))


def test_no_hidden_layer_is_fine_for_eval(capsys, tmp_path):
    net = put(tmp_path / "affine.json", BAD_NETS["no-hidden-layer"])
    xs = put(tmp_path / "x.json", GOOD_X)
    code, out, _ = run(capsys, "eval", net, "--samples", xs, "--json")
    assert code == 0 and json.loads(out)["outputs"] == [["5"], ["11"]]


BAD_SAMPLES = {
    "wrong-dim.json": [[1, 2, 3]],
    "wrong-dim.csv": "1,2\n1,2,3\n",
    "nan.json": "[[NaN, 1]]",
    "zero-den.csv": "1,1/0\n",
    "malformed.json": "[[1, 2]",
    "empty.json": "[]",
}


@pytest.mark.parametrize("name", sorted(BAD_SAMPLES))
@pytest.mark.parametrize("command", ["local", "eval"])
def test_bad_samples_exit_2_with_one_line(capsys, tmp_path, files, name, command):
    xs = put(tmp_path / name, BAD_SAMPLES[name])
    argv = [command, files["net"], "--samples", xs]
    cert = tmp_path / "never.cert.json"
    if command == "local":
        argv += ["--certificate", cert]
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert_one_line_error(err, xs)
    assert not cert.exists()


@pytest.mark.parametrize("which", ["network", "samples", "certificate", "equiv"])
def test_missing_file_exits_2(capsys, tmp_path, files, which):
    missing = str(tmp_path / "does-not-exist.json")
    argv = {
        "network": ["local", missing, "--samples", files["x"]],
        "samples": ["local", files["net"], "--samples", missing],
        "certificate": ["check", missing],
        "equiv": ["equiv", files["net"], missing],
    }[which]
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert_one_line_error(err, missing)


def test_unwritable_certificate_path_exits_2(capsys, tmp_path, files):
    target = tmp_path / "no-such-dir" / "out.cert.json"
    code, _, err = run(capsys, "local", files["net"], "--samples", files["x"],
                       "--certificate", target)
    assert code == 2
    assert_one_line_error(err, str(target))
    assert not target.exists()


def test_certificate_path_that_is_a_directory_exits_2(capsys, tmp_path, files):
    code, _, err = run(capsys, "local", files["net"], "--samples", files["x"],
                       "--certificate", tmp_path)
    assert code == 2
    assert_one_line_error(err, str(tmp_path))
    assert "directory" in err


@pytest.mark.parametrize("argv", [
    ["frobnicate"],
    [],
    ["local"],
    ["local", "net.json"],
    ["eval", "net.json"],
    ["equiv", "a.json"],
    ["check"],
    ["local", "net.json", "--samples", "x.json", "--seed", "abc"],
    ["local", "net.json", "--samples", "x.json", "--bogus"],
])
def test_usage_errors_exit_2_with_one_line(capsys, argv):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert_one_line_error(err)
    assert err.startswith("exactid: ")
