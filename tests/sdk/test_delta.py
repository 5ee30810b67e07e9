"""delta_run against the sandbox: cursor advanced only on success, recorded and replayed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from nuntiq_sdk import DeltaRunActiveError, DeltaRunFinishedError, DeltaStateNotFoundError, ValidationError
from nuntiq_sdk._generated.views import DeltaRun
from nuntiq_sdk.delta import DeltaRunHandle, delta_run, get_delta_state
from tests.sdk.conftest import World

pytestmark = [pytest.mark.vcr, pytest.mark.block_network]


def test_the_cursor_advances_only_when_a_run_completes(world: World) -> None:
    _, token = world.tenant()
    context = world.context(token)

    with delta_run(context, "acme_erp_push", "pushed_invoices", cursor_type="timestamp_utc") as first:
        assert first.previous_cursor is None
        assert first.cursor_type == "timestamp_utc"
        first.set_new_cursor("2026-11-15T12:00:00Z")
        first.set_records_processed(3)
        first.set_metadata({"pushed": 2, "failed": 1})

    def failing_run() -> None:
        with delta_run(context, "acme_erp_push", "pushed_invoices") as failed:
            assert failed.previous_cursor == "2026-11-15T12:00:00Z"
            failed.set_new_cursor("2026-11-15T13:00:00Z")
            raise RuntimeError("ERP down")

    with pytest.raises(RuntimeError, match="ERP down"):
        failing_run()

    state = get_delta_state(context, "acme_erp_push", "pushed_invoices")
    assert state.cursor == "2026-11-15T12:00:00Z"
    assert state.last_run is not None
    assert (state.last_run.status, state.last_run.error_message) == ("failed", "RuntimeError: ERP down")

    with delta_run(context, "acme_erp_push", "pushed_invoices") as unchanged:
        assert unchanged.previous_cursor == "2026-11-15T12:00:00Z"
    state = get_delta_state(context, "acme_erp_push", "pushed_invoices")
    assert state.cursor == "2026-11-15T12:00:00Z"
    assert state.last_run is not None
    assert state.last_run.status == "completed"


def test_workers_of_one_stream_run_together_unless_exclusive(world: World) -> None:
    _, token = world.tenant()
    context = world.context(token)
    with (
        delta_run(context, "acme_erp_push", "pushed_invoices") as outer,
        delta_run(context, "acme_erp_push", "pushed_invoices") as inner,
    ):
        assert inner.run_id != outer.run_id
        assert not inner.exclusive
    with delta_run(context, "sftp_pull", "files", exclusive=True) as holder:
        assert holder.exclusive
        with pytest.raises(DeltaRunActiveError) as caught, delta_run(context, "sftp_pull", "files"):
            pass
        assert holder.run_id in str(caught.value)
        with delta_run(context, "sftp_pull", "other_stream", exclusive=True) as parallel:
            assert parallel.previous_cursor is None


def test_a_slow_run_cannot_move_the_cursor_back(world: World) -> None:
    _, token = world.tenant()
    context = world.context(token)
    with delta_run(context, "acme_erp_push", "pushed_invoices") as slow:
        with delta_run(context, "acme_erp_push", "pushed_invoices") as fast:
            fast.set_new_cursor("2026-11-15T12:05:00Z")
        assert fast.cursor_outcome == "advanced"
        slow.set_new_cursor("2026-11-15T12:00:00Z")
    assert (slow.cursor_outcome, slow.stream_cursor) == ("kept_current", "2026-11-15T12:05:00Z")
    assert get_delta_state(context, "acme_erp_push", "pushed_invoices").cursor == "2026-11-15T12:05:00Z"


def test_a_run_whose_process_died_lapses(world: World) -> None:
    _, token = world.tenant()
    context = world.context(token)
    abandoned = delta_run(context, "acme_erp_push", "pushed_invoices", run_ttl_seconds=60)
    handle = abandoned.__enter__()  # the process dies without __exit__
    assert abandoned._heartbeat is not None
    abandoned._heartbeat.stop()  # ... and a dead process sends no heartbeat
    world.admin.advance_clock(61)
    with delta_run(context, "acme_erp_push", "pushed_invoices") as rerun:
        assert rerun.run_id != handle.run_id


def test_a_stream_that_never_ran_has_no_state(world: World) -> None:
    _, token = world.tenant()
    with pytest.raises(DeltaStateNotFoundError):
        get_delta_state(world.context(token), "acme_erp_push", "never_ran")


def test_the_stored_failure_message_carries_no_secret(world: World) -> None:
    _, token = world.tenant()
    context = world.context(token)
    with pytest.raises(PermissionError), delta_run(context, "acme_erp_push", "pushed_invoices"):
        raise PermissionError(f"login refused for token {token.token}")
    state = get_delta_state(context, "acme_erp_push", "pushed_invoices")
    assert state.last_run is not None
    assert state.last_run.error_message == "PermissionError: login refused for token ***"


def test_arguments_are_checked_before_any_request(world: World) -> None:
    context = world.context("ntq_sk_unused")
    with pytest.raises(ValidationError) as caught:
        delta_run(context, "acme erp", "")
    assert {p.field for p in caught.value.problems} == {"connector_name", "stream_name"}
    handle = DeltaRunHandle.__new__(DeltaRunHandle)
    with pytest.raises(ValidationError, match="metadata"):
        handle.set_metadata({"when": object()})


def test_an_exclusive_run_that_outlived_its_lease_cannot_complete(world: World) -> None:
    _, token = world.tenant()
    context = world.context(token)

    def overlong_run() -> None:
        with delta_run(context, "sftp_pull", "files", run_ttl_seconds=60, exclusive=True) as run:
            run.set_new_cursor("2026-11-15T12:00:00Z")
            world.admin.advance_clock(61)  # the work took longer than the lease, with no heartbeat in between
            with delta_run(context, "sftp_pull", "files", exclusive=True):
                pass  # another worker took the stream

    with pytest.raises(DeltaRunFinishedError):
        overlong_run()
    state = get_delta_state(context, "sftp_pull", "files")
    assert state.cursor is None  # the late completion stored nothing


def test_cursors_that_do_not_fit_the_cursor_type_are_refused_before_any_request(world: World) -> None:
    handle = DeltaRunHandle(DeltaRun.from_dict(_run("timestamp_utc")))
    for bad in ("yesterday", "2026-11-15T12:00:00"):
        with pytest.raises(ValidationError) as caught:
            handle.set_new_cursor(bad)
        assert (caught.value.problems[0].field, caught.value.problems[0].value) == ("new_cursor", bad)
    handle.set_new_cursor(datetime(2026, 11, 15, 12, tzinfo=UTC))
    assert handle._new_cursor == "2026-11-15T12:00:00Z"
    numbered = DeltaRunHandle(DeltaRun.from_dict(_run("integer")))
    with pytest.raises(ValidationError, match="whole number"):
        numbered.set_new_cursor("4.2")
    numbered.set_new_cursor("42")
    with pytest.raises(ValidationError, match="heartbeat_interval"):
        delta_run(world.context("ntq_sk_unused"), "acme_erp_push", "s", run_ttl_seconds=30, heartbeat_interval=30)


def _run(cursor_type: str) -> dict[str, object]:
    return {
        "run_id": "run_x",
        "connector_name": "c",
        "stream_name": "s",
        "status": "running",
        "cursor_type": cursor_type,
        "records_processed": 0,
        "started_at": "2026-11-15T12:00:00Z",
        "expires_at": "2026-11-15T12:01:00Z",
    }
