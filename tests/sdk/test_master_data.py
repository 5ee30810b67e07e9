"""BaseLoad and the master-data Loads against an httpx.MockTransport: exact bodies, validation, batching."""

from __future__ import annotations

import copy
import importlib.util
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from nuntiq_sdk import (
    APIConnectionError,
    BaseLoad,
    ConflictError,
    FullLoadEmptyError,
    JobContext,
    ValidationError,
)
from nuntiq_sdk._spec import customer_api_spec
from nuntiq_sdk.objects.customer_data_table import CustomerDataTableLoad
from nuntiq_sdk.objects.purchase_order import PurchaseOrderLineLoad, PurchaseOrderLoad
from nuntiq_sdk.objects.supplier import SupplierLoad
from nuntiq_sdk.objects.user import UserLoad
from tools import generate_entities

IBAN = "DE89370400440532013000"
IBAN_2 = "GB82WEST12345698765432"


class FakeAPI:
    """Just enough of the master-data API: upsert on the key, pages, deletes, full loads; every request kept."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, Any]] = []
        self.tables: dict[str, dict[str, dict[str, Any]]] = {}
        self.loads: dict[str, dict[str, Any]] = {}
        self.fail_rows: set[str] = set()
        self.page_size = 2
        self.drop: re.Pattern[str] | None = None
        self.customer_tables: list[dict[str, Any]] = []
        self.override: Callable[[httpx.Request], httpx.Response | None] | None = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/v1")
        body = json.loads(request.content) if request.content else None
        self.requests.append(
            (request.method, path + (f"?{request.url.query.decode()}" if request.url.query else ""), body)
        )
        if self.override is not None and (response := self.override(request)) is not None:
            return response
        if self.drop is not None and self.drop.search(path):
            raise httpx.ConnectError("dropped", request=request)
        if m := re.fullmatch(r"/(suppliers|purchase-orders|users)/upsert", path):
            return self._upsert(m.group(1), body["rows"])
        if m := re.fullmatch(r"/(suppliers|purchase-orders|users)", path):
            return self._list(m.group(1), request)
        if m := re.fullmatch(r"/(suppliers|purchase-orders|users)/delete", path):
            return httpx.Response(200, json={"deleted": 3, "idempotent": False})
        if path == "/full-loads" and request.method == "POST":
            load_id = f"fl_{len(self.loads) + 1}"
            self.loads[load_id] = {"object": body["object"], "rows": [], "status": "staging"}
            return httpx.Response(201, json=self._load(load_id))
        if m := re.fullmatch(r"/(?:suppliers|purchase-orders|users)/full-loads/([^/]+)/rows", path):
            self.loads[m.group(1)]["rows"].extend(body["rows"])
            return httpx.Response(200, json=self._load(m.group(1)))
        if m := re.fullmatch(r"/full-loads/([^/]+)/commit", path):
            load = self.loads[m.group(1)]
            if not load["rows"] and not (body or {}).get("allow_empty"):
                return _problem(422, "FULL_LOAD_EMPTY")
            table = self.tables.setdefault(load["object"], {})
            deleted = len(set(table) - {r["supplier_code"] for r in load["rows"]})
            table.clear()
            table.update({r["supplier_code"]: r for r in load["rows"]})
            load["status"] = "committed"
            return httpx.Response(
                200,
                json={
                    "load_id": m.group(1),
                    "object": load["object"],
                    "status": "committed",
                    "inserted": len(load["rows"]),
                    "updated": 0,
                    "unchanged": 0,
                    "deleted": deleted,
                    "idempotent": False,
                },
            )
        if (m := re.fullmatch(r"/full-loads/([^/]+)", path)) and request.method == "DELETE":
            self.loads[m.group(1)]["status"] = "aborted"
            return httpx.Response(200, json=self._load(m.group(1)))
        if path == "/customer-data-tables":
            return httpx.Response(200, json={"data": self.customer_tables})
        if m := re.fullmatch(r"/customer-data-tables/([^/]+)/rows/upsert", path):
            results = [
                {"index": i, "key": {"code": r.get("code")}, "outcome": "created"} for i, r in enumerate(body["rows"])
            ]
            return httpx.Response(200, json=_upsert_result(results))
        if m := re.fullmatch(r"/customer-data-tables/([^/]+)/rows/delete", path):
            return httpx.Response(200, json={"deleted": 1, "idempotent": False})
        return _problem(404, "NOT_FOUND")

    def _load(self, load_id: str) -> dict[str, Any]:
        load = self.loads[load_id]
        return {
            "load_id": load_id,
            "object": load["object"],
            "status": load["status"],
            "staged_rows": len(load["rows"]),
            "created_at": "2026-05-17T10:00:00Z",
            "expires_at": "2026-05-17T11:00:00Z",
        }

    @staticmethod
    def _key(obj: str, row: dict[str, Any]) -> str:
        return str(row.get({"suppliers": "supplier_code", "purchase-orders": "po_number", "users": "email"}[obj]))

    def _upsert(self, obj: str, rows: list[dict[str, Any]]) -> httpx.Response:
        table = self.tables.setdefault(obj, {})
        results = []
        for index, row in enumerate(rows):
            key = self._key(obj, row)
            name = "supplier_code" if obj == "suppliers" else "po_number" if obj == "purchase-orders" else "email"
            if key in self.fail_rows:
                results.append(
                    {
                        "index": index,
                        "key": {name: key},
                        "outcome": "failed",
                        "errors": [{"field": "name", "message": "REFUSED: not today"}],
                    }
                )
                continue
            old = table.get(key)
            new = {**(old or {}), **{k: v for k, v in row.items() if not isinstance(v, list)}}
            outcome = "created" if old is None else "unchanged" if new == old else "updated"
            table[key] = new
            results.append({"index": index, "key": {name: key}, "outcome": outcome})
        return httpx.Response(200, json=_upsert_result(results))

    def _list(self, obj: str, request: httpx.Request) -> httpx.Response:
        rows = sorted(self.tables.get(obj, {}).values(), key=lambda r: self._key(obj, r))
        params = dict(request.url.params)
        for name in ("country_code", "status", "kind"):
            if name in params:
                rows = [r for r in rows if r.get(name) == params[name]]
        start = int(params.get("cursor", "0"))
        page = rows[start : start + self.page_size]
        next_cursor = str(start + self.page_size) if start + self.page_size < len(rows) else None
        return httpx.Response(200, json={"data": copy.deepcopy(page), "next_cursor": next_cursor})

    def posts(self, fragment: str) -> list[Any]:
        return [body for method, path, body in self.requests if method == "POST" and fragment in path]


def _upsert_result(results: list[dict[str, Any]]) -> dict[str, Any]:
    """The API's compact answer: one outcome per row, reasons for the failed ones."""
    outcomes = [r["outcome"] for r in results]
    counts = {o: outcomes.count(o) for o in ("created", "updated", "unchanged", "failed")}
    failures = [{k: r[k] for k in ("index", "key", "errors")} for r in results if r["outcome"] == "failed"]
    return {"outcomes": outcomes, "failures": failures, **counts, "idempotent": False}


