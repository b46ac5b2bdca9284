"""Citations of the theory point into the repository: every ``docs/theory/<file>.md §<n>``
names an existing file and section heading, and no file points outside the repository."""
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
THEORY = ROOT / "docs" / "theory"
SECTION = r"(?:N\d[a-z]?'?|\d+(?:\.\d+)*)"
# "docs/theory/local.md §8", "``docs/theory/local.md`` §13.1", "... §4-5" (a range)
CITATION = re.compile(r"docs/theory/(\w+\.md)`{0,2}\s*§\s*(" + SECTION + r")(?:-(" + SECTION
                      + r"))?")
# inside docs/theory: "[local.md](local.md) §8"
RELATIVE = re.compile(r"\]\((\w+\.md)\)\s*§\s*(" + SECTION + r")(?:-(" + SECTION + r"))?")
HEADING = re.compile(r"^#{2,4}\s+(" + SECTION + r")\.?\s", re.MULTILINE)


def _sections(name: str) -> set[str]:
    """The section numbers of the headings of docs/theory/<name>."""
    return set(HEADING.findall((THEORY / name).read_text(encoding="utf-8")))


def _cited_files() -> list[Path]:
    files = [ROOT / "README.md", *sorted((ROOT / "exactid").rglob("*.py")),
             *sorted((ROOT / "docs").rglob("*.md")),
             *sorted((ROOT / "examples").rglob("README.md"))]
    return [f for f in files if f.is_file()]


def _citations() -> list[tuple[str, str, str, str | None]]:
    found = []
    for path in _cited_files():
        text = path.read_text(encoding="utf-8")
        where = str(path.relative_to(ROOT))
        found += [(where, *m.groups()) for m in CITATION.finditer(text)]
        if path.parent == THEORY:
            found += [(where, *m.groups()) for m in RELATIVE.finditer(text)]
    return found


def test_theory_pages_exist_with_numbered_sections():
    for name in ("README.md", "local.md", "shallow.md", "deep_global.md", "smooth.md",
                 "exact_computing.md"):
        assert (THEORY / name).is_file(), name
    assert {"1.6", "3.1", "3.3", "8", "10.1", "10.2", "12.4", "13.1"} <= _sections("local.md")
    assert {"1.1", "2", "4", "6.4", "7"} <= _sections("shallow.md")
    assert {"0", "1.1", "3.3", "4", "N2b", "N4'", "5.2", "6", "7"} <= _sections("deep_global.md")


def test_every_theory_citation_resolves():
    citations = _citations()
    assert len(citations) > 50  # the verdicts, docstrings and docs do cite the theory
    missing = []
    for where, name, first, last in citations:
        if not (THEORY / name).is_file():
            missing.append(f"{where}: docs/theory/{name} does not exist")
            continue
        sections = _sections(name)
        missing += [f"{where}: docs/theory/{name} has no section {s}"
                    for s in (first, last) if s is not None and s not in sections]
    assert not missing, "\n".join(missing)


def test_no_file_points_outside_the_repository():
    try:
        listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                                check=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    # spelled in pieces so that this file does not match itself
    forbidden = ["../" + "shared", "shared" + "/theory", "/work" + "/shared"]
    offending = []
    for name in listed:
        path = ROOT / name
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        offending += [f"{name}: {word}" for word in forbidden if word in text]
    assert not offending, "\n".join(offending)
