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


# -- every bad input through the command line: one line, exit 2, the store unchanged ---------
def cli(*args: str) -> tuple[int, str]:
    """Run a command as ``riskoff`` would: a RiskoffError is exit code 2 and its message."""
    from riskoff.errors import RiskoffError

    result = runner.invoke(app, list(args))
    if isinstance(result.exception, RiskoffError):
        return 2, str(result.exception)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, " ".join(result.output.replace("│", " ").split())


def contents(store: Store) -> list[tuple[object, ...]]:
    import duckdb

    with duckdb.connect(str(store.path), read_only=True) as con:
        return con.execute(
            "SELECT 'o', series_id, date, value, first_seen, source FROM observations "
            "WHERE source <> 'bundled' UNION ALL SELECT 'n', count(*), NULL, NULL, NULL, NULL "
            "FROM observations UNION ALL SELECT 's', id, NULL, NULL, NULL, frequency "
            "FROM user_series ORDER BY ALL"
        ).fetchall()


def _overlap(store: Store, sid: str, n: int = 30, scale: float = 1.0) -> str:
    stored = store.series_values(sid).iloc[-n:]
    return "".join(f"{d.date()},{v * scale}\n" for d, v in stored.items())


BIG = "x" * 5_000_000
# case: (file body as bytes, or a callable of the store giving text; command options; message)
CLI_CASES: dict[str, tuple[object, list[str], str]] = {
    "ambiguous_date": (
        b"date,value\n01/09/2026,3\n",
        ["--series", "MINE", "--name", "m"],
        r"row 2: date '01/09/2026' is ambiguous.*--date-format %d/%m/%Y",
    ),
    "mixed_time_zones": (
        b"date,value\n2024-01-02T00:00:00+01:00,1\n2024-01-03T00:00:00-05:00,2\n",
        ["--series", "MINE", "--name", "m"],
        r"row 3: date '2024-01-03T00:00:00-05:00' has another time zone",
    ),
    "utf16": (
        "date,value\n2024-01-02,1\n".encode("utf-16"),
        ["--series", "MINE", "--name", "m"],
        r"UTF-16 text; save it as UTF-8",
    ),
    "binary": (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
        ["--series", "MINE", "--name", "m"],
        r"row 3: binary data \(NUL byte\)",
    ),
    "not_utf8": (
        "date,value\n2024-01-02,1\n2024-01-03,café\n".encode("latin-1"),
        ["--series", "MINE", "--name", "m"],
        r"row 3: byte 0xe9 is not UTF-8",
    ),
    "yield_1e308": (
        b"date,value\n2024-01-02,4.0\n2024-01-03,1e308\n",
        ["--series", "DGS10"],
        r"row 3: value 1e\+308 on 2024-01-03 is outside the plausible range .* for percent",
    ),
    "infinite": (
        b"date,value\n2024-01-02,inf\n",
        ["--series", "DGS10"],
        r"row 2: value 'inf' is not a number",
    ),
    "far_outside_history": (
        lambda s: "date,value\n" + _overlap(s, "DGS10") + "2026-09-30,450\n",
        ["--series", "DGS10"],
        r"row 32: value 450 on 2026-09-30 is far outside the series' own history",
    ),
    "twenty_times_off": (
        lambda s: "date,value\n" + _overlap(s, "SPY", scale=20),
        ["--series", "SPY"],
        r"wrong unit: their median is 20 times the stored values",
    ),
    "word_today": (
        b"date,value\ntoday,1\n",
        ["--series", "MINE", "--name", "m"],
        r"row 2: unparseable date 'today'",
    ),
    "year_0001": (
        b"date,value\n0001-01-03,1\n",
        ["--series", "MINE", "--name", "m"],
        r"row 2: date 0001-01-03 is before 1800-01-01",
    ),
    "year_1500": (
        b"date,value\n2024-01-02,1\n1500-06-01,1\n",
        ["--series", "MINE", "--name", "m"],
        r"row 3: date 1500-06-01 is before 1800-01-01",
    ),
    "future": (
        b"date,value\n2026-12-02,1\n",
        ["--series", "MINE", "--name", "m"],
        r"row 2: date 2026-12-02 is in the future \(after 2026-12-01\)",
    ),
    "five_mb_value": (
        ("date,value\n2024-01-02," + BIG + "\n").encode(),
        ["--series", "MINE", "--name", "m"],
        r"row 2: value 'x{40}'… is not a number",
    ),
    "conflicting_duplicates": (
        b"date,value\n2024-01-02,1\n2024-01-02,2\n",
        ["--series", "MINE", "--name", "m"],
        r"duplicate date 2024-01-02 with different values \(row 2, row 3\)",
    ),
    "frequency_nonsense": (
        b"date,value\n2024-01-02,1\n",
        ["--series", "MINE", "--name", "m", "--frequency", "nonsense"],
        r"'nonsense' is not one of 'daily', 'weekly', 'monthly'",
    ),
    "asset_class_nonsense": (
        b"date,value\n2024-01-02,1\n",
        ["--series", "MINE", "--name", "m", "--asset-class", "stocks"],
        r"'stocks' is not one of 'funding', 'rates', .*'stress_index'",
    ),
    "empty_series_id": (
        b"date,value\n2024-01-02,1\n",
        ["--series", "", "--name", "m"],
        r"the series id is empty",
    ),
    "bad_date_format": (
        b"date,value\n2024-01-02,1\n",
        ["--series", "MINE", "--name", "m", "--date-format", "%Q"],
        r"'%Q' is not one of '%Y-%m-%d', '%d/%m/%Y', '%m/%d/%Y'",
    ),
}


