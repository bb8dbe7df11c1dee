"""Recursive ECDF and CISS composite against the slow references in ``naive.py``."""

from __future__ import annotations

import naive
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskoff.indicators.stress import ciss, ecdf_transform


@pytest.fixture(scope="module")
def raw() -> np.ndarray:
    """Five stress measures with ties, gaps and late starts."""
    rng = np.random.default_rng(42)
    x = np.abs(rng.standard_normal((1200, 5)).cumsum(axis=0))
    x[:, 1] = np.round(x[:, 1])  # many ties
    x[:300, 2] = np.nan  # starts later
    x[500:540, 3] = np.nan  # a gap
    x[::17, 4] = np.nan  # scattered holes
    return x


@pytest.fixture(scope="module")
def real_subindices() -> np.ndarray:
    """ECDFs of 20-day realised volatility of five bundled markets (BTC starts in 2014)."""
    returns = naive.real_log_returns(3000, ["SPY", "TLT", "HYG", "UUP", "BTC-USD"])
    vol = pd.DataFrame(returns).rolling(20).std().to_numpy()
    return ecdf_transform(vol, min_periods=20)


# --- ecdf_transform ---------------------------------------------------------------------------


@pytest.mark.parametrize("min_periods", [1, 25])
def test_ecdf_matches_naive(raw: np.ndarray, min_periods: int) -> None:
    ours = ecdf_transform(raw, min_periods=min_periods)
    for k in range(raw.shape[1]):
        ref = naive.ecdf(raw[:, k], min_periods)
        np.testing.assert_array_equal(np.isnan(ours[:, k]), np.isnan(ref))
        np.testing.assert_allclose(ours[:, k], ref, rtol=1e-15)
        np.testing.assert_array_equal(ecdf_transform(raw[:, k], min_periods), ours[:, k])


def test_ecdf_matches_naive_real() -> None:
    spy = naive.real_log_returns(2500, ["SPY"])[:, 0]
    np.testing.assert_allclose(ecdf_transform(spy), naive.ecdf(spy), rtol=1e-15)


@pytest.mark.parametrize("length", [1, 2, 3, 15, 16, 17, 33, 100])
def test_ecdf_short_series(length: int) -> None:
    x = np.round(np.random.default_rng(length).standard_normal(length), 1)
    np.testing.assert_allclose(ecdf_transform(x), naive.ecdf(x), rtol=1e-15)


def test_ecdf_hand_values() -> None:
    x = np.array([3.0, 1.0, 2.0, 2.0, np.nan, 5.0, 0.0])
    expected = [1.0, 1 / 2, 2 / 3, 3 / 4, np.nan, 1.0, 1 / 6]
    np.testing.assert_allclose(ecdf_transform(x), expected, rtol=1e-15)
    assert np.isnan(ecdf_transform(np.full(4, np.nan))).all()
    assert ecdf_transform(np.array([])).shape == (0,)


@pytest.mark.parametrize("cut", [0, 16, 299, 777, 1199])
def test_ecdf_point_in_time(raw: np.ndarray, cut: int) -> None:
    """Ranks come from the whole sample, yet day t's value only depends on days <= t."""
    full = ecdf_transform(raw)
    future = raw.copy()
    future[cut + 1 :] = np.random.default_rng(3).standard_normal(future[cut + 1 :].shape) * 100
    np.testing.assert_array_equal(ecdf_transform(raw[: cut + 1]), full[: cut + 1])
    np.testing.assert_array_equal(ecdf_transform(future)[: cut + 1], full[: cut + 1])


@settings(max_examples=50, deadline=None)
@given(
    values=st.lists(
        st.one_of(st.integers(-3, 3).map(float), st.floats(-1e6, 1e6), st.just(float("nan"))),
        min_size=1,
        max_size=80,
    ),
    data=st.data(),
)
def test_ecdf_property(values: list[float], data: st.DataObject) -> None:
    x = np.array(values)
    ours = ecdf_transform(x)
    np.testing.assert_allclose(ours, naive.ecdf(x), rtol=1e-15)
    cut = data.draw(st.integers(0, len(values) - 1))
    np.testing.assert_array_equal(ecdf_transform(x[: cut + 1]), ours[: cut + 1])


# --- ciss ---------------------------------------------------------------------------------------


def _subindices(raw: np.ndarray) -> np.ndarray:
    return ecdf_transform(raw, min_periods=10)


