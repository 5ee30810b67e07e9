"""Pure ASGI middlewares: around the connexion app, and inside its stack.

The stack, outermost first::

    FaultMiddleware          injected statuses and dropped connections
    UnreadBodyMiddleware     Connection: close on an answer given before the body was read
    RequestIdMiddleware      X-Request-Id on every response
    AdminKeyMiddleware       X-Sandbox-Admin-Key on /_sandbox
    connexion: routing, security (bearer token)
      PermissionMiddleware   the operation's permission (in _auth)
      BodyLimitMiddleware    body size per content type, body idle timeout
      IdempotencyMiddleware  Idempotency-Key replays, per tenant
      LatencyMiddleware      injected latency, served just before the handler
    connexion: request validation, handlers

Faults are outermost because only the server's own ``send`` can drop a
connection, and because a "drop after" must let the request commit (and its
idempotency record be stored) before the client loses the answer.
No body is read before the caller is authenticated: the admin key is checked
outside connexion, the bearer token by connexion's security layer, and the
first reader of a body (idempotency, validation, a handler) sits after
``BodyLimitMiddleware``, which refuses a body over its content type's limit
from ``Content-Length`` before reading a byte, and one without (chunked) as
soon as the bytes read pass it. An answer given with the body unread closes
the connection, so the server never reads (and discards) the rest.
Idempotency sits after authentication and the permission check, so a replay
is only ever served to a token that may make the request in the first place,
and a request without a valid token stores nothing. Latency is decided by the
fault rule but served inside the idempotency layer, so a slow request holds
its key the way a slow server would.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import re
import secrets
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nuntiq_sandbox._auth import admin_key_matches
from nuntiq_sandbox._constants import (
    ADMIN_BASE_PATH,
    ADMIN_KEY_HEADER,
    API_BASE_PATH,
    BODY_IDLE_TIMEOUT_SECONDS,
    INGESTION_MAX_FILE_BYTES,
    JSON_BODY_MAX_BYTES,
    OTHER_BODY_MAX_BYTES,
)
from nuntiq_sandbox._problems import REQUEST_ID_SCOPE_KEY, ApiProblem, default_code, problem_response
from nuntiq_sandbox._store import Store, db_time

__all__ = [
    "AdminKeyMiddleware",
    "BodyLimitMiddleware",
    "BodyLimits",
    "FaultMiddleware",
    "FaultRegistry",
    "FaultRule",
    "IdempotencyMiddleware",
    "LatencyMiddleware",
    "RequestIdMiddleware",
    "UnreadBodyMiddleware",
    "WriteLog",
    "ensure_request_id",
]

_LATENCY_SCOPE_KEY = "nuntiq.latency_seconds"
# A key in flight is usually released within a request's time: ask the client to come back in a second.
IDEMPOTENCY_RETRY_AFTER_SECONDS = 1
_DISCONNECT_WAIT_SECONDS = 5.0


def ensure_request_id(scope: Scope) -> str:
    request_id = scope.get(REQUEST_ID_SCOPE_KEY)
    if not request_id:
        request_id = scope[REQUEST_ID_SCOPE_KEY] = "req_" + secrets.token_hex(12)
    return str(request_id)


def _is_admin(scope: Scope) -> bool:
    path = str(scope.get("path", ""))
    return path == ADMIN_BASE_PATH or path.startswith(ADMIN_BASE_PATH + "/")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


async def _send_response(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


class RequestIdMiddleware:
    """Tags every response (errors, replays, admin) with ``X-Request-Id``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header = (b"x-request-id", ensure_request_id(scope).encode())

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0].lower() != b"x-request-id"]
                message = {**message, "headers": [*headers, header]}
            await send(message)

        await self.app(scope, receive, send_with_id)


