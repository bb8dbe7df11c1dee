"""Crypto daily closes from a public exchange through ccxt (extra ``crypto``); no key needed.

The catalog's ``native_id`` is a ccxt market symbol (``BTC/USDT``); the exchange is
``$RISKOFF_CRYPTO_EXCHANGE`` (default ``binance``). A daily candle is the UTC day; its close is
the value. Today's candle is still moving, so it is left out until the day is over.

``RISKOFF_CRYPTO_URL`` replaces the scheme and host of every API address of the exchange (a
mirror, a proxy or a test server), keeping each address's path.
"""

from __future__ import annotations

import os
import threading
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pandas as pd

from riskoff.catalog import SeriesSpec
from riskoff.errors import SourceError
from riskoff.sources.base import call_with_retries, host_of, tidy

DEFAULT_EXCHANGE = "binance"
_DAY_MS = 86_400_000
_MAX_PAGES = 50  # 50 pages of 1000 days is more history than any exchange has


def ohlcv_frame(
    candles: list[list[Any]], series: str, scale: float = 1.0, today: date | None = None
) -> pd.DataFrame:
    """Turn ccxt OHLCV rows ``[ms, open, high, low, close, volume]`` into daily closes.

    Candles of the current UTC day (and later) are left out: their close is not final.
    """
    today = today or datetime.now(UTC).date()
    rows: list[tuple[int, object, object]] = []
    for i, candle in enumerate(candles, start=1):
        if not isinstance(candle, list | tuple) or len(candle) < 5:
            raise SourceError(
                "crypto", series, f"candle {i}: expected [time, o, h, l, c, v], got {candle!r}"
            )
        try:
            day = datetime.fromtimestamp(int(candle[0]) / 1000, tz=UTC).date()
        except (TypeError, ValueError, OverflowError):
            raise SourceError(
                "crypto", series, f"candle {i}: bad timestamp {candle[0]!r}"
            ) from None
        if day >= today:
            continue
        rows.append((i, day.isoformat(), candle[4]))
    return tidy(rows, "crypto", series, scale=scale, label="candle")


def _rebase(urls: Any, root: str) -> Any:
    """Replace scheme and host of every URL in ccxt's (nested) ``urls['api']``."""
    if isinstance(urls, dict):
        return {key: _rebase(value, root) for key, value in urls.items()}
    if isinstance(urls, str) and urls.startswith(("http://", "https://")):
        base = urlsplit(root)
        parts = urlsplit(urls)
        path = base.path.rstrip("/") + parts.path
        return urlunsplit((base.scheme, base.netloc, path, parts.query, parts.fragment))
    return urls


def _retryable(exc: Exception) -> bool:
    try:
        import ccxt
    except ImportError:  # an injected exchange (tests) without ccxt installed
        return False
    return isinstance(exc, ccxt.NetworkError)  # timeouts, 429 (RateLimitExceeded), 5xx, DDoS


class CryptoSource:
    """ccxt public OHLCV for catalog entries with ``source = "crypto"`` (extra ``crypto``).

    Parameters
    ----------
    exchange : object, optional
        A ccxt exchange instance (tests); default built from ``RISKOFF_CRYPTO_EXCHANGE``.
    """

    name = "crypto"

    def __init__(self, exchange: Any | None = None) -> None:
        self._exchange = exchange
        # One request at a time: ccxt's own rate limiter is per instance and not thread-safe.
        self._lock = threading.Lock()

    def exchange(self) -> Any:
        """Return the ccxt exchange, built on first use."""
        if self._exchange is None:
            import ccxt

            name = os.environ.get("RISKOFF_CRYPTO_EXCHANGE", DEFAULT_EXCHANGE)
            factory = getattr(ccxt, name, None)
            if factory is None:
                raise SourceError(self.name, "-", f"ccxt has no exchange named {name!r}")
            timeout_s = float(os.environ.get("RISKOFF_HTTP_TIMEOUT", "30"))
            exchange = factory({"enableRateLimit": True, "timeout": int(timeout_s * 1000)})
            root = os.environ.get("RISKOFF_CRYPTO_URL")
            if root:
                exchange.urls["api"] = _rebase(exchange.urls["api"], root)
            self._exchange = exchange
        return self._exchange

    def fetch(self, spec: SeriesSpec, start: date, end: date) -> pd.DataFrame:
        """Return ``spec``'s daily closes (UTC days) in ``[start, end]``."""
        since = int(datetime.combine(start, datetime.min.time(), UTC).timestamp() * 1000)
        stop = int(datetime.combine(end, datetime.min.time(), UTC).timestamp() * 1000)
        candles: list[list[Any]] = []
        for _ in range(_MAX_PAGES):
            page = self._page(spec, since)
            page = [c for c in page if isinstance(c, list | tuple) and c and c[0] >= since]
            candles.extend(c for c in page if c[0] <= stop)
            if not page or page[-1][0] >= stop:
                break
            since = int(page[-1][0]) + _DAY_MS
        frame = ohlcv_frame(candles, spec.id, spec.scale)
        return frame[frame["date"] <= pd.Timestamp(end)].reset_index(drop=True)

    def _page(self, spec: SeriesSpec, since: int) -> list[list[Any]]:
        def call() -> list[list[Any]]:
            with self._lock:
                exchange = self.exchange()
                return list(exchange.fetch_ohlcv(spec.native_id, "1d", since=since, limit=1000))

        def describe(exc: Exception) -> str:
            return f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}"

        root = os.environ.get("RISKOFF_CRYPTO_URL")
        host = (
            host_of(root) if root else os.environ.get("RISKOFF_CRYPTO_EXCHANGE", DEFAULT_EXCHANGE)
        )
        return call_with_retries(
            call,
            source=self.name,
            series=spec.id,
            retryable=_retryable,
            describe=describe,
            host=host,
        )
