"""Request validation from the spec, reporting every wrong field at once.

connexion's stock validators stop at the first error and say it in one
sentence. These subclasses keep connexion's routing of parameters and bodies
but collect all errors as ``[{field, message}]`` for the VALIDATION_ERROR
problem, and cache the compiled JSON-schema validators so that a request does
not pay for compiling its schema again.

Before the schema, every JSON body passes the checks no schema states but
the store needs: no NaN or Infinity, no lone UTF-16 surrogate (SQLite cannot
store one), nesting at most ``MAX_JSON_DEPTH`` deep, no array or object over
``MAX_JSON_CONTAINER_ITEMS``. Integers the store keeps in a column are bounded
by the spec itself (``format: int64`` with its ``maximum``); inside free-form
objects they are kept as JSON text, where any size fits.
A body that fails one is a 400 naming the field, never a 500 further down.

``allOf`` of object schemas is validated as one merged object: that is how
the generated client reads it, and it is the only reading under which an
``allOf`` whose first member says ``additionalProperties: false`` accepts the
other members' properties.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncGenerator, Iterable
from typing import Any

from connexion.datastructures import MediaTypeDict
from connexion.json_schema import Draft4RequestValidator
from connexion.validators import VALIDATOR_MAP as CONNEXION_VALIDATORS
from connexion.validators import JSONRequestBodyValidator, ParameterValidator
from jsonschema import Draft4Validator, ValidationError
from starlette.datastructures import Headers
from starlette.types import Message, Receive, Scope

from nuntiq_sandbox._problems import RequestValidationProblem

__all__ = [
    "MAX_JSON_CONTAINER_ITEMS",
    "MAX_JSON_DEPTH",
    "VALIDATOR_MAP",
    "field_errors",
    "unsafe_json_values",
]

MAX_JSON_DEPTH = 64
# No array in the spec allows more items than this (full-load staging); larger ones are not even walked.
MAX_JSON_CONTAINER_ITEMS = 10_000
_MAX_REPORTED = 20

_compiled: dict[int, tuple[dict[str, Any], Any]] = {}
# Draft 4's formats. ``format: date`` is not among them on purpose: a master-data row with an impossible
# date (2026-02-30) is a per-row failure of an upsert, not a refusal of the request; the spec's date
# ``pattern`` refuses what is not a date at all.
FORMAT_CHECKER = Draft4Validator.FORMAT_CHECKER


def _merge_all_of(schema: Any, depth: int = 0) -> Any:
    """Fold ``allOf`` of object schemas into one object schema, recursively."""
    if not isinstance(schema, dict) or depth > 32:
        return schema
    result = {key: value for key, value in schema.items() if key != "allOf"}
    members = schema.get("allOf")
    if isinstance(members, list) and len(members) == 1 and isinstance(members[0], dict) and schema.get("nullable"):
        # ``{allOf: [$ref], nullable: true}``: the spec's way to make a referenced enum nullable.
        # jsonschema would check null against the member, which knows nothing of nullable.
        return _merge_all_of({**members[0], **result}, depth + 1)
    if isinstance(members, list) and all(isinstance(member, dict) for member in members):
        merged_members = [_merge_all_of(member, depth + 1) for member in members]
        if all(member.get("type", "object") == "object" for member in merged_members):
            properties: dict[str, Any] = dict(result.get("properties", {}))
            required: list[str] = list(result.get("required", []))
            closed = result.get("additionalProperties") is False
            for member in merged_members:
                properties.update(member.get("properties", {}))
                required.extend(name for name in member.get("required", []) if name not in required)
                closed = closed or member.get("additionalProperties") is False
            result["type"] = "object"
            result["properties"] = properties
            if required:
                result["required"] = required
            if closed:
                result["additionalProperties"] = False
        else:
            result["allOf"] = merged_members
    if isinstance(result.get("properties"), dict):
        result["properties"] = {name: _merge_all_of(sub, depth + 1) for name, sub in result["properties"].items()}
    if "items" in result:
        result["items"] = _merge_all_of(result["items"], depth + 1)
    return result


_NO_BODY = object()


class _NonFiniteNumber(ValueError):
    """json.loads met NaN, Infinity or -Infinity, which JSON (RFC 8259) does not have."""


def _refuse_constant(name: str) -> Any:
    raise _NonFiniteNumber(name)


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _shown(text: str) -> str:
    """A value for a message: escaped (a lone surrogate cannot be encoded) and short."""
    shown = text.encode("unicode_escape").decode("ascii")
    return shown if len(shown) <= 40 else shown[:37] + "..."


def unsafe_json_values(value: Any) -> list[dict[str, str]]:
    """Field errors for what JSON allows but the sandbox cannot keep: lone surrogates, nesting deeper
    than ``MAX_JSON_DEPTH``, containers over ``MAX_JSON_CONTAINER_ITEMS``. Iterative, so any depth is safe."""
    errors: list[dict[str, str]] = []
    stack: list[tuple[Any, tuple[Any, ...]]] = [(value, ())]
    while stack and len(errors) < _MAX_REPORTED:
        item, where = stack.pop()
        field = _path(where) or "body"
        if len(where) > MAX_JSON_DEPTH:
            errors.append({"field": field, "message": f"is nested deeper than {MAX_JSON_DEPTH} levels"})
            continue
        if isinstance(item, str):
            if _has_surrogate(item):
                errors.append({"field": field, "message": f'"{_shown(item)}" contains a lone UTF-16 surrogate'})
        elif isinstance(item, dict | list) and len(item) > MAX_JSON_CONTAINER_ITEMS:
            kind = "members" if isinstance(item, dict) else "items"
            errors.append({"field": field, "message": f"has {len(item)} {kind}; at most {MAX_JSON_CONTAINER_ITEMS}"})
        elif isinstance(item, dict):
            for key, member in item.items():
                if _has_surrogate(key):
                    message = f'key "{_shown(key)}" contains a lone UTF-16 surrogate'
                    errors.append({"field": field, "message": message})
                    continue
                stack.append((member, (*where, key)))
        elif isinstance(item, list):
            stack.extend((member, (*where, index)) for index, member in enumerate(item))
    return sorted(errors, key=lambda e: e["field"])


def _validator_for(schema: dict[str, Any], *, request_body: bool) -> Any:
    cached = _compiled.get(id(schema))
    if cached is not None and cached[0] is schema:
        return cached[1]
    if request_body:
        validator = Draft4RequestValidator(_merge_all_of(schema), format_checker=FORMAT_CHECKER)
    else:
        validator = Draft4Validator(schema, format_checker=FORMAT_CHECKER)
    # Keep the schema alive with its validator so that its id is never reused.
    _compiled[id(schema)] = (schema, validator)
    return validator


def _path(parts: Iterable[Any]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _message(error: ValidationError) -> str:
    """jsonschema's message, short: it may quote the whole (possibly huge) value."""
    if error.validator == "maxLength":
        return f"must be at most {error.validator_value} characters"
    if error.validator == "minLength":
        n = error.validator_value
        return "must not be empty" if n == 1 else f"must be at least {n} characters"
    text = str(error.message)
    return text if len(text) <= 200 else text[:197] + "..."


