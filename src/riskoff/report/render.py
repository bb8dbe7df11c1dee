"""Build a report once from one indicator set and one diagnosis, then render it.

Formats: one self-contained HTML file (plotly.js embedded once, no network), Markdown with PNG
charts in a ``<stem>_files/`` folder, plain text for the terminal, and JSON with the full
structured content. Every format renders the same sections in the same order, and the same
inputs give byte-identical output (fixed chart ids, no generation timestamps).
"""

from __future__ import annotations

import base64
import gzip
import json
import math
import os
import pkgutil
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from riskoff._version import __version__
from riskoff.diagnosis.result import Diagnosis
from riskoff.errors import RiskoffError
from riskoff.indicators import IndicatorSet
from riskoff.report.charts import Chart, build_charts, plotly_figure, save_png
from riskoff.report.facts import FactTable
from riskoff.report.narrative import (
    Block,
    FactBook,
    ReportInputs,
    Section,
    SeriesStatus,
    Table,
    build_sections,
    date_text,
)

if TYPE_CHECKING:
    from riskoff.claims import ClaimCheck, ClaimSet
    from riskoff.report.extras import Comparison

__all__ = [
    "FORMATS",
    "Report",
    "default_path",
    "render_html",
    "render_json",
    "render_markdown",
    "render_text",
    "report_from",
    "series_status",
    "write_report",
]

FORMATS = ("html", "md", "text", "json")
# Series that ended because a successor replaced them: not stale while the successor is fresh.
SUCCESSORS = {"IOER": "IORB", "SP500": "SPY"}
EXTENSIONS = {"html": "html", "md": "md", "text": "txt", "json": "json"}


@dataclass(frozen=True)
class Report:
    """A sell-off brief: the diagnosis, its sections (text and tables), charts and data status.

    Attributes
    ----------
    date : str
        ISO date of the diagnosed day.
    window : int
        Window in business days.
    diagnosis : Diagnosis
        The diagnosis the text was written from.
    sections : tuple of Section
        The eight sections in order (see ``narrative.SECTION_ORDER``).
    charts : dict of str to Chart
        The charts, keyed by the ids the sections refer to.
    series : tuple of SeriesStatus
        Every series read, with its source and last observation known on the day.
    notices : tuple of str
        What the reader must know about the dates (weekend or holiday, stale data).
    facts : FactTable
        The brief's fact table: one fact per quantity (value, unit, observation date,
        window, series, proxy), the only source of the numbers in every section and format.
    conflicts : tuple of str
        Quantities read twice with different values or dates (empty in a sound brief).
    """

    date: str
    window: int
    diagnosis: Diagnosis
    sections: tuple[Section, ...]
    charts: dict[str, Chart]
    series: tuple[SeriesStatus, ...]
    notices: tuple[str, ...] = ()
    facts: FactTable = field(default_factory=FactTable)
    conflicts: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        """The report's title."""
        return f"Sell-off brief: {date_text(self.date)}"

    def section(self, section_id: str) -> Section:
        """Return the section with this anchor id."""
        for s in self.sections:
            if s.id == section_id:
                return s
        raise KeyError(section_id)

    def to_dict(self) -> dict[str, Any]:
        """Return the full structured content (``--format json``)."""
        return {
            "title": self.title,
            "date": self.date,
            "window": self.window,
            "riskoff_version": __version__,
            "notices": list(self.notices),
            "headline": self.diagnosis.headline,
            "sections": [s.to_dict() for s in self.sections],
            "charts": {k: c.summary() for k, c in self.charts.items()},
            "series": [s.to_dict() for s in self.series],
            "facts": self.facts.to_list(),
            "diagnosis": self.diagnosis.to_dict(),
        }


