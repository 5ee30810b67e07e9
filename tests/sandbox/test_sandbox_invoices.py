"""Invoices: claim, read, the lease state machine, expiry by the clock, PendingResult recovery."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timedelta
from typing import Any

import pytest
from sandbox_helpers import Api, problem, sandbox_now

pytestmark = pytest.mark.live


def claim(api: Api, **body: Any) -> list[dict[str, Any]]:
    response = api.post("/invoices/claim", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["idempotent"] is False
    return list(response.json()["leases"])


def status_of(api: Api, token: str) -> int:
    return int(api.admin.get_invoice(token)["status"])


def test_claim_takes_90_and_91_oldest_first(api: Api) -> None:
    now = sandbox_now(api.admin)
    created = [
        api.invoice(invoice_number="newest", created_at=(now - timedelta(days=1)).isoformat()),
        api.invoice(invoice_number="oldest", status=91, created_at=(now - timedelta(days=3)).isoformat()),
        api.invoice(invoice_number="middle-a", created_at=(now - timedelta(days=2)).isoformat()),
        api.invoice(invoice_number="middle-b", created_at=(now - timedelta(days=2)).isoformat()),
        api.invoice(invoice_number="intake", status=40),
        api.invoice(invoice_number="done", status=100),
        api.invoice(invoice_number="failed", status=97),
        api.invoice(invoice_number="pending-result", status=93),
    ]
    first = claim(api, limit=2, lease_ttl_seconds=60)
    assert [lease["invoice_number"] for lease in first] == ["oldest", "middle-a"]
    assert first[0]["previous_status"] == 91
    assert first[1]["previous_status"] == 90
    assert {lease["status"] for lease in first} == {92}
    assert len({lease["lease_id"] for lease in first}) == 2
    expires = datetime.fromisoformat(first[0]["lease_expires_at"])
    assert timedelta(seconds=55) < expires - sandbox_now(api.admin) <= timedelta(seconds=61)
    rest = claim(api)  # defaults: PendingIntegration, limit 20
    assert [lease["invoice_number"] for lease in rest] == ["middle-b", "newest"]
    assert claim(api) == []
    by_number = {invoice["invoice_number"]: invoice["invoice_token"] for invoice in created}
    assert status_of(api, by_number["intake"]) == 40
    assert status_of(api, by_number["pending-result"]) == 93


def test_get_invoice_and_download_attachment(api: Api) -> None:
    content = "Rechnung Nr. 7 \u2013 \u00e4\u00f6\u00fc".encode()
    created = api.invoice(
        invoice_number="INV-7",
        supplier_code="SUP-7",
        supplier_location_code="MAIN",
        erp_company_code="EMEA",
        ext_reference_1="CUST-A",
        fields={"invoiceNumber": "INV-7", "grossAmount": "99.00"},
        lines=[{"fields": {"description": "Paper", "amount": "99.00"}}],
        addresses=[{"role": "vendor", "address_name": "Supplier GmbH"}, {"role": "buyer", "address_name": "Us"}],
        attachments=[{"file_name": "r\u00e4chnung.txt", "content_type": "text/plain", "content_base64": _b64(content)}],
    )
    token = created["invoice_token"]
    invoice = api.get(f"/invoices/{token}").json()
    assert invoice["invoice_id"] == created["invoice_id"]
    assert invoice["status_name"] == "PendingIntegration"
    assert invoice["fields"] == {"invoiceNumber": "INV-7", "grossAmount": "99.00"}
    assert invoice["lines"] == [{"line_number": 1, "fields": {"description": "Paper", "amount": "99.00"}}]
    assert [a["role"] for a in invoice["addresses"]] == ["vendor", "buyer"]
    assert invoice["ext_reference_1"] == "CUST-A"
    assert invoice["ext_reference_2"] is None
    assert invoice["lease_expires_at"] is None
    assert invoice["created_at"].endswith("Z")
    assert "tenant_id" not in invoice  # the admin view's extras stay in the admin API
    (attachment,) = invoice["attachments"]
    response = api.get(f"/invoices/{token}/attachments/{attachment['attachment_id']}/content")
    assert response.status_code == 200
    assert response.content == content
    assert response.headers["content-type"].startswith("text/plain")
    assert response.headers["x-content-sha256"] == hashlib.sha256(content).hexdigest() == attachment["sha256"]
    problem(api.get(f"/invoices/{token}/attachments/att_nope/content"), 404, "ATTACHMENT_NOT_FOUND")
    problem(api.get("/invoices/does-not-exist"), 404, "INVOICE_NOT_FOUND")


def test_status_names(api: Api) -> None:
    names = {40: "Intake", 90: "PendingIntegration", 91: "PendingIntegrationRetriggered", 93: "PendingResult"}
    names |= {97: "IntegrationFailed", 100: "Processed"}
    for status, name in names.items():
        token = api.invoice(status=status)["invoice_token"]
        assert api.get(f"/invoices/{token}").json()["status_name"] == name
    (lease,) = claim(api, limit=1)
    assert api.get(f"/invoices/{lease['invoice_token']}").json()["status_name"] == "Integrating"


def test_acknowledge_then_success(api: Api) -> None:
    token = api.invoice()["invoice_token"]
    (lease,) = claim(api, limit=1)
    problem(api.post(f"/invoices/{token}/integration-result", json={"success": True}), 409, "INVOICE_STATE_INVALID")
    problem(api.post(f"/invoices/{token}/acknowledge", json={"lease_id": "other"}), 409, "LEASE_MISMATCH")
    ack = api.post(f"/invoices/{token}/acknowledge", json={"lease_id": lease["lease_id"]})
    assert ack.status_code == 200
    assert ack.json() | {"lease_expires_at": None} == {
        "invoice_token": token,
        "status": 93,
        "status_name": "PendingResult",
        "lease_expires_at": None,
        "idempotent": False,
    }
    assert ack.json()["lease_expires_at"] == lease["lease_expires_at"]  # the lease is kept
    again = api.post(f"/invoices/{token}/acknowledge")
    assert (again.status_code, again.json()["idempotent"], again.json()["status"]) == (200, True, 93)
    problem(api.post(f"/invoices/{token}/acknowledge", json={"lease_id": "other"}), 409, "LEASE_MISMATCH")

    result = {"success": True, "external_id_1": "/inbound/INV.csv", "external_message_1": "SFTP_DELIVERED"}
    done = api.post(f"/invoices/{token}/integration-result", json={**result, "lease_id": lease["lease_id"]})
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["status_name"], done.json()["idempotent"]) == (100, "Processed", False)
    replay = api.post(f"/invoices/{token}/integration-result", json=result)
    assert (replay.status_code, replay.json()["status"], replay.json()["idempotent"]) == (200, 100, True)
    stored = api.admin.get_invoice(token)
    assert stored["external_id_1"] == "/inbound/INV.csv"
    assert stored["external_message_1"] == "SFTP_DELIVERED"
    assert stored["lease_id"] is None
    assert api.get(f"/invoices/{token}").json()["external_id_1"] == "/inbound/INV.csv"
    body = problem(api.post(f"/invoices/{token}/acknowledge"), 409, "INVOICE_STATE_INVALID")
    assert body["current_status"] == 100
    failure = {"success": False, "failure_code": "X"}
    assert (
        problem(api.post(f"/invoices/{token}/integration-result", json=failure), 409, "INVOICE_STATE_INVALID")[
            "current_status"
        ]
        == 100
    )


def test_acknowledge_refused_outside_a_lease(api: Api) -> None:
    for status in (40, 90, 91, 97, 100):
        token = api.invoice(status=status)["invoice_token"]
        body = problem(api.post(f"/invoices/{token}/acknowledge", json={}), 409, "INVOICE_STATE_INVALID")
        assert body["current_status"] == status
    problem(api.post("/invoices/missing/acknowledge", json={}), 404, "INVOICE_NOT_FOUND")


def test_failure_from_92_without_acknowledge(api: Api) -> None:
    token = api.invoice()["invoice_token"]
    claim(api, limit=1)
    body = problem(
        api.post(f"/invoices/{token}/integration-result", json={"success": False}), 400, "FAILURE_CODE_REQUIRED"
    )
    assert body["errors"] == [{"field": "failure_code", "message": "is required when success is false"}]
    response = api.post(
        f"/invoices/{token}/integration-result",
        json={"success": False, "failure_code": "SFTP_UPLOAD_FAILED", "failure_message": "disk full"},
    )
    assert (response.json()["status"], response.json()["status_name"]) == (97, "IntegrationFailed")
    invoice = api.get(f"/invoices/{token}").json()
    assert (invoice["failure_code"], invoice["failure_message"]) == ("SFTP_UPLOAD_FAILED", "disk full")
    assert api.admin.get_invoice(token)["lease_id"] is None


def test_failure_from_93_and_lease_mismatch_on_result(api: Api) -> None:
    token = api.invoice()["invoice_token"]
    (lease,) = claim(api, limit=1)
    api.post(f"/invoices/{token}/acknowledge").raise_for_status()
    body = {"success": False, "failure_code": "ERP_DOWN", "lease_id": "not-the-lease"}
    problem(api.post(f"/invoices/{token}/integration-result", json=body), 409, "LEASE_MISMATCH")
    body["lease_id"] = lease["lease_id"]
    assert api.post(f"/invoices/{token}/integration-result", json=body).json()["status"] == 97


def test_lease_expiry_returns_the_invoice_where_it_was_claimed_from(api: Api) -> None:
    from_90 = api.invoice(status=90)["invoice_token"]
    from_91 = api.invoice(status=91)["invoice_token"]
    leases = {lease["invoice_token"]: lease for lease in claim(api, lease_ttl_seconds=30)}
    assert set(leases) == {from_90, from_91}
    assert api.get(f"/invoices/{from_90}").json()["lease_expires_at"] == leases[from_90]["lease_expires_at"]
    api.admin.advance_clock(31)
    # Read: lazily expired.
    assert api.get(f"/invoices/{from_90}").json()["status"] == 90
    assert api.get(f"/invoices/{from_90}").json()["lease_expires_at"] is None
    # Changed: the late acknowledge is told its lease expired.
    body = problem(api.post(f"/invoices/{from_91}/acknowledge"), 409, "LEASE_EXPIRED")
    assert body["current_status"] == 91
    problem(
        api.post(f"/invoices/{from_91}/acknowledge", json={"lease_id": leases[from_91]["lease_id"]}),
        409,
        "LEASE_EXPIRED",
    )
    problem(api.post(f"/invoices/{from_91}/lease/extend", json={"lease_ttl_seconds": 60}), 409, "LEASE_EXPIRED")
    # Claimable again, by anyone, with a new lease.
    again = {lease["invoice_token"]: lease for lease in claim(api)}
    assert set(again) == {from_90, from_91}
    assert again[from_91]["previous_status"] == 91
    assert again[from_91]["lease_id"] != leases[from_91]["lease_id"]
    # The old lease id is now a mismatch against the new live lease.
    problem(
        api.post(f"/invoices/{from_91}/acknowledge", json={"lease_id": leases[from_91]["lease_id"]}),
        409,
        "LEASE_MISMATCH",
    )


def test_extend_and_release(api: Api) -> None:
    token = api.invoice(status=91)["invoice_token"]
    problem(api.post(f"/invoices/{token}/lease/extend", json={"lease_ttl_seconds": 60}), 409, "INVOICE_STATE_INVALID")
    problem(api.post(f"/invoices/{token}/lease/release"), 409, "INVOICE_STATE_INVALID")
    (lease,) = claim(api, lease_ttl_seconds=30)
    api.admin.advance_clock(20)
    problem(
        api.post(f"/invoices/{token}/lease/extend", json={"lease_ttl_seconds": 600, "lease_id": "x"}),
        409,
        "LEASE_MISMATCH",
    )
    extended = api.post(f"/invoices/{token}/lease/extend", json={"lease_ttl_seconds": 600})
    assert extended.status_code == 200
    assert extended.json()["lease_id"] == lease["lease_id"]
    assert (extended.json()["status"], extended.json()["previous_status"]) == (92, 91)
    assert extended.json()["lease_expires_at"] > lease["lease_expires_at"]
    api.admin.advance_clock(20)  # past the original expiry, well within the extension
    assert status_of(api, token) == 92
    problem(api.post(f"/invoices/{token}/lease/release", json={"lease_id": "x"}), 409, "LEASE_MISMATCH")
    released = api.post(f"/invoices/{token}/lease/release", json={"lease_id": lease["lease_id"]})
    assert (released.status_code, released.json()["status"]) == (200, 91)
    assert api.admin.get_invoice(token)["lease_id"] is None
    problem(api.post(f"/invoices/{token}/acknowledge"), 409, "INVOICE_STATE_INVALID")
    assert [lease["invoice_token"] for lease in claim(api)] == [token]


def test_pending_result_recovery_after_a_crash(api: Api) -> None:
    token = api.invoice()["invoice_token"]
    (first,) = claim(api, lease_ttl_seconds=30)
    api.post(f"/invoices/{token}/acknowledge").raise_for_status()
    # The connector crashes here. While its lease is live, nobody else gets the invoice.
    assert claim(api, state="PendingResult") == []
    assert claim(api) == []
    api.admin.advance_clock(31)
    assert status_of(api, token) == 93  # an expired lease does not move a 93
    problem(api.post(f"/invoices/{token}/acknowledge"), 409, "LEASE_EXPIRED")
    (recovered,) = claim(api, state="PendingResult", lease_ttl_seconds=60)
    assert recovered["invoice_token"] == token
    assert (recovered["status"], recovered["previous_status"]) == (93, 93)
    assert recovered["lease_id"] != first["lease_id"]
    assert claim(api, state="PendingResult") == []
    again = api.post(f"/invoices/{token}/acknowledge", json={"lease_id": recovered["lease_id"]})
    assert again.json()["idempotent"] is True
    extended = api.post(f"/invoices/{token}/lease/extend", json={"lease_ttl_seconds": 120})
    assert extended.json()["status"] == 93
    done = api.post(f"/invoices/{token}/integration-result", json={"success": True, "lease_id": recovered["lease_id"]})
    assert done.json()["status"] == 100


def test_release_at_93_frees_it_for_pending_result(api: Api) -> None:
    token = api.invoice()["invoice_token"]
    claim(api)
    api.post(f"/invoices/{token}/acknowledge").raise_for_status()
    released = api.post(f"/invoices/{token}/lease/release")
    assert released.json()["status"] == 93
    assert [lease["invoice_token"] for lease in claim(api, state="PendingResult")] == [token]


def test_admin_created_93_is_claimable_for_result_and_succeeds_without_a_lease(api: Api) -> None:
    token = api.invoice(status=93)["invoice_token"]
    response = api.post(f"/invoices/{token}/integration-result", json={"success": True})
    assert response.json()["status"] == 100


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
