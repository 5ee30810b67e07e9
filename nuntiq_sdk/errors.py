"""Every exception the SDK raises, in one tree ordered by how a connector reacts.

Catch a branch, not a leaf, unless the leaf changes what you do: ``ValidationError``
and ``ConfigError`` mean fix the input (nothing was sent), ``APIConnectionError``
run again later, ``APIStatusError`` read ``.code``. The package root exports the
branches; this module holds the whole tree::

    NuntiqError                                   anything the SDK raises
    ├── ConfigError (ValueError)                  fix settings.json / the environment; never retry
    ├── ValidationError (ValueError)              fix the data; raised before any request (.problems)
    ├── JobIncompleteError                        the job ran but left work undone (.summary); exit 1
    ├── APIConnectionError                        network failed after the retries; run again later
    │   └── APITimeoutError
    ├── APIResponseError                          the API answered something unreadable; report it
    ├── HostKeyVerificationError                  the SFTP server's host key is unknown or changed; fix known_hosts
    ├── SFTPDeliveryError (OSError)               an SFTP upload did not complete; run again
    └── APIStatusError                            the API refused the request; read .code
        ├── BadRequestError                400    the request is wrong: fix it
        │   ├── RequestValidationError            VALIDATION_ERROR (.errors)
        │   ├── InvalidCodeError                  INVALID_CODE
        │   ├── NoteRequiredError                 NOTE_REQUIRED
        │   ├── ClarificationCodeRequiredError    CLARIFICATION_CODE_REQUIRED
        │   ├── AmbiguousReferenceError           AMBIGUOUS_REFERENCE (.match_count)
        │   ├── ExtReferenceRequiredError         EXT_REFERENCE_REQUIRED
        │   ├── OccurredAtOutOfRangeError         OCCURRED_AT_OUT_OF_RANGE
        │   ├── InvalidCursorError                INVALID_CURSOR
        │   ├── DeleteFilterRequiredError         DELETE_FILTER_REQUIRED
        │   └── FileChecksumMismatchError         FILE_CHECKSUM_MISMATCH
        ├── AuthenticationError            401    the token is missing, unknown or revoked
        ├── PermissionDeniedError          403    the token lacks a permission
        ├── NotFoundError                  404    no such object in this tenant
        │   ├── InvoiceNotFoundError              INVOICE_NOT_FOUND
        │   ├── AttachmentNotFoundError           ATTACHMENT_NOT_FOUND
        │   ├── DeltaRunNotFoundError             DELTA_RUN_NOT_FOUND
        │   ├── DeltaStateNotFoundError           DELTA_STATE_NOT_FOUND
        │   ├── FullLoadNotFoundError             FULL_LOAD_NOT_FOUND
        │   ├── CustomerDataTableNotFoundError    CUSTOMER_DATA_TABLE_NOT_FOUND
        │   ├── FileNotFoundOnServerError         FILE_NOT_FOUND
        │   └── ImportNotFoundError               IMPORT_NOT_FOUND
        ├── ConflictError                  409    the object's state refuses the request
        │   ├── LifecycleTransitionError          LIFECYCLE_TRANSITION_INVALID (.valid_next_codes, .current_code)
        │   ├── TerminalStateError                TERMINAL_STATE (.current_code)
        │   ├── InvoiceStateError                 INVOICE_STATE_INVALID (.current_status)
        │   ├── LeaseExpiredError                 LEASE_EXPIRED
        │   ├── LeaseMismatchError                LEASE_MISMATCH
        │   ├── DeltaRunActiveError               DELTA_RUN_ACTIVE
        │   ├── DeltaRunFinishedError             DELTA_RUN_FINISHED
        │   ├── IdempotencyKeyInUseError          IDEMPOTENCY_KEY_IN_USE
        │   ├── FullLoadNotStagingError           FULL_LOAD_NOT_STAGING
        │   ├── FullLoadObjectMismatchError       FULL_LOAD_OBJECT_MISMATCH
        │   └── SourceKeyConflictError            SOURCE_KEY_CONFLICT
        ├── ContentTooLargeError           413    the body is over the operation's limit
        │   └── FileTooLargeError                 FILE_TOO_LARGE
        ├── UnprocessableEntityError       422
        │   ├── InvoiceNotReadyError              INVOICE_NOT_READY (.current_status)
        │   ├── IdempotencyKeyReusedError         IDEMPOTENCY_KEY_REUSED
        │   └── FullLoadEmptyError                FULL_LOAD_EMPTY
        ├── RateLimitError                 429    already retried; slow down (.retry_after)
        └── InternalServerError            5xx    already retried; run again later

``FieldProblem`` is one entry of ``ValidationError.problems`` (field, value, message, row).
The SFTP errors are imported from ``nuntiq_sdk.sftp`` when first used (it loads paramiko).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from nuntiq_sdk._exceptions import (
    AmbiguousReferenceError,
    APIConnectionError,
    APIResponseError,
    APIStatusError,
    APITimeoutError,
    AttachmentNotFoundError,
    AuthenticationError,
    BadRequestError,
    ClarificationCodeRequiredError,
    ConfigError,
    ConflictError,
    ContentTooLargeError,
    CustomerDataTableNotFoundError,
    DeleteFilterRequiredError,
    DeltaRunActiveError,
    DeltaRunFinishedError,
    DeltaRunNotFoundError,
    DeltaStateNotFoundError,
    ExtReferenceRequiredError,
    FieldProblem,
    FileChecksumMismatchError,
    FileNotFoundOnServerError,
    FileTooLargeError,
    FullLoadEmptyError,
    FullLoadNotFoundError,
    FullLoadNotStagingError,
    FullLoadObjectMismatchError,
    IdempotencyKeyInUseError,
    IdempotencyKeyReusedError,
    ImportNotFoundError,
    InternalServerError,
    InvalidCodeError,
    InvalidCursorError,
    InvoiceNotFoundError,
    InvoiceNotReadyError,
    InvoiceStateError,
    JobIncompleteError,
    LeaseExpiredError,
    LeaseMismatchError,
    LifecycleTransitionError,
    NoteRequiredError,
    NotFoundError,
    NuntiqError,
    OccurredAtOutOfRangeError,
    PermissionDeniedError,
    RateLimitError,
    RequestValidationError,
    SourceKeyConflictError,
    TerminalStateError,
    UnprocessableEntityError,
    ValidationError,
)

if TYPE_CHECKING:
    from nuntiq_sdk.sftp import HostKeyVerificationError, SFTPDeliveryError

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
    "HostKeyVerificationError",
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
    "SFTPDeliveryError",
    "SourceKeyConflictError",
    "TerminalStateError",
    "UnprocessableEntityError",
    "ValidationError",
]

_SFTP = frozenset({"HostKeyVerificationError", "SFTPDeliveryError"})


def __getattr__(name: str) -> Any:
    """The SFTP errors, on first use (their module imports paramiko)."""
    if name in _SFTP:
        return getattr(importlib.import_module("nuntiq_sdk.sftp"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
