"""Declared connector settings: one declaration per connector, one checker for all.

A connector states its settings once, as a frozen attrs class whose fields
are ``option(...)`` (settings.json ``config``) and ``secret(...)``
(``secrets``), and nests shared groups such as the SFTP settings with
``group(...)``::

    @attrs.frozen
    class PushSettings:
        connector_name: str = option(help="Names the delta-run stream.")
        sftp: SFTPSettings = group(SFTPSettings, prefix="sftp_")
        remote_outbox: str = option(remote_path=True, help="Folder the ERP reads.")
        batch_size: int = option(default=20, minimum=1, maximum=500, help="Invoices claimed per batch.")
        file_mode: Literal["per_invoice", "batch"] = option(default="per_invoice", help="Files per invoice or batch.")

    SETTINGS = PushSettings  # ``nuntiq run`` checks it with the API settings, in one round

    def run(context: JobContext) -> dict[str, int]:
        settings = read_settings(PushSettings, context)

``check_settings`` reports every problem of the whole file at once, and the
rules are the same for every connector: JSON types only (``"20"`` is not a
number, ``true`` is not a number), no NaN or infinity, whole numbers for
integers, bounds inclusive, no empty text or control characters, choices from
the ``Literal``, remote paths absolute and without ``..``. Secrets are never
shown. ``describe_settings`` lists a declaration as a table, for
``nuntiq run CONNECTOR --describe`` and for a connector's docs page.
"""

from __future__ import annotations

import inspect
import json
import math
import sys
import types
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import attrs

from nuntiq_sdk._exceptions import ConfigError
from nuntiq_sdk._util import short_repr

if TYPE_CHECKING:
    from nuntiq_sdk._context import JobContext

__all__ = [
    "SettingRow",
    "check_settings",
    "describe_settings",
    "format_settings_table",
    "group",
    "option",
    "read_settings",
    "secret",
]

T = TypeVar("T")

_KEY = "nuntiq_setting"
_REQUIRED: Any = attrs.NOTHING
_FACTORY: type[Any] = attrs.Factory  # type: ignore[assignment]
_CONTROL = frozenset(chr(c) for c in (*range(0x20), 0x7F))


@attrs.frozen
class _Option:
    help: str
    source: Literal["config", "secrets"] = "config"
    minimum: float | None = None
    maximum: float | None = None
    remote_path: bool = False
    local_file: bool = False
    prefix: str | None = None  # a group: the nested declaration's keys carry this prefix
    check: Callable[[Any], str | None] | None = None  # a rule of this entry alone: why the value is refused
    declared: type[Any] | None = None  # a group's declaration


def option(
    *,
    help: str,
    default: Any = _REQUIRED,
    minimum: float | None = None,
    maximum: float | None = None,
    remote_path: bool = False,
    local_file: bool = False,
    check: Callable[[Any], str | None] | None = None,
) -> Any:
    """A ``config`` entry. Without ``default`` it is required; the field's annotation gives its type.

    ``remote_path``: an absolute server path without ``..``; ``local_file``:
    a file that must exist on this machine (a known_hosts file); ``check``:
    a further rule on the typed value, returning why it is refused (or None).
    A default of ``attrs.Factory(..., takes_self=True)`` is derived from earlier entries.
    """
    meta = _Option(help, "config", minimum, maximum, remote_path, local_file, check=check)
    return attrs.field(default=default, metadata={_KEY: meta}, kw_only=True)


def secret(*, help: str, required: bool = True) -> Any:
    """A ``secrets`` entry (text); its value is never shown in a message, a log or a description."""
    return attrs.field(
        default=_REQUIRED if required else None,
        metadata={_KEY: _Option(help, "secrets")},
        kw_only=True,
        repr=False,
    )


def group(declared: type[Any], *, prefix: str, help: str = "") -> Any:
    """Settings declared elsewhere (e.g. ``SFTPSettings``), read from the same file with ``prefix`` on their keys."""
    meta = _Option(help or (declared.__doc__ or "").strip(), prefix=prefix, declared=declared)
    return attrs.field(metadata={_KEY: meta}, kw_only=True)


@attrs.frozen
class SettingRow:
    """One line of ``describe_settings``: how to write the setting in settings.json."""

    key: str  # e.g. ``config.sftp_port`` or ``secrets.sftp_password``
    type: str
    required: bool
    default: str
    help: str


