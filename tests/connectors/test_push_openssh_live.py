"""The Acme ERP SFTP push connector against a real OpenSSH sshd (internal-sftp), run as a job.

The server customers actually run: public-key login as the current user,
host key verification against sshd's own ed25519 key, and ``internal-sftp``
flags for the server variants (``-P posix-rename`` a server without the
atomic-replace extension, ``-P rename,posix-rename`` one that refuses every
rename, ``-R`` read-only). One sshd per set of flags for the whole module;
each test gets its own folder (no chroot: remote paths are real absolute
paths). Skipped, with the reason, where sshd cannot run.
"""

from __future__ import annotations

import base64
import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from nuntiq_sandbox.sftp import fingerprint_sha256
from nuntiq_sandbox.sshd import OpenSSHServer, openssh_available
from nuntiq_sandbox.testing import SandboxServer
from tests.connectors.conftest import (
    HEADER,
    NO_WORK,
    OUTBOX,
    RUN_TIMEOUT,
    PushWorld,
    assert_released,
    check_delivered_without_posix_rename,
    check_every_invoice_fails_with_the_denied_path,
    csv_row,
    outbox_names,
    run_ok,
    run_summary,
    summary_of,
    temp_files,
    today_utc,
)

AVAILABLE, WHY_NOT = openssh_available()
pytestmark = [pytest.mark.live, pytest.mark.skipif(not AVAILABLE, reason=WHY_NOT)]

NO_POSIX_RENAME = ("-P", "posix-rename")  # internal-sftp request names: `sftp-server -Q requests`
NO_RENAME = ("-P", "rename,posix-rename")
READ_ONLY = ("-R",)
ACCEPTED = "Accepted publickey for "  # sshd's log line for each successful login


@pytest.fixture(scope="module")
def sshd_with(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., OpenSSHServer]]:
    """``sshd_with(*flags)``: the module's sshd with those internal-sftp flags, started on first use."""
    servers: dict[tuple[str, ...], OpenSSHServer] = {}
    with contextlib.ExitStack() as stack:

        def get(*flags: str) -> OpenSSHServer:
            if flags not in servers:
                root = tmp_path_factory.mktemp("sshd-root")
                servers[flags] = stack.enter_context(OpenSSHServer(root, sftp_flags=flags))
            return servers[flags]

        yield get


def openssh_world(sandbox: SandboxServer, server: OpenSSHServer, tmp_path: Path) -> PushWorld:
    """A PushWorld whose remote folders are real absolute paths under ``tmp_path/sftp`` (no chroot)."""
    base = (tmp_path / "sftp").resolve()
    base.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    world = PushWorld(sandbox, server, Path("/"), work, remote_base=str(base))
    world.config["sftp_user"] = server.username
    world.config["sftp_private_key_path"] = str(server.client_key_path)
    return world


def logins(server: OpenSSHServer) -> int:
    return server.logs().count(ACCEPTED)


def remote(world: PushWorld, name: str) -> str:
    return f"{world.remote_base}{OUTBOX}/{name}"


# -- happy path -------------------------------------------------------------------------------------


def test_happy_path_with_key_login_and_a_verified_host_key(
    sandbox: SandboxServer, sshd_with: Callable[..., OpenSSHServer], tmp_path: Path
) -> None:
    server = sshd_with()
    world = openssh_world(sandbox, server, tmp_path)
    tokens = world.invoices(3)
    day = today_utc()
    before = logins(server)

    assert run_ok(world) == summary_of(pushed=3)

    assert logins(server) == before + 1, server.logs()
    assert world.statuses(tokens) == [100] * 3
    expected = [f"INV-{n:04d}-{day}.csv" for n in range(1, 4)]
    assert outbox_names(world) == expected
    for token, name in zip(tokens, expected, strict=True):
        invoice = world.status(token)
        assert invoice["external_id_1"] == remote(world, name)
        body = (world.outbox / name).read_bytes()
        assert body == f"\ufeff{HEADER}\n{csv_row(name.rsplit('-', 1)[0])}\n".encode()
    assert list(world.sent.iterdir()) == []
    assert temp_files(world.outbox) == []

    rerun = world.run(timeout=RUN_TIMEOUT)
    assert rerun.returncode == 0, rerun.stderr
    assert run_summary(rerun) == NO_WORK
    assert "Nothing to push" in rerun.stderr
    assert logins(server) == before + 1, "an idle run must not log in"


