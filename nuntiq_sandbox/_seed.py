"""The demo seed: enough data for the product docs' examples to run verbatim.

The docs post to invoice ``'7f3a...'`` (that literal string is its token) and
by reference to INV-2026-0042 / SUP-100, narrowed by MAIN / EMEA; the SFTP
push demo claims the invoices waiting at 90 and 91. A second tenant owns a
look-alike invoice, to show that nothing crosses tenants.
"""

from __future__ import annotations

import base64
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from nuntiq_sandbox._constants import PERMISSIONS
from nuntiq_sandbox._master_spec import customer_data_spec, master_objects
from nuntiq_sandbox._store import Store, db_time
from nuntiq_sandbox._tokens import generate_token, hash_token
from nuntiq_sandbox.handlers._messages import record_message
from nuntiq_sandbox.handlers.admin import create_customer_data_table, create_tenant, create_token
from nuntiq_sandbox.handlers.invoices import insert_invoice
from nuntiq_sandbox.handlers.master_data import upsert_rows

__all__ = ["DEMO_API_USER", "DEMO_CUSTOMER_NUMBER", "DEMO_INVOICE_TOKEN", "OTHER_INVOICE_TOKEN", "SEEDS", "seed_demo"]

SEEDS = ("none", "demo")
DEMO_CUSTOMER_NUMBER = "10000001"
DEMO_INVOICE_TOKEN = "7f3a..."  # noqa: S105 - an invoice token, the docs' literal
DEMO_API_USER = "Demo Connector"
OTHER_INVOICE_TOKEN = "other-customer-0042"  # noqa: S105 - an invoice token
_SEEDED_KEY = "demo_tenant_id"

_SUPPLIERS = {
    "SUP-100": ("Nordic Office Supplies AB", "Kungsgatan 12", "Stockholm", "111 43", "SE", "SE556677889901"),
    "SUP-200": ("Alpine Paper GmbH", "Bahnhofstrasse 5", "Innsbruck", "6020", "AT", "ATU12345678"),
    "SUP-300": ("Baltic Logistics Oy", "Satamakatu 3", "Helsinki", "00160", "FI", "FI12345678"),
    "SUP-400": ("Iberia Tech SL", "Calle de Alcala 45", "Madrid", "28014", "ES", "ESB12345678"),
}
_BUYER = {
    "role": "buyer",
    "address_name": "Demo Customer Oy",
    "street": "Mannerheimintie 10",
    "city": "Helsinki",
    "postal_code": "00100",
    "country_code": "FI",
    "vat_number": "FI87654321",
}
_LINE_ITEMS = [
    ("Copy paper A4, 80 g (box of 5 reams)", "12", "24.90"),
    ("Toner cartridge, black", "3", "89.00"),
    ("Freight and handling", "1", "35.00"),
    ("Office chair, ergonomic", "2", "249.00"),
    ("Monthly service fee", "1", "120.00"),
]


def _money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


def _invoice(
    now: datetime,
    number: str,
    supplier: str,
    *,
    status: int,
    days_ago: int,
    line_offset: int,
    line_count: int,
    token: str | None = None,
    company: str = "EMEA",
    ext_reference_1: str = "CUSTOMER-A",
    attachment: bool = False,
) -> dict[str, Any]:
    name, street, city, postal_code, country, vat = _SUPPLIERS[supplier]
    created = now - timedelta(days=days_ago)
    lines = []
    net = Decimal(0)
    for index in range(line_count):
        description, quantity, unit_price = _LINE_ITEMS[(line_offset + index) % len(_LINE_ITEMS)]
        amount = Decimal(quantity) * Decimal(unit_price)
        net += amount
        lines.append(
            {
                "line_number": index + 1,
                "fields": {
                    "description": description,
                    "quantity": quantity,
                    "unitPrice": unit_price,
                    "amount": _money(amount),
                },
            }
        )
    tax = net * Decimal("0.24")
    data: dict[str, Any] = {
        "invoice_token": token,
        "status": status,
        "invoice_number": number,
        "supplier_code": supplier,
        "supplier_location_code": "MAIN",
        "erp_company_code": company,
        "ext_reference_1": ext_reference_1,
        "ext_reference_2": f"BU-{company}",
        "created_at": db_time(created),
        "fields": {
            "invoiceNumber": number,
            "invoiceDate": f"{created:%Y-%m-%d}",
            "dueDate": f"{created + timedelta(days=30):%Y-%m-%d}",
            "currencyCode": "EUR",
            "netAmount": _money(net),
            "taxAmount": _money(tax),
            "grossAmount": _money(net + tax),
            "supplierCode": supplier,
        },
        "lines": lines,
        "addresses": [
            {
                "role": "vendor",
                "address_name": name,
                "street": street,
                "city": city,
                "postal_code": postal_code,
                "country_code": country,
                "vat_number": vat,
            },
            dict(_BUYER),
        ],
    }
    if attachment:
        pdf = f"%PDF-1.4\n% Nuntiq sandbox demo: invoice {number} from {name}\n%%EOF\n".encode()
        data["attachments"] = [
            {
                "file_name": f"{number}.pdf",
                "content_type": "application/pdf",
                "content_base64": base64.b64encode(pdf).decode(),
            }
        ]
    return data


