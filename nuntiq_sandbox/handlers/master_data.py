"""Master data: one generic engine for every object the spec describes.

All objects live in one table, ``master_rows``: a row per (tenant, object,
table name, natural key), its document as JSON. ``row_key`` encodes the
natural key so that text order is key order (numbers zero-padded), which
gives list its order and keyset pagination. Nested children (locations, bank
accounts, lines, ...) live inside their parent's document and are merged on
their own keys.

Upsert rows are partial: only the fields sent change, null clears a field,
children not sent are left alone. A row that fails (a missing create-time
field, a bad country code, an unknown PO line) is reported and the others go
on; a batch is one transaction. A full load stages complete rows apart and
its commit swaps the whole table in one transaction.
"""

from __future__ import annotations

import base64
import binascii
import json
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta
from typing import Any

from starlette.responses import Response

from nuntiq_sandbox._master_spec import (
    CUSTOMER_DATA,
    ObjectSpec,
    customer_data_spec,
    master_objects,
    master_operations,
)
from nuntiq_sandbox._problems import ApiProblem, validation_problem
from nuntiq_sandbox._spec import snake_case
from nuntiq_sandbox._store import Store, api_time, db_time, parse_instant
from nuntiq_sandbox.handlers._common import caller_of, dumps, json_response, new_id, not_found
from nuntiq_spec.formats import check_format

__all__ = ["MasterDataHandlers", "load_table_definition", "public_user", "row_key", "upsert_rows"]

_KEY_SEPARATOR = "\x1f"
_CHUNK = 500  # keys per IN (...) lookup
_LIST_COLUMNS = "id, row_key, data_json, created_at, updated_at"

Errors = list[dict[str, str]]

# What a new row starts with when the row does not say (the spec gives no default).
_CREATE_DEFAULTS: Mapping[str, Mapping[str, Any]] = {"users": {"active": True}}


# -- keys, documents, cursors ------------------------------------------------------


def _key_part(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return f"{value + 10**17:019d}"
    if isinstance(value, float):
        return f"{value + 1e15:030.9f}"
    return str(value)


def row_key(values: Iterable[Any]) -> str:
    """The natural key as text whose order is the key's order."""
    return _KEY_SEPARATOR.join(_key_part(value) for value in values)


def _loads(text: str) -> dict[str, Any]:
    return dict(json.loads(text))


def _public(spec: ObjectSpec, doc: Mapping[str, Any], created_at: str, updated_at: str) -> dict[str, Any]:
    """A stored document as the API shows it."""
    if spec.columns is not None:
        return dict(doc)
    data = dict(doc)
    if "last_activity_at" in data:
        data["last_activity_at"] = api_time(data["last_activity_at"])
    data["created_at"] = api_time(created_at)
    data["updated_at"] = api_time(updated_at)
    return data


def public_user(doc: Mapping[str, Any], created_at: str, updated_at: str) -> dict[str, Any]:
    return _public(master_objects()["users"], doc, created_at, updated_at)


def _field_problem(code: str, field: str, message: str) -> ApiProblem:
    """A 400 for a rule the spec states in prose (its operation names the code), naming the field."""
    return ApiProblem(400, code, f"{field}: {message}", errors=[{"field": field, "message": message}])


def _encode_cursor(spec: ObjectSpec, key: str) -> str:
    raw = dumps([spec.name, spec.table_name, key]).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _decode_cursor(spec: ObjectSpec, cursor: str) -> str:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        name, table, key = json.loads(raw.decode("utf-8"))
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        name = table = key = None
    if name != spec.name or table != spec.table_name or not isinstance(key, str):
        raise ApiProblem(400, "INVALID_CURSOR", "The cursor is not one this listing returned.")
    return key


def _instant(name: str, text: str) -> str:
    instant = parse_instant(text)
    if instant is None:
        raise validation_problem(name, "must be an ISO-8601 instant with an offset (e.g. 2026-05-17T08:00:00Z)")
    return db_time(instant)


# -- validation and merging ----------------------------------------------------------


def _column_error(spec: ObjectSpec, name: str, value: Any) -> str | None:
    """A customer data value against its column definition."""
    assert spec.columns is not None
    column = spec.columns.get(name)
    if column is None:
        return f"UNKNOWN_COLUMN: table {spec.table_name!r} has no column {name!r}"
    if value is None:
        return None
    kind = column.type
    ok = {
        "string": isinstance(value, str),
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, int | float) and not isinstance(value, bool),
        "boolean": isinstance(value, bool),
        "date": isinstance(value, str),
    }.get(kind, False)
    if not ok:
        return f"INVALID_TYPE: column {name!r} takes a {kind}, not {type(value).__name__}"
    if kind == "date":
        message = check_format("date", value)
        if message:
            return f"INVALID_FORMAT: column {name!r}: {message}"
    if column.max_length is not None and isinstance(value, str) and len(value) > column.max_length:
        return f"TOO_LONG: column {name!r} takes at most {column.max_length} characters"
    return None


