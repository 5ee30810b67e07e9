"""Fixtures shared by every test folder: one API sandbox per test session, on 127.0.0.1.

The sandbox is the connector test harness's (``nuntiq_sdk.testing``, a pytest
plugin installed with the SDK), so the repo's tests and the harness's
fixtures (``nuntiq_tenant``, ``run_connector``, ...) share one server.
"""

from __future__ import annotations

import pytest

from nuntiq_sandbox.testing import SandboxServer


@pytest.fixture(scope="session")
def sandbox(nuntiq_sandbox: SandboxServer) -> SandboxServer:
    return nuntiq_sandbox
