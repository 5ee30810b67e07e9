"""save_all(rows=...) against an httpx.MockTransport: chunks, one check per row, chunked vs strict, aggregation."""

from __future__ import annotations

import types
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from nuntiq_sdk import APIConnectionError, JobContext, StreamFailedRow, StreamResult, ValidationError
from nuntiq_sdk.objects.supplier import SupplierLoad
from tests.sdk.test_master_data import IBAN, FakeAPI, api, context

__all__ = ["api", "context"]


def rows(count: int, start: int = 0, **extra: Any) -> Iterator[dict[str, Any]]:
    """A generator, as a file reader would be: each row made when it is asked for."""
    for n in range(start, start + count):
        yield {
            "supplier_code": f"SUP-{n}",
            "name": f"Supplier {n}",
            "country_code": "DE",
            "bank_accounts": [{"iban": IBAN, "currency_code": "EUR"}],
            **extra,
        }


def sent(api: FakeAPI) -> list[list[str]]:
    return [[row["supplier_code"] for row in body["rows"]] for body in api.posts("/suppliers/upsert")]


def test_a_generator_is_saved_in_chunks_of_batch_size(api: FakeAPI, context: JobContext) -> None:
    load = SupplierLoad(context, batch_size=2)
    result = load.save_all(rows=rows(5))
    assert sent(api) == [["SUP-0", "SUP-1"], ["SUP-2", "SUP-3"], ["SUP-4"]]
    assert api.posts("/suppliers/upsert")[0]["rows"][0] == next(rows(1))  # sent as given
    assert result == StreamResult(rows=5, created=5, requests=3)
    assert str(result) == "5 rows in 3 requests: 5 created, 0 updated, 0 unchanged, 0 failed"
    assert len(load) == 0  # a streamed row is not tracked by the Load


@pytest.mark.parametrize(("count", "chunks"), [(4, [2, 2]), (1, [1]), (0, [])])
def test_chunk_boundaries_send_no_empty_request(
    api: FakeAPI, context: JobContext, count: int, chunks: list[int]
) -> None:
    result = SupplierLoad(context).save_all(rows=list(rows(count)), batch_size=2)
    assert [len(chunk) for chunk in sent(api)] == chunks
    assert (result.rows, result.requests, result.ok) == (count, len(chunks), True)


def test_the_default_chunk_is_the_upserts_max_batch(api: FakeAPI, context: JobContext) -> None:
    SupplierLoad(context).save_all(rows=rows(1001))
    assert [len(chunk) for chunk in sent(api)] == [1000, 1]


def test_each_good_row_is_checked_once(api: FakeAPI, context: JobContext, monkeypatch: pytest.MonkeyPatch) -> None:
    load = SupplierLoad(context, batch_size=3)
    checked: list[str] = []
    accepts_new = load.meta.accepts_new

    def counting(row: Any) -> bool:
        checked.append(row["supplier_code"])
        return accepts_new(row)

    monkeypatch.setattr(load.meta, "accepts_new", counting)
    load.save_all(rows=rows(7))
    assert checked == [f"SUP-{n}" for n in range(7)]
    bad = [*rows(4), {"supplier_code": "SUP-4", "name": "Bad", "country_code": "XX"}, *rows(2, 5)]
    for strict, read in ((False, 6), (True, 7)):  # chunked: chunk 3 is never read
        checked.clear()
        with pytest.raises(ValidationError, match="country_code"):
            load.save_all(rows=bad, strict=strict)
        assert checked == [f"SUP-{n}" for n in range(read)]  # the bad one once too, then looked at closely


def test_updates_and_server_refusals_are_counted_and_refused_rows_kept_with_their_place(
    api: FakeAPI, context: JobContext
) -> None:
    load = SupplierLoad(context, batch_size=2)
    load.save_all(rows=rows(2))
    api.fail_rows = {"SUP-3"}
    result = load.save_all(rows=[*rows(1), *rows(1, 1, email="ap@example.com"), *rows(3, 2)])
    assert (result.rows, result.created, result.updated, result.unchanged) == (5, 2, 1, 1)
    assert result.failed == [
        StreamFailedRow(index=3, key={"supplier_code": "SUP-3"}, errors=(("name", "REFUSED: not today"),))
    ]
    assert not result.ok
    assert str(result.failed[0]) == "row #3 {'supplier_code': 'SUP-3'}: name: REFUSED: not today"