def _merge(
    spec: ObjectSpec, existing: Mapping[str, Any] | None, row: Mapping[str, Any], prefix: str, errors: Errors
) -> dict[str, Any]:
    """``row`` applied onto ``existing`` (a new document when None); problems go to ``errors``."""
    creating = existing is None
    doc = spec.template() if existing is None else dict(existing)
    if creating and spec.columns is None:
        doc.update(_CREATE_DEFAULTS.get(spec.name, {}))
    for name, value in row.items():
        if name in spec.read_only:
            continue  # server-set: ignored, not an error
        child = spec.children.get(name)
        if child is not None:
            doc[name] = (
                [] if value is None else _merge_children(child, doc.get(name) or [], value, prefix + name, errors)
            )
            continue
        if spec.columns is not None:
            message = _column_error(spec, name, value)
            if message:
                errors.append({"field": prefix + name, "message": message})
                continue
        elif value is not None and name in spec.formats:
            message = check_format(spec.formats[name], value)
            if message:
                errors.append({"field": prefix + name, "message": f"INVALID_FORMAT: {message}"})
        doc[name] = value
    for name in spec.required_on_create:
        if doc.get(name) is None:
            if creating:
                errors.append(
                    {"field": prefix + name, "message": f"REQUIRED_ON_CREATE: {name} is required to create a new row"}
                )
            elif name in row:
                errors.append({"field": prefix + name, "message": f"REQUIRED: {name} cannot be cleared"})
    return doc


def _merge_children(
    spec: ObjectSpec, current: list[dict[str, Any]], rows: list[Mapping[str, Any]], prefix: str, errors: Errors
) -> list[dict[str, Any]]:
    children = list(current)
    where = {spec.key_of(child): index for index, child in enumerate(children)}
    for index, row in enumerate(rows):
        key = spec.key_of(row)
        position = where.get(key)
        merged = _merge(spec, None if position is None else children[position], row, f"{prefix}[{index}].", errors)
        if position is None:
            where[key] = len(children)
            children.append(merged)
        else:
            children[position] = merged
    return children


def _check_receipt(conn: sqlite3.Connection, tenant_id: str, row: Mapping[str, Any], doc: Mapping[str, Any]) -> Errors:
    errors: Errors = []
    for index, line in enumerate(row.get("lines") or []):
        key = row_key((line.get("po_number"), line.get("po_line_number")))
        found = conn.execute(
            "SELECT 1 FROM master_rows WHERE tenant_id = ? AND object = 'purchase_order_lines' AND table_name = ''"
            " AND row_key = ?",
            (tenant_id, key),
        ).fetchone()
        if found is None:
            errors.append(
                {
                    "field": f"lines[{index}]",
                    "message": f"PO_LINE_NOT_FOUND: no purchase order line {line.get('po_number')!r}"
                    f" / {line.get('po_line_number')}",
                }
            )
    return errors


