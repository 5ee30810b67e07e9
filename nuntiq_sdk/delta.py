"""delta_run: the "where did I leave off" cursor of a connector's stream.

The API stores one cursor per (connector_name, stream_name). Entering
``delta_run`` starts a run and exposes the previous cursor; leaving it normally
completes the run and moves the cursor to what was set, only ever forward;
leaving it with an exception marks the run failed (the cursor stays where it
was) and re-raises.

Several workers of one connector may run the same stream at once (the product
docs' SFTP push promises it): runs are shared unless ``exclusive=True``. A run
holds a short lease (``run_ttl_seconds``, 60 by default) that a background
thread renews every third of it while the block runs, so a killed worker's run
lapses within a minute and blocks nothing. Completing compares cursors by
``cursor_type`` (instants for ``timestamp_utc``, numbers for ``integer``): a
slow run cannot move the cursor back; ``r.cursor_outcome`` says what happened.

Example::

    with delta_run(context, "acme_erp_push", "pushed_invoices", cursor_type="timestamp_utc") as r:
        since = r.previous_cursor  # None on the first run
        ...
        r.set_new_cursor("2026-05-17T08:00:00Z")
        r.set_records_processed(42)
        r.set_metadata({"pushed": 41, "failed": 1})
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Mapping
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any

from generated_client.api.delta import complete_delta_run, fail_delta_run, heartbeat_delta_run, start_delta_run
from generated_client.api.delta import get_delta_run as get_delta_run_endpoint
from generated_client.api.delta import get_delta_state as get_delta_state_endpoint
from generated_client.models import DeltaRunComplete, DeltaRunFail, DeltaRunStart
from nuntiq_sdk._exceptions import (
    DeltaRunFinishedError,
    DeltaRunNotFoundError,
    FieldProblem,
    NuntiqError,
    ValidationError,
)
from nuntiq_sdk._generated.views import DeltaRun, DeltaState
from nuntiq_sdk._http import call, call_view
from nuntiq_sdk._validation import RequestSchema

if TYPE_CHECKING:
    from nuntiq_sdk._context import JobContext

__all__ = ["DeltaRunHandle", "delta_run", "get_delta_run", "get_delta_state", "is_run_live"]

_ERROR_MESSAGE_MAX = int(RequestSchema.of("DeltaRunFail").properties["error_message"]["maxLength"])
DEFAULT_RUN_TTL_SECONDS = int(RequestSchema.of("DeltaRunStart").properties["run_ttl_seconds"]["default"])
_INTEGER = re.compile(r"^-?[0-9]{1,30}$")


def _cursor_problem(cursor_type: str, cursor: str) -> str | None:
    """Why ``cursor`` cannot be compared under ``cursor_type`` (the API refuses it too), or None."""
    if cursor_type == "timestamp_utc":
        try:
            parsed = datetime.fromisoformat(cursor)
        except ValueError:
            return "is not an ISO-8601 instant (cursor_type timestamp_utc), e.g. 2026-05-17T08:00:00Z"
        if parsed.tzinfo is None:
            return "has no UTC offset; add Z or +HH:MM (cursor_type timestamp_utc)"
    elif cursor_type == "integer" and _INTEGER.match(cursor) is None:
        return "is not a whole number (cursor_type integer)"
    return None


class DeltaRunHandle:
    """The run in progress: read the previous cursor, set what completing should store."""

    def __init__(self, run: DeltaRun) -> None:
        self.run = run
        self._new_cursor: str | None = None
        self._records_processed = 0
        self._metadata: dict[str, Any] = {}
        self._lost: DeltaRunFinishedError | None = None
        self.completed: DeltaRun | None = None  # the API's answer once the run completed

    @property
    def run_id(self) -> str:
        return self.run.run_id

    @property
    def previous_cursor(self) -> str | None:
        """The cursor the stream held when this run started; None on a stream's first run."""
        return self.run.previous_cursor

    @property
    def cursor_type(self) -> str:
        return self.run.cursor_type

    @property
    def exclusive(self) -> bool:
        return self.run.exclusive is True

    @property
    def lease_lost(self) -> bool:
        """True once a heartbeat was refused: an exclusive run's stream may belong to another run now."""
        return self._lost is not None

    def check_lease(self) -> None:
        """Raise the refusal if the run lost its lease; an exclusive run's long loop calls this between items."""
        if self._lost is not None:
            raise self._lost

    @property
    def cursor_outcome(self) -> str | None:
        """After completing: ``advanced``, ``kept_current`` (the stream held a newer cursor) or ``not_given``."""
        return None if self.completed is None else self.completed.cursor_outcome

    @property
    def stream_cursor(self) -> str | None:
        """After completing: the stream's cursor (this run's, or the newer one it kept)."""
        return None if self.completed is None else self.completed.stream_cursor

    def set_new_cursor(self, cursor: str | datetime) -> None:
        """What completing should store; for ``timestamp_utc`` a datetime with a timezone is accepted too."""
        if isinstance(cursor, datetime) and self.cursor_type == "timestamp_utc":
            if cursor.tzinfo is None:
                raise ValidationError([FieldProblem("new_cursor", cursor, "is a naive datetime; give it a timezone")])
            cursor = cursor.isoformat().replace("+00:00", "Z")
        problems = RequestSchema.of("DeltaRunComplete").problems({"new_cursor": cursor})
        if not problems and isinstance(cursor, str):
            why = _cursor_problem(self.cursor_type, cursor)
            if why:
                problems = [FieldProblem("new_cursor", cursor, why)]
        if problems:
            raise ValidationError(problems)
        assert isinstance(cursor, str)
        self._new_cursor = cursor

    def set_records_processed(self, count: int) -> None:
        problems = RequestSchema.of("DeltaRunComplete").problems({"records_processed": count})
        if problems:
            raise ValidationError(problems)
        self._records_processed = count

    def set_metadata(self, metadata: Mapping[str, Any]) -> None:
        try:
            self._metadata = json.loads(json.dumps(dict(metadata)))
        except (TypeError, ValueError) as exc:
            raise ValidationError([FieldProblem("metadata", metadata, f"must be JSON-serialisable: {exc}")]) from None

    def _completion(self) -> DeltaRunComplete:
        body: dict[str, Any] = {"records_processed": self._records_processed, "metadata": self._metadata}
        if self._new_cursor is not None:
            body["new_cursor"] = self._new_cursor
        return DeltaRunComplete.from_dict(body)


