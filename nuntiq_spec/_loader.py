"""The Customer API spec as ``nox -s generate`` embeds it beside the generated client.

``generated_client/openapi.json`` is written from ``openapi/customer-api.yaml``
by the same run that generates the client, so the SDK's constraints, the
sandbox's routes and the lifecycle catalog all come from the spec the client
was generated from. The file is located without importing ``generated_client``
(this package imports nothing of the project's), and parsed once per process.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

__all__ = ["component_schema", "customer_api_spec", "resolve", "spec_cache", "spec_path", "use_spec"]

F = TypeVar("F", bound=Callable[..., Any])

_override: list[dict[str, Any]] = []
_cache_clears: list[Callable[[], None]] = []


def spec_path() -> Path:
    """Where the embedded spec lives: ``openapi.json`` in the installed ``generated_client`` package."""
    found = importlib.util.find_spec("generated_client")
    locations = list(found.submodule_search_locations or []) if found is not None else []
    for location in locations:
        candidate = Path(location) / "openapi.json"
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        "generated_client/openapi.json not found: install the project (pip install .) or run nox -s generate"
    )


@cache
def _embedded_spec() -> dict[str, Any]:
    spec: dict[str, Any] = json.loads(spec_path().read_text(encoding="utf-8"))
    return spec


def customer_api_spec() -> dict[str, Any]:
    """The spec every schema, constraint, route and the catalog are read from (``$ref`` left in place)."""
    return _override[-1] if _override else _embedded_spec()


def spec_cache(function: F) -> F:
    """``functools.cache`` for a function of the spec, emptied whenever ``use_spec`` swaps it."""
    cached = cache(function)
    _cache_clears.append(cached.cache_clear)
    return cached  # type: ignore[return-value]


@contextmanager
def use_spec(spec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Read schemas from ``spec`` inside the block (tests: a spec as a regeneration would ship it)."""
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
    """One schema of ``components/schemas``, resolved; a name the spec lacks is a LookupError naming it."""
    try:
        schema: dict[str, Any] = customer_api_spec()["components"]["schemas"][name]
    except KeyError:
        raise LookupError(f"the Customer API spec has no schema named {name!r}") from None
    return resolve(schema)
