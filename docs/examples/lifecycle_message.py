"""The LifecycleMessageLoad page's examples, as the product docs write them.

Run against a demo sandbox (``nuntiq sandbox --seed demo --token-file T``) with
NUNTIQ_API_URL and NUNTIQ_API_TOKEN set; the demo seed holds the docs' example
invoices (token ``7f3a...``, INV-2026-0042 from SUP-100).
"""

from nuntiq_sdk import JobContext
from nuntiq_sdk.objects.lifecycle_message import LifecycleMessageLoad

context = JobContext.from_settings({"customer_number": "10000001", "secrets": {}, "config": {}})

# Write - new() + post_to()
load = LifecycleMessageLoad(context)
msg = load.new()
msg.code = "ACCEPTED"  # required
msg.reference_type = "PAYMENT_REF"
msg.reference_value = "ERP-INV-12345"
msg.note_supplier = "Invoice posted to AP queue."
msg.note_internal = "ERP batch 2026-05-17-001"
resp = msg.post_to(
    invoice_token="7f3a...",
    idempotency_key="erp-accept-12345",  # optional but recommended
)
print("post_to:", resp.message.code, "idempotent" if resp.idempotent else "recorded")

# post_by_reference() - when you don't have the invoice token
resp = msg.post_by_reference(
    invoice_number="INV-2026-0042",
    supplier_code="SUP-100",
    supplier_location_code="MAIN",  # optional, narrows the match
    erp_company_code="EMEA",  # optional
    idempotency_key="pmt-77-3-paid",
)
print("post_by_reference:", resp.message.invoice_token, resp.message.code)

# Read - get_for_invoice()
for m in load.get_for_invoice("7f3a..."):
    print(m.recorded_at, m.code, m.note_supplier)

# Read - poll_since() (cross-invoice delta)
for m in load.poll_since(
    since="2026-04-25T08:00:00Z",  # ISO-8601 UTC
    ext_references={1: "CUSTOMER-A"},  # at least one ext_reference_N required
    tz="UTC",  # only consulted when `since` is naked
    tier=None,  # 1, 2, 3, or None for all
    include_internal_notes=False,
    page_size=500,  # default 500, max 5000
):
    print(m.invoice_token, m.recorded_at, m.code)