def _problem(status: int, code: str) -> httpx.Response:
    return httpx.Response(
        status,
        json={"type": "about:blank", "title": "Refused", "status": status, "code": code},
        headers={"content-type": "application/problem+json"},
    )


@pytest.fixture
def api() -> FakeAPI:
    return FakeAPI()


@pytest.fixture
def context(api: FakeAPI) -> Iterator[JobContext]:
    settings = {
        "customer_number": "10000001",
        "secrets": {"api_token": "ntq_sk_test"},
        "config": {"api_base_url": "https://api.example/v1", "api_max_retries": 0},
    }
    context = JobContext.from_settings(settings, environ={}, transport=httpx.MockTransport(api))
    yield context
    context.close()


def _supplier(load: SupplierLoad, code: str = "SUP-100", **extra: Any) -> Any:
    supplier = load.new(supplier_code=code, name="Acme Supplies GmbH", country_code="DE", **extra)
    supplier.locations.new(location_code="MAIN", name="Berlin HQ")
    supplier.bank_accounts.new(iban=IBAN, currency_code="EUR")
    return supplier


# --- dirty tracking -----------------------------------------------------------


def test_a_new_entity_sends_every_field_it_has(api: FakeAPI, context: JobContext) -> None:
    load = SupplierLoad(context)
    _supplier(load)
    result = load.save_all()
    assert api.posts("/suppliers/upsert") == [
        {
            "rows": [
                {
                    "supplier_code": "SUP-100",
                    "name": "Acme Supplies GmbH",
                    "country_code": "DE",
                    "locations": [{"location_code": "MAIN", "name": "Berlin HQ"}],
                    "bank_accounts": [{"iban": IBAN, "currency_code": "EUR"}],
                }
            ]
        }
    ]
    assert result.created == [{"supplier_code": "SUP-100"}]
    assert (result.updated, result.unchanged, result.failed) == ([], [], [])


