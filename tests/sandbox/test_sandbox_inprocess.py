"""The ASGI app in-process (httpx's ASGI transport): what a socket cannot easily provoke."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from nuntiq_sandbox import create_app, spec_dir
from nuntiq_sandbox._app import snake_case
from nuntiq_sandbox.handlers import InvoiceHandlers
from nuntiq_sandbox.handlers.admin import create_tenant, create_token


def _request(app: Any, method: str, url: str, **kwargs: Any) -> httpx.Response:
    async def go() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sandbox") as client:
            return await client.request(method, url, **kwargs)

    return asyncio.run(go())


def test_an_unexpected_error_is_a_500_problem_without_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(self: InvoiceHandlers, **kwargs: Any) -> None:
        raise RuntimeError("secret internals: /etc/passwd")

    monkeypatch.setattr(InvoiceHandlers, "get_invoice", explode)
    app = create_app()
    tenant = create_tenant(app.store, "T", "1")
    token = create_token(app.store, tenant["tenant_id"], "T", ["INVOICE_READ"])["token"]
    response = _request(app, "GET", "/v1/invoices/x", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 500
    body = response.json()
    assert body["code"] == "INTERNAL_ERROR"
    assert body["request_id"] == response.headers["x-request-id"]
    assert "secret" not in response.text
    assert "Traceback" not in response.text


def test_unknown_seed_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown seed"):
        create_app(seed="everything")


def test_spec_dir_is_the_repository_openapi_folder_without_a_packaged_copy() -> None:
    assert (spec_dir() / "customer-api.yaml").is_file()
    assert (spec_dir() / "sandbox-admin.yaml").is_file()


@pytest.mark.parametrize(
    ("operation_id", "name"),
    [
        ("claimInvoices", "claim_invoices"),
        ("getDeltaState", "get_delta_state"),
        ("getLifecycleCatalog", "get_lifecycle_catalog"),
    ],
)
def test_snake_case(operation_id: str, name: str) -> None:
    assert snake_case(operation_id) == name


def test_serves_the_spec_it_routes_from() -> None:
    app = create_app()
    assert _request(app, "GET", "/v1/openapi.json").json()["info"]["title"] == "Nuntiq Customer API"


def test_routes_from_the_spec_the_sdk_reads_and_leaves_it_unchanged() -> None:
    """One loader (nuntiq_spec) for the SDK and the sandbox: same paths, same operations, no copy of its own."""
    import copy

    from nuntiq_spec import customer_api_spec

    before = copy.deepcopy(customer_api_spec())
    served = _request(create_app(), "GET", "/v1/openapi.json").json()
    assert customer_api_spec() == before  # connexion got a copy; the SDK's spec is not mutated
    operations = {
        (path, method): op["operationId"]
        for path, item in before["paths"].items()
        for method, op in item.items()
        if isinstance(op, dict) and "operationId" in op
    }
    served_operations = {
        (path, method): op["operationId"]
        for path, item in served["paths"].items()
        for method, op in item.items()
        if isinstance(op, dict) and "operationId" in op
    }
    assert served_operations == operations
    assert len(operations) > 20


def test_public_surface() -> None:
    import nuntiq_sandbox
    import nuntiq_sandbox.testing

    assert set(nuntiq_sandbox.__all__) == {
        "PERMISSIONS",
        "TOKEN_PATTERN",
        "SandboxApp",
        "create_app",
        "generate_token",
        "mask_token",
        "serve",
        "spec_dir",
    }
    assert set(nuntiq_sandbox.testing.__all__) == {
        "ApiToken",
        "SandboxAdmin",
        "SandboxAdminError",
        "SandboxServer",
        "SandboxStartError",
        "Tenant",
    }
    for module in (nuntiq_sandbox, nuntiq_sandbox.testing):
        for name in module.__all__:
            assert getattr(module, name) is not None


def test_in_process_demo_app_knows_its_token() -> None:
    app = create_app(seed="demo")
    assert app.demo_token is not None
    assert app.demo_token not in repr(app)
    response = _request(app, "GET", "/v1/invoices/7f3a...", headers={"Authorization": f"Bearer {app.demo_token}"})
    assert response.status_code == 200
    assert create_app().demo_token is None
