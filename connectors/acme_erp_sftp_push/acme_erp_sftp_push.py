"""Push pending invoices to Acme ERP as CSV via SFTP (product docs: "SFTP push").

The docs' five-step claim flow - claim, render, upload, acknowledge, report -
on the SDK (``nuntiq_sdk.sftp.InvoicePush`` over an ``Outbox``), with the
docs' defects fixed: the host key is verified; a name already taken in the
outbox or in ``sent/`` gets a suffix instead of being overwritten; every
write is acknowledged before a file gets its final name; stale temporary
files of a crashed run are cleaned at start; remote names are safe whatever
the invoice number holds; and a crash at any step neither loses nor
duplicates a file (a delivery journal on the server lets the next run finish
what was delivered but not yet reported). The claim carries the invoices,
uploads run on up to ``concurrency`` SFTP channels, and a batch is
acknowledged and reported in one request each.

Several workers may run it at once with the same settings (the docs'
"Concurrency" note): invoices are shared out by claim and lease; the delta
run is shared and only records when a push last ran; each worker's temporary
files carry its run id, so a worker cleans only what a dead run left. The
claimed batch's leases are extended in the background while it is worked, and
an invoice whose lease was lost anyway (a stalled worker) is not pushed. A
worker that finds nothing to claim returns at once, without a delta run.

Config (settings.json ``config``): connector_name, sftp_host, sftp_port,
sftp_user, sftp_known_hosts or sftp_host_key_fingerprint, remote_outbox,
remote_sent, batch_size (20), max_batches (1: claim once per run, as the
docs do; more drains the queue batch by batch), lease_ttl_seconds (600),
lease_heartbeat_seconds (a third of lease_ttl_seconds), file_mode
("per_invoice" or "batch"), push_attachments (false), concurrency (4), remote_state_dir
(``<remote_outbox>/.nuntiq-state``). Secrets: sftp_password and/or
sftp_private_key.
"""

from __future__ import annotations

import contextlib
import csv
import io
import posixpath
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Literal

import attrs

from nuntiq_sdk import JobContext, JobIncompleteError
from nuntiq_sdk.delta import delta_run, is_run_live
from nuntiq_sdk.objects.invoice import Invoice, InvoiceLoad, Lease
from nuntiq_sdk.settings import group, option, read_settings
from nuntiq_sdk.sftp import InvoicePush, Outbox, PlannedFile, SFTPSettings, give_back, safe_remote_name

STREAM_NAME = "pushed_invoices"
# BOM so Excel renders UTF-8 correctly when finance opens the file.
UTF8_BOM = "\ufeff"
HEADER = ["invoice_number", "date", "currency", "total", "supplier_code", "line_count"]


@attrs.frozen
class PushConfig:
    """The push's own settings (settings.json ``config``); ``nuntiq run CONNECTOR --describe`` lists them."""

    connector_name: str = option(help="Names the delta-run stream and this connector's temporary files.")
    remote_outbox: str = option(remote_path=True, help="The folder the ERP reads the CSV files from.")
    remote_sent: str | None = option(
        default=None, remote_path=True, help="Where the ERP moves files it has read; its names count as taken."
    )
    remote_state_dir: str = option(
        default=attrs.Factory(lambda self: posixpath.join(self.remote_outbox, ".nuntiq-state"), takes_self=True),
        remote_path=True,
        help="The delivery journal's folder (default <remote_outbox>/.nuntiq-state).",
    )
    batch_size: int = option(default=20, minimum=1, maximum=500, help="Invoices claimed per batch.")
    max_batches: int = option(
        default=1, minimum=1, maximum=10000, help="Batches per run (1 claims once, as the docs do)."
    )
    lease_ttl_seconds: int = option(default=600, minimum=10, maximum=86400, help="How long a claim holds.")
    lease_heartbeat_seconds: float = option(
        default=attrs.Factory(lambda self: self.lease_ttl_seconds / 3, takes_self=True),
        minimum=0.1,
        help="Seconds between lease extensions, below lease_ttl_seconds (default a third of it).",
    )
    file_mode: Literal["per_invoice", "batch"] = option(
        default="per_invoice", help="One CSV per invoice, or one per batch."
    )
    push_attachments: bool = option(default=False, help="Also upload each invoice's attachments.")
    concurrency: int = option(
        default=4, minimum=1, maximum=16, help="Uploads and API calls in flight at once (1: strictly in order)."
    )

    @classmethod
    def from_context(cls, context: JobContext) -> PushConfig:
        return read_settings(cls, context)

    def problems(self) -> list[str]:
        if self.lease_heartbeat_seconds >= self.lease_ttl_seconds:
            return [
                "config.lease_heartbeat_seconds must be below lease_ttl_seconds "
                f"({self.lease_ttl_seconds}), got {self.lease_heartbeat_seconds!r}"
            ]
        return []


@attrs.frozen
class PushSettings:
    """Everything the push reads from settings.json besides the API settings."""

    push: PushConfig = group(PushConfig, prefix="")
    sftp: SFTPSettings = group(SFTPSettings, prefix="sftp_")


SETTINGS = PushSettings  # ``nuntiq run`` checks these with the API settings, every problem in one round


def render_row(invoice: Invoice) -> list[Any]:
    """One invoice as the ERP's row; field keys come from the customer's invoice template."""
    vendor = invoice.get_address("vendor")
    supplier_code = invoice.get_field("supplierCode") or (vendor.address_name if vendor else "")
    return [
        invoice.get_field("invoiceNumber") or "UNKNOWN",
        invoice.get_field("invoiceDate") or "",
        invoice.get_field("currencyCode") or "",
        invoice.get_field("grossAmount") or "",
        supplier_code or "",
        len(invoice.lines),
    ]