def _demo_invoices(now: datetime) -> list[tuple[dict[str, Any], tuple[str, ...]]]:
    """(invoice, platform codes already on its timeline)."""
    intake = ("RECEIVED", "CAPTURED", "VALIDATED")
    invoices: list[tuple[dict[str, Any], tuple[str, ...]]] = [
        (
            _invoice(now, "INV-2026-0040", "SUP-100", status=90, days_ago=12, line_offset=0, line_count=3,
                     token=DEMO_INVOICE_TOKEN, attachment=True),
            intake,
        ),
        (
            _invoice(now, "INV-2026-0042", "SUP-100", status=100, days_ago=20, line_offset=1, line_count=2,
                     attachment=True),
            intake,
        ),
        (
            _invoice(now, "INV-2026-0042", "SUP-100", status=100, days_ago=19, line_offset=2, line_count=1,
                     company="APAC", ext_reference_1="CUSTOMER-B"),
            intake,
        ),
    ]  # fmt: skip
    suppliers = list(_SUPPLIERS)
    for n in range(8):
        codes = intake if n % 2 == 0 else ()  # intake finished: validated, or no platform history at all
        invoices.append(
            (
                _invoice(now, f"INV-2026-{101 + n:04d}", suppliers[n % 4], status=90, days_ago=10 - n,
                         line_offset=n, line_count=1 + n % 3, attachment=n % 3 == 0),
                codes,
            )
        )  # fmt: skip
    for n in range(2):
        invoices.append(
            (
                _invoice(now, f"INV-2026-{90 + n:04d}", suppliers[(n + 1) % 4], status=91, days_ago=15 - n,
                         line_offset=n + 2, line_count=2),
                intake,
            )
        )  # fmt: skip
    invoices.append((_invoice(now, "INV-2026-0200", "SUP-400", status=40, days_ago=0, line_offset=3, line_count=1), ()))
    return invoices


# A valid (mod-97) IBAN per demo supplier, in its own country.
_IBANS = {
    "SUP-100": "SE4550000000058398257466",
    "SUP-200": "AT611904300234573201",
    "SUP-300": "FI2112345600000785",
    "SUP-400": "ES9121000418450200051332",
}
_COST_CENTERS = [
    {"name": "code", "type": "string", "required": True, "max_length": 20},
    {"name": "name", "type": "string", "required": True},
    {"name": "budget", "type": "number"},
    {"name": "active", "type": "boolean"},
    {"name": "valid_from", "type": "date"},
]


