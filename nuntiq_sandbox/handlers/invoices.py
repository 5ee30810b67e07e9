"""Invoices: claim under a lease, read, acknowledge, report the result - one by one or in batches.

Leases expire lazily: whenever invoices are claimed, read or changed, a 92
whose lease has lapsed first goes back to the status it was claimed from. The
invoice keeps the id and expiry of its last lease, which is how a late caller
is told LEASE_EXPIRED rather than a bare INVOICE_STATE_INVALID.

The batch operations (``acknowledgeInvoices``, ``reportIntegrationResults``)
run the single calls' state changes (``acknowledge_in``, ``report_in``) item
by item inside one transaction; a refusal of one item is its outcome, not the
batch's.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import sqlite3
from collections.abc import Mapping
from datetime import timedelta
from functools import cache
from typing import Any
from urllib.parse import quote

from starlette.responses import Response

from nuntiq_sandbox._constants import (
    CLAIMABLE_STATUSES,
    STATUS_FAILED,
    STATUS_INTEGRATING,
    STATUS_PENDING_RESULT,
    STATUS_PROCESSED,
    status_name,
)
from nuntiq_sandbox._problems import ApiProblem, problem_body, validation_problem
from nuntiq_sandbox._spec import customer_spec
from nuntiq_sandbox._store import Store, api_time, db_time, parse_instant
from nuntiq_sandbox.handlers._common import caller_of, dumps, json_response, new_id, not_found
from nuntiq_sandbox.handlers._intake import complete_due_intake

__all__ = [
    "InvoiceHandlers",
    "acknowledge_in",
    "expire_leases",
    "insert_invoice",
    "invoice_json",
    "load_invoice",
    "report_in",
]

EXT_KEYS = tuple(f"ext_reference_{n}" for n in range(1, 6))
REFERENCE_KEYS = ("invoice_number", "supplier_code", "supplier_location_code", "erp_company_code")
# 92 (Integrating) whose lease lapsed goes back to 90/91.
_EXPIRE_SQL = (
    "UPDATE invoices SET status = COALESCE(claimed_from, 90), updated_at = ?"
    " WHERE status = 92 AND lease_expires_at <= ?"
)


def expire_leases(conn: sqlite3.Connection, now: str, *, tenant_id: str, token: str | None = None) -> None:
    """Give lapsed 92 invoices back to the status they were claimed from."""
    if token is None:
        conn.execute(_EXPIRE_SQL + " AND tenant_id = ?", (now, now, tenant_id))
    else:
        conn.execute(_EXPIRE_SQL + " AND tenant_id = ? AND token = ?", (now, now, tenant_id, token))


def load_invoice(conn: sqlite3.Connection, tenant_id: str, token: str, now: str) -> sqlite3.Row:
    """The caller's invoice after lazy lease expiry; another tenant's is 404."""
    expire_leases(conn, now, tenant_id=tenant_id, token=token)
    row = conn.execute("SELECT * FROM invoices WHERE token = ? AND tenant_id = ?", (token, tenant_id)).fetchone()
    if row is None:
        raise not_found("INVOICE_NOT_FOUND", f"Invoice {token!r}")
    return row  # type: ignore[no-any-return]


def _live(row: sqlite3.Row, now: str) -> bool:
    return (
        row["status"] in (STATUS_INTEGRATING, STATUS_PENDING_RESULT)
        and row["lease_id"] is not None
        and row["lease_expires_at"] is not None
        and row["lease_expires_at"] > now
    )


def _attachments(conn: sqlite3.Connection, invoice_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT attachment_id, file_name, content_type, size, sha256 FROM attachments WHERE invoice_id = ? ORDER BY id",
        (invoice_id,),
    ).fetchall()
    return [dict(row) for row in rows]


def invoice_json(conn: sqlite3.Connection, row: sqlite3.Row, now: str, *, admin: bool = False) -> dict[str, Any]:
    """The spec's Invoice; the admin view adds what only tests need to see."""
    live = _live(row, now)
    data: dict[str, Any] = {
        "invoice_token": row["token"],
        "invoice_id": row["id"],
        "status": row["status"],
        "status_name": status_name(row["status"]),
        **{key: row[key] for key in REFERENCE_KEYS},
        **{key: row[key] for key in EXT_KEYS},
        "fields": json.loads(row["fields"]),
        "addresses": json.loads(row["addresses"]),
        "lines": json.loads(row["lines"]),
        "attachments": _attachments(conn, row["id"]),
        "lease_expires_at": api_time(row["lease_expires_at"]) if live else None,
        "failure_code": row["failure_code"],
        "failure_message": row["failure_message"],
        "external_id_1": row["external_id_1"],
        "external_id_2": row["external_id_2"],
        "external_id_3": row["external_id_3"],
        "created_at": api_time(row["created_at"]),
        "updated_at": api_time(row["updated_at"]),
    }
    if admin:
        data.update(
            tenant_id=row["tenant_id"],
            lease_id=row["lease_id"],
            lease_live=live,
            claimed_from=row["claimed_from"],
            latest_code=row["latest_code"],
            external_message_1=row["external_message_1"],
            external_message_2=row["external_message_2"],
            external_message_3=row["external_message_3"],
        )
    return data


