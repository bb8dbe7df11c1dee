"""Yahoo Finance connector: the chart JSON (mirror mode) and the yfinance path (needs yfinance)."""

from __future__ import annotations

import importlib.util
import json
from datetime import UTC, date, datetime

import pandas as pd
import pytest
from riskoff_testnet import FIXTURES, LocalServer, Reply, store_rows

from riskoff import update as update_module
from riskoff.catalog import get_spec
from riskoff.errors import MissingExtraError, SourceError
from riskoff.sources import available_sources, get_source, missing_extra
from riskoff.sources.yahoo import YahooSource, frame_from_history, parse_chart
from riskoff.store import Store
from riskoff.update import run_update

AFTER_CLOSE = datetime(2024, 6, 15, tzinfo=UTC)
# 2024-06-14 15:00 New York time: the last bar's session is still open.
DURING_SESSION = datetime(2024, 6, 14, 19, 0, tzinfo=UTC)


def _chart() -> dict:
    return json.loads((FIXTURES / "yahoo/chart_SPY.json").read_text())


def test_chart_gives_adjusted_closes_by_exchange_day() -> None:
    frame = parse_chart(_chart(), "SPY", now=AFTER_CLOSE)
    assert list(frame["date"].dt.date.astype(str)) == [
        "2024-06-10",
        "2024-06-11",
        "2024-06-12",
        "2024-06-13",
        "2024-06-14",
    ]
    # Adjusted, as the bundled history is: 524.36 on 2024-06-10, not the raw 535.66.
    assert frame["value"].iloc[0] == pytest.approx(524.3615723)


def test_the_bar_of_an_open_session_is_left_out() -> None:
    frame = parse_chart(_chart(), "SPY", now=DURING_SESSION)
    assert frame["date"].max() == pd.Timestamp("2024-06-13")


def test_chart_faults() -> None:
    not_found = json.loads((FIXTURES / "yahoo/chart_not_found.json").read_text())
    with pytest.raises(SourceError, match="yahoo: series XYZ: Yahoo says Not Found: No data"):
        parse_chart(not_found, "XYZ")
    cut = _chart()
    cut["chart"]["result"][0]["indicators"]["adjclose"][0]["adjclose"].pop()
    with pytest.raises(SourceError, match="5 timestamps but 4 closes"):
        parse_chart(cut, "SPY", now=AFTER_CLOSE)
    with pytest.raises(SourceError, match="no 'chart' object"):
        parse_chart({"finance": {"error": "x"}}, "SPY")


def test_null_closes_are_missing() -> None:
    chart = _chart()
    chart["chart"]["result"][0]["indicators"]["adjclose"][0]["adjclose"][2] = None
    frame = parse_chart(chart, "SPY", now=AFTER_CLOSE)
    assert len(frame) == 4 and pd.Timestamp("2024-06-12") not in set(frame["date"])


