"""The store's backup: one Parquet file per command that wrote, and the rebuild that reads them.

Everything that did not come from the bundled snapshot (imported rows, fetched rows and their
revisions, with ``first_seen``; the user's own series definitions) is written, in step with the
store, to ``<store>-backup/op-NNNNNNNNN.parquet``: one file per undo step (an import, a whole
update), named after its first transaction and rewritten as the step's later transactions land.
A new version is staged as ``.<txn>.new`` before the store commits and published after; ``undo``
hides the step's file as ``.gone`` before it commits and deletes it after. A process killed in
between leaves a staged or hidden file that the next writer settles against the journal, so the
backup never holds rows the store lost or rows that were undone.

``riskoff store rebuild`` moves a damaged store aside, re-seeds the bundled history and replays
every backup file; ``riskoff store backup`` / ``restore`` write and read one portable file.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from riskoff.errors import DataError, RiskoffError, StoreError

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

    from riskoff.store import Store

META_KEY = b"riskoff"
FORMAT = 1
_ROWS = "SELECT series_id, date, value, first_seen, source, txn FROM observations"
_SPECS = "SELECT id, name, unit, frequency, asset_class, txn FROM user_series"
_SPEC_FIELDS = ("id", "name", "unit", "frequency", "asset_class", "txn")


@dataclass(frozen=True)
class RebuildResult:
    """What ``rebuild`` did: where the old file went and what came back from the backup."""

    moved_to: Path | None
    bundled_rows: int
    restored_rows: int
    restored_series: tuple[str, ...]
    backup_files: int


@dataclass(frozen=True)
class RestoreResult:
    """What ``restore_file`` added: rows and series definitions the store did not hold."""

    rows: int
    skipped: int
    defined: tuple[str, ...]


def _step_file(store: Store, first_txn: int) -> Path:
    return store.backup_dir / f"op-{first_txn:09d}.parquet"


def _first_txn(path: Path) -> int | None:
    stem = path.name.split(".", 1)[0]
    try:
        return int(stem.removeprefix("op-"))
    except ValueError:
        return None


def _final(path: Path) -> Path:
    """``op-N.parquet`` for a staged ``op-N.parquet.T.new`` or a hidden ``op-N.parquet.gone``."""
    return path.with_name(path.name.split(".parquet", 1)[0] + ".parquet")


def _in(txns: list[int]) -> str:
    return "(" + ",".join(str(int(t)) for t in txns) + ")"


def _write_parquet(table: pa.Table, meta: dict[str, Any], target: Path) -> None:
    import pyarrow.parquet as pq

    tagged = table.replace_schema_metadata({META_KEY: json.dumps(meta, default=str)})
    pq.write_table(tagged, target)


def _specs(con: duckdb.DuckDBPyConnection, where: str, params: list[Any]) -> list[dict[str, Any]]:
    rows = con.execute(f"{_SPECS} {where}", params).fetchall()
    return [dict(zip(_SPEC_FIELDS, r, strict=True)) for r in rows]


# -- the per-step files ----------------------------------------------------------------------
def stage(
    store: Store, con: duckdb.DuckDBPyConnection, txn: int, operation: str, label: str
) -> Path | None:
    """Journal transaction ``txn`` and stage its step's backup file, before the commit.

    The file holds every transaction of the undo step ``operation`` so far. Returns None (and
    journals nothing) when the transaction stored nothing.
    """
    stored = con.execute(
        "SELECT (SELECT count(*) FROM observations WHERE txn = ?) "
        "+ (SELECT count(*) FROM user_series WHERE txn = ?)",
        [txn, txn],
    ).fetchall()[0][0]
    if not stored:
        return None
    at = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    con.execute("INSERT INTO journal VALUES (?, ?, ?, ?)", [txn, operation, label, at])
    entries = con.execute(
        "SELECT txn, operation, label, written_at FROM journal WHERE operation = ? ORDER BY txn",
        [operation],
    ).fetchall()
    txns = [int(e[0]) for e in entries]
    table = con.sql(
        f"{_ROWS} WHERE txn IN {_in(txns)} ORDER BY txn, series_id, date, first_seen"
    ).to_arrow_table()
    journal = [dict(zip(("txn", "operation", "label", "at"), e, strict=True)) for e in entries]
    meta = {
        "format": FORMAT,
        "journal": journal,
        "series": _specs(con, f"WHERE txn IN {_in(txns)}", []),
    }
    final = _step_file(store, txns[0])
    staged = final.with_name(f"{final.name}.{txn}.new")
    try:
        store.backup_dir.mkdir(parents=True, exist_ok=True)
        _write_parquet(table, meta, staged)
    except OSError as exc:
        staged.unlink(missing_ok=True)
        raise StoreError(
            f"cannot write the backup {staged.parent} ({exc.strerror or exc}); nothing was "
            "written to the store"
        ) from None
    return staged


def publish(staged: Path) -> None:
    """Give a staged file its final name once the store has committed."""
    os.replace(staged, _final(staged))


def hide(store: Store, txns: list[int]) -> list[Path]:
    """Rename the backup file of the undo step made of ``txns`` to ``.gone`` before undoing it."""
    path = _step_file(store, min(txns))
    if not path.exists():
        return []
    gone = path.with_name(path.name + ".gone")
    os.replace(path, gone)
    return [gone]


def unhide(hidden: list[Path]) -> None:
    """Put hidden files back after an undo that did not commit."""
    for path in hidden:
        os.replace(path, _final(path))


def drop(hidden: list[Path]) -> None:
    """Delete hidden files once the undo has committed."""
    for path in hidden:
        path.unlink(missing_ok=True)


def reconcile(store: Store, con: duckdb.DuckDBPyConnection) -> None:
    """Settle files left staged or hidden by a killed process, against the journal."""
    folder = store.backup_dir
    if not folder.is_dir():
        return
    pending = [*folder.glob("op-*.parquet.*.new"), *folder.glob("op-*.parquet.gone")]
    if not pending:
        return
    known = {int(r[0]) for r in con.execute("SELECT txn FROM journal").fetchall()}
    for path in pending:
        # A staged file counts once its own transaction committed; a hidden one while its step
        # is still in the journal (the undo did not commit).
        if path.name.endswith(".new"):
            committed = path.name.rsplit(".", 2)[-2]
            keep = committed.isdigit() and int(committed) in known
        else:
            keep = _first_txn(path) in known
        if keep:
            os.replace(path, _final(path))
        else:
            path.unlink(missing_ok=True)


def write_legacy(store: Store, con: duckdb.DuckDBPyConnection, txn: int) -> None:
    """Back up the rows a store held before it had a journal (not undoable)."""
    table = con.sql(f"{_ROWS} WHERE txn = {int(txn)} ORDER BY series_id, date").to_arrow_table()
    meta = {"format": FORMAT, "journal": [], "series": _specs(con, "WHERE txn = ?", [txn])}
    store.backup_dir.mkdir(parents=True, exist_ok=True)
    _write_parquet(table, meta, _step_file(store, txn))


def _read(path: Path) -> tuple[pa.Table, dict[str, Any]]:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (OSError, ValueError) as exc:
        raise DataError(f"{path}: not a readable Parquet file ({str(exc)[:80]})") from None
    raw = (table.schema.metadata or {}).get(META_KEY)
    if raw is None:
        raise DataError(f"{path}: not a riskoff backup (no riskoff metadata)")
    return table, json.loads(raw)


# -- rebuild ----------------------------------------------------------------------------------
def rebuild(store: Store) -> RebuildResult:
    """Move the store file aside, re-seed the bundled history and replay the backup.

    Returns
    -------
    RebuildResult
        Where the old file went (None when there was none) and what was restored.
    """
    files = sorted(p for p in store.backup_dir.glob("op-*.parquet") if _first_txn(p) is not None)
    parts = [(p, *_read(p)) for p in files]
    with store._write_lock():
        moved = _move_aside(store.path)
        for marker in store.path.parent.glob("seeded-bundle"):
            marker.unlink(missing_ok=True)
        store._ready = False
        store.ensure_ready()
        with store._connect(read_only=False) as con:
            con.execute("BEGIN TRANSACTION")
            restored = 0
            series: set[str] = set()
            for _, table, meta in parts:
                con.register("restored", table)
                con.execute(f"INSERT INTO observations {_ROWS.replace('observations', 'restored')}")
                con.unregister("restored")
                restored += table.num_rows
                series.update(table.column("series_id").to_pylist())
                for spec in meta.get("series", []):
                    values = [spec[k] for k in _SPEC_FIELDS]
                    con.execute(
                        "INSERT OR REPLACE INTO user_series VALUES (?, ?, ?, ?, ?, ?)", values
                    )
                for entry in meta.get("journal", []):
                    con.execute(
                        "INSERT INTO journal VALUES (?, ?, ?, ?)",
                        [entry["txn"], entry["operation"], entry["label"], entry["at"]],
                    )
            con.execute("COMMIT")
            bundled = con.execute("SELECT count(*) FROM observations WHERE txn IS NULL").fetchall()
    return RebuildResult(moved, int(bundled[0][0]), restored, tuple(sorted(series)), len(parts))


def _move_aside(path: Path) -> Path | None:
    """Rename a damaged store (file or directory) and its WAL; keep them for the user."""
    if not (path.exists() or path.is_symlink()):
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    target = path.with_name(f"{path.name}.damaged-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.damaged-{stamp}-{n}")
    try:
        os.replace(path, target)
        wal = path.with_name(path.name + ".wal")
        if wal.exists():
            os.replace(wal, target.with_name(target.name + ".wal"))
    except OSError as exc:
        raise StoreError(f"cannot move {path} aside ({exc.strerror or exc})") from None
    return target


# -- a portable copy --------------------------------------------------------------------------
def write_file(store: Store, target: Path) -> int:
    """Write everything not from the bundled snapshot to one Parquet file; return its rows.

    Raises
    ------
    RiskoffError
        If ``target`` cannot be written (a directory, a missing folder, no permission).
    """
    with store._connect(read_only=True) as con:
        table = con.sql(
            f"{_ROWS} WHERE txn IS NOT NULL ORDER BY txn, series_id, date"
        ).to_arrow_table()
        specs = _specs(con, "", [])
    meta = {"format": FORMAT, "kind": "riskoff-backup", "series": specs}
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        _write_parquet(table, meta, tmp)
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise RiskoffError(f"cannot write {target}: {exc.strerror or exc}") from None
    return table.num_rows


def restore_file(store: Store, source: Path) -> RestoreResult:
    """Add the rows and series definitions of a backup file that the store does not hold.

    The restore is one undo step; rows already present (same series, date, value and
    first_seen) are skipped, so restoring twice changes nothing.
    """
    if source.is_dir():
        raise DataError(f"{source}: is a directory, not a backup file")
    if not source.exists():
        raise DataError(f"{source}: no such file")
    table, meta = _read(source)
    specs = meta.get("series", [])
    with store.operation(), store.transaction(f"restore from {source.name}") as (con, txn):
        con.register("restored", table)
        before = con.execute("SELECT count(*) FROM observations").fetchall()[0][0]
        con.execute(
            """
            INSERT INTO observations
            SELECT r.series_id, r.date, r.value, r.first_seen, r.source, ? FROM restored r
            WHERE NOT EXISTS (
                SELECT 1 FROM observations o WHERE o.series_id = r.series_id
                AND o.date = r.date AND o.value = r.value AND o.first_seen = r.first_seen)
            """,
            [txn],
        )
        added = con.execute("SELECT count(*) FROM observations").fetchall()[0][0] - before
        con.unregister("restored")
        known = {r[0] for r in con.execute("SELECT id FROM user_series").fetchall()}
        defined = []
        for spec in specs:
            if spec["id"] not in known:
                values = [spec[k] for k in _SPEC_FIELDS[:-1]] + [txn]
                con.execute("INSERT INTO user_series VALUES (?, ?, ?, ?, ?, ?)", values)
                defined.append(str(spec["id"]))
    return RestoreResult(int(added), table.num_rows - int(added), tuple(defined))
