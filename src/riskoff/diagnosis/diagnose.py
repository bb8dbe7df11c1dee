"""``diagnose()``: the full diagnosis of one date, from data knowable on that date."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from riskoff.diagnosis.classify import Verdict, classify, safe_haven_reading
from riskoff.diagnosis.features import EPICENTER_CLASSES, day_features, epicenter_shocks
from riskoff.diagnosis.result import (
    AssetMove,
    Diagnosis,
    DollarReading,
    EpicenterMove,
    Evidence,
    Trigger,
)
from riskoff.diagnosis.rules import Rules, load_rules
from riskoff.indicators import IndicatorSet
from riskoff.indicators.basket import CLASS_LABELS, basket_proxies
from riskoff.indicators.macro import MEASURES as MACRO_MEASURES
from riskoff.indicators.macro import OBSERVED_FROM as MACRO_OBSERVED_FROM
from riskoff.indicators.macro import macro_backdrop, macro_evidence
from riskoff.vocabulary import CrashType, FundingState, SafeHavenVerdict, Severity

# (column of the move, column of its z, label, unit, series) for the ranked triggers.
TRIGGERS = (
    ("oil_move_pct", "oil_move_z", "Oil", "%", "DCOILWTICO"),
    ("gold_move_pct", "gold_move_z", "Gold", "%", "GOLD_LBMA_PM"),
    ("dollar_move_pct", "dollar_move_z", "US dollar (broad)", "%", "DTWEXBGS"),
    ("yen_move_pct", "yen_move_z", "Japanese yen", "%", "USDJPY"),
    ("yield_10y_move_bp", "yield_10y_move_z", "10-year Treasury yield", "bp", "DGS10"),
    ("vix_move_pts", "vix_move_z", "VIX", "index points", "VIXCLS"),
    (
        "mag7_vs_equal_weight_pct",
        "mag7_vs_equal_weight_z",
        "MAG7 vs equal-weight S&P 500",
        "pp",
        "MAG7 basket, RSP",
    ),
)
# Indicators reported with the diagnosis, and given a percentile in their own history.
REPORTED = (
    "stress_index",
    "sofr_iorb_bp",
    "effr_iorb_bp",
    "funding_spread_bp",
    "funding_spread_ex_cal_bp",
    "reserves_usd_bn",
    "reserves_chg_13w_usd_bn",
    "reserves_to_fed_assets_pct",
    "fed_assets_usd_bn",
    "qt_pace_usd_bn_per_month",
    "tga_usd_bn",
    "on_rrp_usd_bn",
    "net_liquidity_usd_bn",
    "net_liquidity_chg_4w_usd_bn",
    "yield_10y_pct",
    "yield_30y_pct",
    "mortgage_30y_pct",
    "mortgage_spread_bp",
    "curve_2s10s_bp",
    "hy_oas_pct",
    "vix_level",
    "avg_corr_20d",
    "avg_corr_60d",
    "absorption_ratio",
    "absorption_shift",
    "turbulence",
    "correlation_surprise",
    "breadth",
    "safe_haven_failure",
    "dollar_low_years",
    "dollar_high_years",
    "mag7_vs_equal_weight_1y_pct",
    "mag7_above_200d_pct",
    *MACRO_MEASURES,
)
# Indicators whose observation date is that of a source series (others: the day itself).
OBSERVED_FROM = {
    "sofr_iorb_bp": "SOFR",
    "effr_iorb_bp": "EFFR",
    "funding_spread_bp": "SOFR",
    "funding_spread_ex_cal_bp": "SOFR",
    "reserves_usd_bn": "WRESBAL",
    "reserves_chg_13w_usd_bn": "WRESBAL",
    "reserves_to_fed_assets_pct": "WRESBAL",
    "fed_assets_usd_bn": "WALCL",
    "qt_pace_usd_bn_per_month": "WALCL",
    "tga_usd_bn": "WTREGEN",
    "on_rrp_usd_bn": "RRPONTSYD",
    "net_liquidity_usd_bn": "WALCL",
    "net_liquidity_chg_4w_usd_bn": "WALCL",
    "yield_10y_pct": "DGS10",
    "yield_30y_pct": "DGS30",
    "mortgage_30y_pct": "MORTGAGE30US",
    "mortgage_spread_bp": "MORTGAGE30US",
    "curve_2s10s_bp": "T10Y2Y",
    "hy_oas_pct": "BAMLH0A0HYM2",
    "vix_level": "VIXCLS",
    "dollar_low_years": "DTWEXBGS",
    "dollar_high_years": "DTWEXBGS",
}
OBSERVED_FROM.update(MACRO_OBSERVED_FROM)


def _tail(result: IndicatorSet, day: pd.Timestamp, n: int = 5) -> IndicatorSet:
    """The indicator set's last ``n`` rows up to ``day`` (for one day's epicenters)."""
    from dataclasses import replace

    def cut(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.loc[:day].iloc[-n:]

    return replace(result, table=cut(result.table), move_z=cut(result.move_z),
                   day_z=cut(result.day_z))  # fmt: skip


def _max_stale_rows(sid: str) -> int:
    """Rows a value can be carried at the end of a point-in-time panel: its lag, or a week."""
    from riskoff.catalog import load_catalog

    spec = load_catalog().get(sid)
    if spec is None:
        return 0
    if spec.frequency != "daily":
        return int(spec.ffill_limit)
    return min(int(spec.ffill_limit), math.ceil(spec.publication_lag_days * 5 / 7) + 1)


def _observed_on(result: IndicatorSet, sid: str, day: pd.Timestamp) -> str:
    """ISO observation date of ``sid``'s value on ``day`` ('' when none).

    On the panel's last day the pipeline knows each series' last observation exactly (from the
    store); for an earlier day the value carried forward was observed on the first day of the
    final run of identical values (see ``triggers.stale_tail``).
    """
    panel = result.panel
    if sid not in panel:
        return ""
    exact = result.last_observed.get(sid)
    if exact is not None and day == panel.index[-1]:
        return exact.isoformat() if math.isfinite(panel[sid].iloc[-1]) else ""
    max_back = _max_stale_rows(sid)
    end = int(panel.index.searchsorted(day, side="right"))
    values = panel[sid].to_numpy(dtype=float)[max(0, end - 60) : end]
    valid = np.flatnonzero(~np.isnan(values))
    if not len(valid):
        return ""
    last = pos = valid[-1]
    while pos > max(0, last - max_back) and values[pos - 1] == values[pos]:
        pos -= 1
    return panel.index[max(0, end - 60) + pos].date().isoformat()


def _window_dates(
    result: IndicatorSet, sid: str, day: pd.Timestamp, window: int
) -> tuple[str, str]:
    """Observation dates of the first and last close of a window on ``sid``."""
    end = _observed_on(result, sid, day)
    if not end:
        return "", ""
    # A weekend-dated observation sits on the next business day of the panel.
    pos = int(result.panel.index.searchsorted(pd.Timestamp(end)))
    if pos < window:
        return "", end
    return result.panel.index[pos - window].date().isoformat(), end


def dollar_reading(result: IndicatorSet, day: pd.Timestamp, rules: Rules) -> DollarReading:
    """The broad dollar over the window to ``day`` (extended to the day by the daily proxy).

    Moves are simple percent changes; ``bid`` applies the rule table's bound to the window z or
    half the day z (``dollar_bid_z`` of the indicator table).
    """
    row = result.table.loc[day]
    bid_z = float(row["dollar_bid_z"])
    source = row.get("dollar_source")
    series = str(source) if isinstance(source, str) else "UUP"
    window = result.window
    start, end = _window_dates(result, "DTWEXBGS" if series.startswith("DTWEX") else "UUP", day,
                               window)  # fmt: skip
    if series == "DTWEXBGS+FX proxy":
        # The proxy carries the index to the day itself: the window is the last rows.
        pos = int(result.panel.index.searchsorted(day))
        start = result.panel.index[max(0, pos - window)].date().isoformat()
        end = day.date().isoformat()
    return DollarReading(
        move_pct=float(np.expm1(float(row["dollar_move_pct"]) / 100.0) * 100.0),
        z=float(row["dollar_move_z"]),
        series=series,
        start=start,
        end=end,
        bid=math.isfinite(bid_z) and bid_z >= rules.dollar_bid_z,
        day_pct=float(row["dollar_day_pct"]),
        day_z=float(row["dollar_day_z"]),
    )


# Headlines of the verdict variants (the crash type's own headline is in the rule table).
HEADLINE_VARIANTS = {
    "calm_under_strain": "No new sell-off in the window, but the market is still under strain",
    "liquidity_crunch_havens_held": "A liquidity crunch: indiscriminate selling, a dash for cash",
    "broad_selloff_narrow": "A sell-off that has not spread: few markets beyond US equities fell",
    "broad_selloff_cash_bid": "A broad de-risking: risk assets down across classes, cash in demand",
}


def verdict_key(
    rules: Rules, crash_type: CrashType, severity: Severity, haven: SafeHavenVerdict,
    breadth: float, cash_bid: bool,
) -> str:  # fmt: skip
    """The wording of a verdict: its type, or the variant its own readings call for.

    Calm with a mild or worse market is "still under strain"; a liquidity crunch whose havens
    did not all fail does not say they did; a broad de-risking is "across classes" only when
    breadth reaches the broad rule's bound (a -3% day or a VIX spike alone is a sell-off that
    has not spread), and "without a scramble for cash" only when the dollar was not bid and
    funding spreads did not rise. The headline and the brief both word the verdict by this key.

    Parameters
    ----------
    rules : Rules
        The rule table (for the broad rule's breadth bound).
    crash_type, severity, haven : CrashType, Severity, SafeHavenVerdict
        The verdict's type, its severity and the safe-haven reading of the day.
    breadth : float
        Share of asset classes down more than one sigma (NaN: not known, so not "across").
    cash_bid : bool
        The broad dollar was bid or funding spreads rose.

    Returns
    -------
    str
        A key of ``HEADLINE_VARIANTS`` and of the brief's phrases, or the crash type's value.
    """
    if crash_type == CrashType.CALM and severity.rank >= Severity.MILD.rank:
        return "calm_under_strain"
    if crash_type == CrashType.LIQUIDITY_CRUNCH and haven != SafeHavenVerdict.FAILED:
        return "liquidity_crunch_havens_held"
    if crash_type == CrashType.BROAD_SELLOFF:
        wide = next(c.weak for c in rules.rule(crash_type).conditions if c.feature == "breadth")
        if not breadth >= wide:
            return "broad_selloff_narrow"
        if cash_bid:
            return "broad_selloff_cash_bid"
    return crash_type.value


def _headline(
    rules: Rules, v: Verdict, key: str, date_text: str, eq_pct: float, window: int,
    stress: float, stress_pct: float, funding: str, dollar_down: bool, funding_up: bool,
) -> str:  # fmt: skip
    phrase = HEADLINE_VARIANTS.get(key, rules.rule(v.crash_type).headline)
    if key == CrashType.BROAD_SELLOFF.value and dollar_down and not funding_up:
        # Said only when the dollar fell: a dollar that rose but not past the bid bound is
        # not evidence either way.
        phrase += ", no dash for cash"
    if v.crash_type == CrashType.CONCENTRATED and v.epicenters:
        names = [p.epicenter.value.replace("_", " ") for p in v.epicenters]
        phrase += " centred on " + (
            names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        )
    head = f"{date_text}: {phrase}"
    if v.crash_type != CrashType.CALM or v.severity.rank >= Severity.MILD.rank:
        head += f" ({v.severity.value})"
    facts = []
    if math.isfinite(eq_pct):
        facts.append(f"US equities {eq_pct:+.1f}% over {window} business days")
    if math.isfinite(stress):
        facts.append(f"stress index {stress:.2f}, higher than on {stress_pct:.0%} of past days")
    facts.append(f"funding {funding}")
    return head + ". " + "; ".join(facts) + "."


def diagnose_from(
    result: IndicatorSet,
    day: pd.Timestamp,
    analogs_k: int = 5,
    *,
    as_of: str | None = None,
    features: pd.DataFrame | None = None,
) -> Diagnosis:
    """Diagnose ``day`` from an already computed indicator set (as known on ``as_of``).

    Parameters
    ----------
    result : IndicatorSet
        Indicators computed on the panel known on the knowledge date.
    day : Timestamp
        The business day described (a row of ``result.table``).
    analogs_k : int
        Closest library episodes to list (0: none, and no path search).
    as_of : str, optional
        The knowledge date, for the record (default: ``day``).
    features : DataFrame, optional
        Precomputed ``day_features(result)`` (computed when not given).
    """
    from riskoff.diagnosis.analogs import episode_analogs, path_analogs

    rules = load_rules()
    window = result.window
    feats = features if features is not None else day_features(result, tail=250, rules=rules)
    row = result.table.loc[day]
    f = feats.loc[day]
    # The proxies in use on the day need only that day and the one before.
    recent = basket_proxies(result.panel.loc[:day].iloc[-2:])
    proxies = {k: str(v) for k, v in recent.loc[day].dropna().items()}
    move_z, day_z = result.move_z.loc[day], result.day_z.loc[day]
    shocks, gaps = (frame.loc[day] for frame in epicenter_shocks(_tail(result, day)))
    verdict = classify(feats, day, shocks, gaps, rules)
    history = result.table.loc[:day]
    date_text = day.date().isoformat()
    indicators: dict[str, Any] = {
        k: (float(row[k]) if math.isfinite(row[k]) else None) for k in REPORTED
    }
    indicators["funding_state"] = str(row["funding_state"])
    indicators["calendar_day"] = bool(row["calendar_day"])
    observed = {k: _observed_on(result, OBSERVED_FROM[k], day) or date_text
                for k in REPORTED if k in OBSERVED_FROM}  # fmt: skip
    observed.update({k: date_text for k in REPORTED if k not in OBSERVED_FROM})
    # Share of each indicator's history at or below today's value (NaN when either is missing).
    values = history[list(REPORTED)].to_numpy(dtype=float)
    today = values[-1]
    known = ~np.isnan(values)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = ((values <= today) & known).sum(axis=0) / known.sum(axis=0)
    percentiles = {
        k: float(v) if np.isfinite(today[i]) else math.nan
        for i, (k, v) in enumerate(zip(REPORTED, shares, strict=True))
    }
    move_pct = result.move_pct.loc[day]
    returns = []
    for c in result.move_pct.columns:
        if not math.isfinite(move_pct[c]):
            continue
        start, end = _window_dates(result, proxies.get(c, ""), day, window)
        returns.append(
            AssetMove(
                c,
                CLASS_LABELS[c],
                float(move_pct[c]),
                float(move_z[c]),
                proxies.get(c, ""),
                start,
                end,
            )
        )
    triggers = sorted(
        (
            Trigger(name=move, label=label, move=float(row[move]), unit=unit, z=float(row[z]),
                    series=series, observed=_observed_on(result, series, day) or date_text)
            for move, z, label, unit, series in TRIGGERS
            if math.isfinite(row[move]) and math.isfinite(row[z])
        ),
        key=lambda t: abs(t.z),
        reverse=True,
    )  # fmt: skip
    sectors = {k: float(v) for k, v in result.sectors.loc[day].dropna().sort_values().items()}
    epicenters = []
    for pick in verdict.epicenters:
        # The class of the epicenter that took the worst shock (silver, not gold ...).
        cls = min(
            (c for c in EPICENTER_CLASSES[pick.epicenter] if c in move_z),
            key=lambda c: np.fmin(move_z[c], day_z[c]) if pd.notna(move_z[c]) else np.inf,
        )
        sid = proxies.get(cls, "")
        start, end = _window_dates(result, sid, day, window)
        epicenters.append(
            EpicenterMove(
                epicenter=pick.epicenter,
                asset_class=cls,
                label=CLASS_LABELS[cls],
                move_pct=float(move_pct.get(cls, math.nan)),
                move_z=float(move_z.get(cls, math.nan)),
                day_pct=float(np.expm1(result.returns.loc[day, cls]) * 100.0),
                day_z=float(day_z.get(cls, math.nan)),
                severity=pick.severity,
                series=sid,
                start=start,
                end=end,
            )
        )
    dollar = dollar_reading(result, day, rules)
    dollar_bid_z = float(f["dollar_bid_z"])
    if math.isfinite(dollar.move_pct) and math.isfinite(dollar.z):
        # One dollar reading per day: the moves table shows the broad dollar, not the
        # basket's UUP (a euro-heavy tracker that can move the other way, 12 March 2020);
        # UUP only while the broad index lacks the history for a z-score (to 2007).
        returns = [
            AssetMove("dollar", CLASS_LABELS["dollar"], dollar.move_pct, dollar.z,
                      dollar.series, dollar.start, dollar.end)
            if m.asset_class == "dollar" else m
            for m in returns
        ]  # fmt: skip
    funding_up = float(f["funding_spike_bp"]) >= rules.funding_up_bp
    haven = safe_haven_reading(rules, f)
    cash_bid = dollar.bid or funding_up
    dash = haven in (SafeHavenVerdict.FAILED, SafeHavenVerdict.MIXED) and cash_bid
    key = verdict_key(
        rules, verdict.crash_type, verdict.severity, haven, float(row["breadth"]), cash_bid
    )
    haven_text = HAVEN_TEXT[haven] + (
        "; the dollar was bid or funding spreads rose (a dash for cash)" if dash else ""
    )
    stress = float(row["stress_index"])
    stress_pct = float(f["stress_pct"])
    funding = str(row["funding_state"])
    first = verdict.epicenters[0].epicenter if verdict.epicenters else None
    macro = macro_backdrop(
        result.panel.loc[:day],
        result.macro.loc[:day] if not result.macro.empty else None,
        window,
        result.last_observed,
    )
    evidence = [
        *verdict.evidence,
        *(Evidence(**e) for e in macro_evidence(macro, str(verdict.crash_type), date_text)),  # type: ignore[arg-type]
    ]
    return Diagnosis(
        date=date_text,
        window=window,
        crash_type=verdict.crash_type,
        epicenter=first,
        confidence=verdict.confidence,
        runner_up=verdict.runner_up,
        scores=verdict.scores,
        severity=verdict.severity,
        headline=_headline(
            rules,
            verdict,
            key,
            date_text,
            float(f["equity_pct"]),
            window,
            stress,
            stress_pct,
            funding,
            math.isfinite(dollar_bid_z) and dollar_bid_z <= 0.0,
            funding_up,
        ),
        stress_index=stress,
        stress_percentile=stress_pct,
        funding_state=FundingState(funding),
        breadth=float(row["breadth"]),
        fell=[m.asset_class for m in returns if m.move_z < -1.0 and m.asset_class != "dollar"],
        missing=[c for c in result.move_pct.columns if not math.isfinite(move_pct[c])],
        safe_haven_failure=float(row["safe_haven_failure"]),
        safe_haven_verdict=haven,
        returns=returns,
        triggers=triggers,
        sectors=sectors,
        evidence=evidence,
        indicators=indicators,
        percentiles=percentiles,
        analogs=episode_analogs(result, day, analogs_k) if analogs_k else [],
        path_matches=path_analogs(result, day) if analogs_k else [],
        as_of=as_of or date_text,
        epicenters=epicenters,
        market_severity=verdict.market_severity,
        runner_up_score=verdict.runner_up_score,
        funding_direction=str(row.get("funding_direction", "flat")),
        dollar=dollar,
        safe_haven_text=haven_text,
        dash_for_cash=dash,
        cash_bid=cash_bid,
        verdict_key=key,
        observed=observed,
        margin=round(verdict.margin, 4),
        macro_verdict=macro.verdict,
        macro=macro,
    )


HAVEN_TEXT = {
    SafeHavenVerdict.UNKNOWN: "unknown",
    SafeHavenVerdict.NOT_TESTED: "not tested: equities were not selling off",
    SafeHavenVerdict.FAILED: "failed: havens fell with equities",
    SafeHavenVerdict.PROTECTED: "protected: havens rallied (a flight to safety)",
    SafeHavenVerdict.MIXED: "mixed: havens neither clearly fell nor clearly rallied",
}
