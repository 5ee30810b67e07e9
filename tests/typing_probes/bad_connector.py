"""The same connector with a misspelt field and a wrong field type: mypy must flag exactly those two lines."""

from __future__ import annotations

from nuntiq_sdk import JobContext
from nuntiq_sdk.objects.supplier import SupplierLoad


def run(context: JobContext) -> dict[str, int]:
    load = SupplierLoad(context)
    supplier = load.new(supplier_code="SUP-1", name="Acme GmbH", country_code="DE", payment_terms_days=30)
    supplier.nmae = "Acme"  # expected: attr-defined
    supplier.bank_accounts.new(iban="DE89370400440532013000", currency_code="EUR")
    for existing in load.get_all():
        existing.name = 42  # expected: assignment
        label: str = existing.supplier_code
        name: str | None = existing.name
        context.logger.info(f"{label}: {name}")
    result = load.save_all()
    return {"created": len(result.created), "updated": len(result.updated)}
