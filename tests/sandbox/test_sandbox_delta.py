"""Delta runs: start, complete, fail, shared and exclusive runs, heartbeats, abandoned runs, a forward-only cursor."""

from __future__ import annotations

from typing import Any

import pytest
from sandbox_helpers import Api, problem

pytestmark = pytest.mark.live


def start(api: Api, stream: str = "invoices", **extra: Any) -> dict[str, Any]:
    response = api.post("/delta-runs", json={"connector_name": "acme_erp_push", "stream_name": stream, **extra})
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_first_run_then_cursor_carries_over(api: Api) -> None:
    problem(api.get("/delta-state/acme_erp_push/invoices"), 404, "DELTA_STATE_NOT_FOUND")
    run = start(api, cursor_type="timestamp_utc")
    assert run["status"] == "running"
    assert run["previous_cursor"] is None
    assert run["idempotent"] is False
    assert run["run_id"]
    assert run["cursor_type"] == "timestamp_utc"
    state = api.get("/delta-state/acme_erp_push/invoices").json()
    assert (state["cursor"], state["active_run_id"]) == (None, run["run_id"])

    done = api.post(
        f"/delta-runs/{run['run_id']}/complete",
        json={"new_cursor": "2026-05-17T08:00:00Z", "records_processed": 7, "metadata": {"pushed": 6, "failed": 1}},
    )
    assert done.status_code == 200
    completed = done.json()
    assert (completed["status"], completed["new_cursor"], completed["records_processed"]) == (
        "completed",
        "2026-05-17T08:00:00Z",
        7,
    )
    assert completed["metadata"] == {"pushed": 6, "failed": 1}
    assert completed["finished_at"] is not None
    state = api.get("/delta-state/acme_erp_push/invoices").json()
    assert state["cursor"] == "2026-05-17T08:00:00Z"
    assert state["active_run_id"] is None
    assert state["last_run"]["run_id"] == run["run_id"]
    assert state["updated_at"] is not None

    second = start(api)
    assert second["previous_cursor"] == "2026-05-17T08:00:00Z"
    # A null cursor keeps the previous one.
    api.post(f"/delta-runs/{second['run_id']}/complete", json={"new_cursor": None}).raise_for_status()
    assert api.get("/delta-state/acme_erp_push/invoices").json()["cursor"] == "2026-05-17T08:00:00Z"
    assert api.get(f"/delta-runs/{second['run_id']}").json()["status"] == "completed"


def test_fail_keeps_the_cursor(api: Api) -> None:
    run = start(api, cursor_type="integer")
    api.post(f"/delta-runs/{run['run_id']}/complete", json={"new_cursor": "42"}).raise_for_status()
    run = start(api, cursor_type="integer")
    failed = api.post(f"/delta-runs/{run['run_id']}/fail", json={"error_message": "SFTP down"})
    assert failed.status_code == 200
    assert (failed.json()["status"], failed.json()["error_message"]) == ("failed", "SFTP down")
    assert api.get("/delta-state/acme_erp_push/invoices").json()["cursor"] == "42"
    assert start(api)["previous_cursor"] == "42"


def test_runs_of_one_stream_are_shared_by_default(api: Api) -> None:
    first, second = start(api, "orders"), start(api, "orders")
    assert first["run_id"] != second["run_id"]
    assert (first["exclusive"], first["run_ttl_seconds"]) == (False, 60)
    state = api.get("/delta-state/acme_erp_push/orders").json()
    assert state["active_run_ids"] == [first["run_id"], second["run_id"]]
    assert state["active_run_id"] == second["run_id"]


