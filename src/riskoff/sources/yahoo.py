"""Yahoo Finance daily closes (ETFs, indices, FX, futures) via yfinance, extra ``yahoo``.

Closes are split- and dividend-adjusted, as in the bundled history. The adjustment rewrites
past closes after each dividend, so the overlap window of an update will show such days as
revisions: that is what Yahoo published, and the store keeps both vintages.

By default the data come through yfinance, which handles Yahoo's cookies and crumbs. When
``RISKOFF_YAHOO_URL`` is set, riskoff reads Yahoo's chart API (``/v8/finance/chart/{ticker}``)
directly from that address instead: a mirror, a caching proxy, or a test server.

A bar dated today (exchange time) is left out while the session is open: its close is not
final yet and would otherwise come back tomorrow as a spurious revision.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from riskoff.catalog import SeriesSpec
from riskoff.errors import SourceError
from riskoff.sources.base import (
    HostPolicy,
    HttpSource,
    call_with_retries,
    parse_json,
    tidy,
)

CHART_HOST = "query2.finance.yahoo.com"
# Yahoo answers bursts with 429 and then blocks for minutes: one request at a time, one a second.
POLICY = HostPolicy(max_concurrent=1, min_interval=1.0)


def _exchange_zone(meta: dict[str, Any]) -> timezone | ZoneInfo:
    name = meta.get("exchangeTimezoneName")
    if isinstance(name, str):
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    offset = meta.get("gmtoffset")
    return timezone(timedelta(seconds=int(offset))) if isinstance(offset, int | float) else UTC


def _session_open(meta: dict[str, Any], now: datetime) -> bool:
    """Whether the regular session of the chart's exchange has not closed yet."""
    regular = (meta.get("currentTradingPeriod") or {}).get("regular") or {}
    end = regular.get("end")
    if not isinstance(end, int | float):
        return True  # unknown: assume open, a day late is better than a false close
    return now.timestamp() < float(end)


def parse_chart(
    payload: Any, series: str, scale: float = 1.0, now: datetime | None = None
) -> pd.DataFrame:
    """Parse a Yahoo ``/v8/finance/chart`` document into daily adjusted closes.

    Parameters
    ----------
    payload : object
        The decoded JSON: ``{"chart": {"result": [{"meta", "timestamp", "indicators"}],
        "error": null}}``.
    series : str
        Series id, for messages.
    scale : float
        Native unit to catalog unit.
    now : datetime, optional
        The present (tests); default the clock.

    Returns
    -------
    DataFrame
        ``date`` (exchange-local trading day), ``value`` (adjusted close, else close).

    Raises
    ------
    SourceError
        On a Yahoo error object, a missing result or columns of unequal length.
    """
    chart = payload.get("chart") if isinstance(payload, dict) else None
    if not isinstance(chart, dict):
        raise SourceError("yahoo", series, "the answer has no 'chart' object")
    error = chart.get("error")
    if error:
        code = error.get("code", "error") if isinstance(error, dict) else "error"
        text = error.get("description", "") if isinstance(error, dict) else str(error)
        raise SourceError("yahoo", series, f"Yahoo says {code}: {text}")
    results = chart.get("result")
    if not isinstance(results, list) or not results or not isinstance(results[0], dict):
        raise SourceError("yahoo", series, "the answer has no chart result")
    result = results[0]
    if not isinstance(result.get("indicators"), dict):
        # Even an empty window carries "indicators": without it the layout has changed.
        raise SourceError("yahoo", series, "the chart result has no 'indicators' object")
    meta = result.get("meta") or {}
    stamps = result.get("timestamp") or []
    indicators = result.get("indicators") or {}
    adjclose = (indicators.get("adjclose") or [{}])[0].get("adjclose")
    closes = adjclose if adjclose is not None else (indicators.get("quote") or [{}])[0].get("close")
    if closes is None:
        closes = [] if not stamps else None
    if closes is None or len(closes) != len(stamps):
        raise SourceError(
            "yahoo",
            series,
            f"{len(stamps)} timestamps but "
            f"{'no' if closes is None else len(closes)} closes (truncated answer?)",
        )
    zone = _exchange_zone(meta)
    now = now or datetime.now(UTC)
    today = now.astimezone(zone).date()
    drop_today = _session_open(meta, now)
    rows: list[tuple[int, object, object]] = []
    for i, (stamp, close) in enumerate(zip(stamps, closes, strict=True), start=1):
        day = datetime.fromtimestamp(int(stamp), tz=zone).date()
        if day > today or (day == today and drop_today):
            continue
        rows.append((i, day.isoformat(), close))
    return tidy(rows, "yahoo", series, scale=scale, label="bar")


