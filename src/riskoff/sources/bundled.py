"""The bundled snapshot as a source: re-reads ``history.parquet`` shipped inside the package.

``riskoff update --source bundled`` restores rows a store lacks (after a manual delete, or on a
store created with ``seed=False``) through the same validated, one-transaction path as every
other source. The bundle holds values as providers publish them, so the catalog ``scale`` is
applied here, exactly as the store's own seeding does.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from riskoff.catalog import SeriesSpec
from riskoff.sources.base import tidy


class BundledSource:
    """Rows of the bundled history, for any catalog series it holds."""

    name = "bundled"
    # The snapshot starts in 1962 (DGS10): an empty store asks for all of it.
    earliest = date(1900, 1, 1)

    def fetch(self, spec: SeriesSpec, start: date, end: date) -> pd.DataFrame:
        """Return the bundled rows of ``spec`` dated in ``[start, end]``, in the catalog unit."""
        from riskoff.datasets import load_history

        history = load_history([spec.id])
        inside = history[
            (history["date"] >= pd.Timestamp(start)) & (history["date"] <= pd.Timestamp(end))
        ]
        rows: list[tuple[int, object, object]] = [
            (i, day, value)
            for i, (day, value) in enumerate(zip(inside["date"], inside["value"], strict=True), 1)
        ]
        return tidy(rows, self.name, spec.id, scale=spec.scale, label="row")
