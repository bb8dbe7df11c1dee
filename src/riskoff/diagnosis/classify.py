"""Classify a day's market state into one crash type, from indicators alone.

The rules never look at the episode library or any list of dates: each crash type is a
signature in the data (see ``thresholds.py``), scored from the indicator row of the day.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from riskoff.diagnosis import thresholds as th
from riskoff.diagnosis.result import Evidence
from riskoff.indicators.basket import CLASS_LABELS, DEFAULT_BASKET, RISK_CLASSES, SAFE_HAVENS


def history_percentile(history: pd.Series, value: float) -> float:
    """Share of the history's values at or below ``value`` (NaN when either is missing)."""
    h = history.dropna().to_numpy(dtype=float)
    if not len(h) or not math.isfinite(value):
        return math.nan
    return float(np.mean(h <= value))


def ramp(x: float, bounds: tuple[float, float]) -> float:
    """0 at or below ``bounds[0]``, 1 at or above ``bounds[1]``, linear between; NaN gives 0."""
    lo, hi = bounds
    if x is None or not math.isfinite(x):
        return 0.0
    return float(min(1.0, max(0.0, (x - lo) / (hi - lo))))


@dataclass
class DayState:
    """The numbers the rules read for one day."""

    date: str
    window: int
    move_pct: dict[str, float]
    move_z: dict[str, float]
    row: dict[str, float | str]
    stress_percentile: float
    corr_jump: float
    day_pct: dict[str, float] = field(default_factory=dict)
    day_z: dict[str, float] = field(default_factory=dict)
    proxies: dict[str, str] = field(default_factory=dict)

    def num(self, key: str) -> float:
        """A numeric indicator of the row, NaN when missing."""
        value = self.row.get(key, math.nan)
        return float(value) if isinstance(value, int | float) else math.nan

    def z(self, cls: str) -> float:
        """Window z of an asset class (NaN when missing)."""
        return self.move_z.get(cls, math.nan)

    def pct(self, cls: str) -> float:
        """Window move of an asset class in percent (NaN when missing)."""
        return self.move_pct.get(cls, math.nan)


@dataclass
class Component:
    """One ramp of a rule with the evidence it rests on."""

    strength: float
    required: bool
    claim: str
    value: float
    unit: str
    series: str


@dataclass
class TypeScore:
    """A crash type's score and the components behind it."""

    crash_type: str
    score: float
    components: list[Component]
    epicenter: str | None = None


def _score(crash_type: str, parts: list[Component], epicenter: str | None = None) -> TypeScore:
    mean = float(np.mean([p.strength for p in parts]))
    required_ok = all(p.strength > 0 for p in parts if p.required)
    score = mean if required_ok else mean * th.REQUIRED_MISSING_FACTOR
    return TypeScore(crash_type, score, parts, epicenter)


def _fmt_pct(x: float) -> str:
    return "n/a" if not math.isfinite(x) else f"{x:+.1f}%"


def _sig(z: float) -> str:
    return "no data" if not math.isfinite(z) else f"{z:+.1f} sigma"


def _equity(
    s: DayState, bounds: tuple[float, float], required: bool = True, invert: bool = False
) -> Component:
    """US equities' fall; with ``invert``, the absence of one."""
    z, pct = s.z("us_equities"), s.pct("us_equities")
    strength = ramp(-z, bounds)
    lead = "no broad sell-off: " if invert else ""
    return Component(
        1.0 - strength if invert else strength, required,
        f"{lead}US equities {_fmt_pct(pct)} over {s.window} days ({_sig(z)})",
        pct, "%", s.proxies.get("us_equities", "SPY"),
    )  # fmt: skip


def _breadth(
    s: DayState, bounds: tuple[float, float], required: bool = False, invert: bool = False
) -> Component:
    """The share of asset classes down more than 1 sigma; with ``invert``, how narrow it is."""
    b = s.num("breadth")
    fell = [CLASS_LABELS[c] for c in DEFAULT_BASKET if s.z(c) < -1.0 and c != "dollar"]
    listed = ", ".join(fell[:6]) + ("..." if len(fell) > 6 else "")
    strength = ramp(b, bounds)
    return Component(
        1.0 - strength if invert else strength, required,
        f"{b:.0%} of asset classes fell more than 1 sigma" + (f" ({listed})" if fell else ""),
        b, "share", "breadth",
    )  # fmt: skip


def _havens_text(s: DayState) -> str:
    parts = [f"{CLASS_LABELS[c].lower()} {_fmt_pct(s.pct(c))}" for c in SAFE_HAVENS]
    return ", ".join(parts) + f"; the dollar {_fmt_pct(s.pct('dollar'))}"


