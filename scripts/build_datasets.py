"""Rebuild the bundled snapshot from a folder of ``date,value`` CSVs and its SOURCES.md.

Usage: python scripts/build_datasets.py DATA_DIR

Writes src/riskoff/datasets/history.parquet (long: series_id, date, value, values as the
provider publishes them), MANIFEST.csv (series, source, origin, licence, first and last date,
rows) and a copy of SOURCES.md. Every CSV is validated first: ISO dates ascending, no
duplicates, numeric values, and each id must be in the catalog.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from riskoff.catalog import load_catalog

OUT = Path(__file__).resolve().parents[1] / "src" / "riskoff" / "datasets"


def origins(sources_md: Path) -> dict[str, list[str]]:
    rows = {}
    for line in sources_md.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| ") and len(cells) >= 9 and cells[0] != "series id":
            rows[cells[0]] = cells
    return rows


def main(data_dir: Path) -> None:
    catalog = load_catalog()
    meta = origins(data_dir / "SOURCES.md")
    frames, manifest = [], []
    for csv in sorted(data_dir.glob("*.csv")):
        sid = csv.stem
        if sid not in catalog:
            raise SystemExit(f"{csv}: series {sid} is not in catalog.toml")
        df = pd.read_csv(csv, dtype={"date": str, "value": float})
        dates = pd.to_datetime(df["date"], format="%Y-%m-%d")
        if not dates.is_monotonic_increasing or dates.duplicated().any():
            raise SystemExit(f"{csv}: dates not strictly ascending")
        frames.append(pd.DataFrame({"series_id": sid, "date": dates.dt.date, "value": df["value"]}))
        spec = catalog[sid]
        manifest.append(
            {
                "series_id": sid,
                "name": spec.name,
                "source": spec.source,
                "native_id": spec.native_id,
                "native_unit": spec.native_unit or spec.unit,
                "origin": meta[sid][7],
                "licence": spec.licence,
                "first_date": dates.iloc[0].date().isoformat(),
                "last_date": dates.iloc[-1].date().isoformat(),
                "rows": len(df),
            }
        )
    missing = set(catalog) - {m["series_id"] for m in manifest}
    if missing:
        # Series fetched live only (NY Fed reference rates and operations) have no bundled rows.
        print(f"catalog series without bundled data (live updates only): {sorted(missing)}")
    long = pd.concat(frames, ignore_index=True)
    long["series_id"] = long["series_id"].astype("category")
    long.to_parquet(OUT / "history.parquet", compression="zstd", compression_level=19, index=False)
    pd.DataFrame(manifest).to_csv(OUT / "MANIFEST.csv", index=False)
    shutil.copy(data_dir / "SOURCES.md", OUT / "SOURCES.md")
    print(f"{len(manifest)} series, {len(long)} rows -> {OUT}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
