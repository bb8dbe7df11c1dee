"""The public functions keep working in any order, any number of times, in a fresh interpreter."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"

INTERLEAVED = textwrap.dedent(
    """
    import types

    import riskoff

    class Sentinel(Exception):
        pass

    def refuse(*args, **kwargs):
        raise Sentinel

    def call_all():
        global riskoff
        out = []
        out.append(riskoff.diagnose("2026-08-21").crash_type)
        import riskoff.indicators.composite
        out.append(riskoff.indicators(start="2026-08-01").shape[0])
        import riskoff.report.render
        out.append(riskoff.report("2026-08-22").date)
        import riskoff.diagnosis.analogs
        out.append(len(riskoff.analogs("2026-08-21", k=2)["episodes"]))
        import riskoff.panel
        out.append(riskoff.load_panel(["SOFR"], as_of="2026-08-01").index[-1].date().isoformat())
        import riskoff.indicators
        import riskoff.report
        out.append(float(riskoff.stress_decomposition("2026-08-21").iloc[0]) >= 0)
        out.append(riskoff.latest_date().date().isoformat())
        out.append(len(riskoff.load_episodes()) > 0)
        out.append(riskoff.resolve_day("2026-08-22").day.date().isoformat())
        import riskoff.diagnosis.timeline
        days = riskoff.timeline("2026-08-17", "2026-08-22")["date"]
        out.append(days.dt.date.astype(str).tolist())
        import riskoff.claims
        out.append(len(riskoff.verify(date="2026-08-21")) > 0)
        import riskoff.diagnosis.validate
        try:
            riskoff.validate(diagnose_fn=refuse)
        except Sentinel:
            out.append("validate called")
        for name in riskoff.__all__:
            value = getattr(riskoff, name)
            assert not isinstance(value, types.ModuleType), name
        return out

    first = call_all()
    second = call_all()
    assert first == second, (first, second)
    print(first)
    """
)


def _run(code: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RISKOFF_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300
    )


def test_public_functions_twice_interleaved_with_subpackage_imports(seeded_home: Path) -> None:
    done = _run(INTERLEAVED, seeded_home)
    assert done.returncode == 0, done.stderr
    out = done.stdout.strip()
    assert "'2026-08-21'" in out  # report of Saturday 22 August describes Friday
    assert "'2026-07-31'" in out  # a panel as of Saturday 1 August ends on Friday
    assert "validate called" in out
    assert "'2026-08-17', '2026-08-18', '2026-08-19', '2026-08-20', '2026-08-21'" in out


def test_readme_python_example_runs_twice(seeded_home: Path) -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert blocks, "README.md has no python example"
    code = "\n".join(blocks)
    done = _run(code + "\n" + code, seeded_home)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("name", ["report", "indicators"])
def test_submodule_import_does_not_rebind_function(name: str) -> None:
    import importlib

    import riskoff

    importlib.import_module(f"riskoff.{name}")
    assert callable(getattr(riskoff, name))
    assert getattr(riskoff, name).__module__ == "riskoff.api"
