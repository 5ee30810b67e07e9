"""The master-data Loads against the sandbox: recorded once, replayed with the network blocked."""

from __future__ import annotations

import pytest

from generated_client.api.suppliers import stage_supplier_rows
from generated_client.models import SupplierRows
from nuntiq_sdk import FullLoadNotStagingError, ValidationError
from nuntiq_sdk._http import call
from nuntiq_sdk.objects.customer_data_table import CustomerDataTableLoad
from nuntiq_sdk.objects.organization import OrganizationLoad
from nuntiq_sdk.objects.payment import PaymentLoad
from nuntiq_sdk.objects.purchase_order import PurchaseOrderLineLoad, PurchaseOrderLoad
from nuntiq_sdk.objects.receipt import ReceiptLoad
from nuntiq_sdk.objects.supplier import SupplierLoad
from nuntiq_sdk.objects.user import UserLoad
from tests.sdk.conftest import World, invoice_spec

pytestmark = [pytest.mark.vcr, pytest.mark.block_network]

IBAN = "DE89370400440532013000"


def test_suppliers_are_created_updated_by_changed_fields_only_and_searched(world: World) -> None:
    _, token = world.tenant()
    load = SupplierLoad(world.context(token))
    for n in range(3):
        supplier = load.new(supplier_code=f"SUP-{n}", name=f"Supplier {n}", country_code="DE", currency_code="EUR")
        supplier.locations.new(location_code="MAIN", name="Berlin")
        supplier.bank_accounts.new(iban=IBAN, account_holder=f"Supplier {n}")
    created = load.save_all()
    assert created.created == [{"supplier_code": f"SUP-{n}"} for n in range(3)]
    assert load.save_all().requests == 0  # nothing changed: no request

    reread = SupplierLoad(world.context(token))
    [second] = reread.search(supplier_code="SUP-1")
    assert second.locations.get("MAIN").name == "Berlin"
    second.name = "Supplier 1"  # the same value: not a change
    second.payment_terms_days = 45
    second.locations.get("MAIN").name = "Hamburg"
    updated = reread.save_all()
    assert (updated.updated, updated.requests) == ([{"supplier_code": "SUP-1"}], 1)
    assert [s.payment_terms_days for s in SupplierLoad(world.context(token)).get_all()] == [None, 45, None]


def test_invalid_rows_are_refused_before_any_request_naming_row_and_field(world: World) -> None:
    load = SupplierLoad(world.context("ntq_sk_unused"))
    bad = load.new(supplier_code="SUP-BAD", country_code="XX", currency_code="EURO")
    bad.bank_accounts.new(iban="DE00370400440532013000")
    load.new(supplier_code="SUP-NONAME")
    with pytest.raises(ValidationError) as caught:
        load.save_all()
    text = str(caught.value)
    for fragment in ("SUP-BAD", "country_code", "currency_code", "iban", "SUP-NONAME", "name"):
        assert fragment in text


def test_a_full_load_replaces_the_table_and_delete_where_counts(world: World) -> None:
    _, token = world.tenant()
    first = SupplierLoad(world.context(token))
    for code in ("OLD-1", "OLD-2", "KEEP"):
        first.new(supplier_code=code, name=code)
    first.save_all()

    replacement = SupplierLoad(world.context(token))
    replacement.new(supplier_code="KEEP", name="KEEP")
    replacement.new(supplier_code="NEW-1", name="New one")
    summary = replacement.save_all(full_load=True)
    assert (summary.inserted, summary.unchanged, summary.deleted) == (1, 1, 2)
    assert [s.supplier_code for s in SupplierLoad(world.context(token)).get_all()] == ["KEEP", "NEW-1"]

    assert SupplierLoad(world.context(token)).delete_where(supplier_code="NEW-1") == 1
    with pytest.raises(ValueError, match="must be True to delete every row"):
        SupplierLoad(world.context(token)).delete_where()
    with pytest.raises(ValueError, match="empty"):
        SupplierLoad(world.context(token)).save_all(full_load=True)


def test_organizations_with_parents_and_identifiers(world: World) -> None:
    _, token = world.tenant()
    load = OrganizationLoad(world.context(token))
    load.new(org_code="HQ", name="Headquarters")
    emea = load.new(org_code="EMEA", name="EMEA", parent_org_code="HQ")
    emea.identifiers.new(scheme="VAT", value="NL123456789B01")
    emea.addresses.new(address_type="legal", city="Utrecht", country_code="NL")
    assert load.save_all().created == [{"org_code": "HQ"}, {"org_code": "EMEA"}]
    [found] = OrganizationLoad(world.context(token)).search(parent_org_code="HQ")
    assert found.identifiers.get("VAT").value == "NL123456789B01"


