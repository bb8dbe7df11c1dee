"""The bundled snapshot of real history: loaders for the data shipped inside the package."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

__all__ = ["history_path", "load_history", "load_manifest", "sources_text"]


def history_path() -> Path:
    """Return the path of the bundled ``history.parquet`` (long: series_id, date, value)."""
    return Path(str(resources.files("riskoff.datasets").joinpath("history.parquet")))


def load_history(series: list[str] | None = None) -> pd.DataFrame:
    """Read the bundled history, values as their providers publish them.

    Parameters
    ----------
    series : list of str, optional
        Keep only these series ids.

    Returns
    -------
    DataFrame
        Columns ``series_id``, ``date`` (datetime64), ``value`` (float64).
    """
    filters = [("series_id", "in", series)] if series else None
    frame = pd.read_parquet(history_path(), filters=filters)
    frame["series_id"] = frame["series_id"].astype(str)
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def load_manifest() -> pd.DataFrame:
    """Return the MANIFEST: one row per bundled series with its origin, licence and span."""
    path = resources.files("riskoff.datasets").joinpath("MANIFEST.csv")
    with path.open("r", encoding="utf-8") as handle:
        return pd.read_csv(handle, dtype=str).set_index("series_id")


def sources_text() -> str:
    """Return the bundled SOURCES.md: how every series was obtained and spliced."""
    return resources.files("riskoff.datasets").joinpath("SOURCES.md").read_text(encoding="utf-8")
