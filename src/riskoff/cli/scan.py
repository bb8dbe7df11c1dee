"""``riskoff scan``: universe breadth, dispersion, co-movement and turbulence, on Dask or not."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from riskoff.cli._app import app, console, err_console
from riskoff.cli.options import DateArg, WindowArg
from riskoff.inputs import MAX_WINDOW, MIN_WINDOW

if TYPE_CHECKING:
    import pandas as pd

    from riskoff.universe import UniverseScan


def _load(
    universe: Path | None, synthetic: str | None, bundled: bool, seed: int, window: int
) -> tuple[pd.DataFrame, str]:
    from riskoff.errors import DataError
    from riskoff.universe.load import bundled_universe, check_universe, read_universe

    given = [x for x in (universe, synthetic) if x is not None] + ([True] if bundled else [])
    if len(given) != 1:
        raise DataError("give one of --universe FILE, --synthetic ASSETSxDAYS or --bundled")
    if universe is not None:
        return read_universe(universe, window), universe.name
    if synthetic is not None:
        from riskoff.universe.synthetic import parse_shape, synthetic_universe

        try:
            assets, days = parse_shape(synthetic)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="'--synthetic'") from None
        prices = synthetic_universe(assets, days, seed)
        return check_universe(prices, "synthetic", window), f"synthetic {synthetic} seed {seed}"
    return check_universe(bundled_universe(), "bundled", window), "bundled Yahoo series"


def _write(scan: UniverseScan, out: Path) -> Path:
    """Daily measures to ``out``; per asset (long: date, asset, drawdown, contribution) beside."""
    scan.daily.to_parquet(out)
    assets_path = out.with_name(out.stem + ".assets" + (out.suffix or ".parquet"))
    long = (
        scan.drawdown.stack()
        .rename("drawdown")
        .to_frame()
        .join(scan.contribution.stack().rename("turbulence_contribution"), how="left")
    )
    long.index.names = ["date", "asset"]
    long.reset_index().to_parquet(assets_path, index=False)
    return assets_path


def _fmt(value: float, pct: bool = False) -> str:
    import math

    if value is None or not math.isfinite(value):
        return "n/a"
    return f"{value * 100:.1f}%" if pct else f"{value:.3f}"


def _summary(scan: UniverseScan, label: str, day: pd.Timestamp) -> None:
    from rich.table import Table

    row = scan.daily.loc[day]
    table = Table(
        title=f"Universe on {day.date()} ({label}; co-movement window {scan.window} days,"
        f" moves over {scan.move_window} days)"
    )
    table.add_column("measure")
    table.add_column("value", justify="right")
    lines = [
        ("assets in the co-movement set", f"{int(row['assets'])}"),
        (f"down > 1 sigma over {scan.move_window} days", _fmt(row["breadth_1sd"], True)),
        (f"down > 2 sigma over {scan.move_window} days", _fmt(row["breadth_2sd"], True)),
        ("at a 52-week low", _fmt(row["at_52w_low"], True)),
        ("cross-sectional dispersion (daily log return)", _fmt(row["dispersion"], True)),
        (f"average pairwise correlation ({scan.window}d)", _fmt(row["avg_corr"])),
        (f"absorption ratio ({scan.window}d)", _fmt(row["absorption_ratio"])),
        (f"turbulence ({scan.window}d before, Ledoit-Wolf)", _fmt(row["turbulence"])),
    ]
    for name, value in lines:
        table.add_row(name, value)
    console.print(table)
    contrib = scan.contribution.loc[day].dropna().sort_values(ascending=False).head(5)
    drawdown = scan.drawdown.loc[day].dropna().sort_values().head(5)
    if len(contrib):
        console.print(
            "largest turbulence contributions: "
            + ", ".join(f"{a} {v:.3f}" for a, v in contrib.items())
        )
    if len(drawdown):
        console.print(
            "deepest drawdowns: " + ", ".join(f"{a} {v * 100:.1f}%" for a, v in drawdown.items())
        )


def _beside_diagnosis(scan: UniverseScan, requested: date) -> None:
    """The universe breadth beside the asset-class breadth of the daily diagnosis."""
    import pandas as pd

    import riskoff

    diagnosis = riskoff.diagnose(requested, window=scan.move_window)
    day = pd.Timestamp(diagnosis.date)
    upto = scan.daily.loc[:day]
    if upto.empty:
        console.print(f"the universe has no day on or before {day.date()}")
        return
    uday = upto.index[-1]
    console.print(
        f"breadth on {day.date()} (down > 1 sigma over {scan.move_window} days):"
        f" asset classes {_fmt(diagnosis.breadth or float('nan'), True)}"
        f" (riskoff diagnose), universe {_fmt(upto['breadth_1sd'].iloc[-1], True)}"
        f" of {int(upto['breadth_assets'].iloc[-1])} assets on {uday.date()}"
    )


@app.command("scan")
def scan_cmd(
    universe: Annotated[
        Path | None,
        typer.Option("--universe", help="Parquet prices: long (date, asset, close) or wide."),
    ] = None,
    synthetic: Annotated[
        str | None,
        typer.Option(
            "--synthetic", metavar="ASSETSxDAYS", help="Synthetic universe, e.g. 2000x6300."
        ),
    ] = None,
    bundled: Annotated[
        bool, typer.Option("--bundled", help="The bundled Yahoo series as a small universe.")
    ] = False,
    seed: Annotated[int, typer.Option("--seed", help="Seed of --synthetic.")] = 0,
    workers: Annotated[
        int | None,
        typer.Option("--workers", min=1, max=256, help="Start a local Dask cluster of N workers."),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler", metavar="ADDRESS", help="Running Dask scheduler, tcp://host:8786."
        ),
    ] = None,
    window: WindowArg = 60,
    move_window: Annotated[
        int,
        typer.Option(
            "--move-window", min=MIN_WINDOW, max=MAX_WINDOW, help="Window of the breadth moves."
        ),
    ] = 10,
    block: Annotated[int, typer.Option("--block", min=8, help="Assets per block.")] = 256,
    out: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write the daily measures (Parquet).")
    ] = None,
    day: DateArg = None,
) -> None:
    """Scan a universe: breadth, dispersion, correlation, absorption, turbulence, drawdowns.

    Daily measures go to OUT; each asset's drawdown and turbulence contribution to
    OUT.assets.parquet. With --date, the universe breadth is printed beside the asset-class
    breadth of `riskoff diagnose` on that date.
    """
    from rich.progress import Progress

    from riskoff.engine import connect
    from riskoff.errors import DataError
    from riskoff.universe import scan_universe

    if workers is not None and scheduler is not None:
        raise typer.BadParameter(
            "give --workers or --scheduler, not both", param_hint="'--workers'"
        )
    if out is not None and out.is_dir():
        raise DataError(f"{out} is a directory: give a file name for -o")
    prices, label = _load(universe, synthetic, bundled, seed, window)
    with (
        connect(workers, scheduler) as client,
        Progress(console=err_console, transient=True) as bar,
    ):
        task = bar.add_task(
            f"scanning {prices.shape[1]} assets x {prices.shape[0]} days", total=None
        )

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        scan = scan_universe(
            prices, window, move_window, client=client, block_assets_n=block, progress=progress
        )
    last = scan.daily["assets"].gt(0)
    shown = scan.daily.index[last][-1] if last.any() else scan.daily.index[-1]
    if day is not None:
        import pandas as pd

        upto = scan.daily.loc[: pd.Timestamp(day)]
        shown = upto.index[-1] if len(upto) else shown
    _summary(scan, label, shown)
    if day is not None:
        _beside_diagnosis(scan, day)
    if out is not None:
        assets_path = _write(scan, out)
        console.print(f"wrote {out} and {assets_path}")
