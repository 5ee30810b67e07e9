"""delta_run's heartbeat against a live sandbox: the lease is renewed while the block runs (not recorded:
the beats come from a background thread)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest

from nuntiq_sdk import DeltaRunFinishedError
from nuntiq_sdk.delta import delta_run, get_delta_run
from tests.sdk.conftest import World

pytestmark = pytest.mark.live

WAIT = 30.0  # an upper bound for events that normally take milliseconds, not a speed target


def test_the_heartbeat_keeps_a_run_alive_past_its_lease(live: World) -> None:
    _, token = live.tenant()
    context = live.context(token)
    with delta_run(context, "sftp_pull", "files", run_ttl_seconds=10, exclusive=True, heartbeat_interval=0.05) as run:
        first_expiry = run.run.expires_at
        for _ in range(3):
            # Move sandbox time by most of the lease, then wait for a beat sent after the move.
            moved_to = datetime.fromisoformat(live.admin.advance_clock(8)["now"])
            renewed = False
            for _ in range(int(WAIT / 0.05)):
                expires = datetime.fromisoformat(get_delta_run(context, run.run_id).expires_at)
                if expires >= moved_to + timedelta(seconds=9):  # whole seconds: now + 10 s, rounded down
                    renewed = True
                    break
                time.sleep(0.05)
            assert renewed, "no heartbeat renewed the lease"
        assert run.run.expires_at > first_expiry
        assert get_delta_run(context, run.run_id).status == "running"  # 24 s of sandbox time, lease 10 s
        run.set_new_cursor("2026-11-15T12:00:00Z")
    assert run.cursor_outcome == "advanced"
    assert not run.lease_lost


def test_a_refused_heartbeat_marks_the_lease_lost(live: World) -> None:
    _, token = live.tenant()
    context = live.context(token)

    def lose_the_stream() -> None:
        with delta_run(
            context, "sftp_pull", "files", run_ttl_seconds=10, exclusive=True, heartbeat_interval=0.05
        ) as run:
            live.admin.advance_clock(3600)  # as if the process had been frozen for an hour
            with delta_run(context, "sftp_pull", "files", exclusive=True):
                for _ in range(int(WAIT / 0.05)):
                    if run.lease_lost:
                        break
                    time.sleep(0.05)
            assert run.lease_lost
            run.check_lease()

    with pytest.raises(DeltaRunFinishedError, match="abandoned"):
        lose_the_stream()
