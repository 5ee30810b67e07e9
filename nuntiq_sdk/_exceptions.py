"""The SDK's exception classes; ``nuntiq_sdk.errors`` is their public home and draws the whole tree.

``error_from_response`` picks the class for a problem response: by the
problem's ``code`` first, then by status, so a code the SDK does not know yet
still gives the status class. The codes are the ones the spec's responses
list; the generic ones (UNAUTHENTICATED, PERMISSION_DENIED, RATE_LIMITED,
INTERNAL_ERROR, SERVICE_UNAVAILABLE) are their status class.

Every message names the status, the code and the request id to quote to
support; none carries a request header (so never the token).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any, ClassVar

import attrs

from generated_client.types import Unset
from nuntiq_sdk._config import REQUEST_ID_HEADER, RETRY_AFTER_HEADER
from nuntiq_sdk._util import parse_retry_after, short_repr

__all__ = [
    "APIConnectionError",
    "APIResponseError",
    "APIStatusError",
    "APITimeoutError",
    "AmbiguousReferenceError",
    "AttachmentNotFoundError",
    "AuthenticationError",
    "BadRequestError",
    "ClarificationCodeRequiredError",
    "ConfigError",
    "ConflictError",
    "ContentTooLargeError",
    "CustomerDataTableNotFoundError",
    "DeleteFilterRequiredError",
    "DeltaRunActiveError",
    "DeltaRunFinishedError",
    "DeltaRunNotFoundError",
    "DeltaStateNotFoundError",
    "ExtReferenceRequiredError",
    "FieldProblem",
    "FileChecksumMismatchError",
    "FileNotFoundOnServerError",
    "FileTooLargeError",
    "FullLoadEmptyError",
    "FullLoadNotFoundError",
    "FullLoadNotStagingError",
    "FullLoadObjectMismatchError",
    "IdempotencyKeyInUseError",
    "IdempotencyKeyReusedError",
    "ImportNotFoundError",
    "InternalServerError",
    "InvalidCodeError",
    "InvalidCursorError",
    "InvoiceNotFoundError",
    "InvoiceNotReadyError",
    "InvoiceStateError",
    "JobIncompleteError",
    "LeaseExpiredError",
    "LeaseMismatchError",
    "LifecycleTransitionError",
    "NotFoundError",
    "NoteRequiredError",
    "NuntiqError",
    "OccurredAtOutOfRangeError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestValidationError",
    "SourceKeyConflictError",
    "TerminalStateError",
    "UnprocessableEntityError",
    "ValidationError",
    "error_from_response",
]


class NuntiqError(Exception):
    """The root of every exception the SDK raises."""


# --- Local problems: fix the input, retrying cannot help -----------------------


class ConfigError(NuntiqError, ValueError):
    """The settings (settings.json, environment, arguments) are unusable.

    ``problems`` lists every problem found, each naming its entry and value.
    """

    def __init__(self, problems: Iterable[str], *, source: str | None = None) -> None:
        self.problems: tuple[str, ...] = tuple(problems)
        self.source = source
        where = f" in {source}" if source else ""
        if len(self.problems) == 1:
            message = f"Invalid settings{where}: {self.problems[0]}"
        else:
            message = f"Invalid settings{where} ({len(self.problems)} problems): " + "; ".join(self.problems)
        super().__init__(message)

    def __reduce__(self) -> Any:
        return (_rebuild_config_error, (self.problems, self.source))


def _rebuild_config_error(problems: tuple[str, ...], source: str | None) -> ConfigError:
    return ConfigError(problems, source=source)


@attrs.frozen
class FieldProblem:
    """One invalid field, found before any request was sent.

    ``value`` is shown (as a shortened repr) before ``message`` unless it is
    ``None`` or ``UNSET`` - a missing value - so ``FieldProblem("code", None,
    "is required")`` reads ``code: is required``. ``row`` is the natural key of
    the row in a bulk save.
    """

    field: str
    value: object
    message: str
    row: str | None = None

    def __str__(self) -> str:
        prefix = f"[{self.row}] " if self.row is not None else ""
        if self.value is None or isinstance(self.value, Unset):
            return f"{prefix}{self.field}: {self.message}"
        return f"{prefix}{self.field}: {short_repr(self.value)} {self.message}"


class ValidationError(NuntiqError, ValueError):
    """Local validation refused the data; nothing was sent.

    The message lists every problem: ``2 invalid fields: code: is required;
    reference_type: 'FOO' is not one of PO_NUMBER, PAYMENT_REF, CREDIT_NOTE, OTHER``.
    """

    def __init__(self, problems: Iterable[FieldProblem]) -> None:
        self.problems: tuple[FieldProblem, ...] = tuple(problems)
        count = len(self.problems)
        noun = "invalid field" if count == 1 else "invalid fields"
        super().__init__(f"{count} {noun}: " + "; ".join(str(p) for p in self.problems))

    def __reduce__(self) -> Any:
        return (ValidationError, (self.problems,))


class JobIncompleteError(NuntiqError):
    """The job ran to its end but left work undone; ``summary`` is what it did.

    A connector raises it after its work is recorded (e.g. invoices delivered
    but not reported), so that ``nuntiq run`` prints the summary and exits 1
    instead of 0: a scheduler sees the failure, the next run finishes the work.
    """

    def __init__(self, message: str, summary: Mapping[str, Any] | None = None) -> None:
        self.summary: dict[str, Any] = dict(summary or {})
        super().__init__(message)

    def __reduce__(self) -> Any:
        return (JobIncompleteError, (str(self), self.summary))


# --- Transport problems: the request may not have been processed --------------


class APIConnectionError(NuntiqError):
    """The API could not be reached (after the retries the transport allows)."""

    def __init__(self, message: str, *, request_method: str | None = None, request_path: str | None = None) -> None:
        self.request_method = request_method
        self.request_path = request_path
        super().__init__(message)

    def __reduce__(self) -> Any:
        return (_rebuild_connection_error, (type(self), str(self), self.request_method, self.request_path))


def _rebuild_connection_error(
    cls: type[APIConnectionError], message: str, method: str | None, path: str | None
) -> APIConnectionError:
    return cls(message, request_method=method, request_path=path)


class APITimeoutError(APIConnectionError):
    """The API did not answer in time (after the retries)."""


class APIResponseError(NuntiqError):
    """The API answered, but with a body the client cannot read (e.g. an HTML error page)."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        request_id: str | None = None,
        body: bytes = b"",
    ) -> None:
        self.status_code = status_code
        self.request_id = request_id
        self.body = body
        super().__init__(message)

    def __reduce__(self) -> Any:
        return (_rebuild_response_error, (str(self), self.status_code, self.request_id, self.body))


