"""Checks at the store boundary: every frame that enters the store passes through here.

Errors name the origin (a file or a provider), the series, the row and the reason, so a user can
fix the input; nothing is written when a check fails.
"""

from __future__ import annotations

import codecs
import io
import math
import re
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from riskoff import config
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


# A value or a date before this cannot be a market observation riskoff can use.
MIN_DATE = pd.Timestamp("1800-01-01")
# Plausible magnitudes per catalog unit: anything beyond is a unit or typing error (1e308 yield).
UNIT_BOUNDS: dict[str, tuple[float, float]] = {
    "percent": (-100.0, 1000.0),
    "percentage points": (-1000.0, 1000.0),
    "bp": (-100_000.0, 100_000.0),
    "fraction": (-10.0, 10.0),
}
DEFAULT_BOUND = 1e15
# A new value may lie this many historical ranges beyond the series' own min/max.
HISTORY_RANGE_FACTOR = 4.0
HISTORY_MIN_ROWS = 250  # a year of daily closes: a short history says little about range
# Over shared dates the new and stored medians must agree within this factor.
UNIT_RATIO_LIMIT = 3.0

_ISO = re.compile(
    r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$"
)
_SLASHED = re.compile(r"^\d{1,2}([/.-])\d{1,2}\1\d{2,4}$")


def _row_label(row: int) -> str:
    # Row numbers count the header as line 1, as an editor shows them.
    return f"row {row + 2}"


def show(value: object, width: int = 40) -> str:
    """Quote a user's value for a message, cut to ``width`` characters (a 5 MB cell stays short)."""
    text = str(value)
    return repr(text) if len(text) <= width else repr(text[:width]) + "…"


def clean_observations(
    raw: pd.DataFrame,
    series_id: str,
    origin: str,
    today: date | None = None,
    reference: pd.Series | None = None,
    unit: str | None = None,
    date_format: str | None = None,
    scale: float = 1.0,
) -> pd.DataFrame:
    """Validate and normalise raw ``date,value`` rows for one series.

    Used for imported files and fetched answers alike, so both meet the same bounds.

    Parameters
    ----------
    raw : DataFrame
        Two columns, taken by position: dates (ISO strings or datetimes) and values.
    series_id : str
        The series the rows belong to (for messages).
    origin : str
        Where the rows came from, e.g. a file path or ``"fred"`` (for messages).
    today : date, optional
        Dates after this are rejected as future dates (default: :func:`riskoff.config.today`).
    reference : Series, optional
        Values already in the store for this series, indexed by date; used to catch a unit
        mismatch (the new values' median far from the stored one over the same dates) and
        values far outside the series' own history.
    unit : str, optional
        The catalog unit: sets the plausible magnitude and is named in messages.
    date_format : str, optional
        A ``strftime`` format for dates that are not ISO (``%d/%m/%Y``); without it only ISO
        dates are accepted, so ``01/09/2026`` is never guessed.
    scale : float
        Factor from the input's unit to ``unit`` (a declared ``--unit``), applied before the
        bounds and the unit check.

    Returns
    -------
    DataFrame
        Columns ``date`` (datetime64, sorted, unique) and ``value`` (float64, finite).

    Raises
    ------
    DataError
        On an empty input, an unparseable, ambiguous, mixed-zone, too early or future date, a
        non-numeric or implausible value, duplicate dates with different values, or values in
        the wrong unit; the message names the row.
    """
    where = f"{origin}: series {series_id}"
    if raw.shape[0] == 0:
        raise DataError(f"{where}: no observations (empty input)")
    if raw.shape[1] < 2:
        raise DataError(f"{where}: expected two columns date,value, found {raw.shape[1]}")
    dates = _parse_dates(raw.iloc[:, 0], where, date_format)
    values_raw = raw.iloc[:, 1]
    values = pd.to_numeric(values_raw, errors="coerce")
    bad = (values.isna() | ~np.isfinite(values.to_numpy(dtype=float, na_value=np.nan))).to_numpy()
    if bad.any():
        i = int(np.argmax(bad))
        raise DataError(
            f"{where}: {_row_label(i)}: value {show(values_raw.iloc[i])} is not a number"
        )
    early = (dates < MIN_DATE).to_numpy()
    if early.any():
        i = int(np.argmax(early))
        raise DataError(
            f"{where}: {_row_label(i)}: date {dates.iloc[i].date()} is before "
            f"{MIN_DATE.date()}: not a usable observation date"
        )
    limit = pd.Timestamp(today or config.today())
    future = (dates > limit).to_numpy()
    if future.any():
        i = int(np.argmax(future))
        raise DataError(
            f"{where}: {_row_label(i)}: date {dates.iloc[i].date()} is in the future "
            f"(after {limit.date()})"
        )
    numbers = values.to_numpy(dtype="float64") * scale
    frame = pd.DataFrame({"date": dates.to_numpy(), "value": numbers})
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
    _check_bounds(frame, where, unit, None)
    if reference is not None and len(reference) >= 5:
        # A unit error explains a far-off value better than the history bound below does.
        _check_unit(frame, reference, where, unit)
        _check_bounds(frame, where, unit, reference)
    return frame.sort_values("date", ignore_index=True)


