"""Push pending invoices to Acme ERP as CSV via SFTP (product docs: "SFTP push").

The docs' five-step claim flow - claim, render, upload, acknowledge, report -
on the SDK, with the docs' defects fixed: the host key is verified; a name
already taken in the outbox or in ``sent/`` gets a suffix instead of being
overwritten; the uploaded size is confirmed; stale temporary files of a
crashed run are cleaned at start; remote names are safe whatever the invoice
number holds; and a crash at any step neither loses nor duplicates a file
(a delivery journal on the server lets the next run finish what was
delivered but not yet reported).

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
("per_invoice" or "batch"), push_attachments (false), remote_state_dir
(``<remote_outbox>/.nuntiq-state``). Secrets: sftp_password and/or
sftp_private_key.
"""

from __future__ import annotations

import contextlib
import csv
import io
import posixpath
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

import attrs

from nuntiq_sdk import JobContext, JobIncompleteError, NuntiqError
from nuntiq_sdk.delta import delta_run, is_run_live
from nuntiq_sdk.objects.invoice import Invoice, InvoiceLoad, Lease, LeaseKeeper
from nuntiq_sdk.settings import group, option, read_settings
from nuntiq_sdk.sftp import (
    CONNECTION_ERRORS,
    DeliveryJournal,
    PlannedFile,
    SFTPDeliveryError,
    SFTPSettings,
    connect_sftp,
    safe_remote_name,
)

STREAM_NAME = "pushed_invoices"
# BOM so Excel renders UTF-8 correctly when finance opens the file.
UTF8_BOM = "\ufeff"
HEADER = ["invoice_number", "date", "currency", "total", "supplier_code", "line_count"]
MAX_RECONNECTS = 3

T = TypeVar("T")


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


