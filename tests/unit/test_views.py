"""The generated result views: built from response JSON as the spec shapes it, read-only, and typed from the spec."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import attrs
import pytest

from nuntiq_sdk import APIResponseError
from nuntiq_sdk._generated.views import DeactivateInactiveResult, DeltaState, LifecycleMessageWriteResponse
from nuntiq_sdk._http import build_view
from tools.generate_views import render_views

RUN = {
    "run_id": "run_1",
    "connector_name": "acme",
    "stream_name": "pushed",
    "status": "failed",
    "cursor_type": "timestamp_utc",
    "records_processed": 3,
    "started_at": "2026-05-01T00:00:00Z",
    "expires_at": "2026-05-01T01:00:00Z",
    "metadata": {"pushed": 2},
}


def test_nested_objects_become_views_and_absent_fields_none() -> None:
    state = DeltaState.from_dict(
        {"connector_name": "acme", "stream_name": "pushed", "cursor_type": "timestamp_utc", "last_run": RUN}
    )
    assert state.cursor is None
    assert state.active_run_id is None
    assert state.last_run is not None
    run = state.last_run
    assert (run.status, run.metadata, run.finished_at) == ("failed", {"pushed": 2}, None)
    empty = DeltaState.from_dict(
        {"connector_name": "acme", "stream_name": "pushed", "cursor_type": "timestamp_utc", "last_run": None}
    )
    assert empty.last_run is None


def test_arrays_become_tuples_of_views() -> None:
    result = DeactivateInactiveResult.from_dict(
        {
            "dry_run": True,
            "count": 1,
            "idempotent": False,
            "users": [{"email": "a@example.com", "roles": ["AP_CLERK"], "kind": "human"}],
        }
    )
    assert result.users[0].email == "a@example.com"
    assert result.users[0].roles == ("AP_CLERK",)
    assert result.users[0].active is None


def test_views_are_frozen_and_slotted() -> None:
    response = LifecycleMessageWriteResponse.from_dict(
        {
            "idempotent": False,
            "message": {
                "id": 1,
                "invoice_id": "tok_1",
                "code": "ACCEPTED",
                "source": "EXTERNAL_API",
                "actor_type": "API_CLIENT",
                "occurred_at": "2026-05-01T00:00:00Z",
                "recorded_at": "2026-05-01T00:00:01Z",
            },
        }
    )
    assert response.message.code == "ACCEPTED"
    assert not hasattr(response.message, "__dict__")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        response.message.code = "REJECTED"  # type: ignore[misc]


def test_a_body_of_another_shape_is_an_api_response_error_naming_the_view() -> None:
    with pytest.raises(APIResponseError, match=r"not a DeltaState \(KeyError: \"'stream_name'\"\)"):
        build_view(DeltaState.from_dict, {"connector_name": "acme", "cursor_type": "x"})
    with pytest.raises(APIResponseError, match="not a DeltaState"):
        build_view(DeltaState.from_dict, ["not", "an", "object"])


SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "t", "version": "1"},
    "paths": {},
    "components": {
        "schemas": {
            "Colour": {"type": "string", "enum": ["red", "green"], "description": "A colour."},
            "Part": {"type": "object", "required": ["n"], "properties": {"n": {"type": "number"}}},
            "Thing": {
                "type": "object",
                "required": ["from", "parts", "colour", "id"],
                "properties": {
                    "from": {"type": "string", "format": "date", "description": "A keyword as a field name."},
                    "id": {"oneOf": [{"type": "integer"}, {"type": "string"}]},
                    "colour": {"$ref": "#/components/schemas/Colour"},
                    "parts": {"type": "array", "items": {"$ref": "#/components/schemas/Part"}},
                    "main": {"allOf": [{"$ref": "#/components/schemas/Part"}], "nullable": True},
                    "size": {"type": "string", "enum": ["S", "M"], "nullable": True},
                    "extra": {"type": "object", "additionalProperties": True},
                    "anything": {},
                },
            },
        }
    },
}


def test_the_generator_maps_every_spec_construct(tmp_path: Path) -> None:
    source = render_views(SPEC, ("Thing",))
    assert source.startswith("# Generated from openapi/customer-api.yaml by tools/generate_views.py")
    for line in (
        'Colour = Literal["red", "green"]',
        "from_: str",
        "id: int | str",
        "colour: Colour",
        "parts: tuple[Part, ...]",
        "main: Part | None = None",
        'size: Literal["S", "M"] | None = None',
        "extra: Mapping[str, Any] | None = None",
        "anything: Any | None = None",
    ):
        assert line in source, line
    path = tmp_path / "thing_views.py"
    path.write_text(source, encoding="utf-8")
    spec_ = importlib.util.spec_from_file_location("thing_views", path)
    assert spec_ is not None
    assert spec_.loader is not None
    module = importlib.util.module_from_spec(spec_)
    sys.modules["thing_views"] = module
    try:
        spec_.loader.exec_module(module)
        thing = module.Thing.from_dict(
            {"from": "2026-01-01", "id": 7, "colour": "red", "parts": [{"n": 1.5}], "main": {"n": 2}}
        )
    finally:
        del sys.modules["thing_views"]
    assert thing.from_ == "2026-01-01"
    assert thing.parts == (module.Part(n=1.5),)
    assert thing.main == module.Part(n=2)
    assert (thing.size, thing.extra, thing.anything) == (None, None, None)


def test_a_view_must_be_an_object_schema(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="Colour is not an object schema"):
        render_views(SPEC, ("Colour",))
