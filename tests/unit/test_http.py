"""build_api_client and the typed call helpers: every failure becomes the SDK's exception.

This module is also the typing proof of ``send``/``call`` against the real
generated endpoints: ``mypy --strict tests/unit/test_http.py`` passes, with the
``assert_type`` lines below checking the inferred types.
"""

from __future__ import annotations

import importlib.metadata
import json
from collections.abc import Callable
from typing import Any, assert_type, cast

import httpx
import pytest

from generated_client import AuthenticatedClient
from generated_client.api.invoices import claim_invoices, download_attachment, get_invoice
from generated_client.api.lifecycle import post_lifecycle_message
from generated_client.models import ClaimRequest, ClaimResponse, Invoice, LifecycleMessageCreate
from generated_client.types import File, Response
from nuntiq_sdk import _http
from nuntiq_sdk._config import USER_AGENT
from nuntiq_sdk._exceptions import (
    APIConnectionError,
    APIResponseError,
    APITimeoutError,
    AuthenticationError,
    InternalServerError,
    InvoiceNotFoundError,
    LifecycleTransitionError,
    PermissionDeniedError,
    RateLimitError,
)
from nuntiq_sdk._http import build_api_client, call, call_json, send
from nuntiq_sdk._transport import RetryTransport

TOKEN = "tok_live_5ecret"
Handler = Callable[[httpx.Request], httpx.Response]


def client_for(handler: Handler, *, max_retries: int = 0) -> AuthenticatedClient:
    if max_retries:
        retrying = RetryTransport(httpx.MockTransport(handler), max_retries=max_retries, sleep=lambda s: None)
        return build_api_client("https://api.test/v1", TOKEN, transport=retrying)
    return build_api_client("https://api.test/v1", TOKEN, transport=httpx.MockTransport(handler), max_retries=0)


def problem_response(status: int, code: str, **extra: Any) -> httpx.Response:
    body = {"title": "Refused", "status": status, "code": code, **extra}
    return httpx.Response(
        status, json=body, headers={"Content-Type": "application/problem+json", "X-Request-Id": "req_42"}
    )


def claim_response(request: httpx.Request) -> httpx.Response:
    lease = {"invoice_token": "tok_1", "lease_id": "l1", "status": 92, "lease_expires_at": "2026-05-17T08:10:00Z"}
    return httpx.Response(200, json={"leases": [lease], "idempotent": False}, headers={"X-Request-Id": "req_1"})


# --- typed success path --------------------------------------------------------------------


def test_call_returns_the_parsed_model() -> None:
    api = client_for(claim_response)
    claimed = call(claim_invoices.sync_detailed, client=api, body=ClaimRequest(limit=5))
    assert_type(claimed, ClaimResponse)
    assert isinstance(claimed, ClaimResponse)
    assert claimed.leases[0].invoice_token == "tok_1"


def test_send_returns_the_response_with_the_model() -> None:
    api = client_for(claim_response)
    response = send(claim_invoices.sync_detailed, client=api, body=ClaimRequest())
    assert_type(response, Response[ClaimResponse])
    assert response.status_code == 200
    assert response.headers["X-Request-Id"] == "req_1"
    assert isinstance(response.parsed, ClaimResponse)
    assert json.loads(response.content)["idempotent"] is False


def test_path_parameters_are_passed_positionally() -> None:
    invoice = {
        "invoice_token": "tok_1",
        "invoice_id": 7,
        "status": 92,
        "status_name": "Integrating",
        "fields": {"invoiceNumber": "INV-1"},
        "addresses": [],
        "lines": [],
        "attachments": [],
        "created_at": "2026-05-17T08:00:00Z",
        "updated_at": "2026-05-17T08:00:00Z",
    }
    api = client_for(lambda r: httpx.Response(200, json=invoice))
    response = send(get_invoice.sync_detailed, "tok_1", client=api)
    assert_type(response, Response[Invoice])
    assert response.parsed is not None
    assert response.parsed.fields["invoiceNumber"] == "INV-1"


def test_binary_bodies() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/v1/invoices/tok_1/attachments/att_1/content"
        return httpx.Response(200, content=b"%PDF-1.7", headers={"Content-Type": "application/pdf"})

    file = call(download_attachment.sync_detailed, "tok_1", "att_1", client=client_for(handler))
    assert_type(file, File)
    assert file.payload.read() == b"%PDF-1.7"


def test_requests_carry_token_user_agent_and_base_path() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return claim_response(request)

    call(claim_invoices.sync_detailed, client=client_for(handler), body=ClaimRequest())
    (request,) = seen
    assert str(request.url) == "https://api.test/v1/invoices/claim"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["User-Agent"] == USER_AGENT
    assert USER_AGENT.startswith("nuntiq-sdk/")
    assert " python/3." in USER_AGENT
    assert USER_AGENT.startswith(f"nuntiq-sdk/{importlib.metadata.version('nuntiq-connector-sdk')} ")
    assert "Idempotency-Key" in request.headers


