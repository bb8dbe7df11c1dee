"""The macro backdrop: what the official US data said, as they were knowable on each day.

Pure functions of the point-in-time panel. Monthly series sit in the panel on the first
business day of their month and weekly claims on the Monday after their week; each
observation is read back from there, dated by its release day (the catalog's release calendar,
see :mod:`riskoff.releases`), and a measure's value on a day is the one computed from the
releases out by then. The history behind a percentile is therefore point-in-time in its timing;
its values are the vintages the store holds (latest vintages for the bundled history).

A month that was never published (October 2025's household survey) reads as the month before,
because the panel carries values forward.

Measures (column names carry units):

``payrolls_3m_avg_k``           nonfarm payroll change, 3-month average, thousands a month
``sahm_gap_pp``                 3-month average unemployment minus its low of the prior 12 months
``unemployment_rate_pct``       the unemployment rate
``claims_4wk_avg_k``            initial claims, 4-week average, thousands
``claims_vs_52w_low_pct``       that average against its 52-week low, percent above
``indpro_yoy_pct``              industrial production, year on year
``real_retail_sales_yoy_pct``   retail sales deflated by CPI, year on year
``core_pce_3m_ann_pct``         core PCE prices, 3-month annualised
``core_pce_yoy_pct``            core PCE prices, year on year
``cpi_yoy_pct``                 CPI, year on year
``consumer_sentiment``          University of Michigan index
``term_premium_10y_pct``        ACM 10-year term premium
``term_premium_3m_change_bp``   its change over 63 business days, bp
``ust30y_pct``                  30-year Treasury yield
``curve_2s30s_bp``              30-year minus 2-year yield, bp
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

from riskoff.catalog import load_catalog
from riskoff.errors import CatalogError
from riskoff.releases import public_dates
from riskoff.vocabulary import MacroVerdict

__all__ = [
    "MACRO_SERIES",
    "MEASURES",
    "STATES",
    "FiscalCheck",
    "MacroBackdrop",
    "MacroReading",
    "MacroRule",
    "bundled_through",
    "fiscal_check",
    "fiscal_worry",
    "load_rules",
    "macro_backdrop",
    "macro_evidence",
    "macro_frame",
    "macro_readings",
    "macro_verdict",
]

MONTHLY = ("PAYEMS", "UNRATE", "INDPRO", "RSAFS", "CPIAUCSL", "PCEPILFE", "UMCSENT")
MACRO_SERIES = (*MONTHLY, "ICSA", "ACMTP10", "DGS30", "DGS2")
STATES = ("strong", "steady", "softening", "contracting")
# Which series each measure is computed from (named with every number in the brief).
SOURCES = {
    "payrolls_3m_avg_k": "PAYEMS",
    "sahm_gap_pp": "UNRATE",
    "unemployment_rate_pct": "UNRATE",
    "claims_4wk_avg_k": "ICSA",
    "claims_vs_52w_low_pct": "ICSA",
    "indpro_yoy_pct": "INDPRO",
    "real_retail_sales_yoy_pct": "RSAFS/CPIAUCSL",
    "core_pce_3m_ann_pct": "PCEPILFE",
    "core_pce_yoy_pct": "PCEPILFE",
    "cpi_yoy_pct": "CPIAUCSL",
    "consumer_sentiment": "UMCSENT",
    "term_premium_10y_pct": "ACMTP10",
    "term_premium_3m_change_bp": "ACMTP10",
    "ust30y_pct": "DGS30",
    "curve_2s30s_bp": "DGS30-DGS2",
}
MEASURES = tuple(SOURCES)
DAILY_MEASURES = frozenset(
    {"term_premium_10y_pct", "term_premium_3m_change_bp", "ust30y_pct", "curve_2s30s_bp"}
)
UNSIGNED = frozenset(
    {"unemployment_rate_pct", "claims_4wk_avg_k", "consumer_sentiment", "ust30y_pct"}
)
_CARRY_BDAYS = 80  # a release is read until the next one, at most ~4 months (a skipped month)
_TP_CHANGE_BDAYS = 63  # three months of business days


@dataclass(frozen=True)
class MacroRule:
    """Cut-offs of one measure's state (see ``macro_rules.toml``)."""

    name: str
    label: str
    unit: str
    higher_is_stronger: bool
    strong: float
    steady: float
    softening: float
    verdict: bool

    def state(self, value: float) -> str:
        """Return ``strong``, ``steady``, ``softening`` or ``contracting`` (``""`` for NaN)."""
        if not np.isfinite(value):
            return ""
        sign = 1.0 if self.higher_is_stronger else -1.0
        for word, cut in zip(STATES[:3], (self.strong, self.steady, self.softening), strict=True):
            if sign * value >= sign * cut:
                return word
        return STATES[3]


