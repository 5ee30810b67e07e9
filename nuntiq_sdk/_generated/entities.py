# Generated from openapi/customer-api.yaml by tools/generate_entities.py (nox -s generate). Do not edit.
"""Typed entities of the Customer API: one class per entity schema, its ``new()`` keywords and checks.

Written by ``nox -s generate`` from the spec; the drift test regenerates it and
fails on any difference. Behaviour lives in ``nuntiq_sdk._entity``."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal, TypedDict, Unpack

from nuntiq_sdk._entity import Entity, EntityList, EntityMeta, RowChecks
from nuntiq_spec.formats import COUNTRY_CODES, CURRENCY_CODES, FORMAT_CHECKS

__all__ = [
    "BankAccount",
    "BankAccountList",
    "BankAccountValues",
    "InvoiceImportRequest",
    "InvoiceImportRequestValues",
    "LifecycleMessageCreate",
    "LifecycleMessageCreateValues",
    "OrgIdentifier",
    "OrgIdentifierList",
    "OrgIdentifierValues",
    "Organization",
    "OrganizationValues",
    "Payment",
    "PaymentLine",
    "PaymentLineList",
    "PaymentLineValues",
    "PaymentValues",
    "PostalAddress",
    "PostalAddressList",
    "PostalAddressValues",
    "PurchaseOrder",
    "PurchaseOrderLine",
    "PurchaseOrderLineValues",
    "PurchaseOrderValues",
    "Receipt",
    "ReceiptLine",
    "ReceiptLineList",
    "ReceiptLineValues",
    "ReceiptValues",
    "Supplier",
    "SupplierLocation",
    "SupplierLocationList",
    "SupplierLocationValues",
    "SupplierValues",
    "User",
    "UserValues",
]

_MISSING: Any = object()


_SUPPLIERLOCATION_A0_SEARCH = re.compile("^[A-Za-z0-9][A-Za-z0-9_./-]*$").search
_SUPPLIERLOCATION_WRITABLE = frozenset({"active", "country_code", "erp_company_code", "location_code", "name"})
_POSTALADDRESS_A0_MEMBERS = frozenset({"delivery", "invoicing", "legal", "ordering", "other", "remit_to"})
_POSTALADDRESS_WRITABLE = frozenset(
    {"address_type", "city", "country_code", "postal_code", "region", "street", "street_2"}
)
_FORMAT_IBAN = FORMAT_CHECKS["iban"]
_BANKACCOUNT_A1_SEARCH = re.compile("^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$").search
_BANKACCOUNT_WRITABLE = frozenset({"account_holder", "bic", "currency_code", "iban", "is_primary"})
_SUPPLIER_A8_SEARCH = re.compile(
    "^[^@\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]+@[^@\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]+\\.[^@\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]+$"
).search
_SUPPLIER_WRITABLE = frozenset(
    {
        "active",
        "country_code",
        "currency_code",
        "email",
        "ext_reference_1",
        "ext_reference_2",
        "ext_reference_3",
        "legal_name",
        "name",
        "payment_terms_days",
        "phone",
        "supplier_code",
        "tax_id",
        "vat_number",
    }
)
_SUPPLIER_ASSIGNABLE = frozenset(
    {
        "active",
        "addresses",
        "bank_accounts",
        "country_code",
        "currency_code",
        "email",
        "ext_reference_1",
        "ext_reference_2",
        "ext_reference_3",
        "legal_name",
        "locations",
        "name",
        "payment_terms_days",
        "phone",
        "supplier_code",
        "tax_id",
        "vat_number",
    }
)
_ORGIDENTIFIER_A0_MEMBERS = frozenset({"DUNS", "GLN", "KVK", "LEI", "OTHER", "SIRET", "VAT"})
_ORGIDENTIFIER_WRITABLE = frozenset({"scheme", "value"})
_ORGANIZATION_WRITABLE = frozenset({"active", "name", "org_code", "parent_org_code"})
_ORGANIZATION_ASSIGNABLE = frozenset({"active", "addresses", "identifiers", "name", "org_code", "parent_org_code"})
_FORMAT_DATE = FORMAT_CHECKS["date"]
_PURCHASEORDER_A5_MEMBERS = frozenset({"CANCELLED", "CLOSED", "OPEN", "PARTIALLY_RECEIVED", "RECEIVED"})
_PURCHASEORDER_WRITABLE = frozenset(
    {
        "buyer_email",
        "currency_code",
        "ext_reference_1",
        "ext_reference_2",
        "ext_reference_3",
        "order_date",
        "org_code",
        "po_number",
        "status",
        "supplier_code",
        "total_amount",
    }
)
_PURCHASEORDERLINE_A8_MEMBERS = frozenset({"CANCELLED", "CLOSED", "OPEN"})
_PURCHASEORDERLINE_WRITABLE = frozenset(
    {"amount", "description", "item_code", "line_number", "po_number", "quantity", "status", "unit_price", "uom"}
)
_RECEIPTLINE_WRITABLE = frozenset({"po_line_number", "po_number", "quantity_received"})
_RECEIPT_WRITABLE = frozenset({"org_code", "receipt_date", "receipt_number", "supplier_code"})
_RECEIPT_ASSIGNABLE = frozenset({"lines", "org_code", "receipt_date", "receipt_number", "supplier_code"})
_PAYMENTLINE_WRITABLE = frozenset({"amount", "invoice_number", "invoice_token", "line_number", "supplier_code"})
_PAYMENT_A5_MEMBERS = frozenset({"BANK_TRANSFER", "CARD", "CHEQUE", "DIRECT_DEBIT", "OTHER"})
_PAYMENT_WRITABLE = frozenset(
    {"amount", "currency_code", "method", "payment_date", "payment_number", "reference", "supplier_code"}
)
_PAYMENT_ASSIGNABLE = frozenset(
    {"amount", "currency_code", "lines", "method", "payment_date", "payment_number", "reference", "supplier_code"}
)
_USER_A2_MEMBERS = frozenset({"human", "service"})
_USER_A3_ITEM_MEMBERS = frozenset({"ADMIN", "APPROVER", "AP_CLERK", "AP_MANAGER", "INTEGRATION", "VIEWER"})
_USER_WRITABLE = frozenset({"active", "display_name", "email", "kind", "roles"})
_LIFECYCLEMESSAGECREATE_A1_SEARCH = re.compile(
    "^(([0-9]{3}[1-9]|[0-9]{2}[1-9][0-9]|[0-9][1-9][0-9]{2}|[1-9][0-9]{3})-((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31)|([0-9]{2}(0[48]|[2468][048]|[13579][26])|([02468][048]|[13579][26])00)-02-29)[Tt]([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]{1,9})?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
).search
_LIFECYCLEMESSAGECREATE_A6_MEMBERS = frozenset({"CREDIT_NOTE", "OTHER", "PAYMENT_REF", "PO_NUMBER"})
_LIFECYCLEMESSAGECREATE_WRITABLE = frozenset(
    {
        "actor_display_name",
        "clarification_code",
        "code",
        "note_internal",
        "note_supplier",
        "occurred_at",
        "reference_type",
        "reference_value",
    }
)
_INVOICEIMPORTREQUEST_A0_SEARCH = re.compile("^[A-Za-z0-9][A-Za-z0-9._:-]*$").search
_INVOICEIMPORTREQUEST_WRITABLE = frozenset(
    {
        "addresses",
        "erp_company_code",
        "ext_reference_1",
        "ext_reference_2",
        "ext_reference_3",
        "ext_reference_4",
        "ext_reference_5",
        "fields",
        "files",
        "lines",
        "source_key",
        "supplier_code",
        "supplier_location_code",
    }
)


def _supplierlocation_accepts(row: Mapping[str, Any]) -> bool:
    seen = 0
    get = row.get
    v = get("location_code", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and 1 <= len(v) <= 50 and _SUPPLIERLOCATION_A0_SEARCH(v) is not None):
            return False
        seen += 1
    else:
        return False
    v = get("name", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and 1 <= len(v) <= 200):
                return False
        seen += 1
    v = get("erp_company_code", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and 1 <= len(v) <= 50):
                return False
        seen += 1
    v = get("country_code", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and v in COUNTRY_CODES):
                return False
        seen += 1
    v = get("active", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is bool):
                return False
        seen += 1
    return seen == len(row)


def _supplierlocation_accepts_new(row: Mapping[str, Any]) -> bool:
    seen = 0
    get = row.get
    v = get("location_code", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and 1 <= len(v) <= 50 and _SUPPLIERLOCATION_A0_SEARCH(v) is not None):
            return False
        seen += 1
    else:
        return False
    v = get("name", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and 1 <= len(v) <= 200):
            return False
        seen += 1
    else:
        return False
    v = get("erp_company_code", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and 1 <= len(v) <= 50):
            return False
        seen += 1
    v = get("country_code", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and v in COUNTRY_CODES):
            return False
        seen += 1
    v = get("active", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is bool):
            return False
        seen += 1
    return seen == len(row)


def _supplierlocation_keeps(own: Mapping[str, Any]) -> bool:
    if not own.keys() <= _SUPPLIERLOCATION_WRITABLE:
        return False
    return True


def _supplierlocation_key_of(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"location_code": row["location_code"]}


def _postaladdress_accepts(row: Mapping[str, Any]) -> bool:
    seen = 0
    get = row.get
    v = get("address_type", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and v in _POSTALADDRESS_A0_MEMBERS):
            return False
        seen += 1
    else:
        return False
    v = get("street", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and len(v) <= 200):
                return False
        seen += 1
    v = get("street_2", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and len(v) <= 200):
                return False
        seen += 1
    v = get("city", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and len(v) <= 100):
                return False
        seen += 1
    v = get("postal_code", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and len(v) <= 20):
                return False
        seen += 1
    v = get("region", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and len(v) <= 100):
                return False
        seen += 1
    v = get("country_code", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and v in COUNTRY_CODES):
                return False
        seen += 1
    return seen == len(row)


def _postaladdress_accepts_new(row: Mapping[str, Any]) -> bool:
    seen = 0
    get = row.get
    v = get("address_type", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and v in _POSTALADDRESS_A0_MEMBERS):
            return False
        seen += 1
    else:
        return False
    v = get("street", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and len(v) <= 200):
            return False
        seen += 1
    v = get("street_2", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and len(v) <= 200):
            return False
        seen += 1
    v = get("city", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and len(v) <= 100):
            return False
        seen += 1
    v = get("postal_code", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and len(v) <= 20):
            return False
        seen += 1
    v = get("region", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and len(v) <= 100):
            return False
        seen += 1
    v = get("country_code", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and v in COUNTRY_CODES):
            return False
        seen += 1
    return seen == len(row)


def _postaladdress_keeps(own: Mapping[str, Any]) -> bool:
    if not own.keys() <= _POSTALADDRESS_WRITABLE:
        return False
    return True


def _postaladdress_key_of(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"address_type": row["address_type"]}


def _bankaccount_accepts(row: Mapping[str, Any]) -> bool:
    seen = 0
    get = row.get
    v = get("iban", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and _FORMAT_IBAN(v) is None):
            return False
        seen += 1
    else:
        return False
    v = get("bic", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and _BANKACCOUNT_A1_SEARCH(v) is not None):
                return False
        seen += 1
    v = get("account_holder", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and 1 <= len(v) <= 200):
                return False
        seen += 1
    v = get("currency_code", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and v in CURRENCY_CODES):
                return False
        seen += 1
    v = get("is_primary", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is bool):
                return False
        seen += 1
    return seen == len(row)


def _bankaccount_accepts_new(row: Mapping[str, Any]) -> bool:
    seen = 0
    get = row.get
    v = get("iban", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and _FORMAT_IBAN(v) is None):
            return False
        seen += 1
    else:
        return False
    v = get("bic", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and _BANKACCOUNT_A1_SEARCH(v) is not None):
            return False
        seen += 1
    v = get("account_holder", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and 1 <= len(v) <= 200):
            return False
        seen += 1
    v = get("currency_code", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and v in CURRENCY_CODES):
            return False
        seen += 1
    v = get("is_primary", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is bool):
            return False
        seen += 1
    return seen == len(row)


def _bankaccount_keeps(own: Mapping[str, Any]) -> bool:
    if not own.keys() <= _BANKACCOUNT_WRITABLE:
        return False
    return True


def _bankaccount_key_of(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"iban": row["iban"]}


def _supplier_accepts(row: Mapping[str, Any]) -> bool:
    seen = 0
    get = row.get
    v = get("supplier_code", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and 1 <= len(v) <= 50 and _SUPPLIERLOCATION_A0_SEARCH(v) is not None):
            return False
        seen += 1
    else:
        return False
    v = get("name", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and 1 <= len(v) <= 200):
                return False
        seen += 1
    v = get("legal_name", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and 1 <= len(v) <= 200):
                return False
        seen += 1
    v = get("vat_number", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and len(v) <= 30):
                return False
        seen += 1
    v = get("tax_id", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and len(v) <= 30):
                return False
        seen += 1
    v = get("country_code", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and v in COUNTRY_CODES):
                return False
        seen += 1
    v = get("currency_code", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and v in CURRENCY_CODES):
                return False
        seen += 1
    v = get("payment_terms_days", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is int and 0 <= v <= 365):
                return False
        seen += 1
    v = get("email", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and len(v) <= 254 and _SUPPLIER_A8_SEARCH(v) is not None):
                return False
        seen += 1
    v = get("phone", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and len(v) <= 40):
                return False
        seen += 1
    v = get("active", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is bool):
                return False
        seen += 1
    v = get("ext_reference_1", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and len(v) <= 255):
                return False
        seen += 1
    v = get("ext_reference_2", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and len(v) <= 255):
                return False
        seen += 1
    v = get("ext_reference_3", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and len(v) <= 255):
                return False
        seen += 1
    v = get("locations", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is list or v.__class__ is tuple):
                return False
        seen += 1
    v = get("addresses", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is list or v.__class__ is tuple):
                return False
        seen += 1
    v = get("bank_accounts", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is list or v.__class__ is tuple):
                return False
        seen += 1
    v = get("created_at", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str):
            return False
        seen += 1
    v = get("updated_at", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str):
            return False
        seen += 1
    return seen == len(row)


def _supplier_accepts_new(row: Mapping[str, Any]) -> bool:
    seen = 0
    get = row.get
    v = get("supplier_code", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and 1 <= len(v) <= 50 and _SUPPLIERLOCATION_A0_SEARCH(v) is not None):
            return False
        seen += 1
    else:
        return False
    v = get("name", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and 1 <= len(v) <= 200):
            return False
        seen += 1
    else:
        return False
    v = get("legal_name", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and 1 <= len(v) <= 200):
            return False
        seen += 1
    v = get("vat_number", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and len(v) <= 30):
            return False
        seen += 1
    v = get("tax_id", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and len(v) <= 30):
            return False
        seen += 1
    v = get("country_code", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and v in COUNTRY_CODES):
            return False
        seen += 1
    v = get("currency_code", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and v in CURRENCY_CODES):
            return False
        seen += 1
    v = get("payment_terms_days", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is int and 0 <= v <= 365):
            return False
        seen += 1
    v = get("email", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and len(v) <= 254 and _SUPPLIER_A8_SEARCH(v) is not None):
            return False
        seen += 1
    v = get("phone", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and len(v) <= 40):
            return False
        seen += 1
    v = get("active", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is bool):
            return False
        seen += 1
    v = get("ext_reference_1", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and len(v) <= 255):
            return False
        seen += 1
    v = get("ext_reference_2", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and len(v) <= 255):
            return False
        seen += 1
    v = get("ext_reference_3", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and len(v) <= 255):
            return False
        seen += 1
    v = get("locations", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is list or v.__class__ is tuple):
            return False
        for c in v:
            if c.__class__ is not dict or not _supplierlocation_accepts_new(c):
                return False
        seen += 1
    v = get("addresses", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is list or v.__class__ is tuple):
            return False
        for c in v:
            if c.__class__ is not dict or not _postaladdress_accepts_new(c):
                return False
        seen += 1
    v = get("bank_accounts", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is list or v.__class__ is tuple):
            return False
        for c in v:
            if c.__class__ is not dict or not _bankaccount_accepts_new(c):
                return False
        seen += 1
    return seen == len(row)


def _supplier_keeps(own: Mapping[str, Any]) -> bool:
    if not own.keys() <= _SUPPLIER_ASSIGNABLE:
        return False
    v = own.get("locations", ())
    if v.__class__ is not list and v.__class__ is not tuple:
        return False
    for item in v:
        if item.__class__ is not dict or not item.keys() <= _SUPPLIERLOCATION_WRITABLE:
            return False
    v = own.get("addresses", ())
    if v.__class__ is not list and v.__class__ is not tuple:
        return False
    for item in v:
        if item.__class__ is not dict or not item.keys() <= _POSTALADDRESS_WRITABLE:
            return False
    v = own.get("bank_accounts", ())
    if v.__class__ is not list and v.__class__ is not tuple:
        return False
    for item in v:
        if item.__class__ is not dict or not item.keys() <= _BANKACCOUNT_WRITABLE:
            return False
    return True


def _supplier_key_of(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"supplier_code": row["supplier_code"]}


def _orgidentifier_accepts(row: Mapping[str, Any]) -> bool:
    seen = 0
    get = row.get
    v = get("scheme", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and v in _ORGIDENTIFIER_A0_MEMBERS):
            return False
        seen += 1
    else:
        return False
    v = get("value", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and 1 <= len(v) <= 100):
                return False
        seen += 1
    return seen == len(row)


def _orgidentifier_accepts_new(row: Mapping[str, Any]) -> bool:
    seen = 0
    get = row.get
    v = get("scheme", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and v in _ORGIDENTIFIER_A0_MEMBERS):
            return False
        seen += 1
    else:
        return False
    v = get("value", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and 1 <= len(v) <= 100):
            return False
        seen += 1
    return seen == len(row)


def _orgidentifier_keeps(own: Mapping[str, Any]) -> bool:
    if not own.keys() <= _ORGIDENTIFIER_WRITABLE:
        return False
    return True


def _orgidentifier_key_of(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"scheme": row["scheme"]}


def _organization_accepts(row: Mapping[str, Any]) -> bool:
    seen = 0
    get = row.get
    v = get("org_code", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and 1 <= len(v) <= 50 and _SUPPLIERLOCATION_A0_SEARCH(v) is not None):
            return False
        seen += 1
    else:
        return False
    v = get("name", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and 1 <= len(v) <= 200):
                return False
        seen += 1
    v = get("parent_org_code", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and 1 <= len(v) <= 50):
                return False
        seen += 1
    v = get("active", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is bool):
                return False
        seen += 1
    v = get("identifiers", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is list or v.__class__ is tuple):
                return False
        seen += 1
    v = get("addresses", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is list or v.__class__ is tuple):
                return False
        seen += 1
    v = get("created_at", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str):
            return False
        seen += 1
    v = get("updated_at", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str):
            return False
        seen += 1
    return seen == len(row)


def _organization_accepts_new(row: Mapping[str, Any]) -> bool:
    seen = 0
    get = row.get
    v = get("org_code", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and 1 <= len(v) <= 50 and _SUPPLIERLOCATION_A0_SEARCH(v) is not None):
            return False
        seen += 1
    else:
        return False
    v = get("name", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and 1 <= len(v) <= 200):
            return False
        seen += 1
    else:
        return False
    v = get("parent_org_code", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and 1 <= len(v) <= 50):
            return False
        seen += 1
    v = get("active", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is bool):
            return False
        seen += 1
    v = get("identifiers", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is list or v.__class__ is tuple):
            return False
        for c in v:
            if c.__class__ is not dict or not _orgidentifier_accepts_new(c):
                return False
        seen += 1
    v = get("addresses", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is list or v.__class__ is tuple):
            return False
        for c in v:
            if c.__class__ is not dict or not _postaladdress_accepts_new(c):
                return False
        seen += 1
    return seen == len(row)


def _organization_keeps(own: Mapping[str, Any]) -> bool:
    if not own.keys() <= _ORGANIZATION_ASSIGNABLE:
        return False
    v = own.get("identifiers", ())
    if v.__class__ is not list and v.__class__ is not tuple:
        return False
    for item in v:
        if item.__class__ is not dict or not item.keys() <= _ORGIDENTIFIER_WRITABLE:
            return False
    v = own.get("addresses", ())
    if v.__class__ is not list and v.__class__ is not tuple:
        return False
    for item in v:
        if item.__class__ is not dict or not item.keys() <= _POSTALADDRESS_WRITABLE:
            return False
    return True


def _organization_key_of(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"org_code": row["org_code"]}


def _purchaseorder_accepts(row: Mapping[str, Any]) -> bool:
    seen = 0
    get = row.get
    v = get("po_number", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and 1 <= len(v) <= 50 and _SUPPLIERLOCATION_A0_SEARCH(v) is not None):
            return False
        seen += 1
    else:
        return False
    v = get("supplier_code", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and 1 <= len(v) <= 50):
                return False
        seen += 1
    v = get("org_code", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and 1 <= len(v) <= 50):
                return False
        seen += 1
    v = get("currency_code", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and v in CURRENCY_CODES):
                return False
        seen += 1
    v = get("order_date", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and _FORMAT_DATE(v) is None):
                return False
        seen += 1
    v = get("status", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and v in _PURCHASEORDER_A5_MEMBERS):
                return False
        seen += 1
    v = get("total_amount", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is int or (v.__class__ is float and v - v == 0.0)):
                return False
        seen += 1
    v = get("buyer_email", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and len(v) <= 254 and _SUPPLIER_A8_SEARCH(v) is not None):
                return False
        seen += 1
    v = get("ext_reference_1", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and len(v) <= 255):
                return False
        seen += 1
    v = get("ext_reference_2", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and len(v) <= 255):
                return False
        seen += 1
    v = get("ext_reference_3", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and len(v) <= 255):
                return False
        seen += 1
    v = get("created_at", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str):
            return False
        seen += 1
    v = get("updated_at", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str):
            return False
        seen += 1
    return seen == len(row)


def _purchaseorder_accepts_new(row: Mapping[str, Any]) -> bool:
    seen = 0
    get = row.get
    v = get("po_number", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and 1 <= len(v) <= 50 and _SUPPLIERLOCATION_A0_SEARCH(v) is not None):
            return False
        seen += 1
    else:
        return False
    v = get("supplier_code", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and 1 <= len(v) <= 50):
            return False
        seen += 1
    else:
        return False
    v = get("org_code", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and 1 <= len(v) <= 50):
            return False
        seen += 1
    v = get("currency_code", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and v in CURRENCY_CODES):
            return False
        seen += 1
    v = get("order_date", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and _FORMAT_DATE(v) is None):
            return False
        seen += 1
    v = get("status", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and v in _PURCHASEORDER_A5_MEMBERS):
            return False
        seen += 1
    v = get("total_amount", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is int or (v.__class__ is float and v - v == 0.0)):
            return False
        seen += 1
    v = get("buyer_email", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and len(v) <= 254 and _SUPPLIER_A8_SEARCH(v) is not None):
            return False
        seen += 1
    v = get("ext_reference_1", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and len(v) <= 255):
            return False
        seen += 1
    v = get("ext_reference_2", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and len(v) <= 255):
            return False
        seen += 1
    v = get("ext_reference_3", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and len(v) <= 255):
            return False
        seen += 1
    return seen == len(row)


def _purchaseorder_keeps(own: Mapping[str, Any]) -> bool:
    if not own.keys() <= _PURCHASEORDER_WRITABLE:
        return False
    return True


def _purchaseorder_key_of(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"po_number": row["po_number"]}


def _purchaseorderline_accepts(row: Mapping[str, Any]) -> bool:
    seen = 0
    get = row.get
    v = get("po_number", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and 1 <= len(v) <= 50 and _SUPPLIERLOCATION_A0_SEARCH(v) is not None):
            return False
        seen += 1
    else:
        return False
    v = get("line_number", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is int and 1 <= v <= 999999):
            return False
        seen += 1
    else:
        return False
    v = get("item_code", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and 1 <= len(v) <= 50):
                return False
        seen += 1
    v = get("description", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and len(v) <= 500):
                return False
        seen += 1
    v = get("quantity", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not ((v.__class__ is int or (v.__class__ is float and v - v == 0.0)) and v >= 0):
                return False
        seen += 1
    v = get("unit_price", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is int or (v.__class__ is float and v - v == 0.0)):
                return False
        seen += 1
    v = get("amount", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is int or (v.__class__ is float and v - v == 0.0)):
                return False
        seen += 1
    v = get("uom", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and len(v) <= 20):
                return False
        seen += 1
    v = get("status", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and v in _PURCHASEORDERLINE_A8_MEMBERS):
                return False
        seen += 1
    v = get("created_at", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str):
            return False
        seen += 1
    v = get("updated_at", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str):
            return False
        seen += 1
    return seen == len(row)


def _purchaseorderline_accepts_new(row: Mapping[str, Any]) -> bool:
    seen = 0
    get = row.get
    v = get("po_number", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and 1 <= len(v) <= 50 and _SUPPLIERLOCATION_A0_SEARCH(v) is not None):
            return False
        seen += 1
    else:
        return False
    v = get("line_number", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is int and 1 <= v <= 999999):
            return False
        seen += 1
    else:
        return False
    v = get("item_code", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and 1 <= len(v) <= 50):
            return False
        seen += 1
    v = get("description", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and len(v) <= 500):
            return False
        seen += 1
    v = get("quantity", _MISSING)
    if v is not _MISSING:
        if not ((v.__class__ is int or (v.__class__ is float and v - v == 0.0)) and v >= 0):
            return False
        seen += 1
    else:
        return False
    v = get("unit_price", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is int or (v.__class__ is float and v - v == 0.0)):
            return False
        seen += 1
    v = get("amount", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is int or (v.__class__ is float and v - v == 0.0)):
            return False
        seen += 1
    v = get("uom", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and len(v) <= 20):
            return False
        seen += 1
    v = get("status", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and v in _PURCHASEORDERLINE_A8_MEMBERS):
            return False
        seen += 1
    return seen == len(row)


def _purchaseorderline_keeps(own: Mapping[str, Any]) -> bool:
    if not own.keys() <= _PURCHASEORDERLINE_WRITABLE:
        return False
    return True


def _purchaseorderline_key_of(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"po_number": row["po_number"], "line_number": row["line_number"]}


def _receiptline_accepts(row: Mapping[str, Any]) -> bool:
    seen = 0
    get = row.get
    v = get("po_number", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and 1 <= len(v) <= 50 and _SUPPLIERLOCATION_A0_SEARCH(v) is not None):
            return False
        seen += 1
    else:
        return False
    v = get("po_line_number", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is int and 1 <= v <= 999999):
            return False
        seen += 1
    else:
        return False
    v = get("quantity_received", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not ((v.__class__ is int or (v.__class__ is float and v - v == 0.0)) and v >= 0):
                return False
        seen += 1
    return seen == len(row)


def _receiptline_accepts_new(row: Mapping[str, Any]) -> bool:
    seen = 0
    get = row.get
    v = get("po_number", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and 1 <= len(v) <= 50 and _SUPPLIERLOCATION_A0_SEARCH(v) is not None):
            return False
        seen += 1
    else:
        return False
    v = get("po_line_number", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is int and 1 <= v <= 999999):
            return False
        seen += 1
    else:
        return False
    v = get("quantity_received", _MISSING)
    if v is not _MISSING:
        if not ((v.__class__ is int or (v.__class__ is float and v - v == 0.0)) and v >= 0):
            return False
        seen += 1
    return seen == len(row)


def _receiptline_keeps(own: Mapping[str, Any]) -> bool:
    if not own.keys() <= _RECEIPTLINE_WRITABLE:
        return False
    return True


def _receiptline_key_of(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"po_number": row["po_number"], "po_line_number": row["po_line_number"]}


def _receipt_accepts(row: Mapping[str, Any]) -> bool:
    seen = 0
    get = row.get
    v = get("receipt_number", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and 1 <= len(v) <= 50 and _SUPPLIERLOCATION_A0_SEARCH(v) is not None):
            return False
        seen += 1
    else:
        return False
    v = get("receipt_date", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and _FORMAT_DATE(v) is None):
                return False
        seen += 1
    v = get("supplier_code", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and 1 <= len(v) <= 50):
                return False
        seen += 1
    v = get("org_code", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and 1 <= len(v) <= 50):
                return False
        seen += 1
    v = get("lines", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is list or v.__class__ is tuple):
                return False
        seen += 1
    v = get("created_at", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str):
            return False
        seen += 1
    v = get("updated_at", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str):
            return False
        seen += 1
    return seen == len(row)


def _receipt_accepts_new(row: Mapping[str, Any]) -> bool:
    seen = 0
    get = row.get
    v = get("receipt_number", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and 1 <= len(v) <= 50 and _SUPPLIERLOCATION_A0_SEARCH(v) is not None):
            return False
        seen += 1
    else:
        return False
    v = get("receipt_date", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and _FORMAT_DATE(v) is None):
            return False
        seen += 1
    else:
        return False
    v = get("supplier_code", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and 1 <= len(v) <= 50):
            return False
        seen += 1
    v = get("org_code", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and 1 <= len(v) <= 50):
            return False
        seen += 1
    v = get("lines", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is list or v.__class__ is tuple):
            return False
        for c in v:
            if c.__class__ is not dict or not _receiptline_accepts_new(c):
                return False
        seen += 1
    return seen == len(row)


def _receipt_keeps(own: Mapping[str, Any]) -> bool:
    if not own.keys() <= _RECEIPT_ASSIGNABLE:
        return False
    v = own.get("lines", ())
    if v.__class__ is not list and v.__class__ is not tuple:
        return False
    for item in v:
        if item.__class__ is not dict or not item.keys() <= _RECEIPTLINE_WRITABLE:
            return False
    return True


def _receipt_key_of(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"receipt_number": row["receipt_number"]}


def _paymentline_accepts(row: Mapping[str, Any]) -> bool:
    seen = 0
    get = row.get
    v = get("line_number", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is int and 1 <= v <= 999999):
            return False
        seen += 1
    else:
        return False
    v = get("invoice_token", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and 1 <= len(v) <= 64):
                return False
        seen += 1
    v = get("invoice_number", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and 1 <= len(v) <= 100):
                return False
        seen += 1
    v = get("supplier_code", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and 1 <= len(v) <= 50):
                return False
        seen += 1
    v = get("amount", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is int or (v.__class__ is float and v - v == 0.0)):
                return False
        seen += 1
    return seen == len(row)


def _paymentline_accepts_new(row: Mapping[str, Any]) -> bool:
    seen = 0
    get = row.get
    v = get("line_number", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is int and 1 <= v <= 999999):
            return False
        seen += 1
    else:
        return False
    v = get("invoice_token", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and 1 <= len(v) <= 64):
            return False
        seen += 1
    v = get("invoice_number", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and 1 <= len(v) <= 100):
            return False
        seen += 1
    v = get("supplier_code", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and 1 <= len(v) <= 50):
            return False
        seen += 1
    v = get("amount", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is int or (v.__class__ is float and v - v == 0.0)):
            return False
        seen += 1
    return seen == len(row)


def _paymentline_keeps(own: Mapping[str, Any]) -> bool:
    if not own.keys() <= _PAYMENTLINE_WRITABLE:
        return False
    return True


def _paymentline_key_of(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"line_number": row["line_number"]}


def _payment_accepts(row: Mapping[str, Any]) -> bool:
    seen = 0
    get = row.get
    v = get("payment_number", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and 1 <= len(v) <= 50 and _SUPPLIERLOCATION_A0_SEARCH(v) is not None):
            return False
        seen += 1
    else:
        return False
    v = get("payment_date", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and _FORMAT_DATE(v) is None):
                return False
        seen += 1
    v = get("supplier_code", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and 1 <= len(v) <= 50):
                return False
        seen += 1
    v = get("currency_code", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and v in CURRENCY_CODES):
                return False
        seen += 1
    v = get("amount", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is int or (v.__class__ is float and v - v == 0.0)):
                return False
        seen += 1
    v = get("method", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and v in _PAYMENT_A5_MEMBERS):
                return False
        seen += 1
    v = get("reference", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and len(v) <= 140):
                return False
        seen += 1
    v = get("lines", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is list or v.__class__ is tuple):
                return False
        seen += 1
    v = get("created_at", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str):
            return False
        seen += 1
    v = get("updated_at", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str):
            return False
        seen += 1
    return seen == len(row)


def _payment_accepts_new(row: Mapping[str, Any]) -> bool:
    seen = 0
    get = row.get
    v = get("payment_number", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and 1 <= len(v) <= 50 and _SUPPLIERLOCATION_A0_SEARCH(v) is not None):
            return False
        seen += 1
    else:
        return False
    v = get("payment_date", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and _FORMAT_DATE(v) is None):
            return False
        seen += 1
    else:
        return False
    v = get("supplier_code", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and 1 <= len(v) <= 50):
            return False
        seen += 1
    v = get("currency_code", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and v in CURRENCY_CODES):
            return False
        seen += 1
    else:
        return False
    v = get("amount", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is int or (v.__class__ is float and v - v == 0.0)):
            return False
        seen += 1
    else:
        return False
    v = get("method", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and v in _PAYMENT_A5_MEMBERS):
            return False
        seen += 1
    v = get("reference", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and len(v) <= 140):
            return False
        seen += 1
    v = get("lines", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is list or v.__class__ is tuple):
            return False
        for c in v:
            if c.__class__ is not dict or not _paymentline_accepts_new(c):
                return False
        seen += 1
    return seen == len(row)


def _payment_keeps(own: Mapping[str, Any]) -> bool:
    if not own.keys() <= _PAYMENT_ASSIGNABLE:
        return False
    v = own.get("lines", ())
    if v.__class__ is not list and v.__class__ is not tuple:
        return False
    for item in v:
        if item.__class__ is not dict or not item.keys() <= _PAYMENTLINE_WRITABLE:
            return False
    return True


def _payment_key_of(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"payment_number": row["payment_number"]}


def _user_a3_item(v: Any) -> bool:
    return bool(v.__class__ is str and v in _USER_A3_ITEM_MEMBERS)


def _user_accepts(row: Mapping[str, Any]) -> bool:
    seen = 0
    get = row.get
    v = get("email", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and 3 <= len(v) <= 254 and _SUPPLIER_A8_SEARCH(v) is not None):
            return False
        seen += 1
    else:
        return False
    v = get("display_name", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and 1 <= len(v) <= 200):
                return False
        seen += 1
    v = get("kind", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and v in _USER_A2_MEMBERS):
                return False
        seen += 1
    v = get("roles", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not ((v.__class__ is list or v.__class__ is tuple) and all(map(_user_a3_item, v))):
                return False
        seen += 1
    v = get("active", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is bool):
                return False
        seen += 1
    v = get("last_activity_at", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str):
                return False
        seen += 1
    v = get("created_at", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str):
            return False
        seen += 1
    v = get("updated_at", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str):
            return False
        seen += 1
    return seen == len(row)


def _user_n3_item(v: Any) -> bool:
    return bool(v.__class__ is str and v in _USER_A3_ITEM_MEMBERS)


def _user_accepts_new(row: Mapping[str, Any]) -> bool:
    seen = 0
    get = row.get
    v = get("email", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and 3 <= len(v) <= 254 and _SUPPLIER_A8_SEARCH(v) is not None):
            return False
        seen += 1
    else:
        return False
    v = get("display_name", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and 1 <= len(v) <= 200):
            return False
        seen += 1
    else:
        return False
    v = get("kind", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and v in _USER_A2_MEMBERS):
            return False
        seen += 1
    else:
        return False
    v = get("roles", _MISSING)
    if v is not _MISSING:
        if not ((v.__class__ is list or v.__class__ is tuple) and all(map(_user_n3_item, v))):
            return False
        seen += 1
    v = get("active", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is bool):
            return False
        seen += 1
    return seen == len(row)


def _user_keeps(own: Mapping[str, Any]) -> bool:
    if not own.keys() <= _USER_WRITABLE:
        return False
    return True


def _user_key_of(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"email": row["email"]}


def _lifecyclemessagecreate_accepts(row: Mapping[str, Any]) -> bool:
    seen = 0
    get = row.get
    v = get("code", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and 1 <= len(v) <= 64):
            return False
        seen += 1
    else:
        return False
    v = get("occurred_at", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and len(v) <= 64 and _LIFECYCLEMESSAGECREATE_A1_SEARCH(v) is not None):
            return False
        seen += 1
    v = get("actor_display_name", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and len(v) <= 200):
            return False
        seen += 1
    v = get("clarification_code", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and len(v) <= 64):
            return False
        seen += 1
    v = get("note_internal", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and len(v) <= 4000):
            return False
        seen += 1
    v = get("note_supplier", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and len(v) <= 4000):
            return False
        seen += 1
    v = get("reference_type", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and v in _LIFECYCLEMESSAGECREATE_A6_MEMBERS):
            return False
        seen += 1
    v = get("reference_value", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and len(v) <= 255):
            return False
        seen += 1
    return seen == len(row)


def _lifecyclemessagecreate_accepts_new(row: Mapping[str, Any]) -> bool:
    seen = 0
    get = row.get
    v = get("code", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and 1 <= len(v) <= 64):
            return False
        seen += 1
    else:
        return False
    v = get("occurred_at", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and len(v) <= 64 and _LIFECYCLEMESSAGECREATE_A1_SEARCH(v) is not None):
            return False
        seen += 1
    v = get("actor_display_name", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and len(v) <= 200):
            return False
        seen += 1
    v = get("clarification_code", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and len(v) <= 64):
            return False
        seen += 1
    v = get("note_internal", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and len(v) <= 4000):
            return False
        seen += 1
    v = get("note_supplier", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and len(v) <= 4000):
            return False
        seen += 1
    v = get("reference_type", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and v in _LIFECYCLEMESSAGECREATE_A6_MEMBERS):
            return False
        seen += 1
    v = get("reference_value", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and len(v) <= 255):
            return False
        seen += 1
    return seen == len(row)


def _lifecyclemessagecreate_keeps(own: Mapping[str, Any]) -> bool:
    if not own.keys() <= _LIFECYCLEMESSAGECREATE_WRITABLE:
        return False
    return True


def _lifecyclemessagecreate_key_of(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"code": row["code"]}


def _invoiceimportrequest_accepts(row: Mapping[str, Any]) -> bool:
    seen = 0
    get = row.get
    v = get("source_key", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and 1 <= len(v) <= 200 and _INVOICEIMPORTREQUEST_A0_SEARCH(v) is not None):
            return False
        seen += 1
    else:
        return False
    v = get("supplier_code", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and 1 <= len(v) <= 50 and _SUPPLIERLOCATION_A0_SEARCH(v) is not None):
                return False
        seen += 1
    v = get("supplier_location_code", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and 1 <= len(v) <= 50 and _SUPPLIERLOCATION_A0_SEARCH(v) is not None):
                return False
        seen += 1
    v = get("erp_company_code", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and 1 <= len(v) <= 50):
                return False
        seen += 1
    v = get("ext_reference_1", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and len(v) <= 255):
                return False
        seen += 1
    v = get("ext_reference_2", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and len(v) <= 255):
                return False
        seen += 1
    v = get("ext_reference_3", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and len(v) <= 255):
                return False
        seen += 1
    v = get("ext_reference_4", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and len(v) <= 255):
                return False
        seen += 1
    v = get("ext_reference_5", _MISSING)
    if v is not _MISSING:
        if v is not None:
            if not (v.__class__ is str and len(v) <= 255):
                return False
        seen += 1
    v = get("fields", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is dict):
            return False
        seen += 1
    else:
        return False
    v = get("lines", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is list or v.__class__ is tuple):
            return False
        seen += 1
    v = get("addresses", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is list or v.__class__ is tuple):
            return False
        seen += 1
    v = get("files", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is list or v.__class__ is tuple):
            return False
        seen += 1
    else:
        return False
    return seen == len(row)


def _invoiceimportrequest_accepts_new(row: Mapping[str, Any]) -> bool:
    seen = 0
    get = row.get
    v = get("source_key", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and 1 <= len(v) <= 200 and _INVOICEIMPORTREQUEST_A0_SEARCH(v) is not None):
            return False
        seen += 1
    else:
        return False
    v = get("supplier_code", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and 1 <= len(v) <= 50 and _SUPPLIERLOCATION_A0_SEARCH(v) is not None):
            return False
        seen += 1
    v = get("supplier_location_code", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and 1 <= len(v) <= 50 and _SUPPLIERLOCATION_A0_SEARCH(v) is not None):
            return False
        seen += 1
    v = get("erp_company_code", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and 1 <= len(v) <= 50):
            return False
        seen += 1
    v = get("ext_reference_1", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and len(v) <= 255):
            return False
        seen += 1
    v = get("ext_reference_2", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and len(v) <= 255):
            return False
        seen += 1
    v = get("ext_reference_3", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and len(v) <= 255):
            return False
        seen += 1
    v = get("ext_reference_4", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and len(v) <= 255):
            return False
        seen += 1
    v = get("ext_reference_5", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is str and len(v) <= 255):
            return False
        seen += 1
    v = get("fields", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is dict):
            return False
        seen += 1
    else:
        return False
    v = get("lines", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is list or v.__class__ is tuple):
            return False
        seen += 1
    v = get("addresses", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is list or v.__class__ is tuple):
            return False
        seen += 1
    v = get("files", _MISSING)
    if v is not _MISSING:
        if not (v.__class__ is list or v.__class__ is tuple):
            return False
        seen += 1
    else:
        return False
    return seen == len(row)


def _invoiceimportrequest_keeps(own: Mapping[str, Any]) -> bool:
    if not own.keys() <= _INVOICEIMPORTREQUEST_WRITABLE:
        return False
    return True


def _invoiceimportrequest_key_of(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"source_key": row["source_key"], "fields": row["fields"], "files": row["files"]}


class SupplierLocation(Entity):
    """Fields: ``components/schemas/SupplierLocation`` of the Customer API."""

    __slots__ = ()

    @property
    def location_code(self) -> str:
        return self._get("location_code")  # type: ignore[no-any-return]

    @location_code.setter
    def location_code(self, value: str) -> None:
        self._set_field("location_code", value)

    @property
    def name(self) -> str | None:
        return self._get("name")  # type: ignore[no-any-return]

    @name.setter
    def name(self, value: str | None) -> None:
        self._set_field("name", value)

    @property
    def erp_company_code(self) -> str | None:
        return self._get("erp_company_code")  # type: ignore[no-any-return]

    @erp_company_code.setter
    def erp_company_code(self, value: str | None) -> None:
        self._set_field("erp_company_code", value)

    @property
    def country_code(self) -> str | None:
        return self._get("country_code")  # type: ignore[no-any-return]

    @country_code.setter
    def country_code(self, value: str | None) -> None:
        self._set_field("country_code", value)

    @property
    def active(self) -> bool | None:
        return self._get("active")  # type: ignore[no-any-return]

    @active.setter
    def active(self, value: bool | None) -> None:
        self._set_field("active", value)


class SupplierLocationValues(TypedDict, total=False):
    """The keywords ``new()`` takes for a ``SupplierLocation``: its settable fields, all optional until save."""

    location_code: str
    name: str | None
    erp_company_code: str | None
    country_code: str | None
    active: bool | None


class SupplierLocationList(EntityList[SupplierLocation]):
    """The ``SupplierLocation`` children of an entity; ``new()`` adds one."""

    __slots__ = ()

    def new(self, **values: Unpack[SupplierLocationValues]) -> SupplierLocation:
        return self._new(values)


SupplierLocation._meta = EntityMeta(
    "SupplierLocation",
    entity_class=SupplierLocation,
    properties={
        "location_code": {
            "type": "string",
            "minLength": 1,
            "maxLength": 50,
            "pattern": "^[A-Za-z0-9][A-Za-z0-9_./-]*$",
        },
        "name": {"type": "string", "minLength": 1, "maxLength": 200, "nullable": True},
        "erp_company_code": {"type": "string", "minLength": 1, "maxLength": 50, "nullable": True},
        "country_code": {"type": "string", "format": "iso3166-alpha2", "pattern": "^[A-Z]{2}$", "nullable": True},
        "active": {"type": "boolean", "nullable": True},
    },
    required=("location_code",),
    key=("location_code",),
    required_on_create=("name",),
    read_only=frozenset(),
    list_fields=frozenset(),
    closed=True,
    children={},
    checks=RowChecks(
        accepts=_supplierlocation_accepts,
        accepts_new=_supplierlocation_accepts_new,
        keeps=_supplierlocation_keeps,
        key_of=_supplierlocation_key_of,
    ),
    list_class=SupplierLocationList,
)


class PostalAddress(Entity):
    """Fields: ``components/schemas/PostalAddress`` of the Customer API."""

    __slots__ = ()

    @property
    def address_type(self) -> Literal["ordering", "remit_to", "invoicing", "delivery", "legal", "other"]:
        return self._get("address_type")  # type: ignore[no-any-return]

    @address_type.setter
    def address_type(self, value: Literal["ordering", "remit_to", "invoicing", "delivery", "legal", "other"]) -> None:
        self._set_field("address_type", value)

    @property
    def street(self) -> str | None:
        return self._get("street")  # type: ignore[no-any-return]

    @street.setter
    def street(self, value: str | None) -> None:
        self._set_field("street", value)

    @property
    def street_2(self) -> str | None:
        return self._get("street_2")  # type: ignore[no-any-return]

    @street_2.setter
    def street_2(self, value: str | None) -> None:
        self._set_field("street_2", value)

    @property
    def city(self) -> str | None:
        return self._get("city")  # type: ignore[no-any-return]

    @city.setter
    def city(self, value: str | None) -> None:
        self._set_field("city", value)

    @property
    def postal_code(self) -> str | None:
        return self._get("postal_code")  # type: ignore[no-any-return]

    @postal_code.setter
    def postal_code(self, value: str | None) -> None:
        self._set_field("postal_code", value)

    @property
    def region(self) -> str | None:
        return self._get("region")  # type: ignore[no-any-return]

    @region.setter
    def region(self, value: str | None) -> None:
        self._set_field("region", value)

    @property
    def country_code(self) -> str | None:
        return self._get("country_code")  # type: ignore[no-any-return]

    @country_code.setter
    def country_code(self, value: str | None) -> None:
        self._set_field("country_code", value)


class PostalAddressValues(TypedDict, total=False):
    """The keywords ``new()`` takes for a ``PostalAddress``: its settable fields, all optional until save."""

    address_type: Literal["ordering", "remit_to", "invoicing", "delivery", "legal", "other"]
    street: str | None
    street_2: str | None
    city: str | None
    postal_code: str | None
    region: str | None
    country_code: str | None


class PostalAddressList(EntityList[PostalAddress]):
    """The ``PostalAddress`` children of an entity; ``new()`` adds one."""

    __slots__ = ()

    def new(self, **values: Unpack[PostalAddressValues]) -> PostalAddress:
        return self._new(values)


PostalAddress._meta = EntityMeta(
    "PostalAddress",
    entity_class=PostalAddress,
    properties={
        "address_type": {"type": "string", "enum": ["ordering", "remit_to", "invoicing", "delivery", "legal", "other"]},
        "street": {"type": "string", "maxLength": 200, "nullable": True},
        "street_2": {"type": "string", "maxLength": 200, "nullable": True},
        "city": {"type": "string", "maxLength": 100, "nullable": True},
        "postal_code": {"type": "string", "maxLength": 20, "nullable": True},
        "region": {"type": "string", "maxLength": 100, "nullable": True},
        "country_code": {"type": "string", "format": "iso3166-alpha2", "pattern": "^[A-Z]{2}$", "nullable": True},
    },
    required=("address_type",),
    key=("address_type",),
    required_on_create=(),
    read_only=frozenset(),
    list_fields=frozenset(),
    closed=True,
    children={},
    checks=RowChecks(
        accepts=_postaladdress_accepts,
        accepts_new=_postaladdress_accepts_new,
        keeps=_postaladdress_keeps,
        key_of=_postaladdress_key_of,
    ),
    list_class=PostalAddressList,
)


class BankAccount(Entity):
    """Fields: ``components/schemas/BankAccount`` of the Customer API."""

    __slots__ = ()

    @property
    def iban(self) -> str:
        """ISO 13616, no spaces; checksum checked."""
        return self._get("iban")  # type: ignore[no-any-return]

    @iban.setter
    def iban(self, value: str) -> None:
        self._set_field("iban", value)

    @property
    def bic(self) -> str | None:
        return self._get("bic")  # type: ignore[no-any-return]

    @bic.setter
    def bic(self, value: str | None) -> None:
        self._set_field("bic", value)

    @property
    def account_holder(self) -> str | None:
        return self._get("account_holder")  # type: ignore[no-any-return]

    @account_holder.setter
    def account_holder(self, value: str | None) -> None:
        self._set_field("account_holder", value)

    @property
    def currency_code(self) -> str | None:
        return self._get("currency_code")  # type: ignore[no-any-return]

    @currency_code.setter
    def currency_code(self, value: str | None) -> None:
        self._set_field("currency_code", value)

    @property
    def is_primary(self) -> bool | None:
        return self._get("is_primary")  # type: ignore[no-any-return]

    @is_primary.setter
    def is_primary(self, value: bool | None) -> None:
        self._set_field("is_primary", value)


class BankAccountValues(TypedDict, total=False):
    """The keywords ``new()`` takes for a ``BankAccount``: its settable fields, all optional until save."""

    iban: str
    bic: str | None
    account_holder: str | None
    currency_code: str | None
    is_primary: bool | None


class BankAccountList(EntityList[BankAccount]):
    """The ``BankAccount`` children of an entity; ``new()`` adds one."""

    __slots__ = ()

    def new(self, **values: Unpack[BankAccountValues]) -> BankAccount:
        return self._new(values)


BankAccount._meta = EntityMeta(
    "BankAccount",
    entity_class=BankAccount,
    properties={
        "iban": {"type": "string", "format": "iban", "pattern": "^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$"},
        "bic": {"type": "string", "pattern": "^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$", "nullable": True},
        "account_holder": {"type": "string", "minLength": 1, "maxLength": 200, "nullable": True},
        "currency_code": {"type": "string", "format": "iso4217", "pattern": "^[A-Z]{3}$", "nullable": True},
        "is_primary": {"type": "boolean", "nullable": True},
    },
    required=("iban",),
    key=("iban",),
    required_on_create=(),
    read_only=frozenset(),
    list_fields=frozenset(),
    closed=True,
    children={},
    checks=RowChecks(
        accepts=_bankaccount_accepts,
        accepts_new=_bankaccount_accepts_new,
        keeps=_bankaccount_keeps,
        key_of=_bankaccount_key_of,
    ),
    list_class=BankAccountList,
)


class Supplier(Entity):
    """Fields: ``components/schemas/Supplier`` of the Customer API."""

    __slots__ = ()

    @property
    def supplier_code(self) -> str:
        return self._get("supplier_code")  # type: ignore[no-any-return]

    @supplier_code.setter
    def supplier_code(self, value: str) -> None:
        self._set_field("supplier_code", value)

    @property
    def name(self) -> str | None:
        return self._get("name")  # type: ignore[no-any-return]

    @name.setter
    def name(self, value: str | None) -> None:
        self._set_field("name", value)

    @property
    def legal_name(self) -> str | None:
        return self._get("legal_name")  # type: ignore[no-any-return]

    @legal_name.setter
    def legal_name(self, value: str | None) -> None:
        self._set_field("legal_name", value)

    @property
    def vat_number(self) -> str | None:
        return self._get("vat_number")  # type: ignore[no-any-return]

    @vat_number.setter
    def vat_number(self, value: str | None) -> None:
        self._set_field("vat_number", value)

    @property
    def tax_id(self) -> str | None:
        return self._get("tax_id")  # type: ignore[no-any-return]

    @tax_id.setter
    def tax_id(self, value: str | None) -> None:
        self._set_field("tax_id", value)

    @property
    def country_code(self) -> str | None:
        return self._get("country_code")  # type: ignore[no-any-return]

    @country_code.setter
    def country_code(self, value: str | None) -> None:
        self._set_field("country_code", value)

    @property
    def currency_code(self) -> str | None:
        return self._get("currency_code")  # type: ignore[no-any-return]

    @currency_code.setter
    def currency_code(self, value: str | None) -> None:
        self._set_field("currency_code", value)

    @property
    def payment_terms_days(self) -> int | None:
        return self._get("payment_terms_days")  # type: ignore[no-any-return]

    @payment_terms_days.setter
    def payment_terms_days(self, value: int | None) -> None:
        self._set_field("payment_terms_days", value)

    @property
    def email(self) -> str | None:
        return self._get("email")  # type: ignore[no-any-return]

    @email.setter
    def email(self, value: str | None) -> None:
        self._set_field("email", value)

    @property
    def phone(self) -> str | None:
        return self._get("phone")  # type: ignore[no-any-return]

    @phone.setter
    def phone(self, value: str | None) -> None:
        self._set_field("phone", value)

    @property
    def active(self) -> bool | None:
        return self._get("active")  # type: ignore[no-any-return]

    @active.setter
    def active(self, value: bool | None) -> None:
        self._set_field("active", value)

    @property
    def ext_reference_1(self) -> str | None:
        return self._get("ext_reference_1")  # type: ignore[no-any-return]

    @ext_reference_1.setter
    def ext_reference_1(self, value: str | None) -> None:
        self._set_field("ext_reference_1", value)

    @property
    def ext_reference_2(self) -> str | None:
        return self._get("ext_reference_2")  # type: ignore[no-any-return]

    @ext_reference_2.setter
    def ext_reference_2(self, value: str | None) -> None:
        self._set_field("ext_reference_2", value)

    @property
    def ext_reference_3(self) -> str | None:
        return self._get("ext_reference_3")  # type: ignore[no-any-return]

    @ext_reference_3.setter
    def ext_reference_3(self, value: str | None) -> None:
        self._set_field("ext_reference_3", value)

    @property
    def locations(self) -> SupplierLocationList:
        return self._child_list("locations")  # type: ignore[return-value]

    @locations.setter
    def locations(self, value: Iterable[SupplierLocation | SupplierLocationValues]) -> None:
        self._set_children("locations", value)

    @property
    def addresses(self) -> PostalAddressList:
        return self._child_list("addresses")  # type: ignore[return-value]

    @addresses.setter
    def addresses(self, value: Iterable[PostalAddress | PostalAddressValues]) -> None:
        self._set_children("addresses", value)

    @property
    def bank_accounts(self) -> BankAccountList:
        return self._child_list("bank_accounts")  # type: ignore[return-value]

    @bank_accounts.setter
    def bank_accounts(self, value: Iterable[BankAccount | BankAccountValues]) -> None:
        self._set_children("bank_accounts", value)

    @property
    def created_at(self) -> str | None:
        return self._get("created_at")  # type: ignore[no-any-return]

    @property
    def updated_at(self) -> str | None:
        return self._get("updated_at")  # type: ignore[no-any-return]


class SupplierValues(TypedDict, total=False):
    """The keywords ``new()`` takes for a ``Supplier``: its settable fields, all optional until save."""

    supplier_code: str
    name: str | None
    legal_name: str | None
    vat_number: str | None
    tax_id: str | None
    country_code: str | None
    currency_code: str | None
    payment_terms_days: int | None
    email: str | None
    phone: str | None
    active: bool | None
    ext_reference_1: str | None
    ext_reference_2: str | None
    ext_reference_3: str | None
    locations: Sequence[SupplierLocation | SupplierLocationValues]
    addresses: Sequence[PostalAddress | PostalAddressValues]
    bank_accounts: Sequence[BankAccount | BankAccountValues]


Supplier._meta = EntityMeta(
    "Supplier",
    entity_class=Supplier,
    properties={
        "supplier_code": {
            "type": "string",
            "minLength": 1,
            "maxLength": 50,
            "pattern": "^[A-Za-z0-9][A-Za-z0-9_./-]*$",
        },
        "name": {"type": "string", "minLength": 1, "maxLength": 200, "nullable": True},
        "legal_name": {"type": "string", "minLength": 1, "maxLength": 200, "nullable": True},
        "vat_number": {"type": "string", "maxLength": 30, "nullable": True},
        "tax_id": {"type": "string", "maxLength": 30, "nullable": True},
        "country_code": {"type": "string", "format": "iso3166-alpha2", "pattern": "^[A-Z]{2}$", "nullable": True},
        "currency_code": {"type": "string", "format": "iso4217", "pattern": "^[A-Z]{3}$", "nullable": True},
        "payment_terms_days": {"type": "integer", "minimum": 0, "maximum": 365, "nullable": True},
        "email": {
            "type": "string",
            "maxLength": 254,
            "pattern": "^[^@\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]+@[^@\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]+\\.[^@\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]+$",
            "nullable": True,
        },
        "phone": {"type": "string", "maxLength": 40, "nullable": True},
        "active": {"type": "boolean", "nullable": True},
        "ext_reference_1": {"type": "string", "maxLength": 255, "nullable": True},
        "ext_reference_2": {"type": "string", "maxLength": 255, "nullable": True},
        "ext_reference_3": {"type": "string", "maxLength": 255, "nullable": True},
        "locations": {"type": "array", "nullable": True, "items": {"type": "object"}},
        "addresses": {"type": "array", "nullable": True, "items": {"type": "object"}},
        "bank_accounts": {"type": "array", "nullable": True, "items": {"type": "object"}},
        "created_at": {"type": "string", "readOnly": True},
        "updated_at": {"type": "string", "readOnly": True},
    },
    required=("supplier_code",),
    key=("supplier_code",),
    required_on_create=("name",),
    read_only=frozenset({"created_at", "updated_at"}),
    list_fields=frozenset(),
    closed=True,
    children={
        "locations": SupplierLocation._meta,
        "addresses": PostalAddress._meta,
        "bank_accounts": BankAccount._meta,
    },
    checks=RowChecks(
        accepts=_supplier_accepts, accepts_new=_supplier_accepts_new, keeps=_supplier_keeps, key_of=_supplier_key_of
    ),
)


class OrgIdentifier(Entity):
    """Fields: ``components/schemas/OrgIdentifier`` of the Customer API."""

    __slots__ = ()

    @property
    def scheme(self) -> Literal["VAT", "GLN", "DUNS", "KVK", "SIRET", "LEI", "OTHER"]:
        return self._get("scheme")  # type: ignore[no-any-return]

    @scheme.setter
    def scheme(self, value: Literal["VAT", "GLN", "DUNS", "KVK", "SIRET", "LEI", "OTHER"]) -> None:
        self._set_field("scheme", value)

    @property
    def value(self) -> str | None:
        return self._get("value")  # type: ignore[no-any-return]

    @value.setter
    def value(self, value: str | None) -> None:
        self._set_field("value", value)


class OrgIdentifierValues(TypedDict, total=False):
    """The keywords ``new()`` takes for a ``OrgIdentifier``: its settable fields, all optional until save."""

    scheme: Literal["VAT", "GLN", "DUNS", "KVK", "SIRET", "LEI", "OTHER"]
    value: str | None


class OrgIdentifierList(EntityList[OrgIdentifier]):
    """The ``OrgIdentifier`` children of an entity; ``new()`` adds one."""

    __slots__ = ()

    def new(self, **values: Unpack[OrgIdentifierValues]) -> OrgIdentifier:
        return self._new(values)


OrgIdentifier._meta = EntityMeta(
    "OrgIdentifier",
    entity_class=OrgIdentifier,
    properties={
        "scheme": {"type": "string", "enum": ["VAT", "GLN", "DUNS", "KVK", "SIRET", "LEI", "OTHER"]},
        "value": {"type": "string", "minLength": 1, "maxLength": 100, "nullable": True},
    },
    required=("scheme",),
    key=("scheme",),
    required_on_create=(),
    read_only=frozenset(),
    list_fields=frozenset(),
    closed=True,
    children={},
    checks=RowChecks(
        accepts=_orgidentifier_accepts,
        accepts_new=_orgidentifier_accepts_new,
        keeps=_orgidentifier_keeps,
        key_of=_orgidentifier_key_of,
    ),
    list_class=OrgIdentifierList,
)


class Organization(Entity):
    """Fields: ``components/schemas/Organization`` of the Customer API."""

    __slots__ = ()

    @property
    def org_code(self) -> str:
        return self._get("org_code")  # type: ignore[no-any-return]

    @org_code.setter
    def org_code(self, value: str) -> None:
        self._set_field("org_code", value)

    @property
    def name(self) -> str | None:
        return self._get("name")  # type: ignore[no-any-return]

    @name.setter
    def name(self, value: str | None) -> None:
        self._set_field("name", value)

    @property
    def parent_org_code(self) -> str | None:
        return self._get("parent_org_code")  # type: ignore[no-any-return]

    @parent_org_code.setter
    def parent_org_code(self, value: str | None) -> None:
        self._set_field("parent_org_code", value)

    @property
    def active(self) -> bool | None:
        return self._get("active")  # type: ignore[no-any-return]

    @active.setter
    def active(self, value: bool | None) -> None:
        self._set_field("active", value)

    @property
    def identifiers(self) -> OrgIdentifierList:
        return self._child_list("identifiers")  # type: ignore[return-value]

    @identifiers.setter
    def identifiers(self, value: Iterable[OrgIdentifier | OrgIdentifierValues]) -> None:
        self._set_children("identifiers", value)

    @property
    def addresses(self) -> PostalAddressList:
        return self._child_list("addresses")  # type: ignore[return-value]

    @addresses.setter
    def addresses(self, value: Iterable[PostalAddress | PostalAddressValues]) -> None:
        self._set_children("addresses", value)

    @property
    def created_at(self) -> str | None:
        return self._get("created_at")  # type: ignore[no-any-return]

    @property
    def updated_at(self) -> str | None:
        return self._get("updated_at")  # type: ignore[no-any-return]


class OrganizationValues(TypedDict, total=False):
    """The keywords ``new()`` takes for a ``Organization``: its settable fields, all optional until save."""

    org_code: str
    name: str | None
    parent_org_code: str | None
    active: bool | None
    identifiers: Sequence[OrgIdentifier | OrgIdentifierValues]
    addresses: Sequence[PostalAddress | PostalAddressValues]


Organization._meta = EntityMeta(
    "Organization",
    entity_class=Organization,
    properties={
        "org_code": {"type": "string", "minLength": 1, "maxLength": 50, "pattern": "^[A-Za-z0-9][A-Za-z0-9_./-]*$"},
        "name": {"type": "string", "minLength": 1, "maxLength": 200, "nullable": True},
        "parent_org_code": {"type": "string", "minLength": 1, "maxLength": 50, "nullable": True},
        "active": {"type": "boolean", "nullable": True},
        "identifiers": {"type": "array", "nullable": True, "items": {"type": "object"}},
        "addresses": {"type": "array", "nullable": True, "items": {"type": "object"}},
        "created_at": {"type": "string", "readOnly": True},
        "updated_at": {"type": "string", "readOnly": True},
    },
    required=("org_code",),
    key=("org_code",),
    required_on_create=("name",),
    read_only=frozenset({"created_at", "updated_at"}),
    list_fields=frozenset(),
    closed=True,
    children={"identifiers": OrgIdentifier._meta, "addresses": PostalAddress._meta},
    checks=RowChecks(
        accepts=_organization_accepts,
        accepts_new=_organization_accepts_new,
        keeps=_organization_keeps,
        key_of=_organization_key_of,
    ),
)


class PurchaseOrder(Entity):
    """Fields: ``components/schemas/PurchaseOrder`` of the Customer API."""

    __slots__ = ()

    @property
    def po_number(self) -> str:
        return self._get("po_number")  # type: ignore[no-any-return]

    @po_number.setter
    def po_number(self, value: str) -> None:
        self._set_field("po_number", value)

    @property
    def supplier_code(self) -> str | None:
        return self._get("supplier_code")  # type: ignore[no-any-return]

    @supplier_code.setter
    def supplier_code(self, value: str | None) -> None:
        self._set_field("supplier_code", value)

    @property
    def org_code(self) -> str | None:
        return self._get("org_code")  # type: ignore[no-any-return]

    @org_code.setter
    def org_code(self, value: str | None) -> None:
        self._set_field("org_code", value)

    @property
    def currency_code(self) -> str | None:
        return self._get("currency_code")  # type: ignore[no-any-return]

    @currency_code.setter
    def currency_code(self, value: str | None) -> None:
        self._set_field("currency_code", value)

    @property
    def order_date(self) -> str | None:
        return self._get("order_date")  # type: ignore[no-any-return]

    @order_date.setter
    def order_date(self, value: str | None) -> None:
        self._set_field("order_date", value)

    @property
    def status(self) -> Literal["OPEN", "PARTIALLY_RECEIVED", "RECEIVED", "CLOSED", "CANCELLED"] | None:
        return self._get("status")  # type: ignore[no-any-return]

    @status.setter
    def status(self, value: Literal["OPEN", "PARTIALLY_RECEIVED", "RECEIVED", "CLOSED", "CANCELLED"] | None) -> None:
        self._set_field("status", value)

    @property
    def total_amount(self) -> float | None:
        return self._get("total_amount")  # type: ignore[no-any-return]

    @total_amount.setter
    def total_amount(self, value: float | None) -> None:
        self._set_field("total_amount", value)

    @property
    def buyer_email(self) -> str | None:
        return self._get("buyer_email")  # type: ignore[no-any-return]

    @buyer_email.setter
    def buyer_email(self, value: str | None) -> None:
        self._set_field("buyer_email", value)

    @property
    def ext_reference_1(self) -> str | None:
        return self._get("ext_reference_1")  # type: ignore[no-any-return]

    @ext_reference_1.setter
    def ext_reference_1(self, value: str | None) -> None:
        self._set_field("ext_reference_1", value)

    @property
    def ext_reference_2(self) -> str | None:
        return self._get("ext_reference_2")  # type: ignore[no-any-return]

    @ext_reference_2.setter
    def ext_reference_2(self, value: str | None) -> None:
        self._set_field("ext_reference_2", value)

    @property
    def ext_reference_3(self) -> str | None:
        return self._get("ext_reference_3")  # type: ignore[no-any-return]

    @ext_reference_3.setter
    def ext_reference_3(self, value: str | None) -> None:
        self._set_field("ext_reference_3", value)

    @property
    def created_at(self) -> str | None:
        return self._get("created_at")  # type: ignore[no-any-return]

    @property
    def updated_at(self) -> str | None:
        return self._get("updated_at")  # type: ignore[no-any-return]


class PurchaseOrderValues(TypedDict, total=False):
    """The keywords ``new()`` takes for a ``PurchaseOrder``: its settable fields, all optional until save."""

    po_number: str
    supplier_code: str | None
    org_code: str | None
    currency_code: str | None
    order_date: str | None
    status: Literal["OPEN", "PARTIALLY_RECEIVED", "RECEIVED", "CLOSED", "CANCELLED"] | None
    total_amount: float | None
    buyer_email: str | None
    ext_reference_1: str | None
    ext_reference_2: str | None
    ext_reference_3: str | None


PurchaseOrder._meta = EntityMeta(
    "PurchaseOrder",
    entity_class=PurchaseOrder,
    properties={
        "po_number": {"type": "string", "minLength": 1, "maxLength": 50, "pattern": "^[A-Za-z0-9][A-Za-z0-9_./-]*$"},
        "supplier_code": {"type": "string", "minLength": 1, "maxLength": 50, "nullable": True},
        "org_code": {"type": "string", "minLength": 1, "maxLength": 50, "nullable": True},
        "currency_code": {"type": "string", "format": "iso4217", "pattern": "^[A-Z]{3}$", "nullable": True},
        "order_date": {"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "nullable": True},
        "status": {
            "type": "string",
            "enum": ["OPEN", "PARTIALLY_RECEIVED", "RECEIVED", "CLOSED", "CANCELLED"],
            "nullable": True,
        },
        "total_amount": {"type": "number", "nullable": True},
        "buyer_email": {
            "type": "string",
            "maxLength": 254,
            "pattern": "^[^@\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]+@[^@\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]+\\.[^@\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]+$",
            "nullable": True,
        },
        "ext_reference_1": {"type": "string", "maxLength": 255, "nullable": True},
        "ext_reference_2": {"type": "string", "maxLength": 255, "nullable": True},
        "ext_reference_3": {"type": "string", "maxLength": 255, "nullable": True},
        "created_at": {"type": "string", "readOnly": True},
        "updated_at": {"type": "string", "readOnly": True},
    },
    required=("po_number",),
    key=("po_number",),
    required_on_create=("supplier_code",),
    read_only=frozenset({"created_at", "updated_at"}),
    list_fields=frozenset(),
    closed=True,
    children={},
    checks=RowChecks(
        accepts=_purchaseorder_accepts,
        accepts_new=_purchaseorder_accepts_new,
        keeps=_purchaseorder_keeps,
        key_of=_purchaseorder_key_of,
    ),
)


class PurchaseOrderLine(Entity):
    """Fields: ``components/schemas/PurchaseOrderLine`` of the Customer API."""

    __slots__ = ()

    @property
    def po_number(self) -> str:
        return self._get("po_number")  # type: ignore[no-any-return]

    @po_number.setter
    def po_number(self, value: str) -> None:
        self._set_field("po_number", value)

    @property
    def line_number(self) -> int:
        return self._get("line_number")  # type: ignore[no-any-return]

    @line_number.setter
    def line_number(self, value: int) -> None:
        self._set_field("line_number", value)

    @property
    def item_code(self) -> str | None:
        return self._get("item_code")  # type: ignore[no-any-return]

    @item_code.setter
    def item_code(self, value: str | None) -> None:
        self._set_field("item_code", value)

    @property
    def description(self) -> str | None:
        return self._get("description")  # type: ignore[no-any-return]

    @description.setter
    def description(self, value: str | None) -> None:
        self._set_field("description", value)

    @property
    def quantity(self) -> float | None:
        return self._get("quantity")  # type: ignore[no-any-return]

    @quantity.setter
    def quantity(self, value: float | None) -> None:
        self._set_field("quantity", value)

    @property
    def unit_price(self) -> float | None:
        return self._get("unit_price")  # type: ignore[no-any-return]

    @unit_price.setter
    def unit_price(self, value: float | None) -> None:
        self._set_field("unit_price", value)

    @property
    def amount(self) -> float | None:
        return self._get("amount")  # type: ignore[no-any-return]

    @amount.setter
    def amount(self, value: float | None) -> None:
        self._set_field("amount", value)

    @property
    def uom(self) -> str | None:
        return self._get("uom")  # type: ignore[no-any-return]

    @uom.setter
    def uom(self, value: str | None) -> None:
        self._set_field("uom", value)

    @property
    def status(self) -> Literal["OPEN", "CLOSED", "CANCELLED"] | None:
        return self._get("status")  # type: ignore[no-any-return]

    @status.setter
    def status(self, value: Literal["OPEN", "CLOSED", "CANCELLED"] | None) -> None:
        self._set_field("status", value)

    @property
    def created_at(self) -> str | None:
        return self._get("created_at")  # type: ignore[no-any-return]

    @property
    def updated_at(self) -> str | None:
        return self._get("updated_at")  # type: ignore[no-any-return]


class PurchaseOrderLineValues(TypedDict, total=False):
    """The keywords ``new()`` takes for a ``PurchaseOrderLine``: its settable fields, all optional until save."""

    po_number: str
    line_number: int
    item_code: str | None
    description: str | None
    quantity: float | None
    unit_price: float | None
    amount: float | None
    uom: str | None
    status: Literal["OPEN", "CLOSED", "CANCELLED"] | None


PurchaseOrderLine._meta = EntityMeta(
    "PurchaseOrderLine",
    entity_class=PurchaseOrderLine,
    properties={
        "po_number": {"type": "string", "minLength": 1, "maxLength": 50, "pattern": "^[A-Za-z0-9][A-Za-z0-9_./-]*$"},
        "line_number": {"type": "integer", "minimum": 1, "maximum": 999999},
        "item_code": {"type": "string", "minLength": 1, "maxLength": 50, "nullable": True},
        "description": {"type": "string", "maxLength": 500, "nullable": True},
        "quantity": {"type": "number", "minimum": 0, "nullable": True},
        "unit_price": {"type": "number", "nullable": True},
        "amount": {"type": "number", "nullable": True},
        "uom": {"type": "string", "maxLength": 20, "nullable": True},
        "status": {"type": "string", "enum": ["OPEN", "CLOSED", "CANCELLED"], "nullable": True},
        "created_at": {"type": "string", "readOnly": True},
        "updated_at": {"type": "string", "readOnly": True},
    },
    required=("po_number", "line_number"),
    key=("po_number", "line_number"),
    required_on_create=("quantity",),
    read_only=frozenset({"created_at", "updated_at"}),
    list_fields=frozenset(),
    closed=True,
    children={},
    checks=RowChecks(
        accepts=_purchaseorderline_accepts,
        accepts_new=_purchaseorderline_accepts_new,
        keeps=_purchaseorderline_keeps,
        key_of=_purchaseorderline_key_of,
    ),
)


class ReceiptLine(Entity):
    """Fields: ``components/schemas/ReceiptLine`` of the Customer API."""

    __slots__ = ()

    @property
    def po_number(self) -> str:
        return self._get("po_number")  # type: ignore[no-any-return]

    @po_number.setter
    def po_number(self, value: str) -> None:
        self._set_field("po_number", value)

    @property
    def po_line_number(self) -> int:
        return self._get("po_line_number")  # type: ignore[no-any-return]

    @po_line_number.setter
    def po_line_number(self, value: int) -> None:
        self._set_field("po_line_number", value)

    @property
    def quantity_received(self) -> float | None:
        return self._get("quantity_received")  # type: ignore[no-any-return]

    @quantity_received.setter
    def quantity_received(self, value: float | None) -> None:
        self._set_field("quantity_received", value)


class ReceiptLineValues(TypedDict, total=False):
    """The keywords ``new()`` takes for a ``ReceiptLine``: its settable fields, all optional until save."""

    po_number: str
    po_line_number: int
    quantity_received: float | None


class ReceiptLineList(EntityList[ReceiptLine]):
    """The ``ReceiptLine`` children of an entity; ``new()`` adds one."""

    __slots__ = ()

    def new(self, **values: Unpack[ReceiptLineValues]) -> ReceiptLine:
        return self._new(values)


ReceiptLine._meta = EntityMeta(
    "ReceiptLine",
    entity_class=ReceiptLine,
    properties={
        "po_number": {"type": "string", "minLength": 1, "maxLength": 50, "pattern": "^[A-Za-z0-9][A-Za-z0-9_./-]*$"},
        "po_line_number": {"type": "integer", "minimum": 1, "maximum": 999999},
        "quantity_received": {"type": "number", "minimum": 0, "nullable": True},
    },
    required=("po_number", "po_line_number"),
    key=("po_number", "po_line_number"),
    required_on_create=(),
    read_only=frozenset(),
    list_fields=frozenset(),
    closed=True,
    children={},
    checks=RowChecks(
        accepts=_receiptline_accepts,
        accepts_new=_receiptline_accepts_new,
        keeps=_receiptline_keeps,
        key_of=_receiptline_key_of,
    ),
    list_class=ReceiptLineList,
)


class Receipt(Entity):
    """Fields: ``components/schemas/Receipt`` of the Customer API."""

    __slots__ = ()

    @property
    def receipt_number(self) -> str:
        return self._get("receipt_number")  # type: ignore[no-any-return]

    @receipt_number.setter
    def receipt_number(self, value: str) -> None:
        self._set_field("receipt_number", value)

    @property
    def receipt_date(self) -> str | None:
        return self._get("receipt_date")  # type: ignore[no-any-return]

    @receipt_date.setter
    def receipt_date(self, value: str | None) -> None:
        self._set_field("receipt_date", value)

    @property
    def supplier_code(self) -> str | None:
        return self._get("supplier_code")  # type: ignore[no-any-return]

    @supplier_code.setter
    def supplier_code(self, value: str | None) -> None:
        self._set_field("supplier_code", value)

    @property
    def org_code(self) -> str | None:
        return self._get("org_code")  # type: ignore[no-any-return]

    @org_code.setter
    def org_code(self, value: str | None) -> None:
        self._set_field("org_code", value)

    @property
    def lines(self) -> ReceiptLineList:
        return self._child_list("lines")  # type: ignore[return-value]

    @lines.setter
    def lines(self, value: Iterable[ReceiptLine | ReceiptLineValues]) -> None:
        self._set_children("lines", value)

    @property
    def created_at(self) -> str | None:
        return self._get("created_at")  # type: ignore[no-any-return]

    @property
    def updated_at(self) -> str | None:
        return self._get("updated_at")  # type: ignore[no-any-return]


class ReceiptValues(TypedDict, total=False):
    """The keywords ``new()`` takes for a ``Receipt``: its settable fields, all optional until save."""

    receipt_number: str
    receipt_date: str | None
    supplier_code: str | None
    org_code: str | None
    lines: Sequence[ReceiptLine | ReceiptLineValues]


Receipt._meta = EntityMeta(
    "Receipt",
    entity_class=Receipt,
    properties={
        "receipt_number": {
            "type": "string",
            "minLength": 1,
            "maxLength": 50,
            "pattern": "^[A-Za-z0-9][A-Za-z0-9_./-]*$",
        },
        "receipt_date": {
            "type": "string",
            "format": "date",
            "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
            "nullable": True,
        },
        "supplier_code": {"type": "string", "minLength": 1, "maxLength": 50, "nullable": True},
        "org_code": {"type": "string", "minLength": 1, "maxLength": 50, "nullable": True},
        "lines": {"type": "array", "nullable": True, "items": {"type": "object"}},
        "created_at": {"type": "string", "readOnly": True},
        "updated_at": {"type": "string", "readOnly": True},
    },
    required=("receipt_number",),
    key=("receipt_number",),
    required_on_create=("receipt_date",),
    read_only=frozenset({"created_at", "updated_at"}),
    list_fields=frozenset(),
    closed=True,
    children={"lines": ReceiptLine._meta},
    checks=RowChecks(
        accepts=_receipt_accepts, accepts_new=_receipt_accepts_new, keeps=_receipt_keeps, key_of=_receipt_key_of
    ),
)


class PaymentLine(Entity):
    """Applies part of a payment to one invoice, named by invoice_token or by. Fields: ``components/schemas/PaymentLine`` of the Customer API."""

    __slots__ = ()

    @property
    def line_number(self) -> int:
        return self._get("line_number")  # type: ignore[no-any-return]

    @line_number.setter
    def line_number(self, value: int) -> None:
        self._set_field("line_number", value)

    @property
    def invoice_token(self) -> str | None:
        return self._get("invoice_token")  # type: ignore[no-any-return]

    @invoice_token.setter
    def invoice_token(self, value: str | None) -> None:
        self._set_field("invoice_token", value)

    @property
    def invoice_number(self) -> str | None:
        return self._get("invoice_number")  # type: ignore[no-any-return]

    @invoice_number.setter
    def invoice_number(self, value: str | None) -> None:
        self._set_field("invoice_number", value)

    @property
    def supplier_code(self) -> str | None:
        return self._get("supplier_code")  # type: ignore[no-any-return]

    @supplier_code.setter
    def supplier_code(self, value: str | None) -> None:
        self._set_field("supplier_code", value)

    @property
    def amount(self) -> float | None:
        return self._get("amount")  # type: ignore[no-any-return]

    @amount.setter
    def amount(self, value: float | None) -> None:
        self._set_field("amount", value)


class PaymentLineValues(TypedDict, total=False):
    """The keywords ``new()`` takes for a ``PaymentLine``: its settable fields, all optional until save."""

    line_number: int
    invoice_token: str | None
    invoice_number: str | None
    supplier_code: str | None
    amount: float | None


class PaymentLineList(EntityList[PaymentLine]):
    """The ``PaymentLine`` children of an entity; ``new()`` adds one."""

    __slots__ = ()

    def new(self, **values: Unpack[PaymentLineValues]) -> PaymentLine:
        return self._new(values)


PaymentLine._meta = EntityMeta(
    "PaymentLine",
    entity_class=PaymentLine,
    properties={
        "line_number": {"type": "integer", "minimum": 1, "maximum": 999999},
        "invoice_token": {"type": "string", "minLength": 1, "maxLength": 64, "nullable": True},
        "invoice_number": {"type": "string", "minLength": 1, "maxLength": 100, "nullable": True},
        "supplier_code": {"type": "string", "minLength": 1, "maxLength": 50, "nullable": True},
        "amount": {"type": "number", "nullable": True},
    },
    required=("line_number",),
    key=("line_number",),
    required_on_create=(),
    read_only=frozenset(),
    list_fields=frozenset(),
    closed=True,
    children={},
    checks=RowChecks(
        accepts=_paymentline_accepts,
        accepts_new=_paymentline_accepts_new,
        keeps=_paymentline_keeps,
        key_of=_paymentline_key_of,
    ),
    list_class=PaymentLineList,
)


class Payment(Entity):
    """Fields: ``components/schemas/Payment`` of the Customer API."""

    __slots__ = ()

    @property
    def payment_number(self) -> str:
        return self._get("payment_number")  # type: ignore[no-any-return]

    @payment_number.setter
    def payment_number(self, value: str) -> None:
        self._set_field("payment_number", value)

    @property
    def payment_date(self) -> str | None:
        return self._get("payment_date")  # type: ignore[no-any-return]

    @payment_date.setter
    def payment_date(self, value: str | None) -> None:
        self._set_field("payment_date", value)

    @property
    def supplier_code(self) -> str | None:
        return self._get("supplier_code")  # type: ignore[no-any-return]

    @supplier_code.setter
    def supplier_code(self, value: str | None) -> None:
        self._set_field("supplier_code", value)

    @property
    def currency_code(self) -> str | None:
        return self._get("currency_code")  # type: ignore[no-any-return]

    @currency_code.setter
    def currency_code(self, value: str | None) -> None:
        self._set_field("currency_code", value)

    @property
    def amount(self) -> float | None:
        return self._get("amount")  # type: ignore[no-any-return]

    @amount.setter
    def amount(self, value: float | None) -> None:
        self._set_field("amount", value)

    @property
    def method(self) -> Literal["BANK_TRANSFER", "CARD", "CHEQUE", "DIRECT_DEBIT", "OTHER"] | None:
        return self._get("method")  # type: ignore[no-any-return]

    @method.setter
    def method(self, value: Literal["BANK_TRANSFER", "CARD", "CHEQUE", "DIRECT_DEBIT", "OTHER"] | None) -> None:
        self._set_field("method", value)

    @property
    def reference(self) -> str | None:
        return self._get("reference")  # type: ignore[no-any-return]

    @reference.setter
    def reference(self, value: str | None) -> None:
        self._set_field("reference", value)

    @property
    def lines(self) -> PaymentLineList:
        return self._child_list("lines")  # type: ignore[return-value]

    @lines.setter
    def lines(self, value: Iterable[PaymentLine | PaymentLineValues]) -> None:
        self._set_children("lines", value)

    @property
    def created_at(self) -> str | None:
        return self._get("created_at")  # type: ignore[no-any-return]

    @property
    def updated_at(self) -> str | None:
        return self._get("updated_at")  # type: ignore[no-any-return]


class PaymentValues(TypedDict, total=False):
    """The keywords ``new()`` takes for a ``Payment``: its settable fields, all optional until save."""

    payment_number: str
    payment_date: str | None
    supplier_code: str | None
    currency_code: str | None
    amount: float | None
    method: Literal["BANK_TRANSFER", "CARD", "CHEQUE", "DIRECT_DEBIT", "OTHER"] | None
    reference: str | None
    lines: Sequence[PaymentLine | PaymentLineValues]


Payment._meta = EntityMeta(
    "Payment",
    entity_class=Payment,
    properties={
        "payment_number": {
            "type": "string",
            "minLength": 1,
            "maxLength": 50,
            "pattern": "^[A-Za-z0-9][A-Za-z0-9_./-]*$",
        },
        "payment_date": {
            "type": "string",
            "format": "date",
            "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
            "nullable": True,
        },
        "supplier_code": {"type": "string", "minLength": 1, "maxLength": 50, "nullable": True},
        "currency_code": {"type": "string", "format": "iso4217", "pattern": "^[A-Z]{3}$", "nullable": True},
        "amount": {"type": "number", "nullable": True},
        "method": {
            "type": "string",
            "enum": ["BANK_TRANSFER", "CARD", "CHEQUE", "DIRECT_DEBIT", "OTHER"],
            "nullable": True,
        },
        "reference": {"type": "string", "maxLength": 140, "nullable": True},
        "lines": {"type": "array", "nullable": True, "items": {"type": "object"}},
        "created_at": {"type": "string", "readOnly": True},
        "updated_at": {"type": "string", "readOnly": True},
    },
    required=("payment_number",),
    key=("payment_number",),
    required_on_create=("payment_date", "currency_code", "amount"),
    read_only=frozenset({"created_at", "updated_at"}),
    list_fields=frozenset(),
    closed=True,
    children={"lines": PaymentLine._meta},
    checks=RowChecks(
        accepts=_payment_accepts, accepts_new=_payment_accepts_new, keeps=_payment_keeps, key_of=_payment_key_of
    ),
)


class User(Entity):
    """Fields: ``components/schemas/User`` of the Customer API."""

    __slots__ = ()

    @property
    def email(self) -> str:
        return self._get("email")  # type: ignore[no-any-return]

    @email.setter
    def email(self, value: str) -> None:
        self._set_field("email", value)

    @property
    def display_name(self) -> str | None:
        return self._get("display_name")  # type: ignore[no-any-return]

    @display_name.setter
    def display_name(self, value: str | None) -> None:
        self._set_field("display_name", value)

    @property
    def kind(self) -> Literal["human", "service"] | None:
        return self._get("kind")  # type: ignore[no-any-return]

    @kind.setter
    def kind(self, value: Literal["human", "service"] | None) -> None:
        self._set_field("kind", value)

    @property
    def roles(self) -> list[Literal["AP_CLERK", "AP_MANAGER", "APPROVER", "ADMIN", "INTEGRATION", "VIEWER"]] | None:
        return self._get_list("roles")  # type: ignore[no-any-return]

    @roles.setter
    def roles(
        self, value: list[Literal["AP_CLERK", "AP_MANAGER", "APPROVER", "ADMIN", "INTEGRATION", "VIEWER"]] | None
    ) -> None:
        self._set_field("roles", value)

    @property
    def active(self) -> bool | None:
        return self._get("active")  # type: ignore[no-any-return]

    @active.setter
    def active(self, value: bool | None) -> None:
        self._set_field("active", value)

    @property
    def last_activity_at(self) -> str | None:
        """When the user was last active; null if never."""
        return self._get("last_activity_at")  # type: ignore[no-any-return]

    @property
    def created_at(self) -> str | None:
        return self._get("created_at")  # type: ignore[no-any-return]

    @property
    def updated_at(self) -> str | None:
        return self._get("updated_at")  # type: ignore[no-any-return]


class UserValues(TypedDict, total=False):
    """The keywords ``new()`` takes for a ``User``: its settable fields, all optional until save."""

    email: str
    display_name: str | None
    kind: Literal["human", "service"] | None
    roles: list[Literal["AP_CLERK", "AP_MANAGER", "APPROVER", "ADMIN", "INTEGRATION", "VIEWER"]] | None
    active: bool | None


User._meta = EntityMeta(
    "User",
    entity_class=User,
    properties={
        "email": {
            "type": "string",
            "minLength": 3,
            "maxLength": 254,
            "pattern": "^[^@\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]+@[^@\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]+\\.[^@\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]+$",
        },
        "display_name": {"type": "string", "minLength": 1, "maxLength": 200, "nullable": True},
        "kind": {"type": "string", "enum": ["human", "service"], "nullable": True},
        "roles": {
            "type": "array",
            "nullable": True,
            "items": {
                "type": "string",
                "enum": ["AP_CLERK", "AP_MANAGER", "APPROVER", "ADMIN", "INTEGRATION", "VIEWER"],
            },
        },
        "active": {"type": "boolean", "nullable": True},
        "last_activity_at": {"type": "string", "nullable": True, "readOnly": True},
        "created_at": {"type": "string", "readOnly": True},
        "updated_at": {"type": "string", "readOnly": True},
    },
    required=("email",),
    key=("email",),
    required_on_create=("display_name", "kind"),
    read_only=frozenset({"created_at", "last_activity_at", "updated_at"}),
    list_fields=frozenset({"roles"}),
    closed=True,
    children={},
    checks=RowChecks(accepts=_user_accepts, accepts_new=_user_accepts_new, keeps=_user_keeps, key_of=_user_key_of),
)


class LifecycleMessageCreate(Entity):
    """`code` is a plain string, not the LifecycleCode enum: an unknown code is. Fields: ``components/schemas/LifecycleMessageCreate`` of the Customer API."""

    __slots__ = ()

    @property
    def code(self) -> str:
        return self._get("code")  # type: ignore[no-any-return]

    @code.setter
    def code(self, value: str) -> None:
        self._set_field("code", value)

    @property
    def occurred_at(self) -> str | None:
        """An RFC 3339 instant with an offset or Z; defaults to now; must be"""
        return self._get("occurred_at")  # type: ignore[no-any-return]

    @occurred_at.setter
    def occurred_at(self, value: str | None) -> None:
        self._set_field("occurred_at", value)

    @property
    def actor_display_name(self) -> str | None:
        return self._get("actor_display_name")  # type: ignore[no-any-return]

    @actor_display_name.setter
    def actor_display_name(self, value: str | None) -> None:
        self._set_field("actor_display_name", value)

    @property
    def clarification_code(self) -> str | None:
        return self._get("clarification_code")  # type: ignore[no-any-return]

    @clarification_code.setter
    def clarification_code(self, value: str | None) -> None:
        self._set_field("clarification_code", value)

    @property
    def note_internal(self) -> str | None:
        return self._get("note_internal")  # type: ignore[no-any-return]

    @note_internal.setter
    def note_internal(self, value: str | None) -> None:
        self._set_field("note_internal", value)

    @property
    def note_supplier(self) -> str | None:
        return self._get("note_supplier")  # type: ignore[no-any-return]

    @note_supplier.setter
    def note_supplier(self, value: str | None) -> None:
        self._set_field("note_supplier", value)

    @property
    def reference_type(self) -> Literal["PO_NUMBER", "PAYMENT_REF", "CREDIT_NOTE", "OTHER"] | None:
        return self._get("reference_type")  # type: ignore[no-any-return]

    @reference_type.setter
    def reference_type(self, value: Literal["PO_NUMBER", "PAYMENT_REF", "CREDIT_NOTE", "OTHER"] | None) -> None:
        self._set_field("reference_type", value)

    @property
    def reference_value(self) -> str | None:
        return self._get("reference_value")  # type: ignore[no-any-return]

    @reference_value.setter
    def reference_value(self, value: str | None) -> None:
        self._set_field("reference_value", value)


class LifecycleMessageCreateValues(TypedDict, total=False):
    """The keywords ``new()`` takes for a ``LifecycleMessageCreate``: its settable fields, all optional until save."""

    code: str
    occurred_at: str | None
    actor_display_name: str | None
    clarification_code: str | None
    note_internal: str | None
    note_supplier: str | None
    reference_type: Literal["PO_NUMBER", "PAYMENT_REF", "CREDIT_NOTE", "OTHER"] | None
    reference_value: str | None


LifecycleMessageCreate._meta = EntityMeta(
    "LifecycleMessageCreate",
    entity_class=LifecycleMessageCreate,
    properties={
        "code": {"type": "string", "minLength": 1, "maxLength": 64},
        "occurred_at": {
            "type": "string",
            "maxLength": 64,
            "pattern": "^(([0-9]{3}[1-9]|[0-9]{2}[1-9][0-9]|[0-9][1-9][0-9]{2}|[1-9][0-9]{3})-((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31)|([0-9]{2}(0[48]|[2468][048]|[13579][26])|([02468][048]|[13579][26])00)-02-29)[Tt]([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]{1,9})?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$",
        },
        "actor_display_name": {"type": "string", "maxLength": 200},
        "clarification_code": {"type": "string", "maxLength": 64},
        "note_internal": {"type": "string", "maxLength": 4000},
        "note_supplier": {"type": "string", "maxLength": 4000},
        "reference_type": {"type": "string", "enum": ["PO_NUMBER", "PAYMENT_REF", "CREDIT_NOTE", "OTHER"]},
        "reference_value": {"type": "string", "maxLength": 255},
    },
    required=("code",),
    key=("code",),
    required_on_create=(),
    read_only=frozenset(),
    list_fields=frozenset(),
    closed=True,
    children={},
    checks=RowChecks(
        accepts=_lifecyclemessagecreate_accepts,
        accepts_new=_lifecyclemessagecreate_accepts_new,
        keeps=_lifecyclemessagecreate_keeps,
        key_of=_lifecyclemessagecreate_key_of,
    ),
)


class InvoiceImportRequest(Entity):
    """One invoice to create. `fields` are keyed by the customer's invoice. Fields: ``components/schemas/InvoiceImportRequest`` of the Customer API."""

    __slots__ = ()

    @property
    def source_key(self) -> str:
        """The caller's key for a source document, unique per tenant (e.g. `sha256:<hex>` of the original file)."""
        return self._get("source_key")  # type: ignore[no-any-return]

    @source_key.setter
    def source_key(self, value: str) -> None:
        self._set_field("source_key", value)

    @property
    def supplier_code(self) -> str | None:
        return self._get("supplier_code")  # type: ignore[no-any-return]

    @supplier_code.setter
    def supplier_code(self, value: str | None) -> None:
        self._set_field("supplier_code", value)

    @property
    def supplier_location_code(self) -> str | None:
        return self._get("supplier_location_code")  # type: ignore[no-any-return]

    @supplier_location_code.setter
    def supplier_location_code(self, value: str | None) -> None:
        self._set_field("supplier_location_code", value)

    @property
    def erp_company_code(self) -> str | None:
        return self._get("erp_company_code")  # type: ignore[no-any-return]

    @erp_company_code.setter
    def erp_company_code(self, value: str | None) -> None:
        self._set_field("erp_company_code", value)

    @property
    def ext_reference_1(self) -> str | None:
        return self._get("ext_reference_1")  # type: ignore[no-any-return]

    @ext_reference_1.setter
    def ext_reference_1(self, value: str | None) -> None:
        self._set_field("ext_reference_1", value)

    @property
    def ext_reference_2(self) -> str | None:
        return self._get("ext_reference_2")  # type: ignore[no-any-return]

    @ext_reference_2.setter
    def ext_reference_2(self, value: str | None) -> None:
        self._set_field("ext_reference_2", value)

    @property
    def ext_reference_3(self) -> str | None:
        return self._get("ext_reference_3")  # type: ignore[no-any-return]

    @ext_reference_3.setter
    def ext_reference_3(self, value: str | None) -> None:
        self._set_field("ext_reference_3", value)

    @property
    def ext_reference_4(self) -> str | None:
        return self._get("ext_reference_4")  # type: ignore[no-any-return]

    @ext_reference_4.setter
    def ext_reference_4(self, value: str | None) -> None:
        self._set_field("ext_reference_4", value)

    @property
    def ext_reference_5(self) -> str | None:
        return self._get("ext_reference_5")  # type: ignore[no-any-return]

    @ext_reference_5.setter
    def ext_reference_5(self, value: str | None) -> None:
        self._set_field("ext_reference_5", value)

    @property
    def fields(self) -> dict[str, Any]:
        """Keyed by the customer's invoice template keys."""
        return self._get("fields")  # type: ignore[no-any-return]

    @fields.setter
    def fields(self, value: dict[str, Any]) -> None:
        self._set_field("fields", value)

    @property
    def lines(self) -> list[dict[str, Any]] | None:
        return self._get_list("lines")  # type: ignore[no-any-return]

    @lines.setter
    def lines(self, value: list[dict[str, Any]] | None) -> None:
        self._set_field("lines", value)

    @property
    def addresses(self) -> list[dict[str, Any]] | None:
        return self._get_list("addresses")  # type: ignore[no-any-return]

    @addresses.setter
    def addresses(self, value: list[dict[str, Any]] | None) -> None:
        self._set_field("addresses", value)

    @property
    def files(self) -> list[dict[str, Any]]:
        return self._get_list("files")  # type: ignore[no-any-return]

    @files.setter
    def files(self, value: list[dict[str, Any]]) -> None:
        self._set_field("files", value)


