"""InvoiceLoad: the consumer side of invoices - claim, read, acknowledge, report.

Invoices are produced by the platform, not by connectors, so this Load does
not follow the BaseLoad CRUD shape. The order is fixed by the API's state
machine: ``claim`` (90/91 -> 92 under a lease) -> ``get_by_token`` -> deliver
-> ``acknowledge`` (92 -> 93) -> ``integration_result`` (93 -> 100, or -> 97
on failure). Invoices left at 93 by a crash are finished with
``recover_pending_results()``.

The Load remembers the lease id of every invoice it claimed and sends it with
later calls, so a worker whose lease lapsed and was re-granted elsewhere gets
409 LEASE_MISMATCH instead of acting on another worker's invoice.

Example::

    inv_load = InvoiceLoad(context)
    for lease in inv_load.claim(state="PendingIntegration", limit=20, lease_ttl_seconds=600):
        invoice = inv_load.get_by_token(lease.invoice_token)
        ...  # deliver invoice.get_field("invoiceNumber"), invoice.lines, invoice.attachments
        inv_load.acknowledge(lease.invoice_token)
        inv_load.integration_result(lease.invoice_token, success=True, external_id_1="ERP-42")
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from generated_client.api.invoices import (
    acknowledge_invoice,
    claim_invoices,
    download_attachment,
    extend_invoice_lease,
    get_invoice,
    release_invoice_lease,
    report_integration_result,
)
from generated_client.models import (
    AcknowledgeRequest,
    Address,
    ClaimRequest,
    IntegrationResultRequest,
    InvoiceStatusResponse,
    Lease,
    LeaseExtendRequest,
    LeaseReleaseRequest,
)
from generated_client.models import Invoice as InvoiceModel
from generated_client.models import InvoiceLine as InvoiceLineModel
from generated_client.types import UNSET
from nuntiq_sdk._exceptions import APIResponseError, FieldProblem, ValidationError
from nuntiq_sdk._http import call
from nuntiq_sdk._validation import RequestSchema, check_parameter

if TYPE_CHECKING:
    from nuntiq_sdk._context import JobContext

__all__ = ["Attachment", "Invoice", "InvoiceLine", "InvoiceLoad", "Lease"]

PENDING_INTEGRATION = "PendingIntegration"
PENDING_RESULT = "PendingResult"


# The file system's 255-byte limit, less the temporary name's ``.<name>.<8 random>.part``.
MAX_LOCAL_NAME_BYTES = 240


def _local_file_name(name: object, field: str = "name") -> str:
    """Accept only a plain file name: no directories, no traversal, no device tricks, no control characters."""
    if not isinstance(name, str) or not name or name in {".", ".."}:
        raise ValidationError([FieldProblem(field, name, "must be a plain, non-empty file name")])
    if "/" in name or "\\" in name or "\x00" in name or Path(name).name != name or Path(name).is_absolute():
        raise ValidationError(
            [FieldProblem(field, name, "must be a plain file name without directories or path separators")]
        )
    if not name.isprintable():
        raise ValidationError([FieldProblem(field, name, "must not contain control characters (ESC, newline, ...)")])
    size = len(name.encode("utf-8", errors="surrogatepass"))
    if size > MAX_LOCAL_NAME_BYTES:
        raise ValidationError(
            [
                FieldProblem(
                    field, name, f"is {size} bytes long; a local file name may have at most {MAX_LOCAL_NAME_BYTES}"
                )
            ]
        )
    return name


@attrs.frozen
class Attachment:
    """A file attached to an invoice; ``save()`` downloads it into the job's work_dir."""

    attachment_id: str
    file_name: str
    content_type: str
    size: int
    sha256: str
    _load: InvoiceLoad = attrs.field(repr=False, eq=False)
    _invoice_token: str = attrs.field(repr=False)

    def read(self) -> bytes:
        """The attachment's bytes, checked against its size and sha256."""
        return self._load.download_attachment(self._invoice_token, self.attachment_id, self.sha256, self.size)

    def save(self, name: str | None = None) -> Path:
        """Write the attachment to ``work_dir/name`` (default: its file name) and return the path.

        The file appears complete or not at all (written to a temporary name,
        then renamed), and only after its checksum matched.
        """
        if name is None:  # the server's name: say so, pass another name to save(name) instead
            target_name = _local_file_name(self.file_name, "file_name (from the server; pass save(name=...))")
        else:
            target_name = _local_file_name(name)
        work_dir = Path(self._load.context.work_dir)
        work_dir.mkdir(parents=True, exist_ok=True)
        content = self.read()
        fd, tmp = tempfile.mkstemp(dir=work_dir, prefix=f".{target_name}.", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            target = work_dir / target_name
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return target


@attrs.frozen
class InvoiceLine:
    line_number: int
    fields: Mapping[str, Any]

    def get_field(self, key: str, default: Any = None) -> Any:
        return self.fields.get(key, default)


class Invoice:
    """One invoice as the API returns it, with template-field helpers.

    Every attribute of the API's Invoice (``invoice_number``, ``supplier_code``,
    ``ext_reference_1``, ...) is readable here; ``model`` is the typed
    generated object.
    """

    __slots__ = ("_attachments", "_fields", "_lines", "model")

    def __init__(self, model: InvoiceModel, load: InvoiceLoad) -> None:
        self.model = model
        self._fields: dict[str, Any] = dict(model.fields.additional_properties)
        self._lines = [_line(line) for line in model.lines]
        self._attachments = [
            Attachment(
                attachment_id=a.attachment_id,
                file_name=a.file_name,
                content_type=a.content_type,
                size=a.size,
                sha256=a.sha256,
                load=load,
                invoice_token=model.invoice_token,
            )
            for a in model.attachments
        ]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.model, name)

    @property
    def invoice_token(self) -> str:
        return self.model.invoice_token

    @property
    def status(self) -> int:
        return self.model.status

    @property
    def fields(self) -> Mapping[str, Any]:
        """Template fields keyed by the customer's template keys (``invoiceNumber``, ...)."""
        return self._fields

    @property
    def lines(self) -> list[InvoiceLine]:
        return self._lines

    @property
    def attachments(self) -> list[Attachment]:
        return self._attachments

    @property
    def addresses(self) -> list[Address]:
        return list(self.model.addresses)

    def get_field(self, key: str, default: Any = None) -> Any:
        return self._fields.get(key, default)

    def get_address(self, role: str) -> Address | None:
        """The first address with this role (``vendor``, ``buyer``, ``remit_to``, ...), or None."""
        return next((a for a in self.model.addresses if a.role == role), None)

    def __repr__(self) -> str:
        number = self.model.invoice_number
        return f"Invoice(invoice_token={self.invoice_token!r}, status={self.status}, invoice_number={number!r})"