class AdminKeyMiddleware:
    """``/_sandbox`` needs the admin key, always (health excepted): the admin API can mint tokens,
    read every tenant and move the clock, so it is never open, and a tenant's bearer token is no way in."""

    def __init__(self, app: ASGIApp, admin_key: str) -> None:
        if not admin_key:
            raise ValueError("the sandbox needs an admin key")
        self.app = app
        self.admin_key = admin_key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _is_admin(scope) and scope.get("path") != ADMIN_BASE_PATH + "/health":
            refusal = self._refusal(scope)
            if refusal is not None:
                status, code, detail = refusal
                response = problem_response(status, code, detail, ensure_request_id(scope))
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _refusal(self, scope: Scope) -> tuple[int, str, str] | None:
        given = _header(scope, ADMIN_KEY_HEADER.lower().encode())
        if given is not None:
            if admin_key_matches(self.admin_key, given):
                return None
            return 401, "ADMIN_KEY_INVALID", f"The {ADMIN_KEY_HEADER} header does not hold this sandbox's admin key."
        if _header(scope, b"authorization") is not None:
            return (
                403,
                "TENANT_TOKEN_NOT_ADMIN",
                f"A Customer API token cannot call the sandbox admin API; send the {ADMIN_KEY_HEADER} header.",
            )
        return 401, "ADMIN_KEY_REQUIRED", f"The sandbox admin API needs the {ADMIN_KEY_HEADER} header."


# -- request limits ---------------------------------------------------------------


@dataclass(frozen=True)
class BodyLimits:
    """The largest body per content type (bytes), and how long a body may stall between chunks."""

    json_bytes: int = JSON_BODY_MAX_BYTES
    binary_bytes: int = INGESTION_MAX_FILE_BYTES
    other_bytes: int = OTHER_BODY_MAX_BYTES
    idle_timeout_seconds: float = BODY_IDLE_TIMEOUT_SECONDS

    def for_content_type(self, content_type: str) -> tuple[int, str]:
        """The limit for a media type, and the problem code a body over it gets."""
        media_type = content_type.split(";")[0].strip().lower()
        if media_type == "application/octet-stream":
            return self.binary_bytes, "FILE_TOO_LARGE"
        if media_type == "application/json" or media_type.endswith("+json"):
            return self.json_bytes, "CONTENT_TOO_LARGE"
        return self.other_bytes, "CONTENT_TOO_LARGE"


def _has_body(scope: Scope) -> bool:
    length = _header(scope, b"content-length")
    if length is not None:
        return length.strip() not in ("", "0")
    return _header(scope, b"transfer-encoding") is not None


