"""Outbox on the embedded server: SFTP requests per file on the steady path, failures, collisions, recovery."""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import Any

import paramiko.sftp
import pytest
from paramiko.sftp_client import SFTPClient

from nuntiq_sandbox.pytest_plugin import SFTPDropFolder
from nuntiq_sdk.sftp import (
    Delivery,
    DeliveryStep,
    Outbox,
    Outcome,
    PlannedFile,
    SFTPSettings,
    observe_delivery_steps,
)

pytestmark = pytest.mark.live

OUTBOX = "/out"
SENT = "/out/sent"
INVOICES = 20
MAX_REQUESTS_PER_FILE = 5


def settings_of(drop: SFTPDropFolder) -> SFTPSettings:
    server = drop.server
    return SFTPSettings(
        host=server.host, port=server.port, user=drop.user, password=drop.password, known_hosts=drop.known_hosts
    )


@pytest.fixture
def drop(nuntiq_sftp: SFTPDropFolder) -> SFTPDropFolder:
    nuntiq_sftp.mkdir(SENT)
    return nuntiq_sftp


def outbox_of(drop: SFTPDropFolder, concurrency: int = 4) -> Outbox:
    return Outbox(settings_of(drop), OUTBOX, owner="test", run_tag="run_1", taken_in=[SENT], concurrency=concurrency)


def deliveries(count: int, prefix: str = "INV") -> list[Delivery]:
    return [
        Delivery(f"tok-{n}", [PlannedFile(OUTBOX, f"{prefix}-{n}.csv", f"row {n}\n".encode() * 20)])
        for n in range(count)
    ]


def deliver(outbox: Outbox, batch: list[Delivery]) -> list[Outcome]:
    outcomes: list[Outcome] = []
    outbox.batch().deliver(batch, outcomes.append)
    return sorted(outcomes, key=lambda o: o.delivery.keys)


