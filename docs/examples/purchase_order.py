"""The PurchaseOrderLoad page's example: an order and its lines."""

from nuntiq_sdk import JobContext
from nuntiq_sdk.objects.purchase_order import PurchaseOrderLineLoad, PurchaseOrderLoad

context = JobContext.from_settings({"customer_number": "10000001", "secrets": {}, "config": {}})

orders = PurchaseOrderLoad(context)
orders.new(po_number="PO-9001", supplier_code="SUP-100", currency_code="EUR", order_date="2026-05-01", status="OPEN")
print("orders:", orders.save_all())
lines = PurchaseOrderLineLoad(context)
lines.new(po_number="PO-9001", line_number=1, description="Widgets", quantity=10, unit_price=12.5)
lines.new(po_number="PO-9001", line_number=2, description="Freight", quantity=1, unit_price=30.0)
print("lines:", lines.save_all())
print("open lines:", [line.line_number for line in PurchaseOrderLineLoad(context).search(po_number="PO-9001")])
