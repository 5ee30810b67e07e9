"""Fixtures for the SFTP server tests: a drop-folder root, an embedded server, and a plain paramiko client.

The client is deliberately bare paramiko (no SDK code), so these tests pin the
servers' behaviour, not a connector's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import paramiko
import pytest

from nuntiq_sandbox.sftp import EmbeddedSFTPServer

USER = "nuntiq_push"
PASSWORD = "rotated-quarterly"  # the seed's example secret; only ever sent to 127.0.0.1

Connect = Callable[..., paramiko.SFTPClient]


@pytest.fixture
def sftp_root(tmp_path: Path) -> Path:
    """The seed's layout: /inbound/invoices with its sent/ subfolder."""
    root = tmp_path / "root"
    (root / "inbound" / "invoices" / "sent").mkdir(parents=True)
    return root


@pytest.fixture
def server(sftp_root: Path) -> Iterator[EmbeddedSFTPServer]:
    with EmbeddedSFTPServer(sftp_root, users={USER: PASSWORD}) as running:
        yield running


@pytest.fixture
def connect() -> Iterator[Connect]:
    """Open SFTP sessions (closed at teardown); the host key is checked against ``fingerprint`` when given."""
    transports: list[paramiko.Transport] = []

    def open_sftp(
        host: str,
        port: int,
        *,
        username: str = USER,
        password: str | None = None,
        pkey: paramiko.PKey | None = None,
        fingerprint: str | None = None,
    ) -> paramiko.SFTPClient:
        transport = paramiko.Transport((host, port))
        transports.append(transport)
        transport.connect(username=username, password=password, pkey=pkey)
        if fingerprint is not None:
            assert transport.get_remote_server_key().fingerprint == fingerprint
        sftp = paramiko.SFTPClient.from_transport(transport)
        assert sftp is not None
        return sftp

    yield open_sftp
    for transport in transports:
        transport.close()


@pytest.fixture
def sftp(server: EmbeddedSFTPServer, connect: Connect) -> paramiko.SFTPClient:
    """A password session on the default embedded server, host key verified."""
    return connect(server.host, server.port, password=PASSWORD, fingerprint=server.fingerprint_sha256)
