"""Surface triggers: oil, gold, the dollar, yields, VIX, mega-cap tech and sector rotation.

Oil and gold spikes, the dollar at multi-year extremes, yield shocks, VIX jumps, mega-cap tech
against the equal-weighted market, and sector rotation. Every move is judged against its own
history up to that day: a z-score of the window's move among all earlier moves of the same
length (expanding mean and standard deviation, at least two years of history), so a 2008 move
is scored against what was known in 2008.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskoff.indicators.crossasset import DAY_WEIGHT, day_moves

MAG7 = ("AAPL", "MSFT", "GOOGL", "AMZN", "META", "NVDA", "TSLA")
SECTORS = {
    "XLB": "materials",
    "XLC": "communication",
    "XLE": "energy",
    "XLF": "financials",
    "XLI": "industrials",
    "XLK": "technology",
    "XLP": "staples",
    "XLRE": "real estate",
    "XLU": "utilities",
    "XLV": "health care",
    "XLY": "discretionary",
}
TRIGGER_SERIES = [
    "DCOILWTICO", "USO", "GOLD_LBMA_PM", "BAMLH0A0HYM2", "GLD", "UUP", "DTWEXBGS", "DGS10",
    "DGS30", "VIXCLS", "USDJPY", "RSP", "QQQE", "MAGS", "SPY", "FXE", "FXB", "AUDUSD",
    *MAG7, *SECTORS,
]  # fmt: skip
MIN_HISTORY = 500  # business days of history before a z-score is given
# Series published a day or more after their date: on the last rows of a point-in-time panel
# their value is carried forward, so their window must end at the last observation.
# At most this many final rows of each can be carried forward on the as-of day: its
# publication lag in business days plus one (a day whose value is not out yet).
MAX_STALE_ROWS = {"GOLD_LBMA_PM": 2, "BAMLH0A0HYM2": 2, "DCOILWTICO": 2, "DGS10": 1,
                  "DTWEXBGS": 6}  # fmt: skip
# The daily dollar proxy: the dollar against the bundled currencies (series, True when quoted
# as dollars per unit), with emerging-market equities (EEM) standing in for the yuan, peso
# and other emerging currencies the bundle lacks. The weights are fitted, not assumed: fixed
# trade weights on risk-sensitive stand-ins (the Australian dollar for all the commodity and
# emerging currencies) read every sell-off as a dollar surge. The fit is a rolling
# least-squares regression of the broad index's daily returns on these over the previous
# two years, point in time.
DOLLAR_PROXY = (("FXE", True), ("FXY", True), ("FXB", True), ("AUDUSD", True), ("EEM", False))
PROXY_FIT_DAYS = 500
PROXY_MIN_DAYS = 250


def expanding_zscore(move: pd.Series, min_periods: int = MIN_HISTORY) -> pd.Series:
    """Z-score of each value against all earlier values (excluding itself).

    Parameters
    ----------
    move : Series
        Values in time order (NaN allowed).
    min_periods : int
        Earlier values needed before a score is given.

    Returns
    -------
    Series
        ``(x_t - mean(x_<t)) / std(x_<t)``, NaN before ``min_periods`` values exist.
    """
    x = move.to_numpy(dtype=float)
    valid = ~np.isnan(x)
    filled = np.where(valid, x, 0.0)
    n = np.cumsum(valid) - valid
    s1 = np.cumsum(filled) - filled
    s2 = np.cumsum(filled**2) - filled**2
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = s1 / n
        var = (s2 - n * mean**2) / (n - 1)
        z = (x - mean) / np.sqrt(var)
    z[(n < min_periods) | ~valid | ~(var > 0)] = np.nan
    return pd.Series(z, index=move.index)


def _first(panel: pd.DataFrame, *ids: str) -> pd.Series:
    nan = pd.Series(np.nan, index=panel.index)
    out = nan
    for sid in ids:
        if sid in panel:
            out = out.fillna(panel[sid])
    return out


def _log_move(level: pd.Series, window: int) -> pd.Series:
    # A non-positive price (WTI on 2020-04-20) has no log move: NaN, not a warning.
    ratio = (level / level.shift(window)).where(level > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.log(ratio) * 100.0


def stale_tail(level: pd.Series, max_rows: int = 5) -> pd.Series:
    """Flag the last rows that only carry the series' last observation forward.

    On a point-in-time panel a series published with a lag ends with its last known value
    repeated; those rows are not observations. The final run of identical values is taken as
    carried forward, but never more than ``max_rows`` rows (the series' lag), so a rate that
    genuinely stays unchanged for weeks is not mistaken for a stale one.
    """
    values = level.to_numpy(dtype=float)
    stale = np.zeros(len(values), dtype=bool)
    valid = np.flatnonzero(~np.isnan(values))
    if len(valid) < 2:
        return pd.Series(stale, index=level.index)
    last = valid[-1]
    first_of_run = last
    while first_of_run > max(0, last - max_rows) and values[first_of_run - 1] == values[last]:
        first_of_run -= 1
    stale[first_of_run + 1 : last + 1] = True
    return pd.Series(stale, index=level.index)


def observed_move(level: pd.Series, window: int, max_rows: int = 2) -> pd.Series:
    """Log move in percent over ``window`` observations, ending at the latest observation.

    For a lagged series the rows after its last observation (at most ``max_rows``) carry the
    window that ends at that observation (a 10-day move stays a 10-observation move).
    """
    return _at_last_observation(_log_move(level, window), level, max_rows)


def _at_last_observation(move: pd.Series, level: pd.Series, max_rows: int) -> pd.Series:
    """On the carried-forward tail of ``level``, repeat the move that ends at its last value."""
    stale = stale_tail(level, max_rows)
    return move.where(~stale).ffill().where(level.notna() & (stale | move.notna()))


def observed_dates(level: pd.Series, max_rows: int = 5) -> pd.Series:
    """The observation date behind each row's value (the row's own date, or the last real one)."""
    stale = stale_tail(level, max_rows)
    dates = pd.Series(level.index, index=level.index).where(~stale & level.notna())
    return dates.ffill().where(level.notna())


def dollar_proxy_returns(panel: pd.DataFrame) -> pd.Series:
    """Daily log returns of the dollar from the bundled currencies and EEM (``DOLLAR_PROXY``).

    Each day's weights come from a least-squares fit of the broad index's (DTWEXBGS) daily log
    returns on the currencies' over the previous ``PROXY_FIT_DAYS`` days with both known, so
    the proxy has the broad index's scale and uses nothing after the day before.
    """
    cols = {}
    for sid, per_unit in DOLLAR_PROXY:
        if sid in panel:
            with np.errstate(invalid="ignore", divide="ignore"):
                ret = np.log(panel[sid] / panel[sid].shift(1))
            cols[sid] = -ret if per_unit else ret
    broad = _first(panel, "DTWEXBGS")
    broad = broad.where(~stale_tail(broad, MAX_STALE_ROWS["DTWEXBGS"]))  # not yet published
    if not cols or broad.isna().all():
        return pd.Series(np.nan, index=panel.index)
    x = pd.DataFrame(cols)
    with np.errstate(invalid="ignore", divide="ignore"):
        y = np.log(broad / broad.shift(1))
    known = x.notna().all(axis=1) & y.notna()
    xk, yk = x.where(known), y.where(known)
    names = list(x.columns)

    def trailing(values: pd.Series) -> np.ndarray:
        return values.rolling(PROXY_FIT_DAYS, min_periods=PROXY_MIN_DAYS).sum().shift(1).to_numpy()

    k = len(names)
    xtx = np.empty((len(x), k, k))
    xty = np.empty((len(x), k))
    for i, a in enumerate(names):
        xty[:, i] = trailing(xk[a] * yk)
        for j, b in enumerate(names[i:], start=i):
            xtx[:, i, j] = xtx[:, j, i] = trailing(xk[a] * xk[b])
    fitted = np.isfinite(xtx).all(axis=(1, 2)) & np.isfinite(xty).all(axis=1)
    weights = np.full((len(x), k), np.nan)
    if fitted.any():
        a, b = xtx[fitted], xty[fitted][:, :, None]
        try:
            weights[fitted] = np.linalg.solve(a, b)[:, :, 0]
        except np.linalg.LinAlgError:
            # A currency that did not move (a peg, a long gap) leaves a fit singular: the
            # pseudo-inverse then gives it no weight instead of an error.
            weights[fitted] = (np.linalg.pinv(a) @ b)[:, :, 0]
    # A day missing one currency (a holiday abroad) counts that currency as unchanged.
    enough = x.notna().sum(axis=1) >= 2
    proxy = (x.fillna(0.0).to_numpy() * weights).sum(axis=1)
    return pd.Series(np.where(fitted, proxy, np.nan), index=panel.index).where(enough)


def broad_dollar(panel: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """The broad trade-weighted dollar where known, extended daily by the currency proxy.

    DTWEXBGS is published about a week late: after its last observation the level is carried
    forward by the proxy's returns. Before the broad index exists (2006) nothing is given.

    Returns
    -------
    tuple of Series
        ``(level, source)``: the spliced level and, per row, ``DTWEXBGS`` or
        ``DTWEXBGS+FX proxy``.
    """
    lag = MAX_STALE_ROWS["DTWEXBGS"]
    broad = _first(panel, "DTWEXBGS")
    # The panel carries a lagged level forward at most five business days, one fewer than the
    # index's lag: the rows after the last carried one, up to the lag counted from the
    # observation itself, are its unpublished tail, not a gap.
    last = broad.last_valid_index()
    room = lag - int(stale_tail(broad, lag).sum())
    if last is not None and room > 0:
        broad = broad.where(broad.index <= last, broad.ffill(limit=room))
    proxy = dollar_proxy_returns(panel)
    stale = stale_tail(broad, lag)
    log_level = np.log(broad.where(~stale))
    extension = proxy.where(stale).fillna(0.0).cumsum().where(stale)
    last_known = log_level.ffill()
    level = np.exp(log_level.fillna(last_known + extension))
    source = pd.Series(
        np.where(stale, "DTWEXBGS+FX proxy", "DTWEXBGS"), index=panel.index, dtype=object
    ).where(level.notna())
    return level.where(broad.notna() | stale), source


def equal_weight_basket(panel: pd.DataFrame, members: tuple[str, ...]) -> pd.Series:
    """Daily-rebalanced equal-weight index (start 100) of the members that trade each day."""
    rets = panel[[m for m in members if m in panel]].pct_change(fill_method=None)
    daily = rets.mean(axis=1, skipna=True)
    return 100.0 * (1.0 + daily.fillna(0.0)).cumprod().where(rets.notna().any(axis=1).cummax())


def years_since_level(level: pd.Series, lower: bool) -> pd.Series:
    """How many years back one must go to find a value below (``lower``) or above today's.

    Gives the "dollar at an N-year low" figure; the full history counts when no earlier value
    is beyond today's. A monotonic stack finds each day's previous smaller (larger) value in
    one pass.
    """
    values = level.dropna()
    x = values.to_numpy(dtype=float) * (1.0 if lower else -1.0)
    days = values.index.to_numpy(dtype="datetime64[D]").astype(np.int64)
    out = np.empty(len(x))
    stack: list[int] = []
    for i, v in enumerate(x.tolist()):
        while stack and x[stack[-1]] >= v:
            stack.pop()
        out[i] = (days[i] - days[stack[-1] if stack else 0]) / 365.25
        stack.append(i)
    return pd.Series(out, index=values.index).reindex(level.index)


def trigger_indicators(panel: pd.DataFrame, window: int = 10) -> pd.DataFrame:
    """Compute the surface-trigger indicators over ``window`` business days.

    Returns
    -------
    DataFrame
        ``oil_move_pct`` / ``_z``, ``gold_move_pct`` / ``_z``, ``dollar_move_pct`` / ``_z``,
        ``dollar_day_pct`` / ``_z`` (the last day's move), ``dollar_bid_z``, ``dollar_low_years`` /
        ``dollar_high_years`` (the broad dollar is at an N-year low / high),
        ``yield_10y_move_bp`` / ``_z``, ``vix_level``, ``vix_move_pts`` / ``_z``,
        ``yen_move_pct`` / ``_z`` (positive = yen stronger), ``hy_oas_pct`` and
        ``hy_oas_move_bp`` (high-yield spread and its change), ``mag7_move_pct``,
        ``equal_weight_move_pct``, ``mag7_vs_equal_weight_pct`` / ``_z`` (MAG7 basket minus
        RSP over the window), ``mag7_vs_equal_weight_1y_pct``, ``mag7_above_200d_pct`` (how far
        the basket trades above its 200-day average: a price stretch, not a valuation).
    """
    out = pd.DataFrame(index=panel.index)
    oil = _first(panel, "DCOILWTICO", "USO")
    gold = _first(panel, "GOLD_LBMA_PM", "GLD")
    dollar = _first(panel, "DTWEXBGS")
    dollar_etf = _first(panel, "UUP")
    usdjpy = _first(panel, "USDJPY")
    for name, level in (("oil", oil), ("gold", gold)):
        out[f"{name}_move_pct"] = observed_move(level, window, MAX_STALE_ROWS["GOLD_LBMA_PM"])
        out[f"{name}_move_z"] = expanding_zscore(out[f"{name}_move_pct"])
    # The dollar is the broad trade-weighted index (its last days from the currency proxy);
    # UUP, a euro-heavy DXY tracker, only before the broad index starts.
    spliced, source = broad_dollar(panel)
    dollar_move = _log_move(spliced, window).fillna(_log_move(dollar_etf, window))
    out["dollar_move_pct"] = dollar_move
    out["dollar_move_z"] = expanding_zscore(dollar_move)
    # The day's move as well: a dash for cash can be a day old (12 March 2020) before a
    # window shows it. In sigma of the previous year's daily moves, as for the basket.
    dollar_day = _log_move(spliced, 1).fillna(_log_move(dollar_etf, 1))
    out["dollar_day_pct"] = np.expm1(dollar_day / 100.0) * 100.0
    out["dollar_day_z"] = day_moves(pd.DataFrame({"usd": dollar_day}))["usd"]
    # The dollar is bid on its window z, or on half its day z when the day was stronger.
    out["dollar_bid_z"] = np.fmax(out["dollar_move_z"], DAY_WEIGHT * out["dollar_day_z"])
    out["dollar_source"] = source.where(_log_move(spliced, window).notna(), "UUP").where(
        dollar_move.notna()
    )
    weekly_dollar = dollar.dropna()
    weekly_dollar = weekly_dollar[~weekly_dollar.index.duplicated()]
    out["dollar_low_years"] = (
        years_since_level(weekly_dollar, lower=True).reindex(out.index).ffill(limit=10)
    )
    out["dollar_high_years"] = (
        years_since_level(weekly_dollar, lower=False).reindex(out.index).ffill(limit=10)
    )
    out["yen_move_pct"] = -_log_move(usdjpy, window)
    out["yen_move_z"] = expanding_zscore(out["yen_move_pct"])
    y10 = _first(panel, "DGS10")
    out["yield_10y_move_bp"] = _at_last_observation(
        (y10 - y10.shift(window)) * 100.0, y10, MAX_STALE_ROWS["DGS10"]
    )
    out["yield_10y_move_z"] = expanding_zscore(out["yield_10y_move_bp"])
    hy = _first(panel, "BAMLH0A0HYM2")
    out["hy_oas_pct"] = hy
    out["hy_oas_move_bp"] = _at_last_observation(
        (hy - hy.shift(window)) * 100.0, hy, MAX_STALE_ROWS["BAMLH0A0HYM2"]
    )
    vix = _first(panel, "VIXCLS")
    out["vix_level"] = vix
    out["vix_move_pts"] = vix - vix.shift(window)
    out["vix_move_z"] = expanding_zscore(out["vix_move_pts"])
    mag7 = equal_weight_basket(panel, MAG7)
    equal = _first(panel, "RSP")
    out["mag7_move_pct"] = _log_move(mag7, window)
    out["equal_weight_move_pct"] = _log_move(equal, window)
    out["mag7_vs_equal_weight_pct"] = out["mag7_move_pct"] - out["equal_weight_move_pct"]
    out["mag7_vs_equal_weight_z"] = expanding_zscore(out["mag7_vs_equal_weight_pct"])
    out["mag7_vs_equal_weight_1y_pct"] = _log_move(mag7, 250) - _log_move(equal, 250)
    out["mag7_above_200d_pct"] = (mag7 / mag7.rolling(200, min_periods=150).mean() - 1.0) * 100.0
    return out


def sector_moves(panel: pd.DataFrame, window: int = 10) -> pd.DataFrame:
    """Window log moves (percent) of the sector ETFs, one column per sector name."""
    cols = {name: _log_move(panel[etf], window) for etf, name in SECTORS.items() if etf in panel}
    return pd.DataFrame(cols, index=panel.index)
