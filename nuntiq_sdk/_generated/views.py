# Generated from openapi/customer-api.yaml by tools/generate_views.py (nox -s generate). Do not edit.
"""Read-only views of the API's responses, one per schema the SDK hands out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, Self

import attrs

__all__ = [
    "AcknowledgeOutcome",
    "AcknowledgeOutcomeName",
    "Address",
    "AttachmentRecord",
    "CustomerDataColumn",
    "CustomerDataColumnType",
    "CustomerDataTable",
    "DeactivateInactiveResult",
    "DeltaCursorOutcome",
    "DeltaRun",
    "DeltaRunStatus",
    "DeltaState",
    "IngestionFile",
    "IntegrationResultOutcome",
    "IntegrationResultOutcomeName",
    "InvoiceImport",
    "InvoiceImportStatus",
    "InvoiceLineRecord",
    "InvoiceRecord",
    "InvoiceStatusName",
    "InvoiceStatusResponse",
    "Lease",
    "LifecycleMessage",
    "LifecycleMessageWriteResponse",
    "ProblemDetails",
    "ProblemFieldError",
    "UserKind",
    "UserRecord",
    "UserRole",
]

# acknowledged (92 -> 93), already (at 93 under this lease) or refused (see problem).
AcknowledgeOutcomeName = Literal["acknowledged", "already", "refused"]
CustomerDataColumnType = Literal["string", "integer", "number", "boolean", "date"]
# What completing did to the stream's cursor: `advanced` (now new_cursor), `kept_current` (the stream already held a
# cursor at or past it, or another run stored one since this run started), `not_given` (no new_cursor: unchanged).
# Absent until the run completes.
DeltaCursorOutcome = Literal["advanced", "kept_current", "not_given"]
DeltaRunStatus = Literal["running", "completed", "failed", "abandoned"]
# reported (the result was applied), already (success on an invoice at 100) or refused (see problem).
IntegrationResultOutcomeName = Literal["reported", "already", "refused"]
# `intake`: Nuntiq is still capturing and validating the invoice (status below 90). `ready`: intake finished; the
# invoice reached 90 PendingIntegration (or later) and can be claimed.
InvoiceImportStatus = Literal["intake", "ready"]
# The name of an invoice status number.
InvoiceStatusName = Literal[
    "Intake",
    "PendingIntegration",
    "PendingIntegrationRetriggered",
    "Integrating",
    "PendingResult",
    "IntegrationFailed",
    "Processed",
]
UserKind = Literal["human", "service"]
UserRole = Literal["AP_CLERK", "AP_MANAGER", "APPROVER", "ADMIN", "INTEGRATION", "VIEWER"]


@attrs.frozen
class AcknowledgeOutcome:
    """What acknowledging one item of a batch did."""

    invoice_token: str
    lease_id: str
    outcome: AcknowledgeOutcomeName
    # The invoice's status after this item (absent when there is no such invoice).
    status: int | None = None
    status_name: InvoiceStatusName | None = None
    lease_expires_at: str | None = None
    problem: ProblemDetails | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Build from the response JSON (already the spec's shape; not validated again)."""
        return cls(
            invoice_token=data["invoice_token"],
            lease_id=data["lease_id"],
            outcome=data["outcome"],
            status=data.get("status"),
            status_name=data.get("status_name"),
            lease_expires_at=data.get("lease_expires_at"),
            problem=None if (v := data.get("problem")) is None else ProblemDetails.from_dict(v),
        )