def test_mirror_request(server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RISKOFF_YAHOO_URL", server.url)
    server.route("/v8/finance/chart/SPY", Reply.fixture("yahoo/chart_SPY.json"))
    frame = YahooSource().fetch(get_spec("SPY"), date(2024, 6, 10), date(2024, 6, 14))
    assert len(frame) == 5
    (hit,) = server.hits("/v8/finance/chart/SPY")
    assert hit.query["interval"] == "1d"
    assert int(hit.query["period1"]) == int(datetime(2024, 6, 10, tzinfo=UTC).timestamp())
    assert int(hit.query["period2"]) == int(datetime(2024, 6, 15, tzinfo=UTC).timestamp())


def test_index_tickers_keep_their_caret(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RISKOFF_YAHOO_URL", server.url)
    server.route("/v8/finance/chart/", Reply.fixture("yahoo/chart_SPY.json"))
    YahooSource().fetch(get_spec("HSI"), date(2024, 6, 10), date(2024, 6, 14))
    assert server.requests[0].path in ("/v8/finance/chart/^HSI", "/v8/finance/chart/%5EHSI")


def test_missing_extra_makes_the_source_absent(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "yfinance" else real(name, *a)
    )
    assert "yahoo" not in available_sources()
    assert missing_extra("yahoo") == "yahoo"
    with pytest.raises(MissingExtraError, match=r"pip install 'riskoff\[yahoo\]'"):
        get_source("yahoo")


def test_update_skips_or_fails_on_a_missing_extra(
    private_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        update_module, "missing_extra", lambda name: "yahoo" if name == "yahoo" else None
    )
    catalog = {s: get_spec(s) for s in ("SPY", "GLD")}
    implicit = run_update(store=private_store, catalog=catalog)
    assert implicit.exit_code == 0 and {o.status for o in implicit.outcomes} == {"skipped"}
    assert "2 series skipped (install the extra: pip install 'riskoff[yahoo]')" in (
        implicit.skipped_note
    )
    explicit = run_update(["SPY"], store=private_store, catalog=catalog)
    assert explicit.exit_code == 1
    assert "riskoff[yahoo]" in explicit.outcomes[0].message
    with pytest.raises(MissingExtraError, match=r"source 'yahoo' .*riskoff\[yahoo\]"):
        run_update(sources=["yahoo"], store=private_store, catalog=catalog)


def test_update_through_a_mirror_with_429_then_success(
    private_store: Store, server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The mirror path does not use yfinance: pretend the extra is installed.
    monkeypatch.setattr(update_module, "missing_extra", lambda name: None)
    monkeypatch.setattr("riskoff.sources.base._installed", lambda module: True)
    monkeypatch.setenv("RISKOFF_YAHOO_URL", server.url)
    stored = private_store.series_values("SPY")
    last = stored.index.max()
    days = [d for d in pd.bdate_range(last - pd.Timedelta(days=9), "2026-09-04")]
    chart = _chart()
    result = chart["chart"]["result"][0]
    result["timestamp"] = [int((d + pd.Timedelta(hours=13, minutes=30)).timestamp()) for d in days]
    closes = [float(stored.get(d, stored.iloc[-1])) for d in days]
    result["indicators"] = {"quote": [{"close": closes}], "adjclose": [{"adjclose": closes}]}
    limited = Reply(status=429, body="Too Many Requests", headers={"Retry-After": "0"})
    server.sequence("/v8/finance/chart/SPY", limited, Reply(body=json.dumps(chart)))
    (outcome,) = run_update(["SPY"], store=private_store, today=date(2026, 11, 25)).outcomes
    assert outcome.status == "ok", outcome.message
    assert outcome.added == len([d for d in days if d > last])
    assert len(server.hits("/v8/finance/chart/SPY")) == 2


def test_mirror_fault_names_source_and_series(
    private_store: Store, server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(update_module, "missing_extra", lambda name: None)
    monkeypatch.setattr("riskoff.sources.base._installed", lambda module: True)
    monkeypatch.setenv("RISKOFF_YAHOO_URL", server.url)
    before = store_rows(private_store.path, "SPY")
    server.route("/v8/finance/chart/SPY", Reply(status=502, body="Bad Gateway"))
    (outcome,) = run_update(["SPY"], store=private_store).outcomes
    assert outcome.status == "failed"
    assert outcome.message.startswith("yahoo: series SPY: HTTP 502")
    assert store_rows(private_store.path, "SPY") == before


# -- the yfinance path: needs the real library ------------------------------------------------
def _history(days: list[str]) -> pd.DataFrame:
    index = pd.DatetimeIndex(pd.to_datetime(days)).tz_localize("America/New_York")
    index.name = "Date"
    closes = [524.36, 525.62, 529.94, 531.01, 531.33][: len(days)]
    return pd.DataFrame(
        {"Open": closes, "High": closes, "Low": closes, "Close": closes, "Volume": [1] * len(days)},
        index=index,
    )


def test_frame_from_history_without_yfinance() -> None:
    days = ["2024-06-10", "2024-06-11", "2024-06-12", "2024-06-13", "2024-06-14"]
    frame = frame_from_history(_history(days), "SPY", today=date(2024, 6, 14))
    assert list(frame["value"]) == [524.36, 525.62, 529.94, 531.01]


def test_yfinance_history_call(monkeypatch: pytest.MonkeyPatch) -> None:
    yf = pytest.importorskip("yfinance")
    calls: list[dict] = []
    outcomes: list[object] = [yf.exceptions.YFRateLimitError(), None]

    def history(self: object, **kwargs: object) -> pd.DataFrame:
        calls.append(kwargs)
        problem = outcomes.pop(0)
        if problem is not None:
            raise problem  # type: ignore[misc]
        return _history(["2024-06-10", "2024-06-11", "2024-06-12"])

    monkeypatch.setattr(yf.Ticker, "history", history)
    frame = YahooSource().fetch(get_spec("SPY"), date(2024, 6, 10), date(2024, 6, 12))
    assert list(frame["value"]) == [524.36, 525.62, 529.94]
    assert len(calls) == 2  # the rate limit was retried
    assert calls[-1]["start"] == "2024-06-10" and calls[-1]["end"] == "2024-06-13"
    assert calls[-1]["auto_adjust"] is True and calls[-1]["interval"] == "1d"


def test_yfinance_errors_become_source_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    yf = pytest.importorskip("yfinance")

    def history(self: object, **kwargs: object) -> pd.DataFrame:
        raise yf.exceptions.YFPricesMissingError("XYZ", "possibly delisted")

    monkeypatch.setattr(yf.Ticker, "history", history)
    spec = get_spec("SPY")
    with pytest.raises(SourceError, match="yahoo: series SPY: YFPricesMissingError"):
        YahooSource().fetch(spec, date(2024, 6, 10), date(2024, 6, 12))
