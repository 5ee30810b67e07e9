"""One pagination loop for every list: follows cursors, stops at the end, refuses a loop."""

from __future__ import annotations

import pytest

from generated_client.types import Unset
from nuntiq_sdk import APIResponseError
from nuntiq_sdk._pagination import paginate


def test_follows_cursors_until_a_page_has_none() -> None:
    pages = {None: ([1, 2], "b"), "b": ([3], "c"), "c": ([], None)}
    asked: list[str | None] = []

    def fetch(cursor: str | Unset) -> tuple[list[int], object]:
        key = None if isinstance(cursor, Unset) else cursor
        asked.append(key)
        return pages[key]

    assert list(paginate(fetch)) == [1, 2, 3]
    assert asked == [None, "b", "c"]


def test_a_cursor_sent_twice_raises_instead_of_looping() -> None:
    with pytest.raises(APIResponseError, match="twice"):
        list(paginate(lambda cursor: ([0], "same")))
