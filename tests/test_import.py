"""Bad input gets a clear error naming the file, the row and the reason; the store is untouched."""

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from riskoff.cli import app
from riskoff.errors import DataError
from riskoff.importer import import_csv
from riskoff.store import Store

runner = CliRunner()


def _write(tmp_path: Path, text: str, name: str = "in.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


BAD_FILES = {
    "malformed": ("date,value\n2024-01-02,1.0\n2024-01-03,2.0,7\n", r"malformed CSV.*line 3"),
    "non_numeric": ("date,value\n2024-01-02,1.0\n2024-01-03,abc\n", r"row 3: value 'abc'"),
    "bad_date": ("date,value\n2024-01-02,1.0\n2024-13-45,2.0\n", r"row 3: unparseable date"),
    "future_date": (
        "date,value\n2024-01-02,1.0\n2999-01-04,2.0\n",
        r"row 3: date 2999-01-04.*future",
    ),
    "duplicate": (
        "date,value\n2024-01-02,1.0\n2024-01-03,2.0\n2024-01-02,1.5\n",
        r"duplicate date 2024-01-02 with different values \(row 2, row 4\)",
    ),
    "empty": ("", r"the file is empty"),
    "header_only": ("date,value\n", r"no observations"),
    "wrong_header": ("when,price\n2024-01-02,1\n", r"row 1: expected a header 'date,value'"),
    "three_columns": ("date,value,x\n2024-01-02,1,2\n", r"expected 2 columns"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_file_is_rejected_and_store_unchanged(
    case: str, private_store: Store, tmp_path: Path
) -> None:
    text, message = BAD_FILES[case]
    path = _write(tmp_path, text)
    before = private_store.info()
    with pytest.raises(DataError, match=message) as err:
        import_csv(path, "SPY", store=private_store)
    assert str(path) in str(err.value)
    pd.testing.assert_frame_equal(before, private_store.info())


def test_unknown_series_id_is_rejected(private_store: Store, tmp_path: Path) -> None:
    path = _write(tmp_path, "date,value\n2024-01-02,1.0\n")
    with pytest.raises(DataError, match=r"unknown series id 'NOPE'.*--name"):
        import_csv(path, "NOPE", store=private_store)


def test_unit_mismatch_is_rejected(private_store: Store, tmp_path: Path) -> None:
    # WALCL is stored in USD bn; a file in USD mn (as FRED publishes it) is 1000x off.
    stored = private_store.series_values("WALCL").loc["2025-01-01":"2025-03-31"]
    text = "date,value\n" + "".join(f"{d.date()},{v * 1000}\n" for d, v in stored.items())
    path = _write(tmp_path, text)
    before = private_store.info()
    with pytest.raises(DataError, match=r"wrong unit.*1e\+03 times"):
        import_csv(path, "WALCL", store=private_store)
    pd.testing.assert_frame_equal(before, private_store.info())
    # Declaring the unit converts it, and then nothing changes (same values).
    result = import_csv(path, "WALCL", unit="USD mn", store=private_store)
    assert (result.added, result.revised, result.unchanged) == (0, 0, len(stored))


def test_declared_unit_without_conversion_is_rejected(private_store: Store, tmp_path: Path) -> None:
    path = _write(tmp_path, "date,value\n2024-01-02,1.0\n")
    with pytest.raises(DataError, match=r"unit 'EUR' does not match the catalog unit 'USD'"):
        import_csv(path, "SPY", unit="EUR", store=private_store)


def test_user_series_round_trip(private_store: Store, tmp_path: Path) -> None:
    path = _write(tmp_path, "date,value\n2024-01-03,2.5\n2024-01-02,2.0\n2024-01-02,2.0\n")
    result = import_csv(path, "MY_SPREAD", name="My spread", unit="bp", store=private_store)
    assert result.added == 2
    from riskoff.panel import load_panel

    panel = load_panel(
        ["MY_SPREAD", "SPY"], start="2024-01-02", as_of="2024-01-05", store=private_store
    )
    assert panel.loc["2024-01-03", "MY_SPREAD"] == 2.5
    assert panel.loc["2024-01-05", "MY_SPREAD"] == 2.5  # carried forward


def test_cli_import_error_exits_nonzero_with_message(private_store: Store, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    path = _write(tmp_path, "date,value\n2024-01-02,x\n")
    before = private_store.info()
    out = subprocess.run(
        [sys.executable, "-m", "riskoff", "store", "import", str(path), "--series", "SPY"],
        capture_output=True, text=True, env=dict(os.environ), timeout=60,
    )  # fmt: skip
    assert out.returncode == 2
    message = " ".join(out.stderr.split())
    assert "row 2: value 'x' is not a number" in message and "SPY" in message
    pd.testing.assert_frame_equal(before, private_store.info())


def test_cli_import_and_export(private_store: Store, tmp_path: Path) -> None:
    path = _write(tmp_path, "date,value\n2026-08-24,770.5\n")
    res = runner.invoke(app, ["store", "import", str(path), "--series", "SPY"])
    assert res.exit_code == 0, res.output
    assert "1 added" in res.output
    out = tmp_path / "spy.csv"
    res = runner.invoke(
        app,
        [
            "store",
            "export",
            "--series",
            "SPY",
            "--series",
            "TLT",
            "--format",
            "csv",
            "-o",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    frame = pd.read_csv(out, index_col=0, parse_dates=True)
    assert frame.loc["2026-08-24", "SPY"] == 770.5
    assert list(frame.columns) == ["SPY", "TLT"]
