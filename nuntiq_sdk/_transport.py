"""``RetryTransport``: retries with backoff and jitter, wrapped around any httpx transport.

What is retried:

* ``httpx.TransportError`` of the network kind (connect, read, write, remote
  protocol, proxy errors and every timeout), and responses whose status is in
  ``RETRYABLE_STATUS_CODES`` (429 and 5xx).
* ``409 IDEMPOTENCY_KEY_IN_USE``: the server is still working on an earlier
  attempt with the same key (typically one that timed out on our side). The
  request is re-sent, with the same key, until that attempt has finished and
  its stored answer is replayed - within the same retry budget.
* A body streamed from a seekable file (an ingestion upload) is rewound
  before each retry; any other streamed body is buffered once so it can be
  sent again.
* Only when it is safe. GET, HEAD, OPTIONS, PUT and DELETE are; POST and PATCH
  are when the request carries an ``Idempotency-Key``. The transport adds a
  fresh key to every POST that has none, and the same request object (so the
  same key) is re-sent on every retry; a caller's own key is kept. A failure
  to connect (nothing was sent) is retryable for any method.

The wait before retry ``n`` (0-based) is ``min(backoff_max, backoff_base * 2**n)``
with equal jitter (between half and all of it), or the server's
``Retry-After`` (delta-seconds or HTTP-date) capped at ``retry_after_max``.
Responses are read in full inside the transport (the generated client
never streams), so a connection lost while reading a body counts as a
network error too; a response is closed before its request is retried.
Retries carry ``X-Nuntiq-Retry-Count`` and are logged at WARNING on the
``nuntiq_sdk.http`` logger with method, path, attempt, reason and request id:
never headers, bodies or tokens.
"""

from __future__ import annotations

import json
import logging
import random as _random
import time
import uuid
from collections.abc import Callable, Collection

import httpx

from nuntiq_sdk._config import (
    DEFAULT_BACKOFF_BASE,
    DEFAULT_BACKOFF_MAX,
    DEFAULT_MAX_RETRIES,
    HTTP_LOGGER_NAME,
    IDEMPOTENCY_KEY_HEADER,
    IDEMPOTENCY_KEY_IN_USE_CODE,
    REQUEST_ID_HEADER,
    RETRY_AFTER_HEADER,
    RETRY_AFTER_MAX,
    RETRY_COUNT_HEADER,
    RETRY_SAFE_METHODS,
    RETRYABLE_STATUS_CODES,
)
from nuntiq_sdk._util import parse_retry_after

__all__ = ["RetryTransport", "new_idempotency_key"]

logger = logging.getLogger(HTTP_LOGGER_NAME)

IN_USE_STATUS = 409

# Errors raised before a single byte of the request went out.
_NOTHING_SENT: tuple[type[httpx.TransportError], ...] = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# Errors worth another attempt (LocalProtocolError and UnsupportedProtocol are not: they repeat).
_RETRYABLE_ERRORS: tuple[type[httpx.TransportError], ...] = (
    httpx.TimeoutException,
    httpx.NetworkError,
    httpx.RemoteProtocolError,
    httpx.ProxyError,
)


def new_idempotency_key() -> str:
    """A fresh key for a POST that has none; looked up per request so cassette recordings can make keys repeatable."""
    return uuid.uuid4().hex


