"""Fixtures shared by every test folder: one API sandbox per test session, on 127.0.0.1.

The sandbox is the connector test harness's (``nuntiq_sandbox.pytest_plugin``, a pytest
plugin installed with the SDK), so the repo's tests and the harness's
fixtures (``nuntiq_tenant``, ``run_connector``, ...) share one server.

Every test with a cassette gets repeatable Idempotency-Keys, and a replayed
test fails unless it made exactly the recorded requests (see ``tests.recording``).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest

import nuntiq_sdk._transport
from nuntiq_sandbox.testing import SandboxServer
from tests.recording import ReplayGuard, counting_keys, match_idempotency_key

_REPLAY_GUARD = pytest.StashKey[ReplayGuard]()


@pytest.fixture(scope="session")
def sandbox(nuntiq_sandbox: SandboxServer) -> SandboxServer:
    return nuntiq_sandbox


def pytest_recording_configure(config: pytest.Config, vcr: Any) -> None:
    vcr.register_matcher("idempotency_key", match_idempotency_key)


@pytest.fixture(autouse=True)
def _cassette_checks(vcr: Any, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """With a cassette: counted Idempotency-Keys; when replaying, watch what the test requests."""
    if vcr is None:
        return
    monkeypatch.setattr(nuntiq_sdk._transport, "new_idempotency_key", counting_keys())
    if vcr.record_mode == "none":
        request.node.stash[_REPLAY_GUARD] = ReplayGuard(vcr)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    """A replayed test that passed still fails if it skipped a recorded call or made an unrecorded one."""
    result = yield
    guard = item.stash.get(_REPLAY_GUARD, None)
    problems = guard.problems() if guard is not None else []
    if problems:
        pytest.fail(f"{guard.cassette.path}:\n  " + "\n  ".join(problems), pytrace=False)
    return result
