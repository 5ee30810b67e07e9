"""delta_run against the live sandbox (over a socket, never replayed): what a run that raises sends.

Every HTTP attempt the SDK makes is seen by a spy between its retry layer and
the socket, so these tests count the ``fail`` calls that really left the
process and read what they carried, and ask the server what it stored.
"""

from __future__ import annotations

import json

import httpx
import pytest

from nuntiq_sandbox.testing import ApiToken
from nuntiq_sdk import JobContext, RetryTransport
from nuntiq_sdk.delta import DeltaRunHandle, delta_run, get_delta_state
from tests.sdk.conftest import World

pytestmark = pytest.mark.live

CONNECTOR, STREAM = "acme_erp_push", "pushed_invoices"
FIRST_CURSOR = "2026-11-15T12:00:00Z"


class RequestSpy(httpx.BaseTransport):
    """Passes each attempt on to the real transport and keeps its method, path, headers and body."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.sent: list[httpx.Request] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.sent.append(request)
        return self.inner.handle_request(request)

    def calls(self, suffix: str) -> list[httpx.Request]:
        return [r for r in self.sent if r.url.path.endswith(suffix)]


def spied_context(live: World, token: ApiToken, *, fast: bool = False) -> tuple[JobContext, RequestSpy]:
    """A context whose every attempt passes through a ``RequestSpy`` under the SDK's retrying transport."""
    spy = RequestSpy(httpx.HTTPTransport())
    return (live.fast_context(token, spy) if fast else live.context(token, RetryTransport(spy))), spy


def completed_first_run(context: JobContext) -> None:
    with delta_run(context, CONNECTOR, STREAM) as run:
        run.set_new_cursor(FIRST_CURSOR)


def test_a_raising_block_sends_one_redacted_fail_keeps_the_cursor_and_re_raises(live: World) -> None:
    _, token = live.tenant()
    context, spy = spied_context(live, token)
    completed_first_run(context)
    spy.sent.clear()
    error = RuntimeError(f"ERP login refused for api token {token.token} at 12:05")

    runs: list[DeltaRunHandle] = []

    def failing_run() -> None:
        with delta_run(context, CONNECTOR, STREAM) as run:
            runs.append(run)
            run.set_new_cursor("2026-11-15T13:00:00Z")
            run.set_records_processed(7)
            raise error

    with pytest.raises(RuntimeError) as caught:
        failing_run()

    [run] = runs
    assert caught.value is error  # the block's own exception, not one of the SDK's
    [fail] = spy.calls("/fail")
    assert fail.url.path.endswith(f"/delta-runs/{run.run_id}/fail")
    assert json.loads(fail.content) == {"error_message": "RuntimeError: ERP login refused for api token *** at 12:05"}
    assert spy.calls("/complete") == []
    assert not [r for r in spy.sent if token.token.encode() in r.content]  # the secret never left the process

    state = get_delta_state(context, CONNECTOR, STREAM)
    assert state.cursor == FIRST_CURSOR
    assert state.last_run is not None
    assert (state.last_run.run_id, state.last_run.status) == (run.run_id, "failed")
    assert state.last_run.error_message == "RuntimeError: ERP login refused for api token *** at 12:05"

    with delta_run(context, CONNECTOR, STREAM) as rerun:  # at once: the failed run holds nothing open
        assert rerun.previous_cursor == FIRST_CURSOR
        rerun.set_new_cursor("2026-11-15T13:00:00Z")
    state = get_delta_state(context, CONNECTOR, STREAM)
    assert state.cursor == "2026-11-15T13:00:00Z"
    assert state.last_run is not None
    assert (state.last_run.run_id, state.last_run.status) == (rerun.run_id, "completed")


def test_a_fail_the_server_cannot_take_still_re_raises_the_blocks_error(live: World) -> None:
    _, token = live.tenant()
    context, spy = spied_context(live, token, fast=True)
    completed_first_run(context)
    spy.sent.clear()
    live.admin.add_fault(r"/v1/delta-runs/[^/]+/fail$", method="POST", status=500, count=100)

    with pytest.raises(KeyError, match="row 12"), delta_run(context, CONNECTOR, STREAM) as run:
        raise KeyError("row 12")

    attempts = spy.calls(f"/delta-runs/{run.run_id}/fail")
    assert len(attempts) > 1  # retried, as one call: every attempt carries the same Idempotency-Key
    assert len({r.headers["Idempotency-Key"] for r in attempts}) == 1
    assert spy.calls("/complete") == []
    live.admin.clear_faults()
    state = get_delta_state(context, CONNECTOR, STREAM)
    assert state.cursor == FIRST_CURSOR  # the run stays open until its TTL lapses; the cursor never moved
