"""BaseLoad: list, search, create, update and bulk-delete one master-data object.

Every per-object Load is a short declaration over this class: its generated
entity class, its operation modules of the generated client, the name of its
full-load object, and ``new()`` typed with the entity's generated keywords::

    class SupplierLoad(BaseLoad[Supplier]):
        entity_class = Supplier
        full_load_object = "suppliers"
        list_operation = list_suppliers
        upsert_operation = upsert_suppliers
        delete_operation = delete_suppliers
        stage_operation = stage_supplier_rows

        def new(self, **values: Unpack[SupplierValues]) -> Supplier:
            return self._new(values)

Everything else comes from the spec: the entity's fields, natural key and
constraints (generated), the filter
names of ``search`` (the list operation's query parameters) and of
``delete_where`` (the delete body's schema), the batch size (``maxItems``).

- ``get_all()`` / ``search(**filters)``: lazy, auto-paginated iterators of clean
  entities, which the Load then tracks.
- ``new(**values)``: a new entity, tracked; ``discard(entity)`` stops tracking one.
- ``save_all(dry_run=True)``: the plan of a save (created, updated with the
  changed fields, unchanged, invalid rows), sending nothing.
- ``save_all()``: validates every dirty entity (one ``ValidationError`` naming
  each bad row by its key, nothing sent), then upserts key + changed fields in
  batches; ``save_all(full_load=True)`` stages every entity, complete, into a
  full load and commits it (aborting it on any error before the commit), so the
  table is replaced whole or not at all.
- ``save_all(rows=iterable)``: new rows from any iterable (a generator, a file
  reader), checked once each and upserted in chunks of the batch size, holding
  one chunk at a time; counts come back, not rows (``StreamResult``). A bad
  row in chunk k leaves chunks before it saved; ``strict=True`` checks all
  rows before the first request. ``full_load=True`` stages the chunks and
  commits, or aborts on any error.
- ``delete_where(**filters)``: deletes matching rows; no filter needs ``all=True``.

Request bodies are built from the entities' dicts and handed to the generated
endpoint functions as they are (``_JSONBody``), so a 50,000-row save does not
build and unbuild 50,000 attrs models; the request still goes through the
generated endpoint (which encodes it with orjson) and the SDK's transport
(retries, idempotency keys). Pages are read once, with orjson, into dicts.
"""

from __future__ import annotations

import contextlib
import difflib
import enum
import inspect
import itertools
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, TypeVar, cast, overload

import attrs

from generated_client.api.full_loads import abort_full_load, commit_full_load, start_full_load
from generated_client.models import FullLoadCommit, FullLoadObject, FullLoadStart
from generated_client.types import Unset
from nuntiq_sdk._entity import Entity, EntityMeta
from nuntiq_sdk._exceptions import APIResponseError, FieldProblem, NuntiqError, ValidationError
from nuntiq_sdk._http import call, call_json, read_json, send_raw
from nuntiq_sdk._pagination import paginate
from nuntiq_sdk._spec import customer_api_spec, resolve, spec_cache
from nuntiq_sdk._util import short_repr
from nuntiq_sdk._validation import RequestSchema, check_parameter, parameter_schema

if TYPE_CHECKING:
    from nuntiq_sdk._context import JobContext

__all__ = [
    "BaseLoad",
    "FailedRow",
    "FullLoadSummary",
    "InvalidRow",
    "PlannedRow",
    "SavePlan",
    "SaveResult",
    "StreamFailedRow",
    "StreamResult",
]

E = TypeVar("E", bound=Entity)

# The outcomes of an upsert row that saved it.
_SAVED = frozenset({"created", "updated", "unchanged"})

# Query parameters that are paging, not filters.
_PAGING = frozenset({"limit", "cursor"})


@attrs.frozen
class FailedRow:
    """A row the server refused: its key, the server's reasons and the entity (still dirty)."""

    key: dict[str, Any]
    errors: tuple[tuple[str, str], ...]
    entity: Entity = attrs.field(repr=False, eq=False)

    def __str__(self) -> str:
        reasons = "; ".join(f"{field}: {message}" if field else message for field, message in self.errors)
        return f"{self.key}: {reasons or 'failed'}"


