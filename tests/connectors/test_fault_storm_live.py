"""Fault storms: stalled, refused and cut-off requests under a short client timeout, and still no write twice.

A stalled request times out on the client while the server goes on working
on it; the SDK retries with the same Idempotency-Key and meets ``409
IDEMPOTENCY_KEY_IN_USE`` until the first attempt is done, then its stored
answer. Each storm mixes such stalls (latency over the client timeout) with
503s and answers cut off after the write committed. The duplicate writes are
counted through the sandbox's admin API (``GET /_sandbox/tenants/{id}/writes``:
identical requests applied more than once), and the counts are printed.
"""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import pytest

from nuntiq_sandbox.testing import SandboxAdmin, SandboxServer
from nuntiq_sdk import JobContext, RetryTransport
from nuntiq_sdk.objects.supplier import SupplierLoad
from tests.connectors.conftest import HEADER, PushWorld, run_summary

pytestmark = [pytest.mark.live, pytest.mark.heavy]

CLIENT_TIMEOUT = 0.5  # seconds; every stall below outlasts it
STALL_MS = 1500
SUPPLIERS = 2000
SUPPLIER_BATCH = 25  # 80 batches, as in the report
INVOICES = 200


def storm(admin: SandboxAdmin, path_regex: str, *, faults: int, seed: int) -> None:
    """``faults`` faults (stall, 503 or cut-off, at random), each followed by 3-8 requests served normally.

    Rules are used up in order, so the schedule is a queue; a 1 ms latency rule
    is a request served normally. Every fault kind appears at least twice.
    """
    rng = random.Random(seed)
    kinds = ["stall", "error", "cut_off"] * 2 + [rng.choice(["stall", "error", "cut_off"]) for _ in range(faults - 6)]
    rng.shuffle(kinds)
    for kind in kinds:
        if kind == "stall":
            admin.add_fault(path_regex, method="POST", latency_ms=STALL_MS)
        elif kind == "error":
            admin.add_fault(path_regex, method="POST", status=503, retry_after=0)
        else:
            admin.add_fault(path_regex, method="POST", drop="after")
        admin.add_fault(path_regex, method="POST", latency_ms=1, count=rng.randint(3, 8))


def duplicates(writes: dict[str, Any], *, allowed: str | None = None) -> list[dict[str, Any]]:
    """Identical requests applied more than once; ``allowed`` (a path suffix) repeats by design."""
    return [entry for entry in writes["repeated"] if not (allowed and entry["path"].endswith(allowed))]


def test_a_2000_row_supplier_save_survives_a_storm_without_a_duplicate_write(
    sandbox: SandboxServer, tmp_path: Any
) -> None:
    admin = sandbox.admin
    tenant, token = admin.create_tenant_with_token()
    settings = {
        "customer_number": "10000001",
        "secrets": {"api_token": token.token},
        "config": {"api_base_url": sandbox.api_url, "api_timeout_seconds": CLIENT_TIMEOUT},
    }
    storm(admin, r"^/v1/suppliers/upsert$", faults=12, seed=13)
    retrying = RetryTransport(max_retries=6, backoff_base=0.3)  # shorter waits than the default policy
    try:
        with JobContext.from_settings(settings, environ={}, work_dir=tmp_path, transport=retrying) as context:
            load = SupplierLoad(context, batch_size=SUPPLIER_BATCH)
            for n in range(SUPPLIERS):
                load.new(supplier_code=f"SUP-{n:05d}", name=f"Supplier {n}", country_code="DE")
            result = load.save_all()
            stored = {s.supplier_code for s in SupplierLoad(context).get_all()}
    finally:
        left = admin.list_faults()
        admin.clear_faults()

    writes = admin.writes(tenant.tenant_id)
    dup = duplicates(writes)
    print(
        f"\nsupplier storm: {SUPPLIERS} rows in {SUPPLIERS // SUPPLIER_BATCH} batches; created {len(result.created)}, "
        f"stored {len(stored)}; applied {writes['applied']}, replayed {writes['replayed']}, "
        f"in_use {writes['in_use']}; duplicate writes {len(dup)}"
    )
    assert left == [], f"the storm was not used up: {left}"
    assert writes["in_use"] > 0, "no stall met its own first attempt: the storm tested nothing"
    assert writes["replayed"] > 0
    assert dup == []
    assert writes["applied"] == SUPPLIERS // SUPPLIER_BATCH
    assert len(result.created) == SUPPLIERS
    assert stored == {f"SUP-{n:05d}" for n in range(SUPPLIERS)}


def test_a_200_invoice_push_survives_a_storm_without_a_duplicate_write(push_world: PushWorld) -> None:
    admin = push_world.sandbox.admin
    tokens = push_world.invoices(INVOICES)
    storm(admin, r"^/v1/invoices/", faults=18, seed=31)
    try:
        # Batches of 5: a batch costs three POSTs (claim, acknowledge_all, report_results), ~120 in all for the storm.
        result = push_world.run(
            timeout=300, api_timeout_seconds=CLIENT_TIMEOUT, api_max_retries=6, batch_size=5, max_batches=INVOICES // 5
        )
    finally:
        left = admin.list_faults()
        admin.clear_faults()

    summary = run_summary(result)
    delivered: Counter[str] = Counter()
    for path in push_world.delivered():
        lines = path.read_bytes().decode("utf-8-sig").splitlines()
        assert lines[0] == HEADER, path
        delivered.update(line.split("\t")[0] for line in lines[1:] if line)
    statuses = Counter(push_world.statuses(tokens))
    writes = admin.writes(push_world.tenant.tenant_id)
    dup = duplicates(writes, allowed="/invoices/claim")  # claims repeat their body by design
    lost = INVOICES - len(delivered)
    twice = sum(1 for count in delivered.values() if count > 1)
    print(
        f"\npush storm: {INVOICES} invoices; summary {summary}; statuses {dict(statuses)}; "
        f"applied {writes['applied']}, replayed {writes['replayed']}, in_use {writes['in_use']}; "
        f"lost {lost}, delivered twice {twice}, duplicate writes {len(dup)}"
    )
    assert result.returncode == 0, result.stderr
    assert left == [], f"the storm was not used up: {left}"
    assert writes["in_use"] > 0, "no stall met its own first attempt: the storm tested nothing"
    assert dup == []
    assert (lost, twice) == (0, 0)
    assert statuses == Counter({100: INVOICES})
    assert summary["pushed"] == INVOICES
    assert summary["unreported"] == summary["failed"] == 0
