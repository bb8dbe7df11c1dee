"""The analysis commands: latest, indicators, diagnose, analogs and report.

Thin commands over the public API (``import riskoff``): options are typed in
:mod:`riskoff.cli.options`, the work is done by the facade.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from riskoff.cli._app import app, console, err_console
from riskoff.cli.options import (
    AsOfArg,
    DataFormat,
    DateArg,
    KArg,
    ReportFormat,
    TableFormat,
    TextFormat,
    WindowArg,
    check_start_end,
    date_option,
)
from riskoff.formatting import fmt_number as _fmt
from riskoff.formatting import json_safe


def print_notices(day: date | None) -> None:
    """Print, on stderr, the weekend/holiday note and the data's staleness notice for ``day``."""
    import riskoff

    for note in riskoff.data_notices(day):
        err_console.print(f"[yellow]note:[/yellow] {note}", highlight=False, soft_wrap=True)


@app.command("latest")
def latest(
    as_of: AsOfArg = None,
    fmt: Annotated[TableFormat, typer.Option("--format")] = TableFormat.table,
) -> None:
    """Print the latest values of the key series with their dates."""
    import riskoff

    summaries = riskoff.latest_values(as_of=as_of)
    if fmt == "json":
        sys.stdout.write(json.dumps(json_safe([s.to_dict() for s in summaries]), indent=1) + "\n")
        return
    table = Table(title="Key series, latest known values" + (f" as of {as_of}" if as_of else ""))
    for col in ("series", "value", "unit", "date", "1w", "1m", "1y", "change unit", "pctile"):
        table.add_column(col, justify="right" if col not in ("series", "unit") else "left")
    for s in summaries:
        table.add_row(
            s.series_id,
            _fmt(s.value),
            s.unit,
            str(s.last_date),
            *(_fmt(s.changes[k]) for k in ("1w", "1m", "1y")),
            s.change_unit,
            f"{s.percentile:.0%}" if s.percentile is not None else "-",
        )
    console.print(table)


@app.command("indicators")
def indicators_cmd(
    start: Annotated[date | None, date_option("--start", help="First date, YYYY-MM-DD.")] = None,
    end: Annotated[
        date | None, date_option("--end", help="Last date, YYYY-MM-DD (default: the latest).")
    ] = None,
    as_of: AsOfArg = None,
    columns: Annotated[
        list[str] | None, typer.Option("--columns", help="Indicator column (repeat).")
    ] = None,
    fmt: Annotated[DataFormat, typer.Option("--format")] = DataFormat.table,
    window: WindowArg = 10,
) -> None:
    """Print indicators (point-in-time: each row uses data up to its date)."""
    import riskoff

    check_start_end(start, end)
    frame = riskoff.indicators(start=start, end=end, as_of=as_of, window=window)
    if start is None and fmt == "table":
        frame = frame.tail(10)
    if columns:
        unknown = [c for c in columns if c not in frame.columns]
        if unknown:
            raise typer.BadParameter(
                f"unknown indicator column(s) {', '.join(map(repr, unknown))}; "
                f"valid: {', '.join(frame.columns)}",
                param_hint="'--columns'",
            )
        frame = frame[columns]
    elif fmt == "table":
        frame = frame[list(DEFAULT_INDICATOR_COLUMNS)]
    if fmt == "csv":
        frame.to_csv(sys.stdout)
    elif fmt == "json":
        out = frame.copy()
        out.index = out.index.strftime("%Y-%m-%d")
        sys.stdout.write(out.to_json(orient="index", indent=1) + "\n")
    else:
        table = Table(title="riskoff indicators")
        table.add_column("date")
        for col in frame.columns:
            table.add_column(col, justify="right")
        for day, row in frame.iterrows():
            table.add_row(
                str(day.date()),
                *(v if isinstance(v, str) else _fmt(float(v)) for v in row.to_numpy()),
            )
        console.print(table)


DEFAULT_INDICATOR_COLUMNS = (
    "sofr_iorb_bp",
    "funding_state",
    "net_liquidity_usd_bn",
    "stress_index",
    "avg_corr_60d",
    "breadth",
    "safe_haven_failure",
)


