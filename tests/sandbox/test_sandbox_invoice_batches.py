"""The batch side of invoices: a claim that returns the invoices, batch acknowledge and batch results.

Each batch item gets the outcome its single call would give, fenced by its lease id; a refused item does not
stop the others; a replayed Idempotency-Key returns the first answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sandbox_helpers import Api, problem

pytestmark = pytest.mark.live


def claim(api: Api, **body: Any) -> list[dict[str, Any]]:
    response = api.post("/invoices/claim", json=body)
    assert response.status_code == 200, response.text
    return list(response.json()["leases"])


def batch(api: Api, path: str, items: list[dict[str, Any]], **kwargs: Any) -> dict[str, Any]:
    response = api.post(path, json={"items": items}, **kwargs)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def ref(lease: dict[str, Any]) -> dict[str, str]:
    return {"invoice_token": lease["invoice_token"], "lease_id": lease["lease_id"]}


def status_of(api: Api, token: str) -> int:
    return int(api.admin.get_invoice(token)["status"])


def three_leases_one_stale(api: Api) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Three invoices claimed by this worker; the first one's lease lapsed and was re-granted (to a rival)."""
    for number in ("INV-A", "INV-B", "INV-C"):
        api.invoice(invoice_number=number)
    [stale] = claim(api, limit=1, lease_ttl_seconds=10)
    api.admin.advance_clock(20)  # the lease lapses: the invoice goes back to 90
    rival = claim(api, limit=3, lease_ttl_seconds=600)  # takes it again, under a new lease, with the other two
    assert [lease["invoice_number"] for lease in rival] == ["INV-A", "INV-B", "INV-C"]
    return rival, stale


def test_claim_can_return_each_invoice_as_get_invoice_does(api: Api) -> None:
    created = api.invoice(
        invoice_number="INV-1",
        fields={"invoiceNumber": "INV-1", "grossAmount": "10.00"},
        lines=[{"line_number": 1, "fields": {"description": "Widgets"}}],
        attachments=[{"file_name": "INV-1.pdf", "content_type": "application/pdf", "content_base64": "JVBERg=="}],
    )
    api.invoice(invoice_number="INV-2")

    leases = claim(api, include=["invoice"], lease_ttl_seconds=60)

    assert [lease["invoice"]["invoice_number"] for lease in leases] == ["INV-1", "INV-2"]
    for lease in leases:
        read = api.get(f"/invoices/{lease['invoice_token']}").json()
        assert lease["invoice"] == read  # the very body getInvoice returns, under the new lease
        assert (read["status"], read["lease_expires_at"]) == (92, lease["lease_expires_at"])
    [attachment] = leases[0]["invoice"]["attachments"]
    content = api.get(f"/invoices/{created['invoice_token']}/attachments/{attachment['attachment_id']}/content")
    assert content.content == b"%PDF"


def test_a_claim_without_include_carries_no_invoice(api: Api) -> None:
    api.invoice()
    [lease] = claim(api)
    assert "invoice" not in lease


def test_include_needs_invoice_read_as_well(make_api: Callable[..., Api]) -> None:
    api = make_api(("INVOICE_INTEGRATE",))
    token = api.invoice()["invoice_token"]
    body = problem(api.post("/invoices/claim", json={"include": ["invoice"]}), 403, "PERMISSION_DENIED")
    assert "INVOICE_READ" in body["detail"]
    assert status_of(api, token) == 90  # nothing was claimed
    assert len(claim(api)) == 1  # without include the same token may claim


def test_include_is_checked_against_the_spec(api: Api) -> None:
    body = problem(api.post("/invoices/claim", json={"include": ["lines"]}), 400, "VALIDATION_ERROR")
    assert [error["field"] for error in body["errors"]] == ["include[0]"]


