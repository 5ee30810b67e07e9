"""The SDK's drop folder: pairing without a network, then scanning and crash-safe moves on the embedded server."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nuntiq_sandbox.pytest_plugin import SFTPDropFolder
from nuntiq_sdk.sftp import (
    DocumentProblem,
    DropFolder,
    RemoteFile,
    SFTPConnection,
    SFTPSettings,
    SidecarRules,
    connect_sftp,
    local_name,
    pair_documents,
    plain_name_problem,
    read_sidecar,
)

RULES = SidecarRules(original_patterns=("*.pdf", "*.xml"), incomplete_max_age_seconds=3600, reserved_keys=("files",))
NOW = 1_000_000.0
INBOX = "/drop"


def files(*names: str, age: float = 0) -> dict[str, RemoteFile]:
    return {name: RemoteFile(name, 10, int(NOW - age), INBOX) for name in names}


def pair(found: dict[str, RemoteFile], sidecars: dict[str, bytes] | None = None, max_documents: int = 50) -> Any:
    sidecars = sidecars or {}
    return pair_documents(
        found, RULES, now=NOW, read=lambda entry: sidecars.get(entry.name, b"{}"), max_documents=max_documents
    )


# --- pairing, no network ------------------------------------------------------------------


def test_a_sidecar_pairs_with_its_same_stem_original_and_named_attachments() -> None:
    plan = pair(files("A.pdf", "A.json", "A-ubl.xml", "B.pdf"), {"A.json": b'{"attachments": ["A-ubl.xml"], "n": 1}'})
    [document] = plan.documents
    assert (document.label, document.values, [f.name for f in document.files]) == (
        "A.pdf", {"n": 1}, ["A-ubl.xml", "A.pdf", "A.json"],
    )  # fmt: skip
    assert [(w.key, w.waiting_for) for w in plan.waiting] == [("B.pdf", "B.json")]


def test_an_incomplete_document_waits_until_it_is_too_old_then_names_what_is_missing() -> None:
    sidecar = {"A.json": b'{"attachments": ["A-ubl.xml"]}'}
    young = pair(files("A.pdf", "A.json"), sidecar)
    assert (young.documents, young.waiting[0].waiting_for) == ([], "A-ubl.xml")
    [old] = pair(files("A.pdf", "A.json", age=7200), sidecar).documents
    assert old.problem == DocumentProblem("waited more than 3600 s for A-ubl.xml", None, ["A-ubl.xml"])
    [orphan] = pair(files("C.pdf", age=7200)).documents
    assert orphan.problem == DocumentProblem("no sidecar C.json arrived within 3600 s", "sidecar", "C.json")


def test_a_run_takes_at_most_max_documents_oldest_sidecars_first_then_orphans() -> None:
    found = {**files("B.pdf", "B.json", age=20), **files("A.pdf", "A.json", age=30), **files("Y.pdf", age=7200)}
    two = pair(found, max_documents=2)
    assert ([d.label for d in two.documents], two.held_back) == (["A.pdf", "B.pdf"], 1)
    one = pair(found, max_documents=1)
    assert ([d.label for d in one.documents], one.held_back) == (["A.pdf"], 2)
    everything = pair(found, max_documents=3)
    assert [(d.label, d.problem is not None) for d in everything.documents] == [
        ("A.pdf", False), ("B.pdf", False), ("Y.pdf", True),
    ]  # fmt: skip


def test_a_file_named_by_two_sidecars_is_a_problem_of_the_second() -> None:
    found = files("A.pdf", "A.json", "B.pdf", "B.json")
    plan = pair(found, {"B.json": b'{"attachments": ["A.pdf"]}'})
    problems = {d.key: d.problem for d in plan.documents}
    assert problems["A.json"] is None
    assert problems["B.json"] == DocumentProblem("belongs to another sidecar's document too", "attachments[0]", "A.pdf")


@pytest.mark.parametrize(
    ("data", "field", "value"),
    [
        (b'{"files": []}', "files", []),
        (b'{"original": "../x.pdf"}', "original", "../x.pdf"),
        (b'{"attachments": ["a.xml", "a.xml"]}', "attachments", ["a.xml", "a.xml"]),
        (b"x" * 1_000_001, None, None),
    ],
)
def test_a_bad_sidecar_names_the_field_and_value(data: bytes, field: str | None, value: Any) -> None:
    problem = read_sidecar(data, RULES)
    assert isinstance(problem, DocumentProblem)
    assert (problem.field, problem.value) == (field, value)


def test_names_a_drop_folder_never_trusts() -> None:
    assert [plain_name_problem(n) is None for n in ("a.pdf", "../a", "a\\b", ".hidden", "a\x00", "")] == [
        True, False, False, False, False, False,
    ]  # fmt: skip
    assert (local_name("../../etc/passwd.pdf", "0-"), local_name("INV 1.tar.gz")) == (
        "0-_etc_passwd.pdf",
        "INV_1_tar.gz",
    )


# --- on the embedded server ----------------------------------------------------------------


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


def test_scan_skips_what_is_still_written_and_refuses_untrusted_names(
    connection: SFTPConnection, nuntiq_sftp: SFTPDropFolder
) -> None:
    for name in ("A.pdf", "A.json", "B.pdf.part", "..\\evil.pdf", ".hidden"):
        nuntiq_sftp.put(f"{INBOX}/{name}", b"data")
    waits: list[float] = []

    def sender_still_writing(seconds: float) -> None:
        waits.append(seconds)
        nuntiq_sftp.put(f"{INBOX}/A.pdf", b"more data")

    listing = DropFolder(connection, INBOX, sleep=sender_still_writing).scan(5)

    assert (sorted(listing.files), listing.partial, listing.changing, waits) == (
        ["A.json"],
        ["B.pdf.part"],
        ["A.pdf"],
        [5],
    )
    assert list(listing.refused) == ["..\\evil.pdf"]


def test_archive_and_reject_move_every_file_with_one_suffix_and_a_report(
    connection: SFTPConnection, nuntiq_sftp: SFTPDropFolder
) -> None:
    for name in ("A.pdf", "A.json", "B.pdf", "B.json"):
        nuntiq_sftp.put(f"{INBOX}/{name}", b"{}" if name.endswith(".json") else b"%PDF")
    nuntiq_sftp.put(f"{INBOX}/archive/A.json", b"an earlier A")
    folder = DropFolder(connection, INBOX, clock=lambda: 0.0)
    assert folder.prepare() == []
    plan = folder.plan(folder.scan(0), RULES, 10)
    first, second = sorted(plan.documents, key=lambda d: d.key)
    assert (first.problem, second.problem) == (None, None)

    archived = folder.archive(first)
    second.problem = DocumentProblem("refused", "supplier_code", "X")
    moved, report = folder.reject(second, {"connector": "test"})

    assert archived == ["/drop/archive/A-1.pdf", "/drop/archive/A-1.json"]
    assert (moved, report) == (["/drop/error/B.pdf", "/drop/error/B.json"], "/drop/error/B.error.json")
    assert json.loads(nuntiq_sftp.read(report)) == {
        "reason": "refused", "field": "supplier_code", "value": "X",
        "problems": [{"field": "supplier_code", "value": "X", "message": "refused"}],
        "files": ["B.pdf", "B.json"], "connector": "test", "at": "1970-01-01T00:00:00Z",
    }  # fmt: skip
    assert nuntiq_sftp.names(INBOX) == []
    assert list(nuntiq_sftp.local(f"{INBOX}/.nuntiq-state").iterdir()) == []  # the plans are gone
    with pytest.raises(ValueError, match=r"'A\.json' has no problem to report"):
        folder.reject(first)
    with pytest.raises(ValueError, match=r"'B\.json' has a problem \(refused\); reject it instead"):
        folder.archive(second)


def test_moves_a_crash_interrupted_are_finished_by_the_next_prepare(
    connection: SFTPConnection, nuntiq_sftp: SFTPDropFolder, monkeypatch: pytest.MonkeyPatch
) -> None:
    nuntiq_sftp.put(f"{INBOX}/A.pdf", b"%PDF", mtime=time.time() - 60)
    nuntiq_sftp.put(f"{INBOX}/A.json", b"{}", mtime=time.time() - 60)
    folder = DropFolder(connection, INBOX)
    folder.prepare()
    [document] = folder.plan(folder.scan(0), RULES, 10).documents
    real_move = connection.move

    def dies_after_the_first_file(source: str, target: str) -> bool:
        real_move(source, target)
        raise ConnectionResetError("the job was killed here")

    monkeypatch.setattr(connection, "move", dies_after_the_first_file)  # this connection only
    with pytest.raises(ConnectionResetError):
        folder.archive(document)
    monkeypatch.undo()
    assert (nuntiq_sftp.names(INBOX), nuntiq_sftp.names(f"{INBOX}/archive")) == (["A.json"], ["A.pdf"])

    finished = DropFolder(connection, INBOX).prepare()

    assert finished == [["/drop/archive/A.pdf", "/drop/archive/A.json"]]
    assert (nuntiq_sftp.names(INBOX), nuntiq_sftp.names(f"{INBOX}/archive")) == ([], ["A.json", "A.pdf"])
    assert list(nuntiq_sftp.local(f"{INBOX}/.nuntiq-state").iterdir()) == []


def test_a_file_in_the_journal_that_is_no_plan_of_ours_is_left_alone(
    connection: SFTPConnection, nuntiq_sftp: SFTPDropFolder
) -> None:
    nuntiq_sftp.put(f"{INBOX}/.nuntiq-state/move-copied-by-an-operator.json", b"not json")
    nuntiq_sftp.put(f"{INBOX}/.nuntiq-state/move-empty.json", b'{"moves": []}')

    assert DropFolder(connection, INBOX).prepare() == []

    assert sorted(p.name for p in nuntiq_sftp.local(f"{INBOX}/.nuntiq-state").iterdir()) == [
        "move-copied-by-an-operator.json", "move-empty.json",
    ]  # fmt: skip


def test_prepare_names_the_setting_of_a_missing_folder(connection: SFTPConnection) -> None:
    with pytest.raises(OSError, match=r"config\.remote_inbox '/nowhere' does not exist on the SFTP server"):
        DropFolder(connection, "/nowhere", setting="config.remote_inbox").prepare()


def test_download_keeps_a_safe_local_name(
    connection: SFTPConnection, nuntiq_sftp: SFTPDropFolder, tmp_path: Path
) -> None:
    nuntiq_sftp.put(f"{INBOX}/INV 7 (copy).pdf", b"%PDF")
    folder = DropFolder(connection, INBOX)
    [entry] = folder.listing().values()
    assert folder.download(entry, tmp_path, 3) == tmp_path / "3-INV_7_copy.pdf"
