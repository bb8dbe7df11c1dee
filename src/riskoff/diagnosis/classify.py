"""Classify a day from its features alone, with the rule table (``rules.toml``).

The rules never look at the episode library or any list of dates: each crash type is a set of
conditions on the day's features (``features.py``), evaluated by ``rules.evaluate``. This module
adds what one day's verdict needs beyond the scores: the epicenters with their moves and
severities, the market's severity, the safe-haven reading and the evidence behind the verdict.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from riskoff.diagnosis.features import EPICENTER_CLASSES, FEATURES
from riskoff.diagnosis.result import Evidence
from riskoff.diagnosis.rules import (
    Evaluation,
    Rules,
    evaluate,
    holds,
    level_of,
    load_rules,
    severity_name,
    strength,
)
from riskoff.vocabulary import CrashType, Epicenter, SafeHavenVerdict, Severity

__all__ = [
    "EpicenterPick",
    "Verdict",
    "classify",
    "epicenters_of",
    "history_percentile",
    "safe_haven_reading",
]


def history_percentile(history: pd.Series, value: float) -> float:
    """Share of the history's values at or below ``value`` (NaN when either is missing)."""
    h = history.dropna().to_numpy(dtype=float)
    if not len(h) or not math.isfinite(value):
        return math.nan
    return float(np.mean(h <= value))


@dataclass(frozen=True)
class EpicenterPick:
    """An epicenter chosen on one day: which class, its shock and severity."""

    epicenter: Epicenter
    asset_class: str
    shock_z: float
    severity: Severity


@dataclass
class Verdict:
    """The classifier's decision for one day."""

    crash_type: CrashType
    confidence: float
    runner_up: CrashType | None
    runner_up_score: float | None
    scores: dict[str, float]
    evidence: list[Evidence]
    severity: Severity
    market_severity: Severity
    epicenters: list[EpicenterPick] = field(default_factory=list)
    passes: dict[str, bool] = field(default_factory=dict)
    margin: float = 0.0


def epicenters_of(rules: Rules, shocks: pd.Series, gaps: pd.Series) -> list[EpicenterPick]:
    """Up to ``rules.max_epicenters`` epicenters of one day, worst first.

    ``shocks`` and ``gaps`` are the day's rows of ``features.epicenter_shocks``: an epicenter
    counts when its shock reaches ``rules.epicenter_shock_z`` and its gap to US equities
    ``rules.epicenter_gap_z``.
    """
    picks = []
    for name, shock in shocks.items():
        gap = float(gaps.get(name, math.nan))
        if not (math.isfinite(shock) and math.isfinite(gap)):
            continue
        if shock <= rules.epicenter_shock_z and gap <= rules.epicenter_gap_z:
            epi = Epicenter(str(name))
            classes = EPICENTER_CLASSES[epi]
            level = level_of(np.array([shock]), rules.epicenter_bounds)[0]
            picks.append(EpicenterPick(epi, classes[0], float(shock), severity_name(level)))
    picks.sort(key=lambda p: p.shock_z)
    return picks[: rules.max_epicenters]


def safe_haven_reading(rules: Rules, row: pd.Series) -> SafeHavenVerdict:
    """What the havens did while equities fell, on the rule table's bounds.

    ``row`` holds the features ``haven_rally_z``, ``haven_worst_z``, ``haven_best_z`` and
    ``equity_shock_z`` (the same sell-off measure the rules read).
    """
    rally, equity = float(row["haven_rally_z"]), float(row["equity_shock_z"])
    worst, best = float(row["haven_worst_z"]), float(row["haven_best_z"])
    if not (math.isfinite(rally) and math.isfinite(equity)):
        return SafeHavenVerdict.UNKNOWN
    if equity > rules.haven_selloff_z:
        return SafeHavenVerdict.NOT_TESTED
    if rally <= rules.haven_failed_z:
        return SafeHavenVerdict.FAILED
    protected = worst >= rules.haven_fell_z and best >= rules.haven_rose_z
    if rally >= rules.haven_protected_z and protected:
        return SafeHavenVerdict.PROTECTED
    return SafeHavenVerdict.MIXED


def _fmt(value: float, unit: str) -> str:
    if not math.isfinite(value):
        return "no data"
    if unit == "percentile":
        return f"{value:.0%} percentile"
    if unit == "share":
        return f"{value:.0%}"
    if unit == "bp":
        return f"{value:+.0f} bp"
    if unit == "%":
        return f"{value:+.1f}%"
    if unit == "index points":
        return f"{value:.1f}"
    return f"{value:+.2f} {unit}"