@attrs.frozen
class Address:
    """The API's ``Address``, read-only."""

    # vendor, buyer, remit_to, ship_to, bill_to, ...
    role: str
    address_name: str | None = None
    street: str | None = None
    street_2: str | None = None
    city: str | None = None
    postal_code: str | None = None
    region: str | None = None
    country_code: str | None = None
    vat_number: str | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Build from the response JSON (already the spec's shape; not validated again)."""
        return cls(
            role=data["role"],
            address_name=data.get("address_name"),
            street=data.get("street"),
            street_2=data.get("street_2"),
            city=data.get("city"),
            postal_code=data.get("postal_code"),
            region=data.get("region"),
            country_code=data.get("country_code"),
            vat_number=data.get("vat_number"),
        )


@attrs.frozen
class AttachmentRecord:
    """The API's ``Attachment``, read-only."""

    attachment_id: str
    file_name: str
    content_type: str
    size: int
    sha256: str

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Build from the response JSON (already the spec's shape; not validated again)."""
        return cls(
            attachment_id=data["attachment_id"],
            file_name=data["file_name"],
            content_type=data["content_type"],
            size=data["size"],
            sha256=data["sha256"],
        )


@attrs.frozen
class CustomerDataColumn:
    """The API's ``CustomerDataColumn``, read-only."""

    name: str
    type: CustomerDataColumnType
    required: bool
    max_length: int | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Build from the response JSON (already the spec's shape; not validated again)."""
        return cls(
            name=data["name"],
            type=data["type"],
            required=data["required"],
            max_length=data.get("max_length"),
        )


@attrs.frozen
class CustomerDataTable:
    """The API's ``CustomerDataTable``, read-only."""

    table_name: str
    columns: tuple[CustomerDataColumn, ...]
    key_columns: tuple[str, ...]
    description: str | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Build from the response JSON (already the spec's shape; not validated again)."""
        return cls(
            table_name=data["table_name"],
            description=data.get("description"),
            columns=tuple(CustomerDataColumn.from_dict(item) for item in data["columns"]),
            key_columns=tuple(data["key_columns"]),
        )


@attrs.frozen
class DeactivateInactiveResult:
    """The API's ``DeactivateInactiveResult``, read-only."""

    dry_run: bool
    count: int
    users: tuple[UserRecord, ...]
    idempotent: bool

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Build from the response JSON (already the spec's shape; not validated again)."""
        return cls(
            dry_run=data["dry_run"],
            count=data["count"],
            users=tuple(UserRecord.from_dict(item) for item in data["users"]),
            idempotent=data["idempotent"],
        )


@attrs.frozen
class DeltaRun:
    """The API's ``DeltaRun``, read-only."""

    run_id: str
    connector_name: str
    stream_name: str
    status: DeltaRunStatus
    cursor_type: str
    records_processed: int
    started_at: str
    # When the run's lease lapses unless renewed by a heartbeat.
    expires_at: str
    previous_cursor: str | None = None
    new_cursor: str | None = None
    metadata: Mapping[str, Any] | None = None
    error_message: str | None = None
    exclusive: bool | None = None
    run_ttl_seconds: int | None = None
    cursor_outcome: DeltaCursorOutcome | None = None
    # The stream's cursor after this run completed (its own new_cursor, or the one kept).
    stream_cursor: str | None = None
    finished_at: str | None = None
    idempotent: bool | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Build from the response JSON (already the spec's shape; not validated again)."""
        return cls(
            run_id=data["run_id"],
            connector_name=data["connector_name"],
            stream_name=data["stream_name"],
            status=data["status"],
            cursor_type=data["cursor_type"],
            previous_cursor=data.get("previous_cursor"),
            new_cursor=data.get("new_cursor"),
            records_processed=data["records_processed"],
            metadata=data.get("metadata"),
            error_message=data.get("error_message"),
            exclusive=data.get("exclusive"),
            run_ttl_seconds=data.get("run_ttl_seconds"),
            cursor_outcome=data.get("cursor_outcome"),
            stream_cursor=data.get("stream_cursor"),
            started_at=data["started_at"],
            expires_at=data["expires_at"],
            finished_at=data.get("finished_at"),
            idempotent=data.get("idempotent"),
        )


@attrs.frozen
class DeltaState:
    """The API's ``DeltaState``, read-only."""

    connector_name: str
    stream_name: str
    cursor_type: str
    cursor: str | None = None
    updated_at: str | None = None
    last_run: DeltaRun | None = None
    # The most recently started run still holding a live lease.
    active_run_id: str | None = None
    # Every run of the stream holding a live lease, oldest first.
    active_run_ids: tuple[str, ...] | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Build from the response JSON (already the spec's shape; not validated again)."""
        return cls(
            connector_name=data["connector_name"],
            stream_name=data["stream_name"],
            cursor=data.get("cursor"),
            cursor_type=data["cursor_type"],
            updated_at=data.get("updated_at"),
            last_run=None if (v := data.get("last_run")) is None else DeltaRun.from_dict(v),
            active_run_id=data.get("active_run_id"),
            active_run_ids=None if (v := data.get("active_run_ids")) is None else tuple(v),
        )


@attrs.frozen
class IngestionFile:
    """The API's ``IngestionFile``, read-only."""

    file_id: str
    sha256: str
    size: int
    # The name the file was first uploaded under.
    file_name: str
    content_type: str
    created_at: str
    # True when the tenant already had these bytes; nothing new was stored.
    deduplicated: bool | None = None
    idempotent: bool | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Build from the response JSON (already the spec's shape; not validated again)."""
        return cls(
            file_id=data["file_id"],
            sha256=data["sha256"],
            size=data["size"],
            file_name=data["file_name"],
            content_type=data["content_type"],
            created_at=data["created_at"],
            deduplicated=data.get("deduplicated"),
            idempotent=data.get("idempotent"),
        )


@attrs.frozen
class IntegrationResultOutcome:
    """What reporting one item of a batch did."""

    invoice_token: str
    lease_id: str
    outcome: IntegrationResultOutcomeName
    # The invoice's status after this item (absent when there is no such invoice).
    status: int | None = None
    status_name: InvoiceStatusName | None = None
    lease_expires_at: str | None = None
    problem: ProblemDetails | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Build from the response JSON (already the spec's shape; not validated again)."""
        return cls(
            invoice_token=data["invoice_token"],
            lease_id=data["lease_id"],
            outcome=data["outcome"],
            status=data.get("status"),
            status_name=data.get("status_name"),
            lease_expires_at=data.get("lease_expires_at"),
            problem=None if (v := data.get("problem")) is None else ProblemDetails.from_dict(v),
        )


@attrs.frozen
class InvoiceImport:
    """The API's ``InvoiceImport``, read-only."""

    import_id: str
    source_key: str
    invoice_token: str
    status: InvoiceImportStatus
    # The invoice's status number now.
    invoice_status: int
    invoice_status_name: InvoiceStatusName
    # Hex sha256 of the submitted content; a resubmission must match it.
    content_sha256: str
    created_at: str
    # True when this answer is the earlier import of the same source_key and content.
    idempotent: bool
    intake_completed_at: str | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Build from the response JSON (already the spec's shape; not validated again)."""
        return cls(
            import_id=data["import_id"],
            source_key=data["source_key"],
            invoice_token=data["invoice_token"],
            status=data["status"],
            invoice_status=data["invoice_status"],
            invoice_status_name=data["invoice_status_name"],
            content_sha256=data["content_sha256"],
            created_at=data["created_at"],
            intake_completed_at=data.get("intake_completed_at"),
            idempotent=data["idempotent"],
        )


@attrs.frozen
class InvoiceLineRecord:
    """The API's ``InvoiceLine``, read-only."""

    line_number: int
    # Keyed by the customer's line template keys.
    fields: Mapping[str, Any]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Build from the response JSON (already the spec's shape; not validated again)."""
        return cls(
            line_number=data["line_number"],
            fields=data["fields"],
        )


@attrs.frozen
class InvoiceRecord:
    """The API's ``Invoice``, read-only."""

    invoice_token: str
    invoice_id: int
    status: int
    status_name: InvoiceStatusName
    # Keyed by the customer's invoice template keys (invoiceNumber, grossAmount, ...).
    fields: Mapping[str, Any]
    addresses: tuple[Address, ...]
    lines: tuple[InvoiceLineRecord, ...]
    attachments: tuple[AttachmentRecord, ...]
    created_at: str
    updated_at: str
    invoice_number: str | None = None
    supplier_code: str | None = None
    supplier_location_code: str | None = None
    erp_company_code: str | None = None
    ext_reference_1: str | None = None
    ext_reference_2: str | None = None
    ext_reference_3: str | None = None
    ext_reference_4: str | None = None
    ext_reference_5: str | None = None
    lease_expires_at: str | None = None
    failure_code: str | None = None
    failure_message: str | None = None
    external_id_1: str | None = None
    external_id_2: str | None = None
    external_id_3: str | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Build from the response JSON (already the spec's shape; not validated again)."""
        return cls(
            invoice_token=data["invoice_token"],
            invoice_id=data["invoice_id"],
            status=data["status"],
            status_name=data["status_name"],
            invoice_number=data.get("invoice_number"),
            supplier_code=data.get("supplier_code"),
            supplier_location_code=data.get("supplier_location_code"),
            erp_company_code=data.get("erp_company_code"),
            ext_reference_1=data.get("ext_reference_1"),
            ext_reference_2=data.get("ext_reference_2"),
            ext_reference_3=data.get("ext_reference_3"),
            ext_reference_4=data.get("ext_reference_4"),
            ext_reference_5=data.get("ext_reference_5"),
            fields=data["fields"],
            addresses=tuple(Address.from_dict(item) for item in data["addresses"]),
            lines=tuple(InvoiceLineRecord.from_dict(item) for item in data["lines"]),
            attachments=tuple(AttachmentRecord.from_dict(item) for item in data["attachments"]),
            lease_expires_at=data.get("lease_expires_at"),
            failure_code=data.get("failure_code"),
            failure_message=data.get("failure_message"),
            external_id_1=data.get("external_id_1"),
            external_id_2=data.get("external_id_2"),
            external_id_3=data.get("external_id_3"),
            created_at=data["created_at"],
            updated_at=data["updated_at"],
        )


@attrs.frozen
class InvoiceStatusResponse:
    """The API's ``InvoiceStatusResponse``, read-only."""

    invoice_token: str
    status: int
    status_name: InvoiceStatusName
    idempotent: bool
    lease_expires_at: str | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Build from the response JSON (already the spec's shape; not validated again)."""
        return cls(
            invoice_token=data["invoice_token"],
            status=data["status"],
            status_name=data["status_name"],
            lease_expires_at=data.get("lease_expires_at"),
            idempotent=data["idempotent"],
        )


@attrs.frozen
class Lease:
    """A lease on one invoice; `invoice` is there when the claim asked for `include` [invoice]."""

    invoice_token: str
    lease_id: str
    # The invoice's status under this lease (92, or 93 for PendingResult).
    status: int
    lease_expires_at: str
    # The status the invoice was claimed from (90, 91 or 93).
    previous_status: int | None = None
    invoice_number: str | None = None
    idempotent: bool | None = None
    invoice: InvoiceRecord | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Build from the response JSON (already the spec's shape; not validated again)."""
        return cls(
            invoice_token=data["invoice_token"],
            lease_id=data["lease_id"],
            status=data["status"],
            previous_status=data.get("previous_status"),
            lease_expires_at=data["lease_expires_at"],
            invoice_number=data.get("invoice_number"),
            idempotent=data.get("idempotent"),
            invoice=None if (v := data.get("invoice")) is None else InvoiceRecord.from_dict(v),
        )


@attrs.frozen
class LifecycleMessage:
    """The API's ``LifecycleMessage``, read-only."""

    id: int
    # The integer invoice id from the delta endpoint, the invoice token from the per-invoice endpoint.
    invoice_id: int | str
    code: str
    source: Literal["NUNTIQ", "EXTERNAL_API", "MANUAL_USER"]
    actor_type: Literal["SYSTEM", "API_CLIENT", "USER"]
    occurred_at: str
    recorded_at: str
    invoice_token: str | None = None
    tier: int | None = None
    actor_id: str | None = None
    actor_display_name: str | None = None
    clarification_code: str | None = None
    note_internal: str | None = None
    note_supplier: str | None = None
    reference_type: str | None = None
    reference_value: str | None = None
    ext_reference_1: str | None = None
    ext_reference_2: str | None = None
    ext_reference_3: str | None = None
    ext_reference_4: str | None = None
    ext_reference_5: str | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Build from the response JSON (already the spec's shape; not validated again)."""
        return cls(
            id=data["id"],
            invoice_id=data["invoice_id"],
            invoice_token=data.get("invoice_token"),
            code=data["code"],
            tier=data.get("tier"),
            source=data["source"],
            actor_type=data["actor_type"],
            actor_id=data.get("actor_id"),
            actor_display_name=data.get("actor_display_name"),
            occurred_at=data["occurred_at"],
            recorded_at=data["recorded_at"],
            clarification_code=data.get("clarification_code"),
            note_internal=data.get("note_internal"),
            note_supplier=data.get("note_supplier"),
            reference_type=data.get("reference_type"),
            reference_value=data.get("reference_value"),
            ext_reference_1=data.get("ext_reference_1"),
            ext_reference_2=data.get("ext_reference_2"),
            ext_reference_3=data.get("ext_reference_3"),
            ext_reference_4=data.get("ext_reference_4"),
            ext_reference_5=data.get("ext_reference_5"),
        )


@attrs.frozen
class LifecycleMessageWriteResponse:
    """The API's ``LifecycleMessageWriteResponse``, read-only."""

    message: LifecycleMessage
    idempotent: bool

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Build from the response JSON (already the spec's shape; not validated again)."""
        return cls(
            message=LifecycleMessage.from_dict(data["message"]),
            idempotent=data["idempotent"],
        )


@attrs.frozen
class ProblemDetails:
    """RFC 9457 problem details with Nuntiq's machine code."""

    title: str
    status: int
    # The machine code, e.g. LIFECYCLE_TRANSITION_INVALID.
    code: str
    type: str | None = None
    detail: str | None = None
    instance: str | None = None
    request_id: str | None = None
    # One entry per invalid field, for VALIDATION_ERROR.
    errors: tuple[ProblemFieldError, ...] | None = None
    # For LIFECYCLE_TRANSITION_INVALID, the codes the invoice accepts next.
    valid_next_codes: tuple[str, ...] | None = None
    # For LIFECYCLE_TRANSITION_INVALID and TERMINAL_STATE, the invoice's latest code.
    current_code: str | None = None
    # For INVOICE_STATE_INVALID and INVOICE_NOT_READY, the invoice's status.
    current_status: int | None = None
    # For AMBIGUOUS_REFERENCE, how many invoices matched.
    match_count: int | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Build from the response JSON (already the spec's shape; not validated again)."""
        return cls(
            type=data.get("type"),
            title=data["title"],
            status=data["status"],
            detail=data.get("detail"),
            instance=data.get("instance"),
            code=data["code"],
            request_id=data.get("request_id"),
            errors=None
            if (v := data.get("errors")) is None
            else tuple(ProblemFieldError.from_dict(item) for item in v),
            valid_next_codes=None if (v := data.get("valid_next_codes")) is None else tuple(v),
            current_code=data.get("current_code"),
            current_status=data.get("current_status"),
            match_count=data.get("match_count"),
        )


@attrs.frozen
class ProblemFieldError:
    """The API's ``FieldError``, read-only."""

    field: str
    message: str

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Build from the response JSON (already the spec's shape; not validated again)."""
        return cls(
            field=data["field"],
            message=data["message"],
        )


@attrs.frozen
class UserRecord:
    """The API's ``User``, read-only."""

    email: str
    display_name: str | None = None
    kind: UserKind | None = None
    roles: tuple[UserRole, ...] | None = None
    active: bool | None = None
    # When the user was last active; null if never.
    last_activity_at: str | None = None
    created_at: str | None = None
    updated_at: str | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Build from the response JSON (already the spec's shape; not validated again)."""
        return cls(
            email=data["email"],
            display_name=data.get("display_name"),
            kind=data.get("kind"),
            roles=None if (v := data.get("roles")) is None else tuple(v),
            active=data.get("active"),
            last_activity_at=data.get("last_activity_at"),
            created_at=data.get("created_at"),
            updated_at=data.get("updated_at"),
        )
