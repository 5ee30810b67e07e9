"""The demo seed: the product docs' examples run verbatim, and the push demo has work to do."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sandbox_helpers import problem

from nuntiq_sandbox import PERMISSIONS
from nuntiq_sandbox._seed import DEMO_INVOICE_TOKEN, OTHER_INVOICE_TOKEN
from nuntiq_sandbox.testing import SandboxServer

pytestmark = pytest.mark.live

DEMO_TOKEN = "ntq_sk_" + "d3a0" * 10
SUPPLIER_NAMES = {
    "SUP-100": "Nordic Office Supplies AB",
    "SUP-200": "Alpine Paper GmbH",
    "SUP-300": "Baltic Logistics Oy",
    "SUP-400": "Iberia Tech SL",
}


@pytest.fixture(scope="module")
def demo() -> Iterator[SandboxServer]:
    with SandboxServer(seed="demo", demo_token=DEMO_TOKEN) as server:
        yield server


@pytest.fixture
def client(demo: SandboxServer) -> Iterator[httpx.Client]:
    assert demo.demo_token is not None
    with demo.api_client(demo.demo_token) as api:
        yield api


def test_the_docs_examples_run_verbatim(client: httpx.Client) -> None:
    message = {
        "code": "ACCEPTED",
        "reference_type": "PAYMENT_REF",
        "reference_value": "ERP-INV-12345",
        "note_supplier": "Invoice posted to AP queue.",
        "note_internal": "ERP batch 2026-05-17-001",
    }
    posted = client.post(
        "/invoices/7f3a.../lifecycle-messages", json=message, headers={"Idempotency-Key": "erp-accept-12345"}
    )
    assert posted.status_code == 201, posted.text
    assert posted.json()["message"]["actor_display_name"] == "Demo Connector"

    ambiguous = client.post(
        "/lifecycle-messages/by-reference",
        json={**message, "invoice_number": "INV-2026-0042", "supplier_code": "SUP-100"},
    )
    assert problem(ambiguous, 400, "AMBIGUOUS_REFERENCE")["match_count"] == 2
    by_reference = client.post(
        "/lifecycle-messages/by-reference",
        json={
            **message,
            "invoice_number": "INV-2026-0042",
            "supplier_code": "SUP-100",
            "supplier_location_code": "MAIN",
            "erp_company_code": "EMEA",
        },
        headers={"Idempotency-Key": "pmt-77-3-paid"},
    )
    assert by_reference.status_code == 201, by_reference.text

    timeline = client.get("/invoices/7f3a.../lifecycle-messages").json()["data"]
    assert [m["code"] for m in timeline] == ["RECEIVED", "CAPTURED", "VALIDATED", "ACCEPTED"]
    assert [m["source"] for m in timeline] == ["NUNTIQ"] * 3 + ["EXTERNAL_API"]

    polled = client.get(
        "/lifecycle-messages", params={"since": "2000-01-01T00:00:00Z", "ext_reference_1": "CUSTOMER-A"}
    ).json()["data"]
    assert {"ACCEPTED", "RECEIVED"} <= {m["code"] for m in polled}
    assert all(m["ext_reference_1"] == "CUSTOMER-A" for m in polled)


def test_demo_tenant_rules(client: httpx.Client) -> None:
    invoice = client.get(f"/invoices/{DEMO_INVOICE_TOKEN}").json()
    assert invoice["status"] == 90
    token = invoice["invoice_token"]
    problem(client.post(f"/invoices/{token}/lifecycle-messages", json={"code": "REJECTED"}), 400, "NOTE_REQUIRED")
    problem(
        client.post(f"/invoices/{token}/lifecycle-messages", json={"code": "CLARIFICATION_REQUESTED"}),
        400,
        "CLARIFICATION_CODE_REQUIRED",
    )


def test_demo_invoices(demo: SandboxServer, client: httpx.Client) -> None:
    leases = client.post("/invoices/claim", json={"limit": 500}).json()["leases"]
    try:
        by_status = [lease["previous_status"] for lease in leases]
        assert (by_status.count(90), by_status.count(91), len(leases)) == (9, 2, 11)
        invoices = [client.get(f"/invoices/{lease['invoice_token']}").json() for lease in leases]
    finally:
        for lease in leases:
            client.post(f"/invoices/{lease['invoice_token']}/lease/release").raise_for_status()
    assert DEMO_INVOICE_TOKEN in {invoice["invoice_token"] for invoice in invoices}
    with_attachments = 0
    for invoice in invoices:
        fields = invoice["fields"]
        for key in ("invoiceNumber", "invoiceDate", "currencyCode", "grossAmount", "netAmount", "taxAmount"):
            assert fields[key], (key, invoice["invoice_number"])
        assert fields["supplierCode"] == invoice["supplier_code"]
        assert fields["dueDate"] > fields["invoiceDate"]
        roles = {address["role"]: address for address in invoice["addresses"]}
        assert roles["vendor"]["address_name"] == SUPPLIER_NAMES[invoice["supplier_code"]]
        assert "buyer" in roles
        assert 1 <= len(invoice["lines"]) <= 3
        for line in invoice["lines"]:
            assert set(line["fields"]) == {"description", "quantity", "unitPrice", "amount"}
        with_attachments += bool(invoice["attachments"])
        for attachment in invoice["attachments"]:
            content = client.get(
                f"/invoices/{invoice['invoice_token']}/attachments/{attachment['attachment_id']}/content"
            )
            assert content.headers["x-content-sha256"] == attachment["sha256"]
    assert 0 < with_attachments < len(invoices)
    assert demo.admin.get_invoice(DEMO_INVOICE_TOKEN)["status"] == 90  # released again


def test_reference_pair_and_intake_invoice(client: httpx.Client) -> None:
    apac = problem(
        client.post(
            "/lifecycle-messages/by-reference",
            json={
                "code": "PAID",
                "invoice_number": "INV-2026-0042",
                "supplier_code": "SUP-100",
                "erp_company_code": "APAC",
            },
        ),
        409,
        "LIFECYCLE_TRANSITION_INVALID",
    )
    assert apac["current_code"] == "VALIDATED"
    intake = client.post(
        "/lifecycle-messages/by-reference",
        json={"code": "RECEIVED", "invoice_number": "INV-2026-0200", "supplier_code": "SUP-400"},
    )
    assert problem(intake, 422, "INVOICE_NOT_READY")["current_status"] == 40


def test_other_customer_is_invisible(demo: SandboxServer, client: httpx.Client) -> None:
    other: dict[str, Any] = demo.admin.get_invoice(OTHER_INVOICE_TOKEN)
    assert (other["invoice_number"], other["supplier_code"], other["erp_company_code"]) == (
        "INV-2026-0042",
        "SUP-100",
        "EMEA",
    )
    assert other["tenant_id"] != demo.admin.get_invoice(DEMO_INVOICE_TOKEN)["tenant_id"]
    problem(client.get(f"/invoices/{OTHER_INVOICE_TOKEN}"), 404, "INVOICE_NOT_FOUND")


def test_demo_token_has_every_permission(demo: SandboxServer) -> None:
    assert demo.demo_token is not None
    with demo.api_client(demo.demo_token) as api:
        assert api.get("/delta-state/x/y").json()["code"] == "DELTA_STATE_NOT_FOUND"  # not PERMISSION_DENIED
        assert api.get("/ingestion/imports/k").json()["code"] == "IMPORT_NOT_FOUND"
    assert len(PERMISSIONS) == 10