def test_an_exclusive_run_holds_the_stream_alone(api: Api) -> None:
    exclusive = {"connector_name": "acme_erp_push", "stream_name": "polled", "exclusive": True}
    shared = start(api, "polled")
    body = problem(api.post("/delta-runs", json=exclusive), 409, "DELTA_RUN_ACTIVE")
    assert body["active_run_id"] == shared["run_id"]
    api.post(f"/delta-runs/{shared['run_id']}/complete", json={}).raise_for_status()

    holder = api.post("/delta-runs", json=exclusive).json()
    assert holder["exclusive"] is True
    for refused in (exclusive, {"connector_name": "acme_erp_push", "stream_name": "polled"}):
        body = problem(api.post("/delta-runs", json=refused), 409, "DELTA_RUN_ACTIVE")
        assert body["active_run_id"] == holder["run_id"]
        assert holder["run_id"] in body["detail"]
    # Other streams and other connectors are independent.
    start(api, "payments")
    other = api.post("/delta-runs", json={**exclusive, "connector_name": "other_connector"})
    assert other.status_code == 201


def test_a_crashed_exclusive_holder_loses_the_stream_within_a_minute(api: Api) -> None:
    exclusive = {"connector_name": "acme_erp_push", "stream_name": "crashy", "exclusive": True}
    crashed = api.post("/delta-runs", json=exclusive).json()
    api.admin.advance_clock(59)
    problem(api.post("/delta-runs", json=exclusive), 409, "DELTA_RUN_ACTIVE")
    api.admin.advance_clock(2)
    taker = api.post("/delta-runs", json=exclusive)
    assert taker.status_code == 201, taker.text
    assert api.get(f"/delta-runs/{crashed['run_id']}").json()["status"] == "abandoned"
    # The late holder cannot renew or complete: the stream is someone else's now.
    for action, payload in (("heartbeat", None), ("complete", {"new_cursor": "2026-01-01T00:00:00Z"})):
        body = problem(api.post(f"/delta-runs/{crashed['run_id']}/{action}", json=payload), 409, "DELTA_RUN_FINISHED")
        assert body["run_status"] == "abandoned"


def test_a_heartbeat_renews_the_lease(api: Api) -> None:
    run = start(api, "beating", run_ttl_seconds=30)
    for _ in range(4):
        api.admin.advance_clock(20)
        beat = api.post(f"/delta-runs/{run['run_id']}/heartbeat")
        assert beat.status_code == 200, beat.text
        assert beat.json()["status"] == "running"
    assert beat.json()["expires_at"] > run["expires_at"]
    api.post(f"/delta-runs/{run['run_id']}/complete", json={}).raise_for_status()
    problem(api.post(f"/delta-runs/{run['run_id']}/heartbeat"), 409, "DELTA_RUN_FINISHED")


def test_a_lapsed_shared_run_may_resume_and_complete(api: Api) -> None:
    """A stalled process is not a dead one: with no exclusive run in the way, its run goes on."""
    run = start(api, "stalled", cursor_type="integer")
    api.admin.advance_clock(61)
    assert api.get(f"/delta-runs/{run['run_id']}").json()["status"] == "abandoned"
    assert api.post(f"/delta-runs/{run['run_id']}/heartbeat").json()["status"] == "running"
    api.admin.advance_clock(61)
    done = api.post(f"/delta-runs/{run['run_id']}/complete", json={"new_cursor": "7"})
    assert (done.json()["status"], done.json()["cursor_outcome"]) == ("completed", "advanced")