def _line(model: InvoiceLineModel) -> InvoiceLine:
    return InvoiceLine(line_number=model.line_number, fields=dict(model.fields.additional_properties))


class InvoiceLoad:
    """Claim, read, acknowledge and report invoices for the context's tenant."""

    def __init__(self, context: JobContext) -> None:
        self.context = context
        self._lease_ids: dict[str, str] = {}

    def _lease_id(self, invoice_token: str) -> str | Any:
        return self._lease_ids.get(invoice_token, UNSET)

    def _check_token(self, operation_id: str, invoice_token: object) -> None:
        problem = check_parameter(operation_id, "invoice_token", invoice_token)
        if problem:
            raise ValidationError([problem])

    def claim(
        self,
        state: str = PENDING_INTEGRATION,
        limit: int = 20,
        lease_ttl_seconds: int = 600,
        idempotency_key: str | None = None,
    ) -> list[Lease]:
        """Lease up to ``limit`` invoices in ``state``, oldest first; [] when none wait."""
        values = {"state": state, "limit": limit, "lease_ttl_seconds": lease_ttl_seconds}
        RequestSchema.of("ClaimRequest").check(values)
        response = call(
            claim_invoices.sync_detailed,
            client=self.context.api,
            body=ClaimRequest.from_dict(values),
            idempotency_key=idempotency_key or UNSET,
        )
        for lease in response.leases:
            self._lease_ids[lease.invoice_token] = lease.lease_id
        return list(response.leases)

    def recover_pending_results(self, limit: int = 20, lease_ttl_seconds: int = 600) -> list[Lease]:
        """Lease invoices a crashed run left at 93 (acknowledged, no result) so they can be finished."""
        return self.claim(state=PENDING_RESULT, limit=limit, lease_ttl_seconds=lease_ttl_seconds)

    def get_by_token(self, invoice_token: str) -> Invoice:
        self._check_token("getInvoice", invoice_token)
        return Invoice(call(get_invoice.sync_detailed, invoice_token, client=self.context.api), self)

    def acknowledge(self, invoice_token: str, idempotency_key: str | None = None) -> InvoiceStatusResponse:
        """Take responsibility for a leased invoice (92 -> 93)."""
        self._check_token("acknowledgeInvoice", invoice_token)
        return call(
            acknowledge_invoice.sync_detailed,
            invoice_token,
            client=self.context.api,
            body=AcknowledgeRequest(lease_id=self._lease_id(invoice_token)),
            idempotency_key=idempotency_key or UNSET,
        )

    def integration_result(
        self,
        invoice_token: str,
        success: bool,
        *,
        external_id_1: str | None = None,
        external_id_2: str | None = None,
        external_id_3: str | None = None,
        external_message_1: str | None = None,
        external_message_2: str | None = None,
        external_message_3: str | None = None,
        failure_code: str | None = None,
        failure_message: str | None = None,
        idempotency_key: str | None = None,
    ) -> InvoiceStatusResponse:
        """Report the outcome: success 93 -> 100 (idempotent), failure 92/93 -> 97 with a failure_code."""
        given = {
            "success": success,
            "external_id_1": external_id_1,
            "external_id_2": external_id_2,
            "external_id_3": external_id_3,
            "external_message_1": external_message_1,
            "external_message_2": external_message_2,
            "external_message_3": external_message_3,
            "failure_code": failure_code,
            "failure_message": failure_message,
        }
        values: dict[str, Any] = {key: value for key, value in given.items() if value is not None}
        problems: list[FieldProblem] = []
        problem = check_parameter("reportIntegrationResult", "invoice_token", invoice_token)
        if problem:
            problems.append(problem)
        if success is False and not failure_code:
            problems.append(FieldProblem("failure_code", failure_code, "is required when success is False"))
        RequestSchema.of("IntegrationResultRequest").check(values, extra=problems)
        lease_id = self._lease_id(invoice_token)
        if isinstance(lease_id, str):
            values["lease_id"] = lease_id
        response = call(
            report_integration_result.sync_detailed,
            invoice_token,
            client=self.context.api,
            body=IntegrationResultRequest.from_dict(values),
            idempotency_key=idempotency_key or UNSET,
        )
        self._lease_ids.pop(invoice_token, None)
        return response

    def extend_lease(self, invoice_token: str, lease_ttl_seconds: int = 600) -> Lease:
        """Keep a long delivery's lease alive: expiry becomes now + lease_ttl_seconds."""
        self._check_token("extendInvoiceLease", invoice_token)
        values: dict[str, Any] = {"lease_ttl_seconds": lease_ttl_seconds}
        RequestSchema.of("LeaseExtendRequest").check(values)
        lease_id = self._lease_id(invoice_token)
        if isinstance(lease_id, str):
            values["lease_id"] = lease_id
        return call(
            extend_invoice_lease.sync_detailed,
            invoice_token,
            client=self.context.api,
            body=LeaseExtendRequest.from_dict(values),
        )

    def release(self, invoice_token: str) -> InvoiceStatusResponse:
        """Give a claimed invoice back untouched (92 -> 90/91), e.g. on shutdown."""
        self._check_token("releaseInvoiceLease", invoice_token)
        response = call(
            release_invoice_lease.sync_detailed,
            invoice_token,
            client=self.context.api,
            body=LeaseReleaseRequest(lease_id=self._lease_id(invoice_token)),
        )
        self._lease_ids.pop(invoice_token, None)
        return response

    def download_attachment(
        self,
        invoice_token: str,
        attachment_id: str,
        expected_sha256: str | None = None,
        expected_size: int | None = None,
    ) -> bytes:
        """An attachment's bytes; a size or checksum mismatch raises instead of returning bad data."""
        self._check_token("downloadAttachment", invoice_token)
        content = call(
            download_attachment.sync_detailed, invoice_token, attachment_id, client=self.context.api
        ).payload.read()
        where = f"attachment {attachment_id!r} of invoice {invoice_token!r}"
        if expected_size is not None and len(content) != expected_size:
            raise APIResponseError(f"{where}: got {len(content)} bytes, expected {expected_size}")
        digest = hashlib.sha256(content).hexdigest()
        if expected_sha256 is not None and digest != expected_sha256:
            raise APIResponseError(f"{where}: sha256 {digest} does not match {expected_sha256}")
        return content
