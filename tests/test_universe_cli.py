"""``riskoff scan`` as a user runs it: files in, Parquet out, one line for every refusal."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from riskoff.universe import scan_universe
from riskoff.universe.load import bundled_universe, read_universe
from riskoff.universe.synthetic import synthetic_universe


def _scan(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "riskoff", "scan", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        timeout=300,
    )


def _wide(n_days: int = 120, n_assets: int = 5) -> pd.DataFrame:
    prices = synthetic_universe(n_assets, n_days, seed=2)
    return prices.dropna(axis=1, how="any")


def _long(wide: pd.DataFrame) -> pd.DataFrame:
    long = wide.stack().rename("close").reset_index()
    return long.rename(columns={"level_1": "asset"}).rename(columns={long.columns[1]: "asset"})


def _bad_files(tmp: Path) -> dict[str, tuple[Path, str]]:
    wide = _wide()
    cases: dict[str, tuple[Path, str]] = {}

    def put(name: str, frame: pd.DataFrame, words: str) -> None:
        path = tmp / f"{name}.parquet"
        frame.to_parquet(path)
        cases[name] = (path, words)

    put("unsorted", wide.iloc[[*range(10), 20, *range(10, 20), *range(21, 120)]], "not sorted")
    put("duplicate", pd.concat([wide.iloc[:50], wide.iloc[49:]]), "duplicate date")
    negative = wide.copy()
    negative.iloc[40, 1] = -3.0
    put("negative", negative, "non-positive close")
    put("few", wide.iloc[:, :2], "needs at least 3")
    put("nocolumn", _long(wide).drop(columns="close"), "missing column(s) close")
    long_dup = _long(wide)
    put("longdup", pd.concat([long_dup, long_dup.iloc[:1]]), "duplicate date")
    garbage = tmp / "garbage.parquet"
    garbage.write_bytes(b"this is not parquet")
    cases["garbage"] = (garbage, "not a readable Parquet file")
    folder = tmp / "folder"
    folder.mkdir()
    cases["folder"] = (folder, "is a directory")
    cases["absent"] = (tmp / "absent.parquet", "no such file")
    return cases


def test_bad_inputs_are_one_line_and_exit_2(tmp_path: Path) -> None:
    for name, (path, words) in _bad_files(tmp_path).items():
        res = _scan("--universe", str(path), "--window", "20")
        lines = [line for line in res.stderr.splitlines() if line.strip()]
        assert res.returncode == 2, (name, res.stdout, res.stderr)
        assert len(lines) == 1, (name, res.stderr)
        assert words in " ".join(res.stderr.split()), (name, res.stderr)
        assert "Traceback" not in res.stderr


@pytest.mark.parametrize("case", ["unsorted", "duplicate", "negative", "few", "nocolumn"])
def test_reader_refuses_without_the_command_line(tmp_path: Path, case: str) -> None:
    from riskoff.errors import DataError

    path, words = _bad_files(tmp_path)[case]
    with pytest.raises(DataError, match=words.replace("(", r"\(").replace(")", r"\)")):
        read_universe(path, window=20)


def test_long_and_wide_files_read_the_same(tmp_path: Path) -> None:
    wide = _wide()
    wide.to_parquet(tmp_path / "wide.parquet")
    _long(wide).to_parquet(tmp_path / "long.parquet")
    a = read_universe(tmp_path / "wide.parquet", 20)
    b = read_universe(tmp_path / "long.parquet", 20)
    pd.testing.assert_frame_equal(a, b, check_names=False, check_freq=False)


def test_scan_writes_parquet_and_shows_breadth_beside_the_diagnosis(tmp_path: Path) -> None:
    out = tmp_path / "scan.parquet"
    res = _scan(
        "--synthetic", "60x700", "--seed", "4", "--window", "20", "-o", str(out),
        "--date", "2003-09-05",
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    daily = pd.read_parquet(out)
    assets = pd.read_parquet(tmp_path / "scan.assets.parquet")
    expected = scan_universe(synthetic_universe(60, 700, seed=4), window=20)
    pd.testing.assert_frame_equal(daily, expected.daily, check_freq=False)
    assert {"date", "asset", "drawdown", "turbulence_contribution"} <= set(assets.columns)
    text = " ".join(res.stdout.split())
    assert "Universe on 2003-09-05" in text
    assert "breadth on 2003-09-05 (down > 1 sigma over 10 days): asset classes" in text
    assert "universe" in text


def test_synthetic_is_seeded_and_has_listings_and_delistings() -> None:
    a = synthetic_universe(50, 600, seed=11)
    b = synthetic_universe(50, 600, seed=11)
    c = synthetic_universe(50, 600, seed=12)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)
    first, last = a.notna().idxmax(), a[::-1].notna().idxmax()
    assert (first > a.index[0]).any() and (last < a.index[-1]).any()
    r = np.log(a).diff().stack()
    assert ((r - r.mean()) ** 4).mean() / r.var() ** 2 > 4.0  # fat tails (normal: 3)


def test_bundled_series_make_a_small_real_universe() -> None:
    prices = bundled_universe()
    assert prices.shape[1] >= 50
    scan = scan_universe(prices.iloc[-700:], window=60)
    last = scan.daily.dropna(subset=["breadth_1sd"]).iloc[-1]
    assert last["breadth_assets"] >= 30
    assert 0.0 <= last["breadth_1sd"] <= 1.0
    assert np.isfinite(scan.daily["avg_corr"].iloc[-1])
