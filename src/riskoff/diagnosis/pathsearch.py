"""Analog path search: find where in history the indicators traced the same shape.

:func:`distance_profile` is Mueen's MASS (sliding dot products by FFT, rolling moments by
cumulative sums) extended to several dimensions: every dimension is z-normalised on its own and
the squared distances are summed. :func:`top_matches` picks the best non-overlapping windows.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["distance_profile", "top_matches"]

FloatArray = NDArray[np.float64]


def _fast_len(n: int) -> int:
    """Smallest 5-smooth length >= n, as ``scipy.fft.next_fast_len`` without its import cost."""
    best = 1 << max(0, (n - 1).bit_length())
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            size = p35
            while size < n:
                size *= 2
            best = min(best, size)
            p35 *= 3
        p5 *= 5
    return best


def _as_2d(a: ArrayLike, name: str) -> FloatArray:
    arr = np.asarray(a, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 1-D or 2-D (time, dimensions), got shape {arr.shape}")
    return arr


def _rolling_counts(flags: NDArray[np.bool_], m: int) -> NDArray[np.int64]:
    """Count the True values in each length-``m`` window along the last axis (exactly)."""
    prefix = np.zeros((*flags.shape[:-1], flags.shape[-1] + 1), dtype=np.int64)
    np.cumsum(flags, axis=-1, out=prefix[..., 1:])
    return prefix[..., m:] - prefix[..., :-m]


def _fill_gaps(x: FloatArray, finite: NDArray[np.bool_]) -> FloatArray:
    """Carry the last finite value forward along the last axis.

    The first finite value is carried back over a leading gap, and an empty row becomes 0.
    Windows touching a gap are discarded anyway; the filled values only keep each block's level
    local for the rounding.
    """
    n_days = x.shape[1]
    position = np.where(finite, np.arange(n_days), -1)
    np.maximum.accumulate(position, axis=1, out=position)
    first = np.argmax(finite, axis=1)[:, None]
    filled = np.take_along_axis(x, np.where(position < 0, first, position), axis=1)
    return np.where(np.isfinite(filled), filled, 0.0)


def _sliding_products_and_std(x: FloatArray, q_z: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Sliding dot products with ``q_z`` and population standard deviations of every window.

    ``x`` is (dimension, day); ``q_z`` is the z-normalised query (m, dimension). Overlap-save:
    the starts are cut into blocks, each block's span of ``block + m - 1`` days is shifted by
    its own mean, then one batched FFT gives the dot products and restarted cumulative sums
    give the variances. Because sum(q_z) = 0 the shift leaves the dot products unchanged, and
    rounding errors scale with the spread inside a span instead of the level of the whole
    history (a drifting price path would otherwise lose digits to cancellation).
    """
    m = q_z.shape[0]
    n_dims, n_days = x.shape
    n_windows = n_days - m + 1
    block = max(3 * m, 64)
    span = block + m - 1
    n_blocks = -(-n_windows // block)
    padded = np.zeros((n_dims, n_blocks * block + m - 1))
    padded[:, :n_days] = x
    # (dimension, block, day within the block's span)
    spans = np.lib.stride_tricks.sliding_window_view(padded, span, axis=1)[:, ::block]
    centred = spans - spans.mean(axis=2, keepdims=True)

    n_fft = _fast_len(span)
    kernel = np.fft.rfft(q_z[::-1].T, n_fft, axis=1)[:, None, :]
    # circular convolution of length >= span: outputs m-1 .. span-1 do not wrap around
    products = np.fft.irfft(np.fft.rfft(centred, n_fft, axis=2) * kernel, n_fft, axis=2)
    products = products[:, :, m - 1 :]

    sums = np.zeros((*centred.shape[:2], span + 1))
    np.cumsum(centred, axis=2, out=sums[:, :, 1:])
    mean = (sums[:, :, m:] - sums[:, :, :-m]) / m
    np.cumsum(centred * centred, axis=2, out=sums[:, :, 1:])
    var = (sums[:, :, m:] - sums[:, :, :-m]) / m - mean * mean
    sd = np.sqrt(np.maximum(var, 0.0))
    return (
        products[:, :, :block].reshape(n_dims, -1)[:, :n_windows],
        sd.reshape(n_dims, -1)[:, :n_windows],
    )


def distance_profile(query: ArrayLike, series: ArrayLike) -> FloatArray:
    """Multi-dimensional z-normalised Euclidean distance of a query to every window of a series.

    For each start s, every dimension of ``series[s : s + m]`` and of ``query`` is z-normalised
    on its own (population standard deviation), the squared Euclidean distances are summed over
    the dimensions and the square root is taken: D_s = sqrt(sum_d |z(q_d) - z(x_d[s:s+m])|^2).
    Per dimension |z(q) - z(x)|^2 = 2 m (1 - rho) with rho the Pearson correlation of the two
    windows, computed with MASS (Mueen et al.): FFT sliding dot products and rolling moments.

    Parameters
    ----------
    query : array_like, shape (m,) or (m, d)
        The path to look for (e.g. the last m days); must be finite.
    series : array_like, shape (T,) or (T, d)
        The history to search, same dimensions as ``query``, ``T >= m``.

    Returns
    -------
    ndarray, shape (T - m + 1,)
        Distance of each window ``series[s : s + m]``, in [0, 2 sqrt(m d)]. ``inf`` for windows
        that touch a NaN (or another non-finite value).

    Notes
    -----
    Constant windows (no spread, so no z-normalisation) follow stumpy's convention, per
    dimension: squared distance 0 if both the query and the window are constant, ``m`` (one
    unit per point) if only one of them is. Constancy is tested exactly (all values equal).
    """
    q = _as_2d(query, "query")
    x = _as_2d(series, "series")
    m, n_dims = q.shape
    n_days = x.shape[0]
    if x.shape[1] != n_dims:
        raise ValueError(f"query has {n_dims} dimensions, series has {x.shape[1]}")
    if m < 1 or n_days < m:
        raise ValueError(f"need 1 <= len(query) <= len(series), got {m} and {n_days}")
    if not np.isfinite(q).all():
        raise ValueError("query must be finite")
    n_windows = n_days - m + 1
    # (dimension, day) layout: FFTs and running sums along contiguous memory
    by_dim = np.ascontiguousarray(x.T)
    finite = np.isfinite(by_dim)
    all_finite = bool(finite.all())
    filled = by_dim if all_finite else _fill_gaps(by_dim, finite)

    q_constant = np.ptp(q, axis=0) == 0
    q_z = (q - q.mean(axis=0)) / np.where(q_constant, 1.0, q.std(axis=0))
    # sum(z(q)) = 0, so sum_k z(q)_k x_{s+k} = m sd_s rho_s needs no window mean
    products, sd = _sliding_products_and_std(filled, q_z)
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = np.clip(products / (m * sd), -1.0, 1.0)
    squared = 2.0 * m * (1.0 - rho)
    if m > 1:
        x_constant = _rolling_counts(filled[:, 1:] != filled[:, :-1], m - 1) == 0
    else:
        x_constant = np.ones((n_dims, n_windows), dtype=bool)
    if x_constant.any() or q_constant.any():
        q_const = q_constant[:, None]
        fixed = np.where(x_constant & q_const, 0.0, float(m))
        squared = np.where(x_constant | q_const, fixed, squared)
    out = np.sqrt(squared.sum(axis=0))
    if not all_finite:
        out[_rolling_counts(~finite, m).any(axis=0)] = np.inf
    return out


def top_matches(
    profile: ArrayLike, k: int, exclusion: int, exclude_after: int | None = None
) -> list[int]:
    """Start indices of the ``k`` best windows, at least ``exclusion`` apart.

    Greedy, as in matrix-profile motif search: take the smallest distance, rule out every start
    within ``exclusion - 1`` of it, repeat. With ``exclusion = m`` the chosen windows never
    overlap.

    Parameters
    ----------
    profile : array_like, shape (n,)
        Distances, e.g. from :func:`distance_profile`; NaN and inf are never picked.
    k : int
        Number of matches wanted.
    exclusion : int
        Minimum distance between two picked starts (|i - j| >= exclusion); at least 1.
    exclude_after : int, optional
        Starts after this index are not eligible. With a query made of the last m of T days,
        ``T - 2 m`` keeps every match ending before the query starts.

    Returns
    -------
    list of int
        Up to ``k`` start indices, best first (ties: earliest first). Fewer if not enough
        eligible finite distances remain.
    """
    dist = np.array(profile, dtype=np.float64, copy=True)
    if dist.ndim != 1:
        raise ValueError("profile must be 1-D")
    if exclusion < 1:
        raise ValueError("exclusion must be at least 1")
    dist[~np.isfinite(dist)] = np.inf
    if exclude_after is not None:
        dist[max(exclude_after + 1, 0) :] = np.inf
    picks: list[int] = []
    while len(picks) < k:
        best = int(np.argmin(dist)) if dist.size else 0
        if not dist.size or not np.isfinite(dist[best]):
            break
        picks.append(best)
        dist[max(best - exclusion + 1, 0) : best + exclusion] = np.inf
    return picks
