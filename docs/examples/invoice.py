"""InvoiceLoad: claim -> get_by_token -> deliver -> acknowledge -> integration_result, under kept-alive leases.

Run against a demo sandbox with NUNTIQ_API_URL and NUNTIQ_API_TOKEN set.
"""

from nuntiq_sdk import JobContext
from nuntiq_sdk.objects.invoice import InvoiceLoad

context = JobContext.from_settings({"customer_number": "10000001", "secrets": {}, "config": {}})
inv_load = InvoiceLoad(context)

# Finish anything an earlier crashed run acknowledged but never reported.
for lease in inv_load.recover_pending_results():
    inv_load.integration_result(lease, success=True, external_message_1="RECOVERED")

leases = inv_load.claim(state="PendingIntegration", limit=3, lease_ttl_seconds=600)
print(f"claimed {len(leases)} invoice(s)")
# The leases are extended in the background while the batch is worked; a lost one is left alone.
with inv_load.keep_alive(leases, lease_ttl_seconds=600) as keeper:
    for lease in leases:
        if keeper.is_lost(lease):
            print("  lease lost, skipped:", lease.invoice_token)
            continue
        invoice = inv_load.get_by_token(lease.invoice_token)
        vendor = invoice.get_address("vendor")
        print(
            invoice.get_field("invoiceNumber"),
            invoice.get_field("grossAmount"),
            invoice.get_field("currencyCode"),
            vendor.address_name if vendor else None,
            f"{len(invoice.lines)} line(s)",
        )
        for attachment in invoice.attachments:
            path = attachment.save()
            print("  saved", path.name, path.stat().st_size, "bytes")
        inv_load.acknowledge(lease)  # the Lease carries its lease id: a lapsed, re-granted lease is refused
        result = inv_load.integration_result(lease, success=True, external_id_1=f"ERP-{invoice.invoice_id}")
        print("  ->", result.status, result.status_name)
