"""Co-movement kernels: average correlation, absorption ratio and financial turbulence.

Every function takes ``returns``, a float ``(T, N)`` array of daily returns (days x assets) that
may contain NaN (an asset that starts trading later, a missing print), and returns arrays aligned
on its rows. The value on day ``t`` uses rows ``<= t`` only, so a series computed on a longer
history agrees with one computed on history cut at ``t``. Non-finite values count as missing.

On each day an asset takes part only if its whole trailing window is present and not constant
(a constant window has no variance, hence no correlation); the others are dropped for that day.

The kernels are pure numpy: rolling moments come from cumulative sums restarted per block of days
(one-pass updates, not recomputed windows), and the matrix work is batched over days.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["absorption_ratio", "absorption_shift", "rolling_avg_corr", "turbulence"]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

# Covariance stacks are built this many matrix elements at a time (16 MB of float64): big
# enough to amortise Python overhead, small enough to stay in cache and not page-fault.
_STACK_ELEMENTS = 1 << 21
# Bordering constant for the turbulence Cholesky (see ``_cholesky_or_nan``): any finite value
# above the largest distance works; sqrt(max float) keeps every product in range.
_BORDER = 1e150


def _as_panel(returns: ArrayLike) -> tuple[FloatArray, BoolArray]:
    x = np.asarray(returns, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"returns must be 2-D (days, assets), got shape {x.shape}")
    return x, np.isfinite(x)


def _rolling_count(flags: BoolArray, window: int) -> NDArray[np.int32]:
    """``out[k, i]``: number of True in ``flags[k : k + window, i]`` (exact integer counts).

    numpy accumulates along axis 0 of a C-ordered array column by column (cache-hostile), so
    the prefix sum runs along the contiguous axis of the transpose.
    """
    by_asset = np.ascontiguousarray(flags.T)
    prefix = np.zeros((by_asset.shape[0], by_asset.shape[1] + 1), dtype=np.int32)
    np.cumsum(by_asset, axis=1, dtype=np.int32, out=prefix[:, 1:])
    return (prefix[:, window:] - prefix[:, :-window]).T


def _usable(x: FloatArray, finite: BoolArray, window: int) -> BoolArray:
    """``out[t, i]``: rows ``t-window+1 .. t`` of asset ``i`` are all finite and not all equal.

    Exact counts of missing values and of day-to-day changes, so a constant window is
    recognised exactly rather than by a variance threshold.
    """
    n_days, n_assets = x.shape
    out = np.zeros((n_days, n_assets), dtype=bool)
    if window < 2 or n_days < window:
        return out
    missing = ~finite
    complete = _rolling_count(missing, window) == 0 if missing.any() else True
    # Changes between consecutive rows of the window ending at t: pairs ending at
    # t-window+2 .. t. A constant window needs window-1 repeats in a row, so an asset with
    # fewer repeats in all (the usual case for returns) cannot have one.
    changed = x[1:] != x[:-1]
    if (n_days - 1 - changed.sum(axis=0)).max() >= window - 1:
        varies = _rolling_count(changed, window - 1) > 0
        out[window - 1 :] = complete & varies
    else:
        out[window - 1 :] = complete
    return out


def _window_ref(rows: FloatArray, finite: BoolArray) -> FloatArray:
    """Mean of the finite values per column (0 where none): a shift that keeps sums small."""
    count = finite.sum(axis=0)
    total = np.where(finite, rows, 0.0).sum(axis=0)
    return total / np.maximum(count, 1)


_WIDE_PANEL = 64  # columns from which the row-by-row prefix sum beats np.cumsum


def _prefix_sum(a: FloatArray) -> None:
    """In-place cumulative sum along axis 0, one contiguous row at a time.

    Same additions in the same order as ``np.cumsum(a, axis=0)`` (so a value never depends on
    later rows) but several times faster for wide panels: numpy's accumulate walks axis 0
    element by element. For narrow ones (a basket of a dozen or two assets) the Python loop
    costs more than it saves, and numpy's own cumsum is used.
    """
    if a.shape[1] < _WIDE_PANEL:
        np.cumsum(a, axis=0, out=a)
        return
    for i in range(1, a.shape[0]):
        np.add(a[i - 1], a[i], out=a[i])


def rolling_avg_corr(returns: ArrayLike, window: int, min_assets: int = 3) -> FloatArray:
    """Average off-diagonal pairwise correlation over a trailing window.

    Uses the identity mean_{i != j} rho_ij = ((1/w) sum_s (sum_i z_si)^2 - n) / (n (n - 1)),
    with ``z`` the returns standardised within the window (population moments): O(window x N)
    per day and no N x N matrix.

    Parameters
    ----------
    returns : array_like, shape (T, N)
        Daily returns, days by assets; NaN marks a missing value.
    window : int
        Number of rows in the trailing window ending on (and including) each day; at least 2.
    min_assets : int, default 3
        Fewest usable assets for a value; days with fewer give NaN.

    Returns
    -------
    ndarray, shape (T,)
        The average correlation on each day, in [-1/(n-1), 1]. NaN for the first ``window - 1``
        days and on days with fewer than ``min_assets`` usable assets. An asset is usable on a
        day when its whole window is finite and not constant.
    """
    x, finite = _as_panel(returns)
    n_days, n_assets = x.shape
    out = np.full(n_days, np.nan)
    if window < 2:
        raise ValueError("window must be at least 2")
    if n_days < window or n_assets == 0:
        return out
    usable = _usable(x, finite, window)
    filled = np.where(finite, x, 0.0)
    # Days are handled in blocks: the ``span`` rows behind a block hold every day's window;
    # ``band[r, b]`` marks row r as inside day b's window.
    block = max(window, 64)
    span = block + window - 1
    rows_idx = np.arange(span)[:, None]
    days_idx = np.arange(block)[None, :]
    band = (rows_idx >= days_idx) & (rows_idx < days_idx + window)
    sums = np.zeros((span + 1, n_assets))
    for start in range(window - 1, n_days, block):
        stop = min(start + block, n_days)
        rows = filled[start - window + 1 : stop]
        ok = usable[start:stop]
        if stop - start < block:
            # Pad the last block to full size: every day then sees identical arithmetic however
            # long the history is, so appending rows never changes earlier values.
            rows = np.concatenate([rows, np.zeros((span - rows.shape[0], n_assets))])
            ok = np.concatenate([ok, np.zeros((block - ok.shape[0], n_assets), dtype=bool)])
        # Any shift leaves correlations unchanged; the first day's window mean (data <= start)
        # keeps the running sums small. Missing entries become -shift: finite, never used.
        centred = rows - rows[:window].mean(axis=0)
        sums[1:] = centred
        _prefix_sum(sums)
        mean = (sums[window : window + block] - sums[:block]) / window
        np.multiply(centred, centred, out=sums[1:])
        _prefix_sum(sums)
        var = (sums[window : window + block] - sums[:block]) / window - mean * mean
        ok = ok & (var > 0.0)
        inv_sd = np.zeros((block, n_assets))
        np.divide(1.0, np.sqrt(var, where=ok, out=np.ones_like(var)), out=inv_sd, where=ok)
        # sum_i z_si for every row s of the span and every day b, as one matrix product
        row_sums = centred @ inv_sd.T - (mean * inv_sd).sum(axis=1)
        with np.errstate(over="ignore", invalid="ignore"):
            # where, not multiply: rows outside a day's window may hold anything
            sum_sq = np.where(band, row_sums * row_sums, 0.0).sum(axis=0)
        n = ok.sum(axis=1).astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            avg = (sum_sq / window - n) / (n * (n - 1.0))
        avg[n < max(min_assets, 2)] = np.nan
        out[start:stop] = avg[: stop - start]
    return out


def _iter_window_moments(
    x: FloatArray, finite: BoolArray, window: int, pad: int = 0, need: BoolArray | None = None
) -> Iterator[tuple[int, FloatArray, FloatArray]]:
    """Yield ``(start, ref, moments)`` for runs of windows ending at ``start, start + 1, ...``.

    With ``z_s = [1, x_s - ref]`` (1 + N values; missing values read as ``ref``, callers mask
    the assets concerned), ``moments[k, :N+1, :N+1]`` is sum_s z_s z_s' over the rows
    ``start + k - window + 1 .. start + k``: the window length in the corner, the sums of the
    shifted returns in the first row and column, their uncentred scatter in the rest. ``pad``
    extra rows and columns at the end are left for the caller. Each run starts from a direct
    sum and is updated one row in, one row out: O(N^2) per day instead of O(window N^2). With
    ``need`` (a flag per window end), runs without a flagged end are skipped.
    """
    n_days, n_assets = x.shape
    dim = n_assets + 1
    size = dim + pad
    chunk = max(16, min(512, _STACK_ELEMENTS // (size * size)))
    for start in range(window - 1, n_days, chunk):
        stop = min(start + chunk, n_days)
        if need is not None and not need[start:stop].any():
            continue
        count = stop - start
        rows = x[start - window + 1 : stop]
        fin = finite[start - window + 1 : stop]
        # Shift by the first window's mean (data <= start) so the running sums do not cancel.
        ref = _window_ref(rows[:window], fin[:window])
        z = np.ones((rows.shape[0], dim))
        z[:, 1:] = np.where(fin, rows - ref, 0.0)
        out = np.empty((count, size, size))
        moments = out[:, :dim, :dim]
        head = z[:window]
        moments[0] = head.T @ head
        if count > 1:
            new = z[window:]
            old = z[: count - 1]
            # z_new z_new' - z_old z_old' as one batched rank-2 product, then running sums
            np.matmul(np.stack([new, old], axis=2), np.stack([new, -old], axis=1), out=moments[1:])
            _prefix_sum(moments)
        yield start, ref, out


def absorption_ratio(
    returns: ArrayLike,
    window: int = 250,
    n_factors: int | None = None,
    *,
    min_assets: int = 2,
) -> FloatArray:
    """Absorption ratio: share of total variance explained by the top eigenvectors.

    Kritzman, Li, Page and Rigobon (2011), "Principal components as a measure of systemic risk":
    AR = sum of the ``n_factors`` largest eigenvalues of the covariance matrix divided by the sum
    of all of them (the total variance). The covariance here is the plain sample covariance of
    the trailing window; the paper also weights the window's days exponentially.

    Parameters
    ----------
    returns : array_like, shape (T, N)
        Daily returns, days by assets; NaN marks a missing value.
    window : int, default 250
        Rows in the trailing window ending on (and including) each day.
    n_factors : int, optional
        Number of eigenvectors. Default: ceil(n / 5) with ``n`` the usable assets that day
        (the paper's one fifth of the assets).
    min_assets : int, default 2
        Fewest usable assets for a value.

    Returns
    -------
    ndarray, shape (T,)
        The absorption ratio in [0, 1]. NaN for the first ``window - 1`` days, on days with
        fewer than ``min_assets`` usable assets, when ``n_factors`` is not smaller than the
        number of usable assets (the ratio would be 1 by construction) and when the total
        variance is zero.

    Notes
    -----
    The eigen-solver dominates (about 0.3-0.5 ms per 100 x 100 matrix), so only eigenvalues are
    computed, batched with ``np.linalg.eigvalsh``. Unusable assets get a zero row and column:
    that adds zero eigenvalues and leaves the others unchanged, so days with different asset
    sets still share one batch.
    """
    x, finite = _as_panel(returns)
    n_days, n_assets = x.shape
    out = np.full(n_days, np.nan)
    if window < 2:
        raise ValueError("window must be at least 2")
    if n_factors is not None and n_factors < 1:
        raise ValueError("n_factors must be at least 1")
    if n_days < window or n_assets == 0:
        return out
    usable = _usable(x, finite, window)
    outer = np.empty(0)
    for start, _, moments in _iter_window_moments(x, finite, window):
        count = moments.shape[0]
        ok = usable[start : start + count]
        # centred scatter, in place (N - 1 times the covariance; the ratio does not care)
        sums = moments[:, 0, 1:]
        scatter = moments[:, 1:, 1:]
        if outer.shape[0] < count:
            outer = np.empty((count, n_assets, n_assets))
        np.multiply(sums[:, :, None], sums[:, None, :] / window, out=outer[:count])
        scatter -= outer[:count]
        if not ok.all():
            scatter *= ok[:, :, None] & ok[:, None, :]
        eigenvalues = np.linalg.eigvalsh(scatter)[:, ::-1]  # descending
        n = ok.sum(axis=1)
        k = np.full(count, n_factors) if n_factors is not None else -(-n // 5)
        top = np.cumsum(eigenvalues, axis=1)[np.arange(count), np.clip(k, 1, n_assets) - 1]
        total = np.trace(scatter, axis1=1, axis2=2)
        valid = (n >= max(min_assets, 2)) & (k < n) & (total > 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            out[start : start + count] = np.where(valid, top / total, np.nan)
    return out


def absorption_shift(ar: ArrayLike, short: int = 15, long: int = 250) -> FloatArray:
    """Standardised shift of the absorption ratio.

    Kritzman et al. (2011): (mean AR over the last ``short`` days - mean AR over the last
    ``long`` days) / standard deviation of AR over the last ``long`` days (sample, ddof=1).
    Positive values mean risk is becoming more concentrated ("fragile" market).

    Parameters
    ----------
    ar : array_like, shape (T,)
        Absorption ratio series, e.g. from :func:`absorption_ratio`.
    short : int, default 15
        Short averaging window in days.
    long : int, default 250
        Long window (about one year of business days).

    Returns
    -------
    ndarray, shape (T,)
        The shift in standard deviations. NaN unless the last ``long`` values are all finite,
        and where their standard deviation is zero.
    """
    a = np.asarray(ar, dtype=np.float64)
    if a.ndim != 1:
        raise ValueError("ar must be 1-D")
    if not 1 <= short <= long or long < 2:
        raise ValueError("need 1 <= short <= long and long >= 2")
    out = np.full(a.shape[0], np.nan)
    if a.shape[0] < long:
        return out
    # Direct window statistics (O(T x long), tiny next to the eigenvalues that produced ``ar``).
    windows = np.lib.stride_tricks.sliding_window_view(a, long)
    long_mean = windows.mean(axis=1)
    long_sd = windows.std(axis=1, ddof=1)
    short_mean = windows[:, long - short :].mean(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        shift = (short_mean - long_mean) / long_sd
    shift[~(long_sd > 0.0)] = np.nan  # also NaN when any value in the window is NaN
    out[long - 1 :] = shift
    return out


def _cholesky_or_nan(matrices: FloatArray) -> FloatArray:
    """Batched lower Cholesky factors; NaN for the matrices that are not positive definite.

    Used on bordered matrices [[M, B'], [B, c I]]: the factor's rows below M hold (L^-1 B')',
    the triangular solves against M's factor L, so one batched ``np.linalg.cholesky`` does the
    factorisation and the solves, and no inverse is formed. ``c`` (``_BORDER``) only has to
    exceed |L^-1 b|^2 for every bordering row b; the block it produces is never used.
    """
    try:
        factor = np.asarray(np.linalg.cholesky(matrices), dtype=np.float64)
    except np.linalg.LinAlgError:
        # Rare (a singular window): redo one matrix at a time and mark the failures.
        factor = np.full(matrices.shape, np.nan)
        for i, matrix in enumerate(matrices):
            try:
                factor[i] = np.linalg.cholesky(matrix)
            except np.linalg.LinAlgError:
                continue
    return factor


def _collinear(factor: FloatArray, moments: FloatArray, ok: BoolArray) -> BoolArray:
    """Flag matrices where a usable asset is explained by the others to within 1e-10.

    With the intercept first in ``moments`` ([[count, .], [sums, scatter]], lower triangle
    read), an asset's squared Cholesky pivot is its residual sum of squares on the intercept and
    the assets before it, so pivot^2 / centred sum of squares = 1 - R^2.
    """
    n_assets = ok.shape[1]
    assets = np.arange(1, n_assets + 1)
    centred = moments[:, assets, assets] - moments[:, assets, 0] ** 2 / moments[:, :1, 0]
    pivots = factor[:, assets, assets]
    with np.errstate(invalid="ignore"):
        flagged = np.asarray((ok & ~(pivots * pivots > 1e-10 * centred)).any(axis=1), dtype=bool)
    return flagged


def _magnitude(
    sums: FloatArray, squares: FloatArray, today: FloatArray, ok: BoolArray, window: int
) -> FloatArray:
    """Mean over usable assets of (y - mu)^2 / var from window sums (ddof=1)."""
    mean = sums / window
    var = (squares - sums * mean) / (window - 1)
    deviation = today - mean
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(ok, deviation * deviation / var, 0.0)
        out: FloatArray = ratio.sum(axis=-1) / ok.sum(axis=-1)
    return out


def _turbulence_direct(
    x: FloatArray, finite: BoolArray, ok: BoolArray, window: int, days: BoolArray
) -> tuple[FloatArray, FloatArray, BoolArray]:
    """Leverage v_t' M_t^-1 v_t, magnitude surprise and collinearity flags, one day at a time.

    ``M_t`` is the moment matrix of ``[1, x]`` over rows t-window .. t-1 (running sums), bordered
    by ``v_t = [1, y_t]`` and factorised by Cholesky; assets not usable on day t get an identity
    row and column. Only the flagged ``days`` are computed.
    """
    n_days, n_assets = x.shape
    leverage = np.full(n_days, np.nan)
    magnitude = np.full(n_days, np.nan)
    collinear = np.zeros(n_days, dtype=bool)
    border = n_assets + 1
    assets = np.arange(1, border)
    windows = _iter_window_moments(x[:-1], finite[:-1], window, pad=1, need=days[1:])
    for end, ref, bordered in windows:
        count = bordered.shape[0]
        day_idx = np.arange(end + 1, end + 1 + count)
        wanted = days[day_idx]
        bordered, day_idx = bordered[wanted], day_idx[wanted]
        day_ok = ok[day_idx]
        magnitude[day_idx] = _magnitude(
            bordered[:, assets, 0], bordered[:, assets, assets], x[day_idx] - ref, day_ok, window
        )
        # the border row (np.linalg.cholesky reads the lower triangle only)
        bordered[:, border, 1:border] = np.where(day_ok, x[day_idx] - ref, 0.0)
        bordered[:, border, 0] = 1.0
        bordered[:, border, border] = _BORDER
        if not day_ok.all():
            # unusable assets: identity row and column, nothing on the border
            drop = np.zeros(bordered.shape[:2], dtype=bool)
            drop[:, 1:border] = ~day_ok
            bordered[drop] = 0.0
            bordered.transpose(0, 2, 1)[drop] = 0.0
            bordered[:, assets, assets] = np.where(day_ok, bordered[:, assets, assets], 1.0)
        factor = _cholesky_or_nan(bordered)
        solved = factor[:, border, :border]
        leverage[day_idx] = np.einsum("ij,ij->i", solved, solved)
        collinear[day_idx] = _collinear(factor, bordered, day_ok)
    return leverage, magnitude, collinear


def turbulence(
    returns: ArrayLike, window: int = 250, *, min_assets: int = 1
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Financial turbulence and its magnitude / correlation split.

    Kritzman and Li (2010): d_t = (y_t - mu)' Sigma^-1 (y_t - mu), with ``mu`` and ``Sigma`` (the
    sample mean and covariance, ddof=1) estimated on the ``window`` days *before* t (rows
    ``t - window .. t - 1``): today's return is the one being judged. Here d_t is divided by the
    number of assets n used that day, so values are comparable when the asset set changes; its
    expectation is about 1 in calm markets. Kinlaw and Turkington (2014) split it into the
    magnitude surprise (the same with the diagonal of Sigma only, also divided by n) and the
    correlation surprise = turbulence / magnitude surprise (above 1: the day's moves are unusual
    for their co-movement, not only their size).

    Parameters
    ----------
    returns : array_like, shape (T, N)
        Daily returns, days by assets; NaN marks a missing value.
    window : int, default 250
        Number of days before t used to estimate the mean and covariance.
    min_assets : int, default 1
        Fewest usable assets for a value.

    Returns
    -------
    turbulence, magnitude_surprise, correlation_surprise : ndarray, shape (T,)
        NaN for the first ``window`` days and on days with fewer than ``min_assets`` usable
        assets. Turbulence and correlation surprise are also NaN where the window's covariance
        matrix is singular or nearly so (an asset whose window variance is explained by the
        others to within 1e-10, e.g. two collinear series, or more assets than days). An asset
        is usable on day t when its window and its return on t are finite and the window is
        not constant.

    Notes
    -----
    With ``M_t`` the moment matrix of ``z = [1, x]`` over the window and ``v = [1, y_t]``,
    v' M_t^-1 v = 1/w + (y_t - mu)' S^-1 (y_t - mu) where ``S`` is the centred scatter, so
    d_t = (w - 1) (v' M_t^-1 v - 1/w). The quadratic forms come from batched Cholesky
    factorisations of bordered matrices (``_cholesky_or_nan``), never an explicit inverse, one
    per day over running window sums (``_turbulence_direct``). Unusable assets get an identity
    row and column. (A Woodbury update per block of days was no faster on the real 17-asset
    panel and was removed.)
    """
    x, finite = _as_panel(returns)
    n_days, n_assets = x.shape
    if window < 2:
        raise ValueError("window must be at least 2")
    if n_days <= window or n_assets == 0:
        empty = np.full(n_days, np.nan)
        return empty, empty.copy(), empty.copy()
    usable = _usable(x, finite, window)
    ok = np.zeros((n_days, n_assets), dtype=bool)  # usable on day t: window before t and today
    ok[window:] = usable[window - 1 : -1] & finite[window:]
    n = ok.sum(axis=1)
    days = n > 0
    days[:window] = False
    leverage, magnitude, collinear = _turbulence_direct(x, finite, ok, window, days)
    enough = n >= max(min_assets, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        turb = (window - 1) * (leverage - 1.0 / window) / n
        turb = np.where(enough & ~collinear, turb, np.nan)
        magnitude = np.where(enough, magnitude, np.nan)
        correlation = turb / magnitude
    return turb, magnitude, correlation
