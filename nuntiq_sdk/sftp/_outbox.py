"""Deliver a batch of files to an outbox exactly once, in about four SFTP requests per file.

Per batch: the outbox, the folders whose names count as taken (the ERP's
``sent/``) and the journal folder are listed once, so free names are chosen
locally (one collision rule, ``candidates``); one journal record names every
file of the batch before any of them is renamed; per file a temporary upload
(open, pipelined write, close) and one ``rename``. Uploads and renames run on
up to ``concurrency`` SFTP channels over the one SSH transport.
"""

from __future__ import annotations

import contextlib
import functools
import posixpath
import stat
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import TYPE_CHECKING, Literal, TypeVar

import attrs
import paramiko

from nuntiq_sdk.sftp._connection import (
    CONNECTION_ERRORS,
    MAX_RENAME_RACES,
    SFTPConnection,
    SFTPDeliveryError,
    SFTPSettings,
    connect_sftp,
)
from nuntiq_sdk.sftp._journal import (
    DeliveryJournal,
    FileEntry,
    PlannedFile,
    is_record_name,
    record_owner_and_run,
)
from nuntiq_sdk.sftp._naming import (
    MAX_COLLISION_SUFFIX,
    candidates,
    safe_remote_name,
    split_name,
)

if TYPE_CHECKING:
    from nuntiq_sdk._logging import ConnectorLogger

__all__ = ["Delivery", "DeliveryStep", "Outbox", "OutboxBatch", "Outcome", "observe_delivery_steps"]

MAX_RECONNECTS = 3
_T = TypeVar("_T")
StepName = Literal["upload", "record", "rename", "forget"]

# -- the step seam ---------------------------------------------------------------------------


@attrs.frozen
class DeliveryStep:
    """One moment of a delivery, as observers see it.

    ``name``: ``upload`` (a file's temporary copy: open, write, close),
    ``record`` (a journal record written: the batch's, or a new one after a
    name was taken meanwhile), ``rename`` (a file moved to its final name,
    ``target``), ``forget`` (a record removed once all its keys are
    reported). ``moment``: ``before`` or ``after`` it.
    """

    name: StepName
    moment: Literal["before", "after"]
    path: str
    connection: SFTPConnection = attrs.field(repr=False)
    target: str | None = None


_observers: list[Callable[[DeliveryStep], None]] = []


def observe_delivery_steps(callback: Callable[[DeliveryStep], None]) -> Callable[[], None]:
    """Call ``callback`` before and after every step of every delivery in this process; returns the remover.

    Why: crash tests kill the process at a named step (``crashing_run.py``),
    tracing counts them, and neither needs a private method name that a
    refactoring would silently move.
    """
    _observers.append(callback)
    return lambda: _observers.remove(callback)


@contextlib.contextmanager
def _step(name: StepName, path: str, connection: SFTPConnection, target: str | None = None) -> Iterator[None]:
    for observer in list(_observers):
        observer(DeliveryStep(name, "before", path, connection, target))
    yield
    for observer in list(_observers):
        observer(DeliveryStep(name, "after", path, connection, target))


# -- what is delivered ---------------------------------------------------------------------------


def _tuple_of_keys(value: Iterable[str] | str) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def _tuple_of_files(value: Iterable[PlannedFile]) -> tuple[PlannedFile, ...]:
    return tuple(value)


@attrs.frozen
class Delivery:
    """Files that land together, and the keys (e.g. invoice tokens) their landing settles.

    Files are renamed in order: put the one the ERP polls for last.
    """

    keys: tuple[str, ...] = attrs.field(converter=_tuple_of_keys)
    files: tuple[PlannedFile, ...] = attrs.field(converter=_tuple_of_files)

    def __attrs_post_init__(self) -> None:
        if not self.keys or not all(isinstance(k, str) and k for k in self.keys):
            raise ValueError(f"Delivery.keys must be non-empty strings, got {self.keys!r}")
        if not self.files:
            raise ValueError(f"Delivery.files must name at least one file, got {self.files!r}")
        for planned in self.files:
            name = planned.name
            if "/" in name or name in {"", ".", ".."} or name != safe_remote_name(*split_name(name)):
                raise ValueError(f"PlannedFile.name {name!r} is not safe; build it with safe_remote_name()")


