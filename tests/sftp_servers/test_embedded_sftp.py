"""The embedded SFTP server: the semantics a push connector relies on, its confinement, and its faults."""

from __future__ import annotations

import contextlib
import errno
import re
import socket
import stat
import threading
import time
from collections.abc import Callable
from pathlib import Path

import paramiko
import pytest

from nuntiq_sandbox.sftp import EmbeddedSFTPServer, fingerprint_sha256

from .conftest import PASSWORD, USER, Connect

pytestmark = [pytest.mark.live, pytest.mark.timeout(60)]

OUTBOX = "/inbound/invoices"
CONNECTION_LOST = (EOFError, OSError, paramiko.SSHException)


def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Poll briefly for something another thread does (a transport noticing its socket closed)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def put(sftp: paramiko.SFTPClient, path: str, data: bytes) -> None:
    with sftp.open(path, "wb") as handle:
        handle.write(data)


def get(sftp: paramiko.SFTPClient, path: str) -> bytes:
    with sftp.open(path, "rb") as handle:
        return handle.read()


# -- login and host key ------------------------------------------------------------


def test_password_login_sees_the_advertised_host_key(server: EmbeddedSFTPServer, connect: Connect) -> None:
    sftp = connect(server.host, server.port, password=PASSWORD)
    key = sftp.get_channel().get_transport().get_remote_server_key()

    assert server.fingerprint_sha256 == fingerprint_sha256(key) == key.fingerprint
    assert server.fingerprint_sha256.startswith("SHA256:")
    assert not server.fingerprint_sha256.endswith("=")
    assert server.known_hosts_line() == f"[127.0.0.1]:{server.port} ssh-rsa {key.get_base64()}"
    assert sftp.listdir("/") == ["inbound"]


def test_known_hosts_file_is_accepted_and_a_different_key_is_rejected(
    server: EmbeddedSFTPServer, sftp_root: Path, tmp_path: Path
) -> None:
    """Connectors verify host keys; the written known_hosts line must be what paramiko's checker reads."""
    known_hosts = server.write_known_hosts(tmp_path / "known_hosts")
    client = paramiko.SSHClient()
    client.load_host_keys(str(known_hosts))
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    try:
        client.connect(
            server.host, server.port, username=USER, password=PASSWORD, allow_agent=False, look_for_keys=False
        )
        assert client.open_sftp().listdir(OUTBOX) == ["sent"]
    finally:
        client.close()

    impostor_key = paramiko.ECDSAKey.generate()
    with EmbeddedSFTPServer(sftp_root, users={USER: PASSWORD}, host_key=impostor_key) as impostor:
        known_hosts.write_text(f"[127.0.0.1]:{impostor.port} {server.known_hosts_line().split(' ', 1)[1]}\n")
        client = paramiko.SSHClient()
        client.load_host_keys(str(known_hosts))
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
        try:
            with pytest.raises(paramiko.SSHException):
                client.connect(
                    impostor.host,
                    impostor.port,
                    username=USER,
                    password=PASSWORD,
                    allow_agent=False,
                    look_for_keys=False,
                )
        finally:
            client.close()
        assert impostor.fingerprint_sha256 == impostor_key.fingerprint != server.fingerprint_sha256


@pytest.mark.parametrize(("username", "password"), [(USER, "wrong"), ("intruder", PASSWORD), (USER, "")])
def test_wrong_credentials_are_refused(
    server: EmbeddedSFTPServer, connect: Connect, username: str, password: str
) -> None:
    with pytest.raises(paramiko.AuthenticationException):
        connect(server.host, server.port, username=username, password=password)


def test_public_key_login(sftp_root: Path, connect: Connect) -> None:
    key, other_key = paramiko.ECDSAKey.generate(), paramiko.ECDSAKey.generate()
    with EmbeddedSFTPServer(sftp_root, authorized_keys={USER: [key]}) as server:
        sftp = connect(server.host, server.port, pkey=key, fingerprint=server.fingerprint_sha256)
        assert sftp.listdir(OUTBOX) == ["sent"]

        with pytest.raises(paramiko.AuthenticationException):
            connect(server.host, server.port, pkey=other_key)
        with pytest.raises(paramiko.AuthenticationException):
            connect(server.host, server.port, username="someone_else", pkey=key)
        with pytest.raises(paramiko.AuthenticationException):  # key-only server: no password method
            connect(server.host, server.port, password=PASSWORD)


