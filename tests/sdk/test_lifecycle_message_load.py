"""LifecycleMessageLoad against the sandbox: every documented call and error, recorded and replayed."""

from __future__ import annotations

import logging

import pytest

from generated_client.models import LifecycleMessageWriteResponse
from nuntiq_sdk import (
    AmbiguousReferenceError,
    ClarificationCodeRequiredError,
    IdempotencyKeyReusedError,
    InvalidCodeError,
    InvoiceNotFoundError,
    InvoiceNotReadyError,
    LifecycleTransitionError,
    NoteRequiredError,
    OccurredAtOutOfRangeError,
    TerminalStateError,
    ValidationError,
)
from nuntiq_sdk.catalog import CATALOG
from nuntiq_sdk.objects.lifecycle_message import LifecycleMessageLoad
from tests.sdk.conftest import World, invoice_spec

pytestmark = [pytest.mark.vcr, pytest.mark.block_network]


def _load(world: World, **tenant_config: list[str]) -> tuple[LifecycleMessageLoad, str]:
    """A Load on a fresh tenant, and the token of one ready invoice (status 90)."""
    tenant, token = world.tenant(**tenant_config)
    invoice = world.invoice(tenant, **invoice_spec())
    return LifecycleMessageLoad(world.context(token)), invoice["invoice_token"]


def _post(load: LifecycleMessageLoad, token: str, code: str, **fields: str) -> LifecycleMessageWriteResponse:
    msg = load.new()
    msg.code = code
    for name, value in fields.items():
        setattr(msg, name, value)
    return msg.post_to(invoice_token=token)


def test_post_to_records_the_message_and_replays_by_idempotency_key(world: World) -> None:
    load, token = _load(world)
    msg = load.new()
    msg.code = "ACCEPTED"
    msg.reference_type = "PAYMENT_REF"
    msg.reference_value = "ERP-INV-12345"
    msg.note_supplier = "Invoice posted to AP queue."
    msg.note_internal = "ERP batch 2026-05-17-001"

    first = msg.post_to(invoice_token=token, idempotency_key="erp-accept-12345")
    replay = msg.post_to(invoice_token=token, idempotency_key="erp-accept-12345")

    assert (first.idempotent, replay.idempotent) == (False, True)
    assert replay.message.id == first.message.id
    message = first.message
    assert (message.code, message.source, message.actor_type) == ("ACCEPTED", "EXTERNAL_API", "API_CLIENT")
    assert message.actor_display_name == "Test Connector"
    assert message.reference_value == "ERP-INV-12345"
    assert message.occurred_at.startswith("2026-11-15T12:00:00")
    assert [m.code for m in load.get_for_invoice(token)] == ["ACCEPTED"]

    msg.note_supplier = "A different message"
    with pytest.raises(IdempotencyKeyReusedError):
        msg.post_to(invoice_token=token, idempotency_key="erp-accept-12345")


def test_local_validation_lists_every_problem_before_any_request(world: World) -> None:
    load = LifecycleMessageLoad(world.context("ntq_sk_unused"))
    msg = load.new()
    msg.reference_type = "INVOICE"
    msg.note_internal = "x" * 4001
    msg.occurred_at = "last tuesday"
    with pytest.raises(ValueError) as caught:
        msg.post_to(invoice_token="7f3a...")
    assert isinstance(caught.value, ValidationError)
    assert {p.field for p in caught.value.problems} == {"code", "reference_type", "note_internal", "occurred_at"}
    with pytest.raises(ValidationError, match="invoice_number"):
        msg.post_by_reference(invoice_number="", supplier_code="SUP-100")


def test_unknown_code_warns_locally_and_the_server_refuses_it(world: World, caplog: pytest.LogCaptureFixture) -> None:
    load, token = _load(world)
    msg = load.new()
    with caplog.at_level(logging.WARNING):
        msg.code = "ACCPETED"
    assert "Did you mean 'ACCEPTED'?" in caplog.text
    with pytest.raises(InvalidCodeError) as caught:
        msg.post_to(invoice_token=token)
    assert caught.value.code == "INVALID_CODE"
    assert caught.value.status_code == 400


def test_tenant_config_can_require_a_note_or_a_clarification_code(world: World) -> None:
    load, token = _load(
        world, note_required_codes=["REJECTED"], clarification_code_required_codes=["CLARIFICATION_REQUESTED"]
    )
    with pytest.raises(NoteRequiredError):
        _post(load, token, "REJECTED")
    with pytest.raises(ClarificationCodeRequiredError):
        _post(load, token, "CLARIFICATION_REQUESTED")
    assert _post(load, token, "CLARIFICATION_REQUESTED", clarification_code="MISSING_PO").message.code == (
        "CLARIFICATION_REQUESTED"
    )