def _decode_attachment(index: int, attachment: Mapping[str, Any]) -> bytes:
    try:
        return base64.b64decode(str(attachment["content_base64"]), validate=True)
    except (binascii.Error, ValueError):
        raise validation_problem(f"attachments[{index}].content_base64", "is not valid base64") from None


def insert_invoice(conn: sqlite3.Connection, store: Store, tenant_id: str, data: Mapping[str, Any]) -> int:
    """Create one invoice with its attachments; used by the admin API and the seed."""
    now = db_time(store.now())
    created_at = now
    if data.get("created_at"):
        instant = parse_instant(str(data["created_at"]))
        if instant is None:
            raise validation_problem("created_at", "must be an ISO-8601 instant with an offset")
        created_at = db_time(instant)
    status = int(data.get("status", 90))
    if status == STATUS_INTEGRATING or (status >= 90 and status not in (90, 91, 93, 97, 100)):
        raise validation_problem("status", "must be below 90 (intake) or one of 90, 91, 93, 97, 100")
    token = str(data.get("invoice_token") or new_id())
    if conn.execute("SELECT 1 FROM invoices WHERE token = ?", (token,)).fetchone():
        raise ApiProblem(409, "INVOICE_TOKEN_TAKEN", f"An invoice with token {token!r} already exists.")
    lines = [
        {"line_number": int(line.get("line_number") or index + 1), "fields": dict(line.get("fields") or {})}
        for index, line in enumerate(data.get("lines") or [])
    ]
    ext = [data.get(key) for key in EXT_KEYS]
    cursor = conn.execute(
        "INSERT INTO invoices (token, tenant_id, status, invoice_number, supplier_code, supplier_location_code,"
        " erp_company_code, ext_reference_1, ext_reference_2, ext_reference_3, ext_reference_4, ext_reference_5,"
        " ext_key_1, ext_key_2, ext_key_3, ext_key_4, ext_key_5, fields, lines, addresses, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            token,
            tenant_id,
            status,
            *(data.get(key) for key in REFERENCE_KEYS),
            *ext,
            *(None if value is None else str(value).casefold() for value in ext),
            dumps(data.get("fields") or {}),
            dumps(lines),
            dumps(list(data.get("addresses") or [])),
            created_at,
            now,
        ),
    )
    invoice_id = int(cursor.lastrowid or 0)
    for index, attachment in enumerate(data.get("attachments") or []):
        content = _decode_attachment(index, attachment)
        conn.execute(
            "INSERT INTO attachments (attachment_id, invoice_id, file_name, content_type, size, sha256, content)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                new_id("att_")[:20],
                invoice_id,
                attachment["file_name"],
                attachment.get("content_type") or "application/octet-stream",
                len(content),
                hashlib.sha256(content).hexdigest(),
                content,
            ),
        )
    return invoice_id