def _evidence(rules: Rules, crash_type: CrashType, row: pd.Series, date: str) -> list[Evidence]:
    """One claim per condition of the winning rule, supporting or contradicting it."""
    out = []
    for cond in rules.rule(crash_type).conditions:
        x = float(row.get(cond.feature, math.nan))
        feat = FEATURES[cond.feature]
        s = float(strength(cond, np.array([x]))[0])
        ok = bool(holds(cond, np.array([x])))
        need = " (necessary)" if cond.required else (f" ({cond.group})" if cond.group else "")
        claim = (
            f"{feat.meaning}: {_fmt(x, feat.unit)}; the rule looks for "
            f"{'at least' if cond.rising else 'at most'} {cond.weak:g}, fully at "
            f"{cond.strong:g}{need}"
        )
        out.append(
            Evidence(
                claim=claim,
                value=x,
                unit=feat.unit,
                series=cond.feature,
                as_of=date,
                # A condition the verdict needs (required, or the alternative that met its
                # group) supports it once it holds, however weakly.
                direction="supports"
                if ok and (s >= 0.5 or cond.required or cond.group)
                else "contradicts",
            )
        )
    return out


def overall_level(
    rules: Rules, crash_type: CrashType, market: float, epicenter_z: float, spike_bp: float
) -> float:
    """The verdict's severity level (0 none ... 4 extreme).

    The worse of the market's level and the first epicenter's; for a funding squeeze, the
    spike's level too. Calm keeps the market's level; any other verdict is at least mild.
    """
    if crash_type == CrashType.CALM:
        return market
    levels = [market]
    if math.isfinite(epicenter_z):
        levels.append(float(level_of(np.array([epicenter_z]), rules.epicenter_bounds)[0]))
    if crash_type == CrashType.FUNDING_SQUEEZE:
        levels.append(float(level_of(np.array([spike_bp]), rules.funding_bounds)[0]))
    known = [v for v in levels if math.isfinite(v)]
    return max([*known, 1.0])


def verdict_of(
    rules: Rules,
    evaluation: Evaluation,
    features: pd.DataFrame,
    day: pd.Timestamp,
    shocks: pd.Series,
    gaps: pd.Series,
    market: float,
) -> Verdict:
    """Assemble one day's verdict from an evaluation of the feature frame."""
    row = features.loc[day]
    crash_type = CrashType(evaluation.crash_type.loc[day])
    runner = evaluation.runner_up.loc[day]
    runner_score = float(evaluation.runner_up_score.loc[day])
    picks = epicenters_of(rules, shocks, gaps)
    market_sev = severity_name(market)
    level = overall_level(
        rules, crash_type, market, picks[0].shock_z if picks else math.nan,
        float(row.get("funding_spike_bp", math.nan)),
    )  # fmt: skip
    overall = severity_name(level)
    return Verdict(
        crash_type=crash_type,
        confidence=round(float(evaluation.confidence.loc[day]), 3),
        runner_up=CrashType(runner) if runner else None,
        runner_up_score=round(runner_score, 3) if runner else None,
        scores={k: round(float(v), 3) for k, v in evaluation.scores.loc[day].items()},
        evidence=_evidence(rules, crash_type, row, day.date().isoformat()),
        severity=overall,
        market_severity=market_sev,
        epicenters=picks,
        passes={k: bool(v) for k, v in evaluation.passes.loc[day].items()},
        margin=float(evaluation.margin.loc[day]),
    )


def classify(
    features: pd.DataFrame,
    day: pd.Timestamp,
    shocks: pd.Series,
    gaps: pd.Series,
    rules: Rules | None = None,
) -> Verdict:
    """Classify ``day`` from its row of ``features`` (other rows are ignored).

    Parameters
    ----------
    features : DataFrame
        Output of :func:`riskoff.diagnosis.features.day_features` (at least the row of ``day``).
    day : Timestamp
        The day.
    shocks, gaps : Series
        The day's rows of ``features.epicenter_shocks`` (for the epicenters).
    rules : Rules, optional
        The rule table (default: the bundled one).
    """
    rules = rules or load_rules()
    one = features.loc[[day]]
    evaluation = evaluate(rules, one)
    market = float(one["market_severity"].iloc[0])
    return verdict_of(rules, evaluation, one, day, shocks, gaps, market)
