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
        "delta.py",
        "ingestion.py",
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


def test_delta_example_advances_its_cursor(demo: tuple[SandboxServer, str], tmp_path: Path) -> None:
    first = run_example("delta.py", demo, tmp_path)
    assert "previous cursor None" in first
    second = run_example("delta.py", demo, tmp_path)
    assert "previous cursor None" not in second
    assert "stored cursor: 20" in second


MASTER_DATA_EXAMPLES = {
    "baseload.py": "the 1000 rows before this one's chunk were saved",
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
