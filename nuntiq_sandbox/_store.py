"""SQLite state and the sandbox clock.

One connection guarded by one lock: every handler does its reads and writes
inside ``store.transaction()``, so a claim's select-then-update is atomic
against any concurrent claimer and no two requests ever interleave inside
SQLite. All time comes from the sandbox clock (real UTC now plus an offset the
admin API moves), so tests can expire leases and runs without sleeping.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

__all__ = ["Store", "api_time", "db_time", "parse_db_time", "parse_instant"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tenants (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    customer_number TEXT NOT NULL,
    config TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tokens (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    token_sha256 TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    permissions TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    revoked_at TEXT
);
CREATE TABLE IF NOT EXISTS invoices (
    id INTEGER PRIMARY KEY,
    token TEXT NOT NULL UNIQUE,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    status INTEGER NOT NULL,
    claimed_from INTEGER,
    lease_id TEXT,
    lease_expires_at TEXT,
    latest_code TEXT,
    invoice_number TEXT,
    supplier_code TEXT,
    supplier_location_code TEXT,
    erp_company_code TEXT,
    ext_reference_1 TEXT, ext_reference_2 TEXT, ext_reference_3 TEXT, ext_reference_4 TEXT, ext_reference_5 TEXT,
    ext_key_1 TEXT, ext_key_2 TEXT, ext_key_3 TEXT, ext_key_4 TEXT, ext_key_5 TEXT,
    fields TEXT NOT NULL,
    lines TEXT NOT NULL,
    addresses TEXT NOT NULL,
    failure_code TEXT,
    failure_message TEXT,
    external_id_1 TEXT, external_id_2 TEXT, external_id_3 TEXT,
    external_message_1 TEXT, external_message_2 TEXT, external_message_3 TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS invoices_by_status ON invoices (tenant_id, status, created_at, id);
CREATE INDEX IF NOT EXISTS invoices_by_reference ON invoices (tenant_id, invoice_number, supplier_code);
CREATE TABLE IF NOT EXISTS attachments (
    id INTEGER PRIMARY KEY,
    attachment_id TEXT NOT NULL UNIQUE,
    invoice_id INTEGER NOT NULL REFERENCES invoices(id),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    content BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS attachments_by_invoice ON attachments (invoice_id, id);
CREATE TABLE IF NOT EXISTS lifecycle_messages (
    id INTEGER PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    invoice_id INTEGER NOT NULL REFERENCES invoices(id),
    code TEXT NOT NULL,
    tier INTEGER NOT NULL,
    source TEXT NOT NULL,
    actor_type TEXT NOT NULL,
    actor_id TEXT,
    actor_display_name TEXT,
    occurred_at TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    clarification_code TEXT,
    note_internal TEXT,
    note_supplier TEXT,
    reference_type TEXT,
    reference_value TEXT
);
CREATE INDEX IF NOT EXISTS messages_by_invoice ON lifecycle_messages (invoice_id, recorded_at, id);
CREATE INDEX IF NOT EXISTS messages_by_tenant ON lifecycle_messages (tenant_id, recorded_at, id);
CREATE TABLE IF NOT EXISTS delta_streams (
    tenant_id TEXT NOT NULL,
    connector_name TEXT NOT NULL,
    stream_name TEXT NOT NULL,
    cursor TEXT,
    cursor_type TEXT NOT NULL,
    updated_at TEXT,
    version INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, connector_name, stream_name)
);
CREATE TABLE IF NOT EXISTS delta_runs (
    run_id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    connector_name TEXT NOT NULL,
    stream_name TEXT NOT NULL,
    status TEXT NOT NULL,
    cursor_type TEXT NOT NULL,
    previous_cursor TEXT,
    new_cursor TEXT,
    records_processed INTEGER NOT NULL DEFAULT 0,
    metadata TEXT,
    error_message TEXT,
    started_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    finished_at TEXT,
    exclusive INTEGER NOT NULL DEFAULT 0,
    ttl_seconds INTEGER NOT NULL DEFAULT 60,
    stream_version INTEGER NOT NULL DEFAULT 0,
    cursor_outcome TEXT,
    stream_cursor TEXT
);
CREATE INDEX IF NOT EXISTS delta_runs_by_stream ON delta_runs (tenant_id, connector_name, stream_name, status);
CREATE TABLE IF NOT EXISTS master_rows (
    id INTEGER PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    object TEXT NOT NULL,
    table_name TEXT NOT NULL,
    row_key TEXT NOT NULL,
    data_json TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS master_rows_by_key ON master_rows (tenant_id, object, table_name, row_key);
CREATE TABLE IF NOT EXISTS full_loads (
    load_id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    object TEXT NOT NULL,
    table_name TEXT NOT NULL,
    status TEXT NOT NULL,
    staged_rows INTEGER NOT NULL DEFAULT 0,
    result_json TEXT,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    finished_at TEXT
);
CREATE INDEX IF NOT EXISTS full_loads_by_tenant ON full_loads (tenant_id, status, expires_at);
CREATE TABLE IF NOT EXISTS full_load_rows (
    load_id TEXT NOT NULL,
    row_key TEXT NOT NULL,
    data_json TEXT NOT NULL,
    PRIMARY KEY (load_id, row_key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS customer_data_tables (
    tenant_id TEXT NOT NULL,
    table_name TEXT NOT NULL,
    definition_json TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, table_name)
);
CREATE TABLE IF NOT EXISTS ingestion_files (
    file_id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    content BLOB NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (tenant_id, sha256)
);
CREATE TABLE IF NOT EXISTS invoice_imports (
    import_id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    source_key TEXT NOT NULL,
    content_sha256 TEXT NOT NULL,
    invoice_id INTEGER NOT NULL REFERENCES invoices(id),
    intake_due_at TEXT NOT NULL,
    intake_completed_at TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (tenant_id, source_key)
);
CREATE INDEX IF NOT EXISTS invoice_imports_pending ON invoice_imports (intake_completed_at, intake_due_at);
CREATE TABLE IF NOT EXISTS idempotency_keys (
    tenant_id TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    state TEXT NOT NULL,
    body BLOB,
    created_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, key)
);
"""

