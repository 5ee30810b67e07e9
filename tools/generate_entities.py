"""Write ``nuntiq_sdk/_generated/entities.py``: the SDK's typed entities, from the spec.

Each entity schema of the Customer API (the rows of every ``upsert*``
operation, their keyed children, and the two drafts a connector builds:
``LifecycleMessageCreate`` and ``InvoiceImportRequest``) becomes:

- a slotted ``Entity`` subclass with one typed property per spec property
  (strings, integers, numbers, booleans, enums as ``Literal``, nullable as
  ``| None``, keyed children as ``EntityList[Child]``), so a connector
  author's type checker and editor see every field;
- a ``TypedDict`` of the keywords ``load.new()`` takes;
- its shape as literal data (fields, key, read-only and create-time fields,
  the resolved property schemas for the field-by-field error messages);
- its bulk checks as plain functions (the fastjsonschema idea, written once
  here instead of compiled with ``exec`` at import): ``accepts`` (the schema's
  own constraints), ``accepts_new`` (a new row as ``load.new()`` keeps it),
  ``keeps`` (``load.new()``'s keywords can be kept as given) and ``key_of``.

The runtime (``nuntiq_sdk._entity``) holds the behaviour: dirty tracking,
children merged on their keys, read-only and key fields, save-time checks.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

from tools._format import format_source
from tools._spec_schemas import SCALAR_TYPES, SpecSchemas, literal_type, ref_name

ROOT = Path(__file__).resolve().parents[1]
TARGET = Path("nuntiq_sdk") / "_generated" / "entities.py"
MARKER = "# Generated from openapi/customer-api.yaml by tools/generate_entities.py (nox -s generate). Do not edit.\n"

# The drafts a connector builds field by field; every other entity is an upsert row or one of its keyed children.
DRAFTS = ("LifecycleMessageCreate", "InvoiceImportRequest")

_FAST_TYPES: Mapping[str, str] = {
    "string": "v.__class__ is str",
    "integer": "v.__class__ is int",
    "number": "(v.__class__ is int or (v.__class__ is float and v - v == 0.0))",  # finite: nan/inf - itself is nan
    "boolean": "v.__class__ is bool",
    "array": "(v.__class__ is list or v.__class__ is tuple)",
    "object": "v.__class__ is dict",
}


def _formats() -> ModuleType:
    """The spec's format checks, from ``nuntiq_spec`` (which imports nothing of the SDK this generator writes)."""
    import nuntiq_spec.formats

    return nuntiq_spec.formats


class _Spec(SpecSchemas):
    """The schemas plus what makes an entity: upsert rows, drafts and their keyed children."""

    def is_child(self, prop: Mapping[str, Any]) -> str | None:
        """The component name of a keyed child array's items, or None."""
        prop = self.flat(prop)
        ref = prop.get("items", {}).get("$ref") if prop.get("type") == "array" else None
        if isinstance(ref, str) and "x-nuntiq-key" in self.resolve(prop["items"]):
            return ref_name(ref)
        return None

    def entity_names(self) -> list[str]:
        """Upsert rows and the drafts, then their keyed children, in a stable order."""
        roots: list[str] = []
        for path_item in self.spec["paths"].values():
            for operation in path_item.values():
                if not isinstance(operation, dict) or not str(operation.get("operationId", "")).startswith("upsert"):
                    continue
                body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
                rows = self.resolve(body.get("schema", {})).get("properties", {}).get("rows", {})
                ref = rows.get("items", {}).get("$ref")
                if isinstance(ref, str) and "x-nuntiq-key" in self.resolve(rows["items"]):
                    roots.append(ref_name(ref))
        ordered: list[str] = []

        def visit(name: str) -> None:
            if name in ordered:
                return
            for prop in self.flat(self.schemas[name]).get("properties", {}).values():
                child = self.is_child(prop)
                if child is not None:
                    visit(child)
            ordered.append(name)

        for name in [*roots, *DRAFTS]:
            visit(name)
        return ordered


