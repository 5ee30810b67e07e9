"""Keyset pagination, one way for every list the SDK reads."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from generated_client.types import UNSET, Unset
from nuntiq_sdk._exceptions import APIResponseError

__all__ = ["paginate"]

T = TypeVar("T")


def paginate(fetch: Callable[[str | Unset], tuple[Iterable[T], object]]) -> Iterator[T]:
    """Every item of a list: ``fetch(cursor)`` returns a page's items and its next_cursor.

    Stops after the page without a next cursor; a cursor the server sends a
    second time would loop forever, so it raises instead.
    """
    cursor: str | Unset = UNSET
    seen: set[str] = set()
    while True:
        items, next_cursor = fetch(cursor)
        yield from items
        if not isinstance(next_cursor, str) or not next_cursor:
            return
        if next_cursor in seen:
            raise APIResponseError(f"the server returned cursor {next_cursor!r} twice; stopping to avoid a loop")
        seen.add(next_cursor)
        cursor = next_cursor
