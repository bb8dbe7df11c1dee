"""Co-movement kernels against the slow references in ``naive.py``, plus properties."""

from __future__ import annotations

import naive
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskoff.indicators.comovement import (
    absorption_ratio,
    absorption_shift,
    rolling_avg_corr,
    turbulence,
)

RTOL = 1e-8
ATOL = 1e-11


def _panel(n_days: int = 700, n_assets: int = 12, seed: int = 42) -> np.ndarray:
    """Factor-driven returns with the awkward cases: late start, gaps, a constant stretch."""
    rng = np.random.default_rng(seed)
    factors = rng.standard_normal((n_days, 3))
    loadings = rng.uniform(-1.0, 1.5, (3, n_assets))
    x = 0.01 * (factors @ loadings + rng.standard_normal((n_days, n_assets)))
    x[:150, 3] = np.nan  # starts trading later
    x[300:310, 5] = np.nan  # a gap
    x[400, 6] = np.nan  # one missing print
    x[200:280, 7] = 0.0  # a constant stretch (no variance in some windows)
    x[:, 8] += 0.5  # a large mean: shifts must not cost precision
    x[650:, 9] = np.nan  # stops trading
    x[500, 10] = np.inf  # non-finite counts as missing
    return x


@pytest.fixture(scope="module")
def panel() -> np.ndarray:
    return _panel()


@pytest.fixture(scope="module")
def real() -> np.ndarray:
    return naive.real_log_returns(1500)


def _assert_same(ours: np.ndarray, ref: np.ndarray) -> None:
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(ref))
    np.testing.assert_allclose(ours, ref, rtol=RTOL, atol=ATOL)


# --- against the naive references -------------------------------------------------------------


@pytest.mark.parametrize("window", [2, 20, 60])
@pytest.mark.parametrize("min_assets", [2, 3, 11])
def test_avg_corr_matches_naive(panel: np.ndarray, window: int, min_assets: int) -> None:
    ours = rolling_avg_corr(panel, window, min_assets=min_assets)
    ref = naive.avg_corr(panel, window, min_assets=min_assets)
    assert np.isfinite(ref).sum() > 0
    _assert_same(ours, ref)


@pytest.mark.parametrize("window", [20, 60])
def test_avg_corr_matches_naive_real(real: np.ndarray, window: int) -> None:
    _assert_same(rolling_avg_corr(real, window), naive.avg_corr(real, window))


@pytest.mark.parametrize("window", [30, 120])
@pytest.mark.parametrize("n_factors", [None, 1, 3])
def test_absorption_ratio_matches_naive(
    panel: np.ndarray, window: int, n_factors: int | None
) -> None:
    ours = absorption_ratio(panel, window, n_factors)
    ref = naive.absorption_ratio(panel, window, n_factors)
    assert np.isfinite(ref).sum() > 0
    _assert_same(ours, ref)


def test_absorption_ratio_matches_naive_real(real: np.ndarray) -> None:
    _assert_same(absorption_ratio(real, 250), naive.absorption_ratio(real, 250))


def test_absorption_shift_matches_naive(real: np.ndarray) -> None:
    ar = absorption_ratio(real, 120)
    ar[700:705] = np.nan  # a hole: the next year of shifts is undefined
    ours = absorption_shift(ar)
    ref = naive.absorption_shift(ar)
    assert np.isfinite(ref).sum() > 100
    _assert_same(ours, ref)
    _assert_same(absorption_shift(ar, 5, 60), naive.absorption_shift(ar, 5, 60))


@pytest.mark.parametrize("window", [30, 100])
def test_turbulence_matches_naive(panel: np.ndarray, window: int) -> None:
    ours = turbulence(panel, window)
    ref = naive.turbulence(panel, window)
    assert np.isfinite(ref[0]).sum() > 0
    for a, b in zip(ours, ref, strict=True):
        _assert_same(a, b)


def test_turbulence_matches_naive_real(real: np.ndarray) -> None:
    for a, b in zip(turbulence(real, 250), naive.turbulence(real, 250), strict=True):
        _assert_same(a, b)


def test_turbulence_min_assets(panel: np.ndarray) -> None:
    ours = turbulence(panel, 60, min_assets=12)
    ref = naive.turbulence(panel, 60, min_assets=12)
    assert np.isnan(ref[0][400]) and np.isfinite(ref[0][480])  # asset 6 is missing on day 400
    for a, b in zip(ours, ref, strict=True):
        _assert_same(a, b)