def frame_from_history(
    history: pd.DataFrame, series: str, scale: float = 1.0, today: date | None = None
) -> pd.DataFrame:
    """Turn a ``yfinance`` history frame (tz-aware index, ``Close``) into ``date``, ``value``.

    A bar dated ``today`` (exchange time) is left out: its close is not final yet.
    """
    if history is None or history.empty:
        return tidy([], "yahoo", series)
    if "Close" not in history.columns:
        raise SourceError("yahoo", series, f"yfinance returned no Close column: {list(history)}")
    index = pd.DatetimeIndex(history.index)
    local = index.tz_localize(None) if index.tz is not None else index
    if today is None:
        zone = index.tz or UTC
        today = datetime.now(zone).date()
    rows: list[tuple[int, object, object]] = []
    for i, (stamp, close) in enumerate(zip(local, history["Close"], strict=True), start=1):
        if stamp.date() >= today:
            continue
        rows.append((i, stamp.date().isoformat(), close))
    return tidy(rows, "yahoo", series, scale=scale, label="bar")


def _retryable(exc: Exception) -> bool:
    name = type(exc).__name__
    return "RateLimit" in name or "Timeout" in name or isinstance(exc, ConnectionError | OSError)


class YahooSource(HttpSource):
    """Yahoo Finance for catalog entries with ``source = "yahoo"`` (needs the ``yahoo`` extra).

    Parameters
    ----------
    client : HttpClient, optional
        Default: the shared client.
    """

    name = "yahoo"

    def fetch(self, spec: SeriesSpec, start: date, end: date) -> pd.DataFrame:
        """Return ``spec``'s adjusted daily closes in ``[start, end]``."""
        mirror = os.environ.get("RISKOFF_YAHOO_URL")
        if mirror:
            return self._fetch_chart(mirror.rstrip("/"), spec, start, end)
        return self._fetch_yfinance(spec, start, end)

    def _fetch_chart(self, root: str, spec: SeriesSpec, start: date, end: date) -> pd.DataFrame:
        period1 = int(datetime.combine(start, datetime.min.time(), UTC).timestamp())
        period2 = int(
            datetime.combine(end + timedelta(days=1), datetime.min.time(), UTC).timestamp()
        )
        params = {
            "period1": str(period1),
            "period2": str(period2),
            "interval": "1d",
            "events": "div,split",
            "includeAdjustedClose": "true",
        }
        response = self.client.get(
            f"{root}/v8/finance/chart/{spec.native_id}",
            source=self.name,
            series=spec.id,
            params=params,
            policy=POLICY,
        )
        return parse_chart(parse_json(response, self.name, spec.id), spec.id, spec.scale)

    def _fetch_yfinance(self, spec: SeriesSpec, start: date, end: date) -> pd.DataFrame:
        import yfinance as yf

        def download() -> pd.DataFrame:
            with self.client.gate(CHART_HOST, POLICY).hold():
                ticker = yf.Ticker(spec.native_id)
                # yfinance's end is exclusive.
                return ticker.history(
                    start=start.isoformat(),
                    end=(end + timedelta(days=1)).isoformat(),
                    interval="1d",
                    auto_adjust=True,
                    actions=False,
                    raise_errors=True,
                )

        history = call_with_retries(
            download, source=self.name, series=spec.id, retryable=_retryable, host=CHART_HOST
        )
        return frame_from_history(history, spec.id, spec.scale)
