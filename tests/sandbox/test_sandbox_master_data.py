"""Master data: partial upserts on natural keys, per-row errors, list/delete, full loads, customer data, users."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sandbox_helpers import Api, problem, sandbox_now

from nuntiq_sandbox.testing import SandboxAdmin

pytestmark = pytest.mark.live

IBAN = "DE89370400440532013000"
IBAN_2 = "GB29NWBK60161331926819"
BAD_IBAN = "DE89370400440532013001"  # one digit off: fails mod-97


def upsert(api: Api, path: str, rows: list[dict[str, Any]], **kwargs: Any) -> dict[str, Any]:
    response = api.post(f"{path}/upsert", json={"rows": rows}, **kwargs)
    assert response.status_code == 200, response.text
    return dict(response.json())


def listing(api: Api, path: str, **params: Any) -> list[dict[str, Any]]:
    response = api.get(path, params=params)
    assert response.status_code == 200, response.text
    return list(response.json()["data"])


def one(api: Api, path: str, **params: Any) -> dict[str, Any]:
    rows = listing(api, path, **params)
    assert len(rows) == 1, rows
    return rows[0]


def supplier(code: str = "SUP-1", **fields: Any) -> dict[str, Any]:
    return {"supplier_code": code, "name": f"Supplier {code}", **fields}


def test_partial_upsert_changes_only_the_fields_sent(api: Api) -> None:
    first = upsert(api, "/suppliers", [supplier(country_code="SE", currency_code="SEK", vat_number="SE1")])
    assert (first["created"], first["outcomes"], first["failures"]) == (1, ["created"], [])
    assert first["idempotent"] is False
    before = one(api, "/suppliers", supplier_code="SUP-1")
    assert (before["name"], before["country_code"], before["vat_number"]) == ("Supplier SUP-1", "SE", "SE1")
    assert (before["email"], before["locations"]) == (None, [])
    assert before["created_at"]
    assert before["updated_at"]

    # Only the email is sent: everything else stays; created_at (read-only) is ignored, not an error.
    result = upsert(api, "/suppliers", [{"supplier_code": "SUP-1", "email": "ap@sup.example", "created_at": "x"}])
    assert result["outcomes"] == ["updated"]
    after = one(api, "/suppliers", supplier_code="SUP-1")
    assert after["email"] == "ap@sup.example"
    assert {k: v for k, v in after.items() if k not in ("email", "updated_at")} == {
        k: v for k, v in before.items() if k not in ("email", "updated_at")
    }

    # null clears a field.
    assert upsert(api, "/suppliers", [{"supplier_code": "SUP-1", "vat_number": None}])["updated"] == 1
    assert one(api, "/suppliers", supplier_code="SUP-1")["vat_number"] is None

    # Nothing differs after applying: unchanged.
    result = upsert(api, "/suppliers", [{"supplier_code": "SUP-1", "country_code": "SE", "vat_number": None}])
    assert (result["unchanged"], result["outcomes"]) == (1, ["unchanged"])
    # A required-on-create field cannot be cleared.
    result = upsert(api, "/suppliers", [{"supplier_code": "SUP-1", "name": None}])
    assert result["failures"][0]["errors"][0]["message"].startswith("REQUIRED:")


def test_nested_children_are_upserted_on_their_own_keys(api: Api) -> None:
    upsert(
        api,
        "/suppliers",
        [
            supplier(
                locations=[
                    {"location_code": "MAIN", "name": "Main", "country_code": "SE"},
                    {"location_code": "B", "name": "B"},
                ],
                bank_accounts=[{"iban": IBAN, "currency_code": "EUR", "is_primary": True}],
                addresses=[{"address_type": "remit_to", "city": "Stockholm"}],
            )
        ],
    )
    # One child field changes; the other location, the bank account and the address stay.
    result = upsert(
        api,
        "/suppliers",
        [{"supplier_code": "SUP-1", "locations": [{"location_code": "MAIN", "active": False}],
          "bank_accounts": [{"iban": IBAN_2, "currency_code": "GBP"}]}],
    )  # fmt: skip
    assert result["outcomes"] == ["updated"]
    row = one(api, "/suppliers", supplier_code="SUP-1")
    assert row["locations"] == [
        {"location_code": "MAIN", "name": "Main", "erp_company_code": None, "country_code": "SE", "active": False},
        {"location_code": "B", "name": "B", "erp_company_code": None, "country_code": None, "active": None},
    ]
    assert [(b["iban"], b["is_primary"]) for b in row["bank_accounts"]] == [(IBAN, True), (IBAN_2, None)]
    assert row["addresses"][0]["city"] == "Stockholm"
    # A new child needs its own create-time fields (a location's name).
    result = upsert(api, "/suppliers", [{"supplier_code": "SUP-1", "locations": [{"location_code": "NEW"}]}])
    assert result["outcomes"] == ["failed"]
    assert result["failures"][0]["key"] == {"supplier_code": "SUP-1"}
    assert result["failures"][0]["errors"] == [
        {"field": "locations[0].name", "message": result["failures"][0]["errors"][0]["message"]}
    ]
    assert result["failures"][0]["errors"][0]["message"].startswith("REQUIRED_ON_CREATE:")


def test_per_row_failures_do_not_stop_the_others(api: Api) -> None:
    rows = [
        supplier("OK-1"),
        {"supplier_code": "NO-NAME"},
        supplier("BAD-IBAN", bank_accounts=[{"iban": BAD_IBAN}]),
        supplier("BAD-COUNTRY", country_code="XX"),
        supplier("BAD-CURRENCY", currency_code="ABC"),
        supplier("OK-2", locations=[{"location_code": "L", "name": "L", "country_code": "QQ"}]),
    ]
    result = upsert(api, "/suppliers", rows)
    outcomes = result["outcomes"]
    assert outcomes == ["created", "failed", "failed", "failed", "failed", "failed"]
    assert [f["index"] for f in result["failures"]] == [i for i, o in enumerate(outcomes) if o == "failed"]
    assert (result["created"], result["failed"], result["updated"], result["unchanged"]) == (1, 5, 0, 0)
    errors = {f["key"]["supplier_code"]: f["errors"] for f in result["failures"]}
    assert errors["NO-NAME"][0]["field"] == "name"
    assert errors["NO-NAME"][0]["message"].startswith("REQUIRED_ON_CREATE:")
    assert errors["BAD-IBAN"][0]["field"] == "bank_accounts[0].iban"
    assert errors["BAD-COUNTRY"][0]["field"] == "country_code"
    assert errors["BAD-CURRENCY"][0]["field"] == "currency_code"
    assert errors["OK-2"][0]["field"] == "locations[0].country_code"
    assert all(e[0]["message"].startswith("INVALID_FORMAT:") for k, e in errors.items() if k != "NO-NAME")
    assert [s["supplier_code"] for s in listing(api, "/suppliers")] == ["OK-1"]

    # Dates: a bad one fails its row; the spec's nullable enum (status) takes null.
    result = upsert(
        api,
        "/purchase-orders",
        [
            {"po_number": "PO-1", "supplier_code": "S", "order_date": "2026-02-30"},
            {"po_number": "PO-2", "supplier_code": "S", "order_date": "2026-02-28", "status": None},
        ],
    )
    assert result["outcomes"] == ["failed", "created"]
    assert result["failures"][0]["errors"][0]["field"] == "order_date"
    assert result["failures"][0]["errors"][0]["message"].startswith("INVALID_FORMAT:")
    # A pattern violation is a request error (the schema), not a row outcome.
    body = problem(api.post("/suppliers/upsert", json={"rows": [supplier(country_code="se")]}), 400, "VALIDATION_ERROR")
    assert body["errors"][0]["field"] == "rows[0].country_code"


def test_receipts_need_existing_po_lines(api: Api) -> None:
    upsert(api, "/purchase-orders", [{"po_number": "PO-9", "supplier_code": "SUP-1"}])
    upsert(api, "/purchase-order-lines", [{"po_number": "PO-9", "line_number": n, "quantity": 5} for n in (1, 2, 10)])
    lines = listing(api, "/purchase-order-lines", po_number="PO-9")
    assert [line["line_number"] for line in lines] == [1, 2, 10]  # numeric key order
    result = upsert(
        api,
        "/receipts",
        [
            {"receipt_number": "R-1", "receipt_date": "2026-05-01",
             "lines": [{"po_number": "PO-9", "po_line_number": 2, "quantity_received": 5}]},
            {"receipt_number": "R-2", "receipt_date": "2026-05-01",
             "lines": [{"po_number": "PO-9", "po_line_number": 3, "quantity_received": 1}]},
        ],
    )  # fmt: skip
    assert result["outcomes"] == ["created", "failed"]
    assert result["failures"][0]["errors"][0]["field"] == "lines[0]"
    assert result["failures"][0]["errors"][0]["message"].startswith("PO_LINE_NOT_FOUND:")


def test_payments_need_existing_invoices(api: Api) -> None:
    token = api.invoice(invoice_number="INV-1", supplier_code="SUP-1")["invoice_token"]
    base = {"payment_date": "2026-05-01", "currency_code": "EUR", "amount": 10.0, "supplier_code": "SUP-1"}
    result = upsert(
        api,
        "/payments",
        [
            {"payment_number": "P-1", **base, "lines": [{"line_number": 1, "invoice_token": token, "amount": 5}]},
            {"payment_number": "P-2", **base, "lines": [{"line_number": 1, "invoice_number": "INV-1", "amount": 5}]},
            {"payment_number": "P-3", **base, "lines": [{"line_number": 1, "invoice_token": "nope"}]},
            {"payment_number": "P-4", **base,
             "lines": [{"line_number": 1, "invoice_number": "INV-2", "supplier_code": "SUP-1"}]},
        ],
    )  # fmt: skip
    assert result["outcomes"] == ["created", "created", "failed", "failed"]
    for failed in result["failures"]:
        assert failed["errors"][0]["message"].startswith("INVOICE_NOT_FOUND:")
    assert result["failures"][0]["errors"][0]["field"] == "lines[0].invoice_token"
    # Another tenant's invoice is not found either.
    other = api.admin.create_tenant("Other")
    other_token = api.admin.create_invoice(other.tenant_id, invoice_number="X-1", supplier_code="SUP-1")
    result = upsert(
        api,
        "/payments",
        [
            {
                "payment_number": "P-5",
                **base,
                "lines": [{"line_number": 1, "invoice_token": other_token["invoice_token"]}],
            }
        ],
    )
    assert result["outcomes"] == ["failed"]


def test_list_filters_and_pagination(api: Api) -> None:
    rows = [supplier(f"S-{n:03d}", country_code="FI" if n % 2 else "SE", active=n % 3 != 0) for n in range(25)]
    upsert(api, "/suppliers", rows)
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 10, **({"cursor": cursor} if cursor else {})}
        page = api.get("/suppliers", params=params).json()
        seen += [row["supplier_code"] for row in page["data"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == sorted(seen) == [f"S-{n:03d}" for n in range(25)]
    finns = listing(api, "/suppliers", country_code="FI", limit=1000)
    assert [r["supplier_code"] for r in finns] == [f"S-{n:03d}" for n in range(25) if n % 2]
    inactive = listing(api, "/suppliers", active="false")
    assert [r["supplier_code"] for r in inactive] == [f"S-{n:03d}" for n in range(25) if n % 3 == 0]
    future = (sandbox_now(api.admin) + timedelta(hours=1)).isoformat()
    assert listing(api, "/suppliers", updated_since=future) == []
    assert len(listing(api, "/suppliers", updated_since="2000-01-01T00:00:00Z", limit=1000)) == 25
    problem(api.get("/suppliers", params={"cursor": "garbage"}), 400, "INVALID_CURSOR")
    other_cursor = api.get("/organizations", params={"limit": 1}).json()["next_cursor"]
    assert other_cursor is None
    problem(api.get("/suppliers", params={"limit": 1001}), 400, "VALIDATION_ERROR")


def test_delete_by_filter(api: Api) -> None:
    upsert(api, "/suppliers", [supplier(f"D-{n}", country_code="FI" if n < 3 else "SE") for n in range(5)])
    problem(api.post("/suppliers/delete", json={}), 400, "DELETE_FILTER_REQUIRED")
    problem(api.post("/suppliers/delete", json={"all": False}), 400, "DELETE_FILTER_REQUIRED")
    response = api.post("/suppliers/delete", json={"country_code": "FI"})
    assert response.json() == {"deleted": 3, "idempotent": False}
    assert api.post("/suppliers/delete", json={"supplier_code": "D-3"}).json()["deleted"] == 1
    assert api.post("/suppliers/delete", json={"updated_before": "2000-01-01T00:00:00Z"}).json()["deleted"] == 0
    assert api.post("/suppliers/delete", json={"all": True}).json()["deleted"] == 1
    assert listing(api, "/suppliers") == []


def start_load(api: Api, obj: str = "suppliers", **extra: Any) -> str:
    response = api.post("/full-loads", json={"object": obj, **extra})
    assert response.status_code == 201, response.text
    load = response.json()
    assert (load["status"], load["staged_rows"], load["object"]) == ("staging", 0, obj)
    return str(load["load_id"])


def stage(api: Api, load_id: str, rows: list[dict[str, Any]], path: str = "/suppliers") -> httpx.Response:
    return api.post(f"{path}/full-loads/{load_id}/rows", json={"rows": rows})


def test_full_load_replaces_the_table_on_commit(api: Api) -> None:
    upsert(api, "/suppliers", [supplier("KEEP"), supplier("CHANGE"), supplier("GONE")])
    load_id = start_load(api)
    assert stage(api, load_id, [supplier("KEEP"), supplier("CHANGE", email="x@y.example")]).json()["staged_rows"] == 2
    staged = stage(api, load_id, [supplier("NEW"), supplier("NEW", name="Later wins")])
    assert staged.json()["staged_rows"] == 3
    # Nothing is visible before commit.
    assert [s["supplier_code"] for s in listing(api, "/suppliers")] == ["CHANGE", "GONE", "KEEP"]
    result = api.post(f"/full-loads/{load_id}/commit", json={})
    assert result.status_code == 200, result.text
    assert {k: result.json()[k] for k in ("status", "inserted", "updated", "unchanged", "deleted")} == {
        "status": "committed", "inserted": 1, "updated": 1, "unchanged": 1, "deleted": 1,
    }  # fmt: skip
    rows = {s["supplier_code"]: s for s in listing(api, "/suppliers")}
    assert sorted(rows) == ["CHANGE", "KEEP", "NEW"]
    assert rows["NEW"]["name"] == "Later wins"
    assert rows["CHANGE"]["email"] == "x@y.example"
    assert api.get(f"/full-loads/{load_id}").json()["status"] == "committed"
    problem(api.post(f"/full-loads/{load_id}/commit", json={}), 409, "FULL_LOAD_NOT_STAGING")
    problem(stage(api, load_id, [supplier("X")]), 409, "FULL_LOAD_NOT_STAGING")
    problem(api.client.delete(f"/full-loads/{load_id}"), 409, "FULL_LOAD_NOT_STAGING")


def test_full_load_refusals(api: Api, admin: SandboxAdmin) -> None:
    upsert(api, "/suppliers", [supplier("OLD")])
    load_id = start_load(api)
    # An incomplete or invalid row refuses the whole request; nothing from it is staged.
    body = problem(
        stage(api, load_id, [supplier("A"), {"supplier_code": "B"}, supplier("C", country_code="XX")]),
        400,
        "VALIDATION_ERROR",
    )
    assert {e["field"] for e in body["errors"]} == {"rows[1].name", "rows[2].country_code"}
    assert api.get(f"/full-loads/{load_id}").json()["staged_rows"] == 0
    problem(stage(api, load_id, [{"org_code": "O", "name": "O"}], "/organizations"), 409, "FULL_LOAD_OBJECT_MISMATCH")
    problem(api.post(f"/full-loads/{load_id}/commit", json={}), 422, "FULL_LOAD_EMPTY")
    problem(api.post("/full-loads/fl_missing/commit", json={}), 404, "FULL_LOAD_NOT_FOUND")
    problem(stage(api, "fl_missing", [supplier("A")]), 404, "FULL_LOAD_NOT_FOUND")
    problem(api.post("/full-loads", json={"object": "customer_data"}), 400, "TABLE_NAME_REQUIRED")

    # Abort: the table is untouched.
    stage(api, load_id, [supplier("A")]).raise_for_status()
    aborted = api.client.delete(f"/full-loads/{load_id}")
    assert aborted.json()["status"] == "aborted"
    problem(api.post(f"/full-loads/{load_id}/commit", json={}), 409, "FULL_LOAD_NOT_STAGING")
    assert [s["supplier_code"] for s in listing(api, "/suppliers")] == ["OLD"]

    # allow_empty empties the table on purpose.
    load_id = start_load(api)
    result = api.post(f"/full-loads/{load_id}/commit", json={"allow_empty": True}).json()
    assert (result["deleted"], result["inserted"]) == (1, 0)
    assert listing(api, "/suppliers") == []

    # An expired load is discarded lazily.
    load_id = start_load(api, ttl_seconds=60)
    stage(api, load_id, [supplier("A")]).raise_for_status()
    admin.advance_clock(61)
    assert api.get(f"/full-loads/{load_id}").json()["status"] == "expired"
    problem(api.post(f"/full-loads/{load_id}/commit", json={}), 409, "FULL_LOAD_NOT_STAGING")


@pytest.mark.usefixtures("clean_faults")
def test_dropped_commit_leaves_the_table_and_a_retry_applies_once(api: Api, admin: SandboxAdmin) -> None:
    upsert(api, "/suppliers", [supplier("OLD-1"), supplier("OLD-2")])
    load_id = start_load(api)
    stage(api, load_id, [supplier("NEW-1")]).raise_for_status()
    admin.add_fault(f"^/v1/full-loads/{load_id}/commit$", method="POST", drop="before")
    headers = {"Idempotency-Key": f"commit-{load_id}"}
    with pytest.raises(httpx.TransportError):
        api.post(f"/full-loads/{load_id}/commit", json={}, headers=headers)
    assert [s["supplier_code"] for s in listing(api, "/suppliers")] == ["OLD-1", "OLD-2"]
    first = api.post(f"/full-loads/{load_id}/commit", json={}, headers=headers)
    assert first.status_code == 200, first.text
    assert (first.json()["inserted"], first.json()["deleted"], first.json()["idempotent"]) == (1, 2, False)
    replay = api.post(f"/full-loads/{load_id}/commit", json={}, headers=headers)
    assert replay.status_code == 200
    assert (replay.json()["inserted"], replay.json()["deleted"], replay.json()["idempotent"]) == (1, 2, True)
    assert [s["supplier_code"] for s in listing(api, "/suppliers")] == ["NEW-1"]


COST_CENTERS = [
    {"name": "code", "type": "string", "required": True, "max_length": 20},
    {"name": "name", "type": "string", "required": True},
    {"name": "budget", "type": "number"},
    {"name": "active", "type": "boolean"},
    {"name": "valid_from", "type": "date"},
]


def test_customer_data_tables(api: Api, admin: SandboxAdmin) -> None:
    problem(api.get("/customer-data-tables/cost_centers/rows"), 404, "CUSTOMER_DATA_TABLE_NOT_FOUND")
    problem(api.post("/customer-data-tables/cost_centers/rows/upsert", json={"rows": [{"code": "A"}]}), 404,
            "CUSTOMER_DATA_TABLE_NOT_FOUND")  # fmt: skip
    definition = admin.create_customer_data_table(api.tenant.tenant_id, "cost_centers", COST_CENTERS, ["code"])
    assert definition["key_columns"] == ["code"]
    tables = api.get("/customer-data-tables").json()["data"]
    assert [t["table_name"] for t in tables] == ["cost_centers"]
    assert tables[0]["columns"][2] == {"name": "budget", "type": "number", "required": False, "max_length": None}

    url = "/customer-data-tables/cost_centers/rows"
    result = upsert(
        api,
        url,
        [
            {"code": "CC-1", "name": "Finance", "budget": 1000.5, "active": True, "valid_from": "2026-01-01"},
            {"code": "CC-2", "name": "IT", "colour": "red"},
            {"code": "CC-3", "name": 7},
            {"code": "CC-4"},
            {"code": "C" * 21, "name": "Too long"},
            {"code": "CC-6", "name": "Bad date", "valid_from": "2026-13-01"},
            {"name": "No key"},
        ],
    )
    assert result["outcomes"] == ["created"] + ["failed"] * 6
    fields = [f["errors"][0]["field"] for f in result["failures"]]
    assert fields == ["colour", "name", "name", "code", "valid_from", "code"]
    messages = [f["errors"][0]["message"].split(":")[0] for f in result["failures"]]
    assert messages == [
        "UNKNOWN_COLUMN",
        "INVALID_TYPE",
        "REQUIRED_ON_CREATE",
        "TOO_LONG",
        "INVALID_FORMAT",
        "REQUIRED",
    ]
    assert upsert(api, url, [{"code": "CC-1", "budget": None}])["updated"] == 1
    assert listing(api, url) == [
        {"code": "CC-1", "name": "Finance", "budget": None, "active": True, "valid_from": "2026-01-01"}
    ]
    # Full load of a customer table, by table name.
    load_id = start_load(api, "customer_data", table_name="cost_centers")
    problem(stage(api, load_id, [supplier("S")]), 409, "FULL_LOAD_OBJECT_MISMATCH")
    staged = api.post(
        f"/customer-data-tables/cost_centers/full-loads/{load_id}/rows",
        json={"rows": [{"code": "CC-9", "name": "New"}]},
    )
    assert staged.status_code == 200, staged.text
    assert api.post(f"/full-loads/{load_id}/commit").json()["inserted"] == 1
    assert [r["code"] for r in listing(api, url)] == ["CC-9"]
    problem(api.post(f"{url}/delete", json={"where": {"nope": 1}}), 400, "UNKNOWN_COLUMN")
    problem(api.post(f"{url}/delete", json={}), 400, "DELETE_FILTER_REQUIRED")
    assert api.post(f"{url}/delete", json={"where": {"code": "CC-9"}}).json()["deleted"] == 1


def test_users_deactivate_inactive(api: Api, admin: SandboxAdmin) -> None:
    users = [
        {"email": "old@x.example", "display_name": "Old", "kind": "human", "roles": ["AP_CLERK"]},
        {"email": "fresh@x.example", "display_name": "Fresh", "kind": "human"},
        {
            "email": "bot@x.example",
            "display_name": "Bot",
            "kind": "service",
            "last_activity_at": "2000-01-01T00:00:00Z",
        },
        {"email": "never@x.example", "display_name": "Never", "kind": "human"},
    ]
    assert upsert(api, "/users", users)["created"] == 4
    assert one(api, "/users", email="bot@x.example")["last_activity_at"] is None  # read-only: ignored
    assert one(api, "/users", email="old@x.example")["active"] is True
    now = sandbox_now(admin)
    tenant = api.tenant.tenant_id
    admin.set_user_activity(tenant, "old@x.example", now - timedelta(days=100))
    admin.set_user_activity(tenant, "bot@x.example", now - timedelta(days=100))
    admin.set_user_activity(tenant, "fresh@x.example", now - timedelta(days=2))
    dry = api.post("/users/deactivate-inactive", json={"inactive_days": 30, "kind": "human", "dry_run": True}).json()
    assert (dry["dry_run"], [u["email"] for u in dry["users"]]) == (True, ["old@x.example"])
    assert one(api, "/users", email="old@x.example")["active"] is True
    admin.advance_clock(40 * 86400)  # "never" was created 40 days ago: inactive too now
    admin.set_user_activity(tenant, "fresh@x.example", sandbox_now(admin) - timedelta(days=2))
    done = api.post("/users/deactivate-inactive", json={"inactive_days": 30}).json()
    assert sorted(u["email"] for u in done["users"]) == ["bot@x.example", "never@x.example", "old@x.example"]
    assert all(u["active"] is False for u in done["users"])
    assert [u["email"] for u in listing(api, "/users", active="true")] == ["fresh@x.example"]


def test_permissions_and_tenant_isolation(make_api: Callable[..., Api]) -> None:
    owner = make_api()
    other = make_api()
    upsert(owner, "/suppliers", [supplier("MINE")])
    assert listing(other, "/suppliers") == []
    assert upsert(other, "/suppliers", [supplier("MINE", email="o@x.example")])["created"] == 1
    assert one(owner, "/suppliers")["email"] is None
    load_id = start_load(owner)
    problem(other.get(f"/full-loads/{load_id}"), 404, "FULL_LOAD_NOT_FOUND")
    problem(stage(other, load_id, [supplier("X")]), 404, "FULL_LOAD_NOT_FOUND")
    reader = make_api(("MASTER_DATA_READ",), tenant=owner.tenant)
    assert listing(reader, "/suppliers")[0]["supplier_code"] == "MINE"
    problem(reader.post("/suppliers/upsert", json={"rows": [supplier()]}), 403, "PERMISSION_DENIED")
    problem(reader.get("/users"), 403, "PERMISSION_DENIED")
    problem(reader.post("/full-loads", json={"object": "suppliers"}), 403, "PERMISSION_DENIED")


def test_upsert_is_idempotent_with_a_key(api: Api) -> None:
    headers = {"Idempotency-Key": "sup-batch-1"}
    first = upsert(api, "/suppliers", [supplier("I-1")], headers=headers)
    again = upsert(api, "/suppliers", [supplier("I-1")], headers=headers)
    assert (first["created"], again["created"], again["idempotent"]) == (1, 1, True)


def test_performance_smoke_5000_suppliers(api: Api) -> None:
    for batch in range(5):
        rows = [
            supplier(
                f"P-{batch * 1000 + n:05d}",
                country_code="FI",
                locations=[{"location_code": "MAIN", "name": "Main"}],
                bank_accounts=[{"iban": IBAN}],
            )
            for n in range(1000)
        ]
        assert upsert(api, "/suppliers", rows)["created"] == 1000
    page = api.get("/suppliers", params={"limit": 1000, "country_code": "FI"}).json()
    assert len(page["data"]) == 1000
    assert page["next_cursor"]
    again = upsert(api, "/suppliers", [supplier("P-00000", country_code="FI")])
    assert again["unchanged"] == 1
