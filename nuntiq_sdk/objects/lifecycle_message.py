"""LifecycleMessageLoad: read and write the timeline of events on an invoice.

Mirrors the product docs' LifecycleMessageLoad page: ``new()`` builds a message
whose fields are the spec's ``LifecycleMessageCreate`` properties;
``post_to()`` / ``post_by_reference()`` validate locally (from the spec's
constraints) and raise ``ValueError`` before any request; ``get_for_invoice()``
and ``poll_since()`` read. An unknown code only warns here (the typo guard):
the server is the authority and answers 400 INVALID_CODE.

Example::

    load = LifecycleMessageLoad(context)
    msg = load.new()
    msg.code = "ACCEPTED"
    msg.reference_type = "PAYMENT_REF"
    msg.reference_value = "ERP-INV-12345"
    resp = msg.post_to(invoice_token=token, idempotency_key="erp-accept-12345")
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from generated_client.api.lifecycle import (
    list_invoice_lifecycle_messages,
    poll_lifecycle_messages,
    post_lifecycle_message,
    post_lifecycle_message_by_reference,
)
from generated_client.models import (
    LifecycleMessageByReference,
    LifecycleMessageCreate,
    ListInvoiceLifecycleMessagesTier,
    PollLifecycleMessagesTier,
)
from generated_client.types import UNSET, Unset
from nuntiq_sdk._exceptions import APIResponseError, FieldProblem, ValidationError
from nuntiq_sdk._generated.entities import LifecycleMessageCreate as LifecycleMessageFields
from nuntiq_sdk._generated.views import LifecycleMessage, LifecycleMessageWriteResponse
from nuntiq_sdk._http import build_view, call_json, call_view
from nuntiq_sdk._pagination import paginate
from nuntiq_sdk._validation import RequestSchema, check_parameter
from nuntiq_sdk.catalog import CATALOG, LIFECYCLE_CODES

if TYPE_CHECKING:
    from nuntiq_sdk._context import JobContext

__all__ = ["LIFECYCLE_CODES", "LifecycleMessage", "LifecycleMessageDraft", "LifecycleMessageLoad"]

EXT_REFERENCE_KEYS = range(1, 6)


def _iso_utc(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _occurred_at_problem(value: object) -> FieldProblem | None:
    """occurred_at must be an ISO-8601 instant with an offset; the 30-day window is the server's."""
    if value is None or isinstance(value, datetime):
        if isinstance(value, datetime) and value.tzinfo is None:
            return FieldProblem("occurred_at", value, "is a naive datetime; give it a timezone")
        return None
    if not isinstance(value, str):
        return None  # the spec's type check reports it
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return FieldProblem("occurred_at", value, "is not an ISO-8601 timestamp")
    if parsed.tzinfo is None:
        return FieldProblem("occurred_at", value, "has no UTC offset; add Z or +HH:MM")
    return None


