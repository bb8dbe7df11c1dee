"""``riskoff update``: incremental windows, isolation of failures, dry run, bounds, a kill."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent / "sources"))

from riskoff_testnet import (
    LocalServer,
    Reply,
    Request,
    business_days,
    store_rows,
    wait_for,
)

from riskoff.catalog import get_spec
from riskoff.errors import CatalogError
from riskoff.sources import reset_shared_client
from riskoff.store import Store
from riskoff.update import run_update

TODAY = date(2026, 11, 25)
NEW_END = "2026-09-04"
RATES = ["DGS10", "DGS2", "DGS30", "T10Y2Y", "T10YIE", "T5YIE"]


@pytest.fixture(autouse=True)
def _fast_http(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for key, value in {
        "RISKOFF_HTTP_TIMEOUT": "0.5",
        "RISKOFF_HTTP_RETRIES": "3",
        "RISKOFF_HTTP_BACKOFF": "0.01",
        "RISKOFF_HTTP_MIN_INTERVAL": "0",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("FRED_API_KEY", raising=False)
    reset_shared_client()
    yield
    reset_shared_client()


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalServer]:
    with LocalServer() as srv:
        monkeypatch.setenv("RISKOFF_FRED_URL", srv.url)
        yield srv


def fred_csv(store: Store, series_id: str, end: str = NEW_END) -> str:
    """A fredgraph.csv: the last stored days unchanged, then new days near the last value."""
    stored = store.series_values(series_id)
    last = stored.index.max()
    lines = [f"observation_date,{series_id}"]
    for day in business_days((last - pd.Timedelta(days=9)).date().isoformat(), end):
        value = stored.get(pd.Timestamp(day), float(stored.iloc[-1]) + 0.01)
        lines.append(f"{day},{value:.4f}")
    return "\n".join(lines) + "\n"


def serve_rates(
    server: LocalServer, store: Store, broken: dict[str, Reply] | None = None, delay: float = 0.0
) -> dict[str, str]:
    bodies = {s: fred_csv(store, s) for s in RATES}

    def answer(req: Request) -> Reply:
        series = req.query["id"]
        if broken and series in broken:
            return broken[series]
        return Reply(body=bodies[series], content_type="text/csv", delay=delay)

    server.route("/graph/fredgraph.csv", answer)
    return bodies


def new_days(store: Store, series_id: str) -> int:
    last = store.series_values(series_id).index.max()
    return len(business_days((last + pd.Timedelta(days=1)).date().isoformat(), NEW_END))


# -- behaviour --------------------------------------------------------------------------------
def test_a_failing_series_never_blocks_the_others(
    private_store: Store, server: LocalServer
) -> None:
    expected = {s: new_days(private_store, s) for s in RATES}
    before = store_rows(private_store.path, "DGS2")
    serve_rates(server, private_store, broken={"DGS2": Reply(status=500, body="oops")})
    report = run_update(RATES, store=private_store, today=TODAY)
    by_id = {o.series_id: o for o in report.outcomes}
    assert [o.series_id for o in report.outcomes] == RATES  # selection order, not completion
    assert (
        by_id["DGS2"].status == "failed" and "fred: series DGS2: HTTP 500" in by_id["DGS2"].message
    )
    for series in set(RATES) - {"DGS2"}:
        assert by_id[series].status == "ok"
        assert by_id[series].added == expected[series]
        assert by_id[series].last_date == date(2026, 9, 4)
    assert report.exit_code == 1
    assert store_rows(private_store.path, "DGS2") == before


def test_incremental_window_with_overlap_and_since(
    private_store: Store, server: LocalServer
) -> None:
    server.route(
        "/graph/fredgraph.csv", Reply(body="observation_date,X\n", content_type="text/csv")
    )
    run_update(["DGS10", "WALCL"], store=private_store, today=TODAY)
    asked = {r.query["id"]: r.query for r in server.hits("/graph/fredgraph.csv")}
    # Daily: 10 days before the last stored date (2026-08-20); weekly: five weeks.
    assert asked["DGS10"]["cosd"] == "2026-08-10" and asked["DGS10"]["coed"] == "2026-11-25"
    assert asked["WALCL"]["cosd"] == "2026-07-15"
    run_update(["DGS10"], since=date(2026, 1, 2), store=private_store, today=TODAY)
    assert server.hits("/graph/fredgraph.csv")[-1].query["cosd"] == "2026-01-02"


def test_nothing_new_is_ok(private_store: Store, server: LocalServer) -> None:
    server.route(
        "/graph/fredgraph.csv", Reply(body="observation_date,DGS10\n", content_type="text/csv")
    )
    (outcome,) = run_update(["DGS10"], store=private_store, today=TODAY).outcomes
    assert (outcome.status, outcome.added, outcome.last_date) == ("ok", 0, date(2026, 8, 20))


def test_dry_run_counts_and_writes_nothing(private_store: Store, server: LocalServer) -> None:
    stored = private_store.series_values("DGS10")
    body = fred_csv(private_store, "DGS10").replace(
        f"{stored.index.max().date()},{stored.iloc[-1]:.4f}",
        f"{stored.index.max().date()},{stored.iloc[-1] + 0.05:.4f}",
    )
    server.route("/graph/fredgraph.csv", Reply(body=body, content_type="text/csv"))
    before = store_rows(private_store.path, "DGS10")
    dry = run_update(["DGS10"], dry_run=True, store=private_store, today=TODAY)
    assert store_rows(private_store.path, "DGS10") == before
    real = run_update(["DGS10"], store=private_store, today=TODAY)
    assert dry.dry_run and (dry.outcomes[0].added, dry.outcomes[0].revised) == (
        real.outcomes[0].added,
        real.outcomes[0].revised,
    ) == (new_days_after(before), 1)


def new_days_after(rows: list[tuple]) -> int:
    last = max(r[0] for r in rows)
    return len(
        business_days((pd.Timestamp(last) + pd.Timedelta(days=1)).date().isoformat(), NEW_END)
    )


def test_requests_in_flight_are_bounded_per_host(private_store: Store, server: LocalServer) -> None:
    in_flight = {"now": 0, "max": 0}
    lock = threading.Lock()
    bodies = {s: fred_csv(private_store, s) for s in RATES}

    def answer(req: Request) -> Reply:
        with lock:
            in_flight["now"] += 1
            in_flight["max"] = max(in_flight["max"], in_flight["now"])
        time.sleep(0.15)
        with lock:
            in_flight["now"] -= 1
        return Reply(body=bodies[req.query["id"]], content_type="text/csv")

    server.route("/graph/fredgraph.csv", answer)
    started = time.monotonic()
    report = run_update(RATES, store=private_store, today=TODAY, max_workers=6)
    assert report.exit_code == 0
    assert in_flight["max"] == 2  # FRED's bound, though six workers were free
    assert time.monotonic() - started < 6 * 0.15 + 2.0


def test_unknown_series_or_source_fail_before_fetching(private_store: Store) -> None:
    with pytest.raises(CatalogError, match="unknown series id 'NOPE'"):
        run_update(["NOPE"], store=private_store)
    with pytest.raises(CatalogError, match="unknown source 'bloomberg'"):
        run_update(sources=["bloomberg"], store=private_store)


def test_series_without_a_connector(private_store: Store) -> None:
    catalog = {s: get_spec(s) for s in ("IOER", "GOLD_LBMA_PM")}
    implicit = run_update(store=private_store, catalog=catalog)
    assert {o.status for o in implicit.outcomes} == {"skipped"} and implicit.exit_code == 0
    explicit = run_update(["GOLD_LBMA_PM"], store=private_store, catalog=catalog)
    assert explicit.exit_code == 1
    assert "no connector for source 'lbma'" in explicit.outcomes[0].message


def test_bundled_source_restores_an_empty_store(tmp_path: Path) -> None:
    store = Store(tmp_path / "empty.duckdb", seed=False)
    report = run_update(["SOFR", "WALCL"], sources=["bundled"], store=store)
    assert report.exit_code == 0
    from riskoff.datasets import load_history

    bundle = load_history(["SOFR", "WALCL"])
    for outcome in report.outcomes:
        assert outcome.source == "bundled"
        assert outcome.added == int((bundle["series_id"] == outcome.series_id).sum())
    # The catalog scale applies: WALCL is published in USD millions, stored in billions.
    assert store.series_values("WALCL").median() < 20_000


# -- the command ------------------------------------------------------------------------------
def _app() -> typer.Typer:
    from riskoff.cli import app

    return app


def test_update_command_table_and_exit_code(private_store: Store, server: LocalServer) -> None:
    serve_rates(server, private_store, broken={"DGS2": Reply(status=500, body="oops")})
    result = CliRunner().invoke(_app(), ["update", "--series", "DGS10,DGS2", "--source", "fred"])
    assert result.exit_code == 1, result.output
    text = " ".join(result.output.split())
    assert "riskoff update" in text and "DGS10" in text and "failed" in text
    assert "fred: series DGS2: HTTP 500" in text
    assert "2026-09-04" in text


def test_update_command_dry_run(private_store: Store, server: LocalServer) -> None:
    serve_rates(server, private_store)
    before = store_rows(private_store.path, "DGS10")
    result = CliRunner().invoke(_app(), ["update", "--series", "DGS10", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "dry run" in result.output and "would add" in result.output
    assert store_rows(private_store.path, "DGS10") == before


def test_update_command_bad_input(private_store: Store) -> None:
    result = CliRunner().invoke(_app(), ["update", "--series", "NOPE"])
    assert result.exit_code == 2 and "unknown series id 'NOPE'" in result.output
    result = CliRunner().invoke(_app(), ["update", "--since", "yesterday"])
    assert result.exit_code == 2


# -- a kill in the middle ---------------------------------------------------------------------
_CHILD = textwrap.dedent(
    """
    from riskoff.cli import app
    app(["update", "--source", "fred", "--series", {series!r}])
    """
)


def test_killed_update_leaves_only_whole_series(
    private_store: Store, server: LocalServer, tmp_path: Path
) -> None:
    path = private_store.path
    before = {s: store_rows(path, s) for s in RATES}
    bodies = {s: fred_csv(private_store, s) for s in RATES}
    hang = "DGS30"
    answered: list[str] = []

    def answer(req: Request) -> Reply:
        series = req.query["id"]
        if series == hang:
            return Reply(mode="hang", delay=30)
        answered.append(series)
        return Reply(body=bodies[series], content_type="text/csv", delay=0.05)

    server.route("/graph/fredgraph.csv", answer)
    env = {
        **os.environ,
        "RISKOFF_HOME": str(path.parent),
        "RISKOFF_FRED_URL": server.url,
        "RISKOFF_HTTP_TIMEOUT": "60",
        "RISKOFF_HTTP_MIN_INTERVAL": "0",
    }
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD.format(series=",".join(RATES))],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    wal = path.with_name(path.name + ".wal")
    untouched = (path.stat().st_mtime_ns, path.stat().st_size)

    def writing() -> bool:
        # DuckDB appends to the .wal during a write and checkpoints into the file after it.
        return wal.exists() or (path.stat().st_mtime_ns, path.stat().st_size) != untouched

    try:
        # Kill as soon as the child touches the store: mid-transaction or mid-checkpoint.
        started = wait_for(writing, timeout=8)
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=10)
    assert started, child.stderr.read().decode() if child.stderr else "the child never wrote"
    assert child.returncode == -signal.SIGKILL
    reopened = Store(path)
    changed = []
    for series in RATES:
        rows = store_rows(path, series)
        if rows == before[series]:
            continue
        changed.append(series)
        # Whole or nothing: every served new day is there, with the served value.
        values = reopened.series_values(series)
        served = pd.read_csv(pd.io.common.StringIO(bodies[series]))
        served["observation_date"] = pd.to_datetime(served["observation_date"])
        new = served[served["observation_date"] > pd.Timestamp(before[series][-1][0])]
        assert len(rows) == len(before[series]) + len(new), series
        assert values.reindex(new["observation_date"]).tolist() == pytest.approx(
            new[series].tolist()
        )
    assert hang not in changed
    assert set(changed) <= set(answered)
    # The store is usable afterwards: the series that hung can now be written.
    server.route(
        "/graph/fredgraph.csv",
        lambda req: Reply(body=bodies[req.query["id"]], content_type="text/csv"),
    )
    report = run_update([hang], store=reopened, today=TODAY)
    assert report.exit_code == 0
    assert reopened.series_values(hang).index.max() == pd.Timestamp(NEW_END)
