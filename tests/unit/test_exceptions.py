"""The exception tree: one class per status and per problem code, messages that name the request id."""

from __future__ import annotations

import pickle
import re
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from generated_client.types import UNSET
from nuntiq_sdk import _exceptions as exc
from nuntiq_sdk._exceptions import (
    AmbiguousReferenceError,
    APIConnectionError,
    APIResponseError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConfigError,
    ConflictError,
    ContentTooLargeError,
    FieldProblem,
    InternalServerError,
    InvoiceNotFoundError,
    InvoiceNotReadyError,
    InvoiceStateError,
    LifecycleTransitionError,
    NotFoundError,
    NuntiqError,
    PermissionDeniedError,
    RateLimitError,
    RequestValidationError,
    TerminalStateError,
    UnprocessableEntityError,
    ValidationError,
    error_from_response,
)
from nuntiq_sdk._spec import customer_api_spec

CODE_CASES = [
    (400, "VALIDATION_ERROR", exc.RequestValidationError),
    (400, "INVALID_CODE", exc.InvalidCodeError),
    (400, "NOTE_REQUIRED", exc.NoteRequiredError),
    (400, "CLARIFICATION_CODE_REQUIRED", exc.ClarificationCodeRequiredError),
    (400, "AMBIGUOUS_REFERENCE", exc.AmbiguousReferenceError),
    (400, "EXT_REFERENCE_REQUIRED", exc.ExtReferenceRequiredError),
    (400, "OCCURRED_AT_OUT_OF_RANGE", exc.OccurredAtOutOfRangeError),
    (400, "INVALID_CURSOR", exc.InvalidCursorError),
    (400, "DELETE_FILTER_REQUIRED", exc.DeleteFilterRequiredError),
    (400, "FILE_CHECKSUM_MISMATCH", exc.FileChecksumMismatchError),
    (401, "UNAUTHENTICATED", exc.AuthenticationError),
    (403, "PERMISSION_DENIED", exc.PermissionDeniedError),
    (404, "INVOICE_NOT_FOUND", exc.InvoiceNotFoundError),
    (404, "ATTACHMENT_NOT_FOUND", exc.AttachmentNotFoundError),
    (404, "DELTA_RUN_NOT_FOUND", exc.DeltaRunNotFoundError),
    (404, "DELTA_STATE_NOT_FOUND", exc.DeltaStateNotFoundError),
    (404, "FULL_LOAD_NOT_FOUND", exc.FullLoadNotFoundError),
    (404, "CUSTOMER_DATA_TABLE_NOT_FOUND", exc.CustomerDataTableNotFoundError),
    (404, "FILE_NOT_FOUND", exc.FileNotFoundOnServerError),
    (404, "IMPORT_NOT_FOUND", exc.ImportNotFoundError),
    (409, "LIFECYCLE_TRANSITION_INVALID", exc.LifecycleTransitionError),
    (409, "TERMINAL_STATE", exc.TerminalStateError),
    (409, "INVOICE_STATE_INVALID", exc.InvoiceStateError),
    (409, "LEASE_EXPIRED", exc.LeaseExpiredError),
    (409, "LEASE_MISMATCH", exc.LeaseMismatchError),
    (409, "DELTA_RUN_ACTIVE", exc.DeltaRunActiveError),
    (409, "DELTA_RUN_FINISHED", exc.DeltaRunFinishedError),
    (409, "IDEMPOTENCY_KEY_IN_USE", exc.IdempotencyKeyInUseError),
    (409, "FULL_LOAD_NOT_STAGING", exc.FullLoadNotStagingError),
    (409, "FULL_LOAD_OBJECT_MISMATCH", exc.FullLoadObjectMismatchError),
    (409, "SOURCE_KEY_CONFLICT", exc.SourceKeyConflictError),
    (413, "FILE_TOO_LARGE", exc.FileTooLargeError),
    (422, "INVOICE_NOT_READY", exc.InvoiceNotReadyError),
    (422, "IDEMPOTENCY_KEY_REUSED", exc.IdempotencyKeyReusedError),
    (422, "FULL_LOAD_EMPTY", exc.FullLoadEmptyError),
    (429, "RATE_LIMITED", exc.RateLimitError),
    (500, "INTERNAL_ERROR", exc.InternalServerError),
    (503, "SERVICE_UNAVAILABLE", exc.InternalServerError),
]

STATUS_CLASS = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: ContentTooLargeError,
    422: UnprocessableEntityError,
    429: RateLimitError,
    500: InternalServerError,
    503: InternalServerError,
}


def problem(status: int, code: str | None, **extra: object) -> dict[str, object]:
    body: dict[str, object] = {"type": "about:blank", "title": "Refused", "status": status, **extra}
    if code is not None:
        body["code"] = code
    return body


