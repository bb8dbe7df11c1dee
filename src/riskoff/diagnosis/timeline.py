"""Classify every business day of an indicator set at once (the base rates and stability).

``timeline(result)`` evaluates the rule table on the feature frame of the whole indicator
table, vectorised: all of 1990-2026 takes a few seconds. Every row uses rows up to its own date
of one panel. The approximation: the panel is the one known on its last day, so a series
published with a lag (the broad dollar a week, SOFR a day) is read on each past row with the
values dated up to that row, not only those already published then (up to a week of hindsight
on those series); price series are exactly point in time.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskoff.diagnosis.features import day_features, epicenter_shocks
from riskoff.diagnosis.rules import Rules, evaluate, level_of, load_rules
from riskoff.indicators import IndicatorSet
from riskoff.vocabulary import SEVERITY_LEVELS, CrashType

__all__ = ["COLUMNS", "timeline"]

COLUMNS = ("date", "crash_type", "severity", "epicenters", "confidence")


def _epicenters(rules: Rules, shocks: pd.DataFrame, gaps: pd.DataFrame) -> pd.DataFrame:
    """Per day: the epicenters (``;``-joined, worst first) and the first one's level."""
    values = shocks.to_numpy(dtype=float)
    gap = gaps[shocks.columns].to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        chosen = (values <= rules.epicenter_shock_z) & (gap <= rules.epicenter_gap_z)
    ranked = np.where(chosen, values, np.inf)
    order = np.argsort(ranked, axis=1, kind="stable")[:, : rules.max_epicenters]
    names = np.array(shocks.columns)
    texts, first_level = [], np.full(len(shocks), np.nan)
    for i in range(len(shocks)):
        picked = [names[j] for j in order[i] if np.isfinite(ranked[i, j])]
        texts.append(";".join(picked))
        if picked:
            first_level[i] = level_of(np.array([ranked[i, order[i, 0]]]), rules.epicenter_bounds)[0]
    return pd.DataFrame({"epicenters": texts, "level": first_level}, index=shocks.index)


def timeline(
    result: IndicatorSet,
    start: pd.Timestamp | str | None = None,
    end: pd.Timestamp | str | None = None,
    rules: Rules | None = None,
) -> pd.DataFrame:
    """Classify every business day from ``start`` to ``end`` of an indicator set.

    Returns
    -------
    DataFrame
        Columns ``COLUMNS`` (plus ``market_severity``), one row per business day; ``epicenters``
        joins up to three epicenters with ``;``.
    """
    rules = rules or load_rules()
    feats = day_features(result, rules=rules)
    ev = evaluate(rules, feats)
    market = feats["market_severity"]
    epi = _epicenters(rules, *epicenter_shocks(result))
    squeeze = (ev.crash_type == CrashType.FUNDING_SQUEEZE.value).to_numpy()
    spike = level_of(feats["funding_spike_bp"].to_numpy(dtype=float), rules.funding_bounds)
    overall = np.fmax(market.to_numpy(), epi["level"].to_numpy())
    overall = np.where(squeeze, np.fmax(overall, spike), overall)
    overall = np.fmax(overall, 1.0)  # any verdict but calm is at least mild
    calm = (ev.crash_type == CrashType.CALM.value).to_numpy()
    overall = np.where(calm, market.to_numpy(), overall)

    def name(levels: np.ndarray) -> list[str]:
        return [
            "unknown" if not np.isfinite(v) else SEVERITY_LEVELS[int(min(max(v, 0), 4))].value
            for v in levels
        ]

    out = pd.DataFrame(
        {
            "date": feats.index,
            "crash_type": ev.crash_type.to_numpy(),
            "severity": name(overall),
            "epicenters": epi["epicenters"].to_numpy(),
            "confidence": ev.confidence.round(3).to_numpy(),
            "market_severity": name(market.to_numpy()),
        },
        index=feats.index,
    )
    # Days before the basket has US equities and the stress index are not classified.
    known = feats["equity_z"].notna() & feats["stress_pct"].notna()
    out = out[known.to_numpy()]
    return out.loc[start:end].reset_index(drop=True)