def _haven_failure(s: DayState, required: bool) -> Component:
    """The worst of gold and long Treasuries fell, and cash dollars were not sold."""
    worst = min((c for c in ("gold", "long_treasuries") if math.isfinite(s.z(c))), key=s.z,
                default=None)  # fmt: skip
    wz = s.z(worst) if worst else math.nan
    dollar_ok = not math.isfinite(s.z("dollar")) or s.z("dollar") > th.DOLLAR_NOT_SOLD_Z
    return Component(
        ramp(-wz, th.HAVEN_FAILURE) if dollar_ok else 0.0, required,
        f"safe havens failed: {_havens_text(s)}", s.pct(worst or ""), "%",
        s.proxies.get(worst or "", worst or ""),
    )  # fmt: skip


def _haven_rally(s: DayState, required: bool) -> Component:
    shf = s.num("safe_haven_failure")
    return Component(
        ramp(-shf, th.HAVEN_RALLY), required,
        f"safe havens rallied: {_havens_text(s)} (safe-haven failure {shf:+.2f})",
        shf, "score", "safe_haven_failure",
    )  # fmt: skip


def _stress(s: DayState) -> Component:
    return Component(
        ramp(s.stress_percentile, th.STRESS_PERCENTILE), False,
        f"composite stress index {s.num('stress_index'):.2f}, "
        f"{s.stress_percentile:.0%} percentile of its history",
        s.num("stress_index"), "index [0,1]", "stress_index",
    )  # fmt: skip


def _credit(s: DayState) -> Component:
    chg = s.num("hy_oas_move_bp")
    return Component(
        ramp(chg, th.CREDIT_WIDENING_BP), False,
        f"high-yield credit spread {chg:+.0f} bp over the window (to {s.num('hy_oas_pct'):.2f}%)",
        chg, "bp", "BAMLH0A0HYM2",
    )  # fmt: skip


def _corr_jump(s: DayState) -> Component:
    return Component(
        ramp(s.corr_jump, th.CORRELATION_JUMP), False,
        f"average 20-day cross-asset correlation {s.num('avg_corr_20d'):.2f}, "
        f"{s.corr_jump:+.2f} over the window",
        s.corr_jump, "correlation", "avg_corr_20d",
    )  # fmt: skip


def _dollar(s: DayState) -> Component:
    return Component(
        ramp(s.z("dollar"), th.DOLLAR_BID_Z), False,
        f"the dollar {_fmt_pct(s.pct('dollar'))} over the window ({_sig(s.z('dollar'))})",
        s.pct("dollar"), "%", s.proxies.get("dollar", "UUP"),
    )  # fmt: skip


def _funding_calm(s: DayState) -> Component:
    level = s.num("funding_spread_ex_cal_bp")
    calm = 1.0 - ramp(level, th.FUNDING_LEVEL_BP) if math.isfinite(level) else 0.5
    return Component(
        calm, False,
        f"money markets: SOFR (EFFR before 2018) - reserve rate {s.num('funding_spread_bp'):+.0f} "
        f"bp, {level:+.1f} bp ex calendar days; funding {s.row.get('funding_state')}",
        s.num("funding_spread_bp"), "bp", "sofr_iorb_bp",
    )  # fmt: skip


def _funding_stress(s: DayState, required: bool = True, invert: bool = False) -> Component:
    """Money-market stress: spikes or a high level; with ``invert``, calm money markets."""
    spread = s.num("funding_spread_bp")
    strength = max(
        ramp(s.num("funding_max_5d_non_cal_bp"), th.FUNDING_SPIKE_BP),
        ramp(s.num("funding_max_5d_bp"), th.FUNDING_ANY_DAY_BP),
        ramp(s.num("funding_spread_ex_cal_bp"), th.FUNDING_LEVEL_BP),
    )
    return Component(
        1.0 - strength if invert else strength, required,
        f"money markets: SOFR (EFFR before 2018) - reserve rate {spread:+.0f} bp today, "
        f"up to {s.num('funding_max_5d_bp'):+.0f} bp in 5 days; "
        f"funding {s.row.get('funding_state')}",
        spread, "bp", "sofr_iorb_bp",
    )  # fmt: skip


def score_liquidity_crunch(s: DayState) -> TypeScore:
    """Indiscriminate selling including safe havens, cash dollars bid, stress and correlation."""
    parts = [
        _equity(s, th.CRUNCH_EQUITY_Z),
        _breadth(s, th.BREADTH, required=True),
        _haven_failure(s, required=True),
        _stress(s),
        _credit(s),
        _corr_jump(s),
        _dollar(s),
    ]
    return _score("liquidity_crunch", parts)


