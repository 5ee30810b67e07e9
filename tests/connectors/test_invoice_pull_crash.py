"""Crash safety of the SFTP invoice pull: SIGKILL a real job between ingest and move, and mid-move; rerun.

After the rerun every dropped invoice is exactly one invoice in Nuntiq (counted
by claiming everything the tenant has) and every file is in the archive, none
left in the inbox and no move plan left in the state folder. The module has a
sandbox of its own: a killed run leaves its delta run open, and the rerun
moves the sandbox clock past that run's TTL, as waiting would.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

import connectors.sftp_invoice_pull.sftp_invoice_pull as pull_connector
from nuntiq_sandbox.documents import invoice_drop
from nuntiq_sandbox.pytest_plugin import ConnectorRunner, SandboxTenant, SettingsBuilder, SFTPDropFolder
from nuntiq_sandbox.testing import SandboxServer
from nuntiq_sdk import JobContext
from nuntiq_sdk.objects.invoice import InvoiceLoad
from tests.connectors.crashing_run import KILL_AT_ENV, KILL_MARKER, KILL_MATCH_ENV

pytestmark = pytest.mark.live

CRASHING_RUN = Path(__file__).with_name("crashing_run.py")
INBOX = "/drop/invoices"
CONFIG = {"connector_name": "supplier_drop_pull", "remote_inbox": INBOX, "settle_seconds": 0}
NUMBERS = [f"INV-{n}" for n in range(1, 6)]
SIGKILLED = -9
PAST_THE_DELTA_RUN_TTL = 61  # a killed run's exclusive delta run lapses a minute after its last heartbeat


@pytest.fixture(scope="module")
def nuntiq_sandbox() -> Iterator[SandboxServer]:
    """This module's own sandbox: its clock is moved by an hour per crash."""
    with SandboxServer() as server:
        yield server


def drop_five(sftp: SFTPDropFolder) -> None:
    for number in NUMBERS:
        for name, data in invoice_drop(number, with_xml=number == "INV-2").items():
            sftp.put(f"{INBOX}/{name}", data)


def run_killed(settings: SettingsBuilder, tmp_path: Path, kill_at: str, match: str | None = None) -> None:
    path = settings.write(CONFIG, path=tmp_path / "settings.json")
    command = [sys.executable, str(CRASHING_RUN), "run", pull_connector.__file__, "--settings", str(path)]
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).parents[2]), KILL_AT_ENV: kill_at}
    if match is not None:
        env[KILL_MATCH_ENV] = match
    command += ["--work-dir", str(tmp_path / "killed")]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == SIGKILLED, f"expected death by SIGKILL at {kill_at}:\n{result.stderr}"
    assert KILL_MARKER in result.stderr


def assert_exactly_once(sftp: SFTPDropFolder, tenant: SandboxTenant, context: JobContext) -> None:
    tenant.admin.complete_intake(tenant.tenant_id)
    invoices = InvoiceLoad(context)
    numbers = Counter(
        str(invoices.get_by_token(lease.invoice_token).invoice_number) for lease in invoices.claim(limit=50)
    )
    assert numbers == Counter(NUMBERS), f"invoices per number: {numbers}"
    assert sftp.names(INBOX) == []
    archived = sftp.names(f"{INBOX}/archive")
    assert archived == sorted([*(f"{n}{ext}" for n in NUMBERS for ext in (".pdf", ".json")), "INV-2-ubl.xml"])
    assert sftp.names(f"{INBOX}/.nuntiq-state") == []  # every move plan carried out


def test_killed_between_ingest_and_move_the_rerun_archives_without_a_second_invoice(
    nuntiq_sftp: SFTPDropFolder,
    nuntiq_tenant: SandboxTenant,
    nuntiq_settings: SettingsBuilder,
    nuntiq_context: JobContext,
    run_connector: ConnectorRunner,
    tmp_path: Path,
) -> None:
    drop_five(nuntiq_sftp)

    run_killed(nuntiq_settings, tmp_path, "IngestionLoad.submit:3:after")

    assert len(nuntiq_sftp.names(f"{INBOX}/archive")) == 5  # INV-1 (2 files), INV-2 (3 files)
    nuntiq_tenant.admin.advance_clock(PAST_THE_DELTA_RUN_TTL)
    summary = run_connector(pull_connector, config=CONFIG).assert_ok()
    assert (summary["ingested"], summary["already_ingested"], summary["errors"]) == (2, 1, 0)
    assert_exactly_once(nuntiq_sftp, nuntiq_tenant, nuntiq_context)


def test_killed_between_moving_the_original_and_the_sidecar_the_rerun_finishes_the_move(
    nuntiq_sftp: SFTPDropFolder,
    nuntiq_tenant: SandboxTenant,
    nuntiq_settings: SettingsBuilder,
    nuntiq_context: JobContext,
    run_connector: ConnectorRunner,
    tmp_path: Path,
) -> None:
    drop_five(nuntiq_sftp)

    run_killed(nuntiq_settings, tmp_path, "SFTPConnection.move:1:after", match="INV-3.pdf")

    assert "INV-3.json" in nuntiq_sftp.names(INBOX)
    assert "INV-3.pdf" in nuntiq_sftp.names(f"{INBOX}/archive")
    nuntiq_tenant.admin.advance_clock(PAST_THE_DELTA_RUN_TTL)
    result = run_connector(pull_connector, config=CONFIG)
    summary = result.assert_ok()
    assert (summary["moves_recovered"], summary["ingested"], summary["already_ingested"]) == (1, 2, 0)
    assert result.messages(step="recover") == ["Finished the moves of an interrupted run: INV-3.pdf, INV-3.json"]
    assert_exactly_once(nuntiq_sftp, nuntiq_tenant, nuntiq_context)
