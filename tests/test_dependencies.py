"""The dependencies declared in pyproject.toml are exactly the ones exactid imports: every
core dependency is imported, every third-party import is declared, and an optional extra
is only ever imported lazily (inside a function, or by name through ``require_extra``)."""

import ast
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# distribution name -> top-level module, where they differ
MODULE_OF = {"python-flint": "flint", "scikit-learn": "sklearn"}


def _module(requirement: str) -> str:
    name = re.match(r"[A-Za-z0-9_.\-]+", requirement).group(0).lower()
    return MODULE_OF.get(name, name.replace("-", "_"))


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _imports() -> dict[str, set[bool]]:
    """Third-party top-level module -> {True if imported at module level somewhere,
    False if imported inside a function somewhere}."""
    found: dict[str, set[bool]] = {}
    for path in (ROOT / "exactid").rglob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        top = {id(node) for node in tree.body}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module]
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                  and node.func.id == "require_extra" and node.args
                  and isinstance(node.args[0], ast.Constant)):
                names = [node.args[0].value]
                found.setdefault(names[0].split(".")[0], set()).add(False)
                continue
            else:
                continue
            for name in names:
                module = name.split(".")[0]
                if module not in sys.stdlib_module_names and module != "exactid":
                    found.setdefault(module, set()).add(id(node) in top)
    return found


def test_core_dependencies_are_exactly_the_imported_ones():
    core = {_module(r) for r in _project()["dependencies"]}
    extras = {_module(r) for group, reqs in _project()["optional-dependencies"].items()
              if group != "test" for r in reqs}
    imported = _imports()
    assert core - set(imported) == set(), "declared but never imported"
    assert set(imported) - core - extras == set(), "imported but not declared"
    eager = {m for m, where in imported.items() if True in where}
    assert eager - core == set(), "an optional extra imported at module level"


def test_every_extra_module_is_imported_somewhere():
    imported = _imports()
    for group, reqs in _project()["optional-dependencies"].items():
        if group == "test":
            continue
        for r in reqs:
            assert _module(r) in imported, f"extra {group!r}: {r} is never imported"


def test_the_test_extra_holds_every_optional_extra_except_torch():
    groups = _project()["optional-dependencies"]
    test = {_module(r) for r in groups["test"]}
    optional = {_module(r) for g, reqs in groups.items() if g not in ("test", "torch")
                for r in reqs}
    assert optional <= test
