"""``ConnectorLogger``: the ``context.logger`` of a job, on top of stdlib logging.

Each record goes to two places:

* the console (stderr unless told otherwise), one readable line per record::

      05:01:02 INFO  claim      Claimed 3 invoice(s)  invoice_number=INV-1 remote_path=/x

* when a work_dir is given, ``<work_dir>/logs/connector.jsonl``: one JSON object
  per line with ``ts``, ``level``, ``logger``, ``message``, ``step``, ``detail``
  (and ``exception`` when there is one). The file gets every level; the
  console gets ``level`` (INFO) and above.

The records are ordinary stdlib records on the ``nuntiq_sdk.connector``
logger, and the two handlers sit on the ``nuntiq_sdk`` logger, so the SDK's
own loggers (``nuntiq_sdk.http`` logs retries) appear in the same console and
file, and any handler the host application installs receives the records
too (they propagate as usual).

Secrets never leave the process: every registered secret is replaced by
``***`` in the message, the step, ``detail`` values at any depth (including
the repr of values that are not JSON) and the exception text, before the
record is created; the two handlers also redact everything they write,
whichever ``nuntiq_sdk`` logger the record came from. The traceback of an
``exc_info`` is rendered (redacted) into the record's ``exc_text``; the
exception object itself is not attached, so no handler can re-render it.
A secret shorter than 8 characters is replaced only where it stands alone
(not inside a longer run of letters and digits), so that a short password
such as ``ab12`` does not turn ``tab123`` into ``t***3``.

``console_tracebacks`` (default true) says whether the console shows the
traceback of a record; the file always has it. ``nuntiq run`` turns it off
unless ``--verbose``, so that an expected failure reads as one line there.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import json
import logging
import os
import re
import sys
import threading
import traceback
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

from nuntiq_sdk._config import CONNECTOR_LOGGER_NAME, LOG_DIR_NAME, LOG_FILE_NAME, REDACTED, SDK_LOGGER_NAME

__all__ = ["ConnectorLogger", "Redactor"]

_MAX_DEPTH = 20
_SHORT_LEVELS = {logging.WARNING: "WARN", logging.CRITICAL: "CRIT"}
_STEP_WIDTH = 10
_LOGGER_ID = "nuntiq_logger_id"
_SHORT_SECRET = 8
# The password of scheme://user:password@host, registered or not.
_URL_PASSWORD = re.compile(r"(?P<head>\b[A-Za-z][A-Za-z0-9+.-]*://[^\s/:@]*:)[^\s/@]+(?=@)")
_WORD = "A-Za-z0-9"

ExcInfo = bool | BaseException | None


class Redactor:
    """Replaces every registered secret, and any URL's password, by ``***``; longest secrets first."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: frozenset[str] = frozenset()
        self._pattern: re.Pattern[str] | None = None

    def add(self, secret: str) -> None:
        if not isinstance(secret, str) or not secret.strip():
            return
        with self._lock:
            if secret in self._secrets:
                return
            secrets = self._secrets | {secret}
            ordered = sorted(secrets, key=len, reverse=True)  # alternation tries these in order
            self._pattern = re.compile("|".join(_secret_pattern(s) for s in ordered))
            self._secrets = secrets

    def text(self, text: str) -> str:
        pattern = self._pattern
        if pattern is not None:
            text = pattern.sub(REDACTED, text)
        return _URL_PASSWORD.sub(rf"\g<head>{REDACTED}", text) if "://" in text else text

    def value(self, value: object, depth: int = 0) -> Any:
        """``value`` as JSON-compatible data with every secret redacted."""
        if isinstance(value, str):
            return self.text(value)
        if value is None or isinstance(value, bool | int | float):
            return value
        if depth >= _MAX_DEPTH:
            return self.text(repr(value))
        if isinstance(value, Mapping):
            return {self.text(str(key)): self.value(item, depth + 1) for key, item in value.items()}
        if isinstance(value, list | tuple | set | frozenset):
            return [self.value(item, depth + 1) for item in value]
        if isinstance(value, os.PathLike | _dt.date | _dt.time | decimal.Decimal | uuid.UUID):
            return self.text(str(value))
        return self.text(repr(value))


