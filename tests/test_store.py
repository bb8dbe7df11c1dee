import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import datetime

import pandas as pd
import pytest

from riskoff.catalog import load_catalog
from riskoff.datasets import load_history, load_manifest
from riskoff.store import Store


def test_seed_holds_every_bundled_series(store: Store) -> None:
    info = store.info()
    manifest = load_manifest()
    assert len(info) >= 90
    assert set(info.index) == set(manifest.index)
    # Every bundled series is in the catalog; the catalog also lists live-only series.
    assert set(manifest.index) <= set(load_catalog())
    for sid in ("SOFR", "SPY", "BTC-USD", "GLD", "DGS10"):
        assert info.loc[sid, "last_date"].year == 2026
        assert int(info.loc[sid, "rows"]) == int(manifest.loc[sid, "rows"])


def test_h41_series_are_converted_to_billions(store: Store) -> None:
    raw = load_history(["WALCL"]).set_index("date")["value"]
    stored = store.series_values("WALCL")
    day = pd.Timestamp("2020-03-18")
    assert stored.loc[day] == pytest.approx(raw.loc[day] / 1000)
    assert 4000 < stored.loc[day] < 5000  # USD bn


def test_bundled_first_seen_is_date_plus_publication_lag(store: Store) -> None:
    wed = pd.Timestamp("2026-08-19")
    assert wed not in store.series_values("WALCL", as_of=wed.date()).index
    assert wed in store.series_values("WALCL", as_of=pd.Timestamp("2026-08-20").date()).index
    # SPY is a market close: known the same day.
    assert wed in store.series_values("SPY", as_of=wed.date()).index


def test_revision_is_a_new_row_and_old_vintage_stays_replayable(private_store: Store) -> None:
    day = pd.Timestamp("2026-08-19")
    old = private_store.series_values("SOFR").loc[day]
    revised = pd.DataFrame({"date": [day, pd.Timestamp("2026-08-20")], "value": [old + 0.5, 3.63]})
    seen = datetime(2026, 9, 1, 12)
    result = private_store.write("SOFR", revised, source="test", seen_at=seen)
    assert (result.added, result.revised, result.unchanged) == (0, 1, 1)
    assert private_store.series_values("SOFR").loc[day] == pytest.approx(old + 0.5)
    before = private_store.series_values("SOFR", as_of=pd.Timestamp("2026-08-31").date())
    assert before.loc[day] == pytest.approx(old)
    info = private_store.info()
    assert int(info.loc["SOFR", "revisions"]) == 1


def test_new_dates_count_from_publication_not_fetch_time(private_store: Store) -> None:
    frame = pd.DataFrame({"date": [pd.Timestamp("2026-08-26")], "value": [6700.0]})
    private_store.write("WALCL", frame, source="test", seen_at=datetime(2026, 11, 1))
    assert (
        pd.Timestamp("2026-08-26")
        in private_store.series_values("WALCL", as_of=pd.Timestamp("2026-08-27").date()).index
    )


def test_killed_writer_leaves_store_unchanged(private_store: Store) -> None:
    before = private_store.info()
    # A child process writes a large frame and is killed (SIGKILL) inside the transaction.
    script = textwrap.dedent(
        f"""
        import time, pandas as pd, numpy as np
        import riskoff.store as st
        s = st.Store({str(private_store.path)!r})
        dates = pd.bdate_range("1900-01-01", periods=200_000, freq="D")
        frame = pd.DataFrame({{"date": dates, "value": np.arange(len(dates), dtype=float)}})
        orig = s.write
        import duckdb
        real_execute = duckdb.DuckDBPyConnection.execute
        def slow_drop(con, sql, *a, **k):
            out = real_execute(con, sql, *a, **k)
            if "DROP TABLE staged" in sql:
                print("inserted", flush=True)
                time.sleep(60)
            return out
        duckdb.DuckDBPyConnection.execute = slow_drop
        s.write("SPY", frame, source="killed")
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=dict(os.environ)
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.strip() == "inserted"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    time.sleep(0.2)
    reopened = Store(private_store.path)
    after = reopened.info()
    pd.testing.assert_frame_equal(before, after)


def test_vintages_land_as_revisions_in_one_write(private_store: Store) -> None:
    day = pd.Timestamp("2026-08-26")
    first = pd.DataFrame({"date": [day], "value": [6700.0]})
    second = pd.DataFrame({"date": [day], "value": [6710.0]})
    result = private_store.write_vintages(
        "WALCL", [(datetime(2026, 8, 27, 16), first), (datetime(2026, 9, 3, 16), second)], "fred"
    )
    assert (result.added, result.revised) == (1, 1)
    as_known = private_store.series_values("WALCL", as_of=pd.Timestamp("2026-08-28").date())
    assert as_known.loc[day] == 6700.0
    assert private_store.series_values("WALCL").loc[day] == 6710.0


def test_a_rewritten_history_reseeds_a_store_under_the_same_manifest(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A store seeded from a history that lacked some series must not keep lacking them once the
    # history file changes, even if the manifest and the catalog did not.
    import shutil

    import riskoff.datasets as datasets
    from riskoff.datasets import history_path
    from riskoff.store import _bundle_id

    full = history_path()
    partial = tmp_path / "history.parquet"
    history = pd.read_parquet(full)
    history[history["series_id"] != "PAYEMS"].to_parquet(partial)
    monkeypatch.setattr(datasets, "history_path", lambda: partial)
    home = tmp_path / "home"
    home.mkdir()
    store = Store(home / "riskoff.duckdb")
    store.ensure_ready()
    assert "PAYEMS" not in store.info().index
    seeded_with_partial = _bundle_id()
    shutil.copy(full, partial)  # the release's history: same manifest, same catalog
    assert _bundle_id() != seeded_with_partial
    again = Store(home / "riskoff.duckdb")
    again.ensure_ready()
    assert int(again.info().loc["PAYEMS", "rows"]) == int(load_manifest().loc["PAYEMS", "rows"])
