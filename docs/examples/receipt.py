"""The ReceiptLoad page's example: a receipt against a PO line, and one against a line that does not exist."""

from nuntiq_sdk import JobContext
from nuntiq_sdk.objects.purchase_order import PurchaseOrderLineLoad, PurchaseOrderLoad
from nuntiq_sdk.objects.receipt import ReceiptLoad

context = JobContext.from_settings({"customer_number": "10000001", "secrets": {}, "config": {}})

orders = PurchaseOrderLoad(context)
orders.new(po_number="PO-9101", supplier_code="SUP-100")
orders.save_all()
lines = PurchaseOrderLineLoad(context)
lines.new(po_number="PO-9101", line_number=1, quantity=10)
lines.save_all()

load = ReceiptLoad(context)
receipt = load.new(receipt_number="GR-9101", receipt_date="2026-05-17", supplier_code="SUP-100")
receipt.lines.new(po_number="PO-9101", po_line_number=1, quantity_received=10)
bad = load.new(receipt_number="GR-9102", receipt_date="2026-05-17")
bad.lines.new(po_number="PO-9101", po_line_number=99, quantity_received=1)
result = load.save_all()
print("receipts:", result)
for failed in result.failed:
    print("failed:", failed)
