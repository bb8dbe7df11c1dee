"""What the web app computes, cached: one indicator set per (day, as_of, window), views of it.

Every answer is keyed by the store's version as well, so a ``riskoff update`` running beside
the app makes the next request compute on the new data instead of serving the old answer.
The store is only read here (its readers never fail while a writer works); computations run
one at a time behind a lock (the machine's cores are better spent on one indicator set than
on several copies of it), while answers already cached are served without waiting.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import asdict
from datetime import date, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

import pandas as pd

from riskoff.errors import CatalogError, DataError
from riskoff.inputs import check_k, check_window, parse_date

if TYPE_CHECKING:
    from riskoff.diagnosis.result import Diagnosis
    from riskoff.indicators import IndicatorSet
    from riskoff.store import Store

__all__ = ["MAX_VIEWS", "Bounded", "Service", "jsonable"]

T = TypeVar("T")
MAX_SETS = 6  # indicator sets are ~10-30 MB each; views of them are small
MAX_VIEWS = 512
MAX_ROWS_DEFAULT_DAYS = 366  # default span of table endpoints: one year up to the end date


def jsonable(value: Any) -> Any:
    """Return ``value`` with NaN/inf as None, enums as strings and numpy scalars as Python."""
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return jsonable(value.item())
    return value


class Bounded:
    """A dict that forgets its oldest entries beyond ``size`` (safe across threads)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        """Return the value of ``key``, or None."""
        return self.items.get(key)

    def put(self, key: Hashable, value: Any) -> None:
        """Keep ``value`` under ``key``, forgetting the oldest entries beyond the size."""
        with self._lock:
            self.items[key] = value
            while len(self.items) > self.size:
                self.items.popitem(last=False)


