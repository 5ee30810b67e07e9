"""InvoiceLoad against the sandbox: recorded once, replayed with the network blocked."""

from __future__ import annotations

import base64
import hashlib

import pytest

from nuntiq_sdk import (
    AuthenticationError,
    InvoiceNotFoundError,
    InvoiceStateError,
    LeaseExpiredError,
    LeaseMismatchError,
    PermissionDeniedError,
    ValidationError,
)
from nuntiq_sdk.objects.invoice import InvoiceLoad
from tests.sdk.conftest import World, invoice_spec

pytestmark = [pytest.mark.vcr, pytest.mark.block_network]

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def pdf(name: str) -> dict[str, str]:
    return {"file_name": name, "content_type": "application/pdf", "content_base64": base64.b64encode(PDF).decode()}


def test_claim_read_acknowledge_and_report(world: World) -> None:
    tenant, token = world.tenant()
    older = world.invoice(
        tenant,
        **invoice_spec("INV-1001", created_at="2026-11-15T10:00:00Z"),
        attachments=[pdf("INV-1001.pdf")],
    )
    newer = world.invoice(tenant, **invoice_spec("INV-1002", status=91, created_at="2026-11-15T11:00:00Z"))
    load = InvoiceLoad(world.context(token))

    leases = load.claim(state="PendingIntegration", limit=5, lease_ttl_seconds=600)

    assert [lease.invoice_token for lease in leases] == [older["invoice_token"], newer["invoice_token"]]
    assert {lease.status for lease in leases} == {92}
    invoice = load.get_by_token(older["invoice_token"])
    assert invoice.status == 92
    assert invoice.get_field("invoiceNumber") == "INV-1001"
    assert invoice.get_field("missing", "fallback") == "fallback"
    assert invoice.fields["currencyCode"] == "EUR"
    vendor = invoice.get_address("vendor")
    assert vendor is not None
    assert vendor.address_name == "Acme Supplies GmbH"
    assert invoice.get_address("remit_to") is None
    assert [line.line_number for line in invoice.lines] == [1, 2]
    assert invoice.lines[0].get_field("description") == "Widgets"
    assert invoice.supplier_code == "SUP-100"
    assert invoice.ext_reference_1 == "CUSTOMER-A"

    [attachment] = invoice.attachments
    assert (attachment.file_name, attachment.size) == ("INV-1001.pdf", len(PDF))
    saved = attachment.save()
    assert saved == world.work_dir / "INV-1001.pdf"
    assert saved.read_bytes() == PDF
    assert attachment.sha256 == hashlib.sha256(PDF).hexdigest()

    acknowledged = load.acknowledge(older["invoice_token"])
    assert (acknowledged.status, acknowledged.status_name) == (93, "PendingResult")
    result = load.integration_result(older["invoice_token"], success=True, external_id_1="/inbound/INV-1001.csv")
    assert (result.status, result.idempotent) == (100, False)
    again = load.integration_result(older["invoice_token"], success=True, external_id_1="/inbound/INV-1001.csv")
    assert (again.status, again.idempotent) == (100, True)
    assert world.admin.get_invoice(older["invoice_token"])["external_id_1"] == "/inbound/INV-1001.csv"


def test_claim_returns_nothing_when_no_invoice_waits(world: World) -> None:
    tenant, token = world.tenant()
    world.invoice(tenant, **invoice_spec(status=40))
    world.invoice(tenant, **invoice_spec(status=100))
    assert InvoiceLoad(world.context(token)).claim() == []


def test_claim_arguments_are_checked_before_any_request(world: World) -> None:
    load = InvoiceLoad(world.context("ntq_sk_unused"))
    with pytest.raises(ValidationError) as caught:
        load.claim(state="Pending", limit=0, lease_ttl_seconds=5)
    assert {p.field for p in caught.value.problems} == {"state", "limit", "lease_ttl_seconds"}
    assert "'Pending'" in str(caught.value)