def _rule_text() -> str:
    return resources.files("riskoff.indicators").joinpath("macro_rules.toml").read_text("utf-8")


@cache
def fiscal_thresholds() -> dict[str, float]:
    """The minimum moves of the fiscal-worry pattern (``[fiscal_worry]`` of the rule file)."""
    table = tomllib.loads(_rule_text()).get("fiscal_worry", {})
    names = ("term_premium_bp", "long_yield_bp", "dollar_fall_pct", "gold_rise_pct")
    missing = [n for n in names if n not in table]
    if missing:
        raise CatalogError(f"macro_rules.toml: [fiscal_worry] lacks {missing}")
    return {n: float(table[n]) for n in names}


@cache
def soft_measures() -> frozenset[str]:
    """Survey measures that count in the verdict's score but cannot veto ``strong``."""
    soft = frozenset(tomllib.loads(_rule_text()).get("verdict", {}).get("soft", []))
    unknown = soft - set(SOURCES)
    if unknown:
        raise CatalogError(f"macro_rules.toml: [verdict] soft names unknown {sorted(unknown)}")
    return soft


@cache
def load_rules() -> dict[str, MacroRule]:
    """Read and validate ``macro_rules.toml`` once.

    Raises
    ------
    CatalogError
        On an unknown or missing measure, a missing field or cut-offs out of order.
    """
    rules: dict[str, MacroRule] = {}
    for table in tomllib.loads(_rule_text()).get("measure", []):
        try:
            rule = MacroRule(
                name=str(table["name"]),
                label=str(table["label"]),
                unit=str(table["unit"]),
                higher_is_stronger=bool(table["higher_is_stronger"]),
                strong=float(table["strong"]),
                steady=float(table["steady"]),
                softening=float(table["softening"]),
                verdict=bool(table["verdict"]),
            )
        except KeyError as exc:
            raise CatalogError(f"macro_rules.toml: {table.get('name', '?')} lacks {exc}") from exc
        if rule.name not in SOURCES:
            raise CatalogError(f"macro_rules.toml: unknown measure {rule.name!r}")
        cuts = [rule.strong, rule.steady, rule.softening]
        if cuts != sorted(cuts, reverse=rule.higher_is_stronger):
            raise CatalogError(f"macro_rules.toml: {rule.name}: cut-offs out of order")
        rules[rule.name] = rule
    missing = set(SOURCES) - set(rules)
    if missing:
        raise CatalogError(f"macro_rules.toml lacks {sorted(missing)}")
    fiscal_thresholds()
    soft_measures()
    return rules


# -- observations back from the panel ---------------------------------------------------------
def _column(panel: pd.DataFrame, sid: str) -> pd.Series:
    if sid in panel:
        return panel[sid].astype(float)
    return pd.Series(np.nan, index=panel.index, dtype=float)


def _month_numbers(index: pd.DatetimeIndex) -> np.ndarray:
    """Months since January 1970 (calendar arithmetic without pandas' slow frequencies)."""
    return np.asarray(index.year * 12 + index.month - 1 - 1970 * 12, dtype=np.int64)


def _month_starts(numbers: np.ndarray) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(
        np.asarray(numbers, dtype=np.int64).astype("datetime64[M]").astype("datetime64[ns]")
    )