class Service:
    """The app's computations over one store, cached per store version and parameters.

    Parameters
    ----------
    store : Store
        The store to read (never written).
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._sets = Bounded(MAX_SETS)
        self._views = Bounded(MAX_VIEWS)

    # -- caching -------------------------------------------------------------------------------
    def _memo(self, key: tuple[Hashable, ...], compute: Callable[[], T]) -> T:
        full = (self.store.version(), *key)
        hit = self._views.get(full)
        if hit is not None:
            return hit
        with self._lock:
            hit = self._views.get(full)
            if hit is None:
                hit = compute()
                self._views.put(full, hit)
        return hit

    def indicator_set(self, day: pd.Timestamp, known: date | str, window: int) -> IndicatorSet:
        """Return the indicator set of ``day`` as known on ``known`` (computed once per key)."""
        from riskoff.pipeline import indicator_set

        key = (self.store.version(), day.date().isoformat(), str(known), window)
        hit = self._sets.get(key)
        if hit is None:
            hit = indicator_set(day, as_of=known, window=window, store=self.store)
            self._sets.put(key, hit)
        return hit

    def resolve(
        self, value: str | None, as_of: str | None
    ) -> tuple[date | None, pd.Timestamp, Any]:
        """Return the requested date, the trading day described and the knowledge date."""
        from riskoff.pipeline import resolve_as_of, resolve_day

        resolved = resolve_day(value, store=self.store)
        requested = resolved.requested if value is not None else None
        return requested, resolved.day, resolve_as_of(as_of, resolved.day)

    def latest(self) -> pd.Timestamp:
        """The store's latest close."""
        from riskoff.pipeline import latest_close

        return latest_close(self.store)

    # -- views ---------------------------------------------------------------------------------
    def diagnosis(self, value: str | None, as_of: str | None, window: int) -> dict[str, Any]:
        """The diagnosis of a date as a JSON-ready dict (see ``DiagnosisOut``)."""
        from riskoff.pipeline import resolve_day

        window = check_window(window)
        _, day, known = self.resolve(value, as_of)
        note = resolve_day(value, store=self.store).note if value is not None else ""
        requested = value if value is not None else day.date().isoformat()

        def compute() -> dict[str, Any]:
            from riskoff.diagnosis.diagnose import diagnose_from

            result = self.indicator_set(day, known, window)
            diagnosis = diagnose_from(result, day)
            out = jsonable(asdict(diagnosis))
            out["as_of"] = out.get("as_of") or str(known)
            out["key_numbers"] = key_numbers(diagnosis)
            out["brief_url"] = f"/brief/{day.date().isoformat()}?window={window}"
            return out

        body = self._memo(("diagnosis", day.date().isoformat(), str(known), window), compute)
        return {**body, "requested": str(requested), "note": note}

    def indicators(
        self,
        start: str | None,
        end: str | None,
        as_of: str | None,
        window: int,
        columns: list[str] | None,
    ) -> tuple[pd.DataFrame, dict[str, Any]]:
        """The indicator table's rows from ``start`` to ``end`` and what they describe."""
        window = check_window(window)
        _, day, known = self.resolve(end, as_of)
        first = self._start(start, day)
        table = self.indicator_set(day, known, window).table.loc[pd.Timestamp(first) :]
        if columns:
            unknown = [c for c in columns if c not in table.columns]
            if unknown:
                raise CatalogError(
                    f"columns: unknown indicator {unknown[0][:40]!r} "
                    f"(known: {', '.join(map(str, table.columns[:8]))} ...)"
                )
            table = table[columns]
        meta = {
            "start": first.isoformat(),
            "end": day.date().isoformat(),
            "as_of": str(known),
            "window": window,
        }
        return table, meta

    def series(
        self, series_id: str, start: str | None, end: str | None, as_of: str | None
    ) -> dict[str, Any]:
        """One stored series, newest vintage known on ``as_of`` (default: everything)."""
        from riskoff.pipeline import series_values

        first = parse_date(start, "start") if start is not None else None
        last = parse_date(end, "end") if end is not None else None
        if first is not None and last is not None and first > last:
            raise DataError(f"start: {first} is after end {last}")
        known = parse_date(as_of, "as_of").isoformat() if as_of not in (None, "latest") else None

        def compute() -> tuple[Any, pd.Series]:
            return series_values(series_id, as_of=known, store=self.store)

        spec, values = self._memo(("series", series_id, known), compute)
        values = values.loc[
            pd.Timestamp(first) if first else None : pd.Timestamp(last) if last else None
        ]
        return {
            "id": spec.id,
            "name": spec.name,
            "unit": spec.unit,
            "frequency": spec.frequency,
            "source": spec.source,
            "as_of": known or "latest",
            "dates": [d.date().isoformat() for d in pd.to_datetime(values.index)],
            "values": jsonable(values.astype(float).tolist()),
        }

    def stress(
        self, start: str | None, end: str | None, as_of: str | None, window: int
    ) -> dict[str, Any]:
        """The stress index from ``start`` to ``end`` and its contributions on ``end``."""
        window = check_window(window)
        _, day, known = self.resolve(end, as_of)
        first = self._start(start, day, default_days=None)

        def compute() -> dict[str, Any]:
            result = self.indicator_set(day, known, window)
            column = result.table["stress_index"].dropna()
            row = result.contributions.loc[day]
            return {
                "dates": [d.date().isoformat() for d in column.index],
                "values": jsonable(column.tolist()),
                "contributions": jsonable({str(k): float(v) for k, v in row.items()}),
            }

        full = self._memo(("stress", day.date().isoformat(), str(known), window), compute)
        begin = first.isoformat() if first else ""
        cut = next((i for i, d in enumerate(full["dates"]) if d >= begin), len(full["dates"]))
        return {
            "series": "stress_index",
            "start": full["dates"][cut] if cut < len(full["dates"]) else begin,
            "end": day.date().isoformat(),
            "as_of": str(known),
            "window": window,
            "dates": full["dates"][cut:],
            "values": full["values"][cut:],
            "contributions": full["contributions"],
        }

    def analogs(self, value: str | None, as_of: str | None, k: int, window: int) -> dict[str, Any]:
        """The closest labelled episodes and past windows to a day."""
        window, k = check_window(window), check_k(k)
        _, day, known = self.resolve(value, as_of)

        def compute() -> dict[str, Any]:
            from riskoff.diagnosis.analogs import episode_analogs, path_analogs

            result = self.indicator_set(day, known, window)
            return {
                "date": day.date().isoformat(),
                "as_of": str(known),
                "window": window,
                "k": k,
                "episodes": jsonable(episode_analogs(result, day, k)),
                "paths": jsonable(path_analogs(result, day, k)),
            }

        return self._memo(("analogs", day.date().isoformat(), str(known), window, k), compute)

    def timeline(self, start: str | None, end: str | None, window: int) -> dict[str, Any]:
        """The crash type of every business day from ``start`` (default: a year before end)."""
        from riskoff.inputs import LATEST

        window = check_window(window)
        _, day, _ = self.resolve(end, None)
        first = self._start(start, day)

        def compute() -> dict[str, Any]:
            from riskoff.diagnosis.timeline import timeline

            result = self.indicator_set(day, LATEST, window)
            frame = timeline(result, start=pd.Timestamp(first), end=day)
            days = [
                {
                    "date": pd.Timestamp(row.date).date().isoformat(),
                    "crash_type": row.crash_type,
                    "severity": row.severity,
                    "market_severity": row.market_severity,
                    "epicenters": [e for e in str(row.epicenters).split(";") if e],
                    "confidence": jsonable(float(row.confidence)),
                }
                for row in frame.itertuples(index=False)
            ]
            return {
                "start": first.isoformat(),
                "end": day.date().isoformat(),
                "window": window,
                "note": "every day read from the data in the store now: prices exactly point "
                "in time, series published with a lag (the broad dollar, SOFR) with up to a "
                "week of hindsight",
                "days": days,
            }

        return self._memo(("timeline", first.isoformat(), day.date().isoformat(), window), compute)

    def verify(
        self, text: str, value: str | None, as_of: str | None, window: int
    ) -> dict[str, Any]:
        """Check the claims TOML ``text`` against the data of a date."""
        from riskoff.claims import Readings, check_claims, parse_claims

        window = check_window(window)
        claims = parse_claims(text, "claims")
        _, day, known = self.resolve(value, as_of)
        with self._lock:
            from riskoff.diagnosis.diagnose import diagnose_from

            result = self.indicator_set(day, known, window)
            readings = Readings(result, diagnose_from(result, day, analogs_k=0), day)
            checks = check_claims(claims, readings)
        return {
            "date": day.date().isoformat(),
            "as_of": str(known),
            "window": window,
            "title": claims.title,
            "source": claims.source,
            "claims": jsonable([c.to_dict() for c in checks]),
        }

    def episodes(self) -> list[dict[str, Any]]:
        """The labelled episodes of the bundled library."""
        from riskoff.diagnosis.episodes import load_episodes

        return [jsonable(asdict(e)) for e in load_episodes()]

    def health(self) -> dict[str, Any]:
        """The store's status: latest close, staleness, last date per source."""
        from riskoff import __version__, config
        from riskoff.catalog import load_catalog
        from riskoff.freshness import data_age

        def compute() -> dict[str, Any]:
            info = self.store.info()
            catalog = load_catalog()
            last: dict[str, tuple[int, str]] = {}
            for series_id, row in info.iterrows():
                spec = catalog.get(str(series_id))
                source = spec.source if spec is not None else "user"
                day = pd.Timestamp(row["last_date"]).date().isoformat()
                count, newest = last.get(source, (0, ""))
                last[source] = (count + 1, max(newest, day))
            return {
                "sources": [
                    {"source": s, "series": n, "last_date": d} for s, (n, d) in sorted(last.items())
                ]
            }

        body = self._memo(("health",), compute)
        latest = self.latest().date()
        age = data_age(latest, config.today())
        return {
            "status": "stale" if age.stale else "ok",
            "version": __version__,
            "latest_close": latest.isoformat(),
            "today": age.today.isoformat(),
            "business_days_old": age.business_days,
            "stale": age.stale,
            "staleness": age.describe(),
            **body,
        }

    def brief_html(self, value: str, window: int) -> tuple[str, str]:
        """The brief of a date as HTML (plotly.js left out; see ``riskoff.web.brief``)."""
        from riskoff.web.brief import served_brief

        window = check_window(window)
        _, day, known = self.resolve(value, None)

        def compute() -> tuple[str, str]:
            from riskoff.diagnosis.diagnose import diagnose_from
            from riskoff.pipeline import resolve_day, staleness_notice
            from riskoff.report.render import render_html, report_from

            result = self.indicator_set(day, known, window)
            notices = [resolve_day(value, store=self.store).note, staleness_notice(self.store)]
            report = report_from(
                result, diagnose_from(result, day), day, notices=[n for n in notices if n]
            )
            return served_brief(render_html(report, compress_js=False))

        return self._memo(("brief", value, window), compute)

    # -- helpers -------------------------------------------------------------------------------
    @staticmethod
    def _start(
        start: str | None, day: pd.Timestamp, default_days: int | None = MAX_ROWS_DEFAULT_DAYS
    ) -> date:
        end = day.date()
        if start is None:
            return end - timedelta(days=default_days) if default_days else date(1900, 1, 1)
        first = parse_date(start, "start")
        if first > end:
            raise DataError(f"start: {first} is after end {end}")
        return first