def _state_invalid(row: sqlite3.Row, action: str) -> ApiProblem:
    status = int(row["status"])
    return ApiProblem(
        409,
        "INVOICE_STATE_INVALID",
        f"Cannot {action} invoice {row['token']!r} at status {status} ({status_name(status)}).",
        current_status=status,
    )


def _check_lease_id(row: sqlite3.Row, lease_id: str | None) -> None:
    if lease_id is not None and lease_id != row["lease_id"]:
        raise ApiProblem(
            409,
            "LEASE_MISMATCH",
            f"Lease {lease_id!r} is not the live lease of invoice {row['token']!r}.",
            current_status=row["status"],
        )


def _no_live_lease(row: sqlite3.Row, lease_id: str | None, action: str) -> ApiProblem:
    """LEASE_EXPIRED when the caller's lease lapsed, else INVOICE_STATE_INVALID."""
    lapsed = row["lease_id"] is not None and (lease_id is None or lease_id == row["lease_id"])
    if lapsed and row["status"] in (*CLAIMABLE_STATUSES, STATUS_PENDING_RESULT):
        return ApiProblem(
            409,
            "LEASE_EXPIRED",
            f"The lease on invoice {row['token']!r} expired at {api_time(row['lease_expires_at'])}; claim it again.",
            current_status=row["status"],
        )
    return _state_invalid(row, action)


def _status_json(row: sqlite3.Row, status: int, lease_expires_at: str | None, idempotent: bool) -> dict[str, Any]:
    return {
        "invoice_token": row["token"],
        "status": status,
        "status_name": status_name(status),
        "lease_expires_at": api_time(lease_expires_at),
        "idempotent": idempotent,
    }


def _lease_json(
    token: str, lease_id: str, status: int, previous: int, expires: str, number: str | None
) -> dict[str, Any]:
    return {
        "invoice_token": token,
        "lease_id": lease_id,
        "status": status,
        "previous_status": previous,
        "lease_expires_at": api_time(expires),
        "invoice_number": number,
        "idempotent": False,
    }


def acknowledge_in(
    conn: sqlite3.Connection, tenant_id: str, token: str, lease_id: str | None, now: str
) -> dict[str, Any]:
    """acknowledgeInvoice inside the caller's transaction: its InvoiceStatusResponse, or the ApiProblem it answers."""
    row = load_invoice(conn, tenant_id, token, now)
    if not _live(row, now):
        raise _no_live_lease(row, lease_id, "acknowledge")
    _check_lease_id(row, lease_id)
    if row["status"] == STATUS_PENDING_RESULT:
        return _status_json(row, STATUS_PENDING_RESULT, row["lease_expires_at"], True)
    conn.execute("UPDATE invoices SET status = ?, updated_at = ? WHERE id = ?", (STATUS_PENDING_RESULT, now, row["id"]))
    return _status_json(row, STATUS_PENDING_RESULT, row["lease_expires_at"], False)


def _failure_code_required(fields: list[str]) -> ApiProblem:
    message = "is required when success is false"
    return ApiProblem(
        400,
        "FAILURE_CODE_REQUIRED",
        "; ".join(f"{field}: {message}" for field in fields),
        errors=[{"field": field, "message": message} for field in fields],
    )


