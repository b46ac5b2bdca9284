"""exactid.numbers: exact parsing, formatting and the lossy (but reported) rationalize."""

import json
import math
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exactid.errors import InputError
from exactid.network import as_samples
from exactid.numbers import (
    _RATIONAL_TEXT,
    _parse_plain,
    format_rational,
    loads_json,
    parse_rational,
    parse_rationals,
    rationalize,
    to_fraction,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (7, Fraction(7)),
        (-12, Fraction(-12)),
        (0, Fraction(0)),
        (10**40, Fraction(10**40)),
        ("3/7", Fraction(3, 7)),
        ("-3/7", Fraction(-3, 7)),
        ("6/4", Fraction(3, 2)),
        ("-3", Fraction(-3)),
        ("+5", Fraction(5)),
        ("0.125", Fraction(1, 8)),
        ("0.1", Fraction(1, 10)),
        (".5", Fraction(1, 2)),
        ("1e-3", Fraction(1, 1000)),
        ("-2.5E+2", Fraction(-250)),
        ("2E3", Fraction(2000)),
        (" 3 ", Fraction(3)),
        ("1 / 2", Fraction(1, 2)),
        (Fraction(-5, 9), Fraction(-5, 9)),
    ],
)
def test_parse_rational_accepts(value, expected):
    got = parse_rational(value)
    assert type(got) is Fraction
    assert got == expected


def test_floats_are_taken_exactly_not_as_decimal_text():
    assert parse_rational(0.5) == Fraction(1, 2)
    assert parse_rational(0.1) == Fraction(0.1)
    assert parse_rational(0.1) != Fraction(1, 10)
    assert parse_rational(0.1).denominator == 2**55
    assert to_fraction(-0.25) == Fraction(-1, 4)


def test_big_exponent_is_exact():
    assert parse_rational("1e30") == Fraction(10**30)
    assert parse_rational("-1.5e-20") == Fraction(-3, 2 * 10**20)


@pytest.mark.parametrize(
    "value",
    [True, False, "nan", "NaN", "inf", "-inf", "Infinity", "1/0", "0/0", "", "   ", "abc",
     "1/2/3", "1.2.3", "0x10", "1_000", "- 3", "3/", "/3", "e5", None, [1], [], {}, (1, 2),
     math.nan, math.inf, -math.inf, 1j],
)
def test_parse_rational_rejects_with_value_error_naming_where(value):
    with pytest.raises(ValueError, match="^somewhere: "):
        parse_rational(value, where="somewhere")


def test_zero_denominator_message_says_so():
    with pytest.raises(ValueError, match="zero denominator"):
        parse_rational("1/0", where="x")


@pytest.mark.parametrize("text", ["1\t/2", "1\n/2", "1/\t2"])
def test_whitespace_around_slash_is_accepted_or_rejected_with_where(text):
    try:
        value = parse_rational(text, where="net.json: layer 0 weight[0][0]")
    except ValueError as exc:
        assert str(exc).startswith("net.json: layer 0 weight[0][0]:"), str(exc)
    else:
        assert value == Fraction(1, 2)


def test_loads_json_keeps_decimals_exact():
    doc = loads_json('[0.1, 1e-3, -2.5E+2, 3, "1/3", {"a": 0.2}]')
    assert parse_rational(doc[0]) == Fraction(1, 10)
    assert parse_rational(doc[1]) == Fraction(1, 1000)
    assert parse_rational(doc[2]) == Fraction(-250)
    assert doc[3] == 3 and type(doc[3]) is int
    assert parse_rational(doc[4]) == Fraction(1, 3)
    assert parse_rational(doc[5]["a"]) == Fraction(1, 5)
    # Python's json would give the double nearest to 0.1 here.
    assert parse_rational(loads_json("[0.1]")[0]) != Fraction(0.1)


def test_loads_json_keeps_many_digits():
    text = "0.12345678901234567890123456789"
    assert parse_rational(loads_json(f"[{text}]")[0]) == Fraction(text)


@pytest.mark.parametrize("text", ["[NaN]", "[Infinity]", "[-Infinity]", '{"a": NaN}'])
def test_loads_json_rejects_non_finite_constants(text):
    with pytest.raises(ValueError, match="not a finite number"):
        loads_json(text)


@pytest.mark.parametrize(
    ("value", "text"),
    [(Fraction(3), "3"), (Fraction(-3), "-3"), (Fraction(0), "0"), (Fraction(6, 4), "3/2"),
     (Fraction(-1, 3), "-1/3"), (5, "5"), (Fraction(10**20 + 1, 7), f"{10**20 + 1}/7")],
)
def test_format_rational(value, text):
    assert format_rational(value) == text


@given(st.fractions())
def test_format_parse_round_trip(q):
    text = format_rational(q)
    assert parse_rational(text) == q
    assert "." not in text and "e" not in text


@given(st.floats(allow_nan=False, allow_infinity=False), st.integers(1, 1000))
def test_rationalize_reports_the_exact_error(x, max_den):
    r = rationalize(x, max_den)
    assert r.value.denominator <= max_den
    assert r.error == abs(r.value - Fraction(x))
    assert r.error >= 0


