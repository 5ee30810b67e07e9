"""Building the generated API client, and the one call helper every Load uses.

The SDK never builds URLs or calls httpx itself: it calls the generated
endpoint functions (``generated_client.api.*.*.sync_detailed``) through
``send``/``call``, which turn every failure into the SDK's exception tree::

    leases = call(claim_invoices.sync_detailed, client=api, body=ClaimRequest(limit=20)).leases

The generated functions parse the body before returning, so an unreadable
body surfaces as a ``ValueError`` from inside them; ``build_api_client``
installs event hooks that remember the last request and response (per thread
and task), so that ``send`` can still report its status and request id.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any, ParamSpec, TypeVar
from urllib.parse import urlsplit

import httpx
import orjson

from generated_client import AuthenticatedClient
from generated_client.models.problem import Problem
from generated_client.types import Response
from nuntiq_sdk._config import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    REQUEST_ID_HEADER,
    RETRY_COUNT_HEADER,
    USER_AGENT,
)
from nuntiq_sdk._exceptions import (
    APIConnectionError,
    APIResponseError,
    APIStatusError,
    APITimeoutError,
    error_from_response,
)
from nuntiq_sdk._transport import RetryTransport
from nuntiq_sdk._util import short_repr

__all__ = ["Transport", "build_api_client", "build_view", "call", "call_json", "call_view", "send", "send_raw"]

# The network under the retries; other modules name it without importing httpx.
Transport = httpx.BaseTransport

P = ParamSpec("P")
T = TypeVar("T")
R = TypeVar("R")
V = TypeVar("V")

_last_request: contextvars.ContextVar[httpx.Request | None] = contextvars.ContextVar(
    "nuntiq_last_request", default=None
)
_last_response: contextvars.ContextVar[httpx.Response | None] = contextvars.ContextVar(
    "nuntiq_last_response", default=None
)


def _remember_request(request: httpx.Request) -> None:
    _last_request.set(request)


def _remember_response(response: httpx.Response) -> None:
    _last_response.set(response)


def build_api_client(
    base_url: str,
    token: str,
    *,
    timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT,
    max_retries: int = DEFAULT_MAX_RETRIES,
    transport: httpx.BaseTransport | None = None,
    verify: bool = True,
) -> AuthenticatedClient:
    """The generated ``AuthenticatedClient`` for ``base_url`` (the API root, e.g. ``https://host/v1``).

    Requests go through a ``RetryTransport`` around ``transport`` (default: an
    ``httpx.HTTPTransport`` that verifies TLS unless ``verify=False`` and uses
    the environment's HTTPS_PROXY/HTTP_PROXY/NO_PROXY). Pass an
    ``httpx.MockTransport`` or an ASGI transport to test without a network,
    or a ``RetryTransport`` of your own to set the retry policy (it is then
    used as is and ``max_retries`` is ignored).
    """
    if transport is None:
        transport = httpx.HTTPTransport(verify=verify, proxy=_environment_proxy(base_url))
    retrying = (
        transport if isinstance(transport, RetryTransport) else RetryTransport(transport, max_retries=max_retries)
    )
    if timeout is not None and not isinstance(timeout, httpx.Timeout):
        timeout = httpx.Timeout(timeout, connect=min(DEFAULT_CONNECT_TIMEOUT, timeout))
    return AuthenticatedClient(
        base_url=base_url,
        token=token,
        timeout=timeout,
        verify_ssl=verify,
        headers={"User-Agent": USER_AGENT},
        raise_on_unexpected_status=False,
        httpx_args={
            "transport": retrying,
            "event_hooks": {"request": [_remember_request], "response": [_remember_response]},
        },
    )


def _environment_proxy(base_url: str) -> str | None:
    """The proxy httpx would take from the environment for ``base_url``.

    httpx ignores environment proxies once a custom transport is given, so
    the inner transport gets the proxy itself; the client only ever talks to
    one host, which makes the choice per client exact.
    """
    parts = urlsplit(base_url)
    proxies = urllib.request.getproxies_environment()
    proxy = proxies.get(parts.scheme) or proxies.get("all")
    if not proxy or not parts.hostname or urllib.request.proxy_bypass(parts.hostname):
        return None
    return proxy if "://" in proxy else f"http://{proxy}"


def _invoke(endpoint: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> tuple[R, httpx.Request | None]:
    """Call a generated endpoint function, turning network and body-reading failures into ``NuntiqError``s.

    Returns what it returned and the request that was sent (for naming it in a status error).
    """
    request_token = _last_request.set(None)
    response_token = _last_response.set(None)
    try:
        try:
            return endpoint(*args, **kwargs), _last_request.get()
        except httpx.TransportError as exc:
            raise _connection_error(exc, _last_request.get()) from exc
        except httpx.RequestError as exc:  # DecodingError: a body that does not match its Content-Encoding
            raise _undecodable(exc, _last_request.get()) from exc
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raw = _last_response.get()
            if raw is not None:
                raise _unreadable(raw, exc) from exc
            if isinstance(exc, json.JSONDecodeError):  # a client not built by build_api_client: no details
                raise APIResponseError(f"the response body is not JSON ({exc})") from exc
            raise  # raised before any answer: a caller's or the SDK's bug, not the API's
    finally:
        _last_request.reset(request_token)
        _last_response.reset(response_token)


def send_raw(endpoint: Callable[P, httpx.Response], *args: P.args, **kwargs: P.kwargs) -> httpx.Response:
    """Call a generated ``sync_raw`` endpoint; return the successful response, its body not parsed into models.

    For pages the SDK reads once itself (50,000 rows are not worth 50,000
    attrs models thrown away). Raises like ``send``.
    """
    response, request = _invoke(endpoint, *args, **kwargs)
    if response.status_code >= 400:
        raise _status_error(response.status_code, _json_object(response.content), response.headers, request)
    return response


def send(endpoint: Callable[P, Response[T | Problem]], *args: P.args, **kwargs: P.kwargs) -> Response[T]:
    """Call a generated ``sync_detailed`` endpoint; return its response or raise a ``NuntiqError``.

    Raises ``APITimeoutError``/``APIConnectionError`` (network, after the
    transport's retries), ``APIStatusError`` subclasses (status >= 400 or a
    problem document) and ``APIResponseError`` (a body that cannot be read).
    """
    response, request = _invoke(endpoint, *args, **kwargs)
    parsed = response.parsed
    if isinstance(parsed, Problem) or response.status_code >= 400:
        problem = _json_object(response.content) or (parsed.to_dict() if isinstance(parsed, Problem) else None)
        raise _status_error(response.status_code, problem, response.headers, request)
    if parsed is None:
        raise APIResponseError(
            f"{response.status_code} response has no body the client can read",
            status_code=response.status_code,
            request_id=response.headers.get(REQUEST_ID_HEADER),
            body=response.content[:1000],
        )
    return Response(status_code=response.status_code, content=response.content, headers=response.headers, parsed=parsed)


def _status_error(
    status: int, problem: dict[str, Any] | None, headers: Mapping[str, str], request: httpx.Request | None
) -> APIStatusError:
    error = error_from_response(status, problem, headers)
    if request is not None:  # where it failed, for the message a person reads (never a header)
        error.request_method, error.request_url = request.method, str(request.url.copy_with(query=None))
    return error


def call(endpoint: Callable[P, Response[T | Problem]], *args: P.args, **kwargs: P.kwargs) -> T:
    """``send(...)`` and return the parsed model."""
    parsed = send(endpoint, *args, **kwargs).parsed
    if parsed is None:  # pragma: no cover - send never returns an unparsed response
        raise APIResponseError("response has no parsed body")
    return parsed


def call_json(endpoint: Callable[P, httpx.Response], /, *args: P.args, **kwargs: P.kwargs) -> Any:
    """Call a generated ``sync_raw`` endpoint and return the response body's JSON, parsed once from its bytes."""
    return read_json(send_raw(endpoint, *args, **kwargs))


def read_json(response: httpx.Response) -> Any:
    """A successful response's body as JSON (orjson: the body of a 500-row page is the client's largest cost).

    A body that is not JSON is an ``APIResponseError`` naming the status, content type and an excerpt.
    """
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError as exc:
        raise _unreadable(response, exc) from exc


def build_view(view: Callable[[Mapping[str, Any]], V], data: Any, what: str | None = None) -> V:
    """An SDK view (``SomeView.from_dict``) of response JSON; a body of another shape is an ``APIResponseError``."""
    try:
        return view(data)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        owner = getattr(view, "__self__", None)
        name = what or (owner.__name__ if isinstance(owner, type) else getattr(view, "__name__", "view"))
        raise APIResponseError(
            f"the response is not a {name} ({type(exc).__name__}: {short_repr(str(exc), limit=80)})"
        ) from exc


def call_view(
    view: Callable[[Mapping[str, Any]], V], endpoint: Callable[P, httpx.Response], /, *args: P.args, **kwargs: P.kwargs
) -> V:
    """Call a generated ``sync_raw`` endpoint and return the response as an SDK view (``Lease.from_dict``, ...)."""
    return build_view(view, call_json(endpoint, *args, **kwargs))


def _json_object(content: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(content)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _connection_error(exc: httpx.TransportError, request: httpx.Request | None) -> APIConnectionError:
    method = request.method if request is not None else None
    path = request.url.path if request is not None else None
    attempts = 1
    if request is not None:
        with contextlib.suppress(ValueError):
            attempts += int(request.headers.get(RETRY_COUNT_HEADER, "0"))
    target = f"{method} {path}" if method else "request"
    where = ""
    if request is not None:
        port = request.url.port or {"http": 80, "https": 443}.get(request.url.scheme)
        where = f" at {request.url.host}:{port}" if port else f" at {request.url.host}"
    tries = f" after {attempts} attempts" if attempts > 1 else ""
    reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    cls = APITimeoutError if isinstance(exc, httpx.TimeoutException) else APIConnectionError
    what = "timed out" if cls is APITimeoutError else "could not reach the Nuntiq API"
    return cls(f"{target} {what}{where}{tries} ({reason})", request_method=method, request_path=path)


def _undecodable(exc: httpx.RequestError, request: httpx.Request | None) -> APIResponseError:
    target = f"{request.method} {request.url.path}: " if request is not None else ""
    return APIResponseError(f"{target}the response could not be read ({type(exc).__name__}: {exc})")


def _unreadable(raw: httpx.Response, exc: Exception) -> APIResponseError | APIStatusError:
    status = raw.status_code
    request_id = raw.headers.get(REQUEST_ID_HEADER)
    content = raw.content
    if status >= 400:
        problem = _json_object(content)
        if problem is not None or not content.strip():
            # A JSON error body that is not a full problem document, or none at all: still the status's error.
            return error_from_response(status, problem, raw.headers)
    content_type = raw.headers.get("content-type", "no content type")
    excerpt = short_repr(content[:200].decode("utf-8", errors="replace"), limit=80)
    suffix = f" (request_id={request_id})" if request_id else ""
    return APIResponseError(
        f"{status} response with a body the client cannot read ({content_type}; {type(exc).__name__}): {excerpt}"
        + suffix,
        status_code=status,
        request_id=request_id,
        body=content[:1000],
    )