def _parse_dates(dates_raw: pd.Series, where: str, date_format: str | None) -> pd.Series:
    """Parse dates strictly: ISO unless a format is given; one time zone; naive, normalised."""
    if pd.api.types.is_datetime64_any_dtype(dates_raw):
        dates = pd.Series(pd.to_datetime(dates_raw))
    else:
        text = dates_raw.astype(str).str.strip()
        if date_format is None:
            match = text.str.fullmatch(_ISO.pattern)
            bad = (~match.fillna(False)).to_numpy(dtype=bool)
            if bad.any():
                i = int(np.argmax(bad))
                raise DataError(f"{where}: {_row_label(i)}: {_date_problem(text.iloc[i])}")
            zones = text.str.extract(_ISO.pattern, expand=False).fillna("")
            zones = zones.str.replace(":", "", regex=False).replace({"Z": "+0000"})
            mixed = (zones != zones.iloc[0]).to_numpy()
            if mixed.any():
                i = int(np.argmax(mixed))
                raise DataError(
                    f"{where}: {_row_label(i)}: date {show(text.iloc[i])} has another time zone "
                    f"than row 2 ({show(text.iloc[0])}); give every date the same zone"
                )
            dates = pd.to_datetime(text, format="ISO8601", errors="coerce")
        else:
            try:
                dates = pd.to_datetime(text, format=date_format, errors="coerce")
            except (ValueError, TypeError) as exc:
                raise DataError(f"{where}: --date-format {show(date_format)}: {exc}") from None
        nat = dates.isna().to_numpy()
        if nat.any():
            i = int(np.argmax(nat))
            hint = f"(expected {date_format})" if date_format else "(use YYYY-MM-DD)"
            raise DataError(
                f"{where}: {_row_label(i)}: unparseable date {show(dates_raw.iloc[i])} {hint}"
            )
    if dates.dt.tz is not None:
        dates = dates.dt.tz_localize(None)
    return dates.dt.normalize()


def _date_problem(text: str) -> str:
    """Explain why a date is refused without a format: ambiguous, or not a date at all."""
    if _SLASHED.fullmatch(text):
        sep = _SLASHED.fullmatch(text).group(1)  # type: ignore[union-attr]
        return (
            f"date {show(text)} is ambiguous (day first or month first?); write YYYY-MM-DD or "
            f"pass --date-format %d{sep}%m{sep}%Y (or %m{sep}%d{sep}%Y)"
        )
    return f"unparseable date {show(text)} (use YYYY-MM-DD, or pass --date-format)"