def test_a_bad_row_in_chunk_two_leaves_chunk_one_saved_and_sends_nothing_more(
    api: FakeAPI, context: JobContext
) -> None:
    stream = [*rows(3), {"supplier_code": "SUP-3", "name": "Bad", "country_code": "XX"}, *rows(3, 4)]
    with pytest.raises(ValidationError) as raised:
        SupplierLoad(context, batch_size=3).save_all(rows=stream)
    assert sent(api) == [["SUP-0", "SUP-1", "SUP-2"]]
    [problem] = raised.value.problems
    assert (problem.row, problem.field, problem.value) == ("supplier_code=SUP-3", "country_code", "XX")
    assert "the 3 rows before this one's chunk were saved" in "\n".join(raised.value.__notes__)


def test_strict_mode_checks_every_row_before_the_first_request_and_reports_them_all(
    api: FakeAPI, context: JobContext
) -> None:
    stream = [*rows(3), {"supplier_code": "SUP-3", "name": "Bad", "country_code": "XX"}, *rows(3, 4)]
    stream.append({"supplier_code": "SUP-7"})  # no name: required when creating
    with pytest.raises(ValidationError) as raised:
        SupplierLoad(context, batch_size=3).save_all(rows=iter(stream), strict=True)
    assert api.requests == []
    assert [(p.row, p.field) for p in raised.value.problems] == [
        ("supplier_code=SUP-3", "country_code"),
        ("supplier_code=SUP-7", "name"),
    ]
    result = SupplierLoad(context, batch_size=3).save_all(rows=rows(7), strict=True)
    assert (result.rows, result.requests) == (7, 3)


def test_rows_the_quick_check_does_not_pass_are_made_as_new_would_make_them(api: FakeAPI, context: JobContext) -> None:
    read_only = types.MappingProxyType({"supplier_code": "SUP-1", "name": "Proxy"})
    with_none = {
        "supplier_code": "SUP-2",
        "name": "Nones",
        "email": None,
        "locations": [{"location_code": "M", "name": "x", "active": None}],
    }
    SupplierLoad(context).save_all(rows=[read_only, with_none])
    assert api.posts("/suppliers/upsert")[0]["rows"] == [
        {"supplier_code": "SUP-1", "name": "Proxy"},
        {"supplier_code": "SUP-2", "name": "Nones", "locations": [{"location_code": "M", "name": "x"}]},
    ]


@pytest.mark.parametrize(
    ("row", "field", "words"),
    [
        ({"supplier_code": "SUP-1", "nmae": "x"}, "nmae", "did you mean 'name'"),
        ({"supplier_code": "SUP-1", "name": "x", "created_at": "2026-01-01T00:00:00Z"}, "created_at", "read-only"),
        ({"supplier_code": "SUP-1", "name": "x", "locations": [{"location_code": "M", "nmae": "y"}]}, "row", "nmae"),
        (["SUP-1", "x"], "row", "not a mapping of Supplier fields"),
    ],
)
def test_a_bad_row_names_its_field_and_value(
    api: FakeAPI, context: JobContext, row: Any, field: str, words: str
) -> None:
    with pytest.raises(ValidationError, match=words) as raised:
        SupplierLoad(context).save_all(rows=[row])
    assert raised.value.problems[0].field == field
    assert api.requests == []


@pytest.mark.parametrize("given", [{"supplier_code": "SUP-1"}, "SUP-1", 42])
def test_rows_must_be_an_iterable_of_rows(context: JobContext, given: Any) -> None:
    with pytest.raises(ValidationError, match=r"rows: .* must be an iterable of rows"):
        SupplierLoad(context).save_all(rows=given)


def test_rows_cannot_be_planned_and_leave_the_loads_entities_alone(api: FakeAPI, context: JobContext) -> None:
    load = SupplierLoad(context)
    tracked = load.new(supplier_code="SUP-T", name="Tracked")
    with pytest.raises(ValidationError, match=r"dry_run: True .*not held to plan"):
        load.save_all(rows=rows(1), dry_run=True)
    assert api.requests == []
    load.save_all(rows=rows(2))
    assert sent(api) == [["SUP-0", "SUP-1"]]  # the tracked entity is neither sent nor marked saved
    planned = load.save_all(dry_run=True).created
    assert [row.key for row in planned] == [{"supplier_code": tracked.supplier_code}]


