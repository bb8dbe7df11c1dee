"""riskoff: why is everything falling, and how bad is it.

The public API. Heavy modules load on first use, so ``import riskoff`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from riskoff._version import __version__

if TYPE_CHECKING:
    from riskoff.diagnosis.diagnose import diagnose
    from riskoff.diagnosis.episodes import load_episodes
    from riskoff.diagnosis.result import Diagnosis
    from riskoff.diagnosis.validate import validate
    from riskoff.indicators import indicators, stress_decomposition
    from riskoff.panel import latest_date, load_panel
    from riskoff.report import build_report as report

__all__ = [
    "Diagnosis",
    "__version__",
    "analogs",
    "diagnose",
    "indicators",
    "latest_date",
    "load_episodes",
    "load_panel",
    "report",
    "stress_decomposition",
    "validate",
]

_LAZY = {
    "load_panel": "riskoff.panel",
    "latest_date": "riskoff.panel",
    "indicators": "riskoff.indicators",
    "stress_decomposition": "riskoff.indicators",
    "diagnose": "riskoff.diagnosis.diagnose",
    "Diagnosis": "riskoff.diagnosis.result",
    "load_episodes": "riskoff.diagnosis.episodes",
    "validate": "riskoff.diagnosis.validate",
}


def analogs(date: Any = None, k: int = 5, window: int = 10) -> dict[str, list[dict[str, Any]]]:
    """Return the nearest labelled episodes and the most similar past windows for ``date``.

    Parameters
    ----------
    date : date-like, optional
        The day (default: the latest in the store); only data knowable on it are used.
    k : int
        How many of each.
    window : int
        Window in business days for the fingerprint's moves.

    Returns
    -------
    dict
        ``episodes``: ranked episodes with ``similarity``, ``similar_in`` and ``differs_in``;
        ``paths``: past windows with the closest trajectory, with their dates and distance.
    """
    from riskoff.diagnosis.analogs import episode_analogs, path_analogs
    from riskoff.indicators import indicator_set

    result = indicator_set(date, window)
    day = result.table.index[-1]
    return {
        "episodes": episode_analogs(result, day, k),
        "paths": path_analogs(result, day, k),
    }


def __getattr__(name: str) -> Any:
    if name == "report":
        from riskoff.report import build_report

        return build_report
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'riskoff' has no attribute {name!r}")
