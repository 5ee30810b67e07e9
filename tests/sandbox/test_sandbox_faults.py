"""Fault injection: statuses with Retry-After, latency, dropped connections before and after applying."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sandbox_helpers import Api, problem

from nuntiq_sandbox.testing import SandboxAdmin, SandboxAdminError, SandboxServer

pytestmark = [pytest.mark.live, pytest.mark.usefixtures("clean_faults")]


def test_status_fault_with_retry_after(api: Api, admin: SandboxAdmin) -> None:
    token = api.invoice()["invoice_token"]
    url = f"/invoices/{token}/lifecycle-messages"
    admin.add_fault(f"^/v1{url}$", method="POST", status=503, retry_after=7, count=2)
    for _ in range(2):
        response = api.post(url, json={"code": "RECEIVED"})
        problem(response, 503, "SERVICE_UNAVAILABLE")
        assert response.headers["retry-after"] == "7"
    assert api.get(url).json()["data"] == []  # never reached the API
    assert admin.list_faults() == []
    assert api.post(url, json={"code": "RECEIVED"}).status_code == 201


@pytest.mark.parametrize(("status", "code"), [(429, "RATE_LIMITED"), (500, "INTERNAL_ERROR"), (502, "BAD_GATEWAY")])
def test_status_codes(api: Api, admin: SandboxAdmin, status: int, code: str) -> None:
    admin.add_fault("^/v1/lifecycle-catalog$", status=status)
    response = api.get("/lifecycle-catalog")
    problem(response, status, code)
    assert "retry-after" not in response.headers
    assert api.get("/lifecycle-catalog").status_code == 200


def test_method_filter(api: Api, admin: SandboxAdmin) -> None:
    token = api.invoice()["invoice_token"]
    admin.add_fault(f"/invoices/{token}/lifecycle-messages", method="POST", status=503)
    assert api.get(f"/invoices/{token}/lifecycle-messages").status_code == 200
    assert api.post(f"/invoices/{token}/lifecycle-messages", json={"code": "RECEIVED"}).status_code == 503


def test_latency(api: Api, admin: SandboxAdmin) -> None:
    admin.add_fault("^/v1/lifecycle-catalog$", latency_ms=400)
    started = time.monotonic()
    response = api.get("/lifecycle-catalog")
    slow = time.monotonic() - started
    assert response.status_code == 200
    assert slow >= 0.4
    started = time.monotonic()
    api.get("/lifecycle-catalog")
    assert time.monotonic() - started < slow


def test_a_tenant_rule_delays_every_request_of_that_tenant_only(
    make_api: Callable[..., Api], admin: SandboxAdmin
) -> None:
    """A WAN for one tenant: every Customer API request of its tokens waits, another tenant's does not."""
    slow, fast = make_api(), make_api()
    token = slow.invoice()["invoice_token"]
    rule = admin.add_latency(slow.tenant.tenant_id, 300)
    assert (rule["tenant_id"], rule["latency_ms"], rule["path_regex"]) == (slow.tenant.tenant_id, 300, "^/v1/")

    for _ in range(3):  # the other tenant never meets the rule, nor uses it up
        assert fast.get("/lifecycle-catalog").status_code == 200
    assert admin.list_faults()[0]["count"] == rule["count"]

    calls = [
        lambda: slow.get("/lifecycle-catalog"),
        lambda: slow.post("/invoices/claim", json={"limit": 1}),
        lambda: slow.get(f"/invoices/{token}"),
    ]
    for call in calls:
        started = time.monotonic()
        response = call()
        assert response.status_code == 200, response.text
        assert time.monotonic() - started >= 0.3
    assert admin.list_faults()[0]["count"] == rule["count"] - len(calls)


def test_a_tenant_rule_ignores_requests_without_a_valid_token(api: Api, admin: SandboxAdmin, sandbox: Any) -> None:
    admin.add_fault("^/v1/", tenant_id=api.tenant.tenant_id, status=503, count=5)
    with httpx.Client(base_url=sandbox.api_url, timeout=15.0) as anonymous:
        problem(anonymous.get("/lifecycle-catalog"), 401, "UNAUTHENTICATED")
        wrong = anonymous.get("/lifecycle-catalog", headers={"Authorization": "Bearer ntq_sk_" + "0" * 40})
        assert wrong.status_code == 401
    assert admin.list_faults()[0]["count"] == 5
    problem(api.get("/lifecycle-catalog"), 503, "SERVICE_UNAVAILABLE")


def test_a_rule_for_an_unknown_tenant_is_refused(admin: SandboxAdmin) -> None:
    with pytest.raises(SandboxAdminError) as caught:
        admin.add_fault("^/v1/", tenant_id="ten_nope", latency_ms=10)
    assert caught.value.status == 400
    assert caught.value.problem["errors"] == [{"field": "tenant_id", "message": "no tenant 'ten_nope'"}]
    assert admin.list_faults() == []


def test_drop_before_is_never_applied(api: Api, admin: SandboxAdmin) -> None:
    token = api.invoice()["invoice_token"]
    admin.add_fault("^/v1/invoices/claim$", method="POST", drop="before")
    with pytest.raises(httpx.TransportError) as caught:
        api.post("/invoices/claim", json={})
    assert isinstance(caught.value, httpx.RemoteProtocolError)
    assert admin.get_invoice(token)["status"] == 90  # not claimed
    (lease,) = api.post("/invoices/claim", json={}).json()["leases"]
    assert lease["invoice_token"] == token


def test_drop_after_is_applied_and_a_keyed_retry_replays(api: Api, admin: SandboxAdmin) -> None:
    token = api.invoice()["invoice_token"]
    url = f"/invoices/{token}/lifecycle-messages"
    admin.add_fault(f"^/v1{url}$", method="POST", drop="after")
    headers = {"Idempotency-Key": "drop-after-1"}
    with pytest.raises(httpx.TransportError):
        api.post(url, json={"code": "RECEIVED"}, headers=headers)
    assert admin.get_invoice(token)["latest_code"] == "RECEIVED"  # applied and committed
    retry = api.post(url, json={"code": "RECEIVED"}, headers=headers)
    assert (retry.status_code, retry.json()["idempotent"]) == (200, True)
    assert len(api.get(url).json()["data"]) == 1


def test_a_fresh_client_sees_a_drop_too(sandbox: SandboxServer, api: Api, admin: SandboxAdmin) -> None:
    admin.add_fault("^/v1/lifecycle-catalog$", drop="after")
    with (
        httpx.Client(base_url=sandbox.api_url, headers=api.token.headers) as client,
        pytest.raises(httpx.TransportError),
    ):
        client.get("/lifecycle-catalog")


def test_admin_requests_are_never_faulted(admin: SandboxAdmin) -> None:
    admin.add_fault(".*", status=503, count=5)
    admin.add_fault("/", drop="before", count=5)
    assert admin.health()["status"] == "ok"
    assert admin.clock()["now"]
    assert [fault["count"] for fault in admin.list_faults()] == [5, 5]
