"""Episode analogs: a complete fingerprint, clipped features, one value per episode-day."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from riskoff.diagnosis.analogs import (
    FEATURE_CLIP,
    FINGERPRINT_SCALES,
    compare,
    eligible,
    episode_analogs,
    fingerprint,
    load_fingerprints,
)
from riskoff.diagnosis.episodes import load_episodes
from riskoff.indicators import IndicatorSet
from riskoff.pipeline import indicator_set


@pytest.fixture(scope="module")
def sets() -> dict[str, IndicatorSet]:
    return {d: indicator_set(d, window=10) for d in ("2008-10-10", "2025-10-31", "2026-02-05")}


def test_fingerprint_has_silver_semis_and_ether(sets: dict[str, IndicatorSet]) -> None:
    result = sets["2026-02-05"]
    features = fingerprint(result, result.table.index[-1])
    for key in ("z_silver", "z_semis", "z_ether", "z_crypto", "z_gold"):
        assert key in features
    assert features["z_silver"] < -2  # silver's crash is in the fingerprint


def test_an_extreme_feature_is_clipped() -> None:
    base = {f"z_{c}": 0.0 for c in ("us_equities", "tech", "banks", "gold", "dollar", "yen")}
    squeeze = {**base, "funding_spread_bp": 32.0}
    spike = {**base, "funding_spread_bp": 315.0}
    calm = {**base, "funding_spread_bp": -8.0}
    # Beyond FEATURE_CLIP large differences a spike is "extreme": 315 bp is no further from
    # 32 bp than 32 bp is from a calm -8 bp.
    assert 315.0 / FINGERPRINT_SCALES["funding_spread_bp"] > FEATURE_CLIP
    assert compare(squeeze, spike)["distance"] < compare(squeeze, calm)["distance"]


def test_repo_spike_is_a_close_analog_of_the_2025_repo_squeeze(
    sets: dict[str, IndicatorSet],
) -> None:
    result = sets["2025-10-31"]
    ranked = episode_analogs(result, result.table.index[-1], k=0)
    ids = [r["id"] for r in ranked]
    assert ids.index("repo-spike-2019") < 3
    assert ranked[0]["rank"] == 1 and ranked[-1]["rank"] == ranked[0]["of"] == len(ranked)


def test_one_value_per_episode_day(sets: dict[str, IndicatorSet]) -> None:
    """Lehman's peak reads the same in its own brief and in another brief's analog table."""
    own = sets["2008-10-10"]
    features = fingerprint(own, own.table.index[-1])
    stored = load_fingerprints()["lehman-gfc-2008"]
    assert stored["peak"] == "2008-10-10"
    # When this fails the indicators changed: python -m riskoff.diagnosis.analogs rebuilds it.
    assert stored["features"] == pytest.approx(features, abs=1e-5)
    later = sets["2026-02-05"]
    row = next(
        r
        for r in episode_analogs(later, later.table.index[-1], k=0)
        if r["id"] == "lehman-gfc-2008"
    )
    assert row["fingerprint"]["funding_spread_bp"] == pytest.approx(
        features["funding_spread_bp"], abs=1e-5
    )


def test_no_analog_contains_the_day_or_ended_just_before() -> None:
    episode = next(e for e in load_episodes() if e.id == "lehman-gfc-2008")
    assert not eligible(episode, pd.Timestamp(episode.peak))
    assert not eligible(episode, pd.Timestamp(episode.end + dt.timedelta(days=14)))
    assert eligible(episode, pd.Timestamp(episode.end + dt.timedelta(days=30)))


def test_the_episode_itself_is_not_offered_two_days_after(sets: dict[str, IndicatorSet]) -> None:
    result = indicator_set("2024-08-09", window=10)
    ids = [r["id"] for r in episode_analogs(result, result.table.index[-1], k=0)]
    assert "yen-carry-unwind-2024" not in ids
