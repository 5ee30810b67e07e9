"""Run the sandbox on uvicorn: bind first, announce only once serving.

The socket is bound here rather than by uvicorn so that ``port=0`` can report
the port the OS picked; the ready line and the ready file are written after
uvicorn's startup completes, so whoever waits on them can connect at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import os
import socket
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import uvicorn

from nuntiq_sandbox._app import create_app
from nuntiq_sandbox._constants import (
    BODY_IDLE_TIMEOUT_SECONDS,
    DEFAULT_HOST,
    DEFAULT_PORT,
    HEADER_TIMEOUT_SECONDS,
    KEEP_ALIVE_TIMEOUT_SECONDS,
    TOKEN_PATTERN,
)
from nuntiq_sandbox._middleware import BodyLimits
from nuntiq_sandbox._tokens import generate_admin_key, generate_token, mask_admin_key, mask_token

__all__ = ["base_url", "is_loopback", "serve"]


def is_loopback(host: str) -> bool:
    """``localhost`` or a loopback address; anything else (``0.0.0.0``, a LAN address, a name) is not."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


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


def _header_timeout_protocol(seconds: float) -> type[asyncio.Protocol]:
    """uvicorn's HTTP protocol with a deadline for a request's headers.

    uvicorn times out an idle kept-alive connection but not one that has
    started a request and stalls in its headers (or never sends a byte), so
    a few hundred half-sent requests would stay open for good. Here the
    clock starts when the connection opens and when a request begins, and
    stops when its headers are complete; past ``seconds`` the connection is
    closed. A stalled body is BodyLimitMiddleware's (408).
    """
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as base
    except ImportError:  # httptools not installed: uvicorn's pure-Python h11 protocol
        from uvicorn.protocols.http.h11_impl import H11Protocol as base  # type: ignore[assignment]

    class HeaderTimeoutProtocol(base):  # type: ignore[misc,valid-type]
        _header_timer: asyncio.TimerHandle | None = None

        def _arm_header_timer(self) -> None:
            if self._header_timer is None:
                self._header_timer = self.loop.call_later(seconds, self._header_timeout)

        def _disarm_header_timer(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _header_timeout(self) -> None:
            self._header_timer = None
            if not self.transport.is_closing():
                self.transport.close()

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._arm_header_timer()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm_header_timer()
            super().connection_lost(exc)

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._arm_header_timer()

        def on_headers_complete(self) -> None:
            self._disarm_header_timer()
            super().on_headers_complete()

        def on_response_complete(self) -> None:
            # Between requests the keep-alive timeout applies, not this one.
            self._disarm_header_timer()
            super().on_response_complete()

    return HeaderTimeoutProtocol


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
    admin_key_file: str | None = None,
    ready_file: str | None = None,
    log_level: str = "warning",
    header_timeout: float = HEADER_TIMEOUT_SECONDS,
    body_timeout: float = BODY_IDLE_TIMEOUT_SECONDS,
    out: Callable[[str], Any] = print,
) -> int:
    """Serve until interrupted; 0 on a clean stop, 1 if the sandbox could not start, 2 on bad input."""
    if demo_token is not None and not TOKEN_PATTERN.fullmatch(demo_token):
        sys.stderr.write("error: --demo-token must look like ntq_sk_ followed by 40 lowercase hex characters\n")
        return 2
    token = demo_token or (generate_token() if seed == "demo" else None)
    admin_key = admin_key or generate_admin_key()
    try:
        app = create_app(
            db=db,
            seed=seed,
            admin_key=admin_key,
            demo_token=token,
            limits=BodyLimits(idle_timeout_seconds=body_timeout),
        )
    except ValueError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    if not is_loopback(host):
        sys.stderr.write(
            f"warning: listening on {host}, reachable from other machines: the sandbox is for local testing; "
            "anyone who can reach it and holds a token can use the Customer API (the admin API needs the key)\n"
        )
    try:
        sock = _bind(host, port)
    except OSError as exc:
        sys.stderr.write(f"error: cannot listen on {host}:{port}: {exc}\n")
        return 1
    url = base_url(host, sock.getsockname()[1])

    def announce() -> None:
        out(f"Nuntiq sandbox listening on {url} (customer API /v1, admin /_sandbox)")
        key_where = f" (written to {admin_key_file})" if admin_key_file else " (pass --admin-key-file PATH to keep it)"
        out(f"Admin key: {mask_admin_key(admin_key)}{key_where}")
        if seed == "demo" and token is not None:
            where = f" (written to {token_file})" if token_file else " (pass --token-file PATH to keep it)"
            out(f"Demo token: {mask_token(token)}{where}")
        sys.stdout.flush()
        if ready_file:
            _write_atomically(ready_file, url + "\n")

    if token_file and token is not None:
        _write_private(token_file, token + "\n")
    if admin_key_file:
        _write_private(admin_key_file, admin_key + "\n")
    config = uvicorn.Config(
        app,
        log_level=log_level,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=5,
        http=_header_timeout_protocol(header_timeout),
        timeout_keep_alive=KEEP_ALIVE_TIMEOUT_SECONDS,
    )
    server = _AnnouncingServer(config, announce)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
        app.store.close()
    return 0 if server.started else 1