def test_posting_before_intake_finished_is_refused(world: World) -> None:
    tenant, token = world.tenant()
    intake = world.invoice(tenant, **invoice_spec(status=40))
    with pytest.raises(InvoiceNotReadyError) as caught:
        _post(LifecycleMessageLoad(world.context(token)), intake["invoice_token"], "ACCEPTED")
    assert caught.value.current_status == 40
    assert caught.value.status_code == 422


def test_the_state_machine_refuses_invalid_transitions_with_the_valid_next_codes(world: World) -> None:
    load, token = _load(world)
    _post(load, token, "ON_HOLD")
    with pytest.raises(LifecycleTransitionError) as caught:
        _post(load, token, "PAID")
    assert caught.value.current_code == "ON_HOLD"
    assert set(caught.value.valid_next_codes) == set(CATALOG.next_codes("ON_HOLD"))
    assert _post(load, token, "HOLD_RELEASED").message.code == "HOLD_RELEASED"


def test_terminal_states_refuse_everything(world: World) -> None:
    load, token = _load(world)
    _post(load, token, "CANCELLED")
    with pytest.raises(TerminalStateError) as caught:
        _post(load, token, "ACCEPTED")
    assert caught.value.current_code == "CANCELLED"


def test_occurred_at_must_be_within_thirty_days(world: World) -> None:
    load, token = _load(world)
    with pytest.raises(OccurredAtOutOfRangeError):
        _post(load, token, "ACCEPTED", occurred_at="2026-10-01T12:00:00Z")
    backdated = _post(load, token, "ACCEPTED", occurred_at="2026-11-10T09:30:00+01:00")
    assert backdated.message.occurred_at.startswith("2026-11-10T08:30:00")
    # recorded_at is the server's now, never the backdated occurred_at: the pinned clock, or just after the
    # latest recorded_at of the whole sandbox (earlier tests may have advanced the clock; it never goes back).
    assert backdated.message.recorded_at >= "2026-11-15T12:00:00"


def test_posting_to_an_unknown_invoice_is_not_found(world: World) -> None:
    load, _ = _load(world)
    with pytest.raises(InvoiceNotFoundError):
        _post(load, "no-such-invoice", "ACCEPTED")


def test_post_by_reference_narrows_to_one_invoice(world: World) -> None:
    tenant, token = world.tenant()
    emea = world.invoice(tenant, **invoice_spec("INV-2026-0042"))
    world.invoice(tenant, **invoice_spec("INV-2026-0042", erp_company_code="APAC"))
    load = LifecycleMessageLoad(world.context(token))
    msg = load.new()
    msg.code = "PAID"

    with pytest.raises(AmbiguousReferenceError) as caught:
        msg.post_by_reference(invoice_number="INV-2026-0042", supplier_code="SUP-100")
    assert caught.value.match_count == 2
    with pytest.raises(InvoiceNotFoundError):
        msg.post_by_reference(invoice_number="INV-9999", supplier_code="SUP-100")

    resp = msg.post_by_reference(
        invoice_number="INV-2026-0042",
        supplier_code="SUP-100",
        supplier_location_code="MAIN",
        erp_company_code="EMEA",
        idempotency_key="pmt-77-3-paid",
    )
    assert resp.message.invoice_token == emea["invoice_token"]
    assert resp.message.code == "PAID"


def test_timeline_filters_by_tier_and_gates_internal_notes(world: World) -> None:
    tenant, writer = world.tenant()
    invoice = world.invoice(tenant, **invoice_spec())
    token = invoice["invoice_token"]
    world.admin.add_platform_message(token, "RECEIVED")
    load = LifecycleMessageLoad(world.context(writer))
    _post(load, token, "VALIDATED")
    _post(load, token, "ACCEPTED", note_internal="AP only", note_supplier="Thanks")
    _post(load, token, "PAID")

    timeline = load.get_for_invoice(token)
    assert [m.code for m in timeline] == ["RECEIVED", "VALIDATED", "ACCEPTED", "PAID"]
    assert timeline[0].source == "NUNTIQ"
    assert {m.invoice_id for m in timeline} == {token}
    assert [m.code for m in load.get_for_invoice(token, tier=2)] == ["ACCEPTED"]
    assert [m.code for m in load.get_for_invoice(token, tier=3)] == ["PAID"]
    accepted = load.get_for_invoice(token, tier=2, include_internal_notes=True)[0]
    assert (accepted.note_internal, accepted.note_supplier) == ("AP only", "Thanks")
    assert load.get_for_invoice(token, tier=2)[0].note_internal is None

    reader = world.admin.create_token(tenant.tenant_id, ["LIFECYCLE_READ"], display_name="Reader")
    without_permission = LifecycleMessageLoad(world.context(reader)).get_for_invoice(
        token, tier=2, include_internal_notes=True
    )
    assert (without_permission[0].note_internal, without_permission[0].note_supplier) == (None, "Thanks")
    with pytest.raises(ValidationError, match="tier"):
        load.get_for_invoice(token, tier=4)


