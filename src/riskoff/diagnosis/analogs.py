"""Historical analogs: which labelled episodes, and which past windows, today resembles.

Two searches:

1. **Episodes by fingerprint.** A day's fingerprint is its window moves (in sigma) of the main
   asset classes (silver, semiconductors and ether included), the funding spread, the 20-day
   cross-asset correlation, the stress index, breadth and safe-haven failure, each divided by a
   scale that makes one unit a large difference (``FINGERPRINT_SCALES``) and clipped at
   ``FEATURE_CLIP`` units, so one extreme feature (the +315 bp repo spike of September 2019)
   says "very large" without outweighing every other feature. The distance between two days
   is a weighted root mean square of the scaled differences over the features both have, each
   weighted by the larger of its two scaled magnitudes (plus a floor), so the moves that define
   a day count more than the many small ones. Episodes from before some markets existed are
   compared on what exists, but a feature that is extreme today and unknown then counts as if
   it had not moved then (``MISSING_PENALTY``): a 2007 episode cannot look like a bitcoin
   crash for lack of bitcoin. Similarity is ``1 / (1 + distance)``.
2. **Path search over the whole history.** The last ``m`` days of a multi-indicator trajectory
   (equities, gold, long Treasuries and the dollar as cumulative returns, the stress index and the
   20-day correlation) are compared with every past window of the same length by z-normalised
   Euclidean distance (MASS, FFT-based), so the shape of the move counts, not its level.

Only what was knowable on the day is used: episodes that contain the day, or ended fewer than
``MIN_GAP_BDAYS`` business days before it, are left out, and path matches must end before the
query window starts. An episode's fingerprint is its peak day as known on that day (point in
time), read from the bundled ``episode_fingerprints.json``, so the same episode-day has the
same values in every brief. When the indicators change, rebuild it with
``python -m riskoff.diagnosis.analogs`` (:func:`build_fingerprint_table` over the store).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from riskoff.diagnosis.episodes import Episode, load_episodes
from riskoff.indicators import IndicatorSet
from riskoff.indicators.basket import CLASS_LABELS, SIDE_SERIES
from riskoff.indicators.crossasset import window_moves

FINGERPRINT_CLASSES = (
    "us_equities",
    "tech",
    "semis",
    "banks",
    "japan",
    "em_equities",
    "credit",
    "long_treasuries",
    "gold",
    "silver",
    "oil",
    "crypto",
    "ether",
    "dollar",
    "yen",
)
SIDE_CLASSES = {"ether": SIDE_SERIES["ether"]}  # not in the basket: z computed from the panel
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
FEATURE_CLIP = 3.0  # scaled features are clipped here: beyond three large differences is "extreme"
MIN_GAP_BDAYS = 20  # an episode must have ended this many business days before the day
FINGERPRINT_FILE = "episode_fingerprints.json"
MIN_SHARED = 6  # features two days must share to be compared
WEIGHT_FLOOR = 0.25  # every shared feature counts at least this much
MISSING_PENALTY = 1.0  # share of an extreme feature's size counted when the other day lacks it
EXTREME = 1.0  # scaled size above which a feature missing on the other day is penalised
PATH_LENGTH = 60
PATH_DIMENSIONS = ("us_equities", "gold", "long_treasuries", "dollar")


def _side_z(result: IndicatorSet, series_id: str) -> pd.Series:
    """Window z of a side series (not in the basket), computed like the basket's."""
    if series_id not in result.panel:
        return pd.Series(np.nan, index=result.panel.index)
    level = result.panel[series_id]
    with np.errstate(invalid="ignore", divide="ignore"):
        ret = np.log((level / level.shift(1)).where(level > 0))
    _, z = window_moves(ret.to_frame("x"), result.window)
    return z["x"]


