"""Invoice documents as a supplier or scanner drops them: a one-page PDF, its JSON sidecar, an XML attachment.

Used by ``nuntiq demo`` and the inbound connector's tests, so the files they
drop on the SFTP server are real documents (the PDF opens in a viewer, with
a valid cross-reference table), generated at run time.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

__all__ = ["invoice_drop", "invoice_pdf", "invoice_sidecar", "invoice_xml"]


def _pdf_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def invoice_pdf(number: str, supplier: str, amount: str, currency: str = "EUR", date: str = "2026-11-02") -> bytes:
    """A one-page PDF 1.4 invoice naming its number, supplier, date and amount."""
    lines = [f"INVOICE {number}", f"Supplier: {supplier}", f"Date: {date}", f"Total: {amount} {currency}"]
    stream = "BT /F1 14 Tf 72 760 Td 18 TL " + " ".join(f"({_pdf_text(line)}) '" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        " /Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(stream.encode('latin-1'))} >>\nstream\n{stream}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for index, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{index} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def invoice_xml(number: str, supplier_code: str, amount: str, currency: str = "EUR", date: str = "2026-11-02") -> bytes:
    """A small UBL-like XML rendering of the same invoice (what e-invoicing suppliers attach)."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">\n'
        f"  <ID>{escape(number)}</ID>\n  <IssueDate>{escape(date)}</IssueDate>\n"
        f"  <DocumentCurrencyCode>{escape(currency)}</DocumentCurrencyCode>\n"
        f"  <AccountingSupplierParty><ID>{escape(supplier_code)}</ID></AccountingSupplierParty>\n"
        f'  <LegalMonetaryTotal><PayableAmount currencyID="{escape(currency)}">{escape(amount)}</PayableAmount>'
        "</LegalMonetaryTotal>\n</Invoice>\n"
    ).encode()


def invoice_sidecar(
    number: str,
    supplier_code: str = "SUP-100",
    amount: str = "1190.00",
    *,
    currency: str = "EUR",
    date: str = "2026-11-02",
    attachments: list[str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The sidecar JSON of ``connectors/sftp_invoice_pull.py`` for one invoice (19 % VAT on one line)."""
    net = (Decimal(amount) / Decimal("1.19")).quantize(Decimal("0.01"))
    sidecar: dict[str, Any] = {
        "supplier_code": supplier_code,
        "supplier_location_code": "MAIN",
        "erp_company_code": "EMEA",
        "ext_reference_1": "SCAN-INBOX",
        "fields": {
            "invoiceNumber": number,
            "invoiceDate": date,
            "currencyCode": currency,
            "grossAmount": amount,
            "supplierCode": supplier_code,
        },
        "lines": [{"line_number": 1, "fields": {"description": "Widgets", "quantity": 10, "amount": str(net)}}],
        "addresses": [{"role": "vendor", "address_name": "Acme Supplies GmbH", "city": "Berlin", "country_code": "DE"}],
    }
    if attachments:
        sidecar["attachments"] = attachments
    sidecar.update(extra)
    return sidecar


def invoice_drop(
    number: str, supplier_code: str = "SUP-100", amount: str = "1190.00", *, with_xml: bool = False, **extra: Any
) -> dict[str, bytes]:
    """The files of one invoice by name: ``<number>.pdf``, ``<number>.json`` and optionally ``<number>-ubl.xml``."""
    files = {f"{number}.pdf": invoice_pdf(number, "Acme Supplies GmbH", amount)}
    attachments: list[str] | None = extra.pop("attachments", None)
    if with_xml:
        files[f"{number}-ubl.xml"] = invoice_xml(number, supplier_code, amount)
        attachments = [*(attachments or []), f"{number}-ubl.xml"]
    sidecar = invoice_sidecar(number, supplier_code, amount, attachments=attachments, **extra)
    files[f"{number}.json"] = json.dumps(sidecar, indent=2).encode("utf-8")
    return files
