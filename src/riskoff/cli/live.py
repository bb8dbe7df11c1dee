"""The ``update`` and ``check`` commands: fetching from providers and alerting, for cron and CI.

``register(app)`` adds both to the main typer app. Exit codes: ``update`` 0 when every series
succeeded, 1 when any failed; ``check`` 0 when no rule fired, 1 when any fired; both 2 on a
usage error (unknown series, bad rules file).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from riskoff.cli._app import app, console, err_console
from riskoff.errors import RiskoffError

if TYPE_CHECKING:
    from riskoff.update import SeriesOutcome, UpdateReport


def _split(values: list[str] | None) -> list[str] | None:
    """Accept ``--series A --series B`` and ``--series A,B`` alike."""
    if not values:
        return None
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _parse_day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not a date (YYYY-MM-DD)", param_hint=option
        ) from None


def _fail(exc: RiskoffError) -> typer.Exit:
    err_console.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
    return typer.Exit(2)


def _status_cell(outcome: SeriesOutcome) -> str:
    if outcome.status == "failed":
        return "[red]failed[/red]"
    if outcome.status == "skipped":
        return "[yellow]skipped[/yellow]"
    return "[green]ok[/green]" + (f" ({escape(outcome.message)})" if outcome.message else "")


def _summary_table(report: UpdateReport) -> Table:
    title = "riskoff update" + (" (dry run: nothing written)" if report.dry_run else "")
    table = Table(title=title)
    added = "would add" if report.dry_run else "added"
    revised = "would revise" if report.dry_run else "revised"
    for column, justify in (
        ("series", "left"),
        ("source", "left"),
        (added, "right"),
        (revised, "right"),
        ("last date", "right"),
        ("status", "left"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for outcome in report.outcomes:
        if outcome.status == "skipped":
            continue  # summarised in one line below the table
        table.add_row(
            outcome.series_id,
            outcome.source,
            str(outcome.added),
            str(outcome.revised),
            str(outcome.last_date or "-"),
            _status_cell(outcome),
        )
    return table


@app.command("update")
def update_command(
    series: Annotated[
        list[str] | None,
        typer.Option("--series", "-s", help="Series ids (repeat or comma-separate); default all."),
    ] = None,
    source: Annotated[
        list[str] | None,
        typer.Option(
            "--source",
            help="Only series of these sources (fred, nyfed, yahoo, crypto); "
            "'bundled' re-reads the bundled snapshot.",
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option("--since", help="Fetch from this date (YYYY-MM-DD) instead of incrementally."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Fetch and validate, report, write nothing.")
    ] = False,
) -> None:
    """Fetch what is new from the providers into the store, one transaction per series."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from riskoff.update import run_update

    start = _parse_day(since, "--since")
    progress = Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        disable=not err_console.is_terminal,
        transient=True,
    )
    task = progress.add_task("fetching", total=None)

    def on_start(total: int) -> None:
        progress.update(task, total=total)

    def on_done(outcome: SeriesOutcome) -> None:
        progress.update(
            task, advance=1, description=escape(f"{outcome.series_id}: {outcome.status}")
        )

    try:
        with progress:
            report = run_update(
                _split(series),
                _split(source),
                start,
                dry_run,
                on_start=on_start,
                on_done=on_done,
            )
    except RiskoffError as exc:
        raise _fail(exc) from None
    console.print(_summary_table(report))
    for outcome in report.failed:
        console.print(f"[red]failed[/red] {escape(outcome.message)}", highlight=False)
    if report.skipped_note:
        console.print(f"[yellow]{escape(report.skipped_note)}[/yellow]", highlight=False)
    raise typer.Exit(report.exit_code)


@app.command("check")
def check_command(
    rules: Annotated[
        Path | None,
        typer.Option("--rules", help="Rules TOML file (default: the shipped default rules)."),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
    webhook: Annotated[
        str | None,
        typer.Option("--webhook", help="POST the JSON report to this URL when a rule fires."),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Check this date (YYYY-MM-DD); default the latest."),
    ] = None,
) -> None:
    """Evaluate alert rules on the latest diagnosis; exit 1 when any rule fired."""
    from riskoff import alerts

    if fmt not in ("text", "json"):
        raise typer.BadParameter("choose text or json", param_hint="--format")
    day = _parse_day(as_of, "--as-of")
    try:
        rule_set = alerts.load_rules(rules)
        context = alerts.build_context(day)
        results = alerts.evaluate(rule_set, context)
        document = alerts.report(results, context)
        if webhook and document["fired"]:
            alerts.post_webhook(webhook, document)
    except RiskoffError as exc:
        raise _fail(exc) from None
    if fmt == "json":
        console.print_json(json.dumps(document))
    else:
        header = f"riskoff check as of {context.get('date', '?')}"
        if context.get("crash_type"):
            header += f": {context['crash_type']}"
        console.print(escape(header), highlight=False)
        for result in results:
            line = escape(alerts.describe(result))
            style = {"fired": "red", "unknown": "yellow"}.get(result.status)
            console.print(f"[{style}]{line}[/{style}]" if style else line, highlight=False)
        fired = len(document["fired"])
        console.print(f"{fired} of {len(results)} rules fired", highlight=False)
    raise typer.Exit(1 if document["fired"] else 0)
