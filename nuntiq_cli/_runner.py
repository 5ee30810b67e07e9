"""``nuntiq run PATH.py --settings settings.json [--job-param K=V ...]``: run one connector.

Builds the JobContext from settings.json, calls the module's ``run(context)``,
prints the summary it returns, and exits 1 when the connector raises (2 for
bad arguments or settings). On a terminal a status line under the log shows
the elapsed time and what the connector has done so far (log records counted
by step); when the output is not a terminal, only plain log lines are written.
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

from nuntiq_sdk import ConfigError, JobContext
from nuntiq_sdk._lib_alias import install as install_lib_alias

__all__ = ["configure", "load_connector", "run"]

_SPINNER = "|/-\\"
_CLEAR = "\r\033[K"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", type=Path, help="the connector module (a .py file with run(context))")
    parser.add_argument("--settings", required=True, type=Path, help="settings.json for the job")
    parser.add_argument("--job-param", action="append", default=[], metavar="K=V", help="a job parameter (repeatable)")
    parser.add_argument("--work-dir", type=Path, help="folder for local files and logs (default: a temporary one)")


def load_connector(path: Path) -> Callable[[JobContext], Any]:
    """Import the connector file as a module of its own and return its ``run``."""
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
    entry = getattr(module, "run", None)
    if not callable(entry):
        raise AttributeError(f"{path} has no run(context) function")
    return entry  # type: ignore[no-any-return]


def _job_params(pairs: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"--job-param {pair!r} must look like KEY=VALUE")
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


def run(args: argparse.Namespace) -> int:
    try:
        params = _job_params(args.job_param)
        connector = load_connector(args.path)
    except (OSError, ImportError, AttributeError, ValueError, SyntaxError) as exc:
        print(f"nuntiq run: {exc}", file=sys.stderr)
        return 2
    interactive = sys.stderr.isatty()
    status = StatusLine(sys.stderr, args.path.stem) if interactive else None
    try:
        context = JobContext.from_settings(
            args.settings, job_params=params, work_dir=args.work_dir, console=status or sys.stderr
        )
    except ConfigError as exc:
        print(f"nuntiq run: {exc}", file=sys.stderr)
        return 2
    with context:
        try:
            if status is not None:
                with status:
                    summary = connector(context)
            else:
                summary = connector(context)
        except Exception as exc:  # the connector's failure is the job's result: log it, exit non-zero
            context.logger.exception(f"{args.path.stem} failed: {type(exc).__name__}: {exc}", step="run")
            return 1
    print(json.dumps(summary, indent=2, default=str, ensure_ascii=False))
    return 0