@pytest.mark.parametrize(("status", "code", "cls"), CODE_CASES, ids=[c[1] for c in CODE_CASES])
def test_each_code_maps_to_its_class_under_its_status_class(status: int, code: str, cls: type[APIStatusError]) -> None:
    error = error_from_response(status, problem(status, code), {"X-Request-Id": "req_1"})
    assert type(error) is cls
    assert isinstance(error, STATUS_CLASS[status])
    assert isinstance(error, APIStatusError)
    assert isinstance(error, NuntiqError)
    assert error.status_code == status
    assert error.code == code
    assert "req_1" in str(error)


def test_every_code_the_spec_lists_is_covered() -> None:
    """The spec's response descriptions are the list of codes; each must have its class."""
    status_of = {
        "BadRequest": 400,
        "Unauthorized": 401,
        "Forbidden": 403,
        "NotFound": 404,
        "Conflict": 409,
        "ContentTooLarge": 413,
        "Unprocessable": 422,
        "TooManyRequests": 429,
        "Error": 500,
    }
    responses = customer_api_spec()["components"]["responses"]
    assert set(responses) == set(status_of)
    covered = {code: status for status, code, _ in CODE_CASES}
    for name, status in status_of.items():
        codes = set(re.findall(r"\b[A-Z][A-Z_]{4,}[A-Z]\b", responses[name]["description"]))
        assert codes, name
        for code in codes:
            assert code in covered, f"{code} ({name}) has no test case"
            assert covered[code] == status or (status == 500 and covered[code] >= 500), code


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (413, ContentTooLargeError),
        (422, UnprocessableEntityError),
        (429, RateLimitError),
        (500, InternalServerError),
        (502, InternalServerError),
        (504, InternalServerError),
        (599, InternalServerError),
    ],
)
def test_unknown_codes_fall_back_to_the_status_class(status: int, cls: type[APIStatusError]) -> None:
    assert type(error_from_response(status, problem(status, "SOMETHING_NEW"), {})) is cls
    assert type(error_from_response(status, None, {})) is cls


def test_other_statuses_are_the_base_class() -> None:
    for status in (405, 408, 410, 415, 302):
        assert type(error_from_response(status, None, None)) is APIStatusError


def test_message_names_status_code_detail_and_request_id() -> None:
    error = error_from_response(
        409,
        problem(
            409,
            "LIFECYCLE_TRANSITION_INVALID",
            title="Transition refused",
            detail="Invoice is at ACCEPTED; DISPUTE_RESOLVED may not follow it",
            request_id="req_abc",
            valid_next_codes=["ERP_POSTED", "PAID"],
            current_code="ACCEPTED",
        ),
        {},
    )
    assert str(error) == (
        "409 LIFECYCLE_TRANSITION_INVALID: Invoice is at ACCEPTED; DISPUTE_RESOLVED may not follow it; "
        "valid next codes: ERP_POSTED, PAID (request_id=req_abc)"
    )
    assert isinstance(error, LifecycleTransitionError)
    assert error.valid_next_codes == ("ERP_POSTED", "PAID")
    assert error.current_code == "ACCEPTED"
    assert error.title == "Transition refused"
    assert error.problem["current_code"] == "ACCEPTED"


def test_request_id_comes_from_the_body_else_the_header() -> None:
    from_header = error_from_response(404, problem(404, "INVOICE_NOT_FOUND"), {"x-request-id": "req_hdr"})
    assert from_header.request_id == "req_hdr"
    assert str(from_header).endswith("(request_id=req_hdr)")
    both = error_from_response(404, problem(404, "INVOICE_NOT_FOUND", request_id="req_body"), {"X-Request-Id": "x"})
    assert both.request_id == "req_body"
    none = error_from_response(404, problem(404, "INVOICE_NOT_FOUND", detail="No invoice tok_1"), None)
    assert none.request_id is None
    assert str(none) == "404 INVOICE_NOT_FOUND: No invoice tok_1"


def test_title_then_reason_phrase_when_there_is_no_detail() -> None:
    assert str(error_from_response(403, problem(403, "PERMISSION_DENIED"), {})) == "403 PERMISSION_DENIED: Refused"
    assert str(error_from_response(502, None, {"X-Request-Id": "r"})) == "502: Bad Gateway (request_id=r)"


def test_validation_errors_are_listed() -> None:
    error = error_from_response(
        400,
        problem(
            400,
            "VALIDATION_ERROR",
            detail="Request validation failed",
            errors=[{"field": "limit", "message": "must be <= 500"}, {"field": "state", "message": "unknown"}],
        ),
        {},
    )
    assert isinstance(error, RequestValidationError)
    assert error.errors == [{"field": "limit", "message": "must be <= 500"}, {"field": "state", "message": "unknown"}]
    assert str(error) == "400 VALIDATION_ERROR: Request validation failed; limit: must be <= 500; state: unknown"