class _Heartbeat:
    """Renews a run's lease from a daemon thread until stopped; records a refusal on the handle."""

    def __init__(self, context: JobContext, handle: DeltaRunHandle, interval: float) -> None:
        self._context = context
        self._handle = handle
        self._interval = interval
        self._stop = threading.Event()
        self.beats = 0
        self._thread = threading.Thread(target=self._loop, name=f"delta-heartbeat-{handle.run_id}", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        handle = self._handle
        while not self._stop.wait(self._interval):
            try:
                handle.run = call_view(
                    DeltaRun.from_dict, heartbeat_delta_run.sync_raw, handle.run_id, client=self._context.api
                )
                self.beats += 1
            except DeltaRunFinishedError as refused:
                handle._lost = refused
                self._context.logger.error(f"Delta run {handle.run_id} lost its lease: {refused}", step="delta")
                return
            except NuntiqError as exc:  # a blip: the next beat comes well before the lease lapses
                self._context.logger.warn(f"Heartbeat of delta run {handle.run_id} failed: {exc}", step="delta")
            except Exception as exc:  # e.g. the context was closed under a run never exited: stop beating
                self._context.logger.debug(f"Heartbeat of delta run {handle.run_id} stopped: {exc!r}", step="delta")
                return

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


class delta_run:
    """Context manager around one run of a stream (see the module docstring).

    ``run_ttl_seconds`` is the run's lease (default 60): a killed worker's run
    lapses that long after its last heartbeat. ``exclusive=True`` keeps other
    runs of the stream out while this one lives (409 ``DeltaRunActiveError``
    on enter otherwise). ``heartbeat_interval`` defaults to a third of the lease.
    """

    def __init__(
        self,
        context: JobContext,
        connector_name: str,
        stream_name: str,
        cursor_type: str = "timestamp_utc",
        run_ttl_seconds: int | None = None,
        *,
        exclusive: bool = False,
        heartbeat_interval: float | None = None,
    ) -> None:
        values: dict[str, Any] = {
            "connector_name": connector_name,
            "stream_name": stream_name,
            "cursor_type": cursor_type,
            "exclusive": exclusive,
        }
        if run_ttl_seconds is not None:
            values["run_ttl_seconds"] = run_ttl_seconds
        extra: list[FieldProblem] = []
        ttl = run_ttl_seconds if isinstance(run_ttl_seconds, int) else DEFAULT_RUN_TTL_SECONDS
        if heartbeat_interval is not None and not (
            isinstance(heartbeat_interval, int | float) and 0 < heartbeat_interval < ttl
        ):
            extra.append(
                FieldProblem("heartbeat_interval", heartbeat_interval, f"must be a number of seconds in (0, {ttl})")
            )
        RequestSchema.of("DeltaRunStart").check(values, extra=extra)
        self._context = context
        self._start = DeltaRunStart.from_dict(values)
        self._interval = float(heartbeat_interval) if heartbeat_interval is not None else ttl / 3
        self._handle: DeltaRunHandle | None = None
        self._heartbeat: _Heartbeat | None = None

    def __enter__(self) -> DeltaRunHandle:
        run = call_view(DeltaRun.from_dict, start_delta_run.sync_raw, client=self._context.api, body=self._start)
        self._handle = DeltaRunHandle(run)
        self._heartbeat = _Heartbeat(self._context, self._handle, self._interval)
        self._context.logger.debug(
            f"Delta run {run.run_id} started; previous cursor {self._handle.previous_cursor!r}",
            step="delta",
            detail={"stream": f"{run.connector_name}/{run.stream_name}", "exclusive": self._handle.exclusive},
        )
        return self._handle

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        handle = self._handle
        assert handle is not None, "delta_run exited without entering"
        if self._heartbeat is not None:
            self._heartbeat.stop()
        api = self._context.api
        if exc is None:
            handle.completed = call_view(
                DeltaRun.from_dict,
                complete_delta_run.sync_raw,
                handle.run_id,
                client=api,
                body=handle._completion(),
            )
            if handle.cursor_outcome == "kept_current":
                self._context.logger.info(
                    f"Delta run {handle.run_id}: the stream keeps cursor {handle.stream_cursor!r};"
                    f" this run's {handle._new_cursor!r} is not past it (another run completed first)",
                    step="delta",
                )
            return
        # The message is stored by the API: it must not carry a secret the exception quoted.
        message = self._context.logger.redact(f"{type(exc).__name__}: {exc}")[:_ERROR_MESSAGE_MAX]
        try:
            call(fail_delta_run.sync_detailed, handle.run_id, client=api, body=DeltaRunFail(error_message=message))
        except NuntiqError as fail_error:
            # The original exception matters more; the run lapses to `abandoned` on its own.
            self._context.logger.error(f"Could not mark delta run {handle.run_id} failed: {fail_error}", step="delta")
        # Returning None re-raises the original exception.


def get_delta_state(context: JobContext, connector_name: str, stream_name: str) -> DeltaState:
    """The stored cursor and latest run of a stream (404 NotFoundError if it never ran)."""
    return call_view(
        DeltaState.from_dict, get_delta_state_endpoint.sync_raw, connector_name, stream_name, client=context.api
    )


def get_delta_run(context: JobContext, run_id: str) -> DeltaRun:
    """One run (404 NotFoundError if unknown)."""
    return call_view(DeltaRun.from_dict, get_delta_run_endpoint.sync_raw, run_id, client=context.api)


def is_run_live(context: JobContext, run_id: str) -> bool:
    """Whether a run still holds its lease (running): what it left on a server may still be in use."""
    try:
        return get_delta_run(context, run_id).status == "running"
    except DeltaRunNotFoundError:
        return False
