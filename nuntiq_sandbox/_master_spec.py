"""The master-data objects as the Customer API spec describes them, read once at startup.

For every object (suppliers, organizations, ...) the spec's paths name a list,
an upsert, a delete and a full-load staging operation; the upsert's ``*Rows``
body names the object schema, whose ``x-nuntiq-key`` and
``x-nuntiq-required-on-create`` (on the object and on each nested child
schema) drive the generic engine in ``handlers/master_data.py``. Nothing
here is written out per object: a field or object added to the spec is
served without a sandbox edit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from nuntiq_sandbox._spec import customer_spec
from nuntiq_spec.formats import KNOWN_FORMATS

__all__ = [
    "CUSTOMER_DATA",
    "SERVER_STAMPS",
    "MasterOperation",
    "ObjectSpec",
    "master_objects",
    "master_operations",
]

CUSTOMER_DATA = "customer_data"
# Read-only fields kept in the row's own columns, not in its document.
SERVER_STAMPS = frozenset({"created_at", "updated_at"})


@dataclass(frozen=True)
class ColumnSpec:
    """A customer data table's column (customer-defined, not from the spec)."""

    name: str
    type: str
    required: bool
    max_length: int | None = None


@dataclass(frozen=True)
class ObjectSpec:
    """One object (or nested child) schema: its key, create-time requirements, formats and children."""

    name: str
    schema: str
    key: tuple[str, ...]
    required_on_create: tuple[str, ...]
    fields: tuple[str, ...]  # every stored field, in schema order (children included)
    read_only: frozenset[str] = frozenset()
    formats: Mapping[str, str] = field(default_factory=dict)
    children: Mapping[str, ObjectSpec] = field(default_factory=dict)
    list_filters: tuple[str, ...] = ()
    delete_filters: tuple[str, ...] = ()
    columns: Mapping[str, ColumnSpec] | None = None  # customer data only
    table_name: str = ""

    def template(self) -> dict[str, Any]:
        """A new document: every field null, every child list empty."""
        return {name: ([] if name in self.children else None) for name in self.fields}

    def key_of(self, row: Mapping[str, Any]) -> tuple[Any, ...]:
        return tuple(row.get(name) for name in self.key)


@dataclass(frozen=True)
class MasterOperation:
    operation_id: str
    kind: str  # list | upsert | delete | stage
    object: str


def _ref_name(schema: Any) -> str | None:
    if isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    return None


def _object_spec(schemas: Mapping[str, Any], name: str, schema_name: str) -> ObjectSpec:
    schema = schemas[schema_name]
    properties: dict[str, Any] = schema.get("properties", {})
    children: dict[str, ObjectSpec] = {}
    formats: dict[str, str] = {}
    read_only: set[str] = set()
    for prop, sub in properties.items():
        if sub.get("readOnly"):
            read_only.add(prop)
        if sub.get("format") in KNOWN_FORMATS:
            formats[prop] = str(sub["format"])
        child = _ref_name(sub.get("items")) if sub.get("type") == "array" else None
        if child and "x-nuntiq-key" in schemas[child]:
            children[prop] = _object_spec(schemas, prop, child)
    return ObjectSpec(
        name=name,
        schema=schema_name,
        key=tuple(schema["x-nuntiq-key"]),
        required_on_create=tuple(schema.get("x-nuntiq-required-on-create", ())),
        fields=tuple(prop for prop in properties if prop not in SERVER_STAMPS),
        read_only=frozenset(read_only),
        formats=formats,
        children=children,
    )


def _body_schema(operation: Mapping[str, Any]) -> str | None:
    content = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    return _ref_name(content.get("schema"))


def _object_of(path: str) -> str:
    if "{table_name}" in path:
        return CUSTOMER_DATA
    return path.strip("/").split("/", 1)[0].replace("-", "_")


@cache
def master_operations() -> Mapping[str, MasterOperation]:
    """operationId -> (kind, object) for every list/upsert/delete/stage operation of the spec."""
    operations: dict[str, MasterOperation] = {}
    paths: Mapping[str, Any] = customer_spec()["paths"]
    upsert_paths = {path[: -len("/upsert")] for path in paths if path.endswith("/upsert")}
    for path, item in paths.items():
        for method, operation in item.items():
            kind = None
            if method == "get" and path in upsert_paths:
                kind = "list"
            elif method == "post" and path.endswith("/upsert"):
                kind = "upsert"
            elif method == "post" and path.endswith("/delete") and path[: -len("/delete")] in upsert_paths:
                kind = "delete"
            elif method == "post" and path.endswith("/full-loads/{load_id}/rows"):
                kind = "stage"
            if kind is not None:
                operations[operation["operationId"]] = MasterOperation(operation["operationId"], kind, _object_of(path))
    return operations


@cache
def master_objects() -> Mapping[str, ObjectSpec]:
    """Object name (the FullLoadObject value) -> its spec, for every object but customer data."""
    spec = customer_spec()
    schemas: Mapping[str, Any] = spec["components"]["schemas"]
    paths: Mapping[str, Any] = spec["paths"]
    objects: dict[str, ObjectSpec] = {}
    for path, item in paths.items():
        if not path.endswith("/upsert") or "{table_name}" in path:
            continue
        base = path[: -len("/upsert")]
        rows = _body_schema(item["post"])
        if rows is None:
            continue
        schema_name = _ref_name(schemas[rows]["properties"]["rows"]["items"])
        if schema_name is None:
            continue
        name = _object_of(base)
        listing = paths.get(base, {}).get("get", {})
        list_filters = tuple(
            param["name"] for param in listing.get("parameters", []) if isinstance(param, dict) and "name" in param
        )
        delete_schema = _body_schema(paths.get(base + "/delete", {}).get("post", {}))
        delete_filters = tuple(
            prop
            for prop in (schemas[delete_schema]["properties"] if delete_schema else {})
            if prop not in ("all", "updated_before")
        )
        base_spec = _object_spec(schemas, name, schema_name)
        objects[name] = ObjectSpec(
            **{
                **base_spec.__dict__,
                "list_filters": list_filters,
                "delete_filters": delete_filters,
            }
        )
    return objects


def customer_data_spec(definition: Mapping[str, Any]) -> ObjectSpec:
    """The ObjectSpec of a customer data table, from its stored definition."""
    columns = {
        column["name"]: ColumnSpec(
            column["name"], column["type"], bool(column.get("required")), column.get("max_length")
        )
        for column in definition["columns"]
    }
    return ObjectSpec(
        name=CUSTOMER_DATA,
        schema="CustomerDataRow",
        key=tuple(definition["key_columns"]),
        required_on_create=tuple(name for name, column in columns.items() if column.required),
        fields=tuple(columns),
        columns=columns,
        table_name=str(definition["table_name"]),
    )
