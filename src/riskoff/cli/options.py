"""Option parsing shared by every command: dates, windows and formats, checked one way."""

from __future__ import annotations

import typer


def check_date(value: str | None) -> str | None:
    """Reject a date option that is not YYYY-MM-DD, with the option's value in the message."""
    if value is None:
        return value
    from datetime import date

    try:
        date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (use YYYY-MM-DD)") from None
    return value


def fmt_number(value: float | None, digits: int = 2) -> str:
    """Format a number for a terminal table (``-`` when absent)."""
    if value is None:
        return "-"
    if abs(value) >= 10_000:
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"
