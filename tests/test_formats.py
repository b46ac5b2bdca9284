"""Network and sample files: exact round trips and one-line errors that name the file."""

import json
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exactid import strategies as xst
from exactid.errors import InputError
from exactid.formats import (
    NETWORK_FORMAT,
    dump_json,
    network_from_doc,
    network_to_doc,
    read_json,
    read_network,
    read_samples,
    write_network,
    write_samples,
)
from exactid.network import Network

F = Fraction
fixture_ok = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])

GOOD = {"format": NETWORK_FORMAT,
        "layers": [{"weight": [[1, "-2/3"], [0.5, "1e-3"]], "bias": ["1/3", -1]},
                   {"weight": [[2, -3]], "bias": [0.1]}]}


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def net_doc(layers):
    return {"format": NETWORK_FORMAT, "layers": layers}


@fixture_ok
@given(xst.networks(max_numerator=10**6, max_denominator=10**6))
def test_network_file_round_trip_is_exact(tmp_path, net):
    path = tmp_path / "net.json"
    write_network(path, net)
    back = read_network(path)
    assert back == net
    assert back.flat_parameters() == net.flat_parameters()
    doc = json.loads(path.read_text())
    assert doc["format"] == NETWORK_FORMAT
    # integers are written as JSON integers, other rationals as exact "p/q" strings
    for layer, w in zip(doc["layers"], net.weights):
        for row_doc, row in zip(layer["weight"], w):
            for v_doc, v in zip(row_doc, row):
                if v.denominator == 1:
                    assert v_doc == v.numerator and type(v_doc) is int
                else:
                    assert v_doc == f"{v.numerator}/{v.denominator}"


def test_network_file_keeps_decimals_exact(tmp_path):
    path = write(tmp_path / "n.json", json.dumps(GOOD))
    net = read_network(path)
    assert net.weights[0][1] == (F(1, 2), F(1, 1000))
    assert net.weights[0][0] == (F(1), F(-2, 3))
    assert net.biases[1] == (F(1, 10),)  # the text 0.1, not the double
    assert network_from_doc(network_to_doc(net)) == net


def test_network_doc_is_transposition_free():
    # weights[l] has N_{l+1} rows of N_l columns: row = receiving neuron
    doc = net_doc([{"weight": [[1, 2, 3]], "bias": [0]}, {"weight": [[1]], "bias": [0]}])
    net = network_from_doc(doc)
    assert net.widths == (3, 1, 1)
    assert net([1, 1, 1]) == (F(6),)


@fixture_ok
@given(st.data())
def test_sample_files_round_trip_json_and_csv(tmp_path, data):
    dim = data.draw(st.integers(1, 3))
    xs = data.draw(st.lists(xst.points(dim, max_numerator=10**9, max_denominator=10**9),
                            min_size=1, max_size=6))
    for name in ("x.json", "x.csv", "X.CSV"):
        path = tmp_path / name
        write_samples(path, xs)
        assert read_samples(path, dim) == xs
    text = (tmp_path / "x.csv").read_text()
    assert len(text.splitlines()) == len(xs)
    assert "[" not in text


def test_csv_reader_accepts_spellings_comments_and_blank_lines(tmp_path):
    path = write(tmp_path / "s.csv", "# x, y\n1, -2/3\n\n0.1,1e-3\n  -2.5E+2 , 7\n")
    assert read_samples(path, 2) == [[F(1), F(-2, 3)], [F(1, 10), F(1, 1000)],
                                     [F(-250), F(7)]]


def test_json_samples_keep_decimals_exact(tmp_path):
    path = write(tmp_path / "s.json", '[[0.1, "1/3"], [-2, 1e-2]]')
    assert read_samples(path, 2) == [[F(1, 10), F(1, 3)], [F(-2), F(1, 100)]]


def test_dump_json_writes_fractions_exactly():
    assert json.loads(dump_json({"a": F(1, 3), "b": F(4), "c": [F(-1, 2)]})) == \
        {"a": "1/3", "b": 4, "c": ["-1/2"]}
    with pytest.raises(TypeError):
        dump_json({"a": object()})