def test_a_connection_lost_mid_stream_leaves_the_earlier_chunks_saved(api: FakeAPI, context: JobContext) -> None:
    def drop_the_third(request: httpx.Request) -> httpx.Response | None:
        if len(api.posts("/suppliers/upsert")) == 3:
            raise httpx.ConnectError("dropped", request=request)
        return None

    api.override = drop_the_third
    with pytest.raises(APIConnectionError) as raised:
        SupplierLoad(context, batch_size=2).save_all(rows=rows(6))
    assert set(api.tables["suppliers"]) == {"SUP-0", "SUP-1", "SUP-2", "SUP-3"}
    assert "the 4 rows before this one's chunk were saved" in "\n".join(raised.value.__notes__)
    api.override = None
    again = SupplierLoad(context, batch_size=2).save_all(rows=rows(6))  # the whole stream again: safe
    assert (again.unchanged, again.created) == (4, 2)


def test_a_streamed_full_load_stages_each_chunk_then_commits(api: FakeAPI, context: JobContext) -> None:
    api.tables["suppliers"] = {"OLD": {"supplier_code": "OLD", "name": "Old"}}
    summary = SupplierLoad(context, batch_size=2).save_all(rows=rows(3), full_load=True)
    assert [(method, path) for method, path, _ in api.requests] == [
        ("POST", "/full-loads"),
        ("POST", "/suppliers/full-loads/fl_1/rows"),
        ("POST", "/suppliers/full-loads/fl_1/rows"),
        ("POST", "/full-loads/fl_1/commit"),
    ]
    assert (summary.staged_rows, summary.deleted, summary.requests) == (3, 1, 4)
    assert set(api.tables["suppliers"]) == {"SUP-0", "SUP-1", "SUP-2"}


def test_a_bad_row_in_a_streamed_full_load_aborts_it_and_keeps_the_table(api: FakeAPI, context: JobContext) -> None:
    api.tables["suppliers"] = {"OLD": {"supplier_code": "OLD", "name": "Old"}}
    stream = [*rows(2), {"supplier_code": "SUP-2", "name": "Bad", "country_code": "XX"}]
    with pytest.raises(ValidationError, match="country_code"):
        SupplierLoad(context, batch_size=2).save_all(rows=stream, full_load=True)
    assert api.loads["fl_1"]["status"] == "aborted"
    assert set(api.tables["suppliers"]) == {"OLD"}
    with pytest.raises(ValidationError, match="country_code"):
        SupplierLoad(context, batch_size=2).save_all(rows=stream, full_load=True, strict=True)
    assert len(api.loads) == 1  # strict: no load opened at all


def test_an_empty_streamed_full_load_needs_allow_empty(api: FakeAPI, context: JobContext) -> None:
    with pytest.raises(ValidationError, match="allow_empty=True"):
        SupplierLoad(context).save_all(rows=iter(()), full_load=True)
    assert api.requests == []
    summary = SupplierLoad(context).save_all(rows=[], full_load=True, allow_empty=True)
    assert summary.staged_rows == 0


def test_save_all_builds_its_result_keys_only_when_they_are_read(
    api: FakeAPI, context: JobContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    load = SupplierLoad(context, batch_size=2)
    calls: list[str] = []
    key_of = load.meta.key_of

    def counting(row: Any) -> dict[str, Any]:
        calls.append(row["supplier_code"])
        return key_of(row)

    monkeypatch.setattr(load.meta, "key_of", counting)
    for row in rows(5):
        load.new_from(row)
    api.fail_rows = {"SUP-1"}
    result = load.save_all()
    assert (str(result), result.requests, calls) == ("4 created, 0 updated, 0 unchanged, 1 failed", 3, [])
    assert result.created == [{"supplier_code": f"SUP-{n}"} for n in (0, 2, 3, 4)]
    assert (result.updated, result.unchanged, len(calls)) == ([], [], 4)
    assert result.created is result.created  # built once
