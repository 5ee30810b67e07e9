"""What both SDK generators read of the spec: its schemas, references followed, and JSON types as Python types.

``generate_entities`` (what connectors build) and ``generate_views`` (what
the API answers) walk the same component schemas; the walking and the type
names live here once so the two modules cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

SCALAR_TYPES: Mapping[str, str] = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}


def ref_name(ref: str) -> str:
    """``#/components/schemas/Supplier`` -> ``Supplier``."""
    return ref.rsplit("/", 1)[-1]


def literal_type(values: Iterable[Any]) -> str:
    """``Literal[...]`` of an enum's values (``null`` is the field's nullability, not a value)."""
    return "Literal[" + ", ".join(repr(v) for v in values if v is not None) + "]"


class SpecSchemas:
    """The spec's component schemas, with ``$ref`` and ``allOf`` resolved the way the SDK reads them."""

    def __init__(self, spec: Mapping[str, Any]) -> None:
        self.spec = spec
        self.schemas: Mapping[str, Any] = spec["components"]["schemas"]

    def resolve(self, schema: Mapping[str, Any]) -> dict[str, Any]:
        """The schema a chain of ``$ref`` ends at."""
        while "$ref" in schema:
            node: Any = self.spec
            for part in str(schema["$ref"]).removeprefix("#/").split("/"):
                node = node[part]
            schema = node
        return dict(schema)

    def flat(self, schema: Mapping[str, Any]) -> dict[str, Any]:
        """``allOf`` merged and references followed (what the SDK's checks read)."""
        schema = self.resolve(schema)
        if "allOf" not in schema:
            return schema
        parts = [self.resolve(part) for part in schema["allOf"]]
        if len(parts) == 1 and parts[0].get("type") != "object" and "allOf" not in parts[0]:
            return {**self.flat(parts[0]), **{k: v for k, v in schema.items() if k != "allOf"}}
        merged: dict[str, Any] = {"type": "object", "properties": {}, "required": []}
        for part in schema["allOf"]:
            flat = self.flat(part)
            merged["properties"].update(flat.get("properties", {}))
            merged["required"].extend(flat.get("required", []))
            if flat.get("additionalProperties") is False:
                merged["additionalProperties"] = False
        return merged