def fingerprint(result: IndicatorSet, day: pd.Timestamp) -> dict[str, float]:
    """Return the fingerprint of ``day`` (NaN features dropped)."""
    features: dict[str, float] = {}
    z = result.move_z.loc[day]
    for c in FINGERPRINT_CLASSES:
        value = float(z.get(c, math.nan))
        if c in SIDE_CLASSES:
            value = float(_side_z(result, SIDE_CLASSES[c]).get(day, math.nan))
        elif c == "dollar" and "dollar_move_z" in result.table:
            # The diagnosis's dollar (broad index extended to the day), not the basket's UUP:
            # one dollar reading per day everywhere.
            broad = float(result.table["dollar_move_z"].get(day, math.nan))
            value = broad if math.isfinite(broad) else value
        if math.isfinite(value):
            features[f"z_{c}"] = float(np.clip(value, -Z_CLIP, Z_CLIP))
    row = result.table.loc[day]
    for key in ("funding_spread_bp", "avg_corr_20d", "stress_index", "breadth"):
        if key in row and math.isfinite(row[key]):
            features[key] = float(row[key])
    shf = row["safe_haven_failure"]
    if math.isfinite(shf):
        features["safe_haven_failure"] = float(shf)
    return features


def _scaled(key: str, value: float) -> float:
    """A feature in units of a large difference, clipped at ``FEATURE_CLIP``."""
    return float(np.clip(value / FINGERPRINT_SCALES[key], -FEATURE_CLIP, FEATURE_CLIP))


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
    scaled_today = {k: _scaled(k, v) for k, v in today.items()}
    scaled_other = {k: _scaled(k, other[k]) for k in shared}
    diffs = {k: scaled_today[k] - scaled_other[k] for k in shared}
    weights = {k: max(abs(scaled_today[k]), abs(scaled_other[k])) + WEIGHT_FLOOR for k in shared}
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


def eligible(episode: Episode, day: pd.Timestamp) -> bool:
    """An episode may be an analog of ``day`` when it ended ``MIN_GAP_BDAYS`` before it.

    The episode containing the day, and one that ended days ago, would be the day itself.
    """
    cutoff = (day - pd.offsets.BDay(MIN_GAP_BDAYS)).date()
    return episode.end <= cutoff


def load_fingerprints(path: Path | None = None) -> dict[str, dict[str, Any]]:
    """Return the bundled point-in-time fingerprints: episode id -> ``{peak, features}``."""
    if path is not None:
        text = path.read_text(encoding="utf-8")
    else:
        file = resources.files("riskoff.diagnosis").joinpath(FINGERPRINT_FILE)
        if not file.is_file():
            return {}
        text = file.read_text(encoding="utf-8")
    data = json.loads(text)
    return dict(data.get("episodes", {}))


def build_fingerprint_table(
    load: Callable[[pd.Timestamp], IndicatorSet], episodes: list[Episode] | None = None
) -> dict[str, Any]:
    """Compute every episode's fingerprint on its peak day as known on that day.

    Parameters
    ----------
    load : callable
        Returns the point-in-time indicator set for a day (the pipeline's ``indicator_set``).
    episodes : list of Episode, optional
        Default: the library.

    Returns
    -------
    dict
        ``{"episodes": {id: {"peak": iso, "features": {...}}}}``, ready for JSON.
    """
    out: dict[str, Any] = {}
    for episode in episodes if episodes is not None else load_episodes():
        peak = pd.Timestamp(episode.peak)
        result = load(peak)
        if peak not in result.table.index:
            continue
        features = {k: round(v, 6) for k, v in fingerprint(result, peak).items()}
        out[episode.id] = {
            "peak": episode.peak.isoformat(),
            "features": features,
            **point_in_time_readings(result, peak),
        }
    return {"episodes": out}


READING_COLUMNS = ("funding_spread_bp", "sofr_iorb_bp", "stress_index", "breadth")