def test_a_pinned_host_key_fingerprint_instead_of_known_hosts(
    sandbox: SandboxServer, sshd_with: Callable[..., OpenSSHServer], tmp_path: Path
) -> None:
    server = sshd_with()
    world = openssh_world(sandbox, server, tmp_path)
    del world.config["sftp_known_hosts"]
    tokens = world.invoices(2)

    assert run_ok(world, sftp_host_key_fingerprint=server.host_key_fingerprint_sha256) == summary_of(pushed=2)

    assert world.statuses(tokens) == [100, 100]
    assert len(outbox_names(world)) == 2


# -- collisions ----------------------------------------------------------------------------------------


def test_names_taken_in_the_outbox_or_sent_get_a_suffix_and_existing_files_are_untouched(
    sandbox: SandboxServer, sshd_with: Callable[..., OpenSSHServer], tmp_path: Path
) -> None:
    world = openssh_world(sandbox, sshd_with(), tmp_path)
    tokens = world.invoices(4)
    day = today_utc()
    existing = {
        world.outbox / f"INV-0001-{day}.csv": b"outbox, ours gets -1",
        world.sent / f"INV-0002-{day}.csv": b"sent, ours gets -1",
        world.outbox / f"INV-0003-{day}.csv": b"outbox",
        world.sent / f"INV-0003-{day}-1.csv": b"sent -1, ours gets -2",
    }
    for path, content in existing.items():
        path.write_bytes(content)

    assert run_ok(world) == summary_of(pushed=4)

    ours = [f"INV-0001-{day}-1.csv", f"INV-0002-{day}-1.csv", f"INV-0003-{day}-2.csv", f"INV-0004-{day}.csv"]
    assert world.statuses(tokens) == [100] * 4
    for token, name in zip(tokens, ours, strict=True):
        assert world.status(token)["external_id_1"] == remote(world, name)
        assert (world.outbox / name).read_bytes().decode("utf-8-sig").startswith(HEADER)
    for path, content in existing.items():
        assert path.read_bytes() == content, f"{path} was changed"
    assert outbox_names(world) == sorted(ours + [p.name for p in existing if p.parent == world.outbox])
    assert sorted(p.name for p in world.sent.iterdir()) == sorted(p.name for p in existing if p.parent == world.sent)
    assert temp_files(world.outbox) == []


# -- server variants ---------------------------------------------------------------------------------------


def test_posix_rename_denied_still_delivers_and_never_overwrites(
    sandbox: SandboxServer, sshd_with: Callable[..., OpenSSHServer], tmp_path: Path
) -> None:
    check_delivered_without_posix_rename(openssh_world(sandbox, sshd_with(*NO_POSIX_RENAME), tmp_path))


def test_renames_denied_entirely_fail_every_invoice_with_a_reason_and_leave_nothing(
    sandbox: SandboxServer, sshd_with: Callable[..., OpenSSHServer], tmp_path: Path
) -> None:
    check_every_invoice_fails_with_the_denied_path(openssh_world(sandbox, sshd_with(*NO_RENAME), tmp_path), 2)


def test_a_read_only_server_fails_every_invoice_with_a_reason_and_nothing_is_written(
    sandbox: SandboxServer, sshd_with: Callable[..., OpenSSHServer], tmp_path: Path
) -> None:
    world = openssh_world(sandbox, sshd_with(*READ_ONLY), tmp_path)
    check_every_invoice_fails_with_the_denied_path(world, 2)
    assert list(world.outbox.iterdir()) == [world.sent]  # nothing was written at all


# -- host keys -----------------------------------------------------------------------------------------------


def _other_ed25519_line(server: OpenSSHServer, folder: Path) -> tuple[str, str]:
    """A known_hosts line with a freshly generated ed25519 key for sshd's host:port, and its fingerprint."""
    key_path = folder / "other_host_key"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key_path)],
        check=True,
        capture_output=True,
        timeout=30,
    )
    key_type, blob, *_ = key_path.with_suffix(".pub").read_text().split()
    return f"[{server.host}]:{server.port} {key_type} {blob}", fingerprint_sha256(base64.b64decode(blob))