@pytest.fixture
def today_2026_12_01(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RISKOFF_TODAY", "2026-12-01")


@pytest.mark.parametrize("case", sorted(CLI_CASES))
def test_cli_bad_input_one_line_store_unchanged(
    case: str, private_store: Store, tmp_path: Path, today_2026_12_01: None
) -> None:
    import re

    body, options, message = CLI_CASES[case]
    path = tmp_path / "in.csv"
    data = body(private_store) if callable(body) else body
    path.write_bytes(data.encode() if isinstance(data, str) else data)  # type: ignore[union-attr]
    before = contents(private_store)
    code, text = cli("store", "import", str(path), *options)
    assert code == 2, text
    assert re.search(message, text), text
    assert "Traceback" not in text and len(text) < 700
    assert contents(private_store) == before


def test_directory_given_as_the_file(private_store: Store, tmp_path: Path) -> None:
    before = contents(private_store)
    code, text = cli("store", "import", str(tmp_path), "--series", "SPY")
    assert code == 2 and f"{tmp_path}: is a directory, not a CSV file" == text
    assert contents(private_store) == before


def test_date_format_reads_day_first(
    private_store: Store, tmp_path: Path, today_2026_12_01: None
) -> None:
    path = _write(tmp_path, "date,value\n01/09/2026,3.5\n02/09/2026,3.75\n")
    args = ["store", "import", str(path), "--series", "MINE", "--name", "m"]
    code, text = cli(*args, "--date-format", "%d/%m/%Y")
    assert code == 0, text
    values = private_store.series_values("MINE")
    assert values.to_dict() == {pd.Timestamp("2026-09-01"): 3.5, pd.Timestamp("2026-09-02"): 3.75}


def test_iso_dates_with_one_time_zone_are_fine(
    private_store: Store, tmp_path: Path, today_2026_12_01: None
) -> None:
    path = _write(tmp_path, "date,value\n2024-01-02T00:00:00Z,1\n2024-01-03T00:00:00+00:00,2\n")
    code, text = cli("store", "import", str(path), "--series", "MINE", "--name", "m")
    assert code == 0, text
    assert list(private_store.series_values("MINE")) == [1.0, 2.0]


def test_declared_unit_converts_a_twenty_times_off_file(
    private_store: Store, tmp_path: Path, today_2026_12_01: None
) -> None:
    # DGS10 in basis points is 100x its stored percent: --unit bp converts and nothing changes.
    path = _write(tmp_path, "date,value\n" + _overlap(private_store, "DGS10", scale=100))
    code, text = cli("store", "import", str(path), "--series", "DGS10")
    assert code == 2 and "wrong unit" in text
    code, text = cli("store", "import", str(path), "--series", "DGS10", "--unit", "bp")
    assert code == 0 and "0 added, 0 revised, 30 unchanged" in text, text


@pytest.mark.parametrize("where", ["directory", "below_a_file", "missing_folder"])
def test_export_to_an_unusable_path(where: str, private_store: Store, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    target = {
        "directory": tmp_path,
        "below_a_file": blocker / "out.csv",
        "missing_folder": tmp_path / "nope" / "out.csv",
    }[where]
    code, text = cli("store", "export", "--series", "SPY", "-o", str(target))
    assert code == 2 and str(target) in text and "\n" not in text, text


def test_export_format_is_a_choice(private_store: Store, tmp_path: Path) -> None:
    code, text = cli("store", "export", "--series", "SPY", "--format", "xml")
    assert code == 2 and "'xml' is not one of 'csv', 'parquet'" in text


def test_store_info_survives_a_broken_definition(private_store: Store) -> None:
    import duckdb

    # A store written by an older version that accepted any frequency.
    with duckdb.connect(str(private_store.path)) as con:
        con.execute("INSERT INTO user_series VALUES ('OLD', 'old', 'x', 'nonsense', 'equity', 1)")
        con.execute(
            "INSERT INTO observations VALUES ('OLD', DATE '2024-01-02', 1, "
            "TIMESTAMP '2024-01-02', 'user:old.csv', 1)"
        )
    code, text = cli("store", "info")
    assert code == 0, text
    assert "OLD: definition unusable (frequency 'nonsense'" in text


def test_fetched_value_far_off_is_refused_naming_the_row(
    private_store: Store, today_2026_12_01: None
) -> None:
    from datetime import date

    from riskoff.update import run_update

    stored = private_store.series_values("DGS10")
    days = pd.bdate_range(stored.index.max() + pd.Timedelta(days=1), periods=5)
    values = [4.1, 4.2, 420.0, 4.3, 4.25]  # one value 100x off inside a good answer

    class OneAnswer:
        name = "fred"

        def fetch(self, spec: object, start: object, end: object) -> pd.DataFrame:
            return pd.DataFrame({"date": days, "value": values})

    before = contents(private_store)
    report = run_update(
        ["DGS10"], store=private_store, today=date(2026, 12, 1), source_for=lambda _: OneAnswer()
    )
    outcome = report.outcomes[0]
    assert outcome.status == "failed" and report.exit_code == 1
    assert "fred: series DGS10: row 4: value 420 on" in outcome.message
    assert "far outside the series' own history" in outcome.message
    assert contents(private_store) == before