def point_in_time_readings(result: IndicatorSet, day: pd.Timestamp) -> dict[str, Any]:
    """The moves and readings of ``day`` as known on it, with their dates, for briefs to show.

    Returns
    -------
    dict
        ``moves``: class -> ``{pct, z, start, end, proxy}``; ``values``: column ->
        ``{value, observed}``.
    """
    from riskoff.indicators.basket import basket_proxies
    from riskoff.indicators.crossasset import window_span
    from riskoff.report.facts import Observations

    spans = window_span(result.returns, result.window, day)
    proxies = basket_proxies(result.panel.loc[:day].iloc[-2:]).loc[day]
    moves = {}
    for c in result.move_pct.columns:
        pct, z = float(result.move_pct[c].loc[day]), float(result.move_z[c].loc[day])
        if not math.isfinite(pct) or c not in spans:
            continue
        moves[c] = {
            "pct": round(pct, 6),
            "z": round(z, 6) if math.isfinite(z) else None,
            "start": spans[c][0].date().isoformat(),
            "end": spans[c][1].date().isoformat(),
            "proxy": str(proxies.get(c) or ""),
        }
    from riskoff.diagnosis.diagnose import dollar_reading
    from riskoff.diagnosis.rules import load_rules

    dollar = dollar_reading(result, day, load_rules())
    if math.isfinite(dollar.move_pct) and math.isfinite(dollar.z):
        # The diagnosis's broad dollar, not the basket's UUP: one dollar reading per day.
        moves["dollar"] = {
            "pct": round(dollar.move_pct, 6),
            "z": round(dollar.z, 6),
            "start": dollar.start,
            "end": dollar.end,
            "proxy": dollar.series,
        }
    obs = Observations(
        result.panel, day, {k: str(v) for k, v in getattr(result, "last_observed", {}).items()}
    )
    values = {}
    for col in READING_COLUMNS:
        if col in result.table and math.isfinite(float(result.table[col].loc[day])):
            values[col] = {
                "value": round(float(result.table[col].loc[day]), 6),
                "observed": obs.column_date(col, day),
            }
    return {"moves": moves, "values": values}


def episode_analogs(
    result: IndicatorSet,
    day: pd.Timestamp,
    k: int = 5,
    episodes: list[Episode] | None = None,
    fingerprints: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Rank the library's episodes that had ended by ``day`` by similarity to ``day``.

    Parameters
    ----------
    fingerprints : mapping, optional
        Point-in-time fingerprints by episode id (default: the bundled table); an episode
        missing from it is read from ``result``.

    Returns
    -------
    list of dict
        ``id, name, peak, crash_type, epicenter, similarity, distance, shared, similar_in,
        differs_in, fingerprint, point_in_time, rank, of``, best first; ``rank`` is the place
        among all ``of`` eligible episodes; ``point_in_time`` holds the episode day's moves and
        readings as known on it (from the bundled table; empty for an episode not in it).
    """
    today = fingerprint(result, day)
    table = load_fingerprints() if fingerprints is None else fingerprints
    index = result.table.index
    ranked = []
    for episode in episodes if episodes is not None else load_episodes():
        peak = pd.Timestamp(episode.peak)
        if not eligible(episode, day):
            continue
        stored = table.get(episode.id)
        readings: dict[str, Any] = {}
        if stored is not None and stored.get("peak") == episode.peak.isoformat():
            theirs = {key: float(v) for key, v in stored["features"].items()}
            readings = {"moves": stored.get("moves", {}), "values": stored.get("values", {})}
        elif peak >= index[0] and peak in index:
            theirs = fingerprint(result, peak)
        else:
            continue
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
                "source": episode.source,
                **match,
                "fingerprint": theirs,
                "point_in_time": readings,
            }
        )
    ranked.sort(key=lambda r: r["similarity"], reverse=True)
    for n, r in enumerate(ranked, start=1):
        r["rank"] = n
        r["of"] = len(ranked)
    return ranked if k <= 0 else ranked[:k]


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


def main() -> None:  # pragma: no cover - a maintenance command
    """Rebuild the bundled ``episode_fingerprints.json`` from the store's data."""
    from riskoff.pipeline import indicator_set

    table = build_fingerprint_table(lambda day: indicator_set(day, window=10))
    path = Path(str(resources.files("riskoff.diagnosis").joinpath(FINGERPRINT_FILE)))
    path.write_text(json.dumps(table, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {path} ({len(table['episodes'])} episodes)")


if __name__ == "__main__":  # pragma: no cover
    main()
