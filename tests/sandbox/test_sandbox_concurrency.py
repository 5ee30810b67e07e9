"""Four OS processes claim from one sandbox at once: no invoice is ever leased twice."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from sandbox_helpers import Api

pytestmark = pytest.mark.live

INVOICES = 200
WORKERS = 4

# Each worker waits for a shared start instant, then claims 7 at a time until nothing is left.
WORKER = """
import json, os, sys, time
import httpx

base_url, start_at = sys.argv[1], float(sys.argv[2])
headers = {"Authorization": "Bearer " + os.environ["NUNTIQ_TEST_TOKEN"]}
claimed = []
with httpx.Client(base_url=base_url, headers=headers, timeout=30) as client:
    client.get("/lifecycle-catalog").raise_for_status()
    while time.time() < start_at:
        time.sleep(0.001)
    while True:
        response = client.post("/invoices/claim", json={"limit": 7, "lease_ttl_seconds": 600})
        response.raise_for_status()
        leases = response.json()["leases"]
        if not leases:
            break
        claimed.extend(lease["invoice_token"] for lease in leases)
print(json.dumps(claimed))
"""


@pytest.mark.timeout(120)
def test_concurrent_claimers_never_share_an_invoice(api: Api) -> None:
    tokens = set(api.admin.create_invoices([{"tenant_id": api.tenant.tenant_id} for _ in range(INVOICES)]))
    assert len(tokens) == INVOICES
    env = {**os.environ, "NUNTIQ_TEST_TOKEN": api.token.token}
    start_at = time.time() + 1.5
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(api.client.base_url), str(start_at)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        for _ in range(WORKERS)
    ]
    claimed: list[list[str]] = []
    try:
        for worker in workers:
            out, err = worker.communicate(timeout=60)
            assert worker.returncode == 0, err.decode()
            claimed.append(json.loads(out))
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait(timeout=10)

    sets = [set(tokens_of_one) for tokens_of_one in claimed]
    counts = [len(one) for one in claimed]
    assert [len(one) for one in sets] == counts, "a worker was given the same invoice twice"
    for i in range(WORKERS):
        for j in range(i + 1, WORKERS):
            assert not sets[i] & sets[j], f"workers {i} and {j} share {sorted(sets[i] & sets[j])[:3]}"
    assert set().union(*sets) == tokens
    assert sum(counts) == INVOICES
    assert sum(1 for count in counts if count) >= 2, counts  # they really did run side by side
    assert api.admin.get_invoice(next(iter(tokens)))["status"] == 92
