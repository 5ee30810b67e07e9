"""Randomized SIGKILLs of the SFTP push: many kills at random points, then reruns; nothing lost, nothing twice.

Where ``test_crash_safety.py`` kills at each step on purpose, this test lets
a seeded random generator choose: half of the kills hit a random call of a
random SDK method (before or after it runs, through ``crashing_run.py``), the
other half a random moment of the run (a timer started once the run has
claimed, so also mid-request and mid-upload). Fresh invoices arrive before
each run, until 20 runs died (at most 40 runs). After each kill the sandbox
clock moves past the leases and the killed delta run, the way an operator's
next scheduled run would find them. Reruns then finish the work, and the test
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

from nuntiq_sandbox.pytest_plugin import invoice_spec
from nuntiq_sandbox.sshd import OpenSSHServer, openssh_available
from nuntiq_sandbox.testing import SandboxServer
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

pytestmark = [pytest.mark.live, pytest.mark.heavy]

SEED = int(os.environ.get("NUNTIQ_KILL_SEED", "1312"))
RUN_TIMEOUT = 60.0
MAX_RERUNS = 10
NEW_PER_RUN = 6  # invoices added before each run; a run claims up to 12 (3 batches of 4)
# (method, moments) the kill may hit; the call number is drawn from 1..2.
KILL_POINTS = [
    ("InvoiceLoad.claim", ("after",)),
    ("InvoiceLoad.recover_pending_results", ("after",)),
    ("InvoiceLoad.get_by_token", ("before", "after")),
    ("InvoiceLoad.acknowledge_all", ("before", "after")),  # a batch's acknowledgement and report: one request each
    ("InvoiceLoad.report_results", ("before", "after")),
    ("step:upload", ("before", "after")),  # the SDK's delivery steps (nuntiq_sdk.sftp.observe_delivery_steps)
    ("step:record", ("before", "after")),
    ("step:rename", ("before", "after")),
    ("step:forget", ("before", "after")),
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
    spec = f"{method}:{rng.randint(1, 2)}:{rng.choice(moments)}"
    env = {**world.env(), KILL_AT_ENV: spec}
    result = subprocess.run(command(world), env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False)
    if result.returncode == SIGKILLED:
        assert KILL_MARKER in result.stderr, result.stderr
        return "killed"
    assert result.returncode == 0, f"{spec}: exit {result.returncode}\n{result.stderr}"
    return "finished first"  # the run never made that call


def kill_on_a_timer(world: PushWorld, rng: random.Random) -> str:
    """Killed at a random moment once the run has claimed its batch (mid-request, mid-upload, anywhere)."""
    log = world.work / "job" / "logs" / "connector.jsonl"
    seen = log.stat().st_size if log.exists() else 0
    delay = rng.uniform(0.0, 0.6)
    process = subprocess.Popen(command(world), env=world.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = None
    while process.poll() is None:
        if deadline is None and log.exists() and b'"step": "claim"' in log.read_bytes()[seen:]:
            deadline = time.monotonic() + delay
        if deadline is not None and time.monotonic() >= deadline:
            process.send_signal(signal.SIGKILL)
            break
        time.sleep(0.005)
    _, err = process.communicate(timeout=RUN_TIMEOUT)
    if process.returncode == SIGKILLED:
        return "killed"
    assert process.returncode == 0, f"exit {process.returncode}\n{err.decode(errors='replace')}"
    return "finished first"


def next_scheduled_run(world: PushWorld) -> None:
    """What the crashed run leaves lapses (leases, its delta run) before the scheduler's next run."""
    world.sandbox.admin.advance_clock(PAST_LEASES_AND_DELTA_TTL)


def kill_repeatedly(world: PushWorld, kills: int) -> None:
    """Runs until ``kills`` of them died of SIGKILL (at most four times as many runs); fresh work before each.

    A run of 12 invoices now often ends inside the timer's window, and a drawn kill point the run never
    reaches lets it finish: four times as many runs leave room for both, on a fast machine or a slow one.
    """
    rng = random.Random(SEED)
    tokens: list[str] = []
    outcomes: Counter[str] = Counter()
    runs = 0
    while outcomes["killed"] < kills and runs < 4 * kills:
        runs += 1
        tokens += _more_invoices(world, NEW_PER_RUN, start=len(tokens))  # always work queued for the run
        how = kill_on_a_timer if runs % 2 else kill_at_a_point
        outcome = how(world, rng)
        outcomes[outcome] += 1
        outcomes[f"{how.__name__.removeprefix('kill_')}: {outcome}"] += 1
        next_scheduled_run(world)

    reruns = 0
    while reruns < MAX_RERUNS:
        reruns += 1
        result = world.run(timeout=RUN_TIMEOUT, batch_size=50, max_batches=10)
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
    print(
        f"\nrandom kills against {type(world.server).__name__} (seed {SEED}): {outcomes['killed']} SIGKILLs in "
        f"{runs} runs {dict(outcomes)}; {reruns} reruns; {len(tokens)} invoices: lost {lost}, "
        f"duplicated {duplicated}, left at 92/93 {stuck}; statuses {dict(statuses)}"
    )
    assert outcomes["killed"] == kills, f"only {outcomes['killed']} of {runs} runs were killed: {outcomes}"
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
    kill_repeatedly(push_world, kills=20)


AVAILABLE, WHY_NOT = openssh_available()


@pytest.mark.skipif(not AVAILABLE, reason=WHY_NOT)
def test_six_random_kills_against_openssh(sandbox: SandboxServer, tmp_path: Path) -> None:
    from tests.connectors.test_push_openssh_live import openssh_world

    root = tmp_path / "sshd-root"
    root.mkdir()
    with OpenSSHServer(root) as server:
        kill_repeatedly(openssh_world(sandbox, server, tmp_path), kills=6)
