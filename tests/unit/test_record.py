"""Records take their field names from the spec and refuse unknown ones."""

from __future__ import annotations

import pytest

from nuntiq_sdk._record import Record


class Draft(Record):
    __schema__ = "LifecycleMessageCreate"
    __slots__ = ()


def test_fields_come_from_the_spec_schema() -> None:
    assert Draft.field_names()[0] == "code"
    assert "note_supplier" in Draft.field_names()


def test_unknown_field_is_refused_with_a_suggestion() -> None:
    draft = Draft()
    with pytest.raises(AttributeError, match="did you mean 'note_supplier'"):
        draft.note_suplier = "x"


def test_unset_fields_read_as_none_and_are_not_sent() -> None:
    draft = Draft(code="ACCEPTED")
    assert draft.note_internal is None
    draft.reference_value = None
    assert draft.to_dict() == {"code": "ACCEPTED"}
    assert repr(draft) == "Draft(code='ACCEPTED')"