class Pusher:
    """Delivers claimed invoices over one SFTP connection, reconnecting if it drops."""

    def __init__(
        self,
        context: JobContext,
        load: InvoiceLoad,
        config: PushConfig,
        settings: SFTPSettings,
        *,
        run_id: str,
        keeper: LeaseKeeper | None = None,
    ) -> None:
        self.context = context
        self.load = load
        self.config = config
        self.settings = settings
        self.run_id = run_id  # tags this worker's temporary files: concurrent workers leave each other's alone
        self.keeper = keeper
        self.connection = connect_sftp(settings, owner=config.connector_name, run_tag=run_id)
        self.journal = DeliveryJournal(self.connection, config.remote_state_dir)
        self.reconnects = 0
        self.summary = {
            "pushed": 0,
            "failed": 0,
            "recovered": 0,
            "unreported": 0,
            "already_delivered": 0,
            "lease_lost": 0,
        }

    @property
    def taken_in(self) -> list[str]:
        return [self.config.remote_sent] if self.config.remote_sent else []

    def close(self) -> None:
        self.connection.close()

    def _with_reconnect(self, action: Callable[[], T]) -> T:
        """Run ``action``; if the connection dropped, reconnect (bounded per run) and run it once more."""
        try:
            return action()
        except CONNECTION_ERRORS:
            transport_alive = self.connection.transport.is_active()
            if transport_alive or self.reconnects >= MAX_RECONNECTS:
                raise
        self.reconnects += 1
        self.context.logger.warn("SFTP connection lost; reconnecting", step="sftp_connect")
        dropped = self.connection
        dropped.close()
        self.connection = connect_sftp(self.settings, owner=self.config.connector_name, run_tag=self.run_id)
        self.connection.remove_left_by(dropped)
        self.journal = DeliveryJournal(self.connection, self.config.remote_state_dir)
        return action()

    def clean_up_after_crashes(self, active: Sequence[Lease]) -> None:
        """Remove what a killed run left: temporary files, and journal records whose result is reported."""

        def is_live(run_id: str) -> bool:
            return is_run_live(self.context, run_id)

        for path in [
            *self.connection.clean_stale_temp_files(self.config.remote_outbox, is_live),
            *self.journal.clean_stale_temp_files(is_live),
        ]:
            self.context.logger.info(f"Removed stale temporary file {path}", step="cleanup")
        in_flight = {lease.invoice_token for lease in active}
        for token in self.journal.recorded_keys():
            if token in in_flight:
                continue
            try:
                status = self.load.get_by_token(token).status
            except NuntiqError:
                continue  # not ours to judge (e.g. unknown here): leave it
            if status in (97, 100):  # reported: the record outlived a kill between result and forget
                self._forget(token)
                self.context.logger.info(f"Removed the delivery record of reported invoice {token}", step="cleanup")

    def finish(self, lease: Lease, paths: Sequence[str], *, recovered: bool = False) -> None:
        """Acknowledge and report a delivered invoice; a failure here is left for the next run, never re-pushed."""
        token = lease.invoice_token
        try:
            if lease.status == 92:
                self.load.acknowledge(lease)
            self.load.integration_result(
                lease, success=True, external_id_1=paths[-1], external_message_1="SFTP_DELIVERED"
            )
        except NuntiqError as exc:
            self.summary["unreported"] += 1
            self.context.logger.error(
                f"Delivered {paths[-1]} but could not report it: {exc}; the next run finishes it",
                step="report",
                detail={"invoice_token": token, "remote_path": paths[-1]},
            )
            return
        self._forget(token)
        self.summary["recovered" if recovered else "pushed"] += 1
        self.context.logger.info(
            f"{'Finished' if recovered else 'Pushed'} {posixpath.basename(paths[-1])}",
            step="pushed",
            detail={"invoice_token": token, "remote_path": paths[-1]},
        )

    def _forget(self, token: str) -> None:
        with contextlib.suppress(*CONNECTION_ERRORS):  # a stale record only saves a re-upload later
            self._with_reconnect(lambda: self.journal.forget(token))

    def fail(self, lease: Lease, label: str, exc: BaseException) -> None:
        """Report a delivery that did not happen (nothing is under a final name): 92 -> 97."""
        message = f"{type(exc).__name__}: {exc}"
        self.context.logger.warn(f"Failed to push {label}: {message}", step="push", detail={"error": message})
        try:
            self.load.integration_result(
                lease, success=False, failure_code="SFTP_UPLOAD_FAILED", failure_message=message[:500]
            )
            self.summary["failed"] += 1
        except NuntiqError as report_error:
            self.summary["unreported"] += 1
            self.context.logger.error(f"Could not report the failure of {label}: {report_error}", step="report")

    def recover(self, leases: Sequence[Lease]) -> None:
        """Finish invoices a crashed run acknowledged (93) but never reported."""
        for lease in leases:
            paths = self.delivered_earlier(lease)
            self.finish(lease, paths or ["(delivered by an earlier run)"], recovered=True)

    def delivered_earlier(self, lease: Lease) -> list[str] | None:
        return self._with_reconnect(lambda: self.journal.delivered(lease.invoice_token, self.taken_in))

    def planned_files(self, invoice: Invoice, csv_name: str, body: bytes) -> list[PlannedFile]:
        """Attachments first, the CSV last, so the ERP only sees the CSV when its files are there."""
        outbox = self.config.remote_outbox
        files = []
        if self.config.push_attachments:
            for attachment in invoice.attachments:
                name = attachment_filename(csv_name, attachment.file_name)
                files.append(PlannedFile(outbox, name, attachment.read()))
        files.append(PlannedFile(outbox, csv_name, body))
        return files

    def deliver(self, keys: Sequence[str], files: Sequence[PlannedFile]) -> list[str]:
        def attempt() -> list[str]:
            if len(keys) == 1:  # a batch was checked invoice by invoice before it was built
                earlier = self.journal.delivered(keys[0], self.taken_in)
                if earlier is not None:
                    self.summary["already_delivered"] += 1
                    return earlier
            return self.journal.deliver(keys, files, self.taken_in)

        return self._with_reconnect(attempt)

    def lease_lost(self, lease: Lease) -> bool:
        """True if the keeper could not extend this lease: another worker may hold the invoice, so leave it."""
        if self.keeper is None or not self.keeper.is_lost(lease):
            return False
        self.summary["lease_lost"] += 1
        self.context.logger.warn(
            f"Not pushing {lease.invoice_number or lease.invoice_token}: its lease was lost"
            f" ({self.keeper.lost_reason(lease)}); a later run or another worker delivers it",
            step="lease",
            detail={"invoice_token": lease.invoice_token},
        )
        return True

    def push_each(self, leases: Sequence[Lease], today: datetime) -> None:
        for lease in leases:
            if self.lease_lost(lease):
                continue
            label = lease.invoice_token
            try:
                invoice = self.load.get_by_token(lease.invoice_token)
                label = str(invoice.get_field("invoiceNumber") or lease.invoice_token)
                csv_name = invoice_filename(label, today)
                files = self.planned_files(invoice, csv_name, render_csv([render_row(invoice)]))
                paths = self.deliver([lease.invoice_token], files)
            except (NuntiqError, SFTPDeliveryError, *CONNECTION_ERRORS) as exc:
                self.fail(lease, label, exc)
                continue
            self.finish(lease, paths)

    def push_batch(self, leases: Sequence[Lease], today: datetime) -> None:
        """One file for the whole batch; an invoice that cannot be rendered fails alone."""
        rows: list[list[Any]] = []
        included: list[Lease] = []
        for lease in leases:
            if self.lease_lost(lease):
                continue
            earlier = self.delivered_earlier(lease)
            if earlier is not None:
                self.summary["already_delivered"] += 1
                self.finish(lease, earlier)
                continue
            try:
                rows.append(render_row(self.load.get_by_token(lease.invoice_token)))
            except NuntiqError as exc:
                self.fail(lease, lease.invoice_token, exc)
                continue
            included.append(lease)
        if not included:
            return
        name = safe_remote_name(f"invoices-{today:%Y%m%dT%H%M%SZ}", ".csv")
        files = [PlannedFile(self.config.remote_outbox, name, render_csv(rows))]
        try:
            paths = self.deliver([lease.invoice_token for lease in included], files)
        except (SFTPDeliveryError, *CONNECTION_ERRORS) as exc:
            for lease in included:
                self.fail(lease, lease.invoice_token, exc)
            return
        for lease in included:
            self.finish(lease, paths)


