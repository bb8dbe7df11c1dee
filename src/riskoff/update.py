"""Incremental, concurrent, all-or-nothing-per-series update of the store from the providers.

For each selected series riskoff asks its source only for what is new since the last stored
date, minus a small overlap that catches revisions; validates the answer at the store boundary
(:func:`riskoff.checks.clean_observations`, including the unit check against stored
values); and writes it in one transaction (:meth:`riskoff.store.Store.write`). A series that
fails leaves the store as it was and never stops the others.

With ``FRED_API_KEY`` a FRED answer carries ALFRED vintages; they are written oldest first,
each with its publication time as ``first_seen``, all in the series' one transaction
(:meth:`riskoff.store.Store.write_vintages`).

Fetches run in a thread pool; the HTTP client bounds requests per host. Store access is
serialised within the process (DuckDB refuses a read-only and a read-write connection to the
same file from one process at once) and across processes by the store's file lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta

import pandas as pd

from riskoff import config
from riskoff.catalog import SeriesSpec, load_catalog
from riskoff.checks import clean_observations
from riskoff.errors import (
    CatalogError,
    DataError,
    HostUnreachableError,
    MissingExtraError,
    RiskoffError,
)
from riskoff.sources import Source, get_source, known_sources, missing_extra
from riskoff.sources.base import forget_unreachable, redact
from riskoff.store import Store

DEFAULT_OVERLAP_DAYS = 10
# Weekly and monthly series are revised further back than daily ones (H.4.1 revisions, IMF
# prices), so their overlap spans a few periods whatever the default.
MIN_OVERLAP_DAYS = {"daily": 0, "weekly": 35, "monthly": 120}
# Where a series the store has never held starts, unless its source says otherwise with an
# ``earliest`` attribute (the bundled snapshot goes back to 1962).
DEFAULT_HISTORY_START = date(1990, 1, 1)
DEFAULT_WORKERS = 6
_TOLERANCE = 1e-9  # the store's own test for "changed value"


@dataclass(frozen=True)
class SeriesOutcome:
    """What the update did to one series.

    Attributes
    ----------
    series_id, source : str
        The series and the source asked.
    status : str
        ``ok``, ``failed`` or ``skipped``.
    added, revised : int
        Rows for new dates, and changed values of known dates (in a dry run: would be).
    last_date : date or None
        The series' last date after the update (or the stored one when nothing came).
    message : str
        Why it failed or was skipped; for ``ok``, a note such as "no new observations".
    unreachable : str
        For a failure because the provider's host could not be reached at all: the host.
    """

    series_id: str
    source: str
    status: str
    added: int = 0
    revised: int = 0
    last_date: date | None = None
    message: str = ""
    unreachable: str = ""

    def to_dict(self) -> dict[str, object]:
        """Return a JSON-ready dict."""
        out = asdict(self)
        out["last_date"] = self.last_date.isoformat() if self.last_date else None
        return out


@dataclass(frozen=True)
class UpdateReport:
    """Outcomes of one ``riskoff update`` run, in selection order."""

    outcomes: tuple[SeriesOutcome, ...]
    dry_run: bool = False
    skipped_note: str = ""

    @property
    def failed(self) -> list[SeriesOutcome]:
        """The series that failed."""
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def exit_code(self) -> int:
        """1 when any series failed, else 0 (for cron and CI)."""
        return 1 if self.failed else 0

    @property
    def unreachable(self) -> list[SeriesOutcome]:
        """The series that failed because their provider's host could not be reached."""
        return [o for o in self.outcomes if o.status == "failed" and o.unreachable]

    @property
    def network_note(self) -> str:
        """One line when hosts could not be reached, else empty.

        ``network unreachable: N series not updated (...)`` when no fetch reached its host,
        else one ``HOST unreachable`` part per dead host.
        """
        dead = self.unreachable
        if not dead:
            return ""
        hosts = sorted({o.unreachable for o in dead})
        reached = [o for o in self.outcomes if o.status == "ok"] + [
            o for o in self.failed if not o.unreachable
        ]
        if not reached:
            return (
                f"network unreachable: {len(dead)} series not updated "
                f"(could not reach {', '.join(hosts)})"
            )
        parts = []
        for host in hosts:
            count = sum(o.unreachable == host for o in dead)
            parts.append(f"{host} unreachable: {count} series not updated")
        return "; ".join(parts)

    def to_frame(self) -> pd.DataFrame:
        """Return one row per series: added, revised, last date, status, message."""
        return pd.DataFrame([o.to_dict() for o in self.outcomes]).set_index("series_id")


