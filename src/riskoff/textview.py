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
    runner = (
        f"runner-up {d.runner_up} (score {d.runner_up_score:.2f} against "
        f"{d.scores.get(d.crash_type, math.nan):.2f})"
        if d.runner_up is not None and d.runner_up_score is not None
        else "no close runner-up"
    )
    console.print(
        f"type [bold]{d.crash_type}[/bold]; confidence {d.confidence:.2f}; {runner}; "
        f"severity {d.severity} (market {d.market_severity})"
    )
    for epi in d.epicenters:
        console.print(
            f"epicenter [bold]{epi.epicenter}[/bold]: {epi.label} ({epi.series}) "
            f"{_num(epi.move_pct)}% from {epi.start} to {epi.end} ({_num(epi.move_z)} sigma), "
            f"{_num(epi.day_pct)}% on the day ({_num(epi.day_z)} sigma); {epi.severity}",
            highlight=False,
        )
    if d.dollar is not None:
        x = d.dollar
        console.print(
            f"US dollar ({x.series}): {_num(x.move_pct)}% from {x.start} to {x.end} "
            f"({_num(x.z)} sigma), {_num(x.day_pct)}% on {x.end} ({_num(x.day_z)} sigma)"
            f"{'; bid' if x.bid else ''}",
            highlight=False,
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
        f"{_num(ind.get('net_liquidity_usd_bn'), '{:,.0f}')} USD bn; state {d.funding_state}, "
        f"{d.funding_direction} (SOFR fixing of {d.observed.get('sofr_iorb_bp', d.date)})"
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
    """Print the scorecard: both halves (which is in-sample), confusion, calibration, history."""
    console.print(
        f"[bold]Labelled dates: {len(card.cases)}[/bold], window {card.window} business days, "
        "each diagnosed with only the data knowable on it."
    )
    console.print(card.to_markdown(), highlight=False, markup=False)
    h = card.history
    if h:
        console.print(
            f"[bold]History {h['span'][0]} to {h['span'][1]}[/bold] ({h['days']} business days, "
            "one panel of everything in the store; lagged series read up to each row):"
        )
        share = Table(title="Share of business days by type and decade")
        types = sorted({t for row in h["share_by_decade"].values() for t in row})
        share.add_column("decade")
        for t in types:
            share.add_column(t, justify="right")
        for decade, row in h["share_by_decade"].items():
            share.add_row(decade, *(f"{row.get(t, 0.0):.1%}" for t in types))
        console.print(share)
        pa = h["peak_agreement"]
        console.print(
            f"day-to-day flip rate {h['flip_rate']:.1%}; agreement within +-3 business days of "
            f"the episode peak: {pa['agree_within_3_days']}/{pa['episodes']}; liquidity crunch "
            f"on {h['liquidity_crunch_share']:.2%} of days; cross-market types in 2017 on "
            f"{h['cross_market_share_2017']:.1%} of days"
        )