def _check_payment(conn: sqlite3.Connection, tenant_id: str, row: Mapping[str, Any], doc: Mapping[str, Any]) -> Errors:
    errors: Errors = []
    stored = {line.get("line_number"): line for line in doc.get("lines") or []}
    for index, sent in enumerate(row.get("lines") or []):
        line = stored.get(sent.get("line_number"), sent)
        field = f"lines[{index}]"
        token = line.get("invoice_token")
        if token is not None:
            found = conn.execute(
                "SELECT 1 FROM invoices WHERE tenant_id = ? AND token = ?", (tenant_id, token)
            ).fetchone()
            if found is None:
                errors.append(
                    {"field": field + ".invoice_token", "message": f"INVOICE_NOT_FOUND: no invoice {token!r}"}
                )
            continue
        number = line.get("invoice_number")
        supplier = line.get("supplier_code") or doc.get("supplier_code")
        if number is None or supplier is None:
            errors.append(
                {
                    "field": field,
                    "message": "INVOICE_REFERENCE_REQUIRED: give invoice_token, or invoice_number with supplier_code",
                }
            )
            continue
        count = conn.execute(
            "SELECT COUNT(*) FROM invoices WHERE tenant_id = ? AND invoice_number = ? AND supplier_code = ?",
            (tenant_id, number, supplier),
        ).fetchone()[0]
        if count == 0:
            errors.append(
                {
                    "field": field + ".invoice_number",
                    "message": f"INVOICE_NOT_FOUND: no invoice {number!r} of supplier {supplier!r}",
                }
            )
        elif count > 1:
            errors.append(
                {
                    "field": field + ".invoice_number",
                    "message": f"AMBIGUOUS_REFERENCE: {count} invoices {number!r} of supplier {supplier!r};"
                    " use invoice_token",
                }
            )
    return errors


_REFERENCE_CHECKS: Mapping[str, Callable[[sqlite3.Connection, str, Mapping[str, Any], Mapping[str, Any]], Errors]] = {
    "receipts": _check_receipt,
    "payments": _check_payment,
}


def _missing_key(spec: ObjectSpec, row: Mapping[str, Any], prefix: str) -> Errors:
    return [
        {"field": prefix + name, "message": f"REQUIRED: key column {name} is required and not empty"}
        for name in spec.key
        if row.get(name) is None or row.get(name) == ""
    ]


def _existing(
    conn: sqlite3.Connection, tenant_id: str, spec: ObjectSpec, keys: list[str]
) -> dict[str, tuple[int, dict[str, Any]]]:
    found: dict[str, tuple[int, dict[str, Any]]] = {}
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        marks = ",".join("?" * len(chunk))
        for row in conn.execute(
            f"SELECT id, row_key, data_json FROM master_rows WHERE tenant_id = ? AND object = ? AND table_name = ?"  # noqa: S608
            f" AND row_key IN ({marks})",
            (tenant_id, spec.name, spec.table_name, *chunk),
        ):
            found[row["row_key"]] = (row["id"], _loads(row["data_json"]))
    return found


def upsert_rows(
    conn: sqlite3.Connection, tenant_id: str, spec: ObjectSpec, rows: list[Mapping[str, Any]], now: str
) -> dict[str, Any]:
    """Apply partial rows in one transaction (the caller's); outcomes in request order, failures explained."""
    keys = [row_key(spec.key_of(row)) for row in rows]
    existing = _existing(conn, tenant_id, spec, sorted(set(keys)))
    state: dict[str, dict[str, Any]] = {key: doc for key, (_, doc) in existing.items()}
    touched: set[str] = set()
    outcomes: list[str] = []
    failures: list[dict[str, Any]] = []
    counts = {"created": 0, "updated": 0, "unchanged": 0, "failed": 0}
    check = _REFERENCE_CHECKS.get(spec.name)
    for index, (row, key) in enumerate(zip(rows, keys, strict=True)):
        current = state.get(key)
        errors = _missing_key(spec, row, "")
        doc: dict[str, Any] = {}
        if not errors:
            doc = _merge(spec, current, row, "", errors)
        if not errors and check is not None:
            errors = check(conn, tenant_id, row, doc)
        if errors:
            outcome = "failed"
            failures.append({"index": index, "key": {name: row.get(name) for name in spec.key}, "errors": errors})
        elif current is None:
            outcome = "created"
        elif doc == current:
            outcome = "unchanged"
        else:
            outcome = "updated"
        if outcome in ("created", "updated"):
            state[key] = doc
            touched.add(key)
        counts[outcome] += 1
        outcomes.append(outcome)
    inserts = [
        (tenant_id, spec.name, spec.table_name, key, dumps(state[key]), now, now)
        for key in touched
        if key not in existing
    ]
    updates = [(dumps(state[key]), now, existing[key][0]) for key in touched if key in existing]
    if inserts:
        conn.executemany(
            "INSERT INTO master_rows (tenant_id, object, table_name, row_key, data_json, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            inserts,
        )
    if updates:
        conn.executemany("UPDATE master_rows SET data_json = ?, updated_at = ? WHERE id = ?", updates)
    return {"outcomes": outcomes, "failures": failures, **counts, "idempotent": False}