# -- building -------------------------------------------------------------------------------------
def series_status(result: IndicatorSet, day: pd.Timestamp) -> tuple[SeriesStatus, ...]:
    """Provenance and last observation known on ``day`` of every series in the panel.

    The last observations are those the pipeline recorded in ``result.last_observed`` (dated on
    or before the day and known by the knowledge date), so the report never opens the store.
    """
    from riskoff.catalog import load_catalog
    from riskoff.datasets import load_manifest

    end = int(np.datetime64(day.date(), "D").astype(np.int64))
    last_by_id = {
        sid: int(np.datetime64(d, "D").astype(np.int64)) for sid, d in result.last_observed.items()
    }
    catalog = load_catalog()
    manifest = load_manifest()
    out = []
    for sid in sorted(result.panel.columns):
        spec = catalog.get(sid)
        if spec is None:
            continue
        row = manifest.loc[sid] if sid in manifest.index else None
        days = last_by_id.get(sid, -1)
        last_date = pd.Timestamp(np.datetime64(days, "D")).date().isoformat() if days >= 0 else None
        out.append(
            SeriesStatus(
                series_id=sid,
                name=spec.name,
                unit=spec.unit,
                frequency=spec.frequency,
                source=spec.source,
                origin=str(row["origin"]) if row is not None else spec.source,
                licence=str(row["licence"]) if row is not None else spec.licence,
                last_date=last_date,
                days_behind=(end - days) if days >= 0 else None,
                stale_after_days=spec.stale_after_days,
                native_id=spec.native_id,
            )
        )
    fresh = {s.series_id for s in out if not s.missing and not s.stale}
    return tuple(
        replace(s, replaced_by=SUCCESSORS[s.series_id])
        if s.stale and SUCCESSORS.get(s.series_id) in fresh
        else s
        for s in out
    )


def report_from(
    result: IndicatorSet,
    diagnosis: Diagnosis,
    day: pd.Timestamp,
    *,
    notices: Sequence[str] = (),
    claims: ClaimSet | None = None,
    comparisons: Sequence[Comparison] = (),
    charts: bool = True,
) -> Report:
    """Write the report for an already computed indicator set and diagnosis of ``day``.

    Pure: every value comes from the arguments. ``notices`` are what the reader must know
    about the dates (a weekend or holiday asked for, data older than a week); they open every
    format of the brief. ``claims`` (a commentary's claims) adds the section "What the
    commentary says vs what the data say"; ``comparisons`` (built by
    :func:`riskoff.report.extras.comparison_from` from each named day's own indicator set)
    adds the named days side by side. ``charts=False`` leaves the charts out (their text
    does not change; for checks of the fact table).
    """
    from riskoff.claims import Readings, check_claims
    from riskoff.diagnosis.episodes import load_episodes
    from riskoff.indicators.composite import compare_with_published

    series = series_status(result, day)
    published = compare_with_published(result.table["stress_index"].loc[:day], result.panel)
    checks: tuple[ClaimCheck, ...] = ()
    if claims is not None:
        checks = tuple(check_claims(claims, Readings(result, diagnosis, day)))
    inputs = ReportInputs(
        diagnosis=diagnosis,
        result=result,
        day=day,
        series=series,
        published=published,
        episodes=tuple(load_episodes()),
        diagnosis_dict=diagnosis.to_dict(),
        claims=checks,
        claims_title=claims.title if claims is not None else "",
        comparisons=tuple(comparisons),
    )
    built = build_charts(inputs) if charts else {}
    book = FactBook(inputs)
    sections = tuple(_drop_missing_charts(s, built) for s in build_sections(inputs, book))
    return Report(
        date=diagnosis.date,
        window=diagnosis.window,
        diagnosis=diagnosis,
        sections=sections,
        charts=built,
        series=series,
        notices=tuple(notices),
        facts=book.table,
        conflicts=tuple(book.conflicts),
    )


def _drop_missing_charts(section: Section, charts: dict[str, Chart]) -> Section:
    blocks = tuple(b for b in section.blocks if b.chart is None or b.chart in charts)
    return replace(section, blocks=blocks)


