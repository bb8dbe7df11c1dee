"""The composite stress index: a CISS-style aggregate of nine market sub-indices.

Each raw stress measure is turned into its recursive empirical CDF (its rank among all values up
to that day, so no later data shape it); a sub-index is the mean of its measures; the composite
weighs the sub-indices equally and aggregates them with EWMA cross-correlations (Hollo, Kremer and
Lo Duca 2012), so stress counts more when it hits several markets at once. The result lies in
[0, 1].

Price-like stress gauges (credit spreads, the VIX) enter twice: by their level and by their rise
over the past year's low, the spread analogue of the equity drawdown (CMAX). A level alone ranks
a moderate episode against decades that include far higher levels (1990s-2000s spreads, 2008);
the rise says how far stress has jumped from where that market stood, which is what a
sell-off such as February 2016 or December 2018 is.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SUBINDICES = (
    "funding",
    "rates",
    "credit",
    "banks",
    "equity",
    "volatility",
    "fx",
    "commodities",
    "crypto",
)
# Values a measure needs before its ECDF counts: two years, so a measure that starts in a
# stressed stretch (the credit spreads from 1997) does not rank the next crisis against it alone.
MIN_HISTORY = 500
EWMA_LAMBDA = 0.93  # the ECB CISS decay for the cross-correlations


def _realised_vol(returns: pd.Series, window: int = 20) -> pd.Series:
    return returns.rolling(window, min_periods=window - 5).std() * np.sqrt(252.0) * 100.0


def _cmax_drawdown(level: pd.Series, window: int = 250) -> pd.Series:
    """One minus the price over its trailing maximum (CMAX): 0 at a high, 0.3 after -30%."""
    peak = level.rolling(window, min_periods=20).max()
    return 1.0 - level / peak


def _rise_from_low(level: pd.Series, window: int = 250) -> pd.Series:
    """The level minus its trailing minimum: 0 at a one-year low, 2.0 after a 200 bp widening."""
    return level - level.rolling(window, min_periods=20).min()


def stress_measures(
    panel: pd.DataFrame, returns: pd.DataFrame, funding: pd.DataFrame
) -> dict[str, pd.DataFrame]:
    """Return the raw stress measures of each sub-index (higher = more stress).

    Parameters
    ----------
    panel : DataFrame
        Point-in-time panel (levels).
    returns : DataFrame
        Basket log returns by asset class.
    funding : DataFrame
        Output of :func:`riskoff.indicators.funding.funding_indicators`.
    """
    get = panel.get
    nan = pd.Series(np.nan, index=panel.index)
    spy = get("SPY", nan).fillna(get("SP500", nan))
    btc = get("BTC-USD", nan)
    y10 = get("DGS10", nan)
    hy, ig, vix = get("BAMLH0A0HYM2", nan), get("BAMLC0A0CM", nan), get("VIXCLS", nan)
    yield_vol = (y10.diff() * 100.0).rolling(20, min_periods=15).std()
    return {
        # Judged against the spread's own recent baseline, not its raw level: 0 bp after a
        # decade at -10 bp is a rise, not the most stressed day in history.
        "funding": pd.DataFrame(
            {
                "level_vs_baseline_bp": funding["funding_level_vs_baseline_bp"],
                "spike_bp": funding["funding_spike_bp"],
            }
        ),
        # Daily yield volatility, its rise from the past year's low, and the size of the 10-year's
        # 20-day move either way: a steady flight into Treasuries (February 2016) or out of
        # them stresses the rates market even while daily moves stay orderly.
        "rates": pd.DataFrame(
            {
                "yield_vol_bp": yield_vol,
                "yield_vol_rise": _rise_from_low(yield_vol),
                "yield_move_20d_bp": (y10.diff(20) * 100.0).abs(),
            }
        ),
        "credit": pd.DataFrame(
            {
                "hy_oas": hy,
                "ig_oas": ig,
                "hy_rise": _rise_from_low(hy),
                "ig_rise": _rise_from_low(ig),
            }
        ),
        # The CISS's financial-intermediaries segment: a bank run or a capital scare shows in
        # bank shares before it reaches the index.
        "banks": pd.DataFrame(
            {"drawdown": _cmax_drawdown(get("XLF", nan)), "vol": _realised_vol(returns["banks"])}
        ),
        "equity": pd.DataFrame(
            {"drawdown": _cmax_drawdown(spy), "vol": _realised_vol(returns["us_equities"])}
        ),
        "volatility": pd.DataFrame({"vix": vix, "vix_rise": _rise_from_low(vix)}),
        "fx": pd.DataFrame(
            {
                "dollar_vol": _realised_vol(returns["dollar"]),
                "yen_vol": _realised_vol(returns["yen"]),
            }
        ),
        "commodities": pd.DataFrame(
            {"oil_vol": _realised_vol(returns["oil"]), "gold_vol": _realised_vol(returns["gold"])}
        ),
        "crypto": pd.DataFrame(
            {"drawdown": _cmax_drawdown(btc), "vol": _realised_vol(returns["crypto"])}
        ),
    }


def subindices(measures: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Transform each measure by its recursive ECDF and average them into sub-indices."""
    from riskoff.indicators.stress import ecdf_transform

    out = {}
    for name in SUBINDICES:
        frame = measures[name]
        transformed = []
        for col in frame.columns:
            x = frame[col].to_numpy(dtype=np.float64)
            u = ecdf_transform(x)
            seen = np.cumsum(~np.isnan(x))
            u[seen < MIN_HISTORY] = np.nan
            transformed.append(u)
        stacked = np.vstack(transformed)
        with np.errstate(invalid="ignore"):
            counts = (~np.isnan(stacked)).sum(axis=0)
            mean = np.nansum(stacked, axis=0) / np.where(counts > 0, counts, 1)
        out[name] = np.where(counts > 0, mean, np.nan)
    return pd.DataFrame(out, index=next(iter(measures.values())).index)


