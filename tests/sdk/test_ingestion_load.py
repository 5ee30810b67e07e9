"""IngestionLoad against the sandbox: recorded once, replayed with the network blocked."""

from __future__ import annotations

import hashlib

import pytest

from nuntiq_sdk import ImportNotFoundError, PermissionDeniedError, SourceKeyConflictError, ValidationError
from nuntiq_sdk.objects.ingestion import IngestionLoad, InvoiceDraft
from nuntiq_sdk.objects.invoice import InvoiceLoad
from tests.sdk.conftest import INVOICE_FIELDS, World

pytestmark = [pytest.mark.vcr, pytest.mark.block_network]

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
XML = b"<Invoice><ID>INV-1001</ID></Invoice>"


def draft_for(load: IngestionLoad, number: str = "INV-1001", pdf: bytes = PDF) -> InvoiceDraft:
    draft = load.new(
        source_key=IngestionLoad.source_key_for(pdf),
        supplier_code="SUP-100",
        supplier_location_code="MAIN",
        erp_company_code="EMEA",
        ext_reference_1="CUSTOMER-A",
    )
    for key, value in {**INVOICE_FIELDS, "invoiceNumber": number}.items():
        draft.set_field(key, value)
    draft.add_line({"description": "Widgets", "quantity": 10, "amount": "1000.00"})
    draft.add_address("vendor", address_name="Acme Supplies GmbH", city="Berlin", country_code="DE")
    draft.attach(pdf, file_name=f"{number}.pdf", role="original")
    draft.attach(XML, file_name=f"{number}.xml")
    return draft


def test_submit_creates_an_invoice_the_push_side_claims(world: World) -> None:
    _, token = world.tenant()
    context = world.context(token)
    load = IngestionLoad(context)

    result = draft_for(load).submit()

    assert (result.status, result.invoice_status, result.idempotent) == ("ready", 90, False)
    assert result.source_key == "sha256:" + hashlib.sha256(PDF).hexdigest()
    invoices = InvoiceLoad(context)
    [lease] = invoices.claim()
    invoice = invoices.get_by_token(lease.invoice_token)
    assert invoice.invoice_token == result.invoice_token
    assert (invoice.invoice_number, invoice.supplier_location_code, invoice.ext_reference_1) == (
        "INV-1001",
        "MAIN",
        "CUSTOMER-A",
    )
    assert invoice.get_field("grossAmount") == "1190.00"
    assert invoice.lines[0].get_field("description") == "Widgets"
    vendor = invoice.get_address("vendor")
    assert vendor is not None
    assert vendor.city == "Berlin"
    assert [(a.file_name, a.read()) for a in invoice.attachments] == [("INV-1001.pdf", PDF), ("INV-1001.xml", XML)]


def test_the_same_document_twice_is_one_invoice_and_changed_content_conflicts(world: World) -> None:
    _, token = world.tenant()
    load = IngestionLoad(world.context(token))

    first = draft_for(load).submit()
    again = load.submit(draft_for(load))
    changed = draft_for(load, number="INV-1002")

    assert (again.invoice_token, again.import_id, again.idempotent) == (first.invoice_token, first.import_id, True)
    with pytest.raises(SourceKeyConflictError, match="SOURCE_KEY_CONFLICT"):
        changed.submit()
    assert load.get(first.source_key).invoice_token == first.invoice_token


def test_intake_progresses_on_the_sandbox_clock(world: World) -> None:
    tenant, token = world.tenant()
    world.admin.set_intake_delay(tenant.tenant_id, 600)
    context = world.context(token)
    load = IngestionLoad(context)

    result = draft_for(load).submit()

    assert (result.status, result.invoice_status_name) == ("intake", "Intake")
    assert InvoiceLoad(context).claim() == []
    world.admin.advance_clock(601)
    status = load.get(result.source_key)
    assert (status.status, status.invoice_status) == ("ready", 90)
    assert [lease.invoice_token for lease in InvoiceLoad(context).claim()] == [result.invoice_token]


def test_problems_are_found_before_any_request(world: World) -> None:
    load = IngestionLoad(world.context("ntq_sk_unused"))
    draft = load.new(source_key="no spaces allowed", supplier_code="")
    draft.attach(XML, file_name="INV-1.xml")
    with pytest.raises(ValidationError) as caught:
        draft.submit()
    assert {p.field for p in caught.value.problems} == {"source_key", "supplier_code", "files"}
    with pytest.raises(ValidationError, match="source_key"):
        load.get("a/b")


def test_unknown_imports_and_missing_permissions_are_typed_errors(world: World) -> None:
    tenant, reader = world.tenant(permissions=("INVOICE_READ",))
    load = IngestionLoad(world.context(reader))
    with pytest.raises(PermissionDeniedError, match="INVOICE_IMPORT"):
        draft_for(load).submit()
    importer = world.admin.create_token(tenant.tenant_id, ["INVOICE_IMPORT"])
    with pytest.raises(ImportNotFoundError):
        IngestionLoad(world.context(importer)).get("sha256:never-submitted")
