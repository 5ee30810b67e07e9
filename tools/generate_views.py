"""Write ``nuntiq_sdk/_generated/views.py``: the read-only result types the SDK hands out, from the spec.

A view is a frozen, slotted attrs class per response schema a public SDK
method returns (``VIEWS`` below, plus every object schema they reference), with
the spec's types: strings (dates and date-times included) as ``str``,
integers, numbers, booleans, enums as ``Literal[...]``, nullable or optional
fields as ``| None``, nested objects as views and arrays as tuples. Each view
has a ``from_dict(data)`` classmethod that builds it from response JSON
without validation (the server answered with its schema; the SDK only reads).

Called by ``tools/generate.py`` (``nox -s generate``), so the drift test
regenerates it with the client and compares.
"""

from __future__ import annotations

import json
import keyword
import sys
import textwrap
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from tools._format import format_source
from tools._spec_schemas import SCALAR_TYPES, SpecSchemas, literal_type, ref_name

PACKAGE = Path("nuntiq_sdk") / "_generated"
MARKER = "# Generated from openapi/customer-api.yaml by tools/generate_views.py (nox -s generate). Do not edit.\n"
PACKAGE_DOC = '"""Code written by ``nox -s generate`` from the spec; never edited by hand."""\n'

# The response schemas public SDK methods return; the object schemas they reference follow.
VIEWS = (
    "AcknowledgeOutcome",
    "DeactivateInactiveResult",
    "DeltaRun",
    "DeltaState",
    "IngestionFile",
    "Invoice",
    "InvoiceImport",
    "IntegrationResultOutcome",
    "InvoiceStatusResponse",
    "Lease",
    "LifecycleMessage",
    "LifecycleMessageWriteResponse",
    "CustomerDataTable",
)

# Schemas whose plain name belongs to a handwritten SDK class (the master-data entity, the
# Invoice with its helpers) or would read as one of the SDK's errors (a batch item's Problem):
# their read-only view takes another name.
RENAMES = {
    "Attachment": "AttachmentRecord",
    "FieldError": "ProblemFieldError",
    "Invoice": "InvoiceRecord",
    "InvoiceLine": "InvoiceLineRecord",
    "Problem": "ProblemDetails",
    "User": "UserRecord",
}

# Comments are wrapped to the project's line length (ruff format does not wrap them).
LINE_WIDTH = 120


