"""IngestionLoad: push an invoice INTO Nuntiq - its files and its structured data in one call.

Run against a demo sandbox with NUNTIQ_API_URL and NUNTIQ_API_TOKEN set. Run it
twice: the second run finds the same document and gets the same invoice back.
"""

from pathlib import Path

from nuntiq_sdk import JobContext
from nuntiq_sdk.objects.ingestion import IngestionLoad

context = JobContext.from_settings({"customer_number": "10000001", "secrets": {}, "config": {}})
load = IngestionLoad(context)

# The source document as a scanner or an e-invoicing inbox would drop it.
pdf = Path(context.work_dir) / "INV-2026-0900.pdf"
pdf.write_bytes(b"%PDF-1.4\n% INV-2026-0900 from Acme Supplies GmbH\n%%EOF\n")

# Derived from the file's bytes: the same document always gets the same key.
source_key = IngestionLoad.source_key_for(pdf)
draft = load.new(source_key=source_key, supplier_code="SUP-100", erp_company_code="EMEA")
draft.ext_reference_1 = "SCAN-BATCH-17"
draft.set_field("invoiceNumber", "INV-2026-0900").set_field("invoiceDate", "2026-11-02")
draft.fields["currencyCode"] = "EUR"
draft.fields["grossAmount"] = "119.00"
draft.add_line({"description": "Widgets", "quantity": 10, "amount": "100.00"})
draft.add_address("vendor", address_name="Acme Supplies GmbH", city="Berlin", country_code="DE")
draft.attach(pdf, role="original")
draft.attach(b"PO 4500012345, delivery note 8812", file_name="delivery-note.txt")

result = draft.submit()
state = "idempotent" if result.idempotent else "created"
print(f"submit: {result.invoice_token} {result.status} ({result.invoice_status}) {state}")

status = load.get(source_key)
print(f"get: {status.source_key[:15]}... {status.status} {status.invoice_status_name}")