def _secret_pattern(secret: str) -> str:
    """A long secret anywhere; a short one only where no letter or digit touches it on either side."""
    escaped = re.escape(secret)
    if len(secret) >= _SHORT_SECRET:
        return escaped
    return rf"(?<![{_WORD}]){escaped}(?![{_WORD}])"


def _step_of(record: logging.LogRecord) -> str | None:
    step = getattr(record, "step", None)
    if step:
        return str(step)
    if getattr(record, _LOGGER_ID, None) is not None:
        return None
    # A record from another SDK logger: name it by its logger, e.g. "http".
    return record.name.removeprefix(SDK_LOGGER_NAME + ".") if record.name != SDK_LOGGER_NAME else None


def _exception_text(formatter: logging.Formatter, record: logging.LogRecord) -> str:
    if record.exc_text:
        return record.exc_text
    if record.exc_info:
        return formatter.formatException(record.exc_info)
    return ""


class _ConsoleFormatter(logging.Formatter):
    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self._redactor = redactor
        self.tracebacks = True

    def format(self, record: logging.LogRecord) -> str:
        stamp = _dt.datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
        level = _SHORT_LEVELS.get(record.levelno, record.levelname)
        line = f"{stamp} {level:<5} {_step_of(record) or '':<{_STEP_WIDTH}} {record.getMessage()}"
        # Library records (nuntiq_sdk.http) say it all in the message; their detail is for the file.
        detail = getattr(record, "detail", None) if getattr(record, _LOGGER_ID, None) else None
        if isinstance(detail, Mapping) and detail:
            line += "  " + " ".join(f"{key}={_console_value(value)}" for key, value in detail.items())
        exception = _exception_text(self, record) if self.tracebacks else ""
        if exception:
            line += "\n" + exception
        if record.stack_info and self.tracebacks:
            line += "\n" + self.formatStack(record.stack_info)
        return self._redactor.text(line)


def _console_value(value: object) -> str:
    if isinstance(value, str):
        return value if value and not any(c.isspace() or c in "\"'=" for c in value) else json.dumps(value)
    return json.dumps(value, ensure_ascii=False, default=str)


class _JsonFormatter(logging.Formatter):
    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self._redactor = redactor

    def format(self, record: logging.LogRecord) -> str:
        redact = self._redactor
        stamp = _dt.datetime.fromtimestamp(record.created, tz=_dt.UTC)
        step = _step_of(record)
        entry: dict[str, Any] = {
            "ts": stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact.text(record.getMessage()),
            "step": redact.text(step) if step else None,
            "detail": redact.value(getattr(record, "detail", None)),
        }
        exception = _exception_text(self, record)
        if exception:
            entry["exception"] = redact.text(exception)
        return json.dumps(entry, ensure_ascii=False, default=str)


class _OwnRecords(logging.Filter):
    """Lets through this logger's records and the SDK's library records, not other ConnectorLoggers'."""

    def __init__(self, logger_id: str) -> None:
        super().__init__()
        self._logger_id = logger_id

    def filter(self, record: logging.LogRecord) -> bool:
        owner = getattr(record, _LOGGER_ID, None)
        return owner is None or owner == self._logger_id


