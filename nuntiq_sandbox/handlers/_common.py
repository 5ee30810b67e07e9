"""What every handler needs: the caller, JSON responses, ids and small parsers."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from starlette.responses import Response

from nuntiq_sandbox._problems import ApiProblem

__all__ = ["Caller", "caller_of", "dumps", "json_response", "new_id", "not_found"]


@dataclass(frozen=True)
class Caller:
    """The bearer token's identity, as the security handler resolved it."""

    tenant_id: str
    actor_id: str
    display_name: str
    permissions: frozenset[str]

    def can(self, permission: str) -> bool:
        return permission in self.permissions


def caller_of(token_info: Mapping[str, Any]) -> Caller:
    return Caller(
        tenant_id=str(token_info["tenant_id"]),
        actor_id=str(token_info["sub"]),
        display_name=str(token_info["display_name"]),
        permissions=frozenset(token_info["permissions"]),
    )


def dumps(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def json_response(data: Any, status: int = 200) -> Response:
    return Response(dumps(data).encode("utf-8"), status_code=status, media_type="application/json")


def new_id(prefix: str = "") -> str:
    return f"{prefix}{uuid.uuid4().hex}" if prefix else str(uuid.uuid4())


def not_found(code: str, what: str) -> ApiProblem:
    return ApiProblem(404, code, f"{what} was not found.")