def test_a_server_nobody_can_log_in_to_is_refused(sftp_root: Path) -> None:
    with pytest.raises(ValueError, match="nobody could log in"):
        EmbeddedSFTPServer(sftp_root)


# -- file operations -----------------------------------------------------------------


def test_upload_read_list_stat(server: EmbeddedSFTPServer, sftp: paramiko.SFTPClient, sftp_root: Path) -> None:
    body = "\ufeffinvoice_number\tdate\nINV-1\t2024-05-01\n".encode()
    put(sftp, f"{OUTBOX}/INV-1.csv", body)

    assert (sftp_root / "inbound/invoices/INV-1.csv").read_bytes() == body
    assert get(sftp, f"{OUTBOX}/INV-1.csv") == body
    assert sftp.stat(f"{OUTBOX}/INV-1.csv").st_size == len(body)
    assert stat.S_ISREG(sftp.lstat(f"{OUTBOX}/INV-1.csv").st_mode or 0)
    assert stat.S_ISDIR(sftp.stat(f"{OUTBOX}/sent").st_mode or 0)
    assert {entry.filename: entry.st_size for entry in sftp.listdir_attr(OUTBOX)}["INV-1.csv"] == len(body)
    assert sftp.listdir("inbound/./invoices/../invoices") == ["INV-1.csv", "sent"]
    assert sftp.normalize("inbound/invoices/../invoices") == OUTBOX

    with sftp.open(f"{OUTBOX}/INV-1.csv", "ab") as handle:  # append
        handle.write(b"INV-2\t2024-05-02\n")
        assert handle.stat().st_size == len(body) + 17
    with sftp.open(f"{OUTBOX}/INV-1.csv", "r+b") as handle:  # positional write inside the file
        handle.seek(1 + len("\ufeff".encode()))
        handle.write(b"N")
    assert get(sftp, f"{OUTBOX}/INV-1.csv").startswith("\ufeffiNvoice".encode())

    with pytest.raises(OSError):  # exclusive create onto an existing file
        sftp.open(f"{OUTBOX}/INV-1.csv", "xb")
    put(sftp, f"{OUTBOX}/INV-1.csv", b"short")  # "w" truncates
    assert sftp.stat(f"{OUTBOX}/INV-1.csv").st_size == 5

    sftp.chmod(f"{OUTBOX}/INV-1.csv", 0o640)
    assert stat.S_IMODE((sftp_root / "inbound/invoices/INV-1.csv").stat().st_mode) == 0o640
    sftp.truncate(f"{OUTBOX}/INV-1.csv", 2)
    assert get(sftp, f"{OUTBOX}/INV-1.csv") == b"sh"

    with pytest.raises(FileNotFoundError):
        sftp.stat(f"{OUTBOX}/missing.csv")
    with pytest.raises(FileNotFoundError):
        sftp.open(f"{OUTBOX}/missing.csv", "rb")
    with pytest.raises(FileNotFoundError):
        put(sftp, "/no/such/folder/x.csv", b"x")
    with pytest.raises(OSError):
        sftp.open(OUTBOX, "rb")  # a folder is not a file

    sftp.mkdir(f"{OUTBOX}/archive")
    with pytest.raises(OSError):
        sftp.mkdir(f"{OUTBOX}/archive")
    put(sftp, f"{OUTBOX}/archive/a.csv", b"a")
    with pytest.raises(OSError):
        sftp.rmdir(f"{OUTBOX}/archive")  # not empty
    with pytest.raises(OSError):
        sftp.remove(f"{OUTBOX}/archive")  # remove is for files
    sftp.remove(f"{OUTBOX}/archive/a.csv")
    sftp.rmdir(f"{OUTBOX}/archive")
    sftp.remove(f"{OUTBOX}/INV-1.csv")
    assert sftp.listdir(OUTBOX) == ["sent"]


