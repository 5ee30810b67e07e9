"""SandboxServer itself: clear startup failures, a clean stop, file databases that survive restarts."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nuntiq_sandbox.testing import SandboxServer, SandboxStartError

pytestmark = pytest.mark.live


def test_a_failed_start_says_why() -> None:
    server = SandboxServer(seed="bogus")
    with pytest.raises(SandboxStartError) as caught:
        server.start()
    assert "invalid choice: 'bogus'" in str(caught.value)
    with pytest.raises(RuntimeError):
        _ = server.base_url


def test_stop_ends_the_process_and_a_file_database_survives(tmp_path: Path) -> None:
    db = str(tmp_path / "sandbox.sqlite3")
    with SandboxServer(db=db, seed="demo") as first:
        pid = first.pid
        assert first.api_url == first.base_url + "/v1"
        tenant, token = first.admin.create_tenant_with_token(name="Kept")
        kept = first.admin.create_invoice(tenant.tenant_id, invoice_number="KEEP-1")
        first.admin.advance_clock(3600)
        offset = first.admin.clock()["offset_seconds"]
        demo_tenant = first.admin.get_invoice("7f3a...")["tenant_id"]
        assert "ntq_sk_" not in repr(first)
    assert pid is not None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)

    with SandboxServer(db=db, seed="demo") as second:
        assert second.admin.get_invoice(kept["invoice_token"])["invoice_number"] == "KEEP-1"
        assert second.admin.clock()["offset_seconds"] >= offset
        assert second.admin.get_invoice("7f3a...")["tenant_id"] == demo_tenant  # seeded once
        assert second.demo_token is not None
        with second.api_client(second.demo_token) as demo, second.api_client(token) as kept_client:
            assert demo.get("/invoices/7f3a...").status_code == 200  # a new demo token joins the old tenant
            assert kept_client.get(f"/invoices/{kept['invoice_token']}").status_code == 200