def composite(sub: pd.DataFrame) -> tuple[pd.Series, pd.DataFrame]:
    """Aggregate sub-indices into the composite and its additive decomposition.

    Returns
    -------
    tuple
        ``(stress_index, contributions)``; contributions sum to the index on each day.
    """
    from riskoff.indicators.stress import ciss

    weights = np.full(sub.shape[1], 1.0 / sub.shape[1])
    index, contrib = ciss(sub.to_numpy(dtype=np.float64), weights, ewma_lambda=EWMA_LAMBDA)
    return (
        pd.Series(index, index=sub.index, name="stress_index"),
        pd.DataFrame(contrib, index=sub.index, columns=sub.columns),
    )


def compare_with_published(stress: pd.Series, panel: pd.DataFrame) -> dict[str, object]:
    """Compare the composite with the St. Louis Fed (STLFSI4) and Chicago Fed (NFCI) indices.

    All three are taken on Fridays (the published indices' dates) over their common span; each
    is standardised over that span, so this is an after-the-fact comparison, not a forecast.

    Returns
    -------
    dict
        For each published index: ``correlation`` (weekly levels), ``n_weeks``, ``span`` and
        ``largest_gaps``: the five dates (at least a quarter apart) where the standardised
        indices differ most, with both values and the difference (positive: riskoff sees more
        stress).
    """
    result: dict[str, object] = {}
    weekly = stress.resample("W-FRI").last()
    for sid in ("STLFSI4", "NFCI"):
        if sid not in panel:
            continue
        theirs = panel[sid].resample("W-FRI").last()
        both = pd.concat([weekly, theirs], axis=1, keys=["riskoff", sid]).dropna()
        if len(both) < 52:
            continue
        z = (both - both.mean()) / both.std()
        gap = (z["riskoff"] - z[sid]).rename("gap_z")
        # One date per episode: the largest gaps at least a quarter apart.
        worst: list[pd.Timestamp] = []
        for day in gap.abs().sort_values(ascending=False).index:
            if all(abs((day - w).days) > 91 for w in worst):
                worst.append(day)
            if len(worst) == 5:
                break
        result[sid] = {
            "correlation": float(both["riskoff"].corr(both[sid])),
            "n_weeks": len(both),
            "span": (both.index[0].date().isoformat(), both.index[-1].date().isoformat()),
            "largest_gaps": [
                {
                    "date": d.date().isoformat(),
                    "riskoff": float(both.loc[d, "riskoff"]),
                    sid: float(both.loc[d, sid]),
                    "gap_z": float(gap.loc[d]),
                }
                for d in sorted(worst)
            ],
        }
    return result