def test_rename_never_replaces_an_existing_target(sftp: paramiko.SFTPClient, sftp_root: Path) -> None:
    """SFTP v3: rename onto an existing name fails, which is what makes the seed's collision branch run."""
    put(sftp, f"{OUTBOX}/INV-1.csv.tmp", b"new")
    put(sftp, f"{OUTBOX}/INV-1.csv", b"old")

    with pytest.raises(OSError) as failure:
        sftp.rename(f"{OUTBOX}/INV-1.csv.tmp", f"{OUTBOX}/INV-1.csv")
    assert failure.value.errno not in (errno.EACCES, errno.ENOENT)  # a plain failure, not a refusal
    assert (sftp_root / "inbound/invoices/INV-1.csv").read_bytes() == b"old"
    assert (sftp_root / "inbound/invoices/INV-1.csv.tmp").read_bytes() == b"new"

    sftp.rename(f"{OUTBOX}/INV-1.csv.tmp", f"{OUTBOX}/INV-1-120000.csv")
    assert sorted(sftp.listdir(OUTBOX)) == ["INV-1-120000.csv", "INV-1.csv", "sent"]

    sftp.mkdir(f"{OUTBOX}/batch")  # folders rename too, and also never onto an existing name
    with pytest.raises(OSError):
        sftp.rename(f"{OUTBOX}/batch", f"{OUTBOX}/sent")
    sftp.rename(f"{OUTBOX}/batch", f"{OUTBOX}/batch-1")
    with pytest.raises(FileNotFoundError):
        sftp.rename(f"{OUTBOX}/batch", f"{OUTBOX}/batch-2")


def test_posix_rename_replaces_the_target_atomically(sftp: paramiko.SFTPClient, sftp_root: Path) -> None:
    put(sftp, f"{OUTBOX}/INV-1.csv", b"old")
    put(sftp, f"{OUTBOX}/INV-1.csv.tmp", b"new")
    inode_of_new = (sftp_root / "inbound/invoices/INV-1.csv.tmp").stat().st_ino

    sftp.posix_rename(f"{OUTBOX}/INV-1.csv.tmp", f"{OUTBOX}/INV-1.csv")

    final = sftp_root / "inbound/invoices/INV-1.csv"
    assert final.read_bytes() == b"new"
    assert final.stat().st_ino == inode_of_new  # the same file took the name: a rename, not a copy
    assert sftp.listdir(OUTBOX) == ["INV-1.csv", "sent"]


def test_posix_rename_is_unsupported_when_switched_off(sftp_root: Path, connect: Connect) -> None:
    with EmbeddedSFTPServer(sftp_root, users={USER: PASSWORD}, posix_rename=False) as server:
        sftp = connect(server.host, server.port, password=PASSWORD)
        put(sftp, f"{OUTBOX}/a.tmp", b"a")

        with pytest.raises(OSError, match="unsupported"):
            sftp.posix_rename(f"{OUTBOX}/a.tmp", f"{OUTBOX}/a.csv")
        assert sftp.listdir(OUTBOX) == ["a.tmp", "sent"]

        sftp.rename(f"{OUTBOX}/a.tmp", f"{OUTBOX}/a.csv")  # the v3 fallback still works
        assert sftp.listdir(OUTBOX) == ["a.csv", "sent"]


def test_read_only_refuses_every_change(sftp_root: Path, connect: Connect) -> None:
    existing = sftp_root / "inbound/invoices/existing.csv"
    existing.write_bytes(b"keep")
    with EmbeddedSFTPServer(sftp_root, users={USER: PASSWORD}, read_only=True) as server:
        sftp = connect(server.host, server.port, password=PASSWORD)
        assert get(sftp, f"{OUTBOX}/existing.csv") == b"keep"
        assert sftp.listdir(OUTBOX) == ["existing.csv", "sent"]

        for mode in ("wb", "ab", "r+b", "xb"):
            with pytest.raises(PermissionError):
                sftp.open(f"{OUTBOX}/existing.csv", mode)
        with pytest.raises(PermissionError):
            put(sftp, f"{OUTBOX}/new.csv", b"x")
        with pytest.raises(PermissionError):
            sftp.rename(f"{OUTBOX}/existing.csv", f"{OUTBOX}/renamed.csv")
        with pytest.raises(PermissionError):
            sftp.posix_rename(f"{OUTBOX}/existing.csv", f"{OUTBOX}/renamed.csv")
        with pytest.raises(PermissionError):
            sftp.remove(f"{OUTBOX}/existing.csv")
        with pytest.raises(PermissionError):
            sftp.mkdir(f"{OUTBOX}/new")
        with pytest.raises(PermissionError):
            sftp.rmdir(f"{OUTBOX}/sent")
        with pytest.raises(PermissionError):
            sftp.chmod(f"{OUTBOX}/existing.csv", 0o600)

    assert existing.read_bytes() == b"keep"
    assert sorted(path.name for path in existing.parent.iterdir()) == ["existing.csv", "sent"]