# --- point in time ----------------------------------------------------------------------------


def _kernels() -> dict[str, object]:
    return {
        "avg_corr": lambda x: rolling_avg_corr(x, 20),
        "absorption_ratio": lambda x: absorption_ratio(x, 40),
        "turbulence": lambda x: np.column_stack(turbulence(x, 40)),
    }


@pytest.mark.parametrize("name", list(_kernels()))
@pytest.mark.parametrize("cut", [45, 83, 300, 511, 699])
def test_point_in_time(panel: np.ndarray, name: str, cut: int) -> None:
    """Output on day t is bit-identical with rows after t removed or rewritten."""
    kernel = _kernels()[name]
    full = kernel(panel)  # type: ignore[operator]
    truncated = kernel(panel[: cut + 1])  # type: ignore[operator]
    future = panel.copy()
    rng = np.random.default_rng(7)
    future[cut + 1 :] = rng.standard_normal(future[cut + 1 :].shape) * 1e3
    future[cut + 1 :: 3, ::2] = np.nan
    rewritten = kernel(future)  # type: ignore[operator]
    np.testing.assert_array_equal(truncated, full[: cut + 1])
    np.testing.assert_array_equal(rewritten[: cut + 1], full[: cut + 1])


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n_days=st.integers(5, 160),
    n_assets=st.integers(1, 7),
    window=st.integers(2, 30),
    data=st.data(),
)
def test_point_in_time_property(
    seed: int, n_days: int, n_assets: int, window: int, data: st.DataObject
) -> None:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n_days, n_assets))
    x[rng.random(x.shape) < 0.05] = np.nan
    cut = data.draw(st.integers(0, n_days - 1))
    head = x[: cut + 1]
    np.testing.assert_array_equal(
        rolling_avg_corr(head, window, 2), rolling_avg_corr(x, window, 2)[: cut + 1]
    )
    np.testing.assert_array_equal(
        absorption_ratio(head, window), absorption_ratio(x, window)[: cut + 1]
    )
    for a, b in zip(turbulence(head, window), turbulence(x, window), strict=True):
        np.testing.assert_array_equal(a, b[: cut + 1])


# --- hand-checked values ----------------------------------------------------------------------


def test_perfectly_correlated_assets_give_one() -> None:
    base = np.random.default_rng(42).standard_normal(200)
    x = np.column_stack([base, 2.0 * base + 1.0, 0.5 * base - 3.0])
    out = rolling_avg_corr(x, 30)
    assert np.isnan(out[:29]).all()
    np.testing.assert_allclose(out[29:], 1.0, rtol=0, atol=1e-12)


def test_two_opposite_pairs_average_to_minus_a_third() -> None:
    base = np.random.default_rng(42).standard_normal(200)
    x = np.column_stack([base, -base, base])  # pairs: -1, +1, -1
    np.testing.assert_allclose(rolling_avg_corr(x, 50)[49:], -1.0 / 3.0, atol=1e-12)


def test_independent_assets_average_near_zero() -> None:
    x = np.random.default_rng(42).standard_normal((3000, 40))
    out = rolling_avg_corr(x, 2000)
    # sd of an average of 780 sample correlations from 2000 days: about 0.0008
    assert np.nanmax(np.abs(out)) < 0.005


def test_constant_assets_are_excluded_not_nan() -> None:
    rng = np.random.default_rng(42)
    base = rng.standard_normal(100)
    x = np.column_stack([base, base + 0.1 * rng.standard_normal(100), np.full(100, 0.01), base])
    x[40:60, 1] = 0.0
    out = rolling_avg_corr(x, 10, min_assets=2)
    assert np.isfinite(out[9:]).all()
    # days 59..: asset 1 is constant over 40..59 in windows inside that stretch
    np.testing.assert_allclose(out[59], 1.0, atol=1e-12)  # only assets 0 and 3 usable
    assert np.isfinite(absorption_ratio(x, 10)[9:]).all()
    turb, mag, _ = turbulence(x[:, [0, 1, 2]], 30)
    assert np.isfinite(mag[30:]).all() and np.isfinite(turb[30:]).all()


