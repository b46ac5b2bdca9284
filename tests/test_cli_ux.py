"""The command line as a new user meets it: help texts and examples, --version, usage
errors, announcements of written files, regions --summary, progress on stderr only, file
permissions under the umask, and Ctrl-C (exactid/interrupt.py)."""

import argparse
import json
import os
import re
import resource
import signal
import stat
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

import pytest

from exactid import cli
from exactid.cli import main
from exactid.interrupt import run_isolated

ROOT = Path(__file__).resolve().parents[1]
WORKED = ROOT / "examples" / "worked-2-3-2-1"
E6 = ROOT / "examples" / "identify" / "e6"
NPZ = ROOT / "examples" / "models" / "worked-2-3-2-1.npz"


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def subcommands():
    parser = cli._parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return parser, action.choices


def test_a_command_parser_built_alone_is_the_same():
    # main() builds only the parser of the command it runs: same options, help and errors
    _, commands = subcommands()
    assert set(commands) == set(cli._COMMANDS)
    for name, full in commands.items():
        alone = cli._parser(name)
        action = next(a for a in alone._actions if isinstance(a, argparse._SubParsersAction))
        assert list(action.choices) == [name]
        assert action.choices[name].format_help() == full.format_help()


def test_every_command_argument_and_option_has_help():
    parser, commands = subcommands()
    missing = [f"exactid {a.dest}" for a in parser._actions if not a.help]
    for name, sub in commands.items():
        missing += [f"exactid {name} {a.dest}" for a in sub._actions
                    if not a.help or a.help == argparse.SUPPRESS]
    assert not missing
    listed = {a.dest for a in next(a for a in parser._actions if isinstance(
        a, argparse._SubParsersAction))._choices_actions if a.help}
    assert listed == set(commands)


def test_every_command_help_ends_with_examples_on_existing_files():
    _, commands = subcommands()
    for name, sub in commands.items():
        text = sub.format_help()
        epilog = text[text.index("examples (from the repository root):"):]
        lines = epilog.splitlines()[1:]
        assert lines and lines[0].strip().startswith(f"exactid {name}"), name
        assert all(line.strip().startswith("exactid ") for line in lines), name
        for path in re.findall(r"(?:examples|proofs)/[\w./-]+", epilog):
            assert (ROOT / path).exists(), f"{name}: example file {path} does not exist"


@pytest.mark.parametrize("argv", [
    ["local", WORKED / "network.json", "--samples", WORKED / "samples.json"],
    ["regions", E6 / "network.json", "--domain", E6 / "domain.json", "--summary"],
    ["import", NPZ, "--out", "{tmp}/net.json", "--rationalize", "1000"],
])
def test_help_examples_run(capsys, tmp_path, argv):
    code, out, _ = run(capsys, *[str(a).format(tmp=tmp_path) for a in argv])
    assert code == 0 and out