class RetryTransport(httpx.BaseTransport):
    """Wraps ``transport`` (default: ``httpx.HTTPTransport(verify=verify)``) with retries.

    ``sleep``, ``random`` (a float in [0, 1)) and ``now`` (POSIX time, for
    HTTP-date ``Retry-After``) are injectable for tests.
    """

    def __init__(
        self,
        transport: httpx.BaseTransport | None = None,
        *,
        max_retries: int = DEFAULT_MAX_RETRIES,
        backoff_base: float = DEFAULT_BACKOFF_BASE,
        backoff_max: float = DEFAULT_BACKOFF_MAX,
        retry_after_max: float = RETRY_AFTER_MAX,
        retry_statuses: Collection[int] = RETRYABLE_STATUS_CODES,
        verify: bool = True,
        sleep: Callable[[float], None] = time.sleep,
        random: Callable[[], float] = _random.random,
        now: Callable[[], float] = time.time,
    ) -> None:
        if max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {max_retries}")
        self._transport = transport if transport is not None else httpx.HTTPTransport(verify=verify)
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.retry_after_max = retry_after_max
        self.retry_statuses = frozenset(retry_statuses)
        self._sleep = sleep
        self._random = random
        self._now = now

    @property
    def transport(self) -> httpx.BaseTransport:
        """The wrapped transport."""
        return self._transport

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and IDEMPOTENCY_KEY_HEADER not in request.headers:
            request.headers[IDEMPOTENCY_KEY_HEADER] = new_idempotency_key()
        rewind = _seekable_body(request) if self.max_retries else None
        if self.max_retries and rewind is None:
            request.read()  # buffer a streamed body so that it can be sent again
        attempt = 0
        while True:
            try:
                response = self._transport.handle_request(request)
                _read(response)
            except httpx.TransportError as exc:
                if attempt >= self.max_retries or not self._may_retry_error(request, exc):
                    raise
                delay = self.backoff(attempt)
                self._log_retry(request, attempt, delay, reason=f"{type(exc).__name__}: {exc}", request_id=None)
            else:
                if (
                    attempt >= self.max_retries
                    or not (response.status_code in self.retry_statuses or _key_in_use(request, response))
                    or not self._is_retry_safe(request)
                ):
                    return response
                retry_after = parse_retry_after(response.headers.get(RETRY_AFTER_HEADER), self._now())
                delay = min(retry_after, self.retry_after_max) if retry_after is not None else self.backoff(attempt)
                request_id = response.headers.get(REQUEST_ID_HEADER)
                response.close()
                reason = f"status {response.status_code}"
                if response.status_code == IN_USE_STATUS:
                    reason += f" {IDEMPOTENCY_KEY_IN_USE_CODE} (an earlier attempt is still running)"
                self._log_retry(request, attempt, delay, reason=reason, request_id=request_id)
            self._sleep(delay)
            if rewind is not None:
                rewind()
            attempt += 1
            request.headers[RETRY_COUNT_HEADER] = str(attempt)

    def backoff(self, attempt: int) -> float:
        """The wait before retry ``attempt`` (0-based), with equal jitter."""
        ceiling = min(self.backoff_max, self.backoff_base * 2.0**attempt)
        return ceiling / 2 + self._random() * ceiling / 2

    def close(self) -> None:
        self._transport.close()

    @staticmethod
    def _is_retry_safe(request: httpx.Request) -> bool:
        return request.method in RETRY_SAFE_METHODS or IDEMPOTENCY_KEY_HEADER in request.headers

    def _may_retry_error(self, request: httpx.Request, exc: httpx.TransportError) -> bool:
        if isinstance(exc, _NOTHING_SENT):
            return True
        return isinstance(exc, _RETRYABLE_ERRORS) and self._is_retry_safe(request)

    def _log_retry(
        self, request: httpx.Request, attempt: int, delay: float, *, reason: str, request_id: str | None
    ) -> None:
        path = request.url.path
        logger.warning(
            "Retrying %s %s in %.2fs (retry %d of %d): %s%s",
            request.method,
            path,
            delay,
            attempt + 1,
            self.max_retries,
            reason,
            f" (request_id={request_id})" if request_id else "",
            extra={
                "step": "http",
                "detail": {
                    "method": request.method,
                    "path": path,
                    "attempt": attempt + 1,
                    "max_retries": self.max_retries,
                    "delay_seconds": round(delay, 3),
                    "reason": reason,
                    "request_id": request_id,
                },
            },
        )


def _key_in_use(request: httpx.Request, response: httpx.Response) -> bool:
    """A ``409 IDEMPOTENCY_KEY_IN_USE`` for a request that carries a key: our own earlier attempt holds it."""
    if response.status_code != IN_USE_STATUS or IDEMPOTENCY_KEY_HEADER not in request.headers:
        return False
    try:
        problem = json.loads(response.content)
    except ValueError:
        return False
    return isinstance(problem, dict) and problem.get("code") == IDEMPOTENCY_KEY_IN_USE_CODE


def _seekable_body(request: httpx.Request) -> Callable[[], None] | None:
    """For a body streamed from a seekable file: a function that rewinds it for the next attempt.

    httpx keeps ``content=<file>`` as the file itself under the request's
    stream, so a large upload is re-read from disk on a retry instead of
    being held in memory for one.
    """
    source = getattr(request.stream, "_stream", None)
    seek, tell, seekable = (getattr(source, name, None) for name in ("seek", "tell", "seekable"))
    if not (callable(seek) and callable(tell) and callable(seekable) and hasattr(source, "read")):
        return None
    try:
        if not seekable():
            return None
        start = tell()
    except (OSError, ValueError):
        return None
    return lambda: seek(start)


def _read(response: httpx.Response) -> None:
    """Read the body here, so that a connection lost mid-body is retried like any network error."""
    try:
        response.read()
    except BaseException:
        response.close()
        raise
