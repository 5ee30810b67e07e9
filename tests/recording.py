"""How cassettes are recorded and replayed, shared by every cassette-backed test.

Cassettes are recorded by ``nox -s record`` against a fresh sandbox on
127.0.0.1 and replayed by ``nox -s tests`` with the network blocked. Recorded
requests are rewritten to the placeholder host ``sandbox.test`` (so a
recording does not depend on the port it ran on), the Authorization header is
dropped, and any issued token in a response body is replaced, so a cassette
never holds a credential.

A replay proves the code under test still makes exactly the recorded calls:
``ReplayGuard`` fails a test that left a recorded interaction unplayed or made
a request the cassette does not hold (even if the code swallowed the error),
each interaction plays at most once, and requests match on their
Idempotency-Key too. Keys the SDK generates come from a per-test counter
(``counting_keys``) while recording and replaying, so a re-record changes
only what really changed.
"""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from nuntiq_sdk._config import IDEMPOTENCY_KEY_HEADER

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
HEALTH_PATH = "/_sandbox/health"
_LOOPBACK = re.compile(r"^http://127\.0\.0\.1:\d+")


def _scrub_request(request: Any) -> Any:
    request.uri = _LOOPBACK.sub(REPLAY_BASE_URL, request.uri)
    if request.path == HEALTH_PATH:
        return None  # the session sandbox's start-up probe, made whichever test starts it: not the test's call
    return request


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    response.get("headers", {}).pop("date", None)  # the wall clock: a re-record would change every interaction
    body = response.get("body", {}).get("string")
    if isinstance(body, bytes):
        response["body"]["string"] = TOKEN_PATTERN.sub(TOKEN_PLACEHOLDER, body)
    return response


VCR_CONFIG: dict[str, Any] = {
    # Credentials never reach a cassette; the host names a port that differs per recording.
    "filter_headers": ["authorization", "x-sandbox-admin-key", "host"],
    "before_record_request": _scrub_request,
    "before_record_response": _scrub_response,
    "match_on": ["method", "path", "query", "body", "idempotency_key"],
    # A recorded interaction answers one request only: a repeated call must have been recorded twice.
    "allow_playback_repeats": False,
    "decode_compressed_response": True,
}


def vcr_config(record_mode: str) -> dict[str, Any]:
    """``VCR_CONFIG`` for a run: a re-record keeps only what the test requested now (vcrpy would keep old
    interactions nothing matched); a replay never rewrites its cassette (vcrpy would drop unplayed ones)."""
    return {**VCR_CONFIG, "drop_unused_requests": record_mode == "all"}


def _idempotency_key(request: Any) -> str | None:
    return next((v for k, v in request.headers.items() if k.lower() == IDEMPOTENCY_KEY_HEADER.lower()), None)


def match_idempotency_key(r1: Any, r2: Any) -> None:
    """vcrpy matcher: both requests carry the same Idempotency-Key, or neither has one."""
    assert _idempotency_key(r1) == _idempotency_key(r2), f"{_idempotency_key(r1)} != {_idempotency_key(r2)}"


def counting_keys() -> Callable[[], str]:
    """A stand-in for the SDK's key factory: uuid-shaped keys 1, 2, 3, ... so recordings repeat."""
    counter = itertools.count(1)
    return lambda: uuid.UUID(int=next(counter), version=4).hex


def _describe(request: Any) -> str:
    return f"{request.method} {request.uri}"


class ReplayGuard:
    """Watches one replayed cassette: which requests it could not answer, and what was never asked for."""

    def __init__(self, cassette: Any) -> None:
        self.cassette = cassette
        self.unmatched: list[str] = []
        can_play = cassette.can_play_response_for

        def watched_can_play(request: Any) -> bool:
            playable = bool(can_play(request))
            if not playable:
                self.unmatched.append(_describe(request))
            return playable

        cassette.can_play_response_for = watched_can_play  # instance attribute: this cassette only

    def problems(self) -> list[str]:
        """Why this replay does not prove the recorded calls were made; empty if it does."""
        found = [f"request not in the cassette (or already played): {entry}" for entry in self.unmatched]
        data = self.cassette.data
        unplayed = [i for i in range(len(data)) if not self.cassette.play_counts[i]]
        found += [f"recorded interaction #{i} never requested: {_describe(data[i][0])}" for i in unplayed]
        return found
