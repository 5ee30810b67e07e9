"""Entities: master-data rows with dirty tracking, their fields read from the spec.

An ``EntityMeta`` is compiled once per schema of the spec (``Supplier``,
``SupplierLocation``, ...): its fields, read-only fields, natural key
(``x-nuntiq-key``), create-time requirements (``x-nuntiq-required-on-create``),
nested children (arrays of keyed objects, themselves entities) and compiled
checks. Nothing here names a field of any object: a property added to the
spec and regenerated is an entity field with no SDK change.

An entity keeps the server's state (``_base``) and, over it, the fields set
since (``_values``); setting a field to its current value removes it from the
overlay, so it is not a change. ``changes()`` is what an incremental upsert
sends: the key plus the changed fields, and only the new or changed children,
each with its key plus its changed fields. ``full_row()`` is the complete row
a full load stages.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, SupportsIndex

import attrs

from nuntiq_sdk._exceptions import FieldProblem
from nuntiq_sdk._spec import component_schema, resolve, spec_cache
from nuntiq_sdk._validation import RequestSchema

__all__ = ["Entity", "EntityList", "EntityMeta", "entity_meta"]

_MISSING: Any = object()
_set = object.__setattr__


class EntityMeta:
    """The compiled shape of one schema: fields, key, children and checks."""

    def __init__(self, name: str, schema: Mapping[str, Any], *, children: Mapping[str, EntityMeta] | None = None):
        schema = resolve(dict(schema))
        self.name = name
        properties: dict[str, Any] = {k: resolve(v) for k, v in schema.get("properties", {}).items()}
        self.checks = RequestSchema(name, dict(schema))
        self.fields: frozenset[str] = frozenset(properties)
        self.read_only: frozenset[str] = frozenset(k for k, v in properties.items() if v.get("readOnly"))
        self.key: tuple[str, ...] = tuple(schema.get("x-nuntiq-key") or schema.get("required") or ())
        self.required_on_create: tuple[str, ...] = tuple(schema.get("x-nuntiq-required-on-create", ()))
        if children is None:
            children = {
                field: entity_meta(ref.rsplit("/", 1)[-1])
                for field, prop in properties.items()
                if prop.get("type") == "array"
                and isinstance(ref := prop.get("items", {}).get("$ref"), str)
                and "x-nuntiq-key" in resolve(prop["items"])
            }
        self.children: dict[str, EntityMeta] = dict(children)
        self.scalars: frozenset[str] = self.fields - self.children.keys()
        self.writable: frozenset[str] = self.scalars - self.read_only
        # Lists of plain values (e.g. a user's roles) are copied on read, so in-place edits are seen.
        self.list_fields: frozenset[str] = frozenset(k for k in self.scalars if properties[k].get("type") == "array")
        self.entity_class: type[Entity] = type(name, (Entity,), {"__slots__": (), "_meta": self})

    def __repr__(self) -> str:
        return f"EntityMeta({self.name!r}, key={self.key})"

    def unknown(self, name: str) -> AttributeError:
        fields = sorted(self.fields)
        close = difflib.get_close_matches(name, fields, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f"; fields are {', '.join(fields)}"
        return AttributeError(f"{self.name} has no field {name!r}{hint}")

    def label(self, row: Mapping[str, Any], fallback: str) -> str:
        """The row's natural key as people read it: ``supplier_code=SUP-100``."""
        parts = [f"{k}={row[k]}" for k in self.key if row.get(k) is not None]
        return ", ".join(parts) if len(parts) == len(self.key) else fallback

    def problems(self, row: Mapping[str, Any], *, create: bool, label: str | None = None) -> list[FieldProblem]:
        """Every violation in the row's own fields; ``create`` adds the create-time requirements."""
        found = self.checks.problems(row, row=label)
        if create:
            for field in self.required_on_create:
                if row.get(field) is None and not any(p.field == field for p in found):
                    found.append(FieldProblem(field, None, "is required when creating", row=label))
        return found


@spec_cache
def entity_meta(component: str) -> EntityMeta:
    """The compiled shape of a component schema of the spec (cached until the spec is swapped)."""
    return EntityMeta(component, component_schema(component))


