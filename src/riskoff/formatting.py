"""Presentation of numbers shared by every output: terminal tables, JSON and percentiles.

Standard library and numpy only: no pandas at import, so the command line stays fast.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from typing import Any

__all__ = ["fmt_number", "json_safe", "percentile_in"]


def fmt_number(value: float | None, digits: int = 2) -> str:
    """Format a number for a terminal table: ``-`` when absent or not finite.

    Parameters
    ----------
    value : float or None
    digits : int
        Decimals below 10,000; larger magnitudes print whole with thousands separators.

    Returns
    -------
    str
    """
    if value is None or not math.isfinite(value):
        return "-"
    if abs(value) >= 10_000:
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"


def json_safe(value: Any) -> Any:
    """Return ``value`` with NaN and infinities as None and numpy scalars and dates as plain values.

    Mappings, lists and tuples are converted recursively; anything else is returned unchanged,
    so ``json.dumps(json_safe(x), allow_nan=False)`` never writes ``NaN``.
    """
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return value


def percentile_in(history: Any, value: float) -> float | None:
    """Return the share of finite values in ``history`` at or below ``value`` (None if none).

    Parameters
    ----------
    history : array-like of float
        The values up to and including the day of ``value`` (point in time).
    value : float

    Returns
    -------
    float or None
        In [0, 1]; None when ``value`` is not finite or the history holds no finite value.
    """
    import numpy as np

    data = np.asarray(history, dtype=np.float64)
    data = data[np.isfinite(data)]
    if not data.size or not math.isfinite(value):
        return None
    return float(np.count_nonzero(data <= value) / data.size)
