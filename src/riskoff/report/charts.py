"""The brief's charts: one description per chart, drawn by plotly (HTML) or matplotlib (PNG).

A :class:`Chart` holds the data already reduced to what is drawn (weekly points for long
histories, rounded values), its title, units and source line. :func:`plotly_figure` turns it into
a plotly figure (a plain dict for ``Plotly.newPlot``; no plotly import needed) and
:func:`save_png` draws the same chart with matplotlib (imported lazily) into a byte-stable PNG.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from riskoff.diagnosis.analogs import PATH_DIMENSIONS, PATH_LENGTH, trajectory
from riskoff.indicators.basket import CLASS_LABELS
from riskoff.indicators.crossasset import window_moves
from riskoff.report.narrative import (
    PROVIDERS,
    SUBINDEX_NAMES,
    UNUSUAL_Z,
    ReportInputs,
    date_text,
    fmt,
)

__all__ = [
    "Chart",
    "build_charts",
    "plotly_figure",
    "save_png",
]

# Colours: a calm blue for "today", red for stress, grey for context (colour-blind safe pairs).
BLUE = "#1f5fa8"
RED = "#c0392b"
AMBER = "#d68910"
GREY = "#7f8c8d"
GREEN = "#1e8449"
PALETTE = ("#1f5fa8", "#c0392b", "#d68910", "#1e8449", "#8e44ad", "#16a085", "#7f8c8d")
SPAN_FILL = "rgba(192, 57, 43, 0.12)"
HISTORY_YEARS = 10  # years of history in the long charts
FUNDING_YEARS = 5
HEAT_HORIZONS = (1, 5, 20, 60)  # business days, plus the report's window


@dataclass(frozen=True)
class Trace:
    """One series of points: a line, markers or bars."""

    name: str
    x: tuple[Any, ...]
    y: tuple[Any, ...]
    kind: str = "line"  # line | markers | bar
    color: str = BLUE
    dash: str = "solid"  # solid | dash | dot
    width: float = 1.6
    row: int = 1
    hover: tuple[str, ...] = ()
    horizontal: bool = False
    colors: tuple[str, ...] = ()  # one colour per bar
    show_legend: bool = True


@dataclass(frozen=True)
class Span:
    """A shaded interval of the x axis (an episode)."""

    x0: str
    x1: str
    label: str


@dataclass(frozen=True)
class RefLine:
    """A reference line across the plot: ``axis='y'`` is horizontal."""

    axis: str
    value: Any
    label: str = ""
    row: int = 1
    color: str = GREY
    dash: str = "dash"


@dataclass(frozen=True)
class Note:
    """A labelled point."""

    x: Any
    y: float
    text: str
    row: int = 1
    offset: int = 30  # label distance above the point, in pixels


@dataclass(frozen=True)
class Heat:
    """A heatmap: colour by ``z`` (clipped to +/- ``zmax``), each cell labelled by ``text``."""

    rows: tuple[str, ...]
    cols: tuple[str, ...]
    z: tuple[tuple[float | None, ...], ...]
    text: tuple[tuple[str, ...], ...]
    zmax: float
    colorbar: str


@dataclass(frozen=True)
class Chart:
    """Everything needed to draw one chart, in either backend."""

    id: str
    title: str
    subtitle: str
    source: str
    kind: str  # time | bars | heatmap | xy
    traces: tuple[Trace, ...] = ()
    spans: tuple[Span, ...] = ()
    lines: tuple[RefLine, ...] = ()
    notes: tuple[Note, ...] = ()
    heat: Heat | None = None
    y_titles: tuple[str, ...] = ("",)
    x_title: str = ""
    y_range: tuple[float, float] | None = None
    height: int = 380
    footnote: str = ""
    summary_extra: dict[str, Any] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        """Number of stacked panels."""
        return len(self.y_titles)

    def summary(self) -> dict[str, Any]:
        """Return a JSON-ready summary of what the chart shows (for ``--format json``)."""
        traces = []
        for t in self.traces:
            numbers = t.x if t.horizontal else t.y
            values = [v for v in numbers if isinstance(v, float) and math.isfinite(v)]
            traces.append(
                {
                    "name": t.name,
                    "points": len(t.y),
                    "first_x": _plain(t.x[0]) if t.x else None,
                    "last_x": _plain(t.x[-1]) if t.x else None,
                    "last_y": numbers[-1] if numbers else None,
                    "min_y": min(values) if values else None,
                    "max_y": max(values) if values else None,
                }
            )
        out: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "subtitle": self.subtitle,
            "source": self.source,
            "kind": self.kind,
            "y_titles": list(self.y_titles),
            "traces": traces,
            "episodes_marked": len(self.spans),
        }
        if self.heat is not None:
            out["heatmap"] = {
                "rows": list(self.heat.rows),
                "cols": list(self.heat.cols),
                "text": [list(r) for r in self.heat.text],
            }
        if self.footnote:
            out["footnote"] = self.footnote
        out.update(self.summary_extra)
        return out


def _plain(value: Any) -> Any:
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def _values(series: pd.Series | np.ndarray | Sequence[float], digits: int = 4) -> tuple:
    out = []
    for v in np.asarray(series, dtype=float):
        out.append(None if not math.isfinite(v) else float(round(v, digits)))
    return tuple(out)


def _row(frame: pd.DataFrame, day: pd.Timestamp) -> pd.Series:
    return pd.Series(frame.loc[day], dtype=float)


def _pos(index: pd.Index, day: Any) -> int:
    return int(index.searchsorted(pd.Timestamp(day)))


def _dates(index: pd.Index) -> tuple[str, ...]:
    return tuple(pd.DatetimeIndex(index).strftime("%Y-%m-%d"))


def _weekly(series: pd.Series) -> pd.Series:
    """Friday values (the last known in each week) for multi-year charts."""
    return weekly_last(series)


def weekly_last(obj: Any) -> Any:
    """``obj.resample("W-FRI").last()`` on a business-day index, without building the bins.

    Each row is labelled by the Friday ending its week and the last non-missing value of each
    week is kept (pandas builds the weekly bins one by one: about 30 ms per call).
    """
    index = pd.DatetimeIndex(obj.index)
    days = index.values.astype("datetime64[D]")
    weekday = (days.astype(np.int64) - 4) % 7  # 1970-01-05 was a Monday: Monday is 0
    friday = pd.DatetimeIndex(days + (4 - weekday).astype("timedelta64[D]"))
    out = obj.groupby(friday).last()
    out.index.name = index.name
    return out


def source_line(inputs: ReportInputs, ids: Sequence[str], calc: bool = True) -> str:
    """Name the providers and series behind a chart, and the date the data are as of."""
    by_provider: dict[str, list[str]] = {}
    for sid in ids:
        status = inputs.status(sid)
        provider = PROVIDERS.get(status.source if status else "", status.source if status else "")
        if provider:
            by_provider.setdefault(provider, []).append(sid)
    parts = [f"{p} ({', '.join(s)})" for p, s in by_provider.items()]
    tail = "; riskoff calculation" if calc else ""
    return f"Source: {'; '.join(parts)}{tail}. Data as known on {date_text(inputs.day)}."


# -- the charts ----------------------------------------------------------------------------------
def _triggers_chart(inputs: ReportInputs) -> Chart | None:
    d = inputs.diagnosis
    if not d.triggers:
        return None
    ordered = sorted(d.triggers, key=lambda t: abs(t.z))
    colors = tuple(
        RED if abs(t.z) >= UNUSUAL_Z else AMBER if abs(t.z) >= 1.0 else GREY for t in ordered
    )
    units = {"%": "%", "bp": " bp", "index points": " pts", "pp": " pp"}
    return Chart(
        id="triggers",
        title="Surface triggers: how unusual is each move?",
        subtitle=f"z-score of the {d.window}-day move against its own history; "
        f"beyond ±{UNUSUAL_Z:g} is unusual",
        source=source_line(
            inputs, [s for t in ordered for s in t.series.split(", ") if inputs.status(s)]
        ),
        kind="bars",
        traces=(
            Trace(
                name="z-score",
                x=_values([t.z for t in ordered], 2),
                y=tuple(t.label for t in ordered),
                kind="bar",
                horizontal=True,
                colors=colors,
                hover=tuple(f"{t.label}: {t.move:+.1f}{units.get(t.unit, '')}" for t in ordered),
                show_legend=False,
            ),
        ),
        lines=(
            RefLine("x", -UNUSUAL_Z, f"-{UNUSUAL_Z:g}"),
            RefLine("x", UNUSUAL_Z, f"+{UNUSUAL_Z:g}"),
            RefLine("x", 0.0, "", color="#444444", dash="solid"),
        ),
        x_title="z-score (standard deviations)",
        height=300,
    )


def _paths_chart(inputs: ReportInputs) -> Chart | None:
    d = inputs.diagnosis
    result = inputs.result
    returns = result.returns.loc[: inputs.day]
    span = returns.iloc[-(2 * d.window + 1) :]
    if len(span) < 3:
        return None
    movers = sorted(
        (m for m in d.returns if m.asset_class != "us_equities"), key=lambda m: -abs(m.move_z)
    )[:5]
    classes = ["us_equities", *[m.asset_class for m in movers]]
    traces = []
    for i, c in enumerate(c for c in classes if c in span):
        daily = span[c].copy()
        daily.iloc[0] = 0.0  # the path starts at 0% on the first day shown
        path = (np.expm1(daily.fillna(0.0).cumsum()) * 100.0).where(span[c].notna().cummax())
        traces.append(
            Trace(
                name=CLASS_LABELS[c],
                x=_dates(span.index),
                y=_values(path, 2),
                color="#111111" if c == "us_equities" else PALETTE[i % len(PALETTE)],
                width=2.6 if c == "us_equities" else 1.6,
            )
        )
    start = returns.index[-d.window - 1] if len(returns) > d.window else returns.index[0]
    proxies = [m.proxy for m in d.returns if m.asset_class in classes and m.proxy]
    return Chart(
        id="paths",
        title="Who moved first: cumulative moves of the biggest movers",
        subtitle=f"% since {date_text(span.index[0])}; the shaded part is the {d.window}-day "
        "window; US equities in black",
        source=source_line(inputs, proxies),
        kind="time",
        traces=tuple(traces),
        spans=(Span(start.date().isoformat(), inputs.day.date().isoformat(), "window"),),
        lines=(RefLine("y", 0.0, "", color="#444444", dash="solid"),),
        y_titles=("% move",),
        height=360,
    )


def _sectors_chart(inputs: ReportInputs) -> Chart | None:
    d = inputs.diagnosis
    if not d.sectors:
        return None
    names = list(d.sectors)
    # Sector moves are kept as log moves for their z-scores; shown as simple returns.
    values = [float(np.expm1(d.sectors[n] / 100.0) * 100.0) for n in names]
    from riskoff.indicators.triggers import SECTORS

    return Chart(
        id="sectors",
        title="Sector rotation",
        subtitle=f"% move of the SPDR sector funds over {d.window} business days to "
        f"{date_text(d.date)}",
        source=source_line(inputs, list(SECTORS), calc=False),
        kind="bars",
        traces=(
            Trace(
                name="% move",
                x=_values(values, 2),
                y=tuple(names),
                kind="bar",
                horizontal=True,
                colors=tuple(RED if v < 0 else GREEN for v in values),
                show_legend=False,
            ),
        ),
        lines=(RefLine("x", 0.0, "", color="#444444", dash="solid"),),
        x_title="% move",
        height=320,
    )


def _funding_chart(inputs: ReportInputs) -> Chart | None:
    table = inputs.result.table.loc[: inputs.day]
    start = inputs.day - pd.DateOffset(years=FUNDING_YEARS)
    frame = table.loc[start:, ["sofr_iorb_bp", "effr_iorb_bp", "calendar_day"]]
    frame = frame.loc[frame[["sofr_iorb_bp", "effr_iorb_bp"]].notna().any(axis=1).cummax()]
    if frame[["sofr_iorb_bp", "effr_iorb_bp"]].notna().sum().sum() == 0:
        return None
    both = frame[["sofr_iorb_bp", "effr_iorb_bp"]]
    lo = float(min(-15.0, np.nanpercentile(both.to_numpy(), 0.5)))
    hi = float(max(30.0, np.nanpercentile(both.to_numpy(), 99.5)))
    traces = [
        Trace(
            "SOFR - reserve rate",
            _dates(frame.index),
            _values(frame["sofr_iorb_bp"], 1),
            color=BLUE,
        ),
        Trace(
            "EFFR - reserve rate",
            _dates(frame.index),
            _values(frame["effr_iorb_bp"], 1),
            color=AMBER,
            width=1.2,
        ),
    ]
    cal = frame[frame["calendar_day"].astype(bool)]
    spread = cal["sofr_iorb_bp"].fillna(cal["effr_iorb_bp"])
    traces.append(
        Trace(
            "calendar day (month-end, month-start, mid-month)",
            _dates(spread.index),
            _values(spread, 1),
            kind="markers",
            color=RED,
            width=4,
        )
    )
    notes = []
    worst = both.max(axis=1)
    if worst.max() > hi:
        when = pd.Timestamp(str(worst.idxmax()))
        notes.append(
            Note(
                when.date().isoformat(),
                hi,
                f"peak {worst.max():+.0f} bp on {date_text(when)} (off scale)",
                offset=-24,  # below the top edge, clear of the subtitle
            )
        )
    today = table["funding_spread_bp"].iloc[-1]
    if math.isfinite(today):
        notes.append(
            Note(
                inputs.day.date().isoformat(),
                float(np.clip(today, lo, hi)),
                f"{date_text(inputs.day)}: {fmt(today, 'bp')}",
            )
        )
    from riskoff.indicators.funding import STATE_THRESHOLDS_BP

    spike = STATE_THRESHOLDS_BP["spike"]
    return Chart(
        id="funding_spread",
        title="Overnight funding against the rate on reserves",
        subtitle="basis points; reserve rate: IORB (IOER before 29 Jul 2021); above zero, cash "
        "costs more than the Fed pays on reserves",
        source=source_line(inputs, ["SOFR", "EFFR", "IORB", "IOER"]),
        kind="time",
        traces=tuple(traces),
        lines=(
            RefLine("y", 0.0, "", color="#444444", dash="solid"),
            RefLine("y", spike, f"+{spike:g} bp: spike", color=RED),
        ),
        notes=tuple(notes),
        y_titles=("bp",),
        y_range=(lo, hi),
        footnote="IORB: interest on reserve balances; IOER: interest on excess reserves.",
    )


def _liquidity_chart(inputs: ReportInputs) -> Chart | None:
    table = inputs.result.table.loc[: inputs.day]
    start = inputs.day - pd.DateOffset(years=HISTORY_YEARS)
    cols = {
        "fed_assets_usd_bn": ("Fed total assets", GREY),
        "net_liquidity_usd_bn": ("Net liquidity (assets - TGA - ON RRP)", BLUE),
        "reserves_usd_bn": ("Bank reserves", GREEN),
    }
    frame = table.loc[start:, list(cols)]
    if frame.notna().sum().sum() == 0:
        return None
    weekly = weekly_last(frame)
    traces = tuple(
        Trace(label, _dates(weekly.index), _values(weekly[c], 0), color=color)
        for c, (label, color) in cols.items()
    )
    footnote = ""
    tga = inputs.status("WTREGEN")
    if tga is not None and tga.stale and tga.last_date:
        footnote = f"Net liquidity stops on {date_text(tga.last_date)}: the TGA series ends there."
    return Chart(
        id="liquidity",
        title="Reserves and net liquidity",
        subtitle="USD billions, weekly",
        source=source_line(inputs, ["WALCL", "WRESBAL", "WTREGEN", "RRPONTSYD"]),
        kind="time",
        traces=traces,
        y_titles=("USD bn",),
        footnote=footnote,
    )


def _rates_chart(inputs: ReportInputs) -> Chart | None:
    table = inputs.result.table.loc[: inputs.day]
    start = inputs.day - pd.DateOffset(years=HISTORY_YEARS)
    frame = table.loc[start:, ["yield_10y_pct", "mortgage_30y_pct"]]
    if frame.notna().sum().sum() == 0:
        return None
    weekly = weekly_last(frame)
    return Chart(
        id="rates",
        title="The 10-year Treasury yield and the 30-year mortgage rate",
        subtitle="percent, weekly",
        source=source_line(inputs, ["DGS10", "MORTGAGE30US"], calc=False),
        kind="time",
        traces=(
            Trace(
                "10-year Treasury yield",
                _dates(weekly.index),
                _values(weekly["yield_10y_pct"], 2),
                color=BLUE,
            ),
            Trace(
                "30-year mortgage rate",
                _dates(weekly.index),
                _values(weekly["mortgage_30y_pct"], 2),
                color=RED,
            ),
        ),
        y_titles=("%",),
        height=320,
    )


def _heatmap_chart(inputs: ReportInputs) -> Chart | None:
    d = inputs.diagnosis
    returns = inputs.result.returns.loc[: inputs.day]
    horizons = sorted({*HEAT_HORIZONS, d.window})
    order = [m.asset_class for m in sorted(d.returns, key=lambda m: m.move_z)]
    if not order:
        return None
    pct_cols, z_cols = [], []
    for h in horizons:
        if h == d.window:
            pct = _row(inputs.result.move_pct, inputs.day)
            z = _row(inputs.result.move_z, inputs.day)
        elif h == 1:
            pct = np.expm1(_row(returns, inputs.day)) * 100.0
            z = _row(inputs.result.day_z, inputs.day)
        else:
            tail = returns.iloc[-(250 + 2 * h + 10) :]
            p, zz = window_moves(tail, h)
            pct, z = pd.Series(p.iloc[-1], dtype=float), pd.Series(zz.iloc[-1], dtype=float)
        pct_cols.append(pct)
        z_cols.append(z)
    zrows, trows = [], []
    for c in order:
        zrows.append(
            tuple(_plain(round(float(z[c]), 2)) if math.isfinite(z[c]) else None for z in z_cols)
        )
        trows.append(tuple(f"{p[c]:+.1f}%" if math.isfinite(p[c]) else "" for p in pct_cols))
    cols = tuple(
        f"{h} day" + ("s" if h > 1 else "") + (" (window)" if h == d.window else "")
        for h in horizons
    )
    return Chart(
        id="heatmap",
        title="Moves by asset class over several horizons",
        subtitle="cell text: % move; colour: the move in standard deviations of its own history "
        f"(red down, blue up); to {date_text(d.date)}",
        source=source_line(inputs, [m.proxy for m in d.returns if m.proxy]),
        kind="heatmap",
        heat=Heat(
            rows=tuple(CLASS_LABELS[c] for c in order),
            cols=cols,
            z=tuple(zrows),
            text=tuple(trows),
            zmax=4.0,
            colorbar="z-score",
        ),
        height=120 + 26 * len(order),
    )


def _comovement_chart(inputs: ReportInputs) -> Chart | None:
    table = inputs.result.table.loc[: inputs.day]
    start = inputs.day - pd.DateOffset(years=HISTORY_YEARS)
    panels = [
        ("avg_corr_60d", "avg correlation, 60 days"),
        ("absorption_ratio", "absorption ratio"),
        ("turbulence", "turbulence"),
    ]
    panels = [(c, t) for c, t in panels if table[c].loc[start:].notna().any()]
    if not panels:
        return None
    traces, notes, lines = [], [], []
    for row, (col, label) in enumerate(panels, start=1):
        weekly = _weekly(table[col].loc[start:])
        traces.append(
            Trace(label, _dates(weekly.index), _values(weekly, 3), color=PALETTE[row - 1], row=row)
        )
        today = table[col].iloc[-1]
        if math.isfinite(today):
            pct = float((table[col].dropna() <= today).mean())
            notes.append(
                Note(
                    inputs.day.date().isoformat(),
                    float(today),
                    f"{today:.2f} ({pct:.0%} pctile)",
                    row=row,
                    offset=22,
                )
            )
        p90 = float(table[col].dropna().quantile(0.9))
        lines.append(RefLine("y", p90, "90th pctile", row=row))
    return Chart(
        id="comovement",
        title="Do assets move as one? Correlation, absorption and turbulence",
        subtitle="weekly; dashed line: the 90th percentile of each measure's history",
        source=source_line(inputs, [m.proxy for m in inputs.diagnosis.returns if m.proxy]),
        kind="time",
        traces=tuple(traces),
        notes=tuple(notes),
        lines=tuple(lines),
        y_titles=tuple(t for _, t in panels),
        height=150 + 150 * len(panels),
    )


def _path_matches_chart(inputs: ReportInputs) -> Chart | None:
    d = inputs.diagnosis
    if not d.path_matches:
        return None
    path = trajectory(inputs.result)
    equities = path["us_equities"]
    idx = path.index
    length = PATH_LENGTH
    end = _pos(idx, inputs.day)
    x_now = tuple(range(-length + 1, 1))
    today = equities.iloc[end - length + 1 : end + 1].to_numpy()
    traces = [
        Trace(
            f"today (to {date_text(inputs.day)})",
            x_now,
            _values((np.expm1(today - today[0])) * 100.0, 2),
            color="#111111",
            width=2.8,
        ),
    ]
    for i, m in enumerate(d.path_matches[:3]):
        s, e = _pos(idx, m["start"]), _pos(idx, m["end"])
        seg = equities.iloc[s : min(e + 21, end + 1)].to_numpy()
        rel = np.expm1(seg - seg[0]) * 100.0
        color = PALETTE[(i + 1) % len(PALETTE)]
        label = f"{date_text(m['start'])} to {date_text(m['end'])}"
        traces.append(Trace(label, x_now, _values(rel[:length], 2), color=color))
        if len(rel) > length:
            traces.append(
                Trace(
                    f"{label}: next 20 days",
                    tuple(range(0, len(rel) - length + 1)),
                    _values(rel[length - 1 :], 2),
                    color=color,
                    dash="dot",
                    show_legend=False,
                )
            )
    return Chart(
        id="path_matches",
        title="Path similarity: today against the closest past windows",
        subtitle=f"US equities, % since the start of each {length}-day window; dotted: what "
        "came next (history, not a forecast)",
        source=source_line(inputs, ["SPY", "GLD", "TLT", "UUP"]),
        kind="xy",
        traces=tuple(traces),
        lines=(RefLine("x", 0, "today / end of match", color="#444444"),),
        x_title="business days relative to today (or to the end of the match)",
        y_titles=("% move",),
        summary_extra={"dimensions": [*PATH_DIMENSIONS, "stress_index", "avg_corr_20d"]},
    )


def _short(name: str) -> str:
    for sep in (" / ", " (", ": "):
        name = name.split(sep)[0]
    return name if len(name) <= 26 else name[:25] + "…"


def _stress_chart(inputs: ReportInputs) -> Chart | None:
    stress = inputs.result.table["stress_index"].loc[: inputs.day].dropna()
    if stress.empty:
        return None
    weekly = _weekly(stress).dropna()
    first = stress.index[0]
    episodes = [
        e
        for e in inputs.episodes
        if pd.Timestamp(e.end) >= first and pd.Timestamp(e.start) <= inputs.day
    ]
    spans = tuple(Span(e.start.isoformat(), e.end.isoformat(), e.name) for e in episodes)
    peaks = []
    for e in episodes:
        p = pd.Timestamp(e.peak)
        if p in stress.index:
            peaks.append((e, float(stress.loc[p])))
    analog_ids = {a.get("id") for a in inputs.diagnosis.analogs[:3]}
    # Label the closest analogs, then the most stressed episodes, never two within ~6 months.
    ranked = sorted(peaks, key=lambda x: (x[0].id not in analog_ids, -x[1], x[0].id))
    chosen: list[tuple[Any, float]] = []
    for e, v in ranked:
        if len(chosen) >= 8:
            break
        if all(abs((e.peak - c.peak).days) > 180 for c, _ in chosen):
            chosen.append((e, v))
    notes = [
        Note(e.peak.isoformat(), v, _short(e.name), offset=25 + 18 * (n % 3))
        for n, (e, v) in enumerate(sorted(chosen, key=lambda x: x[0].peak))
    ]
    today = float(stress.iloc[-1])
    notes.append(
        Note(
            inputs.day.date().isoformat(), today, f"{date_text(inputs.day)}: {today:.2f}", offset=40
        )
    )
    traces = [
        Trace(
            "stress index (weekly)", _dates(weekly.index), _values(weekly, 3), color=BLUE, width=1.2
        ),
        Trace(
            "episode peak",
            tuple(e.peak.isoformat() for e, _ in peaks),
            _values([v for _, v in peaks], 3),
            kind="markers",
            color=RED,
            width=6,
            hover=tuple(f"{e.name} ({e.crash_type.replace('_', ' ')})" for e, _ in peaks),
        ),
    ]
    return Chart(
        id="stress_history",
        title="The composite stress index and the library's episodes",
        subtitle="0 = calm, 1 = extreme; weekly; shaded: labelled episodes, red dots their peaks",
        source=source_line(inputs, ["SPY", "VIXCLS", "BAMLH0A0HYM2", "DGS10", "SOFR", "BTC-USD"]),
        kind="time",
        traces=tuple(traces),
        spans=spans,
        notes=tuple(notes),
        y_titles=("stress index",),
        y_range=(0.0, 1.0),
        height=420,
        summary_extra={"episodes": [e.id for e in episodes]},
    )


def _decomposition_chart(inputs: ReportInputs) -> Chart | None:
    contrib = _row(inputs.result.contributions, inputs.day).dropna()
    if contrib.empty:
        return None
    sub = _row(inputs.result.subindices, inputs.day)
    names = list(contrib.index)
    return Chart(
        id="stress_decomposition",
        title=f"Where the stress comes from on {date_text(inputs.day)}",
        subtitle="contribution of each market to the stress index (index points; they add up "
        f"to {float(contrib.sum()):.2f})",
        source=source_line(
            inputs, ["SOFR", "DGS10", "BAMLH0A0HYM2", "SPY", "VIXCLS", "UUP", "USO", "BTC-USD"]
        ),
        kind="bars",
        traces=(
            Trace(
                "contribution",
                x=tuple(SUBINDEX_NAMES.get(k, k) for k in names),
                y=_values(contrib, 4),
                kind="bar",
                colors=tuple(RED if float(v) > 0 else GREEN for v in contrib),
                hover=tuple(
                    f"sub-index {sub[k]:.2f} (0 to 1)" if math.isfinite(sub[k]) else "n/a"
                    for k in names
                ),
                show_legend=False,
            ),
        ),
        lines=(RefLine("y", 0.0, "", color="#444444", dash="solid"),),
        y_titles=("index points",),
        height=320,
    )


def _published_chart(inputs: ReportInputs) -> Chart | None:
    stress = inputs.result.table["stress_index"].loc[: inputs.day]
    panel = inputs.result.panel
    weekly = _weekly(stress)
    frames = {"riskoff stress index": weekly}
    for sid in ("STLFSI4", "NFCI"):
        if sid in panel and sid in inputs.published:
            frames[sid] = _weekly(panel[sid].loc[: inputs.day])
    if len(frames) < 2:
        return None
    both = pd.concat(frames, axis=1).dropna()
    both = both.loc[inputs.day - pd.DateOffset(years=HISTORY_YEARS) :]
    if len(both) < 52:
        return None
    z = (both - both.mean()) / both.std()
    colors = {"riskoff stress index": BLUE, "STLFSI4": RED, "NFCI": AMBER}
    traces = tuple(
        Trace(name, _dates(z.index), _values(z[name], 2), color=colors.get(name, GREY))
        for name in z.columns
    )
    return Chart(
        id="published",
        title="riskoff's stress index against the published ones",
        subtitle="each standardised over the weeks shown (z-scores), so shapes compare, not levels",
        source=source_line(inputs, ["STLFSI4", "NFCI"]),
        kind="time",
        traces=traces,
        lines=(RefLine("y", 0.0, "", color="#444444", dash="solid"),),
        y_titles=("z-score",),
        height=340,
    )


BUILDERS = (
    _triggers_chart,
    _paths_chart,
    _sectors_chart,
    _funding_chart,
    _liquidity_chart,
    _rates_chart,
    _heatmap_chart,
    _comovement_chart,
    _path_matches_chart,
    _stress_chart,
    _decomposition_chart,
    _published_chart,
)


def build_charts(inputs: ReportInputs) -> dict[str, Chart]:
    """Build every chart the data allow, keyed by id (a missing series drops its chart)."""
    charts = {}
    for builder in BUILDERS:
        chart = builder(inputs)
        if chart is not None:
            charts[chart.id] = chart
    return charts


# -- plotly ---------------------------------------------------------------------------------------
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"


def _axis_names(row: int) -> tuple[str, str]:
    return ("x", "y" if row == 1 else f"y{row}")


def plotly_figure(chart: Chart) -> dict[str, Any]:
    """Return the chart as a plotly figure dict (``data``, ``layout``) for ``Plotly.newPlot``."""
    data: list[dict[str, Any]] = []
    for t in chart.traces:
        _, yref = _axis_names(t.row)
        trace: dict[str, Any] = {"name": t.name, "showlegend": t.show_legend, "yaxis": yref}
        if t.kind == "bar":
            trace.update(type="bar", orientation="h" if t.horizontal else "v")
            trace.update(x=list(t.x), y=list(t.y))
            trace["marker"] = {"color": list(t.colors) or t.color}
            if t.hover:
                trace["customdata"] = list(t.hover)
                trace["hovertemplate"] = "%{customdata}<extra></extra>"
        else:
            trace.update(type="scatter", x=list(t.x), y=list(t.y))
            if t.kind == "markers":
                trace.update(mode="markers", marker={"color": t.color, "size": t.width})
            else:
                trace.update(
                    mode="lines", line={"color": t.color, "width": t.width, "dash": t.dash}
                )
            if t.hover:
                trace["text"] = list(t.hover)
                trace["hovertemplate"] = "%{text}<br>%{x}: %{y}<extra></extra>"
        data.append(trace)
    if chart.heat is not None:
        h = chart.heat
        data.append(
            {
                "type": "heatmap",
                "x": list(h.cols),
                "y": list(h.rows),
                "z": [list(r) for r in h.z],
                "text": [list(r) for r in h.text],
                "texttemplate": "%{text}",
                "hovertemplate": "%{y}, %{x}: %{text} (z %{z})<extra></extra>",
                "zmin": -h.zmax,
                "zmax": h.zmax,
                "zmid": 0,
                "colorscale": [[0.0, "#b2182b"], [0.5, "#f7f7f7"], [1.0, "#2166ac"]],
                "colorbar": {"title": {"text": h.colorbar, "side": "right"}, "thickness": 12},
                "xgap": 2,
                "ygap": 2,
            }
        )
    layout: dict[str, Any] = {
        "title": {
            "text": f"<b>{chart.title}</b><br><span style='font-size:12px;color:#555'>"
            f"{chart.subtitle}</span>",
            "x": 0.0,
            "xanchor": "left",
            "font": {"size": 15},
        },
        "font": {"family": FONT, "size": 12, "color": "#222"},
        "height": chart.height,
        "margin": {"l": 60, "r": 20, "t": 70, "b": 80 if chart.x_title else 50},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "hovermode": "closest",
        "legend": {"orientation": "h", "y": -0.25 if chart.x_title else -0.15, "x": 0.0},
        "shapes": [],
        "annotations": [],
    }
    if chart.kind == "bars" and chart.traces and chart.traces[0].horizontal:
        layout["margin"]["l"] = 190
    if chart.kind == "heatmap":
        layout["margin"]["l"] = 190
        layout["yaxis"] = {"autorange": "reversed", "automargin": True}
        layout["xaxis"] = {"side": "top"}
        layout["margin"]["t"] = 100
    else:
        _plotly_axes(chart, layout)
    for span in chart.spans:
        layout["shapes"].append(
            {
                "type": "rect",
                "xref": "x",
                "yref": "paper",
                "x0": span.x0,
                "x1": span.x1,
                "y0": 0,
                "y1": 1,
                "fillcolor": SPAN_FILL,
                "line": {"width": 0},
                "layer": "below",
            }
        )
    for line in chart.lines:
        xref, yref = _axis_names(line.row)
        shape: dict[str, Any] = {
            "type": "line",
            "line": {"color": line.color, "width": 1, "dash": line.dash},
        }
        if line.axis == "y":
            shape.update(xref="paper", x0=0, x1=1, yref=yref, y0=line.value, y1=line.value)
        else:
            shape.update(yref="paper", y0=0, y1=1, xref=xref, x0=line.value, x1=line.value)
        layout["shapes"].append(shape)
        if line.label:
            ann: dict[str, Any] = {
                "text": line.label,
                "showarrow": False,
                "font": {"size": 10, "color": line.color},
            }
            if line.axis == "y":
                ann.update(
                    xref="paper", x=1, xanchor="right", yref=yref, y=line.value, yanchor="bottom"
                )
            else:
                ann.update(yref="paper", y=1, yanchor="bottom", xref=xref, x=line.value)
            layout["annotations"].append(ann)
    for note in chart.notes:
        xref, yref = _axis_names(note.row)
        layout["annotations"].append(
            {
                "x": note.x,
                "y": note.y,
                "xref": xref,
                "yref": yref,
                "text": note.text,
                "showarrow": True,
                "arrowhead": 0,
                "arrowwidth": 1,
                "arrowcolor": "#666",
                "ax": 0,
                "ay": -note.offset,
                "font": {"size": 10},
                "bgcolor": "rgba(255,255,255,0.8)",
            }
        )
    return {"data": data, "layout": layout}


def _plotly_axes(chart: Chart, layout: dict[str, Any]) -> None:
    n = chart.rows
    gap = 0.06 if n > 1 else 0.0
    height = (1.0 - gap * (n - 1)) / n
    grid = {"gridcolor": "#e5e5e5", "zeroline": False, "linecolor": "#999", "showline": True}
    for row in range(1, n + 1):
        top = 1.0 - (row - 1) * (height + gap)
        key = "yaxis" if row == 1 else f"yaxis{row}"
        axis: dict[str, Any] = {
            **grid,
            "title": {"text": chart.y_titles[row - 1], "font": {"size": 11}},
            "domain": [round(max(0.0, top - height), 4), round(top, 4)],
            "anchor": "x",
        }
        if chart.y_range is not None and row == 1:
            axis["range"] = list(chart.y_range)
        if chart.kind == "bars" and chart.traces and chart.traces[0].horizontal:
            axis.update(automargin=True, showgrid=False)
        layout[key] = axis
    xaxis: dict[str, Any] = {**grid, "anchor": "y" if n == 1 else f"y{n}"}
    if chart.kind == "time":
        xaxis["type"] = "date"
    if chart.x_title:
        xaxis["title"] = {"text": chart.x_title, "font": {"size": 11}}
    layout["xaxis"] = xaxis


# -- matplotlib -----------------------------------------------------------------------------------
def save_png(chart: Chart, path: Path, dpi: int = 100) -> Path:
    """Draw the chart with matplotlib into a PNG with no timestamp or version in it."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    width = 9.0
    height = max(3.0, chart.height / 100.0 + 0.8)
    with plt.rc_context(
        {
            "font.size": 9,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "grid.color": "#e5e5e5",
            "svg.hashsalt": "riskoff",
        }
    ):
        fig, axes = plt.subplots(chart.rows, 1, figsize=(width, height), sharex=True, squeeze=False)
        axs = [a[0] for a in axes]
        if chart.kind == "heatmap" and chart.heat is not None:
            _mpl_heatmap(fig, axs[0], chart.heat)
        else:
            _mpl_plot(chart, axs)
        # Title, subtitle and source line sit in fixed bands (in inches) around the axes.
        fig.text(
            0.01,
            1 - 0.12 / height,
            chart.title,
            fontsize=12,
            fontweight="bold",
            ha="left",
            va="top",
        )
        fig.text(
            0.01,
            1 - 0.40 / height,
            chart.subtitle,
            fontsize=8.5,
            color="#555555",
            ha="left",
            va="top",
        )
        footer = _wrap_text(chart.source + (f" {chart.footnote}" if chart.footnote else ""), 150)
        fig.text(0.01, 0.08 / height, footer, fontsize=7, color="#555555", ha="left", va="bottom")
        top = 0.62 + (0.45 if chart.notes else 0.0)
        bottom = 0.2 + 0.13 * (footer.count("\n") + 1)
        fig.tight_layout(rect=(0, bottom / height, 1, 1 - top / height))
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=dpi, metadata={"Software": None}, facecolor="white")
        plt.close(fig)
    return path


