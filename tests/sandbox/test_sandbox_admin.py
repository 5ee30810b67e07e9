"""The admin API (/_sandbox): arranging state, the clock, the admin key, its own spec."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta

import httpx
import pytest
import yaml
from openapi_spec_validator import validate
from sandbox_helpers import ADMIN_KEY, Api, problem, sandbox_now

from nuntiq_sandbox import TOKEN_PATTERN, spec_dir
from nuntiq_sandbox.testing import SandboxAdmin, SandboxAdminError, SandboxServer

pytestmark = pytest.mark.live


def test_admin_spec_is_valid_openapi() -> None:
    spec = yaml.safe_load((spec_dir() / "sandbox-admin.yaml").read_text(encoding="utf-8"))
    validate(spec)


def test_health_needs_no_admin_key(sandbox: SandboxServer) -> None:
    response = httpx.get(sandbox.base_url + "/_sandbox/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.headers["x-request-id"].startswith("req_")


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({}, 401, "ADMIN_KEY_REQUIRED"),
        ({"X-Sandbox-Admin-Key": "wrong"}, 401, "ADMIN_KEY_INVALID"),
        ({"Authorization": "Bearer ntq_sk_" + "0" * 40}, 403, "TENANT_TOKEN_NOT_ADMIN"),
    ],
)
def test_admin_key_is_required(sandbox: SandboxServer, headers: dict[str, str], status: int, code: str) -> None:
    response = httpx.post(
        sandbox.base_url + "/_sandbox/tenants", json={"name": "x", "customer_number": "1"}, headers=headers
    )
    body = problem(response, status, code)
    assert "X-Sandbox-Admin-Key" in body["detail"]
    for method, path in [("GET", "/clock"), ("GET", "/faults"), ("GET", "/invoices/anything")]:
        assert httpx.request(method, sandbox.base_url + "/_sandbox" + path, headers=headers).status_code == status
    right = httpx.get(sandbox.base_url + "/_sandbox/clock", headers={"X-Sandbox-Admin-Key": ADMIN_KEY})
    assert right.status_code == 200


def test_create_tenant_and_token(admin: SandboxAdmin) -> None:
    tenant = admin.create_tenant(
        "Acme", "10000099", note_required_codes=["REJECTED"], clarification_code_required_codes=["ON_HOLD"]
    )
    assert tenant.tenant_id
    assert tenant.config == {"note_required_codes": ["REJECTED"], "clarification_code_required_codes": ["ON_HOLD"]}
    token = admin.create_token(tenant.tenant_id, ["INVOICE_READ"], display_name="Acme ERP")
    assert TOKEN_PATTERN.fullmatch(token.token)
    assert token.permissions == ("INVOICE_READ",)
    assert token.display_name == "Acme ERP"
    assert token.token not in repr(token)
    assert token.masked.endswith(token.token[-4:])


def test_tenant_config_codes_must_be_in_the_catalog(admin: SandboxAdmin) -> None:
    with pytest.raises(SandboxAdminError) as caught:
        admin.create_tenant("Acme", "1", note_required_codes=["REJECTD"])
    assert caught.value.status == 400
    assert caught.value.problem["code"] == "INVALID_CODE"


def test_token_for_unknown_tenant_and_bad_values(admin: SandboxAdmin) -> None:
    with pytest.raises(SandboxAdminError) as caught:
        admin.create_token("ten_missing", ["INVOICE_READ"])
    assert caught.value.status == 404
    with pytest.raises(SandboxAdminError) as caught:
        admin.create_token(admin.create_tenant().tenant_id, ["INVOICE_EVERYTHING"])
    assert caught.value.status == 400
    assert caught.value.problem["errors"][0]["field"] == "permissions[0]"
    with pytest.raises(SandboxAdminError) as caught:
        admin.create_token(admin.create_tenant().tenant_id, ["INVOICE_READ"], token="ntq_sk_short")
    assert caught.value.status == 400


def test_chosen_token_value_works_and_is_unique(admin: SandboxAdmin, sandbox: SandboxServer) -> None:
    tenant = admin.create_tenant()
    value = "ntq_sk_" + hashlib.sha1(tenant.tenant_id.encode()).hexdigest()
    admin.create_token(tenant.tenant_id, ["INVOICE_READ"], token=value)
    with sandbox.api_client(value) as client:
        assert client.get("/invoices/none").json()["code"] == "INVOICE_NOT_FOUND"
    with pytest.raises(SandboxAdminError) as caught:
        admin.create_token(tenant.tenant_id, ["INVOICE_READ"], token=value)
    assert caught.value.status == 409


def test_create_invoice_computes_attachment_digests(api: Api) -> None:
    content = b"%PDF-1.4 test\n"
    invoice = api.invoice(
        invoice_number="INV-1",
        supplier_code="SUP-1",
        fields={"invoiceNumber": "INV-1", "grossAmount": "12.50"},
        lines=[{"fields": {"description": "Paper"}}, {"line_number": 7, "fields": {"description": "Toner"}}],
        addresses=[{"role": "vendor", "address_name": "Supplier AB", "country_code": "SE"}],
        attachments=[{"file_name": "inv.pdf", "content_type": "application/pdf", "content_base64": b64(content)}],
    )
    assert invoice["status"] == 90
    assert invoice["status_name"] == "PendingIntegration"
    assert invoice["tenant_id"] == api.tenant.tenant_id
    assert len(invoice["invoice_token"]) == 36  # a uuid4 by default
    assert [line["line_number"] for line in invoice["lines"]] == [1, 7]
    (attachment,) = invoice["attachments"]
    assert attachment["size"] == len(content)
    assert attachment["sha256"] == hashlib.sha256(content).hexdigest()
    assert attachment["file_name"] == "inv.pdf"
    assert api.admin.get_invoice(invoice["invoice_token"])["invoice_id"] == invoice["invoice_id"]


def test_create_invoice_refusals(api: Api, admin: SandboxAdmin) -> None:
    api.invoice(invoice_token="my-token-1")
    for kwargs, status, code in [
        ({"invoice_token": "my-token-1"}, 409, "INVOICE_TOKEN_TAKEN"),
        ({"status": 92}, 400, "VALIDATION_ERROR"),
        ({"status": 95}, 400, "VALIDATION_ERROR"),
        ({"attachments": [{"file_name": "x", "content_base64": "***"}]}, 400, "VALIDATION_ERROR"),
        ({"invoice_token": "x" * 65}, 400, "VALIDATION_ERROR"),
        ({"unknown_field": 1}, 400, "VALIDATION_ERROR"),
    ]:
        with pytest.raises(SandboxAdminError) as caught:
            api.invoice(**kwargs)
        assert (caught.value.status, caught.value.problem["code"]) == (status, code), kwargs
    with pytest.raises(SandboxAdminError) as caught:
        admin.create_invoice("ten_missing")
    assert caught.value.status == 404


def test_batch_create_is_all_or_nothing(api: Api, admin: SandboxAdmin) -> None:
    tokens = admin.create_invoices([{"tenant_id": api.tenant.tenant_id, "invoice_number": f"B-{n}"} for n in range(5)])
    assert len(tokens) == 5
    with pytest.raises(SandboxAdminError):
        admin.create_invoices(
            [
                {"tenant_id": api.tenant.tenant_id, "invoice_token": "batch-ok"},
                {"tenant_id": api.tenant.tenant_id, "invoice_token": tokens[0]},
            ]
        )
    with pytest.raises(SandboxAdminError) as caught:
        admin.get_invoice("batch-ok")
    assert caught.value.status == 404


def test_platform_message(api: Api, admin: SandboxAdmin) -> None:
    invoice = api.invoice(status=40)
    message = admin.add_platform_message(
        invoice["invoice_token"], "RECEIVED", occurred_at="2020-01-01T00:00:00Z", note_internal="scan"
    )
    assert message["source"] == "NUNTIQ"
    assert message["actor_type"] == "SYSTEM"
    assert message["actor_id"] is None
    assert message["occurred_at"] == "2020-01-01T00:00:00Z"  # the platform may back-date freely
    assert admin.get_invoice(invoice["invoice_token"])["latest_code"] == "RECEIVED"
    with pytest.raises(SandboxAdminError) as caught:
        admin.add_platform_message(invoice["invoice_token"], "NOT_A_CODE")
    assert caught.value.problem["code"] == "INVALID_CODE"


def test_platform_messages_in_one_batch(api: Api, admin: SandboxAdmin) -> None:
    invoice = api.invoice(status=40, ext_reference_1="BATCH-A")
    token = invoice["invoice_token"]
    codes = ["RECEIVED", "CAPTURED", "VALIDATED"]
    assert (
        admin.add_platform_messages(token, [{"code": code, "note_internal": f"n{i}"} for i, code in enumerate(codes)])
        == 3
    )
    timeline = api.get(f"/invoices/{token}/lifecycle-messages").json()["data"]
    assert [m["code"] for m in timeline] == codes
    assert admin.get_invoice(token)["latest_code"] == "VALIDATED"

    with pytest.raises(SandboxAdminError) as caught:  # all or none: the good first message is not kept either
        admin.add_platform_messages(token, [{"code": "RECEIVED"}, {"code": "NOT_A_CODE"}])
    assert (caught.value.status, caught.value.problem["code"]) == (400, "INVALID_CODE")
    assert caught.value.problem["detail"].startswith("messages[1]: 'NOT_A_CODE'")
    assert len(api.get(f"/invoices/{token}/lifecycle-messages").json()["data"]) == 3
    with pytest.raises(SandboxAdminError) as caught:
        admin.add_platform_messages("inv_nope", [{"code": "RECEIVED"}])
    assert (caught.value.status, caught.value.problem["code"]) == (404, "INVOICE_NOT_FOUND")


def test_clock_advance_and_set(admin: SandboxAdmin) -> None:
    before = sandbox_now(admin)
    after = admin.advance_clock(120)
    assert timedelta(seconds=119) < sandbox_now(admin) - before < timedelta(seconds=150)
    assert after["offset_seconds"] >= 120
    target = before + timedelta(hours=1)
    admin.set_clock(target.isoformat())
    assert abs(sandbox_now(admin) - target) < timedelta(seconds=5)
    with pytest.raises(SandboxAdminError) as caught:
        admin.set_clock("2026-01-01T00:00:00")  # no offset
    assert caught.value.problem["errors"][0]["field"] == "now"


def test_faults_add_list_clear(clean_faults: SandboxAdmin) -> None:
    admin = clean_faults
    fault = admin.add_fault("^/v1/nothing$", method="get", status=503, retry_after=3, count=2)
    assert fault["method"] == "GET"
    assert [f["fault_id"] for f in admin.list_faults()] == [fault["fault_id"]]
    for bad in [{"status": None}, {"status": 503, "drop": "before"}, {"status": 503, "path_regex": "("}]:
        kwargs = {"path_regex": "^/v1/x$", "status": 503, **bad}
        with pytest.raises(SandboxAdminError) as caught:
            admin.add_fault(**kwargs)
        assert caught.value.status == 400
    assert admin.clear_faults() == 1
    assert admin.list_faults() == []


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
