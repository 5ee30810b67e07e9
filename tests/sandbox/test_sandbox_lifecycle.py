"""Lifecycle messages: every refusal in its order, transitions, timeline, notes gating, by reference, poll."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sandbox_helpers import Api, problem, sandbox_now

from nuntiq_sandbox import PERMISSIONS
from nuntiq_sdk.catalog import CATALOG

pytestmark = pytest.mark.live

STRICT = {
    "note_required_codes": ["REJECTED", "RETURNED_TO_SUPPLIER"],
    "clarification_code_required_codes": ["CLARIFICATION_REQUESTED"],
}


def post(api: Api, token: str, **body: Any) -> Any:
    return api.post(f"/invoices/{token}/lifecycle-messages", json=body)


def ok(api: Api, token: str, **body: Any) -> dict[str, Any]:
    response = post(api, token, **body)
    assert response.status_code == 201, response.text
    assert response.json()["idempotent"] is False
    return dict(response.json()["message"])


@pytest.fixture
def strict(make_api: Callable[..., Api]) -> Api:
    return make_api(display_name="Acme ERP Connector", **STRICT)


def test_post_defaults(strict: Api) -> None:
    token = strict.invoice()["invoice_token"]
    before = sandbox_now(strict.admin)
    message = ok(strict, token, code="RECEIVED", note_internal="batch 7", reference_type="PO_NUMBER")
    assert message["invoice_id"] == token
    assert message["invoice_token"] == token
    assert (message["code"], message["tier"]) == ("RECEIVED", 1)
    assert (message["source"], message["actor_type"]) == ("EXTERNAL_API", "API_CLIENT")
    assert message["actor_id"] == strict.token.actor_id
    assert message["actor_display_name"] == "Acme ERP Connector"
    assert message["note_internal"] == "batch 7"
    assert message["reference_type"] == "PO_NUMBER"
    recorded = datetime.fromisoformat(message["recorded_at"])
    occurred = datetime.fromisoformat(message["occurred_at"])
    assert message["recorded_at"].endswith("Z")
    assert len(message["recorded_at"]) == len("2026-05-17T08:00:00.000000Z")  # microseconds
    assert timedelta(0) <= recorded - before < timedelta(seconds=10)
    assert abs(occurred - recorded) < timedelta(seconds=1)
    assert all(message[f"ext_reference_{n}"] is None for n in range(1, 6))

    backdated = (sandbox_now(strict.admin) - timedelta(days=2)).replace(microsecond=0)
    local = backdated.astimezone(timezone(timedelta(hours=2))).isoformat()
    assert local.endswith("+02:00")
    message = ok(strict, token, code="CAPTURED", occurred_at=local, actor_display_name="Scanner 3")
    assert message["occurred_at"] == backdated.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert message["actor_display_name"] == "Scanner 3"


def test_walks_a_valid_path_to_paid(strict: Api) -> None:
    token = strict.invoice()["invoice_token"]
    path = ["RECEIVED", "CAPTURED", "VALIDATED", "ACCEPTED", "SCHEDULED_FOR_PAYMENT", "PAYMENT_INITIATED", "PAID"]
    for previous, code in zip([None, *path], path, strict=False):
        assert code in CATALOG.next_codes(previous)
        assert ok(strict, token, code=code)["tier"] == CATALOG.tier(code)
    timeline = strict.get(f"/invoices/{token}/lifecycle-messages").json()["data"]
    assert [m["code"] for m in timeline] == path


def test_each_refusal(strict: Api) -> None:
    ready = strict.invoice()["invoice_token"]
    intake = strict.invoice(status=40)["invoice_token"]
    now = sandbox_now(strict.admin)

    problem(post(strict, "missing", code="RECEIVED"), 404, "INVOICE_NOT_FOUND")
    problem(post(strict, ready, code="RECIEVED"), 400, "INVALID_CODE")
    body = problem(post(strict, intake, code="RECEIVED"), 422, "INVOICE_NOT_READY")
    assert body["current_status"] == 40
    problem(post(strict, ready, code="REJECTED"), 400, "NOTE_REQUIRED")
    problem(post(strict, ready, code="REJECTED", note_supplier="   "), 400, "NOTE_REQUIRED")
    problem(
        post(strict, ready, code="CLARIFICATION_REQUESTED", note_supplier="why?"), 400, "CLARIFICATION_CODE_REQUIRED"
    )
    body = problem(post(strict, ready, code="RECEIVED", occurred_at="yesterday"), 400, "VALIDATION_ERROR")
    assert body["errors"][0]["field"] == "occurred_at"
    body = problem(post(strict, ready, code="RECEIVED", occurred_at="2026-05-17T08:00:00"), 400, "VALIDATION_ERROR")
    assert body["errors"][0]["field"] == "occurred_at"
    for days in (-31, 31):
        occurred = (now + timedelta(days=days)).isoformat()
        problem(post(strict, ready, code="RECEIVED", occurred_at=occurred), 400, "OCCURRED_AT_OUT_OF_RANGE")
    assert ok(strict, ready, code="RECEIVED", occurred_at=(now - timedelta(days=29)).isoformat())

    body = problem(post(strict, ready, code="PAID"), 409, "LIFECYCLE_TRANSITION_INVALID")
    assert body["current_code"] == "RECEIVED"
    assert body["valid_next_codes"] == list(CATALOG.next_codes("RECEIVED"))

    ok(strict, ready, code="REJECTED", note_internal="duplicate of INV-1")
    body = problem(post(strict, ready, code="RECEIVED"), 409, "TERMINAL_STATE")
    assert body["current_code"] == "REJECTED"
    assert CATALOG.is_terminal("REJECTED")


def test_empty_timeline_transition_error_names_the_initial_codes(strict: Api) -> None:
    token = strict.invoice()["invoice_token"]
    body = problem(post(strict, token, code="HOLD_RELEASED"), 409, "LIFECYCLE_TRANSITION_INVALID")
    assert body["current_code"] is None
    assert body["valid_next_codes"] == list(CATALOG.initial)


def test_checks_run_in_the_documented_order(strict: Api) -> None:
    intake = strict.invoice(status=40)["invoice_token"]
    terminal = strict.invoice()["invoice_token"]
    ok(strict, terminal, code="CANCELLED")
    far = (sandbox_now(strict.admin) - timedelta(days=90)).isoformat()
    # code before readiness; readiness before tenant rules; tenant rules before occurred_at;
    # occurred_at before the state machine.
    problem(post(strict, intake, code="NOPE"), 400, "INVALID_CODE")
    problem(post(strict, intake, code="REJECTED"), 422, "INVOICE_NOT_READY")
    problem(post(strict, terminal, code="REJECTED", occurred_at=far), 400, "NOTE_REQUIRED")
    problem(post(strict, terminal, code="RECEIVED", occurred_at=far), 400, "OCCURRED_AT_OUT_OF_RANGE")
    problem(post(strict, terminal, code="RECEIVED"), 409, "TERMINAL_STATE")


def test_tenant_rules_are_per_tenant(make_api: Callable[..., Api]) -> None:
    lenient = make_api()
    token = lenient.invoice()["invoice_token"]
    assert ok(lenient, token, code="REJECTED")["code"] == "REJECTED"
    other = lenient.invoice()["invoice_token"]
    assert ok(lenient, other, code="CLARIFICATION_REQUESTED")


def test_timeline_order_and_tier_filter(strict: Api) -> None:
    token = strict.invoice()["invoice_token"]
    strict.admin.add_platform_message(token, "RECEIVED")
    strict.admin.add_platform_message(token, "CAPTURED")
    for code in ("VALIDATED", "ERP_RECEIVED", "ERP_POSTED", "PAID"):
        ok(strict, token, code=code, occurred_at=(sandbox_now(strict.admin) - timedelta(days=1)).isoformat())
    timeline = strict.get(f"/invoices/{token}/lifecycle-messages").json()["data"]
    assert [m["code"] for m in timeline] == ["RECEIVED", "CAPTURED", "VALIDATED", "ERP_RECEIVED", "ERP_POSTED", "PAID"]
    assert [m["recorded_at"] for m in timeline] == sorted(m["recorded_at"] for m in timeline)
    assert len({m["recorded_at"] for m in timeline}) == len(timeline)
    assert [m["source"] for m in timeline[:3]] == ["NUNTIQ", "NUNTIQ", "EXTERNAL_API"]
    for tier in (1, 2, 3):
        filtered = strict.get(f"/invoices/{token}/lifecycle-messages", params={"tier": tier}).json()["data"]
        assert [m["code"] for m in filtered] == [m["code"] for m in timeline if m["tier"] == tier]
        assert filtered
    problem(strict.get("/invoices/missing/lifecycle-messages"), 404, "INVOICE_NOT_FOUND")


def test_internal_notes_need_the_permission(make_api: Callable[..., Api]) -> None:
    writer = make_api()
    token = writer.invoice(ext_reference_1="NOTES")["invoice_token"]
    ok(writer, token, code="RECEIVED", note_internal="AP only", note_supplier="for everyone")
    reader = make_api(tuple(p for p in PERMISSIONS if p != "LIFECYCLE_READ_INTERNAL"), tenant=writer.tenant)
    timeline_url = f"/invoices/{token}/lifecycle-messages"
    poll = {"since": "2000-01-01T00:00:00Z", "ext_reference_1": "NOTES"}

    def notes(api: Api, url: str, **params: Any) -> list[tuple[Any, Any]]:
        data = api.get(url, params=params).json()["data"]
        return [(m["note_internal"], m["note_supplier"]) for m in data]

    assert notes(writer, timeline_url, include_internal_notes="true") == [("AP only", "for everyone")]
    assert notes(writer, timeline_url) == [(None, "for everyone")]
    assert notes(writer, timeline_url, include_internal_notes="false") == [(None, "for everyone")]
    assert notes(reader, timeline_url, include_internal_notes="true") == [(None, "for everyone")]
    assert notes(writer, "/lifecycle-messages", **poll, include_internal_notes="true") == [("AP only", "for everyone")]
    assert notes(reader, "/lifecycle-messages", **poll, include_internal_notes="true") == [(None, "for everyone")]
    assert notes(writer, "/lifecycle-messages", **poll) == [(None, "for everyone")]


def test_by_reference(strict: Api) -> None:
    common = {"invoice_number": "INV-2026-0042", "supplier_code": "SUP-100", "supplier_location_code": "MAIN"}
    emea = strict.invoice(**common, erp_company_code="EMEA")["invoice_token"]
    strict.invoice(**common, erp_company_code="APAC")
    strict.invoice(invoice_number="INV-2026-0042", supplier_code="SUP-999")
    url = "/lifecycle-messages/by-reference"
    reference = {"invoice_number": "INV-2026-0042", "supplier_code": "SUP-100"}

    body = problem(strict.post(url, json={"code": "RECEIVED", **reference}), 400, "AMBIGUOUS_REFERENCE")
    assert body["match_count"] == 2
    body = problem(
        strict.post(url, json={"code": "RECEIVED", **reference, "supplier_location_code": "MAIN"}),
        400,
        "AMBIGUOUS_REFERENCE",
    )
    assert body["match_count"] == 2
    response = strict.post(url, json={"code": "RECEIVED", **common, "erp_company_code": "EMEA"})
    assert response.status_code == 201
    assert response.json()["message"]["invoice_token"] == emea
    assert strict.admin.get_invoice(emea)["latest_code"] == "RECEIVED"
    # The same rules as by token apply once the invoice is found.
    problem(strict.post(url, json={"code": "REJECTED", **reference, "erp_company_code": "EMEA"}), 400, "NOTE_REQUIRED")
    for missing in [
        {"invoice_number": "INV-404", "supplier_code": "SUP-100"},
        {**reference, "erp_company_code": "LATAM"},
        {"invoice_number": "inv-2026-0042", "supplier_code": "SUP-100", "erp_company_code": "EMEA"},  # exact match
    ]:
        problem(strict.post(url, json={"code": "RECEIVED", **missing}), 404, "INVOICE_NOT_FOUND")
    body = problem(strict.post(url, json={"code": "RECEIVED"}), 400, "VALIDATION_ERROR")
    assert {e["field"] for e in body["errors"]} == {"invoice_number", "supplier_code"}


def test_catalog_endpoint_is_the_catalog(api: Api) -> None:
    catalog = api.get("/lifecycle-catalog").json()
    assert [entry["code"] for entry in catalog["codes"]] == list(CATALOG.codes)
    assert len(catalog["codes"]) == 28
    assert catalog["initial"] == list(CATALOG.initial)
    for entry in catalog["codes"]:
        assert entry["tier"] == CATALOG.tier(entry["code"])
        assert entry["next"] == list(CATALOG.next_codes(entry["code"]))
        assert entry["terminal"] == CATALOG.is_terminal(entry["code"])
    assert {e["code"] for e in catalog["codes"] if e["terminal"]} == {"REJECTED", "CANCELLED"}


# -- poll ----------------------------------------------------------------------------


def poll(api: Api, **params: Any) -> Any:
    return api.get("/lifecycle-messages", params=params)


def test_poll_paginates_in_a_stable_order(api: Api) -> None:
    since = sandbox_now(api.admin).isoformat()
    tokens = [api.invoice(ext_reference_1="Customer-A", ext_reference_3=f"BU-{n}")["invoice_token"] for n in range(4)]
    noise = api.invoice(ext_reference_1="Customer-B")["invoice_token"]
    for code in ("RECEIVED", "CAPTURED", "VALIDATED"):
        for token in [*tokens, noise]:
            api.admin.add_platform_message(token, code)
    expected = [
        (m["id"], m["recorded_at"])
        for token in tokens
        for m in api.get(f"/invoices/{token}/lifecycle-messages").json()["data"]
    ]
    expected.sort(key=lambda pair: (pair[1], pair[0]))
    assert len(expected) == 12

    pages: list[list[dict[str, Any]]] = []
    cursor = None
    while True:
        params = {"since": since, "ext_reference_1": "customer-a", "limit": 5}
        response = poll(api, **params, **({"cursor": cursor} if cursor else {}))
        assert response.status_code == 200, response.text
        pages.append(response.json()["data"])
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break
        assert len(pages) < 10
    assert [len(page) for page in pages] == [5, 5, 2]
    seen = [(m["id"], m["recorded_at"]) for page in pages for m in page]
    assert seen == expected
    first = pages[0][0]
    assert isinstance(first["invoice_id"], int)
    assert first["invoice_token"] in tokens
    assert first["ext_reference_1"] == "Customer-A"
    assert first["ext_reference_3"].startswith("BU-")
    # Exactly a full last page: next_cursor is null, not a cursor to an empty page.
    exact = poll(api, since=since, ext_reference_1="CUSTOMER-A", limit=12).json()
    assert (len(exact["data"]), exact["next_cursor"]) == (12, None)
    # Every ext_reference given must match.
    narrowed = poll(api, since=since, ext_reference_1="customer-a", ext_reference_3="bu-2").json()["data"]
    assert {m["invoice_token"] for m in narrowed} == {tokens[2]}
    # since is exclusive and moves the window: the last message seen is not returned again.
    later = poll(api, since=expected[-2][1], ext_reference_1="customer-a").json()["data"]
    assert [m["id"] for m in later] == [expected[-1][0]]
    assert poll(api, since=expected[-1][1], ext_reference_1="customer-a").json()["data"] == []
    # tier filter
    assert poll(api, since=since, ext_reference_1="customer-a", tier=2).json()["data"] == []


def test_poll_ext_reference_is_literal(api: Api) -> None:
    since = sandbox_now(api.admin).isoformat()
    literal = api.invoice(ext_reference_2="50%_off")["invoice_token"]
    lookalike = api.invoice(ext_reference_2="50XXoff")["invoice_token"]
    other = api.invoice(ext_reference_2="50%_OFF-extra")["invoice_token"]
    for token in (literal, lookalike, other):
        api.admin.add_platform_message(token, "RECEIVED")

    def matched(value: str) -> set[str]:
        return {m["invoice_token"] for m in poll(api, since=since, ext_reference_2=value).json()["data"]}

    assert matched("50%_OFF") == {literal}
    assert matched("50%") == set()
    assert matched("%") == set()
    assert matched("50__off") == set()


def test_poll_refusals(api: Api) -> None:
    since = "2026-01-01T00:00:00Z"
    problem(poll(api, since=since), 400, "EXT_REFERENCE_REQUIRED")
    for bad in ("2026-01-01T00:00:00", "last tuesday", "2026-13-01T00:00:00Z"):
        body = problem(poll(api, since=bad, ext_reference_1="x"), 400, "VALIDATION_ERROR")
        assert body["errors"][0]["field"] == "since"
    body = problem(poll(api, ext_reference_1="x"), 400, "VALIDATION_ERROR")
    assert body["errors"][0]["field"] == "since"
    for cursor in ("garbage!", "bm90IGpzb24", "WyJ4IiwgMV0", "WzEsMl0"):
        problem(poll(api, since=since, ext_reference_1="x", cursor=cursor), 400, "INVALID_CURSOR")
    problem(poll(api, since=since, ext_reference_1="x", limit=5001), 400, "VALIDATION_ERROR")
    assert poll(api, since=since, ext_reference_1="x", limit=5000).status_code == 200


def test_poll_default_limit_is_500(api: Api) -> None:
    since = sandbox_now(api.admin).isoformat()
    tokens = api.admin.create_invoices(
        [{"tenant_id": api.tenant.tenant_id, "ext_reference_1": "BULK"} for _ in range(501)]
    )
    for token in tokens:
        api.admin.add_platform_message(token, "RECEIVED")
    page = poll(api, since=since, ext_reference_1="bulk").json()
    assert len(page["data"]) == 500
    assert page["next_cursor"] is not None
    rest = poll(api, since=since, ext_reference_1="bulk", cursor=page["next_cursor"]).json()
    assert (len(rest["data"]), rest["next_cursor"]) == (1, None)


def test_recorded_at_stays_ordered_when_the_clock_is_set_back(make_api: Callable[..., Api]) -> None:
    api = make_api()
    token = api.invoice(ext_reference_1="BACK")["invoice_token"]
    first = ok(api, token, code="RECEIVED")
    now = sandbox_now(api.admin)
    api.admin.set_clock((now - timedelta(hours=1)).astimezone(UTC).isoformat())
    try:
        second = ok(api, token, code="CAPTURED")
    finally:
        api.admin.set_clock((now + timedelta(seconds=1)).isoformat())
    assert second["recorded_at"] > first["recorded_at"]
    polled = poll(api, since=first["recorded_at"], ext_reference_1="back").json()["data"]
    assert [m["code"] for m in polled] == ["CAPTURED"]


def test_the_watermark_recipe_returns_each_message_once_at_one_clock_instant(make_api: Callable[..., Api]) -> None:
    """Several messages recorded at the same clock instant: passing the last recorded_at back loses and repeats none."""
    api = make_api()
    tokens = [api.invoice(ext_reference_1="SAME")["invoice_token"] for _ in range(3)]
    instant = sandbox_now(api.admin)
    watermark = (instant - timedelta(seconds=1)).isoformat()

    def burst(code: str) -> None:
        for token in tokens:
            api.admin.set_clock(instant.isoformat())  # every message at the same instant of the clock
            ok(api, token, code=code)

    def poll_all() -> list[dict[str, Any]]:
        nonlocal watermark
        seen: list[dict[str, Any]] = []
        params: dict[str, Any] = {"since": watermark, "ext_reference_1": "same", "limit": 2}
        while True:
            page = poll(api, **params).json()
            seen += page["data"]
            if not page["next_cursor"]:
                break
            params["cursor"] = page["next_cursor"]
        if seen:
            watermark = seen[-1]["recorded_at"]
        return seen

    try:
        burst("RECEIVED")
        first = poll_all()
        assert poll_all() == []
        burst("CAPTURED")
        second = poll_all()
    finally:
        api.admin.set_clock((instant + timedelta(seconds=1)).isoformat())
    assert [m["code"] for m in first] == ["RECEIVED"] * 3
    assert [m["code"] for m in second] == ["CAPTURED"] * 3
    assert len({m["id"] for m in first + second}) == 6
    assert all(m["recorded_at"].startswith(instant.strftime("%Y-%m-%dT%H:%M:%S")) for m in first + second)
    assert poll_all() == []
