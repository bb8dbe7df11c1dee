import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from riskoff import __version__
from riskoff.cli import app

runner = CliRunner()


def test_version() -> None:
    res = runner.invoke(app, ["--version"])
    assert res.exit_code == 0
    assert __version__ in res.output


def test_python_dash_m() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "riskoff", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == f"riskoff {__version__}"


def test_series_show_gives_provenance_and_numbers() -> None:
    res = runner.invoke(app, ["series", "show", "SOFR", "--as-of", "2019-09-18"])
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())
    assert "Secured Overnight Financing Rate" in text
    assert "origin:" in text and "terms:" in text
    assert "roles: funding_rate" in text
    # SOFR for 2019-09-17 (5.25%) is published on the 18th.
    assert "5.2500 percent on 2019-09-17" in text


def test_series_list_covers_catalog() -> None:
    res = runner.invoke(app, ["series", "list", "--class", "crypto"])
    assert res.exit_code == 0
    assert "BTC-USD" in res.output and "SPY" not in res.output


def test_store_info_lists_series() -> None:
    res = runner.invoke(app, ["store", "info"], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    from riskoff.datasets import load_manifest

    assert f"{len(load_manifest())} series" in res.output  # every bundled series


def test_latest_prints_real_values_with_dates() -> None:
    res = runner.invoke(app, ["latest", "--format", "json"])
    assert res.exit_code == 0, res.output
    rows = {r["series_id"]: r for r in json.loads(res.output)}
    assert rows["SPY"]["last_date"] == "2026-08-21"
    assert rows["SOFR"]["value"] == 3.63
    assert rows["BTC-USD"]["value"] > 1000


# -- the surface: any date, typed options, one line for every refusal ----------------------------
def _riskoff(
    home: object, *args: str, today: str = "2026-08-24", **env: str
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m riskoff`` as a user would (errors go through ``main()``)."""
    import os

    full_env = {**os.environ, "RISKOFF_HOME": str(home), "RISKOFF_TODAY": today, **env}
    return subprocess.run(
        [sys.executable, "-m", "riskoff", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=300,
    )


def _one_line_error(res: subprocess.CompletedProcess[str], *words: str) -> None:
    assert res.returncode == 2, (res.stdout, res.stderr)
    assert "Traceback" not in res.stderr, res.stderr
    text = " ".join(res.stderr.split())
    for word in words:
        assert word in text, res.stderr


def test_weekend_date_describes_friday_and_says_so(seeded_home: object) -> None:
    res = _riskoff(seeded_home, "diagnose", "--date", "2026-08-01", "--format", "json")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["date"] == "2026-07-31"
    assert "2026-08-01 is a Saturday: describing Friday 2026-07-31" in res.stderr


def test_holiday_brief_carries_the_holiday_notice(seeded_home: object) -> None:
    res = _riskoff(seeded_home, "report", "--date", "2025-12-25", "--format", "text")
    assert res.returncode == 0, res.stderr
    text = " ".join(res.stdout.split())
    assert "2025-12-25 is a Thursday without a US equity close" in text
    assert "describing Wednesday 2025-12-24" in text


def test_stale_data_are_announced_by_diagnose_and_the_brief(seeded_home: object) -> None:
    stale = _riskoff(seeded_home, "diagnose", today="2026-12-01")
    assert stale.returncode == 0, stale.stderr
    assert "latest close 2026-08-21 is 72 business days before today 2026-12-01" in " ".join(
        stale.stderr.split()
    )
    brief = _riskoff(seeded_home, "report", "--format", "json", today="2026-12-01")
    assert any("business days before today" in n for n in json.loads(brief.stdout)["notices"])
    fresh = _riskoff(seeded_home, "diagnose", today="2026-08-28")
    assert fresh.returncode == 0 and "before today" not in fresh.stderr


def test_dates_outside_the_data_are_refused_in_one_line(seeded_home: object) -> None:
    _one_line_error(
        _riskoff(seeded_home, "diagnose", "--date", "2026-08-24"), "after the latest market close"
    )
    _one_line_error(_riskoff(seeded_home, "diagnose", "--date", "1986-06-02"), "before 1987")
    _one_line_error(
        _riskoff(seeded_home, "diagnose", "--date", "2026-08-03", "--as-of", "2026-07-01"),
        "before the day described",
    )


def test_bad_option_values_name_the_option_and_the_valid_values(seeded_home: object) -> None:
    _one_line_error(_riskoff(seeded_home, "diagnose", "--format", "xml"), "'text'", "'json'")
    _one_line_error(_riskoff(seeded_home, "diagnose", "--window", "0"), "--window")
    _one_line_error(_riskoff(seeded_home, "diagnose", "--window", "100000"), "--window")
    _one_line_error(_riskoff(seeded_home, "analogs", "-k", "-3"), "-k")
    _one_line_error(_riskoff(seeded_home, "diagnose", "--date", "today"), "--date", "YYYY-MM-DD")
    _one_line_error(_riskoff(seeded_home, "diagnose", "--date", "1500-01-01"), "1900-2199")
    _one_line_error(
        _riskoff(seeded_home, "indicators", "--start", "2026-08-10", "--end", "2026-08-01"),
        "--start",
        "after --end",
    )
    _one_line_error(
        _riskoff(seeded_home, "indicators", "--columns", "nope", "--start", "2026-08-01"),
        "nope",
        "stress_index",
        "sofr_iorb_bp",
    )


def test_unwritable_outputs_and_homes_are_one_line(seeded_home: object, tmp_path: Path) -> None:
    _one_line_error(
        _riskoff(seeded_home, "report", "--format", "text", "-o", str(tmp_path)),
        "Is a directory",
    )
    blocker = tmp_path / "file"
    blocker.write_text("x")
    _one_line_error(
        _riskoff(seeded_home, "report", "--format", "text", "-o", str(blocker / "brief.txt")),
        str(blocker),
    )
    _one_line_error(_riskoff(blocker, "diagnose"), str(blocker))


def test_as_of_latest_knows_everything(seeded_home: object) -> None:
    res = _riskoff(
        seeded_home, "indicators", "--end", "2026-08-14", "--as-of", "latest", "--format", "csv"
    )
    assert res.returncode == 0, res.stderr
    assert "2026-08-14" in res.stdout and "2026-08-17" not in res.stdout


def test_damaged_store_is_one_line_in_the_analysis_commands(
    seeded_home: Path, tmp_path: Path
) -> None:
    import shutil

    shutil.copy(seeded_home / "riskoff.duckdb", tmp_path / "riskoff.duckdb")
    with (tmp_path / "riskoff.duckdb").open("r+b") as handle:
        handle.seek(4096)
        handle.write(b"garbage" * 2000)
    for command in (["diagnose"], ["report", "--format", "text"], ["indicators"], ["latest"]):
        _one_line_error(_riskoff(tmp_path, *command), "damaged", "riskoff store rebuild")