# -- confinement ----------------------------------------------------------------------


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder next to the root with a secret that must never be reachable."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.txt").write_text("do not serve")
    return folder


@pytest.mark.parametrize(
    "path",
    [
        "../../etc/passwd",
        "/../../etc/passwd",
        "/inbound/../../etc/passwd",
        "inbound/invoices/../../../outside/secret.txt",
        "/../outside/secret.txt",
        "/inbound/invoices/sent/../../../..",
    ],
)
def test_dot_dot_never_climbs_above_the_root(sftp: paramiko.SFTPClient, outside: Path, path: str) -> None:
    with pytest.raises(PermissionError):
        sftp.open(path, "rb")
    with pytest.raises(PermissionError):
        sftp.stat(path)
    with pytest.raises(PermissionError):
        sftp.listdir(path)
    with pytest.raises(PermissionError):
        put(sftp, path, b"overwritten")
    assert (outside / "secret.txt").read_text() == "do not serve"


def test_absolute_paths_are_paths_inside_the_root(sftp: paramiko.SFTPClient, outside: Path) -> None:
    """``/etc/passwd`` names ``<root>/etc/passwd``; the real path of a local file is just as confined."""
    with pytest.raises(FileNotFoundError):
        sftp.open("/etc/passwd", "rb")
    with pytest.raises(FileNotFoundError):
        sftp.open(str(outside / "secret.txt"), "rb")
    with pytest.raises(FileNotFoundError):  # its parent folders do not exist in the root
        put(sftp, str(outside / "secret.txt"), b"overwritten")
    assert (outside / "secret.txt").read_text() == "do not serve"


def test_symlinks_never_lead_out_of_the_root(sftp: paramiko.SFTPClient, sftp_root: Path, outside: Path) -> None:
    (sftp_root / "inbound/secret-link.txt").symlink_to(outside / "secret.txt")
    (sftp_root / "inbound/outside-dir").symlink_to(outside, target_is_directory=True)
    (sftp_root / "inbound/dangling").symlink_to(outside / "not-yet.txt")
    (sftp_root / "inbound/invoices/inside.csv").write_bytes(b"inside")
    (sftp_root / "inbound/inside-link.csv").symlink_to(sftp_root / "inbound/invoices/inside.csv")

    for path in ("/inbound/secret-link.txt", "/inbound/outside-dir/secret.txt"):
        with pytest.raises(PermissionError):
            sftp.open(path, "rb")
        with pytest.raises(PermissionError):
            sftp.stat(path)
    with pytest.raises(PermissionError):
        sftp.listdir("/inbound/outside-dir")
    with pytest.raises(PermissionError):
        put(sftp, "/inbound/outside-dir/new.txt", b"x")
    with pytest.raises(PermissionError):
        put(sftp, "/inbound/dangling", b"x")  # creating through a dangling link
    with pytest.raises(PermissionError):
        put(sftp, "/inbound/secret-link.txt", b"overwritten")
    with pytest.raises(PermissionError):
        sftp.rename(f"{OUTBOX}/inside.csv", "/inbound/outside-dir/stolen.csv")
    with pytest.raises(PermissionError):
        sftp.readlink("/inbound/secret-link.txt")
    with pytest.raises(OSError):
        sftp.symlink("/", "/inbound/new-link")  # links are not offered at all

    # The link itself can be seen (it is an entry of the root), and removed; its target is untouched.
    assert stat.S_ISLNK(sftp.lstat("/inbound/secret-link.txt").st_mode or 0)
    sftp.remove("/inbound/secret-link.txt")
    assert (outside / "secret.txt").read_text() == "do not serve"
    assert sorted(path.name for path in outside.iterdir()) == ["secret.txt"]

    # A link that stays inside the root works like the file it names.
    assert get(sftp, "/inbound/inside-link.csv") == b"inside"
    assert sftp.readlink("/inbound/inside-link.csv") == f"{OUTBOX}/inside.csv"


