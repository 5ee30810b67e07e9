"""RetryTransport: what is retried, how long it waits, and that POSTs keep one Idempotency-Key."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from email.utils import format_datetime

import attrs
import httpx
import pytest

from nuntiq_sdk._transport import RetryTransport

NOW = 1_800_000_000.0

Step = httpx.Response | Exception


@attrs.define
class Sent:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@attrs.define
class Server:
    """Answers each request with the next scripted step; records what was sent (headers copied)."""

    steps: list[Step]
    sent: list[Sent] = attrs.field(factory=list)
    answered: list[httpx.Response] = attrs.field(factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(
            Sent(request.method, request.url.path, {k.lower(): v for k, v in request.headers.items()}, request.read())
        )
        step = self.steps.pop(0) if len(self.steps) > 1 else self.steps[0]
        if isinstance(step, Exception):
            raise step
        if not hasattr(step, "_content"):  # a streamed body: sent once, as it is
            return step
        response = httpx.Response(step.status_code, headers=step.headers, content=step.content)
        self.answered.append(response)
        return response


@attrs.define
class Sleeper:
    delays: list[float] = attrs.field(factory=list)

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def make(
    steps: Sequence[Step], *, random: Callable[[], float] = lambda: 1.0, **options: object
) -> tuple[httpx.Client, Server, Sleeper]:
    server = Server(list(steps))
    sleeper = Sleeper()
    transport = RetryTransport(
        httpx.MockTransport(server),
        sleep=sleeper,
        random=random,
        now=lambda: NOW,
        **options,  # type: ignore[arg-type]
    )
    return httpx.Client(transport=transport, base_url="https://api.test/v1"), server, sleeper


def ok() -> httpx.Response:
    return httpx.Response(200, json={"ok": True})


def status(code: int, **headers: str) -> httpx.Response:
    return httpx.Response(code, json={"title": "x", "status": code, "code": "X"}, headers=headers)


# --- what is retried -----------------------------------------------------------------


def test_connection_error_is_retried_with_exponential_backoff() -> None:
    client, server, sleeper = make([httpx.ConnectError("refused")] * 3 + [ok()])
    response = client.get("/invoices/tok_1")
    assert response.status_code == 200
    assert len(server.sent) == 4
    assert sleeper.delays == [0.5, 1.0, 2.0]


def test_equal_jitter_waits_between_half_and_all_of_the_backoff() -> None:
    client, _, sleeper = make([httpx.ConnectError("refused")] * 3 + [ok()], random=lambda: 0.0)
    client.get("/x")
    assert sleeper.delays == [0.25, 0.5, 1.0]
    client, _, sleeper = make([httpx.ConnectError("refused")] * 2 + [ok()], random=lambda: 0.5)
    client.get("/x")
    assert sleeper.delays == [0.375, 0.75]


def test_backoff_is_capped() -> None:
    client, _, sleeper = make([httpx.ConnectError("refused")] * 6 + [ok()], max_retries=6, backoff_max=3.0)
    client.get("/x")
    assert sleeper.delays == [0.5, 1.0, 2.0, 3.0, 3.0, 3.0]


@pytest.mark.parametrize("code", [429, 500, 502, 503, 504])
def test_retryable_statuses_are_retried(code: int) -> None:
    client, server, sleeper = make([status(code), ok()])
    assert client.get("/x").status_code == 200
    assert len(server.sent) == 2
    assert sleeper.delays == [0.5]


@pytest.mark.parametrize("code", [400, 401, 403, 404, 409, 422, 501])
def test_other_statuses_are_not_retried(code: int) -> None:
    client, server, sleeper = make([status(code), ok()])
    assert client.get("/x").status_code == code
    assert len(server.sent) == 1
    assert sleeper.delays == []


def in_use(**headers: str) -> httpx.Response:
    problem = {"title": "Conflict", "status": 409, "code": "IDEMPOTENCY_KEY_IN_USE"}
    return httpx.Response(409, json=problem, headers=headers)


def test_a_key_still_in_use_is_retried_with_the_same_key_until_the_first_attempt_is_replayed() -> None:
    """A timed-out POST is still running on the server: its key answers 409 IN_USE until it is done."""
    client, server, sleeper = make([httpx.ReadTimeout("slow"), in_use(), in_use(**{"Retry-After": "3"}), ok()])
    assert client.post("/suppliers", json={"rows": []}).status_code == 200
    keys = {sent.headers["idempotency-key"] for sent in server.sent}
    assert len(server.sent) == 4
    assert len(keys) == 1
    assert sleeper.delays == [0.5, 1.0, 3.0]  # the default backoff, then the server's Retry-After


def test_a_key_in_use_gives_up_when_the_retry_budget_is_spent() -> None:
    client, server, sleeper = make([in_use()], max_retries=2)
    response = client.post("/suppliers", json={})
    assert response.status_code == 409
    assert len(server.sent) == 3
    assert sleeper.delays == [0.5, 1.0]


def test_other_409s_are_not_retried_even_with_a_key() -> None:
    conflict = httpx.Response(409, json={"status": 409, "code": "LEASE_EXPIRED"})
    client, server, _ = make([conflict, ok()])
    assert client.post("/invoices/t/acknowledge").status_code == 409
    assert len(server.sent) == 1


def test_a_409_in_use_without_a_key_of_ours_is_not_retried() -> None:
    """Only a keyed request can be replayed; a PATCH without a key must not be sent twice."""
    client, server, _ = make([in_use(), ok()])
    assert client.patch("/x", json={}).status_code == 409
    assert len(server.sent) == 1


def test_a_409_whose_body_is_not_json_is_not_retried() -> None:
    client, server, _ = make([httpx.Response(409, content=b"<html>busy</html>"), ok()])
    assert client.post("/x").status_code == 409
    assert len(server.sent) == 1


def test_retry_after_seconds_is_honoured() -> None:
    client, _, sleeper = make([status(429, **{"Retry-After": "7"}), status(503, **{"Retry-After": "0"}), ok()])
    assert client.get("/x").status_code == 200
    assert sleeper.delays == [7.0, 0.0]


def test_retry_after_http_date_is_honoured() -> None:
    when = format_datetime(datetime.fromtimestamp(NOW + 20, tz=UTC), usegmt=True)
    client, _, sleeper = make([status(503, **{"Retry-After": when}), ok()])
    client.get("/x")
    assert sleeper.delays == [20.0]


def test_retry_after_is_capped_and_garbage_falls_back_to_backoff() -> None:
    client, _, sleeper = make([status(429, **{"Retry-After": "3600"}), status(429, **{"Retry-After": "soon"}), ok()])
    client.get("/x")
    assert sleeper.delays == [60.0, 1.0]
    client, _, sleeper = make([status(429, **{"Retry-After": "3600"}), ok()], retry_after_max=5.0)
    client.get("/x")
    assert sleeper.delays == [5.0]


def test_retries_stop_at_max_retries_and_the_last_response_surfaces() -> None:
    client, server, sleeper = make([status(503, **{"X-Request-Id": "req_last"})], max_retries=2)
    response = client.get("/x")
    assert response.status_code == 503
    assert response.headers["X-Request-Id"] == "req_last"
    assert response.json()["status"] == 503
    assert len(server.sent) == 3
    assert len(sleeper.delays) == 2


def test_retries_stop_at_max_retries_and_the_last_error_surfaces() -> None:
    errors: list[Step] = [httpx.ConnectError("first"), httpx.ConnectError("second"), httpx.ConnectTimeout("last")]
    client, server, _ = make(errors, max_retries=2)
    with pytest.raises(httpx.ConnectTimeout, match="last"):
        client.get("/x")
    assert len(server.sent) == 3


def test_no_retries_when_max_retries_is_zero() -> None:
    client, server, sleeper = make([status(503), ok()], max_retries=0)
    assert client.get("/x").status_code == 503
    assert len(server.sent) == 1
    assert sleeper.delays == []
    with pytest.raises(ValueError, match="max_retries"):
        RetryTransport(httpx.MockTransport(lambda r: ok()), max_retries=-1)


@pytest.mark.parametrize(
    "error",
    [
        httpx.ReadError("reset"),
        httpx.ReadTimeout("slow"),
        httpx.WriteError("broken pipe"),
        httpx.RemoteProtocolError("server hung up"),
        httpx.PoolTimeout("pool"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_network_errors_are_retried_for_safe_methods(error: Exception) -> None:
    client, server, _ = make([error, ok()])
    assert client.get("/x").status_code == 200
    assert len(server.sent) == 2


def test_local_errors_are_not_retried() -> None:
    client, server, _ = make([httpx.UnsupportedProtocol("gopher"), ok()])
    with pytest.raises(httpx.UnsupportedProtocol):
        client.get("/x")
    assert len(server.sent) == 1


# --- POST and PATCH: only with an Idempotency-Key ----------------------------------------


def test_post_gets_a_key_and_the_same_key_is_sent_on_every_retry() -> None:
    client, server, _ = make([httpx.ReadTimeout("slow"), status(503), status(429), ok()])
    response = client.post("/invoices/claim", json={"limit": 5})
    assert response.status_code == 200
    keys = [s.headers.get("idempotency-key") for s in server.sent]
    assert len(keys) == 4
    assert keys[0] is not None
    assert len(keys[0]) == 32
    assert set(keys) == {keys[0]}
    assert [s.body for s in server.sent] == [b'{"limit":5}'] * 4


def test_each_post_gets_its_own_key() -> None:
    client, server, _ = make([ok()])
    client.post("/a", json={})
    client.post("/a", json={})
    assert server.sent[0].headers["idempotency-key"] != server.sent[1].headers["idempotency-key"]


def test_a_callers_key_is_kept() -> None:
    client, server, _ = make([status(503), ok()])
    client.post("/x", json={}, headers={"Idempotency-Key": "erp-accept-12345"})
    assert [s.headers["idempotency-key"] for s in server.sent] == ["erp-accept-12345"] * 2


def test_post_keys_are_added_even_without_retries() -> None:
    client, server, _ = make([ok()], max_retries=0)
    client.post("/x", json={})
    assert "idempotency-key" in server.sent[0].headers


def test_get_gets_no_key() -> None:
    client, server, _ = make([status(503), ok()])
    client.get("/x")
    assert all("idempotency-key" not in s.headers for s in server.sent)


def test_patch_without_a_key_is_not_retried_once_sent() -> None:
    client, server, _ = make([status(503), ok()])
    assert client.patch("/x", json={}).status_code == 503
    client, server, _ = make([httpx.ReadError("reset"), ok()])
    with pytest.raises(httpx.ReadError):
        client.patch("/x", json={})
    assert len(server.sent) == 1
    assert "idempotency-key" not in server.sent[0].headers


def test_patch_with_a_key_is_retried() -> None:
    client, server, _ = make([status(503), ok()])
    assert client.patch("/x", json={}, headers={"Idempotency-Key": "k"}).status_code == 200
    assert len(server.sent) == 2


def test_a_failed_connect_is_retried_for_any_method() -> None:
    client, server, _ = make([httpx.ConnectError("refused"), ok()])
    assert client.patch("/x", json={}).status_code == 200
    assert len(server.sent) == 2


def test_a_streamed_body_is_sent_again_on_retry() -> None:
    def chunks() -> Iterator[bytes]:
        yield b"ab"
        yield b"cd"

    client, server, _ = make([status(503), ok()])
    client.post("/x", content=chunks())
    assert [s.body for s in server.sent] == [b"abcd", b"abcd"]


# --- bookkeeping -------------------------------------------------------------------------------


def test_retries_are_counted_in_a_header() -> None:
    client, server, _ = make([status(503), status(503), ok()])
    client.get("/x")
    assert [s.headers.get("x-nuntiq-retry-count") for s in server.sent] == [None, "1", "2"]


def test_responses_are_closed_before_a_retry() -> None:
    client, server, _ = make([status(503), status(502), ok()])
    final = client.get("/x")
    assert [r.is_closed for r in server.answered[:2]] == [True, True]
    assert final.status_code == 200


def test_each_retry_is_logged_without_headers_or_bodies(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="nuntiq_sdk.http")
    client, _, _ = make([httpx.ConnectError("refused"), status(503, **{"X-Request-Id": "req_77"}), ok()])
    client.post("/invoices/claim", json={"secret": "body-value"}, headers={"Authorization": "Bearer tok_secret"})
    records = [r for r in caplog.records if r.name == "nuntiq_sdk.http"]
    assert [r.levelno for r in records] == [logging.WARNING, logging.WARNING]
    first, second = (r.getMessage() for r in records)
    assert first == "Retrying POST /v1/invoices/claim in 0.50s (retry 1 of 3): ConnectError: refused"
    assert second == "Retrying POST /v1/invoices/claim in 1.00s (retry 2 of 3): status 503 (request_id=req_77)"
    detail = records[1].detail  # type: ignore[attr-defined]
    assert detail == {
        "method": "POST",
        "path": "/v1/invoices/claim",
        "attempt": 2,
        "max_retries": 3,
        "delay_seconds": 1.0,
        "reason": "status 503",
        "request_id": "req_77",
    }
    text = caplog.text + repr([r.__dict__ for r in records])
    assert "tok_secret" not in text
    assert "body-value" not in text
    assert "idempotency" not in text.lower()


def test_max_retries_is_exposed_and_close_reaches_the_inner_transport() -> None:
    closed: list[bool] = []

    class Inner(httpx.MockTransport):
        def close(self) -> None:
            closed.append(True)

    transport = RetryTransport(Inner(lambda r: ok()), max_retries=5)
    assert transport.max_retries == 5
    assert isinstance(transport.transport, Inner)
    transport.close()
    assert closed == [True]


def test_default_inner_transport_verifies_tls() -> None:
    transport = RetryTransport()
    try:
        assert isinstance(transport.transport, httpx.HTTPTransport)
        context = transport.transport._pool._ssl_context
        assert context is not None
        assert context.verify_mode.name == "CERT_REQUIRED"
    finally:
        transport.close()


class BrokenBody(httpx.SyncByteStream):
    """A body that loses its connection after the first chunk."""

    def __iter__(self) -> Iterator[bytes]:
        yield b'{"ok":'
        raise httpx.ReadError("connection reset mid-body")


def test_a_connection_lost_mid_body_is_retried() -> None:
    client, server, sleeper = make([httpx.Response(200, stream=BrokenBody()), ok()])
    response = client.get("/x")
    assert response.json() == {"ok": True}
    assert len(server.sent) == 2
    assert sleeper.delays == [0.5]