def _regular(values: pd.Series, step: int = 1) -> pd.Series:
    """Re-index an integer-indexed series on every step from its first to its last key."""
    if values.empty:
        return values
    keys = values.index.to_numpy()
    return values.reindex(np.arange(keys.min(), keys.max() + 1, step))


def _monthly(panel: pd.DataFrame, sid: str) -> pd.Series:
    """One value per month, keyed by month number, released by the panel's end."""
    col = _column(panel, sid)
    if col.empty:
        return pd.Series(dtype=float)
    months = _month_numbers(col.index)
    first = np.r_[True, months[1:] != months[:-1]]
    spec = load_catalog()[sid]
    public = public_dates(
        _month_starts(months[first]), spec.release_rule, spec.publication_lag_days
    )
    values = pd.Series(col.to_numpy()[first], index=months[first])
    keep = (public <= col.index[-1]) & values.notna().to_numpy()
    return _regular(values[keep])


def _weekly_claims(panel: pd.DataFrame) -> pd.Series:
    """Weekly claims keyed by the day number of the Saturday ending their week."""
    col = _column(panel, "ICSA")
    if col.empty:
        return pd.Series(dtype=float)
    mondays = col[col.index.day_of_week == 0]
    saturdays = mondays.index - pd.Timedelta(days=2)
    spec = load_catalog()["ICSA"]
    public = public_dates(saturdays, spec.release_rule, spec.publication_lag_days)
    days = (saturdays.to_numpy().astype("datetime64[D]")).astype(np.int64)
    values = pd.Series(mondays.to_numpy(), index=days)
    keep = (public <= col.index[-1]) & values.notna().to_numpy()
    return _regular(values[keep], 7)


def _observed(keys: pd.Index, sid: str) -> pd.DatetimeIndex:
    """The observation dates of integer keys (months, or days for the weekly claims)."""
    numbers = keys.to_numpy().astype(np.int64)
    if sid == "ICSA":
        return pd.DatetimeIndex(numbers.astype("datetime64[D]").astype("datetime64[ns]"))
    return _month_starts(numbers)


def _released(values: pd.Series, sid: str) -> pd.DataFrame:
    """Observation-keyed values with their observation date, by release day (a business day)."""
    values = values.dropna()
    spec = load_catalog()[sid]
    observed = _observed(values.index, sid)
    public = public_dates(observed, spec.release_rule, spec.publication_lag_days)
    days = np.busday_offset(public.values.astype("datetime64[D]"), 0, roll="forward")
    out = pd.DataFrame(
        {"value": values.to_numpy(), "observed": observed},
        index=pd.DatetimeIndex(days.astype("datetime64[ns]")),
    )
    return out[~out.index.duplicated(keep="last")]


def _observation_measures(panel: pd.DataFrame) -> dict[str, tuple[pd.Series, str]]:
    """Each slow measure keyed by observation (month or week), with the series dating it."""
    payems, unrate = _monthly(panel, "PAYEMS"), _monthly(panel, "UNRATE")
    indpro, rsafs = _monthly(panel, "INDPRO"), _monthly(panel, "RSAFS")
    cpi, pce = _monthly(panel, "CPIAUCSL"), _monthly(panel, "PCEPILFE")
    umc = _monthly(panel, "UMCSENT")
    claims = _weekly_claims(panel)

    def yoy(s: pd.Series) -> pd.Series:
        return 100.0 * (s / s.shift(12) - 1.0)

    smooth = unrate.rolling(3).mean()
    # The Sahm rule: the 3-month average against its low over the previous 12 months (the
    # data have one decimal: rounding keeps 0.5 from reading 0.4999).
    sahm = (smooth - smooth.shift(1).rolling(12, min_periods=12).min()).round(2)
    real_sales = rsafs / cpi.reindex(rsafs.index)
    four_week = claims.rolling(4).mean()
    low = four_week.rolling(52, min_periods=26).min()
    return {
        "payrolls_3m_avg_k": (payems.diff().rolling(3).mean(), "PAYEMS"),
        "sahm_gap_pp": (sahm, "UNRATE"),
        "unemployment_rate_pct": (unrate, "UNRATE"),
        "claims_4wk_avg_k": (four_week / 1000.0, "ICSA"),
        "claims_vs_52w_low_pct": (100.0 * (four_week / low - 1.0), "ICSA"),
        "indpro_yoy_pct": (yoy(indpro), "INDPRO"),
        # Retail sales come out after CPI's month: the pair is public on the later release.
        "real_retail_sales_yoy_pct": (yoy(real_sales), "RSAFS"),
        "core_pce_3m_ann_pct": (100.0 * ((pce / pce.shift(3)) ** 4 - 1.0), "PCEPILFE"),
        "core_pce_yoy_pct": (yoy(pce), "PCEPILFE"),
        "cpi_yoy_pct": (yoy(cpi), "CPIAUCSL"),
        "consumer_sentiment": (umc, "UMCSENT"),
    }


