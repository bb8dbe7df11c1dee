"""The sell-off brief: a plain-language report with charts, written from numbers only.

``report_from(result, diagnosis, day)`` turns an indicator set and its diagnosis into a
:class:`Report` (``riskoff.report(date)`` computes both and calls it);
``write_report(report, fmt, path)`` renders it as self-contained HTML, Markdown with PNG charts,
plain text or JSON. Plotly and matplotlib load only when a chart is drawn, and
this package loads its renderers only when one of these names is used, so the command line
starts fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from riskoff.report.render import (
        FORMATS,
        Report,
        default_path,
        render_html,
        render_json,
        render_markdown,
        render_text,
        report_from,
        write_report,
    )

__all__ = [
    "FORMATS",
    "Report",
    "default_path",
    "render_html",
    "render_json",
    "render_markdown",
    "render_text",
    "report_from",
    "write_report",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(importlib.import_module("riskoff.report.render"), name)
    raise AttributeError(f"module 'riskoff.report' has no attribute {name!r}")