class Entity:
    """One row of a master-data object; its attributes are the spec schema's properties.

    Built by ``load.new()`` (new) or read by ``load.get_all()`` / ``search()``
    (clean). Unknown names raise ``AttributeError`` with a suggestion; values
    are checked when the Load saves, not when they are set.
    """

    __slots__ = ("__weakref__", "_base", "_children", "_new", "_owner", "_touched", "_values")
    _meta: ClassVar[EntityMeta]

    _base: dict[str, Any]
    _values: dict[str, Any]
    _children: dict[str, EntityList]
    _new: bool
    _owner: Entity | None
    _touched: bool

    def __init__(self, **values: Any) -> None:
        _set(self, "_base", {})
        _set(self, "_values", {})
        _set(self, "_children", {})
        _set(self, "_new", True)
        _set(self, "_owner", None)
        _set(self, "_touched", False)
        self._assign(values)

    def _assign(self, values: Mapping[str, Any]) -> None:
        meta = self._meta
        unknown = values.keys() - meta.fields
        if unknown:
            raise meta.unknown(sorted(unknown)[0])
        if self._new and not (values.keys() & meta.children.keys()) and not (values.keys() & meta.read_only):
            self._values.update(values)  # the fast path of load.new(**values)
            self._changed()
            return
        for name, value in values.items():
            setattr(self, name, value)

    @classmethod
    def _from_row(cls, row: dict[str, Any], owner: Entity | None = None) -> Entity:
        """A clean entity from a row the API returned (``row`` is kept, not copied)."""
        entity = object.__new__(cls)
        meta = cls._meta
        children: dict[str, EntityList] = {}
        for field, child_meta in meta.children.items():
            raw = row.pop(field, None)
            entity_list = EntityList(entity, child_meta)
            if raw:
                list.extend(entity_list, (child_meta.entity_class._from_row(item, entity) for item in raw))
            children[field] = entity_list
        _set(entity, "_base", row)
        _set(entity, "_values", {})
        _set(entity, "_children", children)
        _set(entity, "_new", False)
        _set(entity, "_owner", owner)
        _set(entity, "_touched", False)
        return entity

    # --- attribute access -----------------------------------------------------

    def __getattr__(self, name: str) -> Any:
        # Only reached for names that are not slots.
        meta = self._meta
        if name in meta.children:
            children = self._children.get(name)
            if children is None:
                children = self._children[name] = EntityList(self, meta.children[name])
            return children
        value = self._values.get(name, _MISSING)
        if value is not _MISSING:
            return value
        if name not in meta.fields:
            if name.startswith("__"):
                raise AttributeError(name)
            raise meta.unknown(name)
        value = self._base.get(name)
        if name in meta.list_fields and isinstance(value, list):
            value = self._values[name] = list(value)  # an in-place edit must show as a change
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        meta = self._meta
        if name in meta.children:
            children = EntityList(self, meta.children[name])
            children.extend(value or ())
            self._children[name] = children
            self._changed()
            return
        if name not in meta.fields:
            raise meta.unknown(name)
        if name in meta.read_only:
            raise AttributeError(f"{meta.name}.{name} is read-only (set by the API)")
        base = self._base.get(name, _MISSING)
        if not self._new and name in meta.key and not _same(base, value):
            raise AttributeError(
                f"{meta.name}.{name} is part of the natural key; create a new entity with load.new() instead"
            )
        if base is not _MISSING and _same(base, value):
            self._values.pop(name, None)  # back to the saved value: not a change
            return
        self._values[name] = value
        self._changed()

    def __delattr__(self, name: str) -> None:
        setattr(self, name, None)

    def _changed(self) -> None:
        owner = self._owner
        while owner is not None:
            _set(owner, "_touched", True)
            owner = owner._owner

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
        for field, children in self._children.items():
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
        if create or self._touched:
            for field, children in self._children.items():
                rows = []
                for index, child in enumerate(children):
                    before = len(problems) if problems is not None else 0
                    child_row = child._row(full, problems, label)
                    if problems is not None and len(problems) > before:  # name the child only when it has problems
                        where = f"{field}[{child._meta.label(child._key_source(), f'#{index}')}]."
                        problems[before:] = [attrs.evolve(p, field=where + p.field) for p in problems[before:]]
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
            _set(self, "_values", {})
        elif self._values:
            self._base.update(self._values)
            _set(self, "_values", {})
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


def _same(old: Any, new: Any) -> bool:
    # 1 == True in Python; for the API they differ.
    return old is not _MISSING and type(old) is type(new) and old == new


class EntityList(list[Entity]):
    """The children of an entity (a supplier's locations, ...): a list of entities.

    ``new(**values)`` adds a child; plain dicts appended are made into new
    children; ``get(...)`` finds one by its key. On an incremental save only new
    and changed children are sent: removing one from the list does not delete it
    on the server (a full load does replace the whole row).
    """

    __slots__ = ("_meta", "_owner")

    def __init__(self, owner: Entity, meta: EntityMeta) -> None:
        super().__init__()
        self._owner = owner
        self._meta = meta

    def _adopt(self, item: Entity | Mapping[str, Any]) -> Entity:
        if isinstance(item, Entity):
            if item._meta is not self._meta:
                raise TypeError(f"expected a {self._meta.name}, got a {item._meta.name}")
            child = item
        elif isinstance(item, Mapping):
            child = self._meta.entity_class(**item)
        else:
            raise TypeError(f"expected a {self._meta.name} or a dict, got {type(item).__name__}")
        _set(child, "_owner", self._owner)
        return child

    def _touch(self) -> None:
        _set(self._owner, "_touched", True)
        self._owner._changed()

    def new(self, **values: Any) -> Entity:
        """Add a new child with these fields and return it."""
        child = self._adopt(values)
        list.append(self, child)
        self._touch()
        return child

    def get(self, *key: Any, **named: Any) -> Entity | None:
        """The child with this natural key (positionally, or by field name), or None."""
        wanted = dict(zip(self._meta.key, key, strict=False)) | named
        for child in self:
            if all(getattr(child, k) == v for k, v in wanted.items()):
                return child
        return None

    def append(self, item: Entity | Mapping[str, Any]) -> None:
        list.append(self, self._adopt(item))
        self._touch()

    def extend(self, items: Iterable[Entity | Mapping[str, Any]]) -> None:
        list.extend(self, [self._adopt(item) for item in items])
        self._touch()

    def insert(self, index: SupportsIndex, item: Entity | Mapping[str, Any]) -> None:
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

    def remove(self, item: Entity) -> None:
        list.remove(self, item)
        self._touch()

    def pop(self, index: SupportsIndex = -1) -> Entity:
        item = list.pop(self, index)
        self._touch()
        return item

    def clear(self) -> None:
        list.clear(self)
        self._touch()

    def __repr__(self) -> str:
        return f"EntityList({list.__repr__(self)})"
