"""Lifecycle messages: the state machine on writes, the timeline and the poll.

The catalog (codes, tiers, transitions) is ``nuntiq_spec.catalog.CATALOG``,
read from the spec; nothing here restates it. Checks run in the order the
product docs imply, so that the first thing wrong with a post is the thing
reported.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Any

from starlette.responses import Response

from nuntiq_sandbox._constants import POLL_LIMIT_DEFAULT, POLL_LIMIT_MAX
from nuntiq_sandbox._problems import ApiProblem, validation_problem
from nuntiq_sandbox._store import Store, db_time, parse_db_time, parse_instant
from nuntiq_sandbox.handlers._common import caller_of, json_response, not_found
from nuntiq_sandbox.handlers._intake import complete_due_intake
from nuntiq_sandbox.handlers._messages import record_message
from nuntiq_sandbox.handlers.invoices import EXT_KEYS, load_invoice
from nuntiq_spec.catalog import CATALOG

__all__ = ["LifecycleHandlers", "catalog_json", "message_json"]


def _instant_text(stored: str) -> str:
    """``...:00.000000Z`` reads better as ``...:00Z``; real fractions are kept."""
    return stored[:19] + "Z" if stored.endswith(".000000Z") else stored


def message_json(
    row: Mapping[str, Any], invoice_id: int | str, *, include_internal: bool, with_ext: bool = False
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": row["id"],
        "invoice_id": invoice_id,
        "invoice_token": row["invoice_token"],
        "code": row["code"],
        "tier": row["tier"],
        "source": row["source"],
        "actor_type": row["actor_type"],
        "actor_id": row["actor_id"],
        "actor_display_name": row["actor_display_name"],
        "occurred_at": _instant_text(row["occurred_at"]),
        "recorded_at": row["recorded_at"],
        "clarification_code": row["clarification_code"],
        "note_internal": row["note_internal"] if include_internal else None,
        "note_supplier": row["note_supplier"],
        "reference_type": row["reference_type"],
        "reference_value": row["reference_value"],
    }
    for key in EXT_KEYS:
        data[key] = row[key] if with_ext else None
    return data


def catalog_json() -> dict[str, Any]:
    return {
        "codes": [
            {
                "code": code,
                "tier": CATALOG.tier(code),
                "terminal": CATALOG.is_terminal(code),
                "next": list(CATALOG.next_codes(code)),
            }
            for code in CATALOG.codes
        ],
        "initial": list(CATALOG.initial),
    }


def _encode_cursor(recorded_at: str, message_id: int) -> str:
    raw = json.dumps([recorded_at, message_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[str, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        recorded_at, message_id = json.loads(raw)
        if not isinstance(recorded_at, str) or type(message_id) is not int:
            raise TypeError(cursor)
        parse_db_time(recorded_at)
    except (binascii.Error, ValueError, TypeError):
        raise ApiProblem(400, "INVALID_CURSOR", "cursor is not a next_cursor this API returned.") from None
    return recorded_at, message_id


class LifecycleHandlers:
    """operationIds of the ``lifecycle`` tag."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._catalog = catalog_json()

    def post_lifecycle_message(self, invoice_token: str, body: dict[str, Any], token_info: dict[str, Any]) -> Response:
        caller = caller_of(token_info)
        with self.store.transaction() as conn:
            complete_due_intake(conn, self.store, caller.tenant_id)
            invoice = load_invoice(conn, caller.tenant_id, invoice_token, db_time(self.store.now()))
            row = record_message(conn, self.store, invoice, body, caller=caller)
        return json_response(
            {"message": message_json(row, invoice_token, include_internal=True), "idempotent": False}, 201
        )

    def post_lifecycle_message_by_reference(self, body: dict[str, Any], token_info: dict[str, Any]) -> Response:
        caller = caller_of(token_info)
        sql = "SELECT token FROM invoices WHERE tenant_id = ? AND invoice_number = ? AND supplier_code = ?"
        params: list[Any] = [caller.tenant_id, body["invoice_number"], body["supplier_code"]]
        for key in ("supplier_location_code", "erp_company_code"):
            if body.get(key) is not None:
                sql += f" AND {key} = ?"
                params.append(body[key])
        with self.store.transaction() as conn:
            complete_due_intake(conn, self.store, caller.tenant_id)
            matches = conn.execute(sql, params).fetchall()
            reference = f"invoice_number={body['invoice_number']!r}, supplier_code={body['supplier_code']!r}"
            if not matches:
                raise not_found("INVOICE_NOT_FOUND", f"An invoice with {reference}")
            if len(matches) > 1:
                raise ApiProblem(
                    400,
                    "AMBIGUOUS_REFERENCE",
                    f"{len(matches)} invoices match {reference}; pass supplier_location_code and/or erp_company_code.",
                    match_count=len(matches),
                )
            token = matches[0]["token"]
            invoice = load_invoice(conn, caller.tenant_id, token, db_time(self.store.now()))
            row = record_message(conn, self.store, invoice, body, caller=caller)
        return json_response({"message": message_json(row, token, include_internal=True), "idempotent": False}, 201)

    def list_invoice_lifecycle_messages(
        self,
        invoice_token: str,
        token_info: dict[str, Any],
        tier: int | None = None,
        include_internal_notes: bool = False,
    ) -> Response:
        caller = caller_of(token_info)
        internal = bool(include_internal_notes) and caller.can("LIFECYCLE_READ_INTERNAL")
        sql = "SELECT m.*, ? AS invoice_token FROM lifecycle_messages m WHERE m.invoice_id = ?"
        with self.store.transaction() as conn:
            complete_due_intake(conn, self.store, caller.tenant_id)
            invoice = load_invoice(conn, caller.tenant_id, invoice_token, db_time(self.store.now()))
            params: list[Any] = [invoice["token"], invoice["id"]]
            if tier is not None:
                sql += " AND m.tier = ?"
                params.append(int(tier))
            rows = conn.execute(sql + " ORDER BY m.recorded_at, m.id", params).fetchall()
        data = [message_json(row, invoice_token, include_internal=internal) for row in rows]
        return json_response({"data": data})

    def poll_lifecycle_messages(
        self,
        since: str,
        token_info: dict[str, Any],
        tier: int | None = None,
        include_internal_notes: bool = False,
        limit: int = POLL_LIMIT_DEFAULT,
        cursor: str | None = None,
        **ext_references: str | None,
    ) -> Response:
        caller = caller_of(token_info)
        since_at = parse_instant(since)
        if since_at is None:
            raise validation_problem("since", "must be an ISO-8601 instant with an offset, e.g. 2026-05-17T08:00:00Z")
        references = {key: value for key in EXT_KEYS if (value := ext_references.get(key))}
        if not references:
            raise ApiProblem(
                400,
                "EXT_REFERENCE_REQUIRED",
                "Give at least one of ext_reference_1..ext_reference_5 to scope the poll.",
            )
        limit = max(1, min(int(limit), POLL_LIMIT_MAX))
        internal = bool(include_internal_notes) and caller.can("LIFECYCLE_READ_INTERNAL")
        sql = (
            "SELECT m.*, i.token AS invoice_token, i.ext_reference_1, i.ext_reference_2, i.ext_reference_3,"
            " i.ext_reference_4, i.ext_reference_5 FROM lifecycle_messages m JOIN invoices i ON i.id = m.invoice_id"
            " WHERE m.tenant_id = ? AND m.recorded_at > ?"
        )
        params: list[Any] = [caller.tenant_id, db_time(since_at)]
        if cursor is not None:
            after_at, after_id = _decode_cursor(cursor)
            sql += " AND (m.recorded_at > ? OR (m.recorded_at = ? AND m.id > ?))"
            params += [after_at, after_at, after_id]
        if tier is not None:
            sql += " AND m.tier = ?"
            params.append(int(tier))
        for key, value in references.items():
            # Stored casefolded: literal, case-insensitive equality; % and _ are just characters.
            sql += f" AND i.ext_key_{key[-1]} = ?"
            params.append(value.casefold())
        sql += " ORDER BY m.recorded_at, m.id LIMIT ?"
        params.append(limit + 1)
        with self.store.transaction() as conn:
            complete_due_intake(conn, self.store, caller.tenant_id)
            rows = conn.execute(sql, params).fetchall()
        page = rows[:limit]
        data = [message_json(row, row["invoice_id"], include_internal=internal, with_ext=True) for row in page]
        next_cursor = _encode_cursor(page[-1]["recorded_at"], page[-1]["id"]) if len(rows) > limit else None
        return json_response({"data": data, "next_cursor": next_cursor})

    def get_lifecycle_catalog(self) -> Response:
        return json_response(self._catalog)