# -- faults ----------------------------------------------------------------------------


def test_drop_connection_cuts_a_batch_mid_upload(
    server: EmbeddedSFTPServer, sftp: paramiko.SFTPClient, connect: Connect, sftp_root: Path
) -> None:
    server.faults.drop_connection_after_bytes = 2500
    put(sftp, f"{OUTBOX}/INV-0.csv", b"0" * 1000)
    put(sftp, f"{OUTBOX}/INV-1.csv", b"1" * 1000)

    with pytest.raises(CONNECTION_LOST):
        put(sftp, f"{OUTBOX}/INV-2.csv", b"2" * 1000)

    assert wait_until(lambda: not sftp.get_channel().get_transport().is_active())
    assert (sftp_root / "inbound/invoices/INV-2.csv").stat().st_size == 500  # the bytes before the cut
    assert server.stats.bytes_written == 2500
    assert server.stats.files_written == 2
    assert server.faults.drops == 1
    assert server.faults.drop_connection_after_bytes is None  # fired once: a reconnect gets through

    again = connect(server.host, server.port, password=PASSWORD)
    put(again, f"{OUTBOX}/INV-2.csv", b"2" * 1000)
    assert (sftp_root / "inbound/invoices/INV-2.csv").stat().st_size == 1000


def test_drop_connection_inside_one_large_file(
    server: EmbeddedSFTPServer, sftp: paramiko.SFTPClient, sftp_root: Path
) -> None:
    server.faults.drop_connection_after_bytes = 100_000
    with pytest.raises(CONNECTION_LOST):
        put(sftp, f"{OUTBOX}/big.csv.tmp", b"x" * 1_000_000)
    assert (sftp_root / "inbound/invoices/big.csv.tmp").stat().st_size == 100_000
    assert server.stats.files_written == 0


def test_fail_writes_matching(server: EmbeddedSFTPServer, sftp: paramiko.SFTPClient, sftp_root: Path) -> None:
    server.faults.fail_writes_matching = r"INV-2.*\.tmp$"
    put(sftp, f"{OUTBOX}/INV-1.csv.tmp", b"fine")

    with pytest.raises(OSError) as failure:
        put(sftp, f"{OUTBOX}/INV-2.csv.tmp", b"lost")
    assert not isinstance(failure.value, PermissionError | FileNotFoundError)
    assert (sftp_root / "inbound/invoices/INV-2.csv.tmp").read_bytes() == b""
    assert sftp.get_channel().get_transport().is_active()  # only the write failed

    server.faults.clear()
    put(sftp, f"{OUTBOX}/INV-2.csv.tmp", b"now fine")
    assert (sftp_root / "inbound/invoices/INV-2.csv.tmp").read_bytes() == b"now fine"
    assert server.stats.files_written == 2

    with pytest.raises(re.error):
        server.faults.fail_writes_matching = "(unterminated"


def test_deny_rename(server: EmbeddedSFTPServer, sftp: paramiko.SFTPClient) -> None:
    put(sftp, f"{OUTBOX}/a.tmp", b"a")
    server.faults.deny_rename = True
    with pytest.raises(PermissionError):
        sftp.posix_rename(f"{OUTBOX}/a.tmp", f"{OUTBOX}/a.csv")
    with pytest.raises(PermissionError):
        sftp.rename(f"{OUTBOX}/a.tmp", f"{OUTBOX}/a.csv")
    assert sftp.listdir(OUTBOX) == ["a.tmp", "sent"]

    server.faults.clear()
    sftp.posix_rename(f"{OUTBOX}/a.tmp", f"{OUTBOX}/a.csv")
    assert sftp.listdir(OUTBOX) == ["a.csv", "sent"]


