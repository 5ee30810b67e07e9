"""Retries against a live sandbox with injected faults: a retried POST is applied exactly once."""

from __future__ import annotations

import logging
import socket

import pytest

from nuntiq_sdk import APIConnectionError, InternalServerError, JobContext
from nuntiq_sdk.objects.invoice import InvoiceLoad
from nuntiq_sdk.objects.lifecycle_message import LifecycleMessageLoad
from tests.sdk.conftest import World, invoice_spec

pytestmark = pytest.mark.live


def test_a_post_whose_response_was_lost_is_applied_exactly_once(live: World) -> None:
    tenant, token = live.tenant()
    invoice = live.invoice(tenant, **invoice_spec())["invoice_token"]
    load = LifecycleMessageLoad(live.fast_context(token))
    live.admin.add_fault(r"/v1/invoices/.*/lifecycle-messages$", method="POST", drop="after", count=1)

    msg = load.new()
    msg.code = "ACCEPTED"
    response = msg.post_to(invoice_token=invoice)  # no key given: the SDK makes one and keeps it

    assert response.idempotent is True  # the retry met the first, applied request
    assert [m.code for m in load.get_for_invoice(invoice)] == ["ACCEPTED"]


def test_a_claim_whose_response_was_lost_returns_the_same_leases(live: World) -> None:
    tenant, token = live.tenant()
    for n in range(3):
        live.invoice(tenant, **invoice_spec(f"INV-{n}"))
    load = InvoiceLoad(live.fast_context(token))
    live.admin.add_fault(r"/v1/invoices/claim$", method="POST", drop="after", count=1)

    leases = load.claim(limit=2)

    assert len(leases) == 2
    claimed = {lease.invoice_token for lease in leases}
    assert {live.admin.get_invoice(t)["status"] for t in claimed} == {92}
    [rest] = load.claim(limit=5)
    assert rest.invoice_token not in claimed


def test_a_request_dropped_before_it_arrived_is_retried(live: World) -> None:
    tenant, token = live.tenant()
    invoice = live.invoice(tenant, **invoice_spec())["invoice_token"]
    live.admin.add_fault(r"/v1/invoices/[^/]+$", method="GET", drop="before", count=2)
    assert InvoiceLoad(live.fast_context(token)).get_by_token(invoice).invoice_token == invoice


def test_retry_after_is_honoured(live: World, caplog: pytest.LogCaptureFixture) -> None:
    tenant, token = live.tenant()
    live.invoice(tenant, **invoice_spec())
    live.admin.add_fault(r"/v1/invoices/claim$", status=503, retry_after=1, count=1)
    with caplog.at_level(logging.WARNING, logger="nuntiq_sdk.http"):
        [lease] = InvoiceLoad(live.fast_context(token)).claim()
    assert lease.status == 92
    assert "in 1.00s" in caplog.text
    assert "status 503" in caplog.text


def test_retries_give_up_with_a_typed_error(live: World) -> None:
    _, token = live.tenant()
    live.admin.add_fault(r"/v1/invoices/claim$", status=503, retry_after=0, count=10)
    with pytest.raises(InternalServerError) as caught:
        InvoiceLoad(live.fast_context(token)).claim()
    assert caught.value.status_code == 503
    assert caught.value.request_id
    remaining = live.admin.list_faults()
    assert remaining[0]["count"] == 10 - 4  # the first try and three retries used four


def test_an_unreachable_api_is_a_connection_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = {
        "customer_number": "10000001",
        "secrets": {"api_token": "ntq_sk_" + "1" * 40},
        "config": {"api_base_url": f"http://127.0.0.1:{port}/v1", "api_max_retries": 1},
    }
    context = JobContext.from_settings(settings, environ={}, work_dir=tmp_path)
    with context, pytest.raises(APIConnectionError) as caught:
        InvoiceLoad(context).claim()
    assert "ntq_sk_" not in str(caught.value)
