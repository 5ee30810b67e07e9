"""SFTPConnection.move and write_new on the embedded server: atomic, and never replacing a file."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from nuntiq_sandbox.pytest_plugin import SFTPDropFolder
from nuntiq_sdk.sftp import SFTPConnection, SFTPSettings, connect_sftp


@pytest.fixture
def connection(nuntiq_sftp: SFTPDropFolder) -> Iterator[SFTPConnection]:
    settings = SFTPSettings(
        host=nuntiq_sftp.server.host,
        port=nuntiq_sftp.server.port,
        user=nuntiq_sftp.user,
        password=nuntiq_sftp.password,
        known_hosts=nuntiq_sftp.known_hosts,
    )
    with connect_sftp(settings, owner="test") as opened:
        yield opened


def test_move_renames_and_refuses_a_taken_target(connection: SFTPConnection, nuntiq_sftp: SFTPDropFolder) -> None:
    nuntiq_sftp.put("/in/a.pdf", b"mine")
    nuntiq_sftp.put("/out/taken.pdf", b"theirs")

    assert connection.move("/in/a.pdf", "/out/taken.pdf") is False
    assert connection.move("/in/a.pdf", "/out/a.pdf") is True

    assert (nuntiq_sftp.read("/out/taken.pdf"), nuntiq_sftp.read("/out/a.pdf")) == (b"theirs", b"mine")
    assert nuntiq_sftp.names("/in") == []


def test_write_new_creates_once_and_leaves_no_temporary_file(
    connection: SFTPConnection, nuntiq_sftp: SFTPDropFolder
) -> None:
    nuntiq_sftp.mkdir("/out")

    assert connection.write_new("/out/r.error.json", b"{}") is True
    assert connection.write_new("/out/r.error.json", b'{"second": 1}') is False

    assert nuntiq_sftp.read("/out/r.error.json") == b"{}"
    assert sorted(p.name for p in nuntiq_sftp.local("/out").iterdir()) == ["r.error.json"]
