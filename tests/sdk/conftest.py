"""Fixtures for SDK tests: a sandbox on 127.0.0.1, and a recorded 'world' for cassette tests.

A cassette test asks for ``world``. Replaying (the default), it talks to the
placeholder host of the cassettes with the network blocked; recording
(``--record-mode=all``, see ``nox -s record``) it talks to a real sandbox whose
clock is pinned, so the recorded bodies do not depend on the day they ran.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from nuntiq_sandbox.pytest_plugin import SFTPDropFolder, invoice_spec  # the harness's realistic invoice, re-exported
from nuntiq_sandbox.testing import ApiToken, SandboxAdmin, SandboxServer, Tenant
from nuntiq_sdk import JobContext, RetryTransport
from tests.recording import CASSETTES, REPLAY_BASE_URL
from tests.recording import vcr_config as vcr_config_for

PINNED_NOW = "2026-11-15T12:00:00Z"


@pytest.fixture
def vcr_config(record_mode: str) -> dict[str, Any]:
    return vcr_config_for(record_mode)


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    return str(CASSETTES / request.module.__name__.rsplit(".", 1)[-1])


class World:
    """A fresh tenant per test, contexts for its tokens, invoices on demand."""

    def __init__(self, admin: SandboxAdmin, api_url: str, work_dir: Path) -> None:
        self.admin = admin
        self.api_url = api_url
        self.work_dir = work_dir
        self._contexts: list[JobContext] = []

    def tenant(self, permissions: tuple[str, ...] | None = None, **config: Any) -> tuple[Tenant, ApiToken]:
        if permissions is None:
            return self.admin.create_tenant_with_token(**config)
        return self.admin.create_tenant_with_token(permissions, **config)

    def context(self, token: ApiToken | str, transport: httpx.BaseTransport | None = None) -> JobContext:
        settings = {
            "customer_number": "10000001",
            "secrets": {"api_token": token.token if isinstance(token, ApiToken) else token},
            "config": {"api_base_url": self.api_url},
        }
        context = JobContext.from_settings(settings, environ={}, work_dir=self.work_dir, transport=transport)
        self._contexts.append(context)
        return context

    def fast_context(self, token: ApiToken | str, inner: httpx.BaseTransport | None = None) -> JobContext:
        """A context whose retries wait milliseconds, not seconds (live fault-injection tests)."""
        return self.context(token, RetryTransport(inner, backoff_base=0.01, backoff_max=0.05))

    def invoice(self, tenant: Tenant, **fields: Any) -> dict[str, Any]:
        return self.admin.create_invoice(tenant.tenant_id, **fields)

    def run_connector(
        self, connector: ModuleType, token: ApiToken, sftp: SFTPDropFolder, work_dir: Path, **config: Any
    ) -> dict[str, Any]:
        """A connector's ``run(context)`` in this process, against this world's API and ``sftp`` (on loopback)."""
        settings = {
            "customer_number": "10000001",
            "secrets": {"api_token": token.token, **sftp.secrets()},
            "config": {"api_base_url": self.api_url, **sftp.config(), **config},
        }
        with JobContext.from_settings(settings, environ={}, work_dir=work_dir) as context:
            summary: dict[str, Any] = connector.run(context)
        return summary

    def close(self) -> None:
        for context in self._contexts:
            context.close()
        self.admin.close()


@pytest.fixture
def world(record_mode: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    if record_mode == "none":
        # Replayed: the admin key header is filtered out of cassettes, so any key matches.
        admin = SandboxAdmin(REPLAY_BASE_URL, "replayed")
        base_url = REPLAY_BASE_URL
    else:
        server: SandboxServer = request.getfixturevalue("sandbox")
        admin = SandboxAdmin(server.base_url, server.admin_key)
        base_url = server.base_url
    admin.set_clock(PINNED_NOW)
    world = World(admin, base_url + "/v1", tmp_path)
    try:
        yield world
    finally:
        world.close()


@pytest.fixture
def live(sandbox: SandboxServer, tmp_path: Path) -> Iterator[World]:
    """A world on the live sandbox (not recorded); faults it injected are cleared after the test."""
    world = World(sandbox.admin, sandbox.api_url, tmp_path)
    yield world
    sandbox.admin.clear_faults()
    for context in world._contexts:  # the admin client is the session sandbox's: it stays open
        context.close()


INVOICE_FIELDS = invoice_spec()["fields"]

__all__ = ["INVOICE_FIELDS", "PINNED_NOW", "World", "invoice_spec"]