def load_table_definition(conn: sqlite3.Connection, tenant_id: str, table_name: str) -> dict[str, Any]:
    row = conn.execute(
        "SELECT definition_json FROM customer_data_tables WHERE tenant_id = ? AND table_name = ?",
        (tenant_id, table_name),
    ).fetchone()
    if row is None:
        raise not_found("CUSTOMER_DATA_TABLE_NOT_FOUND", f"Customer data table {table_name!r}")
    return _loads(row["definition_json"])


def _load_json(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "load_id": row["load_id"],
        "object": row["object"],
        "table_name": row["table_name"] or None,
        "status": row["status"],
        "staged_rows": row["staged_rows"],
        "created_at": api_time(row["created_at"]),
        "expires_at": api_time(row["expires_at"]),
        "idempotent": False,
    }


# -- the handlers -----------------------------------------------------------------------


class MasterDataHandlers:
    """operationIds of the master-data tags; list/upsert/delete/stage methods are made from the spec."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.objects = master_objects()

    # -- resolving the object ------------------------------------------------------

    def _spec(self, conn: sqlite3.Connection, tenant_id: str, name: str, table_name: str | None) -> ObjectSpec:
        if name == CUSTOMER_DATA:
            if not table_name:
                raise _field_problem("TABLE_NAME_REQUIRED", "table_name", "is required for customer_data")
            return customer_data_spec(load_table_definition(conn, tenant_id, table_name))
        if table_name:
            raise _field_problem(
                "TABLE_NAME_NOT_APPLICABLE", "table_name", f"applies only to customer_data, not to {name}"
            )
        return self.objects[name]

    def _dispatch(self, kind: str, name: str, kwargs: dict[str, Any]) -> Response:
        caller = caller_of(kwargs["token_info"])
        handler = getattr(self, f"_{kind}")
        return handler(caller.tenant_id, name, kwargs)  # type: ignore[no-any-return]

    # -- list ------------------------------------------------------------------------

    def _list(self, tenant_id: str, name: str, kwargs: dict[str, Any]) -> Response:
        limit = int(kwargs.get("limit") or 200)
        with self.store.transaction() as conn:
            spec = self._spec(conn, tenant_id, name, kwargs.get("table_name"))
            where = ["tenant_id = ?", "object = ?", "table_name = ?"]
            args: list[Any] = [tenant_id, spec.name, spec.table_name]
            for field in spec.list_filters:
                value = kwargs.get(field)
                if value is not None:
                    where.append(f"json_extract(data_json, '$.{field}') = ?")
                    args.append(int(value) if isinstance(value, bool) else value)
            if kwargs.get("updated_since"):
                where.append("updated_at >= ?")
                args.append(_instant("updated_since", kwargs["updated_since"]))
            if kwargs.get("cursor"):
                where.append("row_key > ?")
                args.append(_decode_cursor(spec, kwargs["cursor"]))
            rows = conn.execute(
                f"SELECT {_LIST_COLUMNS} FROM master_rows WHERE {' AND '.join(where)}"  # noqa: S608
                " ORDER BY row_key LIMIT ?",
                (*args, limit + 1),
            ).fetchall()
        page = rows[:limit]
        data = [_public(spec, _loads(r["data_json"]), r["created_at"], r["updated_at"]) for r in page]
        next_cursor = _encode_cursor(spec, page[-1]["row_key"]) if len(rows) > limit else None
        return json_response({"data": data, "next_cursor": next_cursor})

    # -- upsert ------------------------------------------------------------------------

    def _upsert(self, tenant_id: str, name: str, kwargs: dict[str, Any]) -> Response:
        rows = list(kwargs["body"]["rows"])
        with self.store.transaction() as conn:
            spec = self._spec(conn, tenant_id, name, kwargs.get("table_name"))
            result = upsert_rows(conn, tenant_id, spec, rows, db_time(self.store.now()))
        return json_response(result)

    # -- delete ------------------------------------------------------------------------

    def _delete(self, tenant_id: str, name: str, kwargs: dict[str, Any]) -> Response:
        body = kwargs.get("body") or {}
        with self.store.transaction() as conn:
            spec = self._spec(conn, tenant_id, name, kwargs.get("table_name"))
            if spec.columns is not None:
                filters = dict(body.get("where") or {})
                for column in filters:
                    if column not in spec.columns:
                        raise _field_problem(
                            "UNKNOWN_COLUMN", f"where.{column}", f"is not a column of {spec.table_name!r}"
                        )
            else:
                filters = {field: body[field] for field in spec.delete_filters if body.get(field) is not None}
            where = ["tenant_id = ?", "object = ?", "table_name = ?"]
            args: list[Any] = [tenant_id, spec.name, spec.table_name]
            for field, value in filters.items():
                if value is None:
                    where.append(f"json_extract(data_json, '$.\"{field}\"') IS NULL")
                else:
                    where.append(f"json_extract(data_json, '$.\"{field}\"') = ?")
                    args.append(int(value) if isinstance(value, bool) else value)
            if body.get("updated_before"):
                where.append("updated_at < ?")
                args.append(_instant("updated_before", body["updated_before"]))
            if len(where) == 3 and not body.get("all"):
                raise ApiProblem(
                    400,
                    "DELETE_FILTER_REQUIRED",
                    "Give at least one filter field, or all=true to delete every row.",
                )
            deleted = conn.execute(f"DELETE FROM master_rows WHERE {' AND '.join(where)}", args).rowcount  # noqa: S608
        return json_response({"deleted": deleted, "idempotent": False})

    # -- full loads ----------------------------------------------------------------------

    def _load(self, conn: sqlite3.Connection, tenant_id: str, load_id: str) -> sqlite3.Row:
        now = db_time(self.store.now())
        expired = conn.execute(
            "UPDATE full_loads SET status = 'expired', finished_at = ? WHERE load_id = ? AND tenant_id = ?"
            " AND status = 'staging' AND expires_at <= ?",
            (now, load_id, tenant_id, now),
        ).rowcount
        if expired:
            conn.execute("DELETE FROM full_load_rows WHERE load_id = ?", (load_id,))
        row = conn.execute(
            "SELECT * FROM full_loads WHERE load_id = ? AND tenant_id = ?", (load_id, tenant_id)
        ).fetchone()
        if row is None:
            raise not_found("FULL_LOAD_NOT_FOUND", f"Full load {load_id!r}")
        return row  # type: ignore[no-any-return]

    @staticmethod
    def _require_staging(load: sqlite3.Row) -> None:
        if load["status"] != "staging":
            raise ApiProblem(
                409,
                "FULL_LOAD_NOT_STAGING",
                f"Full load {load['load_id']!r} is {load['status']}; only a load that is staging accepts this.",
                load_status=load["status"],
            )

    def _stage(self, tenant_id: str, name: str, kwargs: dict[str, Any]) -> Response:
        rows = list(kwargs["body"]["rows"])
        load_id = str(kwargs["load_id"])
        with self.store.transaction() as conn:
            load = self._load(conn, tenant_id, load_id)
            table_name = kwargs.get("table_name") or ""
            if load["object"] != name or load["table_name"] != table_name:
                target = name + (f" ({table_name})" if table_name else "")
                opened = load["object"] + (f" ({load['table_name']})" if load["table_name"] else "")
                raise ApiProblem(
                    409,
                    "FULL_LOAD_OBJECT_MISMATCH",
                    f"Full load {load_id!r} was opened for {opened}; it cannot take {target} rows.",
                )
            self._require_staging(load)
            spec = self._spec(conn, tenant_id, name, table_name or None)
            check = _REFERENCE_CHECKS.get(spec.name)
            errors: Errors = []
            staged: dict[str, str] = {}
            for index, row in enumerate(rows):
                prefix = f"rows[{index}]."
                row_errors = _missing_key(spec, row, prefix)
                if row_errors:
                    errors.extend(row_errors)
                    continue
                doc = _merge(spec, None, row, prefix, row_errors)
                if not row_errors and check is not None:
                    row_errors = [
                        {**error, "field": prefix + error["field"]} for error in check(conn, tenant_id, row, doc)
                    ]
                errors.extend(row_errors)
                staged[row_key(spec.key_of(row))] = dumps(doc)  # the later row with a key wins
            if errors:
                detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:20])
                raise ApiProblem(400, "VALIDATION_ERROR", f"Nothing was staged. {detail}", errors=errors)
            conn.executemany(
                "INSERT INTO full_load_rows (load_id, row_key, data_json) VALUES (?, ?, ?)"
                " ON CONFLICT (load_id, row_key) DO UPDATE SET data_json = excluded.data_json",
                [(load_id, key, doc) for key, doc in staged.items()],
            )
            count = conn.execute("SELECT COUNT(*) FROM full_load_rows WHERE load_id = ?", (load_id,)).fetchone()[0]
            conn.execute("UPDATE full_loads SET staged_rows = ? WHERE load_id = ?", (count, load_id))
            load = conn.execute("SELECT * FROM full_loads WHERE load_id = ?", (load_id,)).fetchone()
        return json_response(_load_json(load))

    def start_full_load(self, body: dict[str, Any], token_info: dict[str, Any]) -> Response:
        caller = caller_of(token_info)
        name = str(body["object"])
        ttl = timedelta(seconds=int(body.get("ttl_seconds") or 3600))
        with self.store.transaction() as conn:
            spec = self._spec(conn, caller.tenant_id, name, body.get("table_name"))
            now = self.store.now()
            # Discard the tenant's loads that expired unseen.
            stale = [
                row["load_id"]
                for row in conn.execute(
                    "SELECT load_id FROM full_loads WHERE tenant_id = ? AND status = 'staging' AND expires_at <= ?",
                    (caller.tenant_id, db_time(now)),
                )
            ]
            for load_id in stale:
                self._load(conn, caller.tenant_id, load_id)
            load_id = new_id("fl_")
            conn.execute(
                "INSERT INTO full_loads (load_id, tenant_id, object, table_name, status, created_at, expires_at)"
                " VALUES (?, ?, ?, ?, 'staging', ?, ?)",
                (load_id, caller.tenant_id, name, spec.table_name, db_time(now), db_time(now + ttl)),
            )
            load = conn.execute("SELECT * FROM full_loads WHERE load_id = ?", (load_id,)).fetchone()
        return json_response(_load_json(load), 201)

    def get_full_load(self, load_id: str, token_info: dict[str, Any]) -> Response:
        caller = caller_of(token_info)
        with self.store.transaction() as conn:
            load = self._load(conn, caller.tenant_id, load_id)
        data = _load_json(load)
        data.pop("idempotent")
        return json_response(data)

    def abort_full_load(self, load_id: str, token_info: dict[str, Any]) -> Response:
        caller = caller_of(token_info)
        with self.store.transaction() as conn:
            load = self._load(conn, caller.tenant_id, load_id)
            self._require_staging(load)
            conn.execute("DELETE FROM full_load_rows WHERE load_id = ?", (load_id,))
            conn.execute(
                "UPDATE full_loads SET status = 'aborted', finished_at = ? WHERE load_id = ?",
                (db_time(self.store.now()), load_id),
            )
            load = conn.execute("SELECT * FROM full_loads WHERE load_id = ?", (load_id,)).fetchone()
        data = _load_json(load)
        data.pop("idempotent")
        return json_response(data)

    def commit_full_load(
        self, load_id: str, token_info: dict[str, Any], body: dict[str, Any] | None = None
    ) -> Response:
        caller = caller_of(token_info)
        allow_empty = bool((body or {}).get("allow_empty"))
        with self.store.transaction() as conn:
            load = self._load(conn, caller.tenant_id, load_id)
            self._require_staging(load)
            spec = self._spec(conn, caller.tenant_id, load["object"], load["table_name"] or None)
            staged = conn.execute("SELECT row_key, data_json FROM full_load_rows WHERE load_id = ?", (load_id,))
            staged_rows = staged.fetchall()
            if not staged_rows and not allow_empty:
                raise ApiProblem(
                    422,
                    "FULL_LOAD_EMPTY",
                    "Nothing is staged: committing would empty the table. Stage rows, or commit with allow_empty=true.",
                )
            now = db_time(self.store.now())
            current = {
                row["row_key"]: (row["id"], row["data_json"])
                for row in conn.execute(
                    "SELECT id, row_key, data_json FROM master_rows WHERE tenant_id = ? AND object = ?"
                    " AND table_name = ?",
                    (caller.tenant_id, spec.name, spec.table_name),
                )
            }
            kept = [name for name in spec.read_only if name in spec.fields]  # server-set, e.g. last_activity_at
            inserts: list[tuple[Any, ...]] = []
            updates: list[tuple[Any, ...]] = []
            unchanged = 0
            for row in staged_rows:
                key, text = row["row_key"], row["data_json"]
                old = current.pop(key, None)
                if old is None:
                    inserts.append((caller.tenant_id, spec.name, spec.table_name, key, text, now, now))
                    continue
                if text == old[1]:
                    unchanged += 1
                    continue
                new_doc, old_doc = _loads(text), _loads(old[1])
                for name in kept:
                    new_doc[name] = old_doc.get(name)
                if new_doc == old_doc:
                    unchanged += 1
                else:
                    updates.append((dumps(new_doc), now, old[0]))
            conn.executemany(
                "INSERT INTO master_rows (tenant_id, object, table_name, row_key, data_json, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                inserts,
            )
            conn.executemany("UPDATE master_rows SET data_json = ?, updated_at = ? WHERE id = ?", updates)
            conn.executemany("DELETE FROM master_rows WHERE id = ?", [(row_id,) for row_id, _ in current.values()])
            conn.execute("DELETE FROM full_load_rows WHERE load_id = ?", (load_id,))
            result = {
                "load_id": load_id,
                "object": load["object"],
                "table_name": load["table_name"] or None,
                "status": "committed",
                "inserted": len(inserts),
                "updated": len(updates),
                "unchanged": unchanged,
                "deleted": len(current),
                "idempotent": False,
            }
            conn.execute(
                "UPDATE full_loads SET status = 'committed', finished_at = ?, result_json = ? WHERE load_id = ?",
                (now, dumps(result), load_id),
            )
        return json_response(result)

    # -- customer data tables and users ------------------------------------------------------

    def list_customer_data_tables(self, token_info: dict[str, Any]) -> Response:
        caller = caller_of(token_info)
        with self.store.transaction() as conn:
            rows = conn.execute(
                "SELECT definition_json FROM customer_data_tables WHERE tenant_id = ? ORDER BY table_name",
                (caller.tenant_id,),
            ).fetchall()
        return json_response({"data": [_loads(row["definition_json"]) for row in rows]})

    def deactivate_inactive_users(self, body: dict[str, Any], token_info: dict[str, Any]) -> Response:
        caller = caller_of(token_info)
        spec = self.objects["users"]
        dry_run = bool(body.get("dry_run"))
        kind = body.get("kind")
        with self.store.transaction() as conn:
            now_dt = self.store.now()
            cutoff = db_time(now_dt - timedelta(days=int(body["inactive_days"])))
            now = db_time(now_dt)
            chosen: list[tuple[int, dict[str, Any], str, str]] = []
            for row in conn.execute(
                "SELECT id, row_key, data_json, created_at, updated_at FROM master_rows WHERE tenant_id = ?"
                " AND object = 'users'"
                " AND table_name = '' ORDER BY row_key",
                (caller.tenant_id,),
            ):
                doc = _loads(row["data_json"])
                if doc.get("active") is not True or (kind is not None and doc.get("kind") != kind):
                    continue
                if (doc.get("last_activity_at") or row["created_at"]) < cutoff:
                    chosen.append((row["id"], doc, row["created_at"], row["updated_at"]))
            users = []
            for row_id, doc, created_at, updated_at in chosen:
                if not dry_run:
                    doc["active"] = False
                    updated_at = now
                    conn.execute(
                        "UPDATE master_rows SET data_json = ?, updated_at = ? WHERE id = ?", (dumps(doc), now, row_id)
                    )
                users.append(_public(spec, doc, created_at, updated_at))
        return json_response({"dry_run": dry_run, "count": len(users), "users": users, "idempotent": False})


def _make_handler(kind: str, name: str) -> Callable[..., Response]:
    def handler(self: MasterDataHandlers, **kwargs: Any) -> Response:
        return self._dispatch(kind, name, kwargs)

    return handler


for _operation in master_operations().values():
    _method = _make_handler(_operation.kind, _operation.object)
    _method.__name__ = _method.__qualname__ = snake_case(_operation.operation_id)
    setattr(MasterDataHandlers, _method.__name__, _method)
