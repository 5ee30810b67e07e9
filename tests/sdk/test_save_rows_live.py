"""save_all(rows=...) on a live sandbox: a bad row in chunk 2 (chunked vs strict), lost answers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from nuntiq_sdk import JobContext, ValidationError
from nuntiq_sdk.objects.supplier import SupplierLoad
from tests.sdk.conftest import World

pytestmark = pytest.mark.live

IBAN = "DE89370400440532013000"


def rows(count: int, bad: int | None = None) -> Iterator[dict[str, Any]]:
    for n in range(count):
        yield {
            "supplier_code": f"SUP-{n:05d}",
            "name": f"Supplier {n}",
            "country_code": "XX" if n == bad else "DE",
            "locations": [{"location_code": "MAIN", "name": f"Supplier {n} HQ"}],
            "bank_accounts": [{"iban": IBAN, "currency_code": "EUR"}],
        }


def stored(context: JobContext) -> int:
    return sum(1 for _ in SupplierLoad(context).get_all())


def test_a_generator_of_2500_rows_goes_in_three_chunks_and_a_rerun_changes_nothing(live: World) -> None:
    _, token = live.tenant()
    context = live.context(token)
    result = SupplierLoad(context).save_all(rows=rows(2500))
    assert (result.rows, result.created, result.requests, result.failed) == (2500, 2500, 3, [])
    assert stored(context) == 2500
    again = SupplierLoad(context).save_all(rows=rows(2500))
    assert (again.unchanged, again.created, again.updated) == (2500, 0, 0)
    [supplier] = SupplierLoad(context).search(supplier_code="SUP-01234")
    assert ([loc.location_code for loc in supplier.locations], [b.iban for b in supplier.bank_accounts]) == (
        ["MAIN"],
        [IBAN],
    )


def test_a_bad_row_in_chunk_two_chunked_saves_chunk_one_strict_saves_nothing(live: World) -> None:
    _, token = live.tenant()
    context = live.context(token)
    with pytest.raises(ValidationError, match=r"\[supplier_code=SUP-01500\] country_code: 'XX'"):
        SupplierLoad(context).save_all(rows=rows(2500, bad=1500), strict=True)
    assert stored(context) == 0
    with pytest.raises(ValidationError, match=r"\[supplier_code=SUP-01500\] country_code: 'XX'") as raised:
        SupplierLoad(context).save_all(rows=rows(2500, bad=1500))
    assert "the 1000 rows before this one's chunk were saved" in "\n".join(raised.value.__notes__)
    assert stored(context) == 1000


def test_an_answer_lost_on_the_way_back_is_retried_with_its_key_and_counted_once(live: World) -> None:
    _, token = live.tenant()
    context = live.fast_context(token)
    live.admin.add_fault(r"/v1/suppliers/upsert$", method="POST", drop="after", count=1)
    result = SupplierLoad(context, batch_size=500).save_all(rows=rows(1200))
    assert (result.rows, result.created, result.unchanged, result.requests) == (1200, 1200, 0, 3)
    assert stored(context) == 1200


def test_a_streamed_full_load_replaces_the_table_and_a_bad_chunk_keeps_it(live: World) -> None:
    _, token = live.tenant()
    context = live.context(token)
    SupplierLoad(context).save_all(rows=[{"supplier_code": "OLD-1", "name": "Old"}])
    with pytest.raises(ValidationError, match="country_code"):
        SupplierLoad(context).save_all(rows=rows(1500, bad=1200), full_load=True)
    assert {s.supplier_code for s in SupplierLoad(context).get_all()} == {"OLD-1"}
    summary = SupplierLoad(context).save_all(rows=rows(1500), full_load=True)
    assert (summary.staged_rows, summary.inserted, summary.deleted) == (1500, 1500, 1)
    assert stored(context) == 1500
