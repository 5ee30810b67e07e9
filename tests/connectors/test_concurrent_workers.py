"""Same-name workers of the push connectors run together (seed 004, "Concurrency"), and a kill blocks nothing.

Each worker is a real ``nuntiq run`` subprocess with the same settings.json,
against the sandbox and the embedded SFTP server. Checked for our connector
and for the docs' copy: every worker exits 0, every invoice is delivered once
(counted by the invoice numbers inside the delivered files) and ends at 100;
a worker with nothing to do leaves the stream's cursor and runs alone; after a
SIGKILL the next run proceeds at once and the killed run's delta run lapses
within 2 minutes of sandbox time. Then the lease heartbeat: a slow SFTP server
(it moves the sandbox clock on every write) under a 10 s lease still delivers
every invoice, and an invoice whose lease was lost is not pushed.

This module gets a sandbox of its own: it moves its clock.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from nuntiq_sandbox.testing import SandboxServer
from tests.connectors.conftest import CONNECTOR, HEADER, SEED_CONNECTOR, PushWorld, run_summary, summary_of
from tests.connectors.crashing_run import KILL_AT_ENV, KILL_MARKER

pytestmark = pytest.mark.live

CONNECTORS = [pytest.param(CONNECTOR, id="ours"), pytest.param(SEED_CONNECTOR, id="docs")]
CRASHING_RUN = Path(__file__).with_name("crashing_run.py")
WORKERS = 4
RUN_TIMEOUT = 120.0  # seconds for a job; a healthy one takes about one
STREAM = "acme_erp_push/pushed_invoices"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    """A sandbox for this module alone: its clock is moved."""
    with SandboxServer() as server:
        yield server


def command(world: PushWorld, connector: Path, worker: int, settings: Path, runner: list[str]) -> list[str]:
    return [*runner, "run", str(connector), "--settings", str(settings), "--work-dir", str(world.work / f"job{worker}")]


def run_workers(world: PushWorld, connector: Path, count: int = WORKERS, **config: Any) -> list[tuple[int, str, str]]:
    """``count`` workers of ``connector`` started together with the same settings; (exit code, stdout, stderr) each."""
    settings = world.write_settings(**config)
    runner = [sys.executable, "-m", "nuntiq_cli"]
    workers = [
        subprocess.Popen(
            command(world, connector, n, settings, runner),
            env=world.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(count)
    ]
    results = []
    for worker in workers:
        out, err = worker.communicate(timeout=RUN_TIMEOUT)
        results.append((worker.returncode, out, err))
    return results


def delivered_numbers(world: PushWorld) -> Counter[str]:
    """How often each invoice number appears in a delivered CSV (outbox and sent/; hidden files excluded)."""
    counts: Counter[str] = Counter()
    for path in world.delivered():
        lines = path.read_bytes().decode("utf-8-sig").splitlines()
        if lines and lines[0] == HEADER:
            counts.update(line.split("\t")[0] for line in lines[1:] if line)
    return counts


def numbers(count: int) -> Counter[str]:
    return Counter(f"INV-{n:04d}" for n in range(1, count + 1))


def api_get(world: PushWorld, path: str) -> dict[str, Any]:
    response = httpx.get(
        f"{world.sandbox.api_url}{path}", headers={"Authorization": f"Bearer {world.token.token}"}, timeout=30
    )
    response.raise_for_status()
    return dict(response.json())


def stream_state(world: PushWorld) -> dict[str, Any]:
    return api_get(world, f"/delta-state/{STREAM}")


@pytest.mark.parametrize("connector", CONNECTORS)
def test_four_same_name_workers_all_exit_0_and_deliver_every_invoice_once(
    push_world: PushWorld, connector: Path
) -> None:
    tokens = push_world.invoices(40)
    results = run_workers(push_world, connector, batch_size=10)

    assert [code for code, _, _ in results] == [0] * WORKERS, [err[-2000:] for _, _, err in results]
    summaries = [run_summary(subprocess.CompletedProcess([], 0, out, "")) for _, out, _ in results]
    assert delivered_numbers(push_world) == numbers(40)
    # Under load a worker may finish an invoice another left at 93 when its lease lapsed: "recovered", still once.
    assert sum(summary["pushed"] + summary.get("recovered", 0) for summary in summaries) == 40, summaries
    assert push_world.statuses(tokens) == [100] * 40
    assert list(push_world.outbox.rglob("*.tmp")) == []
    state = stream_state(push_world)
    assert state["active_run_ids"] == []
    assert state["cursor"] is not None


@pytest.mark.parametrize("connector", CONNECTORS)
def test_workers_with_nothing_to_do_exit_0_and_leave_the_stream_alone(push_world: PushWorld, connector: Path) -> None:
    tokens = push_world.invoices(2)
    first = run_workers(push_world, connector, count=1)
    assert first[0][0] == 0, first[0][2]
    before = stream_state(push_world)
    connections = push_world.server.stats.connections

    idle = run_workers(push_world, connector)

    assert [code for code, _, _ in idle] == [0] * WORKERS, [err[-2000:] for _, _, err in idle]
    assert all('"pushed": 0' in out for _, out, _ in idle)
    after = stream_state(push_world)
    assert (after["cursor"], after["last_run"]["run_id"]) == (before["cursor"], before["last_run"]["run_id"])
    assert push_world.server.stats.connections == connections  # nothing claimed: never logged in
    assert push_world.statuses(tokens) == [100, 100]


# Killed with invoices delivered but not acknowledged: ours acknowledges a batch in one request, the docs' one by one.
ACK_OF_SECOND_INVOICE = {
    CONNECTOR: "InvoiceLoad.acknowledge_all:1:before",
    SEED_CONNECTOR: "InvoiceLoad.acknowledge:2:before",
}


@pytest.mark.parametrize("connector", CONNECTORS)
def test_after_a_sigkill_the_next_run_proceeds_at_once(push_world: PushWorld, connector: Path) -> None:
    tokens = push_world.invoices(6)
    settings = push_world.write_settings(batch_size=3)
    killed = subprocess.run(
        command(push_world, connector, 9, settings, [sys.executable, str(CRASHING_RUN)]),
        env={**push_world.env(), KILL_AT_ENV: ACK_OF_SECOND_INVOICE[connector]},
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    assert killed.returncode == -9, killed.stderr
    assert KILL_MARKER in killed.stderr
    [crashed_run] = stream_state(push_world)["active_run_ids"]  # the killed run's delta run, left open

    rerun = push_world.run(connector, timeout=RUN_TIMEOUT, batch_size=3)  # at once: nothing blocks it

    assert rerun.returncode == 0, rerun.stderr
    assert push_world.statuses(tokens)[3:] == [100, 100, 100]
    push_world.sandbox.admin.advance_clock(61)  # within 2 minutes of sandbox time the killed run has lapsed
    assert api_get(push_world, f"/delta-runs/{crashed_run}")["status"] == "abandoned"
    assert stream_state(push_world)["active_run_ids"] == []
    if connector == CONNECTOR:  # ours finishes the killed run's invoices exactly once once their leases lapse
        push_world.sandbox.admin.advance_clock(600)
        assert push_world.run(connector, timeout=RUN_TIMEOUT, batch_size=3).returncode == 0
        assert delivered_numbers(push_world) == numbers(6)
        assert push_world.statuses(tokens) == [100] * 6


# -- the lease heartbeat: a slow SFTP server under a short lease --------------------------------------------


def slow_server(world: PushWorld, seconds_per_write: float, pause: float = 0.3) -> list[str]:
    """Every write request moves the sandbox clock, then pauses (real time) so heartbeats get their turn."""
    writes: list[str] = []

    def on_write(remote_path: str) -> None:
        writes.append(remote_path)
        world.sandbox.admin.advance_clock(seconds_per_write)
        time.sleep(pause)

    world.server.faults.on_write = on_write
    return writes


# The slow server moves the API's clock per write, so its writes must come one at a time (concurrency=1): parallel
# channels would each move the clock as if the others' time had passed too.
IN_ORDER = {"concurrency": 1}


def test_a_slow_server_under_a_short_lease_still_delivers_every_invoice(push_world: PushWorld) -> None:
    tokens = push_world.invoices(5)
    writes = slow_server(push_world, 4)
    try:
        result = push_world.run(timeout=RUN_TIMEOUT, lease_ttl_seconds=10, lease_heartbeat_seconds=0.1, **IN_ORDER)
    finally:
        push_world.server.faults.on_write = None
    assert result.returncode == 0, result.stderr
    assert run_summary(result) == summary_of(pushed=5)
    assert len(writes) * 4 > 10 * 2  # the batch took far longer than its lease in the API's time
    assert delivered_numbers(push_world) == numbers(5)
    assert push_world.statuses(tokens) == [100] * 5


def test_an_invoice_whose_lease_was_lost_is_not_pushed(push_world: PushWorld) -> None:
    tokens = push_world.invoices(5)
    slow_server(push_world, 3600, pause=1.0)  # the first write stalls an hour: every lease lapses
    try:
        result = push_world.run(timeout=RUN_TIMEOUT, lease_ttl_seconds=10, lease_heartbeat_seconds=0.1, **IN_ORDER)
    finally:
        push_world.server.faults.on_write = None
    summary = run_summary(result)
    assert summary["lease_lost"] == 4, result.stderr
    assert (summary["pushed"], summary["failed"]) == (0, 0)
    assert delivered_numbers(push_world) == numbers(1)  # only the one in flight when the lease lapsed
    assert "its lease was lost" in result.stderr

    push_world.sandbox.admin.advance_clock(11)
    again = push_world.run(timeout=RUN_TIMEOUT)
    assert again.returncode == 0, again.stderr
    assert delivered_numbers(push_world) == numbers(5)  # the one in flight is finished, not pushed twice
    assert push_world.statuses(tokens) == [100] * 5
