"""CustomerDataTableLoad: rows of a customer-defined table.

The table's columns (name, type, required, max_length) and key columns are
read from the API (``listCustomerDataTables``) when the Load is built; rows are
entities like every other object's, validated locally against those
definitions (unknown column, type, required, max_length, date) and upserted on
the key columns.

Example::

    load = CustomerDataTableLoad(context, "cost_centers")
    load.new(code="CC-100", name="Marketing", valid_from="2026-01-01")
    load.save_all()
    for row in load.search(updated_since="2026-01-01T00:00:00Z"):
        print(row.code, row.name)
    load.delete_where(code="CC-999")
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from generated_client.api.customer_data import (
    delete_customer_data_rows,
    list_customer_data_rows,
    list_customer_data_tables,
    stage_customer_data_rows,
    upsert_customer_data_rows,
)
from generated_client.models import FullLoadObject, FullLoadStart
from nuntiq_sdk._baseload import BaseLoad, _JSONBody
from nuntiq_sdk._entity import CellValue, DynamicEntity, EntityMeta
from nuntiq_sdk._exceptions import FieldProblem, ValidationError
from nuntiq_sdk._generated.views import CustomerDataTable
from nuntiq_sdk._http import build_view, call_json
from nuntiq_sdk._validation import check_parameter

if TYPE_CHECKING:
    from nuntiq_sdk._context import JobContext

__all__ = ["CustomerDataTableLoad", "table_schema"]

_COLUMN_TYPES: Mapping[str, dict[str, Any]] = {
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "number": {"type": "number"},
    "boolean": {"type": "boolean"},
    "date": {"type": "string", "format": "date"},
}


def table_schema(table: CustomerDataTable) -> dict[str, Any]:
    """The JSON schema of a table's rows, in the spec's own vocabulary (keys, create-time requirements)."""
    keys = list(table.key_columns)
    properties: dict[str, Any] = {}
    for column in table.columns:
        schema = dict(_COLUMN_TYPES[column.type])
        if isinstance(column.max_length, int) and column.type == "string":
            schema["maxLength"] = column.max_length
        if column.name not in keys:
            schema["nullable"] = True
        properties[column.name] = schema
    return {
        "type": "object",
        "additionalProperties": False,
        "x-nuntiq-key": keys,
        "x-nuntiq-required-on-create": [c.name for c in table.columns if c.required and c.name not in keys],
        "required": keys,
        "properties": properties,
    }


def _tables(page: Mapping[str, Any]) -> list[CustomerDataTable]:
    return [CustomerDataTable.from_dict(item) for item in page["data"]]


class CustomerDataTableLoad(BaseLoad[DynamicEntity]):
    """The rows of one customer data table, keyed by its key columns.

    Its columns are defined at run time, so rows are ``DynamicEntity``: typed
    as what a cell holds (``row["code"]`` or ``row.code``), checked against
    the table's column definitions at save.
    """

    entity_class = DynamicEntity
    full_load_object = "customer_data"
    list_operation = list_customer_data_rows
    upsert_operation = upsert_customer_data_rows
    delete_operation = delete_customer_data_rows
    stage_operation = stage_customer_data_rows

    def __init__(self, context: JobContext, table_name: str, *, batch_size: int | None = None) -> None:
        problem = check_parameter("listCustomerDataRows", "table_name", table_name)
        if problem is not None:
            raise ValidationError([problem])
        super().__init__(context, batch_size=batch_size)
        self.table_name = table_name
        tables = build_view(_tables, call_json(list_customer_data_tables.sync_raw, client=context.api))
        found = [t for t in tables if t.table_name == table_name]
        if not found:
            names = ", ".join(sorted(t.table_name for t in tables)) or "none"
            problem = FieldProblem("table_name", table_name, f"is not a table of this tenant (tables: {names})")
            raise ValidationError([problem])
        self.table: CustomerDataTable = found[0]
        self._meta = EntityMeta.dynamic(f"CustomerDataRow[{table_name}]", table_schema(self.table))

    def new(self, **values: CellValue) -> DynamicEntity:
        """A new row with these columns set, tracked until the next ``save_all()``."""
        return self._new(values)

    @property
    def description(self) -> str | None:
        return self.table.description

    @property
    def key_columns(self) -> tuple[str, ...]:
        return tuple(self.table.key_columns)

    @property
    def meta(self) -> EntityMeta:
        return self._meta

    def _path_args(self) -> tuple[Any, ...]:
        return (self.table_name,)

    def _full_load_start(self) -> FullLoadStart:
        return FullLoadStart(object_=FullLoadObject(self.full_load_object), table_name=self.table_name)

    def _delete_body(self, filters: Mapping[str, Any], all_rows: bool) -> Any:
        columns = sorted(self._meta.fields)
        problems = [
            FieldProblem(name, None, f"is not a column of {self.table_name}; columns are {', '.join(columns)}")
            for name in filters
            if name not in self._meta.fields
        ]
        if not filters and not all_rows:
            problems.append(FieldProblem("all", None, "must be True to delete every row (no filter was given)"))
        if problems:
            raise ValidationError(problems)
        return cast(Any, _JSONBody({"where": dict(filters), "all": all_rows}))
