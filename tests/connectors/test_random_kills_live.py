"""Randomized SIGKILLs of the SFTP push: many kills at random points, then reruns; nothing lost, nothing twice.

Where ``test_crash_safety.py`` kills at each step on purpose, this test lets
a seeded random generator choose: half of the kills hit a random call of a
random SDK method (before or after it runs, through ``crashing_run.py``), the
other half a random moment of the run (a timer, so also mid-request and
mid-upload). After each kill the sandbox clock moves past the leases and the
killed delta run, the way an operator's next scheduled run would find them,
and the next run is killed again. Reruns then finish the work, and the test
counts, over every invoice: lost (never delivered), duplicated (delivered in
more than one file or row), and left at 92/93. It prints the counts and the
seed (``NUNTIQ_KILL_SEED`` replays a run).

About 20 kills against the embedded SFTP server; 6 against OpenSSH's sshd
where it can run.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from nuntiq_sandbox.sshd import OpenSSHServer, openssh_available
from nuntiq_sandbox.testing import SandboxServer
from nuntiq_sdk.testing import invoice_spec
from tests.connectors.conftest import CONNECTOR, PushWorld, run_summary
from tests.connectors.crashing_run import KILL_AT_ENV, KILL_MARKER
from tests.connectors.test_crash_safety import (
    CRASHING_RUN,
    PAST_LEASES_AND_DELTA_TTL,
    SIGKILLED,
    invoice_numbers_delivered,
    journal,
    temp_files,
)

pytestmark = pytest.mark.live

SEED = int(os.environ.get("NUNTIQ_KILL_SEED", "1312"))
RUN_TIMEOUT = 60.0
MAX_RERUNS = 10
# (method, moments) the kill may hit; the call number is drawn from 1..3.
KILL_POINTS = [
    ("InvoiceLoad.claim", ("after",)),
    ("InvoiceLoad.recover_pending_results", ("after",)),
    ("InvoiceLoad.get_by_token", ("before", "after")),
    ("InvoiceLoad.acknowledge", ("before", "after")),
    ("InvoiceLoad.integration_result", ("before", "after")),
    ("DeliveryJournal._write_records", ("before", "after")),
    ("DeliveryJournal._write_record_file", ("before", "after")),
    ("DeliveryJournal.forget", ("before", "after")),
    ("SFTPConnection._rename_no_clobber", ("before", "after")),
]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    """A sandbox for this module alone: its clock moves by an hour per kill."""
    with SandboxServer() as server:
        yield server


def command(world: PushWorld) -> list[str]:
    settings = world.write_settings(batch_size=4, max_batches=3)
    job = ["--settings", str(settings), "--work-dir", str(world.work / "job")]
    return [sys.executable, str(CRASHING_RUN), "run", str(CONNECTOR), *job]


def kill_at_a_point(world: PushWorld, rng: random.Random) -> str:
    method, moments = rng.choice(KILL_POINTS)
    spec = f"{method}:{rng.randint(1, 3)}:{rng.choice(moments)}"
    env = {**world.env(), KILL_AT_ENV: spec}
    result = subprocess.run(command(world), env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False)
    if result.returncode == SIGKILLED:
        assert KILL_MARKER in result.stderr, result.stderr
        return "killed"
    assert result.returncode == 0, f"{spec}: exit {result.returncode}\n{result.stderr}"
    return "finished first"  # the run never made that call


def kill_on_a_timer(world: PushWorld, rng: random.Random) -> str:
    delay = rng.uniform(0.8, 2.5)  # the interpreter takes most of the first 0.8 s to start
    process = subprocess.Popen(command(world), env=world.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + delay
    while process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)
    _, err = process.communicate(timeout=RUN_TIMEOUT)
    if process.returncode == SIGKILLED:
        return "killed"
    assert process.returncode == 0, f"exit {process.returncode}\n{err.decode(errors='replace')}"
    return "finished first"


def next_scheduled_run(world: PushWorld) -> None:
    """What the crashed run leaves lapses (leases, its delta run) before the scheduler's next run."""
    world.sandbox.admin.advance_clock(PAST_LEASES_AND_DELTA_TTL)


def kill_repeatedly(world: PushWorld, kills: int, invoices: int) -> None:
    rng = random.Random(SEED)
    tokens = world.invoices(invoices // 2)
    outcomes: Counter[str] = Counter()
    for n in range(kills):
        if n == kills // 2:  # fresh work arrives while crashed runs are being cleaned up
            tokens += _more_invoices(world, invoices - len(tokens), start=len(tokens))
        how = kill_on_a_timer if n % 2 else kill_at_a_point
        outcomes[f"{how.__name__.removeprefix('kill_')}: {how(world, rng)}"] += 1
        next_scheduled_run(world)

    reruns = 0
    while reruns < MAX_RERUNS:
        reruns += 1
        result = world.run(timeout=RUN_TIMEOUT, batch_size=20, max_batches=10)
        assert result.returncode == 0, result.stderr
        summary = run_summary(result)
        if summary["claimed"] == 0 and not summary.get("recovered"):
            break
        next_scheduled_run(world)

    delivered = invoice_numbers_delivered(world)
    expected = [f"INV-{n:04d}" for n in range(1, len(tokens) + 1)]
    statuses = Counter(world.statuses(tokens))
    lost = sum(1 for number in expected if delivered[number] == 0)
    duplicated = sum(1 for number in expected if delivered[number] > 1)
    stuck = statuses[92] + statuses[93]
    killed = sum(count for outcome, count in outcomes.items() if outcome.endswith("killed"))
    print(
        f"\nrandom kills against {type(world.server).__name__} (seed {SEED}): {killed} SIGKILLs of {kills} runs "
        f"{dict(outcomes)}; {reruns} reruns; {len(tokens)} invoices: lost {lost}, duplicated {duplicated}, "
        f"left at 92/93 {stuck}; statuses {dict(statuses)}"
    )
    assert killed >= kills // 2, f"too few runs were killed to mean anything: {outcomes}"
    assert (lost, duplicated, stuck) == (0, 0, 0), f"deliveries: {delivered}"
    assert set(delivered) <= set(expected), delivered
    assert statuses == Counter({100: len(tokens)})
    assert temp_files(world) == []
    assert journal(world) == []


def _more_invoices(world: PushWorld, count: int, start: int) -> list[str]:
    """``count`` more invoices at 90, numbered (and created) after the first ``start``."""
    specs = []
    for n in range(start, start + count):
        spec = {"tenant_id": world.tenant.tenant_id, **invoice_spec(f"INV-{n + 1:04d}")}
        spec["created_at"] = f"2026-11-{1 + n // 1440:02d}T{(n // 60) % 24:02d}:{n % 60:02d}:00Z"
        specs.append(spec)
    return world.sandbox.admin.create_invoices(specs)


def test_twenty_random_kills_against_the_embedded_server(push_world: PushWorld) -> None:
    kill_repeatedly(push_world, kills=20, invoices=40)


AVAILABLE, WHY_NOT = openssh_available()


@pytest.mark.skipif(not AVAILABLE, reason=WHY_NOT)
def test_six_random_kills_against_openssh(sandbox: SandboxServer, tmp_path: Path) -> None:
    from tests.connectors.test_push_openssh_live import openssh_world

    root = tmp_path / "sshd-root"
    root.mkdir()
    with OpenSSHServer(root) as server:
        kill_repeatedly(openssh_world(sandbox, server, tmp_path), kills=6, invoices=16)
