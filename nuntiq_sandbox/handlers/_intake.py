"""Completing the intake of imported invoices, lazily, on the sandbox clock.

Invoices, lifecycle, ingestion and the admin API all complete due intake
before they read; it lives here, below all of them, so that none imports
another for it (they used to import each other in a circle).
"""

from __future__ import annotations

import sqlite3
from typing import Any

from nuntiq_sandbox._constants import STATUS_PENDING_INTEGRATION
from nuntiq_sandbox._store import Store, db_time
from nuntiq_sandbox.handlers._messages import record_message

__all__ = ["INTAKE_DELAY_KEY", "complete_due_intake", "complete_intake"]

INTAKE_DELAY_KEY = "intake_delay_seconds"


def complete_intake(
    conn: sqlite3.Connection, store: Store, *, tenant_id: str | None = None, force: bool = False
) -> list[str]:
    """Finish the intake of imports that are due (all pending ones with ``force``); their invoice tokens.

    Each invoice records CAPTURED and VALIDATED as the platform and moves to 90.
    """
    now = db_time(store.now())
    query = (
        "SELECT invoices.*, invoice_imports.import_id AS import_id FROM invoice_imports"
        " JOIN invoices ON invoices.id = invoice_imports.invoice_id WHERE invoice_imports.intake_completed_at IS NULL"
    )
    params: list[Any] = []
    if not force:
        query += " AND invoice_imports.intake_due_at <= ?"
        params.append(now)
    if tenant_id is not None:
        query += " AND invoice_imports.tenant_id = ?"
        params.append(tenant_id)
    rows = conn.execute(query + " ORDER BY invoice_imports.intake_due_at, invoices.id", params).fetchall()
    for row in rows:
        for code in ("CAPTURED", "VALIDATED"):
            record_message(conn, store, row, {"code": code}, caller=None)
        conn.execute(
            "UPDATE invoices SET status = ?, updated_at = ? WHERE id = ? AND status < ?",
            (STATUS_PENDING_INTEGRATION, now, row["id"], STATUS_PENDING_INTEGRATION),
        )
        conn.execute("UPDATE invoice_imports SET intake_completed_at = ? WHERE import_id = ?", (now, row["import_id"]))
    return [str(row["token"]) for row in rows]


def complete_due_intake(conn: sqlite3.Connection, store: Store, tenant_id: str) -> None:
    """Imported invoices whose intake is due reach 90 before anything reads or claims them."""
    complete_intake(conn, store, tenant_id=tenant_id)
