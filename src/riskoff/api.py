"""The public functions of riskoff, re-exported by the package (``riskoff.diagnose`` ...).

Each is a thin wrapper over :mod:`riskoff.pipeline` (the I/O) and the pure stages below it;
dates are any calendar date (a weekend or holiday describes the trading day before it), and bad
input is refused with a one-line :class:`riskoff.errors.RiskoffError`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from riskoff.errors import DataError
from riskoff.inputs import check_k, check_window, parse_date

if TYPE_CHECKING:
    from pathlib import Path

    import pandas as pd

    from riskoff.claims import ClaimCheck, ClaimSet
    from riskoff.describe import SeriesSummary
    from riskoff.diagnosis.episodes import Episode
    from riskoff.diagnosis.result import Diagnosis
    from riskoff.diagnosis.validate import Scorecard
    from riskoff.pipeline import ResolvedDay
    from riskoff.report.render import Report

__all__ = [
    "analogs",
    "data_notices",
    "diagnose",
    "indicators",
    "latest_date",
    "latest_values",
    "load_episodes",
    "load_panel",
    "report",
    "resolve_day",
    "stress_decomposition",
    "timeline",
    "validate",
    "verify",
]


def load_panel(
    series: Sequence[str] | None = None, start: Any = None, as_of: Any = None
) -> pd.DataFrame:
    """Return the business-day panel of ``series`` as it was knowable at the end of ``as_of``.

    Parameters
    ----------
    series : sequence of str, optional
        Catalog or user series ids (default: every catalog series).
    start : date-like, optional
        First row (default: the first observation of any requested series).
    as_of : date-like or "latest", optional
        Knowledge date and last row (default: the latest close). A weekend ends the panel on
        the Friday before.

    Returns
    -------
    DataFrame
        Index ``date`` (business days), one float64 column per series in its catalog unit.
    """
    from riskoff.panel import load_panel as _load_panel

    if isinstance(series, str):
        series = [series]
    bounded = start is not None and as_of is not None and not _is_latest(as_of)
    if bounded and parse_date(start, "start") > parse_date(as_of, "as_of"):
        raise DataError(f"start: {start} is after as_of {as_of}")
    return _load_panel(series, start=start, as_of=as_of)


def latest_date() -> pd.Timestamp:
    """Return the newest trading day a diagnosis can describe: the store's last US equity close."""
    from riskoff.pipeline import latest_close

    return latest_close()


def latest_values(series: Sequence[str] | None = None, *, as_of: Any = None) -> list[SeriesSummary]:
    """Return the latest known value of each series, its date and recent changes.

    Parameters
    ----------
    series : sequence of str, optional
        Catalog or user series ids (default: the key series of ``riskoff latest``).
    as_of : date-like or "latest", optional
        Knowledge date (default: everything in the store).

    Returns
    -------
    list of SeriesSummary
    """
    from riskoff.describe import KEY_SERIES, summarize
    from riskoff.store import default_store

    store = default_store()
    ids = [series] if isinstance(series, str) else list(series or KEY_SERIES)
    return [summarize(s, as_of=as_of, store=store) for s in ids]


def resolve_day(date: Any = None) -> ResolvedDay:
    """Return the trading day that describes ``date`` and a note when it differs.

    See :func:`riskoff.pipeline.resolve_day`.
    """
    from riskoff.pipeline import resolve_day as _resolve_day

    return _resolve_day(date)


def data_notices(date: Any = None) -> list[str]:
    """Return what a reader of a description of ``date`` should know about the dates.

    Returns
    -------
    list of str
        The weekend/holiday note (``date`` is not a trading day) and the staleness notice (the
        latest close is more than five business days older than today), when they apply.
    """
    from riskoff.pipeline import resolve_day as _resolve_day
    from riskoff.pipeline import staleness_notice

    notes = [_resolve_day(date).note, staleness_notice()]
    return [n for n in notes if n]


