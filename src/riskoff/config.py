"""Settings read from the environment: where the store lives and provider keys."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path


def riskoff_home() -> Path:
    """Return the directory holding the store (``$RISKOFF_HOME`` or the XDG data dir)."""
    env = os.environ.get("RISKOFF_HOME")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("riskoff", appauthor=False))


def store_path() -> Path:
    """Return the path of the DuckDB store file."""
    return riskoff_home() / "riskoff.duckdb"


def fred_api_key() -> str | None:
    """Return ``FRED_API_KEY`` when set; without it riskoff uses FRED's keyless CSV endpoint."""
    return os.environ.get("FRED_API_KEY") or None


def today() -> date:
    """Return today's date, or ``$RISKOFF_TODAY`` (YYYY-MM-DD) when set, for reproducible runs.

    Raises
    ------
    RiskoffError
        If ``RISKOFF_TODAY`` is set but is not an ISO date.
    """
    env = os.environ.get("RISKOFF_TODAY")
    if not env:
        return date.today()
    try:
        return date.fromisoformat(env.strip())
    except ValueError:
        from riskoff.errors import RiskoffError

        raise RiskoffError(f"RISKOFF_TODAY={env[:40]!r} is not a date (use YYYY-MM-DD)") from None


def lock_timeout() -> float:
    """Return how long a command waits for the store (``$RISKOFF_LOCK_TIMEOUT`` s, default 60)."""
    env = os.environ.get("RISKOFF_LOCK_TIMEOUT")
    try:
        return max(0.0, float(env)) if env else 60.0
    except ValueError:
        return 60.0
