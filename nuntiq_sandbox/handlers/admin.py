"""The sandbox's own admin API (``/_sandbox``): arrange state, move the clock, inject faults.

Not part of the Customer API: tests and demos use it to create tenants,
tokens and invoices, to write the platform's side of a timeline, and to make
time pass without waiting for it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from starlette.responses import Response

from nuntiq_sandbox._constants import TOKEN_PATTERN
from nuntiq_sandbox._middleware import FaultRegistry, WriteLog
from nuntiq_sandbox._problems import ApiProblem, validation_problem
from nuntiq_sandbox._store import Store, api_time, db_time, parse_instant
from nuntiq_sandbox._tokens import generate_token, hash_token
from nuntiq_sandbox.handlers._common import dumps, json_response, new_id, not_found
from nuntiq_sandbox.handlers._intake import INTAKE_DELAY_KEY, complete_due_intake, complete_intake
from nuntiq_sandbox.handlers._messages import record_message
from nuntiq_sandbox.handlers.invoices import insert_invoice, invoice_json, load_invoice
from nuntiq_sandbox.handlers.lifecycle import message_json
from nuntiq_sandbox.handlers.master_data import public_user, row_key
from nuntiq_spec.catalog import CATALOG

__all__ = ["AdminHandlers", "create_customer_data_table", "create_tenant", "create_token", "revoke_token"]

_CONFIG_KEYS = ("note_required_codes", "clarification_code_required_codes")
_MAX_TOKEN_LIFETIME_SECONDS = 315_360_000  # ten years, the admin spec's maximum


def create_tenant(
    store: Store, name: str, customer_number: str, config: dict[str, Any] | None = None
) -> dict[str, Any]:
    config = {key: list((config or {}).get(key) or []) for key in _CONFIG_KEYS}
    for key, codes in config.items():
        for index, code in enumerate(codes):
            if code not in CATALOG:
                raise ApiProblem(
                    400,
                    "INVALID_CODE",
                    f"config.{key}[{index}]: {code!r} is not a lifecycle code.",
                    errors=[{"field": f"config.{key}[{index}]", "message": "is not a lifecycle code"}],
                )
    tenant_id, created_at = new_id("ten_")[:20], db_time(store.now())
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO tenants (id, name, customer_number, config, created_at) VALUES (?, ?, ?, ?, ?)",
            (tenant_id, name, customer_number, dumps(config), created_at),
        )
    return {
        "tenant_id": tenant_id,
        "name": name,
        "customer_number": customer_number,
        "config": config,
        "created_at": api_time(created_at),
    }


def create_token(
    store: Store,
    tenant_id: str,
    display_name: str,
    permissions: list[str],
    token: str | None = None,
    expires_in_seconds: int | None = None,
) -> dict[str, Any]:
    """Issue a token; its value is returned here once and only its hash is kept.

    ``expires_in_seconds`` counts on the sandbox clock, so a test expires a token by moving the clock.
    """
    if token is not None and not TOKEN_PATTERN.fullmatch(token):
        raise validation_problem("token", "must look like ntq_sk_ followed by 40 lowercase hex characters")
    if expires_in_seconds is not None and not 1 <= expires_in_seconds <= _MAX_TOKEN_LIFETIME_SECONDS:
        raise validation_problem(
            "expires_in_seconds", f"{expires_in_seconds} is not between 1 and {_MAX_TOKEN_LIFETIME_SECONDS}"
        )
    token = token or generate_token()
    now = store.now()
    expires_at = None if expires_in_seconds is None else db_time(now + timedelta(seconds=expires_in_seconds))
    record = {
        "token_id": new_id("tok_")[:20],
        "tenant_id": tenant_id,
        "display_name": display_name,
        "actor_id": new_id(),
        "permissions": sorted(set(permissions)),
        "expires_at": api_time(expires_at),
        "revoked_at": None,
    }
    with store.transaction() as conn:
        if conn.execute("SELECT 1 FROM tenants WHERE id = ?", (tenant_id,)).fetchone() is None:
            raise not_found("TENANT_NOT_FOUND", f"Tenant {tenant_id!r}")
        if conn.execute("SELECT 1 FROM tokens WHERE token_sha256 = ?", (hash_token(token),)).fetchone():
            raise ApiProblem(409, "TOKEN_TAKEN", "That token value is already issued.")
        conn.execute(
            "INSERT INTO tokens (id, tenant_id, token_sha256, display_name, actor_id, permissions, created_at,"
            " expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                record["token_id"],
                tenant_id,
                hash_token(token),
                display_name,
                record["actor_id"],
                json.dumps(record["permissions"]),
                db_time(now),
                expires_at,
            ),
        )
    return {"token": token, **record}


def revoke_token(store: Store, token_id: str) -> dict[str, Any]:
    """Mark a token revoked (once; a second revoke keeps the first time); its record, without the value."""
    with store.transaction() as conn:
        conn.execute(
            "UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", (db_time(store.now()), token_id)
        )
        row = conn.execute(
            "SELECT id, tenant_id, display_name, actor_id, permissions, expires_at, revoked_at"
            " FROM tokens WHERE id = ?",
            (token_id,),
        ).fetchone()
    if row is None:
        raise not_found("TOKEN_NOT_FOUND", f"Token {token_id!r}")
    return {
        "token_id": row["id"],
        "tenant_id": row["tenant_id"],
        "display_name": row["display_name"],
        "actor_id": row["actor_id"],
        "permissions": json.loads(row["permissions"]),
        "expires_at": api_time(row["expires_at"]),
        "revoked_at": api_time(row["revoked_at"]),
    }


def create_customer_data_table(store: Store, tenant_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """Define a tenant's customer data table; returns the definition as the Customer API lists it."""
    columns = [
        {
            "name": column["name"],
            "type": column["type"],
            "required": bool(column.get("required", False)),
            "max_length": column.get("max_length"),
        }
        for column in body["columns"]
    ]
    names = [column["name"] for column in columns]
    for index, name in enumerate(names):
        if name in names[:index]:
            raise validation_problem(f"columns[{index}].name", f"{name!r} is defined twice")
    keys = list(body["key_columns"])
    for index, key in enumerate(keys):
        if key not in names:
            raise validation_problem(f"key_columns[{index}]", f"{key!r} is not one of the columns")
    for column in columns:
        if column["name"] in keys:
            column["required"] = True
    definition = {
        "table_name": body["table_name"],
        "description": body.get("description"),
        "columns": columns,
        "key_columns": keys,
    }
    with store.transaction() as conn:
        if conn.execute("SELECT 1 FROM tenants WHERE id = ?", (tenant_id,)).fetchone() is None:
            raise not_found("TENANT_NOT_FOUND", f"Tenant {tenant_id!r}")
        exists = conn.execute(
            "SELECT 1 FROM customer_data_tables WHERE tenant_id = ? AND table_name = ?", (tenant_id, body["table_name"])
        ).fetchone()
        if exists:
            raise ApiProblem(
                409, "CUSTOMER_DATA_TABLE_EXISTS", f"Tenant {tenant_id!r} already has a table {body['table_name']!r}."
            )
        conn.execute(
            "INSERT INTO customer_data_tables (tenant_id, table_name, definition_json, created_at) VALUES (?, ?, ?, ?)",
            (tenant_id, body["table_name"], dumps(definition), db_time(store.now())),
        )
    return definition