class _Module:
    """The generated module's text: constants, check functions and classes, in order."""

    def __init__(self) -> None:
        self.uses: set[str] = set()  # names of nuntiq_spec.formats (and re) the checks need
        self.writable: dict[str, str] = {}  # entity -> the constant holding its settable field names
        self.child_names: set[str] = set()  # entities that are some entity's children (they get a typed list)
        self.constants: list[str] = []
        self.functions: list[str] = []
        self.classes: list[str] = []

    def constant(self, name: str, expression: str) -> str:
        """A module-level constant; the same expression twice is one constant (the first name given)."""
        for line in self.constants:
            existing, _, value = line.partition(" = ")
            if value == expression:
                return existing
        self.constants.append(f"{name} = {expression}")
        return name


def _literal(value: Any) -> str:
    """Python source for JSON-like data (sorted sets, so output is stable)."""
    if isinstance(value, frozenset):
        return "frozenset({" + ", ".join(repr(v) for v in sorted(value)) + "})" if value else "frozenset()"
    return repr(value)


class _Checks:
    """Emits the bulk checks of one schema (what ``_validation`` used to ``exec`` at import)."""

    def __init__(self, spec: _Spec, module: _Module, prefix: str) -> None:
        self.spec = spec
        self.module = module
        self.prefix = prefix

    def expression(self, schema: Mapping[str, Any], name: str) -> str | None:
        """An expression over ``v``, true only for a non-null value every check accepts; None: no fast form.

        A pattern or length that every member of a finite set (enum, ISO code
        list) already satisfies is not tested again: membership decides.
        """
        formats = _formats()
        schema = self.spec.flat(schema)
        json_type = schema.get("type")
        if not isinstance(json_type, str) or json_type not in _FAST_TYPES:
            return None
        terms = [_FAST_TYPES[json_type]]
        items = schema.get("items")
        if json_type == "array" and isinstance(items, dict) and self.spec.flat(items).get("type") != "object":
            item = self.expression(items, f"{name}_item")
            if item is None:
                return None
            if self.spec.flat(items).get("nullable"):
                item = f"v is None or ({item})"
            self.module.functions.append(f"def {name}_item(v: Any) -> bool:\n    return bool({item})")
            terms.append(f"all(map({name}_item, v))")
        members: frozenset[Any] | None = None
        members_source = ""
        spec_format = schema.get("format")
        if "enum" in schema:
            members = frozenset(schema["enum"])
        if spec_format in ("iso3166-alpha2", "iso4217"):
            members_source = "COUNTRY_CODES" if spec_format == "iso3166-alpha2" else "CURRENCY_CODES"
            codes: frozenset[str] = getattr(formats, members_source)
            if members is None:
                members = codes
                self.module.uses.add(members_source)
            else:
                members, members_source = members & codes, ""
        elif isinstance(spec_format, str) and formats.format_check(spec_format) is not None:
            self.module.uses.add("FORMAT_CHECKS")
            check = self.module.constant(f"_FORMAT_{spec_format.upper()}", f"FORMAT_CHECKS[{spec_format!r}]")
            terms.append(f"{check}(v) is None")  # after the type term: v is a str
        if members is not None:
            source = members_source or self.module.constant(f"{name.upper()}_MEMBERS", _literal(members))
            terms.insert(1, f"v in {source}")
        max_length, min_length = schema.get("maxLength"), schema.get("minLength")
        pattern = re.compile(schema["pattern"]) if "pattern" in schema else None

        def implied(test: Callable[[Any], bool]) -> bool:
            return members is not None and all(isinstance(m, str) and test(m) for m in members)

        if max_length is not None and not implied(lambda m: len(m) <= max_length):
            terms.append(f"len(v) <= {int(max_length)}")
        if min_length is not None and not implied(lambda m: len(m) >= min_length):
            terms.append(f"len(v) >= {int(min_length)}")
        shape = formats.FORMAT_SHAPES.get(str(spec_format))
        if pattern is not None and shape == pattern.pattern.removeprefix("^").removesuffix("$"):
            pattern = None  # the format's check matches this very shape first
        if pattern is not None and not implied(lambda m: pattern.search(m) is not None):
            self.module.uses.add("re")
            search = self.module.constant(f"{name.upper()}_SEARCH", f"re.compile({pattern.pattern!r}).search")
            terms.append(f"{search}(v) is not None")
        if schema.get("minimum") is not None:
            terms.append(f"v >= {schema['minimum']!r}")
        if schema.get("maximum") is not None:
            terms.append(f"v <= {schema['maximum']!r}")
        return " and ".join(terms)

    def row_check(
        self,
        function: str,
        properties: Mapping[str, Mapping[str, Any]],
        required: Iterable[str],
        *,
        closed: bool,
        allow_null: bool,
        children: Mapping[str, str] | None = None,
    ) -> None:
        """One function, True only for a row the field-by-field checks accept (a False answer looks closer)."""
        required = frozenset(required)
        children = children or {}
        lines = [f"def {function}(row: Mapping[str, Any]) -> bool:", "    seen = 0", "    get = row.get"]
        for index, (field, schema) in enumerate(properties.items()):
            name = f"_{self.prefix}_{'n' if not allow_null else 'a'}{index}"
            expression = self.expression(schema, name)
            nullable = allow_null and bool(self.spec.flat(schema).get("nullable")) and field not in required
            child = children.get(field)
            lines.append(f"    v = get({field!r}, _MISSING)")
            lines.append("    if v is not _MISSING:")
            if expression is None:
                lines.append("        return False")
                continue
            indent = " " * 12 if nullable else " " * 8
            if nullable:
                lines.append("        if v is not None:")
            lines.append(f"{indent}if not ({expression}):")
            lines.append(f"{indent}    return False")
            if child is not None:
                lines.append(f"{indent}for c in v:")
                lines.append(f"{indent}    if c.__class__ is not dict or not {child}(c):")
                lines.append(f"{indent}        return False")
            lines.append("        seen += 1")
            if field in required:
                lines.append("    else:")
                lines.append("        return False")
        lines.append("    return seen == len(row)" if closed else "    return True")
        self.module.functions.append("\n".join(lines))