def test_a_changed_host_key_is_refused_before_logging_in(
    sandbox: SandboxServer, sshd_with: Callable[..., OpenSSHServer], tmp_path: Path
) -> None:
    server = sshd_with()
    world = openssh_world(sandbox, server, tmp_path)
    tokens = world.invoices(2)
    line, other = _other_ed25519_line(server, tmp_path)
    assert other != server.host_key_fingerprint_sha256
    world.known_hosts.write_text(line + "\n")
    before = logins(server)

    result = world.run(timeout=RUN_TIMEOUT)

    assert result.returncode == 1, result.stderr
    assert "CHANGED" in result.stderr
    assert server.host_key_fingerprint_sha256 in result.stderr, "the message names the presented fingerprint"
    assert logins(server) == before, "no login to a host whose key changed"
    assert_released(world, tokens)
    assert world.delivered() == []


def test_a_wrong_pinned_fingerprint_is_refused(
    sandbox: SandboxServer, sshd_with: Callable[..., OpenSSHServer], tmp_path: Path
) -> None:
    server = sshd_with()
    world = openssh_world(sandbox, server, tmp_path)
    del world.config["sftp_known_hosts"]
    tokens = world.invoices(1)
    _, wrong = _other_ed25519_line(server, tmp_path)
    before = logins(server)

    result = world.run(timeout=RUN_TIMEOUT, sftp_host_key_fingerprint=wrong)

    assert result.returncode == 1, result.stderr
    assert f"{server.host_key_fingerprint_sha256}, not the pinned {wrong}" in result.stderr
    assert logins(server) == before
    assert_released(world, tokens)


# -- connection lost mid-batch ----------------------------------------------------------------------------------


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (sshd's per-connection processes), from /proc."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        fields = text[text.rfind(")") + 2 :].split()
        parents[int(stat.parent.name)] = int(fields[1])
    found: list[int] = []
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, ppid in parents.items() if ppid == parent]
        found += children
        frontier += children
    return found


def _wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finding sshd's session processes needs /proc")
def test_a_connection_killed_between_invoices_is_reconnected_and_nothing_is_duplicated(
    sandbox: SandboxServer, sshd_with: Callable[..., OpenSSHServer], tmp_path: Path
) -> None:
    """sshd's session processes are killed while the connector waits on the API between invoices 2 and 3.

    Batches of 2 (three per run); the API answers the claim of the second batch after 2 s (sandbox faults are
    used up in order: the run's first two claims - recovery, first batch - pass, the third waits), so the kill
    lands at a known point: after the first batch (invoices 1 and 2) is reported and its journal record
    forgotten, before invoice 3 touches SFTP.
    """
    server = sshd_with()
    world = openssh_world(sandbox, server, tmp_path)
    tokens = world.invoices(5)
    day = today_utc()
    sandbox.admin.add_fault("/v1/invoices/claim$", method="POST", latency_ms=1, count=2)
    sandbox.admin.add_fault("/v1/invoices/claim$", method="POST", latency_ms=2000)
    listener = int((server.workdir / "sshd.pid").read_text().strip())
    before = logins(server)
    state = world.outbox / ".nuntiq-state"
    results: list[subprocess.CompletedProcess[str]] = []
    job = threading.Thread(
        target=lambda: results.append(world.run(timeout=RUN_TIMEOUT, batch_size=2, max_batches=3)), daemon=True
    )
    job.start()
    try:
        _wait_for(
            lambda: world.status(tokens[1])["status"] == 100 and not list(state.glob("*.json")),
            timeout=30,
            what="the first batch to be reported and its journal record forgotten",
        )
        assert world.status(tokens[2])["status"] in (90, 92), "invoice 3 must not have started yet"
        sessions = _descendants(listener)
        assert sessions, "no sshd session process to kill"
        for pid in sessions:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    finally:
        job.join(RUN_TIMEOUT + 5)
    assert results, "the job did not finish"
    result = results[0]

    assert result.returncode == 0, result.stderr
    assert "reconnecting" in result.stderr
    assert logins(server) == before + 2, "one reconnect"
    summary: dict[str, Any] = run_summary(result)
    assert summary == summary_of(pushed=5)
    assert world.statuses(tokens) == [100] * 5
    expected = [f"INV-{n:04d}-{day}.csv" for n in range(1, 6)]
    assert outbox_names(world) == expected, "exactly one file per invoice"
    for token, name in zip(tokens, expected, strict=True):
        assert world.status(token)["external_id_1"] == remote(world, name)
    assert temp_files(world.outbox) == []