def score_flight_to_safety(s: DayState) -> TypeScore:
    """Risk assets fall while Treasuries, gold and the yen rally; funding calm."""
    y = s.num("yield_10y_move_bp")
    parts = [
        _equity(s, th.EQUITY_SELLOFF_Z),
        _haven_rally(s, required=True),
        Component(
            ramp(s.z("long_treasuries"), th.HAVEN_UP_Z), False,
            f"long Treasuries {_fmt_pct(s.pct('long_treasuries'))} "
            f"({_sig(s.z('long_treasuries'))}); 10-year yield {y:+.0f} bp",
            s.pct("long_treasuries"), "%", s.proxies.get("long_treasuries", "TLT"),
        ),
        Component(
            ramp(s.z("gold"), th.HAVEN_UP_Z), False,
            f"gold {_fmt_pct(s.pct('gold'))} ({_sig(s.z('gold'))})",
            s.pct("gold"), "%", s.proxies.get("gold", "GLD"),
        ),
        _funding_calm(s),
    ]  # fmt: skip
    return _score("flight_to_safety", parts)


def score_rate_shock(s: DayState) -> TypeScore:
    """Bonds and equities fall together on rising yields, the dollar up."""
    y = s.num("yield_10y_move_bp")
    parts = [
        Component(
            ramp(-s.z("long_treasuries"), th.BONDS_DOWN_Z), True,
            f"long Treasuries {_fmt_pct(s.pct('long_treasuries'))} "
            f"({_sig(s.z('long_treasuries'))})",
            s.pct("long_treasuries"), "%", s.proxies.get("long_treasuries", "TLT"),
        ),
        Component(
            ramp(y, th.YIELD_RISE_BP), True, f"10-year Treasury yield {y:+.0f} bp over the window",
            y, "bp", "DGS10",
        ),
        _equity(s, th.EQUITY_DOWN_Z),
        _dollar(s),
    ]  # fmt: skip
    return _score("rate_shock", parts)


def _worst_class(
    z: dict[str, float], proxies: dict[str, str] | None = None
) -> tuple[str | None, float, float]:
    """The worst-hit epicenter candidate, its z, and the median z of the other risk assets."""
    candidates = [
        c
        for c in th.EPICENTERS
        if math.isfinite(z.get(c, math.nan))
        # A class standing in with the same series as the broad market cannot be its epicenter.
        and (proxies is None or proxies.get(c) != proxies.get("us_equities"))
    ]
    if not candidates:
        return None, math.nan, math.nan
    worst = min(candidates, key=lambda c: z[c])
    family = th.EPICENTERS[worst]
    others = [
        z[c]
        for c in RISK_CLASSES
        if math.isfinite(z.get(c, math.nan)) and th.EPICENTERS.get(c) != family
    ]
    median_other = float(np.median(others)) if others else math.nan
    return worst, z[worst], median_other


def _concentrated_on(
    s: DayState, z: dict[str, float], pct: dict[str, float], horizon: str
) -> TypeScore:
    worst, wz, median_other = _worst_class(z, s.proxies)
    # The epicenter must also stand out from the broad US market, which contains it.
    benchmark = min(median_other, z.get("us_equities", math.inf))
    label = CLASS_LABELS.get(worst or "", "n/a")
    move = pct.get(worst or "", math.nan)
    also = [
        f"{CLASS_LABELS[c].lower()} {_fmt_pct(pct.get(c, math.nan))}"
        for c in th.EPICENTERS
        if c != worst and z.get(c, 0.0) < -th.CONCENTRATED_WORST_Z[0]
    ]
    parts = [
        Component(
            ramp(-wz, th.CONCENTRATED_WORST_Z), True,
            f"{label} {_fmt_pct(move)} {horizon} ({_sig(wz)})"
            + (f"; also hit: {', '.join(also)}" if also else ""),
            move, "%", s.proxies.get(worst or "", worst or ""),
        ),
        Component(
            ramp(benchmark - wz, th.CONCENTRATED_GAP_Z), True,
            f"the median other risk asset moved {median_other:+.1f} sigma and US equities "
            f"{z.get('us_equities', math.nan):+.1f} sigma {horizon}, at least "
            f"{benchmark - wz:.1f} sigma better than {label.lower()}",
            benchmark, "sigma", "window moves",
        ),
        Component(
            1.0 - ramp(-median_other, th.OTHERS_HOLD_Z), False,
            f"other risk assets held (median {median_other:+.1f} sigma {horizon})",
            median_other, "sigma", "window moves",
        ),
        _breadth(s, th.BREADTH, required=True, invert=True),
    ]  # fmt: skip
    return _score("concentrated", parts, th.EPICENTERS.get(worst or ""))


