"""Concurrent clients against one sandbox for a bounded time: requests/s, p50/p99 latency, errors.

    python -m bench.sandbox_load [--clients 16] [--seconds 20]

One sandbox (``SandboxServer``, in-memory db) on 127.0.0.1; each client is a
thread with its own ``httpx.Client``, its own tenant and token, and runs a
connector-like mix until the time is up: read the catalog, list suppliers,
upsert a supplier (with an Idempotency-Key), claim one invoice and report its
result, post a lifecycle message. The baseline is the same mix from one
client, in the same run, for a third of the time.

An error is a transport failure, a 5xx, or any status the mix does not
expect; the run is meant to report 0. Figures go to stdout and
``bench/results/sandbox_load.json``. At most a minute (``--seconds`` is capped).
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from nuntiq_sandbox.testing import SandboxServer

RESULTS = Path(__file__).resolve().parent / "results" / "sandbox_load.json"
MAX_SECONDS = 60.0
INVOICES_PER_CLIENT = 400


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)

    def record(self, started: float, response: httpx.Response | None, expected: tuple[int, ...]) -> None:
        self.latencies.append(time.perf_counter() - started)
        if response is None:
            self.errors["transport"] += 1
        elif response.status_code not in expected:
            self.errors[f"{response.status_code} {response.request.method} {response.request.url.path}"] += 1


def _call(client: httpx.Client, tally: Tally, method: str, path: str, expected: tuple[int, ...], **kwargs: Any) -> Any:
    started = time.perf_counter()
    try:
        response = client.request(method, path, **kwargs)
    except httpx.TransportError:
        tally.record(started, None, expected)
        return None
    tally.record(started, response, expected)
    return response.json() if response.status_code in expected and response.content else None


def _client_loop(api_url: str, token: str, deadline: float, tally: Tally) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=api_url, headers=headers, timeout=30.0) as client:
        n = 0
        while time.perf_counter() < deadline:
            n += 1
            _call(client, tally, "GET", "/lifecycle-catalog", (200,))
            _call(client, tally, "GET", "/suppliers", (200,), params={"limit": 50})
            row = {"supplier_code": f"SUP-{n % 200}", "name": f"Supplier {n}", "country_code": "DE"}
            _call(
                client,
                tally,
                "POST",
                "/suppliers/upsert",
                (200,),
                json={"rows": [row]},
                headers={"Idempotency-Key": uuid.uuid4().hex},
            )
            claim = _call(client, tally, "POST", "/invoices/claim", (200,), json={"limit": 1})
            for lease in (claim or {}).get("leases", []):
                token_path = f"/invoices/{lease['invoice_token']}"
                _call(client, tally, "POST", token_path + "/acknowledge", (200,), json={"lease_id": lease["lease_id"]})
                _call(
                    client,
                    tally,
                    "POST",
                    token_path + "/integration-result",
                    (200,),
                    json={"lease_id": lease["lease_id"], "success": True},
                )
                _call(client, tally, "POST", token_path + "/lifecycle-messages", (201,), json={"code": "ERP_RECEIVED"})


def _phase(server: SandboxServer, clients: int, seconds: float) -> dict[str, Any]:
    tokens = []
    for index in range(clients):
        tenant, token = server.admin.create_tenant_with_token(name=f"Load {index}")
        server.admin.create_invoices(
            [{"tenant_id": tenant.tenant_id, "invoice_number": f"L-{i}"} for i in range(INVOICES_PER_CLIENT)]
        )
        tokens.append(token.token)
    tallies = [Tally() for _ in range(clients)]
    started = time.perf_counter()
    deadline = started + seconds
    threads = [
        threading.Thread(target=_client_loop, args=(server.api_url, token, deadline, tally), daemon=True)
        for token, tally in zip(tokens, tallies, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies = sorted(latency for tally in tallies for latency in tally.latencies)
    errors: Counter[str] = Counter()
    for tally in tallies:
        errors.update(tally.errors)
    quantiles = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {
        "clients": clients,
        "seconds": round(elapsed, 2),
        "requests": len(latencies),
        "requests_per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": round(quantiles[49] * 1000, 2),
        "p99_ms": round(quantiles[98] * 1000, 2),
        "errors": sum(errors.values()),
        "error_kinds": dict(errors.most_common(10)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sandbox_load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--seconds", type=float, default=20.0, help=f"load time, at most {MAX_SECONDS:g} (default 20)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.clients < 1 or not args.seconds > 0:
        parser.error("--clients must be at least 1 and --seconds positive")
    seconds = min(args.seconds, MAX_SECONDS)
    with SandboxServer() as server:
        baseline = _phase(server, 1, max(seconds / 3, 1.0))
        load = _phase(server, args.clients, seconds)
    summary = {"baseline_one_client": baseline, "load": load}
    for name, phase in summary.items():
        print(
            f"{name}: {phase['clients']} client(s), {phase['requests']} requests in {phase['seconds']} s: "
            f"{phase['requests_per_second']} requests/s, p50 {phase['p50_ms']} ms, p99 {phase['p99_ms']} ms, "
            f"{phase['errors']} errors {phase['error_kinds'] or ''}".rstrip()
        )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return 0 if load["errors"] == 0 and baseline["errors"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
