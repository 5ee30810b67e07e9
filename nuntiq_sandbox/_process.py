"""Stopping the servers the harnesses start: politely, then for sure, within a bound."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Iterable

__all__ = ["stop_process"]


def stop_process(process: subprocess.Popen[bytes], timeout: float, *, children: Iterable[int] = ()) -> None:
    """SIGTERM ``children`` and ``process``; SIGKILL ``process`` if it has not exited within ``timeout``."""
    if process.poll() is not None:
        return
    for child in children:
        with contextlib.suppress(OSError):  # already gone
            os.kill(child, signal.SIGTERM)
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)