def score_concentrated(s: DayState) -> TypeScore:
    """Selling confined to one asset class, sector or region while the rest hold.

    Judged over the window and over the day itself (a one-day shock that the window dilutes);
    the stronger of the two counts.
    """
    over_window = _concentrated_on(s, s.move_z, s.move_pct, f"over {s.window} days")
    if not s.day_z:
        return over_window
    today = _concentrated_on(s, s.day_z, s.day_pct, "today")
    return today if today.score > over_window.score else over_window


def score_broad_selloff(s: DayState) -> TypeScore:
    """Risk assets sold across classes while havens neither rally nor collapse, dollar not bid.

    De-risking rather than a scramble for cash: volatility and credit spreads jump, but gold and
    Treasuries hold roughly flat and cash dollars are not in demand.
    """
    havens = [abs(s.z(c)) for c in ("gold", "long_treasuries") if math.isfinite(s.z(c))]
    largest = max(havens) if havens else math.nan
    vix_z = s.num("vix_move_z")
    parts = [
        _equity(s, th.CRUNCH_EQUITY_Z),
        _breadth(s, th.BREADTH, required=True),
        Component(
            1.0 - ramp(largest, th.HAVENS_FLAT_Z), True,
            f"gold and Treasuries neither rallied nor fell much: {_havens_text(s)} "
            f"(largest move {largest:.1f} sigma)",
            largest, "sigma", "window moves",
        ),
        Component(
            1.0 - ramp(s.z("dollar"), th.DOLLAR_BID_Z), True,
            f"no scramble for dollars: the dollar {_fmt_pct(s.pct('dollar'))} "
            f"({_sig(s.z('dollar'))})",
            s.pct("dollar"), "%", s.proxies.get("dollar", "UUP"),
        ),
        Component(
            ramp(vix_z, th.VIX_JUMP_Z), False,
            f"VIX {s.num('vix_level'):.1f}, {s.num('vix_move_pts'):+.1f} points over the window "
            f"({_sig(vix_z)})",
            s.num("vix_move_pts"), "index points", "VIXCLS",
        ),
        _credit(s),
    ]  # fmt: skip
    return _score("broad_selloff", parts)


def score_funding_squeeze(s: DayState) -> TypeScore:
    """Money-market stress without a broad sell-off."""
    parts = [
        _funding_stress(s),
        _equity(s, th.EQUITY_SELLOFF_Z, required=False, invert=True),
        _breadth(s, th.BREADTH, invert=True),
    ]
    return _score("funding_squeeze", parts)


def score_carry_unwind(s: DayState) -> TypeScore:
    """A funding-currency (yen) surge with a crash in the markets it financed."""
    financed = [c for c in th.CARRY_FINANCED if math.isfinite(s.z(c))]
    worst = min(financed, key=s.z) if financed else None
    wz = s.z(worst) if worst else math.nan
    parts = [
        Component(
            ramp(s.z("yen"), th.YEN_SURGE_Z), True,
            f"the yen {_fmt_pct(s.pct('yen'))} over the window ({_sig(s.z('yen'))})",
            s.pct("yen"), "%", s.proxies.get("yen", "FXY"),
        ),
        Component(
            ramp(-wz, th.FINANCED_CRASH_Z), True,
            f"{CLASS_LABELS.get(worst or '', 'n/a')} {_fmt_pct(s.pct(worst or ''))} "
            f"({_sig(wz)})",
            s.pct(worst or ""), "%", s.proxies.get(worst or "", worst or ""),
        ),
        Component(
            ramp(s.z("yen") / max(-s.z("us_equities"), 1.0), th.YEN_LEADS), True,
            f"the yen's move ({_sig(s.z('yen'))}) leads US equities' "
            f"({_sig(s.z('us_equities'))})",
            s.z("yen"), "sigma", s.proxies.get("yen", "FXY"),
        ),
        _equity(s, th.EQUITY_DOWN_Z, required=False),
    ]  # fmt: skip
    return _score("carry_unwind", parts)


