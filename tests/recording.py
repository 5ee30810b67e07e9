"""How cassettes are recorded and replayed, shared by every cassette-backed test.

Cassettes are recorded by ``nox -s record`` against a fresh sandbox on
127.0.0.1 and replayed by ``nox -s tests`` with the network blocked. Recorded
requests are rewritten to the placeholder host ``sandbox.test`` (so a
recording does not depend on the port it ran on), the Authorization header is
dropped, and any issued token in a response body is replaced, so a cassette
never holds a credential.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

CASSETTES = Path(__file__).parent / "cassettes"
REPLAY_BASE_URL = "http://sandbox.test"
TOKEN_PATTERN = re.compile(rb"ntq_sk_[0-9a-f]{40}")
# What a leaked credential looks like in a cassette: an issued token, a bearer
# header with a value, an admin key, or a secret from the product docs' settings.
LEAK_PATTERNS = (
    re.compile(r"ntq_sk_[0-9a-f]{40}"),
    re.compile(r"(?i)bearer\s+[a-z0-9_\-\.]{8,}"),
    re.compile(r"(?im)^\s*(authorization|x-sandbox-admin-key):"),
    re.compile(r"rotated-quarterly"),
)
TOKEN_PLACEHOLDER = b"ntq_sk_REDACTED"
_LOOPBACK = re.compile(r"^http://127\.0\.0\.1:\d+")


def _scrub_request(request: Any) -> Any:
    request.uri = _LOOPBACK.sub(REPLAY_BASE_URL, request.uri)
    return request


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    body = response.get("body", {}).get("string")
    if isinstance(body, bytes):
        response["body"]["string"] = TOKEN_PATTERN.sub(TOKEN_PLACEHOLDER, body)
    return response


VCR_CONFIG: dict[str, Any] = {
    # Credentials never reach a cassette; the host names a port that differs per recording.
    "filter_headers": ["authorization", "x-sandbox-admin-key", "host"],
    "before_record_request": _scrub_request,
    "before_record_response": _scrub_response,
    "match_on": ["method", "path", "query", "body"],
    "decode_compressed_response": True,
}