# -- rendering ------------------------------------------------------------------------------------
@cache
def _environment() -> Any:
    import jinja2

    from riskoff.config import riskoff_home

    # Compiled templates are kept in $RISKOFF_HOME/cache (compiling costs ~0.15 s a run);
    # an unwritable folder only costs that time.
    folder = riskoff_home() / "cache" / "templates"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        bytecode: jinja2.BytecodeCache | None = jinja2.FileSystemBytecodeCache(str(folder))
    except OSError:
        bytecode = None
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("riskoff.report", "templates"),
        bytecode_cache=bytecode,
        autoescape=jinja2.select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["md_cell"] = lambda text: str(text).replace("|", "\\|").replace("\n", " ")
    env.filters["date_text"] = date_text
    return env


@cache
def plotly_js() -> str:
    """Return plotly.js as shipped with the installed plotly package."""
    data = pkgutil.get_data("plotly", "package_data/plotly.min.js")
    if data is None:  # pragma: no cover - a broken plotly install
        raise RiskoffError("plotly.min.js not found in the plotly package")
    return data.decode("utf-8")


@cache
def plotly_js_gzip_base64() -> str:
    """Return plotly.js gzip-compressed (no timestamp) and base64-encoded, for embedding.

    Compressing 4.8 MB takes a few hundred milliseconds, so the result is kept in
    ``$RISKOFF_HOME/cache`` per plotly version (a cache miss or an unwritable folder only costs
    time).
    """
    from importlib.metadata import version

    from riskoff.config import riskoff_home

    path = riskoff_home() / "cache" / f"plotly-{version('plotly')}.min.js.gz.b64"
    try:
        return path.read_text(encoding="ascii")
    except OSError:
        pass
    raw = plotly_js().encode("utf-8")
    text = base64.b64encode(gzip.compress(raw, compresslevel=9, mtime=0)).decode("ascii")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(text, encoding="ascii")
        os.replace(tmp, path)
    except OSError:
        pass
    return text


def _script_json(value: Any) -> str:
    text = json.dumps(value, separators=(",", ":"), allow_nan=False, ensure_ascii=False)
    return text.replace("</", "<\\/")


def _context(report: Report) -> dict[str, Any]:
    d = report.diagnosis
    return {
        "report": report,
        "d": d,
        "sections": report.sections,
        "charts": report.charts,
        "version": __version__,
        "date_text": date_text(report.date),
        "numbers": {s.id: i + 1 for i, s in enumerate(report.sections)},
    }


def render_html(report: Report, compress_js: bool = True) -> str:
    """Render one self-contained HTML page.

    Parameters
    ----------
    report : Report
    compress_js : bool
        Embed plotly.js gzip-compressed (about 2 MB instead of 4.8 MB; decompressed in the
        browser with ``DecompressionStream``) or as plain text.

    Returns
    -------
    str
    """
    figures = {cid: plotly_figure(chart) for cid, chart in report.charts.items()}
    env = _environment()
    return str(
        env.get_template("report.html.j2").render(
            **_context(report),
            figures_json=_script_json(figures),
            plotly_gz=plotly_js_gzip_base64() if compress_js else "",
            plotly_plain=plotly_js().replace("</script", "<\\/script") if not compress_js else "",
        )
    )


def assets_dir(path: Path) -> Path:
    """Return the folder of a Markdown report's PNG charts: ``<stem>_files`` next to it."""
    return path.with_name(f"{path.stem}_files")


def render_markdown(report: Report, path: Path, dpi: int = 100) -> Path:
    """Write the Markdown report to ``path`` and its PNG charts to ``<stem>_files/``.

    Returns
    -------
    Path
        The Markdown file.
    """
    folder = assets_dir(path)
    folder.mkdir(parents=True, exist_ok=True)
    images = {}
    for cid, chart in report.charts.items():
        save_png(chart, folder / f"{cid}.png", dpi=dpi)
        images[cid] = f"{folder.name}/{cid}.png"
    for old in folder.glob("*.png"):
        if old.stem not in report.charts:
            old.unlink()
    text = _environment().get_template("report.md.j2").render(**_context(report), images=images)
    path.write_text(text, encoding="utf-8")
    return path


