"""Records: mutable API objects whose fields are the spec schema's properties.

A record never lists its fields by hand: the names come from the request schema
in the spec the client was generated from, so a field added to the spec and
regenerated is settable with no SDK change. Unknown names are refused at once
(with a suggestion), because a silently ignored typo is a lost field.
"""

from __future__ import annotations

import difflib
from typing import Any, ClassVar

from nuntiq_sdk._validation import RequestSchema

__all__ = ["Record"]


class Record:
    """Base of the objects a connector builds with ``load.new()``."""

    __schema__: ClassVar[str]
    __slots__ = ("_values",)

    _values: dict[str, Any]

    def __init__(self, **values: Any) -> None:
        object.__setattr__(self, "_values", {})
        for name, value in values.items():
            setattr(self, name, value)

    @classmethod
    def schema(cls) -> RequestSchema:
        return RequestSchema.of(cls.__schema__)

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return cls.schema().fields

    def _unknown(self, name: str) -> AttributeError:
        fields = self.field_names()
        close = difflib.get_close_matches(name, fields, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f"; fields are {', '.join(fields)}"
        return AttributeError(f"{type(self).__name__} has no field {name!r}{hint}")

    def __getattr__(self, name: str) -> Any:
        # Only reached for names that are not real attributes.
        if name.startswith("_"):
            raise AttributeError(name)
        if name in self.schema().properties:
            return self._values.get(name)
        raise self._unknown(name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_"):
            object.__setattr__(self, name, value)
            return
        if name not in self.schema().properties:
            raise self._unknown(name)
        self._values[name] = value
        self._on_set(name, value)

    def _on_set(self, name: str, value: Any) -> None:
        """Hook for subclasses (typo guards, dirty tracking)."""

    def to_dict(self) -> dict[str, Any]:
        """The fields that are set, as the API names them (None means unset)."""
        return {name: value for name, value in self._values.items() if value is not None}

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={value!r}" for name, value in self.to_dict().items())
        return f"{type(self).__name__}({shown})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Record) and type(other) is type(self) and self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]