def test_the_cursor_only_moves_forward_by_its_type(api: Api) -> None:
    def complete(run: dict[str, Any], cursor: str | None) -> dict[str, Any]:
        response = api.post(f"/delta-runs/{run['run_id']}/complete", json={"new_cursor": cursor})
        assert response.status_code == 200, response.text
        return dict(response.json())

    slow, fast = start(api, "ts"), start(api, "ts")
    assert complete(fast, "2026-05-17T10:00:00+02:00")["cursor_outcome"] == "advanced"
    late = complete(slow, "2026-05-17T07:59:59Z")  # older than 08:00Z: kept out
    assert (late["cursor_outcome"], late["stream_cursor"]) == ("kept_current", "2026-05-17T10:00:00+02:00")
    assert complete(start(api, "ts"), None)["cursor_outcome"] == "not_given"
    assert complete(start(api, "ts"), "2026-05-17T08:00:01Z")["cursor_outcome"] == "advanced"
    assert api.get("/delta-state/acme_erp_push/ts").json()["cursor"] == "2026-05-17T08:00:01Z"

    first, second = start(api, "n", cursor_type="integer"), start(api, "n", cursor_type="integer")
    assert complete(first, "100")["cursor_outcome"] == "advanced"
    assert complete(second, "99")["cursor_outcome"] == "kept_current"  # 99 < 100, though "99" > "100" as text
    assert complete(start(api, "n", cursor_type="integer"), "1000")["stream_cursor"] == "1000"

    one, two = start(api, "o", cursor_type="opaque"), start(api, "o", cursor_type="opaque")
    assert complete(two, "b")["cursor_outcome"] == "advanced"
    assert complete(one, "c")["cursor_outcome"] == "kept_current"  # another run stored since it started
    assert complete(start(api, "o", cursor_type="opaque"), "a")["cursor_outcome"] == "advanced"


@pytest.mark.parametrize(
    ("cursor_type", "cursor"),
    [("timestamp_utc", "yesterday"), ("timestamp_utc", "2026-05-17T08:00:00"), ("integer", "4.2")],
)
def test_a_cursor_that_does_not_fit_its_type_is_refused(api: Api, cursor_type: str, cursor: str) -> None:
    run = start(api, f"bad_{cursor_type}", cursor_type=cursor_type)
    body = problem(
        api.post(f"/delta-runs/{run['run_id']}/complete", json={"new_cursor": cursor}), 400, "VALIDATION_ERROR"
    )
    assert body["errors"][0]["field"] == "new_cursor"
    assert repr(cursor) in body["errors"][0]["message"]
    assert api.get(f"/delta-runs/{run['run_id']}").json()["status"] == "running"


def test_finished_runs_refuse_more(api: Api) -> None:
    run = start(api)
    api.post(f"/delta-runs/{run['run_id']}/complete", json={}).raise_for_status()
    for action in ("complete", "fail"):
        body = problem(api.post(f"/delta-runs/{run['run_id']}/{action}", json={}), 409, "DELTA_RUN_FINISHED")
        assert "completed" in body["detail"]
    failed = start(api)
    api.post(f"/delta-runs/{failed['run_id']}/fail", json={}).raise_for_status()
    problem(api.post(f"/delta-runs/{failed['run_id']}/complete", json={"new_cursor": "x"}), 409, "DELTA_RUN_FINISHED")
    assert api.get("/delta-state/acme_erp_push/invoices").json()["cursor"] is None
    problem(api.get("/delta-runs/run_missing"), 404, "DELTA_RUN_NOT_FOUND")
    problem(api.post("/delta-runs/run_missing/fail", json={}), 404, "DELTA_RUN_NOT_FOUND")


def test_an_expired_run_is_abandoned(api: Api) -> None:
    stale = start(api, run_ttl_seconds=60)
    api.admin.advance_clock(61)
    assert api.get(f"/delta-runs/{stale['run_id']}").json()["status"] == "abandoned"
    fresh = start(api)
    assert fresh["run_id"] != stale["run_id"]
    state = api.get("/delta-state/acme_erp_push/invoices").json()
    assert (state["cursor"], state["active_run_id"], state["active_run_ids"]) == (
        None,
        fresh["run_id"],
        [fresh["run_id"]],
    )


def test_an_expired_run_is_abandoned_on_the_next_start(api: Api) -> None:
    stale = start(api, "lazy", run_ttl_seconds=10)
    api.admin.advance_clock(11)
    fresh = start(api, "lazy")
    assert fresh["previous_cursor"] is None
    assert api.get(f"/delta-runs/{stale['run_id']}").json()["status"] == "abandoned"
    body = problem(
        api.post("/delta-runs", json={"connector_name": "acme_erp_push", "stream_name": "lazy", "run_ttl_seconds": 5}),
        400,
        "VALIDATION_ERROR",
    )
    assert body["errors"][0]["field"] == "run_ttl_seconds"