@pytest.fixture
def requests_sent(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Every SFTP request any client channel of this process sends, by command (what a round trip costs)."""
    counted: Counter[str] = Counter()
    original = SFTPClient._async_request

    def counting(self: SFTPClient, fileobj: Any, t: int, *args: Any) -> Any:
        counted[paramiko.sftp.CMD_NAMES.get(t, str(t))] += 1
        return original(self, fileobj, t, *args)

    monkeypatch.setattr(SFTPClient, "_async_request", counting)
    return counted


@pytest.mark.parametrize("concurrency", [1, 4])
def test_the_steady_path_costs_at_most_five_sftp_requests_per_invoice(
    drop: SFTPDropFolder, requests_sent: Counter[str], concurrency: int
) -> None:
    """A batch of 20 invoices, one file each: listing, uploads, one record, renames and the record's removal."""
    batch = deliveries(INVOICES)
    with outbox_of(drop, concurrency) as outbox:
        requests_sent.clear()  # the login is not the steady path
        outcomes = deliver(outbox, batch)
        for delivery in batch:
            outbox.settle(delivery.keys[0])
        outbox.forget_settled()
        sent = sum(requests_sent.values())

    assert [o.error for o in outcomes] == [None] * INVOICES
    assert drop.names(OUTBOX) == sorted(f"INV-{n}.csv" for n in range(INVOICES))
    assert drop.names(f"{OUTBOX}/.nuntiq-state") == []  # the record is gone once every key is settled
    print(f"\nconcurrency {concurrency}: {sent} SFTP requests for {INVOICES} invoices: {dict(requests_sent)}")
    assert sent <= MAX_REQUESTS_PER_FILE * INVOICES, dict(requests_sent)
    assert requests_sent["stat"] == 0, "no STAT on the steady path"
    assert requests_sent["write"] == INVOICES + 1  # one per file, one for the batch's record


def test_a_write_the_server_refuses_fails_that_delivery_alone_and_leaves_nothing(drop: SFTPDropFolder) -> None:
    """paramiko drops a pipelined write's failure at close(); write_file checks every acknowledgement."""
    drop.server.faults.fail_writes_matching = r"INV-2\.csv"
    with outbox_of(drop) as outbox:
        outcomes = deliver(outbox, deliveries(4))

    failed = [o for o in outcomes if o.error is not None]
    assert [o.delivery.keys for o in failed] == [("tok-2",)]
    assert "INV-2.csv" in str(failed[0].error)
    assert drop.names(OUTBOX) == ["INV-0.csv", "INV-1.csv", "INV-3.csv"]
    assert [p.name for p in drop.local(OUTBOX).iterdir() if p.name.endswith(".tmp")] == []


def test_names_taken_before_and_during_the_batch_get_the_next_suffix_recorded_first(drop: SFTPDropFolder) -> None:
    drop.put(f"{OUTBOX}/INV-0.csv", b"customer's")
    drop.put(f"{SENT}/INV-1.csv", b"picked up earlier")
    steps: list[tuple[str, str]] = []

    def rival(step: DeliveryStep) -> None:
        steps.append((step.name, step.moment))
        if step.name == "rename" and step.moment == "before" and step.target == f"{OUTBOX}/INV-2.csv":
            step.connection.write_file(step.target, b"a rival, meanwhile")

    remove = observe_delivery_steps(rival)
    try:
        with outbox_of(drop, concurrency=1) as outbox:
            outcomes = deliver(outbox, deliveries(3))
            records = outbox.records()
    finally:
        remove()

    assert [o.paths for o in outcomes] == [
        (f"{OUTBOX}/INV-0-1.csv",),
        (f"{OUTBOX}/INV-1-1.csv",),
        (f"{OUTBOX}/INV-2-1.csv",),
    ]
    assert drop.read(f"{OUTBOX}/INV-0.csv") == b"customer's"
    assert drop.read(f"{OUTBOX}/INV-2.csv") == b"a rival, meanwhile"
    assert len(records) == 2, records  # the batch's record, and one naming INV-2-1.csv before the move there
    # Per file in order: upload; then the record before any rename; a second record before the retried rename.
    assert steps.count(("record", "after")) == 2
    assert steps.index(("record", "after")) < steps.index(("rename", "before"))


def test_a_later_batch_finds_an_unreported_delivery_where_it_is_and_only_if_it_is_ours(drop: SFTPDropFolder) -> None:
    with outbox_of(drop) as outbox:
        deliver(outbox, deliveries(3))  # delivered, never settled: as a run killed before reporting leaves it

    drop.local(f"{OUTBOX}/INV-1.csv").rename(drop.local(f"{SENT}/INV-1.csv"))  # the ERP picked one up
    drop.local(f"{OUTBOX}/INV-2.csv").write_bytes(b"someone else's bytes")  # and one is not ours any more
    with outbox_of(drop) as outbox:
        batch = outbox.batch()
        assert batch.earlier("tok-0") == [f"{OUTBOX}/INV-0.csv"]
        assert batch.earlier("tok-1") == [f"{SENT}/INV-1.csv"]
        assert batch.earlier("tok-2") is None  # redo
        assert batch.earlier("tok-9") is None


def test_an_outbox_refuses_a_relative_folder_naming_it(drop: SFTPDropFolder) -> None:
    with pytest.raises(ValueError, match=r"folder must be an absolute remote path without '\.\.', got 'out'"):
        Outbox(settings_of(drop), "out", owner="test")
    with pytest.raises(ValueError, match=r"taken_in\[0\] .* got '/out/\.\./x'"):
        Outbox(settings_of(drop), OUTBOX, owner="test", taken_in=["/out/../x"])
    with pytest.raises(ValueError, match="concurrency must be an integer from 1 to 32, got 0"):
        Outbox(settings_of(drop), OUTBOX, owner="test", concurrency=0)


def test_a_delivery_refuses_unsafe_names_and_empty_parts() -> None:
    with pytest.raises(ValueError, match=r"'\.\./x\.csv'"):
        Delivery("tok", [PlannedFile(OUTBOX, "../x.csv", b"")])
    with pytest.raises(ValueError, match=r"Delivery\.keys"):
        Delivery([], [PlannedFile(OUTBOX, "x.csv", b"")])
    with pytest.raises(ValueError, match=r"Delivery\.files"):
        Delivery("tok", [])


def test_records_name_each_file_by_size_and_sha256(drop: SFTPDropFolder) -> None:
    batch = deliveries(2)
    with outbox_of(drop) as outbox:
        deliver(outbox, batch)
        [name] = outbox.records()
        parsed = outbox.journal.read_record(name)
    assert parsed is not None
    entry = parsed["tok-1"][0]
    data = batch[1].files[0].data
    assert (entry.path, entry.size, entry.sha256) == (
        f"{OUTBOX}/INV-1.csv",
        len(data),
        hashlib.sha256(data).hexdigest(),
    )


def test_a_surprise_in_one_worker_fails_that_delivery_only_and_nothing_hangs(drop: SFTPDropFolder) -> None:
    def surprise(step: DeliveryStep) -> None:
        if step.name == "upload" and step.moment == "after" and "INV-5.csv" in step.path:
            raise RuntimeError("a bug in one worker")

    remove = observe_delivery_steps(surprise)
    try:
        with outbox_of(drop, concurrency=4) as outbox:
            outcomes = deliver(outbox, deliveries(8))
    finally:
        remove()

    assert [(o.delivery.keys, str(o.error)) for o in outcomes if o.error] == [(("tok-5",), "a bug in one worker")]
    assert drop.names(OUTBOX) == sorted(f"INV-{n}.csv" for n in range(8) if n != 5)
    assert [p.name for p in drop.local(OUTBOX).iterdir() if p.name.endswith(".tmp")] == []


def test_a_temporary_file_whose_run_ends_during_the_listing_is_not_an_error(drop: SFTPDropFolder) -> None:
    """Another worker's upload is listed; the worker renames it and ends before its liveness is asked."""
    theirs = drop.put(f"{OUTBOX}/.nuntiq-test~run_2~INV-7.csv.0123456789ab.tmp", b"in flight")
    stale = drop.put(f"{OUTBOX}/.nuntiq-test~run_3~INV-8.csv.0123456789ab.tmp", b"left by a crash")

    def is_live(run: str) -> bool:
        if run == "run_2":
            theirs.rename(drop.local(f"{OUTBOX}/INV-7.csv"))  # renamed into place, then its run ended
        return False

    with Outbox(settings_of(drop), OUTBOX, owner="test", run_tag="run_1", is_live=is_live) as outbox:
        outbox.batch()

    assert drop.names(OUTBOX) == ["INV-7.csv"]
    assert not stale.exists()
