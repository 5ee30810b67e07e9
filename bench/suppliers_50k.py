"""Save 50,000 suppliers with SupplierLoad.save_all() and compare with a raw httpx loop.

    python -m bench.suppliers_50k [--suppliers N] [--repeats K] [--change-share 0.01]

Each repeat uses a fresh tenant in one sandbox (``SandboxServer``, file db).
For N suppliers, each with one location and one bank account (valid IBAN):

* SDK, first save: ``SupplierLoad(context).new(**row)`` per supplier (the
  row as the raw loop sends it, children as dicts), then ``save_all()``
  (validation, batching, dirty tracking included);
* SDK, second save: one field changed on ``--change-share`` of them, ``save_all()``;
* SDK, streamed: ``SupplierLoad(context).save_all(rows=rows)`` over a generator
  of the same rows (one check per row, counts only), into another fresh tenant;
* baseline: the same rows as JSON, POSTed by a bare ``httpx.Client`` loop to
  the same endpoint (``/v1/suppliers/upsert``) in batches of the same size,
  into another fresh tenant: what a user would write (``json=``, so httpx
  encodes with the standard library);
* baseline with orjson: the same loop, each batch encoded with ``orjson``
  (the encoder the generated client uses) and sent as ``content=``: the floor
  the SDK's own overhead is measured against. The ratios against the first
  baseline are the users' gain, against the second the SDK's overhead.

Reported per phase: rows/s (wall), request-body bytes sent, client CPU
seconds (``time.process_time`` of this process; the sandbox runs in its own
process), and the ratios SDK/raw for CPU and the second save's bytes as a
share of the first save's. Medians of the repeats go to stdout and
``bench/results/suppliers_50k.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson

from nuntiq_sandbox.testing import SandboxServer
from nuntiq_sdk import JobContext

RESULTS = Path(__file__).resolve().parent / "results" / "suppliers_50k.json"
BATCH = 1000
# Valid test IBANs (mod-97 correct): the bank account of supplier n uses IBANS[n % len(IBANS)] with n in the holder.
IBANS = ["DE89370400440532013000", "GB29NWBK60161331926819", "NL91ABNA0417164300", "FR1420041010050500013M02606"]


def supplier_row(n: int) -> dict[str, Any]:
    return {
        "supplier_code": f"SUP-{n:06d}",
        "name": f"Supplier {n} GmbH",
        "country_code": "DE",
        "currency_code": "EUR",
        "payment_terms_days": 30,
        "active": True,
        "locations": [{"location_code": "MAIN", "name": f"Supplier {n} HQ", "country_code": "DE"}],
        "bank_accounts": [
            {"iban": IBANS[n % len(IBANS)], "account_holder": f"Supplier {n} GmbH", "currency_code": "EUR"}
        ],
    }


class ByteCounter(httpx.BaseTransport):
    """Counts request-body bytes on the way out (both sides use the same counter)."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.bytes = 0
        self.requests = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.bytes += len(request.read())
        self.requests += 1
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


@contextmanager
def measured(figures: dict[str, float], counter: ByteCounter) -> Iterator[None]:
    start_bytes, start_wall, start_cpu = counter.bytes, time.perf_counter(), time.process_time()
    yield
    figures["wall_s"] = time.perf_counter() - start_wall
    figures["cpu_s"] = time.process_time() - start_cpu
    figures["bytes"] = counter.bytes - start_bytes


def sdk_run(server: SandboxServer, count: int, change_share: float) -> dict[str, dict[str, float]]:
    from nuntiq_sdk.objects.supplier import SupplierLoad

    _, token = server.admin.create_tenant_with_token()
    counter = ByteCounter()
    settings = {
        "customer_number": "10000001",
        "secrets": {"api_token": token.token},
        "config": {"api_base_url": server.api_url, "api_timeout_seconds": 120},
    }
    first: dict[str, float] = {}
    second: dict[str, float] = {}
    with JobContext.from_settings(settings, environ={}, transport=counter) as context:
        load = SupplierLoad(context)
        with measured(first, counter):
            for n in range(count):
                load.new(**supplier_row(n))
            result = load.save_all()
        assert len(result.created) == count, f"created {len(result.created)} of {count}: {result.failed[:3]}"
        changed = max(1, int(count * change_share))
        with measured(second, counter):
            for entity in list(load)[:changed]:
                entity.payment_terms_days = 45
            second_result = load.save_all()
        assert len(second_result.updated) == changed
    return {"first": first, "second": second}


def stream_run(server: SandboxServer, count: int) -> dict[str, float]:
    from nuntiq_sdk.objects.supplier import SupplierLoad

    _, token = server.admin.create_tenant_with_token()
    counter = ByteCounter()
    settings = {
        "customer_number": "10000001",
        "secrets": {"api_token": token.token},
        "config": {"api_base_url": server.api_url, "api_timeout_seconds": 120},
    }
    figures: dict[str, float] = {}
    with JobContext.from_settings(settings, environ={}, transport=counter) as context:
        load = SupplierLoad(context)
        with measured(figures, counter):
            result = load.save_all(rows=(supplier_row(n) for n in range(count)))
        assert result.created == count, f"created {result.created} of {count}: {result.failed[:3]}"
    return figures


