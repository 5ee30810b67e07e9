"""Poll lifecycle messages with LifecycleMessageLoad.poll_since() and compare with a raw httpx loop of the same pages.

    python -m bench.poll_since [--messages N] [--small M] [--repeats K] [--per-invoice P]

One sandbox (file db) holds N lifecycle messages on N/P invoices of one
tenant, all with ``ext_reference_1`` = CUSTOMER-A (seeded through the admin
API, ``SandboxAdmin.add_platform_messages``, P per invoice). Every measurement
runs in a fresh child process (``--side``), so its peak RSS is its own; sides
are interleaved within each repeat:

* raw: ``httpx.Client`` GETs ``/v1/lifecycle-messages?since=...&ext_reference_1=CUSTOMER-A``
  page by page (500 a page, the SDK's default), ``json.loads`` each body and
  reads one field of every message, keeping nothing - what a user would write
  without the SDK;
* raw_orjson: the same loop decoding each body with ``orjson.loads``, as the
  SDK does: against it the ratio is the SDK's own overhead, against ``raw``
  what a user gains;
* sdk: ``for m in LifecycleMessageLoad(context).poll_since(since, {1: "CUSTOMER-A"}): m.code``.

Each side reads the first M messages (``--small``, default 50,000) and then
all N (default 200,000) in separate children: client CPU seconds of the poll
loop (``time.process_time``, imports excluded) and peak RSS. Reported: CPU
SDK/raw at M and at N (target <= 1.3x) and each side's peak RSS growth from
M to N (target: flat, under 20 MB). Medians go to stdout and
``bench/results/poll_since.json``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
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

from nuntiq_sandbox.testing import SandboxServer

RESULTS = Path(__file__).resolve().parent / "results" / "poll_since.json"
SIDES = ("raw", "raw_orjson", "sdk")
PAGE = 500  # poll_since's default page_size
SINCE = "2000-01-01T00:00:00Z"
REFERENCE = "CUSTOMER-A"
CODES = ("RECEIVED", "CAPTURED", "VALIDATED", "ERP_RECEIVED")
SEED_BATCH = 10_000  # the admin API's largest batch of messages
CPU_TARGET = 1.3
RSS_TARGET_MB = 20.0


def seed(server: SandboxServer, count: int, per_invoice: int) -> str:
    """A tenant with ``count`` messages, ``per_invoice`` on each of its invoices; returns a token of the tenant."""
    tenant, token = server.admin.create_tenant_with_token()
    invoices = -(-count // per_invoice)
    specs = [
        {"tenant_id": tenant.tenant_id, "invoice_number": f"POLL-{n:06d}", "ext_reference_1": REFERENCE}
        for n in range(invoices)
    ]
    tokens = server.admin.create_invoices(specs)
    left = count
    for invoice_token in tokens:
        mine = min(per_invoice, left)
        for start in range(0, mine, SEED_BATCH):
            size = min(SEED_BATCH, mine - start)
            messages = [
                {"code": CODES[(start + i) % len(CODES)], "note_supplier": f"message {start + i} of {invoice_token}"}
                for i in range(size)
            ]
            server.admin.add_platform_messages(invoice_token, messages)
        left -= mine
    return token.token


def child(side: str, api_url: str, token: str, rows: int) -> dict[str, float]:
    """One measurement, in this (fresh) process: the poll loop's CPU and the process's peak RSS."""
    read = 0
    if side in ("raw", "raw_orjson"):
        loads = orjson.loads if side == "raw_orjson" else json.loads
        client = httpx.Client(base_url=api_url, headers={"Authorization": f"Bearer {token}"}, timeout=120)
        start = time.process_time()
        cursor: str | None = None
        while read < rows:
            params: dict[str, Any] = {"since": SINCE, "ext_reference_1": REFERENCE, "limit": PAGE}
            if cursor:
                params["cursor"] = cursor
            page = loads(client.get("/lifecycle-messages", params=params).content)
            for message in page["data"]:
                _ = message["code"]
                read += 1
                if read == rows:
                    break
            cursor = page.get("next_cursor")
            if not cursor:
                break
        cpu = time.process_time() - start
    else:
        from nuntiq_sdk import JobContext
        from nuntiq_sdk.objects.lifecycle_message import LifecycleMessageLoad

        settings = {"customer_number": "1", "secrets": {"api_token": token}, "config": {"api_base_url": api_url}}
        context = JobContext.from_settings(settings, environ={})
        load = LifecycleMessageLoad(context)
        start = time.process_time()
        for message in itertools.islice(load.poll_since(SINCE, {1: REFERENCE}, page_size=PAGE), rows):
            _ = message.code
            read += 1
        cpu = time.process_time() - start
    return {"rows": read, "cpu_s": cpu, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def measure(side: str, api_url: str, token: str, rows: int) -> dict[str, float]:
    command = [sys.executable, "-m", "bench.poll_since", "--side", side, "--api-url", api_url, "--messages", str(rows)]
    env = {**os.environ, "NUNTIQ_BENCH_TOKEN": token}
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{side} failed: {result.stderr[-2000:]}")
    figures: dict[str, float] = json.loads(result.stdout.splitlines()[-1])
    if figures["rows"] != rows:
        raise RuntimeError(f"{side} read {figures['rows']} messages, not {rows}")
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.poll_since", description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200_000, help="messages seeded and polled (default 200000)")
    parser.add_argument("--small", type=int, default=50_000, help="the smaller poll (default 50000)")
    parser.add_argument("--per-invoice", type=int, default=1000, help="messages per invoice (default 1000)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--side", choices=SIDES, help=argparse.SUPPRESS)
    parser.add_argument("--api-url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.side:
        print(json.dumps(child(args.side, args.api_url, os.environ["NUNTIQ_BENCH_TOKEN"], args.messages)))
        return 0
    for name in ("messages", "small", "per_invoice", "repeats"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1, got {getattr(args, name)}")

    small = min(args.small, args.messages)
    runs: dict[str, dict[int, list[dict[str, float]]]] = {side: {small: [], args.messages: []} for side in SIDES}
    with tempfile.TemporaryDirectory() as scratch, SandboxServer(db=str(Path(scratch) / "bench.sqlite3")) as server:
        started = time.perf_counter()
        token = seed(server, args.messages, args.per_invoice)
        print(f"seeded {args.messages} messages in {time.perf_counter() - started:.0f} s", flush=True)
        for repeat in range(args.repeats):
            for size in (small, args.messages):
                for side in SIDES:
                    runs[side][size].append(measure(side, server.api_url, token, size))
            line = ", ".join(
                f"{side} {runs[side][small][-1]['cpu_s']:.2f} / {runs[side][args.messages][-1]['cpu_s']:.2f} cpu-s"
                for side in SIDES
            )
            print(f"repeat {repeat + 1}/{args.repeats} at {small} / {args.messages} messages: {line}", flush=True)

    def median(side: str, size: int, key: str) -> float:
        return float(statistics.median(run[key] for run in runs[side][size]))

    summary: dict[str, Any] = {
        "benchmark": "poll_since",
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count()},
        "messages": args.messages,
        "small": small,
        "per_invoice": args.per_invoice,
        "page_size": PAGE,
        "repeats": args.repeats,
        "targets": {"cpu_ratio_max": CPU_TARGET, "rss_growth_mb_max": RSS_TARGET_MB},
        "sides": {},
    }
    for side in SIDES:
        rss_small, rss_all = median(side, small, "peak_rss_mb"), median(side, args.messages, "peak_rss_mb")
        summary["sides"][side] = {
            "cpu_s_small": median(side, small, "cpu_s"),
            "cpu_s_all": median(side, args.messages, "cpu_s"),
            "peak_rss_mb_small": rss_small,
            "peak_rss_mb_all": rss_all,
            "rss_growth_mb": rss_all - rss_small,
        }
    raw, sdk = summary["sides"]["raw"], summary["sides"]["sdk"]
    summary["ratio_cpu_small"] = sdk["cpu_s_small"] / raw["cpu_s_small"]
    summary["ratio_cpu_all"] = sdk["cpu_s_all"] / raw["cpu_s_all"]
    floor = summary["sides"]["raw_orjson"]
    summary["ratio_cpu_small_vs_raw_orjson"] = sdk["cpu_s_small"] / floor["cpu_s_small"]
    summary["ratio_cpu_all_vs_raw_orjson"] = sdk["cpu_s_all"] / floor["cpu_s_all"]
    summary["met"] = {
        "cpu": summary["ratio_cpu_all"] <= CPU_TARGET,
        "rss_flat": sdk["rss_growth_mb"] < RSS_TARGET_MB,
    }

    print(f"\nlifecycle messages polled, median of {args.repeats} (fresh process per measurement, page {PAGE})")
    columns = [f"cpu-s @{small}", f"cpu-s @{args.messages}", f"RSS MB @{small}", f"RSS MB @{args.messages}"]
    print(f"{'':22}" + "".join(f"{column:>18}" for column in columns))
    for side, label in (("raw", "raw httpx loop"), ("raw_orjson", "raw loop + orjson"), ("sdk", "poll_since")):
        f = summary["sides"][side]
        print(
            f"{label:22}{f['cpu_s_small']:18.2f}{f['cpu_s_all']:18.2f}"
            f"{f['peak_rss_mb_small']:18.1f}{f['peak_rss_mb_all']:18.1f}"
        )
    verdict = {True: "met", False: "NOT met"}
    print(
        f"poll_since: client CPU {summary['ratio_cpu_small']:.2f}x the raw loop at {small}, "
        f"{summary['ratio_cpu_all']:.2f}x at {args.messages} "
        f"(target <= {CPU_TARGET}x: {verdict[summary['met']['cpu']]}); "
        f"{summary['ratio_cpu_all_vs_raw_orjson']:.2f}x the raw loop with orjson (the SDK's overhead)"
    )
    print(
        f"poll_since: peak RSS {sdk['rss_growth_mb']:+.1f} MB from {small} to {args.messages} messages "
        f"(target flat, < {RSS_TARGET_MB:.0f} MB: {verdict[summary['met']['rss_flat']]}); "
        f"raw loop {raw['rss_growth_mb']:+.1f} MB"
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(summary, indent=1) + "\n")
    print(f"\nwritten to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
