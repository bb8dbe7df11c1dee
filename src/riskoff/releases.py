"""Release calendars: the day an observation becomes public, from its date and a calendar rule.

Monthly economic data come out on a schedule tied to the calendar, not a fixed number of days
after the month (a month's payrolls on the first Friday of the next month). A catalog entry
with ``release_rule`` gets its ``first_seen`` from these rules when bundled rows are seeded and
when fetched rows arrive without a vintage; entries without one use ``publication_lag_days``.

The rules are approximations chosen to be conservative (never earlier than the usual release)
and count weekdays only, without a holiday calendar. Known exceptions are documented in the
README: the January employment report often comes a week later (New Year), and the 2013 and
2025-26 federal shutdowns delayed BLS releases by weeks (September 2025 payrolls came out on
2025-11-20; October 2025 household data were never collected; January 2026 payrolls on
2026-02-11).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

__all__ = ["RELEASE_RULES", "public_dates"]


def _next_month(days: np.ndarray) -> np.ndarray:
    """First day of the month after each date (datetime64[D])."""
    return (days.astype("datetime64[M]") + 1).astype("datetime64[D]")


def _first_friday_next_month(days: np.ndarray) -> np.ndarray:
    # BLS Employment Situation: usually the first Friday of the next month.
    return np.busday_offset(_next_month(days), 0, roll="forward", weekmask="Fri")


def _day_of_next_month(day: int) -> Callable[[np.ndarray], np.ndarray]:
    def rule(days: np.ndarray) -> np.ndarray:
        target = _next_month(days) + np.timedelta64(day - 1, "D")
        return np.busday_offset(target, 0, roll="forward")

    return rule


def _last_weekday_next_month(days: np.ndarray) -> np.ndarray:
    after = (days.astype("datetime64[M]") + 2).astype("datetime64[D]")
    return np.busday_offset(after, -1, roll="forward")


def _first_weekday_next_month(days: np.ndarray) -> np.ndarray:
    return np.busday_offset(_next_month(days), 0, roll="forward")


RELEASE_RULES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    # BLS Employment Situation (payrolls, unemployment): first Friday of the next month.
    "first_friday_next_month": _first_friday_next_month,
    # BLS CPI: usually the 10th-15th of the next month; the 15th, rolled to a weekday.
    "day15_next_month": _day_of_next_month(15),
    # Fed G.17 industrial production (~15th-17th) and Census advance retail sales
    # (~13th-17th): the 17th of the next month, rolled to a weekday.
    "day17_next_month": _day_of_next_month(17),
    # BEA Personal Income and Outlays (PCE prices): the last weekday of the next month.
    "last_weekday_next_month": _last_weekday_next_month,
    # University of Michigan final sentiment: end of the month itself (preliminary mid-month);
    # counted from the first weekday of the next month.
    "first_weekday_next_month": _first_weekday_next_month,
}


def public_dates(dates: object, release_rule: str | None, lag_days: int = 0) -> pd.DatetimeIndex:
    """Return the day each observation date becomes public.

    Parameters
    ----------
    dates : array-like of dates
        Observation dates (a monthly value is dated the first of its month, a weekly one the
        last day of its week).
    release_rule : str or None
        A key of ``RELEASE_RULES``; None uses ``lag_days``.
    lag_days : int
        Calendar days added when there is no rule.

    Returns
    -------
    DatetimeIndex
        Midnight of the release day, one per date.
    """
    days = pd.DatetimeIndex(pd.to_datetime(dates)).values.astype("datetime64[D]")
    if release_rule is None:
        out = days + np.timedelta64(int(lag_days), "D")
    else:
        out = RELEASE_RULES[release_rule](days)
    return pd.DatetimeIndex(out.astype("datetime64[ns]"))