_CLOCK_KEY = "clock_offset_us"


def db_time(instant: datetime) -> str:
    """Fixed-width microsecond UTC text: sorts lexicographically in SQLite."""
    utc = instant.astimezone(UTC)
    return f"{utc.year:04d}-{utc:%m-%dT%H:%M:%S.%f}Z"  # %Y drops leading zeros of years before 1000


def parse_db_time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def api_time(text: str | None) -> str | None:
    """A stored time as the API shows it: whole seconds, UTC, ``Z``."""
    return None if text is None else text[:19] + "Z"


def parse_instant(text: str) -> datetime | None:
    """An ISO-8601 / RFC 3339 instant that names its offset (``Z`` or ``+hh:mm``), else None.

    RFC 3339 allows a lowercase ``t`` and ``z`` and a leap second (``:60``, read as ``:59``);
    an instant that falls outside the years 1-9999 once in UTC is clamped to their edge.
    """
    text = text.upper()  # no surrounding whitespace: the spec's instant pattern has none
    if len(text) > 19 and text[17:19] == "60":
        text = text[:17] + "59" + text[19:]
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        return None
    try:
        return value.astimezone(UTC)
    except OverflowError:
        edge = datetime.min if value.year == 1 else datetime.max
        return edge.replace(tzinfo=UTC)


class Store:
    """The sandbox's state: one SQLite connection, one lock, one clock."""

    def __init__(self, db: str = ":memory:") -> None:
        self._conn = sqlite3.connect(db, check_same_thread=False, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        if db != ":memory:" and not db.startswith("file::memory:"):
            self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute("PRAGMA foreign_keys=ON")
        self._conn.executescript(SCHEMA)
        self._add_missing_columns()
        with self.transaction() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (_CLOCK_KEY,)).fetchone()
            self._offset = timedelta(microseconds=int(row["value"])) if row else timedelta(0)
            # A request in flight when a file-backed sandbox stopped never finished.
            conn.execute("DELETE FROM idempotency_keys WHERE state = 'in_flight'")

    def _add_missing_columns(self) -> None:
        """A database file from an older sandbox gets the columns added since (all nullable)."""
        columns = {row["name"] for row in self._conn.execute("PRAGMA table_info(tokens)")}
        for name in ("expires_at", "revoked_at"):
            if name not in columns:
                self._conn.execute(f"ALTER TABLE tokens ADD COLUMN {name} TEXT")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Hold the lock for one atomic unit of work; roll back on any error."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    # -- the clock ---------------------------------------------------------

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    @property
    def clock_offset(self) -> timedelta:
        return self._offset

    def set_clock(self, instant: datetime) -> datetime:
        with self.transaction() as conn:
            self._save_offset(conn, instant - datetime.now(UTC))
        return self.now()

    def advance_clock(self, seconds: float) -> datetime:
        with self.transaction() as conn:
            self._save_offset(conn, self._offset + timedelta(seconds=seconds))
        return self.now()

    def _save_offset(self, conn: sqlite3.Connection, offset: timedelta) -> None:
        micros = offset // timedelta(microseconds=1)
        conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (_CLOCK_KEY, str(micros)),
        )
        self._offset = timedelta(microseconds=micros)

    def next_recorded_at(self, conn: sqlite3.Connection, tenant_id: str) -> str:
        """A ``recorded_at`` unique and strictly increasing within the tenant (call inside its transaction).

        Pollers keep the last ``recorded_at`` they saw as a watermark and pass
        it back as an exclusive ``since``; messages at one clock instant, or
        after the clock was set back, must still sort after it.
        """
        now = self.now()
        last = conn.execute(
            "SELECT MAX(recorded_at) AS last FROM lifecycle_messages WHERE tenant_id = ?", (tenant_id,)
        ).fetchone()["last"]
        if last is not None and now <= parse_db_time(last):
            now = parse_db_time(last) + timedelta(microseconds=1)
        return db_time(now)

    # -- small shared state --------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        with self.transaction() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row["value"])

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )
