"""Ingestion in the sandbox: files checked and deduplicated, imports idempotent on source_key, intake on the clock."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from sandbox_helpers import Api, problem

from nuntiq_sandbox._constants import INGESTION_MAX_FILE_BYTES
from nuntiq_sandbox.testing import SandboxAdmin

pytestmark = pytest.mark.live

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
XML = b"<Invoice><ID>INV-9</ID></Invoice>"


def upload(api: Api, content: bytes, file_name: str = "INV-9.pdf", **params: Any) -> Any:
    query = {"sha256": hashlib.sha256(content).hexdigest(), "file_name": file_name, **params}
    return api.post(
        "/ingestion/files", params=query, content=content, headers={"Content-Type": "application/octet-stream"}
    )


def import_body(api: Api, source_key: str = "sha256:abc", **overrides: Any) -> dict[str, Any]:
    original = upload(api, PDF, content_type="application/pdf").json()
    extra = upload(api, XML, "INV-9.xml", content_type="application/xml").json()
    body: dict[str, Any] = {
        "source_key": source_key,
        "supplier_code": "SUP-100",
        "ext_reference_1": "ERP-A",
        "fields": {"invoiceNumber": "INV-9", "grossAmount": "119.00", "currencyCode": "EUR"},
        "lines": [{"line_number": 1, "fields": {"description": "Widgets", "amount": "100.00"}}],
        "addresses": [{"role": "vendor", "address_name": "Acme Supplies GmbH", "country_code": "DE"}],
        "files": [
            {"file_id": extra["file_id"], "role": "attachment"},
            {"file_id": original["file_id"], "role": "original"},
        ],
    }
    body.update(overrides)
    return body


def test_a_file_is_stored_once_per_tenant_and_found_by_sha256(make_api: Callable[..., Api]) -> None:
    api, other = make_api(), make_api()
    digest = hashlib.sha256(PDF).hexdigest()
    problem(api.get(f"/ingestion/files/{digest}"), 404, "FILE_NOT_FOUND")

    first = upload(api, PDF, content_type="application/pdf")
    again = upload(api, PDF, "renamed.pdf")

    assert first.status_code == 200, first.text
    stored = first.json()
    assert (stored["sha256"], stored["size"], stored["content_type"]) == (digest, len(PDF), "application/pdf")
    assert (stored["deduplicated"], again.json()["deduplicated"]) == (False, True)
    assert again.json()["file_id"] == stored["file_id"]
    assert api.get(f"/ingestion/files/{digest}").json()["file_id"] == stored["file_id"]
    # Another tenant neither sees nor shares the file.
    problem(other.get(f"/ingestion/files/{digest}"), 404, "FILE_NOT_FOUND")
    assert upload(other, PDF).json()["file_id"] != stored["file_id"]


def test_a_body_that_does_not_match_its_sha256_is_refused(api: Api) -> None:
    response = api.post(
        "/ingestion/files",
        params={"sha256": hashlib.sha256(b"other").hexdigest(), "file_name": "INV-9.pdf"},
        content=PDF,
        headers={"Content-Type": "application/octet-stream"},
    )
    body = problem(response, 400, "FILE_CHECKSUM_MISMATCH")
    assert hashlib.sha256(PDF).hexdigest() in body["detail"]
    problem(api.get(f"/ingestion/files/{hashlib.sha256(PDF).hexdigest()}"), 404, "FILE_NOT_FOUND")


def test_upload_parameters_are_validated_from_the_spec(api: Api) -> None:
    body = problem(upload(api, PDF, "../etc/passwd", content_type="pdf"), 400, "VALIDATION_ERROR")
    assert {error["field"] for error in body["errors"]} >= {"file_name", "content_type"}


def test_a_file_over_the_limit_is_refused(api: Api) -> None:
    content = b"\0" * (INGESTION_MAX_FILE_BYTES + 1)
    problem(upload(api, content, "huge.pdf"), 413, "FILE_TOO_LARGE")


def test_an_import_creates_a_claimable_invoice_with_its_files(api: Api) -> None:
    response = api.post("/ingestion/imports", json=import_body(api))

    assert response.status_code == 200, response.text
    imported = response.json()
    assert (imported["status"], imported["invoice_status"], imported["idempotent"]) == ("ready", 90, False)
    token = imported["invoice_token"]
    invoice = api.get(f"/invoices/{token}").json()
    assert (invoice["invoice_number"], invoice["supplier_code"], invoice["ext_reference_1"]) == (
        "INV-9",
        "SUP-100",
        "ERP-A",
    )
    assert invoice["lines"][0]["fields"]["description"] == "Widgets"
    assert invoice["addresses"][0]["address_name"] == "Acme Supplies GmbH"
    # The original comes first, then the attachments; each downloads with its own bytes.
    names = [(a["file_name"], a["content_type"]) for a in invoice["attachments"]]
    assert names == [("INV-9.pdf", "application/pdf"), ("INV-9.xml", "application/xml")]
    for attachment, content in zip(invoice["attachments"], (PDF, XML), strict=True):
        download = api.get(f"/invoices/{token}/attachments/{attachment['attachment_id']}/content")
        assert download.content == content
    messages = api.get(f"/invoices/{token}/lifecycle-messages").json()["data"]
    assert [m["code"] for m in messages] == ["RECEIVED", "CAPTURED", "VALIDATED"]
    assert {m["source"] for m in messages} == {"NUNTIQ"}
    [lease] = api.post("/invoices/claim", json={}).json()["leases"]
    assert lease["invoice_token"] == token


def test_same_source_key_same_content_answers_the_first_import(api: Api) -> None:
    body = import_body(api)
    first = api.post("/ingestion/imports", json=body).json()
    reordered = {key: body[key] for key in reversed(list(body))}
    again = api.post("/ingestion/imports", json=reordered).json()

    assert again["invoice_token"] == first["invoice_token"]
    assert (again["import_id"], again["idempotent"]) == (first["import_id"], True)
    assert len(api.post("/invoices/claim", json={"limit": 10}).json()["leases"]) == 1


def test_same_source_key_different_content_is_a_conflict(api: Api) -> None:
    body = import_body(api)
    api.post("/ingestion/imports", json=body)
    changed = {**body, "fields": {**body["fields"], "grossAmount": "120.00"}}
    problem(api.post("/ingestion/imports", json=changed), 409, "SOURCE_KEY_CONFLICT")


def test_files_must_name_exactly_one_original_the_tenant_uploaded(make_api: Callable[..., Api]) -> None:
    api, other = make_api(), make_api()
    foreign = upload(other, b"foreign").json()["file_id"]
    body = import_body(api, files=[{"file_id": foreign, "role": "attachment"}])
    errors = problem(api.post("/ingestion/imports", json=body), 400, "INVALID_FILE_REFERENCE")["errors"]
    assert {error["field"] for error in errors} == {"files", "files[0].file_id"}
    problem(api.get("/ingestion/imports/sha256:abc"), 404, "IMPORT_NOT_FOUND")


def test_intake_completes_after_the_tenants_delay_on_the_sandbox_clock(api: Api, admin: SandboxAdmin) -> None:
    admin.set_intake_delay(api.tenant.tenant_id, 120)
    imported = api.post("/ingestion/imports", json=import_body(api, "doc-1")).json()
    token = imported["invoice_token"]

    assert (imported["status"], imported["invoice_status"], imported["invoice_status_name"]) == ("intake", 10, "Intake")
    assert api.post("/invoices/claim", json={}).json()["leases"] == []
    problem(api.post(f"/invoices/{token}/lifecycle-messages", json={"code": "ERP_RECEIVED"}), 422, "INVOICE_NOT_READY")

    admin.advance_clock(121)

    status = api.get("/ingestion/imports/doc-1").json()
    assert (status["status"], status["invoice_status"]) == ("ready", 90)
    assert status["intake_completed_at"] is not None
    assert [lease["invoice_token"] for lease in api.post("/invoices/claim", json={}).json()["leases"]] == [token]


def test_admin_completes_pending_intake_at_once(api: Api, admin: SandboxAdmin) -> None:
    admin.set_intake_delay(api.tenant.tenant_id, 3600)
    token = api.post("/ingestion/imports", json=import_body(api, "doc-2")).json()["invoice_token"]

    assert admin.complete_intake(api.tenant.tenant_id) == [token]
    assert admin.complete_intake(api.tenant.tenant_id) == []
    assert admin.get_invoice(token)["status"] == 90


def test_a_replayed_idempotency_key_does_not_import_twice(api: Api) -> None:
    body = import_body(api, "doc-3")
    headers = {"Idempotency-Key": "import-doc-3"}
    first = api.post("/ingestion/imports", json=body, headers=headers).json()
    replay = api.post("/ingestion/imports", json=body, headers=headers).json()
    assert (replay["invoice_token"], replay["idempotent"]) == (first["invoice_token"], True)