def test_children_given_as_dicts_are_sent_as_given_and_become_entities_when_read(
    api: FakeAPI, context: JobContext
) -> None:
    load = SupplierLoad(context)
    shared = {"location_code": "MAIN", "name": "HQ"}  # one template dict for two rows
    first = load.new(supplier_code="SUP-1", name="One", locations=[shared], bank_accounts=({"iban": IBAN},))
    second = load.new(supplier_code="SUP-2", name="Two", locations=[shared])
    load.save_all()
    rows = api.posts("/suppliers/upsert")[0]["rows"]
    assert rows[0]["locations"] == [{"location_code": "MAIN", "name": "HQ"}]
    assert rows[0]["bank_accounts"] == [{"iban": IBAN}]
    assert (first.is_dirty, second.is_dirty) == (False, False)
    # Read, the children are clean entities; changing one writes into neither the template nor the other row.
    first.locations[0].name = "Berlin HQ"
    assert shared["name"] == "HQ"
    assert second.locations[0].name == "HQ"
    load.save_all()
    assert api.posts("/suppliers/upsert")[1]["rows"] == [
        {"supplier_code": "SUP-1", "locations": [{"location_code": "MAIN", "name": "Berlin HQ"}]}
    ]


def test_children_given_as_dicts_are_checked_by_name_when_given(context: JobContext) -> None:
    load = SupplierLoad(context)
    with pytest.raises(AttributeError, match="SupplierLocation has no field 'nmae'; did you mean 'name'"):
        load.new(supplier_code="SUP-1", locations=[{"location_code": "MAIN", "nmae": "HQ"}])
    with pytest.raises(AttributeError, match=r"Supplier\.created_at is read-only"):
        load.new(supplier_code="SUP-1", created_at="2026-01-01T00:00:00Z")
    with pytest.raises(AttributeError, match="Supplier has no field 'colour'"):
        load.new(supplier_code="SUP-1", colour="red")
    assert len(load) == 0


def test_a_second_save_with_nothing_changed_sends_nothing(api: FakeAPI, context: JobContext) -> None:
    load = SupplierLoad(context)
    supplier = _supplier(load)
    load.save_all()
    supplier.name = "Acme Supplies GmbH"  # the same value: not a change
    supplier.locations[0].name = "Berlin HQ"
    result = load.save_all()
    assert len(api.requests) == 1
    assert result.requests == 0
    assert not supplier.is_dirty


def test_only_the_key_and_changed_fields_are_sent(api: FakeAPI, context: JobContext) -> None:
    load = SupplierLoad(context)
    supplier = _supplier(load)
    _supplier(load, "SUP-200")
    load.save_all()
    supplier.email = "ap@acme.example"
    supplier.bank_accounts[0].bic = "COBADEFFXXX"
    result = load.save_all()
    assert api.posts("/suppliers/upsert")[-1] == {
        "rows": [
            {
                "supplier_code": "SUP-100",
                "email": "ap@acme.example",
                "bank_accounts": [{"iban": IBAN, "bic": "COBADEFFXXX"}],
            }
        ]
    }
    assert result.updated == [{"supplier_code": "SUP-100"}]


def test_entities_read_start_clean_and_send_only_their_changes(api: FakeAPI, context: JobContext) -> None:
    api.tables["suppliers"] = {
        f"SUP-{n}": {"supplier_code": f"SUP-{n}", "name": f"Supplier {n}", "country_code": "NL", "locations": []}
        for n in range(5)
    }
    load = SupplierLoad(context)
    suppliers = list(load.get_all())
    assert [s.supplier_code for s in suppliers] == [f"SUP-{n}" for n in range(5)]
    assert not any(s.is_dirty for s in suppliers)
    assert load.save_all().requests == 0
    suppliers[3].name = "Renamed"
    suppliers[4].name = "Supplier 4"  # same value
    suppliers[1].locations.new(location_code="WH-1", name="Warehouse")
    assert list(load) == [suppliers[3], suppliers[1]]  # the Load keeps the rows read that changed, in that order
    load.save_all()
    assert api.posts("/suppliers/upsert") == [
        {
            "rows": [
                {"supplier_code": "SUP-3", "name": "Renamed"},
                {"supplier_code": "SUP-1", "locations": [{"location_code": "WH-1", "name": "Warehouse"}]},
            ]
        }
    ]