class _SavedRows:
    """The rows a save sent with the server's outcome for each; their keys are built only when asked for.

    A 50,000-row save answers in 50 outcome lists: building 50,000 key dicts
    nobody reads would be most of the result's cost.
    """

    __slots__ = ("_batches", "_key_of", "_keys")

    def __init__(self, key_of: Callable[[Mapping[str, Any]], dict[str, Any]] | None = None) -> None:
        self._key_of = key_of
        self._batches: list[tuple[list[dict[str, Any]], list[str]]] = []
        self._keys: dict[str, list[dict[str, Any]]] = {}

    def add(self, rows: list[dict[str, Any]], outcomes: list[str]) -> None:
        self._batches.append((rows, outcomes))
        self._keys.clear()

    def keys(self, outcome: str) -> list[dict[str, Any]]:
        keys = self._keys.get(outcome)
        if keys is None:
            key_of = self._key_of
            keys = self._keys[outcome] = [
                key_of(row)  # type: ignore[misc]  # rows are only added with their key_of
                for rows, outcomes in self._batches
                for row, said in zip(rows, outcomes, strict=True)
                if said == outcome
            ]
        return keys

    def count(self, outcome: str) -> int:
        return sum(outcomes.count(outcome) for _, outcomes in self._batches)


@attrs.frozen
class SaveResult:
    """What an incremental ``save_all()`` did, row by row, in request order.

    ``created``, ``updated`` and ``unchanged`` hold the natural keys of the rows
    (e.g. ``{"supplier_code": "SUP-100"}``), built when first read;
    ``failed`` the refused rows with the server's per-row errors. Failed rows
    stay dirty for the next save.
    """

    failed: list[FailedRow] = attrs.Factory(list)
    requests: int = 0
    _saved: _SavedRows = attrs.field(factory=_SavedRows, repr=False, eq=False, alias="saved")

    @property
    def created(self) -> list[dict[str, Any]]:
        return self._saved.keys("created")

    @property
    def updated(self) -> list[dict[str, Any]]:
        return self._saved.keys("updated")

    @property
    def unchanged(self) -> list[dict[str, Any]]:
        return self._saved.keys("unchanged")

    @property
    def ok(self) -> bool:
        return not self.failed

    def __str__(self) -> str:
        saved = self._saved
        return (
            f"{saved.count('created')} created, {saved.count('updated')} updated, "
            f"{saved.count('unchanged')} unchanged, {len(self.failed)} failed"
        )


@attrs.frozen
class StreamFailedRow:
    """A streamed row the server refused: its place in the stream (0-based), its key and the server's reasons."""

    index: int
    key: dict[str, Any]
    errors: tuple[tuple[str, str], ...]

    def __str__(self) -> str:
        reasons = "; ".join(f"{field}: {message}" if field else message for field, message in self.errors)
        return f"row #{self.index} {self.key}: {reasons or 'failed'}"


@attrs.define
class StreamResult:
    """What ``save_all(rows=...)`` did, as counts: a million-row stream keeps no row and no key it saved.

    ``rows`` counts the rows sent; ``created``, ``updated`` and ``unchanged``
    the server's outcomes; ``failed`` holds only the rows the server refused
    (``StreamFailedRow``: index in the stream, key, reasons).
    """

    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: list[StreamFailedRow] = attrs.Factory(list)
    requests: int = 0

    @property
    def ok(self) -> bool:
        return not self.failed

    def __str__(self) -> str:
        return (
            f"{self.rows} rows in {self.requests} request{'' if self.requests == 1 else 's'}: "
            f"{self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged, {len(self.failed)} failed"
        )


@attrs.frozen
class FullLoadSummary:
    """What ``save_all(full_load=True)`` did: the committed load's counts."""

    load_id: str
    staged_rows: int
    inserted: int
    updated: int
    unchanged: int
    deleted: int
    requests: int = 0

    def __str__(self) -> str:
        return (
            f"full load {self.load_id}: {self.staged_rows} staged, {self.inserted} inserted, "
            f"{self.updated} updated, {self.unchanged} unchanged, {self.deleted} deleted"
        )


@attrs.frozen
class PlannedRow:
    """A row a save would send: its natural key and the fields it would set (every field given, for a new row)."""

    key: dict[str, Any]
    fields: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.key}: {', '.join(self.fields) or 'no fields'}"


@attrs.frozen
class InvalidRow:
    """A row validation refuses: how it is named (its key, or its place) and every problem."""

    row: str
    problems: tuple[FieldProblem, ...]

    def __str__(self) -> str:
        return f"{self.row}: " + "; ".join(f"{p.field} {p.message}" for p in self.problems)


