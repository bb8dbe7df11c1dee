"""The DuckDB store: every observation with the time it was first seen, never overwritten.

Table ``observations(series_id, date, value, first_seen, source, txn)``: a revision is a new row
with a later ``first_seen``. Bundled history, whose vintages are unknown, counts as first seen on
its date plus the series' publication lag; a value fetched later for a new date counts the same
way, and a changed value for a known date is a revision, first seen when it was fetched.

Every write (an import, one series of an update) takes a file lock and runs in one transaction,
so a killed process leaves the store as it was. Each transaction is numbered (``txn``) and
journaled; the rows it added are also written to the Parquet file of its undo step in the
backup folder beside the store (see :mod:`riskoff.backup`), so ``riskoff store undo`` can take
back the last command and ``riskoff store rebuild`` can restore everything that did not come
from the bundled snapshot.

DuckDB lets one process write a file while no other process has it open; readers and writers
therefore retry for a bounded time (``RISKOFF_LOCK_TIMEOUT``, see :mod:`riskoff.storefile`).
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from riskoff import config
from riskoff.catalog import ASSET_CLASSES, FREQUENCIES, SeriesSpec, get_spec, load_catalog
from riskoff.errors import DataError, RiskoffError, StoreError
from riskoff.releases import public_dates
from riskoff.storefile import StoreFile

if TYPE_CHECKING:
    import duckdb

SCHEMA_VERSION = 2
SCHEMA = """
CREATE TABLE IF NOT EXISTS observations (
    series_id VARCHAR NOT NULL,
    date DATE NOT NULL,
    value DOUBLE NOT NULL,
    first_seen TIMESTAMP NOT NULL,
    source VARCHAR NOT NULL,
    txn BIGINT
);
CREATE TABLE IF NOT EXISTS user_series (
    id VARCHAR PRIMARY KEY, name VARCHAR, unit VARCHAR, frequency VARCHAR, asset_class VARCHAR,
    txn BIGINT
);
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS journal (
    txn BIGINT PRIMARY KEY, operation VARCHAR NOT NULL, label VARCHAR NOT NULL,
    written_at TIMESTAMP NOT NULL
);
ALTER TABLE observations ADD COLUMN IF NOT EXISTS txn BIGINT;
ALTER TABLE user_series ADD COLUMN IF NOT EXISTS txn BIGINT;
"""
# Rows written before the journal existed: kept, backed up, but not undoable.
LEGACY_TXN = 0


@dataclass(frozen=True)
class Snapshot:
    """All observations as parallel arrays sorted by (series, date, first_seen).

    ``days`` counts days since 1970-01-01, ``seen`` seconds since then.
    """

    names: np.ndarray
    codes: np.ndarray
    days: np.ndarray
    seen: np.ndarray
    values: np.ndarray


@dataclass(frozen=True)
class WriteResult:
    """What one write did to one series."""

    series_id: str
    added: int
    revised: int
    unchanged: int
    last_date: date | None


@dataclass(frozen=True)
class UndoResult:
    """What ``Store.undo`` took back: the journal labels, when, and the rows per series."""

    labels: tuple[str, ...]
    at: datetime
    rows: dict[str, int]
    undefined: tuple[str, ...]

    def describe(self) -> str:
        """One line for the terminal: what was reverted and what it removed."""
        rows = ", ".join(f"{sid} {n}" for sid, n in self.rows.items()) or "no rows"
        text = (
            f"reverted {'; '.join(self.labels)} (written {self.at:%Y-%m-%d %H:%M:%S} UTC): "
            f"removed {sum(self.rows.values())} row(s): {rows}"
        )
        if self.undefined:
            text += f"; removed the definition of {', '.join(self.undefined)}"
        return text


def _bundle_id() -> str:
    """Identify the bundled snapshot: its manifest, the catalog (units, lags), the history's size.

    A history rewritten under an unchanged manifest must still reseed a store: one seeded from
    a history without the macro series otherwise keeps lacking them, and every brief says the
    official data were "not known".
    """
    from importlib import resources

    from riskoff.datasets import history_path

    digest = hashlib.sha256()
    digest.update(resources.files("riskoff.datasets").joinpath("MANIFEST.csv").read_bytes())
    digest.update(resources.files("riskoff").joinpath("catalog.toml").read_bytes())
    digest.update(str(history_path().stat().st_size).encode())
    return digest.hexdigest()[:16]


def spec_problem(spec: SeriesSpec) -> str | None:
    """Say what is wrong with a user's series definition, or None when it is usable."""
    if spec.frequency not in FREQUENCIES:
        return f"frequency {spec.frequency!r:.40} is not one of {', '.join(FREQUENCIES)}"
    if spec.asset_class not in ASSET_CLASSES:
        return f"asset class {spec.asset_class!r:.40} is not one of {', '.join(ASSET_CLASSES)}"
    return None