def test_poll_since_pages_through_every_message_in_recorded_order(world: World) -> None:
    tenant, writer = world.tenant()
    load = LifecycleMessageLoad(world.context(writer))
    tokens = [world.invoice(tenant, **invoice_spec(f"INV-{n}"))["invoice_token"] for n in range(3)]
    other = world.invoice(tenant, **invoice_spec("INV-OTHER", ext_reference_1="CUSTOMER-B"))["invoice_token"]
    for code in ("VALIDATED", "ACCEPTED"):
        for token in tokens:
            _post(load, token, code)
            world.admin.advance_clock(1)
    _post(load, other, "ACCEPTED")

    polled = list(load.poll_since(since="2026-11-15T00:00:00Z", ext_references={1: "customer-a"}, page_size=4))

    assert len(polled) == 6
    assert [(m.invoice_token, m.code) for m in polled] == [(t, c) for c in ("VALIDATED", "ACCEPTED") for t in tokens]
    assert [m.recorded_at for m in polled] == sorted(m.recorded_at for m in polled)
    assert all(isinstance(m.invoice_id, int) and m.ext_reference_1 == "CUSTOMER-A" for m in polled)
    later = list(load.poll_since(since=polled[3].recorded_at, ext_references={1: "CUSTOMER-A"}))
    assert [m.id for m in later] == [m.id for m in polled[4:]]  # since is exclusive
    assert list(load.poll_since(since="2026-11-15T00:00:00Z", ext_references={1: "CUSTOMER-%"})) == []
    naive = list(load.poll_since(since="2026-11-15T13:00:00", tz="Europe/Amsterdam", ext_references={1: "CUSTOMER-A"}))
    assert len(naive) == 6  # 13:00 in Amsterdam is 12:00Z, before every message


def test_poll_since_arguments_are_checked_when_called(world: World) -> None:
    load = LifecycleMessageLoad(world.context("ntq_sk_unused"))
    with pytest.raises(ValidationError, match="ext_references"):
        load.poll_since(since="2026-11-01T00:00:00Z", ext_references={})
    with pytest.raises(ValidationError) as caught:
        load.poll_since(since="yesterday", ext_references={6: "X", 2: ""}, page_size=5001, tz="Mars/Base")
    assert {p.field for p in caught.value.problems} == {"since", "ext_references", "ext_references[2]", "page_size"}
    with pytest.raises(ValidationError, match="tz"):
        load.poll_since(since="2026-11-01T00:00:00", tz="Mars/Base", ext_references={1: "A"})


def test_the_docs_watermark_recipe_returns_each_message_once(world: World) -> None:
    """Seed 003: store the last recorded_at and pass it as the next since - with messages at one clock instant."""
    tenant, writer = world.tenant()
    load = LifecycleMessageLoad(world.context(writer))
    tokens = [world.invoice(tenant, **invoice_spec(f"INV-{n}"))["invoice_token"] for n in range(3)]
    instant = "2026-11-15T12:00:00Z"
    watermark = "2026-11-14T00:00:00Z"

    def burst(code: str) -> None:
        for token in tokens:
            world.admin.set_clock(instant)  # every message at the same clock instant
            _post(load, token, code)

    def poll() -> list[str]:
        nonlocal watermark
        batch = list(load.poll_since(since=watermark, ext_references={1: "CUSTOMER-A"}, page_size=2))
        if batch:
            watermark = batch[-1].recorded_at
        return [f"{m.invoice_token}:{m.code}" for m in batch]

    pinned = world.admin.clock()["now"]
    try:
        burst("VALIDATED")
        assert poll() == [f"{t}:VALIDATED" for t in tokens]
        assert poll() == []
        burst("ACCEPTED")
        assert poll() == [f"{t}:ACCEPTED" for t in tokens]
        assert poll() == []
    finally:
        world.admin.set_clock(pinned)  # later tests expect the pinned clock