@attrs.frozen
class SavePlan:
    """What ``save_all(dry_run=True)`` found a save would do, from dirty tracking and validation alone.

    ``created``: new entities (upserted on their key: one whose key already
    exists on the server is updated instead; a dry run sends no request to
    find out). ``updated``: read entities with changes, and which fields.
    ``unchanged``: tracked entities with nothing to send. ``invalid``: rows a
    real save would refuse before sending anything. With ``full_load`` every
    valid row is staged, and rows on the server that the Load does not hold
    would be deleted.
    """

    full_load: bool
    created: list[PlannedRow] = attrs.Factory(list)
    updated: list[PlannedRow] = attrs.Factory(list)
    unchanged: list[dict[str, Any]] = attrs.Factory(list)
    invalid: list[InvalidRow] = attrs.Factory(list)

    @property
    def ok(self) -> bool:
        """A real save would pass validation."""
        return not self.invalid

    def __str__(self) -> str:
        mode = "full load: " if self.full_load else ""
        return (
            f"{mode}{len(self.created)} to create, {len(self.updated)} to update, "
            f"{len(self.unchanged)} unchanged, {len(self.invalid)} invalid"
        )


class _JSONBody:
    """A request body already in JSON form, for a generated endpoint's ``body`` (it calls ``to_dict()``)."""

    __slots__ = ("_data",)

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    def to_dict(self) -> dict[str, Any]:
        return self._data


def _operation_id(module: ModuleType) -> str:
    head, *rest = module.__name__.rsplit(".", 1)[-1].split("_")
    return head + "".join(part.capitalize() for part in rest)


@spec_cache
def _operation(operation_id: str) -> dict[str, Any]:
    for path_item in customer_api_spec()["paths"].values():
        for operation in path_item.values():
            if isinstance(operation, dict) and operation.get("operationId") == operation_id:
                return operation
    raise LookupError(f"the spec has no operation {operation_id!r}")


