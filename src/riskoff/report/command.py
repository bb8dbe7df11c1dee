"""The ``riskoff report`` command; ``register(app)`` adds it to the typer app."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

FORMAT_HELP = "html (one self-contained file), md (with PNG charts), text or json."


def register(app: typer.Typer) -> None:
    """Add the ``report`` command to ``app``."""
    app.command("report")(report_cmd)


def report_cmd(
    date: Annotated[
        str | None, typer.Option("--date", help="Day to report on (default: the latest).")
    ] = None,
    window: Annotated[int, typer.Option("--window", help="Window in business days.")] = 10,
    fmt: Annotated[str, typer.Option("--format", help=FORMAT_HELP)] = "html",
    output: Annotated[
        Path | None,
        typer.Option(
            "-o", "--output", help="File to write (default: riskoff-report-<date>.<ext> here)."
        ),
    ] = None,
    open_: Annotated[
        bool, typer.Option("--open", help="Open the written report in a browser.")
    ] = False,
) -> None:
    """Write a plain-language sell-off brief with charts.

    Verdict, triggers, funding, breadth, history, regime, a practical note and the data behind
    it, in HTML (default), Markdown, text or JSON.
    """
    from riskoff.errors import RiskoffError
    from riskoff.report.render import FORMATS, build_report, render_json, render_text, write_report

    if fmt not in FORMATS:
        raise RiskoffError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    report = build_report(date, window=window)
    if fmt in ("text", "json") and output is None:
        sys.stdout.write(render_text(report) if fmt == "text" else render_json(report))
        return
    path = write_report(report, fmt, output)
    typer.echo(f"wrote {path}")
    if open_:
        import webbrowser

        webbrowser.open(path.resolve().as_uri())
