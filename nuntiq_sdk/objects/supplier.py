"""SupplierLoad: suppliers with their locations, addresses and bank accounts.

Upserted on ``supplier_code``; locations on ``location_code``, addresses on
``address_type`` and bank accounts on ``iban`` (checked by its checksum).
Every field is the spec's ``Supplier`` schema; see ``BaseLoad`` for the methods.

Example::

    load = SupplierLoad(context)
    supplier = load.new(supplier_code="SUP-100", name="Acme Supplies GmbH", country_code="DE")
    supplier.locations.new(location_code="MAIN", name="Berlin HQ")
    supplier.bank_accounts.new(iban="DE89370400440532013000", currency_code="EUR")
    result = load.save_all()
"""

from __future__ import annotations

from typing import Unpack

from generated_client.api.suppliers import delete_suppliers, list_suppliers, stage_supplier_rows, upsert_suppliers
from nuntiq_sdk._baseload import BaseLoad
from nuntiq_sdk._generated.entities import Supplier, SupplierValues

__all__ = ["Supplier", "SupplierLoad", "SupplierValues"]


class SupplierLoad(BaseLoad[Supplier]):
    """Suppliers (``Supplier``), keyed by ``supplier_code``."""

    entity_class = Supplier
    full_load_object = "suppliers"
    list_operation = list_suppliers
    upsert_operation = upsert_suppliers
    delete_operation = delete_suppliers
    stage_operation = stage_supplier_rows

    def new(self, **values: Unpack[SupplierValues]) -> Supplier:
        """A new Supplier, tracked until the next ``save_all()``; the keywords are the spec's fields."""
        return self._new(values)
