"""Terminal rendering of diagnoses and scorecards with rich."""

from __future__ import annotations

import math

from rich.console import Console
from rich.table import Table

from riskoff.diagnosis.result import Diagnosis
from riskoff.diagnosis.validate import Scorecard
from riskoff.indicators.basket import CLASS_LABELS


def _num(value: float | None, fmt: str = "{:+.1f}") -> str:
    if value is None or not math.isfinite(value):
        return "n/a"
    return fmt.format(value)


def print_diagnosis(d: Diagnosis, console: Console) -> None:
    """Print a diagnosis as a short readable summary."""
    console.print(f"[bold]{d.headline}[/bold]")
    epicenter = f", epicenter [bold]{d.epicenter}[/bold]" if d.epicenter else ""
    console.print(
        f"type [bold]{d.crash_type}[/bold]{epicenter}; confidence {d.confidence:.2f}; "
        f"runner-up {d.runner_up}; severity {d.severity}"
    )
    console.print(f"safe havens: {d.safe_haven_text or d.safe_haven_verdict}")
    console.print("[bold]Evidence[/bold]")
    for e in d.evidence:
        mark = "[green]+[/green]" if e.direction == "supports" else "[red]-[/red]"
        console.print(f" {mark} {e.claim}", highlight=False)
    moves = Table(title=f"Moves over {d.window} business days to {d.date}")
    for col in ("asset class", "proxy", "move %", "sigma"):
        moves.add_column(col, justify="left" if col in ("asset class", "proxy") else "right")
    for m in sorted(d.returns, key=lambda m: m.move_z):
        moves.add_row(m.label, m.proxy, _num(m.move_pct), _num(m.move_z))
    console.print(moves)
    if d.missing:
        names = ", ".join(CLASS_LABELS[c] for c in d.missing)
        console.print(f"[yellow]no data for the window to {d.date}:[/yellow] {names}")
    if d.triggers:
        trig = Table(title="Surface triggers, ranked by z-score against their own history")
        for col in ("trigger", "move", "unit", "z"):
            trig.add_column(col, justify="left" if col in ("trigger", "unit") else "right")
        for t in d.triggers:
            trig.add_row(t.label, _num(t.move), t.unit, _num(t.z))
        console.print(trig)
    ind = d.indicators
    console.print(
        "[bold]Funding[/bold]: SOFR - IORB "
        f"{_num(ind.get('sofr_iorb_bp'), '{:+.0f}')} bp, EFFR - IORB "
        f"{_num(ind.get('effr_iorb_bp'), '{:+.0f}')} bp, reserves "
        f"{_num(ind.get('reserves_usd_bn'), '{:,.0f}')} USD bn, net liquidity "
        f"{_num(ind.get('net_liquidity_usd_bn'), '{:,.0f}')} USD bn; state {d.funding_state}"
    )
    if d.analogs:
        console.print("[bold]Closest labelled episodes[/bold] (only episodes over by then)")
        for a in d.analogs:
            console.print(
                f" {a['similarity']:.2f}  {a['name']} (peak {a['peak']}, {a['crash_type']})",
                highlight=False,
            )
            if a["similar_in"]:
                console.print(f"       similar in: {'; '.join(a['similar_in'])}", highlight=False)
            if a["differs_in"]:
                console.print(f"       differs in: {'; '.join(a['differs_in'])}", highlight=False)


def print_scorecard(card: Scorecard, console: Console) -> None:
    """Print the validation scorecard: accuracy, confusion matrix, and each miss's evidence."""
    hits = sum(c.hit for c in card.cases)
    console.print(
        f"[bold]Accuracy {hits}/{len(card.cases)} ({card.accuracy:.0%})[/bold], "
        f"window {card.window} business days"
    )
    conf = card.confusion()
    table = Table(title="Confusion matrix (rows: agreed, columns: classified)")
    table.add_column("agreed")
    for col in conf.columns:
        table.add_column(col, justify="right")
    for label, row in conf.iterrows():
        table.add_row(str(label), *(str(v) if v else "." for v in row))
    console.print(table)
    for c in card.misses():
        got = c.got + (f" ({c.got_epicenter})" if c.got_epicenter else "")
        agreed = c.expected + (f" ({c.expected_epicenter})" if c.expected_epicenter else "")
        console.print(
            f"[yellow]miss[/yellow] {c.date} {c.name}: agreed {agreed}, classified {got} "
            f"(confidence {c.confidence:.2f}, runner-up {c.runner_up})"
        )
        for e in c.evidence:
            mark = "+" if e.direction == "supports" else "-"
            console.print(f"    {mark} {e.claim}", highlight=False)
