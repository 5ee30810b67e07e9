"""What every Customer API call shares: request ids, problems, auth, permissions, isolation, validation."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import yaml
from sandbox_helpers import Api, problem

from nuntiq_sandbox import PERMISSIONS, spec_dir
from nuntiq_sandbox._app import snake_case
from nuntiq_sandbox._constants import OPERATION_PERMISSIONS
from nuntiq_sandbox.handlers import (
    DeltaHandlers,
    IngestionHandlers,
    InvoiceHandlers,
    LifecycleHandlers,
    MasterDataHandlers,
)
from nuntiq_sandbox.testing import SandboxServer

pytestmark = pytest.mark.live

REQUEST_ID = re.compile(r"req_[0-9a-f]{24}")
SINCE = "2000-01-01T00:00:00Z"

# (method, path, permission it needs, a body that would otherwise be fine)
OPERATIONS: list[tuple[str, str, str, Any]] = [
    ("POST", "/invoices/claim", "INVOICE_INTEGRATE", {}),
    ("POST", "/invoices/acknowledgements", "INVOICE_INTEGRATE", {"items": [{"invoice_token": "t", "lease_id": "l"}]}),
    (
        "POST",
        "/invoices/integration-results",
        "INVOICE_INTEGRATE",
        {"items": [{"invoice_token": "t", "lease_id": "l", "success": True}]},
    ),
    ("GET", "/invoices/{t}", "INVOICE_READ", None),
    ("POST", "/invoices/{t}/acknowledge", "INVOICE_INTEGRATE", {}),
    ("POST", "/invoices/{t}/integration-result", "INVOICE_INTEGRATE", {"success": True}),
    ("POST", "/invoices/{t}/lease/extend", "INVOICE_INTEGRATE", {"lease_ttl_seconds": 60}),
    ("POST", "/invoices/{t}/lease/release", "INVOICE_INTEGRATE", {}),
    ("GET", "/invoices/{t}/attachments/att_1/content", "INVOICE_READ", None),
    ("POST", "/invoices/{t}/lifecycle-messages", "LIFECYCLE_WRITE", {"code": "RECEIVED"}),
    ("GET", "/invoices/{t}/lifecycle-messages", "LIFECYCLE_READ", None),
    (
        "POST",
        "/lifecycle-messages/by-reference",
        "LIFECYCLE_WRITE",
        {"code": "RECEIVED", "invoice_number": "I-1", "supplier_code": "S-1"},
    ),
    ("GET", f"/lifecycle-messages?since={SINCE}&ext_reference_1=x", "LIFECYCLE_READ", None),
    ("POST", "/delta-runs", "DELTA_STATE", {"connector_name": "c", "stream_name": "s"}),
    ("GET", "/delta-runs/run_1", "DELTA_STATE", None),
    ("POST", "/delta-runs/run_1/heartbeat", "DELTA_STATE", None),
    ("POST", "/delta-runs/run_1/complete", "DELTA_STATE", {}),
    ("POST", "/delta-runs/run_1/fail", "DELTA_STATE", {}),
    ("GET", "/delta-state/c/s", "DELTA_STATE", None),
    ("POST", f"/ingestion/files?sha256={'0' * 64}&file_name=a.pdf", "INVOICE_IMPORT", None),
    ("GET", f"/ingestion/files/{'0' * 64}", "INVOICE_IMPORT", None),
    ("POST", "/ingestion/imports", "INVOICE_IMPORT", {"source_key": "k", "fields": {}, "files": []}),
    ("GET", "/ingestion/imports/k", "INVOICE_IMPORT", None),
    *[
        operation
        for path, write in [
            ("/suppliers", "MASTER_DATA_WRITE"),
            ("/organizations", "MASTER_DATA_WRITE"),
            ("/purchase-orders", "MASTER_DATA_WRITE"),
            ("/purchase-order-lines", "MASTER_DATA_WRITE"),
            ("/receipts", "MASTER_DATA_WRITE"),
            ("/payments", "MASTER_DATA_WRITE"),
            ("/users", "USER_ADMIN"),
            ("/customer-data-tables/t/rows", "MASTER_DATA_WRITE"),
        ]
        for operation in [
            ("GET", path, "USER_ADMIN" if path == "/users" else "MASTER_DATA_READ", None),
            ("POST", f"{path}/upsert", write, {"rows": [{}]}),
            ("POST", f"{path}/delete", write, {"all": True}),
            ("POST", f"{path.removesuffix('/rows')}/full-loads/fl_1/rows", write, {"rows": [{}]}),
        ]
    ],
    ("POST", "/users/deactivate-inactive", "USER_ADMIN", {"inactive_days": 30}),
    ("GET", "/customer-data-tables", "MASTER_DATA_READ", None),
    ("POST", "/full-loads", "MASTER_DATA_WRITE", {"object": "suppliers"}),
    ("GET", "/full-loads/fl_1", "MASTER_DATA_WRITE", None),
    ("DELETE", "/full-loads/fl_1", "MASTER_DATA_WRITE", None),
    ("POST", "/full-loads/fl_1/commit", "MASTER_DATA_WRITE", {}),
]


def _spec_operations() -> dict[str, str]:
    spec = yaml.safe_load((spec_dir() / "customer-api.yaml").read_text(encoding="utf-8"))
    return {
        op["operationId"]: f"{method.upper()} {path}"
        for path, item in spec["paths"].items()
        for method, op in item.items()
    }


def test_every_spec_operation_has_a_handler_and_a_permission_rule() -> None:
    operations = _spec_operations()
    assert set(operations) == set(OPERATION_PERMISSIONS)
    for operation_id in operations:
        name = snake_case(operation_id)
        assert any(
            hasattr(cls, name)
            for cls in (InvoiceHandlers, LifecycleHandlers, DeltaHandlers, IngestionHandlers, MasterDataHandlers)
        ), operation_id
    assert {permission for permission in OPERATION_PERMISSIONS.values() if permission} <= set(PERMISSIONS)


def test_the_permission_table_covers_every_routed_operation() -> None:
    paths = {(method, path.split("?")[0]) for method, path, _, _ in OPERATIONS}
    assert len(paths) == len(OPERATION_PERMISSIONS) - 1  # all but the catalog, which any token may read


def test_every_response_carries_a_request_id(api: Api, sandbox: SandboxServer) -> None:
    invoice = api.invoice()
    responses = [
        api.get(f"/invoices/{invoice['invoice_token']}"),  # 200
        api.post("/delta-runs", json={"connector_name": "c", "stream_name": "s"}),  # 201
        api.post("/invoices/claim", json={"limit": 0}),  # 400
        api.get("/invoices/missing"),  # 404
        api.client.delete("/invoices/claim"),  # 405
        api.get("/no/such/route"),  # 404 route
        httpx.get(sandbox.api_url + "/lifecycle-catalog"),  # 401
        httpx.get(sandbox.base_url + "/_sandbox/health"),  # admin
        httpx.get(sandbox.base_url + "/_sandbox/clock"),  # admin 401
    ]
    ids = [response.headers.get("x-request-id", "") for response in responses]
    assert all(REQUEST_ID.fullmatch(value) for value in ids), ids
    assert len(set(ids)) == len(ids)


def test_unknown_route_and_method(api: Api) -> None:
    problem(api.get("/no/such/route"), 404, "NOT_FOUND")
    problem(api.get("/invoices"), 404, "NOT_FOUND")
    problem(api.client.delete("/invoices/claim"), 405, "METHOD_NOT_ALLOWED")


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": "Bearer ntq_sk_" + "0" * 40},  # well formed, never issued
        {"Authorization": "Basic dXNlcjpwYXNz"},
    ],
)
def test_unauthenticated(sandbox: SandboxServer, headers: dict[str, str]) -> None:
    response = httpx.get(sandbox.api_url + "/lifecycle-catalog", headers=headers)
    problem(response, 401, "UNAUTHENTICATED")


def test_any_valid_token_reads_the_catalog(make_api: Callable[..., Api]) -> None:
    assert make_api(()).get("/lifecycle-catalog").status_code == 200


@pytest.mark.parametrize(("method", "path", "permission", "body"), OPERATIONS)
def test_permission_denied(make_api: Callable[..., Api], method: str, path: str, permission: str, body: Any) -> None:
    full = make_api()
    invoice = full.invoice()
    without = make_api(tuple(p for p in PERMISSIONS if p != permission), tenant=full.tenant)
    url = path.format(t=invoice["invoice_token"])
    response = without.client.request(method, url, json=body)
    assert problem(response, 403, "PERMISSION_DENIED")["detail"].endswith(f"{permission} permission.")
    # The permission is checked before the request is validated.
    if method == "POST":
        problem(without.client.request(method, url, json={"bogus": True}), 403, "PERMISSION_DENIED")


def test_another_tenants_objects_are_not_found(make_api: Callable[..., Api]) -> None:
    owner, other = make_api(), make_api()
    invoice = owner.invoice(
        invoice_number="ISO-1",
        supplier_code="SUP-ISO",
        ext_reference_1="ISO-REF",
        attachments=[{"file_name": "a.txt", "content_base64": "aGk="}],
    )
    token = invoice["invoice_token"]
    attachment_id = invoice["attachments"][0]["attachment_id"]
    owner.post(f"/invoices/{token}/lifecycle-messages", json={"code": "RECEIVED"}).raise_for_status()
    run = owner.post("/delta-runs", json={"connector_name": "c", "stream_name": "iso"}).json()

    for method, url, body in [
        ("GET", f"/invoices/{token}", None),
        ("POST", f"/invoices/{token}/acknowledge", {}),
        ("POST", f"/invoices/{token}/integration-result", {"success": True}),
        ("POST", f"/invoices/{token}/lease/extend", {"lease_ttl_seconds": 60}),
        ("POST", f"/invoices/{token}/lease/release", {}),
        ("GET", f"/invoices/{token}/attachments/{attachment_id}/content", None),
        ("GET", f"/invoices/{token}/lifecycle-messages", None),
        ("POST", f"/invoices/{token}/lifecycle-messages", {"code": "CAPTURED"}),
        (
            "POST",
            "/lifecycle-messages/by-reference",
            {"code": "CAPTURED", "invoice_number": "ISO-1", "supplier_code": "SUP-ISO"},
        ),
    ]:
        problem(other.client.request(method, url, json=body), 404, "INVOICE_NOT_FOUND")
    problem(other.get(f"/delta-runs/{run['run_id']}"), 404, "DELTA_RUN_NOT_FOUND")
    problem(other.post(f"/delta-runs/{run['run_id']}/complete", json={}), 404, "DELTA_RUN_NOT_FOUND")
    problem(other.post(f"/delta-runs/{run['run_id']}/heartbeat"), 404, "DELTA_RUN_NOT_FOUND")
    problem(other.get("/delta-state/c/iso"), 404, "DELTA_STATE_NOT_FOUND")
    assert other.post("/invoices/claim", json={"limit": 500}).json()["leases"] == []
    poll = other.get("/lifecycle-messages", params={"since": SINCE, "ext_reference_1": "ISO-REF"}).json()
    assert poll["data"] == []
    # ... and the owner still sees everything.
    assert owner.get(f"/invoices/{token}").status_code == 200
    assert owner.get(f"/delta-runs/{run['run_id']}").status_code == 200


def test_validation_errors_name_every_field(api: Api) -> None:
    invoice = api.invoice()
    body = problem(api.post("/invoices/claim", json={"limit": 0, "state": "Nope", "extra": 1}), 400, "VALIDATION_ERROR")
    assert {error["field"] for error in body["errors"]} == {"limit", "state", "extra"}
    assert all(error["message"] for error in body["errors"])

    body = problem(
        api.post(f"/invoices/{invoice['invoice_token']}/lifecycle-messages", json={"note_supplier": "x" * 4001}),
        400,
        "VALIDATION_ERROR",
    )
    assert {error["field"] for error in body["errors"]} == {"code", "note_supplier"}
    assert {e["field"]: e["message"] for e in body["errors"]}["note_supplier"] == "must be at most 4000 characters"

    body = problem(
        api.post("/delta-runs", json={"connector_name": "bad name!", "stream_name": 3}), 400, "VALIDATION_ERROR"
    )
    assert {error["field"] for error in body["errors"]} == {"connector_name", "stream_name"}

    body = problem(
        api.get("/lifecycle-messages", params={"since": SINCE, "ext_reference_1": "x", "limit": 5001, "tier": 4}),
        400,
        "VALIDATION_ERROR",
    )
    assert {error["field"] for error in body["errors"]} == {"limit", "tier"}

    body = problem(
        api.post("/invoices/claim", json={}, headers={"Idempotency-Key": "k" * 256}), 400, "VALIDATION_ERROR"
    )
    assert body["errors"] == [{"field": "Idempotency-Key", "message": "must be at most 255 characters"}]

    body = problem(
        api.post("/invoices/claim", content=b"{not json", headers={"Content-Type": "application/json"}),
        400,
        "VALIDATION_ERROR",
    )
    assert body["errors"][0]["field"] == "body"
    body = problem(api.post("/delta-runs"), 400, "VALIDATION_ERROR")
    assert body["errors"] == [{"field": "body", "message": "a JSON request body is required"}]
    body = problem(
        api.post("/invoices/claim", content=b"{}", headers={"Content-Type": "text/plain"}), 400, "VALIDATION_ERROR"
    )
    assert body["errors"][0]["field"] == "Content-Type"


def test_optional_bodies_may_be_omitted(api: Api) -> None:
    invoice = api.invoice()
    response = api.post(f"/invoices/{invoice['invoice_token']}/acknowledge")
    problem(response, 409, "INVOICE_STATE_INVALID")  # got past validation with no body at all