class LifecycleMessageDraft(LifecycleMessageFields):
    """A lifecycle message being built; post it with ``post_to`` or ``post_by_reference``.

    Its fields are the spec's ``LifecycleMessageCreate`` properties.
    """

    __slots__ = ("_load",)

    _load: LifecycleMessageLoad

    def __init__(self, load: LifecycleMessageLoad, **values: Any) -> None:
        object.__setattr__(self, "_load", load)
        super().__init__()
        for name, value in values.items():
            setattr(self, name, value)  # one by one, so the typo guard sees a code given here too

    def _set_field(self, name: str, value: Any) -> None:
        super()._set_field(name, value)
        if name == "code" and isinstance(value, str) and value not in CATALOG:
            close = difflib.get_close_matches(value, LIFECYCLE_CODES, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            self._load.context.logger.warn(
                f"Lifecycle code {value!r} is not in the SDK's catalog; the server will answer 400 INVALID_CODE.{hint}",
                step="lifecycle",
                detail={"code": value, "suggestion": close[0] if close else None},
            )

    def _body(self, schema: str, *, problems: list[FieldProblem | None], **extra: object) -> dict[str, Any]:
        """The request body, after one validation pass that reports every problem at once."""
        values = {**self.to_dict(), **{k: v for k, v in extra.items() if v is not None}}
        occurred_at = values.get("occurred_at")
        problems.append(_occurred_at_problem(occurred_at))
        if isinstance(occurred_at, datetime) and occurred_at.tzinfo is not None:
            values["occurred_at"] = _iso_utc(occurred_at)
        RequestSchema.of(schema).check(values, extra=[p for p in problems if p is not None])
        return values

    def post_to(self, invoice_token: str, idempotency_key: str | None = None) -> LifecycleMessageWriteResponse:
        """Post to the invoice with this token (preferred)."""
        token_problem = check_parameter("postLifecycleMessage", "invoice_token", invoice_token)
        body = self._body("LifecycleMessageCreate", problems=[token_problem])
        return call_view(
            LifecycleMessageWriteResponse.from_dict,
            post_lifecycle_message.sync_raw,
            invoice_token,
            client=self._load.context.api,
            body=LifecycleMessageCreate.from_dict(body),
            idempotency_key=idempotency_key or UNSET,
        )

    def post_by_reference(
        self,
        invoice_number: str,
        supplier_code: str,
        supplier_location_code: str | None = None,
        erp_company_code: str | None = None,
        idempotency_key: str | None = None,
    ) -> LifecycleMessageWriteResponse:
        """Post to the one invoice matching the external reference (400 AMBIGUOUS_REFERENCE if several)."""
        body = self._body(
            "LifecycleMessageByReference",
            problems=[],
            invoice_number=invoice_number,
            supplier_code=supplier_code,
            supplier_location_code=supplier_location_code,
            erp_company_code=erp_company_code,
        )
        return call_view(
            LifecycleMessageWriteResponse.from_dict,
            post_lifecycle_message_by_reference.sync_raw,
            client=self._load.context.api,
            body=LifecycleMessageByReference.from_dict(body),
            idempotency_key=idempotency_key or UNSET,
        )


def _check_tier(operation_id: str, tier: int | None) -> FieldProblem | None:
    return None if tier is None else check_parameter(operation_id, "tier", tier)


def _since_utc(since: object, tz: str) -> tuple[str | None, FieldProblem | None]:
    """Resolve ``since`` to a UTC instant; ``tz`` applies only to a naive value."""
    if isinstance(since, datetime):
        moment = since
    elif isinstance(since, str):
        try:
            moment = datetime.fromisoformat(since)
        except ValueError:
            return None, FieldProblem("since", since, "is not an ISO-8601 timestamp")
    else:
        return None, FieldProblem("since", since, "must be an ISO-8601 string or a datetime")
    if moment.tzinfo is None:
        try:
            moment = moment.replace(tzinfo=ZoneInfo(tz))
        except (ZoneInfoNotFoundError, ValueError):
            return None, FieldProblem("tz", tz, "is not a known IANA time zone")
    return _iso_utc(moment), None


class LifecycleMessageLoad:
    """Read and write lifecycle messages for the context's tenant."""

    def __init__(self, context: JobContext) -> None:
        self.context = context

    def new(self) -> LifecycleMessageDraft:
        return LifecycleMessageDraft(self)

    def get_for_invoice(
        self,
        invoice_token: str,
        tier: int | None = None,
        include_internal_notes: bool = False,
    ) -> list[LifecycleMessage]:
        """The invoice's full timeline, ordered by recorded_at."""
        problems = [
            check_parameter("listInvoiceLifecycleMessages", "invoice_token", invoice_token),
            _check_tier("listInvoiceLifecycleMessages", tier),
        ]
        if any(problems):
            raise ValidationError([p for p in problems if p is not None])
        page = call_json(
            list_invoice_lifecycle_messages.sync_raw,
            invoice_token,
            client=self.context.api,
            tier=UNSET if tier is None else ListInvoiceLifecycleMessagesTier(tier),
            include_internal_notes=include_internal_notes,
        )
        return build_view(_messages, page, "LifecycleMessagePage")

    def poll_since(
        self,
        since: str | datetime,
        ext_references: Mapping[int, str],
        tz: str = "UTC",
        tier: int | None = None,
        include_internal_notes: bool = False,
        page_size: int = 500,
    ) -> Iterator[LifecycleMessage]:
        """Messages across invoices recorded after ``since`` (exclusive), oldest first, every page.

        ``recorded_at`` is unique and increasing per tenant (microseconds), so
        passing the last ``recorded_at`` seen back as ``since`` - the docs'
        watermark recipe - returns each message once. Arguments are checked
        when this is called, before the first request, not when iteration starts.
        """
        problems: list[FieldProblem] = []
        since_utc, since_problem = _since_utc(since, tz)
        if since_problem:
            problems.append(since_problem)
        filters: dict[str, str] = {}
        for key, value in dict(ext_references).items():
            if key not in EXT_REFERENCE_KEYS:
                problems.append(FieldProblem("ext_references", key, "keys must be 1 to 5 (ext_reference_1..5)"))
            elif not isinstance(value, str) or not value.strip():
                problems.append(FieldProblem(f"ext_references[{key}]", value, "must be a non-empty string"))
            else:
                filters[f"ext_reference_{key}"] = value
        if not filters and not problems:
            problems.append(
                FieldProblem("ext_references", dict(ext_references), "needs at least one of keys 1..5 with a value")
            )
        page_problem = check_parameter("pollLifecycleMessages", "limit", page_size)
        if page_problem:
            problems.append(FieldProblem("page_size", page_size, page_problem.message))
        tier_problem = _check_tier("pollLifecycleMessages", tier)
        if tier_problem:
            problems.append(tier_problem)
        if problems:
            raise ValidationError(problems)
        assert since_utc is not None
        return self._pages(since_utc, filters, tier, include_internal_notes, page_size)

    def _pages(
        self, since: str, filters: Mapping[str, str], tier: int | None, internal: bool, page_size: int
    ) -> Iterator[LifecycleMessage]:
        def fetch(cursor: str | Unset) -> tuple[Iterator[LifecycleMessage], object]:
            page = call_json(
                poll_lifecycle_messages.sync_raw,
                client=self.context.api,
                since=since,
                ext_reference_1=filters.get("ext_reference_1", UNSET),
                ext_reference_2=filters.get("ext_reference_2", UNSET),
                ext_reference_3=filters.get("ext_reference_3", UNSET),
                ext_reference_4=filters.get("ext_reference_4", UNSET),
                ext_reference_5=filters.get("ext_reference_5", UNSET),
                tier=UNSET if tier is None else PollLifecycleMessagesTier(tier),
                include_internal_notes=internal,
                limit=page_size,
                cursor=cursor,
            )
            return _polled_messages(page), page.get("next_cursor")

        return paginate(fetch)


def _messages(page: Mapping[str, Any]) -> list[LifecycleMessage]:
    """The messages of a ``LifecycleMessagePage``."""
    return [LifecycleMessage.from_dict(item) for item in page["data"]]


_FIELDS: tuple[str, ...] = tuple(field.name for field in attrs.fields(LifecycleMessage))
_REQUIRED = frozenset(field.name for field in attrs.fields(LifecycleMessage) if field.default is attrs.NOTHING)


class _PolledMessage(LifecycleMessage):
    """A ``LifecycleMessage`` that reads its fields from the response row when asked, for ``poll_since``.

    A poll of 200,000 messages would otherwise copy 21 fields into every
    view, most never read: this one keeps the row and answers each field from
    it. It is a ``LifecycleMessage`` (``isinstance``, equality with one built
    eagerly, ``attrs.evolve``, ``repr``, pickling as the eager view).
    """

    __slots__ = ("_data",)

    _data: Mapping[str, Any]

    def __init__(self, **values: Any) -> None:  # attrs.evolve() builds one from every field's value
        object.__setattr__(self, "_data", values)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LifecycleMessage):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in _FIELDS)

    def __hash__(self) -> int:  # as the eager view's, so equal messages hash alike
        return hash(self._eager())

    def _eager(self) -> LifecycleMessage:
        return LifecycleMessage(**{name: getattr(self, name) for name in _FIELDS})

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in _FIELDS)
        return f"LifecycleMessage({shown})"

    def __reduce__(self) -> tuple[Callable[[Mapping[str, Any]], LifecycleMessage], tuple[dict[str, Any]]]:
        return LifecycleMessage.from_dict, (attrs.asdict(self._eager()),)


def _field_reader(name: str) -> property:
    def read(self: _PolledMessage) -> Any:
        return self._data.get(name)

    return property(read, doc=f"``{name}`` of the response row")


for _name in _FIELDS:  # over the slots LifecycleMessage declares: a _PolledMessage never fills them
    setattr(_PolledMessage, _name, _field_reader(_name))


def _polled_messages(page: Any) -> Iterator[LifecycleMessage]:
    """The messages of a ``LifecycleMessagePage`` as light views; a page of another shape is an APIResponseError."""
    data = page.get("data") if isinstance(page, dict) else None
    if not isinstance(data, list):
        raise APIResponseError("the response is not a LifecycleMessagePage (no data list)")
    required = _REQUIRED
    for item in data:
        if item.__class__ is not dict or not required <= item.keys():
            missing = sorted(required - item.keys()) if isinstance(item, dict) else "not an object"
            raise APIResponseError(f"the response is not a LifecycleMessagePage (a message: {missing})")
    new, keep = object.__new__, object.__setattr__
    for item in data:
        message = new(_PolledMessage)
        keep(message, "_data", item)
        yield message
