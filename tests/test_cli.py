import subprocess
import sys

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
    assert "92 series" in res.output


def test_latest_prints_real_values_with_dates() -> None:
    res = runner.invoke(app, ["latest", "--format", "json"])
    assert res.exit_code == 0, res.output
    import json

    rows = {r["series_id"]: r for r in json.loads(res.output)}
    assert rows["SPY"]["last_date"] == "2026-08-21"
    assert rows["SOFR"]["value"] == 3.63
    assert rows["BTC-USD"]["value"] > 1000