def render_csv(rows: Sequence[Sequence[Any]]) -> bytes:
    """Tab-separated, UTF-8 with BOM, header first."""
    buf = io.StringIO()
    buf.write(UTF8_BOM)
    writer = csv.writer(buf, delimiter="\t", lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def invoice_filename(invoice_number: object, day: datetime) -> str:
    return safe_remote_name(f"{invoice_number}-{day:%Y%m%d}", ".csv")


def attachment_filename(csv_name: str, file_name: str) -> str:
    """``<csv stem>-<attachment stem><.ext>``: the ERP pairs them by prefix; only the last path part counts."""
    base = file_name.replace("\\", "/").rsplit("/", 1)[-1]
    stem, dot, extension = base.rpartition(".")
    if not (dot and stem and extension.isascii() and extension.isalnum() and len(extension) <= 10):
        stem, extension = base, ""
    return safe_remote_name(
        f"{csv_name.rsplit('.', 1)[0]}-{stem or 'attachment'}", f".{extension}" if extension else ""
    )


def planned_files(invoice: Invoice, csv_name: str, body: bytes, config: PushConfig) -> list[PlannedFile]:
    """Attachments first, the CSV last, so the ERP only sees the CSV when its files are there."""
    files = []
    if config.push_attachments:
        for attachment in invoice.attachments:
            name = attachment_filename(csv_name, attachment.file_name)
            files.append(PlannedFile(config.remote_outbox, name, attachment.read()))
    files.append(PlannedFile(config.remote_outbox, csv_name, body))
    return files


def push_batch(push: InvoicePush, config: PushConfig, leases: Sequence[Lease], today: datetime, **kw: Any) -> None:
    """One claimed batch: one CSV per invoice, or one CSV for the whole batch (``file_mode``)."""

    def files_for(invoice: Invoice) -> list[PlannedFile]:
        csv_name = invoice_filename(invoice.get_field("invoiceNumber") or invoice.invoice_token, today)
        return planned_files(invoice, csv_name, render_csv([render_row(invoice)]), config)

    def together(invoices: Sequence[Invoice]) -> list[PlannedFile]:
        name = safe_remote_name(f"invoices-{today:%Y%m%dT%H%M%SZ}", ".csv")
        return [PlannedFile(config.remote_outbox, name, render_csv([render_row(i) for i in invoices]))]

    push.push(leases, files_for, together=together if config.file_mode == "batch" else None, **kw)


def run(context: JobContext) -> dict[str, Any]:
    settings = read_settings(PushSettings, context)  # checked before anything is claimed
    config, sftp_settings = settings.push, settings.sftp
    inv_load = InvoiceLoad(context)
    # Claim BEFORE opening SFTP or a delta run: with nothing to do, we never log in to the customer's
    # server and leave the stream's cursor alone.
    recovered = inv_load.recover_pending_results(limit=config.batch_size, lease_ttl_seconds=config.lease_ttl_seconds)
    leases = inv_load.claim(
        state="PendingIntegration",
        limit=config.batch_size,
        lease_ttl_seconds=config.lease_ttl_seconds,
        with_invoices=True,  # the claim carries each invoice: no read per invoice
    )
    if not leases and not recovered:
        context.logger.info("Nothing to push - no PendingIntegration invoices.", step="claim")
        return {"claimed": 0, "pushed": 0, "failed": 0}
    context.logger.info(f"Claimed {len(leases)} invoice(s)", step="claim", detail={"recovering": len(recovered)})
    claimed = len(leases)
    keeper = inv_load.keep_alive(
        [*leases, *recovered], config.lease_ttl_seconds, interval=config.lease_heartbeat_seconds
    )
    with contextlib.ExitStack() as stack:
        stack.enter_context(keeper)  # leases are extended while the batch is worked
        try:
            # Shared with the connector's other workers; it records when a push last ran.
            r = stack.enter_context(delta_run(context, config.connector_name, STREAM_NAME, "timestamp_utc"))
            outbox = Outbox(
                sftp_settings,
                config.remote_outbox,
                owner=config.connector_name,
                run_tag=r.run_id,  # tags this worker's temporary files: concurrent workers leave each other's alone
                taken_in=[config.remote_sent] if config.remote_sent else [],
                state_dir=config.remote_state_dir,
                concurrency=config.concurrency,
                is_live=lambda run_id: is_run_live(context, run_id),
                logger=context.logger,
            )
        except BaseException:
            give_back(inv_load, [*leases, *recovered], context)  # nothing was delivered: give them back now
            raise
        r.set_new_cursor(datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
        today = datetime.now(UTC)
        with InvoicePush(context, inv_load, outbox, keeper=keeper, concurrency=config.concurrency) as push:
            push_batch(push, config, leases, today, recovered=recovered)
            for _batch in range(1, config.max_batches):  # later batches: claimed once the previous one is reported
                leases = inv_load.claim(
                    state="PendingIntegration",
                    limit=config.batch_size,
                    lease_ttl_seconds=config.lease_ttl_seconds,
                    with_invoices=True,  # the claim carries each invoice: no read per invoice
                )
                if not leases:
                    break
                keeper.add(leases)
                claimed += len(leases)
                context.logger.info(f"Claimed {len(leases)} more invoice(s)", step="claim")
                push_batch(push, config, leases, today)
        summary = push.summary
        r.set_records_processed(summary["pushed"] + summary["failed"] + summary["recovered"])
        r.set_metadata({**summary, "remote_outbox": config.remote_outbox, "file_mode": config.file_mode})
    result = {"claimed": claimed, **summary}
    if summary["unreported"]:  # the run is recorded; the exit code must still show that work is left
        raise JobIncompleteError(
            f"{summary['unreported']} invoice(s) handled but not reported to Nuntiq; the next run finishes them",
            result,
        )
    return result
