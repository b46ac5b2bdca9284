"""Hostile JSON input: nesting depth, size and duplicate keys are bounded or rejected with
one line on stderr naming the file (exit 2), never a traceback.

``exactid check`` follows the same rule: a certificate file that is not a well-formed JSON
document (too deep, too large, a duplicate key) is unreadable input, exit 2; exit 1 stays
reserved for a parseable certificate that the checker rejects.
"""

import json
import os
import subprocess
import sys
import time
from itertools import accumulate
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exactid import numbers
from exactid.cli import main
from exactid.errors import InputError
from exactid.formats import jsonio, read_json
from exactid.numbers import MAX_JSON_DEPTH, MAX_JSON_SIZE, _json_depth, loads_json

ROOT = Path(__file__).resolve().parents[1]
WORKED = ROOT / "examples" / "worked-2-3-2-1"
E4 = ROOT / "examples" / "identify" / "e4"
DEEP = "[" * 100000


def exactid(*argv, cwd=ROOT):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "exactid", *map(str, argv)], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=120)


def assert_one_line_error(proc, path, *words):
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert str(path) in lines[0]
    for w in words:
        assert w in lines[0], lines[0]


def nested(depth):
    return "[" * depth + "]" * depth


# ------------------------------------------------------------------ depth, subprocess
def test_deep_network_file(tmp_path):
    net = tmp_path / "deep-net.json"
    net.write_text(DEEP)
    proc = exactid("local", net, "--samples", WORKED / "samples.json")
    assert_one_line_error(proc, net, "nested too deeply")


def test_deep_samples_file(tmp_path):
    xs = tmp_path / "deep-samples.json"
    xs.write_text(DEEP)
    proc = exactid("local", WORKED / "network.json", "--samples", xs)
    assert_one_line_error(proc, xs, "nested too deeply")


def test_deep_domain_file(tmp_path):
    dom = tmp_path / "deep-domain.json"
    dom.write_text('{"format": "exactid.domain/1", "box": ' + DEEP)
    proc = exactid("regions", E4 / "network.json", "--domain", dom)
    assert_one_line_error(proc, dom, "nested too deeply")


def test_deep_certificate_file(tmp_path):
    cert = tmp_path / "deep-cert.json"
    cert.write_text(DEEP)
    proc = exactid("check", cert)
    assert_one_line_error(proc, cert, "nested too deeply")


