"""A connector as a user writes it: every field typed."""

from __future__ import annotations

from nuntiq_sdk import JobContext
from nuntiq_sdk.objects.supplier import SupplierLoad


def run(context: JobContext) -> dict[str, int]:
    load = SupplierLoad(context)
    supplier = load.new(supplier_code="SUP-1", name="Acme GmbH", country_code="DE", payment_terms_days=30)
    supplier.locations.new(location_code="MAIN", name="Berlin HQ")
    supplier.bank_accounts.new(iban="DE89370400440532013000", currency_code="EUR")
    for existing in load.get_all():
        existing.payment_terms_days = 45
        label: str = existing.supplier_code
        name: str | None = existing.name
        context.logger.info(f"{label}: {name}")
    result = load.save_all()
    return {"created": len(result.created), "updated": len(result.updated)}