def score_calm(s: DayState) -> TypeScore:
    """No meaningful sell-off: equities, the worst asset, funding and volatility all quiet."""
    # A one-day shock in one asset is not calm either, so the day's moves count too.
    worst_z = {c: min(s.z(c), s.day_z.get(c, math.inf)) for c in s.move_z}
    worst, wz, _ = _worst_class(worst_z, s.proxies)
    vix = s.num("vix_level")
    parts = [
        _equity(s, th.EQUITY_SELLOFF_Z, required=False, invert=True),
        Component(
            1.0 - ramp(-wz, th.CALM_WORST_Z), False,
            f"worst asset class {CLASS_LABELS.get(worst or '', 'n/a')} {wz:+.1f} sigma",
            wz, "sigma", "window moves",
        ),
        _funding_stress(s, required=False, invert=True),
        Component(
            1.0 - ramp(vix, th.VIX_LEVEL), False, f"VIX {vix:.1f}", vix, "index points", "VIXCLS"
        ),
    ]  # fmt: skip
    # Calm needs every part quiet: its score is the weakest part, not the mean.
    return TypeScore("calm", min(p.strength for p in parts), parts)


RULES: tuple[Callable[[DayState], TypeScore], ...] = (
    score_calm,
    score_liquidity_crunch,
    score_flight_to_safety,
    score_rate_shock,
    score_broad_selloff,
    score_concentrated,
    score_funding_squeeze,
    score_carry_unwind,
)


@dataclass
class Verdict:
    """The classifier's decision."""

    crash_type: str
    epicenter: str | None
    confidence: float
    runner_up: str
    scores: dict[str, float]
    evidence: list[Evidence]
    severity: str


def severity(stress_percentile: float, crash_type: str) -> str:
    """Name the severity from the stress index percentile (``none`` when calm)."""
    if crash_type == "calm":
        return "none"
    if not math.isfinite(stress_percentile):
        return "unknown"
    for bound, name in th.SEVERITY_BOUNDS:
        if stress_percentile < bound:
            return name
    return "extreme"


def classify(s: DayState) -> Verdict:
    """Score every crash type on ``s`` and return the winner with its evidence."""
    results = sorted((rule(s) for rule in RULES), key=lambda r: r.score, reverse=True)
    best, second = results[0], results[1]
    # Confidence: the winner's score, discounted when the runner-up is close behind.
    margin = (best.score - second.score) / best.score if best.score > 0 else 0.0
    confidence = float(np.clip(best.score * (0.5 + 0.5 * margin), 0.0, 1.0))
    evidence = [
        Evidence(
            claim=c.claim,
            value=float(c.value) if c.value is not None else math.nan,
            unit=c.unit,
            series=c.series,
            as_of=s.date,
            direction="supports" if c.strength >= 0.5 else "contradicts",
        )
        for c in best.components
    ]
    return Verdict(
        crash_type=best.crash_type,
        epicenter=best.epicenter if best.crash_type == "concentrated" else None,
        confidence=round(confidence, 3),
        runner_up=second.crash_type,
        scores={r.crash_type: round(r.score, 3) for r in results},
        evidence=evidence,
        severity=severity(s.stress_percentile, best.crash_type),
    )


def day_state(
    table: pd.DataFrame,
    move_pct: pd.DataFrame,
    move_z: pd.DataFrame,
    day: pd.Timestamp,
    window: int,
    proxies: dict[str, str] | None = None,
    returns: pd.DataFrame | None = None,
    day_z: pd.DataFrame | None = None,
) -> DayState:
    """Collect the numbers of ``day`` that the rules read (all known on that day)."""
    row = table.loc[day].to_dict()
    history = table.loc[:day]
    pct = history_percentile(history["stress_index"], float(row["stress_index"]))
    spread = history["funding_spread_bp"].iloc[-5:]
    cal = history["calendar_day"].iloc[-5:].astype(bool)
    row["funding_max_5d_bp"] = float(spread.max()) if spread.notna().any() else math.nan
    non_cal = spread[~cal]
    row["funding_max_5d_non_cal_bp"] = float(non_cal.max()) if non_cal.notna().any() else math.nan
    corr = history["avg_corr_20d"]
    corr_jump = float(corr.iloc[-1] - corr.iloc[-1 - window]) if len(corr) > window else math.nan
    return DayState(
        date=day.date().isoformat(),
        window=window,
        move_pct={k: float(v) for k, v in move_pct.loc[day].items()},
        move_z={k: float(v) for k, v in move_z.loc[day].items()},
        row=row,
        stress_percentile=pct,
        corr_jump=corr_jump,
        day_pct={}
        if returns is None
        else {k: float(np.expm1(v) * 100.0) for k, v in returns.loc[day].items()},
        day_z={} if day_z is None else {k: float(v) for k, v in day_z.loc[day].items()},
        proxies=proxies or {},
    )
