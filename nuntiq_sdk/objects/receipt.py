"""ReceiptLoad: goods receipts, each line referencing a purchase order line.

Upserted on ``receipt_number``; lines on (``po_number``, ``po_line_number``). A
line naming an unknown PO line fails its row (PO_LINE_NOT_FOUND in the
result's ``failed``). Fields: the spec's ``Receipt``.

Example::

    load = ReceiptLoad(context)
    receipt = load.new(receipt_number="GR-5001", receipt_date="2026-05-17", supplier_code="SUP-100")
    receipt.lines.new(po_number="PO-1001", po_line_number=1, quantity_received=10)
    load.save_all()
"""

from __future__ import annotations

from typing import Unpack

from generated_client.api.receipts import delete_receipts, list_receipts, stage_receipt_rows, upsert_receipts
from nuntiq_sdk._baseload import BaseLoad
from nuntiq_sdk._generated.entities import Receipt, ReceiptValues

__all__ = ["Receipt", "ReceiptLoad", "ReceiptValues"]


class ReceiptLoad(BaseLoad[Receipt]):
    """Goods receipts (``Receipt``), keyed by ``receipt_number``."""

    entity_class = Receipt
    full_load_object = "receipts"
    list_operation = list_receipts
    upsert_operation = upsert_receipts
    delete_operation = delete_receipts
    stage_operation = stage_receipt_rows

    def new(self, **values: Unpack[ReceiptValues]) -> Receipt:
        """A new Receipt, tracked until the next ``save_all()``; the keywords are the spec's fields."""
        return self._new(values)
