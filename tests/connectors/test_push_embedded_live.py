"""The Acme ERP SFTP push connector against the embedded SFTP server, run as a job (``nuntiq run``).

Every test drives the real connector in a subprocess against the API sandbox
and an in-process SFTP server, then checks what the two ends hold: the
invoices' statuses (100, or 97 with a failure code and a reason), the exact
files in the outbox and ``sent/`` (names, count, bytes of files that were
there before), that no temporary file is left, and the runner's exit code
and summary. Faults are switched on through the server's ``faults``; where a
fault must fire at one precise moment, a thin wrapper around the server's own
handler arms it (the server runs in this process).
"""

from __future__ import annotations

import base64
import io
import json
import os
import posixpath
import re
import secrets
import subprocess
import time
from pathlib import Path
from typing import Any

import paramiko
import pytest

import nuntiq_sandbox.sftp as embedded
from nuntiq_sandbox.sftp import EmbeddedSFTPServer, fingerprint_sha256
from nuntiq_sandbox.testing import SandboxServer
from tests.connectors.conftest import (
    HEADER,
    NO_WORK,
    OUTBOX,
    RUN_TIMEOUT,
    SFTP_USER,
    PushWorld,
    assert_failed,
    assert_released,
    check_delivered_without_posix_rename,
    check_every_invoice_fails_with_the_denied_path,
    csv_row,
    job_log,
    outbox_names,
    run_ok,
    run_summary,
    summary_of,
    temp_files,
    today_utc,
)
from tests.sdk.conftest import invoice_spec

pytestmark = pytest.mark.live

SAFE_NAME = re.compile(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9]{1,10})?")
CRASHED_AT = time.time() - 2 * 86400  # the mtime of a crashed run's left-overs: two days ago


