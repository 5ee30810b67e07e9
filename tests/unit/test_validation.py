"""Spec-derived validation: every constraint comes from the spec, every problem is reported."""

from __future__ import annotations

import pytest

from nuntiq_sdk._exceptions import ValidationError
from nuntiq_sdk._validation import RequestSchema, check_parameter


def test_constraints_are_read_from_the_spec() -> None:
    schema = RequestSchema.of("LifecycleMessageCreate")
    assert schema.required == {"code"}
    assert schema.properties["note_supplier"]["maxLength"] == 4000
    assert schema.enum("reference_type") == ("PO_NUMBER", "PAYMENT_REF", "CREDIT_NOTE", "OTHER")


def test_every_problem_is_listed_with_field_and_value() -> None:
    values = {"reference_type": "FOO", "note_internal": "x" * 4001, "bogus": 1}
    with pytest.raises(ValidationError) as caught:
        RequestSchema.of("LifecycleMessageCreate").check(values)
    problems = {p.field: p for p in caught.value.problems}
    assert set(problems) == {"code", "reference_type", "note_internal", "bogus"}
    assert "is required" in problems["code"].message
    assert problems["reference_type"].value == "FOO"
    assert "4001" in problems["note_internal"].message
    assert isinstance(caught.value, ValueError)
    assert "reference_type" in str(caught.value)


def test_all_of_schemas_are_merged() -> None:
    schema = RequestSchema.of("LifecycleMessageByReference")
    assert {"code", "invoice_number", "supplier_code"} <= schema.required
    assert "note_supplier" in schema.fields


@pytest.mark.parametrize(
    ("values", "field", "fragment"),
    [
        ({"state": "Pending"}, "state", "is not one of"),
        ({"limit": 0}, "limit", "at least 1"),
        ({"limit": 501}, "limit", "at most 500"),
        ({"limit": True}, "limit", "got bool"),
        ({"limit": "20"}, "limit", "got str"),
        ({"lease_ttl_seconds": 5}, "lease_ttl_seconds", "at least 10"),
    ],
)
def test_claim_constraints(values: dict[str, object], field: str, fragment: str) -> None:
    [problem] = RequestSchema.of("ClaimRequest").problems(values)
    assert problem.field == field
    assert fragment in problem.message


def test_pattern_and_null() -> None:
    schema = RequestSchema.of("DeltaRunStart")
    [problem] = schema.problems({"connector_name": "bad name!", "stream_name": "s"})
    assert problem.field == "connector_name"
    assert "pattern" in problem.message
    [problem] = schema.problems({"connector_name": None, "stream_name": "s"})
    assert problem.message == "is required"


def test_parameter_constraints() -> None:
    assert check_parameter("pollLifecycleMessages", "limit", 5000) is None
    problem = check_parameter("pollLifecycleMessages", "limit", 5001)
    assert problem is not None
    assert "5000" in problem.message
    assert check_parameter("getInvoice", "invoice_token", "") is not None


# Values that exercise every kind of constraint the spec states.
_SAMPLES: list[object] = [
    None, "", "x", "SUP-1", " SUP", "x" * 51, "x" * 256, "DE", "XX", "de", "EUR", "ABC", "2026-05-17", "2026-02-30",
    "DE89370400440532013000", "DE89370400440532013001", "a@b.example", "not-an-email", "ACTIVE", "human",
    0, 1, -1, 30, 366, 10**9, 1.5, True, False, [], ["x"], {}, [{}],
]  # fmt: skip


_ROW_SCHEMAS = [
    "Supplier", "SupplierLocation", "BankAccount", "PostalAddress", "Organization", "OrgIdentifier", "PurchaseOrder",
    "PurchaseOrderLine", "Receipt", "ReceiptLine", "Payment", "PaymentLine", "User", "LifecycleMessageCreate",
]  # fmt: skip


@pytest.mark.parametrize("component", _ROW_SCHEMAS)
def test_the_compiled_row_check_agrees_with_the_worded_checks(component: str) -> None:
    """The bulk path may only say yes where the field-by-field checks find nothing, and must say yes there."""
    schema = RequestSchema.of(component)
    samples = _SAMPLES + [value for name in schema.fields for value in schema.enum(name) or ()]
    required = {name: _valid_example(schema, name, samples) for name in schema.required}
    for field in schema.fields:
        for value in samples:
            row = {**required, field: value}
            assert schema.accepts(row) == (not schema.problems(row)), (component, field, value)


def _valid_example(schema: RequestSchema, name: str, samples: list[object]) -> object:
    for value in samples:
        if value is not None and not [p for p in schema.problems({name: value}) if p.field == name]:
            return value
    raise AssertionError(f"no sample is valid for {schema.name}.{name}")
