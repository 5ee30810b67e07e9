"""Helpers shared by the sandbox tests (a plain module: conftest is for fixtures)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from nuntiq_sandbox.testing import ApiToken, SandboxAdmin, Tenant

ADMIN_KEY = "test-admin-key"


@dataclass
class Api:
    """One tenant, one token, and an httpx client for the Customer API."""

    tenant: Tenant
    token: ApiToken
    client: httpx.Client
    admin: SandboxAdmin

    def invoice(self, **fields: Any) -> dict[str, Any]:
        return self.admin.create_invoice(self.tenant.tenant_id, **fields)

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.client.get(url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.client.post(url, **kwargs)


def sandbox_now(admin: SandboxAdmin) -> datetime:
    return datetime.fromisoformat(admin.clock()["now"])


def problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """Assert an RFC 9457 problem with this status and code; return its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    assert body["status"] == status
    assert all(body[key] for key in ("type", "title", "detail"))
    assert body["request_id"] == response.headers["x-request-id"]
    return body
