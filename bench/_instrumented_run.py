"""``nuntiq`` with counters: ``python -m bench._instrumented_run run PATH --settings ...``.

Runs ``nuntiq_cli``'s ``main`` unchanged, having wrapped four functions with a
counter and a clock, and writes what they saw as JSON to the file named by
``NUNTIQ_BENCH_STATS`` when the job ends:

* ``RetryTransport.handle_request``: every API call the SDK makes (retries
  included), the time until its body is read, and the count per endpoint;
* ``SFTPClient._async_request`` / ``_read_response``: every SFTP request sent
  (per command) and the time spent sending them and waiting for answers;
* ``connect_sftp``: the SSH handshake, host-key check and login.

The wrappers cost two ``perf_counter`` calls and a dict update per call
(microseconds), against calls that take milliseconds.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from collections import Counter
from typing import Any

import paramiko.sftp
from paramiko.sftp_client import SFTPClient

import nuntiq_sdk.sftp
from nuntiq_cli.__main__ import main
from nuntiq_sdk._transport import RetryTransport

STATS_ENV = "NUNTIQ_BENCH_STATS"
_ID_SEGMENT = re.compile(r"/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|/run_[0-9a-f]+")

api_calls: Counter[str] = Counter()
sftp_requests: Counter[str] = Counter()
seconds = {"api": 0.0, "sftp": 0.0, "sftp_connect": 0.0}


def _instrument() -> None:
    handle_request = RetryTransport.handle_request
    async_request = SFTPClient._async_request
    read_response = SFTPClient._read_response
    connect_sftp = nuntiq_sdk.sftp.connect_sftp

    def timed_handle_request(self: RetryTransport, request: Any) -> Any:
        started = time.perf_counter()
        try:
            return handle_request(self, request)
        finally:
            seconds["api"] += time.perf_counter() - started
            api_calls[f"{request.method} {_ID_SEGMENT.sub('/{id}', request.url.path)}"] += 1

    def timed_async_request(self: SFTPClient, fileobj: Any, t: int, *args: Any) -> Any:
        started = time.perf_counter()
        try:
            return async_request(self, fileobj, t, *args)
        finally:
            seconds["sftp"] += time.perf_counter() - started
            sftp_requests[paramiko.sftp.CMD_NAMES.get(t, str(t))] += 1

    def timed_read_response(self: SFTPClient, waitfor: Any = None) -> Any:
        started = time.perf_counter()
        try:
            return read_response(self, waitfor)
        finally:
            seconds["sftp"] += time.perf_counter() - started

    def timed_connect_sftp(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return connect_sftp(*args, **kwargs)
        finally:
            seconds["sftp_connect"] += time.perf_counter() - started

    RetryTransport.handle_request = timed_handle_request  # type: ignore[method-assign]
    SFTPClient._async_request = timed_async_request  # type: ignore[method-assign]
    SFTPClient._read_response = timed_read_response  # type: ignore[method-assign]
    nuntiq_sdk.sftp.connect_sftp = timed_connect_sftp  # the connector imports it by name after this
    nuntiq_sdk.sftp._outbox.connect_sftp = timed_connect_sftp  # type: ignore[attr-defined]  # the Outbox's logins


def _run(argv: list[str]) -> int:
    _instrument()
    started = time.perf_counter()
    try:
        return main(argv)
    finally:
        elapsed = time.perf_counter() - started
        target = os.environ.get(STATS_ENV)
        if target:
            stats = {
                "in_process_seconds": elapsed,
                "api_requests": sum(api_calls.values()),
                "api_seconds": seconds["api"],
                "api_calls": dict(api_calls.most_common()),
                "sftp_requests": sum(sftp_requests.values()),
                "sftp_seconds": seconds["sftp"],
                "sftp_connect_seconds": seconds["sftp_connect"],
                "sftp_commands": dict(sftp_requests.most_common()),
            }
            with open(target, "w", encoding="utf-8") as handle:
                json.dump(stats, handle, indent=2)


if __name__ == "__main__":
    raise SystemExit(_run(sys.argv[1:]))
