"""delta_run: the "where did I leave off" cursor of a connector's stream.

The API stores one cursor per (connector_name, stream_name). Entering
``delta_run`` starts a run and exposes the previous cursor; leaving it normally
completes the run and advances the cursor to what was set; leaving it with an
exception marks the run failed (the cursor stays where it was) and re-raises.

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
from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any

from generated_client.api.delta import complete_delta_run, fail_delta_run, start_delta_run
from generated_client.api.delta import get_delta_state as get_delta_state_endpoint
from generated_client.models import DeltaRunComplete, DeltaRunFail, DeltaRunStart
from nuntiq_sdk._exceptions import FieldProblem, NuntiqError, ValidationError
from nuntiq_sdk._generated.views import DeltaRun, DeltaState
from nuntiq_sdk._http import call, call_view
from nuntiq_sdk._validation import RequestSchema

if TYPE_CHECKING:
    from nuntiq_sdk._context import JobContext

__all__ = ["DeltaRunHandle", "delta_run", "get_delta_state"]

_ERROR_MESSAGE_MAX = int(RequestSchema.of("DeltaRunFail").properties["error_message"]["maxLength"])


class DeltaRunHandle:
    """The run in progress: read the previous cursor, set what completing should store."""

    def __init__(self, run: DeltaRun) -> None:
        self.run = run
        self._new_cursor: str | None = None
        self._records_processed = 0
        self._metadata: dict[str, Any] = {}

    @property
    def run_id(self) -> str:
        return self.run.run_id

    @property
    def previous_cursor(self) -> str | None:
        """The cursor the last completed run stored; None on a stream's first run."""
        return self.run.previous_cursor

    @property
    def cursor_type(self) -> str:
        return self.run.cursor_type

    def set_new_cursor(self, cursor: str) -> None:
        problems = RequestSchema.of("DeltaRunComplete").problems({"new_cursor": cursor})
        if problems:
            raise ValidationError(problems)
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


class delta_run:
    """Context manager around one run of a stream (see the module docstring)."""

    def __init__(
        self,
        context: JobContext,
        connector_name: str,
        stream_name: str,
        cursor_type: str = "timestamp_utc",
        run_ttl_seconds: int | None = None,
    ) -> None:
        values: dict[str, Any] = {
            "connector_name": connector_name,
            "stream_name": stream_name,
            "cursor_type": cursor_type,
        }
        if run_ttl_seconds is not None:
            values["run_ttl_seconds"] = run_ttl_seconds
        RequestSchema.of("DeltaRunStart").check(values)
        self._context = context
        self._start = DeltaRunStart.from_dict(values)
        self._handle: DeltaRunHandle | None = None

    def __enter__(self) -> DeltaRunHandle:
        run = call_view(DeltaRun.from_dict, start_delta_run.sync_detailed, client=self._context.api, body=self._start)
        self._handle = DeltaRunHandle(run)
        self._context.logger.debug(
            f"Delta run {run.run_id} started; previous cursor {self._handle.previous_cursor!r}",
            step="delta",
            detail={"stream": f"{run.connector_name}/{run.stream_name}"},
        )
        return self._handle

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        handle = self._handle
        assert handle is not None, "delta_run exited without entering"
        api = self._context.api
        if exc is None:
            call(complete_delta_run.sync_detailed, handle.run_id, client=api, body=handle._completion())
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
        DeltaState.from_dict, get_delta_state_endpoint.sync_detailed, connector_name, stream_name, client=context.api
    )
