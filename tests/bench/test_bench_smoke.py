"""Every benchmark still runs: a short smoke run of each (tiny N, one repeat), its results file written.

Timings are never asserted here (the machine is shared); ``nox -s bench``
runs the real sizes and prints the ratios.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCHES = sorted(p.stem for p in (ROOT / "bench").glob("[a-z]*.py"))
SMALL = {
    "import_time": ["--repeats", "1"],
    "invoice_batch_api": ["--invoices", "6", "--batch", "4", "--repeats", "1", "--latency-ms", "5"],
    "poll_since": ["--messages", "300", "--small", "120", "--per-invoice", "70", "--repeats", "1"],
    "push_1000": ["--invoices", "6", "--repeats", "1"],
    "push_compare": [
        "--invoices=4",
        "--latency-invoices=4",
        "--workers-invoices=8",
        "--repeats=1",
        "--latency-ms=0",
        "--latency-ms=5",
        "--workers=2",
    ],
    "reads": ["--rows", "120", "--small", "50", "--repeats", "1"],
    "sandbox_load": ["--clients", "2", "--seconds", "2"],
    "suppliers_1m": ["--rows", "120", "--small", "40"],
    "suppliers_50k": ["--suppliers", "60", "--repeats", "1"],
}

pytestmark = pytest.mark.live


def test_every_bench_has_a_smoke_run() -> None:
    assert set(BENCHES) == set(SMALL)


@pytest.mark.parametrize("name", BENCHES)
def test_the_bench_runs_and_writes_its_results(name: str, tmp_path: Path) -> None:
    output = tmp_path / f"{name}.json"
    command = [sys.executable, "-m", f"bench.{name}", *SMALL[name], "--output", str(output)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    assert json.loads(output.read_text())
