"""InvoiceLoad's batch calls against a live sandbox: claim with the invoices, acknowledge_all, report_results."""

from __future__ import annotations

import base64

import attrs
import pytest

from nuntiq_sdk import (
    IntegrationResult,
    Invoice,
    LeasedInvoice,
    PermissionDeniedError,
    ValidationError,
)
from nuntiq_sdk.objects.invoice import InvoiceLoad
from tests.sdk.conftest import World, invoice_spec

pytestmark = pytest.mark.live

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def pdf(name: str) -> dict[str, str]:
    return {"file_name": name, "content_type": "application/pdf", "content_base64": base64.b64encode(PDF).decode()}


def test_claim_with_invoices_gives_what_get_by_token_gives(live: World) -> None:
    tenant, token = live.tenant()
    live.invoice(tenant, **invoice_spec("INV-1", created_at="2026-11-01T10:00:00Z"), attachments=[pdf("INV-1.pdf")])
    live.invoice(tenant, **invoice_spec("INV-2", created_at="2026-11-01T11:00:00Z"))
    load = InvoiceLoad(live.context(token))

    leases = load.claim(limit=5, lease_ttl_seconds=600, with_invoices=True)

    assert [type(lease) for lease in leases] == [LeasedInvoice, LeasedInvoice]
    assert [lease.invoice.get_field("invoiceNumber") for lease in leases] == ["INV-1", "INV-2"]
    for lease in leases:
        assert isinstance(lease.invoice, Invoice)
        assert lease.invoice == load.get_by_token(lease.invoice_token)
        assert load.held_lease(lease.invoice_token) is lease
    [attachment] = leases[0].invoice.attachments
    assert attachment.read() == PDF
    assert leases[0].invoice.status == 92
    assert leases[0].invoice.get_address("vendor") is not None


def test_claim_without_invoices_is_unchanged(live: World) -> None:
    tenant, token = live.tenant()
    live.invoice(tenant, **invoice_spec())
    [lease] = InvoiceLoad(live.context(token)).claim()
    assert not isinstance(lease, LeasedInvoice)
    assert lease.invoice is None


def test_claim_with_invoices_needs_invoice_read(live: World) -> None:
    tenant, token = live.tenant(("INVOICE_INTEGRATE",))
    live.invoice(tenant, **invoice_spec())
    with pytest.raises(PermissionDeniedError, match="INVOICE_READ"):
        InvoiceLoad(live.context(token)).claim(with_invoices=True)


def test_a_batch_push_acknowledges_and_reports_in_two_requests(live: World) -> None:
    tenant, token = live.tenant()
    for n in range(4):
        live.invoice(tenant, **invoice_spec(f"INV-{n}"))
    load = InvoiceLoad(live.context(token))
    leases = load.claim(limit=10, with_invoices=True)
    stale = leases[1]
    load.release_lease(stale)  # given back; a rival takes it under a lease of its own
    rival = InvoiceLoad(live.context(token))
    [taken] = rival.claim(limit=1)
    assert taken.invoice_token == stale.invoice_token

    acked = load.acknowledge_all(leases)

    assert [o.outcome for o in acked] == ["acknowledged", "refused", "acknowledged", "acknowledged"]
    assert [o.invoice_token for o in acked] == [lease.invoice_token for lease in leases]
    refused = acked[1]
    assert refused.problem is not None
    assert (refused.problem.code, refused.problem.status, refused.status) == ("LEASE_MISMATCH", 409, 92)
    assert [o.status_name for o in acked if o.outcome != "refused"] == ["PendingResult"] * 3

    results = [
        IntegrationResult(leases[0], success=True, external_id_1="/inbound/INV-0.csv"),
        IntegrationResult(leases[2], success=False, failure_code="SFTP_UPLOAD_FAILED", failure_message="disk full"),
        IntegrationResult(leases[3].invoice_token, success=True),  # a token this Load holds a lease on
        IntegrationResult(stale, success=True),
    ]
    reported = load.report_results(results)

    assert [(o.outcome, o.status) for o in reported] == [
        ("reported", 100),
        ("reported", 97),
        ("reported", 100),
        ("refused", 92),
    ]
    assert reported[3].problem is not None
    assert reported[3].problem.code == "LEASE_MISMATCH"
    assert live.admin.get_invoice(leases[0].invoice_token)["external_id_1"] == "/inbound/INV-0.csv"
    assert live.admin.get_invoice(leases[2].invoice_token)["failure_code"] == "SFTP_UPLOAD_FAILED"
    assert all(load.held_lease(lease.invoice_token) is None for lease in leases)  # reported (or released)
    assert rival.acknowledge(taken).status == 93  # the rival's lease was never touched

    again = load.report_results([IntegrationResult(leases[0], success=True)])
    assert [(o.outcome, o.status) for o in again] == [("already", 100)]


