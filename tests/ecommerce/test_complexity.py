"""Issue 8: no function of the e-commerce services above cyclomatic complexity 25 as radon counts it. ruff's C901
(max 25, pyproject) does not catch these: its McCabe count leaves out the boolean operators and comprehension
conditions that radon counts (ecommerce `validate` was 21 for ruff and 41 for radon). Runs where radon is
installed (`pip install radon`)."""

from __future__ import annotations

from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "landbridge"
MAX = 25


def test_no_ecommerce_function_above_radon_complexity_25():
    cc = pytest.importorskip("radon.complexity")
    files = sorted([*(SRC / "ecommerce").glob("*.py"), SRC / "cli" / "ecommerce.py"])
    too_complex = [
        f"{path.name}:{block.lineno} {block.name} {block.complexity}"
        for path in files
        for block in cc.cc_visit(path.read_text(encoding="utf-8"))
        if block.complexity > MAX
    ]
    assert not too_complex, too_complex