def _seed_master_data(store: Store, tenant_id: str) -> None:
    """Suppliers matching the invoices, an organization tree, two POs with lines, a cost-center table."""
    suppliers = []
    for code, (name, street, city, postal_code, country, vat) in _SUPPLIERS.items():
        suppliers.append(
            {
                "supplier_code": code,
                "name": name,
                "vat_number": vat,
                "country_code": country,
                "currency_code": "EUR" if country != "SE" else "SEK",
                "payment_terms_days": 30,
                "active": True,
                "locations": [{"location_code": "MAIN", "name": f"{name} (head office)", "country_code": country}],
                "addresses": [
                    {"address_type": "remit_to", "street": street, "city": city, "postal_code": postal_code,
                     "country_code": country},
                ],
                "bank_accounts": [{"iban": _IBANS[code], "account_holder": name, "is_primary": True}],
            }
        )  # fmt: skip
    organizations = [
        {"org_code": "GROUP", "name": "Demo Customer Group", "active": True},
        {"org_code": "EMEA", "name": "Demo Customer EMEA", "parent_org_code": "GROUP", "active": True,
         "identifiers": [{"scheme": "VAT", "value": "FI87654321"}]},
        {"org_code": "APAC", "name": "Demo Customer APAC", "parent_org_code": "GROUP", "active": True},
        {"org_code": "EMEA-FI", "name": "Demo Customer Oy", "parent_org_code": "EMEA", "active": True,
         "addresses": [{"address_type": "invoicing", "street": "Mannerheimintie 10", "city": "Helsinki",
                        "postal_code": "00100", "country_code": "FI"}]},
    ]  # fmt: skip
    orders = [
        {"po_number": "PO-2026-0001", "supplier_code": "SUP-100", "org_code": "EMEA-FI", "currency_code": "EUR",
         "order_date": "2026-04-01", "status": "OPEN", "total_amount": 565.8},
        {"po_number": "PO-2026-0002", "supplier_code": "SUP-300", "org_code": "EMEA-FI", "currency_code": "EUR",
         "order_date": "2026-04-15", "status": "PARTIALLY_RECEIVED", "total_amount": 498.0},
    ]  # fmt: skip
    lines = [
        {"po_number": "PO-2026-0001", "line_number": 1, "item_code": "PAPER-A4", "description": _LINE_ITEMS[0][0],
         "quantity": 12, "unit_price": 24.9, "amount": 298.8, "uom": "BOX", "status": "OPEN"},
        {"po_number": "PO-2026-0001", "line_number": 2, "item_code": "TONER-BK", "description": _LINE_ITEMS[1][0],
         "quantity": 3, "unit_price": 89.0, "amount": 267.0, "uom": "EA", "status": "OPEN"},
        {"po_number": "PO-2026-0002", "line_number": 1, "item_code": "CHAIR-ERG", "description": _LINE_ITEMS[3][0],
         "quantity": 2, "unit_price": 249.0, "amount": 498.0, "uom": "EA", "status": "OPEN"},
    ]  # fmt: skip
    cost_centers = [
        {"code": "CC-1000", "name": "Finance", "budget": 120000.0, "active": True, "valid_from": "2026-01-01"},
        {"code": "CC-2000", "name": "IT", "budget": 250000.0, "active": True, "valid_from": "2026-01-01"},
        {"code": "CC-3000", "name": "Facilities", "budget": 80000.0, "active": False, "valid_from": "2025-01-01"},
    ]
    definition = create_customer_data_table(
        store,
        tenant_id,
        {"table_name": "cost_centers", "description": "Cost centers from the ERP", "columns": _COST_CENTERS,
         "key_columns": ["code"]},
    )  # fmt: skip
    objects = master_objects()
    now = db_time(store.now())
    with store.transaction() as conn:
        for spec, rows in [
            (objects["suppliers"], suppliers),
            (objects["organizations"], organizations),
            (objects["purchase_orders"], orders),
            (objects["purchase_order_lines"], lines),
            (customer_data_spec(definition), cost_centers),
        ]:
            result = upsert_rows(conn, tenant_id, spec, list(rows), now)
            if result["failed"]:
                raise RuntimeError(f"demo seed: {spec.name} rows failed: {result['results']}")


def seed_demo(store: Store, demo_token: str | None = None) -> str:
    """Load the demo data once per database; return the demo token (issued if new)."""
    token = demo_token or generate_token()
    tenant_id = store.get_meta(_SEEDED_KEY)
    if tenant_id is not None:
        # Seeded before (a file database): only make sure this token works too.
        with store.transaction() as conn:
            known = conn.execute("SELECT 1 FROM tokens WHERE token_sha256 = ?", (hash_token(token),)).fetchone()
        if known is None:
            create_token(store, tenant_id, DEMO_API_USER, list(PERMISSIONS), token)
        return token
    now = store.now()
    demo = create_tenant(
        store,
        "Demo Customer",
        DEMO_CUSTOMER_NUMBER,
        {
            "note_required_codes": ["REJECTED", "RETURNED_TO_SUPPLIER"],
            "clarification_code_required_codes": ["CLARIFICATION_REQUESTED"],
        },
    )
    other = create_tenant(store, "Other Customer", "20000002", {})
    create_token(store, demo["tenant_id"], DEMO_API_USER, list(PERMISSIONS), token)
    _seed_master_data(store, demo["tenant_id"])
    with store.transaction() as conn:
        for invoice, codes in _demo_invoices(now):
            invoice_id = insert_invoice(conn, store, demo["tenant_id"], invoice)
            row = conn.execute("SELECT * FROM invoices WHERE id = ?", (invoice_id,)).fetchone()
            for step, code in enumerate(codes):
                occurred = now - timedelta(days=1, minutes=30 - 10 * step)
                record_message(conn, store, row, {"code": code, "occurred_at": db_time(occurred)}, caller=None)
        look_alike = _invoice(now, "INV-2026-0042", "SUP-100", status=90, days_ago=5, line_offset=4, line_count=1)
        look_alike["invoice_token"] = OTHER_INVOICE_TOKEN
        insert_invoice(conn, store, other["tenant_id"], look_alike)
        conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (_SEEDED_KEY, demo["tenant_id"]),
        )
    return token