def test_failure_is_reported_from_integrating(world: World) -> None:
    tenant, token = world.tenant()
    created = world.invoice(tenant, **invoice_spec())
    load = InvoiceLoad(world.context(token))
    [lease] = load.claim()

    with pytest.raises(ValidationError, match="failure_code"):
        load.integration_result(lease.invoice_token, success=False)
    result = load.integration_result(
        lease.invoice_token, success=False, failure_code="SFTP_UPLOAD_FAILED", failure_message="disk full"
    )

    assert result.status == 97
    stored = world.admin.get_invoice(created["invoice_token"])
    assert (stored["failure_code"], stored["failure_message"]) == ("SFTP_UPLOAD_FAILED", "disk full")


def test_success_needs_an_acknowledged_invoice(world: World) -> None:
    tenant, token = world.tenant()
    world.invoice(tenant, **invoice_spec())
    load = InvoiceLoad(world.context(token))
    [lease] = load.claim()
    with pytest.raises(InvoiceStateError) as caught:
        load.integration_result(lease.invoice_token, success=True)
    assert caught.value.current_status == 92
    assert caught.value.request_id


def test_acknowledging_after_the_lease_lapsed_is_refused(world: World) -> None:
    tenant, token = world.tenant()
    world.invoice(tenant, **invoice_spec())
    load = InvoiceLoad(world.context(token))
    [lease] = load.claim(lease_ttl_seconds=60)
    world.admin.advance_clock(120)
    with pytest.raises(LeaseExpiredError):
        load.acknowledge(lease.invoice_token)


def test_a_lapsed_lease_taken_by_another_worker_is_not_acted_on(world: World) -> None:
    tenant, token = world.tenant()
    world.invoice(tenant, **invoice_spec())
    first, second = InvoiceLoad(world.context(token)), InvoiceLoad(world.context(token))
    [lease] = first.claim(lease_ttl_seconds=60)
    world.admin.advance_clock(120)
    [taken] = second.claim(lease_ttl_seconds=600)
    assert taken.invoice_token == lease.invoice_token
    with pytest.raises(LeaseMismatchError):
        first.acknowledge(lease.invoice_token)
    assert second.acknowledge(taken.invoice_token).status == 93


def test_extend_and_release_a_lease(world: World) -> None:
    tenant, token = world.tenant()
    world.invoice(tenant, **invoice_spec(status=91))
    load = InvoiceLoad(world.context(token))
    [lease] = load.claim(lease_ttl_seconds=60)
    extended = load.extend_lease(lease.invoice_token, lease_ttl_seconds=1200)
    assert extended.lease_expires_at > lease.lease_expires_at
    released = load.release(lease.invoice_token)
    assert released.status == 91
    assert [again.invoice_token for again in load.claim()] == [lease.invoice_token]


def test_invoices_left_at_pending_result_by_a_crash_are_recovered(world: World) -> None:
    tenant, token = world.tenant()
    world.invoice(tenant, **invoice_spec())
    crashed = InvoiceLoad(world.context(token))
    [lease] = crashed.claim(lease_ttl_seconds=60)
    crashed.acknowledge(lease.invoice_token)
    # The process dies here; its lease lapses.
    world.admin.advance_clock(120)

    rerun = InvoiceLoad(world.context(token))
    assert rerun.claim() == []
    [recovered] = rerun.recover_pending_results()
    assert (recovered.invoice_token, recovered.status) == (lease.invoice_token, 93)
    assert rerun.integration_result(recovered.invoice_token, success=True).status == 100
    assert rerun.recover_pending_results() == []


def test_unknown_and_foreign_invoices_are_not_found(world: World) -> None:
    _, token = world.tenant()
    other_tenant, _ = world.tenant(name="Other Customer")
    foreign = world.invoice(other_tenant, **invoice_spec())
    load = InvoiceLoad(world.context(token))
    with pytest.raises(InvoiceNotFoundError) as caught:
        load.get_by_token("no-such-invoice")
    assert caught.value.status_code == 404
    with pytest.raises(InvoiceNotFoundError):
        load.get_by_token(foreign["invoice_token"])