def test_a_dry_run_plans_the_save_from_tracking_and_validation_and_sends_no_write(
    api: FakeAPI, context: JobContext
) -> None:
    api.tables["suppliers"] = {
        f"SUP-{n}": {"supplier_code": f"SUP-{n}", "name": f"Supplier {n}", "country_code": "NL", "locations": []}
        for n in range(3)
    }
    load = SupplierLoad(context)
    _unchanged, second, third = load.get_all(track=True)
    second.name = "Renamed"
    second.payment_terms_days = 30
    third.locations.new(location_code="WH-1", name="Warehouse")
    load.new(supplier_code="SUP-9", name="New one", country_code="DE")
    load.new(supplier_code="SUP-10", country_code="XX")
    requests_before = len(api.requests)

    plan = load.save_all(dry_run=True)

    assert len(api.requests) == requests_before  # not even a read
    assert [(row.key, row.fields) for row in plan.created] == [({"supplier_code": "SUP-9"}, ("name", "country_code"))]
    assert [(row.key, row.fields) for row in plan.updated] == [
        ({"supplier_code": "SUP-1"}, ("name", "payment_terms_days")),
        ({"supplier_code": "SUP-2"}, ("locations",)),
    ]
    assert plan.unchanged == [{"supplier_code": "SUP-0"}]
    [invalid] = plan.invalid
    assert invalid.row == "supplier_code=SUP-10"
    assert {p.field for p in invalid.problems} == {"country_code", "name"}
    assert not plan.ok
    assert str(plan) == "1 to create, 2 to update, 1 unchanged, 1 invalid"
    # Nothing was marked clean: the real save still finds every change.
    assert second.changes() == {"supplier_code": "SUP-1", "name": "Renamed", "payment_terms_days": 30}


def test_entities_that_start_empty_never_share_what_they_are_given(api: FakeAPI, context: JobContext) -> None:
    # Entities start from one shared empty state and take dicts of their own on their first write.
    api.tables["suppliers"] = {f"SUP-{n}": {"supplier_code": f"SUP-{n}", "name": f"Supplier {n}"} for n in range(3)}
    load = SupplierLoad(context)
    read = list(load.get_all())
    read[0].name = "Changed"
    read[1].locations.new(location_code="WH-1", name="Warehouse")
    new = load.new(supplier_code="SUP-9", name="Nine")
    load.save_all()
    new.email = "ap@nine.example"
    new.locations.new(location_code="MAIN", name="HQ")
    blank = SupplierLoad(context).new()
    assert (read[0].name, read[1].name, read[2].name) == ("Changed", "Supplier 1", "Supplier 2")
    assert [len(s.locations) for s in read] == [0, 1, 0]
    assert (new.email, len(new.locations), blank.email, len(blank.locations)) == ("ap@nine.example", 1, None, 0)
    assert (read[2].is_dirty, blank.changes()) == (False, {})
    assert load.save_all().requests == 1
    assert api.posts("/suppliers/upsert")[-1]["rows"][0] == {
        "supplier_code": "SUP-9",
        "email": "ap@nine.example",
        "locations": [{"location_code": "MAIN", "name": "HQ"}],
    }


def test_setting_back_to_the_saved_value_undoes_the_change(api: FakeAPI, context: JobContext) -> None:
    load = SupplierLoad(context)
    supplier = _supplier(load)
    load.save_all()
    supplier.name = "Other"
    supplier.name = "Acme Supplies GmbH"
    assert not supplier.is_dirty
    supplier.active = True
    supplier.active = None  # clearing is a change (null clears the field)
    load.save_all()
    assert api.posts("/suppliers/upsert")[-1] == {"rows": [{"supplier_code": "SUP-100", "active": None}]}


def test_in_place_edits_of_list_fields_are_changes(api: FakeAPI, context: JobContext) -> None:
    api.tables["users"] = {
        "a@x.example": {"email": "a@x.example", "display_name": "A", "kind": "human", "roles": ["VIEWER"]}
    }
    load = UserLoad(context)
    [user] = load.get_all()
    user.roles.append("AP_CLERK")
    load.save_all()
    assert api.posts("/users/upsert") == [{"rows": [{"email": "a@x.example", "roles": ["VIEWER", "AP_CLERK"]}]}]


