"""The OpenSSH harness: a real sshd with internal-sftp, the server customers actually run.

Skipped (with the reason) where sshd is not installed; ``.ci/run`` installs it.
"""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import paramiko
import pytest

from nuntiq_sandbox import sshd as sshd_module
from nuntiq_sandbox.sshd import OpenSSHServer, OpenSSHStartError, openssh_available

from .conftest import Connect

AVAILABLE, REASON = openssh_available()
needs_sshd = pytest.mark.skipif(not AVAILABLE, reason=REASON)
pytestmark = [pytest.mark.live, pytest.mark.timeout(60)]


def put(sftp: paramiko.SFTPClient, path: str, data: bytes) -> None:
    with sftp.open(path, "wb") as handle:
        handle.write(data)


@pytest.fixture
def outbox(tmp_path: Path) -> Path:
    folder = tmp_path / "root" / "inbound" / "invoices"
    (folder / "sent").mkdir(parents=True)
    return folder


@pytest.fixture
def sshd(outbox: Path) -> Iterator[OpenSSHServer]:
    with OpenSSHServer(outbox.parents[1]) as server:
        yield server


def open_sftp(connect: Connect, server: OpenSSHServer) -> paramiko.SFTPClient:
    return connect(
        server.host,
        server.port,
        username=server.username,
        pkey=server.client_key,
        fingerprint=server.host_key_fingerprint_sha256,
    )


@needs_sshd
def test_key_login_and_host_key_as_openssh_prints_it(sshd: OpenSSHServer, tmp_path: Path) -> None:
    printed = subprocess.run(
        ["ssh-keygen", "-l", "-E", "sha256", "-f", str(sshd.workdir / "ssh_host_ed25519_key.pub")],
        capture_output=True,
        text=True,
        check=True,
        timeout=10,
    ).stdout
    assert printed.split()[1] == sshd.host_key_fingerprint_sha256 == sshd.host_key.fingerprint
    assert sshd.known_hosts_line().startswith(f"[127.0.0.1]:{sshd.port} ssh-ed25519 AAAA")

    client = paramiko.SSHClient()
    client.load_host_keys(str(sshd.write_known_hosts(tmp_path / "known_hosts")))
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    try:
        client.connect(
            sshd.host,
            sshd.port,
            username=sshd.username,
            key_filename=str(sshd.client_key_path),
            allow_agent=False,
            look_for_keys=False,
        )
        assert client.open_sftp().listdir(str(sshd.root / "inbound/invoices")) == ["sent"]
    finally:
        client.close()


@needs_sshd
def test_password_login_is_refused(sshd: OpenSSHServer, connect: Connect) -> None:
    with pytest.raises(paramiko.AuthenticationException):
        connect(sshd.host, sshd.port, username=sshd.username, password="anything")
    with pytest.raises(paramiko.AuthenticationException):
        connect(sshd.host, sshd.port, username=sshd.username, pkey=paramiko.ECDSAKey.generate())


@needs_sshd
def test_upload_rename_and_posix_rename(sshd: OpenSSHServer, connect: Connect, outbox: Path) -> None:
    """OpenSSH agrees with the embedded server: rename never replaces, posix-rename does."""
    sftp = open_sftp(connect, sshd)
    put(sftp, str(outbox / "INV-1.csv"), b"old")
    put(sftp, str(outbox / "INV-1.csv.tmp"), b"new")

    with pytest.raises(OSError):
        sftp.rename(str(outbox / "INV-1.csv.tmp"), str(outbox / "INV-1.csv"))
    assert (outbox / "INV-1.csv").read_bytes() == b"old"

    sftp.posix_rename(str(outbox / "INV-1.csv.tmp"), str(outbox / "INV-1.csv"))
    assert (outbox / "INV-1.csv").read_bytes() == b"new"
    assert sorted(sftp.listdir(str(outbox))) == ["INV-1.csv", "sent"]
    assert sftp.stat(str(outbox / "INV-1.csv")).st_size == 3


@needs_sshd
@pytest.mark.parametrize(
    ("flags", "rename_works"), [(["-P", "posix-rename"], True), (["-P", "rename,posix-rename"], False)]
)
def test_denied_requests_fail_on_the_client(
    outbox: Path, connect: Connect, flags: list[str], rename_works: bool
) -> None:
    with OpenSSHServer(outbox.parents[1], sftp_flags=flags) as server:
        sftp = open_sftp(connect, server)
        put(sftp, str(outbox / "a.tmp"), b"a")

        with pytest.raises(OSError):
            sftp.posix_rename(str(outbox / "a.tmp"), str(outbox / "a.csv"))
        assert (outbox / "a.tmp").exists()

        if rename_works:
            sftp.rename(str(outbox / "a.tmp"), str(outbox / "a.csv"))
            assert sorted(sftp.listdir(str(outbox))) == ["a.csv", "sent"]
        else:
            with pytest.raises(OSError):
                sftp.rename(str(outbox / "a.tmp"), str(outbox / "a.csv"))
            assert sorted(sftp.listdir(str(outbox))) == ["a.tmp", "sent"]


@needs_sshd
def test_read_only_refuses_a_write(outbox: Path, connect: Connect) -> None:
    (outbox / "existing.csv").write_bytes(b"keep")
    with OpenSSHServer(outbox.parents[1], sftp_flags=["-R"]) as server:
        sftp = open_sftp(connect, server)
        with sftp.open(str(outbox / "existing.csv"), "rb") as handle:
            assert handle.read() == b"keep"
        with pytest.raises(PermissionError):
            put(sftp, str(outbox / "new.csv"), b"x")
        with pytest.raises(PermissionError):
            sftp.open(str(outbox / "existing.csv"), "wb")
        with pytest.raises(OSError):
            sftp.remove(str(outbox / "existing.csv"))
    assert sorted(path.name for path in outbox.iterdir()) == ["existing.csv", "sent"]


@needs_sshd
def test_stop_ends_sshd_and_its_connections(outbox: Path, connect: Connect) -> None:
    server = OpenSSHServer(outbox.parents[1]).start()
    sftp = open_sftp(connect, server)  # still connected when the server stops
    host, port, workdir = server.host, server.port, server.workdir
    server.stop()

    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((host, port), timeout=2).close()
    assert not workdir.exists()
    with pytest.raises((EOFError, OSError, paramiko.SSHException)):
        sftp.listdir(str(outbox))


def test_flags_that_could_rewrite_the_config_are_refused(tmp_path: Path) -> None:
    for flag in ("-R\nPasswordAuthentication yes", "-P posix-rename", "", '"-R"', "#"):
        with pytest.raises(ValueError, match="internal-sftp flag"):
            OpenSSHServer(tmp_path, sftp_flags=[flag])


def test_availability_is_reported_with_a_reason() -> None:
    available, reason = openssh_available()
    assert isinstance(available, bool)
    assert reason


def test_a_missing_sshd_is_a_skip_reason_and_a_clear_start_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sshd_module, "find_sshd", lambda: None)
    assert openssh_available() == (False, "sshd not found (install openssh-server)")
    with pytest.raises(OpenSSHStartError, match="install openssh-server"):
        OpenSSHServer(tmp_path).start()
