"""`nuntiq demo`, the README's main job, runs end to end: sandbox + SFTP server + the pull and push connectors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.live


def test_demo_imports_the_dropped_invoices_then_delivers_and_processes_every_claimed_one(tmp_path: Path) -> None:
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
    assert '"ingested": 4' in out
    assert '"pushed": 15' in out  # the demo seed's 11 and the 4 imported
    drop = keep / "supplier-drop" / "invoices"
    assert sorted(p.name for p in drop.iterdir() if p.is_file()) == []
    assert len(list((drop / "archive").glob("*.pdf"))) == 4
    files = sorted((keep / "inbound" / "invoices" / "sent").glob("*.csv"))
    assert len(files) == 15
    assert all(f.read_bytes().startswith(b"\xef\xbb\xbf") for f in files)
    invoices = [line for line in out.split("Invoices after the run:", 1)[1].splitlines() if " Processed " in line]
    assert len(invoices) == 15
    assert all(line.rstrip().endswith("ERP_RECEIVED") for line in invoices)
    imported = [line for line in invoices if " imported " in line]
    assert [line.split()[0] for line in imported] == [f"INV-2026-030{n}" for n in range(1, 5)]
    assert all(line.rstrip().endswith("RECEIVED > CAPTURED > VALIDATED > ERP_RECEIVED") for line in imported)
    assert "Traceback" not in result.stderr
    assert "ntq_sk_" not in out + result.stderr
