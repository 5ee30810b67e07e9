"""Delta runs: shared runs under a short heartbeat lease, opt-in exclusive runs, a forward-only cursor.

Several runs of one (tenant, connector, stream) may be active at once unless
one of them is exclusive. A run holds a lease of ``run_ttl_seconds`` that a
heartbeat renews; a run whose lease lapsed counts as abandoned (its process
died). That is applied lazily whenever the stream or the run is touched, the
same way invoice leases expire.

Completing moves the stream's cursor only forward, compared by the run's
cursor_type: instants for ``timestamp_utc``, whole numbers for ``integer``;
for any other (opaque) type, only a run that started from the stream's current
cursor may replace it (``version`` counts the stores).
"""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import timedelta
from typing import Any

from starlette.responses import Response

from nuntiq_sandbox._problems import ApiProblem, validation_problem
from nuntiq_sandbox._store import Store, api_time, db_time, parse_instant
from nuntiq_sandbox.handlers._common import caller_of, dumps, json_response, new_id, not_found

__all__ = ["DeltaHandlers", "run_json"]

DEFAULT_RUN_TTL_SECONDS = 60
_INTEGER = re.compile(r"^-?[0-9]{1,30}$")
_ABANDON_SQL = (
    "UPDATE delta_runs SET status = 'abandoned', finished_at = ? WHERE status = 'running' AND expires_at <= ?"
    " AND tenant_id = ?"
)


def run_json(row: sqlite3.Row, *, idempotent: bool | None = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "run_id": row["run_id"],
        "connector_name": row["connector_name"],
        "stream_name": row["stream_name"],
        "status": row["status"],
        "cursor_type": row["cursor_type"],
        "previous_cursor": row["previous_cursor"],
        "new_cursor": row["new_cursor"],
        "records_processed": row["records_processed"],
        "metadata": json.loads(row["metadata"]) if row["metadata"] else {},
        "error_message": row["error_message"],
        "exclusive": bool(row["exclusive"]),
        "run_ttl_seconds": row["ttl_seconds"],
        "stream_cursor": row["stream_cursor"],
        "started_at": api_time(row["started_at"]),
        "expires_at": api_time(row["expires_at"]),
        "finished_at": api_time(row["finished_at"]),
    }
    if row["cursor_outcome"] is not None:
        data["cursor_outcome"] = row["cursor_outcome"]
    if idempotent is not None:
        data["idempotent"] = idempotent
    return data


def _comparable(cursor_type: str, cursor: str | None, *, field: str | None) -> object | None:
    """The cursor as a value that orders, or None (opaque type, or an old cursor that does not parse).

    With ``field`` set, a cursor that does not fit its type is a 400 naming that field.
    """
    if cursor is None:
        return None
    if cursor_type == "timestamp_utc":
        instant = parse_instant(cursor)
        if instant is None and field is not None:
            raise validation_problem(
                field,
                f"CURSOR_TYPE_MISMATCH: {cursor!r} is not an instant with an offset (cursor_type timestamp_utc)",
            )
        return instant
    if cursor_type == "integer":
        if _INTEGER.match(cursor) is None:
            if field is not None:
                raise validation_problem(
                    field, f"CURSOR_TYPE_MISMATCH: {cursor!r} is not a whole number (cursor_type integer)"
                )
            return None
        return int(cursor)
    return None


def _moves_forward(run: sqlite3.Row, stream: sqlite3.Row, new_cursor: str) -> bool:
    """Whether ``new_cursor`` may replace the stream's cursor (the caller already checked its type)."""
    cursor_type = run["cursor_type"]
    new = _comparable(cursor_type, new_cursor, field="new_cursor")
    if cursor_type not in ("timestamp_utc", "integer"):
        return bool(stream["version"] == run["stream_version"])  # opaque: nobody stored since this run began
    current = _comparable(cursor_type, stream["cursor"], field=None)
    return current is None or new > current  # type: ignore[operator]


