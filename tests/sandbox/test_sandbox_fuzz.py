"""A hypothesis fuzz of the request layer: whatever bytes arrive as a JSON body, the sandbox
answers 2xx or a 4xx problem, never a 500 (the 5xx it may give are the documented 503s of
injected faults, and none are injected here).

Bodies mix what JSON parsers disagree on or stores refuse: lone surrogates, integers
far beyond int64, NaN and Infinity, deep nesting, long arrays, random keys, invalid
UTF-8. Each goes to a POST operation of the spec, with a valid token, over a real socket.
Bounded in examples (and therefore time) so that it runs in the suite.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nuntiq_sandbox import spec_dir
from nuntiq_sandbox.testing import SandboxServer

pytestmark = pytest.mark.live


def _json_posts() -> list[str]:
    spec = yaml.safe_load((spec_dir() / "customer-api.yaml").read_text(encoding="utf-8"))
    paths = []
    for path, item in spec["paths"].items():
        body = item.get("post", {}).get("requestBody", {})
        if "application/json" in body.get("content", {}):
            paths.append(re.sub(r"\{[^}]+\}", "fuzz", path))
    return sorted(paths)


POSTS = _json_posts()

_texts = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["\ud800", "a\udfffb", "\udbff\udbff", "\x00", "\u202e", "ntq_sk_" + "0" * 40]),
)
_numbers = st.one_of(
    st.integers(),
    st.sampled_from([2**63, -(2**63) - 1, 2**64, 10**400, -(10**30)]),
    st.floats(allow_nan=True, allow_infinity=True),
)
_scalars = st.one_of(st.none(), st.booleans(), _numbers, _texts)
_values = st.recursive(
    _scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5), st.dictionaries(st.one_of(_texts, st.sampled_from(["rows", "code"])), children)
    ),
    max_leaves=25,
)


def _encode(value: Any) -> bytes:
    # ensure_ascii writes a lone surrogate as its \\u escape, as a hostile client would.
    return json.dumps(value, allow_nan=True).encode("ascii")


_bodies = st.one_of(
    _values.map(_encode),
    st.dictionaries(st.sampled_from(["rows", "code", "limit", "records_processed", "where"]), _values).map(_encode),
    st.integers(min_value=1, max_value=3000).map(lambda depth: b"[" * depth + b"]" * depth),
    st.integers(min_value=1, max_value=30_000).map(lambda n: b'{"rows": [' + b",".join([b"0"] * n) + b"]}"),
    st.binary(max_size=64),
)


@pytest.fixture(scope="module")
def client(sandbox: SandboxServer) -> Iterator[httpx.Client]:
    _, token = sandbox.admin.create_tenant_with_token(name="Fuzz")
    with sandbox.api_client(token, timeout=30.0) as api:
        yield api


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(path=st.sampled_from(POSTS), body=_bodies)
def test_no_body_gets_a_server_error(client: httpx.Client, path: str, body: bytes) -> None:
    response = client.post(path, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code < 500, (path, body[:200], response.text[:500])
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"]


def test_the_fuzz_covers_the_write_operations() -> None:
    assert {"/suppliers/upsert", "/delta-runs/fuzz/complete", "/lifecycle-messages/by-reference"} <= set(POSTS)
    assert len(POSTS) > 30
