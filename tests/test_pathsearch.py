"""Distance profile (multi-dimensional MASS) and match picking against ``naive.py``."""

from __future__ import annotations

import naive
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskoff.diagnosis.pathsearch import distance_profile, top_matches


def _assert_profiles_equal(ours: np.ndarray, ref: np.ndarray) -> None:
    """Compare squared distances: sqrt turns the FFT's ~1e-13 rounding of a near-perfect match
    into ~1e-6 on the distance itself (as in MASS/stumpy), while D^2 stays tight."""
    np.testing.assert_array_equal(np.isinf(ours), np.isinf(ref))
    finite = np.isfinite(ref)
    np.testing.assert_allclose(ours[finite] ** 2, ref[finite] ** 2, rtol=1e-8, atol=1e-8)


@pytest.fixture(scope="module")
def paths() -> np.ndarray:
    """Random-walk price paths (large levels) with a gap and constant stretches."""
    rng = np.random.default_rng(42)
    x = 100.0 + rng.standard_normal((1500, 4)).cumsum(axis=0)
    x[400:420, 1] = np.nan
    x[700:800, 2] = 5.0
    x[1000:1060, 3] = 7.0
    return x


@pytest.mark.parametrize("m", [4, 20, 60])
def test_matches_naive(paths: np.ndarray, m: int) -> None:
    query = paths[-m:]
    _assert_profiles_equal(distance_profile(query, paths), naive.distance_profile(query, paths))


def test_matches_naive_one_dimension(paths: np.ndarray) -> None:
    query = paths[200:230, 0]
    ours = distance_profile(query, paths[:, 0])
    _assert_profiles_equal(ours, naive.distance_profile(query[:, None], paths[:, :1]))
    assert int(np.argmin(ours)) == 200


def test_matches_naive_constant_query_dimension(paths: np.ndarray) -> None:
    query = paths[1000:1060].copy()  # dimension 3 is constant here
    ours = distance_profile(query, paths)
    _assert_profiles_equal(ours, naive.distance_profile(query, paths))
    # dimension 3: both constant, distance 0 by convention; the others identical
    assert int(np.argmin(ours)) == 1000 and ours[1000] < 1e-5


def test_matches_naive_real() -> None:
    returns = naive.real_log_returns(1500, ["SPY", "TLT", "GLD", "MAGS"])
    path = np.where(np.isnan(returns), 0.0, returns).cumsum(axis=0)
    path[np.isnan(returns)] = np.nan  # MAGS starts in 2023: windows before are inf
    query = path[-60:, :3]
    ours = distance_profile(query, path[:, :3])
    _assert_profiles_equal(ours, naive.distance_profile(query, path[:, :3]))
    query = path[-70:-10]  # MAGS has no print on the last day
    _assert_profiles_equal(distance_profile(query, path), naive.distance_profile(query, path))


def test_invariant_to_scale_and_level(paths: np.ndarray) -> None:
    query = paths[300:340]
    base = distance_profile(query, paths)
    moved = distance_profile(query * 3.0 - 50.0, paths * np.array([2.0, 0.5, 10.0, 1.0]) + 1e4)
    np.testing.assert_allclose(moved**2, base**2, rtol=1e-7, atol=1e-7)


def test_planted_pattern_is_found() -> None:
    rng = np.random.default_rng(42)
    series = rng.standard_normal((2000, 3)).cumsum(axis=0)
    pattern = np.sin(np.linspace(0, 6, 50))[:, None] * np.array([1.0, -2.0, 0.5])
    series[300:350] = 5 * pattern + 40
    series[1200:1250] = 0.1 * pattern - 3
    query = pattern + rng.standard_normal(pattern.shape) * 0.01
    profile = distance_profile(query, series)
    assert sorted(top_matches(profile, 2, exclusion=50)) == [300, 1200]
    assert profile[300] < 0.5 and profile[1200] < 0.5 < 0.1 * np.median(profile)


def test_range_and_nan_windows(paths: np.ndarray) -> None:
    profile = distance_profile(paths[-30:], paths)
    assert profile.shape == (1500 - 30 + 1,)
    assert np.isinf(profile[371:420]).all() and np.isfinite(profile[420:450]).all()
    finite = profile[np.isfinite(profile)]
    assert (finite >= 0).all() and (finite <= 2 * np.sqrt(30 * 4)).all()


def test_length_one_query_is_all_constant() -> None:
    """m = 1: every window is constant, so each dimension contributes 0 (stumpy's convention)."""
    series = np.random.default_rng(42).standard_normal((50, 2))
    np.testing.assert_array_equal(distance_profile(series[:1], series), np.zeros(50))


def test_errors() -> None:
    with pytest.raises(ValueError, match="finite"):
        distance_profile(np.array([1.0, np.nan]), np.arange(10.0))
    with pytest.raises(ValueError, match="dimensions"):
        distance_profile(np.zeros((5, 2)), np.zeros((20, 3)))
    with pytest.raises(ValueError, match="len"):
        distance_profile(np.zeros(5), np.zeros(4))


# --- top_matches ------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(0, 120),
    k=st.integers(0, 8),
    exclusion=st.integers(1, 25),
    exclude_after=st.one_of(st.none(), st.integers(-5, 130)),
)
def test_top_matches_against_brute_force(
    seed: int, n: int, k: int, exclusion: int, exclude_after: int | None
) -> None:
    rng = np.random.default_rng(seed)
    profile = np.round(rng.random(n) * 10, 1)  # ties
    profile[rng.random(n) < 0.1] = np.inf
    profile[rng.random(n) < 0.05] = np.nan
    picks = top_matches(profile, k, exclusion, exclude_after)
    assert picks == naive.top_matches(profile, k, exclusion, exclude_after)
    assert len(picks) <= k
    assert all(abs(a - b) >= exclusion for i, a in enumerate(picks) for b in picks[:i])
    if exclude_after is not None:
        assert all(p <= exclude_after for p in picks)


def test_top_matches_hand_values() -> None:
    profile = np.array([5.0, 1.0, 0.5, 2.0, 9.0, 0.7, 3.0, np.inf, 0.1])
    assert top_matches(profile, 3, exclusion=2) == [8, 2, 5]
    assert top_matches(profile, 3, exclusion=2, exclude_after=6) == [2, 5, 0]
    assert top_matches(profile, 9, exclusion=4) == [8, 2]  # only two fit
    assert top_matches(profile, 0, exclusion=1) == []
    assert top_matches(np.array([]), 3, exclusion=1) == []
    with pytest.raises(ValueError, match="exclusion"):
        top_matches(profile, 1, exclusion=0)
