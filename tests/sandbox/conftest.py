"""Fixtures for the sandbox's live tests: one server per session, a fresh tenant per test.

Everything talks to the server over a real socket with plain httpx. The
clock and the fault rules are shared by the whole session, so tests only ever
move the clock forward and clear the faults they add.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from sandbox_helpers import ADMIN_KEY, Api

from nuntiq_sandbox import PERMISSIONS
from nuntiq_sandbox.testing import SandboxAdmin, SandboxServer, Tenant


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(admin_key=ADMIN_KEY) as server:
        yield server


@pytest.fixture
def admin(sandbox: SandboxServer) -> SandboxAdmin:
    return sandbox.admin


@pytest.fixture
def make_api(sandbox: SandboxServer) -> Iterator[Callable[..., Api]]:
    """Build an Api for a fresh tenant (or another token of a given tenant)."""
    clients: list[httpx.Client] = []

    def make(
        permissions: tuple[str, ...] = PERMISSIONS,
        *,
        tenant: Tenant | None = None,
        display_name: str = "Test Connector",
        **config: Any,
    ) -> Api:
        if tenant is None:
            tenant = sandbox.admin.create_tenant("Test Customer", **config)
        token = sandbox.admin.create_token(tenant.tenant_id, permissions, display_name=display_name)
        client = sandbox.api_client(token, timeout=15.0)
        clients.append(client)
        return Api(tenant, token, client, sandbox.admin)

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def api(make_api: Callable[..., Api]) -> Api:
    return make_api()


@pytest.fixture
def clean_faults(admin: SandboxAdmin) -> Iterator[SandboxAdmin]:
    admin.clear_faults()
    yield admin
    admin.clear_faults()
