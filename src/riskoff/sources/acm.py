"""The Adrian-Crump-Moench Treasury term premium, from the New York Fed's published file.

The NY Fed publishes the ACM model's daily estimates as an Excel workbook,
``ACMTermPremium.xls`` (sheet ``ACM Daily``: a ``DATE`` column, then ``ACMY01`` ...,
``ACMTP01`` ... ``ACMTP10``, ``ACMRNY01`` ...), replaced whole on each update (the model is
re-estimated over the full history, so past values change: there are no vintages).

``RISKOFF_ACM_URL`` points at the file, default the NY Fed's address. Two formats are read:

- a CSV export of the ``ACM Daily`` sheet (header row with ``DATE`` and the catalog's
  ``native_id`` column, e.g. ``ACMTP10``), always;
- the ``.xls`` workbook itself, when the optional package ``xlrd`` is installed
  (``pip install xlrd``); without it a workbook answer is refused with a message saying so.

Dates are read as ISO (``2024-06-03``) or as the workbook's ``03-Jun-2024``.
"""

from __future__ import annotations

import csv
import io
from datetime import date

import pandas as pd

from riskoff.catalog import SeriesSpec
from riskoff.errors import SourceError
from riskoff.sources.base import HostPolicy, HttpSource, base_url, reject_html, tidy

ACM_URL = (
    "https://www.newyorkfed.org/medialibrary/media/research/data_indicators/ACMTermPremium.xls"
)
POLICY = HostPolicy(max_concurrent=1, min_interval=1.0)
_OLE2 = b"\xd0\xcf\x11\xe0"  # the signature of a legacy .xls (OLE2 compound) file
_SHEET = "ACM Daily"


def _pick(header: list[str], name: str, series: str) -> tuple[int, int]:
    upper = [h.strip().upper() for h in header]
    if "DATE" not in upper:
        raise SourceError("acm", series, f"no DATE column in the header {header[:6]!r}")
    if name.upper() not in upper:
        raise SourceError("acm", series, f"no {name} column in the answer's header")
    return upper.index("DATE"), upper.index(name.upper())


def _rows(dates: list[object], values: list[object]) -> list[tuple[int, object, object]]:
    out = []
    for i, (day, value) in enumerate(zip(dates, values, strict=True), start=2):
        text = str(day).strip()
        if text:
            out.append((i, pd.Timestamp(text).date().isoformat(), value))
    return out


def parse_acm_csv(text: str, series: str, native_id: str, scale: float = 1.0) -> pd.DataFrame:
    """Parse a CSV export of the ``ACM Daily`` sheet.

    Parameters
    ----------
    text : str
        The body: a header row naming ``DATE`` and ``native_id``, then one row per day.
    series, native_id : str
        riskoff's id (for messages) and the column to read (``ACMTP10``).
    scale : float
        Native unit to catalog unit.

    Returns
    -------
    DataFrame
        ``date``, ``value``.

    Raises
    ------
    SourceError
        On an empty answer or a header without ``DATE`` or the wanted column.
    DataError
        On a value that is not a number.
    """
    lines = [row for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) if any(row)]
    if not lines:
        raise SourceError("acm", series, "empty response (no header, no observations)")
    at_date, at_value = _pick(lines[0], native_id, series)
    body = [row for row in lines[1:] if len(row) > max(at_date, at_value)]
    try:
        rows = _rows([r[at_date] for r in body], [r[at_value] for r in body])
    except ValueError as exc:
        raise SourceError("acm", series, f"a date does not parse: {exc}") from None
    return tidy(rows, "acm", series, scale=scale)


def parse_acm_workbook(
    content: bytes, series: str, native_id: str, scale: float = 1.0
) -> pd.DataFrame:
    """Parse the NY Fed's ``.xls`` workbook (needs ``xlrd``), sheet ``ACM Daily``.

    Raises
    ------
    SourceError
        When ``xlrd`` is not installed or the sheet lacks the columns.
    """
    try:
        import xlrd  # noqa: F401  (pandas' engine for legacy .xls)
    except ImportError:
        raise SourceError(
            "acm",
            series,
            "the answer is an Excel .xls workbook and the package xlrd is not installed: "
            "`pip install xlrd`, or set RISKOFF_ACM_URL to a CSV export of the ACM Daily sheet",
        ) from None
    sheet = pd.read_excel(io.BytesIO(content), sheet_name=_SHEET, engine="xlrd", dtype=object)
    at_date, at_value = _pick([str(c) for c in sheet.columns], native_id, series)
    return tidy(
        _rows(list(sheet.iloc[:, at_date]), list(sheet.iloc[:, at_value])),
        "acm",
        series,
        scale=scale,
    )


class AcmSource(HttpSource):
    """ACM term premia for catalog entries with ``source = "acm"``."""

    name = "acm"

    def fetch(self, spec: SeriesSpec, start: date, end: date) -> pd.DataFrame:
        """Return ``spec``'s daily values in ``[start, end]`` (the whole file is downloaded)."""
        url = base_url("acm", ACM_URL)
        response = self.client.get(url, source=self.name, series=spec.id, policy=POLICY)
        content = response.content
        if content.startswith(_OLE2):
            frame = parse_acm_workbook(content, spec.id, spec.native_id, spec.scale)
        else:
            reject_html(response, self.name, spec.id, "CSV or .xls")
            frame = parse_acm_csv(response.text, spec.id, spec.native_id, spec.scale)
        days = frame["date"].dt.date
        return frame[(days >= start) & (days <= end)].reset_index(drop=True)
