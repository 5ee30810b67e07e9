"""Fixtures shared by every test folder: one API sandbox per test session, on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from nuntiq_sandbox.testing import SandboxServer


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer() as server:
        yield server