def test_unknown_fields_raise_attribute_error_with_a_suggestion(context: JobContext) -> None:
    load = SupplierLoad(context)
    supplier = load.new()
    with pytest.raises(AttributeError, match="did you mean 'supplier_code'"):
        supplier.suplier_code = "X"
    with pytest.raises(AttributeError, match="did you mean 'country_code'"):
        _ = supplier.country
    with pytest.raises(AttributeError, match="did you mean 'location_code'"):
        supplier.locations.new(locaton_code="X")
    with pytest.raises(AttributeError, match="read-only"):
        supplier.created_at = "2026-01-01"


def test_the_natural_key_of_a_saved_entity_cannot_change(api: FakeAPI, context: JobContext) -> None:
    load = SupplierLoad(context)
    supplier = _supplier(load)
    load.save_all()
    with pytest.raises(AttributeError, match="natural key"):
        supplier.supplier_code = "SUP-999"


# --- validation ---------------------------------------------------------------


def test_validation_runs_at_save_time_and_lists_every_row(api: FakeAPI, context: JobContext) -> None:
    load = SupplierLoad(context)
    bad = load.new(supplier_code="SUP-1", country_code="XX", currency_code="EUR")  # no name, bad country
    bad.bank_accounts.new(iban="DE89370400440532013001")  # checksum
    bad.locations.new(location_code="MAIN")  # no name on create
    load.new(supplier_code="SUP-2", name="Ok", payment_terms_days=400, email="not-an-email")
    load.new(name="No key")
    _supplier(load, "SUP-3")  # fine
    with pytest.raises(ValidationError) as raised:
        load.save_all()
    assert api.requests == []
    assert isinstance(raised.value, ValueError)
    found = {(p.row, p.field) for p in raised.value.problems}
    assert found == {
        ("supplier_code=SUP-1", "country_code"),
        ("supplier_code=SUP-1", "name"),
        ("supplier_code=SUP-1", "bank_accounts[iban=DE89370400440532013001].iban"),
        ("supplier_code=SUP-1", "locations[location_code=MAIN].name"),
        ("supplier_code=SUP-2", "payment_terms_days"),
        ("supplier_code=SUP-2", "email"),
        ("new row #2", "supplier_code"),
    }
    message = str(raised.value)
    assert "[supplier_code=SUP-1] country_code: 'XX' is not an ISO 3166-1 alpha-2 country code" in message
    assert "[supplier_code=SUP-1] name: is required when creating" in message
    assert "IBAN checksum" in message


def test_a_half_finished_entity_can_be_discarded(api: FakeAPI, context: JobContext) -> None:
    load = SupplierLoad(context)
    kept = load.new(supplier_code="SUP-1", name="Acme")
    draft = load.new(supplier_code="SUP-2", country_code="??")
    load.discard(draft)
    assert list(load) == [kept]
    assert load.save_all().created == [{"supplier_code": "SUP-1"}]
    with pytest.raises(ValueError, match="does not track"):
        load.discard(draft)


def test_an_update_needs_only_the_key_not_the_create_time_fields(api: FakeAPI, context: JobContext) -> None:
    api.tables["purchase-orders"] = {"PO-1": {"po_number": "PO-1", "supplier_code": "SUP-1", "status": "OPEN"}}
    load = PurchaseOrderLoad(context)
    [order] = load.get_all()
    order.status = "CLOSED"
    load.save_all()
    assert api.posts("/purchase-orders/upsert") == [{"rows": [{"po_number": "PO-1", "status": "CLOSED"}]}]
    order.status = "SHIPPED"
    order.order_date = "2026-02-30"
    with pytest.raises(
        ValidationError, match=r"status: 'SHIPPED' is not one of OPEN.*order_date: '2026-02-30' is not a date"
    ):
        load.save_all()


# --- results and batching -----------------------------------------------------


def test_large_saves_go_in_batches_and_results_keep_request_order(api: FakeAPI, context: JobContext) -> None:
    load = SupplierLoad(context, batch_size=2)
    for n in range(5):
        load.new(supplier_code=f"SUP-{n}", name=f"Supplier {n}")
    api.fail_rows = {"SUP-3"}
    result = load.save_all()
    assert [len(body["rows"]) for body in api.posts("/suppliers/upsert")] == [2, 2, 1]
    assert result.requests == 3
    assert result.created == [{"supplier_code": f"SUP-{n}"} for n in (0, 1, 2, 4)]
    [failed] = result.failed
    assert failed.key == {"supplier_code": "SUP-3"}
    assert failed.errors == (("name", "REFUSED: not today"),)
    assert failed.entity.is_new  # still to be saved
    api.fail_rows = set()
    again = load.save_all()
    assert again.created == [{"supplier_code": "SUP-3"}]


