"""Print ours-vs-naive ratios after a benchmark run (pytest-benchmark's table has ours only)."""

from __future__ import annotations

import sys
from typing import Any


def pytest_terminal_summary(terminalreporter: Any) -> None:
    modules = ("test_bench_kernels", "test_bench_universe")
    results = [row for name in modules for row in getattr(sys.modules.get(name), "RESULTS", [])]
    if not results:
        return
    write = terminalreporter.write_line
    write("")
    write("riskoff kernels: ours vs naive (medians, seconds; ratio = naive / ours)")
    header = f"{'kernel':<28}{'ours':>10}{'naive':>11}{'ratio':>9}  extra"
    write(header)
    write("-" * len(header))
    for row in results:
        extra = "  ".join(
            f"{key}={value:.3g}" + (f" (x{value / row['ours_s']:.1f})" if key == "pandas_s" else "")
            for key, value in row.items()
            if key not in {"kernel", "ours_s", "naive_s", "note"}
        )
        write(
            f"{row['kernel']:<28}{row['ours_s']:>10.4f}{row['naive_s']:>11.3f}"
            f"{row['naive_s'] / row['ours_s']:>8.1f}x  {extra}"
        )
        write(f"{'':<28}naive: {row['note']}")
