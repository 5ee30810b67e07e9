"""`nuntiq demo`, the README's main job, runs end to end: sandbox + SFTP server + the push connector."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.live


def test_demo_delivers_and_processes_every_claimed_invoice(tmp_path: Path) -> None:
    keep = tmp_path / "sftp"
    result = subprocess.run(
        [sys.executable, "-m", "nuntiq_cli", "demo", "--keep", str(keep)],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert '"pushed": 11' in out
    files = sorted((keep / "inbound" / "invoices" / "sent").glob("*.csv"))
    assert len(files) == 11
    assert all(f.read_bytes().startswith(b"\xef\xbb\xbf") for f in files)
    invoices = [line for line in out.split("Invoices after the run:", 1)[1].splitlines() if " Processed " in line]
    assert len(invoices) == 11
    assert all(line.rstrip().endswith("ERP_RECEIVED") for line in invoices)
    assert "Traceback" not in result.stderr
    assert "ntq_sk_" not in out + result.stderr