class UnreadBodyMiddleware:
    """An answer sent before the request body was read in full says ``Connection: close``.

    Otherwise the server would keep the connection and read the rest of the
    body only to throw it away: a refused 60 MB upload would still cost 60 MB
    of reading, and a client could not see the refusal until it had sent it all.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _has_body(scope):
            await self.app(scope, receive, send)
            return
        body_read = False

        async def tracking_receive() -> Message:
            nonlocal body_read
            message = await receive()
            if message["type"] == "http.request" and not message.get("more_body", False):
                body_read = True
            return message

        async def closing_send(message: Message) -> None:
            if message["type"] == "http.response.start" and not body_read:
                headers = [h for h in message.get("headers", []) if h[0].lower() != b"connection"]
                message = {**message, "headers": [*headers, (b"connection", b"close")]}
            await send(message)

        await self.app(scope, tracking_receive, closing_send)


class BodyLimitMiddleware:
    """Refuses a body over its content type's limit (413) and a body that stalls (408).

    Sits after authentication, so an anonymous caller gets its 401 before any
    byte of its body is read; the declared ``Content-Length`` is checked
    before reading, the bytes actually read while streaming (a chunked body
    declares none).
    """

    def __init__(self, app: ASGIApp, limits: BodyLimits | None = None) -> None:
        self.app = app
        self.limits = limits or BodyLimits()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _has_body(scope):
            await self.app(scope, receive, send)
            return
        limit, code = self.limits.for_content_type(_header(scope, b"content-type") or "")
        declared = _header(scope, b"content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > limit:
            raise self._too_large(code, f"The body is {int(declared)} bytes", limit, scope)
        idle_timeout = self.limits.idle_timeout_seconds
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            try:
                async with asyncio.timeout(idle_timeout):
                    message = await receive()
            except TimeoutError:
                raise ApiProblem(
                    408,
                    "REQUEST_TIMEOUT",
                    f"The request body stalled for more than {idle_timeout:g} s.",
                    headers={"Connection": "close"},
                ) from None
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise self._too_large(code, f"The body is over {seen} bytes", limit, scope)
            return message

        await self.app(scope, limited_receive, send)

    @staticmethod
    def _too_large(code: str, what: str, limit: int, scope: Scope) -> ApiProblem:
        media_type = (_header(scope, b"content-type") or "a body without a content type").split(";")[0]
        return ApiProblem(
            413,
            code,
            f"{what}; {media_type} bodies are limited to {limit} bytes here.",
            headers={"Connection": "close"},
            limit_bytes=limit,
        )


# -- fault injection ----------------------------------------------------------


@dataclass
class FaultRule:
    """Applies to the next ``count`` matching requests, then expires.

    With ``tenant_id`` it matches only requests whose bearer token belongs to
    that tenant, so ``path_regex="^/v1/"`` with a large ``count`` delays every
    Customer API request of one tenant (a WAN) and leaves the others alone.
    """

    fault_id: str
    path_regex: str
    count: int
    method: str | None = None
    status: int | None = None
    retry_after: int | None = None
    latency_ms: int | None = None
    drop: str | None = None
    tenant_id: str | None = None
    pattern: re.Pattern[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.pattern = re.compile(self.path_regex)
        self.method = self.method.upper() if self.method else None

    def matches(self, method: str, path: str, tenant_id: str | None = None) -> bool:
        return (
            (self.method is None or self.method == method)
            and (self.tenant_id is None or self.tenant_id == tenant_id)
            and self.pattern.search(path) is not None
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "fault_id": self.fault_id,
            "method": self.method,
            "path_regex": self.path_regex,
            "count": self.count,
            "status": self.status,
            "retry_after": self.retry_after,
            "latency_ms": self.latency_ms,
            "drop": self.drop,
            "tenant_id": self.tenant_id,
        }


class FaultRegistry:
    """The live fault rules; the first matching rule is used up first."""

    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()

    def add(self, **options: Any) -> FaultRule:
        rule = FaultRule(fault_id="flt_" + secrets.token_hex(8), **options)
        with self._lock:
            self._rules.append(rule)
        return rule

    def list(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def clear(self) -> int:
        with self._lock:
            cleared = len(self._rules)
            self._rules.clear()
        return cleared

    def scoped(self) -> bool:
        """Whether a live rule names a tenant (only then is a request's token looked up before it runs)."""
        with self._lock:
            return any(rule.tenant_id is not None for rule in self._rules)

    def take(self, method: str, path: str, tenant_id: str | None = None) -> FaultRule | None:
        with self._lock:
            for rule in self._rules:
                if rule.matches(method, path, tenant_id):
                    rule.count -= 1
                    if rule.count <= 0:
                        self._rules.remove(rule)
                    return rule
        return None


def _transport_of(send: Send) -> Any:
    """The connection's transport, when ``send`` is the server's own (uvicorn)."""
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    return transport if hasattr(transport, "close") and hasattr(transport, "is_closing") else None


async def _drop_connection(receive: Receive, send: Send, *, body_read: bool) -> None:
    """Close the connection under the request (a FIN, not a reset, whenever possible)."""
    transport = _transport_of(send)
    if transport is None:
        raise ConnectionAbortedError("fault injection: connection dropped")
    if not body_read:
        # Take the whole request in first: bytes arriving after the close would make the
        # kernel answer with a reset, and the client would see a different error each run.
        await _read_body(receive)
    transport.close()
    # Wait (bounded) until the server has noticed, so that it does not answer in our place.
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(_DISCONNECT_WAIT_SECONDS):
            while (await receive())["type"] != "http.disconnect":
                pass


class FaultMiddleware:
    """Serves the admin API's fault rules; never touches ``/_sandbox``.

    ``tenant_of`` maps a bearer token to its tenant (``None`` when unknown,
    revoked or expired); it is asked only while a rule names a tenant.
    """

    def __init__(
        self, app: ASGIApp, faults: FaultRegistry, tenant_of: Callable[[str], Awaitable[str | None]] | None = None
    ) -> None:
        self.app = app
        self.faults = faults
        self.tenant_of = tenant_of

    async def _tenant(self, scope: Scope) -> str | None:
        if self.tenant_of is None or not self.faults.scoped():
            return None
        scheme, _, token = (_header(scope, b"authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        return await self.tenant_of(token.strip())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        rule = None
        if scope["type"] == "http" and not _is_admin(scope):
            tenant_id = await self._tenant(scope)
            rule = self.faults.take(str(scope["method"]).upper(), str(scope["path"]), tenant_id)
        if rule is None:
            await self.app(scope, receive, send)
            return
        if rule.drop == "before":
            if rule.latency_ms:
                await asyncio.sleep(rule.latency_ms / 1000)
            await _drop_connection(receive, send, body_read=False)
            return
        if rule.status is not None:
            if rule.latency_ms:
                await asyncio.sleep(rule.latency_ms / 1000)
            await self._answer(scope, receive, send, rule)
            return
        if rule.latency_ms:
            scope[_LATENCY_SCOPE_KEY] = rule.latency_ms / 1000
        if rule.drop == "after":
            await self._run_then_drop(scope, receive, send)
            return
        await self.app(scope, receive, send)

    @staticmethod
    async def _answer(scope: Scope, receive: Receive, send: Send, rule: FaultRule) -> None:
        status = int(rule.status or 503)
        request_id = ensure_request_id(scope)
        headers = {"X-Request-Id": request_id}
        if rule.retry_after is not None:
            headers["Retry-After"] = str(rule.retry_after)
        response = problem_response(
            status, default_code(status), "Injected by a sandbox fault rule.", request_id, headers=headers
        )
        await response(scope, receive, send)

    async def _run_then_drop(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Let the request commit, then cut the answer off halfway."""
        messages: list[Message] = []

        async def capture(message: Message) -> None:
            messages.append(message)

        await self.app(scope, receive, capture)
        start = next((m for m in messages if m["type"] == "http.response.start"), None)
        body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
        if start is not None and len(body) >= 2:
            await send(start)
            await send({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True})
        await _drop_connection(receive, send, body_read=True)


class LatencyMiddleware:
    """Sleeps for a fault rule's ``latency_ms`` right before the handler runs."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        delay = scope.get(_LATENCY_SCOPE_KEY)
        if delay:
            await asyncio.sleep(float(delay))
        await self.app(scope, receive, send)


# -- idempotency -----------------------------------------------------------------


class WriteLog:
    """Per tenant: keyed POSTs applied, replayed and refused as in use, and identical requests applied twice.

    Kept in memory for the admin API (``GET /_sandbox/tenants/{id}/writes``), so a
    fault-storm test can prove that retries never applied one write twice.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._applied: dict[str, dict[str, tuple[str, int]]] = {}
        self._counts: dict[str, dict[str, int]] = {}

    def count(self, tenant_id: str, outcome: str) -> None:
        with self._lock:
            counts = self._counts.setdefault(tenant_id, {"applied": 0, "replayed": 0, "in_use": 0})
            counts[outcome] += 1

    def applied(self, tenant_id: str, path: str, fingerprint: str) -> None:
        self.count(tenant_id, "applied")
        with self._lock:
            seen = self._applied.setdefault(tenant_id, {})
            _, times = seen.get(fingerprint, (path, 0))
            seen[fingerprint] = (path, times + 1)

    def report(self, tenant_id: str) -> dict[str, Any]:
        with self._lock:
            counts = dict(self._counts.get(tenant_id, {"applied": 0, "replayed": 0, "in_use": 0}))
            repeated = [
                {"path": path, "times": times} for path, times in self._applied.get(tenant_id, {}).values() if times > 1
            ]
        return {**counts, "repeated": repeated}


class IdempotencyMiddleware:
    """``Idempotency-Key`` on the Customer API's POSTs, scoped to the token's tenant.

    The first request with a key holds it while in flight; only a 2xx JSON
    answer is stored, so a request that failed can be retried with its key.
    Runs inside connexion's stack, where the operation and the token are known.
    """

    def __init__(self, app: ASGIApp, store: Store, writes: WriteLog | None = None) -> None:
        self.app = app
        self.store = store
        self.writes = writes if writes is not None else WriteLog()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = _header(scope, b"idempotency-key") if scope["type"] == "http" else None
        extensions = scope.get("extensions", {})
        info = extensions.get("connexion_context", {}).get("token_info")
        routed = extensions.get("connexion_routing", {}).get("api_base_path") == API_BASE_PATH
        if not key or scope["method"] != "POST" or not routed or not info or len(key) > 255:
            await self.app(scope, receive, send)
            return
        tenant_id = str(info["tenant_id"])
        body, disconnected = await _read_body(receive)
        if disconnected:
            return
        query = scope.get("query_string", b"")
        fingerprint = hashlib.sha256(b"POST " + scope["path"].encode() + b"?" + query + b"\n" + body).hexdigest()
        outcome, stored = await run_in_threadpool(self._begin, tenant_id, key, fingerprint)
        if outcome == "reused":
            raise ApiProblem(
                422, "IDEMPOTENCY_KEY_REUSED", "This Idempotency-Key was used for a different request; use a new key."
            )
        if outcome == "in_use":
            self.writes.count(tenant_id, "in_use")
            raise ApiProblem(
                409,
                "IDEMPOTENCY_KEY_IN_USE",
                "A request with this Idempotency-Key is still in flight; retry after it finishes.",
                headers={"Retry-After": str(IDEMPOTENCY_RETRY_AFTER_SECONDS)},
            )
        if outcome == "replay":
            self.writes.count(tenant_id, "replayed")
            await _send_response(send, 200, _mark_replay(stored or b"{}"), [(b"content-type", b"application/json")])
            return
        status = await self._run_and_store(scope, _replay_body(body, receive), send, tenant_id, key)
        if 200 <= status < 300:
            self.writes.applied(tenant_id, str(scope["path"]), fingerprint)

    async def _run_and_store(self, scope: Scope, receive: Receive, send: Send, tenant_id: str, key: str) -> int:
        status = 0
        is_json = stored = False
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal status, is_json, stored
            if message["type"] == "http.response.start":
                status = int(message["status"])
                content_type = dict(message.get("headers", [])).get(b"content-type", b"")
                is_json = content_type.split(b";")[0].strip() == b"application/json"
            elif message["type"] == "http.response.body" and 200 <= status < 300 and is_json:
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    # Stored before the client has the last byte: a retry it makes on
                    # receipt must find the answer, not a key still in flight.
                    self._finish(tenant_id, key, b"".join(chunks))
                    stored = True
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            if not stored:
                self._finish(tenant_id, key, None)
        return status

    def _begin(self, tenant_id: str, key: str, fingerprint: str) -> tuple[str, bytes | None]:
        with self.store.transaction() as conn:
            row = conn.execute(
                "SELECT fingerprint, state, body FROM idempotency_keys WHERE tenant_id = ? AND key = ?",
                (tenant_id, key),
            ).fetchone()
            if row is None:
                conn.execute(
                    "INSERT INTO idempotency_keys (tenant_id, key, fingerprint, state, created_at)"
                    " VALUES (?, ?, ?, 'in_flight', ?)",
                    (tenant_id, key, fingerprint, db_time(self.store.now())),
                )
                return "new", None
        if row["fingerprint"] != fingerprint:
            return "reused", None
        if row["state"] == "in_flight":
            return "in_use", None
        return "replay", bytes(row["body"])

    def _finish(self, tenant_id: str, key: str, body: bytes | None) -> None:
        with self.store.transaction() as conn:
            if body is None:
                conn.execute("DELETE FROM idempotency_keys WHERE tenant_id = ? AND key = ?", (tenant_id, key))
            else:
                conn.execute(
                    "UPDATE idempotency_keys SET state = 'done', body = ? WHERE tenant_id = ? AND key = ?",
                    (body, tenant_id, key),
                )


async def _read_body(receive: Receive) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b"", True
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), False


def _replay_body(body: bytes, receive: Receive) -> Receive:
    """A receive channel that yields the already-read body once, then the real channel."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _mark_replay(stored: bytes) -> bytes:
    data = json.loads(stored)
    if isinstance(data, dict):
        data["idempotent"] = True
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
