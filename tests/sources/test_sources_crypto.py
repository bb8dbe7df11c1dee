"""Crypto connector: ccxt OHLCV rows; the real ccxt against a local Binance-format server."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from riskoff_testnet import FIXTURES, LocalServer, Reply

from riskoff.catalog import get_spec
from riskoff.errors import DataError, SourceError
from riskoff.sources.crypto import CryptoSource, _rebase, ohlcv_frame

DAY_MS = 86_400_000
JUNE_6 = 1717632000000  # 2024-06-06 00:00 UTC


def _ccxt_rows() -> list[list[Any]]:
    """The fixture's Binance klines as ccxt returns them: numbers, six fields."""
    raw = json.loads((FIXTURES / "crypto/binance_klines_BTCUSDT.json").read_text())
    return [[int(r[0]), *map(float, r[1:6])] for r in raw]


def test_daily_closes_by_utc_day() -> None:
    frame = ohlcv_frame(_ccxt_rows(), "BTC-USD", today=date(2024, 6, 20))
    assert list(frame["date"].dt.date.astype(str)) == [
        "2024-06-06",
        "2024-06-07",
        "2024-06-08",
        "2024-06-09",
        "2024-06-10",
    ]
    assert frame["value"].iloc[0] == pytest.approx(70757.16)


def test_the_current_utc_day_is_left_out() -> None:
    frame = ohlcv_frame(_ccxt_rows(), "BTC-USD", today=date(2024, 6, 10))
    assert frame["date"].max().date() == date(2024, 6, 9)


def test_malformed_candles() -> None:
    with pytest.raises(SourceError, match="crypto: series BTC-USD: candle 1: expected"):
        ohlcv_frame([[JUNE_6, 1.0]], "BTC-USD")
    with pytest.raises(DataError, match="crypto: series BTC-USD: candle 1: value 'abc'"):
        ohlcv_frame([[JUNE_6, 1, 1, 1, "abc", 1]], "BTC-USD", today=date(2024, 7, 1))


def test_rebase_keeps_paths() -> None:
    urls = {"public": "https://api.binance.com/api/v3", "nested": {"x": "https://fapi.b.com/f/v1"}}
    assert _rebase(urls, "http://127.0.0.1:9") == {
        "public": "http://127.0.0.1:9/api/v3",
        "nested": {"x": "http://127.0.0.1:9/f/v1"},
    }


class FakeExchange:
    """Stands in for a ccxt exchange: pages of 2 candles, optional failures first."""

    def __init__(self, candles: list[list[Any]], failures: list[Exception] | None = None) -> None:
        self.candles = candles
        self.failures = failures or []
        self.calls: list[tuple[str, str, int]] = []

    def fetch_ohlcv(self, symbol: str, timeframe: str, since: int, limit: int) -> list[list[Any]]:
        self.calls.append((symbol, timeframe, since))
        if self.failures:
            raise self.failures.pop(0)
        return [c for c in self.candles if c[0] >= since][:2]


def test_pages_until_the_end_date() -> None:
    exchange = FakeExchange(_ccxt_rows())
    frame = CryptoSource(exchange).fetch(get_spec("BTC-USD"), date(2024, 6, 6), date(2024, 6, 9))
    assert len(frame) == 4 and frame["date"].max().date() == date(2024, 6, 9)
    assert [c[2] for c in exchange.calls] == [JUNE_6, JUNE_6 + 2 * DAY_MS]
    assert exchange.calls[0][:2] == ("BTC/USDT", "1d")


def test_non_network_errors_are_not_retried() -> None:
    exchange = FakeExchange(_ccxt_rows(), failures=[ValueError("bad symbol")])
    with pytest.raises(SourceError, match="crypto: series BTC-USD: ValueError: bad symbol"):
        CryptoSource(exchange).fetch(get_spec("BTC-USD"), date(2024, 6, 6), date(2024, 6, 9))
    assert len(exchange.calls) == 1


# -- the real ccxt against a local server in Binance's format ---------------------------------
def _market() -> dict[str, Any]:
    return {
        "id": "BTCUSDT",
        "symbol": "BTC/USDT",
        "base": "BTC",
        "quote": "USDT",
        "baseId": "BTC",
        "quoteId": "USDT",
        "type": "spot",
        "spot": True,
        "margin": False,
        "swap": False,
        "future": False,
        "option": False,
        "contract": False,
        "linear": None,
        "inverse": None,
        "active": True,
        "precision": {},
        "limits": {},
        "info": {},
    }


def _real_source(server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> CryptoSource:
    pytest.importorskip("ccxt")
    monkeypatch.setenv("RISKOFF_CRYPTO_URL", server.url)
    monkeypatch.setenv("RISKOFF_CRYPTO_EXCHANGE", "binance")
    source = CryptoSource()
    exchange = source.exchange()
    exchange.enableRateLimit = False
    # Markets are normally loaded from /api/v3/exchangeInfo; one is enough here.
    exchange.set_markets([_market()])
    return source


def test_real_ccxt_binance_klines(server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> None:
    source = _real_source(server, monkeypatch)
    server.route("/api/v3/klines", Reply.fixture("crypto/binance_klines_BTCUSDT.json"))
    frame = source.fetch(get_spec("BTC-USD"), date(2024, 6, 6), date(2024, 6, 10))
    assert list(frame["value"]) == [70757.16, 69342.59, 69305.77, 69647.99, 69512.28]
    hit = server.hits("/api/v3/klines")[0]
    assert hit.query["symbol"] == "BTCUSDT" and hit.query["interval"] == "1d"
    assert hit.query["startTime"] == str(JUNE_6)


def test_real_ccxt_rate_limit_is_retried(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _real_source(server, monkeypatch)
    server.sequence(
        "/api/v3/klines",
        Reply(status=429, body='{"code":-1003,"msg":"Too many requests."}'),
        Reply.fixture("crypto/binance_klines_BTCUSDT.json"),
    )
    frame = source.fetch(get_spec("BTC-USD"), date(2024, 6, 6), date(2024, 6, 10))
    assert len(frame) == 5 and len(server.hits("/api/v3/klines")) == 2


def test_real_ccxt_persistent_500(server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> None:
    source = _real_source(server, monkeypatch)
    server.route(
        "/api/v3/klines", Reply(status=500, body="Internal Server Error", content_type="text/plain")
    )
    with pytest.raises(SourceError, match=r"crypto: series BTC-USD: .*gave up after 3 attempts"):
        source.fetch(get_spec("BTC-USD"), date(2024, 6, 6), date(2024, 6, 10))
