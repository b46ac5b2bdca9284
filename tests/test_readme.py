"""README.md runs as written.

- Every ``$ exactid ...`` line of a ```sh block, run in a scratch folder that holds the
  repository's ``examples/`` and ``proofs/`` (as in the repository root), exits with status
  0, or with the status of an ``[exit status N]`` line under it, and prints every output
  line shown under it, in order; ``...`` stands for lines left out. Commands that need an
  optional extra (``--plot``, ONNX, safetensors, PyTorch files) and commands other than
  ``exactid`` (``python examples/...``) are not run. The commands
  of one block run in order (a later one may read what an earlier one wrote).
- The ```pycon blocks run as one doctest session in the repository root.
- The "File formats" sample avoids the kinks of the network shown beside it.
- Every example folder's README (examples/*/README.md) shows, in a ```sh block, a command
  that runs it, and those commands run (checked as above).
"""

import contextlib
import doctest
import io
import json
import os
import re
import shlex
from pathlib import Path

import pytest

from exactid.cli import main
from exactid.formats import network_from_doc

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
NEEDS_EXTRA = re.compile(r"--plot|\.onnx\b|\.safetensors\b|\.pth?\b")
STATUS = re.compile(r"\[exit status (\d+)\]")


def _sh_blocks(text: str = README) -> list[list[tuple[str, list[str]]]]:
    """Each ```sh block of ``text`` as (command, output lines shown) pairs."""
    blocks = []
    for body in re.findall(r"^```sh\n(.*?)^```", text, re.S | re.M):
        steps: list[tuple[str, list[str]]] = []
        for line in body.splitlines():
            if line.startswith("$ "):
                steps.append((line[2:], []))
            elif steps:
                steps[-1][1].append(line)
        assert steps, f"a ```sh block without a '$ ' command: {body[:80]!r}"
        blocks.append(steps)
    return blocks


BLOCKS = _sh_blocks()
EXAMPLE_READMES = sorted(p.relative_to(ROOT) for p in (ROOT / "examples").glob("*/README.md"))


def _run(command: str) -> tuple[int, list[str]]:
    argv = shlex.split(command)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(argv[1:])
        except SystemExit as exc:  # argparse: usage errors, --help
            status = exc.code if isinstance(exc.code, int) else 1
    return status, [line.strip() for line in (out.getvalue() + err.getvalue()).splitlines()]


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    """A folder laid out like the repository root, for the files the commands write."""
    folder = tmp_path_factory.mktemp("readme")
    for name in ("examples", "proofs"):
        (folder / name).symlink_to(ROOT / name, target_is_directory=True)
    return folder


def test_the_readme_has_commands_to_run():
    commands = [c for block in BLOCKS for c, _ in block]
    assert len(commands) >= 20
    for needed in ("local", "check", "eval", "equiv", "regions", "identify", "diff",
                   "design-sample", "crosscheck", "align", "import"):
        assert any(c.split()[1] == needed for c in commands), needed


def _check_block(block: list[tuple[str, list[str]]], folder: Path) -> None:
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        for command, shown in block:
            if NEEDS_EXTRA.search(command) or not command.startswith("exactid "):
                continue  # an optional extra, or a script (python examples/...)
            status, lines = _run(command)
            expected = [int(m.group(1)) for m in map(STATUS.fullmatch, shown) if m]
            assert status == (expected[0] if expected else 0), (command, lines)
            position = 0
            for want in shown:
                want = want.strip()
                if not want or want == "..." or STATUS.fullmatch(want):
                    continue
                try:
                    position = lines.index(want, position) + 1
                except ValueError:
                    pytest.fail(f"{command}\nexpected the line\n  {want}\nin order, in\n"
                                + "\n".join(lines))
    finally:
        os.chdir(cwd)


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_commands(index, scratch):
    _check_block(BLOCKS[index], scratch)


@pytest.mark.parametrize("readme", [str(p) for p in EXAMPLE_READMES])
def test_every_example_readme_shows_how_to_run_it(readme, scratch):
    blocks = _sh_blocks((ROOT / readme).read_text(encoding="utf-8"))
    folder = Path(readme).parent.as_posix()
    assert any(folder in command for block in blocks for command, _ in block), \
        f"{readme}: no ```sh block with a command on {folder}/"
    for block in blocks:
        _check_block(block, scratch)


def test_readme_python_snippets(monkeypatch):
    monkeypatch.chdir(ROOT)
    blocks = re.findall(r"^```pycon\n(.*?)^```", README, re.S | re.M)
    assert blocks
    test = doctest.DocTestParser().get_doctest("\n".join(blocks), {}, "README.md",
                                              str(ROOT / "README.md"), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    report = io.StringIO()
    runner.run(test, out=report.write)
    assert runner.failures == 0, report.getvalue()


def test_the_format_sample_avoids_the_kinks_of_the_network_beside_it():
    section = README[README.index("## File formats"):]
    network = re.search(r'(\{"format": "exactid\.network/1",.*?\]\}\)?\]\})', section, re.S)
    net = network_from_doc(json.loads(network.group(1)))
    sample = re.search(r"Samples: a JSON array of arrays \(`(.*?)`\)", section, re.S)
    for x in json.loads(sample.group(1)):
        pre = net.preactivations([str(v) for v in x])
        assert all(z != 0 for layer in pre[:-1] for z in layer), (x, pre)
