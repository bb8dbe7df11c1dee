"""Checks at the store boundary: every frame that enters the store passes through here.

Errors name the origin (a file or a provider), the series, the row and the reason, so a user can
fix the input; nothing is written when a check fails.
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from riskoff.errors import DataError

# Units a user may declare on import and how to reach the catalog unit from them.
UNIT_CONVERSIONS: dict[tuple[str, str], float] = {
    ("USD mn", "USD bn"): 1e-3,
    ("USD bn", "USD mn"): 1e3,
    ("USD", "USD bn"): 1e-9,
    ("bp", "percent"): 1e-2,
    ("percent", "bp"): 1e2,
    ("fraction", "percent"): 1e2,
}


def _row_label(row: int) -> str:
    # Row numbers count the header as line 1, as an editor shows them.
    return f"row {row + 2}"


def clean_observations(
    raw: pd.DataFrame,
    series_id: str,
    origin: str,
    today: date | None = None,
    reference: pd.Series | None = None,
    unit: str | None = None,
) -> pd.DataFrame:
    """Validate and normalise raw ``date,value`` rows for one series.

    Parameters
    ----------
    raw : DataFrame
        Two columns, taken by position: dates (ISO strings or datetimes) and values.
    series_id : str
        The series the rows belong to (for messages).
    origin : str
        Where the rows came from, e.g. a file path or ``"fred"`` (for messages).
    today : date, optional
        Dates after this are rejected as future dates (default: today).
    reference : Series, optional
        Values already in the store for this series, indexed by date; used to catch a unit
        mismatch (the new values a factor 100 or 1000 off the stored ones).
    unit : str, optional
        The catalog unit, named in the unit-mismatch message.

    Returns
    -------
    DataFrame
        Columns ``date`` (datetime64, sorted, unique) and ``value`` (float64, finite).

    Raises
    ------
    DataError
        On an empty input, an unparseable or future date, a non-numeric value, duplicate dates
        with different values, or values in the wrong unit.
    """
    where = f"{origin}: series {series_id}"
    if raw.shape[0] == 0:
        raise DataError(f"{where}: no observations (empty input)")
    if raw.shape[1] < 2:
        raise DataError(f"{where}: expected two columns date,value, found {raw.shape[1]}")
    dates_raw = raw.iloc[:, 0]
    values_raw = raw.iloc[:, 1]
    dates = pd.to_datetime(dates_raw, errors="coerce", format="mixed")
    bad = dates.isna().to_numpy()
    if bad.any():
        i = int(np.argmax(bad))
        raise DataError(f"{where}: {_row_label(i)}: unparseable date {dates_raw.iloc[i]!r}")
    dates = dates.dt.tz_localize(None) if dates.dt.tz is not None else dates
    dates = dates.dt.normalize()
    values = pd.to_numeric(values_raw, errors="coerce")
    bad = (values.isna() | ~np.isfinite(values.to_numpy(dtype=float, na_value=np.nan))).to_numpy()
    if bad.any():
        i = int(np.argmax(bad))
        raise DataError(f"{where}: {_row_label(i)}: value {values_raw.iloc[i]!r} is not a number")
    limit = pd.Timestamp(today or date.today())
    future = (dates > limit).to_numpy()
    if future.any():
        i = int(np.argmax(future))
        raise DataError(
            f"{where}: {_row_label(i)}: date {dates.iloc[i].date()} is in the future "
            f"(after {limit.date()})"
        )
    frame = pd.DataFrame({"date": dates.to_numpy(), "value": values.to_numpy(dtype="float64")})
    dup = frame["date"].duplicated(keep=False).to_numpy()
    if dup.any():
        groups = frame[dup].groupby("date")["value"].nunique()
        conflicting = groups[groups > 1]
        if len(conflicting):
            day = conflicting.index[0]
            rows = [_row_label(int(i)) for i in np.flatnonzero((frame["date"] == day).to_numpy())]
            raise DataError(
                f"{where}: duplicate date {day.date()} with different values ({', '.join(rows)})"
            )
        frame = frame.drop_duplicates("date")
    frame = frame.sort_values("date", ignore_index=True)
    if reference is not None and len(reference) >= 5:
        _check_unit(frame, reference, where, unit)
    return frame


def _check_unit(frame: pd.DataFrame, reference: pd.Series, where: str, unit: str | None) -> None:
    """Reject values that sit a power of ten away from what the store holds."""
    new = frame.set_index("date")["value"]
    common = new.index.intersection(reference.index)
    if len(common) >= 5:
        a, b = new.loc[common].abs().median(), reference.loc[common].abs().median()
    else:
        # No overlap: compare with the most recent stored year.
        a, b = new.abs().median(), reference.iloc[-250:].abs().median()
    if a == 0 or b == 0 or not (math.isfinite(a) and math.isfinite(b)):
        return
    ratio = float(a / b)
    power = round(math.log10(ratio))
    if abs(power) >= 2 and abs(math.log10(ratio) - power) < 0.35:
        raise DataError(
            f"{where}: values look like the wrong unit: their median is {ratio:.3g} times the "
            f"stored values ({'unit ' + unit if unit else 'catalog unit'}); "
            "rescale the file or declare its unit with --unit"
        )


def read_user_csv(path: Path, series_id: str) -> pd.DataFrame:
    """Read a user's ``date,value`` CSV as raw strings, with errors naming the file.

    Raises
    ------
    DataError
        If the file is missing, empty or not a two-column CSV.
    """
    if not path.exists():
        raise DataError(f"{path}: no such file")
    try:
        raw = pd.read_csv(path, dtype=str, skip_blank_lines=True, keep_default_na=False)
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: series {series_id}: the file is empty") from None
    except pd.errors.ParserError as exc:
        raise DataError(f"{path}: series {series_id}: malformed CSV: {exc}") from None
    if raw.shape[1] != 2:
        raise DataError(
            f"{path}: series {series_id}: expected 2 columns (date,value), "
            f"found {raw.shape[1]}: {list(raw.columns)}"
        )
    header = [str(c).strip().lower() for c in raw.columns]
    if header[0] not in ("date", "observation_date", "time", "day"):
        raise DataError(
            f"{path}: series {series_id}: row 1: expected a header 'date,value', found "
            f"{','.join(map(str, raw.columns))}"
        )
    return raw