def _table_text(table: Table, width: int) -> list[str]:
    rows = [list(table.columns), *table.text_rows()]
    cols = len(table.columns)
    widths = [max(len(r[i]) for r in rows) for i in range(cols)]
    # Long text columns are cut so the table fits; numbers are never cut.
    budget = width - 2 * (cols - 1)
    while sum(widths) > budget and max(widths) > 12:
        i = int(np.argmax(widths))
        widths[i] -= 1
    numeric = table.numeric or tuple(False for _ in range(cols))
    lines = []
    for n, r in enumerate(rows):
        cells = []
        for i, cell in enumerate(r):
            text = cell if len(cell) <= widths[i] else cell[: widths[i] - 1] + "…"
            cells.append(text.rjust(widths[i]) if numeric[i] and n else text.ljust(widths[i]))
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return lines


def _block_text(block: Block, report: Report, width: int) -> list[str]:
    wrap = textwrap.TextWrapper(width=width, break_on_hyphens=False)
    if block.kind in ("lead", "paragraph"):
        return [*wrap.wrap(block.text), ""]
    if block.kind == "warning":
        return [*wrap.wrap("! " + block.text), ""]
    if block.kind == "list":
        lines = []
        for s in block.sentences:
            lines.extend(
                textwrap.wrap(s.text, width, initial_indent="  - ", subsequent_indent="    ")
            )
        return [*lines, ""]
    if block.kind == "keys":
        lines = [
            f"  {k.label}: {k.value.text} ({k.detail.text}"
            + (f"; {k.value.note})" if k.value.note else ")")
            for k in block.keys
        ]
        return [*lines, ""]
    if block.kind == "table" and block.table is not None:
        return [block.table.caption + ":", *_table_text(block.table, width), ""]
    if block.kind == "chart" and block.chart in report.charts:
        chart = report.charts[block.chart]
        return [f"[chart: {chart.title}; in the HTML and Markdown reports]", ""]
    return []


def render_text(report: Report, width: int = 100) -> str:
    """Render plain text for the terminal (charts are named, not drawn)."""
    d = report.diagnosis
    head = f"{report.title} (riskoff {__version__}, window {d.window} business days)"
    lines = [head, "=" * len(head), ""]
    for note in report.notices:
        lines += [*textwrap.wrap(f"Note: {note}", width), ""]
    for n, section in enumerate(report.sections, start=1):
        title = f"{n}. {section.title}"
        lines += [title, "-" * len(title), ""]
        for block in section.blocks:
            lines += _block_text(block, report, width)
    return "\n".join(lines).rstrip() + "\n"


def render_json(report: Report) -> str:
    """Render the full structured content as JSON."""
    return json.dumps(_finite(report.to_dict()), indent=1, ensure_ascii=False) + "\n"


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def default_path(report: Report, fmt: str, directory: Path | None = None) -> Path:
    """``riskoff-report-<date>.<ext>`` in ``directory`` (default: the current directory)."""
    return (directory or Path.cwd()) / f"riskoff-report-{report.date}.{EXTENSIONS[fmt]}"


def write_report(report: Report, fmt: str = "html", output: Path | None = None) -> Path:
    """Write the report in ``fmt`` to ``output`` (default: :func:`default_path`).

    Returns
    -------
    Path
        The file written.
    """
    if fmt not in FORMATS:
        raise RiskoffError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    path = Path(output) if output is not None else default_path(report, fmt)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "md":
        return render_markdown(report, path)
    text = {"html": render_html, "text": render_text, "json": render_json}[fmt](report)
    path.write_text(text, encoding="utf-8")
    return path
