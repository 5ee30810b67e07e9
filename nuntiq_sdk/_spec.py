"""The Customer API spec as the generated client embeds it.

``generated_client/openapi.json`` is written by ``nox -s generate`` from
``openapi/customer-api.yaml``; reading constraints and the lifecycle catalog
from it keeps the SDK tied to the spec it was generated from, with no second
handwritten copy.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["component_schema", "customer_api_spec", "resolve"]


@cache
def customer_api_spec() -> dict[str, Any]:
    text = resources.files("generated_client").joinpath("openapi.json").read_text(encoding="utf-8")
    spec: dict[str, Any] = json.loads(text)
    return spec


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    """Follow a local ``$ref`` (one level at a time, until a concrete schema)."""
    while "$ref" in schema:
        ref: str = schema["$ref"]
        node: Any = customer_api_spec()
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def component_schema(name: str) -> dict[str, Any]:
    try:
        schema: dict[str, Any] = customer_api_spec()["components"]["schemas"][name]
    except KeyError:
        raise LookupError(f"the Customer API spec has no schema named {name!r}") from None
    return resolve(schema)
