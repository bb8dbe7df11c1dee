"""The example briefs in docs/examples are regenerated into a temporary folder and compared.

Nothing here writes into the repository: ``make examples`` is what rewrites docs/examples.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("examples_generate", EXAMPLES / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["examples_generate"] = module
    spec.loader.exec_module(module)
    return module


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _headings(markdown: str) -> list[str]:
    return re.findall(r"^## .*$", markdown, re.M)


def test_examples_regenerate_like_the_kept_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _digest(EXAMPLES)
    monkeypatch.setenv("RISKOFF_TODAY", "2030-01-01")  # overridden while generating
    module = _generator()
    written = module.generate(tmp_path)
    assert _digest(EXAMPLES) == before  # the repository is untouched
    new = {str(p.relative_to(tmp_path)) for p in written}
    kept = {
        str(p.relative_to(EXAMPLES))
        for p in EXAMPLES.rglob("*")
        if p.is_file() and p.suffix in (".html", ".md", ".png")
    }
    assert new == kept, sorted(new ^ kept)
    for day in module.EXAMPLE_DATES:
        name = f"riskoff-report-{day}.md"
        got = (tmp_path / name).read_text(encoding="utf-8")
        want = (EXAMPLES / name).read_text(encoding="utf-8")
        assert _headings(got) == _headings(want), name
        assert "before today" not in got  # no notice that depends on the day of generation
    assert sum(p.stat().st_size for p in written) < 15_000_000
    index = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert all(f"riskoff-report-{d}.html" in index for d in module.EXAMPLE_DATES)
