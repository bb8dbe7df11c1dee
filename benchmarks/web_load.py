"""Load benchmark of ``riskoff serve`` on loopback (a script, not a test: ``python <this file>``).

Starts the app in a child process on a free port, then:

1. latency: the first (uncached) and the repeated (cached) ``/api/diagnosis`` of five dates,
   one request at a time (medians);
2. load: 200 concurrent clients against ``/api/diagnosis`` of a cached date, of 20 uncached
   dates (10 clients each), and against the dashboard page ``/``.

Prints throughput, p50/p95/p99 latency and errors per scenario, and the server's peak memory
(VmHWM). Uses the configured store (``RISKOFF_HOME``); it only reads it.
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence

import httpx

CLIENTS = 200
LATENCY_DATES = ("2008-10-10", "2011-08-08", "2015-08-24", "2018-02-05", "2022-06-13")
UNCACHED_DATES = tuple(f"2019-{m:02d}-{d:02d}" for m in range(1, 11) for d in (10, 24))
CACHED_DATE = "2020-03-16"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def peak_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


async def scenario(base: str, name: str, paths: Sequence[str]) -> None:
    """Send ``paths`` (one per client, all at once) and print the figures."""
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    latencies: list[float] = []
    errors = 0
    async with httpx.AsyncClient(base_url=base, timeout=900, limits=limits) as client:

        async def one(path: str) -> None:
            nonlocal errors
            start = time.perf_counter()
            try:
                res = await client.get(path)
                if res.status_code != 200:
                    errors += 1
            except httpx.HTTPError:
                errors += 1
            latencies.append(time.perf_counter() - start)

        began = time.perf_counter()
        await asyncio.gather(*(one(p) for p in paths))
        elapsed = time.perf_counter() - began
    print(
        f"{name:<34}{len(paths):>6} req {len(paths) / elapsed:>8.1f} req/s  "
        f"p50 {percentile(latencies, 50) * 1000:>8.0f} ms  "
        f"p95 {percentile(latencies, 95) * 1000:>8.0f} ms  "
        f"p99 {percentile(latencies, 99) * 1000:>8.0f} ms  errors {errors}"
    )


def latency(base: str) -> None:
    first, repeated = [], []
    with httpx.Client(base_url=base, timeout=300) as client:
        for day in LATENCY_DATES:
            for bucket in (first, repeated):
                start = time.perf_counter()
                client.get("/api/diagnosis", params={"date": day}).raise_for_status()
                bucket.append(time.perf_counter() - start)
    print(
        f"/api/diagnosis latency, median of {len(LATENCY_DATES)} dates: "
        f"first {statistics.median(first) * 1000:.0f} ms, "
        f"repeated {statistics.median(repeated) * 1000:.1f} ms"
    )


def main() -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "riskoff", "serve", "--port", str(port)]
    server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(600):
            try:
                if httpx.get(base + "/api/health", timeout=60).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        # Warm the process (store snapshot, imports) so "first" measures one date's work.
        httpx.get(base + "/api/diagnosis", params={"date": CACHED_DATE}, timeout=300)
        latency(base)
        print(f"load: {CLIENTS} concurrent clients, loopback, {os.cpu_count()} CPUs")
        asyncio.run(
            scenario(base, "/api/diagnosis cached", [f"/api/diagnosis?date={CACHED_DATE}"] * 200)
        )
        uncached = [f"/api/diagnosis?date={d}" for d in UNCACHED_DATES for _ in range(10)]
        asyncio.run(scenario(base, "/api/diagnosis 20 uncached dates", uncached))
        asyncio.run(scenario(base, "dashboard page /", ["/"] * CLIENTS))
        asyncio.run(scenario(base, "/static/dashboard.js", ["/static/dashboard.js"] * CLIENTS))
        print(f"server peak memory (VmHWM): {peak_rss_mb(server.pid):.0f} MB")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