@attrs.frozen
class Outcome:
    """How a delivery ended: its final paths, or the error that stopped it (nothing then under a final name)."""

    delivery: Delivery
    paths: tuple[str, ...] = ()
    error: BaseException | None = None


@attrs.define
class _Staged:
    delivery: Delivery
    finals: list[str]
    temps: list[str] = attrs.Factory(list)
    renamed: int = 0  # how many files are under their final names


# -- the outbox --------------------------------------------------------------------------------


class Outbox:
    """An SFTP folder that receives batches of files exactly once, across crashes and dropped connections.

    ``taken_in``: folders whose names count as taken too (the ERP's
    ``sent/``). ``state_dir``: the journal folder (default
    ``<folder>/.nuntiq-state``). ``owner`` and ``run_tag`` name the
    temporary files and records (``is_live(run_tag)`` tells a crashed run's
    left-overs from a concurrent worker's). ``concurrency``: SFTP channels
    used at once (1 works strictly in order, one file after the other).
    A dropped connection is reconnected (at most ``max_reconnects`` times)
    and the interrupted step redone.
    """

    def __init__(
        self,
        settings: SFTPSettings,
        folder: str,
        *,
        owner: str,
        run_tag: str | None = None,
        taken_in: Sequence[str] = (),
        state_dir: str | None = None,
        concurrency: int = 4,
        is_live: Callable[[str], bool] | None = None,
        logger: ConnectorLogger | None = None,
        max_reconnects: int = MAX_RECONNECTS,
    ) -> None:
        if isinstance(concurrency, bool) or not isinstance(concurrency, int) or not 1 <= concurrency <= 32:
            raise ValueError(f"concurrency must be an integer from 1 to 32, got {concurrency!r}")
        for name, value in [("folder", folder), *((f"taken_in[{i}]", d) for i, d in enumerate(taken_in))]:
            if not isinstance(value, str) or not value.startswith("/") or ".." in value.split("/"):
                raise ValueError(f"{name} must be an absolute remote path without '..', got {value!r}")
        self.settings = settings
        self.folder = folder.rstrip("/") or "/"
        self.owner = owner
        self.run_tag = run_tag
        self.taken_in = [d.rstrip("/") or "/" for d in taken_in]
        self.is_live = is_live
        self.logger = logger
        self.max_reconnects = max_reconnects
        self.reconnects = 0
        self.connection = connect_sftp(settings, owner=owner, run_tag=run_tag)
        self.journal = DeliveryJournal(self.connection, state_dir or posixpath.join(self.folder, ".nuntiq-state"))
        self._pool = ThreadPoolExecutor(concurrency, "nuntiq-sftp") if concurrency > 1 else None
        self._local = threading.local()
        self._channels: list[SFTPConnection] = []
        self._generation = 0
        self._lock = threading.Lock()
        self._records: dict[str, dict[str, list[FileEntry]]] = {}  # parsed once: records are never rewritten
        self._settled: set[str] = set()  # keys whose result is reported (or known to be)
        self._cleaned = False
        self._liveness: dict[str, bool] = {}

    def __enter__(self) -> Outbox:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        for channel in self._channels:
            with contextlib.suppress(*CONNECTION_ERRORS):
                channel.close()
        self.connection.close()

    # -- connections ---------------------------------------------------------------------------

    def _channel(self) -> SFTPConnection:
        """This thread's channel over the current transport (the main connection when working in order)."""
        if self._pool is None:
            return self.connection
        local = self._local
        if getattr(local, "generation", None) != self._generation:
            local.connection = self.connection.open_channel()
            local.generation = self._generation
            with self._lock:
                self._channels.append(local.connection)
        connection: SFTPConnection = local.connection
        return connection

    def _dropped(self, error: BaseException | None) -> bool:
        return isinstance(error, CONNECTION_ERRORS) and not self.connection.transport.is_active()

    def _reconnect(self) -> None:
        self.reconnects += 1
        if self.logger is not None:
            self.logger.warn("SFTP connection lost; reconnecting", step="sftp_connect")
        dropped = self.connection
        with contextlib.suppress(*CONNECTION_ERRORS):
            dropped.close()
        self.connection = connect_sftp(self.settings, owner=self.owner, run_tag=self.run_tag)
        self.connection.remove_left_by(dropped)
        self.journal.connection = self.connection
        self._generation += 1

    def _retrying(self, action: Callable[[], _T]) -> _T:
        """Run ``action`` on the main connection; if the connection dropped, reconnect and run it once more."""
        try:
            return action()
        except CONNECTION_ERRORS as exc:
            if not self._dropped(exc) or self.reconnects >= self.max_reconnects:
                raise
        self._reconnect()
        return action()

    def _run(self, work: Callable[[_Staged], None], items: Sequence[_Staged]) -> list[BaseException | None]:
        futures = [self._submit(work, item) for item in items]
        return [_error_of(future) for future in futures]

    def _submit(self, work: Callable[[_Staged], None], item: _Staged) -> Future[None]:
        if self._pool is not None:
            return self._pool.submit(work, item)
        future: Future[None] = Future()
        try:
            work(item)
            future.set_result(None)
        except Exception as exc:
            future.set_exception(exc)
        return future

    def _with_redo(
        self, items: Sequence[_Staged], errors: list[BaseException | None], redo: Callable[[_Staged], None]
    ) -> list[BaseException | None]:
        """Redo the items a dropped connection interrupted, after a reconnect (bounded per run)."""
        while any(self._dropped(e) for e in errors) and self.reconnects < self.max_reconnects:
            self._reconnect()
            again = [i for i, e in enumerate(errors) if isinstance(e, CONNECTION_ERRORS)]
            for index, error in zip(again, self._run(redo, [items[i] for i in again]), strict=True):
                errors[index] = error
        return errors

    # -- batches -------------------------------------------------------------------------------

    def batch(self) -> OutboxBatch:
        """List the outbox, ``taken_in`` and the journal once; the first batch also cleans a crashed run's files."""
        return self._retrying(self._scan)

    def _scan(self) -> OutboxBatch:
        connection = self.connection
        entries = connection.sftp.listdir_attr(self.folder)
        taken = {entry.filename for entry in entries}
        for folder in self.taken_in:
            with contextlib.suppress(FileNotFoundError):
                taken.update(connection.list_names(folder))
        try:
            journal_entries = connection.sftp.listdir_attr(self.journal.state_dir)
            self.journal._ready = True
        except FileNotFoundError:
            journal_entries = []
        names = [e.filename for e in journal_entries if is_record_name(e.filename)]
        for name in names:
            if name not in self._records:
                parsed = self.journal.read_record(name)
                if parsed is not None:
                    self._records[name] = parsed
        if not self._cleaned:
            self._clean(entries, journal_entries)
        present = set(names)
        for name in [n for n in self._records if n not in present]:
            del self._records[name]  # removed by another worker
        return OutboxBatch(self, taken)

    def _clean(
        self, entries: Sequence[paramiko.SFTPAttributes], journal_entries: Sequence[paramiko.SFTPAttributes]
    ) -> None:
        """A crashed run's temporary files, and records it was writing that do not parse (dead runs only).

        Runs after the records were read (``_scan``): a record of this owner that is not among them is torn.
        """
        removed = self.connection.clean_stale_temp_files(self.folder, self._run_is_live, entries)
        if journal_entries:
            removed += self.connection.clean_stale_temp_files(
                self.journal.state_dir, self._run_is_live, journal_entries
            )
        for entry in journal_entries:
            name = entry.filename
            whose = record_owner_and_run(name)
            if whose is None or whose[0] != safe_remote_name(self.owner):
                continue
            if not stat.S_ISREG(entry.st_mode or 0) or self._run_is_live(whose[1]):
                continue
            if name not in self._records:  # torn: the run died writing it, before any rename
                path = posixpath.join(self.journal.state_dir, name)
                with contextlib.suppress(FileNotFoundError):  # another worker's clean-up was first
                    self.connection.remove(path)
                    removed.append(path)
        for path in removed:
            if self.logger is not None:
                self.logger.info(f"Removed stale temporary file {path}", step="cleanup")
        self._cleaned = True

    def records(self, *, left_by_dead_runs: bool = False) -> dict[str, list[str]]:
        """The keys of each journal record the last listing found, by record name.

        ``left_by_dead_runs``: only records of runs that are over (by
        ``is_live``; records of earlier versions count as such), the ones
        whose reported keys a caller settles so that they go.
        """
        found = {}
        for name, parsed in self._records.items():
            whose = record_owner_and_run(name)
            if left_by_dead_runs and whose is not None and self._run_is_live(whose[1]):
                continue
            found[name] = list(parsed)
        return found

    def _run_is_live(self, run_tag: str) -> bool:
        if run_tag == self.connection.run_tag:
            return True
        if self.is_live is None:
            return False
        if run_tag not in self._liveness:
            self._liveness[run_tag] = self.is_live(run_tag)
        return self._liveness[run_tag]

    def settle(self, key: str) -> None:
        """``key``'s result is reported (or known to be): a record is removed once all its keys are settled."""
        with self._lock:
            self._settled.add(key)

    def forget_settled(self) -> None:
        """Remove every known record whose keys are all settled (best effort: a stale record costs a read)."""
        for name, parsed in list(self._records.items()):
            if set(parsed) <= self._settled:
                self._forget(posixpath.join(self.journal.state_dir, name))
                self._records.pop(name, None)

    def _forget(self, path: str) -> None:
        with _step("forget", path, self.connection), contextlib.suppress(*CONNECTION_ERRORS):
            self._retrying(lambda: self.journal.remove_record(path))

    # -- the steps of one batch (called by OutboxBatch) ----------------------------------------------

    def _upload(self, staged: _Staged) -> None:
        connection = self._channel()
        for planned in staged.delivery.files:
            staged.temps.append(connection.temp_path(planned.remote_dir, planned.name))
            with _step("upload", staged.temps[-1], connection):
                connection.write_file(staged.temps[-1], planned.data)

    def _upload_again(self, staged: _Staged) -> None:
        for temp in staged.temps:
            self._channel()._remove_quietly(temp)
        staged.temps.clear()
        self._upload(staged)

    def _write_record(self, staged: Sequence[_Staged], connection: SFTPConnection | None = None) -> None:
        connection = connection or self.connection
        deliveries = [
            (s.delivery.keys, [FileEntry.of(f, p.data) for f, p in zip(s.finals, s.delivery.files, strict=True)])
            for s in staged
        ]
        path = self.journal.new_record_path()
        with _step("record", path, connection):
            self.journal.write_record(deliveries, connection, path=path)
        parsed: dict[str, list[FileEntry]] = {}
        for keys, entries in deliveries:
            for key in keys:
                parsed.setdefault(key, []).extend(entries)
        with self._lock:
            self._records[posixpath.basename(path)] = parsed

    def _rename(self, staged: _Staged, batch: OutboxBatch) -> None:
        connection = self._channel()
        files = staged.delivery.files
        while staged.renamed < len(files):
            index = staged.renamed
            planned, temp = files[index], staged.temps[index]
            for _attempt in range(MAX_RENAME_RACES):
                with _step("rename", temp, connection, staged.finals[index]):
                    moved = connection.rename_no_clobber(temp, staged.finals[index])
                if moved:
                    break
                # Taken meanwhile: the next free name, recorded before the file moves there.
                staged.finals[index] = batch._free_name(planned.remote_dir, planned.name)
                self._write_record([staged], connection)
            else:
                raise SFTPDeliveryError(f"{planned.name}: every free name was taken while moving; gave up")
            staged.renamed += 1

    def _rename_again(self, staged: _Staged, batch: OutboxBatch) -> None:
        """After a reconnect: a rename whose answer was lost may have happened; then the final holds our bytes."""
        connection = self._channel()
        index = staged.renamed
        if index < len(staged.temps) and not connection.exists(staged.temps[index]):
            entry = FileEntry.of(staged.finals[index], staged.delivery.files[index].data)
            if self.journal.intact(entry) is None:
                raise SFTPDeliveryError(f"{staged.temps[index]} vanished before it was renamed")
            staged.renamed += 1
        self._rename(staged, batch)

    def _discard(self, staged: _Staged) -> None:
        for temp in staged.temps[staged.renamed :]:
            self.connection._remove_quietly(temp)