def indicators(
    start: Any = None, end: Any = None, *, as_of: Any = None, window: int = 10
) -> pd.DataFrame:
    """Return the indicator table, one column per indicator, each row point-in-time.

    Parameters
    ----------
    start, end : date-like, optional
        Rows to return (default: every row up to the latest close).
    as_of : date-like or "latest", optional
        Knowledge date (default: ``end``).
    window : int
        Window for moves, breadth and safe-haven behaviour, in business days (2-250).

    Returns
    -------
    DataFrame
        Indexed by business day; columns such as ``sofr_iorb_bp``, ``net_liquidity_usd_bn``,
        ``stress_index``, ``absorption_ratio``, ``turbulence``, ``avg_corr_60d``,
        ``breadth``, ``safe_haven_failure``, ``funding_state``.
    """
    from riskoff.pipeline import indicator_set

    first = parse_date(start, "start") if start is not None else None
    if first is not None and end is not None and first > parse_date(end, "end"):
        raise DataError(f"start: {first} is after end {parse_date(end, 'end')}")
    table = indicator_set(end, as_of=as_of, window=window).table
    return table.loc[first:] if first is not None else table


def diagnose(date: Any = None, *, as_of: Any = None, window: int = 10) -> Diagnosis:
    """Diagnose the market on ``date`` using only data knowable on it.

    Parameters
    ----------
    date : date-like, optional
        Any calendar date (default: the latest close); a weekend or holiday is diagnosed as of
        the trading day before.
    as_of : date-like or "latest", optional
        Knowledge date (default: the day itself).
    window : int
        Business days over which moves are measured (2-250, default 10).

    Returns
    -------
    Diagnosis
        Crash type, epicenter, confidence, evidence, stress, funding, breadth, safe-haven
        behaviour, ranked triggers, moves by asset class and the closest past episodes.
    """
    from riskoff.diagnosis.diagnose import diagnose_from
    from riskoff.pipeline import indicator_set

    result = indicator_set(date, as_of=as_of, window=window)
    return diagnose_from(result, result.table.index[-1])


def report(
    date: Any = None,
    *,
    as_of: Any = None,
    window: int = 10,
    claims: Any = None,
    compare: Sequence[Any] = (),
) -> Report:
    """Build the plain-language brief for ``date``: one indicator set, one diagnosis.

    Parameters
    ----------
    date : date-like, optional
        Any calendar date (default: the latest close).
    as_of : date-like or "latest", optional
        Knowledge date (default: the day itself).
    window : int
        Window in business days for the moves (2-250).
    claims : path or ClaimSet, optional
        A commentary's claims (TOML, see ``riskoff verify``): adds the section "What the
        commentary says vs what the data say".
    compare : sequence of date-like
        Named past days to put side by side with ``date``, each as known on that day.

    Returns
    -------
    Report
        Render it with ``riskoff.report.render.write_report`` or its ``render_*`` functions.
    """
    from riskoff.claims import ClaimSet, load_claims
    from riskoff.diagnosis.diagnose import diagnose_from
    from riskoff.pipeline import indicator_set
    from riskoff.report.extras import comparison_from
    from riskoff.report.render import report_from

    result = indicator_set(date, as_of=as_of, window=window)
    day = result.table.index[-1]
    notices = data_notices(date)
    claim_set = claims if isinstance(claims, ClaimSet) or claims is None else load_claims(claims)
    comparisons = []
    for other in compare:
        then = indicator_set(other, window=window)
        comparisons.append(comparison_from(then, then.table.index[-1]))
    return report_from(
        result,
        diagnose_from(result, day),
        day,
        notices=notices,
        claims=claim_set,
        comparisons=comparisons,
    )


def analogs(
    date: Any = None, *, as_of: Any = None, k: int = 5, window: int = 10
) -> dict[str, list[dict[str, Any]]]:
    """Return the nearest labelled episodes and the most similar past windows for ``date``.

    Parameters
    ----------
    date : date-like, optional
        Any calendar date (default: the latest close); only data knowable on it are used.
    as_of : date-like or "latest", optional
        Knowledge date (default: the day itself).
    k : int
        How many of each (1-30).
    window : int
        Window in business days for the fingerprint's moves (2-250).

    Returns
    -------
    dict
        ``episodes``: ranked episodes with ``similarity``, ``similar_in`` and ``differs_in``;
        ``paths``: past windows with the closest trajectory, with their dates and distance.
    """
    from riskoff.diagnosis.analogs import episode_analogs, path_analogs
    from riskoff.pipeline import indicator_set

    k = check_k(k)
    result = indicator_set(date, as_of=as_of, window=window)
    day = result.table.index[-1]
    return {
        "episodes": episode_analogs(result, day, k),
        "paths": path_analogs(result, day, k),
    }


