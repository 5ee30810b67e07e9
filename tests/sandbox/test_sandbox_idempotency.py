"""Idempotency-Key: replays, reuse with another request, a key still in flight, per-tenant scope."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sandbox_helpers import Api, problem

from nuntiq_sandbox.testing import SandboxAdmin, SandboxServer

pytestmark = pytest.mark.live


def keyed(key: str) -> dict[str, str]:
    return {"Idempotency-Key": key}


def test_replay_returns_the_first_response_and_creates_nothing(api: Api) -> None:
    token = api.invoice()["invoice_token"]
    url = f"/invoices/{token}/lifecycle-messages"
    body = {"code": "RECEIVED", "note_supplier": "got it"}
    first = api.post(url, json=body, headers=keyed("erp-accept-12345"))
    assert (first.status_code, first.json()["idempotent"]) == (201, False)
    replay = api.post(url, json=body, headers=keyed("erp-accept-12345"))
    assert (replay.status_code, replay.json()["idempotent"]) == (200, True)
    assert replay.json()["message"] == first.json()["message"]
    assert replay.headers["x-request-id"] != first.headers["x-request-id"]
    assert len(api.get(url).json()["data"]) == 1


def test_claim_replay_does_not_claim_again(api: Api) -> None:
    for _ in range(3):
        api.invoice()
    first = api.post("/invoices/claim", json={"limit": 2}, headers=keyed("claim-1"))
    replay = api.post("/invoices/claim", json={"limit": 2}, headers=keyed("claim-1"))
    assert replay.status_code == 200
    assert replay.json()["idempotent"] is True
    assert replay.json()["leases"] == first.json()["leases"]
    remaining = api.post("/invoices/claim", json={"limit": 10}).json()["leases"]
    assert len(remaining) == 1


def test_delta_start_replay(api: Api) -> None:
    body = {"connector_name": "c", "stream_name": "idem"}
    first = api.post("/delta-runs", json=body, headers=keyed("start-1"))
    replay = api.post("/delta-runs", json=body, headers=keyed("start-1"))
    assert (first.status_code, replay.status_code) == (201, 200)
    assert replay.json()["run_id"] == first.json()["run_id"]
    assert replay.json()["idempotent"] is True
    assert api.post("/delta-runs", json=body).json()["run_id"] != first.json()["run_id"]  # a new key, a new run


def test_same_key_for_a_different_request_is_refused(api: Api) -> None:
    token = api.invoice()["invoice_token"]
    url = f"/invoices/{token}/lifecycle-messages"
    api.post(url, json={"code": "RECEIVED"}, headers=keyed("k-1")).raise_for_status()
    problem(api.post(url, json={"code": "CAPTURED"}, headers=keyed("k-1")), 422, "IDEMPOTENCY_KEY_REUSED")
    problem(api.post("/invoices/claim", json={"code": "RECEIVED"}, headers=keyed("k-1")), 422, "IDEMPOTENCY_KEY_REUSED")
    # Same JSON meaning, different bytes: a different request.
    problem(
        api.post(url, content=b'{"code":  "RECEIVED"}', headers={**keyed("k-1"), "Content-Type": "application/json"}),
        422,
        "IDEMPOTENCY_KEY_REUSED",
    )
    assert [m["code"] for m in api.get(url).json()["data"]] == ["RECEIVED"]


def test_a_failed_request_can_be_retried_with_its_key(api: Api) -> None:
    token = api.invoice()["invoice_token"]
    url = f"/invoices/{token}/lifecycle-messages"
    released = {"code": "HOLD_RELEASED"}
    problem(api.post(url, json=released, headers=keyed("retry-me")), 409, "LIFECYCLE_TRANSITION_INVALID")
    api.post(url, json={"code": "ON_HOLD"}).raise_for_status()
    retried = api.post(url, json=released, headers=keyed("retry-me"))
    assert (retried.status_code, retried.json()["idempotent"]) == (201, False)


def test_keys_are_scoped_to_the_tenant(make_api: Callable[..., Api], sandbox: SandboxServer) -> None:
    one, two = make_api(), make_api()
    one.invoice()
    two.invoice()
    first = one.post("/invoices/claim", json={}, headers=keyed("shared-key"))
    second = two.post("/invoices/claim", json={}, headers=keyed("shared-key"))
    assert second.json()["idempotent"] is False
    assert first.json()["leases"][0]["invoice_token"] != second.json()["leases"][0]["invoice_token"]
    # Another token of the same tenant shares the tenant's keys.
    sibling = make_api(tenant=one.tenant)
    assert sibling.post("/invoices/claim", json={}, headers=keyed("shared-key")).json()["idempotent"] is True
    # A token that may not make the request cannot read its stored answer either.
    reader = make_api(("INVOICE_READ",), tenant=one.tenant)
    problem(reader.post("/invoices/claim", json={}, headers=keyed("shared-key")), 403, "PERMISSION_DENIED")
    # A request without a valid token is refused and stores nothing.
    anonymous = httpx.post(sandbox.api_url + "/invoices/claim", json={}, headers=keyed("anon"))
    problem(anonymous, 401, "UNAUTHENTICATED")
    assert one.post("/invoices/claim", json={}, headers=keyed("anon")).json()["idempotent"] is False


def test_a_key_in_flight_is_refused(api: Api, clean_faults: SandboxAdmin) -> None:
    token = api.invoice()["invoice_token"]
    url = f"/invoices/{token}/lifecycle-messages"
    clean_faults.add_fault(f"^/v1/invoices/{token}/lifecycle-messages$", method="POST", latency_ms=1500)
    results: dict[str, Any] = {}

    def slow_post() -> None:
        with httpx.Client(base_url=api.client.base_url, headers=api.token.headers, timeout=15) as client:
            results["first"] = client.post(url, json={"code": "RECEIVED"}, headers=keyed("slow"))

    thread = threading.Thread(target=slow_post)
    thread.start()
    deadline = time.monotonic() + 10
    while clean_faults.list_faults() and time.monotonic() < deadline:
        time.sleep(0.02)  # until the slow request has reached the server
    time.sleep(0.2)
    second = api.post(url, json={"code": "RECEIVED"}, headers=keyed("slow"))
    problem(second, 409, "IDEMPOTENCY_KEY_IN_USE")
    assert second.headers["retry-after"] == "1"
    thread.join(timeout=15)
    assert results["first"].status_code == 201
    third = api.post(url, json={"code": "RECEIVED"}, headers=keyed("slow"))
    assert (third.status_code, third.json()["idempotent"]) == (200, True)
    assert len(api.get(url).json()["data"]) == 1
