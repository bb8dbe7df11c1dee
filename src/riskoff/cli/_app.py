"""The typer application objects shared by every command module."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from riskoff._version import __version__

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