def test_build_api_client_settings() -> None:
    api = build_api_client("https://api.test/v1", TOKEN, timeout=12.0, transport=httpx.MockTransport(claim_response))
    assert api.raise_on_unexpected_status is False
    httpx_client = api.get_httpx_client()
    assert httpx_client.timeout == httpx.Timeout(12.0, connect=10.0)
    transport = httpx_client._transport
    assert isinstance(transport, RetryTransport)
    assert transport.max_retries == 3
    assert isinstance(transport.transport, httpx.MockTransport)
    custom = RetryTransport(httpx.MockTransport(claim_response), max_retries=7)
    assert build_api_client("https://x/v1", "t", transport=custom).get_httpx_client()._transport is custom
    api.get_httpx_client().close()


def test_environment_proxy_is_given_to_the_default_transport(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert _http._environment_proxy("https://api.nuntiq.example/v1") is None
    monkeypatch.setenv("HTTPS_PROXY", "proxy.corp:3128")
    assert _http._environment_proxy("https://api.nuntiq.example/v1") == "http://proxy.corp:3128"
    monkeypatch.setenv("NO_PROXY", "nuntiq.example")
    assert _http._environment_proxy("https://api.nuntiq.example/v1") is None


# --- problem responses become typed exceptions -------------------------------------------------------


def test_a_problem_response_raises_its_class() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return problem_response(
            409,
            "LIFECYCLE_TRANSITION_INVALID",
            detail="Invoice is at ACCEPTED",
            valid_next_codes=["PAID"],
            current_code="ACCEPTED",
        )

    with pytest.raises(LifecycleTransitionError) as caught:
        call(
            post_lifecycle_message.sync_detailed,
            "tok_1",
            client=client_for(handler),
            body=LifecycleMessageCreate(code="RECEIVED"),
        )
    error = caught.value
    assert error.valid_next_codes == ("PAID",)
    assert error.request_id == "req_42"
    assert (
        str(error)
        == "409 LIFECYCLE_TRANSITION_INVALID: Invoice is at ACCEPTED; valid next codes: PAID (request_id=req_42)"
    )
    assert TOKEN not in str(error)


def test_not_found_and_rate_limit() -> None:
    api = client_for(lambda r: problem_response(404, "INVOICE_NOT_FOUND"))
    with pytest.raises(InvoiceNotFoundError):
        call(get_invoice.sync_detailed, "tok_x", client=api)
    limited = httpx.Response(
        429, json={"title": "Slow", "status": 429, "code": "RATE_LIMITED"}, headers={"Retry-After": "9"}
    )
    with pytest.raises(RateLimitError) as caught:
        call(get_invoice.sync_detailed, "tok_x", client=client_for(lambda r: limited))
    assert caught.value.retry_after == 9.0


def test_retryable_problem_surfaces_after_the_retries() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return problem_response(503, "SERVICE_UNAVAILABLE")

    with pytest.raises(InternalServerError) as caught:
        call(get_invoice.sync_detailed, "tok_1", client=client_for(handler, max_retries=2))
    assert len(calls) == 3
    assert caught.value.status_code == 503


def test_a_json_error_that_is_not_a_problem_still_raises_the_status_class() -> None:
    api = client_for(lambda r: httpx.Response(403, json={"message": "nope"}, headers={"X-Request-Id": "req_7"}))
    with pytest.raises(PermissionDeniedError) as caught:
        call(get_invoice.sync_detailed, "tok_1", client=api)
    assert caught.value.request_id == "req_7"
    assert caught.value.problem == {"message": "nope"}


def test_an_empty_error_body_raises_the_status_class() -> None:
    with pytest.raises(AuthenticationError) as caught:
        call(get_invoice.sync_detailed, "tok_1", client=client_for(lambda r: httpx.Response(401)))
    assert str(caught.value) == "401: Unauthorized"


def test_a_non_standard_status_is_still_mapped() -> None:
    api = client_for(lambda r: httpx.Response(599, json={"title": "Odd", "status": 599, "code": "X"}))
    with pytest.raises(InternalServerError):
        call(get_invoice.sync_detailed, "tok_1", client=api)


# --- unreadable answers ------------------------------------------------------------------


def test_a_non_json_error_body_is_an_api_response_error() -> None:
    page = httpx.Response(
        502,
        content=b"<html><body>Bad gateway</body></html>",
        headers={"Content-Type": "text/html", "X-Request-Id": "r9"},
    )
    with pytest.raises(APIResponseError) as caught:
        call(get_invoice.sync_detailed, "tok_1", client=client_for(lambda r: page))
    error = caught.value
    assert error.status_code == 502
    assert error.request_id == "r9"
    assert error.body.startswith(b"<html>")
    assert "502" in str(error)
    assert "text/html" in str(error)
    assert "(request_id=r9)" in str(error)
    assert isinstance(error.__cause__, ValueError)


def test_an_unreadable_success_body_is_an_api_response_error() -> None:
    with pytest.raises(APIResponseError, match="200 response"):
        call(get_invoice.sync_detailed, "tok_1", client=client_for(lambda r: httpx.Response(200, content=b"not json")))
    incomplete = httpx.Response(200, json={"invoice_token": "tok_1"})
    with pytest.raises(APIResponseError) as caught:
        call(get_invoice.sync_detailed, "tok_1", client=client_for(lambda r: incomplete))
    assert isinstance(caught.value.__cause__, KeyError)


def test_a_bug_before_any_request_is_not_disguised() -> None:
    api = client_for(claim_response)
    with pytest.raises(AttributeError):
        call(claim_invoices.sync_detailed, client=api, body=None)  # type: ignore[arg-type]


# --- network failures -----------------------------------------------------------------------


def test_connection_error_after_exhausted_retries() -> None:
    attempts: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        attempts.append(request)
        raise httpx.ConnectError("[Errno 111] Connection refused")

    with pytest.raises(APIConnectionError) as caught:
        call(claim_invoices.sync_detailed, client=client_for(handler, max_retries=3), body=ClaimRequest())
    error = caught.value
    assert type(error) is APIConnectionError
    assert len(attempts) == 4
    assert error.request_method == "POST"
    assert error.request_path == "/v1/invoices/claim"
    assert isinstance(error.__cause__, httpx.ConnectError)
    assert str(error) == (
        "POST /v1/invoices/claim could not reach the Nuntiq API at api.test:443 after 4 attempts "
        "(ConnectError: [Errno 111] Connection refused)"
    )
    assert TOKEN not in str(error)
    assert "Authorization" not in str(error)


def test_timeout_is_an_api_timeout_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out")

    with pytest.raises(APITimeoutError) as caught:
        call(get_invoice.sync_detailed, "tok_1", client=client_for(handler))
    assert isinstance(caught.value, APIConnectionError)
    assert caught.value.request_method == "GET"
    assert str(caught.value) == "GET /v1/invoices/tok_1 timed out at api.test:443 (ReadTimeout: timed out)"


def test_a_body_that_does_not_match_its_encoding_is_an_api_response_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=httpx.ByteStream(b"not gzip"), headers={"Content-Encoding": "gzip"})

    with pytest.raises(APIResponseError) as caught:
        call(get_invoice.sync_detailed, "tok_1", client=client_for(handler))
    assert str(caught.value).startswith("GET /v1/invoices/tok_1: the response could not be read (DecodingError:")
    assert isinstance(caught.value.__cause__, httpx.DecodingError)


