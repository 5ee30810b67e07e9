"""The SFTP invoice pull, live: invoice files with sidecars on the embedded SFTP server, ingested by a real job."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

import connectors.sftp_invoice_pull.sftp_invoice_pull as pull_connector
from nuntiq_sandbox.documents import invoice_drop
from nuntiq_sandbox.pytest_plugin import ConnectorRunner, SandboxTenant, SFTPDropFolder
from nuntiq_sdk import JobContext
from nuntiq_sdk.objects.invoice import InvoiceLoad
from nuntiq_sdk.sftp import DropFolder

pytestmark = pytest.mark.live

INBOX = "/scans/inbox"
ARCHIVE = f"{INBOX}/archive"
ERROR = f"{INBOX}/error"
CONFIG = {"connector_name": "scanner_pull", "remote_inbox": INBOX, "settle_seconds": 0}


def drop(sftp: SFTPDropFolder, number: str, *, age: int = 0, **kwargs: Any) -> dict[str, bytes]:
    files = invoice_drop(number, **kwargs)
    for name, data in files.items():
        sftp.put(f"{INBOX}/{name}", data, mtime=time.time() - age)
    return files


def run(run_connector: ConnectorRunner, **config: Any) -> dict[str, Any]:
    summary: dict[str, Any] = run_connector(pull_connector, config={**CONFIG, **config}).assert_ok()
    return summary


def error_report(sftp: SFTPDropFolder, name: str) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(sftp.read(f"{ERROR}/{name}"))
    return report


def test_five_invoices_become_five_claimable_invoices_and_are_archived(
    nuntiq_sftp: SFTPDropFolder,
    nuntiq_tenant: SandboxTenant,
    nuntiq_context: JobContext,
    run_connector: ConnectorRunner,
) -> None:
    nuntiq_tenant.admin.set_intake_delay(nuntiq_tenant.tenant_id, 600)
    numbers = [f"INV-{n}" for n in range(1, 6)]
    for number in numbers:
        drop(nuntiq_sftp, number, with_xml=number == "INV-1", amount=f"{n_amount(number)}.00")

    summary = run(run_connector)

    assert (summary["ingested"], summary["already_ingested"], summary["errors"]) == (5, 0, 0)
    assert nuntiq_sftp.names(INBOX) == []
    assert nuntiq_sftp.names(ARCHIVE) == sorted(
        [*(f"{n}.pdf" for n in numbers), *(f"{n}.json" for n in numbers), "INV-1-ubl.xml"]
    )
    invoices = InvoiceLoad(nuntiq_context)
    assert invoices.claim(limit=10) == []  # still in intake
    assert len(nuntiq_tenant.admin.complete_intake(nuntiq_tenant.tenant_id)) == 5
    leases = invoices.claim(limit=10)
    assert sorted(lease.invoice_token for lease in leases) == sorted(summary["invoice_tokens"])
    by_number = {inv.invoice_number: inv for inv in (invoices.get_by_token(lease.invoice_token) for lease in leases)}
    assert sorted(by_number) == numbers
    first = by_number["INV-1"]
    assert [a.file_name for a in first.attachments] == ["INV-1.pdf", "INV-1-ubl.xml"]
    assert first.attachments[0].read() == nuntiq_sftp.read(f"{ARCHIVE}/INV-1.pdf")
    assert (first.supplier_code, first.get_field("grossAmount"), first.ext_reference_1) == (
        "SUP-100",
        "1001.00",
        "SCAN-INBOX",
    )


def n_amount(number: str) -> int:
    return 1000 + int(number.rsplit("-", 1)[1])


def test_a_second_run_imports_nothing_and_a_resent_document_is_the_same_invoice(
    nuntiq_sftp: SFTPDropFolder, run_connector: ConnectorRunner
) -> None:
    files = drop(nuntiq_sftp, "INV-7")
    first = run(run_connector)
    second = run(run_connector)
    for name, data in files.items():  # the supplier sends the same document again
        nuntiq_sftp.put(f"{INBOX}/{name}", data)
    third = run(run_connector)

    assert (first["ingested"], second["ingested"], second["already_ingested"]) == (1, 0, 0)
    assert (third["ingested"], third["already_ingested"]) == (0, 1)
    assert third["invoice_tokens"] == first["invoice_tokens"]
    assert nuntiq_sftp.names(ARCHIVE) == ["INV-7-1.json", "INV-7-1.pdf", "INV-7.json", "INV-7.pdf"]


def test_a_bad_sidecar_goes_to_the_error_folder_with_the_reason_and_blocks_nothing(
    nuntiq_sftp: SFTPDropFolder, run_connector: ConnectorRunner
) -> None:
    drop(nuntiq_sftp, "INV-1")
    drop(nuntiq_sftp, "INV-2", supplier_location_code="MAIN SITE!")  # not a master-data code
    drop(nuntiq_sftp, "INV-3", grossTotal="12.00")  # not an invoice field (a template key belongs in "fields")
    nuntiq_sftp.put(f"{INBOX}/INV-4.pdf", b"%PDF-1.4\n")
    nuntiq_sftp.put(f"{INBOX}/INV-4.json", b'{"fields": {"invoiceNumber": "INV-4"},')  # torn JSON

    summary = run(run_connector)

    assert (summary["ingested"], summary["errors"]) == (1, 3)
    assert nuntiq_sftp.names(ARCHIVE) == ["INV-1.json", "INV-1.pdf"]
    assert nuntiq_sftp.names(ERROR) == sorted(
        f"INV-{n}{ext}" for n in (2, 3, 4) for ext in (".pdf", ".json", ".error.json")
    )
    location = error_report(nuntiq_sftp, "INV-2.error.json")
    assert (location["field"], location["value"]) == ("supplier_location_code", "MAIN SITE!")
    assert location["files"] == ["INV-2.pdf", "INV-2.json"]
    unknown = error_report(nuntiq_sftp, "INV-3.error.json")
    assert (unknown["field"], unknown["value"]) == ("grossTotal", "12.00")
    assert "not an invoice field" in unknown["reason"]
    assert error_report(nuntiq_sftp, "INV-4.error.json")["reason"].startswith("the sidecar is not valid JSON")


def test_a_changed_sidecar_for_an_imported_original_is_a_conflict(
    nuntiq_sftp: SFTPDropFolder, run_connector: ConnectorRunner
) -> None:
    drop(nuntiq_sftp, "INV-5")
    run(run_connector)
    drop(nuntiq_sftp, "INV-5", amount="999.00")  # the same PDF bytes? no: the amount is printed on it
    pdf = nuntiq_sftp.read(f"{ARCHIVE}/INV-5.pdf")
    nuntiq_sftp.put(f"{INBOX}/INV-5.pdf", pdf)  # the original of the first run, with a new sidecar

    summary = run(run_connector)

    assert (summary["ingested"], summary["errors"]) == (0, 1)
    report = error_report(nuntiq_sftp, "INV-5.error.json")
    assert (report["field"], report["value"]) == ("source_key", pull_connector.IngestionLoad.source_key_for(pdf))
    assert "SOURCE_KEY_CONFLICT" in report["reason"]


def test_incomplete_and_unsettled_files_wait_and_old_orphans_go_to_error(
    nuntiq_sftp: SFTPDropFolder, run_connector: ConnectorRunner
) -> None:
    files = invoice_drop("INV-8", with_xml=True)
    nuntiq_sftp.put(f"{INBOX}/INV-8.pdf", files["INV-8.pdf"])
    nuntiq_sftp.put(f"{INBOX}/INV-8.json", files["INV-8.json"])  # its XML attachment has not arrived
    nuntiq_sftp.put(f"{INBOX}/INV-9.pdf", b"%PDF-1.4\n")  # no sidecar yet
    nuntiq_sftp.put(f"{INBOX}/INV-10.pdf.part", b"%PDF-1.4\n")  # still uploading
    nuntiq_sftp.put(f"{INBOX}/INV-11.pdf", b"%PDF-1.4\n", mtime=time.time() - 7200)  # no sidecar for two hours

    summary = run(run_connector, incomplete_max_age_seconds=3600)

    assert {k: summary[k] for k in ("ingested", "errors", "waiting", "skipped")} == {
        "ingested": 0, "errors": 1, "waiting": 2, "skipped": 1,
    }  # fmt: skip
    assert nuntiq_sftp.names(ERROR) == ["INV-11.error.json", "INV-11.pdf"]
    assert error_report(nuntiq_sftp, "INV-11.error.json")["value"] == "INV-11.json"
    nuntiq_sftp.put(f"{INBOX}/INV-8-ubl.xml", files["INV-8-ubl.xml"])
    assert run(run_connector, incomplete_max_age_seconds=3600)["ingested"] == 1
    assert "INV-8-ubl.xml" in nuntiq_sftp.names(ARCHIVE)


def test_names_that_would_leave_the_folder_are_refused(
    nuntiq_sftp: SFTPDropFolder, run_connector: ConnectorRunner
) -> None:
    drop(nuntiq_sftp, "INV-12", attachments=["../../etc/passwd"])
    nuntiq_sftp.put(f"{INBOX}/..\\..\\evil.pdf", b"%PDF-1.4\n")  # a backslash is a separator on Windows servers

    result = run_connector(pull_connector, config=CONFIG)

    summary = result.assert_ok()
    assert (summary["errors"], summary["refused"]) == (1, 1)
    report = error_report(nuntiq_sftp, "INV-12.error.json")
    assert (report["field"], report["value"]) == ("attachments[0]", "../../etc/passwd")
    assert (nuntiq_sftp.local(INBOX) / "..\\..\\evil.pdf").is_file()  # never read, never moved
    assert nuntiq_sftp.names(ERROR) == ["INV-12.error.json", "INV-12.json", "INV-12.pdf"]
    assert any("Refused '..\\\\..\\\\evil.pdf'" in m for m in result.messages(step="refused"))
    downloads = result.work_dir / "downloads"
    assert not downloads.exists() or all(p.parent.parent == downloads for p in downloads.rglob("*.*"))


def test_max_files_bounds_a_run(nuntiq_sftp: SFTPDropFolder, run_connector: ConnectorRunner) -> None:
    for n in range(3):
        drop(nuntiq_sftp, f"INV-2{n}", age=60 - n)

    first = run(run_connector, max_files=2)
    second = run(run_connector, max_files=2)

    assert (first["ingested"], first["held_back"], second["ingested"], second["held_back"]) == (2, 1, 1, 0)


def test_a_file_that_grows_between_the_two_listings_is_left_for_the_next_run(
    nuntiq_sftp: SFTPDropFolder, run_connector: ConnectorRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    drop(nuntiq_sftp, "INV-13")
    drop(nuntiq_sftp, "INV-14")
    waits: list[float] = []

    def sender_still_writing(seconds: float) -> None:  # the drop folder's settle wait, and nothing else
        waits.append(seconds)
        with nuntiq_sftp.local(f"{INBOX}/INV-13.pdf").open("ab") as handle:
            handle.write(b"% more bytes\n")

    monkeypatch.setattr(DropFolder, "sleep", staticmethod(sender_still_writing))
    result = run_connector(pull_connector, config={**CONFIG, "settle_seconds": 7}, in_process=True)

    summary = result.assert_ok()
    assert {k: summary[k] for k in ("ingested", "skipped", "waiting")} == {"ingested": 1, "skipped": 1, "waiting": 1}
    assert result.messages(step="skip") == ["Skipped INV-13.pdf: still being written"]
    assert nuntiq_sftp.names(INBOX) == ["INV-13.json", "INV-13.pdf"]
    assert waits == [7]
