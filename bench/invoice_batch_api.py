"""The invoice claim flow one invoice at a time vs in batches, through InvoiceLoad, against one sandbox.

    python -m bench.invoice_batch_api [--invoices N] [--batch B] [--repeats K] [--latency-ms 20]

No SFTP, no rendering: only the API calls a push makes, so the table shows what
the batch API saves on its own. Per batch of B (the push's ``batch_size``):

* per invoice (the docs' flow): ``claim(limit=B)``, then for each lease
  ``get_by_token``, ``acknowledge``, ``integration_result`` - 3 requests per
  invoice plus the claim;
* batched: ``claim(limit=B, with_invoices=True)``, ``acknowledge_all(leases)``,
  ``report_results([...])`` - 3 requests per batch.

Each run uses a fresh tenant with N invoices; the two sides alternate
(interleaved repeats), first without injected latency, then with
``--latency-ms`` added to every Customer API request by the sandbox's fault
injection (what a WAN adds). Reported: invoices/s (wall), requests, client CPU
seconds, and the ratio batched/per-invoice. Medians go to stdout and
``bench/results/invoice_batch_api.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from nuntiq_sandbox.testing import WAN_RULE_COUNT, SandboxServer
from nuntiq_sdk import IntegrationResult, JobContext
from nuntiq_sdk.objects.invoice import InvoiceLoad

RESULTS = Path(__file__).resolve().parent / "results" / "invoice_batch_api.json"


class RequestCounter(httpx.BaseTransport):
    """Counts the requests that go out (both sides use one each)."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.requests = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def per_invoice(load: InvoiceLoad, batch: int) -> int:
    done = 0
    while leases := load.claim(limit=batch):
        for lease in leases:
            invoice = load.get_by_token(lease.invoice_token)
            load.acknowledge(lease)
            load.integration_result(lease, success=True, external_id_1=f"ERP-{invoice.invoice_id}")
            done += 1
    return done


def batched(load: InvoiceLoad, batch: int) -> int:
    done = 0
    while leases := load.claim(limit=batch, with_invoices=True):
        acked = load.acknowledge_all(leases)
        results = [
            IntegrationResult(lease, success=True, external_id_1=f"ERP-{lease.invoice.invoice_id}")
            for lease, outcome in zip(leases, acked, strict=True)
            if outcome.outcome != "refused"
        ]
        done += sum(outcome.outcome == "reported" for outcome in load.report_results(results))
    return done


def run(server: SandboxServer, side: Callable[[InvoiceLoad, int], int], count: int, batch: int) -> dict[str, float]:
    tenant, token = server.admin.create_tenant_with_token()
    server.admin.create_invoices(
        {"tenant_id": tenant.tenant_id, "invoice_number": f"INV-{n:05d}", "fields": {"invoiceNumber": f"INV-{n:05d}"}}
        for n in range(count)
    )
    counter = RequestCounter()
    settings = {
        "customer_number": "10000001",
        "secrets": {"api_token": token.token},
        "config": {"api_base_url": server.api_url},
    }
    with JobContext.from_settings(settings, environ={}, transport=counter) as context:
        load = InvoiceLoad(context)
        start_wall, start_cpu = time.perf_counter(), time.process_time()
        done = side(load, batch)
        wall, cpu = time.perf_counter() - start_wall, time.process_time() - start_cpu
    assert done == count, f"{side.__name__} processed {done} of {count}"
    return {"invoices_per_s": count / wall, "wall_s": wall, "cpu_s": cpu, "requests": counter.requests}


def median(runs: list[dict[str, float]], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.invoice_batch_api", description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=300)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--latency-ms", type=int, default=20)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    sides = {"per_invoice": per_invoice, "batched": batched}
    table: dict[str, Any] = {}
    with (
        tempfile.TemporaryDirectory(prefix="nuntiq-bench-") as scratch,
        SandboxServer(db=str(Path(scratch) / "sandbox.sqlite3")) as server,
    ):
        for latency in (0, args.latency_ms):
            server.admin.clear_faults()
            if latency:
                server.admin.add_fault(r"^/v1/", count=WAN_RULE_COUNT, latency_ms=latency)  # every tenant
            runs: dict[str, list[dict[str, float]]] = {name: [] for name in sides}
            for _ in range(args.repeats):
                for name, side in sides.items():  # interleaved: both sides see the same machine load
                    runs[name].append(run(server, side, args.invoices, args.batch))
            figures = {
                name: {key: median(values, key) for key in ("invoices_per_s", "wall_s", "cpu_s", "requests")}
                for name, values in runs.items()
            }
            ratio = figures["batched"]["invoices_per_s"] / figures["per_invoice"]["invoices_per_s"]
            table[f"latency_{latency}ms"] = {**figures, "ratio_batched_per_invoice": round(ratio, 2)}
        server.admin.clear_faults()

    result = {"invoices": args.invoices, "batch": args.batch, "repeats": args.repeats, **table}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"{args.invoices} invoices in batches of {args.batch}, medians of {args.repeats} (interleaved)")
    print(f"{'latency':>8} {'side':<12} {'inv/s':>8} {'requests':>9} {'client CPU s':>13} {'ratio':>6}")
    for latency_key, row in table.items():
        for name in sides:
            ratio = f"{row['ratio_batched_per_invoice']:.2f}x" if name == "batched" else ""
            figures = row[name]
            print(
                f"{latency_key.removeprefix('latency_'):>8} {name:<12} {figures['invoices_per_s']:>8.1f}"
                f" {int(figures['requests']):>9} {figures['cpu_s']:>13.2f} {ratio:>6}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