def _fields(declared: type[Any]) -> list[tuple[attrs.Attribute[Any], _Option, Any]]:
    if not attrs.has(declared):
        raise TypeError(f"{declared.__name__} is not a settings declaration (an attrs class of option()s)")
    # A connector loaded from a file may be missing from sys.modules: its (string) annotations are read in
    # its module's namespace when there is one, else in one holding what declarations use.
    module = sys.modules.get(declared.__module__)
    namespace = {"Literal": Literal, "Path": Path, "Any": Any, **(vars(module) if module is not None else {})}
    fields: list[tuple[attrs.Attribute[Any], _Option]] = []
    for field in attrs.fields(declared):
        meta = field.metadata.get(_KEY)
        if meta is None:
            raise TypeError(f"{declared.__name__}.{field.name} is not declared with option(), secret() or group()")
        fields.append((field, meta))
    # Only the annotations that carry the type are resolved (a group names its declaration itself).
    wanted = {f.name: f.type for f, meta in fields if meta.declared is None and isinstance(f.type, str)}
    hints = typing.get_type_hints(type("_Annotations", (), {"__annotations__": wanted}), globalns=namespace)
    return [(f, meta, meta.declared if meta.declared is not None else hints.get(f.name, f.type)) for f, meta in fields]


def _kinds(annotation: Any) -> tuple[Any, bool]:
    """The annotation without ``| None``, and whether None is allowed."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        optional = len(members) < len(typing.get_args(annotation))
        return (members[0] if len(members) == 1 else annotation), optional
    return annotation, False


def _type_label(annotation: Any) -> str:
    kind, optional = _kinds(annotation)
    if typing.get_origin(kind) is Literal:
        label = " | ".join(repr(c) for c in typing.get_args(kind))
    elif typing.get_origin(kind) is dict:
        label = f"object of {_type_label(typing.get_args(kind)[1])}"
    elif typing.get_origin(kind) is tuple:
        label = f"list of {_type_label(typing.get_args(kind)[0])}"
    else:
        label = {str: "text", int: "integer", float: "number", bool: "true/false", Path: "path"}.get(
            kind, getattr(kind, "__name__", str(kind))
        )
    return f"{label} (optional)" if optional else label


def _check_value(key: str, value: object, annotation: Any, meta: _Option) -> tuple[object, str | None]:
    """The converted value, or a problem naming ``key`` and the value (never a secret's value)."""
    shown = "(hidden)" if meta.source == "secrets" else short_repr(value)
    kind, optional = _kinds(annotation)
    if value is None:
        return (None, None) if optional else (None, f"{key} must not be null")
    if typing.get_origin(kind) is Literal:
        choices = typing.get_args(kind)
        if value not in choices or isinstance(value, bool) != any(isinstance(c, bool) for c in choices):
            return None, f"{key} must be one of {', '.join(repr(c) for c in choices)}, got {shown}"
        return value, None
    if kind is bool:
        if not isinstance(value, bool):
            return None, f"{key} must be true or false, got {shown}"
        return value, None
    if kind is int or kind is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            what = "a whole number" if kind is int else "a number"
            return None, f"{key} must be {what}, got {shown}"
        if kind is int and not isinstance(value, int):
            return None, f"{key} must be a whole number, got {shown}"
        if not math.isfinite(value):
            return None, f"{key} must be a finite number, got {shown}"
        if meta.minimum is not None and value < meta.minimum:
            return None, f"{key} must be at least {meta.minimum:g}, got {shown}"
        if meta.maximum is not None and value > meta.maximum:
            return None, f"{key} must be at most {meta.maximum:g}, got {shown}"
        return (float(value) if kind is float else value), None
    if typing.get_origin(kind) is dict:  # ``dict[str, str]``: a JSON object of text
        if not isinstance(value, dict):
            return None, f"{key} must be an object, got {shown}"
        entries = {}
        for name, item in value.items():
            converted, problem = _check_value(f"{key}[{name!r}]", item, typing.get_args(kind)[1], meta)
            if problem is not None:
                return None, problem
            entries[name] = converted
        return entries, None
    if typing.get_origin(kind) is tuple:  # ``tuple[str, ...]``: a non-empty JSON list of text
        if not isinstance(value, list) or not value:
            return None, f"{key} must be a non-empty list, got {shown}"
        items = []
        for index, item in enumerate(value):
            converted, problem = _check_value(f"{key}[{index}]", item, typing.get_args(kind)[0], meta)
            if problem is not None:
                return None, problem
            items.append(converted)
        return tuple(items), None
    if kind is str or kind is Path:
        if not isinstance(value, str):
            return None, f"{key} must be text, got {shown}"
        if not value.strip():
            return None, f"{key} must not be empty"
        if _CONTROL & set(value) and meta.source != "secrets":
            return None, f"{key} must not hold control characters, got {shown}"
        if meta.remote_path:
            if not value.startswith("/") or ".." in value.split("/") or "\\" in value:
                return None, f"{key} must be an absolute remote path ('/...') without '..' or '\\', got {shown}"
            value = value.rstrip("/") or "/"
        if meta.local_file and not Path(value).expanduser().is_file():
            return None, f"{key} must be a readable file on this machine, got {shown}"
        return (Path(value).expanduser() if kind is Path else value), None
    raise TypeError(f"{key}: settings of type {kind!r} are not supported")


def _check(
    declared: type[T], config: Mapping[str, Any], secrets: Mapping[str, Any], prefix: str, problems: list[str]
) -> T | None:
    values: dict[str, Any] = {}
    before = len(problems)
    for field, meta, annotation in _fields(declared):
        if meta.prefix is not None:
            nested = _check(annotation, config, secrets, prefix + meta.prefix, problems)
            values[field.name] = nested
            continue
        name = prefix + field.name
        source = secrets if meta.source == "secrets" else config
        key = f"{meta.source}.{name}"
        if name not in source:
            if field.default is _REQUIRED:
                problems.append(f"{key} is missing ({meta.help.rstrip('.')})")
            elif not isinstance(field.default, _FACTORY):  # a Factory: attrs derives it, e.g. from another entry
                values[field.name] = field.default
            continue
        value, problem = _check_value(key, source[name], annotation, meta)
        if problem is None and meta.check is not None and value is not None:
            reason = meta.check(value)
            problem = None if reason is None else f"{key} {reason}, got {short_repr(source[name])}"
        if problem is not None:
            problems.append(problem)
        else:
            values[field.name] = value
    if len(problems) > before:
        return None
    built = declared(**values)
    cross: Callable[..., list[str]] | None = getattr(built, "problems", None)
    if cross is not None:  # rules across fields, e.g. "a password or a private key"
        # ``problems(prefix)`` names its keys with the group's prefix; ``problems()`` needs none.
        problems.extend(cross(prefix) if inspect.signature(cross).parameters else cross())
    return built if len(problems) == before else None


def check_settings(declared: type[Any], config: Mapping[str, Any], secrets: Mapping[str, Any]) -> list[str]:
    """Every problem of ``config`` and ``secrets`` against the declaration (empty: they are usable)."""
    problems: list[str] = []
    _check(declared, config, secrets, "", problems)
    return problems


def read_settings(declared: type[T], context: JobContext, prefix: str = "") -> T:
    """The declared settings of this job, typed; one ``ConfigError`` listing every problem.

    ``nuntiq run`` has already checked them with the API settings (in one
    round) when the connector module names them in ``SETTINGS``. ``prefix``
    reads a group on its own (e.g. ``SFTPSettings`` with ``"sftp_"``).
    """
    problems: list[str] = []
    built = _check(declared, context.config, context.secrets, prefix, problems)
    if built is None:
        raise ConfigError(problems)
    return built


def describe_settings(declared: type[Any], prefix: str = "") -> list[SettingRow]:
    """The declaration as rows: key, type, required, default, help (secrets' defaults never shown)."""
    rows: list[SettingRow] = []
    for field, meta, annotation in _fields(declared):
        if meta.prefix is not None:
            rows += describe_settings(annotation, prefix + meta.prefix)
            continue
        required = field.default is _REQUIRED
        default = (
            ""
            if required or meta.source == "secrets"
            else "see description"
            if isinstance(field.default, _FACTORY)
            else ("null" if field.default is None else json.dumps(field.default, default=str))
        )
        label = _type_label(annotation)
        if meta.minimum is not None or meta.maximum is not None:
            low = "" if meta.minimum is None else f"{meta.minimum:g}"
            high = "" if meta.maximum is None else f"{meta.maximum:g}"
            label += f" {low}..{high}"
        if meta.remote_path:
            label = "remote path"
        rows.append(SettingRow(f"{meta.source}.{prefix}{field.name}", label, required, default, meta.help))
    return rows


def format_settings_table(rows: list[SettingRow]) -> str:
    """``describe_settings`` as a plain-text table."""
    header = ("Setting", "Type", "Required", "Default", "Description")
    lines = [(r.key, r.type, "yes" if r.required else "no", r.default, r.help) for r in rows]
    widths = [max(len(str(line[i])) for line in [header, *lines]) for i in range(4)]
    out = []
    for line in [header, *lines]:
        out.append("  ".join(str(cell).ljust(widths[i]) for i, cell in enumerate(line[:4])) + "  " + line[4])
    return "\n".join(out)