class InvoiceImportRequestValues(TypedDict, total=False):
    """The keywords ``new()`` takes for a ``InvoiceImportRequest``: its settable fields, all optional until save."""

    source_key: str
    supplier_code: str | None
    supplier_location_code: str | None
    erp_company_code: str | None
    ext_reference_1: str | None
    ext_reference_2: str | None
    ext_reference_3: str | None
    ext_reference_4: str | None
    ext_reference_5: str | None
    fields: dict[str, Any]
    lines: list[dict[str, Any]] | None
    addresses: list[dict[str, Any]] | None
    files: list[dict[str, Any]]


InvoiceImportRequest._meta = EntityMeta(
    "InvoiceImportRequest",
    entity_class=InvoiceImportRequest,
    properties={
        "source_key": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[A-Za-z0-9][A-Za-z0-9._:-]*$"},
        "supplier_code": {
            "type": "string",
            "minLength": 1,
            "maxLength": 50,
            "pattern": "^[A-Za-z0-9][A-Za-z0-9_./-]*$",
            "nullable": True,
        },
        "supplier_location_code": {
            "type": "string",
            "minLength": 1,
            "maxLength": 50,
            "pattern": "^[A-Za-z0-9][A-Za-z0-9_./-]*$",
            "nullable": True,
        },
        "erp_company_code": {"type": "string", "minLength": 1, "maxLength": 50, "nullable": True},
        "ext_reference_1": {"type": "string", "maxLength": 255, "nullable": True},
        "ext_reference_2": {"type": "string", "maxLength": 255, "nullable": True},
        "ext_reference_3": {"type": "string", "maxLength": 255, "nullable": True},
        "ext_reference_4": {"type": "string", "maxLength": 255, "nullable": True},
        "ext_reference_5": {"type": "string", "maxLength": 255, "nullable": True},
        "fields": {"type": "object"},
        "lines": {"type": "array", "items": {"type": "object"}},
        "addresses": {"type": "array", "items": {"type": "object"}},
        "files": {"type": "array", "items": {"type": "object"}},
    },
    required=("source_key", "fields", "files"),
    key=("source_key", "fields", "files"),
    required_on_create=(),
    read_only=frozenset(),
    list_fields=frozenset({"addresses", "files", "lines"}),
    closed=True,
    children={},
    checks=RowChecks(
        accepts=_invoiceimportrequest_accepts,
        accepts_new=_invoiceimportrequest_accepts_new,
        keeps=_invoiceimportrequest_keeps,
        key_of=_invoiceimportrequest_key_of,
    ),
)
