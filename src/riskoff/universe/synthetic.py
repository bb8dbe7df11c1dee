"""A seeded synthetic universe: a factor model with sectors, regimes, fat tails and listings.

Daily log return of asset ``i`` in sector ``s`` on day ``t`` in regime ``k``::

    r_ti = drift_k + vol_k * (beta_i * m_t + gamma_i * f_ts + sigma_i * e_ti)

``m`` (market) and ``f`` (one factor per sector) and ``e`` (idiosyncratic) are Student-t
shocks with 4 degrees of freedom scaled to unit variance (fat tails). The regime is a two-state
Markov chain: calm (small positive drift, vol 1) and stress (negative drift, vol 2.5, market
loadings up by half), entered about once every two years and left after about 40 days on
average. A fifth of the assets list after the first day and a tenth delist before the last:
their closes are missing outside their listed life.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["parse_shape", "synthetic_universe"]

N_SECTORS = 11
_DF = 4.0
_T_SCALE = np.sqrt((_DF - 2.0) / _DF)  # unit variance of a Student-t with 4 d.o.f.


def parse_shape(text: str) -> tuple[int, int]:
    """Parse ``ASSETSxDAYS`` (e.g. ``2000x6300``) into ``(assets, days)``."""
    try:
        assets, days = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise ValueError(f"{text!r} is not ASSETSxDAYS, e.g. 2000x6300") from None
    if assets < 3 or days < 2:
        raise ValueError(f"{text!r}: need at least 3 assets and 2 days")
    return assets, days


def _regimes(rng: np.random.Generator, n_days: int) -> np.ndarray:
    enter, leave = 1.0 / 500.0, 1.0 / 40.0
    u = rng.random(n_days)
    state = np.zeros(n_days, dtype=np.int8)
    for t in range(1, n_days):
        stay = leave if state[t - 1] else enter
        state[t] = state[t - 1] ^ (u[t] < stay)
    return state


def synthetic_universe(
    n_assets: int = 2000, n_days: int = 6300, seed: int = 0, start: str = "2001-01-01"
) -> pd.DataFrame:
    """Closes of a synthetic universe (see the module notes for the model).

    Parameters
    ----------
    n_assets, n_days : int
        Size of the universe: assets (columns named ``A0000``...) and business days.
    seed : int, default 0
        Seed of the generator: the same seed gives the same universe.
    start : str, default "2001-01-01"
        First business day.

    Returns
    -------
    DataFrame
        Closes, business days by assets, NaN outside each asset's listed life; columns
        carry the sector in ``DataFrame.attrs["sector"]`` (a list, one per asset).
    """
    rng = np.random.default_rng(seed)
    sector = rng.integers(0, N_SECTORS, n_assets)
    beta = rng.uniform(0.5, 1.5, n_assets)
    gamma = rng.uniform(0.2, 0.8, n_assets)
    sigma = rng.uniform(0.8, 2.0, n_assets)
    daily_vol = 0.01 * rng.uniform(0.6, 1.4, n_assets) / np.sqrt(beta**2 + gamma**2 + sigma**2)
    state = _regimes(rng, n_days)
    drift = np.where(state == 1, -0.0015, 0.0003)
    vol = np.where(state == 1, 2.5, 1.0)
    lift = np.where(state == 1, 1.5, 1.0)
    market = rng.standard_t(_DF, n_days) * _T_SCALE
    sectors = rng.standard_t(_DF, (n_days, N_SECTORS)) * _T_SCALE
    listed = np.where(rng.random(n_assets) < 0.2, rng.integers(1, max(n_days - 60, 2), n_assets), 0)
    delisted = np.where(
        rng.random(n_assets) < 0.1,
        np.minimum(n_days, listed + rng.integers(60, max(n_days, 61), n_assets)),
        n_days,
    )
    out = np.empty((n_days, n_assets))
    block = 256  # assets at a time: bounded temporaries whatever the width
    for b in range(0, n_assets, block):
        cols = slice(b, min(b + block, n_assets))
        idio = rng.standard_t(_DF, (n_days, cols.stop - b)) * _T_SCALE
        shocks = (
            (lift * market)[:, None] * beta[cols]
            + sectors[:, sector[cols]] * gamma[cols]
            + idio * sigma[cols]
        )
        r = drift[:, None] + vol[:, None] * shocks * daily_vol[cols]
        logp = np.log(rng.uniform(5.0, 200.0, cols.stop - b)) + np.cumsum(r, axis=0)
        out[:, cols] = np.exp(logp)
    rows = np.arange(n_days)[:, None]
    out[(rows < listed) | (rows >= delisted)] = np.nan
    frame = pd.DataFrame(
        out,
        index=pd.bdate_range(start, periods=n_days, name="date"),
        columns=[f"A{i:04d}" for i in range(n_assets)],
    )
    frame.attrs["sector"] = sector.tolist()
    return frame
