"""Defaults and fixed names of the SDK, as named constants. Nothing here does work.

Kept free of httpx: ``_http`` turns the timeout floats into an ``httpx.Timeout``.
"""

from __future__ import annotations

import sys

from nuntiq_sdk._version import __version__

__all__ = [
    "API_BASE_URL_KEY",
    "API_MAX_RETRIES_KEY",
    "API_TIMEOUT_KEY",
    "API_TOKEN_SECRET",
    "API_VERIFY_TLS_KEY",
    "CONNECTOR_LOGGER_NAME",
    "DEFAULT_BACKOFF_BASE",
    "DEFAULT_BACKOFF_MAX",
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "ENV_API_TOKEN",
    "ENV_API_URL",
    "HTTP_LOGGER_NAME",
    "IDEMPOTENCY_KEY_HEADER",
    "IDEMPOTENCY_KEY_IN_USE_CODE",
    "LOG_DIR_NAME",
    "LOG_FILE_NAME",
    "REDACTED",
    "REQUEST_ID_HEADER",
    "RETRYABLE_STATUS_CODES",
    "RETRY_AFTER_HEADER",
    "RETRY_AFTER_MAX",
    "RETRY_COUNT_HEADER",
    "RETRY_SAFE_METHODS",
    "SDK_LOGGER_NAME",
    "SDK_VERSION",
    "USER_AGENT",
    "WORK_DIR_KEY",
    "WORK_DIR_PREFIX",
]


SDK_VERSION = __version__
USER_AGENT = f"nuntiq-sdk/{SDK_VERSION} python/{sys.version_info.major}.{sys.version_info.minor}"

# --- HTTP ------------------------------------------------------------------

DEFAULT_TIMEOUT = 30.0
"""Seconds for reading, writing and waiting for a pooled connection."""
DEFAULT_CONNECT_TIMEOUT = 10.0
"""Seconds to establish a connection (never more than DEFAULT_TIMEOUT)."""

DEFAULT_MAX_RETRIES = 3
"""Retries after the first attempt, so at most 4 requests are sent."""
DEFAULT_BACKOFF_BASE = 0.5
"""Seconds; the n-th retry waits about ``min(DEFAULT_BACKOFF_MAX, base * 2**n)``, with jitter."""
DEFAULT_BACKOFF_MAX = 8.0
RETRY_AFTER_MAX = 60.0
"""A server's ``Retry-After`` is honoured up to this many seconds."""

RETRYABLE_STATUS_CODES: frozenset[int] = frozenset({429, 500, 502, 503, 504})
RETRY_SAFE_METHODS: frozenset[str] = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
"""Methods retried without an Idempotency-Key; POST and PATCH need one."""

IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_IN_USE_CODE = "IDEMPOTENCY_KEY_IN_USE"
"""The 409 problem code of a key whose first request is still running; retried like a 503."""
REQUEST_ID_HEADER = "X-Request-Id"
RETRY_AFTER_HEADER = "Retry-After"
RETRY_COUNT_HEADER = "X-Nuntiq-Retry-Count"

# --- Settings (settings.json and the environment) ---------------------------

ENV_API_URL = "NUNTIQ_API_URL"
ENV_API_TOKEN = "NUNTIQ_API_TOKEN"  # noqa: S105 - a variable name, not a token
API_BASE_URL_KEY = "api_base_url"
"""In ``config``: the API root including its version prefix, e.g. ``https://api.example.com/v1``."""
API_TOKEN_SECRET = "api_token"  # noqa: S105 - a key name, not a token
"""In ``secrets``: the bearer token."""
API_TIMEOUT_KEY = "api_timeout_seconds"
API_MAX_RETRIES_KEY = "api_max_retries"
API_VERIFY_TLS_KEY = "api_verify_tls"
WORK_DIR_KEY = "work_dir"
WORK_DIR_PREFIX = "nuntiq-job-"

# --- Logging ------------------------------------------------------------------

SDK_LOGGER_NAME = "nuntiq_sdk"
CONNECTOR_LOGGER_NAME = "nuntiq_sdk.connector"
HTTP_LOGGER_NAME = "nuntiq_sdk.http"
LOG_DIR_NAME = "logs"
LOG_FILE_NAME = "connector.jsonl"
REDACTED = "***"