class Store:
    """Point-in-time observation store backed by one DuckDB file.

    Parameters
    ----------
    path : Path, optional
        The DuckDB file; default ``$RISKOFF_HOME/riskoff.duckdb``.
    seed : bool
        Seed the store from the bundled snapshot on first use (default True).

    Notes
    -----
    Writes made through one ``Store`` object form one undo step (one command), unless they run
    inside :meth:`operation`, which opens a new step.
    """

    def __init__(self, path: Path | None = None, seed: bool = True) -> None:
        self.path = Path(path) if path else config.store_path()
        self._seed = seed
        self._ready = False
        self._file = StoreFile(self.path, self.backup_dir)
        self._operation = uuid.uuid4().hex

    @property
    def backup_dir(self) -> Path:
        """The folder beside the store holding one Parquet file per undo step (command)."""
        return self.path.with_name(self.path.stem + "-backup")

    # -- file access -------------------------------------------------------------------------
    def damaged(self, reason: str) -> StoreError:
        """The error for a store file that cannot be read, naming the file and the fix."""
        return self._file.damaged(reason)

    @contextmanager
    def _connect(self, read_only: bool) -> Iterator[duckdb.DuckDBPyConnection]:
        self.ensure_ready()
        with self._file.connect(read_only) as con:
            yield con

    def _write_lock(self) -> AbstractContextManager[None]:
        return self._file.write_lock()

    def ensure_ready(self) -> None:
        """Create the schema and seed the bundled history if this store has not got it yet.

        Raises
        ------
        StoreError
            If the store file is damaged or unreadable, or its folder unusable.
        """
        if self._ready:
            return
        self._file.check_home(create=False)
        if self.path.is_dir():
            raise self.damaged("the path is a directory")
        bundle = _bundle_id() if self._seed else "unseeded"
        stamp = f"{bundle}+schema{SCHEMA_VERSION}"
        marker = self.path.parent / ("seeded-bundle" if self._seed else f".{self.path.name}.ok")
        # The marker spares every command a look inside the database; the database's own meta
        # rows stay the authority when the marker is missing or stale.
        try:
            if self.path.exists() and marker.read_text() == stamp:
                self._ready = True
                return
        except OSError:
            pass
        with self._write_lock():
            with self._file.connect(read_only=False) as con:
                self._prepare(con, bundle if self._seed else None)
            marker.write_text(stamp)
        self._ready = True

    def _prepare(self, con: duckdb.DuckDBPyConnection, bundle: str | None) -> None:
        """Schema, migrations and the bundled rows, in one transaction."""
        con.execute("BEGIN TRANSACTION")
        con.execute(SCHEMA)
        if bundle is not None:
            rows = con.execute("SELECT value FROM meta WHERE key='bundle'").fetchall()
            if not rows or rows[0][0] != bundle:
                self._seed_bundle(con)
                con.execute("INSERT OR REPLACE INTO meta VALUES ('bundle', ?)", [bundle])
        if self._adopt_legacy_rows(con):
            from riskoff import backup

            backup.write_legacy(self, con, LEGACY_TXN)
        con.execute("COMMIT")

    @staticmethod
    def _adopt_legacy_rows(con: duckdb.DuckDBPyConnection) -> bool:
        """Number the rows written before the journal existed so that they are backed up."""
        con.execute(
            "UPDATE observations SET txn = ? WHERE txn IS NULL AND source <> 'bundled'",
            [LEGACY_TXN],
        )
        con.execute("UPDATE user_series SET txn = ? WHERE txn IS NULL", [LEGACY_TXN])
        count = con.execute(
            "SELECT (SELECT count(*) FROM observations WHERE txn = ?) "
            "+ (SELECT count(*) FROM user_series WHERE txn = ?)",
            [LEGACY_TXN, LEGACY_TXN],
        ).fetchall()[0][0]
        return bool(count > 0)

    def _seed_bundle(self, con: duckdb.DuckDBPyConnection) -> None:
        """(Re)insert the bundled rows in catalog units, first seen at date + lag.

        Rows written by updates and imports are kept; only the bundle's own rows are replaced,
        so a new catalog (a changed lag or unit) applies to them.
        """
        from riskoff.datasets import history_path

        specs = pd.DataFrame(
            [(s.id, s.scale, s.publication_lag_days) for s in load_catalog().values()],
            columns=["series_id", "scale", "lag"],
        )
        con.register("specs", specs)
        con.execute("DELETE FROM observations WHERE source = 'bundled' AND txn IS NULL")
        con.execute(
            """
            INSERT INTO observations (series_id, date, value, first_seen, source)
            SELECT h.series_id::VARCHAR, h.date, h.value * s.scale,
                   CAST(h.date + to_days(CAST(s.lag AS INTEGER)) AS TIMESTAMP), 'bundled'
            FROM read_parquet(?) h JOIN specs s ON h.series_id::VARCHAR = s.series_id
            """,
            [str(history_path())],
        )
        con.unregister("specs")
        self._seed_release_calendars(con)

    @staticmethod
    def _seed_release_calendars(con: duckdb.DuckDBPyConnection) -> None:
        """Re-date the bundled rows of series with a release calendar to their release day."""
        for spec in load_catalog().values():
            if spec.release_rule is None:
                continue
            dates = con.execute(
                "SELECT DISTINCT date FROM observations WHERE series_id = ? AND source = 'bundled' "
                "AND txn IS NULL",
                [spec.id],
            ).df()["date"]
            if dates.empty:
                continue
            public = pd.DataFrame(
                {
                    "date": pd.to_datetime(dates).dt.date,
                    "seen": public_dates(dates, spec.release_rule),
                }
            )
            con.register("public", public)
            con.execute(
                """
                UPDATE observations o SET first_seen = p.seen FROM public p
                WHERE o.series_id = ? AND o.source = 'bundled' AND o.txn IS NULL
                  AND o.date = p.date
                """,
                [spec.id],
            )
            con.unregister("public")

    # -- journaled transactions --------------------------------------------------------------
    @contextmanager
    def operation(self) -> Iterator[None]:
        """Group the writes made inside this block into one undo step of their own."""
        previous, self._operation = self._operation, uuid.uuid4().hex
        try:
            yield
        finally:
            self._operation = previous

    @contextmanager
    def transaction(self, label: str) -> Iterator[tuple[duckdb.DuckDBPyConnection, int]]:
        """Run a journaled write: lock, one DuckDB transaction, and its backup file.

        Yields the connection and the transaction number the new rows must carry in ``txn``.
        The journal entry and the backup file are written only when the transaction stored
        something; a failure rolls everything back and leaves no backup file.
        """
        from riskoff import backup

        with self._write_lock(), self._connect(read_only=False) as con:
            backup.reconcile(self, con)
            con.execute("BEGIN TRANSACTION")
            staged: Path | None = None
            try:
                txn = int(
                    con.execute("SELECT coalesce(max(txn), 0) + 1 FROM journal").fetchall()[0][0]
                )
                yield con, txn
                staged = backup.stage(self, con, txn, self._operation, label)
                con.execute("COMMIT")
            except BaseException:
                # A damaged connection may refuse the rollback; closing it discards the work.
                with suppress(Exception):
                    con.execute("ROLLBACK")
                if staged is not None:
                    staged.unlink(missing_ok=True)
                raise
            if staged is not None:
                backup.publish(staged)

    def undo(self) -> UndoResult | None:
        """Take back the last undo step (an import, an update): delete exactly its rows.

        Returns
        -------
        UndoResult or None
            What was removed; None when the journal is empty.
        """
        from riskoff import backup

        with self._write_lock(), self._connect(read_only=False) as con:
            backup.reconcile(self, con)
            last = con.execute("SELECT operation FROM journal ORDER BY txn DESC LIMIT 1").fetchall()
            if not last:
                return None
            entries = con.execute(
                "SELECT txn, label, written_at FROM journal WHERE operation = ? ORDER BY txn",
                [last[0][0]],
            ).fetchall()
            txns = [int(e[0]) for e in entries]
            rows = con.execute(
                "SELECT series_id, count(*) FROM observations WHERE txn IN (SELECT unnest(?)) "
                "GROUP BY series_id ORDER BY series_id",
                [txns],
            ).fetchall()
            defined = con.execute(
                "SELECT id FROM user_series WHERE txn IN (SELECT unnest(?)) ORDER BY id", [txns]
            ).fetchall()
            # The backup files go first, so a kill cannot leave a backup of undone rows.
            hidden = backup.hide(self, txns)
            con.execute("BEGIN TRANSACTION")
            try:
                for table in ("observations", "user_series", "journal"):
                    con.execute(f"DELETE FROM {table} WHERE txn IN (SELECT unnest(?))", [txns])
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                backup.unhide(hidden)
                raise
            backup.drop(hidden)
        return UndoResult(
            labels=tuple(dict.fromkeys(str(e[1]) for e in entries)),
            at=entries[-1][2],
            rows={str(r[0]): int(r[1]) for r in rows},
            undefined=tuple(str(d[0]) for d in defined),
        )

    # -- reads -------------------------------------------------------------------------------
    # -- reads -------------------------------------------------------------------------------
    def observations(
        self,
        series: Sequence[str] | None = None,
        start: date | None = None,
        as_of: date | None = None,
    ) -> pd.DataFrame:
        """Return observations as they were known at the end of ``as_of``.

        Values dated after ``as_of`` and values first seen after it are left out; for a date
        with revisions, the latest vintage known by ``as_of`` is kept.

        Returns
        -------
        DataFrame
            Long frame with columns ``series_id``, ``date``, ``value``.
        """
        clauses: list[str] = []
        params: list[object] = []
        if series is not None:
            clauses.append("series_id IN (SELECT unnest(?))")
            params.append(list(series))
        if start is not None:
            clauses.append("date >= ?")
            params.append(pd.Timestamp(start).date())
        if as_of is not None:
            day = pd.Timestamp(as_of).date()
            clauses.append("date <= ? AND first_seen < ?")
            params += [day, datetime.combine(day + timedelta(days=1), datetime.min.time())]
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        query = f"""
            SELECT series_id, date, arg_max(value, first_seen) AS value
            FROM observations {where}
            GROUP BY series_id, date ORDER BY series_id, date
        """
        with self._connect(read_only=True) as con:
            frame = con.execute(query, params).df()
        frame["date"] = pd.to_datetime(frame["date"])
        return frame

    def snapshot(self) -> Snapshot:
        """Return every observation as sorted numpy arrays, cached on disk per store version.

        Reading 500,000 rows through SQL costs a few hundred milliseconds; the cached arrays
        load in a few, which keeps ``riskoff diagnose`` fast.
        """
        self.ensure_ready()
        stamp = self._stamp()
        cache_dir = self.path.parent / "cache"
        cached = cache_dir / f"snapshot-{stamp}.npz"
        if cached.exists():
            try:
                with np.load(cached, allow_pickle=False) as npz:
                    return Snapshot(**{k: npz[k] for k in npz.files})
            except (OSError, ValueError, EOFError, TypeError):
                pass  # a damaged cache file is rebuilt from the store below
        query = """
            SELECT series_id, date, first_seen, value FROM observations
            ORDER BY series_id, date, first_seen
        """
        with self._connect(read_only=True) as con:
            raw = con.execute(query).fetchnumpy()
        names, codes = np.unique(np.asarray(raw["series_id"], dtype=str), return_inverse=True)
        snap = Snapshot(
            names=names,
            codes=codes.astype(np.int32),
            days=np.asarray(raw["date"], dtype="datetime64[D]").astype(np.int32),
            seen=np.asarray(raw["first_seen"], dtype="datetime64[s]").astype(np.int64),
            values=np.asarray(raw["value"], dtype=np.float64),
        )
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
            for old in cache_dir.glob("snapshot-*.npz"):
                old.unlink(missing_ok=True)
            tmp = cache_dir / f".snapshot-{stamp}.{os.getpid()}.npz"
            np.savez(tmp, **snap.__dict__)
            os.replace(tmp, cached)
        except OSError:
            pass  # a read-only home still answers, only without the cache
        return snap

    def _stamp(self) -> str:
        parts = []
        for path in (self.path, Path(str(self.path) + ".wal")):
            if path.exists():
                st = path.stat()
                parts.append(f"{st.st_mtime_ns}-{st.st_size}")
        return "_".join(parts)

    def series_values(self, series_id: str, as_of: date | None = None) -> pd.Series:
        """Return one series (latest known vintage) indexed by date."""
        frame = self.observations([series_id], as_of=as_of)
        return frame.set_index("date")["value"].rename(series_id)

    def info(self) -> pd.DataFrame:
        """Return per-series rows, revisions, first and last date, and the last time seen."""
        query = """
            SELECT series_id, count(DISTINCT date) AS rows,
                   count(*) - count(DISTINCT date) AS revisions,
                   min(date) AS first_date, max(date) AS last_date,
                   max(first_seen) AS last_seen, any_value(source) AS source
            FROM observations GROUP BY series_id ORDER BY series_id
        """
        with self._connect(read_only=True) as con:
            frame = con.execute(query).df()
        return frame.set_index("series_id")

    def user_series(self) -> dict[str, SeriesSpec]:
        """Return the usable series a user added with ``store import --name``.

        A definition with an unknown frequency or asset class (possible in stores written by
        older versions) is left out; :meth:`broken_user_series` lists them.
        """
        specs = self._all_user_series()
        return {sid: spec for sid, spec in specs.items() if spec_problem(spec) is None}

    def broken_user_series(self) -> dict[str, str]:
        """Return the user's series definitions that cannot be used, with what is wrong."""
        out = {}
        for sid, spec in self._all_user_series().items():
            problem = spec_problem(spec)
            if problem is not None:
                out[sid] = problem
        return out

    def _all_user_series(self) -> dict[str, SeriesSpec]:
        with self._connect(read_only=True) as con:
            rows = con.execute(
                "SELECT id, name, unit, frequency, asset_class FROM user_series"
            ).fetchall()
        return {
            r[0]: SeriesSpec(
                id=r[0],
                name=r[1],
                unit=r[2],
                frequency=r[3],
                asset_class=r[4],
                publication_lag_days=0,
                source="user",
                native_id=r[0],
                user_defined=True,
            )
            for r in rows
        }

    def spec(self, series_id: str) -> SeriesSpec:
        """Return the catalog entry of ``series_id``, or the user's own definition."""
        own = self.user_series()
        return own[series_id] if series_id in own else get_spec(series_id)

    # -- writes ------------------------------------------------------------------------------
    def define_series(self, spec: SeriesSpec) -> None:
        """Register a user's own series (idempotent); one undo step of its own."""
        self._check_definition(spec)
        with self.transaction(f"definition of {spec.id}") as (con, txn):
            self._define(con, spec, txn)

    @staticmethod
    def _check_definition(spec: SeriesSpec) -> None:
        if spec.id in load_catalog():
            raise DataError(f"series {spec.id} is in the catalog already; import without --name")
        problem = spec_problem(spec)
        if problem is not None:
            raise DataError(f"series {spec.id}: {problem}")

    @staticmethod
    def _define(con: duckdb.DuckDBPyConnection, spec: SeriesSpec, txn: int) -> None:
        con.execute(
            "INSERT OR REPLACE INTO user_series VALUES (?, ?, ?, ?, ?, ?)",
            [spec.id, spec.name, spec.unit, spec.frequency, spec.asset_class, txn],
        )

    def write(
        self,
        series_id: str,
        frame: pd.DataFrame,
        source: str,
        seen_at: datetime | None = None,
        spec: SeriesSpec | None = None,
    ) -> WriteResult:
        """Write clean observations of one series in one transaction.

        Parameters
        ----------
        series_id : str
            The series.
        frame : DataFrame
            Columns ``date`` and ``value`` in the catalog unit, as returned by
            :func:`riskoff.checks.clean_observations`.
        source : str
            Where the values came from (``fred``, ``user:FILE`` ...).
        seen_at : datetime, optional
            When they were fetched (default now, UTC); a vintage time for ALFRED data.
        spec : SeriesSpec, optional
            The series' spec (default: from the catalog). A user's series not defined yet is
            defined in the same transaction.

        Returns
        -------
        WriteResult
            Rows added (new dates), revised (changed values) and unchanged.
        """
        return self.write_vintages(series_id, [(seen_at, frame)], source, spec)

    def write_vintages(
        self,
        series_id: str,
        vintages: Sequence[tuple[datetime | None, pd.DataFrame]],
        source: str,
        spec: SeriesSpec | None = None,
    ) -> WriteResult:
        """Write several vintages of one series, oldest first, in one transaction.

        Each vintage is compared with what the store knows after the previous one, so ALFRED
        history lands as the sequence of revisions it was; a killed process leaves none of it.
        """
        spec = spec or get_spec(series_id)
        define = spec.user_defined and series_id not in self.user_series()
        if define:
            self._check_definition(spec)
        now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
        lag = timedelta(days=spec.publication_lag_days)
        totals = [0, 0, 0]
        last: date | None = None
        with self.transaction(f"{source} into {series_id}") as (con, txn):
            if define:
                self._define(con, spec, txn)
            for seen_at, frame in vintages:
                if spec.release_rule is not None:
                    # A vintage (ALFRED) says when a value was published; without one, the
                    # calendar rule gives each new date its release day.
                    frame = frame.assign(
                        public=public_dates(frame["date"], spec.release_rule)
                        if seen_at is None
                        else pd.Timestamp(seen_at)
                    )
                counts = self._write_vintage(
                    con, series_id, frame, source, seen_at or now, lag, txn
                )
                totals = [t + c for t, c in zip(totals, counts[:3], strict=True)]
                if counts[3] is not None:
                    last = counts[3] if last is None else max(last, counts[3])
        return WriteResult(series_id, totals[0], totals[1], totals[2], last)

    @staticmethod
    def _write_vintage(
        con: duckdb.DuckDBPyConnection,
        series_id: str,
        frame: pd.DataFrame,
        source: str,
        seen_at: datetime,
        lag: timedelta,
        txn: int,
    ) -> tuple[int, int, int, date | None]:
        incoming = frame[["date", "value"]].copy()
        incoming["date"] = pd.to_datetime(incoming["date"]).dt.date
        if "public" in frame:
            incoming["public"] = pd.to_datetime(frame["public"]).to_numpy()
        else:
            incoming["public"] = pd.to_datetime(frame["date"]) + pd.Timedelta(lag)
        con.register("incoming", incoming)
        try:
            con.execute(
                """
                CREATE OR REPLACE TEMP TABLE staged AS
                SELECT i.date, i.value, i.public, c.value AS current
                FROM incoming i LEFT JOIN (
                    SELECT date, arg_max(value, first_seen) AS value FROM observations
                    WHERE series_id = ? GROUP BY date) c ON c.date = i.date
                """,
                [series_id],
            )
            changed = "abs(value - current) > 1e-9 * greatest(1.0, abs(current))"
            # A new date counts as known from its publication, a changed value from seen_at.
            con.execute(
                """
                INSERT INTO observations
                SELECT ?, date, value, least(CAST(public AS TIMESTAMP), ?::TIMESTAMP), ?, ?
                FROM staged WHERE current IS NULL
                """,
                [series_id, seen_at, source, txn],
            )
            con.execute(
                f"""
                INSERT INTO observations
                SELECT ?, date, value, ?::TIMESTAMP, ?, ? FROM staged
                WHERE current IS NOT NULL AND {changed}
                """,
                [series_id, seen_at, source, txn],
            )
            row = con.execute(
                f"""
                SELECT count(*) FILTER (WHERE current IS NULL),
                       count(*) FILTER (WHERE current IS NOT NULL AND {changed}),
                       count(*) FILTER (WHERE current IS NOT NULL AND NOT {changed}),
                       max(date)
                FROM staged
                """
            ).fetchall()[0]
            con.execute("DROP TABLE staged")
        finally:
            con.unregister("incoming")
        return int(row[0]), int(row[1]), int(row[2]), row[3]

    def export(self, series: Sequence[str], as_of: date | None = None) -> pd.DataFrame:
        """Return the wide frame (date x series) of the latest known vintages, for export."""
        long = self.observations(series, as_of=as_of)
        return long.pivot(index="date", columns="series_id", values="value")[list(series)]

    def latest_date(self, anchor: str = "SPY") -> pd.Timestamp:
        """Return the last date of the anchor series: the newest day a diagnosis can describe."""
        snap = self.snapshot()
        hits = np.flatnonzero(snap.names == anchor)
        days = snap.days[snap.codes == hits[0]] if len(hits) else snap.days[:0]
        if not len(days):
            raise RiskoffError(f"the store holds no {anchor} data")
        return pd.Timestamp(np.datetime64(int(days.max()), "D"))

    def version(self) -> str:
        """A token that changes whenever the store's content may have changed."""
        self.ensure_ready()
        return self._stamp()


def default_store() -> Store:
    """Return the store at the configured location."""
    return Store()