@dataclass(frozen=True)
class Job:
    """One series to update and the source to ask."""

    spec: SeriesSpec
    source_name: str
    start: date | None = None
    stored_last: date | None = field(default=None, compare=False)


def overlap_for(spec: SeriesSpec, overlap_days: int) -> timedelta:
    """Return how far before the last stored date to ask again, by the series' frequency."""
    return timedelta(days=max(overlap_days, MIN_OVERLAP_DAYS.get(spec.frequency, 0)))


def select_jobs(
    catalog: Mapping[str, SeriesSpec],
    series: Sequence[str] | None = None,
    sources: Sequence[str] | None = None,
) -> tuple[list[Job], list[SeriesOutcome]]:
    """Choose the series to update and the source of each.

    Parameters
    ----------
    catalog : mapping of str to SeriesSpec
        Every series riskoff may update.
    series : sequence of str, optional
        Only these ids (default: all).
    sources : sequence of str, optional
        Only series of these sources; ``bundled`` re-reads the selected series from the
        bundled snapshot instead of their provider.

    Returns
    -------
    jobs : list of Job
        What to fetch.
    outcomes : list of SeriesOutcome
        Series that cannot be fetched: ``skipped`` when they were not asked for by name or by
        source, ``failed`` when they were (a missing extra, a source without a connector).

    Raises
    ------
    CatalogError
        On an unknown series id or source name.
    MissingExtraError
        When a source named in ``sources`` needs an extra that is not installed.
    """
    names = set(known_sources())
    wanted_sources = list(dict.fromkeys(sources or []))
    for name in wanted_sources:
        if name not in names:
            raise CatalogError(f"unknown source {name!r} (known: {', '.join(sorted(names))})")
        extra = missing_extra(name)
        if extra is not None:
            # Asked for by name: one clear error rather than a failed row per series.
            raise MissingExtraError(
                f"source {name!r} needs an optional package: pip install 'riskoff[{extra}]'"
            )
    if series:
        missing = [s for s in series if s not in catalog]
        if missing:
            raise CatalogError(f"unknown series id {missing[0]!r}")
        specs = [catalog[s] for s in dict.fromkeys(series)]
    else:
        specs = list(catalog.values())
    bundled = "bundled" in wanted_sources
    providers = [s for s in wanted_sources if s != "bundled"]
    if providers:
        specs = [s for s in specs if s.source in providers]
    jobs: list[Job] = []
    blocked: list[SeriesOutcome] = []
    for spec in specs:
        name = "bundled" if bundled else spec.source
        if name not in names:
            blocked.append(
                SeriesOutcome(
                    spec.id,
                    spec.source,
                    "failed" if series else "skipped",
                    message=f"no connector for source {spec.source!r}",
                )
            )
            continue
        extra = missing_extra(name)
        if extra is not None:
            blocked.append(
                SeriesOutcome(
                    spec.id,
                    name,
                    "failed" if series else "skipped",
                    message=f"install the extra: pip install 'riskoff[{extra}]'",
                )
            )
            continue
        jobs.append(Job(spec, name))
    return jobs, blocked


def _changes(clean: pd.DataFrame, current: pd.Series) -> tuple[int, int]:
    """Count new dates and changed values of ``clean`` against ``current`` (store semantics)."""
    values = clean.set_index("date")["value"]
    known = values.index.isin(current.index)
    added = int((~known).sum())
    old = current.reindex(values.index[known])
    new = values[known]
    changed = (new - old).abs() > _TOLERANCE * old.abs().clip(lower=1.0)
    return added, int(changed.sum())


