"""``nuntiq demo``: the SDK's documented flows, end to end, against a demo sandbox.

Starts a sandbox with the demo seed on 127.0.0.1 (a free port, a temporary
folder), then does what a push connector does - claim, read, save
attachments, acknowledge, report - and what an ERP feedback job does - post
lifecycle events and poll them back under a delta cursor - and prints what
happened to every invoice.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from nuntiq_sandbox.testing import SandboxServer
from nuntiq_sdk import JobContext, NuntiqError
from nuntiq_sdk.catalog import CATALOG
from nuntiq_sdk.delta import delta_run
from nuntiq_sdk.objects.invoice import InvoiceLoad
from nuntiq_sdk.objects.lifecycle_message import LifecycleMessageLoad

__all__ = ["configure", "run"]

CONNECTOR = "nuntiq_demo"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--batch-size", type=int, default=20, help="invoices to claim (default 20)")


def run(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="nuntiq-demo-") as scratch, SandboxServer(seed="demo") as sandbox:
        print(f"Sandbox with the demo seed at {sandbox.api_url}")
        settings = {
            "customer_number": "10000001",
            "secrets": {"api_token": sandbox.demo_token},
            "config": {"api_base_url": sandbox.api_url},
        }
        with JobContext.from_settings(settings, environ={}, work_dir=Path(scratch)) as context:
            pushed = _push(context, args.batch_size)
            _feedback(context, pushed)
        print("\nFinal state:")
        for token in pushed:
            invoice = sandbox.admin.get_invoice(token)
            number, status, latest = invoice["invoice_number"], invoice["status"], invoice["latest_code"]
            print(f"  {number:<16} status {status:>3}  latest event {latest}")
    return 0


def _push(context: JobContext, batch_size: int) -> list[str]:
    """Claim -> read -> save attachments -> acknowledge -> report, as the InvoiceLoad page describes."""
    load = InvoiceLoad(context)
    leases = load.claim(state="PendingIntegration", limit=batch_size, lease_ttl_seconds=600)
    print(f"\nClaimed {len(leases)} invoice(s) pending integration")
    done: list[str] = []
    for lease in leases:
        invoice = load.get_by_token(lease.invoice_token)
        saved = [attachment.save().name for attachment in invoice.attachments]
        try:
            load.acknowledge(lease.invoice_token)
            load.integration_result(lease.invoice_token, success=True, external_id_1=f"ERP-{invoice.invoice_id}")
        except NuntiqError as error:
            load.integration_result(lease.invoice_token, success=False, failure_code="DEMO", failure_message=str(error))
            continue
        done.append(lease.invoice_token)
        print(
            f"  {invoice.get_field('invoiceNumber'):<16} {invoice.get_field('grossAmount'):>10} "
            f"{invoice.get_field('currencyCode')}  {len(invoice.lines)} line(s)"
            + (f"  saved {', '.join(saved)}" if saved else "")
        )
    return done


def _feedback(context: JobContext, tokens: list[str]) -> None:
    """Post ERP events for the pushed invoices, then poll them back under a delta cursor."""
    load = LifecycleMessageLoad(context)
    for token in tokens:
        timeline = load.get_for_invoice(token)
        latest = timeline[-1].code if timeline else None
        # The state machine decides: an invoice still at intake codes is validated first.
        codes = ["ERP_RECEIVED", "ERP_POSTED"]
        if "ERP_RECEIVED" not in CATALOG.next_codes(latest):
            codes.insert(0, "VALIDATED")
        for code in codes:
            msg = load.new()
            msg.code = code
            msg.note_supplier = f"{code.replace('_', ' ').title()} by the demo ERP"
            msg.post_to(invoice_token=token, idempotency_key=f"demo-{token}-{code}")
    print(f"\nPosted ERP_RECEIVED and ERP_POSTED to {len(tokens)} invoice(s)")
    if tokens:
        print("Timeline of the first one:")
        for message in load.get_for_invoice(tokens[0]):
            print(f"  {message.recorded_at}  {message.code:<14} {message.source.value}")
    with delta_run(context, CONNECTOR, "lifecycle_poll") as run:
        since = run.previous_cursor or "2026-01-01T00:00:00Z"
        polled = list(load.poll_since(since=since, ext_references={1: "CUSTOMER-A"}))
        if polled:
            run.set_new_cursor(polled[-1].recorded_at)
        run.set_records_processed(len(polled))
    print(f"Polled {len(polled)} message(s) for ext_reference_1=CUSTOMER-A since {since}")