def _wrap_text(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width))


def _mpl_dates(x: Sequence[Any]) -> Any:
    return pd.to_datetime(list(x))


def _mpl_plot(chart: Chart, axs: list[Any]) -> None:
    time = chart.kind == "time"
    for t in chart.traces:
        ax = axs[t.row - 1]
        if t.kind == "bar":
            if t.horizontal:
                xs = np.array([np.nan if v is None else v for v in t.x], dtype=float)
                ax.barh(list(t.y), xs, color=list(t.colors) or t.color)
                ax.grid(axis="y", visible=False)
            else:
                ys = np.array([np.nan if v is None else v for v in t.y], dtype=float)
                ax.bar(list(t.x), ys, color=list(t.colors) or t.color)
                ax.grid(axis="x", visible=False)
            continue
        x = _mpl_dates(t.x) if time else list(t.x)
        y = np.array([np.nan if v is None else v for v in t.y], dtype=float)
        label = t.name if t.show_legend else None
        if t.kind == "markers":
            ax.scatter(x, y, s=t.width * 1.5, color=t.color, label=label, zorder=3)
        else:
            style = {"solid": "-", "dash": "--", "dot": ":"}[t.dash]
            ax.plot(x, y, style, color=t.color, linewidth=t.width, label=label)
    for span in chart.spans:
        for ax in axs:
            ax.axvspan(
                pd.Timestamp(span.x0), pd.Timestamp(span.x1), color=RED, alpha=0.12, linewidth=0
            )
    for line in chart.lines:
        ax = axs[line.row - 1]
        style = {"solid": "-", "dash": "--", "dot": ":"}[line.dash]
        if line.axis == "y":
            ax.axhline(line.value, color=line.color, linestyle=style, linewidth=0.8)
            if line.label:
                ax.annotate(
                    line.label,
                    xy=(1.0, line.value),
                    xycoords=("axes fraction", "data"),
                    ha="right",
                    va="bottom",
                    fontsize=7,
                    color=line.color,
                )
        else:
            ax.axvline(line.value, color=line.color, linestyle=style, linewidth=0.8)
    for note in chart.notes:
        ax = axs[note.row - 1]
        x = pd.Timestamp(note.x) if time else note.x
        ax.annotate(
            note.text,
            xy=(x, note.y),
            xytext=(0, note.offset),
            textcoords="offset points",
            ha="center",
            fontsize=7,
            arrowprops={"arrowstyle": "-", "color": "#666666", "linewidth": 0.6},
            bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.8},
        )
    for row, ax in enumerate(axs):
        ax.set_ylabel(chart.y_titles[row])
    if chart.y_range is not None:
        axs[0].set_ylim(*chart.y_range)
    if chart.x_title:
        axs[-1].set_xlabel(chart.x_title)
    if any(t.show_legend and t.kind != "bar" for t in chart.traces):
        axs[0].legend(loc="upper left", fontsize=7, frameon=False)


def _mpl_heatmap(fig: Any, ax: Any, heat: Heat) -> None:
    from matplotlib.colors import LinearSegmentedColormap

    cmap = LinearSegmentedColormap.from_list("riskoff", ["#b2182b", "#f7f7f7", "#2166ac"])
    z = np.array([[np.nan if v is None else v for v in row] for row in heat.z], dtype=float)
    image = ax.imshow(
        np.clip(z, -heat.zmax, heat.zmax), cmap=cmap, vmin=-heat.zmax, vmax=heat.zmax, aspect="auto"
    )
    ax.set_xticks(range(len(heat.cols)), labels=list(heat.cols))
    ax.set_yticks(range(len(heat.rows)), labels=list(heat.rows))
    ax.xaxis.tick_top()
    ax.grid(False)
    for i, row in enumerate(heat.text):
        for j, text in enumerate(row):
            ax.text(j, i, text, ha="center", va="center", fontsize=7.5)
    fig.colorbar(image, ax=ax, label=heat.colorbar, fraction=0.03)
