"""Write the typed signatures into the docs' reference pages, from the SDK itself.

Each page in ``PAGES`` ends with a "Typed signatures" section between two
markers; ``python -m tools.doc_signatures`` rewrites it from the code (the
public methods of the page's classes, its functions, and the fields of the
result views it hands out), and ``tests/docs/test_reference_signatures.py``
fails when a page and the code differ.
"""

from __future__ import annotations

import importlib
import inspect
import re
import sys
import typing
from pathlib import Path
from typing import Any

import attrs

from nuntiq_sdk._generated import views

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "docs" / "reference"
BEGIN = "<!-- typed signatures: written by `python -m tools.doc_signatures`, checked by tests/docs -->"
END = "<!-- /typed signatures -->"
HEADING = "## Typed signatures"

# page -> the objects it documents ("module:Name"); classes list their public methods,
# attrs classes (the result views) their fields.
PAGES: dict[str, tuple[str, ...]] = {
    "lifecycle_message.md": (
        "nuntiq_sdk.objects.lifecycle_message:LifecycleMessageLoad",
        "nuntiq_sdk.objects.lifecycle_message:LifecycleMessageDraft",
        "nuntiq_sdk._generated.views:LifecycleMessageWriteResponse",
        "nuntiq_sdk._generated.views:LifecycleMessage",
    ),
    "ingestion.md": (
        "nuntiq_sdk.objects.ingestion:IngestionLoad",
        "nuntiq_sdk.objects.ingestion:InvoiceDraft",
        "nuntiq_sdk._generated.views:InvoiceImport",
        "nuntiq_sdk._generated.views:IngestionFile",
    ),
    "invoice.md": (
        "nuntiq_sdk.objects.invoice:InvoiceLoad",
        "nuntiq_sdk.objects.invoice:Invoice",
        "nuntiq_sdk.objects.invoice:InvoiceLine",
        "nuntiq_sdk.objects.invoice:Attachment",
        "nuntiq_sdk.objects.invoice:LeasedInvoice",
        "nuntiq_sdk.objects.invoice:IntegrationResult",
        "nuntiq_sdk._generated.views:Lease",
        "nuntiq_sdk._generated.views:InvoiceStatusResponse",
        "nuntiq_sdk._generated.views:AcknowledgeOutcome",
        "nuntiq_sdk._generated.views:IntegrationResultOutcome",
        "nuntiq_sdk._generated.views:ProblemDetails",
        "nuntiq_sdk._generated.views:Address",
    ),
    "delta.md": (
        "nuntiq_sdk.delta:delta_run",
        "nuntiq_sdk.delta:DeltaRunHandle",
        "nuntiq_sdk.delta:get_delta_state",
        "nuntiq_sdk._generated.views:DeltaState",
        "nuntiq_sdk._generated.views:DeltaRun",
    ),
    "user.md": (
        "nuntiq_sdk.objects.user:UserLoad",
        "nuntiq_sdk._generated.views:DeactivateInactiveResult",
        "nuntiq_sdk._generated.views:UserRecord",
    ),
    "customer_data_table.md": (
        "nuntiq_sdk.objects.customer_data_table:CustomerDataTableLoad",
        "nuntiq_sdk._generated.views:CustomerDataTable",
        "nuntiq_sdk._generated.views:CustomerDataColumn",
    ),
    "drop_folder.md": (
        "nuntiq_sdk.sftp:DropFolder",
        "nuntiq_sdk.sftp:pair_documents",
        "nuntiq_sdk.sftp:read_sidecar",
        "nuntiq_sdk.sftp:SidecarRules",
        "nuntiq_sdk.sftp:Listing",
        "nuntiq_sdk.sftp:Plan",
        "nuntiq_sdk.sftp:Document",
        "nuntiq_sdk.sftp:DocumentProblem",
        "nuntiq_sdk.sftp:Sidecar",
    ),
    "tabular.md": (
        "nuntiq_sdk.tabular:read_csv",
        "nuntiq_sdk.tabular:column_map",
        "nuntiq_sdk.tabular:nest_rows",
        "nuntiq_sdk.tabular:CsvFormat",
        "nuntiq_sdk.tabular:Nesting",
        "nuntiq_sdk.tabular:CsvTable",
        "nuntiq_sdk.tabular:MappedRow",
        "nuntiq_sdk.tabular:NestedRows",
        "nuntiq_sdk.tabular:NestedRecord",
        "nuntiq_sdk.tabular:RowProblem",
    ),
}


def _annotation(value: Any) -> str:
    return value if isinstance(value, str) else inspect.formatannotation(value)


