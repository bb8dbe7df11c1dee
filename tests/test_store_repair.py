"""A store that can be repaired: clear errors on open, backup and rebuild, undo, waiting writers.

Each case runs through the command line and compares the store's contents before and after.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from riskoff.cli import app
from riskoff.errors import RiskoffError
from riskoff.store import Store

runner = CliRunner()
TODAY = "2026-12-01"


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RISKOFF_TODAY", TODAY)


def cli(*args: str) -> tuple[int, str]:
    """Run a command as ``riskoff`` would: a RiskoffError is exit code 2 and its message."""
    result = runner.invoke(app, list(args))
    if isinstance(result.exception, RiskoffError):
        return 2, str(result.exception)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, " ".join(result.output.split())


def contents(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the store's tables that a user's data live in, in a stable order."""
    with duckdb.connect(str(path), read_only=True) as con:
        return {
            "rows": con.execute(
                "SELECT series_id, date, value, first_seen, source FROM observations "
                "WHERE source <> 'bundled' ORDER BY ALL"
            ).fetchall(),
            "count": con.execute("SELECT count(*) FROM observations").fetchall(),
            "series": con.execute(
                "SELECT id, name, unit, frequency, asset_class FROM user_series ORDER BY id"
            ).fetchall(),
        }


def csv(tmp_path: Path, text: str, name: str = "in.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def python_riskoff(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "riskoff", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


# -- 1. a damaged or unusable store: one clear error -----------------------------------------
def _garbage(path: Path) -> None:
    path.write_bytes(np.random.default_rng(0).bytes(200_000))


def _truncated(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _zero_length(path: Path) -> None:
    path.write_bytes(b"")


def _directory(path: Path) -> None:
    path.unlink()
    path.mkdir()
    (path / "x").write_text("not a database")


DAMAGE = {
    "garbage": _garbage,
    "truncated": _truncated,
    "zero_length": _zero_length,
    "directory": _directory,
}


@pytest.mark.parametrize("case", sorted(DAMAGE))
def test_damaged_store_gives_one_clear_error(case: str, private_store: Store) -> None:
    DAMAGE[case](private_store.path)
    for command in (["store", "info"], ["series", "show", "SPY"]):
        code, message = cli(*command)
        assert code == 2, message
        assert str(private_store.path) in message
        assert "riskoff store rebuild" in message and "damaged or unreadable" in message
        assert "Traceback" not in message and "Exception" not in message


def test_damaged_store_through_the_real_entry_point(private_store: Store) -> None:
    _garbage(private_store.path)
    out = subprocess.run(
        [sys.executable, "-m", "riskoff", "diagnose"],
        capture_output=True, text=True, env=dict(os.environ), timeout=120,
    )  # fmt: skip
    assert out.returncode == 2
    text = " ".join(out.stderr.split())
    assert "Traceback" not in out.stderr and str(private_store.path) in text
    assert "riskoff store rebuild" in text


def test_riskoff_home_pointing_at_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home-file"
    home.write_text("I am a file")
    monkeypatch.setenv("RISKOFF_HOME", str(home))
    code, message = cli("store", "info")
    assert code == 2 and f"RISKOFF_HOME {home} is a file" in message
    assert home.read_text() == "I am a file"


def test_riskoff_home_below_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    monkeypatch.setenv("RISKOFF_HOME", str(blocker / "home"))
    path = csv(tmp_path, "date,value\n2024-01-02,1\n")
    code, message = cli("store", "import", str(path), "--series", "MINE", "--name", "Mine")
    assert code == 2 and "RISKOFF_HOME" in message and str(blocker) in message


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_non_writable_riskoff_home(private_store: Store, tmp_path: Path) -> None:
    before = contents(private_store.path)
    (private_store.path.parent / "seeded-bundle").unlink()  # force a write on open
    private_store.path.parent.chmod(0o500)
    try:
        path = csv(tmp_path, "date,value\n2024-01-02,1\n")
        code, message = cli("store", "import", str(path), "--series", "MINE", "--name", "Mine")
    finally:
        private_store.path.parent.chmod(0o700)
    assert code == 2 and "writable" in message
    assert contents(private_store.path) == before


def test_riskoff_home_that_cannot_be_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What the operating system answers for a read-only place, even to root (e.g. /sys).
    home = tmp_path / "read-only" / "home"
    real_mkdir = Path.mkdir

    def refuse(self: Path, *args: object, **kwargs: object) -> None:
        if self == home:
            raise PermissionError(13, "Permission denied", str(self))
        real_mkdir(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "mkdir", refuse)
    monkeypatch.setenv("RISKOFF_HOME", str(home))
    path = csv(tmp_path, "date,value\n2024-01-02,1\n")
    code, message = cli("store", "import", str(path), "--series", "MINE", "--name", "Mine")
    assert code == 2, message
    assert message == (
        f"cannot create the store directory {home} (Permission denied): set RISKOFF_HOME to a "
        "writable directory"
    )
    assert not home.exists()


# -- 2. backup beside the store, and rebuild ---------------------------------------------------
def _simulated_update(store: Store) -> None:
    """Write fetched rows the way ``riskoff update`` does: new days, then a revision."""
    last = store.series_values("DGS10")
    day = last.index.max()
    new_days = pd.bdate_range(day + pd.Timedelta(days=1), periods=3)
    first = pd.DataFrame({"date": new_days, "value": [4.01, 4.02, 4.03]})
    revised = pd.DataFrame(
        {"date": [new_days[0], day], "value": [4.11, float(last.iloc[-1]) + 0.2]}
    )
    store.write_vintages(
        "DGS10", [(datetime(2026, 9, 10, 16), first), (datetime(2026, 9, 17, 16), revised)], "fred"
    )


def test_rebuild_restores_everything_imported_and_fetched(
    private_store: Store, tmp_path: Path
) -> None:
    own = csv(tmp_path, "date,value\n2024-01-02,2.0\n2024-01-03,2.5\n2024-01-04,2.25\n", "own.csv")
    code, out = cli("store", "import", str(own), "--series", "MY_SPREAD", "--name", "My spread",
                    "--unit", "bp", "--frequency", "weekly", "--asset-class", "credit")  # fmt: skip
    assert code == 0, out
    spy = private_store.series_values("SPY")
    new_day = (spy.index.max() + pd.offsets.BDay(1)).date()
    assert code == 0
    code, out = cli("store", "import", str(csv(tmp_path, f"date,value\n{new_day},700.5\n")),
                    "--series", "SPY")  # fmt: skip
    assert code == 0, out
    _simulated_update(Store(private_store.path))
    before = contents(private_store.path)
    assert len(before["rows"]) == 3 + 1 + 3 + 2
    assert len(list((private_store.path.parent / "riskoff-backup").glob("op-*.parquet"))) == 3

    _garbage(private_store.path)
    code, message = cli("store", "info")
    assert code == 2 and "riskoff store rebuild" in message
    code, out = cli("store", "rebuild")
    assert code == 0, out
    moved = list(private_store.path.parent.glob("riskoff.duckdb.damaged-*"))
    assert len(moved) == 1 and str(moved[0]) in out
    after = contents(private_store.path)
    assert after == before  # values, first_seen, sources, user series, bundled row count
    code, out = cli("store", "info")
    assert code == 0 and "MY_SPREAD" in out
    # The journal came back too: undo still takes back the simulated update.
    code, out = cli("store", "undo")
    assert code == 0 and "fred into DGS10" in out and "DGS10 5" in out


def test_rebuild_of_a_directory_at_the_store_path(private_store: Store, tmp_path: Path) -> None:
    path = csv(tmp_path, "date,value\n2024-01-02,2.0\n")
    assert cli("store", "import", str(path), "--series", "MINE", "--name", "Mine")[0] == 0
    before = contents(private_store.path)
    _directory(private_store.path)
    code, out = cli("store", "rebuild")
    assert code == 0, out
    assert contents(private_store.path) == before


def test_rebuild_without_a_backup_says_so(private_store: Store) -> None:
    before = contents(private_store.path)
    _zero_length(private_store.path)
    code, out = cli("store", "rebuild")
    assert code == 0 and "no backup" in out
    assert contents(private_store.path) == before


def test_backup_and_restore_a_users_own_copy(
    private_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = csv(tmp_path, "date,value\n2024-01-02,2.0\n2024-01-03,3.0\n")
    assert cli("store", "import", str(path), "--series", "MINE", "--name", "Mine")[0] == 0
    _simulated_update(Store(private_store.path))
    before = contents(private_store.path)
    copy = tmp_path / "copy.parquet"
    code, out = cli("store", "backup", "-o", str(copy))
    assert code == 0 and "wrote 7 rows" in out
    # A fresh store (another machine) gets everything back from the copy.
    fresh_home = tmp_path / "fresh"
    fresh_home.mkdir()
    shutil.copy(private_store.path, fresh_home / "riskoff.duckdb")
    fresh = Store(fresh_home / "riskoff.duckdb")
    fresh.ensure_ready()
    monkeypatch.setenv("RISKOFF_HOME", str(fresh_home))
    # Start from the bundled history only: undo both writes in the copied store.
    assert cli("store", "undo")[0] == 0 and cli("store", "undo")[0] == 0
    assert contents(fresh.path)["rows"] == []
    code, out = cli("store", "restore", str(copy))
    assert code == 0 and "restored 7 rows" in out and "defined MINE" in out, out
    assert contents(fresh.path) == before
    code, out = cli("store", "restore", str(copy))  # twice: nothing new
    assert code == 0 and "restored 0 rows" in out
    assert contents(fresh.path) == before


@pytest.mark.parametrize("case", ["directory", "not_parquet", "missing"])
def test_restore_refuses_what_is_not_a_backup(
    case: str, private_store: Store, tmp_path: Path
) -> None:
    target = {
        "directory": tmp_path,
        "not_parquet": csv(tmp_path, "date,value\n2024-01-02,1\n"),
        "missing": tmp_path / "nope.parquet",
    }[case]
    before = contents(private_store.path)
    code, message = cli("store", "restore", str(target))
    assert code == 2 and str(target) in message, message
    assert contents(private_store.path) == before


def test_backup_to_a_directory_is_one_clear_line(private_store: Store, tmp_path: Path) -> None:
    code, message = cli("store", "backup", "-o", str(tmp_path))
    assert code == 2 and "is a directory" in message


# -- 3. undo ---------------------------------------------------------------------------------
def test_undo_takes_back_exactly_the_last_import(private_store: Store, tmp_path: Path) -> None:
    start = contents(private_store.path)
    code, out = cli("store", "undo")
    assert code == 0 and "nothing to undo" in out
    first = csv(tmp_path, "date,value\n2024-01-02,2.0\n2024-01-03,2.5\n", "first.csv")
    assert cli("store", "import", str(first), "--series", "MINE", "--name", "Mine")[0] == 0
    middle = contents(private_store.path)
    # The second import revises a day and adds one.
    second = csv(tmp_path, "date,value\n2024-01-03,2.75\n2024-01-04,3.0\n", "second.csv")
    assert cli("store", "import", str(second), "--series", "MINE")[0] == 0
    assert private_store.series_values("MINE").loc["2024-01-03"] == 2.75
    code, out = cli("store", "undo")
    assert code == 0 and "user:second.csv into MINE" in out and "removed 2 row(s)" in out
    assert contents(private_store.path) == middle
    assert private_store.series_values("MINE").loc["2024-01-03"] == 2.5
    code, out = cli("store", "undo")
    assert code == 0 and "removed the definition of MINE" in out
    assert contents(private_store.path) == start
    code, out = cli("store", "undo")
    assert code == 0 and "nothing to undo" in out
    # The backup follows: no file is left for the undone writes, so a rebuild cannot revive them.
    assert list((private_store.path.parent / "riskoff-backup").glob("op-*")) == []


def test_undo_takes_back_a_whole_update(private_store: Store) -> None:
    before = contents(private_store.path)
    store = Store(private_store.path)  # one command, several series: one undo step
    for sid, value in (("DGS2", 3.9), ("DGS30", 4.8)):
        day = store.series_values(sid).index.max() + pd.offsets.BDay(1)
        store.write(sid, pd.DataFrame({"date": [day], "value": [value]}), source="fred")
    code, out = cli("store", "undo")
    assert code == 0 and "DGS2 1" in out and "DGS30 1" in out
    assert contents(private_store.path) == before


def test_one_backup_file_per_command(private_store: Store) -> None:
    store = Store(private_store.path)
    for sid in ("DGS2", "DGS30", "DGS10"):
        day = store.series_values(sid).index.max() + pd.offsets.BDay(1)
        store.write(sid, pd.DataFrame({"date": [day], "value": [4.0]}), source="fred")
    files = list(store.backup_dir.glob("op-*.parquet"))
    assert len(files) == 1
    import pyarrow.parquet as pq

    assert sorted(set(pq.read_table(files[0]).column("series_id").to_pylist())) == [
        "DGS10",
        "DGS2",
        "DGS30",
    ]


def test_files_left_by_a_killed_writer_are_settled(private_store: Store, tmp_path: Path) -> None:
    path = csv(tmp_path, "date,value\n2024-01-02,2.0\n")
    assert cli("store", "import", str(path), "--series", "MINE", "--name", "m")[0] == 0
    folder = private_store.path.parent / "riskoff-backup"
    (kept,) = folder.glob("op-*.parquet")
    # Killed before its commit: a staged file of a transaction the journal does not know.
    stale = folder / "op-000000099.parquet.99.new"
    shutil.copy(kept, stale)
    # Killed during an undo that did not commit: the step is still in the journal.
    hidden = kept.with_name(kept.name + ".gone")
    os.replace(kept, hidden)
    other = csv(tmp_path, "date,value\n2024-01-02,3.0\n", "other.csv")
    assert cli("store", "import", str(other), "--series", "MINE2", "--name", "m")[0] == 0
    assert not stale.exists() and not hidden.exists() and kept.exists()
    assert len(list(folder.glob("op-*.parquet"))) == 2


# -- 4. writers wait for each other, readers never fail ---------------------------------------
def _wait_for_lines(procs: list[subprocess.Popen[str]], text: str) -> list[str]:
    """Read each child's stderr until it says ``text`` or exits; return what was read."""
    seen = []
    for proc in procs:
        assert proc.stderr is not None
        lines = []
        while True:
            line = proc.stderr.readline()
            lines.append(line)
            if not line or text in line:
                break
        seen.append("".join(lines))
    return seen


def test_three_imports_started_together_all_succeed(private_store: Store, tmp_path: Path) -> None:
    from filelock import FileLock

    env = {**os.environ, "RISKOFF_LOCK_TIMEOUT": "120"}
    files = [
        csv(tmp_path, f"date,value\n2024-01-0{i + 2},{i + 1}.5\n", f"f{i}.csv") for i in range(3)
    ]
    # Hold the write lock so that the three imports are certainly waiting at the same time.
    lock = FileLock(str(private_store.path) + ".lock")
    with lock:
        procs = []
        for i, f in enumerate(files):
            args = ["store", "import", str(f), "--series", f"MINE{i}", "--name", "m"]
            procs.append(python_riskoff(*args, env=env))
        waited = _wait_for_lines(procs, "waiting up to")
    results = [(p.wait(timeout=120), p.stdout.read() if p.stdout else "") for p in procs]
    assert all("waiting up to 120 s" in w for w in waited), waited
    assert [code for code, _ in results] == [0, 0, 0], results
    for i in range(3):
        values = private_store.series_values(f"MINE{i}")
        assert values.to_dict() == {pd.Timestamp(f"2024-01-0{i + 2}"): i + 1.5}


def test_writer_gives_up_after_the_bounded_wait(
    private_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from filelock import FileLock

    monkeypatch.setenv("RISKOFF_LOCK_TIMEOUT", "1")
    before = contents(private_store.path)
    path = csv(tmp_path, "date,value\n2024-01-02,1\n")
    with FileLock(str(private_store.path) + ".lock"):
        code, message = cli("store", "import", str(path), "--series", "MINE", "--name", "m")
    assert code == 2 and "locked for 1 s" in message and "RISKOFF_LOCK_TIMEOUT" in message
    assert contents(private_store.path) == before


@pytest.mark.parametrize("command", [["store", "info"], ["diagnose"]])
def test_reader_waits_for_an_active_writer(command: list[str], private_store: Store) -> None:
    env = {**os.environ, "RISKOFF_LOCK_TIMEOUT": "120"}
    # A writer in the middle of a transaction holds DuckDB's exclusive lock on the file.
    con = duckdb.connect(str(private_store.path))
    try:
        con.execute("BEGIN TRANSACTION")
        con.execute("DELETE FROM meta WHERE key = 'nothing'")
        reader = python_riskoff(*command, env=env)
        _wait_for_lines([reader], "waiting up to")
    finally:
        con.execute("ROLLBACK")
        con.close()
    out, err = reader.communicate(timeout=120)
    assert reader.returncode == 0, err
    assert "Traceback" not in err and out.strip()


def test_reader_during_a_real_import(private_store: Store, tmp_path: Path) -> None:
    env = {**os.environ, "RISKOFF_LOCK_TIMEOUT": "120"}
    days = pd.bdate_range("2001-01-01", periods=20_000)
    lines = "".join(f"{d.date()},{i % 97 + 1}\n" for i, d in enumerate(days) if d.year < 2026)
    path = csv(tmp_path, "date,value\n" + lines)
    writer = python_riskoff("store", "import", str(path), "--series", "BIG", "--name", "b", env=env)
    readers = [python_riskoff("store", "info", env=env) for _ in range(2)]
    assert writer.wait(timeout=120) == 0, writer.stderr.read() if writer.stderr else ""
    for reader in readers:
        out, err = reader.communicate(timeout=120)
        assert reader.returncode == 0, err
        assert "riskoff store" in out


# -- 6. the data's age against today ----------------------------------------------------------
def test_store_info_and_series_show_compare_with_today(store: Store) -> None:
    latest = store.latest_date().date()
    expected = int(np.busday_count(latest + pd.Timedelta(days=1), date(2026, 12, 2)))
    sentence = f"latest close {latest} is {expected} business days before today {TODAY}"
    code, out = cli("store", "info")
    assert code == 0 and sentence in out and "the data are old" in out
    code, out = cli("series", "show", "SPY")
    assert code == 0 and sentence in out


def test_fresh_data_are_not_called_old(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    latest = store.latest_date().date()
    monkeypatch.setenv("RISKOFF_TODAY", str(latest))
    code, out = cli("store", "info")
    assert code == 0 and f"latest close {latest} is current" in out and "old" not in out


def test_bad_riskoff_today_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RISKOFF_TODAY", "tomorrow")
    code, message = cli("store", "info")
    assert code == 2 and "RISKOFF_TODAY='tomorrow' is not a date" in message


def test_snapshot_cache_is_reused(store: Store) -> None:
    # The read path stays cheap: the second call loads the cached arrays, not the database.
    store.snapshot()
    stamp = store.version()
    cached = list((store.path.parent / "cache").glob(f"snapshot-{stamp}.npz"))
    assert len(cached) == 1
    mtime = cached[0].stat().st_mtime_ns
    time.sleep(0.01)
    store.snapshot()
    assert cached[0].stat().st_mtime_ns == mtime
