"""FRED (Federal Reserve Bank of St. Louis): keyless CSV by default, the JSON API with a key.

Without ``FRED_API_KEY`` riskoff reads ``fredgraph.csv?id=...``, the file behind FRED's graphs.
Its header has changed over time (``DATE,SOFR`` then ``observation_date,SOFR``) so the file is
read by column position; a missing observation is ``.`` in older files and an empty cell in
current ones.

With ``FRED_API_KEY`` riskoff asks the ``series/observations`` endpoint for the ALFRED real-time
period starting at the first requested date, so every vintage comes back with its
``realtime_start``: a revision is then stored as first seen when FRED published it, not when
riskoff happened to fetch it. Series that ALFRED does not keep fall back to the latest values.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from typing import Any

import pandas as pd

from riskoff import config
from riskoff.catalog import SeriesSpec
from riskoff.errors import SourceError
from riskoff.sources.base import (
    HostPolicy,
    HttpSource,
    base_url,
    parse_json,
    reject_html,
    tidy,
)

CSV_URL = "https://fred.stlouisfed.org"
API_URL = "https://api.stlouisfed.org/fred"
# FRED's API allows 120 requests a minute per key; the graph CSV is throttled harder when hit in
# bursts, so keep two in flight and half a second between starts.
POLICY = HostPolicy(max_concurrent=2, min_interval=0.5)
_PAGE = 100_000  # the API's largest page
_ISO_DAY = re.compile(r"^\s*\d{4}-\d{2}-\d{2}")


def parse_fredgraph_csv(
    text: str, series: str, scale: float = 1.0, native_id: str | None = None
) -> pd.DataFrame:
    """Parse a ``fredgraph.csv`` body by column position.

    Parameters
    ----------
    text : str
        The body: a header line (``observation_date,ID`` or ``DATE,ID``) then ``date,value``.
    series : str
        Series id, for messages.
    scale : float
        Native unit to catalog unit.
    native_id : str, optional
        FRED's id of the series asked for: a header naming another series is refused, so that
        an answer about another series is never stored under this one.

    Returns
    -------
    DataFrame
        ``date``, ``value``; missing observations dropped.

    Raises
    ------
    SourceError
        On an empty body, a JSON document, a header naming another series or a line that does
        not have two columns (a truncated file).
    DataError
        On a bad date or a non-numeric value.
    """
    if text.lstrip("\ufeff \t\r\n").startswith(("{", "[")):
        raise SourceError(
            "fred", series, f"expected CSV, got a JSON document: {' '.join(text.split())[:120]!r}"
        )
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    numbered = [(i + 1, row) for i, row in enumerate(lines) if row and any(c.strip() for c in row)]
    if not numbered:
        raise SourceError("fred", series, "empty response (no header, no observations)")
    first_line, first = numbered[0]
    if len(first) != 2:
        raise SourceError(
            "fred",
            series,
            f"line {first_line}: expected 2 columns (date, value), found "
            f"{len(first)}: {','.join(first)[:120]!r}",
        )
    # The header's wording is not relied upon (it changed from DATE to observation_date); a
    # first line that already holds a date means the provider sent no header at all.
    has_header = not _ISO_DAY.match(first[0])
    if has_header and native_id is not None and first[1].strip().upper() != native_id.upper():
        raise SourceError(
            "fred",
            series,
            f"the answer's header names series {first[1].strip()[:60]!r}, not {native_id!r}: "
            "refused (nothing stored)",
        )
    body = numbered[1:] if has_header else numbered
    rows: list[tuple[int, object, object]] = []
    for line, row in body:
        if len(row) != 2:
            raise SourceError(
                "fred",
                series,
                f"line {line}: expected 2 columns (date, value), found "
                f"{len(row)}: {','.join(row)[:120]!r} (truncated file?)",
            )
        rows.append((line, row[0], row[1]))
    return tidy(rows, "fred", series, scale=scale)


def parse_observations(
    payload: Any, series: str, scale: float = 1.0, vintages: bool = False
) -> pd.DataFrame:
    """Parse a ``series/observations`` JSON document.

    Parameters
    ----------
    payload : object
        The decoded JSON.
    series : str
        Series id, for messages.
    scale : float
        Native unit to catalog unit.
    vintages : bool
        Add a ``vintage`` column from each observation's ``realtime_start``.

    Returns
    -------
    DataFrame
        ``date``, ``value`` and, with ``vintages``, ``vintage``.

    Raises
    ------
    SourceError
        On an error document or a document without observations.
    """
    if not isinstance(payload, dict):
        raise SourceError("fred", series, f"expected a JSON object, got {type(payload).__name__}")
    if "error_code" in payload or "error_message" in payload:
        raise SourceError(
            "fred",
            series,
            f"API error {payload.get('error_code', '?')}: "
            f"{payload.get('error_message', 'no message')}",
        )
    observations = payload.get("observations")
    if not isinstance(observations, list):
        raise SourceError("fred", series, "the answer has no 'observations' list")
    rows: list[tuple[int, object, object]] = []
    stamps: list[object] = []
    for i, obs in enumerate(observations, start=1):
        if not isinstance(obs, dict) or "date" not in obs or "value" not in obs:
            raise SourceError(
                "fred", series, f"observation {i}: not an object with a date and a value"
            )
        rows.append((i, obs["date"], obs.get("value")))
        stamps.append(obs.get("realtime_start"))
    return tidy(
        rows,
        "fred",
        series,
        scale=scale,
        vintages=stamps if vintages else None,
        label="observation",
    )


class FredSource(HttpSource):
    """FRED observations for catalog entries with ``source = "fred"``.

    Parameters
    ----------
    client : HttpClient, optional
        Default: the shared client.
    """

    name = "fred"

    def fetch(self, spec: SeriesSpec, start: date, end: date) -> pd.DataFrame:
        """Return ``spec``'s observations in ``[start, end]``, in the catalog unit.

        With ``FRED_API_KEY`` set the frame carries a ``vintage`` column (ALFRED).
        """
        key = config.fred_api_key()
        if key:
            return self._fetch_api(spec, start, end, key)
        return self._fetch_csv(spec, start, end)

    def _fetch_csv(self, spec: SeriesSpec, start: date, end: date) -> pd.DataFrame:
        url = base_url("fred", CSV_URL) + "/graph/fredgraph.csv"
        params = {"id": spec.native_id, "cosd": start.isoformat(), "coed": end.isoformat()}
        response = self.client.get(
            url, source=self.name, series=spec.id, params=params, policy=POLICY
        )
        reject_html(response, self.name, spec.id, "CSV")
        if "json" in response.headers.get("Content-Type", "").lower():
            raise SourceError(self.name, spec.id, "expected CSV, got a JSON document")
        return parse_fredgraph_csv(response.text, spec.id, spec.scale, native_id=spec.native_id)

    def _fetch_api(self, spec: SeriesSpec, start: date, end: date, key: str) -> pd.DataFrame:
        params = {
            "series_id": spec.native_id,
            "api_key": key,
            "file_type": "json",
            "observation_start": start.isoformat(),
            "observation_end": end.isoformat(),
            # The whole real-time period from the first requested date: every vintage since.
            "realtime_start": start.isoformat(),
            "realtime_end": "9999-12-31",
        }
        try:
            return self._pages(spec, params, vintages=True)
        except SourceError as exc:
            # Series that ALFRED does not track answer 400; their latest values still count.
            if "HTTP 400" not in exc.reason and "API error 400" not in exc.reason:
                raise
        for name in ("realtime_start", "realtime_end"):
            params.pop(name)
        return self._pages(spec, params, vintages=False)

    def _pages(self, spec: SeriesSpec, params: dict[str, str], vintages: bool) -> pd.DataFrame:
        url = base_url("fred_api", API_URL) + "/series/observations"
        frames = []
        offset = 0
        while True:
            query = {**params, "limit": str(_PAGE), "offset": str(offset)}
            response = self.client.get(
                url,
                source=self.name,
                series=spec.id,
                params=query,
                policy=POLICY,
                ok_statuses=(400,),
            )
            payload = parse_json(response, self.name, spec.id)
            if response.status_code == 400 and isinstance(payload, dict):
                payload.setdefault("error_code", 400)
            frames.append(parse_observations(payload, spec.id, spec.scale, vintages=vintages))
            count = int(payload.get("count", 0)) if isinstance(payload, dict) else 0
            offset += _PAGE
            if offset >= count:
                break
        return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
