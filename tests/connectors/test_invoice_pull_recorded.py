"""The SFTP invoice pull with the API recorded once and replayed with the network blocked.

The connector runs in the test process against an embedded SFTP server on
127.0.0.1, so loopback stays open (``allowed_hosts``): the SFTP server is the
test's own, not the network. Every API request - delta run, file look-ups and
uploads, imports - is replayed from ``tests/cassettes/test_invoice_pull_recorded/``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import connectors.sftp_invoice_pull.sftp_invoice_pull as pull_connector
from nuntiq_sandbox.documents import invoice_drop
from nuntiq_sandbox.pytest_plugin import SFTPDropFolder
from nuntiq_sandbox.testing import ApiToken
from tests.sdk.conftest import World, vcr_cassette_dir, vcr_config, world

pytestmark = [pytest.mark.vcr, pytest.mark.block_network(allowed_hosts=[r"127\.0\.0\.1"])]
__all__ = ["vcr_cassette_dir", "vcr_config", "world"]  # fixtures, imported to be found here

INBOX = "/inbound/scans"
# Fixed document bytes: the recorded uploads and imports must match on replay.
PDF_DATE = "2026-11-02"


def run_pull(world: World, sftp: SFTPDropFolder, token: ApiToken, work_dir: Path) -> dict[str, Any]:
    return world.run_connector(
        pull_connector, token, sftp, work_dir, connector_name="scanner_pull", remote_inbox=INBOX, settle_seconds=0
    )


def test_two_invoices_are_ingested_once_and_a_bad_one_goes_to_error(
    world: World, nuntiq_sftp: SFTPDropFolder, tmp_path: Path
) -> None:
    _, token = world.tenant()
    for number in ("INV-31", "INV-32"):
        for name, data in invoice_drop(number, with_xml=number == "INV-32").items():
            nuntiq_sftp.put(f"{INBOX}/{name}", data)
    for name, data in invoice_drop(
        "INV-33", fields={"invoiceNumber": "INV-33"}, lines=[{"line_number": 0, "fields": {"description": "Widgets"}}]
    ).items():
        nuntiq_sftp.put(f"{INBOX}/{name}", data)

    first = run_pull(world, nuntiq_sftp, token, tmp_path / "first")
    second = run_pull(world, nuntiq_sftp, token, tmp_path / "second")

    assert {k: first[k] for k in ("ingested", "already_ingested", "errors", "error_files")} == {
        "ingested": 2, "already_ingested": 0, "errors": 1, "error_files": ["INV-33.pdf"],
    }  # fmt: skip
    assert len(set(first["invoice_tokens"])) == 2
    assert (second["ingested"], second["already_ingested"], second["errors"]) == (0, 0, 0)
    assert nuntiq_sftp.names(f"{INBOX}/archive") == [
        "INV-31.json", "INV-31.pdf", "INV-32-ubl.xml", "INV-32.json", "INV-32.pdf",
    ]  # fmt: skip
    report = json.loads(nuntiq_sftp.read(f"{INBOX}/error/INV-33.error.json"))
    assert (report["field"], report["value"]) == ("lines[0].line_number", 0)