def report_in(
    conn: sqlite3.Connection, tenant_id: str, token: str, body: Mapping[str, Any], now: str
) -> dict[str, Any]:
    """reportIntegrationResult inside the caller's transaction (``failure_code`` already checked):
    its InvoiceStatusResponse, or the ApiProblem it answers."""
    success = bool(body["success"])
    row = load_invoice(conn, tenant_id, token, now)
    if _live(row, now):
        _check_lease_id(row, body.get("lease_id"))
    status = row["status"]
    if success and status == STATUS_PROCESSED:
        return _status_json(row, STATUS_PROCESSED, None, True)
    if success and status != STATUS_PENDING_RESULT:
        raise _state_invalid(row, "report success for")
    if not success and status not in (STATUS_INTEGRATING, STATUS_PENDING_RESULT):
        raise _state_invalid(row, "report failure for")
    new_status = STATUS_PROCESSED if success else STATUS_FAILED
    externals = [body.get(f"external_id_{n}") for n in (1, 2, 3)] + [
        body.get(f"external_message_{n}") for n in (1, 2, 3)
    ]
    conn.execute(
        "UPDATE invoices SET status = ?, lease_id = NULL, lease_expires_at = NULL, claimed_from = NULL,"
        " failure_code = ?, failure_message = ?,"
        " external_id_1 = COALESCE(?, external_id_1), external_id_2 = COALESCE(?, external_id_2),"
        " external_id_3 = COALESCE(?, external_id_3), external_message_1 = COALESCE(?, external_message_1),"
        " external_message_2 = COALESCE(?, external_message_2),"
        " external_message_3 = COALESCE(?, external_message_3), updated_at = ? WHERE id = ?",
        (
            new_status,
            None if success else body.get("failure_code"),
            None if success else body.get("failure_message"),
            *externals,
            now,
            row["id"],
        ),
    )
    return _status_json(row, new_status, None, False)


def _outcome(token: str, lease_id: str, done: Mapping[str, Any], applied: str) -> dict[str, Any]:
    """A batch item that went through: ``already`` where the single call would say ``idempotent: true``."""
    return {
        "invoice_token": token,
        "lease_id": lease_id,
        "outcome": "already" if done["idempotent"] else applied,
        "status": done["status"],
        "status_name": done["status_name"],
        "lease_expires_at": done["lease_expires_at"],
    }


def _refused(token: str, lease_id: str, problem: ApiProblem) -> dict[str, Any]:
    """A batch item refused with the problem the single call would have answered."""
    body = problem_body(problem.status, problem.code, problem.detail, "", **problem.extra)
    del body["request_id"]  # the batch's request id is on the response; an item has none of its own
    outcome: dict[str, Any] = {"invoice_token": token, "lease_id": lease_id, "outcome": "refused", "problem": body}
    current = problem.extra.get("current_status")
    if isinstance(current, int):
        outcome.update(status=current, status_name=status_name(current))
    return outcome


@cache
def _download_media_types() -> frozenset[str]:
    """The content types the spec lists for an attachment download."""
    operation = customer_spec()["paths"]["/invoices/{invoice_token}/attachments/{attachment_id}/content"]["get"]
    return frozenset(operation["responses"]["200"]["content"])


def served_media_type(stored: str) -> str:
    """An attachment is served with its stored type when the spec lists it, else as application/octet-stream."""
    media_type = stored.split(";")[0].strip().lower()
    return media_type if media_type in _download_media_types() else "application/octet-stream"