def test_latency_delays_every_request(server: EmbeddedSFTPServer, sftp: paramiko.SFTPClient) -> None:
    """A WAN: each request waits ``latency_ms`` before it is served (lower bounds only: the machine is shared)."""
    server.faults.latency_ms = 150
    started = time.monotonic()
    for _ in range(3):
        sftp.stat(OUTBOX)
    assert time.monotonic() - started >= 3 * 0.15
    started = time.monotonic()
    put(sftp, f"{OUTBOX}/a.tmp", b"a")  # open, write, close
    sftp.posix_rename(f"{OUTBOX}/a.tmp", f"{OUTBOX}/a.csv")
    assert time.monotonic() - started >= 4 * 0.15
    assert sftp.listdir(OUTBOX) == ["a.csv", "sent"]

    server.faults.clear()
    assert server.faults.latency_ms == 0


@pytest.mark.parametrize("value", [-1, 1.5, True, "20"])
def test_latency_must_be_a_whole_number_of_milliseconds(server: EmbeddedSFTPServer, value: object) -> None:
    with pytest.raises(ValueError, match=f"latency_ms must be an integer >= 0, got {re.escape(repr(value))}"):
        server.faults.latency_ms = value  # type: ignore[assignment]
    assert server.faults.latency_ms == 0


# -- counters, speed, shutdown ---------------------------------------------------------------


def test_stats_count_connections_files_and_bytes(server: EmbeddedSFTPServer, connect: Connect) -> None:
    first = connect(server.host, server.port, password=PASSWORD)
    second = connect(server.host, server.port, password=PASSWORD)
    put(first, f"{OUTBOX}/a.csv", b"12345")
    put(second, f"{OUTBOX}/b.csv", b"123")
    put(second, f"{OUTBOX}/empty.csv", b"")
    get(first, f"{OUTBOX}/a.csv")  # reading writes nothing

    assert (server.stats.connections, server.stats.files_written, server.stats.bytes_written) == (2, 3, 8)
    server.stats.reset()
    assert (server.stats.connections, server.stats.files_written, server.stats.bytes_written) == (0, 0, 0)


def test_a_thousand_small_files_through_one_connection(server: EmbeddedSFTPServer, sftp: paramiko.SFTPClient) -> None:
    """The connector's pattern (write .tmp, posix_rename) at batch scale stays well within a test's budget."""
    started = time.monotonic()
    for number in range(1000):
        put(sftp, f"{OUTBOX}/INV-{number:04d}.csv.tmp", b"invoice_number\tdate\nINV\t2024-05-01\n")
        sftp.posix_rename(f"{OUTBOX}/INV-{number:04d}.csv.tmp", f"{OUTBOX}/INV-{number:04d}.csv")
    elapsed = time.monotonic() - started

    assert server.stats.files_written == 1000
    assert len([name for name in sftp.listdir(OUTBOX) if name.endswith(".csv")]) == 1000
    assert elapsed < 20, f"1000 uploads took {elapsed:.1f} s"


def test_stop_closes_connections_and_joins_every_thread(sftp_root: Path, connect: Connect) -> None:
    before = set(threading.enumerate())
    server = EmbeddedSFTPServer(sftp_root, users={USER: PASSWORD}).start()
    sftp = connect(server.host, server.port, password=PASSWORD)
    handle = sftp.open(f"{OUTBOX}/left-open.csv", "wb")  # a client in the middle of something
    handle.write(b"x" * 40_000)
    client_transport = sftp.get_channel().get_transport()
    server_threads = set(threading.enumerate()) - before - {client_transport}
    assert server_threads, "the server runs in threads of this process"

    started = time.monotonic()
    server.stop()

    assert time.monotonic() - started < 5
    assert [thread.name for thread in server_threads if thread.is_alive()] == []
    assert not server.running
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((server.host, server.port), timeout=2).close()
    assert wait_until(lambda: not client_transport.is_active())  # the client saw its connection end
    with contextlib.suppress(*CONNECTION_LOST):
        handle.close()
    server.stop()  # idempotent
