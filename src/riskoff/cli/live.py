"""The ``update`` and ``check`` commands: fetching from providers and alerting, for cron and CI.

Exit codes:

- ``update``: 0 when every series succeeded, 1 when any failed (the network unreachable
  included: one summary line says so), 2 on a usage error (unknown series, bad date).
- ``check``: 0 when no rule fired, 1 when any fired, 2 on a usage error (a bad rules file, an
  unknown name in a rule, a malformed ``--webhook``), 3 when rules fired but the webhook could
  not deliver them (the fired rules are printed all the same).
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
from riskoff.cli.options import TextFormat, date_option
from riskoff.errors import RiskoffError

# ``check`` exit code when rules fired but the webhook failed: distinct from 1 (fired,
# delivered) and 2 (usage error), so cron can tell "alert lost" from "alert sent".
EXIT_WEBHOOK_FAILED = 3

if TYPE_CHECKING:
    from riskoff.update import SeriesOutcome, UpdateReport


def _split(values: list[str] | None) -> list[str] | None:
    """Accept ``--series A --series B`` and ``--series A,B`` alike."""
    if not values:
        return None
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _fail(exc: RiskoffError) -> typer.Exit:
    from riskoff.sources.base import redact

    err_console.print(f"[red]error:[/red] {escape(redact(str(exc)))}", highlight=False)
    return typer.Exit(2)


def _webhook_url(value: str | None) -> str | None:
    """Refuse a malformed ``--webhook`` before anything is computed (password masked)."""
    if value is None:
        return None
    from riskoff.alerts import WebhookError, check_webhook_url

    try:
        return check_webhook_url(value)
    except WebhookError as exc:
        raise typer.BadParameter(str(exc)) from None


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
        if outcome.status == "skipped" or outcome.unreachable:
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
        date | None,
        date_option("--since", help="Fetch from this date (YYYY-MM-DD) instead of incrementally."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Fetch and validate, report, write nothing.")
    ] = False,
) -> None:
    """Fetch what is new from the providers into the store, one transaction per series."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from riskoff.update import run_update

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
                since,
                dry_run,
                on_start=on_start,
                on_done=on_done,
            )
    except RiskoffError as exc:
        raise _fail(exc) from None
    if any(o.status != "skipped" and not o.unreachable for o in report.outcomes):
        console.print(_summary_table(report))
    for outcome in report.failed:
        if not outcome.unreachable:
            console.print(f"[red]failed[/red] {escape(outcome.message)}", highlight=False)
    if report.skipped_note:
        console.print(f"[yellow]{escape(report.skipped_note)}[/yellow]", highlight=False)
    if report.network_note:
        console.print(f"[red]{escape(report.network_note)}[/red]", highlight=False)
    raise typer.Exit(report.exit_code)


@app.command("check")
def check_command(
    rules: Annotated[
        Path | None,
        typer.Option("--rules", help="Rules TOML file (default: the shipped default rules)."),
    ] = None,
    fmt: Annotated[TextFormat, typer.Option("--format", help="Output.")] = TextFormat.text,
    webhook: Annotated[
        str | None,
        typer.Option(
            "--webhook",
            callback=_webhook_url,
            help="POST the JSON report to this http(s) URL when a rule fires "
            "(exit 3 when it cannot be delivered).",
        ),
    ] = None,
    as_of: Annotated[
        date | None,
        date_option("--as-of", help="Check this date (YYYY-MM-DD); default the latest."),
    ] = None,
) -> None:
    """Evaluate alert rules on the latest diagnosis; exit 1 when any rule fired.

    Exit 3 when rules fired but the webhook could not deliver them; 2 on a usage error.
    """
    from riskoff import alerts

    try:
        rule_set = alerts.load_rules(rules)
        context = alerts.build_context(as_of)
        results = alerts.evaluate(rule_set, context)
        document = alerts.report(results, context)
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
    if not document["fired"]:
        raise typer.Exit(0)
    if webhook:
        # After printing: an alert the webhook cannot carry is still on the screen and in logs.
        try:
            alerts.post_webhook(webhook, document)
        except RiskoffError as exc:
            err_console.print(
                f"[red]error:[/red] {escape(str(exc))}; the fired rules are above",
                highlight=False,
            )
            raise typer.Exit(EXIT_WEBHOOK_FAILED) from None
    raise typer.Exit(1)
