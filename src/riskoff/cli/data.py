"""The ``series`` and ``store`` command groups: the catalog and the local store."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from riskoff.cli._app import console, series_app, store_app
from riskoff.cli.options import check_date as _check_date
from riskoff.cli.options import fmt_number as _fmt
from riskoff.errors import RiskoffError


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
