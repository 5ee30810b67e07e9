"""Claimed invoices to an SFTP outbox and reported back: the bookkeeping every push connector would repeat.

A connector says what an invoice becomes (its files); ``InvoicePush`` does
the rest of the docs' five steps: it fetches the claimed invoices, delivers
them exactly once through an ``Outbox``, acknowledges and reports each, and
finishes what a crashed run delivered but never reported. Reading invoices
and reporting results overlap the uploads (a small thread pool; the API
client is thread-safe). The per-invoice API calls sit in ``fetch`` and
``finish``/``fail``, the places a batch API would take over.
"""

from __future__ import annotations

import posixpath
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import TYPE_CHECKING, Any

from nuntiq_sdk._exceptions import NuntiqError
from nuntiq_sdk.sftp._journal import PlannedFile
from nuntiq_sdk.sftp._outbox import Delivery, Outbox, Outcome

if TYPE_CHECKING:
    from nuntiq_sdk._context import JobContext
    from nuntiq_sdk.objects.invoice import Invoice, InvoiceLoad, Lease, LeaseKeeper

__all__ = ["InvoicePush", "give_back"]

DELIVERED_MESSAGE = "SFTP_DELIVERED"
FAILURE_CODE = "SFTP_UPLOAD_FAILED"
REPORTED = (97, 100)
MAX_KEYS_CHECKED = 100  # API look-ups per run for records a crashed run left


def give_back(load: InvoiceLoad, leases: Sequence[Lease], context: JobContext) -> None:
    """Release claimed invoices (92 -> 90/91) when the run cannot deliver anything, instead of waiting out leases."""
    for lease in leases:
        if lease.status != 92:
            continue
        try:
            load.release_lease(lease)
        except NuntiqError as exc:
            context.logger.warn(f"Could not release {lease.invoice_token}: {exc}; its lease lapses", step="release")


