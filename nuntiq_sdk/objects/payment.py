"""PaymentLoad: payments with line-level applications to invoices.

Upserted on ``payment_number``; lines on ``line_number``, each naming its
invoice by ``invoice_token`` or by ``invoice_number`` + ``supplier_code``. A
line applied to an unknown invoice fails its row (INVOICE_NOT_FOUND).
Fields: the spec's ``Payment``.

Example::

    load = PaymentLoad(context)
    payment = load.new(payment_number="PAY-77", payment_date="2026-05-20", currency_code="EUR", amount=1190.0)
    payment.lines.new(line_number=1, invoice_number="INV-2026-0042", supplier_code="SUP-100", amount=1190.0)
    load.save_all()
"""

from __future__ import annotations

from typing import Unpack

from generated_client.api.payments import delete_payments, list_payments, stage_payment_rows, upsert_payments
from nuntiq_sdk._baseload import BaseLoad
from nuntiq_sdk._generated.entities import Payment, PaymentValues

__all__ = ["Payment", "PaymentLoad", "PaymentValues"]


class PaymentLoad(BaseLoad[Payment]):
    """Payments (``Payment``), keyed by ``payment_number``."""

    entity_class = Payment
    full_load_object = "payments"
    list_operation = list_payments
    upsert_operation = upsert_payments
    delete_operation = delete_payments
    stage_operation = stage_payment_rows

    def new(self, **values: Unpack[PaymentValues]) -> Payment:
        """A new Payment, tracked until the next ``save_all()``; the keywords are the spec's fields."""
        return self._new(values)
