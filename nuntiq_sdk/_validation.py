"""Local validation compiled from the spec's own constraints.

Each request schema of the Customer API (required, type, enum, min/maxLength,
pattern, minimum/maximum, format, array items, additionalProperties) is
compiled once into plain checks that word every problem, and the SDK never
restates a limit the spec already states. The bulk path of the entity schemas
(one generated function per schema, true only for a row these checks accept)
is written by ``nox -s generate`` into ``nuntiq_sdk._generated.entities``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from nuntiq_sdk._exceptions import FieldProblem, ValidationError
from nuntiq_sdk._spec import component_schema, resolve, spec_cache
from nuntiq_spec.formats import KNOWN_FORMATS, check_format

__all__ = ["RequestSchema", "RowCheck", "check_parameter", "parameter_schema"]

Check = Callable[[object], str | None]

_JSON_TYPES: Mapping[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list, tuple),
}


def _merge_all_of(schema: dict[str, Any]) -> dict[str, Any]:
    """Flatten ``allOf`` of object schemas into one (properties and required unite).

    ``allOf`` of one non-object schema (the spec's way to make a ``$ref``'d enum
    nullable) becomes that schema with the outer keywords on top.
    """
    schema = resolve(schema)
    if "allOf" not in schema:
        return schema
    parts = [resolve(part) for part in schema["allOf"]]
    if len(parts) == 1 and parts[0].get("type") != "object" and "allOf" not in parts[0]:
        return {**parts[0], **{k: v for k, v in schema.items() if k != "allOf"}}
    merged: dict[str, Any] = {"type": "object", "properties": {}, "required": []}
    for part in schema["allOf"]:
        flat = _merge_all_of(part)
        merged["properties"].update(flat.get("properties", {}))
        merged["required"].extend(flat.get("required", []))
        if flat.get("additionalProperties") is False:
            merged["additionalProperties"] = False
    return merged


def _compile(schema: dict[str, Any]) -> list[Check]:
    """Turn one property schema into a list of checks returning a message or None."""
    schema = _merge_all_of(schema)
    checks: list[Check] = []
    nullable = bool(schema.get("nullable"))
    json_type = schema.get("type")

    if isinstance(json_type, str) and json_type in _JSON_TYPES:
        accepted = _JSON_TYPES[json_type]

        def check_type(value: object) -> str | None:
            if value is None:
                return None if nullable else "must not be null"
            # bool is an int in Python; the API's integers are not booleans.
            if isinstance(value, bool) and json_type != "boolean":
                return f"must be of type {json_type}, got bool"
            if not isinstance(value, accepted):
                return f"must be of type {json_type}, got {type(value).__name__}"
            if isinstance(value, float) and not math.isfinite(value):  # JSON has no NaN or infinity
                return f"must be a finite number, got {value}"
            return None

        checks.append(check_type)

    if "enum" in schema:
        allowed = tuple(schema["enum"])
        listing = ", ".join(str(a) for a in allowed)

        def check_enum(value: object) -> str | None:
            if value is None:
                return None
            return None if value in allowed else f"is not one of {listing}"

        checks.append(check_enum)

    min_length, max_length = schema.get("minLength"), schema.get("maxLength")
    if min_length is not None or max_length is not None:

        def check_length(value: object) -> str | None:
            if not isinstance(value, str):
                return None
            if max_length is not None and len(value) > max_length:
                return f"is {len(value)} characters long, at most {max_length} allowed"
            if min_length is not None and len(value) < min_length:
                return "must not be empty" if min_length == 1 else f"must be at least {min_length} characters long"
            return None

        checks.append(check_length)

    if "pattern" in schema:
        pattern = re.compile(schema["pattern"])

        def check_pattern(value: object) -> str | None:
            if not isinstance(value, str):
                return None
            return None if pattern.search(value) else f"does not match the pattern {pattern.pattern}"

        checks.append(check_pattern)

    minimum, maximum = schema.get("minimum"), schema.get("maximum")
    if minimum is not None or maximum is not None:

        def check_range(value: object) -> str | None:
            if isinstance(value, bool) or not isinstance(value, int | float):
                return None
            if minimum is not None and value < minimum:
                return f"must be at least {minimum}"
            if maximum is not None and value > maximum:
                return f"must be at most {maximum}"
            return None

        checks.append(check_range)

    spec_format = schema.get("format")
    if spec_format in KNOWN_FORMATS:

        def check_spec_format(value: object) -> str | None:
            return check_format(spec_format, value)

        checks.append(check_spec_format)

    items = schema.get("items")
    if json_type == "array" and isinstance(items, dict) and _merge_all_of(items).get("type") != "object":
        item_checks = _compile(items)

        def check_items(value: object) -> str | None:
            if not isinstance(value, list | tuple):
                return None
            for index, item in enumerate(value):
                for check in item_checks:
                    message = check(item)
                    if message is not None:
                        return f"item {index} ({item!r}) {message}"
            return None

        checks.append(check_items)

    return checks


RowCheck = Callable[[Mapping[str, Any]], bool]


class RequestSchema:
    """The compiled constraints of one request-body schema of the spec."""

    def __init__(self, name: str, schema: dict[str, Any], *, accepts: RowCheck | None = None) -> None:
        flat = _merge_all_of(schema)
        self.name = name
        self.properties: dict[str, dict[str, Any]] = {
            key: resolve(value) for key, value in flat.get("properties", {}).items()
        }
        self.required: frozenset[str] = frozenset(flat.get("required", ()))
        self.closed = flat.get("additionalProperties") is False
        self._checks: dict[str, list[Check]] = {key: _compile(value) for key, value in self.properties.items()}
        self.accepts: RowCheck = accepts or self._finds_nothing
        """True when ``problems`` would find nothing: the bulk path (generated for the spec's entity schemas)."""

    @classmethod
    def from_properties(
        cls,
        name: str,
        properties: Mapping[str, dict[str, Any]],
        required: Iterable[str],
        *,
        closed: bool,
        accepts: RowCheck | None = None,
    ) -> RequestSchema:
        """The checks of an object schema given by its (resolved) properties."""
        schema: dict[str, Any] = {"type": "object", "properties": dict(properties), "required": list(required)}
        if closed:
            schema["additionalProperties"] = False
        return cls(name, schema, accepts=accepts)

    def _finds_nothing(self, row: Mapping[str, Any]) -> bool:
        return not self.problems(row)

    @classmethod
    def of(cls, component: str) -> RequestSchema:
        return _request_schema(component)

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(self.properties)

    def enum(self, field: str) -> tuple[object, ...] | None:
        values = self.properties[field].get("enum")
        return tuple(values) if values is not None else None

    def problems(self, values: Mapping[str, object], *, row: str | None = None) -> list[FieldProblem]:
        """Every violation in ``values`` (absent keys are unset fields)."""
        found: list[FieldProblem] = []
        if not self.required <= values.keys():
            for field in sorted(self.required - values.keys()):
                found.append(FieldProblem(field=field, value=None, message="is required", row=row))
        for field, value in values.items():
            checks = self._checks.get(field)
            if checks is None:
                if self.closed:
                    found.append(
                        FieldProblem(field=field, value=value, message="is not a field of " + self.name, row=row)
                    )
                continue
            if field in self.required and value is None:
                found.append(FieldProblem(field=field, value=value, message="is required", row=row))
                continue
            for check in checks:
                message = check(value)
                if message is not None:
                    found.append(FieldProblem(field=field, value=value, message=message, row=row))
                    break
        return found

    def check(self, values: Mapping[str, object], *, extra: Iterable[FieldProblem] = ()) -> None:
        """Raise one ValidationError listing every problem, spec-derived and ``extra``."""
        problems = [*self.problems(values), *extra]
        if problems:
            raise ValidationError(problems)


@spec_cache
def _request_schema(component: str) -> RequestSchema:
    return RequestSchema(component, component_schema(component))


@spec_cache
def parameter_schema(operation_id: str, name: str) -> dict[str, Any]:
    """The schema of a named parameter of an operation, e.g. the ``limit`` of polling."""
    from nuntiq_sdk._spec import customer_api_spec

    for path_item in customer_api_spec()["paths"].values():
        for operation in path_item.values():
            if isinstance(operation, dict) and operation.get("operationId") == operation_id:
                for parameter in operation.get("parameters", []):
                    parameter = resolve(parameter)
                    if parameter["name"] == name:
                        return _merge_all_of(parameter["schema"])
    raise LookupError(f"the spec has no parameter {name!r} on {operation_id}")


def check_parameter(operation_id: str, name: str, value: object) -> FieldProblem | None:
    """Check one argument against its parameter's constraints in the spec."""
    for check in _compile(parameter_schema(operation_id, name)):
        message = check(value)
        if message is not None:
            return FieldProblem(field=name, value=value, message=message)
    return None
