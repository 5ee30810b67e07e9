"""PurchaseOrderLoad and PurchaseOrderLineLoad: purchase orders and their lines.

Orders are upserted on ``po_number``, lines on (``po_number``, ``line_number``).
Fields: the spec's ``PurchaseOrder`` and ``PurchaseOrderLine``.

Example::

    orders = PurchaseOrderLoad(context)
    orders.new(po_number="PO-1001", supplier_code="SUP-100", currency_code="EUR", status="OPEN")
    orders.save_all()
    lines = PurchaseOrderLineLoad(context)
    lines.new(po_number="PO-1001", line_number=1, quantity=10, unit_price=12.5)
    lines.save_all()
"""

from __future__ import annotations

from typing import Unpack

from generated_client.api.purchase_orders import (
    delete_purchase_order_lines,
    delete_purchase_orders,
    list_purchase_order_lines,
    list_purchase_orders,
    stage_purchase_order_line_rows,
    stage_purchase_order_rows,
    upsert_purchase_order_lines,
    upsert_purchase_orders,
)
from nuntiq_sdk._baseload import BaseLoad
from nuntiq_sdk._generated.entities import (
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderLineValues,
    PurchaseOrderValues,
)

__all__ = [
    "PurchaseOrder",
    "PurchaseOrderLine",
    "PurchaseOrderLineLoad",
    "PurchaseOrderLineValues",
    "PurchaseOrderLoad",
    "PurchaseOrderValues",
]


class PurchaseOrderLoad(BaseLoad[PurchaseOrder]):
    """Purchase orders (``PurchaseOrder``), keyed by ``po_number``."""

    entity_class = PurchaseOrder
    full_load_object = "purchase_orders"
    list_operation = list_purchase_orders
    upsert_operation = upsert_purchase_orders
    delete_operation = delete_purchase_orders
    stage_operation = stage_purchase_order_rows

    def new(self, **values: Unpack[PurchaseOrderValues]) -> PurchaseOrder:
        """A new PurchaseOrder, tracked until the next ``save_all()``; the keywords are the spec's fields."""
        return self._new(values)


class PurchaseOrderLineLoad(BaseLoad[PurchaseOrderLine]):
    """Purchase order lines (``PurchaseOrderLine``), keyed by ``po_number`` and ``line_number``."""

    entity_class = PurchaseOrderLine
    full_load_object = "purchase_order_lines"
    list_operation = list_purchase_order_lines
    upsert_operation = upsert_purchase_order_lines
    delete_operation = delete_purchase_order_lines
    stage_operation = stage_purchase_order_line_rows

    def new(self, **values: Unpack[PurchaseOrderLineValues]) -> PurchaseOrderLine:
        """A new PurchaseOrderLine, tracked until the next ``save_all()``; the keywords are the spec's fields."""
        return self._new(values)