def test_a_replayed_batch_returns_its_first_answer(live: World) -> None:
    tenant, token = live.tenant()
    for n in range(2):
        live.invoice(tenant, **invoice_spec(f"INV-{n}"))
    load = InvoiceLoad(live.context(token))
    leases = load.claim()

    first = load.acknowledge_all(leases, idempotency_key="push-42-ack")
    replay = load.acknowledge_all(leases, idempotency_key="push-42-ack")
    unkeyed = load.acknowledge_all(leases)

    assert [o.outcome for o in first] == ["acknowledged", "acknowledged"]
    assert replay == first
    assert [o.outcome for o in unkeyed] == ["already", "already"]
    results = [IntegrationResult(lease, success=True) for lease in leases]
    reported = load.report_results(results, idempotency_key="push-42-results")
    assert load.report_results(results, idempotency_key="push-42-results") == reported
    assert [o.outcome for o in reported] == ["reported", "reported"]
    assert live.admin.writes(tenant.tenant_id)["replayed"] == 2


def test_empty_batches_send_nothing(live: World) -> None:
    load = InvoiceLoad(live.context("ntq_sk_" + "0" * 40))  # an unknown token: any request would fail
    assert load.acknowledge_all([]) == []
    assert load.report_results([]) == []


def test_batch_inputs_are_checked_before_any_request(live: World) -> None:
    tenant, token = live.tenant()
    live.invoice(tenant, **invoice_spec())
    load = InvoiceLoad(live.context(token))
    [lease] = load.claim()

    with pytest.raises(ValidationError) as caught:
        load.acknowledge_all([lease, "not-claimed-here", 42, lease])  # type: ignore[list-item]
    assert [(p.field, p.value) for p in caught.value.problems] == [
        ("leases[1]", "not-claimed-here"),
        ("leases[2]", 42),
        ("leases[3].invoice_token", lease.invoice_token),
    ]
    assert "names the same invoice as leases[0]" in str(caught.value)

    with pytest.raises(ValidationError) as caught:
        load.report_results(
            [
                IntegrationResult(lease, success=False),
                IntegrationResult(lease, success=True, external_id_1="x" * 1001),
                "done",  # type: ignore[list-item]
            ]
        )
    fields = [p.field for p in caught.value.problems]
    assert fields == [
        "results[0].failure_code",
        "results[1].external_id_1",
        "results[2]",
        "results[1].lease.invoice_token",
    ]

    with pytest.raises(ValidationError, match=r"leases: '501 items' is too many for one request: at most 500"):
        load.acknowledge_all([attrs.evolve(lease, invoice_token=f"INV-{n}") for n in range(501)])
    with pytest.raises(ValidationError, match="with_invoices"):
        load.claim(with_invoices="yes")  # type: ignore[call-overload]
    assert live.admin.get_invoice(lease.invoice_token)["status"] == 92  # nothing was sent


def test_a_lost_batch_answer_is_retried_and_applied_once(live: World) -> None:
    tenant, token = live.tenant()
    for n in range(3):
        live.invoice(tenant, **invoice_spec(f"INV-{n}"))
    load = InvoiceLoad(live.fast_context(token))
    leases = load.claim(with_invoices=True)
    live.admin.add_fault(r"/v1/invoices/acknowledgements$", method="POST", drop="after", count=1)
    live.admin.add_fault(r"/v1/invoices/integration-results$", method="POST", drop="after", count=1)

    acked = load.acknowledge_all(leases)
    reported = load.report_results([IntegrationResult(lease, success=True) for lease in leases])

    # The retry (same Idempotency-Key, set by the SDK) met the applied request: its first answer, not "already".
    assert [o.outcome for o in acked] == ["acknowledged"] * 3
    assert [o.outcome for o in reported] == ["reported"] * 3
    writes = live.admin.writes(tenant.tenant_id)
    assert (writes["replayed"], writes["repeated"]) == (2, [])
    assert {live.admin.get_invoice(lease.invoice_token)["status"] for lease in leases} == {100}