@pytest.fixture
def rename_log(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Every successful SFTP rename the embedded server performs, in order (the server runs in this process)."""
    log: list[tuple[str, str]] = []
    original = embedded._SFTPInterface.rename

    def rename(self: Any, oldpath: str, newpath: str) -> Any:
        status = original(self, oldpath, newpath)
        if status == paramiko.sftp.SFTP_OK:
            log.append((oldpath, newpath))
        return status

    monkeypatch.setattr(embedded._SFTPInterface, "rename", rename)
    return log


@pytest.fixture
def auth_attempts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every credential the embedded server received (password or public key), by method."""
    attempts: list[str] = []
    password_check = embedded._Connection.check_auth_password
    key_check = embedded._Connection.check_auth_publickey

    def check_password(self: Any, username: str, password: str) -> int:
        attempts.append("password")
        return password_check(self, username, password)

    def check_key(self: Any, username: str, key: paramiko.PKey) -> int:
        attempts.append("publickey")
        return key_check(self, username, key)

    monkeypatch.setattr(embedded._Connection, "check_auth_password", check_password)
    monkeypatch.setattr(embedded._Connection, "check_auth_publickey", check_key)
    return attempts


# -- 1. happy path ---------------------------------------------------------------------------------


def test_happy_path_delivers_one_csv_per_invoice_and_an_idle_rerun_never_logs_in(push_world: PushWorld) -> None:
    world = push_world
    tokens = world.invoices(5)
    day = today_utc()

    assert run_ok(world) == summary_of(pushed=5)

    expected = [f"INV-{n:04d}-{day}.csv" for n in range(1, 6)]
    assert world.statuses(tokens) == [100] * 5
    assert outbox_names(world) == expected
    assert list(world.sent.iterdir()) == []
    for token, name in zip(tokens, expected, strict=True):
        invoice = world.status(token)
        assert invoice["external_id_1"] == f"{OUTBOX}/{name}"
        assert invoice["external_message_1"] == "SFTP_DELIVERED"
        assert invoice["failure_code"] is None
        number = name.rsplit("-", 1)[0]
        body = (world.outbox / name).read_bytes()
        assert body.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM first"
        assert body == f"\ufeff{HEADER}\n{csv_row(number)}\n".encode()
    assert temp_files(world.outbox) == []

    connections = world.server.stats.connections
    files_written = world.server.stats.files_written
    rerun = world.run(timeout=RUN_TIMEOUT)
    assert rerun.returncode == 0, rerun.stderr
    assert run_summary(rerun) == NO_WORK
    assert "Nothing to push" in rerun.stderr
    assert "Nothing to push" in job_log(world)
    assert world.server.stats.connections == connections, "an idle run must not log in to the customer's server"
    assert world.server.stats.files_written == files_written
    assert outbox_names(world) == expected


# -- 2. collisions ---------------------------------------------------------------------------------

# Per invoice: the names (by suffix) already taken in the outbox and in sent/, and the suffix ours must get.
COLLISIONS = {
    "INV-0001": ({"outbox": [""]}, "-1"),
    "INV-0002": ({"sent": [""]}, "-1"),
    "INV-0003": ({"outbox": [""], "sent": ["-1"]}, "-2"),
    "INV-0004": ({"outbox": ["", "-1"], "sent": ["", "-2"]}, "-3"),
    "INV-0005": ({}, ""),
}


def test_a_name_taken_in_the_outbox_or_in_sent_gets_a_suffix_and_the_existing_file_is_untouched(
    push_world: PushWorld,
) -> None:
    world = push_world
    tokens = world.invoices(len(COLLISIONS))
    day = today_utc()
    before: dict[Path, bytes] = {}
    for number, (taken, _) in COLLISIONS.items():
        for where, suffixes in taken.items():
            folder = world.outbox if where == "outbox" else world.sent
            for suffix in suffixes:
                path = folder / f"{number}-{day}{suffix}.csv"
                path.write_bytes(f"customer's own {where} file {suffix}\r\n".encode())
                before[path] = path.read_bytes()

    assert run_ok(world) == summary_of(pushed=len(COLLISIONS))

    assert world.statuses(tokens) == [100] * len(COLLISIONS)
    ours = []
    for token, (number, (_, suffix)) in zip(tokens, COLLISIONS.items(), strict=True):
        name = f"{number}-{day}{suffix}.csv"
        assert world.status(token)["external_id_1"] == f"{OUTBOX}/{name}", number
        assert (world.outbox / name).read_bytes() == f"\ufeff{HEADER}\n{csv_row(number)}\n".encode(), number
        ours.append(name)
    for path, content in before.items():
        assert path.read_bytes() == content, f"{path} was changed"
    assert outbox_names(world) == sorted(ours + [p.name for p in before if p.parent == world.outbox])
    assert sorted(p.name for p in world.sent.iterdir()) == sorted(p.name for p in before if p.parent == world.sent)
    assert temp_files(world.outbox) == []


# -- 3. no posix-rename ----------------------------------------------------------------------------


def test_a_server_without_posix_rename_still_gets_every_file_and_collisions_still_get_suffixes(
    push_world: PushWorld,
) -> None:
    push_world.server.posix_rename = False  # posix-rename@openssh.com answers "unsupported"
    check_delivered_without_posix_rename(push_world)


# -- 4. renames denied -----------------------------------------------------------------------------


def test_denied_renames_fail_every_invoice_with_a_reason_and_leave_no_file_at_all(push_world: PushWorld) -> None:
    push_world.server.faults.deny_rename = True
    check_every_invoice_fails_with_the_denied_path(push_world, 3)


# -- 5. read-only target ---------------------------------------------------------------------------


def test_a_read_only_server_fails_every_invoice_with_a_reason_and_nothing_is_written(push_world: PushWorld) -> None:
    push_world.server.read_only = True
    check_every_invoice_fails_with_the_denied_path(push_world, 2)
    assert list(push_world.outbox.iterdir()) == [push_world.sent]  # nothing was written at all
    assert push_world.server.stats.files_written == 0
    assert push_world.server.stats.bytes_written == 0


# -- 6. server down --------------------------------------------------------------------------------


def test_server_down_exits_non_zero_and_gives_every_claimed_invoice_back_at_once(push_world: PushWorld) -> None:
    world = push_world
    tokens = world.invoices(3)
    port = world.server.port
    world.server.stop()  # the port is now closed

    result = world.run(timeout=RUN_TIMEOUT)

    assert result.returncode == 1, result.stderr
    assert result.stdout.strip() == "", "a failed job prints no summary"
    assert f"cannot reach SFTP server 127.0.0.1:{port}" in result.stderr
    assert_released(world, tokens)
    assert world.delivered() == []
    assert "cannot reach SFTP server" in job_log(world)


def test_a_refused_login_exits_non_zero_gives_the_invoices_back_and_never_shows_the_password(
    push_world: PushWorld,
) -> None:
    world = push_world
    tokens = world.invoices(2)
    world.secrets["sftp_password"] = "wrong-" + secrets.token_urlsafe(12)

    result = world.run(timeout=RUN_TIMEOUT)

    assert result.returncode == 1, result.stderr
    assert f"SFTP login to {SFTP_USER}@127.0.0.1:{world.server.port} failed" in result.stderr
    assert_released(world, tokens)
    assert world.secrets["sftp_password"] not in result.stdout + result.stderr + job_log(world)
    assert world.server.stats.files_written == 0


# -- 7. connection lost mid-batch ------------------------------------------------------------------


def test_a_connection_lost_during_the_third_of_six_uploads_is_reconnected_and_nothing_is_duplicated(
    push_world: PushWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = push_world
    tokens = world.invoices(6)
    day = today_utc()
    server = world.server
    armed: list[str] = []
    original_write = embedded._FileHandle.write

    def write(self: Any, offset: int, data: Any) -> Any:
        # The first write of the 3rd invoice's file: let 10 bytes through, then drop the connection.
        if not armed and "INV-0003" in self.remote_path:
            armed.append(self.remote_path)
            server.faults.drop_connection_after_bytes = 10
        return original_write(self, offset, data)

    monkeypatch.setattr(embedded._FileHandle, "write", write)

    result = world.run(timeout=RUN_TIMEOUT)

    assert result.returncode == 0, result.stderr
    assert server.faults.drops == 1, f"the drop never fired (armed on {armed})"
    assert server.stats.connections == 2, "one reconnect"
    assert "reconnecting" in result.stderr
    assert run_summary(result) == summary_of(pushed=6), "a reconnect delivers the rest of the batch"
    assert world.statuses(tokens) == [100] * 6
    expected = [f"INV-{n:04d}-{day}.csv" for n in range(1, 7)]
    assert outbox_names(world) == expected, "exactly one file per delivered invoice"
    for n, (token, name) in enumerate(zip(tokens, expected, strict=True), start=1):
        assert world.status(token)["external_id_1"] == f"{OUTBOX}/{name}"
        assert (world.outbox / name).read_bytes() == f"\ufeff{HEADER}\n{csv_row(f'INV-{n:04d}')}\n".encode()
    assert temp_files(world.outbox) == [], "the partial temporary file of the dropped upload must not stay"


# -- 8. host keys ----------------------------------------------------------------------------------


def _other_rsa_key_line(world: PushWorld) -> str:
    other = paramiko.RSAKey.generate(2048)
    assert other.asbytes() != world.server.host_key.asbytes()
    return embedded.known_hosts_line(world.server.host, world.server.port, other.get_name(), other.get_base64())


def test_a_changed_host_key_is_refused_before_any_credential_is_sent(
    push_world: PushWorld, auth_attempts: list[str]
) -> None:
    world = push_world
    tokens = world.invoices(2)
    world.known_hosts.write_text(_other_rsa_key_line(world) + "\n")

    result = world.run(timeout=RUN_TIMEOUT)

    assert result.returncode == 1, result.stderr
    assert "CHANGED" in result.stderr
    assert world.server.fingerprint_sha256 in result.stderr, "the message names the presented fingerprint"
    assert auth_attempts == [], "no credential may reach an unverified host"
    assert_released(world, tokens)
    assert world.server.stats.files_written == 0
    assert world.delivered() == []
    assert world.secrets["sftp_password"] not in result.stderr + job_log(world)


def test_a_host_missing_from_known_hosts_is_refused(push_world: PushWorld, auth_attempts: list[str]) -> None:
    world = push_world
    tokens = world.invoices(1)
    world.known_hosts.write_text("")

    result = world.run(timeout=RUN_TIMEOUT)

    assert result.returncode == 1, result.stderr
    assert f"127.0.0.1:{world.server.port}" in result.stderr
    assert "is not in" in result.stderr
    assert world.server.fingerprint_sha256 in result.stderr
    assert auth_attempts == []
    assert_released(world, tokens)
    assert world.delivered() == []


def test_a_known_hosts_entry_for_another_port_does_not_vouch_for_this_one(
    push_world: PushWorld, auth_attempts: list[str]
) -> None:
    world = push_world
    tokens = world.invoices(1)
    key = world.server.host_key
    world.known_hosts.write_text(
        embedded.known_hosts_line("127.0.0.1", world.server.port + 1, key.get_name(), key.get_base64()) + "\n"
    )

    result = world.run(timeout=RUN_TIMEOUT)

    assert result.returncode == 1, result.stderr
    assert "is not in" in result.stderr
    assert auth_attempts == []
    assert_released(world, tokens)


def test_a_pinned_fingerprint_that_matches_is_enough(push_world: PushWorld, auth_attempts: list[str]) -> None:
    world = push_world
    tokens = world.invoices(2)
    del world.config["sftp_known_hosts"]

    assert run_ok(world, sftp_host_key_fingerprint=world.server.fingerprint_sha256) == summary_of(pushed=2)

    assert world.statuses(tokens) == [100, 100]
    assert len(outbox_names(world)) == 2
    assert auth_attempts == ["password"]


def test_a_pinned_fingerprint_that_does_not_match_is_refused(push_world: PushWorld, auth_attempts: list[str]) -> None:
    world = push_world
    tokens = world.invoices(2)
    del world.config["sftp_known_hosts"]
    wrong = fingerprint_sha256(paramiko.ECDSAKey.generate())

    result = world.run(timeout=RUN_TIMEOUT, sftp_host_key_fingerprint=wrong)

    assert result.returncode == 1, result.stderr
    assert f"{world.server.fingerprint_sha256}, not the pinned {wrong}" in result.stderr
    assert auth_attempts == []
    assert_released(world, tokens)
    assert world.delivered() == []


# -- 9. stale temporary files ----------------------------------------------------------------------


def test_stale_temporary_files_of_a_crashed_run_are_removed_and_customer_files_are_left_alone(
    push_world: PushWorld,
) -> None:
    world = push_world
    tokens = world.invoices(1)
    day = today_utc()
    stale = world.outbox / ".nuntiq-acme_erp_push~INV-9-20260101.csv.abcdef123456.tmp"
    stale.write_bytes(b"half a fi")
    os.utime(stale, (CRASHED_AT, CRASHED_AT))  # stale beyond any lease
    customer = {
        world.outbox / "foo.tmp": b"the customer's own temporary file",
        world.outbox / "nuntiq-INV-9.csv.tmp": b"not hidden: not ours",
        world.sent / ".nuntiq-acme_erp_push~INV-8-20260101.csv.abcdef123456.tmp": b"in sent/: not our folder",
        world.outbox / ".nuntiq-other_job~INV-7-20260101.csv.abcdef123456.tmp": b"another job's upload in flight",
    }
    for path, content in customer.items():
        path.write_bytes(content)
    (world.outbox / ".nuntiq-a-folder.tmp").mkdir()  # a folder is never a file we left

    assert run_ok(world) == summary_of(pushed=1)

    assert not stale.exists()
    for path, content in customer.items():
        assert path.read_bytes() == content, f"{path} must be left alone"
    assert (world.outbox / ".nuntiq-a-folder.tmp").is_dir()
    assert world.statuses(tokens) == [100]
    assert outbox_names(world) == sorted(["foo.tmp", "nuntiq-INV-9.csv.tmp", f"INV-0001-{day}.csv"])
    assert "Removed stale temporary file" in job_log(world)


def test_temporary_journal_records_a_failed_run_left_are_removed_by_the_next_run(push_world: PushWorld) -> None:
    """Whatever a run leaves in the connector's state folder (here: a run whose renames were all refused,
    as a run killed between writing a delivery record and renaming it would) is gone after the next run."""
    world = push_world
    world.server.faults.deny_rename = True
    world.invoices(2)
    run_ok(world)
    for path in temp_files(world.outbox):
        os.utime(path, (CRASHED_AT, CRASHED_AT))  # long stale, whatever age rule the clean-up applies
    world.server.faults.deny_rename = False
    tokens = world.invoices(1)

    run_ok(world)

    assert world.status(tokens[0])["status"] == 100
    assert temp_files(world.outbox) == [], "temporary files of the failed run are never cleaned"


def _start_worker_b_during_worker_as_upload(
    world: PushWorld, monkeypatch: pytest.MonkeyPatch, **config_b: Any
) -> tuple[subprocess.CompletedProcess[str], list[subprocess.CompletedProcess[str]]]:
    """Worker A (a batch of 1) has written INV-0001's temporary file; just before A renames it, worker B runs.

    B is run from the server thread that is about to serve A's rename (B's connection gets its own
    thread), so it runs exactly inside A's upload; then A's rename goes ahead.
    """
    original = embedded._SFTPInterface.rename
    worker_b: list[subprocess.CompletedProcess[str]] = []

    def rename(self: Any, oldpath: str, newpath: str) -> Any:
        name = posixpath.basename(oldpath)  # .nuntiq-acme_erp_push~<run id>~INV-0001-...
        if not worker_b and name.startswith(".nuntiq-acme_erp_push~") and "~INV-0001" in name:
            worker_b.append(world.run(timeout=RUN_TIMEOUT, batch_size=1, **config_b))
        return original(self, oldpath, newpath)

    monkeypatch.setattr(embedded._SFTPInterface, "rename", rename)
    worker_a = world.run(timeout=RUN_TIMEOUT, batch_size=1)
    assert worker_b, "worker B never ran"
    return worker_a, worker_b


def test_a_second_worker_started_meanwhile_never_leaves_the_invoices_it_claimed_stuck(
    push_world: PushWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The docs run several workers of the push at once ("the claim/lease model handles invoice-level
    concurrency"). Whatever a second worker cannot do while the first runs, it must not keep its
    claimed invoices at 92 for the lease's 10 minutes: it delivers them or gives them back."""
    world = push_world
    tokens = world.invoices(2)

    worker_a, (worker_b,) = _start_worker_b_during_worker_as_upload(world, monkeypatch)

    assert worker_a.returncode == 0, worker_a.stderr
    assert world.status(tokens[0])["status"] == 100
    invoice_b = world.status(tokens[1])
    # Runs of the stream are shared: B delivers its invoice while A's upload is in flight, and leaves A's alone.
    assert worker_b.returncode == 0, worker_b.stderr
    assert invoice_b["status"] == 100, invoice_b
    assert len(outbox_names(world)) == 2


def test_another_job_sharing_the_drop_folder_does_not_delete_an_upload_in_flight(
    push_world: PushWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two push jobs (two connector names, e.g. two company codes) deliver to one ERP drop folder.

    B's start-up clean-up of "stale" temporary files must not remove A's upload in flight:
    only files older than any live lease can be a crashed run's.
    """
    world = push_world
    tokens = world.invoices(2)

    worker_a, (worker_b,) = _start_worker_b_during_worker_as_upload(
        world, monkeypatch, connector_name="acme_erp_push_emea"
    )

    assert worker_b.returncode == 0, worker_b.stderr
    assert world.status(tokens[1])["status"] == 100
    assert worker_a.returncode == 0, worker_a.stderr
    invoice_a = world.status(tokens[0])
    assert invoice_a["status"] == 100, (
        f"B's clean-up deleted A's upload in flight; INV-0001 ended {invoice_a['status']}: "
        f"{invoice_a['failure_message']!r}"
    )
    assert len(outbox_names(world)) == 2


# -- 10. safe remote names -------------------------------------------------------------------------


def test_remote_names_are_safe_whatever_the_invoice_number_holds(push_world: PushWorld, tmp_path: Path) -> None:
    world = push_world
    numbers = ["../../etc/passwd", "A/B\\C", "Ünï cødé", "CON", "", "..", "A\\B/C", "x" * 300, "/abs/path", "a\tb"]
    specs = []
    for n, number in enumerate(numbers):
        spec = invoice_spec(f"SAFE-{n}")
        spec["fields"] = {**spec["fields"], "invoiceNumber": number}
        spec["created_at"] = f"2026-11-01T00:{n:02d}:00Z"
        specs.append({"tenant_id": world.tenant.tenant_id, **spec})
    tokens = world.sandbox.admin.create_invoices(specs)
    outside = [p for p in tmp_path.rglob("*") if world.root not in p.parents and world.work not in p.parents]

    assert run_ok(world) == summary_of(pushed=len(numbers))

    assert world.statuses(tokens) == [100] * len(numbers)
    files = outbox_names(world)
    assert len(files) == len(numbers), files
    for name in files:
        assert SAFE_NAME.fullmatch(name), f"unsafe remote name {name!r}"
        assert name.endswith(".csv"), name
        assert len(name) <= 120, name
        assert name.split(".")[0].upper() not in {"CON", "PRN", "AUX", "NUL"}, name
    paths = [world.status(token)["external_id_1"] for token in tokens]
    assert sorted(p.rsplit("/", 1)[1] for p in paths) == files
    assert all(p.startswith(f"{OUTBOX}/") and p.count("/") == OUTBOX.count("/") + 1 for p in paths), paths
    everything = [p for p in world.root.rglob("*") if p.is_file()]
    assert all(world.outbox in p.parents for p in everything), everything
    assert list(world.sent.iterdir()) == []
    assert [p for p in tmp_path.rglob("*") if world.root not in p.parents and world.work not in p.parents] == outside
    # The CSV row keeps the invoice number as it is (the ERP wants the real number); only the name is cleaned.
    body = (world.outbox / paths[1].rsplit("/", 1)[1]).read_bytes().decode("utf-8-sig")
    assert body.splitlines()[1].split("\t")[0] == "A/B\\C"


# -- 11. batch file --------------------------------------------------------------------------------


def test_batch_mode_writes_one_file_with_a_header_and_a_row_per_invoice(push_world: PushWorld) -> None:
    world = push_world
    tokens = world.invoices(4)

    assert run_ok(world, file_mode="batch") == summary_of(pushed=4)

    assert world.statuses(tokens) == [100] * 4
    files = outbox_names(world)
    assert len(files) == 1, files
    assert re.fullmatch(r"invoices-\d{8}T\d{6}Z\.csv", files[0]), files
    body = (world.outbox / files[0]).read_bytes()
    assert body.startswith(b"\xef\xbb\xbf")
    lines = body.decode("utf-8-sig").split("\n")
    assert lines == [HEADER, *(csv_row(f"INV-{n:04d}") for n in range(1, 5)), ""]
    for token in tokens:
        assert world.status(token)["external_id_1"] == f"{OUTBOX}/{files[0]}"
    assert temp_files(world.outbox) == []


# -- 12. attachments -------------------------------------------------------------------------------


ATTACHMENTS = [
    {"file_name": "scan.pdf", "content_type": "application/pdf", "content": b"%PDF-1.7\n\x00\xff\xfe binary \r\n%%EOF"},
    {"file_name": "../../évil name.xml", "content_type": "application/xml", "content": b"<x>\xc3\xa9</x>\n"},
]


def _with_attachments(world: PushWorld, *, count: int = 2) -> list[str]:
    specs = []
    for n in range(count):
        extra = {}
        if n == 0:
            extra["attachments"] = [
                {
                    "file_name": a["file_name"],
                    "content_type": a["content_type"],
                    "content_base64": base64.b64encode(a["content"]).decode(),
                }
                for a in ATTACHMENTS
            ]
        spec = invoice_spec(f"INV-{n + 1:04d}", **extra)
        spec["created_at"] = f"2026-11-01T00:{n:02d}:00Z"
        specs.append({"tenant_id": world.tenant.tenant_id, **spec})
    return world.sandbox.admin.create_invoices(specs)


def test_attachments_are_uploaded_byte_identical_with_the_csv_stem_as_prefix_before_the_csv(
    push_world: PushWorld, rename_log: list[tuple[str, str]]
) -> None:
    world = push_world
    tokens = _with_attachments(world)
    day = today_utc()
    stem = f"INV-0001-{day}"

    assert run_ok(world, push_attachments=True) == summary_of(pushed=2)

    assert world.statuses(tokens) == [100, 100]
    pdf, xml = f"{stem}-scan.pdf", f"{stem}-_vil_name.xml"
    assert outbox_names(world) == sorted([pdf, xml, f"{stem}.csv", f"INV-0002-{day}.csv"])
    assert (world.outbox / pdf).read_bytes() == ATTACHMENTS[0]["content"]
    assert (world.outbox / xml).read_bytes() == ATTACHMENTS[1]["content"]
    assert world.status(tokens[0])["external_id_1"] == f"{OUTBOX}/{stem}.csv"
    # The order in which files appeared under their final names: the CSV after its attachments.
    appeared = [new.rsplit("/", 1)[1] for _, new in rename_log if not new.rsplit("/", 1)[1].startswith(".")]
    assert appeared.index(f"{stem}.csv") > max(appeared.index(pdf), appeared.index(xml)), appeared
    assert temp_files(world.outbox) == []


def test_an_invoice_whose_csv_cannot_be_written_leaves_no_orphan_attachment(push_world: PushWorld) -> None:
    world = push_world
    world.server.faults.fail_writes_matching = r"INV-0001-\d{8}\.csv"
    tokens = _with_attachments(world)
    day = today_utc()

    assert run_ok(world, push_attachments=True) == summary_of(pushed=1, failed=1)

    assert_failed(world, tokens[0], "INV-0001")
    assert world.status(tokens[1])["status"] == 100
    assert outbox_names(world) == [f"INV-0002-{day}.csv"], "no attachment without its CSV"
    assert temp_files(world.outbox) == []


# -- 13. one failure does not stop the batch -------------------------------------------------------


def test_one_invoice_that_cannot_be_written_fails_alone_and_the_rest_is_delivered(push_world: PushWorld) -> None:
    world = push_world
    world.server.faults.fail_writes_matching = r"INV-0003"
    tokens = world.invoices(5)
    day = today_utc()

    assert run_ok(world) == summary_of(pushed=4, failed=1)

    assert world.statuses(tokens) == [100, 100, 97, 100, 100]
    invoice = assert_failed(world, tokens[2], "INV-0003")
    assert invoice["external_id_1"] is None
    assert outbox_names(world) == [f"INV-{n:04d}-{day}.csv" for n in (1, 2, 4, 5)]
    assert temp_files(world.outbox) == []


# -- 14. secrets -----------------------------------------------------------------------------------


def _assert_no_secret(world: PushWorld, result: Any) -> None:
    log = job_log(world)
    assert log, "the job wrote its log file"
    for line in log.splitlines():
        json.loads(line)  # one JSON object per line
    shown = result.stdout + result.stderr + log
    for secret in (world.token.token, *world.secrets.values()):
        assert secret not in shown, "a secret leaked into the output or the log"


def test_neither_the_sftp_password_nor_the_api_token_appears_in_output_or_log(push_world: PushWorld) -> None:
    world = push_world
    world.invoices(2)
    world.server.faults.fail_writes_matching = r"INV-0002"  # a failure path too: its message is logged

    result = world.run(timeout=RUN_TIMEOUT)
    assert result.returncode == 0, result.stderr
    _assert_no_secret(world, result)

    world.invoices(1)
    world.server.stop()  # and a run that raises (traceback in the log)
    down = world.run(timeout=RUN_TIMEOUT)
    assert down.returncode == 1
    _assert_no_secret(world, down)


def test_a_private_key_secret_is_used_and_never_shown(
    sandbox: SandboxServer, tmp_path: Path, auth_attempts: list[str]
) -> None:
    key = paramiko.RSAKey.generate(2048)
    buffer = io.StringIO()
    key.write_private_key(buffer)
    pem = buffer.getvalue()
    root = tmp_path / "sftp"
    root.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    with EmbeddedSFTPServer(root, authorized_keys={SFTP_USER: [key]}) as server:
        world = PushWorld(sandbox, server, root, work)
        world.config["sftp_user"] = SFTP_USER
        world.secrets["sftp_private_key"] = pem
        tokens = world.invoices(2)

        result = world.run(timeout=RUN_TIMEOUT)

        assert result.returncode == 0, result.stderr
        assert world.statuses(tokens) == [100, 100]
        assert auth_attempts == ["publickey"]
        body = "".join(pem.splitlines()[1:-1])
        shown = result.stdout + result.stderr + job_log(world)
        assert pem not in shown
        assert body[:40] not in shown.replace("\n", "")
        _assert_no_secret(world, result)
        assert len(outbox_names(world)) == 2
