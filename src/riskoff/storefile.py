"""Access to the store's DuckDB file: bounded waits for the locks, one clear error for damage.

DuckDB lets one process write a file while no other process has it open, so a reader may meet a
writer and a writer a reader: both retry for up to ``RISKOFF_LOCK_TIMEOUT`` seconds (saying so
on stderr) instead of failing. Writers also take a file lock beside the store, so that they
queue up in turn. A file DuckDB cannot read becomes a StoreError naming the file and the fix.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from riskoff import config
from riskoff.errors import StoreError

if TYPE_CHECKING:
    import duckdb


def notify(message: str) -> None:
    """Tell the user why a command is waiting (stderr, so piped output stays clean)."""
    print(message, file=sys.stderr, flush=True)


def _damage_errors() -> tuple[type[Exception], ...]:
    import duckdb

    return (duckdb.IOException, duckdb.SerializationException, duckdb.InternalException)


def _is_lock_conflict(exc: Exception) -> bool:
    text = str(exc)
    return "Could not set lock" in text or "Conflicting lock" in text


def _reason(exc: BaseException) -> str:
    """The first line of a DuckDB or OS message, without its class prefix, kept short."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    text = text.removeprefix("IO Error: ").removeprefix("Serialization Error: ")
    return text if len(text) <= 120 else text[:120] + "…"


class StoreFile:
    """The DuckDB file of a store, its lock file and its folder.

    Parameters
    ----------
    path : Path
        The DuckDB file.
    backup_dir : Path
        Where the store's backup lives (named in the damage message).
    """

    def __init__(self, path: Path, backup_dir: Path) -> None:
        self.path = path
        self.backup_dir = backup_dir
        self._lock: object | None = None

    # -- errors -----------------------------------------------------------------------------
    def damaged(self, reason: str) -> StoreError:
        """The error for a store file that cannot be read, naming the file and the fix."""
        return StoreError(
            f"the store {self.path} is damaged or unreadable ({reason}); run "
            "`riskoff store rebuild` to move it aside and rebuild it from the bundled history "
            f"and the backup in {self.backup_dir}"
        )

    def check_home(self, create: bool) -> None:
        """Refuse a RISKOFF_HOME that is a file; create it when ``create`` (clear error if not)."""
        home = self.path.parent
        if home.exists() and not home.is_dir():
            raise StoreError(
                f"RISKOFF_HOME {home} is a file, not a directory: point RISKOFF_HOME at a "
                "directory (riskoff creates it)"
            )
        if not create:
            return
        try:
            home.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"cannot create the store directory {home} ({_reason(exc)}): set RISKOFF_HOME "
                "to a writable directory"
            ) from None

    # -- connections ------------------------------------------------------------------------
    def open(self, read_only: bool) -> duckdb.DuckDBPyConnection:
        """Connect, waiting (bounded) while another process holds the file.

        Raises
        ------
        StoreError
            When the file is damaged, or still busy after ``RISKOFF_LOCK_TIMEOUT`` seconds.
        """
        import duckdb

        timeout = config.lock_timeout()
        start = time.monotonic()
        delay, warned = 0.01, False
        while True:
            try:
                return duckdb.connect(str(self.path), read_only=read_only)
            except duckdb.Error as exc:
                if "different configuration" in str(exc):
                    # This process already has the file open the other way (read-only vs not).
                    raise StoreError(
                        f"the store {self.path} is already open in this process: {_reason(exc)}"
                    ) from None
                if not _is_lock_conflict(exc):
                    raise self.damaged(_reason(exc)) from None
            waited = time.monotonic() - start
            if waited >= timeout:
                raise StoreError(
                    f"the store {self.path} stayed busy for {timeout:g} s (another riskoff "
                    "process is using it); try again when it has finished, or raise "
                    "RISKOFF_LOCK_TIMEOUT"
                )
            if not warned and waited > 1.0:
                notify(f"waiting up to {timeout:g} s for another riskoff process using the store")
                warned = True
            time.sleep(min(delay, max(0.0, timeout - waited)))
            delay = min(delay * 2, 0.2)

    @contextmanager
    def connect(self, read_only: bool) -> Iterator[duckdb.DuckDBPyConnection]:
        """Open, yield and close a connection; damage found while reading becomes one error."""
        con = self.open(read_only)
        try:
            yield con
        except _damage_errors() as exc:
            raise self.damaged(_reason(exc)) from None
        finally:
            con.close()

    @contextmanager
    def write_lock(self) -> Iterator[None]:
        """Hold the store's file lock, waiting up to ``RISKOFF_LOCK_TIMEOUT`` seconds for it."""
        from filelock import FileLock, Timeout

        self.check_home(create=True)
        if self._lock is None:
            self._lock = FileLock(str(self.path) + ".lock")
        lock: FileLock = self._lock  # type: ignore[assignment]
        timeout = config.lock_timeout()
        try:
            try:
                lock.acquire(timeout=min(1.0, timeout))
            except Timeout:
                notify(f"waiting up to {timeout:g} s for another riskoff process writing the store")
                lock.acquire(timeout=max(0.0, timeout - 1.0))
        except Timeout:
            raise StoreError(
                f"another riskoff process kept the store {self.path} locked for {timeout:g} s; "
                "try again when it has finished, or raise RISKOFF_LOCK_TIMEOUT"
            ) from None
        except OSError as exc:
            raise StoreError(
                f"cannot write beside the store {self.path} ({_reason(exc)}): make "
                f"{self.path.parent} writable or set RISKOFF_HOME to a writable directory"
            ) from None
        try:
            yield
        finally:
            lock.release()