def test_batch_size_is_bounded_by_the_spec(context: JobContext) -> None:
    with pytest.raises(ValidationError, match="batch_size"):
        SupplierLoad(context).save_all(batch_size=5000)


# --- full loads ---------------------------------------------------------------


def test_a_full_load_stages_every_row_then_commits(api: FakeAPI, context: JobContext) -> None:
    api.tables["suppliers"] = {"OLD": {"supplier_code": "OLD", "name": "Old"}}
    load = SupplierLoad(context, batch_size=2)
    for n in range(3):
        _supplier(load, f"SUP-{n}")
    summary = load.save_all(full_load=True)
    paths = [(method, path) for method, path, _ in api.requests]
    assert paths == [
        ("POST", "/full-loads"),
        ("POST", "/suppliers/full-loads/fl_1/rows"),
        ("POST", "/suppliers/full-loads/fl_1/rows"),
        ("POST", "/full-loads/fl_1/commit"),
    ]
    assert api.requests[0][2] == {"object": "suppliers", "ttl_seconds": 3600}
    assert api.requests[1][2]["rows"][0]["locations"] == [{"location_code": "MAIN", "name": "Berlin HQ"}]
    assert api.requests[3][2] == {"allow_empty": False}
    assert (summary.staged_rows, summary.inserted, summary.deleted) == (3, 3, 1)
    assert set(api.tables["suppliers"]) == {"SUP-0", "SUP-1", "SUP-2"}
    assert load.save_all().requests == 0  # everything is clean now


def test_a_full_load_sends_complete_rows_of_read_entities(api: FakeAPI, context: JobContext) -> None:
    api.tables["suppliers"] = {
        "A": {"supplier_code": "A", "name": "A", "country_code": "NL", "created_at": "2026-01-01T00:00:00Z"}
    }
    load = SupplierLoad(context)
    [supplier] = load.get_all(track=True)
    supplier.name = "A2"
    load.save_all(full_load=True)
    assert api.posts("/full-loads/fl_1/rows") == [
        {"rows": [{"supplier_code": "A", "name": "A2", "country_code": "NL"}]}
    ]


def test_a_full_load_refuses_to_drop_rows_that_were_read_without_tracking(api: FakeAPI, context: JobContext) -> None:
    api.tables["suppliers"] = {code: {"supplier_code": code, "name": code} for code in ("A", "B")}
    load = SupplierLoad(context)
    [first, _] = load.get_all()  # streamed: only rows changed are kept
    first.name = "A2"
    with pytest.raises(ValidationError, match=r"full_load: would leave out rows read .* \(2 read\)"):
        load.save_all(full_load=True)
    assert not api.posts("/full-loads")
    assert load.save_all().updated == [{"supplier_code": "A"}]  # an incremental save is what that read allows


def test_a_failing_full_load_is_aborted_and_the_error_raised(api: FakeAPI, context: JobContext) -> None:
    api.tables["suppliers"] = {"OLD": {"supplier_code": "OLD", "name": "Old"}}
    load = SupplierLoad(context)
    _supplier(load)
    api.drop = re.compile(r"/commit$")
    with pytest.raises(APIConnectionError):
        load.save_all(full_load=True)
    assert [(m, p) for m, p, _ in api.requests][-1] == ("DELETE", "/full-loads/fl_1")
    assert api.loads["fl_1"]["status"] == "aborted"
    assert set(api.tables["suppliers"]) == {"OLD"}
    assert load.save_all().created == [{"supplier_code": "SUP-100"}]  # still dirty: nothing was saved


def test_an_empty_full_load_is_refused_unless_allowed(api: FakeAPI, context: JobContext) -> None:
    load = SupplierLoad(context)
    with pytest.raises(ValidationError, match="allow_empty=True"):
        load.save_all(full_load=True)
    assert api.requests == []
    summary = load.save_all(full_load=True, allow_empty=True)
    assert api.requests[-1][2] == {"allow_empty": True}
    assert summary.staged_rows == 0


def test_a_full_load_validates_every_row_as_complete(api: FakeAPI, context: JobContext) -> None:
    load = SupplierLoad(context)
    load.new(supplier_code="SUP-1")  # no name
    with pytest.raises(ValidationError, match="name: is required when creating"):
        load.save_all(full_load=True)
    assert api.requests == []


