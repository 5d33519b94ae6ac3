"""The shape of the code: layers point one way (import-linter contracts in pyproject.toml) and no module uses
another module's private names."""

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
