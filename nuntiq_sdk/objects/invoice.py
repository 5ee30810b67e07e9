"""InvoiceLoad: the consumer side of invoices - claim, read, acknowledge, report.

Invoices are produced by the platform, not by connectors, so this Load does
not follow the BaseLoad CRUD shape. The order is fixed by the API's state
machine: ``claim`` (90/91 -> 92 under a lease) -> ``get_by_token`` -> deliver
-> ``acknowledge`` (92 -> 93) -> ``integration_result`` (93 -> 100, or -> 97
on failure). Invoices left at 93 by a crash are finished with
``recover_pending_results()``.

Leases are values: ``claim()`` returns ``Lease`` objects carrying their lease
id, and ``acknowledge``, ``integration_result``, ``extend_lease`` and
``release_lease`` take one and always send its id, so a worker whose lease
lapsed and was re-granted elsewhere gets 409 LEASE_MISMATCH instead of acting
on another worker's invoice - from any Load instance, in any process that kept
the Lease. The docs' token-only calls still work: the Load looks the token up
among the leases it claimed, and refuses (naming the token) a lease call for a
token it holds no lease on.

``keep_alive(leases)`` extends a batch's leases from a background thread while
the batch is worked, so a slow delivery does not lose them; a lease it could
not extend is reported lost, and its invoice must not be delivered.

A batch costs three requests instead of three per invoice:
``claim(..., with_invoices=True)`` returns ``LeasedInvoice`` leases that carry
their ``Invoice`` (no ``get_by_token`` per invoice), ``acknowledge_all(leases)``
acknowledges them in one request and ``report_results([IntegrationResult(...)])``
reports them in one; each gives one typed outcome per lease, in order, a lease
refused (e.g. its lease expired) not stopping the others.

Example::

    inv_load = InvoiceLoad(context)
    leases = inv_load.claim(state="PendingIntegration", limit=20, lease_ttl_seconds=600)
    with inv_load.keep_alive(leases, lease_ttl_seconds=600) as keeper:
        for lease in leases:
            if keeper.is_lost(lease):
                continue  # another worker may hold it now
            invoice = inv_load.get_by_token(lease.invoice_token)
            ...  # deliver invoice.get_field("invoiceNumber"), invoice.lines, invoice.attachments
            inv_load.acknowledge(lease)
            inv_load.integration_result(lease, success=True, external_id_1="ERP-42")

    leases = inv_load.claim(limit=20, with_invoices=True)  # the batch form
    ...  # deliver lease.invoice for each lease
    acked = [o for o in inv_load.acknowledge_all(leases) if o.outcome != "refused"]
    inv_load.report_results([IntegrationResult(o.invoice_token, success=True) for o in acked])
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, overload

import attrs

from generated_client.api.invoices import (
    acknowledge_invoice,
    acknowledge_invoices,
    claim_invoices,
    download_attachment,
    extend_invoice_lease,
    get_invoice,
    release_invoice_lease,
    report_integration_result,
    report_integration_results,
)
from generated_client.models import (
    AcknowledgeBatchRequest,
    AcknowledgeRequest,
    ClaimRequest,
    IntegrationResultBatchRequest,
    IntegrationResultRequest,
    LeaseExtendRequest,
    LeaseReleaseRequest,
)
from generated_client.types import UNSET
from nuntiq_sdk._exceptions import (
    APIResponseError,
    ConflictError,
    FieldProblem,
    NotFoundError,
    NuntiqError,
    ValidationError,
)
from nuntiq_sdk._generated.views import (
    AcknowledgeOutcome,
    Address,
    AttachmentRecord,
    IntegrationResultOutcome,
    InvoiceLineRecord,
    InvoiceRecord,
    InvoiceStatusResponse,
    Lease,
)
from nuntiq_sdk._http import build_view, call_json, call_view, send_raw
from nuntiq_sdk._validation import RequestSchema, check_parameter

if TYPE_CHECKING:
    from nuntiq_sdk._context import JobContext

__all__ = [
    "AcknowledgeOutcome",
    "Attachment",
    "IntegrationResult",
    "IntegrationResultOutcome",
    "Invoice",
    "InvoiceLine",
    "InvoiceLoad",
    "Lease",
    "LeaseKeeper",
    "LeasedInvoice",
]

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
class Attachment(AttachmentRecord):
    """A file attached to an invoice (the spec's fields); ``save()`` downloads it into the job's work_dir."""

    _load: InvoiceLoad = attrs.field(kw_only=True, repr=False, eq=False)
    _invoice_token: str = attrs.field(kw_only=True, repr=False)

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
class InvoiceLine(InvoiceLineRecord):
    """One invoice line (the spec's fields) with the template-field helper."""

    def get_field(self, key: str, default: Any = None) -> Any:
        return self.fields.get(key, default)


@attrs.frozen(repr=False)
class Invoice(InvoiceRecord):
    """One invoice as the API returns it: the spec's ``Invoice`` fields, typed, with template-field helpers.

    ``lines`` and ``attachments`` are the SDK's ``InvoiceLine`` (``get_field``)
    and ``Attachment`` (``read``, ``save``).
    """

    lines: tuple[InvoiceLine, ...] = attrs.field(kw_only=True)
    attachments: tuple[Attachment, ...] = attrs.field(kw_only=True)

    @classmethod
    def _from_response(cls, data: Mapping[str, Any], load: InvoiceLoad) -> Invoice:
        """The invoice of a ``getInvoice`` response, its attachments bound to ``load`` for download."""
        record = InvoiceRecord.from_dict(data)
        values = {field.name: getattr(record, field.name) for field in attrs.fields(InvoiceRecord)}
        values["lines"] = tuple(InvoiceLine(line_number=line.line_number, fields=line.fields) for line in record.lines)
        values["attachments"] = tuple(
            Attachment(
                attachment_id=a.attachment_id,
                file_name=a.file_name,
                content_type=a.content_type,
                size=a.size,
                sha256=a.sha256,
                load=load,
                invoice_token=record.invoice_token,
            )
            for a in record.attachments
        )
        return cls(**values)

    def get_field(self, key: str, default: Any = None) -> Any:
        """A template field (``invoiceNumber``, ``grossAmount``, ...), or ``default``."""
        return self.fields.get(key, default)

    def get_address(self, role: str) -> Address | None:
        """The first address with this role (``vendor``, ``buyer``, ``remit_to``, ...), or None."""
        return next((a for a in self.addresses if a.role == role), None)

    def __repr__(self) -> str:
        number = self.invoice_number
        return f"Invoice(invoice_token={self.invoice_token!r}, status={self.status}, invoice_number={number!r})"


@attrs.frozen(repr=False)
class LeasedInvoice(Lease):
    """A lease from ``claim(..., with_invoices=True)``: the lease's fields, and ``invoice``, the invoice itself
    as ``get_by_token`` returns it (status 92 under this lease, attachments readable). Anything that takes a
    ``Lease`` takes it."""

    invoice: Invoice = attrs.field(kw_only=True)

    @classmethod
    def _from_response(cls, data: Mapping[str, Any], load: InvoiceLoad) -> LeasedInvoice:
        """A lease of a ``ClaimResponse`` with its embedded invoice, parsed once and bound to ``load``."""
        lease = Lease.from_dict({key: value for key, value in data.items() if key != "invoice"})
        values = {field.name: getattr(lease, field.name) for field in attrs.fields(Lease) if field.name != "invoice"}
        return cls(**values, invoice=Invoice._from_response(data["invoice"], load))

    def __repr__(self) -> str:
        return (
            f"LeasedInvoice(invoice_token={self.invoice_token!r}, lease_id={self.lease_id!r}, invoice={self.invoice!r})"
        )


@attrs.frozen
class IntegrationResult:
    """One item of ``InvoiceLoad.report_results``: what ``integration_result`` takes for one invoice.

    ``lease`` is the ``Lease`` the invoice was delivered under (or its token, when this Load claimed it); its lease id
    fences the report. ``success=False`` needs a ``failure_code``.
    """

    lease: Lease | str
    success: bool
    external_id_1: str | None = attrs.field(default=None, kw_only=True)
    external_id_2: str | None = attrs.field(default=None, kw_only=True)
    external_id_3: str | None = attrs.field(default=None, kw_only=True)
    external_message_1: str | None = attrs.field(default=None, kw_only=True)
    external_message_2: str | None = attrs.field(default=None, kw_only=True)
    external_message_3: str | None = attrs.field(default=None, kw_only=True)
    failure_code: str | None = attrs.field(default=None, kw_only=True)
    failure_message: str | None = attrs.field(default=None, kw_only=True)

    def _body(self) -> dict[str, Any]:
        """The request fields that are set (``lease`` aside)."""
        return {
            field.name: value
            for field in attrs.fields(IntegrationResult)
            if field.name != "lease" and (value := getattr(self, field.name)) is not None
        }


def _leases(response: Mapping[str, Any]) -> list[Lease]:
    """The leases of a ``ClaimResponse``."""
    return [Lease.from_dict(item) for item in response["leases"]]


def _batch_limit(component: str) -> int:
    """The most items one batch request takes, as the spec says (``maxItems`` of its ``items``)."""
    return int(RequestSchema.of(component).properties["items"]["maxItems"])


class InvoiceLoad:
    """Claim, read, acknowledge and report invoices for the context's tenant."""

    def __init__(self, context: JobContext) -> None:
        self.context = context
        self._leases: dict[str, Lease] = {}  # by invoice token: the leases this Load claimed and still holds

    def _check_token(self, operation_id: str, invoice_token: object) -> None:
        problem = check_parameter(operation_id, "invoice_token", invoice_token)
        if problem:
            raise ValidationError([problem])

    def _target(self, operation_id: str, lease: Lease | str, *, required: bool) -> tuple[str, str | None]:
        """The token and lease id to send: the Lease's own, or the one this Load holds for a bare token.

        With ``required``, a bare token this Load holds no lease on is refused
        here, naming it, rather than sent without a lease id (which would not
        fence against another worker).
        """
        if isinstance(lease, Lease):
            self._check_token(operation_id, lease.invoice_token)
            return lease.invoice_token, lease.lease_id
        self._check_token(operation_id, lease)
        held = self._leases.get(lease)
        if held is None and required:
            raise ValidationError(
                [
                    FieldProblem(
                        "lease",
                        lease,
                        "is an invoice token this InvoiceLoad holds no lease on (claimed by another Load or"
                        " process, already reported, or released); pass the Lease that claim() returned",
                    )
                ]
            )
        return lease, None if held is None else held.lease_id

    def _forget(self, invoice_token: str, lease_id: str | None) -> None:
        held = self._leases.get(invoice_token)
        if held is not None and (lease_id is None or held.lease_id == lease_id):
            self._leases.pop(invoice_token, None)

    def held_lease(self, invoice_token: str) -> Lease | None:
        """The lease this Load holds on an invoice (latest expiry known), or None."""
        return self._leases.get(invoice_token)

    @overload
    def claim(
        self,
        state: str = ...,
        limit: int = ...,
        lease_ttl_seconds: int = ...,
        idempotency_key: str | None = ...,
        *,
        with_invoices: Literal[False] = ...,
    ) -> list[Lease]: ...

    @overload
    def claim(
        self,
        state: str = ...,
        limit: int = ...,
        lease_ttl_seconds: int = ...,
        idempotency_key: str | None = ...,
        *,
        with_invoices: Literal[True],
    ) -> list[LeasedInvoice]: ...

    @overload
    def claim(
        self,
        state: str = ...,
        limit: int = ...,
        lease_ttl_seconds: int = ...,
        idempotency_key: str | None = ...,
        *,
        with_invoices: bool,
    ) -> list[Lease]: ...

    def claim(
        self,
        state: str = PENDING_INTEGRATION,
        limit: int = 20,
        lease_ttl_seconds: int = 600,
        idempotency_key: str | None = None,
        *,
        with_invoices: bool = False,
    ) -> list[Lease] | list[LeasedInvoice]:
        """Lease up to ``limit`` invoices in ``state``, oldest first; [] when none wait.

        ``with_invoices=True`` returns ``LeasedInvoice`` leases carrying their ``Invoice`` (one request for the
        batch instead of a ``get_by_token`` per invoice; the token needs INVOICE_READ too).
        """
        values: dict[str, Any] = {"state": state, "limit": limit, "lease_ttl_seconds": lease_ttl_seconds}
        extra = []
        flag: object = with_invoices  # typed bool, but a caller's 1 or "yes" must not pass for True
        if not isinstance(flag, bool):
            extra.append(FieldProblem("with_invoices", flag, "must be True or False"))
        elif flag:
            values["include"] = ["invoice"]
        RequestSchema.of("ClaimRequest").check(values, extra=extra)
        response = call_json(
            claim_invoices.sync_raw,
            client=self.context.api,
            body=ClaimRequest.from_dict(values),
            idempotency_key=idempotency_key or UNSET,
        )
        leases: list[Lease] | list[LeasedInvoice]
        if with_invoices:
            leases = build_view(
                lambda data: [LeasedInvoice._from_response(item, self) for item in data["leases"]],
                response,
                "ClaimResponse with invoices",
            )
        else:
            leases = build_view(_leases, response, "ClaimResponse")
        for lease in leases:
            self._leases[lease.invoice_token] = lease
        return leases

    def recover_pending_results(self, limit: int = 20, lease_ttl_seconds: int = 600) -> list[Lease]:
        """Lease invoices a crashed run left at 93 (acknowledged, no result) so they can be finished."""
        return self.claim(state=PENDING_RESULT, limit=limit, lease_ttl_seconds=lease_ttl_seconds)

    def get_by_token(self, invoice_token: str) -> Invoice:
        self._check_token("getInvoice", invoice_token)
        data = call_json(get_invoice.sync_raw, invoice_token, client=self.context.api)
        return build_view(lambda d: Invoice._from_response(d, self), data, "Invoice")

    def acknowledge(self, lease: Lease | str, idempotency_key: str | None = None) -> InvoiceStatusResponse:
        """Take responsibility for a leased invoice (92 -> 93); the lease's id fences it."""
        token, lease_id = self._target("acknowledgeInvoice", lease, required=True)
        return call_view(
            InvoiceStatusResponse.from_dict,
            acknowledge_invoice.sync_raw,
            token,
            client=self.context.api,
            body=AcknowledgeRequest(lease_id=lease_id or UNSET),
            idempotency_key=idempotency_key or UNSET,
        )

    def integration_result(
        self,
        lease: Lease | str,
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
        """Report the outcome: success 93 -> 100 (idempotent), failure 92/93 -> 97 with a failure_code.

        A bare token this Load holds no lease on is still reported (without a
        lease id): the docs' recovery re-reports an invoice a crash left at 93.
        """
        values = IntegrationResult(
            lease,
            success,
            external_id_1=external_id_1,
            external_id_2=external_id_2,
            external_id_3=external_id_3,
            external_message_1=external_message_1,
            external_message_2=external_message_2,
            external_message_3=external_message_3,
            failure_code=failure_code,
            failure_message=failure_message,
        )._body()
        problems: list[FieldProblem] = []
        token_value = lease.invoice_token if isinstance(lease, Lease) else lease
        problem = check_parameter("reportIntegrationResult", "invoice_token", token_value)
        if problem:
            problems.append(problem)
        if success is False and not failure_code:
            problems.append(FieldProblem("failure_code", failure_code, "is required when success is False"))
        RequestSchema.of("IntegrationResultRequest").check(values, extra=problems)
        token, lease_id = self._target("reportIntegrationResult", lease, required=False)
        if lease_id is not None:
            values["lease_id"] = lease_id
        response = call_view(
            InvoiceStatusResponse.from_dict,
            report_integration_result.sync_raw,
            token,
            client=self.context.api,
            body=IntegrationResultRequest.from_dict(values),
            idempotency_key=idempotency_key or UNSET,
        )
        self._forget(token, lease_id)
        return response

    def _lease_refs(
        self, leases: Sequence[Lease | str], names: Sequence[str]
    ) -> tuple[list[dict[str, str]], list[FieldProblem]]:
        """``{invoice_token, lease_id}`` per lease, and a problem (the lease's name) per lease that cannot be sent.

        Every item of a batch is fenced by its lease id, so a bare token is taken only when this Load holds its
        lease; an invoice named twice is refused (its second outcome would only repeat or contradict the first).
        """
        refs: list[dict[str, str]] = []
        problems: list[FieldProblem] = []
        first: dict[str, int] = {}
        given: Sequence[object] = leases  # typed, but a caller's untyped code may pass anything
        for index, (lease, name) in enumerate(zip(given, names, strict=True)):
            if isinstance(lease, Lease):
                token, lease_id = lease.invoice_token, lease.lease_id
            elif isinstance(lease, str) and lease in self._leases:
                token, lease_id = lease, self._leases[lease].lease_id
            elif isinstance(lease, str):
                message = "is an invoice token this InvoiceLoad holds no lease on; pass the Lease claim() returned"
                problems.append(FieldProblem(name, lease, message))
                continue
            else:
                problems.append(FieldProblem(name, lease, "must be a Lease (or the token of one this Load claimed)"))
                continue
            for problem in RequestSchema.of("LeaseRef").problems({"invoice_token": token, "lease_id": lease_id}):
                problems.append(FieldProblem(f"{name}.{problem.field}", problem.value, problem.message))
            if token in first:
                message = f"names the same invoice as {names[first[token]]}"
                problems.append(FieldProblem(f"{name}.invoice_token", token, message))
            first.setdefault(token, index)
            refs.append({"invoice_token": token, "lease_id": lease_id})
        return refs, problems

    def _check_batch_size(self, field: str, count: int, component: str) -> list[FieldProblem]:
        limit = _batch_limit(component)
        if count <= limit:
            return []
        return [FieldProblem(field, f"{count} items", f"is too many for one request: at most {limit}")]

    def acknowledge_all(
        self, leases: Iterable[Lease | str], idempotency_key: str | None = None
    ) -> list[AcknowledgeOutcome]:
        """Acknowledge many leased invoices in one request (92 -> 93 each), each fenced by its lease id.

        One outcome per lease, in order: ``acknowledged``, ``already`` (at 93 under this lease) or ``refused``
        with ``problem`` (``LEASE_EXPIRED``, ``LEASE_MISMATCH``, ... as ``acknowledge`` would raise); a refused
        lease does not stop the others. No leases, no request. At most 500 leases (the largest claim).
        """
        given = list(leases)
        refs, problems = self._lease_refs(given, [f"leases[{index}]" for index in range(len(given))])
        problems += self._check_batch_size("leases", len(given), "AcknowledgeBatchRequest")
        if problems:
            raise ValidationError(problems)
        if not refs:
            return []
        return call_view(
            lambda data: [AcknowledgeOutcome.from_dict(item) for item in data["results"]],
            acknowledge_invoices.sync_raw,
            client=self.context.api,
            body=AcknowledgeBatchRequest.from_dict({"items": refs}),
            idempotency_key=idempotency_key or UNSET,
        )

    def report_results(
        self, results: Iterable[IntegrationResult], idempotency_key: str | None = None
    ) -> list[IntegrationResultOutcome]:
        """Report many invoices' outcomes in one request, each fenced by its lease id.

        One outcome per result, in order: ``reported`` (success 93 -> 100, failure 92/93 -> 97), ``already``
        (success on an invoice already at 100) or ``refused`` with ``problem`` (as ``integration_result`` would
        raise); a refused result does not stop the others. Every result is checked before anything is sent
        (a failure needs its ``failure_code``). No results, no request. At most 500 results.
        """
        given: list[object] = list(results)  # typed, but a caller's untyped code may pass anything
        problems: list[FieldProblem] = []
        leases: list[Lease | str] = []
        names: list[str] = []
        bodies: list[dict[str, Any]] = []
        for index, result in enumerate(given):
            if not isinstance(result, IntegrationResult):
                problems.append(FieldProblem(f"results[{index}]", result, "must be an IntegrationResult"))
                continue
            body = result._body()
            if result.success is False and not result.failure_code:
                message = "is required when success is False"
                problems.append(FieldProblem(f"results[{index}].failure_code", result.failure_code, message))
            for problem in RequestSchema.of("IntegrationResultRequest").problems(body):
                problems.append(FieldProblem(f"results[{index}].{problem.field}", problem.value, problem.message))
            leases.append(result.lease)
            names.append(f"results[{index}].lease")
            bodies.append(body)
        refs, lease_problems = self._lease_refs(leases, names)
        problems += lease_problems
        problems += self._check_batch_size("results", len(given), "IntegrationResultBatchRequest")
        if problems:
            raise ValidationError(problems)
        if not refs:
            return []
        items = [{**ref, **body} for ref, body in zip(refs, bodies, strict=True)]
        outcomes = call_view(
            lambda data: [IntegrationResultOutcome.from_dict(item) for item in data["results"]],
            report_integration_results.sync_raw,
            client=self.context.api,
            body=IntegrationResultBatchRequest.from_dict({"items": items}),
            idempotency_key=idempotency_key or UNSET,
        )
        for outcome in outcomes:
            if outcome.outcome != "refused":
                self._forget(outcome.invoice_token, outcome.lease_id)
        return outcomes

    def extend_lease(self, lease: Lease | str, lease_ttl_seconds: int = 600) -> Lease:
        """Keep a long delivery's lease alive: expiry becomes now + lease_ttl_seconds; returns the renewed Lease."""
        token, lease_id = self._target("extendInvoiceLease", lease, required=True)
        values: dict[str, Any] = {"lease_ttl_seconds": lease_ttl_seconds}
        RequestSchema.of("LeaseExtendRequest").check(values)
        if lease_id is not None:
            values["lease_id"] = lease_id
        renewed = call_view(
            Lease.from_dict,
            extend_invoice_lease.sync_raw,
            token,
            client=self.context.api,
            body=LeaseExtendRequest.from_dict(values),
        )
        if token in self._leases:
            self._leases[token] = renewed
        return renewed

    def release_lease(self, lease: Lease | str) -> InvoiceStatusResponse:
        """Give a claimed invoice back untouched (92 -> 90/91), e.g. on shutdown."""
        token, lease_id = self._target("releaseInvoiceLease", lease, required=True)
        response = call_view(
            InvoiceStatusResponse.from_dict,
            release_invoice_lease.sync_raw,
            token,
            client=self.context.api,
            body=LeaseReleaseRequest(lease_id=lease_id or UNSET),
        )
        self._forget(token, lease_id)
        return response

    release = release_lease  # the earlier name

    def keep_alive(
        self, leases: Iterable[Lease], lease_ttl_seconds: int = 600, *, interval: float | None = None
    ) -> LeaseKeeper:
        """A context manager extending ``leases`` every ``interval`` (a third of the TTL) while its block runs."""
        return LeaseKeeper(self, leases, lease_ttl_seconds, interval)

    def download_attachment(
        self,
        invoice_token: str,
        attachment_id: str,
        expected_sha256: str | None = None,
        expected_size: int | None = None,
    ) -> bytes:
        """An attachment's bytes; a size or checksum mismatch raises instead of returning bad data."""
        self._check_token("downloadAttachment", invoice_token)
        content = send_raw(download_attachment.sync_raw, invoice_token, attachment_id, client=self.context.api).content
        where = f"attachment {attachment_id!r} of invoice {invoice_token!r}"
        if expected_size is not None and len(content) != expected_size:
            raise APIResponseError(f"{where}: got {len(content)} bytes, expected {expected_size}")
        digest = hashlib.sha256(content).hexdigest()
        if expected_sha256 is not None and digest != expected_sha256:
            raise APIResponseError(f"{where}: sha256 {digest} does not match {expected_sha256}")
        return content


class LeaseKeeper:
    """Extends a batch's leases from a daemon thread until the block ends (``InvoiceLoad.keep_alive``).

    A lease is extended while this Load still holds it (not yet reported or
    released). A lease the API refuses to extend (it lapsed, or another worker
    holds the invoice now) is marked lost: ``is_lost(lease)`` tells the worker
    not to deliver that invoice. Other errors (a network blip) are retried on
    the next beat, well before the lease lapses.
    """

    def __init__(self, load: InvoiceLoad, leases: Iterable[Lease], lease_ttl_seconds: int, interval: float | None):
        RequestSchema.of("LeaseExtendRequest").check({"lease_ttl_seconds": lease_ttl_seconds})
        if interval is not None and not (isinstance(interval, int | float) and 0 < interval < lease_ttl_seconds):
            raise ValidationError(
                [FieldProblem("interval", interval, f"must be a number of seconds in (0, {lease_ttl_seconds})")]
            )
        self._load = load
        self._leases = {lease.invoice_token: lease for lease in leases}
        self._ttl = lease_ttl_seconds
        self._interval = float(interval) if interval is not None else lease_ttl_seconds / 3
        self._lost: dict[str, NuntiqError] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.extensions = 0

    def __enter__(self) -> LeaseKeeper:
        self._thread = threading.Thread(target=self._loop, name="invoice-lease-keeper", daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def add(self, leases: Iterable[Lease]) -> None:
        """Keep more leases alive (a later batch of the same run)."""
        for lease in leases:
            self._leases[lease.invoice_token] = lease

    def is_lost(self, lease: Lease | str) -> bool:
        token = lease.invoice_token if isinstance(lease, Lease) else lease
        return token in self._lost

    def lost_reason(self, lease: Lease | str) -> NuntiqError | None:
        return self._lost.get(lease.invoice_token if isinstance(lease, Lease) else lease)

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            self.extend_all()

    def extend_all(self) -> None:
        """One beat: extend every lease still held and not lost (the thread calls this; tests may too)."""
        for token, lease in list(self._leases.items()):
            if self._stop.is_set() and self._thread is not None:
                return
            held = self._load.held_lease(token)
            if token in self._lost or held is None or held.lease_id != lease.lease_id:
                continue  # reported, released, or lost: nothing to keep
            try:
                self._load.extend_lease(held, lease_ttl_seconds=self._ttl)
                self.extensions += 1
            except (ConflictError, NotFoundError) as refused:
                if self._load.held_lease(token) is None:
                    continue  # reported meanwhile: the refusal is about a finished invoice
                self._lost[token] = refused
                self._load.context.logger.warn(
                    f"Lost the lease on invoice {token}: {refused}; it will not be delivered by this run",
                    step="lease",
                    detail={"invoice_token": token},
                )
            except NuntiqError as exc:  # a blip: the next beat comes well before the lease lapses
                self._load.context.logger.warn(f"Could not extend the lease on {token}: {exc}", step="lease")
            except Exception as exc:  # e.g. the context was closed under a keeper never exited: stop
                self._load.context.logger.debug(f"Lease keeper stopped: {exc!r}", step="lease")
                self._stop.set()
                return
