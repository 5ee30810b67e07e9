"""Entities: master-data rows and drafts with dirty tracking; the behaviour behind the generated classes.

``nox -s generate`` writes one typed class per entity schema of the spec into
``nuntiq_sdk._generated.entities`` (``Supplier``, ``SupplierLocation``, ...):
a property per field, and an ``EntityMeta`` with the schema's fields,
read-only fields, natural key (``x-nuntiq-key``), create-time requirements
(``x-nuntiq-required-on-create``), keyed children and generated checks.
Nothing here names a field of any object: a property added to the spec and
regenerated is an entity field with no SDK change.

An entity keeps the server's state (``_base``) and, over it, the fields set
since (``_values``); setting a field to its current value removes it from the
overlay, so it is not a change. ``changes()`` is what an incremental upsert
sends: the key plus the changed fields, and only the new or changed children,
each with its key plus its changed fields. ``full_row()`` is the complete row
a full load stages.

Children given or read as plain dicts stay dicts until their field is first
read: a 50,000-row bulk save or read does not build 100,000 child entities
nobody looks at. A child dict behaves exactly as a child entity would; it is
copied into one when its field is first read.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Self, SupportsIndex, TypeVar, cast

import attrs

from nuntiq_sdk._exceptions import FieldProblem
from nuntiq_sdk._validation import RequestSchema, RowCheck

__all__ = ["DynamicEntity", "Entity", "EntityList", "EntityMeta", "RowChecks"]

_MISSING: Any = object()
_set = object.__setattr__


class _Nothing(dict[str, Any]):
    """The one empty state every entity starts from, shared and never written.

    A bulk save or read of 50,000 rows would otherwise allocate 100,000 empty
    dicts (a new row's server state and children, a clean row's changes);
    an entity swaps in a dict of its own on its first write (``_own``).
    """

    __slots__ = ()

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("the shared empty entity state is never written; take a dict of your own first")

    __setitem__ = __delitem__ = update = setdefault = clear = popitem = __ior__ = _refuse

    def pop(self, key: str, default: Any = _MISSING) -> Any:
        if default is _MISSING:
            raise KeyError(key)
        return default


_NOTHING: Any = _Nothing()


@attrs.frozen
class RowChecks:
    """The bulk checks of one entity schema, written by the generator (or built for a run-time schema)."""

    accepts: RowCheck  # the schema's own constraints hold (``problems`` would find nothing)
    accepts_new: RowCheck  # a new row as ``load.new()`` keeps it needs no closer look
    keeps: RowCheck  # ``load.new()``'s keywords can be kept exactly as given
    key_of: Callable[[Mapping[str, Any]], dict[str, Any]]


class EntityMeta:
    """The shape of one entity schema: fields, key, children and checks.

    The generated module (``nuntiq_sdk._generated.entities``) builds one per
    schema of the spec from literal data and generated checks; a customer data
    table, whose columns are known only at run time, builds one with
    ``EntityMeta.dynamic``.
    """

    def __init__(
        self,
        name: str,
        *,
        entity_class: type[Entity],
        properties: Mapping[str, dict[str, Any]],
        required: tuple[str, ...],
        key: tuple[str, ...],
        required_on_create: tuple[str, ...],
        read_only: frozenset[str],
        list_fields: frozenset[str],
        closed: bool,
        children: Mapping[str, EntityMeta],
        checks: RowChecks,
        list_class: type[EntityList[Any]] | None = None,
    ) -> None:
        self.name = name
        self.entity_class = entity_class
        # The list an owner keeps these entities in, as its children (generated: its ``new()`` is typed).
        self.list_class: type[EntityList[Any]] = list_class or EntityList
        self.checks = RequestSchema.from_properties(name, properties, required, closed=closed, accepts=checks.accepts)
        self.fields: frozenset[str] = frozenset(properties)
        self.read_only = read_only
        self.key = key
        self.key_of = checks.key_of
        self.required_on_create = required_on_create
        self.children: dict[str, EntityMeta] = dict(children)
        self.scalars: frozenset[str] = self.fields - self.children.keys()
        self.writable: frozenset[str] = self.scalars - self.read_only
        self.assignable: frozenset[str] = self.writable | self.children.keys()
        # Lists of plain values (e.g. a user's roles) are copied on read, so in-place edits are seen.
        self.list_fields = list_fields
        self.keeps = checks.keeps
        self.accepts_new = checks.accepts_new

    @classmethod
    def dynamic(cls, name: str, schema: Mapping[str, Any]) -> EntityMeta:
        """The shape of rows defined at run time (a table's columns): no children, checked field by field."""
        properties: dict[str, dict[str, Any]] = dict(schema.get("properties", {}))
        required = tuple(schema.get("required", ()))
        key = tuple(schema.get("x-nuntiq-key") or required)
        required_on_create = tuple(schema.get("x-nuntiq-required-on-create", ()))
        fields = frozenset(properties)
        checks = RequestSchema.from_properties(name, properties, required, closed=True)
        needed = (*required, *required_on_create)

        def accepts_new(row: Mapping[str, Any]) -> bool:
            return all(row.get(f) is not None for f in needed) and None not in row.values() and checks.accepts(row)

        entity_class: type[DynamicEntity] = type(name, (DynamicEntity,), {"__slots__": ()})
        meta = cls(
            name,
            entity_class=entity_class,
            properties=properties,
            required=required,
            key=key,
            required_on_create=required_on_create,
            read_only=frozenset(),
            list_fields=frozenset(),
            closed=True,
            children={},
            checks=RowChecks(
                accepts=checks.accepts,
                accepts_new=accepts_new,
                keeps=lambda own: own.keys() <= fields,
                key_of=lambda row: {k: row[k] for k in key},
            ),
        )
        entity_class._meta = meta
        return meta

    def __repr__(self) -> str:
        return f"EntityMeta({self.name!r}, key={self.key})"

    def unknown(self, name: str) -> AttributeError:
        fields = sorted(self.fields)
        close = difflib.get_close_matches(name, fields, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f"; fields are {', '.join(fields)}"
        return AttributeError(f"{self.name} has no field {name!r}{hint}")

    def refuse(self, name: str) -> AttributeError:
        """Why ``name`` cannot be set: read-only, or not a field at all."""
        if name in self.read_only:
            return AttributeError(f"{self.name}.{name} is read-only (set by the API)")
        return self.unknown(name)

    def label(self, row: Mapping[str, Any], fallback: str) -> str:
        """The row's natural key as people read it: ``supplier_code=SUP-100``."""
        parts = [f"{k}={row[k]}" for k in self.key if row.get(k) is not None]
        return ", ".join(parts) if len(parts) == len(self.key) else fallback

    def problems(self, row: Mapping[str, Any], *, create: bool, label: str | None = None) -> list[FieldProblem]:
        """Every violation in the row's own fields; ``create`` adds the create-time requirements."""
        if self.checks.accepts(row) and (not create or all(row.get(f) is not None for f in self.required_on_create)):
            return []  # the common case: one generated check
        found = self.checks.problems(row, row=label)
        if create:
            for field in self.required_on_create:
                if row.get(field) is None and not any(p.field == field for p in found):
                    found.append(FieldProblem(field, None, "is required when creating", row=label))
        return found

    def raw_children(self, field: str, value: Any) -> list[dict[str, Any]] | tuple[dict[str, Any], ...] | None:
        """Children given as plain dicts of settable fields, kept as given; None when they need entities now.

        Entities, dicts with unknown or read-only names, or with children of
        their own go through ``EntityList`` at once, which checks each name.
        The list and its dicts are kept (as any value given is) and only read
        until the field is first read, when each dict is copied into a child
        entity: changing a child never writes into the caller's dicts.
        """
        settable = self.children[field].writable
        if value is None:
            return ()
        if value.__class__ is not list and value.__class__ is not tuple:
            return None
        for item in value:
            if item.__class__ is not dict or not item.keys() <= settable:
                return None
        rows: list[dict[str, Any]] | tuple[dict[str, Any], ...] = value
        return rows


class Entity:
    """One row of a master-data object; its attributes are the spec schema's properties.

    Built by ``load.new()`` (new) or read by ``load.get_all()`` / ``search()``
    (clean). Unknown names raise ``AttributeError`` with a suggestion; values
    are checked when the Load saves, not when they are set.
    """

    __slots__ = ("__weakref__", "_base", "_children", "_new", "_owner", "_touched", "_tracker", "_values")
    _meta: ClassVar[EntityMeta]

    _base: dict[str, Any]
    _values: dict[str, Any]
    _children: dict[str, EntityList[Entity]]
    _new: bool
    _owner: Entity | None
    _touched: bool
    # Called once, with the entity, on its first change: a Load keeps only the rows read that a caller changes.
    _tracker: Callable[[Entity], None] | None

    def __init__(self, **values: Any) -> None:
        _set(self, "_base", _NOTHING)
        _set(self, "_values", values)
        _set(self, "_children", _NOTHING)
        _set(self, "_new", True)
        _set(self, "_owner", None)
        _set(self, "_touched", False)
        _set(self, "_tracker", None)
        self._adopt_values()
        self._changed()

    @classmethod
    def _build(cls, values: dict[str, Any]) -> Self:
        """``cls(**values)`` for a dict of the caller's own (``load.new``'s keywords), kept rather than copied."""
        entity = cls._from_values(values)
        entity._adopt_values()
        return entity

    def _adopt_values(self) -> None:
        """Check the names a new entity was given; children given as lists of plain dicts are kept as given."""
        meta = self._meta
        own = self._values
        if meta.keeps(own):
            return
        if not own.keys() <= meta.assignable:
            unknown = own.keys() - meta.fields
            if unknown:
                raise meta.unknown(sorted(unknown)[0])
            read_only = sorted(own.keys() & meta.read_only)[0]
            raise AttributeError(f"{meta.name}.{read_only} is read-only (set by the API)")
        for field in meta.children:
            value = own.get(field, _MISSING)
            if value is _MISSING:
                continue
            raw = meta.raw_children(field, value)
            if raw is not None:
                own[field] = raw  # plain dicts: entities only when the field is read
            else:
                del own[field]
                setattr(self, field, value)  # entities, or dicts with names to check one by one

    @classmethod
    def _from_row(
        cls, row: dict[str, Any], owner: Entity | None = None, tracker: Callable[[Entity], None] | None = None
    ) -> Self:
        """A clean entity from a row the API returned (``row`` is kept, not copied; children stay dicts)."""
        entity = object.__new__(cls)
        _set(entity, "_base", row)
        _set(entity, "_values", _NOTHING)
        _set(entity, "_children", _NOTHING)
        _set(entity, "_new", False)
        _set(entity, "_owner", owner)
        _set(entity, "_touched", False)
        _set(entity, "_tracker", tracker)
        return entity

    def _child_list(self, field: str) -> EntityList[Any]:
        """The children of ``field`` as entities, built from their dicts on first use."""
        children = self._children.get(field)
        if children is None:
            child_meta = self._meta.children[field]
            children = child_meta.list_class(self, child_meta)
            build: Callable[[dict[str, Any], Entity], Entity]
            if self._new:
                raw = self._values.pop(field, None)
                build = child_meta.entity_class._from_values
            else:
                raw = self._base.pop(field, None)
                build = child_meta.entity_class._from_row
            if raw:  # copies: the dicts may be the caller's, or shared by other rows
                list.extend(children, [build(dict(item), self) for item in raw])
            self._own("_children")[field] = children
        return children

    @classmethod
    def _from_values(cls, values: dict[str, Any], owner: Entity | None = None) -> Self:
        """A new entity over ``values`` (checked settable by ``raw_children``; kept, not copied)."""
        entity = object.__new__(cls)
        _set(entity, "_base", _NOTHING)
        _set(entity, "_values", values)
        _set(entity, "_children", _NOTHING)
        _set(entity, "_new", True)
        _set(entity, "_owner", owner)
        _set(entity, "_touched", False)
        _set(entity, "_tracker", None)
        return entity

    def _own(self, state: str) -> dict[str, Any]:
        """``_values`` or ``_children``, made the entity's own dict before its first write."""
        current: dict[str, Any] = getattr(self, state)
        if current is _NOTHING:
            current = {}
            _set(self, state, current)
        return current

    def _all_children(self) -> dict[str, EntityList[Entity]]:
        for field in self._meta.children:
            self._child_list(field)
        return self._children

    # --- field access (the generated properties call these) ------------------

    def _get(self, name: str) -> Any:
        value = self._values.get(name, _MISSING)
        if value is not _MISSING:
            return value
        return self._base.get(name)

    def _get_list(self, name: str) -> Any:
        """A list field, copied from the server's state on first read so an in-place edit shows as a change."""
        value = self._values.get(name, _MISSING)
        if value is not _MISSING:
            return value
        value = self._base.get(name)
        if isinstance(value, list):
            value = self._own("_values")[name] = list(value)
            self._track()  # the copy may be edited in place: its Load must see it at save
        return value

    def _set_field(self, name: str, value: Any) -> None:
        meta = self._meta
        base = self._base.get(name, _MISSING)
        if not self._new and name in meta.key and not _same(base, value):
            raise AttributeError(
                f"{meta.name}.{name} is part of the natural key; create a new entity with load.new() instead"
            )
        if base is not _MISSING and _same(base, value):
            self._values.pop(name, None)  # back to the saved value: not a change
            return
        self._own("_values")[name] = value
        self._changed()

    def _set_children(self, name: str, value: Iterable[Entity | Mapping[str, Any]] | None) -> None:
        child_meta = self._meta.children[name]
        children: EntityList[Entity] = child_meta.list_class(self, child_meta)
        children.extend(value or ())
        self._values.pop(name, None)
        self._base.pop(name, None)
        self._own("_children")[name] = children
        self._changed()

    if not TYPE_CHECKING:  # a type checker sees only the generated, typed properties

        def __getattr__(self, name: str) -> Any:
            # Only reached for names that are neither slots nor properties.
            if name.startswith("__"):
                raise AttributeError(name)
            raise self._meta.unknown(name)

        def __setattr__(self, name: str, value: Any) -> None:
            if name not in self._meta.assignable:
                raise self._meta.refuse(name)
            object.__setattr__(self, name, value)  # the property's setter

        def __delattr__(self, name: str) -> None:
            setattr(self, name, None)

    def _changed(self) -> None:
        """Mark every owner touched (their children changed) and have the top-level entity tracked."""
        top = self
        owner = self._owner
        while owner is not None:
            _set(owner, "_touched", True)
            top = owner
            owner = owner._owner
        top._track()

    def _track(self) -> None:
        tracker = self._tracker
        if tracker is not None:
            _set(self, "_tracker", None)
            tracker(self)

    # --- state ----------------------------------------------------------------

    @property
    def is_new(self) -> bool:
        """Not saved yet (built by ``load.new()``)."""
        return self._new

    @property
    def is_dirty(self) -> bool:
        """New, or changed since it was read or saved."""
        return self._new or self.changes() is not None

    def key(self) -> dict[str, Any]:
        """The natural key, e.g. ``{"supplier_code": "SUP-100"}``."""
        return {k: getattr(self, k) for k in self._meta.key}

    def to_dict(self) -> dict[str, Any]:
        """Every field that has a value, children as lists of dicts (read-only fields included)."""
        meta = self._meta
        row = {k: v for k, v in {**self._base, **self._values}.items() if v is not None and k in meta.scalars}
        for field, children in self._all_children().items():
            if children or not self._new:
                row[field] = [child.to_dict() for child in children]
        return row

    def changes(self) -> dict[str, Any] | None:
        """What an incremental upsert sends: the key and what changed, or None when nothing did."""
        return self._row(False, None, "")

    def full_row(self) -> dict[str, Any]:
        """The complete row a full load stages (read-only fields left out)."""
        row = self._row(True, None)
        assert row is not None
        return row

    def _row(self, full: bool, problems: list[FieldProblem] | None, label: str | None = None) -> dict[str, Any] | None:
        """The row to send - changes, or complete when ``full`` - checked into ``problems`` when given.

        Problems name their row by ``label``; the Load sets it to the top-level row's key when there are any.
        """
        meta = self._meta
        create = self._new or full
        keyed = True  # the row holds its key fields already
        if self._new:
            row = {k: v for k, v in self._values.items() if v is not None}
        elif full:
            values = {**self._base, **self._values} if self._values else self._base
            row = {k: v for k, v in values.items() if v is not None and k in meta.writable}
        else:
            if not self._values and not self._touched:
                return None
            base = self._base
            changed = {k: v for k, v in self._values.items() if not _same(base.get(k, _MISSING), v)}
            keyed = bool(changed)
            row = {**{k: base.get(k) for k in meta.key}, **changed} if changed else {}
        if problems is not None and (create or row):
            problems.extend(meta.problems(row, create=create, label=label))
        if self._new:
            for field, child_meta in meta.children.items():
                raw = row.get(field)
                if raw is not None:  # children still as dicts: new rows, like new child entities
                    rows = [_new_child_row(child_meta, item, problems, label, field, i) for i, item in enumerate(raw)]
                    if rows:
                        row[field] = rows
                    else:
                        del row[field]
        if create or self._touched:
            materialise = full and not self._new  # a full row carries every child, read or not
            for field, children in (self._all_children() if materialise else self._children).items():
                rows = []
                for index, child in enumerate(children):
                    before = len(problems) if problems is not None else 0
                    child_row = child._row(full, problems, label)
                    if problems is not None and len(problems) > before:
                        _name_child(problems, before, field, child._meta.label(child._key_source(), f"#{index}"))
                    if child_row is not None:
                        rows.append(child_row)
                if rows:
                    row[field] = rows
        if not keyed:
            if not row:
                return None
            row = {**{k: self._base.get(k) for k in meta.key}, **row}
        return row

    def _key_source(self) -> Mapping[str, Any]:
        return self._values if self._new else self._base

    def _mark_clean(self) -> None:
        """After a successful save: the current state is the server's."""
        if self._new:
            _set(self, "_base", self._values)
            _set(self, "_new", False)
            _set(self, "_values", _NOTHING)
        elif self._values:
            self._base.update(self._values)
            _set(self, "_values", _NOTHING)
        if self._touched:
            _set(self, "_touched", False)
        for children in self._children.values():
            for child in children:
                child._mark_clean()

    # --- display --------------------------------------------------------------

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.to_dict().items())
        state = " new" if self._new else ""
        return f"<{self._meta.name}{state} {shown}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Entity) and other._meta is self._meta and other.to_dict() == self.to_dict()

    __hash__ = None  # type: ignore[assignment]


def _new_child_row(
    meta: EntityMeta,
    values: dict[str, Any],
    problems: list[FieldProblem] | None,
    label: str | None,
    field: str,
    index: int,
) -> dict[str, Any]:
    """The row of a child still held as a dict: what ``_row`` makes of a new child entity."""
    row = {k: v for k, v in values.items() if v is not None}
    if problems is not None:
        before = len(problems)
        problems.extend(meta.problems(row, create=True, label=label))
        if len(problems) > before:
            _name_child(problems, before, field, meta.label(values, f"#{index}"))
    return row


def _name_child(problems: list[FieldProblem], since: int, field: str, child: str) -> None:
    """Prefix the child's problems with where it sits: ``locations[location_code=MAIN].name``."""
    problems[since:] = [attrs.evolve(p, field=f"{field}[{child}].{p.field}") for p in problems[since:]]


def _same(old: Any, new: Any) -> bool:
    # 1 == True in Python; for the API they differ.
    return old is not _MISSING and type(old) is type(new) and old == new


E = TypeVar("E", bound=Entity)


class DynamicEntity(Entity):
    """A row whose columns are known only at run time (a customer data table): ``row["code"]`` or ``row.code``.

    Its values are typed as what a column can hold; the column names and
    their checks come from the table's definition, read from the API.
    """

    __slots__ = ()

    def __getitem__(self, name: str) -> CellValue:
        if name not in self._meta.fields:
            raise KeyError(str(self._meta.unknown(name)))
        value: CellValue = self._get(name)
        return value

    def __setitem__(self, name: str, value: CellValue) -> None:
        if name not in self._meta.assignable:
            raise KeyError(str(self._meta.refuse(name)))
        self._set_field(name, value)

    def get(self, name: str, default: CellValue = None) -> CellValue:
        """The column's value, or ``default`` when it is unset."""
        value = self[name]
        return default if value is None else value

    if not TYPE_CHECKING:

        def __getattr__(self, name: str) -> Any:
            if name.startswith("__"):
                raise AttributeError(name)
            if name not in self._meta.fields:
                raise self._meta.unknown(name)
            return self._get(name)

        def __setattr__(self, name: str, value: Any) -> None:
            if name not in self._meta.assignable:
                raise self._meta.refuse(name)
            self._set_field(name, value)


class EntityList(list[E], Generic[E]):
    """The children of an entity (a supplier's locations, ...): a list of entities.

    ``new(**values)`` (typed by each generated list, e.g.
    ``SupplierLocationList``) adds a child; plain dicts appended are made into new
    children; ``get(...)`` finds one by its key. On an incremental save only new
    and changed children are sent: removing one from the list does not delete it
    on the server (a full load does replace the whole row).
    """

    __slots__ = ("_meta", "_owner")

    def __init__(self, owner: Entity, meta: EntityMeta) -> None:
        super().__init__()
        self._owner = owner
        self._meta = meta

    def _adopt(self, item: E | Mapping[str, Any]) -> E:
        child: Any
        if isinstance(item, Entity):
            if item._meta is not self._meta:
                raise TypeError(f"expected a {self._meta.name}, got a {item._meta.name}")
            child = item
        elif isinstance(item, Mapping):
            child = self._meta.entity_class(**item)
        else:
            raise TypeError(f"expected a {self._meta.name} or a dict, got {type(item).__name__}")
        _set(child, "_owner", self._owner)
        return cast(E, child)

    def _touch(self) -> None:
        _set(self._owner, "_touched", True)
        self._owner._changed()

    def _new(self, values: Mapping[str, Any]) -> E:
        """Add a new child with these fields and return it (the generated lists' ``new()``)."""
        child = self._adopt(values)
        list.append(self, child)
        self._touch()
        return child

    def get(self, *key: Any, **named: Any) -> E | None:
        """The child with this natural key (positionally, or by field name), or None."""
        wanted = dict(zip(self._meta.key, key, strict=False)) | named
        for child in self:
            if all(child._get(k) == v for k, v in wanted.items()):
                return child
        return None

    def append(self, item: E | Mapping[str, Any]) -> None:
        list.append(self, self._adopt(item))
        self._touch()

    def extend(self, items: Iterable[E | Mapping[str, Any]]) -> None:
        list.extend(self, [self._adopt(item) for item in items])
        self._touch()

    def insert(self, index: SupportsIndex, item: E | Mapping[str, Any]) -> None:
        list.insert(self, index, self._adopt(item))
        self._touch()

    def __setitem__(self, index: Any, item: Any) -> None:
        if isinstance(index, slice):
            list.__setitem__(self, index, [self._adopt(i) for i in item])
        else:
            list.__setitem__(self, index, self._adopt(item))
        self._touch()

    def __delitem__(self, index: Any) -> None:
        list.__delitem__(self, index)
        self._touch()

    def remove(self, item: E) -> None:
        list.remove(self, item)
        self._touch()

    def pop(self, index: SupportsIndex = -1) -> E:
        item = list.pop(self, index)
        self._touch()
        return item

    def clear(self) -> None:
        list.clear(self)
        self._touch()

    def __repr__(self) -> str:
        return f"EntityList({list.__repr__(self)})"


CellValue = str | int | float | bool | None
"""What a customer data table's cell holds (its column types: string, integer, number, boolean, date as a string)."""
