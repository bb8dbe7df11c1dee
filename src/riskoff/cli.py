"""The ``riskoff`` command line: thin wrappers around the public API.

Heavy modules are imported inside the commands so that ``riskoff --version`` and ``--help`` stay
fast.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from riskoff._version import __version__
from riskoff.errors import RiskoffError

app = typer.Typer(
    help="riskoff: why is everything falling, and how bad is it? Point-in-time, from data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
series_app = typer.Typer(help="The catalog of series and their provenance.", no_args_is_help=True)
store_app = typer.Typer(help="The local store of observations.", no_args_is_help=True)
app.add_typer(series_app, name="series")
app.add_typer(store_app, name="store")
console = Console()
err_console = Console(stderr=True)


def _check_date(value: str | None) -> str | None:
    """Reject a date option that is not YYYY-MM-DD, with the option's value in the message."""
    if value is None:
        return value
    from datetime import date

    try:
        date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (use YYYY-MM-DD)") from None
    return value


def _version_callback(value: bool) -> None:
    if value:
        console.print(f"riskoff {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version_callback, is_eager=True, help="Show version."),
    ] = False,
) -> None:
    """Riskoff command line."""


def _fmt(value: float | None, digits: int = 2) -> str:
    if value is None:
        return "-"
    if abs(value) >= 10_000:
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"


# -- series -----------------------------------------------------------------------------------
@series_app.command("list")
def series_list(
    asset_class: Annotated[
        str | None, typer.Option("--class", help="Only this asset class.")
    ] = None,
) -> None:
    """List every series of the catalog with its unit, frequency and source."""
    from riskoff.catalog import load_catalog

    table = Table(title="riskoff catalog")
    for col in ("id", "asset class", "name", "unit", "frequency", "lag (d)", "source"):
        table.add_column(col)
    for spec in load_catalog().values():
        if asset_class and spec.asset_class != asset_class:
            continue
        table.add_row(
            spec.id,
            spec.asset_class,
            spec.name[:60],
            spec.unit,
            spec.frequency,
            str(spec.publication_lag_days),
            spec.source,
        )
    console.print(table)


@series_app.command("show")
def series_show(
    series_id: Annotated[str, typer.Argument(help="Series id, e.g. SOFR.")],
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", callback=_check_date, help="Knowledge date (YYYY-MM-DD)."),
    ] = None,
) -> None:
    """Show a series: provenance, latest value, changes over 1w/1m/1y, percentile."""
    from riskoff.datasets import load_manifest
    from riskoff.describe import summarize
    from riskoff.store import default_store

    store = default_store()
    spec = store.spec(series_id)
    summary = summarize(series_id, as_of=as_of, store=store)
    manifest = load_manifest()
    console.print(f"[bold]{spec.id}[/bold]: {spec.name}")
    console.print(
        f"  asset class {spec.asset_class}; unit {spec.unit}; frequency {spec.frequency}; "
        f"published {spec.publication_lag_days} day(s) after its date"
    )
    native = f" (published in {spec.native_unit}, x{spec.scale:g})" if spec.native_unit else ""
    console.print(f"  source: {spec.source}, native id {spec.native_id}{native}")
    if spec.roles:
        console.print(f"  roles: {', '.join(spec.roles)}")
    if spec.id in manifest.index:
        row = manifest.loc[spec.id]
        console.print(
            f"  bundled history: {row['first_date']} to {row['last_date']}, {row['rows']} rows"
        )
        console.print(f"  origin: {row['origin']}")
        console.print(f"  terms: {row['licence']}")
    if summary.value is None:
        console.print("  no observations known" + (f" as of {as_of}" if as_of else ""))
        return
    console.print(
        f"  latest: {_fmt(summary.value, 4)} {spec.unit} on {summary.last_date}"
        + (f" (as known on {as_of})" if as_of else "")
    )
    changes = ", ".join(f"{k} {_fmt(v)}" for k, v in summary.changes.items())
    console.print(f"  change ({summary.change_unit}): {changes}")
    if summary.percentile is not None:
        console.print(
            f"  percentile in history since {summary.history_start}: {summary.percentile:.0%}"
        )


