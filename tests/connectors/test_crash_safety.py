"""Crash safety of the SFTP push: SIGKILL the connector at each step, rerun it, prove exactly-once delivery.

Each test runs the connector through ``crashing_run.py`` (``nuntiq`` that
kills itself with SIGKILL on the Nth call of a named SDK method, or at the
Nth delivery step the SDK's ``observe_delivery_steps`` seam reports), checks that
the process really died of SIGKILL at that moment and what the crash left
behind, moves the sandbox clock past the leases a killed run leaves open
(the delta run it left lapses within a minute and never blocks the rerun),
reruns the connector with plain ``nuntiq run`` and proves:

* exactly one delivered CSV per invoice, counted by the invoice numbers
  *inside* the files of the outbox and ``sent/`` (hidden and ``.tmp`` files
  excluded);
* every invoice at 100 (or at 97 with a failure code and message);
* no ``.tmp`` left in the outbox;
* the delivery journal (``<outbox>/.nuntiq-state``) empty.

The docs' own connector (seed 004) is run through the same crash as a
contrast: it delivers a second file for the invoice it had uploaded but not
acknowledged.

The runs work strictly in order (``concurrency=1``), so a kill lands at one
known moment: per batch the push uploads every file to a temporary name,
writes one journal record, then per invoice renames its files and reports
it. (The random kills in ``test_random_kills_live.py`` run with the default
overlap.)

These tests get a sandbox of their own: they move its clock by hours.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from nuntiq_sandbox.testing import SandboxServer
from tests.connectors.conftest import CONNECTOR, SEED_CONNECTOR, PushWorld
from tests.connectors.crashing_run import KILL_AT_ENV, KILL_MARKER, KILL_MATCH_ENV, RIVAL_AT_ENV

pytestmark = pytest.mark.live

CRASHING_RUN = Path(__file__).with_name("crashing_run.py")
RUN_TIMEOUT = 30.0
PAST_LEASES_AND_DELTA_TTL = 601  # leases 600 s; a delta run's lease is 60 s
SIGKILLED = -9
HEADER = "invoice_number\tdate\tcurrency\ttotal\tsupplier_code\tline_count"
TEMP_OF_RUN = re.compile(r"^\.nuntiq-acme_erp_push~run_[0-9a-f]+~")  # a worker tags its temporary files with its run


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    """A sandbox for this module alone: its clock is moved forward by an hour per crash."""
    with SandboxServer() as server:
        yield server


# -- helpers -----------------------------------------------------------------------


def run_killed(
    world: PushWorld,
    kill_at: str,
    *,
    match: str | None = None,
    rival_at: int | None = None,
    connector: Path = CONNECTOR,
    **config: Any,
) -> subprocess.CompletedProcess[str]:
    """Run ``connector`` through crashing_run.py and check that it died of SIGKILL where asked."""
    if connector == CONNECTOR:
        config.setdefault("concurrency", 1)  # one step at a time: the kill lands where the test says
    settings = world.write_settings(**config)
    command = [sys.executable, str(CRASHING_RUN), "run", str(connector), "--settings", str(settings)]
    command += ["--work-dir", str(world.work / "job")]
    env = {**world.env(), KILL_AT_ENV: kill_at}
    if match is not None:
        env[KILL_MATCH_ENV] = match
    if rival_at is not None:
        env[RIVAL_AT_ENV] = str(rival_at)
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False)
    assert result.returncode == SIGKILLED, f"expected death by SIGKILL at {kill_at}:\n{result.stderr}"
    assert KILL_MARKER in result.stderr, result.stderr
    return result


def rerun(world: PushWorld, connector: Path = CONNECTOR, **config: Any) -> subprocess.CompletedProcess[str]:
    """What an operator (or the scheduler) does after a crash: wait out the leases, run again."""
    world.sandbox.admin.advance_clock(PAST_LEASES_AND_DELTA_TTL)
    result = world.run(connector, timeout=RUN_TIMEOUT, **config)
    assert result.returncode == 0, result.stderr
    return result


def invoice_numbers_delivered(world: PushWorld) -> Counter[str]:
    """How often each invoice number appears in a delivered CSV (outbox and sent/; hidden and .tmp files excluded)."""
    counts: Counter[str] = Counter()
    for path in world.delivered():
        if path.name.endswith(".tmp"):
            continue
        lines = path.read_bytes().decode("utf-8-sig").splitlines()
        if not lines or lines[0] != HEADER:
            continue  # not one of ours (a rival's file)
        counts.update(line.split("\t")[0] for line in lines[1:] if line)
    return counts


def numbers(count: int) -> list[str]:
    return [f"INV-{n:04d}" for n in range(1, count + 1)]


def temp_files(world: PushWorld) -> list[str]:
    return sorted(p.name for folder in (world.outbox, world.sent) for p in folder.iterdir() if p.name.endswith(".tmp"))


def journal(world: PushWorld) -> list[str]:
    state = world.outbox / ".nuntiq-state"
    return sorted(p.name for p in state.iterdir()) if state.exists() else []


def assert_finished_exactly_once(world: PushWorld, tokens: list[str]) -> None:
    """The four promises of a rerun after a crash."""
    counts = invoice_numbers_delivered(world)
    expected = numbers(len(tokens))
    assert {n: counts[n] for n in expected} == dict.fromkeys(expected, 1), f"deliveries per invoice: {counts}"
    assert set(counts) <= set(expected), f"unexpected invoice numbers delivered: {counts}"
    for token in tokens:
        invoice = world.status(token)
        if invoice["status"] == 97:
            assert invoice["failure_code"], invoice
            assert invoice["failure_message"], invoice
        else:
            assert invoice["status"] == 100, invoice
    assert temp_files(world) == [], "temporary files left after the rerun"
    assert journal(world) == [], "delivery journal not empty after the rerun"


# -- one file per invoice --------------------------------------------------------------


KILL_POINTS_PER_INVOICE = [
    # (kill point, match, statuses at the crash, how many files had their final name, a temporary file of INV-0002 left)
    # A batch is acknowledged and reported once all its files are in place (two requests), so at any crash
    # before that every invoice is still at 92.
    pytest.param("InvoiceLoad.claim:1:after", "'PendingIntegration'", [92, 92, 92, 92], 0, False, id="after-claim"),
    # Every temporary file written, the batch's journal record not yet: nothing delivered.
    pytest.param("step:record:1:before", None, [92, 92, 92, 92], 0, True, id="mid-upload-temp-written"),
    pytest.param("step:rename:2:before", None, [92, 92, 92, 92], 1, True, id="between-journal-and-rename"),
    pytest.param("step:rename:2:after", None, [92, 92, 92, 92], 2, False, id="right-after-rename"),
    pytest.param(
        "InvoiceLoad.acknowledge_all:1:before", None, [92, 92, 92, 92], 4, False, id="after-upload-before-ack"
    ),
    pytest.param("InvoiceLoad.report_results:1:before", None, [93, 93, 93, 93], 4, False, id="after-ack-before-result"),
]


@pytest.mark.parametrize(("kill_at", "match", "statuses_at_crash", "landed", "temp_left"), KILL_POINTS_PER_INVOICE)
def test_killed_run_is_finished_by_the_rerun_exactly_once(
    push_world: PushWorld, kill_at: str, match: str | None, statuses_at_crash: list[int], landed: int, temp_left: bool
) -> None:
    tokens = push_world.invoices(4)
    run_killed(push_world, kill_at, match=match)

    # What the crash left: the first ``landed`` files under their final names, nothing reported yet.
    assert push_world.statuses(tokens) == statuses_at_crash
    assert invoice_numbers_delivered(push_world) == Counter(numbers(landed))
    second_is_temporary = any(TEMP_OF_RUN.match(name) and "~INV-0002-" in name for name in temp_files(push_world))
    assert second_is_temporary is temp_left, temp_files(push_world)

    result = rerun(push_world)
    assert_finished_exactly_once(push_world, tokens)
    assert push_world.statuses(tokens) == [100] * 4
    assert '"failed": 0' in result.stdout


def test_a_rerun_after_the_erp_picked_the_files_up_still_delivers_once(push_world: PushWorld) -> None:
    """Killed right after the rename; the ERP moves what it sees to sent/ before the rerun."""
    tokens = push_world.invoices(4)
    run_killed(push_world, "step:rename:2:after")
    for path in push_world.delivered():
        path.rename(push_world.sent / path.name)
    result = rerun(push_world)
    assert_finished_exactly_once(push_world, tokens)
    assert '"already_delivered": 2' in result.stdout  # INV-0001 and INV-0002, found in sent/ by their record
    assert push_world.status(tokens[1])["external_id_1"].startswith("/inbound/invoices/sent/INV-0002-")


def test_a_second_rerun_does_nothing(push_world: PushWorld) -> None:
    tokens = push_world.invoices(4)
    run_killed(push_world, "InvoiceLoad.acknowledge_all:1:before")
    rerun(push_world)
    assert_finished_exactly_once(push_world, tokens)
    files_before = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in push_world.delivered()}
    connections_before = push_world.server.stats.connections
    invoices_before = [push_world.status(t) for t in tokens]

    again = rerun(push_world)

    assert '"claimed": 0' in again.stdout
    assert {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in push_world.delivered()} == files_before
    assert push_world.server.stats.connections == connections_before  # nothing to do: never logged in
    assert [push_world.status(t) for t in tokens] == invoices_before
    assert_finished_exactly_once(push_world, tokens)


def test_a_rerun_right_after_a_kill_proceeds_and_a_later_one_finishes_exactly_once(push_world: PushWorld) -> None:
    """The killed run's delta run does not block the stream: a rerun at once pushes what is free (the
    killed run's invoices are still leased), its temporary files stay while its run may live, and a rerun
    once its leases lapsed (well within the docs' 2 minutes for the delta run) finishes the rest."""
    tokens = push_world.invoices(6)
    run_killed(push_world, "step:record:1:before", batch_size=4)  # its 4 files uploaded, none delivered
    left = [name for name in temp_files(push_world) if "~INV-0002-" in name]
    assert len(left) == 1, temp_files(push_world)
    assert TEMP_OF_RUN.match(left[0]), left
    at_once = push_world.run(timeout=RUN_TIMEOUT, batch_size=4)
    assert at_once.returncode == 0, at_once.stderr
    assert push_world.statuses(tokens) == [92, 92, 92, 92, 100, 100]
    assert left[0] in temp_files(push_world)  # the killed run's delta run may still live: not touched yet
    push_world.sandbox.admin.advance_clock(119)  # the killed run's delta run lapsed; its leases did not
    state = push_world.sandbox.admin.get_invoice(tokens[1])
    assert state["lease_live"] is True, state
    push_world.sandbox.admin.advance_clock(600 - 119 + 1)
    rerun(push_world, batch_size=4)
    assert_finished_exactly_once(push_world, tokens)


# -- one batch file for several invoices --------------------------------------------


KILL_POINTS_BATCH = [
    pytest.param("step:record:1:before", False, True, id="mid-upload-temp-written"),
    pytest.param("step:rename:1:before", False, True, id="between-journal-and-rename"),
    pytest.param("step:rename:1:after", True, False, id="right-after-rename"),
    pytest.param("InvoiceLoad.acknowledge_all:1:before", True, False, id="before-batch-acknowledge"),
    pytest.param("InvoiceLoad.report_results:1:before", True, False, id="before-batch-result"),
]


@pytest.mark.parametrize(("kill_at", "file_landed", "temp_left"), KILL_POINTS_BATCH)
def test_killed_batch_run_is_finished_by_the_rerun_exactly_once(
    push_world: PushWorld, kill_at: str, file_landed: bool, temp_left: bool
) -> None:
    tokens = push_world.invoices(4)
    run_killed(push_world, kill_at, file_mode="batch")

    assert invoice_numbers_delivered(push_world) == (Counter(numbers(4)) if file_landed else Counter())
    assert any(TEMP_OF_RUN.match(name) and "~invoices-" in name for name in temp_files(push_world)) is temp_left
    assert 100 not in push_world.statuses(tokens)[2:]

    rerun(push_world, file_mode="batch")
    assert_finished_exactly_once(push_world, tokens)
    assert push_world.statuses(tokens) == [100] * 4
    assert len(push_world.delivered()) == 1  # still one batch file, not one per rerun


# -- defects found: each test fails until the SDK or the connector is fixed ------------------


def test_a_record_torn_by_a_kill_is_not_trusted_and_is_removed_by_the_next_run(push_world: PushWorld) -> None:
    """Killed while the batch's journal record was being written: the record is torn (here: cut in half).

    A record is written once under its final name, and no file is renamed
    before its write returned; a torn record does not parse, which reads as
    "not delivered: redo". The next run (the killed run's delta run lapsed)
    removes it with the killed run's temporary files and delivers once.
    """
    tokens = push_world.invoices(4)
    run_killed(push_world, "step:record:1:before")
    [run] = {name.split("~")[1] for name in temp_files(push_world) if TEMP_OF_RUN.match(name)}  # the killed run's id
    state = push_world.outbox / ".nuntiq-state"
    state.mkdir(exist_ok=True)
    whole = (
        '{"deliveries": [{"keys": ["%s"], "files": [{"path": "/inbound/invoices/x.csv", "size": 1, "sha256": ""}]}]}'
    )
    (state / f"delivery-acme_erp_push~{run}~0123456789ab.json").write_text((whole % tokens[0])[:60])
    rerun(push_world)
    assert_finished_exactly_once(push_world, tokens)


def test_a_kill_after_the_result_before_the_journal_forgets_leaves_no_record(push_world: PushWorld) -> None:
    """Killed after the batch (invoices 1 and 2) is reported (100), before its journal record is removed.

    The record belongs to invoices no run will claim again (they are at 100),
    so unless the next run checks, records of such crashes pile up in the journal.
    """
    tokens = push_world.invoices(4)
    run_killed(push_world, "step:forget:1:before", batch_size=2)
    assert push_world.statuses(tokens) == [100, 100, 90, 90]
    assert len(journal(push_world)) == 1
    rerun(push_world)
    assert_finished_exactly_once(push_world, tokens)


def test_a_worker_that_cannot_open_its_delta_run_gives_its_claims_back(push_world: PushWorld) -> None:
    """Claimed first, then the delta run refused (here: the token may not run deltas): nothing stays at 92."""
    tokens = push_world.invoices(4)
    push_world.sandbox.admin.add_fault(r"/v1/delta-runs$", method="POST", status=503, count=100)
    try:
        failed = push_world.run(timeout=RUN_TIMEOUT, api_max_retries=0)
    finally:
        push_world.sandbox.admin.clear_faults()
    assert failed.returncode == 1
    assert push_world.statuses(tokens) == [90, 90, 90, 90]
    assert push_world.delivered() == []


def test_a_name_taken_during_the_move_and_a_kill_before_the_record_is_rewritten_does_not_duplicate(
    push_world: PushWorld,
) -> None:
    """A rival takes the planned name between the record and the rename; the rename fails (it never replaces),
    and a new record names the next name *before* the file moves there. Killed before that record, our file is
    still temporary and the record points at the rival's file, which does not match: the rerun delivers once.
    """
    tokens = push_world.invoices(2)
    # Before the 1st rename a rival writes the planned name; kill before the 2nd record (the one naming the next name).
    run_killed(push_world, "step:record:2:before", rival_at=1)
    assert invoice_numbers_delivered(push_world) == Counter()  # only the rival's file is there
    rerun(push_world)
    assert_finished_exactly_once(push_world, tokens)


# -- the contrast: the docs' connector -------------------------------------------------


def test_the_docs_connector_duplicates_a_file_when_killed_after_upload_before_acknowledge(
    push_world: PushWorld,
) -> None:
    """The defect our connector fixes. Killed between its upload and its acknowledge, the docs' connector leaves the
    invoice at 92; once the lease lapses the next run claims it again and uploads it again. With the ERP having
    moved the first copy to sent/ (its cleanup) the second lands next to it: the ERP books the invoice twice.
    (Without the pickup, ``posix_rename`` silently overwrites the first copy, which the ERP may already have read.)
    """
    tokens = push_world.invoices(4)
    run_killed(push_world, "InvoiceLoad.acknowledge:2:before", connector=SEED_CONNECTOR)
    assert push_world.statuses(tokens) == [100, 92, 92, 92]
    for path in push_world.delivered():
        path.rename(push_world.sent / path.name)

    rerun(push_world, SEED_CONNECTOR)

    counts = invoice_numbers_delivered(push_world)
    assert counts["INV-0002"] == 2, counts  # the duplicate
    assert counts == Counter({"INV-0001": 1, "INV-0002": 2, "INV-0003": 1, "INV-0004": 1})
    assert push_world.statuses(tokens) == [100] * 4


def test_our_connector_does_not_duplicate_in_the_same_scenario(push_world: PushWorld) -> None:
    tokens = push_world.invoices(4)
    run_killed(push_world, "InvoiceLoad.acknowledge_all:1:before")
    for path in push_world.delivered():
        path.rename(push_world.sent / path.name)
    rerun(push_world)
    assert_finished_exactly_once(push_world, tokens)