def _check_bounds(
    frame: pd.DataFrame, where: str, unit: str | None, reference: pd.Series | None
) -> None:
    """Refuse values beyond the unit's plausible magnitude or far outside the own history."""
    values = frame["value"].to_numpy()
    lo, hi = UNIT_BOUNDS.get(unit or "", (-DEFAULT_BOUND, DEFAULT_BOUND))
    out = (values < lo) | (values > hi)
    reason = f"outside the plausible range [{lo:g}, {hi:g}] for {unit or 'any unit'}"
    if not out.any() and reference is not None and len(reference) >= HISTORY_MIN_ROWS:
        low, high = float(reference.min()), float(reference.max())
        span = max(high - low, 0.1 * max(abs(low), abs(high)), 1e-9)
        lo, hi = low - HISTORY_RANGE_FACTOR * span, high + HISTORY_RANGE_FACTOR * span
        out = (values < lo) | (values > hi)
        reason = (
            f"far outside the series' own history ({low:.6g} to {high:.6g} since "
            f"{pd.Timestamp(reference.index.min()).date()})"
        )
    if out.any():
        i = int(np.argmax(out))
        raise DataError(
            f"{where}: {_row_label(int(frame.index[i]))}: value {values[i]:.6g} on "
            f"{pd.Timestamp(frame['date'].iloc[i]).date()} is {reason}; nothing was written"
        )


def _check_unit(frame: pd.DataFrame, reference: pd.Series, where: str, unit: str | None) -> None:
    """Reject values whose level is far from what the store holds for the same dates."""
    new = frame.set_index("date")["value"]
    common = new.index.intersection(reference.index)
    typical = float(reference.abs().median())
    if len(common) >= 5:
        a, b = new.loc[common].abs().median(), reference.loc[common].abs().median()
        # Near zero (a spread crossing zero) a ratio of medians says nothing about units.
        if b < 0.05 * typical:
            return
        limit = UNIT_RATIO_LIMIT
    else:
        # No overlap: compare with the most recent stored year; prices move, so only powers
        # of ten count as a unit error here.
        a, b = new.abs().median(), reference.iloc[-250:].abs().median()
        limit = 0.0
    if a == 0 or b == 0 or not (math.isfinite(a) and math.isfinite(b)):
        return
    ratio = float(a / b)
    if limit:
        wrong = ratio > limit or ratio < 1 / limit
    else:
        power = round(math.log10(ratio))
        wrong = abs(power) >= 2 and abs(math.log10(ratio) - power) < 0.35
    if wrong:
        raise DataError(
            f"{where}: values look like the wrong unit: their median is {ratio:.3g} times the "
            f"stored values ({'unit ' + unit if unit else 'catalog unit'}); "
            "rescale the file or declare its unit with --unit"
        )


def read_user_csv(path: Path, series_id: str) -> pd.DataFrame:
    """Read a user's ``date,value`` CSV (UTF-8 text) as raw strings, with errors naming the file.

    Raises
    ------
    DataError
        If the path is missing or a directory, the file is not UTF-8 text (UTF-16, binary,
        another encoding: the row is named), empty, or not a two-column CSV.
    """
    if path.is_dir():
        raise DataError(f"{path}: is a directory, not a CSV file")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    text = _decode(path, data)
    try:
        raw = pd.read_csv(
            io.StringIO(text), dtype=str, skip_blank_lines=True, keep_default_na=False
        )
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: series {series_id}: the file is empty") from None
    except pd.errors.ParserError as exc:
        raise DataError(f"{path}: series {series_id}: malformed CSV: {exc}") from None
    if raw.shape[1] != 2:
        raise DataError(
            f"{path}: series {series_id}: expected 2 columns (date,value), "
            f"found {raw.shape[1]}: {show(list(raw.columns), 80)}"
        )
    header = [str(c).strip().lower() for c in raw.columns]
    if header[0] not in ("date", "observation_date", "time", "day"):
        raise DataError(
            f"{path}: series {series_id}: row 1: expected a header 'date,value', found "
            f"{show(','.join(map(str, raw.columns)))}"
        )
    return raw


def _decode(path: Path, data: bytes) -> str:
    """Decode UTF-8 (with or without BOM); name the row of the first byte that is not text."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise DataError(f"{path}: the file is UTF-16 text; save it as UTF-8 CSV")
    nul = data.find(b"\x00")
    if nul >= 0:
        row = data.count(b"\n", 0, nul) + 1
        kind = "UTF-16 text" if data[1:2] == b"\x00" or data[:1] == b"\x00" else "binary data"
        raise DataError(f"{path}: row {row}: {kind} (NUL byte), not a UTF-8 CSV text file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = data.count(b"\n", 0, exc.start) + 1
        raise DataError(
            f"{path}: row {row}: byte 0x{data[exc.start]:02x} is not UTF-8 text; save the file "
            "as UTF-8"
        ) from None
