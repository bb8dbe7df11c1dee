"""CISS-style composite stress index (Hollo, Kremer and Lo Duca 2012, ECB WP 1426).

Raw stress measures are mapped to their recursive empirical CDF (:func:`ecdf_transform`), which
puts every measure on the same (0, 1] scale using only data seen so far. Sub-indices in [0, 1]
are then aggregated with time-varying cross-correlations (:func:`ciss`) so that stress counts
more when it hits several market segments at once. Every value on day t uses rows <= t only.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["ciss", "ecdf_transform"]

FloatArray = NDArray[np.float64]


def _ewma_from_zero(x: FloatArray, decay: float) -> FloatArray:
    """``y_t = decay * y_(t-1) + (1 - decay) * x_t`` along the last axis, from ``y_(-1) = 0``.

    pandas' EWM runs the recursion in compiled code (scipy's ``lfilter`` would too, but importing
    ``scipy.signal`` costs about two seconds); a leading zero column starts it from zero.
    """
    import pandas as pd

    padded = np.concatenate([np.zeros((x.shape[0], 1)), x], axis=1)
    smoothed = pd.DataFrame(padded.T).ewm(alpha=1.0 - decay, adjust=False).mean()
    return np.ascontiguousarray(smoothed.to_numpy(dtype=np.float64).T[:, 1:])


def ecdf_transform(x: ArrayLike, min_periods: int = 1) -> FloatArray:
    """Recursive (expanding-window) empirical CDF of a series.

    On day t: F_t = #{s <= t : x_s <= x_t} / #{s <= t : x_s not NaN}, the order-statistic
    transform of Hollo, Kremer and Lo Duca (2012), computed on the sample known at t. Ties count
    as "not greater", so the largest value seen so far maps to 1.

    Parameters
    ----------
    x : array_like, shape (T,) or (T, K)
        One series, or K series in columns (each transformed on its own). NaN marks a missing
        value.
    min_periods : int, default 1
        Fewest non-missing observations (including day t) for a value.

    Returns
    -------
    ndarray, same shape as ``x``
        Values in (0, 1]. NaN where ``x`` is NaN and before ``min_periods`` observations.

    Notes
    -----
    pandas' ``expanding().rank(pct=True, method="max")`` computes it in compiled code; it gives
    the same values as a hand-written O(T log T) merge-sort count and was about twice as fast
    on the full indicator history. Every value compares day t only with earlier days, so it
    never depends on later data.
    """
    import pandas as pd

    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim not in (1, 2):
        raise ValueError("x must be 1-D or 2-D (days, series)")
    columns = arr if arr.ndim == 2 else arr[:, None]
    if columns.shape[0] == 0:
        return np.full(arr.shape, np.nan)
    # pandas' expanding rank counts, for each day, the values so far that are not greater
    # (method="max" gives ties the rank of the last of them): exactly F_t above.
    frame = pd.DataFrame(columns)
    out = frame.expanding(min_periods=max(min_periods, 1)).rank(pct=True, method="max")
    out = out.to_numpy(dtype=np.float64, copy=True)
    out[np.isnan(columns)] = np.nan
    return out.reshape(arr.shape)


def ciss(
    subindices: ArrayLike,
    weights: ArrayLike,
    ewma_lambda: float = 0.93,
    min_periods: int = 20,
) -> tuple[FloatArray, FloatArray]:
    """CISS-style composite of stress sub-indices with time-varying cross-correlations.

    Hollo, Kremer and Lo Duca (2012): CISS_t = (w o s_t) C_t (w o s_t)', with ``s_t`` the row of
    sub-indices, ``w`` the weights (normalised to sum to one) and ``C_t`` the correlation matrix
    of the sub-indices demeaned by 0.5 (the theoretical median of an ECDF), estimated by an
    exponentially weighted moving average: sigma_ij,t = lambda sigma_ij,t-1 + (1 - lambda)
    (s_i,t - 0.5)(s_j,t - 0.5) and rho_ij,t = sigma_ij,t / sqrt(sigma_ii,t sigma_jj,t). With
    sub-indices in [0, 1] the composite lies in [0, 1]: it equals the weighted mean of the
    sub-indices squared when they are perfectly correlated and is lower when stress is
    confined to a few segments. One departure from the paper: negative correlations count as
    zero, so a market that calms while the others are stressed (Treasuries rallying in a
    flight to safety) adds only its own square and does not cancel stress elsewhere.

    Parameters
    ----------
    subindices : array_like, shape (T, K)
        Sub-indices in [0, 1] (e.g. averages of :func:`ecdf_transform` outputs), one column
        each; NaN where a sub-index is not available (e.g. before it starts).
    weights : array_like, shape (K,)
        Non-negative weights (any scale; normalised over the available sub-indices each day).
    ewma_lambda : float, default 0.93
        Decay of the EWMA cross-moments (the value used in the paper).
    min_periods : int, default 20
        A sub-index enters the composite from its ``min_periods``-th non-missing observation
        (the EWMA correlations need a few observations to mean anything).

    Returns
    -------
    composite : ndarray, shape (T,)
        The composite in [0, 1]. NaN on days where no sub-index (with positive weight) is
        available.
    contributions : ndarray, shape (T, K)
        contribution_k,t = (w_k s_k,t) (C_t (w o s_t)')_k; they sum to the composite on each
        day. 0 for sub-indices not available that day, NaN on days the composite is NaN.

    Notes
    -----
    Missing sub-indices: on a day where some sub-indices are NaN (or have fewer than
    ``min_periods`` observations), the composite is computed over the available ones with their
    weights renormalised to sum to one. A missing value contributes nothing to the EWMA
    moments that day (its deviation from 0.5 is read as 0): a pair's cross-moment accumulates
    only on days both are observed, each variance on its own days, which keeps C_t a valid
    (positive semi-definite) correlation matrix.

    Point in time: the recursion starts from zero instead of a sample estimate. After n days
    that only scales the moments by (1 - lambda^n), which cancels in rho_ij for two sub-indices
    observed over the same days.

    Cost: the recursion runs in compiled code (pandas' EWM over the K(K+1)/2 pair products);
    the rest is vectorised over days.
    """
    s = np.asarray(subindices, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    if s.ndim != 2:
        raise ValueError("subindices must be 2-D (days, sub-indices)")
    k = s.shape[1]
    if w.shape != (k,):
        raise ValueError(f"weights must have shape ({k},), got {w.shape}")
    if np.any(w < 0) or not np.all(np.isfinite(w)):
        raise ValueError("weights must be finite and non-negative")
    if not 0.0 < ewma_lambda < 1.0:
        raise ValueError("ewma_lambda must be in (0, 1)")
    # (K, T) layout: the EWMA recursion and the running counts run along contiguous memory.
    by_row = np.ascontiguousarray(s.T)
    present = ~np.isnan(by_row)
    available = present & (np.cumsum(present, axis=1) >= min_periods)
    deviation = np.where(present, by_row - 0.5, 0.0)
    # EWMA of the cross-products of each pair i <= j (the matrix is symmetric)
    first, second = np.triu_indices(k)
    pair_moments = _ewma_from_zero(deviation[first] * deviation[second], ewma_lambda)
    variance = pair_moments[first == second]
    # A market calming while others are stressed (Treasuries rallying in a flight to safety)
    # adds nothing, but must not cancel stress elsewhere: negative co-moments count as zero.
    pair_moments = np.where((first == second)[:, None], pair_moments, np.fmax(pair_moments, 0.0))
    w_avail = np.where(available, w[:, None], 0.0)
    total = w_avail.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        weighted = np.where(available, by_row, 0.0) * w_avail / total
    # With u = w o s / sd: (w o s) C (w o s)' = u' Sigma u, so the correlation matrix is never
    # formed: contribution_k = sum_j u_k Sigma_kj u_j, a sum over the pairs that contain k.
    # A sub-index with zero EWMA variance (deviations all exactly 0 so far) has correlation 0
    # with the others and 1 with itself: it contributes its own (w s)^2.
    has_var = variance > 0.0
    scale = np.zeros_like(variance)
    np.divide(weighted, np.sqrt(variance, where=has_var, out=np.ones_like(variance)),
              out=scale, where=has_var)  # fmt: skip
    pair_terms = scale[first] * scale[second] * pair_moments
    in_pair = (np.arange(k)[:, None] == first) | (np.arange(k)[:, None] == second)
    contributions = in_pair.astype(np.float64) @ pair_terms
    contributions += np.where(has_var, 0.0, weighted * weighted)
    contributions = np.ascontiguousarray(contributions.T)
    composite = contributions.sum(axis=1)
    none = ~(total > 0)
    composite[none] = np.nan
    contributions[none] = np.nan
    return composite, contributions