def _daily_measures(panel: pd.DataFrame) -> dict[str, pd.Series]:
    tp = _column(panel, "ACMTP10")
    dgs30, dgs2 = _column(panel, "DGS30"), _column(panel, "DGS2")
    return {
        "term_premium_10y_pct": tp,
        "term_premium_3m_change_bp": 100.0 * (tp - tp.shift(_TP_CHANGE_BDAYS)),
        "ust30y_pct": dgs30,
        "curve_2s30s_bp": 100.0 * (dgs30 - dgs2),
    }


def macro_frame(panel: pd.DataFrame) -> pd.DataFrame:
    """Return every macro measure on the panel's business days, as known on each day.

    Parameters
    ----------
    panel : DataFrame
        Business-day panel holding ``MACRO_SERIES`` (missing series give NaN columns).

    Returns
    -------
    DataFrame
        One column per name of ``MEASURES``; a slow measure changes on its release days.
    """
    columns: dict[str, pd.Series] = {}
    for name, (values, sid) in _observation_measures(panel).items():
        released = _released(values, sid)["value"]
        union = panel.index.union(released.index)
        columns[name] = released.reindex(union).ffill(limit=_CARRY_BDAYS).reindex(panel.index)
    columns.update(_daily_measures(panel))
    return pd.DataFrame({name: columns[name] for name in MEASURES}, index=panel.index)


# -- readings on one day ----------------------------------------------------------------------
@dataclass(frozen=True)
class MacroReading:
    """One measure on the described day.

    Attributes
    ----------
    name, label, unit : str
        The measure, its words and unit.
    value : float
        Its value known on the day (NaN when unknown).
    observed : str
        ISO date of the period it describes (the month's first day, the week's Saturday, the
        day); empty when unknown.
    released : str
        ISO date the observation was public (by the release calendar); empty when unknown.
    percentile : float
        Its percentile (0-100): the share of the measure's daily history, as known on each
        day, at or below the value.
    state : str
        ``strong``, ``steady``, ``softening``, ``contracting`` (``""`` when unknown).
    series : str
        The series it is computed from.
    """

    name: str
    label: str
    unit: str
    value: float
    observed: str
    released: str
    percentile: float
    state: str
    series: str


def _percentile(history: pd.Series, value: float) -> float:
    history = history.dropna()
    if not np.isfinite(value) or history.empty:
        return float("nan")
    return float(100.0 * (history.to_numpy() <= value).mean())


