"""Run the sandbox on uvicorn: bind first, announce only once serving.

The socket is bound here rather than by uvicorn so that ``port=0`` can report
the port the OS picked; the ready line and the ready file are written after
uvicorn's startup completes, so whoever waits on them can connect at once.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import uvicorn

from nuntiq_sandbox._app import create_app
from nuntiq_sandbox._constants import DEFAULT_HOST, DEFAULT_PORT, TOKEN_PATTERN
from nuntiq_sandbox._tokens import generate_token, mask_token

__all__ = ["base_url", "serve"]


def base_url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(1024)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def _write_private(path: str, text: str) -> None:
    """Write a secret readable by its owner only (0600), even if the file existed."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, text.encode("utf-8"))
    finally:
        os.close(fd)


def _write_atomically(path: str, text: str) -> None:
    target = Path(path)
    scratch = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    scratch.write_text(text, encoding="utf-8")
    scratch.replace(target)


class _AnnouncingServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, on_ready: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_ready = on_ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started and not self.should_exit:
            self._on_ready()

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """A SIGTERM/SIGINT is a clean stop: uvicorn would re-raise it after shutting down,
        killing the process before the store is closed; here ``serve`` returns instead."""
        with super().capture_signals():
            try:
                yield
            finally:
                captured = getattr(self, "_captured_signals", None)
                if isinstance(captured, list):
                    captured.clear()


def serve(
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    db: str = ":memory:",
    seed: str = "none",
    admin_key: str | None = None,
    demo_token: str | None = None,
    token_file: str | None = None,
    ready_file: str | None = None,
    log_level: str = "warning",
    out: Callable[[str], Any] = print,
) -> int:
    """Serve until interrupted; 0 on a clean stop, 1 if the sandbox could not start, 2 on bad input."""
    if demo_token is not None and not TOKEN_PATTERN.fullmatch(demo_token):
        sys.stderr.write("error: --demo-token must look like ntq_sk_ followed by 40 lowercase hex characters\n")
        return 2
    token = demo_token or (generate_token() if seed == "demo" else None)
    try:
        app = create_app(db=db, seed=seed, admin_key=admin_key, demo_token=token)
    except ValueError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    try:
        sock = _bind(host, port)
    except OSError as exc:
        sys.stderr.write(f"error: cannot listen on {host}:{port}: {exc}\n")
        return 1
    url = base_url(host, sock.getsockname()[1])

    def announce() -> None:
        out(f"Nuntiq sandbox listening on {url} (customer API /v1, admin /_sandbox)")
        if seed == "demo" and token is not None:
            where = f" (written to {token_file})" if token_file else " (pass --token-file PATH to keep it)"
            out(f"Demo token: {mask_token(token)}{where}")
        sys.stdout.flush()
        if ready_file:
            _write_atomically(ready_file, url + "\n")

    if token_file and token is not None:
        _write_private(token_file, token + "\n")
    config = uvicorn.Config(
        app,
        log_level=log_level,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=5,
    )
    server = _AnnouncingServer(config, announce)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
        app.store.close()
    return 0 if server.started else 1
