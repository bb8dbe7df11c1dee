"""Universe measures as three steps that partition over blocks of assets and runs of days.

A *piece* is the price array of one block of assets over one run of output days, preceded by
``lookback(params)`` rows of look-back (NaN rows before the start of the data). Every measure of
a day is either per asset or a sum over assets of a per-asset term, so a day's value is:

1. :func:`block_partials` on each block (the additive terms: counts, sums, the window's Gram
   matrix and the sums of standardised returns);
2. :func:`sum_partials` over the blocks, then :func:`finish_days` (the day's measures, and what
   each block needs to split turbulence between its assets);
3. :func:`block_assets` on each block again (each asset's drawdown and turbulence contribution).

Conventions (day ``t``, ``r`` the daily log returns, ``w`` the co-movement window):

- An asset takes part in the co-movement measures of day ``t`` when its returns on rows
  ``t-w .. t`` (``w + 1`` rows) are all finite and neither ``t-w .. t-1`` (turbulence's window)
  nor ``t-w+1 .. t`` (the correlation window) is constant: one asset set for the three measures.
- Average pairwise correlation: the identity mean_{i != j} rho_ij =
  ((1/w) sum_s (sum_i z_si)^2 - n) / (n (n - 1)), ``z`` standardised within the window
  (population moments): the sums over assets add up across blocks.
- Absorption ratio: the nonzero eigenvalues of X'X (N x N) are those of XX' (w x w, the Gram
  matrix of the window's rows), and XX' is a sum over asset blocks. Top ``k`` eigenvalues over
  the trace, ``k = ceil(min(n, w - 1) / 5)`` by default: one fifth of the assets (Kritzman et
  al.) while they are fewer than the window allows, one fifth of the window's rank after.
- Turbulence: (y_t - mu)' Sigma^-1 (y_t - mu) / n over the ``w`` days before ``t``, with Sigma
  the Ledoit-Wolf (2004) shrinkage of the sample covariance towards a multiple of the identity
  (the estimator of ``sklearn.covariance.ledoit_wolf``). Why: with more assets than days the
  sample covariance is singular and its inverse does not exist; the shrunk one is always
  invertible, and both its shrinkage intensity and its inverse (Woodbury identity) need only
  the window's Gram matrix, ``X (y - mu)`` and ``|y - mu|^2``, which are sums over asset blocks.
  The full sample-covariance inverse is not block-separable (every block's inverse depends on
  every other block) and sector aggregates would lose each asset's contribution.
  Contribution of asset ``i``: (y - mu)_i [Sigma^-1 (y - mu)]_i / n; they add up to turbulence.
- Breadth: the window move (log, ``m`` days) over sigma * sqrt(m), sigma the sample deviation
  of the ``VOL_LOOKBACK`` daily returns before the move's window, as for the asset classes;
  shares of assets below -1 and -2 among those with a complete move and sigma.
- 52-week low: today's close is the lowest of the last 252 closes (all present).
- Dispersion: the cross-sectional standard deviation (population) of the day's log returns.
- Drawdown: close over the highest close so far, minus one (the peak before a run of days is
  carried in).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "LOW_DAYS",
    "VOL_LOOKBACK",
    "DayResults",
    "Params",
    "Partials",
    "block_assets",
    "block_partials",
    "finish_days",
    "lookback",
    "sum_partials",
]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

VOL_LOOKBACK = 250  # daily returns behind each asset's sigma (as for the asset classes)
LOW_DAYS = 252  # closes of a 52-week low
# Days of Gram matrices built per batch: about this many elements of stacked windows at once.
_BATCH_ELEMENTS = 1 << 20


@dataclass(frozen=True)
class Params:
    """Windows of a scan: ``window`` for co-movement, ``move_window`` for breadth moves."""

    window: int = 60
    move_window: int = 10
    n_factors: int | None = None


def lookback(params: Params) -> int:
    """Rows of prices a piece needs before its first output day."""
    return max(params.window + 1, params.move_window + VOL_LOOKBACK + 1, LOW_DAYS)


@dataclass
class Partials:
    """Additive terms of the measures over a set of assets, one row per output day."""

    n: FloatArray  # assets in the co-movement set
    gram: FloatArray  # (days, w + 1, w + 1): sum over the set of r_s r_s' on rows t-w .. t
    zsum: FloatArray  # (days, w): sum over the set of standardised returns, rows t-w+1 .. t
    fell1: FloatArray
    fell2: FloatArray
    moved: FloatArray  # assets with a move and a sigma
    at_low: FloatArray
    low_counted: FloatArray
    disp_n: FloatArray
    disp_sum: FloatArray
    disp_sq: FloatArray


def _rolling_count(flags: BoolArray, k: int) -> NDArray[np.int64]:
    """``out[t]``: True values in rows ``t-k+1 .. t`` (rows ``< k-1`` count what exists)."""
    prefix = np.zeros((flags.shape[0] + 1, *flags.shape[1:]), dtype=np.int64)
    np.cumsum(flags, axis=0, out=prefix[1:])
    out = prefix[1:].copy()
    if flags.shape[0] > k:
        out[k:] -= prefix[1 : flags.shape[0] - k + 1]
    return out


def _returns(prices: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        logp = np.log(prices)
    r = np.full(prices.shape, np.nan)
    r[1:] = logp[1:] - logp[:-1]
    return r


def _comovement_set(r: FloatArray, w: int) -> BoolArray:
    """``out[t, i]``: rows ``t-w .. t`` of asset ``i`` finite, both w-row windows vary."""
    finite = np.isfinite(r)
    complete = _rolling_count(~finite, w + 1) == 0
    complete[:w] = False
    changed = np.zeros(r.shape, dtype=bool)
    changed[1:] = r[1:] != r[:-1]
    # pairs (s-1, s) inside a window of rows a .. b are those ending a+1 .. b (w - 1 pairs)
    varies = _rolling_count(changed, w - 1) > 0  # window ending at t
    both = varies.copy()
    both[1:] &= varies[:-1]  # and the window ending at t-1
    both[:1] = False
    out: BoolArray = complete & both
    return out


def _windows(filled: FloatArray, w: int, start: int) -> FloatArray:
    """View ``out[d] = filled[start + d - w : start + d + 1]``: (days, w + 1, assets)."""
    view = np.lib.stride_tricks.sliding_window_view(filled, w + 1, axis=0)[start - w :]
    out: FloatArray = view.transpose(0, 2, 1)
    return out


def _batches(n_days: int, per_day: int) -> list[slice]:
    size = max(1, _BATCH_ELEMENTS // max(per_day, 1))
    return [slice(s, min(s + size, n_days)) for s in range(0, n_days, size)]


def block_partials(prices: FloatArray, params: Params) -> Partials:
    """Additive terms of every output day of one piece (see the module notes).

    Parameters
    ----------
    prices : ndarray, shape (lookback + days, assets)
        Closes of one block of assets; NaN where an asset has no close (not yet listed,
        delisted, a missing print, or before the start of the data).
    params : Params
        The windows.

    Returns
    -------
    Partials
        One row per output day (the rows after the look-back).
    """
    w, m = params.window, params.move_window
    start = lookback(params)
    n_days = prices.shape[0] - start
    r = _returns(prices)
    finite = np.isfinite(r)
    ok = _comovement_set(r, w)[start:]
    filled = np.where(finite, r, 0.0)
    windows = _windows(filled, w, start)
    gram = np.empty((n_days, w + 1, w + 1))
    zsum = np.empty((n_days, w))
    for part in _batches(n_days, prices.shape[1] * (w + 1)):
        mask = ok[part][:, None, :]
        z = np.where(mask, windows[part], 0.0)  # (days, w + 1, assets), assets contiguous
        np.matmul(z, z.transpose(0, 2, 1), out=gram[part])
        recent = z[:, 1:, :]
        dev = recent - recent.mean(axis=1, keepdims=True)
        var = np.einsum("dsa,dsa->da", dev, dev) / w
        inv_sd = np.zeros_like(var)
        np.divide(
            1.0, np.sqrt(var, where=mask[:, 0], out=np.ones_like(var)), out=inv_sd, where=mask[:, 0]
        )
        zsum[part] = np.matmul(dev, inv_sd[:, :, None])[:, :, 0]
    n = ok.sum(axis=1).astype(np.float64)

    # breadth: window move over sigma of the VOL_LOOKBACK returns before the move's window
    csum = np.zeros((r.shape[0] + 1, r.shape[1]))
    np.cumsum(filled, axis=0, out=csum[1:])
    csq = np.zeros_like(csum)
    np.cumsum(filled * filled, axis=0, out=csq[1:])
    t = np.arange(start, r.shape[0])
    move = csum[t + 1] - csum[t + 1 - m]
    move_ok = _rolling_count(finite, m)[t] == m
    v_end = t - m  # last row of the sigma window
    s1 = csum[v_end + 1] - csum[v_end + 1 - VOL_LOOKBACK]
    s2 = csq[v_end + 1] - csq[v_end + 1 - VOL_LOOKBACK]
    var = (s2 - s1 * s1 / VOL_LOOKBACK) / (VOL_LOOKBACK - 1)
    sig_ok = _rolling_count(finite, VOL_LOOKBACK)[v_end] == VOL_LOOKBACK
    valid = move_ok & sig_ok & (var > 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        zmove = np.where(valid, move / np.sqrt(np.where(valid, var, 1.0) * m), 0.0)

    # 52-week lows: the lowest close of the last LOW_DAYS, all present
    import pandas as pd

    lowest = pd.DataFrame(prices).rolling(LOW_DAYS, min_periods=LOW_DAYS).min().to_numpy()
    low_ok = np.isfinite(lowest[start:])
    at_low = low_ok & (prices[start:] <= lowest[start:])

    today = r[start:]
    today_ok = finite[start:]
    today0 = np.where(today_ok, today, 0.0)
    return Partials(
        n=n,
        gram=gram,
        zsum=zsum,
        fell1=(valid & (zmove < -1.0)).sum(axis=1).astype(np.float64),
        fell2=(valid & (zmove < -2.0)).sum(axis=1).astype(np.float64),
        moved=valid.sum(axis=1).astype(np.float64),
        at_low=at_low.sum(axis=1).astype(np.float64),
        low_counted=low_ok.sum(axis=1).astype(np.float64),
        disp_n=today_ok.sum(axis=1).astype(np.float64),
        disp_sum=today0.sum(axis=1),
        disp_sq=(today0 * today0).sum(axis=1),
    )


def sum_partials(*parts: Partials) -> Partials:
    """Sum the additive terms of disjoint blocks of assets (same days)."""
    first = parts[0]
    fields = first.__dataclass_fields__
    summed = {
        name: sum((getattr(p, name) for p in parts[1:]), getattr(first, name)) for name in fields
    }
    return Partials(**summed)


@dataclass
class DayResults:
    """The measures of a run of days, and what the blocks need to split turbulence."""

    table: dict[str, FloatArray]
    centred_u: FloatArray  # (days, w): H (a I + b G)^-1 X_c (y - mu), see ``finish_days``
    scale: FloatArray  # b per day: Sigma = a I + b X_c' X_c
    inv_an: FloatArray  # 1 / (a n) per day


def _centre(gram: FloatArray) -> FloatArray:
    """H G H with H = I - 11'/k: the Gram matrix of the column-centred rows."""
    row = gram.mean(axis=2, keepdims=True)
    col = gram.mean(axis=1, keepdims=True)
    total = gram.mean(axis=(1, 2), keepdims=True)
    out: FloatArray = gram - row - col + total
    return out


