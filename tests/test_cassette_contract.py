"""Every recorded request and response in tests/cassettes/ matches the current spec.

Cassette tests replay what the sandbox answered when they were recorded; if
the spec changes under them (a field renamed, a schema closed, a status
dropped), replay would still pass. This checks each interaction with
openapi-core, a validator independent of the sandbox's own: ``/v1`` against
``openapi/customer-api.yaml``, ``/_sandbox`` against ``openapi/sandbox-admin.yaml``.
A spec change that invalidates a recording fails here until ``nox -s record``.

Recording drops credentials, so the bearer header the spec requires is put
back as a placeholder before validating (security is not what is checked).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import yaml
from openapi_core import Config, OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from nuntiq_sandbox import spec_dir
from tests.recording import CASSETTES, REPLAY_BASE_URL

SPECS = {"/v1": "customer-api.yaml", "/_sandbox": "sandbox-admin.yaml"}
PLACEHOLDER_AUTH = "Bearer ntq_sk_REDACTED"
PROBLEM = "application/problem+json"


def _json(data: bytes | str, **_: Any) -> Any:
    return json.loads(data)


def _raw(data: bytes | str, **_: Any) -> str:
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else data


@cache
def _openapi(name: str) -> OpenAPI:
    spec = yaml.safe_load((spec_dir() / name).read_text(encoding="utf-8"))
    # Relative server URLs (/v1) resolve against the replay host.
    spec["servers"] = [{"url": REPLAY_BASE_URL + spec["servers"][0]["url"]}]
    # Problems are JSON too (openapi-core knows only application/json by default); XML attachments are
    # bytes (``format: binary``), not documents to parse.
    deserializers = {PROBLEM: _json, "application/xml": _raw, "text/xml": _raw}
    return OpenAPI.from_dict(spec, config=Config(extra_media_type_deserializers=deserializers))


def _cassettes() -> list[Path]:
    return sorted(CASSETTES.rglob("*.yaml"))


def _first(headers: dict[str, Any], name: str) -> str | None:
    for key, values in headers.items():
        if key.lower() == name:
            return str(values[0] if isinstance(values, list) else values)
    return None


def _body(raw: Any) -> bytes:
    if raw is None:
        return b""
    if isinstance(raw, dict):
        raw = raw.get("string", b"")
    return raw if isinstance(raw, bytes) else str(raw).encode("utf-8")


def _interactions(path: Path) -> list[dict[str, Any]]:
    return list(yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)["interactions"])


def _errors(interaction: dict[str, Any]) -> list[str]:
    request, response = interaction["request"], interaction["response"]
    url = urlsplit(request["uri"])
    prefix = next((p for p in SPECS if url.path == p or url.path.startswith(p + "/")), None)
    if prefix is None:
        return [f"{request['method']} {url.path}: not under /v1 or /_sandbox"]
    headers = {k: (v[0] if isinstance(v, list) else v) for k, v in request.get("headers", {}).items()}
    if prefix == "/v1":
        headers.setdefault("Authorization", PLACEHOLDER_AUTH)
    body = _body(request.get("body"))
    mock_request = MockRequest(
        REPLAY_BASE_URL,
        request["method"].lower(),
        unquote(url.path),
        args={k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()},
        headers=headers,
        data=body or None,
        content_type=_first(request.get("headers", {}), "content-type") or "application/json",
    )
    mock_response = MockResponse(
        _body(response.get("body")),
        status_code=int(response["status"]["code"]),
        headers={k: (v[0] if isinstance(v, list) else v) for k, v in response.get("headers", {}).items()},
        content_type=_first(response.get("headers", {}), "content-type") or "application/json",
    )
    openapi = _openapi(SPECS[prefix])
    label = f"{request['method']} {url.path} -> {response['status']['code']}"
    found = [f"{label}: request: {error}" for error in openapi.iter_request_errors(mock_request)]
    found += [f"{label}: response: {error}" for error in openapi.iter_response_errors(mock_request, mock_response)]
    return found


def test_there_are_cassettes_to_check() -> None:
    assert len(_cassettes()) >= 10


@pytest.mark.parametrize("cassette", _cassettes(), ids=lambda path: str(path.relative_to(CASSETTES)))
def test_every_interaction_matches_the_current_spec(cassette: Path) -> None:
    errors = [error for interaction in _interactions(cassette) for error in _errors(interaction)]
    assert not errors, "\n".join(errors[:20]) + "\n(re-record with nox -s record if the spec changed on purpose)"


def test_a_spec_change_is_caught() -> None:
    """The check can fail: the same kind of recording, with a field the spec does not know."""
    interaction = {
        "request": {
            "method": "POST",
            "uri": REPLAY_BASE_URL + "/v1/delta-runs",
            "headers": {"content-type": ["application/json"]},
            "body": '{"connector_name": "c", "stream_name": "s", "not_in_the_spec": 1}',
        },
        "response": {
            "status": {"code": 201},
            "headers": {"content-type": ["application/json"]},
            "body": {"string": '{"run_id": 5}'},
        },
    }
    errors = _errors(interaction)
    assert any("request" in error for error in errors), errors
    assert any("response" in error for error in errors), errors