def test_deep_objects_in_process(tmp_path, capsys):
    net = tmp_path / "objects.json"
    net.write_text('{"a": ' * 50000 + "1" + "}" * 50000)
    code = main(["local", str(net), "--samples", str(WORKED / "samples.json")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert str(net) in err and "nested too deeply" in err


# ------------------------------------------------------------------ depth limit
def test_depth_limit_is_exact_and_wide():
    assert loads_json(nested(MAX_JSON_DEPTH))  # the limit itself passes
    with pytest.raises(ValueError, match="nested too deeply"):
        loads_json(nested(MAX_JSON_DEPTH + 1))
    # exactid's documents nest at most 10 levels: keep a wide margin below the limit
    assert MAX_JSON_DEPTH >= 64


def test_every_json_of_the_repository_is_read_and_far_below_the_limit():
    def depth(obj):
        if isinstance(obj, dict):
            obj = list(obj.values())
        return 1 + max(map(depth, obj), default=0) if isinstance(obj, list) else 0

    paths = sorted(p for d in ("examples", "proofs", "tests") for p in (ROOT / d).rglob("*.json"))
    assert len(paths) > 50
    for p in paths:
        doc = read_json(p)
        assert depth(doc) == _json_depth(p.read_text(encoding="utf-8"))
        assert depth(doc) <= MAX_JSON_DEPTH // 5, p


def test_legit_deep_document_passes(tmp_path, capsys):
    # a network with an extra member nested to the limit (unknown members are ignored),
    # and brackets, braces and escaped quotes inside strings, which do not count
    doc = json.loads((WORKED / "network.json").read_text())
    note = "[{\\\"[[[[" * 500
    text = json.dumps(doc)[:-1] + ', "note": "' + note + '", "deep": ' \
        + nested(MAX_JSON_DEPTH - 1) + "}"
    assert _json_depth(text) == MAX_JSON_DEPTH
    net = tmp_path / "net.json"
    net.write_text(text)
    code = main(["local", str(net), "--samples", str(WORKED / "samples.json"), "--json"])
    out, err = capsys.readouterr()
    assert code == 0 and err == ""
    assert json.loads(out)["verdict"] == "locally-identifiable"


@pytest.mark.parametrize("text, depth", [
    ('["[[[", {"a": "]]]{"}]', 2),
    ('["\\"[[[", [[]]]', 3),        # an escaped quote does not end the string
    ('["\\\\", [[]]]', 3),          # an escaped backslash does: the brackets count
    ('"unterminated [[[[', 0),
    ("1", 0),
    ("", 0),
])
def test_depth_scan(text, depth):
    assert _json_depth(text) == depth


@given(st.text(alphabet='[]{}"\\ab,', max_size=40))
def test_depth_scan_matches_the_string_pattern(text):
    # the split used when there is no backslash finds the strings the pattern finds
    from exactid.numbers import _BRACKET_STEP, _JSON_STRING, _NOT_BRACKET

    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    assert _json_depth(text) == max(accumulate(map(_BRACKET_STEP.__getitem__, brackets),
                                               initial=0))


def test_depth_scan_is_linear_on_escaped_quotes():
    # a closing quote required by the string pattern would retry from every quote:
    # quadratic (minutes here); the scan must stay linear
    text = '"' + '\\"' * 200000
    start = time.perf_counter()
    assert _json_depth(text) == 0
    assert time.perf_counter() - start < 5
    with pytest.raises(ValueError):
        loads_json(text)


def test_recursion_error_is_a_one_line_input_error(tmp_path, monkeypatch):
    # the safety net behind the depth scan: Python's own recursion limit
    monkeypatch.setattr(numbers, "MAX_JSON_DEPTH", 10**9)
    path = tmp_path / "deep.json"
    path.write_text(DEEP)
    with pytest.raises(InputError, match="nested too deeply") as exc:
        read_json(path)
    assert str(path) in str(exc.value) and "\n" not in str(exc.value)


# ------------------------------------------------------------------ size
def test_size_limit_of_a_file(tmp_path, monkeypatch, capsys):
    assert MAX_JSON_SIZE >= 2**30  # certificates of large networks: hundreds of MB
    monkeypatch.setattr(jsonio, "MAX_JSON_SIZE", 120)
    small = tmp_path / "small.json"
    small.write_text(json.dumps([[1, 2]] * 12))  # 96 bytes
    assert read_json(small) == [[1, 2]] * 12
    big = tmp_path / "big.json"
    big.write_text(json.dumps([[1, 2]] * 20))
    with pytest.raises(InputError, match="too large") as exc:
        read_json(big)
    assert str(big) in str(exc.value)
    net = tmp_path / "net.json"
    net.write_text('{"format": "exactid.network/1", "layers": [{"weight": [[1]], "bias": [0]},'
                   ' {"weight": [[1]], "bias": [0]}]}')
    assert net.stat().st_size <= 120
    csv = tmp_path / "big.csv"
    csv.write_text("1\n" * 70)
    code = main(["local", str(net), "--samples", str(csv)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and str(csv) in err and "too large" in err


def test_size_limit_of_a_text(monkeypatch):
    monkeypatch.setattr(numbers, "MAX_JSON_SIZE", 10)
    assert loads_json("[1, 2, 3]") == [1, 2, 3]
    with pytest.raises(ValueError, match="too large"):
        loads_json("[1, 2, 3, 4]")


def test_csv_that_is_not_utf8(tmp_path, capsys):
    csv = tmp_path / "latin1.csv"
    csv.write_bytes(b"1,2\n\xff,3\n")
    code = main(["local", str(WORKED / "network.json"), "--samples", str(csv)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert str(csv) in err and "UTF-8" in err and "Traceback" not in err


# ------------------------------------------------------------------ duplicate keys
def test_duplicate_key_in_a_nested_object():
    with pytest.raises(ValueError, match="duplicate key 'b'"):
        loads_json('{"a": [{"b": 1, "c": 2, "b": 1}]}')
    assert loads_json('{"a": {"b": 1}, "b": {"a": 2}}') == {"a": {"b": 1}, "b": {"a": 2}}


def test_duplicate_layers_in_a_network(tmp_path, capsys):
    doc = json.loads((WORKED / "network.json").read_text())
    layers = json.dumps(doc["layers"])
    net = tmp_path / "dup-net.json"
    net.write_text('{"format": "exactid.network/1", "layers": ' + layers
                   + ', "layers": ' + json.dumps(doc["layers"][1:]) + "}")
    code = main(["local", str(net), "--samples", str(WORKED / "samples.json")])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and err.count("\n") == 1
    assert str(net) in err and "duplicate key 'layers'" in err


def test_duplicate_key_in_a_domain(tmp_path, capsys):
    dom = tmp_path / "dup-domain.json"
    dom.write_text('{"format": "exactid.domain/1", "box": [[-5, 5], [-5, 5]], '
                   '"box": [[0, 1], [0, 1]]}')
    code = main(["regions", str(E4 / "network.json"), "--domain", str(dom)])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and err.count("\n") == 1
    assert str(dom) in err and "duplicate key 'box'" in err


def test_duplicate_key_in_a_sample_row(tmp_path, capsys):
    xs = tmp_path / "dup-samples.json"
    xs.write_text('[[1, 2], {"x": 1, "x": 2}]')
    code = main(["local", str(WORKED / "network.json"), "--samples", str(xs)])
    err = capsys.readouterr().err
    assert code == 2 and str(xs) in err and "duplicate key 'x'" in err


@pytest.mark.parametrize("forged_first", [True, False])
def test_duplicate_claim_in_a_certificate(tmp_path, forged_first):
    cert = tmp_path / "c.json"
    proc = exactid("local", WORKED / "network.json", "--samples", WORKED / "samples.json",
                   "--certificate", cert)
    assert proc.returncode == 0, proc.stderr
    assert exactid("check", cert).returncode == 0
    text = cert.read_text()
    claim = json.loads(text)["claim"]
    forged = f'"claim": {json.dumps(dict(claim, verdict="not-locally-identifiable"))},\n '
    assert text.count('"claim":') == 1 and text.index('"claim":') < text.index('"evidence":')
    # the old reader kept the last value: VALID when the genuine claim came last
    where = text.index('"claim":' if forged_first else '"evidence":')
    dup = text[:where] + forged + text[where:]
    assert dup.count('"claim":') == 2
    bad = tmp_path / "dup-claim.json"
    bad.write_text(dup)
    proc = exactid("check", bad)
    assert_one_line_error(proc, bad, "duplicate key 'claim'")
    assert proc.stdout == ""
