"""poll_since hands out light LifecycleMessage views: read from the response row, equal to the eager view."""

from __future__ import annotations

import json
import pickle
from collections.abc import Iterator
from typing import Any

import attrs
import httpx
import pytest

from nuntiq_sdk import APIResponseError, JobContext, LifecycleMessage
from nuntiq_sdk.objects.lifecycle_message import LifecycleMessageLoad


def message(n: int, **extra: Any) -> dict[str, Any]:
    return {
        "id": n,
        "invoice_id": 100 + n,
        "invoice_token": f"tok_{n}",
        "code": "ERP_RECEIVED",
        "tier": 2,
        "source": "EXTERNAL_API",
        "actor_type": "API_CLIENT",
        "occurred_at": "2026-11-15T12:00:00Z",
        "recorded_at": f"2026-11-15T12:00:00.{n:06d}Z",
        "ext_reference_1": "CUSTOMER-A",
        **extra,
    }


def poll(pages: list[Any]) -> Iterator[LifecycleMessage]:
    def answer(request: httpx.Request) -> httpx.Response:
        index = int(request.url.params.get("cursor", "0"))
        page = pages[index]
        if isinstance(page, dict) and index + 1 < len(pages):
            page = {**page, "next_cursor": str(index + 1)}
        return httpx.Response(200, content=json.dumps(page).encode(), headers={"content-type": "application/json"})

    settings = {
        "customer_number": "10000001",
        "secrets": {"api_token": "ntq_sk_test"},
        "config": {"api_base_url": "https://api.example/v1", "api_max_retries": 0},
    }
    context = JobContext.from_settings(settings, environ={}, transport=httpx.MockTransport(answer))
    return LifecycleMessageLoad(context).poll_since("2026-11-15T00:00:00Z", ext_references={1: "customer-a"})


def test_polled_messages_are_lifecycle_messages_equal_to_the_eager_view() -> None:
    rows = [message(1), message(2, note_supplier="paid"), message(3)]
    polled = list(poll([{"data": rows[:2]}, {"data": rows[2:]}]))
    eager = [LifecycleMessage.from_dict(row) for row in rows]
    assert all(isinstance(m, LifecycleMessage) for m in polled)
    assert polled == eager
    assert eager == polled
    assert {*polled} == {*eager}  # equal messages hash alike
    assert [repr(m) for m in polled] == [repr(m) for m in eager]
    assert (polled[1].note_supplier, polled[1].clarification_code, polled[0].invoice_id) == ("paid", None, 101)
    assert attrs.asdict(polled[1]) == attrs.asdict(eager[1])
    assert attrs.evolve(polled[0], code="PAID").code == "PAID"
    assert pickle.loads(pickle.dumps(polled[2])) == eager[2]


def test_a_polled_message_cannot_be_changed() -> None:
    [polled] = poll([{"data": [message(1)]}])
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        polled.code = "PAID"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("page", "words"),
    [
        ({"data": [{k: v for k, v in message(1).items() if k != "recorded_at"}]}, r"\['recorded_at'\]"),
        ({"data": ["not a message"]}, "not an object"),
        ({"items": []}, "no data list"),
    ],
)
def test_a_page_of_another_shape_is_an_api_response_error(page: dict[str, Any], words: str) -> None:
    with pytest.raises(APIResponseError, match=words):
        list(poll([page]))