def _release_all(load: InvoiceLoad, leases: Sequence[Lease], context: JobContext) -> None:
    """Give claimed invoices back (92 -> 90/91) when the run cannot deliver anything."""
    for lease in leases:
        if lease.status != 92:
            continue
        try:
            load.release_lease(lease)
        except NuntiqError as exc:
            context.logger.warn(f"Could not release {lease.invoice_token}: {exc}; its lease lapses", step="release")


def run(context: JobContext) -> dict[str, Any]:
    settings = read_settings(PushSettings, context)  # checked before anything is claimed
    config, sftp_settings = settings.push, settings.sftp
    inv_load = InvoiceLoad(context)
    # Claim BEFORE opening SFTP or a delta run: with nothing to do, we never log in to the customer's
    # server and leave the stream's cursor alone.
    recovered = inv_load.recover_pending_results(limit=config.batch_size, lease_ttl_seconds=config.lease_ttl_seconds)
    leases = inv_load.claim(
        state="PendingIntegration", limit=config.batch_size, lease_ttl_seconds=config.lease_ttl_seconds
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
            pusher = Pusher(context, inv_load, config, sftp_settings, run_id=r.run_id, keeper=keeper)
        except BaseException:
            _release_all(inv_load, [*leases, *recovered], context)  # nothing was delivered: give them back now
            raise
        r.set_new_cursor(datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
        today = datetime.now(UTC)
        try:
            pusher.clean_up_after_crashes([*leases, *recovered])
            pusher.recover(recovered)
            for batch in range(config.max_batches):
                if batch:  # later batches: claim only after the previous one is reported
                    leases = inv_load.claim(
                        state="PendingIntegration", limit=config.batch_size, lease_ttl_seconds=config.lease_ttl_seconds
                    )
                    if not leases:
                        break
                    keeper.add(leases)
                    claimed += len(leases)
                    context.logger.info(f"Claimed {len(leases)} more invoice(s)", step="claim")
                if config.file_mode == "batch":
                    pusher.push_batch(leases, today)
                else:
                    pusher.push_each(leases, today)
        finally:
            pusher.close()
        summary = pusher.summary
        r.set_records_processed(summary["pushed"] + summary["failed"] + summary["recovered"])
        r.set_metadata({**summary, "remote_outbox": config.remote_outbox, "file_mode": config.file_mode})
    result = {"claimed": claimed, **summary}
    if summary["unreported"]:  # the run is recorded; the exit code must still show that work is left
        raise JobIncompleteError(
            f"{summary['unreported']} invoice(s) handled but not reported to Nuntiq; the next run finishes them",
            result,
        )
    return result