def test_batch_acknowledge_refuses_a_stale_lease_and_acknowledges_the_rest(api: Api) -> None:
    leases, stale = three_leases_one_stale(api)
    a, b, c = leases
    items = [ref(b), ref(stale), ref(c)]

    first = batch(api, "/invoices/acknowledgements", items)

    assert first["idempotent"] is False
    outcomes = first["results"]
    assert [(o["invoice_token"], o["outcome"]) for o in outcomes] == [
        (b["invoice_token"], "acknowledged"),
        (a["invoice_token"], "refused"),
        (c["invoice_token"], "acknowledged"),
    ]
    assert (outcomes[0]["status"], outcomes[0]["status_name"]) == (93, "PendingResult")
    assert outcomes[0]["lease_expires_at"] == b["lease_expires_at"]
    refused = outcomes[1]
    assert refused["lease_id"] == stale["lease_id"]
    assert (refused["problem"]["code"], refused["problem"]["status"]) == ("LEASE_MISMATCH", 409)
    assert (refused["status"], refused["problem"]["current_status"]) == (92, 92)
    # The single call, asked the same, answers the same problem.
    single = api.post(f"/invoices/{a['invoice_token']}/acknowledge", json={"lease_id": stale["lease_id"]})
    single_problem = problem(single, 409, "LEASE_MISMATCH")
    assert single_problem["detail"] == refused["problem"]["detail"]
    assert [status_of(api, lease["invoice_token"]) for lease in leases] == [92, 93, 93]

    again = batch(api, "/invoices/acknowledgements", items)  # no key: the state machine answers
    assert [o["outcome"] for o in again["results"]] == ["already", "refused", "already"]


def test_batch_acknowledge_item_outcomes_match_the_single_calls(api: Api) -> None:
    done = api.invoice(status=100)["invoice_token"]
    waiting = api.invoice(status=90, invoice_number="waiting")["invoice_token"]
    [lease] = claim(api, limit=1)
    api.admin.advance_clock(3600)  # that lease lapses; nobody re-claims it
    items = [
        {"invoice_token": "no-such-invoice", "lease_id": "x"},
        {"invoice_token": done, "lease_id": "x"},
        ref(lease),
    ]
    outcomes = batch(api, "/invoices/acknowledgements", items)["results"]
    assert [o["problem"]["code"] for o in outcomes] == ["INVOICE_NOT_FOUND", "INVOICE_STATE_INVALID", "LEASE_EXPIRED"]
    assert [o.get("status") for o in outcomes] == [None, 100, 90]
    assert outcomes[0]["problem"]["status"] == 404
    assert lease["invoice_token"] == waiting


def test_batch_acknowledge_replays_its_first_answer(api: Api) -> None:
    leases, stale = three_leases_one_stale(api)
    items = [ref(leases[1]), ref(stale), ref(leases[2])]
    key = {"Idempotency-Key": "ack-batch-1"}

    first = batch(api, "/invoices/acknowledgements", items, headers=key)
    replay = batch(api, "/invoices/acknowledgements", items, headers=key)

    assert (first["idempotent"], replay["idempotent"]) == (False, True)
    assert replay["results"] == first["results"]  # acknowledged, not "already": the first answer itself
    assert [o["outcome"] for o in replay["results"]] == ["acknowledged", "refused", "acknowledged"]
    assert api.admin.writes(api.tenant.tenant_id)["replayed"] == 1
    other = api.post("/invoices/acknowledgements", json={"items": items[:1]}, headers=key)
    problem(other, 422, "IDEMPOTENCY_KEY_REUSED")


@pytest.mark.parametrize(
    ("items", "fields"),
    [
        ([], ["items"]),
        ([{"invoice_token": "t"}], ["items[0].lease_id"]),
        ([{"invoice_token": "t", "lease_id": "l"}, {"invoice_token": "", "lease_id": "l"}], ["items[1].invoice_token"]),
        ([{"invoice_token": "t", "lease_id": "l", "extra": 1}], ["items[0].extra"]),
        ([{"invoice_token": f"t{n}", "lease_id": "l"} for n in range(501)], ["items"]),
    ],
)
def test_batch_acknowledge_bad_input_is_400_naming_the_field(
    api: Api, items: list[dict[str, Any]], fields: list[str]
) -> None:
    body = problem(api.post("/invoices/acknowledgements", json={"items": items}), 400, "VALIDATION_ERROR")
    assert [error["field"] for error in body["errors"]] == fields


