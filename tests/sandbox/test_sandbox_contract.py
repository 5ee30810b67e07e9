"""Every answer the sandbox gives matches the Customer API spec's own response schemas."""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest
import yaml
from openapi_schema_validator import OAS30Validator
from sandbox_helpers import Api

from nuntiq_sandbox import spec_dir

pytestmark = pytest.mark.live


@cache
def _components() -> dict[str, Any]:
    spec = yaml.safe_load((spec_dir() / "customer-api.yaml").read_text(encoding="utf-8"))
    return dict(spec["components"])


def conforms(schema: str, instance: Any) -> None:
    validator = OAS30Validator({"$ref": f"#/components/schemas/{schema}", "components": _components()})
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]
    assert not errors, (schema, errors)


def test_responses_match_the_spec(api: Api) -> None:
    created = api.invoice(
        invoice_number="C-1",
        supplier_code="S-1",
        ext_reference_1="CONTRACT",
        fields={"invoiceNumber": "C-1"},
        lines=[{"fields": {"amount": "1.00"}}],
        addresses=[{"role": "vendor", "address_name": "V", "country_code": "SE"}],
        attachments=[{"file_name": "a.txt", "content_base64": "aGk="}],
    )
    token = created["invoice_token"]
    conforms("Invoice", api.get(f"/invoices/{token}").json())
    claim = api.post("/invoices/claim", json={}).json()
    conforms("ClaimResponse", claim)
    conforms("Invoice", api.get(f"/invoices/{token}").json())
    conforms("Lease", api.post(f"/invoices/{token}/lease/extend", json={"lease_ttl_seconds": 60}).json())
    conforms("InvoiceStatusResponse", api.post(f"/invoices/{token}/acknowledge").json())
    conforms("InvoiceStatusResponse", api.post(f"/invoices/{token}/acknowledge").json())
    conforms("InvoiceStatusResponse", api.post(f"/invoices/{token}/integration-result", json={"success": True}).json())
    conforms("InvoiceStatusResponse", api.post(f"/invoices/{token}/integration-result", json={"success": True}).json())
    written = api.post(
        f"/invoices/{token}/lifecycle-messages", json={"code": "RECEIVED"}, headers={"Idempotency-Key": "c"}
    )
    conforms("LifecycleMessageWriteResponse", written.json())
    replay = api.post(
        f"/invoices/{token}/lifecycle-messages", json={"code": "RECEIVED"}, headers={"Idempotency-Key": "c"}
    )
    conforms("LifecycleMessageWriteResponse", replay.json())
    by_reference = api.post(
        "/lifecycle-messages/by-reference", json={"code": "CAPTURED", "invoice_number": "C-1", "supplier_code": "S-1"}
    )
    conforms("LifecycleMessageWriteResponse", by_reference.json())
    conforms("LifecycleMessageList", api.get(f"/invoices/{token}/lifecycle-messages").json())
    page = api.get(
        "/lifecycle-messages", params={"since": "2000-01-01T00:00:00Z", "ext_reference_1": "contract", "limit": 1}
    ).json()
    assert page["next_cursor"]
    conforms("LifecycleMessagePage", page)
    conforms("LifecycleCatalog", api.get("/lifecycle-catalog").json())
    run = api.post("/delta-runs", json={"connector_name": "c", "stream_name": "s"}).json()
    conforms("DeltaRun", run)
    conforms("DeltaRun", api.get(f"/delta-runs/{run['run_id']}").json())
    conforms("DeltaState", api.get("/delta-state/c/s").json())
    conforms("DeltaRun", api.post(f"/delta-runs/{run['run_id']}/heartbeat").json())
    done = api.post(f"/delta-runs/{run['run_id']}/complete", json={"new_cursor": "2026-11-15T12:00:00Z"}).json()
    conforms("DeltaRun", done)
    assert done["cursor_outcome"] == "advanced"
    conforms("DeltaState", api.get("/delta-state/c/s").json())
    failed = api.post("/delta-runs", json={"connector_name": "c", "stream_name": "s"}).json()
    conforms("DeltaRun", api.post(f"/delta-runs/{failed['run_id']}/fail", json={}).json())


def test_problems_match_the_spec(api: Api) -> None:
    intake = api.invoice(status=40)["invoice_token"]
    ready = api.invoice(invoice_number="P-1", supplier_code="S-1")["invoice_token"]
    api.invoice(invoice_number="P-1", supplier_code="S-1")
    for response in [
        api.post("/invoices/claim", json={"limit": 0}),
        api.get("/invoices/missing"),
        api.post(f"/invoices/{intake}/lifecycle-messages", json={"code": "RECEIVED"}),
        api.post(f"/invoices/{ready}/lifecycle-messages", json={"code": "PAYMENT_REVERSED"}),
        api.post(
            "/lifecycle-messages/by-reference",
            json={"code": "RECEIVED", "invoice_number": "P-1", "supplier_code": "S-1"},
        ),
        api.post(f"/invoices/{ready}/acknowledge"),
        api.get("/lifecycle-messages", params={"since": "2000-01-01T00:00:00Z", "ext_reference_1": "x", "cursor": "x"}),
        api.get("/nope"),
        api.client.get("/lifecycle-catalog", headers={"Authorization": "Bearer nope"}),
    ]:
        assert response.status_code >= 400
        conforms("Problem", response.json())
