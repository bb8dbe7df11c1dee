"""The universe scan on a Dask cluster equals the single-process scan, for every measure."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from riskoff.universe import scan_universe
from riskoff.universe.synthetic import synthetic_universe

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    # threads of this process: starts in about a second and is reliable on a small machine;
    # the pieces still travel through the scheduler as they would to remote workers
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=False,
        dashboard_address=None,
        host="127.0.0.1",
        protocol="tcp",
    )
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def _frames(scan) -> dict[str, pd.DataFrame]:
    return {
        **{c: scan.daily[[c]] for c in scan.daily.columns},
        "drawdown": scan.drawdown,
        "contribution": scan.contribution,
    }


def test_dask_equals_single_process_for_every_measure(client) -> None:
    prices = synthetic_universe(70, 700, seed=5)
    # wide enough for the Gram path (70 assets > window 20) and listings/delistings inside
    single = scan_universe(prices, window=20, move_window=5)
    spread = scan_universe(
        prices, window=20, move_window=5, client=client, block_assets_n=16, chunk_days=97
    )
    ours, theirs = _frames(single), _frames(spread)
    assert set(ours) >= {
        "avg_corr",
        "absorption_ratio",
        "turbulence",
        "breadth_1sd",
        "breadth_2sd",
        "at_52w_low",
        "dispersion",
        "drawdown",
        "contribution",
    }
    for name, frame in ours.items():
        a, b = frame.to_numpy(), theirs[name].to_numpy()
        assert np.isfinite(a).sum() > 0.3 * a.size, name
        np.testing.assert_array_equal(np.isnan(a), np.isnan(b), err_msg=name)
        np.testing.assert_allclose(b, a, rtol=1e-9, atol=1e-12, err_msg=name)


def test_blocks_and_runs_of_days_do_not_change_results() -> None:
    prices = synthetic_universe(40, 500, seed=9)
    whole = scan_universe(prices, window=15, block_assets_n=1000, chunk_days=10_000)
    cut = scan_universe(prices, window=15, block_assets_n=7, chunk_days=64)
    pd.testing.assert_frame_equal(cut.daily, whole.daily, rtol=1e-9, atol=1e-12)
    pd.testing.assert_frame_equal(cut.contribution, whole.contribution, rtol=1e-9, atol=1e-12)


def test_connect_starts_and_closes_a_local_cluster() -> None:
    from riskoff.engine import Runner, connect

    with connect(workers=2, processes=False) as c:
        assert c is not None
        assert Runner(c).workers == 2
    assert c.status == "closed"
    with connect() as none:
        assert none is None