def test_a_client_built_elsewhere_still_gets_sdk_errors() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("tok_html"):
            return httpx.Response(200, content=b"<html>")
        return problem_response(404, "INVOICE_NOT_FOUND")

    api = AuthenticatedClient(
        base_url="https://api.test/v1", token=TOKEN, httpx_args={"transport": httpx.MockTransport(handler)}
    )
    with pytest.raises(InvoiceNotFoundError):
        call(get_invoice.sync_detailed, "tok_1", client=api)
    with pytest.raises(APIResponseError, match="not JSON"):
        call(get_invoice.sync_detailed, "tok_html", client=api)


class _Body:
    """What the SDK hands a generated endpoint: anything with ``to_dict()``."""

    def __init__(self, value: dict[str, Any]) -> None:
        self.value = value

    def to_dict(self) -> dict[str, Any]:
        return self.value


def test_a_json_body_goes_out_as_the_bytes_httpx_would_send() -> None:
    from generated_client.api.suppliers import upsert_suppliers

    payload = {
        "rows": [
            {
                "name": 'Müller & Söhne \u2013 "Ω"\n\t\u0001',
                "payment_terms_days": 30,
                "amount": 1234.5,
                "active": True,
                "email": None,
                "locations": [{"location_code": "MAIN", "share": [1, 2.0, -0.0]}],
            }
        ]
    }
    kwargs = upsert_suppliers._get_kwargs(body=cast(Any, _Body(payload)))
    assert "json" not in kwargs  # encoded by the generated client, not by httpx
    assert kwargs["headers"]["Content-Type"] == "application/json"
    assert kwargs["content"] == httpx.Request("POST", "https://api.test/v1", json=payload).content
    tiny = {"rows": [{"amount": 1e-7, "big": 1e22}]}  # exponents are spelled differently, the values are equal
    assert json.loads(upsert_suppliers._get_kwargs(body=cast(Any, _Body(tiny)))["content"]) == tiny


def test_a_page_read_once_that_is_not_json_is_an_api_response_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("tok_json"):
            return httpx.Response(200, json={"invoice_token": "tok_json", "amount": 12.5})
        return httpx.Response(200, content=b"<html>maintenance</html>", headers={"X-Request-Id": "req_9"})

    api = client_for(handler)
    assert call_json(get_invoice.sync_raw, "tok_json", client=api) == {"invoice_token": "tok_json", "amount": 12.5}
    with pytest.raises(APIResponseError) as caught:
        call_json(get_invoice.sync_raw, "tok_html", client=api)
    message = str(caught.value)
    assert message.startswith("200 response with a body the client cannot read (no content type; JSONDecodeError)")
    assert "<html>maintenance</html>" in message
    assert "request_id=req_9" in message
    assert caught.value.status_code == 200
    assert caught.value.body.startswith(b"<html>")