def field_errors(errors: Iterable[ValidationError]) -> list[dict[str, str]]:
    """One ``{field, message}`` per problem, naming the field itself."""
    result: list[dict[str, str]] = []
    for error in errors:
        where = _path(error.absolute_path)
        instance = error.instance
        if error.validator == "required" and isinstance(instance, dict):
            for name in error.validator_value:
                if name not in instance:
                    result.append({"field": _join(where, name), "message": "is required"})
        elif error.validator == "additionalProperties" and isinstance(instance, dict):
            known = set(error.schema.get("properties", {}))
            for name in sorted(set(instance) - known):
                result.append({"field": _join(where, name), "message": "is not a known field"})
        else:
            result.append({"field": where or "body", "message": _message(error)})
    unique: dict[tuple[str, str], dict[str, str]] = {(e["field"], e["message"]): e for e in result}
    return sorted(unique.values(), key=lambda e: e["field"])


async def _unchunked(receive: Receive, scope: Scope) -> tuple[Receive, Scope]:
    """A chunked body read in full (BodyLimitMiddleware bounds it) and given a Content-Length:
    connexion takes a request without Content-Length for one without a body."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    new_scope = {**scope, "headers": [(k, v) for k, v in scope["headers"] if k.lower() != b"transfer-encoding"]}
    new_scope["headers"].append((b"content-length", str(len(body)).encode()))
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay, new_scope


class CollectingBodyValidator(JSONRequestBodyValidator):
    """JSON bodies: parse errors and every schema violation, as field errors."""

    @property
    def _validator(self) -> Any:
        return _validator_for(self._schema, request_body=True)

    async def wrap_receive(self, receive: Receive, *, scope: Scope) -> tuple[Receive, Scope]:
        headers = Headers(scope=scope)
        if "transfer-encoding" in headers and "content-length" not in headers:
            receive, scope = await _unchunked(receive, scope)
        if self._required and not int(Headers(scope=scope).get("content-length") or 0):
            raise RequestValidationProblem([{"field": "body", "message": "a JSON request body is required"}])
        return await super().wrap_receive(receive, scope=scope)

    async def _parse(self, stream: AsyncGenerator[bytes, None], scope: Scope) -> Any:
        raw = b"".join([chunk async for chunk in stream])
        if not raw.strip():
            return _NO_BODY
        try:
            value = json.loads(raw.decode(self._encoding), parse_constant=_refuse_constant)
        except _NonFiniteNumber as exc:
            message = f"{exc} is not a JSON number (RFC 8259 has no NaN or Infinity)"
            raise RequestValidationProblem([{"field": "body", "message": message}]) from None
        except RecursionError:
            message = f"is nested deeper than {MAX_JSON_DEPTH} levels"
            raise RequestValidationProblem([{"field": "body", "message": message}]) from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise RequestValidationProblem([{"field": "body", "message": f"is not valid JSON ({exc})"}]) from None
        errors = unsafe_json_values(value)
        if errors:
            raise RequestValidationProblem(errors)
        return value

    def _validate(self, body: Any) -> dict[str, Any] | None:
        # An empty body is "no body"; a JSON ``null`` is a body, checked against the schema like any other.
        if body is _NO_BODY:
            if self._required:
                raise RequestValidationProblem([{"field": "body", "message": "a JSON request body is required"}])
            return None
        # Bounded: a body with an error in each of thousands of items needs only the first few named.
        errors = list(itertools.islice(self._validator.iter_errors(body), _MAX_REPORTED))
        if errors:
            raise RequestValidationProblem(field_errors(errors))
        return None


class CollectingParameterValidator(ParameterValidator):
    """Path, query and header parameters: every wrong one, named."""

    def validate_request(self, request: Any) -> None:
        errors: list[dict[str, str]] = []
        if self.strict_validation:
            extra = self.validate_query_parameter_list(request, security_params=self.security_query_params)
            errors.extend({"field": name, "message": "is not a known query parameter"} for name in sorted(extra))
        sources = {
            "query": lambda name: request.query_params.get(name),
            "path": lambda name: request.path_params.get(name.replace("-", "_")),
            "header": lambda name: request.headers.get(name),
        }
        for location, lookup in sources.items():
            for param in self.parameters.get(location, []):
                message = self._check(lookup(param["name"]), param)
                if message:
                    errors.append({"field": param["name"], "message": message})
        if errors:
            raise RequestValidationProblem(errors)

    @staticmethod
    def _check(value: Any, param: dict[str, Any]) -> str | None:
        if value is None:
            return f"is required ({param['in']} parameter)" if param.get("required") else None
        schema = param.get("schema", param)
        error = next(iter(_validator_for(schema, request_body=False).iter_errors(value)), None)
        return None if error is None else _message(error)


VALIDATOR_MAP: dict[str, Any] = {
    **CONNEXION_VALIDATORS,
    "parameter": CollectingParameterValidator,
    "body": MediaTypeDict({"*/*json": CollectingBodyValidator}),
}
