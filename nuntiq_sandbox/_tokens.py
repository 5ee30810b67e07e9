"""API tokens: how they look, are stored (hashed) and are shown (masked). No server imports here,
so the test harness and the CLI can use them without loading the ASGI stack."""

from __future__ import annotations

import hashlib
import secrets

from nuntiq_sandbox._constants import TOKEN_PREFIX

__all__ = ["generate_token", "hash_token", "mask_token"]


def generate_token() -> str:
    return TOKEN_PREFIX + secrets.token_hex(20)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def mask_token(token: str) -> str:
    """Enough to recognise a token in a log line, never enough to use it."""
    return f"{TOKEN_PREFIX}\u2026{token[-4:]}"
