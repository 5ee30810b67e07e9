"""Claimed invoices to an SFTP outbox and reported back: the bookkeeping every push connector would repeat.

A connector says what an invoice becomes (its files); ``InvoicePush`` does
the rest of the docs' five steps: it takes the claimed invoices (carried by
the claim with ``with_invoices=True``, else read ahead on a small thread
pool), delivers them exactly once through an ``Outbox``, then acknowledges
and reports the whole batch in two requests (``acknowledge_all``,
``report_results``), and finishes what a crashed run delivered but never
reported. A batch is reported once its files are all in place, so a crash
before that leaves every delivered invoice at 92 or 93 with its journal
record: the next run reports it without uploading it again.
"""

from __future__ import annotations

import posixpath
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from types import TracebackType
from typing import TYPE_CHECKING

from nuntiq_sdk._exceptions import NuntiqError
from nuntiq_sdk.objects.invoice import IntegrationResult, LeasedInvoice
from nuntiq_sdk.sftp._journal import PlannedFile
from nuntiq_sdk.sftp._outbox import Delivery, Outbox, Outcome

if TYPE_CHECKING:
    from nuntiq_sdk._context import JobContext
    from nuntiq_sdk._generated.views import ProblemDetails
    from nuntiq_sdk.objects.invoice import Invoice, InvoiceLoad, Lease, LeaseKeeper

__all__ = ["InvoicePush", "give_back"]

DELIVERED_MESSAGE = "SFTP_DELIVERED"
FAILURE_CODE = "SFTP_UPLOAD_FAILED"
REPORTED = (97, 100)
MAX_KEYS_CHECKED = 100  # API look-ups per run for records a crashed run left


def _why(problem: ProblemDetails | None) -> str:
    if problem is None:
        return "refused without a reason"
    return f"{problem.code}: {problem.detail or problem.title}"


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
        self._delivered: list[tuple[Lease, list[str], bool]] = []  # queued for report(): lease, paths, recovered
        self._failed: list[tuple[Lease, str, str]] = []  # lease, label, why
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

    # -- the API calls ----------------------------------------------------------------------------

    def fetch(self, leases: Sequence[Lease]) -> Iterator[tuple[Lease, Invoice | Exception]]:
        """Each lease with its invoice (or the error reading it), in order; with a pool, all are read at once."""
        if self._pool is None or all(isinstance(lease, LeasedInvoice) for lease in leases):
            for lease in leases:
                yield lease, self._read(lease)
            return
        futures = [self._pool.submit(self._read, lease) for lease in leases]
        for lease, future in zip(leases, futures, strict=True):
            yield lease, future.result()

    def _read(self, lease: Lease) -> Invoice | Exception:
        if isinstance(lease, LeasedInvoice):  # the claim carried it
            return lease.invoice
        try:
            return self.load.get_by_token(lease.invoice_token)
        except Exception as exc:  # reading one invoice fails that invoice only
            return exc

    def finish(self, lease: Lease, paths: Sequence[str], *, recovered: bool = False) -> None:
        """Queue a delivered invoice's success for ``report``; its record stays until the report is taken."""
        with self._lock:
            self._delivered.append((lease, list(paths), recovered))

    def fail(self, lease: Lease, label: str, exc: BaseException) -> None:
        """Queue the failure of a delivery that did not happen (nothing is under a final name): 92 -> 97."""
        message = f"{type(exc).__name__}: {exc}"
        self.context.logger.warn(f"Failed to push {label}: {message}", step="push", detail={"error": message})
        with self._lock:
            self._failed.append((lease, label, message))

    def report(self) -> None:
        """Acknowledge the delivered invoices and report every queued result, in two requests per batch.

        An invoice whose acknowledgement or report is refused or lost is
        counted ``unreported`` and keeps its journal record: the next run
        finishes it and never uploads it again.
        """
        with self._lock:
            delivered, self._delivered = self._delivered, []
            failed, self._failed = self._failed, []
        unacknowledged = [lease for lease, _, _ in delivered if lease.status == 92]
        refused: dict[str, str] = {}
        if unacknowledged:
            try:
                for acknowledged in self.load.acknowledge_all(unacknowledged):
                    if acknowledged.outcome == "refused":
                        refused[acknowledged.invoice_token] = _why(acknowledged.problem)
            except NuntiqError as exc:
                refused.update(dict.fromkeys((lease.invoice_token for lease in unacknowledged), str(exc)))
        for lease, paths, _ in delivered:
            if lease.invoice_token in refused:
                self._unreported(lease, f"Delivered {paths[-1]} but", refused[lease.invoice_token])
        # Each result with its lease and, for a delivery, its paths and whether an earlier run made it.
        items: list[tuple[Lease, IntegrationResult, list[str] | None, bool]] = [
            (
                lease,
                IntegrationResult(lease, True, external_id_1=paths[-1], external_message_1=DELIVERED_MESSAGE),
                paths,
                recovered,
            )
            for lease, paths, recovered in delivered
            if lease.invoice_token not in refused
        ]
        items += [
            (
                lease,
                IntegrationResult(lease, False, failure_code=FAILURE_CODE, failure_message=message[:500]),
                None,
                False,
            )
            for lease, _, message in failed
        ]
        if not items:
            return
        try:
            outcomes = self.load.report_results([result for _, result, _, _ in items])
        except NuntiqError as exc:
            for lease, _, _, _ in items:
                self._unreported(lease, "Handled it but", str(exc))
            return
        for (lease, _, files_at, recovered), outcome in zip(items, outcomes, strict=True):
            if outcome.outcome == "refused":
                self._unreported(lease, "Handled it but", _why(outcome.problem))
                continue
            self.outbox.settle(lease.invoice_token)
            if files_at is None:
                self._count("failed")
                continue
            self._count("recovered" if recovered else "pushed")
            self.context.logger.info(
                f"{'Finished' if recovered else 'Pushed'} {posixpath.basename(files_at[-1])}",
                step="pushed",
                detail={"invoice_token": lease.invoice_token, "remote_path": files_at[-1]},
            )

    def _unreported(self, lease: Lease, what: str, why: str) -> None:
        self._count("unreported")
        self.context.logger.error(
            f"{what} could not report {lease.invoice_number or lease.invoice_token}: {why}; the next run finishes it",
            step="report",
            detail={"invoice_token": lease.invoice_token},
        )

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
            self.finish(lease, paths, recovered=True)
        todo = []
        for lease in leases:
            earlier = batch.earlier(lease.invoice_token)
            if earlier is None:
                todo.append(lease)
                continue
            self._count("already_delivered")
            self.finish(lease, earlier)
        by_key = {lease.invoice_token: lease for lease in todo}
        labels: dict[str, str] = {}

        def on_done(outcome: Outcome) -> None:
            for key in outcome.delivery.keys:
                if outcome.error is not None:
                    self.fail(by_key[key], labels.get(key, key), outcome.error)
                else:
                    self.finish(by_key[key], outcome.paths)

        deliveries = self._each(todo, files_for, labels) if together is None else self._together(todo, together)
        try:
            batch.deliver(deliveries, on_done)
        finally:
            self.report()
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