def stress_decomposition(date: Any = None, *, as_of: Any = None, window: int = 10) -> pd.Series:
    """Return the stress index on ``date`` and each sub-index's contribution to it.

    Returns
    -------
    Series
        ``stress_index`` followed by one contribution per sub-index (they sum to the index).
    """
    import pandas as pd

    from riskoff.pipeline import indicator_set

    result = indicator_set(date, as_of=as_of, window=window)
    row = result.contributions.loc[result.table.index[-1]]
    return pd.concat([pd.Series({"stress_index": float(row.sum())}), row])


def timeline(start: Any = None, end: Any = None, *, window: int = 10) -> pd.DataFrame:
    """Classify every business day from ``start`` to ``end``: crash type, severity, epicenters.

    One panel (everything in the store) serves all days: prices are point in time on every row;
    series published with a lag are read with the values dated up to each row.

    Parameters
    ----------
    start, end : date-like, optional
        First and last day (default: the whole history up to the latest close).
    window : int
        Window in business days (2-250).

    Returns
    -------
    DataFrame
        One row per business day; see :func:`riskoff.diagnosis.timeline.timeline`.
    """
    from riskoff.diagnosis.timeline import timeline as _timeline
    from riskoff.pipeline import indicator_set

    first = parse_date(start, "start") if start is not None else None
    result = indicator_set(end, as_of="latest", window=window)
    last = result.table.index[-1]
    if first is not None and first > last.date():
        raise DataError(f"start: {first} is after end {last.date()}")
    return _timeline(result, start=first, end=last)


def verify(
    claims: str | Path | ClaimSet | None = None,
    date: Any = None,
    *,
    as_of: Any = None,
    window: int = 10,
) -> list[ClaimCheck]:
    """Check a commentary's claims against the data of ``date``.

    Parameters
    ----------
    claims : path or ClaimSet, optional
        A claims TOML file, or claims already parsed (default: the built-in sell-off
        narratives).
    date : date-like, optional
        Any calendar date (default: the latest close).
    as_of : date-like or "latest", optional
        Knowledge date (default: the day itself).
    window : int
        Window in business days (2-250).

    Returns
    -------
    list of ClaimCheck
        One verdict per claim (supported, partly, contradicted or no data) with its numbers.
    """
    from pathlib import Path

    from riskoff.claims import ClaimSet, Readings, builtin_claims, check_claims, load_claims
    from riskoff.diagnosis.diagnose import diagnose_from
    from riskoff.pipeline import indicator_set

    if claims is None:
        claim_set = builtin_claims()
    elif isinstance(claims, ClaimSet):
        claim_set = claims
    else:
        claim_set = load_claims(Path(claims))
    result = indicator_set(date, as_of=as_of, window=window)
    day = result.table.index[-1]
    readings = Readings(result, diagnose_from(result, day, analogs_k=0), day)
    return check_claims(claim_set, readings)


def validate(window: int = 10, **kwargs: Any) -> Scorecard:
    """Score the classifier on every library episode and on calm dates.

    See :func:`riskoff.diagnosis.validate.validate` for the keyword arguments.
    """
    from riskoff.diagnosis.validate import validate as _validate

    return _validate(window=check_window(window), **kwargs)


def load_episodes() -> list[Episode]:
    """Return the labelled historical episodes of the bundled library."""
    from riskoff.diagnosis.episodes import load_episodes as _load_episodes

    return _load_episodes()


def _is_latest(value: Any) -> bool:
    return isinstance(value, str) and value.strip().lower() == "latest"
