"""InvoiceLoad.keep_alive against a live sandbox (not recorded: the extensions come from a background thread)."""

from __future__ import annotations

import time

import pytest

from nuntiq_sdk import ValidationError
from nuntiq_sdk.objects.invoice import InvoiceLoad
from tests.sdk.conftest import World, invoice_spec

pytestmark = pytest.mark.live

WAIT = 30.0  # an upper bound for events that normally take milliseconds, not a speed target


def wait_until(condition: object) -> bool:
    assert callable(condition)
    for _ in range(int(WAIT / 0.02)):
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_leases_of_a_batch_being_worked_outlive_their_ttl(live: World) -> None:
    tenant, token = live.tenant()
    for n in range(3):
        live.invoice(tenant, **invoice_spec(f"INV-{n}"))
    load = InvoiceLoad(live.context(token))
    leases = load.claim(lease_ttl_seconds=10)
    done = leases[2]
    with load.keep_alive(leases, lease_ttl_seconds=10, interval=0.05) as keeper:
        load.acknowledge(done)
        load.integration_result(done, success=True)
        for _ in range(3):  # 24 s of sandbox time under a 10 s lease
            live.admin.advance_clock(8)
            before = keeper.extensions
            assert wait_until(lambda before=before: keeper.extensions >= before + 4), "no extension after the move"
        for lease in leases[:2]:
            assert not keeper.is_lost(lease)
            assert load.acknowledge(lease).status == 93  # still under the lease claimed 24 s ago
            load.integration_result(lease, success=True)
    assert [live.admin.get_invoice(lease.invoice_token)["status"] for lease in leases] == [100, 100, 100]


def test_a_lease_that_lapsed_is_reported_lost(live: World) -> None:
    tenant, token = live.tenant()
    live.invoice(tenant, **invoice_spec())
    load, rival = InvoiceLoad(live.context(token)), InvoiceLoad(live.context(token))
    [lease] = load.claim(lease_ttl_seconds=10)
    with load.keep_alive([lease], lease_ttl_seconds=10, interval=0.05) as keeper:
        live.admin.advance_clock(3600)  # frozen for an hour: the lease lapsed before any beat
        [taken] = rival.claim(lease_ttl_seconds=600)
        assert taken.invoice_token == lease.invoice_token
        assert wait_until(lambda: keeper.is_lost(lease))
        assert "LEASE" in str(keeper.lost_reason(lease))
    assert rival.acknowledge(taken).status == 93  # the keeper never touched the rival's lease


def test_keep_alive_arguments_are_checked(live: World) -> None:
    load = InvoiceLoad(live.context("ntq_sk_unused"))
    with pytest.raises(ValidationError, match="interval"):
        load.keep_alive([], lease_ttl_seconds=10, interval=10)
    with pytest.raises(ValidationError, match="lease_ttl_seconds"):
        load.keep_alive([], lease_ttl_seconds=5)
