"""The PaymentLoad page's example: a payment applied to an invoice by number and supplier."""

from nuntiq_sdk import JobContext
from nuntiq_sdk.objects.payment import PaymentLoad

context = JobContext.from_settings({"customer_number": "10000001", "secrets": {}, "config": {}})

load = PaymentLoad(context)
payment = load.new(
    payment_number="PAY-9001",
    payment_date="2026-05-20",
    currency_code="EUR",
    amount=1190.0,
    method="BANK_TRANSFER",
    supplier_code="SUP-100",
)
payment.lines.new(line_number=1, invoice_number="INV-2026-0042", supplier_code="SUP-100", amount=1190.0)
result = load.save_all()
print("payments:", result)
for failed in result.failed:
    print("failed:", failed)
