"""The ``series`` and ``store`` command groups: the catalog and the local store."""

from __future__ import annotations

import sys
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from riskoff.catalog import ASSET_CLASSES, FREQUENCIES
from riskoff.cli._app import console, series_app, store_app
from riskoff.cli.options import AsOfArg
from riskoff.cli.options import fmt_number as _fmt
from riskoff.errors import RiskoffError
from riskoff.inputs import LATEST

# Choices built from the catalog's own lists, so that the command line cannot drift from them.
Frequency = StrEnum("Frequency", {f: f for f in FREQUENCIES})  # type: ignore[misc]
AssetClass = StrEnum("AssetClass", {a: a for a in ASSET_CLASSES})  # type: ignore[misc]
DAILY, EQUITY = Frequency("daily"), AssetClass("equity")


class ExportFormat(StrEnum):
    """File formats of ``store export``."""

    csv = "csv"
    parquet = "parquet"


def _check_series(value: str) -> str:
    """Refuse an empty or unusable series id before anything is read."""
    from riskoff.errors import DataError
    from riskoff.importer import check_series_id

    try:
        return check_series_id(value)
    except DataError as exc:
        raise typer.BadParameter(str(exc)) from None


class DateFormat(StrEnum):
    """Date layouts ``store import --date-format`` reads (``strftime`` codes)."""

    iso = "%Y-%m-%d"
    dmy_slash = "%d/%m/%Y"
    mdy_slash = "%m/%d/%Y"
    dmy_dot = "%d.%m.%Y"
    dmy_dash = "%d-%m-%Y"
    mdy_dash = "%m-%d-%Y"
    ymd_slash = "%Y/%m/%d"
    dmy_slash_short = "%d/%m/%y"
    mdy_slash_short = "%m/%d/%y"
    compact = "%Y%m%d"
    day_month_name = "%d %b %Y"
    month_name_day = "%b %d, %Y"


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
    as_of: AsOfArg = None,
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
        + (
            f"published by the release calendar {spec.release_rule}"
            if spec.release_rule
            else f"published {spec.publication_lag_days} day(s) after its date"
        )
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
    if summary.last_date is not None and as_of in (None, LATEST):
        _print_age(summary.last_date)
    changes = ", ".join(f"{k} {_fmt(v)}" for k, v in summary.changes.items())
    console.print(f"  change ({summary.change_unit}): {changes}")
    if summary.percentile is not None:
        console.print(
            f"  percentile in history since {summary.history_start}: {summary.percentile:.0%}"
        )


# -- store ------------------------------------------------------------------------------------
def _print_age(latest: date) -> None:
    """Say how old the latest value is against today (``RISKOFF_TODAY`` in tests)."""
    from riskoff.freshness import data_age

    age = data_age(latest)
    if age.stale:
        console.print(
            f"  [yellow]{age.describe()}: the data are old; run `riskoff update`[/yellow]",
            soft_wrap=True,
        )
    else:
        console.print(f"  {age.describe()}", soft_wrap=True)


@store_app.command("info")
def store_info() -> None:
    """List the series in the store: rows, revisions, first/last date, staleness, data age."""
    import pandas as pd

    from riskoff.catalog import load_catalog
    from riskoff.store import default_store

    store = default_store()
    info = store.info()
    latest = store.latest_date()
    catalog = load_catalog()
    own = store.user_series()
    broken = store.broken_user_series()
    table = Table(title=f"riskoff store {store.path} (latest market date {latest.date()})")
    for col in ("series", "rows", "revisions", "first", "last", "days behind", "status"):
        table.add_column(col)
    stale_count = 0
    for sid, row in info.iterrows():
        spec = catalog.get(str(sid)) or own.get(str(sid))
        behind = (latest - pd.Timestamp(row["last_date"])).days
        stale = spec is not None and behind > spec.stale_after_days
        stale_count += stale
        status = "[yellow]stale[/yellow]" if stale else "ok"
        if str(sid) in broken:
            status = "[red]bad definition[/red]"
        table.add_row(
            escape(str(sid)),
            str(row["rows"]),
            str(row["revisions"]),
            str(row["first_date"].date()),
            str(row["last_date"].date()),
            str(behind),
            status,
        )
    console.print(table)
    console.print(
        f"{len(info)} series, {int(info['rows'].sum()):,} observations; {stale_count} stale "
        f"relative to {latest.date()}",
        soft_wrap=True,
    )
    _print_age(latest.date())
    for sid, problem in broken.items():
        console.print(
            f"[yellow]{escape(sid)}: definition unusable ({escape(problem)}); import it again "
            "with --name and a valid --frequency / --asset-class[/yellow]",
            soft_wrap=True,
        )
    files = len(list(store.backup_dir.glob("op-*.parquet"))) if store.backup_dir.is_dir() else 0
    console.print(f"backup: {store.backup_dir} ({files} file(s))", soft_wrap=True)