class ConnectorLogger:
    """The job's logger: ``info/warn/warning/error/debug(message, step=None, detail=None)``.

    ``secrets`` are redacted wherever they would appear; ``add_secret`` adds
    more. ``work_dir`` enables the JSON-lines file; ``console`` is the stream
    for readable lines (default ``sys.stderr``) and ``level`` its threshold.
    Thread-safe. ``close()`` detaches the handlers and closes the file.
    """

    def __init__(
        self,
        *,
        secrets: Iterable[str] = (),
        work_dir: str | os.PathLike[str] | None = None,
        console: TextIO | None = None,
        level: int = logging.INFO,
    ) -> None:
        self._redactor = Redactor()
        for secret in secrets:
            self._redactor.add(secret)
        self._id = uuid.uuid4().hex
        self._logger = logging.getLogger(CONNECTOR_LOGGER_NAME)
        self._logger.setLevel(logging.DEBUG)
        self._parent = logging.getLogger(SDK_LOGGER_NAME)
        self._lock = threading.Lock()
        own = _OwnRecords(self._id)

        console_handler = logging.StreamHandler(console if console is not None else sys.stderr)
        console_handler.setLevel(level)
        self._console_formatter = _ConsoleFormatter(self._redactor)
        console_handler.setFormatter(self._console_formatter)
        console_handler.addFilter(own)
        self._handlers: list[logging.Handler] = [console_handler]

        self.log_path: Path | None = None
        if work_dir is not None:
            self.log_path = Path(work_dir) / LOG_DIR_NAME / LOG_FILE_NAME
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            file_handler = logging.FileHandler(self.log_path, mode="a", encoding="utf-8")
            file_handler.setLevel(logging.DEBUG)
            file_handler.setFormatter(_JsonFormatter(self._redactor))
            file_handler.addFilter(own)
            self._handlers.append(file_handler)

        for handler in self._handlers:
            self._parent.addHandler(handler)

    @property
    def console_tracebacks(self) -> bool:
        """Whether the console shows tracebacks (the JSON-lines file always has them)."""
        return self._console_formatter.tracebacks

    @console_tracebacks.setter
    def console_tracebacks(self, value: bool) -> None:
        self._console_formatter.tracebacks = bool(value)

    # --- secrets ---------------------------------------------------------------

    def add_secret(self, value: str) -> None:
        """Redact ``value`` from now on (empty values are ignored)."""
        self._redactor.add(value)

    def redact(self, text: str) -> str:
        """``text`` with every registered secret replaced by ``***``."""
        return self._redactor.text(text)

    # --- logging -----------------------------------------------------------------

    def debug(
        self,
        message: str,
        step: str | None = None,
        detail: Mapping[str, Any] | None = None,
        *,
        exc_info: ExcInfo = None,
    ) -> None:
        self._log(logging.DEBUG, message, step, detail, exc_info)

    def info(
        self,
        message: str,
        step: str | None = None,
        detail: Mapping[str, Any] | None = None,
        *,
        exc_info: ExcInfo = None,
    ) -> None:
        self._log(logging.INFO, message, step, detail, exc_info)

    def warning(
        self,
        message: str,
        step: str | None = None,
        detail: Mapping[str, Any] | None = None,
        *,
        exc_info: ExcInfo = None,
    ) -> None:
        self._log(logging.WARNING, message, step, detail, exc_info)

    warn = warning  # the product docs' spelling

    def error(
        self,
        message: str,
        step: str | None = None,
        detail: Mapping[str, Any] | None = None,
        *,
        exc_info: ExcInfo = None,
    ) -> None:
        self._log(logging.ERROR, message, step, detail, exc_info)

    def exception(self, message: str, step: str | None = None, detail: Mapping[str, Any] | None = None) -> None:
        """``error`` with the exception being handled."""
        self._log(logging.ERROR, message, step, detail, True)

    def _log(
        self, level: int, message: str, step: str | None, detail: Mapping[str, Any] | None, exc_info: ExcInfo
    ) -> None:
        if not self._logger.isEnabledFor(level):
            return
        redact = self._redactor
        extra = {
            "step": redact.text(str(step)) if step else None,
            "detail": redact.value(detail) if detail else None,
            _LOGGER_ID: self._id,
        }
        filename, lineno, func, _ = self._logger.findCaller(stacklevel=3)
        record = self._logger.makeRecord(
            self._logger.name, level, filename, lineno, redact.text(str(message)), (), None, func, extra
        )
        exception = _format_exc_info(exc_info)
        if exception:
            record.exc_text = redact.text(exception)
        self._logger.handle(record)

    # --- lifecycle -----------------------------------------------------------------

    def close(self) -> None:
        """Detach the handlers and close the log file; later records go nowhere of ours."""
        with self._lock:
            handlers, self._handlers = self._handlers, []
        for handler in handlers:
            self._parent.removeHandler(handler)
            handler.close()

    def __enter__(self) -> ConnectorLogger:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ConnectorLogger(log_path={self.log_path!r})"


def _format_exc_info(exc_info: ExcInfo) -> str:
    if not exc_info:
        return ""
    if isinstance(exc_info, BaseException):
        error: BaseException | None = exc_info
    else:
        error = sys.exc_info()[1]
    if error is None:
        return ""
    return "".join(traceback.format_exception(error)).rstrip("\n")