def raw_run(server: SandboxServer, count: int, *, encoder: str = "stdlib") -> dict[str, float]:
    """``encoder="stdlib"``: httpx's ``json=``; ``"orjson"``: each batch encoded with orjson, sent as ``content=``."""
    _, token = server.admin.create_tenant_with_token()
    counter = ByteCounter()
    figures: dict[str, float] = {}
    headers = {"Authorization": f"Bearer {token.token}"}
    client = httpx.Client(base_url=server.api_url, headers=headers, transport=counter, timeout=120)
    json_headers = {"Content-Type": "application/json"}
    with client, measured(figures, counter):
        rows = [supplier_row(n) for n in range(count)]
        for start in range(0, count, BATCH):
            batch = {"rows": rows[start : start + BATCH]}
            if encoder == "orjson":
                response = client.post("/suppliers/upsert", content=orjson.dumps(batch), headers=json_headers)
            else:
                response = client.post("/suppliers/upsert", json=batch)
            response.raise_for_status()
            assert response.json()["failed"] == 0
    return figures


def median(runs: list[dict[str, float]], key: str) -> float:
    return statistics.median(run[key] for run in runs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.suppliers_50k", description=__doc__.splitlines()[0])
    parser.add_argument("--suppliers", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--change-share", type=float, default=0.01)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    sdk_first: list[dict[str, float]] = []
    sdk_second: list[dict[str, float]] = []
    stream: list[dict[str, float]] = []
    raw: list[dict[str, float]] = []
    raw_orjson: list[dict[str, float]] = []
    with (
        tempfile.TemporaryDirectory(prefix="nuntiq-bench-") as scratch,
        SandboxServer(db=str(Path(scratch) / "sandbox.sqlite3")) as server,
    ):
        for repeat in range(args.repeats):
            raw.append(raw_run(server, args.suppliers))
            raw_orjson.append(raw_run(server, args.suppliers, encoder="orjson"))
            sdk = sdk_run(server, args.suppliers, args.change_share)
            sdk_first.append(sdk["first"])
            sdk_second.append(sdk["second"])
            stream.append(stream_run(server, args.suppliers))
            print(
                f"repeat {repeat + 1}/{args.repeats}: raw {raw[-1]['wall_s']:.2f} s / {raw[-1]['cpu_s']:.2f} cpu-s, "
                f"raw+orjson {raw_orjson[-1]['cpu_s']:.2f} cpu-s, "
                f"sdk {sdk_first[-1]['wall_s']:.2f} s / {sdk_first[-1]['cpu_s']:.2f} cpu-s, "
                f"second save {sdk_second[-1]['bytes']:.0f} bytes, "
                f"stream {stream[-1]['wall_s']:.2f} s / {stream[-1]['cpu_s']:.2f} cpu-s"
            )

    rows: list[tuple[str, list[dict[str, float]], int]] = [
        ("raw httpx loop", raw, args.suppliers),
        ("raw httpx loop + orjson", raw_orjson, args.suppliers),
        ("SupplierLoad.save_all, first", sdk_first, args.suppliers),
        ("SupplierLoad.save_all, second", sdk_second, max(1, int(args.suppliers * args.change_share))),
        ("SupplierLoad.save_all(rows=)", stream, args.suppliers),
    ]
    print(f"\n{args.suppliers} suppliers (1 location + 1 bank account each), median of {args.repeats}")
    print(f"{'':32} {'rows/s':>9} {'MB sent':>9} {'client cpu-s':>13}")
    summary: dict[str, Any] = {"suppliers": args.suppliers, "repeats": args.repeats}
    for label, runs, count in rows:
        wall, cpu, sent = median(runs, "wall_s"), median(runs, "cpu_s"), median(runs, "bytes")
        print(f"{label:32} {count / wall:9.0f} {sent / 1e6:9.2f} {cpu:13.2f}")
        summary[label] = {"rows_per_s": count / wall, "bytes": sent, "cpu_s": cpu, "wall_s": wall}
    raw_cpu, floor_cpu = median(raw, "cpu_s"), median(raw_orjson, "cpu_s")
    ratios = {
        "cpu_ratio": median(sdk_first, "cpu_s") / raw_cpu,
        "stream_cpu_ratio": median(stream, "cpu_s") / raw_cpu,
        "cpu_ratio_vs_raw_orjson": median(sdk_first, "cpu_s") / floor_cpu,
        "stream_cpu_ratio_vs_raw_orjson": median(stream, "cpu_s") / floor_cpu,
        "second_save_bytes_share": median(sdk_second, "bytes") / median(sdk_first, "bytes"),
    }
    print("\nclient CPU vs the raw loop a user would write (target <= 1.3x), and vs the same loop with orjson")
    for label, key in (("save_all() of new() entities", "cpu_ratio"), ("save_all(rows=...)", "stream_cpu_ratio")):
        ratio, floor = ratios[key], ratios[f"{key}_vs_raw_orjson"]
        verdict = "met" if ratio <= 1.3 else "NOT met"
        print(f"  {label:30} {ratio:.2f}x raw ({verdict}), {floor:.2f}x raw + orjson (the SDK's overhead)")
    print(f"second save bytes / first save bytes: {ratios['second_save_bytes_share']:.2%} (target < 5%)")
    summary.update(ratios)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"\nwritten to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