def _rebuild_response_error(message: str, status: int | None, request_id: str | None, body: bytes) -> APIResponseError:
    return APIResponseError(message, status_code=status, request_id=request_id, body=body)


# --- The API refused the request -----------------------------------------------


def _header(headers: Mapping[str, str] | None, name: str) -> str | None:
    if not headers:
        return None
    value = headers.get(name)
    if value is not None:
        return value
    lowered = name.lower()
    for key, candidate in headers.items():
        if key.lower() == lowered:
            return candidate
    return None


def _opt_str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


class APIStatusError(NuntiqError):
    """The API answered with an error status and (usually) a problem document.

    Attributes: ``status_code``; ``code`` (the machine code or None); ``title``;
    ``detail``; ``request_id`` (from the problem or the X-Request-Id header);
    ``errors`` (``[{"field": ..., "message": ...}]``); ``problem`` (the raw dict);
    ``request_method`` and ``request_url`` (set by the SDK's call helper; None otherwise).
    """

    STATUS: ClassVar[int | None] = None
    """The status this class stands for (None: any)."""
    CODE: ClassVar[str | None] = None
    """The problem code this class stands for (None: any)."""

    def __init__(
        self,
        status_code: int,
        problem: Mapping[str, Any] | None = None,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.status_code = int(status_code)
        self.request_method: str | None = None
        self.request_url: str | None = None
        self.problem: dict[str, Any] = dict(problem) if problem else {}
        kept = {name: value for name in (REQUEST_ID_HEADER, RETRY_AFTER_HEADER) if (value := _header(headers, name))}
        self._headers: dict[str, str] = kept
        self.code: str | None = _opt_str(self.problem.get("code"))
        self.title: str = _opt_str(self.problem.get("title")) or _reason(self.status_code)
        self.detail: str | None = _opt_str(self.problem.get("detail"))
        self.request_id: str | None = _opt_str(self.problem.get("request_id")) or kept.get(REQUEST_ID_HEADER)
        raw_errors = self.problem.get("errors")
        self.errors: list[dict[str, str]] = [
            {"field": str(item.get("field", "")), "message": str(item.get("message", ""))}
            for item in (raw_errors if isinstance(raw_errors, list) else [])
            if isinstance(item, Mapping)
        ]
        super().__init__(self._message())

    def _message(self) -> str:
        head = f"{self.status_code} {self.code}" if self.code else str(self.status_code)
        text = self.detail or self.title
        parts = [text, *(f"{e['field']}: {e['message']}" for e in self.errors), *self._extra_message(text)]
        message = f"{head}: " + "; ".join(p for p in parts if p)
        if self.request_id:
            message += f" (request_id={self.request_id})"
        return message

    def _extra_message(self, text: str) -> list[str]:
        return []

    def __reduce__(self) -> Any:
        return (_rebuild_status_error, (type(self), self.status_code, self.problem, self._headers))


def _rebuild_status_error(
    cls: type[APIStatusError], status: int, problem: dict[str, Any], headers: dict[str, str]
) -> APIStatusError:
    return cls(status, problem, headers=headers)


def _reason(status_code: int) -> str:
    try:
        return HTTPStatus(status_code).phrase
    except ValueError:
        return "HTTP error"


class BadRequestError(APIStatusError):
    STATUS = 400


class AuthenticationError(APIStatusError):
    STATUS = 401


class PermissionDeniedError(APIStatusError):
    STATUS = 403


class NotFoundError(APIStatusError):
    STATUS = 404


class ConflictError(APIStatusError):
    STATUS = 409


class ContentTooLargeError(APIStatusError):
    STATUS = 413


class UnprocessableEntityError(APIStatusError):
    STATUS = 422


class RateLimitError(APIStatusError):
    """429; ``retry_after`` is the server's Retry-After in seconds, if it sent one."""

    STATUS = 429

    def __init__(
        self,
        status_code: int,
        problem: Mapping[str, Any] | None = None,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(status_code, problem, headers=headers)
        self.retry_after: float | None = parse_retry_after(self._headers.get(RETRY_AFTER_HEADER), time.time())


class InternalServerError(APIStatusError):
    """Any 5xx."""

    STATUS = 500


# 400


class RequestValidationError(BadRequestError):
    """The server's request validation refused fields; ``errors`` lists them."""

    CODE = "VALIDATION_ERROR"


class InvalidCodeError(BadRequestError):
    """The lifecycle code is not in the server's catalog."""

    CODE = "INVALID_CODE"


class NoteRequiredError(BadRequestError):
    CODE = "NOTE_REQUIRED"


class ClarificationCodeRequiredError(BadRequestError):
    CODE = "CLARIFICATION_CODE_REQUIRED"


class AmbiguousReferenceError(BadRequestError):
    """More than one invoice matches the reference; narrow it down."""

    CODE = "AMBIGUOUS_REFERENCE"

    @property
    def match_count(self) -> int | None:
        value = self.problem.get("match_count")
        return value if isinstance(value, int) and not isinstance(value, bool) else None


class ExtReferenceRequiredError(BadRequestError):
    CODE = "EXT_REFERENCE_REQUIRED"


class OccurredAtOutOfRangeError(BadRequestError):
    CODE = "OCCURRED_AT_OUT_OF_RANGE"


class InvalidCursorError(BadRequestError):
    CODE = "INVALID_CURSOR"


class DeleteFilterRequiredError(BadRequestError):
    """A delete with no filter; pass ``all=True`` to delete every row."""

    CODE = "DELETE_FILTER_REQUIRED"


# 404


class InvoiceNotFoundError(NotFoundError):
    CODE = "INVOICE_NOT_FOUND"


class AttachmentNotFoundError(NotFoundError):
    CODE = "ATTACHMENT_NOT_FOUND"


class DeltaRunNotFoundError(NotFoundError):
    CODE = "DELTA_RUN_NOT_FOUND"


class DeltaStateNotFoundError(NotFoundError):
    CODE = "DELTA_STATE_NOT_FOUND"


class FullLoadNotFoundError(NotFoundError):
    CODE = "FULL_LOAD_NOT_FOUND"


class CustomerDataTableNotFoundError(NotFoundError):
    CODE = "CUSTOMER_DATA_TABLE_NOT_FOUND"


# 409


class _CurrentCodeMixin(APIStatusError):
    @property
    def current_code(self) -> str | None:
        return _opt_str(self.problem.get("current_code"))


class _CurrentStatusMixin(APIStatusError):
    @property
    def current_status(self) -> int | None:
        value = self.problem.get("current_status")
        return value if isinstance(value, int) and not isinstance(value, bool) else None


class LifecycleTransitionError(ConflictError, _CurrentCodeMixin):
    """The state machine refused the code; ``valid_next_codes`` are the ones it accepts."""

    CODE = "LIFECYCLE_TRANSITION_INVALID"

    @property
    def valid_next_codes(self) -> tuple[str, ...]:
        value = self.problem.get("valid_next_codes")
        return tuple(str(code) for code in value) if isinstance(value, list) else ()

    def _extra_message(self, text: str) -> list[str]:
        codes = self.valid_next_codes
        if not codes or all(code in text for code in codes):
            return []
        return ["valid next codes: " + ", ".join(codes)]


class TerminalStateError(ConflictError, _CurrentCodeMixin):
    """The invoice is at REJECTED or CANCELLED; nothing may follow."""

    CODE = "TERMINAL_STATE"


class InvoiceStateError(ConflictError, _CurrentStatusMixin):
    """The invoice's status does not allow the request (e.g. acknowledge away from 92)."""

    CODE = "INVOICE_STATE_INVALID"


class LeaseExpiredError(ConflictError):
    CODE = "LEASE_EXPIRED"


class LeaseMismatchError(ConflictError):
    CODE = "LEASE_MISMATCH"


class DeltaRunActiveError(ConflictError):
    """Another run of the stream is active."""

    CODE = "DELTA_RUN_ACTIVE"


class DeltaRunFinishedError(ConflictError):
    CODE = "DELTA_RUN_FINISHED"


class IdempotencyKeyInUseError(ConflictError):
    """A request with the same Idempotency-Key is still being processed."""

    CODE = "IDEMPOTENCY_KEY_IN_USE"


class FullLoadNotStagingError(ConflictError):
    """The full load was already committed, aborted or expired."""

    CODE = "FULL_LOAD_NOT_STAGING"


class FullLoadObjectMismatchError(ConflictError):
    """Rows of one object were staged into a full load opened for another."""

    CODE = "FULL_LOAD_OBJECT_MISMATCH"


# 422


class InvoiceNotReadyError(UnprocessableEntityError, _CurrentStatusMixin):
    """The invoice is still in intake (status below 90)."""

    CODE = "INVOICE_NOT_READY"


class FileChecksumMismatchError(BadRequestError):
    """The uploaded bytes do not hash to the declared sha256 (changed on disk, or damaged on the way)."""

    CODE = "FILE_CHECKSUM_MISMATCH"


class FileNotFoundOnServerError(NotFoundError):
    """The tenant has stored no ingestion file with this sha256 (named so as not to shadow the builtin)."""

    CODE = "FILE_NOT_FOUND"


class ImportNotFoundError(NotFoundError):
    """No import was submitted under this source_key."""

    CODE = "IMPORT_NOT_FOUND"


class SourceKeyConflictError(ConflictError):
    """The source_key was imported before with different content; a new document needs a new key."""

    CODE = "SOURCE_KEY_CONFLICT"


class FileTooLargeError(ContentTooLargeError):
    """The file is larger than the API accepts."""

    CODE = "FILE_TOO_LARGE"


class IdempotencyKeyReusedError(UnprocessableEntityError):
    """The Idempotency-Key was used before with a different body."""

    CODE = "IDEMPOTENCY_KEY_REUSED"


class FullLoadEmptyError(UnprocessableEntityError):
    """A commit with nothing staged, without ``allow_empty``."""

    CODE = "FULL_LOAD_EMPTY"


_STATUS_CLASSES: Mapping[int, type[APIStatusError]] = {
    cls.STATUS: cls
    for cls in (
        BadRequestError,
        AuthenticationError,
        PermissionDeniedError,
        NotFoundError,
        ConflictError,
        ContentTooLargeError,
        UnprocessableEntityError,
        RateLimitError,
    )
    if cls.STATUS is not None
}

_CODE_CLASSES: Mapping[str, type[APIStatusError]] = {
    cls.CODE: cls
    for cls in (
        RequestValidationError,
        InvalidCodeError,
        NoteRequiredError,
        ClarificationCodeRequiredError,
        AmbiguousReferenceError,
        ExtReferenceRequiredError,
        OccurredAtOutOfRangeError,
        InvalidCursorError,
        DeleteFilterRequiredError,
        InvoiceNotFoundError,
        AttachmentNotFoundError,
        DeltaRunNotFoundError,
        DeltaStateNotFoundError,
        FullLoadNotFoundError,
        CustomerDataTableNotFoundError,
        LifecycleTransitionError,
        TerminalStateError,
        InvoiceStateError,
        LeaseExpiredError,
        LeaseMismatchError,
        DeltaRunActiveError,
        DeltaRunFinishedError,
        IdempotencyKeyInUseError,
        FullLoadNotStagingError,
        FullLoadObjectMismatchError,
        InvoiceNotReadyError,
        IdempotencyKeyReusedError,
        FullLoadEmptyError,
        FileChecksumMismatchError,
        FileNotFoundOnServerError,
        ImportNotFoundError,
        SourceKeyConflictError,
        FileTooLargeError,
    )
    if cls.CODE is not None
}


def error_from_response(
    status_code: int,
    problem: Mapping[str, Any] | None,
    headers: Mapping[str, str] | None = None,
) -> APIStatusError:
    """The exception for an error response: by problem ``code`` first, then by status."""
    code = problem.get("code") if problem else None
    cls: type[APIStatusError] | None = _CODE_CLASSES.get(code) if isinstance(code, str) else None
    if cls is None:
        cls = InternalServerError if status_code >= 500 else _STATUS_CLASSES.get(status_code, APIStatusError)
    return cls(status_code, problem, headers=headers)