def key_numbers(d: Diagnosis) -> list[dict[str, Any]]:
    """The dashboard's headline numbers, each with its observation date, window and series."""
    out: list[dict[str, Any]] = []

    def add(
        label: str, value: Any, text: str, unit: str, observed: str, window: Any, series: str
    ) -> None:
        out.append(
            {
                "label": label,
                "value": jsonable(value),
                "text": text,
                "unit": unit,
                "observed": observed,
                "window": window,
                "series": series,
            }
        )

    def known(v: Any) -> bool:
        return isinstance(v, int | float) and math.isfinite(v)

    if known(d.stress_index):
        pct = (
            f" (higher than on {d.stress_percentile:.0%} of past days)"
            if known(d.stress_percentile)
            else ""
        )
        add(
            "Stress index",
            d.stress_index,
            f"{d.stress_index:.2f}{pct}",
            "index",
            d.date,
            None,
            "stress_index",
        )
    sofr = d.indicators.get("sofr_iorb_bp")
    if known(sofr):
        add(
            "SOFR − IORB",
            sofr,
            f"{sofr:+.0f} bp",
            "bp",
            d.observed.get("sofr_iorb_bp", d.date),
            None,
            "sofr_iorb_bp (SOFR, IORB)",
        )
    equities = next((m for m in d.returns if m.asset_class == "us_equities"), None)
    if equities is not None and known(equities.move_pct):
        add(
            "US equities",
            equities.move_pct,
            f"{equities.move_pct:+.1f}%",
            "%",
            equities.end,
            d.window,
            f"{equities.proxy} ({equities.start} to {equities.end})",
        )
    if known(d.breadth):
        add(
            "Breadth",
            d.breadth,
            f"{d.breadth:.0%} of asset classes fell",
            "share",
            d.date,
            d.window,
            "breadth",
        )
    vix = d.indicators.get("vix_level")
    if known(vix):
        add("VIX", vix, f"{vix:.1f}", "index", d.observed.get("vix_level", d.date), None, "VIXCLS")
    if d.dollar is not None and known(d.dollar.move_pct):
        add(
            "US dollar",
            d.dollar.move_pct,
            f"{d.dollar.move_pct:+.1f}%",
            "%",
            d.dollar.end,
            d.window,
            f"{d.dollar.series} ({d.dollar.start} to {d.dollar.end})",
        )
    add(
        "Funding",
        None,
        str(d.funding_state),
        "state",
        d.observed.get("sofr_iorb_bp", d.date),
        None,
        "funding_state",
    )
    add(
        "Safe havens",
        None,
        d.safe_haven_text or str(d.safe_haven_verdict),
        "verdict",
        d.date,
        d.window,
        "safe_haven_failure",
    )
    return out
