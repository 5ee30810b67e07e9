"""IngestionLoad against a live sandbox over a real socket: files, idempotency, intake, faults."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from nuntiq_sdk import FileChecksumMismatchError, SourceKeyConflictError
from nuntiq_sdk.objects.ingestion import IngestionLoad, InvoiceDraft, StagedFile
from nuntiq_sdk.objects.invoice import InvoiceLoad
from nuntiq_sdk.objects.lifecycle_message import LifecycleMessageLoad
from tests.sdk.conftest import World

pytestmark = pytest.mark.live

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 4096 + b"\n%%EOF\n"  # 1 MiB and a bit: several hash chunks


def _draft(load: IngestionLoad, pdf: Path, number: str = "INV-7001") -> InvoiceDraft:
    draft = load.new(source_key=IngestionLoad.source_key_for(pdf), supplier_code="SUP-100", ext_reference_1="ERP-A")
    draft.set_field("invoiceNumber", number).set_field("grossAmount", "1190.00").set_field("currencyCode", "EUR")
    draft.add_line({"description": "Widgets", "quantity": 10, "amount": "1000.00"})
    draft.add_address("vendor", address_name="Acme Supplies GmbH", country_code="DE")
    draft.attach(pdf, role="original")
    draft.attach(b"<Invoice><ID>" + number.encode() + b"</ID></Invoice>", file_name=f"{number}.xml")
    return draft


def test_an_imported_invoice_is_claimed_and_its_files_download_with_the_same_bytes(live: World) -> None:
    tenant, token = live.tenant()
    live.admin.set_intake_delay(tenant.tenant_id, 300)
    pdf = live.work_dir / "INV-7001.pdf"
    pdf.write_bytes(PDF)
    context = live.context(token)
    load, invoices = IngestionLoad(context), InvoiceLoad(context)

    result = _draft(load, pdf).submit()

    assert (result.status, result.invoice_status, result.idempotent) == ("intake", 10, False)
    assert invoices.claim() == []
    live.admin.advance_clock(301)
    assert load.get(result.source_key).status == "ready"
    [lease] = invoices.claim()
    assert lease.invoice_token == result.invoice_token
    invoice = invoices.get_by_token(lease.invoice_token)
    assert (invoice.invoice_number, invoice.supplier_code, invoice.get_field("grossAmount")) == (
        "INV-7001",
        "SUP-100",
        "1190.00",
    )
    original, xml = invoice.attachments
    assert (original.file_name, original.content_type, original.sha256) == (
        "INV-7001.pdf",
        "application/pdf",
        hashlib.sha256(PDF).hexdigest(),
    )
    assert original.read() == PDF
    assert xml.save().read_bytes() == b"<Invoice><ID>INV-7001</ID></Invoice>"
    codes = [m.code for m in LifecycleMessageLoad(context).get_for_invoice(result.invoice_token)]
    assert codes == ["RECEIVED", "CAPTURED", "VALIDATED"]


def test_resubmitting_a_document_is_idempotent_and_changed_content_conflicts(live: World) -> None:
    _, token = live.tenant()
    pdf = live.work_dir / "INV-7002.pdf"
    pdf.write_bytes(PDF)
    load = IngestionLoad(live.context(token))

    first = _draft(load, pdf, "INV-7002").submit()
    again = _draft(load, pdf, "INV-7002").submit()
    changed = _draft(load, pdf, "INV-7002")
    changed.fields["grossAmount"] = "1200.00"

    assert (again.invoice_token, again.idempotent) == (first.invoice_token, True)
    with pytest.raises(SourceKeyConflictError) as caught:
        changed.submit()
    assert caught.value.status_code == 409
    assert first.source_key in str(caught.value)


def test_a_file_already_stored_is_not_sent_again(live: World) -> None:
    _, token = live.tenant()
    pdf = live.work_dir / "INV-7003.pdf"
    pdf.write_bytes(PDF)
    load = IngestionLoad(live.context(token))
    staged = StagedFile(role="original", file_name="INV-7003.pdf", content_type="application/pdf", path=pdf)
    stored = load.store_file(staged)
    live.admin.add_fault(r"/v1/ingestion/files$", method="POST", status=500, count=10)  # an upload would fail

    assert load.store_file(staged).file_id == stored.file_id
    assert stored.size == len(PDF)


def test_bytes_that_do_not_match_the_declared_sha256_are_refused(live: World, monkeypatch: pytest.MonkeyPatch) -> None:
    _, token = live.tenant()
    pdf = live.work_dir / "INV-7004.pdf"
    pdf.write_bytes(PDF)
    load = IngestionLoad(live.context(token))
    draft = _draft(load, pdf, "INV-7004")
    # The file changes on disk after it was hashed, before it is sent.
    monkeypatch.setattr(StagedFile, "sha256", lambda self: (hashlib.sha256(b"before").hexdigest(), len(PDF)))

    with pytest.raises(FileChecksumMismatchError) as caught:
        draft.submit()
    assert caught.value.code == "FILE_CHECKSUM_MISMATCH"


def test_a_lost_response_still_creates_exactly_one_invoice(live: World) -> None:
    _, token = live.tenant()
    pdf = live.work_dir / "INV-7005.pdf"
    pdf.write_bytes(PDF)
    context = live.fast_context(token)
    live.admin.add_fault(r"/v1/ingestion/files$", method="POST", drop="after", count=1)
    live.admin.add_fault(r"/v1/ingestion/imports$", method="POST", drop="after", count=1)

    result = _draft(IngestionLoad(context), pdf, "INV-7005").submit()

    assert result.idempotent is True  # the retry met the first, applied request
    leases = InvoiceLoad(context).claim(limit=10)
    assert [lease.invoice_token for lease in leases] == [result.invoice_token]
    assert InvoiceLoad(context).get_by_token(result.invoice_token).attachments[0].read() == PDF


def test_a_dropped_upload_is_resent_from_the_file_not_from_memory(live: World) -> None:
    _, token = live.tenant()
    pdf = live.work_dir / "INV-7006.pdf"
    pdf.write_bytes(PDF)
    load = IngestionLoad(live.fast_context(token))
    live.admin.add_fault(r"/v1/ingestion/files$", method="POST", drop="before", count=1)
    staged = StagedFile(role="original", file_name="INV-7006.pdf", content_type="application/pdf", path=pdf)

    stored = load.store_file(staged)

    assert (stored.size, stored.sha256) == (len(PDF), hashlib.sha256(PDF).hexdigest())
