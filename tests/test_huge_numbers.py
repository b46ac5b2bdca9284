"""Numbers beyond float64 (1e400, 1e-400) never crash a command: an exact answer (exit 0)
or a one-line error (exit 2), never a traceback. Float hints that overflow are dropped and
the exact path answers."""

import json

import pytest

from exactid.cli import main

NET = {"format": "exactid.network/1", "layers": [
    {"weight": [["1e400", 1], [1, "-1e-400"]], "bias": [0, "1/2"]},
    {"weight": [[1, "1e300"]], "bias": ["2e400"]}]}
SAMPLES = [["1e400", "1/3"], ["-2", "3e-400"], ["1/7", "1"]]
BOX = {"format": "exactid.domain/1", "box": [[-1, 1], [-1, 1]]}
WIDE = {"format": "exactid.domain/1", "box": [["-1e400", "1e400"], [-1, 1]]}

COMMANDS = [
    ["eval", "NET", "--samples", "X", "--json"],
    ["local", "NET", "--samples", "X", "--float-check", "--json"],
    ["crosscheck", "NET", "--samples", "X", "--json"],
    ["regions", "NET", "--domain", "BOX", "--workers", "1", "--json"],
    ["regions", "NET", "--domain", "WIDE", "--workers", "1", "--json"],
    ["identify", "NET", "--domain", "BOX", "--workers", "1", "--json"],
    ["identify", "NET", "--domain", "WIDE", "--workers", "1", "--json"],
    ["diff", "NET", "NET", "--domain", "BOX", "--workers", "1", "--json"],
    ["design-sample", "NET", "--domain", "BOX", "--workers", "1", "--json"],
    ["equiv", "NET", "NET", "--json"],
    ["align", "NET", "NET", "--json"],
]


@pytest.mark.parametrize("argv", COMMANDS, ids=lambda a: " ".join(a[:1] + a[-3:-1]))
def test_huge_numbers_never_crash(tmp_path, capsys, argv):
    files = {"NET": NET, "X": SAMPLES, "BOX": BOX, "WIDE": WIDE}
    for name, doc in files.items():
        (tmp_path / f"{name}.json").write_text(json.dumps(doc))
    args = [str(tmp_path / f"{a}.json") if a in files else a for a in argv]
    code = main(args)
    out, err = capsys.readouterr()
    assert code in (0, 2), err
    if code == 0:
        json.loads(out)  # a complete answer
    else:
        assert err.count("\n") == 1 and err.startswith("exactid: ")
