"""Read suppliers with SupplierLoad.get_all() / search() and compare with a raw httpx loop doing the same requests.

    python -m bench.reads [--rows N] [--small M] [--repeats K]

One sandbox (file db) holds N suppliers (one location and one bank account
each). Every measurement runs in a fresh child process (``--side``), so its
peak RSS is its own; sides are interleaved within each repeat:

* raw: ``httpx.Client`` GETs ``/v1/suppliers`` page by page (the spec's
  largest page), ``json.loads`` each body and reads one field of every row -
  what a user would write without the SDK;
* raw_orjson: the same loop decoding each body with ``orjson.loads``, as the
  SDK does: against it the ratio is the SDK's own overhead, against ``raw``
  what a user gains;
* sdk get_all: ``for s in SupplierLoad(context).get_all(): s.supplier_code``;
* sdk search: the same through ``search(country_code="DE")`` (a filter every
  row matches, so both read N rows).

Each side reads the first M rows (``--small``, default 50,000) and then all
N (default 200,000) in separate children: client CPU seconds of the read
loop (``time.process_time``, imports excluded) and peak RSS. Reported:
CPU SDK/raw at M rows (target <= 1.3x) and the SDK's peak RSS growth from M
to N rows (target < 20 MB). Medians go to stdout and ``bench/results/reads.json``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import orjson

from bench.suppliers_50k import supplier_row
from nuntiq_sandbox.testing import SandboxServer

RESULTS = Path(__file__).resolve().parent / "results" / "reads.json"
SIDES = ("raw", "raw_orjson", "sdk_get_all", "sdk_search")
PAGE = 200  # the spec's maximum page of listSuppliers
SEED_BATCH = 1000


def seed(client: httpx.Client, count: int) -> None:
    for start in range(0, count, SEED_BATCH):
        rows = [supplier_row(n) for n in range(start, min(count, start + SEED_BATCH))]
        client.post("/suppliers/upsert", json={"rows": rows}).raise_for_status()


def child(side: str, api_url: str, token: str, rows: int) -> dict[str, float]:
    """One measurement, in this (fresh) process: the read loop's CPU and the process's peak RSS."""
    read = 0
    if side in ("raw", "raw_orjson"):
        loads = orjson.loads if side == "raw_orjson" else json.loads
        client = httpx.Client(base_url=api_url, headers={"Authorization": f"Bearer {token}"}, timeout=120)
        start = time.process_time()
        cursor: str | None = None
        while read < rows:
            params: dict[str, Any] = {"limit": PAGE} | ({"cursor": cursor} if cursor else {})
            page = loads(client.get("/suppliers", params=params).content)
            for row in page["data"]:
                _ = row["supplier_code"]
                read += 1
                if read == rows:
                    break
            cursor = page.get("next_cursor")
            if not cursor:
                break
        cpu = time.process_time() - start
    else:
        from nuntiq_sdk import JobContext
        from nuntiq_sdk.objects.supplier import SupplierLoad

        settings = {"customer_number": "1", "secrets": {"api_token": token}, "config": {"api_base_url": api_url}}
        context = JobContext.from_settings(settings, environ={})
        load = SupplierLoad(context)
        start = time.process_time()
        found = load.get_all() if side == "sdk_get_all" else load.search(country_code="DE")
        for supplier in itertools.islice(found, rows):
            _ = supplier.supplier_code
            read += 1
        cpu = time.process_time() - start
    return {"rows": read, "cpu_s": cpu, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def measure(side: str, api_url: str, token: str, rows: int) -> dict[str, float]:
    command = [sys.executable, "-m", "bench.reads", "--side", side, "--api-url", api_url, "--rows", str(rows)]
    env = {**os.environ, "NUNTIQ_BENCH_TOKEN": token}
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{side} failed: {result.stderr[-2000:]}")
    figures: dict[str, float] = json.loads(result.stdout.splitlines()[-1])
    if figures["rows"] != rows:
        raise RuntimeError(f"{side} read {figures['rows']} rows, not {rows}")
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reads", description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--small", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--side", choices=SIDES, help=argparse.SUPPRESS)
    parser.add_argument("--api-url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.side:
        print(json.dumps(child(args.side, args.api_url, os.environ["NUNTIQ_BENCH_TOKEN"], args.rows)))
        return 0

    small = min(args.small, args.rows)
    runs: dict[str, dict[int, list[dict[str, float]]]] = {side: {small: [], args.rows: []} for side in SIDES}
    with tempfile.TemporaryDirectory() as scratch, SandboxServer(db=str(Path(scratch) / "bench.sqlite3")) as server:
        _, token = server.admin.create_tenant_with_token()
        started = time.perf_counter()
        with server.api_client(token) as client:
            seed(client, args.rows)
        print(f"seeded {args.rows} suppliers in {time.perf_counter() - started:.0f} s")
        for repeat in range(args.repeats):
            for size in (small, args.rows):
                for side in SIDES:
                    runs[side][size].append(measure(side, server.api_url, token.token, size))
            line = ", ".join(f"{side} {runs[side][small][-1]['cpu_s']:.2f} cpu-s" for side in SIDES)
            print(f"repeat {repeat + 1}/{args.repeats} at {small} rows: {line}")

    def median(side: str, size: int, key: str) -> float:
        return statistics.median(run[key] for run in runs[side][size])

    raw_cpu, floor_cpu = median("raw", small, "cpu_s"), median("raw_orjson", small, "cpu_s")
    summary: dict[str, Any] = {"rows": args.rows, "small": small, "repeats": args.repeats, "sides": {}}
    print(f"\nsuppliers read, median of {args.repeats} (fresh process per measurement)")
    columns = [f"cpu-s @{small}", "ratio", f"RSS MB @{small}", f"RSS MB @{args.rows}"]
    print(f"{'':22}{columns[0]:>16}{columns[1]:>8}{columns[2]:>18}{columns[3]:>18}")
    for side in SIDES:
        cpu = median(side, small, "cpu_s")
        rss_small, rss_all = median(side, small, "peak_rss_mb"), median(side, args.rows, "peak_rss_mb")
        summary["sides"][side] = {
            "cpu_s_small": cpu,
            "cpu_s_all": median(side, args.rows, "cpu_s"),
            "cpu_ratio_to_raw": cpu / raw_cpu,
            "cpu_ratio_to_raw_orjson": cpu / floor_cpu,
            "peak_rss_mb_small": rss_small,
            "peak_rss_mb_all": rss_all,
            "rss_growth_mb": rss_all - rss_small,
        }
        print(f"{side:22}{cpu:16.2f}{cpu / raw_cpu:7.2f}x{rss_small:18.1f}{rss_all:18.1f}")
    for side in ("sdk_get_all", "sdk_search"):
        figures = summary["sides"][side]
        print(
            f"{side}: client CPU {figures['cpu_ratio_to_raw']:.2f}x the raw loop (target <= 1.3x), "
            f"{figures['cpu_ratio_to_raw_orjson']:.2f}x the raw loop with orjson (the SDK's overhead); "
            f"peak RSS {figures['rss_growth_mb']:+.1f} MB from {small} to {args.rows} rows (target < 20 MB)"
        )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(summary, indent=1) + "\n")
    print(f"\nwritten to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