def _body_schema_name(operation_id: str) -> str:
    ref: str = _operation(operation_id)["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    return ref.rsplit("/", 1)[-1]


@attrs.frozen
class _LoadShape:
    """What a Load reads from the spec, once (until the spec is swapped)."""

    filters: tuple[str, ...]  # search(): the list operation's query parameters
    path_params: tuple[str, ...]
    enum_filters: Mapping[str, type[enum.Enum]]
    delete_schema: RequestSchema
    max_batch: int
    max_page: int


@spec_cache
def _shape_of(load_class: type[BaseLoad[Any]]) -> _LoadShape:
    list_id = _operation_id(load_class.list_operation)
    parameters = [resolve(p) for p in _operation(list_id).get("parameters", [])]
    filters = tuple(p["name"] for p in parameters if p["in"] == "query" and p["name"] not in _PAGING)
    path_params = tuple(p["name"] for p in parameters if p["in"] == "path")
    signature = inspect.signature(load_class.list_operation.sync_detailed)
    enum_filters: dict[str, type[enum.Enum]] = {}
    for name in filters:
        annotation = signature.parameters[name].annotation if name in signature.parameters else None
        for option in typing.get_args(annotation):
            if isinstance(option, type) and issubclass(option, enum.Enum):
                enum_filters[name] = option
    rows_name = _body_schema_name(_operation_id(load_class.upsert_operation))
    rows_schema = resolve(customer_api_spec()["components"]["schemas"][rows_name])
    max_batch = int(rows_schema["properties"]["rows"].get("maxItems", 1000))
    return _LoadShape(
        filters=filters,
        path_params=path_params,
        enum_filters=enum_filters,
        delete_schema=RequestSchema.of(_body_schema_name(_operation_id(load_class.delete_operation))),
        max_batch=max_batch,
        max_page=int(parameter_schema(list_id, "limit").get("maximum", 200)),
    )


@spec_cache
def _meta_of(load_class: type[BaseLoad[Any]]) -> EntityMeta:
    return load_class._entity_meta()


def _count_outcomes(answer: Any, sent: int, result: StreamResult) -> None:
    """Add one upsert answer to the stream's counts; only refused rows are kept (with their place in the stream)."""
    outcomes = answer.get("outcomes") if isinstance(answer, dict) else None
    if not isinstance(outcomes, list) or len(outcomes) != sent:
        count = len(outcomes) if isinstance(outcomes, list) else "no"
        raise APIResponseError(f"the upsert response has {count} outcomes for {sent} rows")
    created, updated, unchanged = outcomes.count("created"), outcomes.count("updated"), outcomes.count("unchanged")
    failed = sent - created - updated - unchanged
    failures = answer.get("failures") or []
    if failed != len(failures) or failed != outcomes.count("failed"):
        raise APIResponseError(f"the upsert response has {failed} rows not saved but gives {len(failures)} reasons")
    for failure in failures:
        errors = tuple((e.get("field"), e.get("message", "")) for e in failure.get("errors") or ())
        key = dict(failure.get("key") or {})
        result.failed.append(StreamFailedRow(index=result.rows + int(failure["index"]), key=key, errors=errors))
    result.rows += sent
    result.created += created
    result.updated += updated
    result.unchanged += unchanged


def _chunks(rows: list[Any], size: int) -> Iterator[tuple[int, list[Any]]]:
    for start in range(0, len(rows), size):
        yield start, rows[start : start + size]


class BaseLoad(Generic[E]):
    """List, search, create, update and bulk-delete the rows of one master-data object."""

    entity_class: type[E]
    full_load_object: ClassVar[str]
    list_operation: ModuleType
    upsert_operation: ModuleType
    delete_operation: ModuleType
    stage_operation: ModuleType

    def __init__(self, context: JobContext, *, batch_size: int | None = None) -> None:
        self.context = context
        self._entities: list[E] = []
        self._untracked_reads = 0  # rows read without track=True: not part of a full load
        self.batch_size = batch_size

    # --- what the spec says about this object ----------------------------------

    @classmethod
    def _entity_meta(cls) -> EntityMeta:
        """The generated entity's shape, checked against the rows the upsert operation takes."""
        rows = _body_schema_name(_operation_id(cls.upsert_operation))
        ref: str = customer_api_spec()["components"]["schemas"][rows]["properties"]["rows"]["items"]["$ref"]
        meta = cls.entity_class._meta
        if meta.name != ref.rsplit("/", 1)[-1]:
            raise TypeError(f"{cls.__name__}.entity_class is {meta.name}, but {rows} holds {ref}")
        return meta

    def _shape(self) -> _LoadShape:
        return _shape_of(type(self))

    @property
    def meta(self) -> EntityMeta:
        return _meta_of(type(self))

    @property
    def fields(self) -> tuple[str, ...]:
        """The entity's field names, as the spec lists them."""
        return tuple(sorted(self.meta.fields))

    def _path_args(self) -> tuple[Any, ...]:
        """Positional path arguments of every operation (a customer data table's name)."""
        return ()

    # --- building and reading -------------------------------------------------

    def new_from(self, values: Mapping[str, Any]) -> E:
        """``new(**values)`` for a mapping built at run time (a row read from a file): names checked the same way.

        Each Load's ``new()`` takes the entity's fields as typed keywords.
        """
        return self._new(values)

    def _new(self, values: Mapping[str, Any]) -> E:
        entity = cast(E, self.meta.entity_class._build(values if values.__class__ is dict else dict(values)))
        self._entities.append(entity)
        return entity

    def add(self, entity: E) -> E:
        """Track an entity built elsewhere (e.g. by another Load of the same object)."""
        if entity._meta is not self.meta:
            raise TypeError(f"expected a {self.meta.name}, got a {entity._meta.name}")
        self._entities.append(entity)
        return entity

    def discard(self, entity: E) -> None:
        """Stop tracking ``entity``: a half-built one is never sent, and a read one's changes are not saved.

        Raises ``ValueError`` when this Load does not track it.
        """
        for index, tracked in enumerate(self._entities):
            if tracked is entity:
                del self._entities[index]
                return
        raise ValueError(f"this {type(self).__name__} does not track {entity!r}")

    def __iter__(self) -> Iterator[E]:
        """The entities this Load tracks (built with ``new()`` or read)."""
        return iter(list(self._entities))

    def __len__(self) -> int:
        return len(self._entities)

    def get_all(self, *, track: bool = False) -> Iterator[E]:
        """Every row, page by page, as clean entities; see ``search`` for what the Load keeps."""
        return self.search(track=track)

    def search(self, *, track: bool = False, **filters: Any) -> Iterator[E]:
        """The rows matching every filter (names: the list operation's query parameters).

        Filters are checked when this is called, before any request; an unknown
        name raises ``ValueError`` naming it. Rows stream: the Load keeps a row
        read only once the caller changes it (so ``save_all()`` sends it), and
        a 200,000-row read holds one page at a time. ``track=True`` keeps every
        row read, as a full load of what was read needs.
        """
        shape = self._shape()
        problems: list[FieldProblem] = []
        list_id = _operation_id(self.list_operation)
        arguments: dict[str, Any] = {}
        for name, value in filters.items():
            if name not in shape.filters:
                close = difflib.get_close_matches(name, shape.filters, n=1)
                hint = f"did you mean {close[0]!r}?" if close else f"filters are {', '.join(shape.filters)}"
                problems.append(FieldProblem(name, None, f"is not a filter of {list_id}; {hint}"))
                continue
            if value is None:
                continue
            problem = check_parameter(list_id, name, value.value if isinstance(value, enum.Enum) else value)
            if problem is not None:
                problems.append(problem)
                continue
            enum_class = shape.enum_filters.get(name)
            arguments[name] = enum_class(value) if enum_class is not None else value
        if problems:
            raise ValidationError(problems)
        return self._pages(arguments, shape.max_page, track)

    def _pages(self, arguments: Mapping[str, Any], page_size: int, track: bool) -> Iterator[E]:
        from_row = cast(type[E], self.meta.entity_class)._from_row
        tracked = self._entities
        tracker = None if track else cast(Callable[[Entity], None], tracked.append)

        def fetch(cursor: str | Unset) -> tuple[list[dict[str, Any]], object]:
            response = send_raw(
                self.list_operation.sync_raw,
                *self._path_args(),
                client=self.context.api,
                limit=page_size,
                cursor=cursor,
                **arguments,
            )
            page = read_json(response)
            return page.get("data") or [], page.get("next_cursor")

        for row in paginate(fetch):
            if track:
                entity = from_row(row)
                tracked.append(entity)
            else:
                self._untracked_reads += 1
                entity = from_row(row, None, tracker)
            yield entity

    # --- saving ---------------------------------------------------------------

    @overload
    def save_all(
        self,
        full_load: Literal[False] = False,
        *,
        rows: Iterable[Mapping[str, Any]],
        strict: bool = False,
        allow_empty: bool = False,
        batch_size: int | None = None,
    ) -> StreamResult: ...

    @overload
    def save_all(
        self,
        full_load: Literal[True],
        *,
        rows: Iterable[Mapping[str, Any]],
        strict: bool = False,
        allow_empty: bool = False,
        batch_size: int | None = None,
    ) -> FullLoadSummary: ...

    @overload
    def save_all(
        self,
        full_load: Literal[False] = False,
        *,
        rows: None = None,
        strict: bool = False,
        allow_empty: bool = False,
        batch_size: int | None = None,
        dry_run: Literal[False] = False,
    ) -> SaveResult: ...

    @overload
    def save_all(
        self,
        full_load: Literal[True],
        *,
        rows: None = None,
        strict: bool = False,
        allow_empty: bool = False,
        batch_size: int | None = None,
        dry_run: Literal[False] = False,
    ) -> FullLoadSummary: ...

    @overload
    def save_all(
        self,
        full_load: bool = False,
        *,
        rows: None = None,
        strict: bool = False,
        allow_empty: bool = False,
        batch_size: int | None = None,
        dry_run: Literal[True],
    ) -> SavePlan: ...

    @overload
    def save_all(
        self,
        full_load: bool,
        *,
        rows: None = None,
        strict: bool = False,
        allow_empty: bool = False,
        batch_size: int | None = None,
        dry_run: Literal[False] = False,
    ) -> SaveResult | FullLoadSummary: ...

    @overload
    def save_all(
        self,
        full_load: bool = False,
        *,
        rows: Iterable[Mapping[str, Any]] | None = None,
        strict: bool = False,
        allow_empty: bool = False,
        batch_size: int | None = None,
        dry_run: bool = False,
    ) -> SaveResult | StreamResult | FullLoadSummary | SavePlan: ...

    def save_all(
        self,
        full_load: bool = False,
        *,
        rows: Iterable[Mapping[str, Any]] | None = None,
        strict: bool = False,
        allow_empty: bool = False,
        batch_size: int | None = None,
        dry_run: bool = False,
    ) -> SaveResult | StreamResult | FullLoadSummary | SavePlan:
        """Save the Load's entities, or the ``rows`` of any iterable in chunks.

        Without ``rows``: every tracked entity is validated first (one
        ``ValidationError``, nothing sent); ``full_load=False`` (the default)
        upserts every new or changed entity on its natural key, sending only
        the key and the changed fields, nothing changed sends no request;
        ``full_load=True`` replaces the whole table with the Load's entities
        (an empty Load is refused unless ``allow_empty=True``);
        ``dry_run=True`` sends nothing and returns the ``SavePlan``.

        With ``rows`` (a generator, a file reader, a cursor): each row, a
        mapping of fields as ``new()`` takes them, is checked once and sent as
        given in chunks of ``batch_size``, one chunk held at a time, not
        tracked by the Load; returns ``StreamResult`` counts and the refused
        rows. A chunk goes out only when all its rows pass, so a bad row in
        chunk k leaves chunks 1..k-1 saved (the error's note says how many);
        ``strict=True`` checks every row before the first request (holding
        them all) and raises one error for all of them. With
        ``full_load=True`` the chunks are staged and committed at the end: any
        error aborts and leaves the table as it was.
        """
        size = self._batch_size(batch_size)
        if rows is not None:
            if dry_run:
                message = "plans the Load's entities; rows streamed through save_all(rows=...) are not held to plan"
                raise ValidationError([FieldProblem("dry_run", True, message)])
            return self._save_rows(rows, size, full_load=full_load, strict=strict, allow_empty=allow_empty)
        if dry_run:
            return self._plan(full_load)
        if full_load:
            return self._full_load(size, allow_empty)
        return self._upsert(size)

    def _plan(self, full: bool) -> SavePlan:
        plan = SavePlan(full_load=full)
        meta = self.meta
        for index, entity in enumerate(self._entities):
            problems: list[FieldProblem] = []
            row = entity._row(full, problems)
            if problems:
                label = self._label(entity, index, full)
                plan.invalid.append(InvalidRow(label, tuple(attrs.evolve(p, row=label) for p in problems)))
            elif row is None:
                plan.unchanged.append(entity.key())
            elif entity._new:
                plan.created.append(PlannedRow(meta.key_of(row), tuple(k for k in row if k not in meta.key)))
            else:
                changed = entity.changes() if full else row
                key = entity.key()
                fields = tuple(k for k in changed or () if k not in meta.key)
                if fields:
                    plan.updated.append(PlannedRow(key, fields))
                else:
                    plan.unchanged.append(key)
        return plan

    @staticmethod
    def _label(entity: Entity, index: int, full: bool) -> str:
        """How a problem names its row: its natural key, or its place in the Load."""
        meta = entity._meta
        if full and not entity._new:
            return meta.label({**entity._base, **entity._values}, f"row #{index}")
        return meta.label(entity._key_source() if entity._new or full else entity._base, f"new row #{index}")

    def _batch_size(self, batch_size: int | None) -> int:
        size = batch_size if batch_size is not None else self.batch_size  # 0 is refused, not the default
        size = size if size is not None else self._shape().max_batch
        limit = self._shape().max_batch
        if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= limit:
            raise ValidationError([FieldProblem("batch_size", size, f"must be an integer from 1 to {limit}")])
        return size

    def _collect(self, full: bool) -> tuple[list[E], list[dict[str, Any]]]:
        """The entities to send and their rows, after one validation pass over all of them."""
        problems: list[FieldProblem] = []
        entities: list[E] = []
        rows: list[dict[str, Any]] = []
        accepts_new = self.meta.accepts_new
        for index, entity in enumerate(self._entities):
            if entity._new:
                if not entity._children and accepts_new(entity._values):
                    entities.append(entity)  # the bulk path: a valid new row is sent as it is kept
                    rows.append(entity._values)
                    continue
            elif not full and not (entity._values or entity._touched):
                continue
            before = len(problems)
            row = entity._row(full, problems)
            if len(problems) > before:  # name the row by its natural key only when it has problems
                label = self._label(entity, index, full)
                problems[before:] = [attrs.evolve(p, row=label) for p in problems[before:]]
            if row is not None:
                entities.append(entity)
                rows.append(row)
        if problems:
            raise ValidationError(problems)
        return entities, rows

    def _upsert(self, size: int) -> SaveResult:
        entities, rows = self._collect(full=False)
        result = SaveResult(saved=_SavedRows(self.meta.key_of))
        requests = 0
        for start, batch in _chunks(rows, size):
            answer = call_json(
                self.upsert_operation.sync_raw,
                *self._path_args(),
                client=self.context.api,
                body=cast(Any, _JSONBody({"rows": batch})),
            )
            requests += 1
            self._apply_outcomes(answer, entities[start : start + len(batch)], batch, result)
        for entity in self._entities:  # entities with only same-value sets are clean too
            if not entity._new and entity._values and entity.changes() is None:
                entity._mark_clean()
        return attrs.evolve(result, requests=requests)

    def _apply_outcomes(
        self, answer: Any, batch: Sequence[Entity], rows: list[dict[str, Any]], result: SaveResult
    ) -> None:
        """Sort the batch's rows by outcome (request order); saved rows become clean, failed ones stay dirty.

        ``answer`` is the ``UpsertResult`` JSON, read as it came: one outcome string per row.
        """
        outcomes = answer.get("outcomes") if isinstance(answer, dict) else None
        if not isinstance(outcomes, list) or len(outcomes) != len(batch):
            count = len(outcomes) if isinstance(outcomes, list) else "no"
            raise APIResponseError(f"the upsert response has {count} outcomes for {len(batch)} rows")
        failures = {failure["index"]: failure for failure in answer.get("failures") or ()}
        for index, (entity, outcome) in enumerate(zip(batch, outcomes, strict=True)):
            if outcome in _SAVED:
                entity._mark_clean()
                continue
            failure = failures.get(index)
            if outcome != "failed" or failure is None:
                raise APIResponseError(f"the upsert response says row {index} {outcome!r} but gives no reasons")
            errors = tuple((e.get("field"), e.get("message", "")) for e in failure.get("errors") or ())
            result.failed.append(FailedRow(key=dict(failure.get("key") or {}), errors=errors, entity=entity))
        result._saved.add(rows, outcomes)

    def _full_load_start(self) -> FullLoadStart:
        return FullLoadStart(object_=FullLoadObject(self.full_load_object))

    def _full_load(self, size: int, allow_empty: bool) -> FullLoadSummary:
        if self._untracked_reads:
            # Those rows are not in the Load: replacing the table with it would delete them.
            message = (
                "would leave out rows read by get_all()/search() without track=True "
                f"({self._untracked_reads} read), and so delete them; read them with track=True"
            )
            raise ValidationError([FieldProblem("full_load", None, message)])
        _, rows = self._collect(full=True)
        if not rows and not allow_empty:
            raise ValidationError(
                [
                    FieldProblem(
                        "full_load",
                        None,
                        "has no rows and would empty the whole table; pass allow_empty=True if that is meant",
                    )
                ]
            )
        api = self.context.api
        load = call(start_full_load.sync_detailed, client=api, body=self._full_load_start())
        requests = 1
        try:
            for _, batch in _chunks(rows, size):
                call(
                    self.stage_operation.sync_detailed,
                    *(*self._path_args(), load.load_id),
                    client=api,
                    body=cast(Any, _JSONBody({"rows": batch})),
                )
                requests += 1
            committed = call(
                commit_full_load.sync_detailed, load.load_id, client=api, body=FullLoadCommit(allow_empty=allow_empty)
            )
            requests += 1
        except BaseException:
            # Nothing staged is visible before the commit: discard it and keep the table as it was.
            with contextlib.suppress(NuntiqError):
                call(abort_full_load.sync_detailed, load.load_id, client=api)
            raise
        for entity in self._entities:
            entity._mark_clean()
        return FullLoadSummary(
            load_id=committed.load_id,
            staged_rows=len(rows),
            inserted=committed.inserted,
            updated=committed.updated,
            unchanged=committed.unchanged,
            deleted=committed.deleted,
            requests=requests,
        )

    # --- saving rows from an iterable -----------------------------------------

    def _save_rows(
        self, rows: Iterable[Mapping[str, Any]], size: int, *, full_load: bool, strict: bool, allow_empty: bool
    ) -> StreamResult | FullLoadSummary:
        if isinstance(rows, Mapping | str | bytes) or not isinstance(rows, Iterable):
            message = "must be an iterable of rows (mappings of field names to values)"
            raise ValidationError([FieldProblem("rows", short_repr(rows), message)])
        chunks = self._checked_all(rows, size) if strict else self._checked_chunks(rows, size)
        if full_load:
            return self._stream_full_load(chunks, allow_empty)
        return self._stream_upsert(chunks)

    def _checked_chunks(self, rows: Iterable[Mapping[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
        """The rows in chunks of ``size``, each chunk checked whole before it is handed on."""
        stream = iter(rows)
        start = 0
        while chunk := list(itertools.islice(stream, size)):
            problems: list[FieldProblem] = []
            checked = self._checked(chunk, start, problems)
            if problems:
                raise ValidationError(problems)
            yield checked
            start += len(chunk)

    def _checked_all(self, rows: Iterable[Mapping[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
        """Strict mode: every row checked (and held) before the first chunk goes out; one error for all of them."""
        problems: list[FieldProblem] = []
        checked = self._checked(list(rows), 0, problems)
        if problems:
            raise ValidationError(problems)
        return (checked[start : start + size] for start in range(0, len(checked), size))

    def _checked(self, rows: list[Any], start: int, problems: list[FieldProblem]) -> list[dict[str, Any]]:
        """The rows as they are sent, each checked once; ``start`` is the first one's place in the stream.

        Plain dicts that the generated check accepts are sent as given; any other row is looked at closely.
        """
        accepts_new = self.meta.accepts_new
        checked: list[Any] = []
        for index, row in enumerate(rows):
            if row.__class__ is dict and accepts_new(row):
                checked.append(row)
            else:
                checked.append(self._stream_row(row, start + index, problems))
        return checked

    def _stream_row(self, row: Any, index: int, problems: list[FieldProblem]) -> dict[str, Any] | None:
        """A row the generated check did not pass at once: made as ``new()`` + save would, or its problems."""
        meta = self.meta
        fallback = f"row #{index}"
        if not isinstance(row, Mapping):
            what = f"is a {type(row).__name__}, not a mapping of {meta.name} fields"
            problems.append(FieldProblem("row", short_repr(row), what, row=fallback))
            return None
        label = meta.label(row, fallback) if all(isinstance(k, str) for k in row) else fallback
        refused = [name for name in row if name not in meta.assignable]
        if refused:
            problems.extend(
                FieldProblem(str(name), row[name], str(meta.refuse(str(name))), row=label) for name in refused
            )
            return None
        try:
            entity = meta.entity_class._build(dict(row))
        except (AttributeError, TypeError) as exc:  # a child with a name it does not have, or not a dict
            problems.append(FieldProblem("row", None, str(exc), row=label))
            return None
        return entity._row(False, problems, label)

    def _stream_upsert(self, chunks: Iterator[list[dict[str, Any]]]) -> StreamResult:
        result = StreamResult()
        try:
            for chunk in chunks:
                answer = call_json(
                    self.upsert_operation.sync_raw,
                    *self._path_args(),
                    client=self.context.api,
                    body=cast(Any, _JSONBody({"rows": chunk})),
                )
                result.requests += 1
                _count_outcomes(answer, len(chunk), result)
        except BaseException as exc:
            if result.requests:
                exc.add_note(
                    f"save_all(rows=...): the {result.rows} rows before this one's chunk were saved ({result}); "
                    "saving the same rows again is safe: the upsert is on the natural key"
                )
            raise
        return result

    def _stream_full_load(self, chunks: Iterator[list[dict[str, Any]]], allow_empty: bool) -> FullLoadSummary:
        api = self.context.api
        load_id: str | None = None
        staged = requests = 0
        try:
            for chunk in chunks:
                if load_id is None:  # opened once the first chunk has passed its checks
                    load_id = call(start_full_load.sync_detailed, client=api, body=self._full_load_start()).load_id
                    requests += 1
                call(
                    self.stage_operation.sync_detailed,
                    *(*self._path_args(), load_id),
                    client=api,
                    body=cast(Any, _JSONBody({"rows": chunk})),
                )
                requests += 1
                staged += len(chunk)
            if load_id is None:
                if not allow_empty:
                    message = "has no rows and would empty the whole table; pass allow_empty=True if that is meant"
                    raise ValidationError([FieldProblem("full_load", None, message)])
                load_id = call(start_full_load.sync_detailed, client=api, body=self._full_load_start()).load_id
                requests += 1
            committed = call(
                commit_full_load.sync_detailed, load_id, client=api, body=FullLoadCommit(allow_empty=allow_empty)
            )
            requests += 1
        except BaseException:
            if load_id is not None:  # nothing staged is visible before the commit: the table stays as it was
                with contextlib.suppress(NuntiqError):
                    call(abort_full_load.sync_detailed, load_id, client=api)
            raise
        return FullLoadSummary(
            load_id=committed.load_id,
            staged_rows=staged,
            inserted=committed.inserted,
            updated=committed.updated,
            unchanged=committed.unchanged,
            deleted=committed.deleted,
            requests=requests,
        )

    # --- deleting -------------------------------------------------------------

    def delete_where(self, *, all: bool = False, **filters: Any) -> int:
        """Delete the rows equal on every filter; return how many. No filter: pass ``all=True``."""
        body = self._delete_body(filters, all)
        result = call(self.delete_operation.sync_detailed, *self._path_args(), client=self.context.api, body=body)
        deleted: int = result.deleted
        return deleted

    def _delete_body(self, filters: Mapping[str, Any], all_rows: bool) -> Any:
        schema = self._shape().delete_schema
        names = tuple(name for name in schema.fields if name != "all")
        values = {name: (v.value if isinstance(v, enum.Enum) else v) for name, v in filters.items()}
        problems = [
            FieldProblem(name, None, f"is not a filter of {schema.name}; filters are {', '.join(names)}")
            for name in values
            if name not in names
        ]
        problems += schema.problems({k: v for k, v in values.items() if k in names})
        if not values and not all_rows:
            problems.append(FieldProblem("all", None, "must be True to delete every row (no filter was given)"))
        if problems:
            raise ValidationError(problems)
        return cast(Any, _JSONBody({**values, "all": all_rows}))