def test_batch_results_report_each_under_its_lease(api: Api) -> None:
    leases, stale = three_leases_one_stale(api)
    a, b, c = leases
    batch(api, "/invoices/acknowledgements", [ref(b)])
    items = [
        {**ref(b), "success": True, "external_id_1": "/inbound/INV-B.csv", "external_message_1": "SFTP_DELIVERED"},
        {**ref(stale), "success": True},
        {**ref(c), "success": False, "failure_code": "SFTP_UPLOAD_FAILED", "failure_message": "disk full"},
        {**ref(a), "success": True},  # A's live lease, but A was never acknowledged
    ]

    first = batch(api, "/invoices/integration-results", items)

    outcomes = first["results"]
    assert [o["outcome"] for o in outcomes] == ["reported", "refused", "reported", "refused"]
    assert [o.get("status") for o in outcomes] == [100, 92, 97, 92]
    assert [o.get("problem", {}).get("code") for o in outcomes] == [
        None,
        "LEASE_MISMATCH",
        None,
        "INVOICE_STATE_INVALID",
    ]
    stored_b, stored_c = (api.admin.get_invoice(lease["invoice_token"]) for lease in (b, c))
    assert (stored_b["external_id_1"], stored_b["external_message_1"]) == ("/inbound/INV-B.csv", "SFTP_DELIVERED")
    assert (stored_c["failure_code"], stored_c["failure_message"]) == ("SFTP_UPLOAD_FAILED", "disk full")
    assert stored_b["lease_id"] is None

    again = batch(api, "/invoices/integration-results", items[:1])
    assert [(o["outcome"], o["status"]) for o in again["results"]] == [("already", 100)]
    key = {"Idempotency-Key": "results-batch-1"}
    batch(api, "/invoices/acknowledgements", [ref(a)])
    keyed = batch(api, "/invoices/integration-results", [{**ref(a), "success": True}], headers=key)
    replay = batch(api, "/invoices/integration-results", [{**ref(a), "success": True}], headers=key)
    assert keyed["results"] == replay["results"]
    assert [o["outcome"] for o in replay["results"]] == ["reported"]
    assert (keyed["idempotent"], replay["idempotent"]) == (False, True)


def test_batch_results_without_a_failure_code_change_nothing(api: Api) -> None:
    api.invoice()
    api.invoice()
    leases = claim(api)
    items = [{**ref(leases[0]), "success": False, "failure_code": "X"}, {**ref(leases[1]), "success": False}]
    body = problem(api.post("/invoices/integration-results", json={"items": items}), 400, "FAILURE_CODE_REQUIRED")
    assert body["errors"] == [{"field": "items[1].failure_code", "message": "is required when success is false"}]
    assert [status_of(api, lease["invoice_token"]) for lease in leases] == [92, 92]


def test_batch_results_bad_input_is_400_naming_the_field(api: Api) -> None:
    items = [{"invoice_token": "t", "lease_id": "l", "success": "yes", "external_id_1": "x" * 1001}]
    body = problem(api.post("/invoices/integration-results", json={"items": items}), 400, "VALIDATION_ERROR")
    assert [error["field"] for error in body["errors"]] == ["items[0].external_id_1", "items[0].success"]


def test_batches_need_invoice_integrate(make_api: Callable[..., Api]) -> None:
    api = make_api(("INVOICE_READ",))
    items = [{"invoice_token": "t", "lease_id": "l", "success": True}]
    problem(api.post("/invoices/acknowledgements", json={"items": items[:1]}), 403, "PERMISSION_DENIED")
    problem(api.post("/invoices/integration-results", json={"items": items}), 403, "PERMISSION_DENIED")