class DeltaHandlers:
    """operationIds of the ``delta`` tag."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _abandon_stream(self, conn: sqlite3.Connection, tenant_id: str, connector: str, stream: str, now: str) -> None:
        conn.execute(
            _ABANDON_SQL + " AND connector_name = ? AND stream_name = ?", (now, now, tenant_id, connector, stream)
        )

    def _load_run(self, conn: sqlite3.Connection, tenant_id: str, run_id: str, now: str) -> sqlite3.Row:
        conn.execute(_ABANDON_SQL + " AND run_id = ?", (now, now, tenant_id, run_id))
        row = conn.execute(
            "SELECT * FROM delta_runs WHERE run_id = ? AND tenant_id = ?", (run_id, tenant_id)
        ).fetchone()
        if row is None:
            raise not_found("DELTA_RUN_NOT_FOUND", f"Delta run {run_id!r}")
        return row  # type: ignore[no-any-return]

    @staticmethod
    def _live_runs(conn: sqlite3.Connection, tenant_id: str, connector: str, stream: str) -> list[sqlite3.Row]:
        """Runs holding a live lease (call after ``_abandon_stream``), oldest first."""
        return conn.execute(
            "SELECT run_id, exclusive, expires_at FROM delta_runs WHERE tenant_id = ? AND connector_name = ?"
            " AND stream_name = ? AND status = 'running' ORDER BY started_at, rowid",
            (tenant_id, connector, stream),
        ).fetchall()  # fmt: skip

    def _require_running(self, conn: sqlite3.Connection, row: sqlite3.Row, action: str, now: str) -> None:
        """A running run may go on; a shared one that lapsed too, unless an exclusive run took the stream."""
        status = row["status"]
        if status == "running":
            return
        if status == "abandoned" and not row["exclusive"]:
            self._abandon_stream(conn, row["tenant_id"], row["connector_name"], row["stream_name"], now)
            live = self._live_runs(conn, row["tenant_id"], row["connector_name"], row["stream_name"])
            holder = next((r for r in live if r["exclusive"]), None)
            if holder is None:
                return
            raise ApiProblem(
                409,
                "DELTA_RUN_FINISHED",
                f"Cannot {action} run {row['run_id']!r}: its lease lapsed and exclusive run"
                f" {holder['run_id']!r} now holds the stream.",
                run_status=status,
            )
        why = " (its exclusive lease lapsed; another run may hold the stream)" if status == "abandoned" else ""
        raise ApiProblem(
            409,
            "DELTA_RUN_FINISHED",
            f"Cannot {action} run {row['run_id']!r}: it is already {status}{why}.",
            run_status=status,
        )

    def start_delta_run(self, body: dict[str, Any], token_info: dict[str, Any]) -> Response:
        caller = caller_of(token_info)
        connector, stream = body["connector_name"], body["stream_name"]
        cursor_type = body.get("cursor_type") or "timestamp_utc"
        ttl_seconds = int(body.get("run_ttl_seconds", DEFAULT_RUN_TTL_SECONDS))
        exclusive = bool(body.get("exclusive", False))
        with self.store.transaction() as conn:
            now_dt = self.store.now()
            now = db_time(now_dt)
            self._abandon_stream(conn, caller.tenant_id, connector, stream, now)
            live = self._live_runs(conn, caller.tenant_id, connector, stream)
            blocker = live[0] if exclusive and live else next((r for r in live if r["exclusive"]), None)
            if blocker is not None:
                kind = "exclusive run" if blocker["exclusive"] else "run"
                raise ApiProblem(
                    409,
                    "DELTA_RUN_ACTIVE",
                    f"{kind.capitalize()} {blocker['run_id']} of {connector}/{stream} is still active"
                    f" (its lease runs until {api_time(blocker['expires_at'])} unless renewed);"
                    f" {'an exclusive run needs the stream to itself' if exclusive else 'it holds the stream'}.",
                    active_run_id=blocker["run_id"],
                )
            conn.execute(
                "INSERT INTO delta_streams (tenant_id, connector_name, stream_name, cursor, cursor_type)"
                " VALUES (?, ?, ?, NULL, ?) ON CONFLICT (tenant_id, connector_name, stream_name)"
                " DO UPDATE SET cursor_type = excluded.cursor_type",
                (caller.tenant_id, connector, stream, cursor_type),
            )
            state = conn.execute(
                "SELECT cursor, version FROM delta_streams WHERE tenant_id = ?"
                " AND connector_name = ? AND stream_name = ?",
                (caller.tenant_id, connector, stream),
            ).fetchone()
            run_id = new_id("run_")
            conn.execute(
                "INSERT INTO delta_runs (run_id, tenant_id, connector_name, stream_name, status, cursor_type,"
                " previous_cursor, started_at, expires_at, exclusive, ttl_seconds, stream_version)"
                " VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?)",
                (
                    run_id,
                    caller.tenant_id,
                    connector,
                    stream,
                    cursor_type,
                    state["cursor"],
                    now,
                    db_time(now_dt + timedelta(seconds=ttl_seconds)),
                    int(exclusive),
                    ttl_seconds,
                    state["version"],
                ),
            )
            row = conn.execute("SELECT * FROM delta_runs WHERE run_id = ?", (run_id,)).fetchone()
        return json_response(run_json(row), 201)

    def get_delta_run(self, run_id: str, token_info: dict[str, Any]) -> Response:
        caller = caller_of(token_info)
        with self.store.transaction() as conn:
            row = self._load_run(conn, caller.tenant_id, run_id, db_time(self.store.now()))
        return json_response(run_json(row, idempotent=None))

    def heartbeat_delta_run(self, run_id: str, token_info: dict[str, Any]) -> Response:
        caller = caller_of(token_info)
        with self.store.transaction() as conn:
            now_dt = self.store.now()
            now = db_time(now_dt)
            row = self._load_run(conn, caller.tenant_id, run_id, now)
            self._require_running(conn, row, "renew the lease of", now)
            expires = db_time(now_dt + timedelta(seconds=int(row["ttl_seconds"])))
            conn.execute(
                "UPDATE delta_runs SET status = 'running', finished_at = NULL, expires_at = ? WHERE run_id = ?",
                (expires, run_id),
            )
            row = conn.execute("SELECT * FROM delta_runs WHERE run_id = ?", (run_id,)).fetchone()
        return json_response(run_json(row, idempotent=None))

    def complete_delta_run(self, run_id: str, body: dict[str, Any], token_info: dict[str, Any]) -> Response:
        caller = caller_of(token_info)
        new_cursor = body.get("new_cursor")
        with self.store.transaction() as conn:
            now = db_time(self.store.now())
            row = self._load_run(conn, caller.tenant_id, run_id, now)
            self._require_running(conn, row, "complete", now)
            key = (caller.tenant_id, row["connector_name"], row["stream_name"])
            stream = conn.execute(
                "SELECT * FROM delta_streams WHERE tenant_id = ? AND connector_name = ? AND stream_name = ?", key
            ).fetchone()
            if new_cursor is None:
                outcome = "not_given"
            elif _moves_forward(row, stream, new_cursor):
                outcome = "advanced"
                conn.execute(
                    "UPDATE delta_streams SET cursor = ?, version = version + 1, updated_at = ?"
                    " WHERE tenant_id = ? AND connector_name = ? AND stream_name = ?",
                    (new_cursor, now, *key),
                )
            else:
                outcome = "kept_current"
            stream_cursor = new_cursor if outcome == "advanced" else stream["cursor"]
            conn.execute(
                "UPDATE delta_runs SET status = 'completed', new_cursor = ?, records_processed = ?, metadata = ?,"
                " finished_at = ?, cursor_outcome = ?, stream_cursor = ? WHERE run_id = ?",
                (
                    new_cursor,
                    int(body.get("records_processed", 0)),
                    dumps(body.get("metadata") or {}),
                    now,
                    outcome,
                    stream_cursor,
                    run_id,
                ),
            )
            row = conn.execute("SELECT * FROM delta_runs WHERE run_id = ?", (run_id,)).fetchone()
        return json_response(run_json(row))

    def fail_delta_run(self, run_id: str, body: dict[str, Any], token_info: dict[str, Any]) -> Response:
        caller = caller_of(token_info)
        with self.store.transaction() as conn:
            now = db_time(self.store.now())
            row = self._load_run(conn, caller.tenant_id, run_id, now)
            if row["status"] not in ("running", "abandoned"):  # a lapsed run may still say why it stopped
                self._require_running(conn, row, "fail", now)
            conn.execute(
                "UPDATE delta_runs SET status = 'failed', error_message = ?, finished_at = ? WHERE run_id = ?",
                (body.get("error_message"), now, run_id),
            )
            row = conn.execute("SELECT * FROM delta_runs WHERE run_id = ?", (run_id,)).fetchone()
        return json_response(run_json(row))

    def get_delta_state(self, connector_name: str, stream_name: str, token_info: dict[str, Any]) -> Response:
        caller = caller_of(token_info)
        key = (caller.tenant_id, connector_name, stream_name)
        with self.store.transaction() as conn:
            self._abandon_stream(conn, *key, db_time(self.store.now()))
            state = conn.execute(
                "SELECT * FROM delta_streams WHERE tenant_id = ? AND connector_name = ? AND stream_name = ?", key
            ).fetchone()
            if state is None:
                raise not_found("DELTA_STATE_NOT_FOUND", f"State of {connector_name}/{stream_name}")
            last = conn.execute(
                "SELECT * FROM delta_runs WHERE tenant_id = ? AND connector_name = ? AND stream_name = ?"
                " ORDER BY started_at DESC, rowid DESC LIMIT 1",
                key,
            ).fetchone()
            live = [r["run_id"] for r in self._live_runs(conn, *key)]
        return json_response(
            {
                "connector_name": connector_name,
                "stream_name": stream_name,
                "cursor": state["cursor"],
                "cursor_type": state["cursor_type"],
                "updated_at": api_time(state["updated_at"]),
                "last_run": run_json(last, idempotent=None) if last else None,
                "active_run_id": live[-1] if live else None,
                "active_run_ids": live,
            }
        )