class AdminHandlers:
    """operationIds of ``openapi/sandbox-admin.yaml``."""

    def __init__(
        self, store: Store, faults: FaultRegistry, forget_token: Callable[[str], None], writes: WriteLog | None = None
    ) -> None:
        self.store = store
        self.faults = faults
        self._forget_token = forget_token
        self.writes = writes if writes is not None else WriteLog()

    def get_health(self) -> Response:
        return json_response({"status": "ok", "now": db_time(self.store.now())})

    def create_tenant(self, body: dict[str, Any]) -> Response:
        tenant = create_tenant(self.store, body["name"], body["customer_number"], body.get("config"))
        return json_response(tenant, 201)

    def create_token(self, tenant_id: str, body: dict[str, Any]) -> Response:
        record = create_token(
            self.store,
            tenant_id,
            body["display_name"],
            body["permissions"],
            body.get("token"),
            body.get("expires_in_seconds"),
        )
        return json_response(record, 201)

    def revoke_token(self, token_id: str) -> Response:
        record = revoke_token(self.store, token_id)
        self._forget_token(token_id)
        return json_response(record)

    def _tenant_exists(self, conn: Any, tenant_id: str) -> None:
        if conn.execute("SELECT 1 FROM tenants WHERE id = ?", (tenant_id,)).fetchone() is None:
            raise not_found("TENANT_NOT_FOUND", f"Tenant {tenant_id!r}")

    def create_invoice(self, body: dict[str, Any]) -> Response:
        with self.store.transaction() as conn:
            self._tenant_exists(conn, body["tenant_id"])
            invoice_id = insert_invoice(conn, self.store, body["tenant_id"], body)
            row = conn.execute("SELECT * FROM invoices WHERE id = ?", (invoice_id,)).fetchone()
            data = invoice_json(conn, row, db_time(self.store.now()), admin=True)
        return json_response(data, 201)

    def create_invoices(self, body: dict[str, Any]) -> Response:
        """Many invoices in one transaction: all or none."""
        tokens: list[str] = []
        with self.store.transaction() as conn:
            for tenant_id in {item["tenant_id"] for item in body["invoices"]}:
                self._tenant_exists(conn, tenant_id)
            for item in body["invoices"]:
                invoice_id = insert_invoice(conn, self.store, item["tenant_id"], item)
                tokens.append(conn.execute("SELECT token FROM invoices WHERE id = ?", (invoice_id,)).fetchone()[0])
        return json_response({"count": len(tokens), "invoice_tokens": tokens}, 201)

    def create_customer_data_table(self, tenant_id: str, body: dict[str, Any]) -> Response:
        definition = create_customer_data_table(self.store, tenant_id, body)
        return json_response(definition, 201)

    def set_user_activity(self, body: dict[str, Any]) -> Response:
        text = body.get("last_activity_at")
        instant = None if text is None else parse_instant(str(text))
        if text is not None and instant is None:
            raise validation_problem("last_activity_at", "must be an ISO-8601 instant with an offset")
        with self.store.transaction() as conn:
            self._tenant_exists(conn, body["tenant_id"])
            row = conn.execute(
                "SELECT id, data_json, created_at, updated_at FROM master_rows WHERE tenant_id = ? AND object = 'users'"
                " AND table_name = '' AND row_key = ?",
                (body["tenant_id"], row_key([body["email"]])),
            ).fetchone()
            if row is None:
                raise not_found("USER_NOT_FOUND", f"User {body['email']!r}")
            doc = json.loads(row["data_json"])
            doc["last_activity_at"] = None if instant is None else db_time(instant)
            conn.execute("UPDATE master_rows SET data_json = ? WHERE id = ?", (dumps(doc), row["id"]))
        return json_response(public_user(doc, row["created_at"], row["updated_at"]))

    def get_invoice(self, invoice_token: str) -> Response:
        with self.store.transaction() as conn:
            row = conn.execute("SELECT tenant_id FROM invoices WHERE token = ?", (invoice_token,)).fetchone()
            if row is None:
                raise not_found("INVOICE_NOT_FOUND", f"Invoice {invoice_token!r}")
            complete_due_intake(conn, self.store, row["tenant_id"])
            now = db_time(self.store.now())
            # Read the way the customer API does, so lazy intake and lease expiry apply first.
            invoice = load_invoice(conn, row["tenant_id"], invoice_token, now)
            data = invoice_json(conn, invoice, now, admin=True)
        return json_response(data)

    def add_platform_message(self, invoice_token: str, body: dict[str, Any]) -> Response:
        with self.store.transaction() as conn:
            invoice = conn.execute("SELECT * FROM invoices WHERE token = ?", (invoice_token,)).fetchone()
            if invoice is None:
                raise not_found("INVOICE_NOT_FOUND", f"Invoice {invoice_token!r}")
            row = record_message(conn, self.store, invoice, body, caller=None)
        return json_response({"message": message_json(row, invoice_token, include_internal=True)}, 201)

    def add_platform_messages(self, invoice_token: str, body: dict[str, Any]) -> Response:
        with self.store.transaction() as conn:
            invoice = conn.execute("SELECT * FROM invoices WHERE token = ?", (invoice_token,)).fetchone()
            if invoice is None:
                raise not_found("INVOICE_NOT_FOUND", f"Invoice {invoice_token!r}")
            for index, message in enumerate(body["messages"]):
                try:
                    record_message(conn, self.store, invoice, message, caller=None)
                except ApiProblem as problem:
                    problem.detail = f"messages[{index}]: {problem.detail}"
                    raise
        return json_response({"count": len(body["messages"])}, 201)

    def _clock(self) -> dict[str, Any]:
        return {"now": db_time(self.store.now()), "offset_seconds": self.store.clock_offset.total_seconds()}

    def get_clock(self) -> Response:
        return json_response(self._clock())

    def advance_clock(self, body: dict[str, Any]) -> Response:
        self.store.advance_clock(float(body["seconds"]))
        self._complete_due_intake()
        return json_response(self._clock())

    def _complete_due_intake(self) -> None:
        """Moving the clock finishes due intakes, so their messages show in polls at once."""
        with self.store.transaction() as conn:
            complete_intake(conn, self.store)

    def set_intake_delay(self, tenant_id: str, body: dict[str, Any]) -> Response:
        with self.store.transaction() as conn:
            row = conn.execute("SELECT * FROM tenants WHERE id = ?", (tenant_id,)).fetchone()
            if row is None:
                raise not_found("TENANT_NOT_FOUND", f"Tenant {tenant_id!r}")
            config = {**json.loads(row["config"]), INTAKE_DELAY_KEY: float(body["seconds"])}
            conn.execute("UPDATE tenants SET config = ? WHERE id = ?", (dumps(config), tenant_id))
        return json_response(
            {
                "tenant_id": tenant_id,
                "name": row["name"],
                "customer_number": row["customer_number"],
                "config": config,
                "created_at": api_time(row["created_at"]),
            }
        )

    def complete_intake(self, body: dict[str, Any] | None = None) -> Response:
        tenant_id = (body or {}).get("tenant_id")
        with self.store.transaction() as conn:
            if tenant_id is not None:
                self._tenant_exists(conn, tenant_id)
            tokens = complete_intake(conn, self.store, tenant_id=tenant_id, force=True)
        return json_response({"invoice_tokens": tokens})

    def set_clock(self, body: dict[str, Any]) -> Response:
        instant = parse_instant(str(body["now"]))
        if instant is None:
            raise validation_problem("now", "must be an ISO-8601 instant with an offset")
        self.store.set_clock(instant)
        self._complete_due_intake()
        return json_response(self._clock())

    def add_fault(self, body: dict[str, Any]) -> Response:
        if body.get("status") is None and body.get("latency_ms") is None and body.get("drop") is None:
            raise validation_problem("body", "give at least one of status, latency_ms, drop")
        if body.get("status") is not None and body.get("drop") is not None:
            raise validation_problem("drop", "cannot be combined with status")
        try:
            re.compile(body["path_regex"])
        except re.error as exc:
            raise validation_problem("path_regex", f"is not a valid regular expression ({exc})") from None
        tenant_id = body.get("tenant_id")
        if tenant_id is not None:
            with self.store.transaction() as conn:
                if conn.execute("SELECT 1 FROM tenants WHERE id = ?", (tenant_id,)).fetchone() is None:
                    raise validation_problem("tenant_id", f"no tenant {tenant_id!r}")
        rule = self.faults.add(
            path_regex=body["path_regex"],
            count=int(body.get("count", 1)),
            method=body.get("method"),
            status=body.get("status"),
            retry_after=body.get("retry_after"),
            latency_ms=body.get("latency_ms"),
            drop=body.get("drop"),
            tenant_id=tenant_id,
        )
        return json_response(rule.to_json(), 201)

    def list_faults(self) -> Response:
        return json_response({"data": [rule.to_json() for rule in self.faults.list()]})

    def get_writes(self, tenant_id: str) -> Response:
        with self.store.transaction() as conn:
            self._tenant_exists(conn, tenant_id)
        return json_response(self.writes.report(tenant_id))

    def clear_faults(self) -> Response:
        return json_response({"cleared": self.faults.clear()})
