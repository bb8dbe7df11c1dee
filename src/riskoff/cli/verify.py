"""``riskoff verify``: a commentary's claims checked against the data of a date."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from riskoff.cli._app import app, console
from riskoff.cli.options import AsOfArg, DateArg, TextFormat, WindowArg

if TYPE_CHECKING:
    from riskoff.claims import Readings


@app.command("verify")
def verify_cmd(
    claims: Annotated[
        Path | None,
        typer.Argument(help="Claims TOML file (default: the built-in sell-off narratives)."),
    ] = None,
    day: DateArg = None,
    as_of: AsOfArg = None,
    window: WindowArg = 10,
    fmt: Annotated[TextFormat, typer.Option("--format")] = TextFormat.text,
) -> None:
    """Check a commentary's claims against the data of a date.

    Each claim's checks are alert-rule expressions; the verdict is supported, partly,
    contradicted or no data, with the numbers behind it and their observation dates.

    Names: indicator columns (sofr_iorb_bp, mortgage_30y_pct, dollar_low_years, breadth ...),
    crash_type, funding_state, dash_for_cash, sofr_iorb_max_6m_bp, and per series
    move_pct.<id>, day_pct.<id>, peak_move_pct.<id>, peak_record_years.<id>, level.<id>,
    low_years.<id>, high_years.<id>, max_126d.<column>; "X percentile" reads X's percentile
    in its history.
    """
    from riskoff.claims import builtin_claims, check_claims, fact_text, load_claims

    claim_set = load_claims(claims) if claims is not None else builtin_claims()
    readings = readings_for(day, as_of=as_of, window=window)
    checks = check_claims(claim_set, readings)
    if fmt == "json":
        payload = {
            "date": readings.day.date().isoformat(),
            "title": claim_set.title,
            "source": claim_set.source,
            "claims": [c.to_dict() for c in checks],
        }
        console.print_json(json.dumps(payload, allow_nan=False, default=str))
        return
    table = Table(
        title=f"{claim_set.title or 'Claims'}: what the data say on "
        f"{readings.day.date().isoformat()}"
    )
    for col in ("claim", "verdict", "numbers (observation date; window)"):
        table.add_column(col)
    colours = {"supported": "green", "partly": "yellow", "contradicted": "red"}
    for c in checks:
        colour = colours.get(str(c.verdict), "dim")
        table.add_row(
            c.claim.says,
            f"[{colour}]{c.verdict}[/{colour}]",
            "\n".join(fact_text(f) for f in c.facts),
        )
    console.print(table)


def readings_for(day: date | None, as_of: object = None, window: int = 10) -> Readings:
    """Load the indicator set and the diagnosis of ``day`` (the only I/O of the command)."""
    from riskoff.claims import Readings
    from riskoff.diagnosis.diagnose import diagnose_from
    from riskoff.pipeline import indicator_set

    result = indicator_set(day, as_of=as_of, window=window)
    last = result.table.index[-1]
    return Readings(result, diagnose_from(result, last, analogs_k=0), last)
