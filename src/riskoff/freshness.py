"""How old the data are compared with today: the same sentence everywhere it is shown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from riskoff import config

# More weekdays than this between the latest close and today and the data count as old.
STALE_AFTER_BDAYS = 5


@dataclass(frozen=True)
class DataAge:
    """The latest close, today, and the weekdays from one to the other."""

    latest: date
    today: date
    business_days: int

    @property
    def stale(self) -> bool:
        """Whether the latest close is more than ``STALE_AFTER_BDAYS`` weekdays old."""
        return self.business_days > STALE_AFTER_BDAYS

    def describe(self) -> str:
        """E.g. ``latest close 2026-09-04 is 62 business days before today 2026-12-01``."""
        if self.business_days <= 0:
            return f"latest close {self.latest} is current (today {self.today})"
        days = "business day" if self.business_days == 1 else "business days"
        return (
            f"latest close {self.latest} is {self.business_days} {days} before today {self.today}"
        )


def data_age(latest: date, today: date | None = None) -> DataAge:
    """Count the weekdays after ``latest`` up to ``today`` (default :func:`config.today`).

    Parameters
    ----------
    latest : date
        The last date with data (a close).
    today : date, optional
        Default: ``config.today()``, which honours ``RISKOFF_TODAY``.

    Returns
    -------
    DataAge
        With ``business_days`` counted Monday to Friday (exchange holidays are not removed).
    """
    today = today or config.today()
    count = int(np.busday_count(latest + timedelta(days=1), today + timedelta(days=1)))
    return DataAge(latest, today, max(count, 0))