def macro_readings(
    panel: pd.DataFrame,
    frame: pd.DataFrame | None = None,
    last_observed: Mapping[str, date] | None = None,
) -> dict[str, MacroReading]:
    """Read every measure on the panel's last day, with dates, percentiles and states.

    Parameters
    ----------
    panel : DataFrame
        Business-day panel holding ``MACRO_SERIES``, knowledge-cut on its last day.
    frame : DataFrame, optional
        :func:`macro_frame` of ``panel`` (computed when not given): the percentile of a value
        is its share of the measure's history as known day by day (the same count as the
        diagnosis's percentiles of its reported indicators).
    last_observed : mapping of str to date, optional
        Each series' last observation date (``IndicatorSet.last_observed``); it dates the
        daily measures, which the panel carries forward over holidays and publication lags.

    Returns
    -------
    dict of str to MacroReading
        Keyed by measure name, in ``MEASURES`` order.
    """
    rules = load_rules()
    out: dict[str, MacroReading] = {}
    if panel.empty:
        return out
    frame = macro_frame(panel) if frame is None else frame.loc[: panel.index[-1]]
    last = panel.index[-1]
    for name, (values, sid) in _observation_measures(panel).items():
        known = _released(values, sid)
        known = known[known.index <= last]
        value, observed, public = float("nan"), "", ""
        # A series that stopped (older than the carry limit) is unknown, not its last value.
        if len(known) and np.busday_count(known.index[-1].date(), last.date()) <= _CARRY_BDAYS:
            value = float(known["value"].iloc[-1])
            observed = known["observed"].iloc[-1].date().isoformat()
            public = known.index[-1].date().isoformat()
        out[name] = _reading(rules[name], value, observed, public, frame[name], SOURCES[name])
    catalog = load_catalog()
    for name in DAILY_MEASURES:
        value = float(frame[name].iloc[-1])
        sids = [sid for sid in SOURCES[name].split("-") if sid in catalog]
        seen = _daily_date(panel, sids, last_observed) if np.isfinite(value) else None
        lag = max(catalog[sid].publication_lag_days for sid in sids)
        public = (seen + pd.Timedelta(days=lag).to_pytimedelta()).isoformat() if seen else ""
        when = seen.isoformat() if seen else ""
        out[name] = _reading(rules[name], value, when, public, frame[name], SOURCES[name])
    return {name: out[name] for name in MEASURES if name in out}


def _daily_date(
    panel: pd.DataFrame, sids: list[str], last_observed: Mapping[str, date] | None
) -> date | None:
    """The oldest of the series' last observation dates (from the store, else the panel)."""
    days: list[date] = []
    for sid in sids:
        if last_observed and sid in last_observed:
            days.append(min(last_observed[sid], panel.index[-1].date()))
            continue
        col = _column(panel, sid).dropna()
        if col.empty:
            return None
        # Without the store's dates: the start of the last run of equal (carried) values.
        changed = np.flatnonzero(np.r_[True, col.to_numpy()[1:] != col.to_numpy()[:-1]])
        days.append(col.index[changed[-1]].date())
    return min(days) if days else None


def _reading(
    rule: MacroRule,
    value: float,
    observed: str,
    released: str,
    history: pd.Series,
    series: str,
) -> MacroReading:
    return MacroReading(
        name=rule.name,
        label=rule.label,
        unit=rule.unit,
        value=value,
        observed=observed,
        released=released,
        percentile=_percentile(history, value),
        state=rule.state(value),
        series=series,
    )


# -- the verdict ------------------------------------------------------------------------------
@dataclass(frozen=True)
class FiscalCheck:
    """The moves of the fiscal-worry check over its window.

    Attributes
    ----------
    start, end : str
        ISO dates of the window's first and last rows.
    term_premium_bp, long_yield_bp : float
        Changes of the ACM 10-year term premium and of the 30-year yield.
    dollar_pct, gold_pct : float
        Changes of the broad dollar and of gold, percent.
    dollar, gold : str
        The series read.
    present : bool
        All four beyond their minimum moves.
    """

    start: str
    end: str
    term_premium_bp: float
    long_yield_bp: float
    dollar_pct: float
    gold_pct: float
    dollar: str
    gold: str
    present: bool


@dataclass(frozen=True)
class MacroBackdrop:
    """The macro verdict of a day with its evidence.

    Attributes
    ----------
    verdict : MacroVerdict
        ``strong``, ``mixed``, ``weakening``, ``recession_signal`` or ``unknown``.
    evidence : tuple of str
        One line per fact behind it, each with its value, period and release date.
    readings : dict of str to MacroReading
        Every measure on the day.
    fiscal_worry : bool
        Term premium and long yields up, the dollar down and gold up over the window.
    fiscal_evidence : str
        The line saying so (empty when the pattern is absent).
    fiscal : FiscalCheck or None
        The moves behind the check (None when a series was missing).
    latest_vintage : bool
        Whether the monthly readings come from the bundled history (latest vintages, revised
        since their first release) rather than from first-release vintages.
    """

    verdict: MacroVerdict
    evidence: tuple[str, ...]
    readings: dict[str, MacroReading]
    fiscal_worry: bool = False
    fiscal_evidence: str = ""
    fiscal: FiscalCheck | None = None
    latest_vintage: bool = True


