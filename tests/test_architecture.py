"""The shape of the code: layers point one way (import-linter contracts in pyproject.toml), no module uses
another module's private names, and no function is above cyclomatic complexity 25 as radon counts it (ruff's
C901 leaves out the boolean operators and comprehension clauses that radon counts)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "landbridge"


def test_import_contracts_hold():
    from importlinter.cli import lint_imports

    assert lint_imports(config_filename=str(SRC.parents[1] / "pyproject.toml")) == 0, "run `lint-imports` to see why"


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def private_uses(path: Path) -> list[str]:
    """`from landbridge.x import _name` and `module._name` on an imported landbridge module, in one file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    me = _module_name(path)
    found: list[str] = []
    modules: set[str] = set()  # local names bound to landbridge modules
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("landbridge"):
            for alias in node.names:
                private = alias.name.startswith("_") and not alias.name.startswith("__")
                if private and node.module != me:
                    found.append(f"{path.name}:{node.lineno} imports {node.module}.{alias.name}")
                if (SRC.parent / node.module.replace(".", "/") / (alias.name + ".py")).exists():
                    modules.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("landbridge") and alias.asname:
                    modules.add(alias.asname)
    found.extend(
        f"{path.name}:{node.lineno} uses {node.value.id}.{node.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id in modules
        and node.attr.startswith("_")
        and not node.attr.startswith("__")
    )
    return found


@pytest.mark.parametrize("path", sorted(SRC.rglob("*.py")), ids=lambda p: str(p.relative_to(SRC)))
def test_no_private_names_across_modules(path):
    assert private_uses(path) == []


def test_the_checker_finds_private_uses(tmp_path):
    probe = SRC / "cli" / "_probe_for_test.py"
    probe.write_text("from landbridge.booking import service\nfrom landbridge.world import _world\nservice._option\n")
    try:
        assert len(private_uses(probe)) == 2
    finally:
        probe.unlink()


MAX_COMPLEXITY = 25  # issue 8: radon shows no function above 25 in src/


def too_complex(path: Path, limit: int = MAX_COMPLEXITY) -> list[str]:
    """Functions and methods of one file whose cyclomatic complexity (radon's count) is above `limit`."""
    from radon.complexity import cc_visit
    from radon.visitors import Class

    functions = []
    for block in cc_visit(path.read_text(encoding="utf-8")):
        # radon lists methods as functions too; a class's own figure only summarises them
        if not isinstance(block, Class):
            functions += [block, *block.closures]
    return [f"{path.name}:{f.lineno} {f.name} has complexity {f.complexity}" for f in functions if f.complexity > limit]


@pytest.mark.parametrize("path", sorted(SRC.rglob("*.py")), ids=lambda p: str(p.relative_to(SRC)))
def test_no_function_above_complexity_25(path):
    assert too_complex(path) == [], "split it into named steps (docs/design.md)"


def test_the_complexity_check_finds_a_complex_function(tmp_path):
    branches = "".join(f"    if x == {i}:\n        return {i}\n" for i in range(MAX_COMPLEXITY + 1))
    probe = tmp_path / "probe.py"
    probe.write_text(f"def f(x):\n{branches}    return -1\n")
    assert too_complex(probe) == [f"probe.py:1 f has complexity {MAX_COMPLEXITY + 2}"]
