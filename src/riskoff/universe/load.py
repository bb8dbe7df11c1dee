"""Read a universe price file (long or wide Parquet) and refuse what cannot be scanned.

Long: columns ``date``, ``asset``, ``close`` (one row per asset and date). Wide: a ``date``
column (or a date index) and one column of closes per asset. Each refusal is a
:class:`~riskoff.errors.DataError` with one line naming the file and the problem.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from riskoff.errors import DataError

__all__ = ["MIN_ASSETS", "bundled_universe", "check_universe", "read_universe"]

MIN_ASSETS = 3  # the fewest for an average pairwise correlation


def _read_parquet(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise DataError(f"{path}: no such file")
    if path.is_dir():
        raise DataError(f"{path} is a directory: give a Parquet file of prices")
    try:
        return pd.read_parquet(path)
    except PermissionError:
        raise DataError(f"{path}: not readable (check the permissions)") from None
    except Exception as exc:  # pyarrow raises several types for a damaged or foreign file
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataError(f"{path}: not a readable Parquet file ({reason})") from None


def _wide_from_long(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    missing = [c for c in ("date", "asset", "close") if c not in frame.columns]
    if missing:
        raise DataError(
            f"{name}: missing column(s) {', '.join(missing)} (long: date, asset, close)"
        )
    dates = pd.to_datetime(frame["date"])
    assets = frame["asset"].astype(str)
    key = pd.DataFrame({"asset": assets, "date": dates})
    dup = key.duplicated()
    if dup.any():
        row = key[dup].iloc[0]
        raise DataError(f"{name}: duplicate date {row['date'].date()} for asset {row['asset']}")
    step = key.groupby("asset", sort=False)["date"].diff()
    if (step < pd.Timedelta(0)).any():
        row = key[step < pd.Timedelta(0)].iloc[0]
        raise DataError(
            f"{name}: dates not sorted for asset {row['asset']} (at {row['date'].date()})"
        )
    close = _numeric(frame["close"], name, "close")
    wide = pd.DataFrame({"date": dates, "asset": assets, "close": close}).pivot(
        index="date", columns="asset", values="close"
    )
    return wide


def _numeric(values: pd.Series, name: str, column: str) -> pd.Series:
    if not pd.api.types.is_numeric_dtype(values):
        raise DataError(f"{name}: column {column} is not numeric ({values.dtype})")
    return values.astype(np.float64)


def _wide(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    if "date" in frame.columns:
        frame = frame.set_index("date")
    elif not isinstance(frame.index, pd.DatetimeIndex):
        raise DataError(f"{name}: missing column date (wide: date and one column per asset)")
    index = pd.DatetimeIndex(pd.to_datetime(frame.index), name="date")
    if index.has_duplicates:
        raise DataError(f"{name}: duplicate date {index[index.duplicated()][0].date()}")
    if not index.is_monotonic_increasing:
        bad = int(np.flatnonzero(np.diff(index.asi8) < 0)[0]) + 1
        raise DataError(
            f"{name}: dates not sorted ({index[bad].date()} after {index[bad - 1].date()})"
        )
    out = pd.DataFrame(
        {str(c): _numeric(frame[c], name, str(c)) for c in frame.columns}, index=index
    )
    return out


def check_universe(prices: pd.DataFrame, name: str, window: int) -> pd.DataFrame:
    """Refuse non-positive closes, too few assets or too few dates; drop empty assets.

    Parameters
    ----------
    prices : DataFrame
        Dates by assets (closes).
    name : str
        What to call the data in a refusal (the file name).
    window : int
        The co-movement window: the panel needs more rows than it.

    Returns
    -------
    DataFrame
        ``prices`` with all-missing assets removed (infinite closes read as missing).
    """
    values = prices.to_numpy(dtype=np.float64)
    bad = np.isfinite(values) & (values <= 0)
    if bad.any():
        t, i = np.argwhere(bad)[0]
        raise DataError(
            f"{name}: non-positive close {values[t, i]:g} for {prices.columns[i]}"
            f" on {prices.index[t].date()} (closes must be > 0)"
        )
    prices = prices.replace([np.inf, -np.inf], np.nan).dropna(axis=1, how="all")
    if prices.shape[1] < MIN_ASSETS:
        raise DataError(
            f"{name}: {prices.shape[1]} asset(s) with closes,"
            f" a universe needs at least {MIN_ASSETS}"
        )
    if prices.shape[0] <= window + 1:
        raise DataError(
            f"{name}: {prices.shape[0]} dates, the {window}-day window needs at least {window + 2}"
        )
    return prices


def read_universe(path: Path, window: int = 60) -> pd.DataFrame:
    """Read and check a universe price file.

    Parameters
    ----------
    path : Path
        Parquet file, long (``date, asset, close``) or wide (``date`` and one column per asset).
    window : int, default 60
        The co-movement window the scan will use.

    Returns
    -------
    DataFrame
        Closes, dates (sorted, unique) by assets.

    Raises
    ------
    DataError
        One line naming the file and what is wrong with it.
    """
    frame = _read_parquet(path)
    name = path.name
    if "asset" in frame.columns or "close" in frame.columns:
        wide = _wide_from_long(frame, name)
    else:
        wide = _wide(frame, name)
    return check_universe(wide, name, window)


def bundled_universe() -> pd.DataFrame:
    """The bundled Yahoo price series as a small real universe (closes, business days).

    Every bundled series from Yahoo (funds, stock indices, currencies, crypto: about 55), read
    through :func:`riskoff.load_panel` (its business-day calendar).
    """
    from riskoff import load_panel
    from riskoff.catalog import load_catalog

    ids = [sid for sid, spec in load_catalog().items() if spec.source == "yahoo"]
    panel = load_panel(ids)
    return panel.dropna(axis=1, how="all")