@store_app.command("import")
def store_import(
    file: Annotated[Path, typer.Argument(help="CSV with a header date,value (UTF-8).")],
    series: Annotated[
        str, typer.Option("--series", callback=_check_series, help="Series id to write to.")
    ],
    unit: Annotated[
        str | None, typer.Option("--unit", help="Unit of the file, converted to the catalog's.")
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", help="Define a new series of your own with this name.")
    ] = None,
    frequency: Annotated[
        Frequency, typer.Option("--frequency", help="Frequency of a new series.")
    ] = DAILY,
    asset_class: Annotated[
        AssetClass, typer.Option("--asset-class", help="Asset class of a new series.")
    ] = EQUITY,
    date_format: Annotated[
        DateFormat | None,
        typer.Option(
            "--date-format",
            help="Layout of non-ISO dates, e.g. %d/%m/%Y (default: YYYY-MM-DD only).",
        ),
    ] = None,
) -> None:
    """Import a user's own ``date,value`` CSV into the store (all or nothing; one undo step)."""
    from riskoff.importer import import_csv

    result = import_csv(
        file,
        series,
        unit=unit,
        name=name,
        frequency=frequency.value,
        asset_class=asset_class.value,
        date_format=date_format.value if date_format else None,
    )
    console.print(
        f"{series}: {result.added} added, {result.revised} revised, {result.unchanged} unchanged; "
        f"last date {result.last_date} (undo with `riskoff store undo`)",
        soft_wrap=True,
    )


@store_app.command("export")
def store_export(
    series: Annotated[list[str], typer.Option("--series", help="Series id (repeat).")],
    fmt: Annotated[ExportFormat, typer.Option("--format", help="File format.")] = ExportFormat.csv,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="File to write.")] = None,
    as_of: AsOfArg = None,
) -> None:
    """Export series as a wide date x series table (latest known vintages)."""
    from riskoff.store import default_store

    target = output or (
        Path(f"riskoff-export.{fmt.value}") if fmt == ExportFormat.parquet else None
    )
    if target is not None and target.is_dir():
        raise RiskoffError(f"-o {target} is a directory: give a file name")
    store = default_store()
    for sid in series:
        store.spec(sid)
    frame = store.export(series, as_of=None if as_of in (None, LATEST) else as_of)
    if target is None:
        frame.to_csv(sys.stdout)
        return
    try:
        if fmt == ExportFormat.parquet:
            frame.to_parquet(target)
        else:
            frame.to_csv(target)
    except OSError as exc:
        raise RiskoffError(f"cannot write {target}: {exc.strerror or exc}") from None
    console.print(f"wrote {len(frame)} rows x {frame.shape[1]} series to {target}", soft_wrap=True)


@store_app.command("undo")
def store_undo() -> None:
    """Take back the last import, update or restore: delete exactly the rows it wrote."""
    from riskoff.store import default_store

    result = default_store().undo()
    if result is None:
        console.print(
            "nothing to undo: the journal is empty (no import or update since the seed)",
            soft_wrap=True,
        )
        return
    console.print(escape(result.describe()), soft_wrap=True)


@store_app.command("rebuild")
def store_rebuild() -> None:
    """Move the store aside, re-seed the bundled history and restore the backup beside it."""
    from riskoff.backup import rebuild
    from riskoff.store import default_store

    store = default_store()
    result = rebuild(store)
    if result.moved_to is not None:
        console.print(
            f"moved the old store to {result.moved_to} (kept; delete it when done)", soft_wrap=True
        )
    console.print(
        f"re-seeded {result.bundled_rows:,} bundled rows into {store.path}", soft_wrap=True
    )
    if result.backup_files:
        console.print(
            f"restored {result.restored_rows:,} rows of {len(result.restored_series)} series "
            f"from {result.backup_files} backup file(s) in {store.backup_dir}",
            soft_wrap=True,
        )
    else:
        console.print(
            f"no backup in {store.backup_dir}: only the bundled history is back", soft_wrap=True
        )


@store_app.command("backup")
def store_backup(
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Parquet file to write.")
    ] = None,
) -> None:
    """Write everything you imported or fetched (with first-seen times) to one Parquet file."""
    from riskoff import config
    from riskoff.backup import write_file
    from riskoff.store import default_store

    target = output or Path(f"riskoff-backup-{config.today():%Y%m%d}.parquet")
    if target.is_dir():
        raise RiskoffError(f"-o {target} is a directory: give a file name")
    rows = write_file(default_store(), target)
    console.print(
        f"wrote {rows:,} rows to {target} (restore with `riskoff store restore`)", soft_wrap=True
    )


@store_app.command("restore")
def store_restore(
    file: Annotated[Path, typer.Argument(help="A file written by `riskoff store backup`.")],
) -> None:
    """Add the rows and series of a backup file that the store does not hold (one undo step)."""
    from riskoff.backup import restore_file
    from riskoff.store import default_store

    result = restore_file(default_store(), file)
    defined = f"; defined {', '.join(result.defined)}" if result.defined else ""
    console.print(
        f"restored {result.rows:,} rows from {file} ({result.skipped:,} already present){defined}",
        soft_wrap=True,
    )