# ------------------------------------------------------------------ bad network files
BAD_NETWORKS = {
    "malformed": ('{"format": "exactid.network/1", "layers": [', "malformed JSON"),
    "unknown-tag": (json.dumps({**GOOD, "format": "keras/2"}), "unknown format tag"),
    "no-tag": (json.dumps({"layers": GOOD["layers"]}), "unknown format tag"),
    "not-object": ("[1, 2]", "expected a JSON object"),
    "no-layers": (json.dumps(net_doc([])), "non-empty list"),
    "ragged": (json.dumps(net_doc([{"weight": [[1, 2], [3]], "bias": [0, 0]},
                                   {"weight": [[1, 1]], "bias": [0]}])), "ragged"),
    "mismatch": (json.dumps(net_doc([{"weight": [[1, 2], [3, 4]], "bias": [0, 0]},
                                     {"weight": [[1, 1, 1]], "bias": [0]}])),
                 "3 columns, expected 2"),
    "bias-length": (json.dumps(net_doc([{"weight": [[1, 2], [3, 4]], "bias": [0]},
                                        {"weight": [[1, 1]], "bias": [0]}])),
                    "bias has 1 entries, expected 2"),
    "nan-constant": ('{"format": "exactid.network/1", "layers": [{"weight": [[NaN]], '
                     '"bias": [0]}, {"weight": [[1]], "bias": [0]}]}', "not a finite number"),
    "infinity-constant": ('{"format": "exactid.network/1", "layers": [{"weight": [[1]], '
                          '"bias": [-Infinity]}, {"weight": [[1]], "bias": [0]}]}',
                          "not a finite number"),
    "nan-string": (json.dumps(net_doc([{"weight": [["nan"]], "bias": [0]},
                                       {"weight": [[1]], "bias": [0]}])), "not a rational"),
    "inf-string": (json.dumps(net_doc([{"weight": [["inf"]], "bias": [0]},
                                       {"weight": [[1]], "bias": [0]}])), "not a rational"),
    "zero-denominator": (json.dumps(net_doc([{"weight": [["1/0"]], "bias": [0]},
                                             {"weight": [[1]], "bias": [0]}])),
                         "zero denominator"),
    "empty-layer": (json.dumps(net_doc([{"weight": [], "bias": []},
                                        {"weight": [[1]], "bias": [0]}])), "empty"),
    "empty-row": (json.dumps(net_doc([{"weight": [[]], "bias": [0]},
                                      {"weight": [[1]], "bias": [0]}])), "empty"),
    "boolean": (json.dumps(net_doc([{"weight": [[True]], "bias": [0]},
                                    {"weight": [[1]], "bias": [0]}])), "boolean"),
    "missing-bias": (json.dumps(net_doc([{"weight": [[1]]}])), "'weight' and 'bias'"),
    "empty-file": ("", "malformed JSON"),
}


@pytest.mark.parametrize("case", sorted(BAD_NETWORKS))
def test_bad_network_file_raises_input_error_naming_the_file(tmp_path, case):
    text, message = BAD_NETWORKS[case]
    path = write(tmp_path / f"{case}.json", text)
    with pytest.raises(InputError) as info:
        read_network(path)
    msg = str(info.value)
    assert msg.startswith(str(path)), msg
    assert message in msg
    assert "\n" not in msg


def test_missing_file_is_an_input_error_naming_it(tmp_path):
    path = tmp_path / "absent.json"
    with pytest.raises(InputError, match="absent.json: cannot read file"):
        read_network(path)
    with pytest.raises(InputError, match="absent.csv: cannot read file"):
        read_samples(tmp_path / "absent.csv", 2)


def test_non_utf8_file_is_an_input_error(tmp_path):
    path = tmp_path / "bin.json"
    path.write_bytes(b"\xff\xfe\x00[")
    with pytest.raises(InputError, match="bin.json"):
        read_json(path)


# ------------------------------------------------------------------ bad sample files
BAD_SAMPLES = {
    "wrong-dim.json": ("[[1, 2], [1, 2, 3]]", "sample 1: has dimension 3"),
    "wrong-dim.csv": ("1,2\n1,2,3\n", "sample 1: has dimension 3"),
    "empty.json": ("[]", "no samples"),
    "empty.csv": ("", "no samples"),
    "comments-only.csv": ("# nothing\n\n", "no samples"),
    "empty-file.json": ("", "malformed JSON"),
    "not-list.json": ('{"x": [1, 2]}', "expected a JSON array"),
    "row-not-list.json": ("[1, 2]", "sample 0 is not a list"),
    "nan.json": ("[[NaN, 1]]", "not a finite number"),
    "nan.csv": ("1,nan\n", "not a rational"),
    "zero-den.csv": ("1,1/0\n", "zero denominator"),
    "zero-den.json": ('[["1/0", 1]]', "zero denominator"),
    "text.csv": ("1,abc\n", "not a rational"),
}


@pytest.mark.parametrize("name", sorted(BAD_SAMPLES))
def test_bad_sample_file_raises_input_error_naming_the_file(tmp_path, name):
    text, message = BAD_SAMPLES[name]
    path = write(tmp_path / name, text)
    with pytest.raises(InputError) as info:
        read_samples(path, 2)
    msg = str(info.value)
    assert msg.startswith(str(path)), msg
    assert message in msg
    assert "\n" not in msg


def test_csv_error_names_the_line(tmp_path):
    path = write(tmp_path / "s.csv", "1,2\n3,4\n5,oops\n")
    with pytest.raises(InputError, match="line 3"):
        read_samples(path, 2)


def test_tab_inside_a_fraction_error_names_the_file(tmp_path):
    path = write(tmp_path / "tab.json", json.dumps(
        net_doc([{"weight": [["1\t/2"]], "bias": [0]}, {"weight": [[1]], "bias": [0]}])))
    try:
        net = read_network(path)
    except InputError as exc:
        assert str(exc).startswith(str(path)), str(exc)
    else:
        assert net.weights[0][0][0] == F(1, 2)


def test_network_object_equality_is_exact():
    a = Network.from_lists([[[1]], [[1]]], [[0], ["1/3"]])
    b = Network.from_lists([[[1]], [[1]]], [[0], [0.3333333333333333]])
    assert a != b