# -- store ------------------------------------------------------------------------------------
@store_app.command("info")
def store_info() -> None:
    """List the series in the store: rows, revisions, first/last date, staleness."""
    import pandas as pd

    from riskoff.catalog import load_catalog
    from riskoff.store import default_store

    store = default_store()
    info = store.info()
    latest = store.latest_date()
    catalog = load_catalog()
    own = store.user_series()
    table = Table(title=f"riskoff store {store.path} (latest market date {latest.date()})")
    for col in ("series", "rows", "revisions", "first", "last", "days behind", "status"):
        table.add_column(col)
    stale_count = 0
    for sid, row in info.iterrows():
        spec = catalog.get(str(sid)) or own.get(str(sid))
        behind = (latest - pd.Timestamp(row["last_date"])).days
        stale = spec is not None and behind > spec.stale_after_days
        stale_count += stale
        table.add_row(
            str(sid),
            str(row["rows"]),
            str(row["revisions"]),
            str(row["first_date"].date()),
            str(row["last_date"].date()),
            str(behind),
            "[yellow]stale[/yellow]" if stale else "ok",
        )
    console.print(table)
    console.print(
        f"{len(info)} series, {int(info['rows'].sum()):,} observations; {stale_count} stale "
        f"relative to {latest.date()}"
    )


@store_app.command("import")
def store_import(
    file: Annotated[Path, typer.Argument(help="CSV with a header date,value.")],
    series: Annotated[str, typer.Option("--series", help="Series id to write to.")],
    unit: Annotated[
        str | None, typer.Option("--unit", help="Unit of the file, converted to the catalog's.")
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", help="Define a new series of your own with this name.")
    ] = None,
    frequency: Annotated[str, typer.Option(help="Frequency of a new series.")] = "daily",
    asset_class: Annotated[str, typer.Option(help="Asset class of a new series.")] = "equity",
) -> None:
    """Import a user's own ``date,value`` CSV into the store (all or nothing)."""
    from riskoff.importer import import_csv

    result = import_csv(
        file, series, unit=unit, name=name, frequency=frequency, asset_class=asset_class
    )
    console.print(
        f"{series}: {result.added} added, {result.revised} revised, {result.unchanged} unchanged; "
        f"last date {result.last_date}"
    )


@store_app.command("export")
def store_export(
    series: Annotated[list[str], typer.Option("--series", help="Series id (repeat).")],
    fmt: Annotated[str, typer.Option("--format", help="csv or parquet.")] = "csv",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="File to write.")] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", callback=_check_date, help="Knowledge date.")
    ] = None,
) -> None:
    """Export series as a wide date x series table (latest known vintages)."""
    import pandas as pd

    from riskoff.store import default_store

    if fmt not in ("csv", "parquet"):
        raise RiskoffError(f"unknown format {fmt!r}: use csv or parquet")
    store = default_store()
    for sid in series:
        store.spec(sid)
    frame = store.export(series, as_of=pd.Timestamp(as_of).date() if as_of else None)
    if fmt == "parquet":
        target = output or Path(f"riskoff-export.{fmt}")
        frame.to_parquet(target)
        console.print(f"wrote {len(frame)} rows x {frame.shape[1]} series to {target}")
    elif output is None:
        frame.to_csv(sys.stdout)
    else:
        frame.to_csv(output)
        console.print(f"wrote {len(frame)} rows x {frame.shape[1]} series to {output}")