@app.command("diagnose")
def diagnose_cmd(
    day: Annotated[
        date | None, date_option("--date", help="Day to diagnose, any calendar date YYYY-MM-DD.")
    ] = None,
    as_of: AsOfArg = None,
    window: WindowArg = 10,
    fmt: Annotated[TextFormat, typer.Option("--format")] = TextFormat.text,
) -> None:
    """Diagnose a day: crash type, evidence, stress, funding, breadth and analogs."""
    import riskoff
    from riskoff.textview import print_diagnosis

    result = riskoff.diagnose(day, as_of=as_of, window=window)
    print_notices(day)
    if fmt == "json":
        sys.stdout.write(result.to_json() + "\n")
    else:
        print_diagnosis(result, console)


@app.command("analogs")
def analogs_cmd(
    day: DateArg = None,
    as_of: AsOfArg = None,
    k: KArg = 5,
    window: WindowArg = 10,
    fmt: Annotated[TextFormat, typer.Option("--format")] = TextFormat.text,
) -> None:
    """The closest historical episodes and past windows."""
    import riskoff

    found = riskoff.analogs(day, as_of=as_of, k=k, window=window)
    print_notices(day)
    if fmt == "json":
        sys.stdout.write(json.dumps(json_safe(found), indent=1, default=str) + "\n")
        return
    table = Table(title="Closest labelled episodes")
    for col in ("episode", "peak", "type", "similarity", "similar in", "differs in"):
        table.add_column(col)
    for a in found["episodes"]:
        table.add_row(
            a["name"],
            a["peak"],
            a["crash_type"],
            f"{a['similarity']:.2f}",
            "; ".join(a["similar_in"]),
            "; ".join(a["differs_in"]),
        )
    console.print(table)
    paths = Table(title="Most similar past windows (trajectory shape)")
    for col in ("start", "end", "distance", "US equities next 20d"):
        paths.add_column(col)
    for p in found["paths"]:
        nxt = p["equities_next_20d_pct"]
        paths.add_row(
            p["start"], p["end"], f"{p['distance']:.2f}", "-" if nxt is None else f"{nxt:+.1f}%"
        )
    console.print(paths)


FORMAT_HELP = "html (one self-contained file), md (with PNG charts), text or json."


@app.command("report")
def report_cmd(
    day: Annotated[
        date | None,
        date_option("--date", help="Day to report on, YYYY-MM-DD (default: the latest)."),
    ] = None,
    as_of: AsOfArg = None,
    window: WindowArg = 10,
    fmt: Annotated[ReportFormat, typer.Option("--format", help=FORMAT_HELP)] = ReportFormat.html,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o", "--output", help="File to write (default: riskoff-report-<date>.<ext> here)."
        ),
    ] = None,
    open_: Annotated[
        bool, typer.Option("--open", help="Open the written report in a browser.")
    ] = False,
    claims: Annotated[
        Path | None,
        typer.Option("--claims", help="A commentary's claims (TOML) to check against the data."),
    ] = None,
    compare: Annotated[
        list[date] | None,
        date_option("--compare", help="A past day to put side by side (repeat)."),
    ] = None,
) -> None:
    """Write a plain-language sell-off brief with charts.

    Verdict, triggers, funding, breadth, history, regime, a practical note and the data behind
    it, in HTML (default), Markdown, text or JSON.
    """
    import riskoff
    from riskoff.report.render import render_json, render_text, write_report

    report = riskoff.report(
        day, as_of=as_of, window=window, claims=claims, compare=tuple(compare or ())
    )
    if fmt in ("text", "json") and output is None:  # the notices open the brief itself
        sys.stdout.write(render_text(report) if fmt == "text" else render_json(report))
        return
    path = write_report(report, fmt.value, output)
    for note in report.notices:
        err_console.print(f"[yellow]note:[/yellow] {note}", highlight=False, soft_wrap=True)
    typer.echo(f"wrote {path}")
    if open_:
        import webbrowser

        webbrowser.open(path.resolve().as_uri())