def _batches(frame: pd.DataFrame) -> list[tuple[datetime | None, pd.DataFrame]]:
    """Split a fetched frame by vintage (ALFRED), oldest first; one batch when it has none."""
    if "vintage" not in frame.columns or frame["vintage"].isna().all():
        return [(None, frame[["date", "value"]])]
    out: list[tuple[datetime | None, pd.DataFrame]] = []
    for stamp, group in frame.groupby("vintage", sort=True):
        out.append((pd.Timestamp(str(stamp)).to_pydatetime(), group[["date", "value"]]))
    return out


class _Updater:
    """Runs the jobs of one update against one store."""

    def __init__(
        self,
        store: Store,
        since: date | None,
        dry_run: bool,
        overlap_days: int,
        today: date,
        source_for: Callable[[str], Source],
    ) -> None:
        self.store = store
        self.since = since
        self.dry_run = dry_run
        self.overlap_days = overlap_days
        self.today = today
        self.source_for = source_for
        self.lock = threading.Lock()

    def window(self, job: Job, source: Source) -> tuple[date, date]:
        if self.since is not None:
            return self.since, self.today
        if job.stored_last is None:
            return getattr(source, "earliest", DEFAULT_HISTORY_START), self.today
        return job.stored_last - overlap_for(job.spec, self.overlap_days), self.today

    def run(self, job: Job) -> SeriesOutcome:
        spec = job.spec
        try:
            source = self.source_for(job.source_name)
            start, end = self.window(job, source)
            frame = source.fetch(spec, start, end)
            if frame.empty:
                if job.stored_last is None:
                    # Nothing stored and nothing answered: data were expected, none came.
                    raise DataError(
                        f"{source.name}: series {spec.id}: the answer holds no observations "
                        f"for {start}..{end} and the store has none either"
                    )
                return SeriesOutcome(
                    spec.id,
                    source.name,
                    "ok",
                    last_date=job.stored_last,
                    message=f"no new observations since {job.stored_last}",
                )
            with self.lock:
                current = self.store.series_values(spec.id)
            # Validate every batch before writing any, so a bad answer writes nothing.
            batches = [
                (
                    seen_at,
                    clean_observations(
                        raw,
                        spec.id,
                        origin=source.name,
                        today=self.today,
                        reference=current,
                        unit=spec.unit,
                    ),
                )
                for seen_at, raw in _batches(frame)
            ]
            return self._apply(job, source.name, batches, current)
        except HostUnreachableError as exc:
            return SeriesOutcome(
                spec.id,
                job.source_name,
                "failed",
                last_date=job.stored_last,
                message=redact(str(exc)),
                unreachable=exc.host,
            )
        except RiskoffError as exc:
            return SeriesOutcome(
                spec.id,
                job.source_name,
                "failed",
                last_date=job.stored_last,
                message=redact(str(exc)),
            )
        except Exception as exc:  # a bug in one connector must not stop the other series
            return SeriesOutcome(
                spec.id,
                job.source_name,
                "failed",
                last_date=job.stored_last,
                message=redact(
                    f"{job.source_name}: series {spec.id}: unexpected {type(exc).__name__}: {exc}"
                ),
            )

    def _apply(
        self,
        job: Job,
        source: str,
        batches: list[tuple[datetime | None, pd.DataFrame]],
        current: pd.Series,
    ) -> SeriesOutcome:
        newest = max(pd.Timestamp(clean["date"].max()).date() for _, clean in batches)
        last = max(job.stored_last, newest) if job.stored_last else newest
        if not self.dry_run:
            with self.lock:
                result = self.store.write_vintages(job.spec.id, batches, source, job.spec)
            return SeriesOutcome(job.spec.id, source, "ok", result.added, result.revised, last)
        added = revised = 0
        for _, clean in batches:
            a, r = _changes(clean, current)
            current = clean.set_index("date")["value"].combine_first(current)
            added, revised = added + a, revised + r
        return SeriesOutcome(job.spec.id, source, "ok", added, revised, last)