def test_code_specific_attributes() -> None:
    ambiguous = error_from_response(400, problem(400, "AMBIGUOUS_REFERENCE", match_count=3), {})
    assert isinstance(ambiguous, AmbiguousReferenceError)
    assert ambiguous.match_count == 3
    terminal = error_from_response(409, problem(409, "TERMINAL_STATE", current_code="REJECTED"), {})
    assert isinstance(terminal, TerminalStateError)
    assert terminal.current_code == "REJECTED"
    state = error_from_response(409, problem(409, "INVOICE_STATE_INVALID", current_status=90), {})
    assert isinstance(state, InvoiceStateError)
    assert state.current_status == 90
    not_ready = error_from_response(422, problem(422, "INVOICE_NOT_READY", current_status=40), {})
    assert isinstance(not_ready, InvoiceNotReadyError)
    assert not_ready.current_status == 40
    bare = error_from_response(409, problem(409, "LIFECYCLE_TRANSITION_INVALID"), {})
    assert isinstance(bare, LifecycleTransitionError)
    assert bare.valid_next_codes == ()
    assert bare.current_code is None
    assert isinstance(error_from_response(404, problem(404, "INVOICE_NOT_FOUND"), {}), NotFoundError)
    assert isinstance(error_from_response(404, problem(404, "INVOICE_NOT_FOUND"), {}), InvoiceNotFoundError)


def test_rate_limit_retry_after_in_seconds_or_as_a_date() -> None:
    seconds = error_from_response(429, problem(429, "RATE_LIMITED"), {"Retry-After": "12"})
    assert isinstance(seconds, RateLimitError)
    assert seconds.retry_after == 12.0
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=100), usegmt=True)
    dated = error_from_response(429, problem(429, "RATE_LIMITED"), {"retry-after": when})
    assert isinstance(dated, RateLimitError)
    assert dated.retry_after is not None
    assert 95 <= dated.retry_after <= 101
    missing = error_from_response(429, problem(429, "RATE_LIMITED"), {})
    assert isinstance(missing, RateLimitError)
    assert missing.retry_after is None


def test_status_errors_survive_pickling() -> None:
    error = error_from_response(
        409, problem(409, "LIFECYCLE_TRANSITION_INVALID", valid_next_codes=["PAID"]), {"X-Request-Id": "req_9"}
    )
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is LifecycleTransitionError
    assert str(copy) == str(error)
    assert copy.valid_next_codes == ("PAID",)
    assert copy.request_id == "req_9"
    limited = pickle.loads(pickle.dumps(error_from_response(429, None, {"Retry-After": "3"})))
    assert isinstance(limited, RateLimitError)
    assert limited.retry_after == 3.0


def test_other_errors_survive_pickling() -> None:
    for error in (
        ConfigError(["a", "b"], source="settings.json"),
        ValidationError([FieldProblem("code", None, "is required")]),
        APITimeoutError("GET /v1/x timed out", request_method="GET", request_path="/v1/x"),
        APIResponseError("bad", status_code=502, request_id="r", body=b"<html>"),
    ):
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error)
        assert str(copy) == str(error)
        assert copy.__dict__ == error.__dict__


def test_validation_error_lists_every_problem() -> None:
    error = ValidationError(
        [
            FieldProblem("code", None, "is required"),
            FieldProblem("reference_type", "FOO", "is not one of PO_NUMBER, PAYMENT_REF, CREDIT_NOTE, OTHER"),
        ]
    )
    assert str(error) == (
        "2 invalid fields: code: is required; "
        "reference_type: 'FOO' is not one of PO_NUMBER, PAYMENT_REF, CREDIT_NOTE, OTHER"
    )
    assert isinstance(error, ValueError)
    assert isinstance(error, NuntiqError)
    assert [p.field for p in error.problems] == ["code", "reference_type"]


def test_field_problem_shortens_values_and_names_the_row() -> None:
    long_note = FieldProblem("note_internal", "x" * 5000, "is longer than 4000 characters", row="INV-1")
    assert str(long_note) == "[INV-1] note_internal: '" + "x" * 56 + "... is longer than 4000 characters"
    assert str(FieldProblem("code", UNSET, "is required")) == "code: is required"
    assert str(ValidationError([FieldProblem("limit", 0, "must be >= 1")])) == "1 invalid field: limit: 0 must be >= 1"
    with pytest.raises(AttributeError):
        long_note.field = "other"  # type: ignore[misc]


def test_config_error_lists_every_problem() -> None:
    error = ConfigError(["customer_number is missing", "config must be a JSON object, got array"], source="s.json")
    assert isinstance(error, ValueError)
    assert error.problems == ("customer_number is missing", "config must be a JSON object, got array")
    assert str(error) == (
        "Invalid settings in s.json (2 problems): customer_number is missing; config must be a JSON object, got array"
    )
    assert str(ConfigError(["x"])) == "Invalid settings: x"


def test_connection_errors() -> None:
    error = APITimeoutError("GET /v1/x timed out", request_method="GET", request_path="/v1/x")
    assert isinstance(error, APIConnectionError)
    assert isinstance(error, NuntiqError)
    assert (error.request_method, error.request_path) == ("GET", "/v1/x")
