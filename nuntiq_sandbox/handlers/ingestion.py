"""Ingestion: files uploaded per tenant (deduplicated by sha256), imports that create invoices.

An import creates its invoice in intake (status 10, RECEIVED). Intake completes
on the sandbox clock: ``intake_delay_seconds`` (tenant config, default 0) after
the submit, the invoice records CAPTURED and VALIDATED and moves to 90
PendingIntegration. Like lease expiry, completion is lazy - it happens when
invoices are claimed or read, imports are read, or the admin API moves the
clock or completes intake - so a test decides exactly when it happens.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import timedelta
from typing import Any

from starlette.responses import Response

from nuntiq_sandbox._constants import (
    INGESTION_MAX_FILE_BYTES,
    STATUS_INTAKE_RECEIVED,
    STATUS_PENDING_INTEGRATION,
    status_name,
)
from nuntiq_sandbox._problems import ApiProblem
from nuntiq_sandbox._store import Store, api_time, db_time
from nuntiq_sandbox.handlers._common import caller_of, dumps, json_response, new_id, not_found
from nuntiq_sandbox.handlers._intake import INTAKE_DELAY_KEY, complete_intake
from nuntiq_sandbox.handlers._messages import record_message
from nuntiq_sandbox.handlers.invoices import insert_invoice

__all__ = ["IngestionHandlers"]

_IMPORT_KEYS = (
    "supplier_code",
    "supplier_location_code",
    "erp_company_code",
    *(f"ext_reference_{n}" for n in range(1, 6)),
)


def _file_json(row: sqlite3.Row, *, deduplicated: bool) -> dict[str, Any]:
    return {
        "file_id": row["file_id"],
        "sha256": row["sha256"],
        "size": row["size"],
        "file_name": row["file_name"],
        "content_type": row["content_type"],
        "created_at": api_time(row["created_at"]),
        "deduplicated": deduplicated,
        "idempotent": False,
    }


def _import_json(conn: sqlite3.Connection, row: sqlite3.Row, *, idempotent: bool) -> dict[str, Any]:
    invoice = conn.execute("SELECT token, status FROM invoices WHERE id = ?", (row["invoice_id"],)).fetchone()
    status = int(invoice["status"])
    return {
        "import_id": row["import_id"],
        "source_key": row["source_key"],
        "invoice_token": invoice["token"],
        "status": "intake" if status < STATUS_PENDING_INTEGRATION else "ready",
        "invoice_status": status,
        "invoice_status_name": status_name(status),
        "content_sha256": row["content_sha256"],
        "created_at": api_time(row["created_at"]),
        "intake_completed_at": api_time(row["intake_completed_at"]),
        "idempotent": idempotent,
    }


def _intake_delay(conn: sqlite3.Connection, tenant_id: str) -> float:
    row = conn.execute("SELECT config FROM tenants WHERE id = ?", (tenant_id,)).fetchone()
    config = json.loads(row["config"]) if row else {}
    return float(config.get(INTAKE_DELAY_KEY) or 0)


def _check_files(conn: sqlite3.Connection, tenant_id: str, files: list[dict[str, Any]]) -> list[sqlite3.Row]:
    """The uploaded files the import names, in order; every wrong reference in one 400 INVALID_FILE_REFERENCE."""
    errors: list[dict[str, str]] = []
    originals = [index for index, ref in enumerate(files) if ref["role"] == "original"]
    if len(originals) != 1:
        errors.append({"field": "files", "message": f"must name exactly one original, names {len(originals)}"})
    seen: set[str] = set()
    rows: list[sqlite3.Row] = []
    for index, ref in enumerate(files):
        if ref["file_id"] in seen:
            errors.append({"field": f"files[{index}].file_id", "message": f"{ref['file_id']!r} is named twice"})
            continue
        seen.add(ref["file_id"])
        row = conn.execute(
            "SELECT * FROM ingestion_files WHERE file_id = ? AND tenant_id = ?", (ref["file_id"], tenant_id)
        ).fetchone()
        if row is None:
            errors.append(
                {
                    "field": f"files[{index}].file_id",
                    "message": f"{ref['file_id']!r} is not a file this tenant uploaded",
                }
            )
        else:
            rows.append(row)
    if errors:
        detail = "; ".join(f"{error['field']}: {error['message']}" for error in errors)
        raise ApiProblem(400, "INVALID_FILE_REFERENCE", detail, errors=errors)
    return rows


class IngestionHandlers:
    """operationIds of the ``ingestion`` tag."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def upload_ingestion_file(
        self,
        body: bytes,
        sha256: str,
        file_name: str,
        token_info: dict[str, Any],
        content_type: str = "application/octet-stream",
    ) -> Response:
        caller = caller_of(token_info)
        content = bytes(body or b"")
        if len(content) > INGESTION_MAX_FILE_BYTES:
            raise ApiProblem(
                413,
                "FILE_TOO_LARGE",
                f"{file_name!r} is {len(content)} bytes; at most {INGESTION_MAX_FILE_BYTES} are accepted.",
            )
        actual = hashlib.sha256(content).hexdigest()
        if actual != sha256:
            raise ApiProblem(
                400,
                "FILE_CHECKSUM_MISMATCH",
                f"The body of {file_name!r} ({len(content)} bytes) has sha256 {actual}, not the declared {sha256}.",
                errors=[{"field": "sha256", "message": f"does not match the body's sha256 {actual}"}],
            )
        with self.store.transaction() as conn:
            row = conn.execute(
                "SELECT * FROM ingestion_files WHERE tenant_id = ? AND sha256 = ?", (caller.tenant_id, sha256)
            ).fetchone()
            if row is not None:
                return json_response(_file_json(row, deduplicated=True))
            file_id = new_id("fil_")[:24]
            conn.execute(
                "INSERT INTO ingestion_files (file_id, tenant_id, sha256, size, file_name, content_type, content,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    file_id,
                    caller.tenant_id,
                    sha256,
                    len(content),
                    file_name,
                    content_type,
                    content,
                    db_time(self.store.now()),
                ),
            )
            row = conn.execute("SELECT * FROM ingestion_files WHERE file_id = ?", (file_id,)).fetchone()
        return json_response(_file_json(row, deduplicated=False))

    def get_ingestion_file(self, sha256: str, token_info: dict[str, Any]) -> Response:
        caller = caller_of(token_info)
        with self.store.transaction() as conn:
            row = conn.execute(
                "SELECT * FROM ingestion_files WHERE tenant_id = ? AND sha256 = ?", (caller.tenant_id, sha256)
            ).fetchone()
        if row is None:
            raise not_found("FILE_NOT_FOUND", f"A file with sha256 {sha256}")
        return json_response(_file_json(row, deduplicated=False))

    def submit_invoice_import(self, body: dict[str, Any], token_info: dict[str, Any]) -> Response:
        caller = caller_of(token_info)
        source_key = str(body["source_key"])
        content_sha256 = hashlib.sha256(dumps(_canonical(body)).encode("utf-8")).hexdigest()
        with self.store.transaction() as conn:
            complete_intake(conn, self.store, tenant_id=caller.tenant_id)
            earlier = conn.execute(
                "SELECT * FROM invoice_imports WHERE tenant_id = ? AND source_key = ?", (caller.tenant_id, source_key)
            ).fetchone()
            if earlier is not None:
                if earlier["content_sha256"] != content_sha256:
                    raise ApiProblem(
                        409,
                        "SOURCE_KEY_CONFLICT",
                        f"source_key {source_key!r} was imported with different content (sha256"
                        f" {earlier['content_sha256']}); use a new source_key for a new document.",
                    )
                return json_response(_import_json(conn, earlier, idempotent=True))
            files = _check_files(conn, caller.tenant_id, list(body["files"]))
            fields = dict(body.get("fields") or {})
            number = fields.get("invoiceNumber")
            invoice_id = insert_invoice(
                conn,
                self.store,
                caller.tenant_id,
                {
                    "status": STATUS_INTAKE_RECEIVED,
                    "invoice_number": None if number is None else str(number),
                    **{key: body.get(key) for key in _IMPORT_KEYS},
                    "fields": fields,
                    "lines": body.get("lines") or [],
                    "addresses": body.get("addresses") or [],
                },
            )
            refs = sorted(zip(body["files"], files, strict=True), key=lambda pair: pair[0]["role"] != "original")
            for ref, stored in refs:
                conn.execute(
                    "INSERT INTO attachments (attachment_id, invoice_id, file_name, content_type, size, sha256,"
                    " content) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        new_id("att_")[:20],
                        invoice_id,
                        ref.get("file_name") or stored["file_name"],
                        ref.get("content_type") or stored["content_type"],
                        stored["size"],
                        stored["sha256"],
                        stored["content"],
                    ),
                )
            invoice = conn.execute("SELECT * FROM invoices WHERE id = ?", (invoice_id,)).fetchone()
            record_message(conn, self.store, invoice, {"code": "RECEIVED"}, caller=None)
            now = self.store.now()
            import_id = new_id("imp_")[:24]
            conn.execute(
                "INSERT INTO invoice_imports (import_id, tenant_id, source_key, content_sha256, invoice_id,"
                " intake_due_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    import_id,
                    caller.tenant_id,
                    source_key,
                    content_sha256,
                    invoice_id,
                    db_time(now + timedelta(seconds=_intake_delay(conn, caller.tenant_id))),
                    db_time(now),
                ),
            )
            complete_intake(conn, self.store, tenant_id=caller.tenant_id)
            row = conn.execute("SELECT * FROM invoice_imports WHERE import_id = ?", (import_id,)).fetchone()
            data = _import_json(conn, row, idempotent=False)
        return json_response(data)

    def get_invoice_import(self, source_key: str, token_info: dict[str, Any]) -> Response:
        caller = caller_of(token_info)
        with self.store.transaction() as conn:
            complete_intake(conn, self.store, tenant_id=caller.tenant_id)
            row = conn.execute(
                "SELECT * FROM invoice_imports WHERE tenant_id = ? AND source_key = ?", (caller.tenant_id, source_key)
            ).fetchone()
            if row is None:
                raise not_found("IMPORT_NOT_FOUND", f"An import with source_key {source_key!r}")
            data = _import_json(conn, row, idempotent=False)
        return json_response(data)


def _canonical(value: Any) -> Any:
    """The body with its keys sorted, so equal content hashes equal whatever the key order."""
    if isinstance(value, dict):
        return {key: _canonical(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_canonical(item) for item in value]
    return value
