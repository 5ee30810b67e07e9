"""The replay checks themselves: a skipped recorded call, an unrecorded request, a repeat or another
Idempotency-Key are each reported, so a cassette test cannot pass without making exactly its calls."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
import vcr
import yaml
from vcr.errors import CannotOverwriteExistingCassetteException
from vcr.request import Request

from tests.recording import (
    HEALTH_PATH,
    REPLAY_BASE_URL,
    ReplayGuard,
    _scrub_request,
    counting_keys,
    match_idempotency_key,
    vcr_config,
)


def _interaction(method: str, path: str, body: str = "", key: str | None = None) -> dict[str, Any]:
    headers = {"idempotency-key": [key]} if key else {}
    return {
        "request": {"body": body, "headers": headers, "method": method, "uri": REPLAY_BASE_URL + path},
        "response": {
            "body": {"string": '{"ok":true}'},
            "headers": {"content-type": ["application/json"]},
            "status": {"code": 200, "message": "OK"},
        },
    }


@pytest.fixture
def cassette_file(tmp_path: Path) -> Path:
    path = tmp_path / "recorded.yaml"
    interactions = [
        _interaction("POST", "/v1/delta-runs", '{"stream":"s"}', key=uuid.UUID(int=1, version=4).hex),
        _interaction("POST", "/v1/delta-runs/run_1/fail", '{"error_message":"RuntimeError: x"}', key="erp-1"),
        _interaction("GET", "/v1/delta-state/c/s"),
    ]
    path.write_text(yaml.safe_dump({"interactions": interactions, "version": 1}), encoding="utf-8")
    return path


def _replay(path: Path) -> Any:
    recorder = vcr.VCR()
    recorder.register_matcher("idempotency_key", match_idempotency_key)
    config = {k: v for k, v in vcr_config("none").items() if not k.startswith("before_record")}
    return recorder.use_cassette(str(path), record_mode="none", **config)


def _post(client: httpx.Client, path: str, body: str, key: str) -> httpx.Response:
    return client.post(REPLAY_BASE_URL + path, content=body, headers={"Idempotency-Key": key})


def test_every_recorded_call_made_once_is_clean(cassette_file: Path) -> None:
    with _replay(cassette_file) as cassette, httpx.Client() as client:
        guard = ReplayGuard(cassette)
        _post(client, "/v1/delta-runs", '{"stream":"s"}', uuid.UUID(int=1, version=4).hex)
        _post(client, "/v1/delta-runs/run_1/fail", '{"error_message":"RuntimeError: x"}', "erp-1")
        assert client.get(REPLAY_BASE_URL + "/v1/delta-state/c/s").json() == {"ok": True}
        assert guard.problems() == []


def test_a_recorded_call_never_made_is_reported(cassette_file: Path) -> None:
    with _replay(cassette_file) as cassette, httpx.Client() as client:
        guard = ReplayGuard(cassette)
        _post(client, "/v1/delta-runs", '{"stream":"s"}', uuid.UUID(int=1, version=4).hex)
        client.get(REPLAY_BASE_URL + "/v1/delta-state/c/s")  # the run's `fail` was skipped
        assert guard.problems() == [
            "recorded interaction #1 never requested: POST http://sandbox.test/v1/delta-runs/run_1/fail"
        ]


def test_an_unrecorded_request_is_refused_and_reported_even_if_swallowed(cassette_file: Path) -> None:
    with _replay(cassette_file) as cassette, httpx.Client() as client:
        guard = ReplayGuard(cassette)
        with pytest.raises(CannotOverwriteExistingCassetteException):
            client.get(REPLAY_BASE_URL + "/v1/invoices")
        assert "request not in the cassette (or already played): GET http://sandbox.test/v1/invoices" in (
            guard.problems()
        )


def test_a_recorded_interaction_answers_one_request_only(cassette_file: Path) -> None:
    with _replay(cassette_file) as cassette, httpx.Client() as client:
        guard = ReplayGuard(cassette)
        client.get(REPLAY_BASE_URL + "/v1/delta-state/c/s")
        with pytest.raises(CannotOverwriteExistingCassetteException):
            client.get(REPLAY_BASE_URL + "/v1/delta-state/c/s")
        assert guard.unmatched == ["GET http://sandbox.test/v1/delta-state/c/s"]


@pytest.mark.parametrize("key", ["erp-2", uuid.UUID(int=2, version=4).hex])
def test_another_idempotency_key_is_another_request(cassette_file: Path, key: str) -> None:
    with _replay(cassette_file) as cassette, httpx.Client() as client:
        guard = ReplayGuard(cassette)
        with pytest.raises(CannotOverwriteExistingCassetteException):
            _post(client, "/v1/delta-runs/run_1/fail", '{"error_message":"RuntimeError: x"}', key)
        assert guard.unmatched == ["POST http://sandbox.test/v1/delta-runs/run_1/fail"]


def test_a_request_without_the_recorded_key_does_not_match() -> None:
    recorded = Request("POST", "http://sandbox.test/v1/x", b"{}", {"Idempotency-Key": "k1"})
    with pytest.raises(AssertionError):
        match_idempotency_key(Request("POST", "http://sandbox.test/v1/x", b"{}", {}), recorded)
    match_idempotency_key(Request("POST", "http://sandbox.test/v1/x", b"{}", {"idempotency-key": "k1"}), recorded)


def test_generated_keys_count_from_one_per_test() -> None:
    keys = counting_keys()
    assert [keys(), keys(), keys()] == [uuid.UUID(int=n, version=4).hex for n in (1, 2, 3)]
    assert counting_keys()() == uuid.UUID(int=1, version=4).hex
    assert len(keys()) == len(uuid.uuid4().hex)


def test_the_sdk_takes_its_keys_from_the_seam(monkeypatch: pytest.MonkeyPatch) -> None:
    import nuntiq_sdk._transport as transport

    seen: list[str] = []
    monkeypatch.setattr(transport, "new_idempotency_key", counting_keys())

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("Idempotency-Key", ""))
        return httpx.Response(200)

    with httpx.Client(transport=transport.RetryTransport(httpx.MockTransport(answer), max_retries=0)) as client:
        client.post("http://sandbox.test/v1/a")
        client.post("http://sandbox.test/v1/b", headers={"Idempotency-Key": "mine"})
        client.post("http://sandbox.test/v1/c")
        client.get("http://sandbox.test/v1/d")
    assert seen == [uuid.UUID(int=1, version=4).hex, "mine", uuid.UUID(int=2, version=4).hex, ""]


def test_the_sandbox_start_up_probe_is_not_recorded() -> None:
    assert _scrub_request(Request("GET", "http://127.0.0.1:8123" + HEALTH_PATH, b"", {})) is None
    kept = _scrub_request(Request("GET", "http://127.0.0.1:8123/v1/invoices", b"", {}))
    assert kept.uri == "http://sandbox.test/v1/invoices"


def test_only_a_re_record_drops_unused_interactions() -> None:
    assert vcr_config("all")["drop_unused_requests"] is True
    assert vcr_config("none")["drop_unused_requests"] is False
    assert vcr_config("none")["allow_playback_repeats"] is False