def test_purchase_orders_lines_and_receipts_against_them(world: World) -> None:
    _, token = world.tenant()
    context = world.context(token)
    orders = PurchaseOrderLoad(context)
    orders.new(po_number="PO-1", supplier_code="SUP-100", currency_code="EUR", order_date="2026-11-02", status="OPEN")
    assert orders.save_all().created == [{"po_number": "PO-1"}]
    lines = PurchaseOrderLineLoad(context)
    lines.new(po_number="PO-1", line_number=1, quantity=10, unit_price=2.5, amount=25.0)
    assert lines.save_all().created == [{"po_number": "PO-1", "line_number": 1}]

    receipts = ReceiptLoad(context)
    good = receipts.new(receipt_number="GR-1", receipt_date="2026-11-10")
    good.lines.new(po_number="PO-1", po_line_number=1, quantity_received=10)
    bad = receipts.new(receipt_number="GR-2", receipt_date="2026-11-10")
    bad.lines.new(po_number="PO-1", po_line_number=9, quantity_received=1)
    result = receipts.save_all()
    assert result.created == [{"receipt_number": "GR-1"}]
    [failed] = result.failed
    assert failed.key == {"receipt_number": "GR-2"}
    assert "PO_LINE_NOT_FOUND" in str(failed)


def test_payments_apply_to_invoices_and_an_unknown_invoice_fails_its_row(world: World) -> None:
    tenant, token = world.tenant()
    invoice = world.invoice(tenant, **invoice_spec("INV-7", status=100))
    load = PaymentLoad(world.context(token))
    paid = load.new(payment_number="PAY-1", payment_date="2026-11-12", currency_code="EUR", amount=1190.0)
    paid.lines.new(line_number=1, invoice_token=invoice["invoice_token"], amount=1000.0)
    paid.lines.new(line_number=2, invoice_number="INV-7", supplier_code="SUP-100", amount=190.0)
    unknown = load.new(payment_number="PAY-2", payment_date="2026-11-12", currency_code="EUR", amount=5.0)
    unknown.lines.new(line_number=1, invoice_number="INV-404", supplier_code="SUP-100", amount=5.0)
    result = load.save_all()
    assert result.created == [{"payment_number": "PAY-1"}]
    assert "INVOICE_NOT_FOUND" in str(result.failed[0])


def test_users_and_deactivating_inactive_ones(world: World) -> None:
    tenant, token = world.tenant()
    load = UserLoad(world.context(token))
    load.new(email="ap.clerk@example.com", display_name="AP Clerk", kind="human", roles=["AP_CLERK"])
    load.new(email="erp.bot@example.com", display_name="ERP bot", kind="service", roles=["INTEGRATION"])
    assert len(load.save_all().created) == 2
    world.admin.set_user_activity(tenant.tenant_id, "ap.clerk@example.com", "2026-06-01T00:00:00Z")
    world.admin.set_user_activity(tenant.tenant_id, "erp.bot@example.com", "2026-11-14T00:00:00Z")

    dry = load.deactivate_inactive(90, dry_run=True)
    assert (dry.dry_run, [u.email for u in dry.users]) == (True, ["ap.clerk@example.com"])
    done = load.deactivate_inactive(90)
    assert done.count == 1
    assert [u.active for u in UserLoad(world.context(token)).search(email="ap.clerk@example.com")] == [False]


def test_customer_data_rows_are_checked_against_the_table_definition(world: World) -> None:
    tenant, token = world.tenant()
    world.admin.create_customer_data_table(
        tenant.tenant_id,
        "cost_centers",
        columns=[
            {"name": "code", "type": "string", "required": True, "max_length": 20},
            {"name": "name", "type": "string", "required": True},
            {"name": "budget", "type": "number", "required": False},
            {"name": "valid_from", "type": "date", "required": False},
        ],
        key_columns=["code"],
    )
    load = CustomerDataTableLoad(world.context(token), "cost_centers")
    load.new(code="CC-100", name="Finance", budget=120000.0, valid_from="2026-01-01")
    load.new(code="CC-200", name="Operations")
    assert load.save_all().created == [{"code": "CC-100"}, {"code": "CC-200"}]

    local = CustomerDataTableLoad(world.context(token), "cost_centers")
    local.new(code="CC-" + "9" * 30, budget="a lot", valid_from="2026-02-30")
    with pytest.raises(ValidationError) as caught:
        local.save_all()
    text = str(caught.value)
    for fragment in ("code", "name", "budget", "valid_from"):
        assert fragment in text
    assert [row.code for row in CustomerDataTableLoad(world.context(token), "cost_centers").get_all()] == [
        "CC-100",
        "CC-200",
    ]


def test_a_committed_full_load_cannot_be_staged_into_again(world: World) -> None:
    """The server's FULL_LOAD_NOT_STAGING reaches the caller typed."""
    _, token = world.tenant()
    load = SupplierLoad(world.context(token))
    load.new(supplier_code="ONLY", name="Only")
    summary = load.save_all(full_load=True)
    rows = SupplierRows.from_dict({"rows": [{"supplier_code": "LATE", "name": "Late"}]})
    with pytest.raises(FullLoadNotStagingError):
        call(stage_supplier_rows.sync_detailed, summary.load_id, client=load.context.api, body=rows)