def _annotation(spec: _Spec, schema: Mapping[str, Any]) -> str:
    """The Python type of a property's values (without the ``| None`` of nullability)."""
    schema = spec.flat(schema)
    if "enum" in schema:
        return literal_type(schema["enum"])
    json_type = schema.get("type")
    if json_type in SCALAR_TYPES:
        return SCALAR_TYPES[str(json_type)]
    if json_type == "array":
        items = schema.get("items", {})
        return f"list[{_annotation(spec, items)}]"
    return "dict[str, Any]"


_CHECKED = ("type", "enum", "format", "minLength", "maxLength", "pattern", "minimum", "maximum", "nullable", "readOnly")


def _checked_keywords(spec: _Spec, schema: Mapping[str, Any], *, child: bool = False) -> dict[str, Any]:
    """What the field-by-field checks read of a property (descriptions and examples left out)."""
    flat = spec.flat(schema)
    kept = {k: flat[k] for k in _CHECKED if k in flat}
    if "items" in flat:  # children are checked as entities, so only their type is kept
        kept["items"] = {"type": "object"} if child else _checked_keywords(spec, flat["items"])
    return kept


def _emit_entity(spec: _Spec, module: _Module, name: str) -> None:
    schema = spec.flat(spec.schemas[name])
    properties = {k: spec.flat(v) for k, v in schema.get("properties", {}).items()}
    required = list(schema.get("required", ()))
    key = list(schema.get("x-nuntiq-key") or required)
    read_only = [k for k, v in properties.items() if v.get("readOnly")]
    required_on_create = list(schema.get("x-nuntiq-required-on-create", ()))
    children = {k: child for k, v in properties.items() if (child := spec.is_child(v)) is not None}
    writable = [k for k in properties if k not in children and k not in read_only]
    list_fields = [k for k in properties if k not in children and properties[k].get("type") == "array"]
    closed = schema.get("additionalProperties") is False
    prefix = name.lower()

    # Literal shape data: the field-by-field checks word their messages from these resolved schemas.
    shown = {k: _checked_keywords(spec, v, child=k in children) for k, v in properties.items()}
    checks = _Checks(spec, module, prefix)
    checks.row_check(f"_{prefix}_accepts", properties, required, closed=closed, allow_null=True)
    checks.row_check(
        f"_{prefix}_accepts_new",
        {k: v for k, v in properties.items() if k in writable or k in children},
        {*required, *required_on_create},
        closed=True,
        allow_null=False,
        children={k: f"_{child.lower()}_accepts_new" for k, child in children.items()},
    )
    module.writable[name] = module.constant(f"_{prefix.upper()}_WRITABLE", _literal(frozenset(writable)))
    assignable = module.constant(f"_{prefix.upper()}_ASSIGNABLE", _literal(frozenset([*writable, *children])))
    keeps = [
        f"def _{prefix}_keeps(own: Mapping[str, Any]) -> bool:",
        f"    if not own.keys() <= {assignable}:",
        "        return False",
    ]
    for field, child in children.items():
        keeps += [
            f"    v = own.get({field!r}, ())",
            "    if v.__class__ is not list and v.__class__ is not tuple:",
            "        return False",
            "    for item in v:",
            f"        if item.__class__ is not dict or not item.keys() <= {module.writable[child]}:",
            "            return False",
        ]
    keeps.append("    return True")
    module.functions.append("\n".join(keeps))
    module.functions.append(
        f"def _{prefix}_key_of(row: Mapping[str, Any]) -> dict[str, Any]:\n"
        "    return {" + ", ".join(f"{k!r}: row[{k!r}]" for k in key) + "}"
    )

    # The class: typed properties over the runtime's accessors.
    lines = [f"class {name}(Entity):"]
    description = str(spec.schemas[name].get("description") or schema.get("description") or "").strip()
    summary = description.splitlines()[0].rstrip(".") + ". " if description else ""
    lines.append(f'    """{summary}Fields: ``components/schemas/{name}`` of the Customer API."""')
    lines.append("")
    lines.append("    __slots__ = ()")
    for field, prop in properties.items():
        nullable = bool(prop.get("nullable")) or field not in required
        if field in children:
            child = children[field]
            lines += [
                "",
                "    @property",
                f"    def {field}(self) -> {child}List:",
                f"        return self._child_list({field!r})  # type: ignore[return-value]",
                "",
                f"    @{field}.setter",
                f"    def {field}(self, value: Iterable[{child} | {child}Values]) -> None:",
                f"        self._set_children({field!r}, value)",
            ]
            continue
        annotation = _annotation(spec, prop) + (" | None" if nullable else "")
        lines += ["", "    @property", f"    def {field}(self) -> {annotation}:"]
        doc = str(prop.get("description") or "").strip().splitlines()
        if doc:
            lines.append(f'        """{doc[0].replace(chr(34) * 3, "")}"""')
        getter = "_get_list" if field in list_fields else "_get"
        lines.append(f"        return self.{getter}({field!r})  # type: ignore[no-any-return]")
        if field not in read_only:
            lines += [
                "",
                f"    @{field}.setter",
                f"    def {field}(self, value: {annotation}) -> None:",
                f"        self._set_field({field!r}, value)",
            ]
    module.classes.append("\n".join(lines))

    # The keywords of load.new(): every settable field, all optional (validation runs at save).
    values = [
        f"class {name}Values(TypedDict, total=False):",
        f'    """The keywords ``new()`` takes for a ``{name}``: its settable fields, all optional until save."""',
        "",
    ]
    for field, prop in properties.items():
        if field in read_only:
            continue
        if field in children:
            values.append(f"    {field}: Sequence[{children[field]} | {children[field]}Values]")
        else:
            nullable = bool(prop.get("nullable")) or field not in required
            values.append(f"    {field}: {_annotation(spec, prop)}{' | None' if nullable else ''}")
    module.classes.append("\n".join(values))

    is_child = name in module.child_names
    if is_child:
        module.classes.append(
            "\n".join(
                [
                    f"class {name}List(EntityList[{name}]):",
                    f'    """The ``{name}`` children of an entity; ``new()`` adds one."""',
                    "",
                    "    __slots__ = ()",
                    "",
                    f"    def new(self, **values: Unpack[{name}Values]) -> {name}:",
                    "        return self._new(values)",
                ]
            )
        )
    shape = [
        f"{name}._meta = EntityMeta(",
        f"    {name!r},",
        f"    entity_class={name},",
        f"    properties={_literal(shown)},",
        f"    required={_literal(tuple(required))},",
        f"    key={_literal(tuple(key))},",
        f"    required_on_create={_literal(tuple(required_on_create))},",
        f"    read_only={_literal(frozenset(read_only))},",
        f"    list_fields={_literal(frozenset(list_fields))},",
        f"    closed={closed!r},",
        "    children={" + ", ".join(f"{k!r}: {v}._meta" for k, v in children.items()) + "},",
        f"    checks=RowChecks(accepts=_{prefix}_accepts, accepts_new=_{prefix}_accepts_new, "
        f"keeps=_{prefix}_keeps, key_of=_{prefix}_key_of),",
        *([f"    list_class={name}List,"] if is_child else []),
        ")",
    ]
    module.classes.append("\n".join(shape))