_SCORE = {"strong": 2, "steady": 1, "softening": -1, "contracting": -2}


def ordinal(n: float) -> str:
    """``1st``, ``2nd``, ``11th``, ``23rd`` for a rounded percentile."""
    k = round(n)
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix}"


def describe_reading(r: MacroReading) -> str:
    """One line: label, value with unit, period, release day, percentile and state."""
    if not np.isfinite(r.value):
        return f"{r.label}: unknown [{r.series}]"
    value = f"{r.value:.1f}" if r.name in UNSIGNED else f"{r.value:+.1f}"
    if r.name in DAILY_MEASURES:
        when = f"on {r.observed}"
        if r.released and r.released != r.observed:
            when += f", published by {r.released}"
    elif r.series == "ICSA":
        when = f"week to {r.observed}, released {r.released}"
    else:
        when = f"{pd.Timestamp(r.observed):%b %Y}, released {r.released}"
    return (
        f"{r.label} {value} {r.unit} ({when}; {ordinal(r.percentile)} percentile of its history; "
        f"{r.state}) [{r.series}]"
    )


def macro_verdict(readings: dict[str, MacroReading]) -> tuple[MacroVerdict, tuple[str, ...]]:
    """Classify the activity data of a day.

    ``recession_signal`` when the Sahm gap reaches 0.5 pp, or payrolls fall on average while
    claims are contracting; otherwise the mean score of the activity measures (strong 2,
    steady 1, softening -1, contracting -2) gives ``strong`` (>= 1 and no hard-data measure
    contracting; surveys cannot veto),
    ``weakening`` (<= -0.5) or ``mixed``. Fewer than three known measures: ``unknown``.

    Returns
    -------
    (MacroVerdict, tuple of str)
        The verdict and the evidence lines, worst readings first.
    """
    rules = load_rules()
    counted = [
        r for r in readings.values() if rules[r.name].verdict and r.state and np.isfinite(r.value)
    ]
    if len(counted) < 3:
        return MacroVerdict.UNKNOWN, ()
    counted.sort(key=lambda r: _SCORE[r.state])
    evidence = tuple(describe_reading(r) for r in counted)
    states = {r.name: r.state for r in counted}
    sahm = readings.get("sahm_gap_pp")
    payrolls = readings.get("payrolls_3m_avg_k")
    if sahm is not None and np.isfinite(sahm.value) and sahm.value >= 0.5:
        return MacroVerdict.RECESSION_SIGNAL, evidence
    if (
        payrolls is not None
        and np.isfinite(payrolls.value)
        and payrolls.value < 0
        and states.get("claims_vs_52w_low_pct") == "contracting"
    ):
        return MacroVerdict.RECESSION_SIGNAL, evidence
    score = float(np.mean([_SCORE[r.state] for r in counted]))
    hard = [state for name, state in states.items() if name not in soft_measures()]
    if score >= 1.0 and "contracting" not in hard:
        return MacroVerdict.STRONG, evidence
    if score <= -0.5:
        return MacroVerdict.WEAKENING, evidence
    return MacroVerdict.MIXED, evidence