def test_rationalize_examples():
    r = rationalize(0.1, 10)
    assert r.value == Fraction(1, 10)
    assert r.error == abs(Fraction(1, 10) - Fraction(0.1)) and r.error > 0
    r = rationalize(Fraction(22, 7), 7)
    assert (r.value, r.error) == (Fraction(22, 7), 0)
    r = rationalize(math.pi, 7)
    assert r.value == Fraction(22, 7)
    assert r.error == Fraction(22, 7) - Fraction(math.pi)
    r = rationalize(0.5, 1)
    assert r.value in (0, 1) and r.error == Fraction(1, 2)


def test_rationalize_rejects_bad_arguments():
    with pytest.raises(ValueError):
        rationalize(0.5, 0)
    with pytest.raises(ValueError):
        rationalize(math.nan, 10)


def _full_grammar(text):
    """The value by the full grammar alone (the regular expression and Fraction)."""
    if not _RATIONAL_TEXT.fullmatch(text):
        return "rejected"
    try:
        return Fraction("".join(text.split()))
    except ZeroDivisionError:
        return "rejected"


@given(st.text(alphabet="0123456789-./e+ ٣", max_size=12))
def test_plain_fast_path_agrees_with_the_full_grammar(text):
    # the fast path may decline a text, never give it another value or accept a bad one
    plain = _parse_plain(text)
    if plain is not None:
        assert plain == _full_grammar(text)
    try:
        value = parse_rational(text)
    except ValueError:
        value = "rejected"
    assert value == _full_grammar(text)


@pytest.mark.parametrize(("text", "expected"), [
    ("3/4", Fraction(3, 4)), ("-3/4", Fraction(-3, 4)), ("0.1234", Fraction(617, 5000)),
    ("-0.5", Fraction(-1, 2)), ("12", Fraction(12)), ("-0", Fraction(0)),
    ("007/010", Fraction(7, 10)), ("-0/5", Fraction(0))])
def test_plain_fast_path_values(text, expected):
    assert _parse_plain(text) == expected


@pytest.mark.parametrize("text", ["3/0", "-3/00", "5.", ".5", "1e3", "+1/2", " 1/2", "1/-2",
                                  "٣/4", "--1", "1.5/2", "", "-"])
def test_plain_fast_path_declines_other_spellings(text):
    assert _parse_plain(text) is None


@given(st.lists(st.sampled_from(["3/4", "-3/4", "0.5", "7", "0", "-0", "6/8", "1e-2", 5, 0,
                                 -12, 10**30, Fraction(2, 3)]), min_size=0, max_size=200))
def test_long_lists_parse_as_one_by_one(values):
    # long lists of texts and integers take the path that parses each distinct one once
    assert parse_rationals(values, "v") == [parse_rational(v) for v in values]


def test_long_lists_of_json_numbers_parse_exactly():
    text = "[" + ", ".join(["0.1", "-3", "2.50", "1e-3", "7"] * 20) + "]"
    assert parse_rationals(loads_json(text), "v") == \
        [Fraction(1, 10), Fraction(-3), Fraction(5, 2), Fraction(1, 1000), Fraction(7)] * 20
    with pytest.raises(ValueError, match=r"v\[100\]"):
        parse_rationals(loads_json(text[:-1] + ", true]"), "v")


def test_long_list_error_names_the_entry():
    values = ["1/2"] * 100 + ["3/0"] + ["1/2"] * 10
    with pytest.raises(ValueError, match=r"v\[100\].*zero denominator"):
        parse_rationals(values, "v")


def test_samples_parsed_together_keep_rows_and_name_a_bad_sample():
    rows = [[f"{i}/7", "0.25", "-3"] for i in range(50)]
    assert as_samples(rows, 3) == [[Fraction(i, 7), Fraction(1, 4), Fraction(-3)]
                                   for i in range(50)]
    rows[31][1] = "1/x"
    with pytest.raises(InputError, match="sample 31"):
        as_samples(rows, 3)
    rows[31][1] = "1/2"
    rows[7] = rows[7][:2]
    with pytest.raises(InputError, match="sample 7: has dimension 2"):
        as_samples(rows, 3)


@pytest.mark.parametrize(("bad", "message"), [
    ("1e400000", "exponent with more than 5 digits"), ("1/0", "zero denominator"),
    ("nan", "is not a rational number"), (True, "got a boolean"), (None, "got NoneType"),
    ([1], "got list")])
def test_a_bad_entry_in_a_long_sample_file_is_one_line_naming_it(tmp_path, capsys, bad,
                                                                  message):
    # the samples are parsed all at once; a bad entry still gets exit 2 and its place
    from exactid.cli import main

    rows = [["1/3", "2/5"] for _ in range(100)]
    rows[57][1] = bad
    path = tmp_path / "x.json"
    path.write_text(json.dumps(rows))
    net = Path(__file__).parent.parent / "examples" / "worked-2-3-2-1" / "network.json"
    assert main(["local", str(net), "--samples", str(path), "--json"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert f"{path}: sample 57[1]:" in err and message in err
