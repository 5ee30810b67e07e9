"""InvoiceLoad in batches: claim with the invoices -> deliver -> acknowledge_all -> report_results.

Three requests for the whole batch instead of three per invoice. Run against a
demo sandbox with NUNTIQ_API_URL and NUNTIQ_API_TOKEN set.
"""

from nuntiq_sdk import JobContext
from nuntiq_sdk.objects.invoice import IntegrationResult, InvoiceLoad

context = JobContext.from_settings({"customer_number": "10000001", "secrets": {}, "config": {}})
inv_load = InvoiceLoad(context)

leases = inv_load.claim(limit=3, lease_ttl_seconds=600, with_invoices=True)
print(f"claimed {len(leases)} invoice(s) with their data")
results = []
delivered = []
for lease in leases:
    invoice = lease.invoice  # the claim brought it: no get_by_token per invoice
    print(invoice.get_field("invoiceNumber"), invoice.get_field("grossAmount"), f"{len(invoice.lines)} line(s)")
    try:
        for attachment in invoice.attachments:
            attachment.save()  # checked against its size and sha256
    except OSError as exc:  # this one failed: report it, and go on with the others
        results.append(IntegrationResult(lease, success=False, failure_code="SAVE_FAILED", failure_message=str(exc)))
        continue
    delivered.append(lease)

# One request acknowledges every delivered invoice; a lease refused (it lapsed, or another worker holds the
# invoice now) gets its problem instead, and that invoice is not reported by this run.
for lease, outcome in zip(delivered, inv_load.acknowledge_all(delivered), strict=True):
    if outcome.outcome == "refused":
        print("  not acknowledged:", lease.invoice_token, outcome.problem.code if outcome.problem else None)
        continue
    results.append(IntegrationResult(lease, success=True, external_id_1=f"ERP-{lease.invoice.invoice_id}"))

# One request reports them all; replaying it (same idempotency_key) returns the same outcomes.
for outcome in inv_load.report_results(results):
    print("  ->", outcome.outcome, outcome.status, outcome.status_name)