def fiscal_check(
    frame: pd.DataFrame, panel: pd.DataFrame, window: int, dollar: str = "DTWEXBGS"
) -> FiscalCheck | None:
    """Measure the "fiscal worry" pattern over the last ``window`` business days.

    The term premium and the 30-year yield up, the broad dollar down and gold up, each by at
    least the ``[fiscal_worry]`` minimum of the rule file.

    Parameters
    ----------
    frame : DataFrame
        :func:`macro_frame`'s output (term premium, 30-year yield).
    panel : DataFrame
        The panel (dollar index and gold).
    window : int
        Business days.
    dollar : str
        The dollar series.

    Returns
    -------
    FiscalCheck or None
        None when a series has no value at either end of the window.
    """
    if len(frame) <= window:
        return None

    def ends(series: pd.Series) -> tuple[float, float]:
        s = series.ffill()
        return float(s.iloc[-window - 1]), float(s.iloc[-1])

    tp0, tp1 = ends(frame["term_premium_10y_pct"])
    y0, y1 = ends(frame["ust30y_pct"])
    usd0, usd1 = ends(_column(panel, dollar))
    gold = next(
        (g for g in ("GOLD_LBMA_PM", "GLD") if g in panel and panel[g].notna().any()), "GLD"
    )
    g0, g1 = ends(_column(panel, gold))
    values = [tp0, tp1, y0, y1, usd0, usd1, g0, g1]
    if not all(np.isfinite(v) for v in values) or usd0 == 0 or g0 == 0:
        return None
    tp, long_end = 100.0 * (tp1 - tp0), 100.0 * (y1 - y0)
    usd, gold_pct = 100.0 * (usd1 / usd0 - 1.0), 100.0 * (g1 / g0 - 1.0)
    cut = fiscal_thresholds()
    present = (
        tp >= cut["term_premium_bp"]
        and long_end >= cut["long_yield_bp"]
        and usd <= -cut["dollar_fall_pct"]
        and gold_pct >= cut["gold_rise_pct"]
    )
    return FiscalCheck(
        start=frame.index[-window - 1].date().isoformat(),
        end=frame.index[-1].date().isoformat(),
        term_premium_bp=tp,
        long_yield_bp=long_end,
        dollar_pct=usd,
        gold_pct=gold_pct,
        dollar=dollar,
        gold=gold,
        present=present,
    )


def fiscal_worry(
    frame: pd.DataFrame, panel: pd.DataFrame, window: int, dollar: str = "DTWEXBGS"
) -> tuple[bool, str]:
    """Whether the fiscal-worry pattern is present, and its evidence line.

    See :func:`fiscal_check`; the line is empty when the pattern is absent.
    """
    check = fiscal_check(frame, panel, window, dollar)
    if check is None or not check.present:
        return False, ""
    return True, (
        f"fiscal worry: over {check.start}..{check.end} the 10-year term premium rose "
        f"{check.term_premium_bp:.0f} bp [ACMTP10], the 30-year yield "
        f"{check.long_yield_bp:.0f} bp [DGS30], the dollar fell {abs(check.dollar_pct):.1f}% "
        f"[{check.dollar}] and gold rose {check.gold_pct:.1f}% [{check.gold}]"
    )


@cache
def bundled_through() -> dict[str, str]:
    """The last date of each series in the bundled snapshot (ISO), from its manifest."""
    import csv as _csv

    text = resources.files("riskoff.datasets").joinpath("MANIFEST.csv").read_text("utf-8")
    return {row["series_id"]: row["last_date"] for row in _csv.DictReader(text.splitlines())}


def macro_backdrop(
    panel: pd.DataFrame,
    frame: pd.DataFrame | None = None,
    window: int = 10,
    last_observed: Mapping[str, date] | None = None,
) -> MacroBackdrop:
    """The macro verdict, its evidence and the fiscal-worry check on the panel's last day.

    Parameters
    ----------
    panel : DataFrame
        Business-day panel holding ``MACRO_SERIES``, knowledge-cut on its last day.
    frame : DataFrame, optional
        :func:`macro_frame` of ``panel`` (computed when not given).
    window : int
        Business days of the fiscal-worry check.
    last_observed : mapping of str to date, optional
        Each series' last observation date (dates the daily measures).

    Returns
    -------
    MacroBackdrop
    """
    frame = macro_frame(panel) if frame is None else frame
    readings = macro_readings(panel, frame, last_observed=last_observed)
    verdict, evidence = macro_verdict(readings)
    worry, line = fiscal_worry(frame, panel, window)
    through = bundled_through()
    # Readings of months the bundle covers are its latest vintages (revised since released).
    latest = any(
        r.observed and r.observed <= through.get(r.series.split("/")[0], "")
        for r in readings.values()
        if r.name not in DAILY_MEASURES
    )
    return MacroBackdrop(
        verdict,
        evidence,
        readings,
        worry,
        line,
        fiscal_check(frame, panel, window),
        latest,
    )


