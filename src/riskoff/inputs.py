"""Checks of user input shared by the Python API and the command line: dates, windows, counts.

Standard library only, so the command line can build its options from these bounds without
loading pandas.
"""

from __future__ import annotations

import operator
import re
from datetime import date, datetime
from typing import Any

from riskoff.errors import DataError

LATEST = "latest"  # the knowledge date meaning "everything in the store"
MIN_YEAR, MAX_YEAR = 1900, 2199  # a year outside this range is a typo, not a query
MIN_WINDOW, MAX_WINDOW = 2, 250  # a move needs two closes; a year of business days at most
MIN_K, MAX_K = 1, 30  # analogs: the episode library holds a few dozen episodes
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_date(value: Any, what: str = "date") -> date:
    """Return ``value`` as a calendar date, refusing anything but a plausible YYYY-MM-DD.

    Parameters
    ----------
    value : str, date, datetime or pandas Timestamp
        A string must be exactly ``YYYY-MM-DD``: words such as ``today`` and other layouts
        (``01/09/2026`` is ambiguous) are refused.
    what : str
        What the value is, for the error message (``"date"``, ``"as_of"``, ``"--start"``).

    Returns
    -------
    date

    Raises
    ------
    DataError
        If the value is not a date or its year is outside 1900-2199.
    """
    try:
        return parse_day(value)
    except ValueError as exc:
        raise DataError(f"{what}: {exc}") from None


def parse_day(value: Any) -> date:
    """Return ``value`` as a plausible calendar date; the ValueError's text names the value.

    The same rules as :func:`parse_date`, for callers (the command line) that name the
    option themselves.
    """
    if isinstance(value, datetime):  # pandas Timestamp included
        if value != value:  # NaT
            raise ValueError("NaT is not a date")
        day = value.date()
    elif isinstance(value, date):
        day = value
    elif isinstance(value, str):
        text = value.strip()
        if not _ISO.fullmatch(text):
            raise ValueError(f"{_short(value)} is not a date (use YYYY-MM-DD)")
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{text!r} is not a calendar date (use YYYY-MM-DD)") from None
    elif type(value).__name__ == "datetime64":
        return parse_day(str(value)[:10])
    else:
        raise ValueError(f"{_short(value)} is not a date (use YYYY-MM-DD)")
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise ValueError(f"{day.isoformat()} is outside the years {MIN_YEAR}-{MAX_YEAR}")
    return day


def check_window(window: Any) -> int:
    """Return ``window`` as an int of business days in ``[MIN_WINDOW, MAX_WINDOW]``, or refuse."""
    window = _whole(window, "window")
    if not MIN_WINDOW <= window <= MAX_WINDOW:
        raise DataError(
            f"window: {window} is outside {MIN_WINDOW}-{MAX_WINDOW} business days "
            "(a move needs two closes; longer windows have too few past episodes to compare)"
        )
    return window


def check_k(k: Any) -> int:
    """Return ``k`` as an int in ``[MIN_K, MAX_K]``, or refuse."""
    k = _whole(k, "k")
    if not MIN_K <= k <= MAX_K:
        raise DataError(f"k: {k} is outside {MIN_K}-{MAX_K}")
    return k


def _whole(value: Any, what: str) -> int:
    """``value`` as a Python int (numpy integers too), refusing floats, strings and bools."""
    if isinstance(value, bool):
        raise DataError(f"{what}: {value!r} is not a whole number")
    try:
        return operator.index(value)
    except TypeError:
        raise DataError(f"{what}: {_short(value)} is not a whole number") from None


def _short(value: Any, limit: int = 40) -> str:
    """The value's repr, cut so that a huge bad input is never echoed whole."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
