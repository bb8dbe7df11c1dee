"""``diagnose()``: the full diagnosis of one date, from data knowable on that date."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import pandas as pd

from riskoff.diagnosis.classify import classify, day_state, history_percentile
from riskoff.diagnosis.result import AssetMove, Diagnosis, Trigger
from riskoff.indicators import IndicatorSet, indicator_set
from riskoff.indicators.basket import CLASS_LABELS, basket_proxies
from riskoff.vocabulary import CrashType, Epicenter, FundingState, SafeHavenVerdict, Severity

# (column of the move, column of its z, label, unit, series) for the ranked triggers.
TRIGGERS = (
    ("oil_move_pct", "oil_move_z", "Oil", "%", "DCOILWTICO"),
    ("gold_move_pct", "gold_move_z", "Gold", "%", "GOLD_LBMA_PM"),
    ("dollar_move_pct", "dollar_move_z", "US dollar", "%", "UUP"),
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
)
TYPE_PHRASES = {
    "calm": "No meaningful sell-off",
    "liquidity_crunch": "A liquidity crunch: indiscriminate selling, safe havens included",
    "flight_to_safety": "A flight to safety: risk assets down, safe havens up",
    "rate_shock": "A rate shock: bonds and equities down together on rising yields",
    "concentrated": "A concentrated sell-off",
    "funding_squeeze": "A funding squeeze in money markets without a broad sell-off",
    "carry_unwind": "A carry-trade unwind: the yen surges, the markets it financed fall",
    "broad_selloff": "A broad de-risking: risk assets down across the board, no dash for cash",
}


def _safe_haven_verdict(shf: float, dollar_z: float) -> tuple[SafeHavenVerdict, str, bool]:
    """The typed verdict, its sentence, and whether it was a dash for cash."""
    if not math.isfinite(shf):
        return SafeHavenVerdict.UNKNOWN, "unknown", False
    if shf == 0.0:
        return SafeHavenVerdict.NOT_TESTED, "not tested: equities were not selling off", False
    if shf >= 0.5:
        dash = dollar_z > 0
        text = "failed: havens fell with equities" + (
            " while the dollar rose (a dash for cash)" if dash else ""
        )
        return SafeHavenVerdict.FAILED, text, dash
    if shf <= -0.5:
        return SafeHavenVerdict.PROTECTED, "protected: havens rallied (a flight to safety)", False
    return SafeHavenVerdict.MIXED, "mixed: havens neither clearly fell nor clearly rallied", False


def _headline(d: dict[str, Any], window: int) -> str:
    phrase = TYPE_PHRASES[d["crash_type"]]
    if d["epicenter"]:
        phrase += f" centred on {d['epicenter'].replace('_', ' ')}"
    eq = d["equities_pct"]
    parts = [f"{d['date']}: {phrase}"]
    if d["crash_type"] != "calm":
        parts[0] += f" ({d['severity']})"
    facts = []
    if math.isfinite(eq):
        facts.append(f"US equities {eq:+.1f}% over {window} business days")
    if math.isfinite(d["stress_index"]):
        facts.append(
            f"stress index {d['stress_index']:.2f} ({d['stress_percentile']:.0%} percentile)"
        )
    facts.append(f"funding {d['funding_state']}")
    return parts[0] + ". " + "; ".join(facts) + "."


def diagnose_from(result: IndicatorSet, day: pd.Timestamp, analogs_k: int = 5) -> Diagnosis:
    """Diagnose ``day`` from an already computed indicator set (as known on ``day``)."""
    from riskoff.diagnosis.analogs import episode_analogs, path_analogs

    window = result.window
    # The proxies in use on the day need only that day and the one before.
    recent = basket_proxies(result.panel.loc[:day].iloc[-2:])
    proxies = {k: str(v) for k, v in recent.loc[day].dropna().items()}
    state = day_state(
        result.table,
        result.move_pct,
        result.move_z,
        day,
        window,
        proxies=proxies,
        returns=result.returns,
        day_z=result.day_z,
    )
    verdict = classify(state)
    row = result.table.loc[day]
    history = result.table.loc[:day]
    indicators: dict[str, Any] = {
        k: (float(row[k]) if math.isfinite(row[k]) else None) for k in REPORTED
    }
    indicators["funding_state"] = str(row["funding_state"])
    indicators["calendar_day"] = bool(row["calendar_day"])
    percentiles = {k: history_percentile(history[k], float(row[k])) for k in REPORTED}
    returns = [
        AssetMove(
            asset_class=c,
            label=CLASS_LABELS[c],
            move_pct=state.pct(c),
            move_z=state.z(c),
            proxy=proxies.get(c, ""),
        )
        for c in result.move_pct.columns
        if math.isfinite(state.pct(c))
    ]
    triggers = sorted(
        (
            Trigger(
                name=move,
                label=label,
                move=float(row[move]),
                unit=unit,
                z=float(row[z]),
                series=series,
            )
            for move, z, label, unit, series in TRIGGERS
            if math.isfinite(row[move]) and math.isfinite(row[z])
        ),
        key=lambda t: abs(t.z),
        reverse=True,
    )
    sectors = {k: float(v) for k, v in result.sectors.loc[day].dropna().sort_values().items()}
    date_text = day.date().isoformat()
    facts = {
        "date": date_text,
        "crash_type": verdict.crash_type,
        "epicenter": verdict.epicenter,
        "severity": verdict.severity,
        "equities_pct": state.pct("us_equities"),
        "stress_index": float(row["stress_index"]),
        "stress_percentile": state.stress_percentile,
        "funding_state": str(row["funding_state"]),
    }
    haven, haven_text, dash = _safe_haven_verdict(
        float(row["safe_haven_failure"]), state.z("dollar")
    )
    return Diagnosis(
        date=date_text,
        window=window,
        crash_type=CrashType(verdict.crash_type),
        epicenter=Epicenter(verdict.epicenter) if verdict.epicenter else None,
        confidence=verdict.confidence,
        runner_up=CrashType(verdict.runner_up),
        scores=verdict.scores,
        severity=Severity(verdict.severity),
        headline=_headline(facts, window),
        stress_index=facts["stress_index"],
        stress_percentile=state.stress_percentile,
        funding_state=FundingState(facts["funding_state"]),
        breadth=float(row["breadth"]),
        fell=[m.asset_class for m in returns if m.move_z < -1.0 and m.asset_class != "dollar"],
        missing=[c for c in result.move_pct.columns if not math.isfinite(state.pct(c))],
        safe_haven_failure=float(row["safe_haven_failure"]),
        safe_haven_verdict=haven,
        safe_haven_text=haven_text,
        dash_for_cash=dash,
        as_of=date_text,
        returns=returns,
        triggers=triggers,
        sectors=sectors,
        evidence=verdict.evidence,
        indicators=indicators,
        percentiles=percentiles,
        analogs=episode_analogs(result, day, analogs_k) if analogs_k else [],
        path_matches=path_analogs(result, day) if analogs_k else [],
    )


def diagnose(date: str | date | pd.Timestamp | None = None, window: int = 10) -> Diagnosis:
    """Diagnose the market on ``date`` using only data knowable on it.

    Parameters
    ----------
    date : date-like, optional
        The day (default: the latest US equity close in the store). A weekend or holiday is
        diagnosed as of the business day before.
    window : int
        Business days over which moves are measured (default 10).

    Returns
    -------
    Diagnosis
        Crash type, epicenter, confidence, runner-up, evidence, stress, funding state, breadth,
        safe-haven behaviour, ranked triggers, window returns by asset class and the closest
        historical episodes and past windows.
    """
    result = indicator_set(date, window)
    day = result.table.index[-1]
    return diagnose_from(result, day)
