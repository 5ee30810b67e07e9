"""Delta runs: start, complete, fail, one active run per stream, abandoned runs, state."""

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
    run = start(api)
    api.post(f"/delta-runs/{run['run_id']}/complete", json={"new_cursor": "42"}).raise_for_status()
    run = start(api)
    failed = api.post(f"/delta-runs/{run['run_id']}/fail", json={"error_message": "SFTP down"})
    assert failed.status_code == 200
    assert (failed.json()["status"], failed.json()["error_message"]) == ("failed", "SFTP down")
    assert api.get("/delta-state/acme_erp_push/invoices").json()["cursor"] == "42"
    assert start(api)["previous_cursor"] == "42"


def test_one_active_run_per_stream(api: Api) -> None:
    run = start(api, "orders")
    body = problem(
        api.post("/delta-runs", json={"connector_name": "acme_erp_push", "stream_name": "orders"}),
        409,
        "DELTA_RUN_ACTIVE",
    )
    assert run["run_id"] in body["detail"]
    # Other streams and other connectors are independent.
    start(api, "payments")
    other = api.post("/delta-runs", json={"connector_name": "other_connector", "stream_name": "orders"})
    assert other.status_code == 201


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
    problem(api.post(f"/delta-runs/{stale['run_id']}/complete", json={"new_cursor": "late"}), 409, "DELTA_RUN_FINISHED")
    state = api.get("/delta-state/acme_erp_push/invoices").json()
    assert (state["cursor"], state["active_run_id"]) == (None, fresh["run_id"])


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