class InvoiceHandlers:
    """operationIds of the ``invoices`` tag."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def claim_invoices(self, token_info: dict[str, Any], body: dict[str, Any] | None = None) -> Response:
        caller = caller_of(token_info)
        body = body or {}
        state = body.get("state", "PendingIntegration")
        limit = int(body.get("limit", 20))
        ttl = timedelta(seconds=int(body.get("lease_ttl_seconds", 600)))
        with_invoices = "invoice" in (body.get("include") or ())
        if with_invoices and not caller.can("INVOICE_READ"):
            raise ApiProblem(403, "PERMISSION_DENIED", "include [invoice] needs the INVOICE_READ permission.")
        leases: list[dict[str, Any]] = []
        with self.store.transaction() as conn:
            complete_due_intake(conn, self.store, caller.tenant_id)
            now_dt = self.store.now()
            now, expires = db_time(now_dt), db_time(now_dt + ttl)
            expire_leases(conn, now, tenant_id=caller.tenant_id)
            if state == "PendingResult":
                rows = conn.execute(
                    "SELECT id, token, status, invoice_number FROM invoices WHERE tenant_id = ? AND status = ?"
                    " AND (lease_expires_at IS NULL OR lease_expires_at <= ?) ORDER BY created_at, id LIMIT ?",
                    (caller.tenant_id, STATUS_PENDING_RESULT, now, limit),
                ).fetchall()
            else:
                rows = conn.execute(
                    "SELECT id, token, status, invoice_number FROM invoices WHERE tenant_id = ? AND status IN (?, ?)"
                    " ORDER BY created_at, id LIMIT ?",
                    (caller.tenant_id, *CLAIMABLE_STATUSES, limit),
                ).fetchall()
            updates = []
            for row in rows:
                lease_id = new_id()
                new_status = STATUS_PENDING_RESULT if state == "PendingResult" else STATUS_INTEGRATING
                updates.append((new_status, row["status"], lease_id, expires, now, row["id"]))
                leases.append(
                    _lease_json(row["token"], lease_id, new_status, row["status"], expires, row["invoice_number"])
                )
            conn.executemany(
                "UPDATE invoices SET status = ?, claimed_from = ?, lease_id = ?, lease_expires_at = ?, updated_at = ?"
                " WHERE id = ?",
                updates,
            )
            if with_invoices and rows:
                # The invoices as getInvoice would return them now, under their new leases.
                ids = [row["id"] for row in rows]
                claimed = conn.execute(
                    f"SELECT * FROM invoices WHERE id IN ({', '.join('?' * len(ids))})",  # noqa: S608 - placeholders
                    ids,
                ).fetchall()
                by_id = {row["id"]: row for row in claimed}
                for lease, row in zip(leases, rows, strict=True):
                    lease["invoice"] = invoice_json(conn, by_id[row["id"]], now)
        return json_response({"leases": leases, "idempotent": False})

    def get_invoice(self, invoice_token: str, token_info: dict[str, Any]) -> Response:
        caller = caller_of(token_info)
        with self.store.transaction() as conn:
            complete_due_intake(conn, self.store, caller.tenant_id)
            now = db_time(self.store.now())
            row = load_invoice(conn, caller.tenant_id, invoice_token, now)
            data = invoice_json(conn, row, now)
        return json_response(data)

    def acknowledge_invoice(
        self, invoice_token: str, token_info: dict[str, Any], body: dict[str, Any] | None = None
    ) -> Response:
        caller = caller_of(token_info)
        lease_id = (body or {}).get("lease_id")
        with self.store.transaction() as conn:
            done = acknowledge_in(conn, caller.tenant_id, invoice_token, lease_id, db_time(self.store.now()))
        return json_response(done)

    def acknowledge_invoices(self, body: dict[str, Any], token_info: dict[str, Any]) -> Response:
        caller = caller_of(token_info)
        results: list[dict[str, Any]] = []
        with self.store.transaction() as conn:
            now = db_time(self.store.now())
            for item in body["items"]:
                token, lease_id = item["invoice_token"], item["lease_id"]
                try:
                    done = acknowledge_in(conn, caller.tenant_id, token, lease_id, now)
                except ApiProblem as problem:
                    results.append(_refused(token, lease_id, problem))
                else:
                    results.append(_outcome(token, lease_id, done, "acknowledged"))
        return json_response({"results": results, "idempotent": False})

    def report_integration_result(
        self, invoice_token: str, body: dict[str, Any], token_info: dict[str, Any]
    ) -> Response:
        caller = caller_of(token_info)
        if not body["success"] and not body.get("failure_code"):
            raise _failure_code_required(["failure_code"])
        with self.store.transaction() as conn:
            done = report_in(conn, caller.tenant_id, invoice_token, body, db_time(self.store.now()))
        return json_response(done)

    def report_integration_results(self, body: dict[str, Any], token_info: dict[str, Any]) -> Response:
        caller = caller_of(token_info)
        items = body["items"]
        missing = [
            f"items[{index}].failure_code"
            for index, item in enumerate(items)
            if not item["success"] and not item.get("failure_code")
        ]
        if missing:
            raise _failure_code_required(missing)
        results: list[dict[str, Any]] = []
        with self.store.transaction() as conn:
            now = db_time(self.store.now())
            for item in items:
                token, lease_id = item["invoice_token"], item["lease_id"]
                try:
                    done = report_in(conn, caller.tenant_id, token, item, now)
                except ApiProblem as problem:
                    results.append(_refused(token, lease_id, problem))
                else:
                    results.append(_outcome(token, lease_id, done, "reported"))
        return json_response({"results": results, "idempotent": False})

    def extend_invoice_lease(self, invoice_token: str, body: dict[str, Any], token_info: dict[str, Any]) -> Response:
        caller = caller_of(token_info)
        lease_id = body.get("lease_id")
        with self.store.transaction() as conn:
            now_dt = self.store.now()
            now = db_time(now_dt)
            row = load_invoice(conn, caller.tenant_id, invoice_token, now)
            if not _live(row, now):
                raise _no_live_lease(row, lease_id, "extend the lease of")
            _check_lease_id(row, lease_id)
            expires = db_time(now_dt + timedelta(seconds=int(body["lease_ttl_seconds"])))
            conn.execute(
                "UPDATE invoices SET lease_expires_at = ?, updated_at = ? WHERE id = ?", (expires, now, row["id"])
            )
        previous = row["claimed_from"] if row["claimed_from"] is not None else row["status"]
        lease = _lease_json(row["token"], row["lease_id"], row["status"], previous, expires, row["invoice_number"])
        return json_response(lease)

    def release_invoice_lease(
        self, invoice_token: str, token_info: dict[str, Any], body: dict[str, Any] | None = None
    ) -> Response:
        caller = caller_of(token_info)
        lease_id = (body or {}).get("lease_id")
        with self.store.transaction() as conn:
            now = db_time(self.store.now())
            row = load_invoice(conn, caller.tenant_id, invoice_token, now)
            if not _live(row, now):
                raise _no_live_lease(row, lease_id, "release")
            _check_lease_id(row, lease_id)
            # A 92 goes back where it was claimed from; a 93 stays, free for a PendingResult claim.
            new_status = row["status"]
            if new_status == STATUS_INTEGRATING:
                new_status = row["claimed_from"] if row["claimed_from"] is not None else CLAIMABLE_STATUSES[0]
            conn.execute(
                "UPDATE invoices SET status = ?, lease_id = NULL, lease_expires_at = NULL, updated_at = ? WHERE id = ?",
                (new_status, now, row["id"]),
            )
        return json_response(_status_json(row, new_status, None, False))

    def download_attachment(self, invoice_token: str, attachment_id: str, token_info: dict[str, Any]) -> Response:
        caller = caller_of(token_info)
        with self.store.transaction() as conn:
            row = load_invoice(conn, caller.tenant_id, invoice_token, db_time(self.store.now()))
            attachment = conn.execute(
                "SELECT file_name, content_type, sha256, content FROM attachments"
                " WHERE invoice_id = ? AND attachment_id = ?",
                (row["id"], attachment_id),
            ).fetchone()
        if attachment is None:
            raise not_found("ATTACHMENT_NOT_FOUND", f"Attachment {attachment_id!r} of invoice {invoice_token!r}")
        return Response(
            bytes(attachment["content"]),
            media_type=served_media_type(attachment["content_type"]),
            headers={
                "X-Content-SHA256": attachment["sha256"],
                "Content-Disposition": f"attachment; filename*=UTF-8''{quote(attachment['file_name'])}",
            },
        )
