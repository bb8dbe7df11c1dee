"""New York Fed Markets Data API (no key): reference rates and repo / reverse-repo operations.

A catalog ``native_id`` names a rate and, after a colon, one field of it:

============================  ========================================================
``sofr`` (``sofr:rate``)      SOFR, percent (``percentRate``)
``sofr:p1`` ... ``sofr:p99``  SOFR 1st / 25th / 75th / 99th percentile, percent
``sofr:volume``               SOFR underlying volume, USD bn (``volumeInBillions``)
``effr``, ``obfr``            unsecured rates (``/rates/unsecured/...``), same fields
``tgcr``, ``bgcr``            secured rates (``/rates/secured/...``), same fields
``rrp:accepted``              ON RRP: total accepted per operation date, USD
``repo:accepted``             repo operations (standing repo facility): accepted, USD
``rrp:counterparties``        ON RRP: participating counterparties
============================  ========================================================

Reference rates come from ``/rates/{secured|unsecured}/{rate}/search.json?startDate&endDate``
(``{"refRates": [{"effectiveDate", "type", "percentRate", "percentPercentile1", ...,
"volumeInBillions"}]}``), operations from ``/rp/results/search.json?startDate&endDate``
(``{"repo": {"operations": [{"operationDate", "operationType", "totalAmtAccepted", ...}]}}``),
amounts in dollars.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from functools import partial
from typing import Any

import pandas as pd

from riskoff.catalog import SeriesSpec
from riskoff.errors import DataError, SourceError
from riskoff.sources.base import (
    HostPolicy,
    HttpSource,
    base_url,
    parse_json,
    tidy,
)

API_URL = "https://markets.newyorkfed.org/api"
POLICY = HostPolicy(max_concurrent=2, min_interval=0.2)

SECURED = frozenset({"sofr", "tgcr", "bgcr"})
UNSECURED = frozenset({"effr", "obfr"})
RATE_FIELDS = {
    "rate": "percentRate",
    "p1": "percentPercentile1",
    "p25": "percentPercentile25",
    "p75": "percentPercentile75",
    "p99": "percentPercentile99",
    "volume": "volumeInBillions",
    "target_from": "targetRateFrom",
    "target_to": "targetRateTo",
}
OPERATION_TYPES = {"rrp": "reverse repo", "repo": "repo"}
# First publication of each rate: asking earlier only returns empty years.
FIRST_DATES = {
    "effr": date(2000, 7, 3),
    "obfr": date(2016, 3, 1),
    "sofr": date(2018, 4, 2),
    "tgcr": date(2018, 4, 2),
    "bgcr": date(2018, 4, 2),
    "rrp": date(2013, 9, 23),  # the ON RRP exercise began on 23 Sep 2013
}
# Percentiles, volumes and target ranges are published from this day on (EFFR since the 2016
# methodology change; SOFR, TGCR, BGCR from their start): older rows rightly lack them.
_DETAIL_SINCE = "2016-03-01"
OPERATION_FIELDS = {
    "accepted": "totalAmtAccepted",
    "submitted": "totalAmtSubmitted",
    "counterparties": "participatingCpty",
}


def split_native_id(native_id: str) -> tuple[str, str]:
    """Split ``sofr:p99`` into ``("sofr", "p99")``; a bare rate means its ``rate`` field."""
    rate, _, field = native_id.strip().lower().partition(":")
    if rate in OPERATION_TYPES:
        return rate, field or "accepted"
    return rate, field or "rate"


def parse_reference_rates(
    payload: Any, series: str, rate: str, field: str, scale: float = 1.0
) -> pd.DataFrame:
    """Parse a ``refRates`` document into ``date``, ``value`` for one field.

    Rows of another rate type are ignored; a row without the field (old dates have no
    percentiles) is missing, not zero.

    Raises
    ------
    SourceError
        When the document has no ``refRates`` list or a row has no ``effectiveDate``.
    DataError
        When the field holds something that is not a number.
    """
    key = RATE_FIELDS[field]
    if not isinstance(payload, dict) or not isinstance(payload.get("refRates"), list):
        raise SourceError("nyfed", series, "the answer has no 'refRates' list")
    rows: list[tuple[int, object, object]] = []
    expected = 0  # rows dated when the field is published: at least one of them must carry it
    for i, row in enumerate(payload["refRates"], start=1):
        if not isinstance(row, dict) or not row.get("effectiveDate"):
            raise SourceError("nyfed", series, f"refRates row {i}: no effectiveDate")
        kind = str(row.get("type", rate)).lower()
        if kind != rate:
            continue
        rows.append((i, row["effectiveDate"], row.get(key)))
        if field == "rate" or str(row["effectiveDate"]) >= _DETAIL_SINCE:
            expected += 1
    if payload["refRates"] and not rows:
        raise SourceError(
            "nyfed",
            series,
            f"{len(payload['refRates'])} refRates rows but none of type {rate.upper()!r}",
        )
    if expected and not any(key in row for row in payload["refRates"] if isinstance(row, dict)):
        raise SourceError(
            "nyfed",
            series,
            f"none of the {len(rows)} refRates rows has the field {key!r} "
            "(the provider's format changed?)",
        )
    return tidy(rows, "nyfed", series, scale=scale, label="refRates row")


def parse_operations(
    payload: Any, series: str, kind: str, field: str, scale: float = 1.0
) -> pd.DataFrame:
    """Parse a repo / reverse-repo results document into one value per operation date.

    Amounts of several operations on one day (morning and afternoon repo) are added up;
    counterparties take the day's largest count.
    """
    key = OPERATION_FIELDS.get(field)
    if key is None:
        raise SourceError("nyfed", series, f"unknown operation field {field!r}")
    repo = payload.get("repo") if isinstance(payload, dict) else None
    operations = repo.get("operations") if isinstance(repo, dict) else None
    if not isinstance(operations, list):
        raise SourceError("nyfed", series, "the answer has no 'repo.operations' list")
    wanted = OPERATION_TYPES[kind]
    per_day: dict[str, list[float]] = defaultdict(list)
    results = 0
    for i, op in enumerate(operations, start=1):
        if not isinstance(op, dict) or not op.get("operationDate"):
            raise SourceError("nyfed", series, f"operation {i}: no operationDate")
        if str(op.get("operationType", "")).strip().lower() != wanted:
            continue
        if str(op.get("auctionStatus", "Results")).lower() != "results":
            continue  # announcements carry no amounts yet
        results += 1
        raw = op.get(key)
        if raw is None:
            continue
        try:
            per_day[str(op["operationDate"])].append(float(raw))
        except (TypeError, ValueError):
            raise DataError(
                f"nyfed: series {series}: operation {i}: {key} {raw!r} is not a number"
            ) from None
    if results and not per_day:
        raise SourceError(
            "nyfed",
            series,
            f"none of the {results} {wanted} results has the field {key!r} "
            "(the provider's format changed?)",
        )
    combine = max if field == "counterparties" else sum
    rows: list[tuple[int, object, object]] = [
        (i, day, combine(values)) for i, (day, values) in enumerate(sorted(per_day.items()), 1)
    ]
    return tidy(rows, "nyfed", series, scale=scale, label="operation day")


class NyFedSource(HttpSource):
    """New York Fed Markets Data API for catalog entries with ``source = "nyfed"``.

    Parameters
    ----------
    client : HttpClient, optional
        Default: the shared client.
    """

    name = "nyfed"

    def fetch(self, spec: SeriesSpec, start: date, end: date) -> pd.DataFrame:
        """Return ``spec``'s observations in ``[start, end]``, in the catalog unit.

        The window is clamped to the first date the rate exists and asked for a year at a
        time, so a first fetch of a long history stays a series of small answers.
        """
        rate, field = split_native_id(spec.native_id)
        root = base_url("nyfed", API_URL)
        if rate in OPERATION_TYPES:
            path = "/rp/results/search.json"
            parse = partial(parse_operations, kind=rate)
        elif field not in RATE_FIELDS:
            raise SourceError(self.name, spec.id, f"unknown field {field!r} in {spec.native_id!r}")
        elif rate in SECURED or rate in UNSECURED:
            kind = "secured" if rate in SECURED else "unsecured"
            path = f"/rates/{kind}/{rate}/search.json"
            parse = partial(parse_reference_rates, rate=rate)
        else:
            raise SourceError(self.name, spec.id, f"unknown rate {rate!r} in {spec.native_id!r}")
        frames = []
        for lo, hi in _yearly(max(start, FIRST_DATES.get(rate, start)), end):
            params = {"startDate": lo.isoformat(), "endDate": hi.isoformat()}
            response = self.client.get(
                root + path, source=self.name, series=spec.id, params=params, policy=POLICY
            )
            payload = parse_json(response, self.name, spec.id)
            frames.append(parse(payload, spec.id, field=field, scale=spec.scale))
        if not frames:
            return tidy([], self.name, spec.id)
        return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def _yearly(start: date, end: date) -> list[tuple[date, date]]:
    """Split ``[start, end]`` into windows of at most a year."""
    windows = []
    lo = start
    while lo <= end:
        hi = min(end, lo + timedelta(days=365))
        windows.append((lo, hi))
        lo = hi + timedelta(days=1)
    return windows
