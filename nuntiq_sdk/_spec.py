"""The Customer API spec as the generated client embeds it.

``generated_client/openapi.json`` is written by ``nox -s generate`` from
``openapi/customer-api.yaml``; reading constraints and the lifecycle catalog
from it keeps the SDK tied to the spec it was generated from, with no second
handwritten copy.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from importlib import resources
from typing import Any, TypeVar

__all__ = ["component_schema", "customer_api_spec", "resolve", "spec_cache", "use_spec"]

F = TypeVar("F", bound=Callable[..., Any])

_override: list[dict[str, Any]] = []
_cache_clears: list[Callable[[], None]] = []


@cache
def _generated_spec() -> dict[str, Any]:
    text = resources.files("generated_client").joinpath("openapi.json").read_text(encoding="utf-8")
    spec: dict[str, Any] = json.loads(text)
    return spec


def customer_api_spec() -> dict[str, Any]:
    """The spec every schema, constraint and field list of the SDK is read from."""
    return _override[-1] if _override else _generated_spec()


def spec_cache(function: F) -> F:
    """``functools.cache`` for a function of the spec, emptied whenever ``use_spec`` swaps it."""
    cached = cache(function)
    _cache_clears.append(cached.cache_clear)
    return cached  # type: ignore[return-value]


@contextmanager
def use_spec(spec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Read the SDK's schemas from ``spec`` inside the block (tests: a spec as a regeneration would ship it)."""
    _override.append(spec)
    for clear in _cache_clears:
        clear()
    try:
        yield spec
    finally:
        _override.pop()
        for clear in _cache_clears:
            clear()


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
