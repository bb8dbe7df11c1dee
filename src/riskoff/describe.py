"""Plain summaries of single series: latest value, recent changes, percentile in history.

``summarize_values`` is a pure function of a series' values; ``summarize`` reads them through
:mod:`riskoff.pipeline`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import pandas as pd

from riskoff.formatting import percentile_in

if TYPE_CHECKING:
    from riskoff.catalog import SeriesSpec
    from riskoff.store import Store

KEY_SERIES = (
    "SOFR",
    "IORB",
    "EFFR",
    "DGS10",
    "DGS30",
    "MORTGAGE30US",
    "WRESBAL",
    "RRPONTSYD",
    "SPY",
    "QQQ",
    "GOLD_LBMA_PM",
    "DCOILWTICO",
    "DTWEXBGS",
    "USDJPY",
    "BTC-USD",
    "VIXCLS",
    "BAMLH0A0HYM2",
)
# Units whose changes read best as differences (in the same unit) rather than percentages.
_LEVEL_UNITS = ("percent", "percentage points", "index (0 = normal)", "index (std. dev.")
_HORIZONS = {"1w": 7, "1m": 30, "1y": 365}


@dataclass(frozen=True)
class SeriesSummary:
    """The latest known value of a series and how it moved."""

    series_id: str
    name: str
    unit: str
    last_date: date | None
    value: float | None
    changes: dict[str, float | None]
    change_unit: str
    percentile: float | None
    history_start: date | None

    def to_dict(self) -> dict[str, object]:
        """Return a JSON-ready dict."""
        out = asdict(self)
        for key in ("last_date", "history_start"):
            out[key] = out[key].isoformat() if out[key] else None
        return out


def summarize(series_id: str, as_of: Any = None, store: Store | None = None) -> SeriesSummary:
    """Summarise one series as known at the end of ``as_of``.

    Parameters
    ----------
    series_id : str
        Catalog (or user) series id.
    as_of : date-like or "latest", optional
        Knowledge date (default: everything in the store).
    store : Store, optional
        The store to read.

    Returns
    -------
    SeriesSummary
        Last value and its date, changes over 1 week / 1 month / 1 year (differences for rates
        and spreads, percent changes for prices and quantities), and the percentile of the last
        value among all values up to it.
    """
    from riskoff.pipeline import series_values

    spec, values = series_values(series_id, as_of=as_of, store=store)
    return summarize_values(spec, values)


def summarize_values(spec: SeriesSpec, values: pd.Series) -> SeriesSummary:
    """Summarise the values of the series ``spec`` (see :func:`summarize`)."""
    series_id = spec.id
    values = values.dropna()
    level = spec.unit.startswith(_LEVEL_UNITS)
    change_unit = ("pp" if spec.unit.startswith("percent") else spec.unit) if level else "%"
    if values.empty:
        return SeriesSummary(
            series_id,
            spec.name,
            spec.unit,
            None,
            None,
            dict.fromkeys(_HORIZONS),
            change_unit,
            None,
            None,
        )
    last_day, last = values.index[-1], float(values.iloc[-1])
    changes: dict[str, float | None] = {}
    for label, days in _HORIZONS.items():
        past = values.loc[: last_day - pd.Timedelta(days=days)]
        if past.empty:
            changes[label] = None
            continue
        before = float(past.iloc[-1])
        if level:
            changes[label] = last - before
        else:
            changes[label] = (last / before - 1.0) * 100.0 if before else None
    percentile = percentile_in(values.to_numpy(), last)
    return SeriesSummary(
        series_id=series_id,
        name=spec.name,
        unit=spec.unit,
        last_date=last_day.date(),
        value=last,
        changes=changes,
        change_unit=change_unit,
        percentile=percentile,
        history_start=values.index[0].date(),
    )