@pytest.mark.parametrize("min_periods", [1, 20])
@pytest.mark.parametrize("weights", [[0.2] * 5, [3.0, 1.0, 0.0, 2.0, 1.0]])
def test_ciss_matches_naive(raw: np.ndarray, min_periods: int, weights: list[float]) -> None:
    s = _subindices(raw)
    w = np.array(weights)
    ours, contrib = ciss(s, w, min_periods=min_periods)
    ref, ref_contrib = naive.ciss(s, w, min_periods=min_periods)
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(ref))
    np.testing.assert_allclose(ours, ref, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(contrib, ref_contrib, rtol=1e-10, atol=1e-14)


def test_ciss_matches_naive_real(real_subindices: np.ndarray) -> None:
    w = np.array([0.3, 0.2, 0.2, 0.2, 0.1])
    ours, contrib = ciss(real_subindices, w)
    ref, ref_contrib = naive.ciss(real_subindices, w)
    assert np.isfinite(ref).sum() > 2500
    np.testing.assert_allclose(ours, ref, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(contrib, ref_contrib, rtol=1e-10, atol=1e-14)


def test_ciss_contributions_sum_and_range(raw: np.ndarray) -> None:
    s = _subindices(raw)
    composite, contrib = ciss(s, np.ones(5))
    defined = ~np.isnan(composite)
    assert defined.sum() > 1000
    np.testing.assert_allclose(contrib[defined].sum(axis=1), composite[defined], rtol=1e-12)
    assert (composite[defined] >= 0).all() and (composite[defined] <= 1).all()
    # not yet started or missing that day: contributes exactly nothing
    assert (contrib[:300, 2][defined[:300]] == 0).all()
    assert np.isnan(contrib[~defined]).all()


def test_ciss_identical_subindices_is_square() -> None:
    """Perfectly correlated sub-indices: C is all ones, so CISS = (weighted mean of s)^2."""
    s = ecdf_transform(np.random.default_rng(42).standard_normal(300))
    composite, _ = ciss(np.column_stack([s, s, s]), np.array([1.0, 2.0, 1.0]), min_periods=1)
    np.testing.assert_allclose(composite, s**2, rtol=1e-12)


def test_ciss_single_subindex_is_square() -> None:
    s = ecdf_transform(np.random.default_rng(42).standard_normal(300))
    composite, contrib = ciss(s[:, None], np.array([5.0]), min_periods=1)
    np.testing.assert_allclose(composite, s**2, rtol=1e-12)
    np.testing.assert_allclose(contrib[:, 0], composite, rtol=1e-12)


def test_ciss_uncorrelated_stress_counts_less() -> None:
    rng = np.random.default_rng(42)
    s = ecdf_transform(rng.standard_normal((2000, 4)))
    composite, _ = ciss(s, np.full(4, 0.25))
    together, _ = ciss(np.repeat(s[:, :1], 4, axis=1), np.full(4, 0.25))
    # same average level, less co-movement: lower composite on average
    assert np.nanmean(composite) < 0.8 * np.nanmean(together)


def test_ciss_calm_market_does_not_cancel_stress() -> None:
    """A sub-index moving against the others (Treasuries calm in a flight to safety) adds its
    own square but no negative cross-term: the composite is never below the stressed part."""
    rng = np.random.default_rng(7)
    stressed = ecdf_transform(rng.standard_normal(1000))
    s = np.column_stack([stressed, 1.0 - stressed])  # perfectly anti-correlated
    composite, contrib = ciss(s, np.array([0.5, 0.5]))
    ok = ~np.isnan(composite)
    np.testing.assert_allclose(composite[ok], 0.25 * (s[ok, 0] ** 2 + s[ok, 1] ** 2), atol=1e-9)
    np.testing.assert_allclose(contrib[ok].sum(axis=1), composite[ok], rtol=1e-12)


def test_ciss_constant_subindex_at_median() -> None:
    """A sub-index stuck at 0.5 has no EWMA variance: unit self-correlation, none with others."""
    rng = np.random.default_rng(42)
    s = np.column_stack([ecdf_transform(rng.standard_normal(200)), np.full(200, 0.5)])
    composite, contrib = ciss(s, np.array([0.5, 0.5]), min_periods=1)
    np.testing.assert_allclose(composite, 0.25 * s[:, 0] ** 2 + 0.25 * 0.25, rtol=1e-12)
    np.testing.assert_allclose(contrib[:, 1], 0.25 * 0.25, rtol=1e-12)


def test_ciss_renormalises_weights_when_missing() -> None:
    s = np.full((50, 2), 0.8)
    s[:, 1] = np.linspace(0.1, 0.9, 50)
    s[:25, 1] = np.nan
    composite, contrib = ciss(s, np.array([1.0, 3.0]), min_periods=1)
    np.testing.assert_allclose(composite[:25], 0.64, rtol=1e-12)  # s_0 alone, weight 1
    assert (contrib[:25, 1] == 0).all()
    assert np.isnan(ciss(np.full((5, 2), np.nan), np.ones(2))[0]).all()


@pytest.mark.parametrize("cut", [0, 20, 450, 1199])
def test_ciss_point_in_time(raw: np.ndarray, cut: int) -> None:
    s = _subindices(raw)
    w = np.array([0.3, 0.2, 0.2, 0.2, 0.1])
    full, full_contrib = ciss(s, w)
    head, head_contrib = ciss(s[: cut + 1], w)
    np.testing.assert_array_equal(head, full[: cut + 1])
    np.testing.assert_array_equal(head_contrib, full_contrib[: cut + 1])
    future = s.copy()
    future[cut + 1 :] = np.random.default_rng(1).random(future[cut + 1 :].shape)
    np.testing.assert_array_equal(ciss(future, w)[0][: cut + 1], full[: cut + 1])


def test_ciss_errors() -> None:
    s = np.full((10, 3), 0.5)
    with pytest.raises(ValueError, match="shape"):
        ciss(s, np.ones(2))
    with pytest.raises(ValueError, match="non-negative"):
        ciss(s, np.array([1.0, -1.0, 1.0]))
    with pytest.raises(ValueError, match="ewma_lambda"):
        ciss(s, np.ones(3), ewma_lambda=1.0)
    with pytest.raises(ValueError, match="2-D"):
        ciss(np.ones(10), np.ones(1))
