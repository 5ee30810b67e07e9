"""Master data against a live sandbox: the seed's 'Things to remember', and a full load cut off before its commit.

Skipped while the sandbox does not serve ``/v1/suppliers`` yet.
"""

from __future__ import annotations

import pytest

from nuntiq_sdk import APIConnectionError, JobContext, ValidationError
from nuntiq_sdk.objects.supplier import SupplierLoad
from tests.sdk.conftest import World

pytestmark = pytest.mark.live

IBAN = "DE89370400440532013000"


def _codes(context: JobContext) -> set[str]:
    return {s.supplier_code for s in SupplierLoad(context).get_all()}


def test_incremental_saves_upsert_on_the_natural_key(live: World) -> None:
    _, token = live.tenant()
    context = live.context(token)
    load = SupplierLoad(context)
    supplier = load.new(supplier_code="SUP-1", name="Acme", country_code="DE")
    supplier.bank_accounts.new(iban=IBAN, currency_code="EUR")
    assert load.save_all().created == [{"supplier_code": "SUP-1"}]

    again = SupplierLoad(context)
    again.new(supplier_code="SUP-1", name="Acme", email="ap@acme.example")  # the same key: an update
    again.new(supplier_code="SUP-2", name="Beta")
    result = again.save_all()
    assert (result.updated, result.created) == ([{"supplier_code": "SUP-1"}], [{"supplier_code": "SUP-2"}])
    [stored] = SupplierLoad(context).search(supplier_code="SUP-1")
    assert (stored.name, stored.email, [b.iban for b in stored.bank_accounts]) == ("Acme", "ap@acme.example", [IBAN])


def test_dirty_tracking_sends_only_changes_and_nothing_for_same_values(live: World) -> None:
    _, token = live.tenant()
    context = live.context(token)
    seed = SupplierLoad(context)
    for n in range(3):
        seed.new(supplier_code=f"SUP-{n}", name=f"Supplier {n}")
    seed.save_all()

    load = SupplierLoad(context)
    suppliers = list(load.get_all())
    for supplier in suppliers:
        supplier.name = supplier.name  # same value: no change
    assert load.save_all().requests == 0
    suppliers[1].name = "Renamed"
    result = load.save_all()
    assert (result.requests, result.updated) == (1, [{"supplier_code": "SUP-1"}])
    assert load.save_all().requests == 0


def test_validation_runs_at_save_time_not_at_assignment(live: World) -> None:
    _, token = live.tenant()
    context = live.context(token)
    load = SupplierLoad(context)
    draft = load.new(supplier_code="SUP-1")
    draft.country_code = "XX"  # accepted for now
    with pytest.raises(ValidationError, match="country_code"):
        load.save_all()
    draft.country_code = "NL"
    draft.name = "Now complete"
    assert load.save_all().created == [{"supplier_code": "SUP-1"}]


def test_a_full_load_truncates_and_replaces(live: World) -> None:
    _, token = live.tenant()
    context = live.context(token)
    old = SupplierLoad(context)
    for code in ("OLD-1", "OLD-2", "KEEP"):
        old.new(supplier_code=code, name=code)
    old.save_all()

    load = SupplierLoad(context)
    load.new(supplier_code="KEEP", name="Kept")
    load.new(supplier_code="NEW-1", name="New")
    summary = load.save_all(full_load=True)
    assert summary.deleted == 2
    assert _codes(context) == {"KEEP", "NEW-1"}


def test_a_full_load_cut_off_before_its_commit_leaves_the_old_table(live: World) -> None:
    _, token = live.tenant()
    context = live.fast_context(token)
    old = SupplierLoad(context)
    for code in ("OLD-1", "OLD-2"):
        old.new(supplier_code=code, name=code)
    old.save_all()

    load = SupplierLoad(context)
    load.new(supplier_code="NEW-1", name="New")
    live.admin.add_fault(r"/v1/full-loads/[^/]+/commit$", method="POST", drop="before", count=50)
    with pytest.raises(APIConnectionError):
        load.save_all(full_load=True)
    live.admin.clear_faults()
    assert _codes(context) == {"OLD-1", "OLD-2"}
