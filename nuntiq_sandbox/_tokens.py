"""API tokens: how they look, are stored (hashed) and are shown (masked). No server imports here,
so the test harness and the CLI can use them without loading the ASGI stack."""

from __future__ import annotations

import hashlib
import secrets

from nuntiq_sandbox._constants import ADMIN_KEY_PATTERN, ADMIN_KEY_PREFIX, TOKEN_PREFIX

__all__ = ["generate_admin_key", "generate_token", "hash_token", "mask_admin_key", "mask_token"]


def generate_token() -> str:
    return TOKEN_PREFIX + secrets.token_hex(20)


def generate_admin_key() -> str:
    """The admin key a sandbox makes for itself when none is given: the admin API is never open."""
    return ADMIN_KEY_PREFIX + secrets.token_hex(20)


def mask_admin_key(key: str) -> str:
    """A generated key shows its last four characters; a given one, being any text, shows none."""
    return f"{ADMIN_KEY_PREFIX}\u2026{key[-4:]}" if ADMIN_KEY_PATTERN.fullmatch(key) else "(the key given)"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def mask_token(token: str) -> str:
    """Enough to recognise a token in a log line, never enough to use it."""
    return f"{TOKEN_PREFIX}\u2026{token[-4:]}"