def test_version(capsys, monkeypatch):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out == f"exactid {metadata.version('exactid')}\n"

    def missing(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", missing)
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.startswith("exactid unknown")


@pytest.mark.parametrize("argv, pointer", [
    (["local", "net.json"], "see 'exactid local --help'"),
    (["regions", "net.json", "--domian", "d.json"], "see 'exactid regions --help'"),
    (["design-sample"], "see 'exactid design-sample --help'"),
    (["no-such-command"], "see 'exactid --help'"),
    ([], "see 'exactid --help'"),
])
def test_usage_errors_point_to_the_subcommand_help(capsys, argv, pointer):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    err = capsys.readouterr().err
    assert exc.value.code == 2 and err.count("\n") == 1 and pointer in err


def test_help_is_quick_and_imports_nothing_heavy():
    code = ("import sys; from exactid.cli import _parser; _parser().format_help(); "
            "print([m for m in ('numpy', 'flint', 'networkx', 'sympy', 'matplotlib') "
            "if m in sys.modules])")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "[]"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([sys.executable, "-m", "exactid", "--help"], capture_output=True,
                          text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert done.returncode == 0 and "examples" in done.stdout
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    assert cpu < 0.3, f"exactid --help used {cpu:.2f} s of CPU"


def written(tmp_path):
    """Every command that writes a file, with the path it writes."""
    return [
        (["local", WORKED / "network.json", "--samples", WORKED / "samples.json",
          "--certificate", tmp_path / "local.cert.json"], tmp_path / "local.cert.json"),
        (["identify", E6 / "network.json", "--domain", E6 / "domain.json", "--certificate",
          tmp_path / "identify.cert.json"], tmp_path / "identify.cert.json"),
        (["regions", E6 / "network.json", "--domain", E6 / "domain.json", "--graphml",
          tmp_path / "g.graphml", "--certificate", tmp_path / "regions.cert.json"],
         tmp_path / "g.graphml"),
        (["design-sample", E6 / "network.json", "--domain", E6 / "domain.json", "--out",
          tmp_path / "X.json"], tmp_path / "X.json"),
        (["import", NPZ, "--out", tmp_path / "net.json"], tmp_path / "net.json"),
    ]


def test_every_written_file_is_announced_on_stderr(capsys, tmp_path):
    for argv, path in written(tmp_path):
        code, out, err = run(capsys, *argv, "--json")
        assert code == 0 and path.exists()
        assert f"exactid: wrote {path}\n" in err
        json.loads(out)  # stdout stays one JSON document
    _, _, err = run(capsys, *written(tmp_path)[2][0])
    assert err.count("exactid: wrote") == 2


@pytest.mark.parametrize("mask", [0o027, 0o002])
def test_written_files_respect_the_umask(capsys, tmp_path, mask):
    old = os.umask(mask)
    try:
        for argv, path in written(tmp_path):
            assert run(capsys, *argv)[0] == 0
            assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask, argv[0]
        assert stat.S_IMODE((tmp_path / "regions.cert.json").stat().st_mode) == 0o666 & ~mask
    finally:
        os.umask(old)


def test_plot_respects_the_umask_and_is_announced(capsys, tmp_path):
    pytest.importorskip("matplotlib")
    old = os.umask(0o027)
    try:
        code, _, err = run(capsys, "regions", E6 / "network.json", "--domain",
                           E6 / "domain.json", "--plot", tmp_path / "r.png", "--summary")
    finally:
        os.umask(old)
    assert code == 0 and f"exactid: wrote {tmp_path / 'r.png'}" in err
    assert stat.S_IMODE((tmp_path / "r.png").stat().st_mode) == 0o640


def fake_regions(count):
    """What render_regions reads of a RegionSet, for ``count`` regions on a line."""
    from fractions import Fraction
    from types import SimpleNamespace

    regions = [SimpleNamespace(pattern=((1, 0),), witness=(Fraction(i, 3),), facets=[{}] * 2)
               for i in range(count)]
    return SimpleNamespace(count=count, regions=regions, edges=[{}] * (count - 1),
                           lower_dimensional=[], degenerate=["hidden layer 0 neuron 1: ..."])


def test_regions_summary_and_long_listings(capsys):
    code, out, _ = run(capsys, "regions", E6 / "network.json", "--domain", E6 / "domain.json",
                       "--summary")
    assert code == 0 and out == "12 full-dimensional regions, 16 adjacencies\n"
    code, out, _ = run(capsys, "regions", E6 / "network.json", "--domain", E6 / "domain.json")
    assert sum(line.lstrip().startswith("region ") for line in out.splitlines()) == 12
    assert "more" not in out
    for count, listed in ((cli._LISTED, cli._LISTED), (cli._LISTED + 1, cli._SHORT_LIST)):
        text = cli.render_regions(fake_regions(count), "net.json", "box.json")
        lines = text.splitlines()
        assert sum(line.lstrip().startswith("region ") for line in lines) == listed
        assert lines[-1] == "  degenerate: hidden layer 0 neuron 1: ..."
        assert ((f"... and {count - listed} more: 'exactid regions net.json --domain box.json "
                 "--json' lists them all") in text) == (listed < count)
    summary = cli.render_regions(fake_regions(61), "net.json", "box.json", summary=True)
    assert summary.splitlines() == ["61 full-dimensional regions, 60 adjacencies",
                                    "  degenerate: hidden layer 0 neuron 1: ..."]


def test_progress_goes_to_stderr_only(capsys, monkeypatch):
    e1 = ROOT / "examples" / "identify" / "e1"
    commands = [["regions", E6 / "network.json", "--domain", E6 / "domain.json", "--json"],
                ["diff", e1 / "network.json", e1 / "counterexample.json", "--domain",
                 e1 / "domain.json", "--json"],
                ["identify", E6 / "network.json", "--domain", E6 / "domain.json", "--json"],
                ["design-sample", E6 / "network.json", "--domain", E6 / "domain.json",
                 "--json"],
                ["crosscheck", WORKED / "network.json", "--samples", WORKED / "samples.json",
                 "--json"]]
    for argv in commands:
        code, out, err = run(capsys, *argv, "--progress")
        assert code == 0 and json.loads(out)
        assert err and all(line.startswith("exactid: ") for line in err.splitlines())
        assert run(capsys, *argv, "--no-progress")[2] == ""
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)  # the default on a terminal
    code, out, err = run(capsys, *commands[0])
    assert code == 0 and json.loads(out) and "regions: 12" in err
    assert run(capsys, *commands[0], "--no-progress")[2] == ""


# --- Ctrl-C -------------------------------------------------------------------------

def test_isolated_command_status_and_output(capfd):
    def command():
        print("from the child")
        return 3

    assert run_isolated(command) == 3
    assert capfd.readouterr().out == "from the child\n"
    assert run_isolated(lambda: sys.exit(4)) == 4


@pytest.mark.parametrize("signum, code, line", [
    (signal.SIGINT, 130, "exactid: interrupted\n"),
    (signal.SIGTERM, 143, "exactid: terminated\n"),
])
def test_interrupted_command_leaves_no_temporary_file(capfd, tmp_path, signum, code, line):
    out = tmp_path / "out.json"
    older = tmp_path / ".out.json.older"  # not ours: it was there before
    older.write_text("")

    def command():
        (tmp_path / ".out.json.k2j4x9ab").write_text("half a certific")
        os.kill(os.getppid(), signum)
        time.sleep(30)
        return 0

    start = time.monotonic()
    assert run_isolated(command, [str(out)]) == code
    assert time.monotonic() - start < 2
    assert capfd.readouterr().err == line
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.json.older"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def long_local_run(folder: Path):
    """Files for ``exactid local`` that run for well over 10 s (widths 10-40-40-1, 3000
    samples: most of the time is spent inside FLINT calls that hold the interpreter)."""
    import random

    rng = random.Random(1)
    widths = [10, 40, 40, 1]

    def weight():
        return rng.choice((-1, 1)) * rng.randint(1, 9)

    layers = [{"weight": [[weight() for _ in range(widths[l])] for _ in range(widths[l + 1])],
               "bias": [weight() for _ in range(widths[l + 1])]} for l in range(3)]
    primes = [1000003, 1000033, 1000037, 1000039, 1000081, 1000099, 1000117, 1000121,
              1000133, 1000151]
    rng = random.Random(2)
    samples = [[f"{rng.randint(-10**6, 10**6)}/{p}" for p in primes] for _ in range(3000)]
    (folder / "net.json").write_text(json.dumps({"format": "exactid.network/1",
                                                 "layers": layers}))
    (folder / "x.json").write_text(json.dumps(samples))


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(c) for c in path.read_text().split()] if path.exists() else [0]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the isolation needs os.fork")
def test_ctrl_c_stops_a_long_local_run_at_once(tmp_path):
    long_local_run(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    start = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "exactid", "local", "net.json", "--samples",
                             "x.json", "--certificate", "out/cert.json", "--json"],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    while not children(proc.pid) and time.monotonic() - start < 20:
        time.sleep(0.05)  # the command runs in the child once the arguments are parsed
    time.sleep(max(0.0, start + 1.5 - time.monotonic()))
    assert proc.poll() is None, "the run ended before it could be interrupted"
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=30)
    latency = time.monotonic() - sent
    assert proc.returncode == 130
    assert latency < 2, f"Ctrl-C took {latency:.2f} s"
    assert stderr.decode() == "exactid: interrupted\n" and stdout == b""
    assert list(out.iterdir()) == []
