"""`nuntiq demo`, the README's main job, runs end to end on a fresh sandbox."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.live


def test_demo_processes_every_claimed_invoice_and_records_erp_events() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "nuntiq_cli", "demo"], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    claimed = int(out.split("Claimed ", 1)[1].split(" ", 1)[0])
    assert claimed >= 10
    final = out.split("Final state:", 1)[1].strip().splitlines()
    assert len(final) == claimed
    assert all("status 100" in line and line.endswith("ERP_POSTED") for line in final)
    assert "ntq_sk_" not in out + result.stderr