def test_server_refusal_of_a_commit_is_raised_after_abort(api: FakeAPI, context: JobContext) -> None:
    load = SupplierLoad(context)

    def commit_conflict(request: httpx.Request) -> httpx.Response | None:
        return _problem(409, "FULL_LOAD_NOT_STAGING") if request.url.path.endswith("/commit") else None

    api.override = commit_conflict
    _supplier(load)
    with pytest.raises(ConflictError) as raised:
        load.save_all(full_load=True)
    assert raised.value.code == "FULL_LOAD_NOT_STAGING"
    assert api.requests[-1][0] == "DELETE"


def test_full_load_empty_from_the_server_is_typed() -> None:
    from nuntiq_sdk._exceptions import error_from_response

    assert isinstance(error_from_response(422, {"code": "FULL_LOAD_EMPTY"}), FullLoadEmptyError)


# --- iterators and filters ----------------------------------------------------


def test_search_paginates_lazily_and_checks_filters_first(api: FakeAPI, context: JobContext) -> None:
    api.tables["purchase-orders"] = {
        f"PO-{n}": {"po_number": f"PO-{n}", "status": "OPEN" if n % 2 else "CLOSED"} for n in range(7)
    }
    load = PurchaseOrderLoad(context)
    found = load.search(status="OPEN")
    assert api.requests == []  # lazy
    assert [o.po_number for o in found] == ["PO-1", "PO-3", "PO-5"]
    queries = [path for _, path, _ in api.requests]
    assert queries == ["/purchase-orders?status=OPEN&limit=1000", "/purchase-orders?status=OPEN&limit=1000&cursor=2"]
    with pytest.raises(ValueError, match="statuz: is not a filter of listPurchaseOrders; did you mean 'status'"):
        load.search(statuz="OPEN")
    with pytest.raises(ValueError, match="status: 'DONE' is not one of"):
        load.search(status="DONE")
    with pytest.raises(ValueError, match="limit: is not a filter"):
        load.search(limit=5)


def test_get_all_reads_every_page(api: FakeAPI, context: JobContext) -> None:
    api.tables["users"] = {f"u{n}@x.example": {"email": f"u{n}@x.example"} for n in range(5)}
    assert len(list(UserLoad(context).get_all())) == 5
    assert len([r for r in api.requests if r[1].startswith("/users")]) == 3


# --- delete_where -------------------------------------------------------------


def test_delete_where_sends_the_filter_and_returns_the_count(api: FakeAPI, context: JobContext) -> None:
    load = SupplierLoad(context)
    assert load.delete_where(country_code="DE", active=False) == 3
    assert api.posts("/suppliers/delete") == [{"country_code": "DE", "active": False, "all": False}]


def test_delete_where_without_a_filter_needs_all(api: FakeAPI, context: JobContext) -> None:
    load = SupplierLoad(context)
    with pytest.raises(ValueError, match="all: must be True"):
        load.delete_where()
    with pytest.raises(ValueError, match="countr: is not a filter of SupplierFilter"):
        load.delete_where(countr="DE")
    assert api.requests == []
    assert load.delete_where(all=True) == 3
    assert api.posts("/suppliers/delete") == [{"all": True}]


# --- other objects --------------------------------------------------------------


def test_purchase_order_lines_have_a_composite_key(api: FakeAPI, context: JobContext) -> None:
    load = PurchaseOrderLineLoad(context)
    load.new(po_number="PO-1", quantity=-1)
    with pytest.raises(ValidationError) as raised:
        load.save_all()
    assert {(p.row, p.field) for p in raised.value.problems} == {
        ("new row #0", "line_number"),
        ("new row #0", "quantity"),
    }


def test_user_deactivate_inactive_is_checked_then_sent(context: JobContext, api: FakeAPI) -> None:
    with pytest.raises(ValidationError, match="inactive_days"):
        UserLoad(context).deactivate_inactive(inactive_days=0)
    with pytest.raises(ValidationError, match="kind"):
        UserLoad(context).deactivate_inactive(inactive_days=30, kind="robot")
    assert api.requests == []