# -- the verdict in the diagnosis -------------------------------------------------------------
# The series dating each measure in the diagnosis's ``observed`` (its last observation).
OBSERVED_FROM = {name: src.split("/")[0].split("-")[0] for name, src in SOURCES.items()}
_GROWTH_SCARE = frozenset({"flight_to_safety"})
_FISCAL_FITS = frozenset({"rate_shock", "broad_selloff"})


def macro_evidence(backdrop: MacroBackdrop, crash_type: str, day: str) -> list[dict[str, object]]:
    """Claims the macro backdrop adds to a verdict, as ``Evidence`` fields.

    A flight to safety (a growth scare) is supported by weakening data and contradicted by
    strong data; any other sell-off against strong data is said to be one (a liquidity,
    positioning or fiscal story rather than growth). The fiscal-worry pattern supports a rate
    shock or a broad sell-off and contradicts the others (it is the opposite of a dash for
    cash). A calm day gets no claims.

    Parameters
    ----------
    backdrop : MacroBackdrop
        The day's backdrop.
    crash_type : str
        The verdict's crash type (``CrashType`` value).
    day : str
        ISO date of the diagnosis.

    Returns
    -------
    list of dict
        Keys ``claim``, ``value``, ``unit``, ``series``, ``as_of``, ``direction``.
    """
    if crash_type == "calm":
        return []
    out: list[dict[str, object]] = []
    verdict = backdrop.verdict
    payrolls = backdrop.readings.get("payrolls_3m_avg_k")
    anchor = payrolls if payrolls is not None and np.isfinite(payrolls.value) else None
    value = anchor.value if anchor else float("nan")
    as_of = anchor.released if anchor else day
    weak = verdict in (MacroVerdict.WEAKENING, MacroVerdict.RECESSION_SIGNAL)
    words = verdict.value.replace("_", " ")
    detail = f"payrolls {value:+.0f}k a month over 3 months" if anchor else "the data"
    if crash_type in _GROWTH_SCARE and (weak or verdict == MacroVerdict.STRONG):
        out.append(
            {
                "claim": (
                    f"the economic data were {words} ({detail}): a growth scare is backed by them"
                    if weak
                    else f"the economic data were strong ({detail}): a flight to safety against "
                    "strong data, not a growth scare in the numbers"
                ),
                "value": value,
                "unit": "k/month",
                "series": "PAYEMS",
                "as_of": as_of,
                "direction": "supports" if weak else "contradicts",
            }
        )
    elif verdict == MacroVerdict.STRONG:
        out.append(
            {
                "claim": f"a sell-off against strong economic data ({detail}): not a growth "
                "scare in the numbers",
                "value": value,
                "unit": "k/month",
                "series": "PAYEMS",
                "as_of": as_of,
                "direction": "supports",
            }
        )
    elif weak:
        out.append(
            {
                "claim": f"the economic data were {words} ({detail}): growth worries may be "
                "part of the sell-off",
                "value": value,
                "unit": "k/month",
                "series": "PAYEMS",
                "as_of": as_of,
                "direction": "contradicts",
            }
        )
    if backdrop.fiscal_worry:
        tp = backdrop.readings.get("term_premium_10y_pct")
        out.append(
            {
                "claim": backdrop.fiscal_evidence,
                "value": tp.value if tp is not None else float("nan"),
                "unit": "%",
                "series": "ACMTP10, DGS30, DTWEXBGS, gold",
                "as_of": day,
                "direction": "supports" if crash_type in _FISCAL_FITS else "contradicts",
            }
        )
    return out