def _parameters(function: Any, drop_first: bool) -> str:
    signature = inspect.signature(function)
    parts: list[str] = []
    star_written = False
    params = list(signature.parameters.values())[1 if drop_first else 0 :]
    for param in params:
        if param.kind is param.KEYWORD_ONLY and not star_written:
            parts.append("*")
            star_written = True
        text = param.name
        if param.kind is param.VAR_POSITIONAL:
            text, star_written = "*" + text, True
        elif param.kind is param.VAR_KEYWORD:
            text = "**" + text
        if param.annotation is not param.empty:
            text += f": {_annotation(param.annotation)}"
        if param.default is not param.empty:
            text += f" = {param.default!r}" if param.annotation is not param.empty else f"={param.default!r}"
        parts.append(text)
        if param.kind is param.POSITIONAL_ONLY and (
            params.index(param) == len(params) - 1 or params[params.index(param) + 1].kind is not param.POSITIONAL_ONLY
        ):
            parts.append("/")
    returns = signature.return_annotation
    arrow = "" if returns is signature.empty else f" -> {_annotation(returns)}"
    return f"({', '.join(parts)}){arrow}"


def _class_lines(cls: type) -> list[str]:
    if cls.__name__.islower():  # a context-manager class used like a function (delta_run)
        return [f"{cls.__name__}{_parameters(cls.__init__, drop_first=True).split(' -> ')[0]}"]
    bases = [base.__name__ for base in cls.__bases__ if base is not object]
    lines = [f"class {cls.__name__}{'(' + ', '.join(bases) + ')' if bases else ''}:"]
    if attrs.has(cls):  # a result: its public fields, read-only
        lines[0] += "  # read-only"
        lines += [f"    {f.name}: {_annotation(f.type)}" for f in attrs.fields(cls) if not f.name.startswith("_")]
    for name, member in vars(cls).items():
        if (name.startswith("_") and (name != "__init__" or attrs.has(cls))) or name == "from_dict":
            continue
        if isinstance(member, property) and member.fget is not None:
            returns = member.fget.__annotations__.get("return")
            lines.append(f"    {name}: {_annotation(returns)}  # property" if returns else f"    {name}  # property")
        elif isinstance(member, (staticmethod, classmethod)):
            kind = "staticmethod" if isinstance(member, staticmethod) else "classmethod"
            lines.append(f"    def {name}{_parameters(member.__func__, drop_first=False)}  # {kind}")
        elif inspect.isfunction(member):
            lines.append(f"    def {name}{_parameters(member, drop_first=False)}")
    return lines


def _aliases(body: str) -> list[str]:
    """The generated Literal aliases the section names (``InvoiceStatusName = Literal[...]``)."""
    found = []
    for name in views.__all__:
        value = getattr(views, name)
        if typing.get_origin(value) is typing.Literal and re.search(rf"\b{name}\b", body):
            found.append(f"{name} = Literal[{', '.join(repr(v) for v in typing.get_args(value))}]")
    return found


def render(page: str) -> str:
    """The section for ``page``, markers included."""
    blocks: list[str] = []
    last_module = None
    for target in PAGES[page]:
        module_name, name = target.split(":")
        obj = getattr(importlib.import_module(module_name), name)
        lines = _class_lines(obj) if inspect.isclass(obj) else [f"def {name}{_parameters(obj, drop_first=False)}"]
        if module_name != last_module:
            lines.insert(0, f"# {module_name}")
            last_module = module_name
        blocks.append("\n".join(lines))
    body = "\n\n".join(blocks)
    aliases = _aliases(body)
    if aliases:
        body = "# nuntiq_sdk._generated.views\n" + "\n".join(aliases) + "\n\n" + body
    return f"{BEGIN}\n{HEADING}\n\nAs the code declares them (mypy sees the same).\n\n```python\n{body}\n```\n{END}\n"


def current(text: str) -> str | None:
    """The section a page holds now, or None."""
    if BEGIN not in text:
        return None
    start = text.index(BEGIN)
    return text[start : text.index(END, start) + len(END) + 1]


def write(page: str) -> bool:
    """Rewrite the page's section (appended when missing); True when it changed."""
    path = REFERENCE / page
    text = path.read_text(encoding="utf-8")
    section, fresh = current(text), render(page)
    if section == fresh:
        return False
    updated = text.replace(section, fresh) if section else text.rstrip("\n") + "\n\n" + fresh
    path.write_text(updated, encoding="utf-8")
    return True


if __name__ == "__main__":
    changed = [page for page in PAGES if write(page)]
    print("updated " + ", ".join(changed) if changed else "reference pages already current")
    sys.exit(0)