def test_absorption_ratio_one_dominant_factor_near_one() -> None:
    rng = np.random.default_rng(42)
    market = rng.standard_normal((600, 1))
    x = market @ np.ones((1, 10)) + 0.01 * rng.standard_normal((600, 10))
    out = absorption_ratio(x, 250)
    assert np.nanmin(out) > 0.999


def test_absorption_ratio_independent_equal_variance() -> None:
    x = np.random.default_rng(42).standard_normal((3000, 10))
    out = absorption_ratio(x, 2000, n_factors=2)
    # equal eigenvalues in population: two of ten carry a bit more than 0.2 in a sample
    assert np.nanmin(out) > 0.2 and np.nanmax(out) < 0.3


def test_absorption_ratio_nan_when_factors_cover_all_assets() -> None:
    x = np.random.default_rng(42).standard_normal((50, 3))
    assert np.isnan(absorption_ratio(x, 20, n_factors=3)).all()


def test_absorption_shift_hand_values() -> None:
    ar = np.concatenate([np.full(240, 0.5), np.linspace(0.5, 0.6, 10), np.full(20, 0.8)])
    out = absorption_shift(ar, short=15, long=250)
    t = 260
    win = ar[t - 249 : t + 1]
    expected = (win[-15:].mean() - win.mean()) / win.std(ddof=1)
    np.testing.assert_allclose(out[t], expected, rtol=1e-12)
    assert out[t] > 0  # concentration rising
    assert np.isnan(out[:249]).all()
    assert np.isnan(absorption_shift(np.full(300, 0.4))).all()  # no variation: undefined


def test_turbulence_single_asset_is_squared_zscore() -> None:
    x = np.random.default_rng(42).standard_normal((100, 1))
    turb, mag, corr = turbulence(x, 50)
    t = 70
    win = x[t - 50 : t, 0]
    expected = (x[t, 0] - win.mean()) ** 2 / win.var(ddof=1)
    np.testing.assert_allclose(turb[t], expected, rtol=1e-10)
    np.testing.assert_allclose(mag[50:], turb[50:], rtol=1e-10)
    np.testing.assert_allclose(corr[50:], 1.0, rtol=1e-10)
    assert np.isnan(turb[:50]).all()


def test_turbulence_is_about_one_in_calm_markets() -> None:
    rng = np.random.default_rng(42)
    chol = np.linalg.cholesky(0.5 * np.eye(5) + 0.5)
    x = rng.standard_normal((3000, 5)) @ chol.T
    turb, mag, _ = turbulence(x, 250)
    # E[d / N] with estimated moments is a little above 1: (w-1)/(w-N-2) ~ 1.02 plus noise
    assert 0.9 < np.nanmean(turb) < 1.2
    assert 0.9 < np.nanmean(mag) < 1.2


def test_correlation_surprise_flags_decoupling() -> None:
    rng = np.random.default_rng(42)
    base = rng.standard_normal(300)
    x = np.column_stack([base, base + 0.1 * rng.standard_normal(300)])
    x[299] = [2.0, -2.0]  # two assets that move together suddenly move apart
    turb, mag, corr = turbulence(x, 250)
    assert corr[299] > 50 * np.nanmedian(corr)
    assert turb[299] > 50 * mag[299]
    x[299] = [2.0, 2.0]  # a big move in the usual direction: magnitude, not correlation
    _, mag, corr = turbulence(x, 250)
    assert mag[299] > 2.0 and corr[299] < 1.0


def test_singular_window_gives_nan_not_garbage() -> None:
    rng = np.random.default_rng(42)
    base = rng.standard_normal(80)
    x = np.column_stack([base, 2.0 * base, rng.standard_normal(80)])  # collinear pair
    turb, mag, _ = turbulence(x, 30)
    assert np.isnan(turb[30:]).all()
    assert np.isfinite(mag[30:]).all()


def test_shapes_and_errors() -> None:
    x = np.zeros((10, 3))
    assert rolling_avg_corr(x, 20).shape == (10,)
    assert np.isnan(absorption_ratio(x, 20)).all()
    assert all(np.isnan(a).all() for a in turbulence(x, 20))
    with pytest.raises(ValueError, match="2-D"):
        rolling_avg_corr(np.zeros(10), 5)
    with pytest.raises(ValueError, match="window"):
        rolling_avg_corr(x, 1)
    with pytest.raises(ValueError, match="n_factors"):
        absorption_ratio(x, 5, n_factors=0)
