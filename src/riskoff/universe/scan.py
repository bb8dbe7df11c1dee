"""Scan a universe of assets: the measures of every day, partitioned over blocks and runs of days.

The price panel is cut into pieces of ``block_assets`` assets by ``chunk_days`` output days
(plus the look-back rows in front of each run of days). Each piece is one task; the additive
terms of the blocks of a run of days are summed in a tree (a few at a time), so no task ever
holds more than a few pieces, whatever the number of assets. Runs of days are submitted a few
at a time (``in_flight``), which bounds what the cluster holds at once. The kernels are in
:mod:`riskoff.universe.kernels`; the module notes there state every measure's definition.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from riskoff.engine import Runner
from riskoff.universe.kernels import (
    DayResults,
    Params,
    block_assets,
    block_partials,
    finish_days,
    lookback,
    sum_partials,
)

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["UniverseScan", "scan_universe"]

_GRAM_BYTES = 32 << 20  # Gram matrices held per piece: sets the default run of days
_FAN_IN = 4  # blocks summed per reduction task


@dataclass
class UniverseScan:
    """The result of :func:`scan_universe`.

    Attributes
    ----------
    daily : DataFrame
        One row per date: ``assets``, ``avg_corr``, ``absorption_ratio``, ``turbulence``,
        ``shrinkage``, ``breadth_1sd``, ``breadth_2sd``, ``breadth_assets``, ``at_52w_low``,
        ``dispersion``.
    drawdown : DataFrame
        Dates by assets: drawdown from the highest close so far.
    contribution : DataFrame
        Dates by assets: each asset's share of the day's turbulence (a row sums to it).
    window, move_window : int
        Co-movement window and breadth move window, in rows (business days).
    """

    daily: pd.DataFrame
    drawdown: pd.DataFrame
    contribution: pd.DataFrame
    window: int
    move_window: int


class _TreeSum:
    """Sum handles as they are submitted, ``_FAN_IN`` at a time, level by level.

    A sum is submitted as soon as its inputs are: Dask runs tasks in the order they were
    submitted, so the partials of the first blocks are summed (and freed) before the last
    blocks are computed, and the memory a run of days holds does not grow with the universe.
    """

    def __init__(self, runner: Runner) -> None:
        self.runner = runner
        self.levels: list[list[Any]] = []

    def add(self, handle: Any, level: int = 0) -> None:
        if level == len(self.levels):
            self.levels.append([])
        self.levels[level].append(handle)
        if len(self.levels[level]) == _FAN_IN:
            group, self.levels[level] = self.levels[level], []
            self.add(self.runner.submit(sum_partials, *group), level + 1)

    def total(self) -> Any:
        carry: list[Any] = []
        for level in self.levels:
            carry = [*level, *carry]
            if len(carry) > 1:
                carry = [self.runner.submit(sum_partials, *carry)]
        return carry[0]


def _piece(values: np.ndarray, rows: slice, cols: slice, pad: int) -> np.ndarray:
    """Rows ``rows`` of the columns ``cols``, with ``pad`` NaN rows in front."""
    block = values[rows, cols]
    if pad:
        block = np.vstack([np.full((pad, block.shape[1]), np.nan), block])
    return np.ascontiguousarray(block)


def default_chunk_days(window: int) -> int:
    """Output days per piece: Gram matrices of about 32 MB, between 64 and 2048 days."""
    per_day = (window + 1) ** 2 * 8
    return int(min(2048, max(64, _GRAM_BYTES // per_day)))


def scan_universe(
    prices: pd.DataFrame,
    window: int = 60,
    move_window: int = 10,
    *,
    client: Client | None = None,
    block_assets_n: int = 256,
    chunk_days: int | None = None,
    n_factors: int | None = None,
    in_flight: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> UniverseScan:
    """Compute the universe measures of every day, in this process or on a Dask cluster.

    Parameters
    ----------
    prices : DataFrame
        Closes, dates (sorted, unique) by assets; NaN where an asset has no close.
    window : int, default 60
        Co-movement window (correlation, absorption ratio, turbulence) in rows.
    move_window : int, default 10
        Window of the breadth moves in rows.
    client : dask.distributed.Client, optional
        Run the pieces on this client's cluster; without it, in this process. The results are
        the same to floating-point rounding.
    block_assets_n : int, default 256
        Assets per block.
    chunk_days : int, optional
        Output days per piece (default: :func:`default_chunk_days`).
    n_factors : int, optional
        Eigenvalues in the absorption ratio (default: one fifth of min(assets, window - 1)).
    in_flight : int, optional
        Runs of days submitted ahead (default: twice the workers, at least 2).
    progress : callable, optional
        Called as ``progress(done, total)`` with runs of days finished.

    Returns
    -------
    UniverseScan
    """
    if window < 3:
        raise ValueError("window must be at least 3")
    params = Params(window=window, move_window=move_window, n_factors=n_factors)
    runner = Runner(client)
    values = prices.to_numpy(dtype=np.float64)
    n_days, n_assets = values.shape
    chunk = chunk_days or default_chunk_days(window)
    look = lookback(params)
    starts = list(range(0, n_days, chunk))
    blocks = [
        slice(b, min(b + block_assets_n, n_assets)) for b in range(0, n_assets, block_assets_n)
    ]
    # highest close before each run of days: the running peak of the drawdowns
    chunk_max = np.fmax.reduceat(values, starts, axis=0) if n_days else values
    peaks = np.vstack([np.full((1, n_assets), np.nan), np.fmax.accumulate(chunk_max, axis=0)])
    ahead = in_flight or max(2, 2 * runner.workers)

    daily: dict[str, np.ndarray] = {}
    drawdown = np.full((n_days, n_assets), np.nan)
    contribution = np.full((n_days, n_assets), np.nan)
    pending: deque[tuple[int, Any, list[Any]]] = deque()

    def collect() -> None:
        c, fin, outs = pending.popleft()
        stop = min(starts[c] + chunk, n_days)
        rows = slice(starts[c], stop)
        results = runner.results([fin, *outs])
        days: DayResults = results[0]
        for name, column in days.table.items():
            daily.setdefault(name, np.full(n_days, np.nan))[rows] = column
        for block, (dd, contrib) in zip(blocks, results[1:], strict=True):
            drawdown[rows, block] = dd
            contribution[rows, block] = contrib
        if progress is not None:
            progress(c + 1, len(starts))

    for c, start in enumerate(starts):
        stop = min(start + chunk, n_days)
        first = start - look
        rows = slice(max(first, 0), stop)
        pad = max(-first, 0)
        pieces = [_piece(values, rows, block, pad) for block in blocks]
        tree = _TreeSum(runner)
        for p in pieces:
            tree.add(runner.submit(block_partials, p, params))
        fin = runner.submit(finish_days, tree.total(), params)
        outs = [
            runner.submit(block_assets, p, fin, peaks[c, block], params)
            for p, block in zip(pieces, blocks, strict=True)
        ]
        pending.append((c, fin, outs))
        while len(pending) >= ahead:
            collect()
    while pending:
        collect()

    index = prices.index
    table = pd.DataFrame(daily, index=index)
    return UniverseScan(
        daily=table,
        drawdown=pd.DataFrame(drawdown, index=index, columns=prices.columns),
        contribution=pd.DataFrame(contribution, index=index, columns=prices.columns),
        window=window,
        move_window=move_window,
    )
