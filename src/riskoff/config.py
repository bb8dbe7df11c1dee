"""Settings read from the environment: where the store lives and provider keys."""

from __future__ import annotations

import os
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
