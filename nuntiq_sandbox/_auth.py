"""Bearer tokens, permissions and the admin key.

Only a token's sha256 is stored. connexion's security layer calls
``Authenticator.token_info`` for the spec's ``bearerAuth`` scheme; the
permission each operation needs is checked right after it, before request
validation, so a token that may not call an operation learns nothing about
what the operation would have accepted.
"""

from __future__ import annotations

import hmac
import json
import threading
from typing import Any

from connexion.security import BearerSecurityHandler
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from nuntiq_sandbox._constants import API_BASE_PATH, OPERATION_PERMISSIONS, TOKEN_PATTERN
from nuntiq_sandbox._problems import ApiProblem
from nuntiq_sandbox._store import Store, api_time, db_time
from nuntiq_sandbox._tokens import generate_token, hash_token, mask_token

__all__ = [
    "Authenticator",
    "PermissionMiddleware",
    "admin_key_matches",
    "generate_token",
    "hash_token",
    "mask_token",
    "security_map",
]


def admin_key_matches(expected: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())


class Authenticator:
    """Resolves a bearer token to its tenant, actor and permissions.

    A token changes only when the admin API revokes it (which calls
    ``forget``), so a hit is cached and later requests do not wait for the
    store's lock; expiry is checked against the sandbox clock on every use.
    A revoked or expired token is 401 TOKEN_REVOKED / TOKEN_EXPIRED, an
    unknown one 401 UNAUTHENTICATED.
    """

    def __init__(self, store: Store) -> None:
        self._store = store
        self._cache: dict[str, dict[str, Any]] = {}
        self._cache_lock = threading.Lock()

    def cached(self, token: str) -> dict[str, Any] | None:
        """The token's info if it was seen before (no store access, no waiting)."""
        with self._cache_lock:
            info = self._cache.get(hash_token(token))
        return None if info is None else self._usable(info)

    def forget(self, token_id: str) -> None:
        """Drop a token from the cache (it was revoked): the next use reads the store."""
        with self._cache_lock:
            for digest in [d for d, info in self._cache.items() if info["token_id"] == token_id]:
                del self._cache[digest]

    def _usable(self, info: dict[str, Any]) -> dict[str, Any]:
        if info["revoked_at"] is not None:
            raise ApiProblem(401, "TOKEN_REVOKED", "This API token was revoked; ask for a new one.")
        expires_at = info["expires_at"]
        if expires_at is not None and db_time(self._store.now()) >= expires_at:
            raise ApiProblem(401, "TOKEN_EXPIRED", f"This API token expired at {api_time(expires_at)}.")
        return info

    async def tenant_of(self, token: str) -> str | None:
        """The token's tenant, or ``None`` for a token that would not authenticate (fault rules scoped by tenant)."""
        try:
            info = self.cached(token) or await run_in_threadpool(self.token_info, token)
        except ApiProblem:
            return None
        return None if info is None else str(info["tenant_id"])

    def token_info(self, token: str) -> dict[str, Any] | None:
        if not TOKEN_PATTERN.fullmatch(token):
            return None
        digest = hash_token(token)
        with self._cache_lock:
            cached = self._cache.get(digest)
        if cached is not None:
            return self._usable(cached)
        with self._store.transaction() as conn:
            row = conn.execute(
                "SELECT id, tenant_id, display_name, actor_id, permissions, expires_at, revoked_at"
                " FROM tokens WHERE token_sha256 = ?",
                (digest,),
            ).fetchone()
        if row is None:
            return None
        info = {
            "sub": row["actor_id"],
            "token_id": row["id"],
            "tenant_id": row["tenant_id"],
            "display_name": row["display_name"],
            "permissions": tuple(json.loads(row["permissions"])),
            "expires_at": row["expires_at"],
            "revoked_at": row["revoked_at"],
        }
        with self._cache_lock:
            self._cache[digest] = info
        return self._usable(info)


def security_map(authenticator: Authenticator) -> dict[str, type[BearerSecurityHandler]]:
    """connexion's bearer handler, bound to this app's authenticator.

    The spec's ``bearerAuth`` names no ``x-bearerInfoFunc`` (the spec is not
    the sandbox's to edit), so the function is supplied here instead.
    """

    async def token_info(token: str) -> dict[str, Any] | None:
        # Called on the event loop: a token not seen yet is looked up in a worker
        # thread, so a long transaction elsewhere does not stall every request.
        # A revoked or expired token raises its 401 problem from either path.
        return authenticator.cached(token) or await run_in_threadpool(authenticator.token_info, token)

    class SandboxBearerHandler(BearerSecurityHandler):
        def _resolve_func(self, security_scheme: Any) -> Any:
            return token_info

    return {"bearer": SandboxBearerHandler}


class PermissionMiddleware:
    """Refuses an operation the token lacks the permission for (403).

    Sits in connexion's stack after security (the token is resolved) and
    before validation; routing has put the operationId in the scope.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            extensions = scope.get("extensions", {})
            routing = extensions.get("connexion_routing", {})
            if routing.get("api_base_path") == API_BASE_PATH:
                needed = OPERATION_PERMISSIONS.get(routing.get("operation_id") or "")
                info = extensions.get("connexion_context", {}).get("token_info") or {}
                if needed is not None and needed not in info.get("permissions", ()):
                    raise ApiProblem(403, "PERMISSION_DENIED", f"This token lacks the {needed} permission.")
        await self.app(scope, receive, send)
