"""Typed options shared by every command: dates, knowledge dates, windows, counts and formats.

Each is checked by the command-line framework (a parser, a range or a choice), so a bad value
exits with code 2 and one message naming the option and, for choices, the valid values::

    date: DateArg = None            # --date, any calendar date as YYYY-MM-DD
    as_of: AsOfArg = None           # --as-of, a date or "latest"
    window: WindowArg = 10          # --window, 2-250 business days
    fmt: Annotated[TextFormat, typer.Option("--format")] = TextFormat.text
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any

import typer

from riskoff.formatting import fmt_number
from riskoff.inputs import LATEST, MAX_K, MAX_WINDOW, MIN_K, MIN_WINDOW, parse_day

__all__ = [
    "AsOfArg",
    "DataFormat",
    "DateArg",
    "KArg",
    "ReportFormat",
    "ScorecardFormat",
    "TableFormat",
    "TextFormat",
    "WindowArg",
    "as_of_option",
    "check_date",
    "check_start_end",
    "date_option",
    "fmt_number",
    "k_option",
    "parse_as_of",
    "parse_date_option",
    "window_option",
]


class TextFormat(StrEnum):
    """Output of a command that prints a readable view or its JSON."""

    text = "text"
    json = "json"


class TableFormat(StrEnum):
    """Output of a command that prints a table or its JSON."""

    table = "table"
    json = "json"


class DataFormat(StrEnum):
    """Output of a command that prints a frame."""

    table = "table"
    csv = "csv"
    json = "json"


class ReportFormat(StrEnum):
    """Formats of the brief."""

    html = "html"
    md = "md"
    text = "text"
    json = "json"


class ScorecardFormat(StrEnum):
    """Formats of the classifier's scorecard."""

    text = "text"
    markdown = "markdown"
    json = "json"


def parse_date_option(value: Any) -> date:
    """Parse a date option: any calendar date written YYYY-MM-DD (the refusal names the option)."""
    if isinstance(value, date):
        return value
    try:
        return parse_day(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


def parse_as_of(value: Any) -> date | str:
    """Parse a knowledge date option: a date as YYYY-MM-DD or ``latest`` (everything known)."""
    if isinstance(value, str) and value.strip().lower() == LATEST:
        return LATEST
    if isinstance(value, date):
        return value
    try:
        return parse_day(value)
    except ValueError as exc:
        raise typer.BadParameter(f"{exc}, or {LATEST!r} for everything in the store") from None


def date_option(*names: str, help: str = "Any calendar date, YYYY-MM-DD.") -> Any:
    """A ``typer.Option`` holding a date (a weekend or holiday describes the day before)."""
    return typer.Option(
        *(names or ("--date",)), parser=parse_date_option, metavar="YYYY-MM-DD", help=help
    )


def as_of_option(
    help: str = "Knowledge date: YYYY-MM-DD, or 'latest' for everything in the store "
    "(default: the day described).",
) -> Any:
    """A ``typer.Option`` ``--as-of`` holding a date or ``"latest"``."""
    return typer.Option("--as-of", parser=parse_as_of, metavar="YYYY-MM-DD|latest", help=help)


def window_option(help: str = "Window in business days.") -> Any:
    """A ``typer.Option`` ``--window`` bounded to ``MIN_WINDOW``-``MAX_WINDOW`` business days."""
    return typer.Option("--window", min=MIN_WINDOW, max=MAX_WINDOW, help=help)


def k_option(help: str = "How many.") -> Any:
    """A ``typer.Option`` ``-k`` bounded to ``MIN_K``-``MAX_K``."""
    return typer.Option("-k", min=MIN_K, max=MAX_K, help=help)


DateArg = Annotated[date | None, date_option()]
AsOfArg = Annotated[Any, as_of_option()]
WindowArg = Annotated[int, window_option()]
KArg = Annotated[int, k_option()]


def check_start_end(start: date | None, end: date | None) -> None:
    """Refuse ``--start`` after ``--end``."""
    if start is not None and end is not None and start > end:
        raise typer.BadParameter(f"{start} is after --end {end}", param_hint="'--start'")


def check_date(value: str | None) -> str | None:
    """Callback form of :func:`parse_date_option` for ``str`` options (the value is kept)."""
    if value is None:
        return value
    parse_date_option(value)
    return value
