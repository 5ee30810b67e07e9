"""A lifecycle message draft takes its field names from the spec and refuses unknown ones."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from nuntiq_sdk import JobContext
from nuntiq_sdk._spec import customer_api_spec
from nuntiq_sdk.objects.lifecycle_message import LifecycleMessageDraft, LifecycleMessageLoad


@pytest.fixture
def load(tmp_path: Path) -> LifecycleMessageLoad:
    settings = {
        "customer_number": "1",
        "secrets": {"api_token": "ntq_sk_x"},
        "config": {"api_base_url": "http://127.0.0.1:9/v1"},
    }
    return LifecycleMessageLoad(JobContext.from_settings(settings, environ={}, work_dir=tmp_path))


def test_fields_come_from_the_spec_schema(load: LifecycleMessageLoad) -> None:
    spec_fields = customer_api_spec()["components"]["schemas"]["LifecycleMessageCreate"]["properties"]
    assert LifecycleMessageDraft._meta.fields == frozenset(spec_fields)
    assert "note_supplier" in load.new()._meta.fields


def test_unknown_field_is_refused_with_a_suggestion(load: LifecycleMessageLoad) -> None:
    draft = load.new()
    with pytest.raises(AttributeError, match="did you mean 'note_supplier'"):
        draft.note_suplier = "x"


def test_unset_fields_read_as_none_and_are_not_sent(load: LifecycleMessageLoad) -> None:
    draft = load.new()
    draft.code = "ACCEPTED"
    assert draft.note_internal is None
    draft.reference_value = None
    assert draft.to_dict() == {"code": "ACCEPTED"}
    assert "code='ACCEPTED'" in repr(draft)


def test_the_typo_guard_also_sees_a_code_given_to_the_constructor(
    load: LifecycleMessageLoad, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        LifecycleMessageDraft(load, code="ACCPETED")
    assert "Did you mean 'ACCEPTED'?" in caplog.text