def test_credentials_and_permissions_are_enforced(world: World) -> None:
    tenant, reader = world.tenant(permissions=("INVOICE_READ",))
    world.invoice(tenant, **invoice_spec())
    with pytest.raises(PermissionDeniedError):
        InvoiceLoad(world.context(reader)).claim()
    unknown = "ntq_sk_" + "0" * 40
    with pytest.raises(AuthenticationError) as caught:
        InvoiceLoad(world.context(unknown)).claim()
    assert unknown not in str(caught.value)


def test_attachments_are_saved_only_under_plain_names(world: World) -> None:
    tenant, token = world.tenant()
    created = world.invoice(
        tenant,
        **invoice_spec(),
        attachments=[pdf("scan.pdf")],
    )
    [attachment] = InvoiceLoad(world.context(token)).get_by_token(created["invoice_token"]).attachments
    for bad in ("../escape.pdf", "/etc/passwd", "dir/file.pdf", "..", ""):
        with pytest.raises(ValidationError, match="name"):
            attachment.save(bad)
    assert not (world.work_dir.parent / "escape.pdf").exists()
    assert attachment.save("renamed.pdf").read_bytes() == PDF


def test_a_lapsed_lease_cannot_be_extended(world: World) -> None:
    tenant, token = world.tenant()
    world.invoice(tenant, **invoice_spec())
    load = InvoiceLoad(world.context(token))
    [lease] = load.claim(lease_ttl_seconds=60)
    world.admin.advance_clock(61)
    with pytest.raises(LeaseExpiredError):
        load.extend_lease(lease.invoice_token, lease_ttl_seconds=600)


def test_an_old_lease_is_refused_after_a_re_claim_across_two_loads(world: World) -> None:
    """Leases are values: a restarted process holding its old Lease still fences, whatever Load it uses."""
    tenant, token = world.tenant()
    world.invoice(tenant, **invoice_spec())
    crashed = InvoiceLoad(world.context(token))
    [old] = crashed.claim(lease_ttl_seconds=60)
    assert (old.status, old.previous_status, old.invoice_number) == (92, 90, "INV-1001")
    world.admin.advance_clock(120)  # the first worker stalled; its lease lapsed
    [new] = InvoiceLoad(world.context(token)).claim(lease_ttl_seconds=600)
    assert (new.invoice_token, new.lease_id != old.lease_id) == (old.invoice_token, True)

    restarted = InvoiceLoad(world.context(token))  # knows nothing but the Lease value it kept
    with pytest.raises(LeaseMismatchError):
        restarted.acknowledge(old)
    with pytest.raises(LeaseMismatchError):
        restarted.extend_lease(old, lease_ttl_seconds=600)
    with pytest.raises(LeaseMismatchError):
        restarted.release_lease(old)
    with pytest.raises(LeaseMismatchError):
        restarted.integration_result(old, success=False, failure_code="STALE_WORKER")
    assert restarted.acknowledge(new).status == 93  # the live lease, from a third Load instance
    assert restarted.integration_result(new, success=True).status == 100


def test_a_token_only_lease_call_needs_a_lease_this_load_holds(world: World) -> None:
    tenant, token = world.tenant()
    world.invoice(tenant, **invoice_spec())
    claimer, other = InvoiceLoad(world.context(token)), InvoiceLoad(world.context(token))
    [lease] = claimer.claim()
    for action in (other.acknowledge, other.extend_lease, other.release_lease):
        with pytest.raises(ValidationError) as caught:
            action(lease.invoice_token)
        assert (caught.value.problems[0].field, caught.value.problems[0].value) == ("lease", lease.invoice_token)
    assert claimer.acknowledge(lease.invoice_token).status == 93  # the docs' token-only call, looked up
    assert claimer.held_lease(lease.invoice_token) == lease
    assert claimer.integration_result(lease.invoice_token, success=True).status == 100
    assert claimer.held_lease(lease.invoice_token) is None