def test_customer_data_rows_are_checked_against_the_table_definition(api: FakeAPI, context: JobContext) -> None:
    api.customer_tables = [
        {
            "table_name": "cost_centers",
            "columns": [
                {"name": "code", "type": "string", "required": True, "max_length": 10},
                {"name": "name", "type": "string", "required": True, "max_length": 20},
                {"name": "budget", "type": "number", "required": False},
                {"name": "valid_from", "type": "date", "required": False},
            ],
            "key_columns": ["code"],
        }
    ]
    load = CustomerDataTableLoad(context, "cost_centers")
    with pytest.raises(AttributeError, match="did you mean 'budget'"):
        load.new(code="CC-1", budjet=1)
    load.new(code="CC-1", budget="lots", valid_from="2026-13-01")
    load.new(code="CC-2-TOO-LONG-CODE", name="x")
    with pytest.raises(ValidationError) as raised:
        load.save_all()
    assert {(p.row, p.field) for p in raised.value.problems} == {
        ("code=CC-1", "name"),
        ("code=CC-1", "budget"),
        ("code=CC-1", "valid_from"),
        ("code=CC-2-TOO-LONG-CODE", "code"),
    }
    for row in list(load):
        load.discard(row)
    load.new(code="CC-1", name="Marketing", valid_from="2026-01-01")
    assert load.save_all().created == [{"code": "CC-1"}]
    assert api.posts("/customer-data-tables/cost_centers/rows/upsert") == [
        {"rows": [{"code": "CC-1", "name": "Marketing", "valid_from": "2026-01-01"}]}
    ]
    assert load.delete_where(code="CC-1") == 1
    assert api.posts("/rows/delete") == [{"where": {"code": "CC-1"}, "all": False}]
    with pytest.raises(ValueError, match="is not a table of this tenant"):
        CustomerDataTableLoad(context, "nope")


# --- a field added to the spec --------------------------------------------------


def test_a_field_added_to_the_spec_is_a_typed_field_once_regenerated(
    api: FakeAPI, context: JobContext, tmp_path: Path
) -> None:
    """The generator, run on a spec with one more property, gives the entity that field: typed, checked, sent."""
    spec = copy.deepcopy(customer_api_spec())
    spec["components"]["schemas"]["Supplier"]["properties"]["duns_number"] = {
        "type": "string",
        "nullable": True,
        "pattern": "^[0-9]{9}$",
    }
    written = generate_entities.write(tmp_path, spec)
    module_spec = importlib.util.spec_from_file_location("regenerated_entities", written)
    assert module_spec is not None
    assert module_spec.loader is not None
    regenerated = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(regenerated)
    assert "def duns_number(self) -> str | None:" in written.read_text()

    class RegeneratedSupplierLoad(SupplierLoad):
        entity_class = regenerated.Supplier

    load = RegeneratedSupplierLoad(context)
    assert "duns_number" in load.fields
    bad = load.new_from({"supplier_code": "SUP-1", "name": "Acme", "duns_number": "12"})
    with pytest.raises(ValidationError, match="duns_number: '12' does not match"):
        load.save_all()
    bad.duns_number = "123456789"
    load.save_all()
    assert api.posts("/suppliers/upsert") == [
        {"rows": [{"supplier_code": "SUP-1", "name": "Acme", "duns_number": "123456789"}]}
    ]
    with pytest.raises(AttributeError, match="no field 'duns_number'"):
        SupplierLoad(context).new_from({"duns_number": "123456789"})


@pytest.mark.parametrize("load_class", [SupplierLoad, PurchaseOrderLoad, UserLoad])
def test_the_bulk_check_of_new_rows_agrees_with_the_worded_checks(load_class: type[BaseLoad]) -> None:
    """A new row sent unexamined (the bulk path) is one the field-by-field checks find nothing in."""
    from tests.unit.test_validation import _SAMPLES

    meta = load_class._entity_meta()
    base = {"supplier_code": "S-1", "name": "N", "po_number": "PO-1", "email": "a@b.example"}
    base = {k: v for k, v in base.items() if k in meta.writable}
    child_rows: list[object] = [[{"location_code": "L", "name": "L"}], [{"line_number": 1}], [{"iban": IBAN}], [{}]]
    for field in sorted(meta.assignable):
        for value in [*_SAMPLES, *child_rows]:
            try:
                entity = meta.entity_class(**{**base, field: value})
            except (AttributeError, TypeError):
                continue  # refused when given
            problems: list[Any] = []
            entity._row(False, problems)
            accepted = not entity._children and meta.accepts_new(entity._values)
            if accepted:
                assert not problems, (field, value, problems)
            elif value is not None and not problems:
                assert entity._children or field in meta.children, (field, value)
