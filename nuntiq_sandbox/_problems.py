"""RFC 9457 problem responses, and the handlers that turn every error into one.

Handlers raise ``ApiProblem``; connexion's own failures (validation, auth,
routing, an unresolved operation) and any unexpected exception are mapped here
too, so a client only ever sees ``application/problem+json`` with a machine
``code`` and the ``request_id`` of the request.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from connexion.exceptions import ProblemException
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import Scope

__all__ = [
    "PROBLEM_CONTENT_TYPE",
    "REQUEST_ID_SCOPE_KEY",
    "ApiProblem",
    "RequestValidationProblem",
    "install_error_handlers",
    "problem_body",
    "problem_response",
    "request_id_of",
    "validation_problem",
]

logger = logging.getLogger("nuntiq_sandbox")

PROBLEM_CONTENT_TYPE = "application/problem+json"
REQUEST_ID_SCOPE_KEY = "nuntiq.request_id"

# The machine code for an HTTP status when nothing more specific is known.
_STATUS_CODES: Mapping[int, str] = {
    400: "VALIDATION_ERROR",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    422: "UNPROCESSABLE",
    429: "RATE_LIMITED",
    500: "INTERNAL_ERROR",
    501: "NOT_IMPLEMENTED",
    502: "BAD_GATEWAY",
    503: "SERVICE_UNAVAILABLE",
    504: "GATEWAY_TIMEOUT",
}


def default_code(status: int) -> str:
    if status in _STATUS_CODES:
        return _STATUS_CODES[status]
    return "INTERNAL_ERROR" if status >= 500 else "BAD_REQUEST"


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


class ApiProblem(Exception):
    """An error a handler answers with: status, machine code, detail, extra members."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(f"{status} {code}: {detail}")
        self.status = status
        self.code = code
        self.detail = detail
        self.headers = dict(headers or {})
        self.extra = extra


class RequestValidationProblem(ProblemException):
    """A request that does not match the spec, with one entry per wrong field."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        detail = "; ".join(f"{error['field']}: {error['message']}" for error in errors)
        super().__init__(status=400, title="Bad Request", detail=detail or "The request is invalid.")
        self.errors = errors


def validation_problem(field: str, message: str) -> ApiProblem:
    return ApiProblem(400, "VALIDATION_ERROR", f"{field}: {message}", errors=[{"field": field, "message": message}])


def request_id_of(scope: Scope) -> str:
    value = scope.get(REQUEST_ID_SCOPE_KEY)
    return str(value) if value else ""


def problem_body(status: int, code: str, detail: str, request_id: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": _title(status),
        "status": status,
        "detail": detail,
        "code": code,
        "request_id": request_id,
    }
    body.update(extra)
    return body


def _encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def problem_response(
    status: int,
    code: str,
    detail: str,
    request_id: str,
    *,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> Response:
    content = _encode(problem_body(status, code, detail, request_id, **extra))
    return Response(content, status_code=status, media_type=PROBLEM_CONTENT_TYPE, headers=dict(headers or {}))


def _connexion_problem(
    request: ConnexionRequest,
    status: int,
    code: str,
    detail: str,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> ConnexionResponse:
    body = _encode(problem_body(status, code, detail, request_id_of(request.scope), **extra))
    return ConnexionResponse(
        status_code=status,
        mimetype=PROBLEM_CONTENT_TYPE,
        content_type=PROBLEM_CONTENT_TYPE,
        body=body,
        headers=dict(headers or {}),
    )


async def _handle_api_problem(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    assert isinstance(exc, ApiProblem)
    return _connexion_problem(request, exc.status, exc.code, exc.detail, exc.headers, **exc.extra)


async def _handle_http_exception(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    """connexion's problems (validation, auth, resolver) and starlette's 404/405."""
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    detail = str(exc.detail) if exc.detail else _title(status)
    headers = {k: v for k, v in (exc.headers or {}).items() if k.lower() != "content-type"}
    if isinstance(exc, RequestValidationProblem):
        return _connexion_problem(request, 400, "VALIDATION_ERROR", detail, headers, errors=exc.errors)
    if status in (400, 415):
        # A connexion problem that names no field: still say what was wrong.
        field = "Content-Type" if status == 415 else "body"
        return _connexion_problem(
            request, 400, "VALIDATION_ERROR", detail, headers, errors=[{"field": field, "message": detail}]
        )
    if status == 401:
        # Worded so that no log or cassette scanner mistakes it for a credential.
        detail = "A valid API token is required in the Authorization header (bearer scheme)."
    elif status == 404:
        detail = f"No route {request.scope.get('method', '')} {request.scope.get('path', '')}."
    elif status == 405:
        from nuntiq_sandbox._spec import allowed_methods

        methods = allowed_methods(str(request.scope.get("path", "")))
        if methods:
            headers["Allow"] = ", ".join(methods)
            detail = f"{request.scope.get('method', '')} is not allowed here; use {', '.join(methods)}."
    return _connexion_problem(request, status, default_code(status), detail, headers)


async def _handle_unexpected(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    request_id = request_id_of(request.scope)
    logger.error("unhandled error in request %s", request_id, exc_info=exc)
    return _connexion_problem(
        request, 500, "INTERNAL_ERROR", f"The sandbox hit an unexpected error; quote request id {request_id}."
    )


def install_error_handlers(app: Any) -> None:
    """Register the handlers on a connexion app (``add_error_handler``)."""
    app.add_error_handler(ApiProblem, _handle_api_problem)
    app.add_error_handler(HTTPException, _handle_http_exception)
    app.add_error_handler(ProblemException, _handle_http_exception)
    app.add_error_handler(Exception, _handle_unexpected)
