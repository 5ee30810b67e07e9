"""Delta runs: one active run per (tenant, connector, stream), a cursor per stream.

A run that outlives its ``run_ttl_seconds`` counts as abandoned (its process
died); that is applied lazily whenever the stream or the run is touched, the
same way invoice leases expire.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from typing import Any

from starlette.responses import Response

from nuntiq_sandbox._problems import ApiProblem
from nuntiq_sandbox._store import Store, api_time, db_time
from nuntiq_sandbox.handlers._common import caller_of, dumps, json_response, new_id, not_found

__all__ = ["DeltaHandlers", "run_json"]

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
        "started_at": api_time(row["started_at"]),
        "expires_at": api_time(row["expires_at"]),
        "finished_at": api_time(row["finished_at"]),
    }
    if idempotent is not None:
        data["idempotent"] = idempotent
    return data


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
    def _require_running(row: sqlite3.Row, action: str) -> None:
        if row["status"] != "running":
            raise ApiProblem(
                409,
                "DELTA_RUN_FINISHED",
                f"Cannot {action} run {row['run_id']!r}: it is already {row['status']}.",
                run_status=row["status"],
            )

    def start_delta_run(self, body: dict[str, Any], token_info: dict[str, Any]) -> Response:
        caller = caller_of(token_info)
        connector, stream = body["connector_name"], body["stream_name"]
        cursor_type = body.get("cursor_type") or "timestamp_utc"
        ttl = timedelta(seconds=int(body.get("run_ttl_seconds", 3600)))
        with self.store.transaction() as conn:
            now_dt = self.store.now()
            now = db_time(now_dt)
            self._abandon_stream(conn, caller.tenant_id, connector, stream, now)
            active = conn.execute(
                "SELECT run_id, expires_at FROM delta_runs WHERE tenant_id = ? AND connector_name = ?"
                " AND stream_name = ? AND status = 'running'",
                (caller.tenant_id, connector, stream),
            ).fetchone()
            if active is not None:
                raise ApiProblem(
                    409,
                    "DELTA_RUN_ACTIVE",
                    f"Run {active['run_id']} of {connector}/{stream} is still active"
                    f" (until {api_time(active['expires_at'])}); complete or fail it first.",
                    active_run_id=active["run_id"],
                )
            state = conn.execute(
                "SELECT cursor FROM delta_streams WHERE tenant_id = ? AND connector_name = ? AND stream_name = ?",
                (caller.tenant_id, connector, stream),
            ).fetchone()
            conn.execute(
                "INSERT INTO delta_streams (tenant_id, connector_name, stream_name, cursor, cursor_type)"
                " VALUES (?, ?, ?, NULL, ?) ON CONFLICT (tenant_id, connector_name, stream_name)"
                " DO UPDATE SET cursor_type = excluded.cursor_type",
                (caller.tenant_id, connector, stream, cursor_type),
            )
            run_id = new_id("run_")
            conn.execute(
                "INSERT INTO delta_runs (run_id, tenant_id, connector_name, stream_name, status, cursor_type,"
                " previous_cursor, started_at, expires_at) VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?)",
                (
                    run_id,
                    caller.tenant_id,
                    connector,
                    stream,
                    cursor_type,
                    state["cursor"] if state else None,
                    now,
                    db_time(now_dt + ttl),
                ),
            )
            row = conn.execute("SELECT * FROM delta_runs WHERE run_id = ?", (run_id,)).fetchone()
        return json_response(run_json(row), 201)

    def get_delta_run(self, run_id: str, token_info: dict[str, Any]) -> Response:
        caller = caller_of(token_info)
        with self.store.transaction() as conn:
            row = self._load_run(conn, caller.tenant_id, run_id, db_time(self.store.now()))
        return json_response(run_json(row, idempotent=None))

    def complete_delta_run(self, run_id: str, body: dict[str, Any], token_info: dict[str, Any]) -> Response:
        caller = caller_of(token_info)
        new_cursor = body.get("new_cursor")
        with self.store.transaction() as conn:
            now = db_time(self.store.now())
            row = self._load_run(conn, caller.tenant_id, run_id, now)
            self._require_running(row, "complete")
            conn.execute(
                "UPDATE delta_runs SET status = 'completed', new_cursor = ?, records_processed = ?, metadata = ?,"
                " finished_at = ? WHERE run_id = ?",
                (new_cursor, int(body.get("records_processed", 0)), dumps(body.get("metadata") or {}), now, run_id),
            )
            conn.execute(
                "UPDATE delta_streams SET cursor = COALESCE(?, cursor), updated_at = ?"
                " WHERE tenant_id = ? AND connector_name = ? AND stream_name = ?",
                (new_cursor, now, caller.tenant_id, row["connector_name"], row["stream_name"]),
            )
            row = conn.execute("SELECT * FROM delta_runs WHERE run_id = ?", (run_id,)).fetchone()
        return json_response(run_json(row))

    def fail_delta_run(self, run_id: str, body: dict[str, Any], token_info: dict[str, Any]) -> Response:
        caller = caller_of(token_info)
        with self.store.transaction() as conn:
            now = db_time(self.store.now())
            row = self._load_run(conn, caller.tenant_id, run_id, now)
            self._require_running(row, "fail")
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
        return json_response(
            {
                "connector_name": connector_name,
                "stream_name": stream_name,
                "cursor": state["cursor"],
                "cursor_type": state["cursor_type"],
                "updated_at": api_time(state["updated_at"]),
                "last_run": run_json(last, idempotent=None) if last else None,
                "active_run_id": last["run_id"] if last and last["status"] == "running" else None,
            }
        )
