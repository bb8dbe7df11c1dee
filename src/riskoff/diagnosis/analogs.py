"""Historical analogs: which labelled episodes, and which past windows, today resembles.

Two searches:

1. **Episodes by fingerprint.** A day's fingerprint is its window moves (in sigma) of the main
   asset classes, the funding spread, the 20-day cross-asset correlation, the stress index,
   breadth and safe-haven failure, each divided by a scale that makes one unit a large
   difference (``FINGERPRINT_SCALES``). The distance between two days is a weighted root mean
   square of the scaled differences over the features both have, each weighted by the larger of
   its two scaled magnitudes (plus a floor), so the moves that define a day count more than the
   many small ones. Episodes from before some markets existed are compared on what exists, but a
   feature that is extreme today and unknown then counts as if it had not moved then
   (``MISSING_PENALTY``): a 2007 episode cannot look like a bitcoin crash for lack of bitcoin.
   Similarity is ``1 / (1 + distance)``.
2. **Path search over the whole history.** The last ``m`` days of a multi-indicator trajectory
   (equities, gold, long Treasuries and the dollar as cumulative returns, the stress index and the
   20-day correlation) are compared with every past window of the same length by z-normalised
   Euclidean distance (MASS, FFT-based), so the shape of the move counts, not its level.

Only what was knowable on the day is used: episodes that had not ended by then are left out, and
path matches must end before the query window starts.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from riskoff.diagnosis.episodes import Episode, load_episodes
from riskoff.indicators import IndicatorSet
from riskoff.indicators.basket import CLASS_LABELS

FINGERPRINT_CLASSES = (
    "us_equities",
    "tech",
    "banks",
    "japan",
    "em_equities",
    "credit",
    "long_treasuries",
    "gold",
    "oil",
    "crypto",
    "dollar",
    "yen",
)
# One unit of each feature's scale is a large difference between two days.
FINGERPRINT_SCALES: dict[str, float] = {
    **{f"z_{c}": 2.0 for c in FINGERPRINT_CLASSES},
    "funding_spread_bp": 10.0,
    "avg_corr_20d": 0.15,
    "stress_index": 0.15,
    "breadth": 0.25,
    "safe_haven_failure": 1.0,
}
FEATURE_LABELS = {
    "funding_spread_bp": "SOFR (EFFR) - reserve rate",
    "avg_corr_20d": "20-day correlation",
    "stress_index": "stress index",
    "breadth": "breadth",
    "safe_haven_failure": "safe-haven failure",
}
Z_CLIP = 8.0  # window z beyond this adds nothing: a -12 sigma crash is "huge", like -8
MIN_SHARED = 6  # features two days must share to be compared
WEIGHT_FLOOR = 0.25  # every shared feature counts at least this much
MISSING_PENALTY = 1.0  # share of an extreme feature's size counted when the other day lacks it
EXTREME = 1.0  # scaled size above which a feature missing on the other day is penalised
PATH_LENGTH = 60
PATH_DIMENSIONS = ("us_equities", "gold", "long_treasuries", "dollar")


def fingerprint(result: IndicatorSet, day: pd.Timestamp) -> dict[str, float]:
    """Return the fingerprint of ``day`` (NaN features dropped)."""
    features: dict[str, float] = {}
    z = result.move_z.loc[day]
    for c in FINGERPRINT_CLASSES:
        if c in z and math.isfinite(z[c]):
            features[f"z_{c}"] = float(np.clip(z[c], -Z_CLIP, Z_CLIP))
    row = result.table.loc[day]
    for key in ("funding_spread_bp", "avg_corr_20d", "stress_index", "breadth"):
        if math.isfinite(row[key]):
            features[key] = float(row[key])
    shf = row["safe_haven_failure"]
    if math.isfinite(shf):
        features["safe_haven_failure"] = float(shf)
    return features


def _feature_text(key: str, today: float, other: float) -> str:
    """E.g. "Gold -2.1 vs -0.8 sigma"; an unknown value reads "no data then"."""
    if key.startswith("z_"):
        label, unit, fmt = CLASS_LABELS[key[2:]], " sigma", "{:+.1f}"
    else:
        label = FEATURE_LABELS[key]
        unit, fmt = (" bp", "{:+.0f}") if key.endswith("_bp") else ("", "{:.2f}")
    then = "no data then" if math.isnan(other) else fmt.format(other) + unit
    return f"{label} {fmt.format(today)}{unit} vs {then}"


def compare(today: dict[str, float], other: dict[str, float]) -> dict[str, Any]:
    """Distance, similarity and the features that are alike and unlike between two days."""
    shared = [k for k in today if k in other]
    if len(shared) < MIN_SHARED:
        return {"similarity": math.nan, "distance": math.nan, "shared": len(shared)}
    scaled_today = {k: v / FINGERPRINT_SCALES[k] for k, v in today.items()}
    diffs = {k: scaled_today[k] - other[k] / FINGERPRINT_SCALES[k] for k in shared}
    weights = {
        k: max(abs(scaled_today[k]), abs(other[k] / FINGERPRINT_SCALES[k])) + WEIGHT_FLOOR
        for k in shared
    }
    for k, v in scaled_today.items():
        if k not in other and abs(v) > EXTREME:
            diffs[k] = MISSING_PENALTY * abs(v)
            weights[k] = abs(v) + WEIGHT_FLOOR
    total = sum(weights.values())
    distance = math.sqrt(sum(weights[k] * diffs[k] ** 2 for k in diffs) / total)
    # Features that are zero on both days (no sell-off to judge havens by) say nothing.
    telling = [k for k in shared if today[k] != 0.0 or other[k] != 0.0]
    ordered = sorted(telling, key=lambda k: abs(diffs[k]))
    unknown = [k for k in diffs if k not in other]
    return {
        "similarity": 1.0 / (1.0 + distance),
        "distance": distance,
        "shared": len(shared),
        "similar_in": [
            _feature_text(k, today[k], other[k]) for k in ordered[:3] if abs(diffs[k]) < 0.5
        ],
        "differs_in": [
            _feature_text(k, today[k], other[k]) for k in ordered[::-1][:3] if abs(diffs[k]) >= 1.0
        ]
        + [_feature_text(k, today[k], math.nan) for k in unknown],
    }


def episode_analogs(
    result: IndicatorSet, day: pd.Timestamp, k: int = 5, episodes: list[Episode] | None = None
) -> list[dict[str, Any]]:
    """Rank the library's episodes that had ended by ``day`` by similarity to ``day``.

    Returns
    -------
    list of dict
        ``id, name, peak, crash_type, epicenter, similarity, distance, shared, similar_in,
        differs_in, fingerprint``, best first.
    """
    today = fingerprint(result, day)
    index = result.table.index
    ranked = []
    for episode in episodes if episodes is not None else load_episodes():
        peak = pd.Timestamp(episode.peak)
        if episode.end >= day.date() or peak < index[0] or peak not in index:
            continue
        theirs = fingerprint(result, peak)
        match = compare(today, theirs)
        if not math.isfinite(match["similarity"]):
            continue
        ranked.append(
            {
                "id": episode.id,
                "name": episode.name,
                "peak": episode.peak.isoformat(),
                "crash_type": episode.crash_type,
                "epicenter": episode.epicenter,
                **match,
                "fingerprint": theirs,
            }
        )
    ranked.sort(key=lambda r: r["similarity"], reverse=True)
    return ranked[:k]


def trajectory(result: IndicatorSet) -> pd.DataFrame:
    """The multi-indicator path used by the path search, one column per dimension."""
    paths = {
        c: result.returns[c].fillna(0.0).cumsum().where(result.returns[c].notna())
        for c in PATH_DIMENSIONS
    }
    frame = pd.DataFrame(paths)
    frame["stress_index"] = result.table["stress_index"]
    frame["avg_corr_20d"] = result.table["avg_corr_20d"]
    return frame


def path_analogs(
    result: IndicatorSet, day: pd.Timestamp, k: int = 5, length: int = PATH_LENGTH
) -> list[dict[str, Any]]:
    """Find the past windows whose trajectory is closest in shape to the last ``length`` days.

    Returns
    -------
    list of dict
        ``start, end, distance`` (z-normalised Euclidean over all dimensions) and, where known
        by ``day``, ``equities_next_20d_pct``: what US equities did in the 20 business days
        after the match.
    """
    from riskoff.diagnosis.pathsearch import distance_profile, top_matches

    path = trajectory(result).loc[:day]
    values = path.to_numpy(dtype=np.float64)
    if len(values) < 3 * length:
        return []
    query = values[-length:]
    if np.isnan(query).any():
        return []
    profile = distance_profile(query, values)
    # A match must end before the query starts, so today never matches itself.
    starts = top_matches(profile, k, exclusion=length, exclude_after=len(values) - 2 * length)
    equities = result.returns["us_equities"].loc[:day]
    out = []
    for i in starts:
        end = i + length - 1
        after = equities.iloc[end + 1 : end + 21]
        out.append(
            {
                "start": path.index[i].date().isoformat(),
                "end": path.index[end].date().isoformat(),
                "distance": float(profile[i]),
                "equities_next_20d_pct": float(np.expm1(after.sum()) * 100.0)
                if len(after) == 20 and after.notna().all()
                else None,
            }
        )
    return out
