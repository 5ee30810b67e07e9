"""Stream 1,000,000 generated suppliers through SupplierLoad.save_all(rows=); client RSS stays flat.

    python -m bench.suppliers_1m [--rows N] [--small M] [--sides raw,sdk] [--output PATH]

One sandbox (its own process, file db). Every measurement runs in a fresh
child process (``--side``), so its RSS is its own, into a fresh tenant:

* sdk: ``SupplierLoad(context).save_all(rows=generator)`` - each row made when
  it is asked for (one location and one bank account, as ``suppliers_50k``),
  checked once, sent in chunks of 1,000, counts kept;
* raw: the same generator, cut into chunks of 1,000 and POSTed by a bare
  ``httpx.Client`` to ``/v1/suppliers/upsert`` (stdlib JSON) - the streaming
  loop a user would write without the SDK.

Each side saves M rows (``--small``, default 200,000) and then N (default
1,000,000). Per run: wall seconds, client CPU seconds of the save
(``time.process_time``; imports and set-up excluded) and the client's peak
RSS growth over the save (``VmHWM`` after, reset just before, minus ``VmRSS``
before). Targets: SDK peak RSS growth < 100 MB at N; N and M growing alike
(flat). Figures go to stdout and ``bench/results/suppliers_1m.json``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from bench.suppliers_50k import supplier_row
from nuntiq_sandbox.testing import SandboxServer

RESULTS = Path(__file__).resolve().parent / "results" / "suppliers_1m.json"
SIDES = ("raw", "sdk")
CHUNK = 1000


def _status_kb(name: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(name + ":"):
                return int(line.split()[1])
    raise LookupError(name)


def _reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux 4.0+); False where that is not possible."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
            refs.write("5")
        return True
    except OSError:
        return False


def rows(count: int) -> Iterator[dict[str, Any]]:
    return (supplier_row(n) for n in range(count))


def child(side: str, api_url: str, token: str, count: int) -> dict[str, float]:
    """One measurement, in this (fresh) process: wall, CPU and peak RSS growth of the save alone."""
    if side == "raw":
        client = httpx.Client(base_url=api_url, headers={"Authorization": f"Bearer {token}"}, timeout=120)

        def save() -> int:
            saved = 0
            stream = rows(count)
            while chunk := list(itertools.islice(stream, CHUNK)):
                response = client.post("/suppliers/upsert", json={"rows": chunk})
                response.raise_for_status()
                saved += response.json()["created"]
            return saved

    else:
        from nuntiq_sdk import JobContext
        from nuntiq_sdk.objects.supplier import SupplierLoad

        settings = {
            "customer_number": "1",
            "secrets": {"api_token": token},
            "config": {"api_base_url": api_url, "api_timeout_seconds": 120},
        }
        load = SupplierLoad(JobContext.from_settings(settings, environ={}))
        load.save_all(rows=rows(0))  # set-up (spec shapes, generated checks) before the measurement

        def save() -> int:
            return load.save_all(rows=rows(count)).created

    exact = _reset_peak()
    before_kb = _status_kb("VmRSS") if exact else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start_wall, start_cpu = time.perf_counter(), time.process_time()
    saved = save()
    cpu, wall = time.process_time() - start_cpu, time.perf_counter() - start_wall
    peak_kb = _status_kb("VmHWM") if exact else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if saved != count:
        raise SystemExit(f"{side}: created {saved} of {count}")
    return {"rows": count, "wall_s": wall, "cpu_s": cpu, "rss_growth_mb": (peak_kb - before_kb) / 1024}


def measure(side: str, server: SandboxServer, count: int) -> dict[str, float]:
    _, token = server.admin.create_tenant_with_token()
    command = [sys.executable, "-m", "bench.suppliers_1m", "--side", side, "--rows", str(count)]
    env = {**os.environ, "BENCH_API_URL": server.api_url, "BENCH_TOKEN": token.token}
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{side} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.suppliers_1m", description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=200_000)
    parser.add_argument("--sides", default=",".join(SIDES), help="which sides to run: raw, sdk or both")
    parser.add_argument("--side", choices=SIDES, help=argparse.SUPPRESS)  # a child's own measurement
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.side:
        figures = child(args.side, os.environ["BENCH_API_URL"], os.environ["BENCH_TOKEN"], args.rows)
        print(json.dumps(figures))
        return 0

    sides = [side for side in args.sides.split(",") if side]
    if not sides or set(sides) - set(SIDES):
        parser.error(f"--sides: {args.sides!r} must name raw, sdk or both")
    runs: dict[str, dict[str, dict[str, float]]] = {side: {} for side in sides}
    with (
        tempfile.TemporaryDirectory(prefix="nuntiq-bench-") as scratch,
        SandboxServer(db=str(Path(scratch) / "sandbox.sqlite3")) as server,
    ):
        for size in (args.small, args.rows):
            for side in sides:
                figures = measure(side, server, size)
                runs[side][str(size)] = figures
                print(
                    f"{side} {size}: {figures['wall_s']:.1f} s, {figures['cpu_s']:.2f} cpu-s, "
                    f"peak RSS growth {figures['rss_growth_mb']:.1f} MB",
                    flush=True,
                )

    print(f"\nsuppliers streamed in chunks of {CHUNK} (1 location + 1 bank account each), one run each")
    print(f"{'':8} {'rows':>9} {'rows/s':>8} {'client cpu-s':>13} {'peak RSS growth MB':>19}")
    for side in sides:
        for size, figures in runs[side].items():
            rate = figures["rows"] / figures["wall_s"]
            print(f"{side:8} {size:>9} {rate:8.0f} {figures['cpu_s']:13.2f} {figures['rss_growth_mb']:19.1f}")
    summary: dict[str, Any] = {"rows": args.rows, "small": args.small, "chunk": CHUNK, **runs}
    if "sdk" in runs:
        growth = runs["sdk"][str(args.rows)]["rss_growth_mb"]
        print(f"\nSDK peak RSS growth at {args.rows} rows: {growth:.1f} MB (target < 100 MB)")
        summary["sdk_rss_growth_mb"] = growth
    if "sdk" in runs and "raw" in runs:
        ratio = runs["sdk"][str(args.rows)]["cpu_s"] / runs["raw"][str(args.rows)]["cpu_s"]
        print(f"client CPU at {args.rows} rows, SDK / raw: {ratio:.2f}x")
        summary["cpu_ratio"] = ratio
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"\nwritten to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