def _error_of(future: Future[None]) -> BaseException | None:
    try:
        future.result()
    except Exception as exc:
        return exc
    return None


class OutboxBatch:
    """One batch of deliveries over one listing of the outbox: ``earlier(key)``, then ``deliver(...)``."""

    def __init__(self, outbox: Outbox, taken: set[str]) -> None:
        self.outbox = outbox
        self._taken: dict[str, set[str]] = {outbox.folder: taken}

    def _free_name(self, remote_dir: str, name: str) -> str:
        """The first free candidate by the one collision rule; taken from now on."""
        remote_dir = remote_dir.rstrip("/") or "/"
        with self.outbox._lock:
            if remote_dir not in self._taken:
                taken = set(self.outbox.connection.list_names(remote_dir))
                for folder in self.outbox.taken_in:
                    with contextlib.suppress(FileNotFoundError):
                        taken.update(self.outbox.connection.list_names(folder))
                self._taken[remote_dir] = taken
            taken = self._taken[remote_dir]
            for candidate in candidates(name):
                if candidate not in taken:
                    taken.add(candidate)
                    return posixpath.join(remote_dir, candidate)
        raise SFTPDeliveryError(f"no free name for {name} in {remote_dir} after {MAX_COLLISION_SUFFIX} suffixes")

    def earlier(self, key: str) -> list[str] | None:
        """The final paths of an earlier complete delivery of ``key`` (a crashed run's); None if it must be done."""
        for parsed in list(self.outbox._records.values()):
            entries = parsed.get(key)
            if entries:
                paths = self.outbox._retrying(functools.partial(self._all_intact, entries))
                if paths is not None:
                    return paths
        return None

    def _all_intact(self, entries: Sequence[FileEntry]) -> list[str] | None:
        paths = []
        for entry in entries:
            found = self._intact(entry)
            if found is None:
                return None
            paths.append(found)
        return paths

    def _intact(self, entry: FileEntry) -> str | None:
        name = posixpath.basename(entry.path)
        folder = posixpath.dirname(entry.path)
        listed = self._taken.get(folder)
        if listed is not None and name not in listed:
            return None  # neither in the folder nor in taken_in: no request needed
        return self.outbox.journal.intact(entry, self.outbox.taken_in)

    def deliver(self, deliveries: Iterable[Delivery], on_done: Callable[[Outcome], None]) -> None:
        """Deliver each of ``deliveries`` exactly once; ``on_done`` hears of each as soon as it ended.

        Uploads start as the iterable yields (so producing the next delivery
        overlaps the upload of the last); one record names every uploaded
        file's final path before the first rename; a rename that finds the
        name taken meanwhile takes the next free one, recorded first. A
        delivery that fails leaves nothing under a final name and is reported
        with its error; the others go on.
        """
        outbox = self.outbox
        staged: list[_Staged] = []
        futures: list[Future[None]] = []
        for delivery in deliveries:
            try:
                finals = [self._free_name(p.remote_dir, p.name) for p in delivery.files]
            except (SFTPDeliveryError, *CONNECTION_ERRORS) as exc:
                on_done(Outcome(delivery, error=exc))
                continue
            staged.append(_Staged(delivery, finals))
            futures.append(outbox._submit(outbox._upload, staged[-1]))
        errors = outbox._with_redo(staged, [_error_of(f) for f in futures], outbox._upload_again)
        uploaded = self._drop_failed(staged, errors, on_done)
        if not uploaded:
            return
        try:
            outbox._retrying(lambda: outbox._write_record(uploaded))
        except (SFTPDeliveryError, *CONNECTION_ERRORS) as exc:
            for item in uploaded:
                outbox._discard(item)
                on_done(Outcome(item.delivery, error=exc))
            return

        def rename(item: _Staged) -> None:
            outbox._rename(item, self)
            on_done(Outcome(item.delivery, tuple(item.finals)))

        def rename_again(item: _Staged) -> None:
            outbox._rename_again(item, self)
            on_done(Outcome(item.delivery, tuple(item.finals)))

        errors = outbox._with_redo(uploaded, outbox._run(rename, uploaded), rename_again)
        self._drop_failed(uploaded, errors, on_done)

    def _drop_failed(
        self, staged: Sequence[_Staged], errors: Sequence[BaseException | None], on_done: Callable[[Outcome], None]
    ) -> list[_Staged]:
        kept = []
        for item, error in zip(staged, errors, strict=True):
            if error is None:
                kept.append(item)
                continue
            self.outbox._discard(item)
            on_done(Outcome(item.delivery, error=error))
        return kept
