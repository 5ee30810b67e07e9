"""``nuntiq run PATH.py --settings settings.json [--job-param K=V ...] [--verbose]``: run one connector.

Builds the JobContext from settings.json, calls the module's ``run(context)``
and prints the summary it returns. On a terminal a status line under the log
shows the elapsed time and what the connector has done so far (log records
counted by step); when the output is not a terminal, only plain log lines are
written.

A failure reads as at most two lines on the console: what failed and where
(operation, host:port, request id), then the likely fix and the JSON-lines log
that holds the traceback; ``--verbose`` prints the traceback too. Every
registered secret is redacted. Exit codes (``EXIT_CODES``): 0 done; 1 the job
failed, including a run that ended with work undone (``JobIncompleteError``,
whose summary is still printed); 2 bad arguments or settings, wherever the
``ConfigError`` is raised (building the context or inside the connector).
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import json
import logging
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from types import ModuleType, TracebackType
from typing import Any, TextIO

import attrs
import httpx

from nuntiq_sdk import (
    APIConnectionError,
    APIResponseError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    ConfigError,
    InternalServerError,
    JobContext,
    JobIncompleteError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
)
from nuntiq_sdk._config import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT
from nuntiq_sdk._lib_alias import install as install_lib_alias
from nuntiq_sdk.settings import describe_settings, format_settings_table, option, secret

__all__ = ["EXIT_CODES", "configure", "load_connector", "run"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
EXIT_CODES = f"""exit codes:
  {EXIT_OK}  done: the summary is printed on stdout
  {EXIT_FAILED}  the job failed, or ended with work undone (e.g. invoices delivered but not reported;
     the summary is still printed); the log (<work-dir>/logs/connector.jsonl) has the traceback
  {EXIT_USAGE}  bad arguments or settings (a ConfigError, also when the connector raises one)"""

_SPINNER = "|/-\\"
_CLEAR = "\r\033[K"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EXIT_CODES
    parser.add_argument(
        "path", type=Path, help="the connector: its folder, or its module (a .py file with run(context))"
    )
    parser.add_argument("--settings", type=Path, help="settings.json for the job (required unless --describe)")
    parser.add_argument(
        "--describe", action="store_true", help="print the settings the connector reads (types, defaults) and exit"
    )
    parser.add_argument(
        "--job-param", action="append", default=[], metavar="K=V", help="a job parameter (repeatable, each key once)"
    )
    parser.add_argument("--work-dir", type=Path, help="folder for local files and logs (default: a temporary one)")
    parser.add_argument(
        "--verbose", action="store_true", help="print tracebacks on the console too (the log file always has them)"
    )


def load_connector(path: Path) -> Callable[[JobContext], Any]:
    """Import the connector file as a module of its own and return its ``run``."""
    entry = getattr(load_module(path), "run", None)
    if not callable(entry):
        raise AttributeError(f"{path} has no run(context) function")
    return entry  # type: ignore[no-any-return]


def connector_file(path: Path) -> Path:
    """The connector module: ``path`` itself, or in a connector folder the ``.py`` named after the folder."""
    if path.is_dir():
        candidates = [path / f"{path.name}.py", path / "connector.py"]
        found = [c for c in candidates if c.is_file()]
        if not found:
            raise FileNotFoundError(f"connector folder {path} holds no {path.name}.py")
        return found[0]
    return path


def load_module(path: Path) -> ModuleType:
    """Import the connector (a file, or a connector folder) as a module of its own."""
    path = connector_file(path)
    if not path.is_file():
        raise FileNotFoundError(f"connector {path} does not exist")
    name = f"nuntiq_connector_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"{path} is not a Python module")
    module: ModuleType = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    install_lib_alias()  # the product docs' `lib.objects.*`, `lib.delta`, `lib.context` imports
    sys.path.insert(0, str(path.resolve().parent))  # a connector may import its sibling modules
    spec.loader.exec_module(module)
    return module


@attrs.frozen
class ApiSettings:
    """The API settings every job reads (checked by ``JobContext.from_settings``); listed by ``--describe``."""

    customer_number: str = option(help="Top-level key of settings.json, not in config: the customer's number.")
    api_base_url: str = option(help="The API root with its version, e.g. https://host/v1 (or NUNTIQ_API_URL).")
    api_timeout_seconds: float = option(default=DEFAULT_TIMEOUT, help="Seconds to wait for each API answer.")
    api_max_retries: int = option(default=DEFAULT_MAX_RETRIES, minimum=0, help="Retries of a failed API call.")
    api_verify_tls: bool = option(default=True, help="Verify the API's TLS certificate.")
    work_dir: str | None = option(default=None, help="Folder for local files and logs (relative: to settings.json).")
    api_token: str = secret(help="The API token (or NUNTIQ_API_TOKEN).")


def describe(module: ModuleType) -> str:
    """The settings table of the API settings and of the connector's ``SETTINGS`` declaration."""
    rows = describe_settings(ApiSettings)
    rows[0] = attrs.evolve(rows[0], key="customer_number")  # top level, beside config and secrets
    declared = getattr(module, "SETTINGS", None)
    if declared is not None:
        rows += describe_settings(declared)
    text = format_settings_table(rows)
    if declared is None:
        text += "\n(the connector declares no SETTINGS: its own entries are not listed)"
    return text