class _Writer:
    """Walks the spec from ``VIEWS`` and renders one module."""

    def __init__(self, spec: Mapping[str, Any], roots: tuple[str, ...] = VIEWS) -> None:
        self.spec = SpecSchemas(spec)
        self.schemas = self.spec.schemas
        self.roots = roots
        self.views: list[str] = []  # in first-seen order, then sorted for output
        self.aliases: dict[str, str] = {}  # enum schema name -> Literal[...]

    def class_name(self, schema_name: str) -> str:
        return RENAMES.get(schema_name, schema_name)

    def collect(self, name: str) -> None:
        if name in self.views:
            return
        schema = self.schemas[name]
        if schema.get("type") != "object" or "properties" not in schema:
            raise ValueError(f"{name} is not an object schema with properties; it cannot be a view")
        self.views.append(name)
        for prop in schema["properties"].values():
            for ref in _refs(prop):
                target = self.schemas[ref]
                if "enum" in target:
                    self.aliases[ref] = literal_type(target["enum"])
                elif target.get("type") == "object" and "properties" in target:
                    self.collect(ref)

    def annotation(self, prop: dict[str, Any]) -> tuple[str, str]:
        """The field's type (without ``| None``) and how ``from_dict`` converts a present value ``{v}``."""
        if "$ref" in prop:
            return self._named(ref_name(prop["$ref"]))
        if "allOf" in prop and len(prop["allOf"]) == 1:
            return self.annotation(prop["allOf"][0])
        if "oneOf" in prop:
            options = [self.annotation(option)[0] for option in prop["oneOf"]]
            return " | ".join(dict.fromkeys(options)), "{v}"
        if "enum" in prop:
            return literal_type(prop["enum"]), "{v}"
        kind = prop.get("type")
        if kind == "array":
            item, convert = self.annotation(prop.get("items", {}))
            if convert == "{v}":
                return f"tuple[{item}, ...]", "tuple({v})"
            return f"tuple[{item}, ...]", f"tuple({convert.format(v='item')} for item in {{v}})"
        if kind == "object":
            return "Mapping[str, Any]", "{v}"
        if kind is None:  # any JSON value
            return "Any", "{v}"
        return SCALAR_TYPES[kind], "{v}"

    def _named(self, name: str) -> tuple[str, str]:
        target = self.schemas[name]
        if "enum" in target:
            return name, "{v}"
        if target.get("type") == "object" and "properties" in target:
            view = self.class_name(name)
            return view, f"{view}.from_dict({{v}})"
        return self.annotation(target)

    def render_view(self, name: str) -> str:
        schema = self.schemas[name]
        required = set(schema.get("required", []))
        view = self.class_name(name)
        doc = _docstring(schema.get("description") or f"The API's ``{name}``, read-only.")
        fields: list[str] = []
        later: list[str] = []
        arguments: list[str] = []
        for prop_name, prop in schema["properties"].items():
            attribute = prop_name + "_" if keyword.iskeyword(prop_name) else prop_name
            kind, convert = self.annotation(prop)
            optional = prop_name not in required or _nullable(prop)
            comment = _comment(prop.get("description"))
            if optional:
                later.append(f"{comment}    {attribute}: {kind} | None = None")
                getter = f"data.get({prop_name!r})"
                present = convert.format(v="v")
                value = getter if convert == "{v}" else f"None if (v := {getter}) is None else {present}"
            else:
                fields.append(f"{comment}    {attribute}: {kind}")
                value = convert.format(v=f"data[{prop_name!r}]")
            arguments.append(f"            {attribute}={value},")
        body = "\n".join(fields + later)
        return (
            f"@attrs.frozen\nclass {view}:\n{doc}\n{body}\n\n"
            f"    @classmethod\n    def from_dict(cls, data: Mapping[str, Any]) -> Self:\n"
            f'        """Build from the response JSON (already the spec\'s shape; not validated again)."""\n'
            f"        return cls(\n" + "\n".join(arguments) + "\n        )\n"
        )

    def render(self) -> str:
        for name in self.roots:
            self.collect(name)
        views = sorted(self.views, key=self.class_name)
        names = sorted([*(self.class_name(v) for v in views), *self.aliases])
        parts = [
            MARKER,
            '"""Read-only views of the API\'s responses, one per schema the SDK hands out."""\n\n',
            "from __future__ import annotations\n\n",
            "from collections.abc import Mapping\nfrom typing import Any, Literal, Self\n\nimport attrs\n\n",
            "__all__ = [" + ", ".join(repr(n) for n in names) + "]\n\n",
        ]
        for alias in sorted(self.aliases):
            description = self.schemas[alias].get("description")
            parts.append(f"{_comment(description, indent='')}{alias} = {self.aliases[alias]}\n")
        parts.append("\n\n")
        parts.append("\n\n".join(self.render_view(name) for name in views))
        return "".join(parts)


def _refs(prop: dict[str, Any]) -> Iterator[str]:
    if "$ref" in prop:
        yield ref_name(prop["$ref"])
    for key in ("allOf", "oneOf", "anyOf"):
        for option in prop.get(key, []):
            yield from _refs(option)
    if "items" in prop:
        yield from _refs(prop["items"])


def _nullable(prop: dict[str, Any]) -> bool:
    return bool(prop.get("nullable"))


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _docstring(text: str) -> str:
    return f'    """{_one_line(text)}"""\n'


def _comment(text: str | None, indent: str = "    ") -> str:
    if not text:
        return ""
    lines = textwrap.wrap(_one_line(text), width=LINE_WIDTH - len(indent) - 2)
    return "".join(f"{indent}# {line}\n" for line in lines)


def render_views(spec: Mapping[str, Any], views: tuple[str, ...] = VIEWS) -> str:
    """The module's text, formatted."""
    return format_source(_Writer(spec, views).render(), "views.py")


def generate_views(destination: Path, spec: Mapping[str, Any]) -> Path:
    """Write ``destination/nuntiq_sdk/_generated/views.py`` (and the package's ``__init__`` if missing)."""
    package = destination / PACKAGE
    package.mkdir(parents=True, exist_ok=True)
    init = package / "__init__.py"
    if not init.exists():
        init.write_text(PACKAGE_DOC, encoding="utf-8")
    target = package / "views.py"
    target.write_text(render_views(spec), encoding="utf-8")
    return target


if __name__ == "__main__":  # a debugging aid: print the module for a spec given as JSON
    print(render_views(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))))
