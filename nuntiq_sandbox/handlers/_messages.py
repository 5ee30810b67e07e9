"""Recording one lifecycle message: the catalog, the tenant's rules, the 30-day window and the state machine.

Below the handlers that record messages (lifecycle posts, intake completion,
the admin API, the demo seed), so none of them imports another to do it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from nuntiq_sandbox._constants import INTAKE_LIMIT, OCCURRED_AT_WINDOW_DAYS
from nuntiq_sandbox._problems import ApiProblem, validation_problem
from nuntiq_sandbox._store import Store, db_time, parse_instant
from nuntiq_sandbox.handlers._common import Caller
from nuntiq_spec.catalog import CATALOG

__all__ = ["record_message"]

_MESSAGE_TEXT_KEYS = ("clarification_code", "note_supplier", "reference_type", "reference_value")


def _given(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _tenant_config(conn: sqlite3.Connection, tenant_id: str) -> dict[str, Any]:
    row = conn.execute("SELECT config FROM tenants WHERE id = ?", (tenant_id,)).fetchone()
    return dict(json.loads(row["config"])) if row else {}


def record_message(
    conn: sqlite3.Connection,
    store: Store,
    invoice: sqlite3.Row,
    body: Mapping[str, Any],
    *,
    caller: Caller | None,
) -> dict[str, Any]:
    """Check and store one message; ``caller=None`` is the platform itself (admin API).

    The platform builds history: it skips the tenant rules, the 30-day window
    and the state machine, but not the catalog.
    """
    code = str(body["code"])
    if code not in CATALOG:
        raise ApiProblem(400, "INVALID_CODE", f"{code!r} is not a lifecycle code; see GET /v1/lifecycle-catalog.")
    now = store.now()
    if caller is not None:
        status = int(invoice["status"])
        if status < INTAKE_LIMIT:
            raise ApiProblem(
                422,
                "INVOICE_NOT_READY",
                f"Invoice {invoice['token']!r} is still in intake (status {status}); lifecycle messages need 90+.",
                current_status=status,
            )
        config = _tenant_config(conn, caller.tenant_id)
        if code in config.get("note_required_codes", []) and not (
            _given(body.get("note_supplier")) or _given(body.get("note_internal"))
        ):
            raise ApiProblem(400, "NOTE_REQUIRED", f"This customer requires note_supplier or note_internal for {code}.")
        if code in config.get("clarification_code_required_codes", []) and not _given(body.get("clarification_code")):
            raise ApiProblem(
                400, "CLARIFICATION_CODE_REQUIRED", f"This customer requires clarification_code for {code}."
            )
    occurred = now
    if body.get("occurred_at") is not None:
        parsed = parse_instant(str(body["occurred_at"]))
        if parsed is None:
            raise validation_problem(
                "occurred_at", "must be an ISO-8601 instant with an offset, e.g. 2026-05-17T08:00:00Z"
            )
        occurred = parsed
        if caller is not None and abs(occurred - now) > timedelta(days=OCCURRED_AT_WINDOW_DAYS):
            raise ApiProblem(
                400,
                "OCCURRED_AT_OUT_OF_RANGE",
                f"occurred_at must lie within {OCCURRED_AT_WINDOW_DAYS} days of now ({db_time(now)}).",
            )
    current = invoice["latest_code"]
    if caller is not None:
        if current is not None and CATALOG.is_terminal(current):
            raise ApiProblem(
                409,
                "TERMINAL_STATE",
                f"Invoice {invoice['token']!r} is at {current}, a terminal state; it accepts no further messages.",
                current_code=current,
            )
        allowed = CATALOG.next_codes(current)
        if code not in allowed:
            raise ApiProblem(
                409,
                "LIFECYCLE_TRANSITION_INVALID",
                f"{code} cannot follow {current or 'an empty timeline'}.",
                valid_next_codes=list(allowed),
                current_code=current,
            )
    if caller is None:
        source, actor_type, actor_id, actor_name = "NUNTIQ", "SYSTEM", None, body.get("actor_display_name") or "Nuntiq"
    else:
        source, actor_type, actor_id = "EXTERNAL_API", "API_CLIENT", caller.actor_id
        actor_name = body.get("actor_display_name") or caller.display_name
    row = {
        "tenant_id": invoice["tenant_id"],
        "invoice_id": invoice["id"],
        "code": code,
        "tier": CATALOG.tier(code),
        "source": source,
        "actor_type": actor_type,
        "actor_id": actor_id,
        "actor_display_name": actor_name,
        "occurred_at": db_time(occurred),
        "recorded_at": store.next_recorded_at(conn, invoice["tenant_id"]),
        "note_internal": body.get("note_internal"),
        **{key: body.get(key) for key in _MESSAGE_TEXT_KEYS},
    }
    cursor = conn.execute(
        f"INSERT INTO lifecycle_messages ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",  # noqa: S608
        tuple(row.values()),
    )
    conn.execute("UPDATE invoices SET latest_code = ? WHERE id = ?", (code, invoice["id"]))
    row.update(id=cursor.lastrowid, invoice_token=invoice["token"])
    return row