def _last_dates(store: Store) -> dict[str, date]:
    info = store.info()
    if info.empty:
        return {}
    return {str(k): pd.Timestamp(v).date() for k, v in info["last_date"].items() if pd.notna(v)}


def run_update(
    series: Sequence[str] | None = None,
    sources: Sequence[str] | None = None,
    since: date | None = None,
    dry_run: bool = False,
    *,
    store: Store | None = None,
    catalog: Mapping[str, SeriesSpec] | None = None,
    overlap_days: int = DEFAULT_OVERLAP_DAYS,
    today: date | None = None,
    max_workers: int = DEFAULT_WORKERS,
    source_for: Callable[[str], Source] = get_source,
    on_start: Callable[[int], None] | None = None,
    on_done: Callable[[SeriesOutcome], None] | None = None,
) -> UpdateReport:
    """Fetch what is new for the selected series and write it, one transaction per series.

    Parameters
    ----------
    series : sequence of str, optional
        Series ids (default: every catalog series whose source is available).
    sources : sequence of str, optional
        Only series of these sources; ``bundled`` re-reads the bundled snapshot.
    since : date, optional
        Ask from this date instead of the last stored date minus the overlap.
    dry_run : bool
        Fetch and validate, count what would be added and revised, write nothing.
    store : Store, optional
        Default: the configured store.
    catalog : mapping of str to SeriesSpec, optional
        Default: the bundled catalog (tests pass specs of series not in it yet).
    overlap_days : int
        Days before the last stored date asked again, to catch revisions (default 10; weekly
        and monthly series use more).
    today : date, optional
        Later dates are rejected as future (default: :func:`riskoff.config.today`).
    max_workers : int
        Fetches in flight across all hosts; each host has its own, lower bound.
    source_for : callable
        Source lookup (default: the registry).
    on_start : callable, optional
        Called once with the number of series to fetch.
    on_done : callable, optional
        Called in the calling thread with each outcome as it completes.

    Returns
    -------
    UpdateReport
        One outcome per selected series; ``exit_code`` is 1 when any failed.

    Raises
    ------
    CatalogError
        On an unknown series id or source name (before anything is fetched).
    MissingExtraError
        When a source named in ``sources`` needs an extra that is not installed.
    """
    store = store or Store()
    catalog = dict(catalog if catalog is not None else load_catalog())
    jobs, blocked = select_jobs(catalog, series, sources)
    forget_unreachable()  # a host down in an earlier run of this process may be back
    store.ensure_ready()
    lasts = _last_dates(store)
    jobs = [Job(j.spec, j.source_name, stored_last=lasts.get(j.spec.id)) for j in jobs]
    updater = _Updater(store, since, dry_run, overlap_days, today or config.today(), source_for)
    if on_start is not None:
        on_start(len(jobs))
    results: dict[str, SeriesOutcome] = {}
    with ThreadPoolExecutor(max_workers=max(1, max_workers), thread_name_prefix="riskoff") as pool:
        futures = {pool.submit(updater.run, job): job for job in jobs}
        for future in as_completed(futures):
            outcome = future.result()
            results[outcome.series_id] = outcome
            if on_done is not None:
                on_done(outcome)
    explicit_blocked = [o for o in blocked if o.status == "failed"]
    skipped = [o for o in blocked if o.status == "skipped"]
    ordered = tuple([results[j.spec.id] for j in jobs] + explicit_blocked)
    return UpdateReport(ordered + tuple(skipped), dry_run, _skipped_note(skipped))


def _skipped_note(skipped: Iterable[SeriesOutcome]) -> str:
    """Summarise skipped series by reason: one line instead of seventy rows."""
    by_reason: dict[str, list[str]] = {}
    for outcome in skipped:
        by_reason.setdefault(outcome.message, []).append(outcome.series_id)
    return "; ".join(f"{len(ids)} series skipped ({reason})" for reason, ids in by_reason.items())