def finish_days(total: Partials, params: Params) -> DayResults:
    """The day's measures from the terms summed over every block of assets.

    Returns
    -------
    DayResults
        ``table`` holds, per day: ``assets`` (co-movement set), ``avg_corr``,
        ``absorption_ratio``, ``turbulence``, ``shrinkage`` (Ledoit-Wolf intensity),
        ``breadth_1sd``, ``breadth_2sd``, ``breadth_assets``, ``at_52w_low``, ``dispersion``.
    """
    w = params.window
    n = total.n
    n_days = n.shape[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        avg_corr = ((total.zsum**2).sum(axis=1) / w - n) / (n * (n - 1.0))
    avg_corr = np.where(n >= 3, avg_corr, np.nan)

    # absorption ratio on the correlation window (rows t-w+1 .. t)
    recent = _centre(total.gram[:, 1:, 1:])
    eig = np.linalg.eigvalsh(recent)[:, ::-1]
    rank = np.minimum(n, w - 1)
    if params.n_factors is not None:
        k = np.full(n_days, float(params.n_factors))
    else:
        k = np.ceil(rank / 5.0)
    k_idx = np.clip(k, 1, w).astype(np.int64) - 1
    top = np.cumsum(eig, axis=1)[np.arange(n_days), k_idx]
    trace = np.trace(recent, axis1=1, axis2=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        ar = np.where((n >= 2) & (k < rank) & (trace > 0.0), top / trace, np.nan)

    # turbulence on the window before t (rows t-w .. t-1) against row t
    before = total.gram[:, :w, :w]
    g_y = total.gram[:, w, :w]
    yy = total.gram[:, w, w]
    gc = _centre(before)
    xv = g_y - before.mean(axis=2)
    xv -= xv.mean(axis=1, keepdims=True)  # H (g_y - G 1/w)
    vv = yy - 2.0 * g_y.mean(axis=1) + before.mean(axis=(1, 2))
    # Ledoit-Wolf intensity (sklearn.covariance.ledoit_wolf_shrinkage) from the Gram matrix:
    # ||X'X||_F = ||XX'||_F and sum_i x_si^2 = G_ss.
    tr = np.trace(gc, axis1=1, axis2=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        mu = tr / w / n
        delta_ = (gc * gc).sum(axis=(1, 2)) / w**2
        beta_ = (np.diagonal(gc, axis1=1, axis2=2) ** 2).sum(axis=1)
        beta = (beta_ / w - delta_) / (n * w)
        delta = (delta_ - 2.0 * mu * tr / w + n * mu * mu) / n
        beta = np.minimum(beta, delta)
        shrink = np.where(beta == 0.0, 0.0, beta / delta)
        a = shrink * mu
        b = (1.0 - shrink) / w
    good = (n >= 2) & (a > 0.0) & np.isfinite(a)
    a_s = np.where(good, a, 1.0)
    b_s = np.where(good, b, 0.0)
    system = b_s[:, None, None] * gc + a_s[:, None, None] * np.eye(w)
    u = np.linalg.solve(system, xv[:, :, None])[:, :, 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        d = (vv - b_s * (xv * u).sum(axis=1)) / a_s
        turb = np.where(good, d / n, np.nan)
        breadth_ok = total.moved >= 3
        b1 = np.where(breadth_ok, total.fell1 / total.moved, np.nan)
        b2 = np.where(breadth_ok, total.fell2 / total.moved, np.nan)
        low = np.where(total.low_counted >= 3, total.at_low / total.low_counted, np.nan)
        mean_r = total.disp_sum / total.disp_n
        disp = np.sqrt(np.maximum(total.disp_sq / total.disp_n - mean_r * mean_r, 0.0))
    disp = np.where(total.disp_n >= 2, disp, np.nan)
    table = {
        "assets": n,
        "avg_corr": avg_corr,
        "absorption_ratio": ar,
        "turbulence": turb,
        "shrinkage": np.where(good, shrink, np.nan),
        "breadth_1sd": b1,
        "breadth_2sd": b2,
        "breadth_assets": total.moved,
        "at_52w_low": low,
        "dispersion": disp,
    }
    centred_u = u - u.mean(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        inv_an = np.where(good, 1.0 / (a_s * n), np.nan)
    return DayResults(table=table, centred_u=centred_u, scale=b_s, inv_an=inv_an)


def block_assets(
    prices: FloatArray, days: DayResults, peak: FloatArray, params: Params
) -> tuple[FloatArray, FloatArray]:
    """Each asset's drawdown and turbulence contribution over one piece.

    Parameters
    ----------
    prices : ndarray, shape (lookback + days, assets)
        The piece given to :func:`block_partials`.
    days : DayResults
        :func:`finish_days` of the same run of days.
    peak : ndarray, shape (assets,)
        Highest close of each asset before the first output day (NaN if none).
    params : Params
        The windows.

    Returns
    -------
    drawdown, contribution : ndarray, shape (days, assets)
        Drawdown from the highest close so far (0 at a new high, NaN before the first close);
        contribution to the day's turbulence (NaN outside the co-movement set or where
        turbulence is undefined). The contributions of a day add up to its turbulence.
    """
    w = params.window
    start = lookback(params)
    n_days = prices.shape[0] - start
    r = _returns(prices)
    ok = _comovement_set(r, w)[start:]
    filled = np.where(np.isfinite(r), r, 0.0)
    windows = _windows(filled, w, start)
    contribution = np.full((n_days, prices.shape[1]), np.nan)
    for part in _batches(n_days, prices.shape[1] * (w + 1)):
        win = windows[part]  # (days, w + 1, assets)
        before = win[:, :w, :]
        v = win[:, w, :] - before.mean(axis=1)
        # X_c[:, i] . u = x_i . (H u): the centring moves onto u
        xu = np.matmul(days.centred_u[part][:, None, :], before)[:, 0, :]
        c = v * (v - days.scale[part, None] * xu) * days.inv_an[part, None]
        contribution[part] = np.where(ok[part], c, np.nan)
    running = np.fmax.accumulate(np.vstack([peak[None, :], prices[start:]]), axis=0)[1:]
    with np.errstate(divide="ignore", invalid="ignore"):
        drawdown = prices[start:] / running - 1.0
    return drawdown, contribution


def default_factors(n: int, window: int) -> int:
    """Eigenvalues in the absorption ratio's numerator for ``n`` assets (see module notes)."""
    return math.ceil(min(n, window - 1) / 5)