def render(spec_data: Mapping[str, Any]) -> str:
    """The module's source (before formatting)."""
    spec = _Spec(spec_data)
    module = _Module()
    names = spec.entity_names()
    for name in names:
        for prop in spec.flat(spec.schemas[name]).get("properties", {}).values():
            if (child := spec.is_child(prop)) is not None:
                module.child_names.add(child)
    for name in names:
        _emit_entity(spec, module, name)
    head = [
        MARKER.rstrip("\n"),
        '"""Typed entities of the Customer API: one class per entity schema, its ``new()`` keywords and checks.',
        "",
        "Written by ``nox -s generate`` from the spec; the drift test regenerates it and",
        'fails on any difference. Behaviour lives in ``nuntiq_sdk._entity``."""',
        "",
        "from __future__ import annotations",
        "",
        *(["import re"] if "re" in module.uses else []),
        "from collections.abc import Iterable, Mapping, Sequence",
        "from typing import Any, Literal, TypedDict, Unpack",
        "",
        "from nuntiq_sdk._entity import Entity, EntityList, EntityMeta, RowChecks",
        *(
            [f"from nuntiq_spec.formats import {', '.join(sorted(formats))}"]
            if (formats := module.uses - {"re"})
            else []
        ),
        "",
        "__all__ = "
        + repr(sorted([*names, *(f"{n}Values" for n in names), *(f"{n}List" for n in module.child_names)])),
        "",
        "_MISSING: Any = object()",
        "",
    ]
    parts = ["\n".join(head), "\n".join(module.constants), *module.functions, *module.classes]
    return "\n\n\n".join(parts) + "\n"


def write(destination: Path, spec_data: Mapping[str, Any]) -> Path:
    """Render and format the module, and write it under ``destination``; returns its path."""
    target = destination / TARGET
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(format_source(render(spec_data), "entities.py"), encoding="utf-8")
    return target


if __name__ == "__main__":  # pragma: no cover - a debugging aid: print the module for a spec given as JSON
    print(render(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))))