def _job_params(pairs: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--job-param {pair!r} must look like KEY=VALUE")
        if any(ord(c) < 32 or ord(c) == 127 for c in pair):
            raise ValueError(f"--job-param {pair!r} must not contain control characters")
        if key in params:
            raise ValueError(f"--job-param {key} is given twice ({params[key]!r} and {value!r}); give it once")
        params[key] = value
    return params


class StatusLine(logging.Handler):
    """A live line under the log on a terminal: spinner, elapsed time, records per step.

    It is also the console stream: every log line first clears the status
    line, then the line is drawn again, so the two never garble each other.
    """

    def __init__(self, stream: TextIO, label: str) -> None:
        super().__init__(level=logging.INFO)
        self.stream = stream
        self.label = label
        self.counts: Counter[str] = Counter()
        self.started = time.monotonic()
        self._spinner = itertools.cycle(_SPINNER)
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._ticker = threading.Thread(target=self._tick, name="nuntiq-status", daemon=True)

    # logging.Handler: count what the connector reports
    def emit(self, record: logging.LogRecord) -> None:
        step = getattr(record, "step", None)
        if step:
            with self._lock:
                self.counts[str(step)] += 1

    # stream protocol used by the console handler
    def write(self, text: str) -> int:
        with self._lock:
            self.stream.write(_CLEAR + text)
            if text.endswith("\n"):
                self._draw()
            self.stream.flush()
        return len(text)

    def flush(self) -> None:
        self.stream.flush()

    def _draw(self) -> None:
        elapsed = int(time.monotonic() - self.started)
        counts = "  ".join(f"{step} {n}" for step, n in sorted(self.counts.items()))
        self.stream.write(f"{next(self._spinner)} {elapsed // 60}:{elapsed % 60:02d}  {self.label}  {counts}")

    def _tick(self) -> None:
        while not self._stop.wait(0.25):
            with self._lock:
                self.stream.write(_CLEAR)
                self._draw()
                self.stream.flush()

    def __enter__(self) -> StatusLine:
        logging.getLogger("nuntiq_sdk").addHandler(self)
        self._ticker.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._ticker.join(timeout=1)
        logging.getLogger("nuntiq_sdk").removeHandler(self)
        with self._lock:
            self.stream.write(_CLEAR)
            self.stream.flush()


def _api_where(context: JobContext) -> tuple[str, str]:
    """The API's ``host:port`` and its base URL (without credentials), for messages."""
    base = str(context.api.get_httpx_client().base_url).rstrip("/")
    url = httpx.URL(base)
    port = url.port or {"http": 80, "https": 443}.get(url.scheme, 0)
    return f"{url.host}:{port}", str(url.copy_with(username=None, password=None))


def _request_target(exc: APIStatusError) -> str:
    if not exc.request_method or not exc.request_url:
        return ""
    url = httpx.URL(exc.request_url)
    port = url.port or {"http": 80, "https": 443}.get(url.scheme, 0)
    return f"{exc.request_method} {url.path} on {url.host}:{port}: "


def _hint(exc: BaseException, context: JobContext) -> str:
    """The likely fix for an expected failure, or "" when there is no good guess."""
    host, base_url = _api_where(context)
    if isinstance(exc, ConfigError):
        return "fix the settings named above (settings.json, the environment or --job-param)"
    if isinstance(exc, AuthenticationError):
        return "the API token was refused: check secrets.api_token (or NUNTIQ_API_TOKEN) for this API"
    if isinstance(exc, PermissionDeniedError):
        return "the API token lacks a permission this connector needs: ask for a token that has it"
    if isinstance(exc, NotFoundError) and not httpx.URL(base_url).path.rstrip("/").endswith("/v1"):
        return f"the API URL should end in /v1 (it is {base_url}): set config.api_base_url or NUNTIQ_API_URL"
    if isinstance(exc, APITimeoutError):
        return f"the API at {host} did not answer in time: run again later, or raise config.api_timeout_seconds"
    if isinstance(exc, APIConnectionError):
        return f"check that the API URL {base_url} is right (config.api_base_url or NUNTIQ_API_URL) and the API is up"
    if isinstance(exc, RateLimitError | InternalServerError):
        return "the API is busy or failing: run again later (the retries are used up)"
    if isinstance(exc, APIResponseError):
        return f"{base_url} answered something that is not the Nuntiq API: check the API URL"
    return _sftp_hint(exc)


def _sftp_hint(exc: BaseException) -> str:
    from nuntiq_sdk.sftp import HostKeyVerificationError, SFTPDeliveryError  # only when a connector failed

    if isinstance(exc, HostKeyVerificationError):
        return (
            "check the server's host key with its administrator, then update config.sftp_known_hosts "
            "or config.sftp_host_key_fingerprint"
        )
    if isinstance(exc, SFTPDeliveryError):
        import paramiko

        cause = exc.__cause__
        if isinstance(cause, paramiko.AuthenticationException):
            return "the SFTP login was refused: check config.sftp_user and secrets.sftp_password or sftp_private_key"
        if isinstance(cause, OSError) and not isinstance(cause, paramiko.SSHException):
            return "check config.sftp_host and config.sftp_port, and that the SFTP server is up"
    return ""


def _report_failure(exc: Exception, context: JobContext, label: str, verbose: bool) -> None:
    """One line (what failed and where) through the log, one line (fix, log path) on stderr."""
    what = "has bad settings" if isinstance(exc, ConfigError) else "failed"
    where = _request_target(exc) if isinstance(exc, APIStatusError) else ""
    kind = "" if isinstance(exc, ConfigError | JobIncompleteError) else f"{type(exc).__name__}: "
    context.logger.error(f"{label} {what}: {where}{kind}{exc}", step="run", exc_info=exc)
    hint = _hint(exc, context)
    log = context.logger.log_path
    tail = "the traceback is above" if verbose else f"traceback in {log.resolve()}" if log else ""
    line = "; ".join(part for part in (hint, tail) if part)
    if line:
        print(context.logger.redact(f"  {line[0].upper()}{line[1:]}"), file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    try:
        params = _job_params(args.job_param)
        module = load_module(args.path)
        connector = getattr(module, "run", None)
        if not callable(connector):
            raise AttributeError(f"{args.path} has no run(context) function")
        if args.settings is None and not getattr(args, "describe", False):
            raise ValueError("--settings is required (or --describe to list the settings)")
    except (OSError, ImportError, AttributeError, ValueError, SyntaxError) as exc:
        print(f"nuntiq run: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if getattr(args, "describe", False):
        print(describe(module))
        return EXIT_OK
    interactive = sys.stderr.isatty()
    status = StatusLine(sys.stderr, args.path.stem) if interactive else None
    try:
        context = JobContext.from_settings(
            args.settings,
            job_params=params,
            work_dir=args.work_dir,
            console=status or sys.stderr,
            declared=getattr(module, "SETTINGS", None),  # the whole file checked in one round
        )
    except ConfigError as exc:  # its message is already redacted
        print(f"nuntiq run: {exc}", file=sys.stderr)
        return EXIT_USAGE
    context.logger.console_tracebacks = bool(getattr(args, "verbose", False))
    with context:
        try:
            if status is not None:
                with status:
                    summary = connector(context)
            else:
                summary = connector(context)
        except Exception as exc:  # the connector's failure is the job's result: say it, exit non-zero
            if isinstance(exc, JobIncompleteError):
                print(json.dumps(exc.summary, indent=2, default=str, ensure_ascii=False))
            _report_failure(exc, context, args.path.stem, context.logger.console_tracebacks)
            return EXIT_USAGE if isinstance(exc, ConfigError) else EXIT_FAILED
    print(json.dumps(summary, indent=2, default=str, ensure_ascii=False))
    return EXIT_OK