class InvoicePush:
    """Delivers claimed invoices through an ``Outbox`` and reports each result; ``summary`` counts the outcomes.

    ``concurrency``: API calls in flight at once (1 does everything in order,
    which crash tests use to stop at an exact moment). An invoice whose lease
    the ``keeper`` lost is not pushed (another worker may hold it); an error
    in one invoice fails that invoice only.
    """

    def __init__(
        self,
        context: JobContext,
        load: InvoiceLoad,
        outbox: Outbox,
        *,
        keeper: LeaseKeeper | None = None,
        concurrency: int = 4,
    ) -> None:
        self.context = context
        self.load = load
        self.outbox = outbox
        self.keeper = keeper
        self.summary = dict.fromkeys(
            ("pushed", "failed", "recovered", "unreported", "already_delivered", "lease_lost"), 0
        )
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(concurrency, "nuntiq-api") if concurrency > 1 else None
        self._pending: list[Future[None]] = []
        self._cleaned = False

    def __enter__(self) -> InvoicePush:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        self.outbox.close()

    def _count(self, what: str) -> None:
        with self._lock:
            self.summary[what] += 1

    def _later(self, step: Callable[..., None], lease: Lease, *args: Any, **kwargs: Any) -> None:
        """Run an API step on the pool (in order when there is none); whatever it raises stays with its invoice."""

        def guarded() -> None:
            try:
                step(lease, *args, **kwargs)
            except Exception as exc:
                self._count("unreported")
                self.context.logger.error(
                    f"Could not finish {lease.invoice_token}: {type(exc).__name__}: {exc}; the next run finishes it",
                    step="report",
                    detail={"invoice_token": lease.invoice_token},
                )

        if self._pool is None:
            guarded()
        else:
            self._pending.append(self._pool.submit(guarded))

    def _wait(self) -> None:
        pending, self._pending = self._pending, []
        for future in pending:
            future.result()

    # -- the per-invoice API calls (batch calls go here) -------------------------------------------------

    def fetch(self, leases: Sequence[Lease]) -> Iterator[tuple[Lease, Invoice | Exception]]:
        """Each lease with its invoice (or the error reading it), in order; with a pool, all are read at once."""
        if self._pool is None:
            for lease in leases:
                yield lease, self._read(lease)
            return
        futures = [self._pool.submit(self._read, lease) for lease in leases]
        for lease, future in zip(leases, futures, strict=True):
            yield lease, future.result()

    def _read(self, lease: Lease) -> Invoice | Exception:
        try:
            return self.load.get_by_token(lease.invoice_token)
        except Exception as exc:  # reading one invoice fails that invoice only
            return exc

    def finish(self, lease: Lease, paths: Sequence[str], *, recovered: bool = False) -> None:
        """Acknowledge and report a delivered invoice; a failure here is left for the next run, never re-pushed."""
        token = lease.invoice_token
        try:
            if lease.status == 92:
                self.load.acknowledge(lease)
            self.load.integration_result(
                lease, success=True, external_id_1=paths[-1], external_message_1=DELIVERED_MESSAGE
            )
        except NuntiqError as exc:
            self._count("unreported")
            self.context.logger.error(
                f"Delivered {paths[-1]} but could not report it: {exc}; the next run finishes it",
                step="report",
                detail={"invoice_token": token, "remote_path": paths[-1]},
            )
            return
        self.outbox.settle(token)
        self._count("recovered" if recovered else "pushed")
        self.context.logger.info(
            f"{'Finished' if recovered else 'Pushed'} {posixpath.basename(paths[-1])}",
            step="pushed",
            detail={"invoice_token": token, "remote_path": paths[-1]},
        )

    def fail(self, lease: Lease, label: str, exc: BaseException) -> None:
        """Report a delivery that did not happen (nothing is under a final name): 92 -> 97."""
        message = f"{type(exc).__name__}: {exc}"
        self.context.logger.warn(f"Failed to push {label}: {message}", step="push", detail={"error": message})
        try:
            self.load.integration_result(lease, success=False, failure_code=FAILURE_CODE, failure_message=message[:500])
        except NuntiqError as report_error:
            self._count("unreported")
            self.context.logger.error(f"Could not report the failure of {label}: {report_error}", step="report")
            return
        self.outbox.settle(lease.invoice_token)
        self._count("failed")

    # -- the flow ------------------------------------------------------------------------------

    def lease_lost(self, lease: Lease) -> bool:
        """True if the keeper could not extend this lease: another worker may hold the invoice, so leave it."""
        if self.keeper is None or not self.keeper.is_lost(lease):
            return False
        self._count("lease_lost")
        self.context.logger.warn(
            f"Not pushing {lease.invoice_number or lease.invoice_token}: its lease was lost"
            f" ({self.keeper.lost_reason(lease)}); a later run or another worker delivers it",
            step="lease",
            detail={"invoice_token": lease.invoice_token},
        )
        return True

    def push(
        self,
        leases: Sequence[Lease],
        files_for: Callable[[Invoice], Sequence[PlannedFile]],
        *,
        recovered: Sequence[Lease] = (),
        together: Callable[[Sequence[Invoice]], Sequence[PlannedFile]] | None = None,
    ) -> None:
        """One batch: finish ``recovered`` (left at 93), then deliver ``leases`` and report each.

        ``files_for(invoice)``: an invoice's files, the one the ERP polls for
        last. ``together(invoices)``: instead, one delivery for the whole batch
        (its files name every invoice), reported for each.
        """
        batch = self.outbox.batch()
        if not self._cleaned:
            self._clean_up(self.outbox.records(left_by_dead_runs=True), [*leases, *recovered])
        for lease in recovered:
            paths = batch.earlier(lease.invoice_token) or ["(delivered by an earlier run)"]
            self._later(self.finish, lease, paths, recovered=True)
        todo = []
        for lease in leases:
            earlier = batch.earlier(lease.invoice_token)
            if earlier is None:
                todo.append(lease)
                continue
            self._count("already_delivered")
            self._later(self.finish, lease, earlier)
        by_key = {lease.invoice_token: lease for lease in todo}
        labels: dict[str, str] = {}

        def on_done(outcome: Outcome) -> None:
            for key in outcome.delivery.keys:
                if outcome.error is not None:
                    self._later(self.fail, by_key[key], labels.get(key, key), outcome.error)
                else:
                    self._later(self.finish, by_key[key], outcome.paths)

        deliveries = self._each(todo, files_for, labels) if together is None else self._together(todo, together)
        try:
            batch.deliver(deliveries, on_done)
        finally:
            self._wait()
        self.outbox.forget_settled()

    def _live(self, leases: Sequence[Lease]) -> Iterator[tuple[Lease, Invoice]]:
        """Invoices still ours and readable, in order; the others are counted (lost) or failed (unreadable)."""
        for lease, invoice in self.fetch(leases):
            if self.lease_lost(lease):
                continue
            if isinstance(invoice, Exception):
                self.fail(lease, lease.invoice_token, invoice)
                continue
            yield lease, invoice

    def _each(
        self, leases: Sequence[Lease], files_for: Callable[[Invoice], Sequence[PlannedFile]], labels: dict[str, str]
    ) -> Iterator[Delivery]:
        for lease, invoice in self._live(leases):
            label = str(invoice.get_field("invoiceNumber") or lease.invoice_token)
            labels[lease.invoice_token] = label
            try:
                delivery = Delivery(lease.invoice_token, files_for(invoice))
            except Exception as exc:  # an invoice that cannot be rendered fails alone
                self.fail(lease, label, exc)
                continue
            yield delivery

    def _together(
        self, leases: Sequence[Lease], together: Callable[[Sequence[Invoice]], Sequence[PlannedFile]]
    ) -> Iterator[Delivery]:
        included = list(self._live(leases))
        if not included:
            return
        try:
            delivery = Delivery([lease.invoice_token for lease, _ in included], together([i for _, i in included]))
        except Exception as exc:  # the batch file cannot be built: each invoice fails with why
            for lease, _ in included:
                self.fail(lease, lease.invoice_token, exc)
            return
        yield delivery

    def _clean_up(self, records: dict[str, list[str]], in_flight: Sequence[Lease]) -> None:
        """Settle the keys of records a killed run left whose invoices are reported, so the records go."""
        self._cleaned = True
        busy = {lease.invoice_token for lease in in_flight}
        checked = 0
        for keys in records.values():
            for key in keys:
                if key in busy or checked >= MAX_KEYS_CHECKED:
                    continue
                checked += 1
                try:
                    status = self.load.get_by_token(key).status
                except NuntiqError:
                    continue  # not ours to judge (e.g. unknown here): leave it
                if status in REPORTED:
                    self.outbox.settle(key)