@app.command("latest")
def latest(
    as_of: Annotated[
        str | None, typer.Option("--as-of", callback=_check_date, help="Knowledge date.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """Print the latest values of the key series with their dates."""
    from riskoff.describe import KEY_SERIES, summarize
    from riskoff.store import default_store

    store = default_store()
    summaries = [summarize(s, as_of=as_of, store=store) for s in KEY_SERIES]
    if fmt == "json":
        console.print_json(json.dumps([s.to_dict() for s in summaries]))
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
    start: Annotated[
        str | None, typer.Option("--start", callback=_check_date, help="First date.")
    ] = None,
    end: Annotated[
        str | None,
        typer.Option("--end", callback=_check_date, help="Last date (and knowledge date)."),
    ] = None,
    columns: Annotated[
        list[str] | None, typer.Option("--columns", help="Indicator column (repeat).")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
    window: Annotated[int, typer.Option(help="Window in business days.")] = 10,
) -> None:
    """Print indicators (point-in-time: each row uses data up to its date)."""
    import riskoff

    frame = riskoff.indicators(start=start, end=end, window=window)
    if start is None and fmt == "table":
        frame = frame.tail(10)
    if columns:
        unknown = [c for c in columns if c not in frame.columns]
        if unknown:
            raise RiskoffError(f"unknown indicator column(s): {', '.join(unknown)}")
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
    date: Annotated[
        str | None,
        typer.Option("--date", callback=_check_date, help="Day to diagnose (YYYY-MM-DD)."),
    ] = None,
    window: Annotated[int, typer.Option("--window", help="Window in business days.")] = 10,
    fmt: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
) -> None:
    """Diagnose a day: crash type, evidence, stress, funding, breadth and analogs."""
    from riskoff.diagnosis.diagnose import diagnose
    from riskoff.textview import print_diagnosis

    result = diagnose(date, window=window)
    if fmt == "json":
        sys.stdout.write(result.to_json() + "\n")
    else:
        print_diagnosis(result, console)


@app.command("validate")
def validate_cmd(
    window: Annotated[int, typer.Option("--window", help="Window in business days.")] = 10,
    fmt: Annotated[str, typer.Option("--format", help="text, markdown or json.")] = "text",
) -> None:
    """Score the classifier on every library episode and on calm dates."""
    from riskoff.diagnosis.validate import validate
    from riskoff.textview import print_scorecard

    card = validate(window=window)
    if fmt == "json":
        console.print_json(json.dumps(card.to_dict()))
    elif fmt == "markdown":
        sys.stdout.write(card.to_markdown() + "\n")
    else:
        print_scorecard(card, console)


@app.command("analogs")
def analogs_cmd(
    date: Annotated[
        str | None, typer.Option("--date", callback=_check_date, help="Day (YYYY-MM-DD).")
    ] = None,
    k: Annotated[int, typer.Option("-k", help="How many.")] = 5,
    fmt: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
) -> None:
    """The closest historical episodes and past windows."""
    import riskoff

    found = riskoff.analogs(date, k=k)
    if fmt == "json":
        console.print_json(json.dumps(found, default=str))
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


@app.command("episodes")
def episodes_cmd() -> None:
    """List the labelled historical episodes."""
    from riskoff.diagnosis.episodes import load_episodes

    table = Table(title="Episode library")
    for col in ("peak", "name", "type", "epicenter", "source"):
        table.add_column(col)
    for e in load_episodes():
        table.add_row(e.peak.isoformat(), e.name, e.crash_type, e.epicenter or "", e.source[:60])
    console.print(table)


def _register_plugins() -> None:
    from riskoff.commands_live import register as register_live
    from riskoff.report.command import register as register_report

    register_live(app)
    register_report(app)


_register_plugins()


def main() -> None:
    """Entry point of the ``riskoff`` script: errors become one clear line and exit code 2.

    Once the command has finished (every write committed, every file closed), the process
    exits without the interpreter's teardown, which would spend about 0.3 s freeing pandas
    objects that the operating system reclaims anyway.
    """
    code: int
    try:
        app()
        code = 0
    except SystemExit as exc:
        if isinstance(exc.code, str):
            err_console.print(exc.code, highlight=False)
        code = exc.code if isinstance(exc.code, int) else (1 if exc.code else 0)
    except RiskoffError as exc:
        err_console.print(f"[red]error:[/red] {exc}", highlight=False)
        code = 2
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
