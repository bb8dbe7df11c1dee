"""The commands that judge the classifier: validate and episodes."""

from __future__ import annotations

import json
import sys
from datetime import date
from typing import Annotated

import typer
from rich.table import Table

from riskoff.cli._app import app, console
from riskoff.cli.options import (
    ScorecardFormat,
    WindowArg,
    check_start_end,
    date_option,
)


@app.command("validate")
def validate_cmd(
    window: WindowArg = 10,
    fmt: Annotated[ScorecardFormat, typer.Option("--format")] = ScorecardFormat.text,
) -> None:
    """Score the classifier on the labelled dates: both halves, calibration, base rates.

    The development half is in-sample (the rules were tuned on it); the validation half is not.
    """
    from riskoff.diagnosis.validate import validate
    from riskoff.textview import print_scorecard

    card = validate(window=window)
    if fmt == ScorecardFormat.json:
        console.print_json(json.dumps(card.to_dict()))
    elif fmt == ScorecardFormat.markdown:
        sys.stdout.write(card.to_markdown() + "\n")
    else:
        print_scorecard(card, console)


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


@app.command("timeline")
def timeline_cmd(
    start: Annotated[date, date_option("--start", help="First day, YYYY-MM-DD.")],
    output: Annotated[str, typer.Option("-o", "--output", help="FILE.csv or FILE.parquet.")],
    end: Annotated[
        date | None, date_option("--end", help="Last day, YYYY-MM-DD (default: latest).")
    ] = None,
    window: WindowArg = 10,
) -> None:
    """Classify every business day from --start to --end and write a CSV or Parquet file.

    One panel (everything in the store) serves all days: prices are point in time on every
    row; series published with a lag are read with values dated up to each row.
    """
    from pathlib import Path

    import pandas as pd

    from riskoff.diagnosis.timeline import timeline
    from riskoff.pipeline import indicator_set

    check_start_end(start, end)
    path = Path(output)
    if path.suffix not in (".csv", ".parquet"):
        raise typer.BadParameter("the output must end in .csv or .parquet", param_hint="-o")
    frame = timeline(
        indicator_set(as_of="latest", window=window),
        start=pd.Timestamp(start),
        end=pd.Timestamp(end) if end is not None else None,
    )
    frame = frame.assign(date=frame["date"].dt.date.astype(str))
    if path.suffix == ".csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path, index=False)
    console.print(f"{len(frame)} business days written to {path}")
