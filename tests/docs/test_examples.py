"""The docs' runnable examples run as written against a demo sandbox on 127.0.0.1."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from nuntiq_sandbox.testing import SandboxServer

pytestmark = pytest.mark.live

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


@pytest.fixture(scope="module")
def demo() -> Iterator[tuple[SandboxServer, str]]:
    token = "ntq_sk_" + secrets.token_hex(20)
    with SandboxServer(seed="demo", demo_token=token) as server:
        yield server, token


def run_example(name: str, demo: tuple[SandboxServer, str], work_dir: Path) -> str:
    server, token = demo
    env = {**os.environ, "NUNTIQ_API_URL": server.api_url, "NUNTIQ_API_TOKEN": token}
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / name)], env=env, cwd=work_dir, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert token not in result.stdout + result.stderr
    return result.stdout


def test_every_example_is_tested() -> None:
    assert {p.name for p in EXAMPLES.glob("*.py")} == {
        "lifecycle_message.py",
        "invoice.py",
        "invoice_batch.py",
        "delta.py",
        "ingestion.py",
        "drop_folder.py",
        "tabular.py",
        *MASTER_DATA_EXAMPLES,
    }


def test_lifecycle_message_examples_run_as_written_and_rerun_idempotently(
    demo: tuple[SandboxServer, str], tmp_path: Path
) -> None:
    first = run_example("lifecycle_message.py", demo, tmp_path)
    assert "post_to: ACCEPTED recorded" in first
    assert "post_by_reference:" in first
    second = run_example("lifecycle_message.py", demo, tmp_path)
    assert "post_to: ACCEPTED idempotent" in second
    timeline = demo[0].admin.get_invoice("7f3a...")
    assert timeline["latest_code"] == "ACCEPTED"


def test_invoice_example_processes_what_it_claims(demo: tuple[SandboxServer, str], tmp_path: Path) -> None:
    output = run_example("invoice.py", demo, tmp_path)
    assert "claimed 3 invoice(s)" in output
    assert output.count("-> 100 Processed") == 3


def test_invoice_batch_example_reports_what_it_claims(demo: tuple[SandboxServer, str], tmp_path: Path) -> None:
    output = run_example("invoice_batch.py", demo, tmp_path)
    assert "claimed 3 invoice(s) with their data" in output
    assert output.count("-> reported 100 Processed") == 3
    assert "not acknowledged" not in output


def test_delta_example_advances_its_cursor(demo: tuple[SandboxServer, str], tmp_path: Path) -> None:
    first = run_example("delta.py", demo, tmp_path)
    assert "previous cursor None" in first
    second = run_example("delta.py", demo, tmp_path)
    assert "previous cursor None" not in second
    assert "stored cursor: 20" in second


def test_drop_folder_example_archives_one_document_and_refuses_the_torn_one(
    demo: tuple[SandboxServer, str], tmp_path: Path
) -> None:
    output = run_example("drop_folder.py", demo, tmp_path)
    assert "still being written: ['INV-3.pdf.part']" in output
    assert (
        "archived: ['/scans/archive/INV-1-ubl.xml', '/scans/archive/INV-1.pdf', '/scans/archive/INV-1.json']" in output
    )
    assert (
        "refused: ['/scans/error/INV-2.pdf', '/scans/error/INV-2.json'] because the sidecar is not valid JSON" in output
    )


def test_tabular_example_names_bad_rows_by_line_and_saves_the_rest(
    demo: tuple[SandboxServer, str], tmp_path: Path
) -> None:
    if not _serves_master_data(demo[0]):
        pytest.skip("the sandbox does not serve master data yet")
    output = run_example("tabular.py", demo, tmp_path)
    assert "bad row: suppliers.csv line 2: Aktiv: 'ja' is not a yes/no value" in output
    assert "refused by the SDK: suppliers.csv line 6: iban: 'DE89370400440532013001'" in output
    assert "saved: 2 created, 0 updated, 0 unchanged, 0 failed" in output  # TAB-2 and TAB-3


MASTER_DATA_EXAMPLES = {
    "supplier.py": "third save, nothing changed: 0 requests",
    "organization.py": "children of EX-EMEA: ['EX-EMEA-NL']",
    "purchase_order.py": "open lines: [1, 2]",
    "receipt.py": "failed:",
    "payment.py": "payments:",
    "user.py": "would deactivate:",
    "customer_data_table.py": "tables:",
}


def _serves_master_data(server: SandboxServer) -> bool:
    import httpx

    return httpx.get(server.api_url + "/suppliers").status_code != 404


@pytest.mark.parametrize("name", sorted(MASTER_DATA_EXAMPLES))
def test_master_data_examples_run_as_written(name: str, demo: tuple[SandboxServer, str], tmp_path: Path) -> None:
    if not _serves_master_data(demo[0]):
        pytest.skip("the sandbox does not serve master data yet")
    output = run_example(name, demo, tmp_path)
    assert MASTER_DATA_EXAMPLES[name] in output


def test_ingestion_example_imports_once_and_reruns_idempotently(
    demo: tuple[SandboxServer, str], tmp_path: Path
) -> None:
    # Last in this module: the invoice it creates is claimable, and the invoice example claims what waits.
    first = run_example("ingestion.py", demo, tmp_path)
    assert " ready (90) created" in first
    token = first.split()[1]
    second = run_example("ingestion.py", demo, tmp_path)
    assert f"submit: {token} ready (90) idempotent" in second
    assert "PendingIntegration" in second
    invoice = demo[0].admin.get_invoice(token)
    assert [a["file_name"] for a in invoice["attachments"]] == ["INV-2026-0900.pdf", "delivery-note.txt"]
