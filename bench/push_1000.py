"""Push 1,000 invoices through ``nuntiq run`` and compare with a bare paramiko upload loop.

    python -m bench.push_1000 [--invoices N] [--repeats K] [--db file|memory] [--plain]

Each repeat gets a fresh tenant with N invoices at 90 in a sandbox
(``SandboxServer``) and a fresh SFTP root served by the embedded SFTP server
in a process of its own (``python -m nuntiq_sandbox.sftp``), then measures:

* connector: ``nuntiq run connectors/acme_erp_sftp_push`` in a subprocess
  (config ``batch_size: 500``, ``max_batches`` enough for N: 2 for 1,000),
  wall time from spawn to exit, interpreter start-up included;
* baseline: the very CSV bodies the connector delivered, uploaded to a fresh
  folder of the same server by a bare paramiko loop: connect once, then per
  file open/write/close a temporary name and rename it.

Both use one SSH connection and the same server; the connector also talks to
the API (claim, read, acknowledge, report per invoice) and keeps its delivery
journal. Medians of the repeats are reported; the figures go to stdout as a
table and to ``bench/results/push_1000.json``. Unless ``--plain`` is given
the connector runs under ``bench._instrumented_run`` (the same ``nuntiq``
main, with counters) so that its API calls and SFTP requests are counted and
timed: that is the "where the time goes" line.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import paramiko

from nuntiq_sandbox.testing import SandboxServer, Tenant

ROOT = Path(__file__).resolve().parent.parent
CONNECTOR = ROOT / "connectors" / "acme_erp_sftp_push"
RESULTS = Path(__file__).resolve().parent / "results" / "push_1000.json"
OUTBOX = "/inbound/invoices"
SENT = "/inbound/invoices/sent"
BASELINE_DIR = "/baseline/invoices"
SFTP_USER = "nuntiq_push"
BATCH_SIZE = 500
CREATE_CHUNK = 500
SFTP_START_TIMEOUT = 30.0
RUN_TIMEOUT = 1800.0


@dataclass
class SFTPProcess:
    """The embedded SFTP server as its own process, so that neither client shares its interpreter."""

    process: subprocess.Popen[bytes]
    host: str
    port: int
    root: Path
    known_hosts: Path
    password: str
    host_key: paramiko.PKey


@contextmanager
def sftp_server(root: Path, *, latency_ms: int = 0) -> Iterator[SFTPProcess]:
    """``python -m nuntiq_sandbox.sftp`` serving ``root``; ``latency_ms`` delays every SFTP request (a WAN)."""
    password = secrets.token_urlsafe(16)
    ready = root.parent / f"{root.name}.ready"
    known_hosts = root.parent / f"{root.name}.known_hosts"
    command = [sys.executable, "-m", "nuntiq_sandbox.sftp", "--root", str(root), "--user", SFTP_USER]
    command += ["--mkdir", SENT, "--mkdir", BASELINE_DIR, "--ready-file", str(ready), "--known-hosts", str(known_hosts)]
    command += ["--latency-ms", str(latency_ms)]
    env = {**os.environ, "NUNTIQ_SFTP_PASSWORD": password}
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + SFTP_START_TIMEOUT
        while not (ready.exists() and ready.read_text().endswith("\n")):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the SFTP server did not start (exit status {process.poll()})")
            time.sleep(0.05)
        info = json.loads(ready.read_text())
        host_keys = paramiko.HostKeys(str(known_hosts))
        lookup = f"[{info['host']}]:{info['port']}"
        host_key = next(iter(host_keys.lookup(lookup).values()))  # type: ignore[union-attr]
        yield SFTPProcess(process, info["host"], info["port"], root, known_hosts, password, host_key)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def invoice_specs(tenant: Tenant, count: int, repeat: int) -> list[dict[str, Any]]:
    specs = []
    for n in range(count):
        number = f"B{repeat}-INV-{n + 1:05d}"
        specs.append(
            {
                "tenant_id": tenant.tenant_id,
                "status": 90,
                "invoice_number": number,
                "supplier_code": "SUP-100",
                "supplier_location_code": "MAIN",
                "erp_company_code": "EMEA",
                "ext_reference_1": "CUSTOMER-A",
                "created_at": f"2026-11-{1 + n // 1440:02d}T{(n // 60) % 24:02d}:{n % 60:02d}:00Z",
                "fields": {
                    "invoiceNumber": number,
                    "invoiceDate": "2026-11-02",
                    "currencyCode": "EUR",
                    "grossAmount": f"{1000 + n}.00",
                    "supplierCode": "SUP-100",
                },
                "addresses": [
                    {"role": "vendor", "address_name": "Acme Supplies GmbH", "city": "Berlin", "country_code": "DE"},
                    {"role": "buyer", "address_name": "Demo Customer BV", "city": "Utrecht", "country_code": "NL"},
                ],
                "lines": [
                    {"line_number": 1, "fields": {"description": "Widgets", "quantity": 10, "amount": "1000.00"}},
                    {"line_number": 2, "fields": {"description": "Freight", "quantity": 1, "amount": "0.00"}},
                ],
            }
        )
    return specs


def run_connector(
    sandbox: SandboxServer, server: SFTPProcess, work: Path, count: int, repeat: int, *, plain: bool
) -> dict[str, Any]:
    """``nuntiq run`` the connector once; returns its wall time, summary and (unless plain) its counters."""
    tenant, token = sandbox.admin.create_tenant_with_token()
    specs = invoice_specs(tenant, count, repeat)
    for start in range(0, count, CREATE_CHUNK):
        sandbox.admin.create_invoices(specs[start : start + CREATE_CHUNK])
    settings = work / "settings.json"
    settings.write_text(
        json.dumps(
            {
                "customer_number": "10000001",
                "secrets": {"sftp_password": server.password},
                "config": {
                    "connector_name": "acme_erp_push",
                    "sftp_host": server.host,
                    "sftp_port": server.port,
                    "sftp_user": SFTP_USER,
                    "sftp_known_hosts": str(server.known_hosts),
                    "remote_outbox": OUTBOX,
                    "remote_sent": SENT,
                    "batch_size": BATCH_SIZE,
                    "max_batches": max(1, math.ceil(count / BATCH_SIZE)),
                },
            }
        )
    )
    stats_file = work / "stats.json"
    module = "nuntiq_cli" if plain else "bench._instrumented_run"
    command = [sys.executable, "-m", module, "run", str(CONNECTOR), "--settings", str(settings)]
    command += ["--work-dir", str(work / "job")]
    env = {
        **os.environ,
        "NUNTIQ_API_URL": sandbox.api_url,
        "NUNTIQ_API_TOKEN": token.token,
        "NUNTIQ_BENCH_STATS": str(stats_file),
        "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p),
    }
    with open(work / "stdout.log", "wb") as stdout, open(work / "stderr.log", "wb") as stderr:
        started = time.perf_counter()
        result = subprocess.run(command, env=env, stdout=stdout, stderr=stderr, timeout=RUN_TIMEOUT, check=False)
        wall = time.perf_counter() - started
    output = (work / "stdout.log").read_text()
    if result.returncode != 0:
        tail = (work / "stderr.log").read_text()[-2000:]
        raise RuntimeError(f"the connector exited with {result.returncode}:\n{tail}")
    summary = json.loads(output[output.index("{") :])
    if summary.get("pushed") != count or summary.get("failed"):
        raise RuntimeError(f"the connector did not push all {count} invoices: {summary}")
    stats = json.loads(stats_file.read_text()) if stats_file.exists() else {}
    return {"wall_seconds": wall, "summary": summary, **stats}


def delivered_bodies(server: SFTPProcess, count: int) -> list[tuple[str, bytes]]:
    outbox = server.root / OUTBOX.lstrip("/")
    files = sorted(p for p in outbox.iterdir() if p.is_file() and not p.name.startswith("."))
    if len(files) != count:
        raise RuntimeError(f"{len(files)} files in the outbox, expected {count}")
    return [(p.name, p.read_bytes()) for p in files]


def run_baseline(server: SFTPProcess, bodies: list[tuple[str, bytes]]) -> float:
    """A bare paramiko loop: connect once; per file open/write/close a temporary name, then rename it."""
    started = time.perf_counter()
    transport = paramiko.Transport((server.host, server.port))
    try:
        transport.connect(hostkey=server.host_key, username=SFTP_USER, password=server.password)
        sftp = paramiko.SFTPClient.from_transport(transport)
        assert sftp is not None
        for name, body in bodies:
            temp = f"{BASELINE_DIR}/.{name}.tmp"
            with sftp.open(temp, "wb") as handle:
                handle.write(body)
            sftp.rename(temp, f"{BASELINE_DIR}/{name}")
        sftp.close()
    finally:
        transport.close()
    elapsed = time.perf_counter() - started
    landed = [p for p in (server.root / BASELINE_DIR.lstrip("/")).iterdir() if not p.name.startswith(".")]
    if len(landed) != len(bodies):
        raise RuntimeError(f"the baseline landed {len(landed)} files, expected {len(bodies)}")
    return elapsed


def median(values: list[float]) -> float:
    return float(statistics.median(values)) if values else math.nan


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.push_1000", description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=1000, help="invoices per repeat (default 1000)")
    parser.add_argument("--repeats", type=int, default=3, help="repeats; medians are reported (default 3)")
    parser.add_argument("--db", choices=("file", "memory"), default="file", help="sandbox SQLite (default file)")
    parser.add_argument("--plain", action="store_true", help="run plain `nuntiq run`, without the counters")
    parser.add_argument("--output", type=Path, default=RESULTS, help=f"JSON results (default {RESULTS})")
    args = parser.parse_args(argv)
    if args.invoices < 1 or args.repeats < 1:
        parser.error("--invoices and --repeats must be at least 1")

    scratch = Path(tempfile.mkdtemp(prefix="nuntiq-bench-"))
    runs: list[dict[str, Any]] = []
    try:
        db = str(scratch / "sandbox.sqlite3") if args.db == "file" else ":memory:"
        with SandboxServer(db=db) as sandbox:
            for repeat in range(args.repeats):
                work = scratch / f"repeat-{repeat}"
                work.mkdir()
                root = scratch / f"sftp-{repeat}"
                root.mkdir()
                with sftp_server(root) as server:
                    connector = run_connector(sandbox, server, work, args.invoices, repeat, plain=args.plain)
                    bodies = delivered_bodies(server, args.invoices)
                    baseline = run_baseline(server, bodies)
                runs.append({"connector": connector, "baseline_seconds": baseline})
                print(
                    f"repeat {repeat + 1}/{args.repeats}: connector {connector['wall_seconds']:.2f} s, "
                    f"baseline {baseline:.2f} s",
                    flush=True,
                )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    report = summarize(runs, args)
    print_table(report)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwritten to {args.output}")
    return 0


def summarize(runs: list[dict[str, Any]], args: argparse.Namespace) -> dict[str, Any]:
    n = args.invoices
    wall = median([r["connector"]["wall_seconds"] for r in runs])
    in_process = median([r["connector"].get("in_process_seconds", math.nan) for r in runs])
    baseline = median([r["baseline_seconds"] for r in runs])
    per_invoice: dict[str, Any] = {}
    if not args.plain:
        per_invoice = {
            "api_requests": median([r["connector"]["api_requests"] for r in runs]) / n,
            "api_ms": median([r["connector"]["api_seconds"] for r in runs]) * 1000 / n,
            "sftp_requests": median([r["connector"]["sftp_requests"] for r in runs]) / n,
            "sftp_ms": median([r["connector"]["sftp_seconds"] for r in runs]) * 1000 / n,
            "sftp_connect_ms_per_run": median([r["connector"]["sftp_connect_seconds"] for r in runs]) * 1000,
        }
        per_invoice["other_ms"] = in_process * 1000 / n - per_invoice["api_ms"] - per_invoice["sftp_ms"]
    return {
        "benchmark": "push_1000",
        "when": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "paramiko": paramiko.__version__,
        },
        "setup": {
            "invoices": n,
            "repeats": args.repeats,
            "sandbox_db": args.db,
            "connector_config": {"batch_size": BATCH_SIZE, "max_batches": max(1, math.ceil(n / BATCH_SIZE))},
            "instrumented": not args.plain,
            "sftp_server": "nuntiq_sandbox.sftp (embedded, paramiko server) in its own process on 127.0.0.1",
        },
        "median": {
            "connector_wall_seconds": wall,
            "connector_in_process_seconds": in_process,
            "baseline_seconds": baseline,
            "connector_invoices_per_second": n / wall,
            "connector_in_process_invoices_per_second": None if math.isnan(in_process) else n / in_process,
            "baseline_files_per_second": n / baseline,
            "ratio_connector_over_baseline": wall / baseline,
            "ratio_in_process_over_baseline": None if math.isnan(in_process) else in_process / baseline,
        },
        "per_invoice": per_invoice,
        "runs": runs,
    }


def print_table(report: dict[str, Any]) -> None:
    m = report["median"]
    setup = report["setup"]
    print(f"\npush {setup['invoices']} invoices, median of {setup['repeats']} (sandbox db: {setup['sandbox_db']})")
    print(f"{'':32} {'seconds':>9} {'per second':>11} {'ratio':>7}")

    def row(label: str, seconds: float, per_second: float, ratio: float) -> None:
        print(f"{label:32} {seconds:9.2f} {per_second:11.1f} {ratio:7.2f}")

    row("connector (nuntiq run, wall)", m["connector_wall_seconds"], m["connector_invoices_per_second"],
        m["ratio_connector_over_baseline"])  # fmt: skip
    if m["ratio_in_process_over_baseline"] is not None:
        row("connector (in process)", m["connector_in_process_seconds"],
            m["connector_in_process_invoices_per_second"], m["ratio_in_process_over_baseline"])  # fmt: skip
    row("baseline (bare paramiko loop)", m["baseline_seconds"], m["baseline_files_per_second"], 1.0)
    p = report["per_invoice"]
    if p:
        middle = report["runs"][len(report["runs"]) // 2]["connector"]
        print(
            f"\nper invoice: {p['api_requests']:.2f} API calls {p['api_ms']:.2f} ms | "
            f"{p['sftp_requests']:.1f} SFTP requests {p['sftp_ms']:.2f} ms | other {p['other_ms']:.2f} ms "
            f"(+ {p['sftp_connect_ms_per_run']:.0f} ms SSH login per run)"
        )
        print("API calls:     " + ", ".join(f"{k} {v}" for k, v in middle["api_calls"].items()))
        print("SFTP requests: " + ", ".join(f"{k} {v}" for k, v in middle["sftp_commands"].items()))


if __name__ == "__main__":
    raise SystemExit(main())
