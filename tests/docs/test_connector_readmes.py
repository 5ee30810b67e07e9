"""Each pull connector's README example (a pytest test using the [sandbox] fixtures) runs as written."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.live

ROOT = Path(__file__).resolve().parents[2]
MARKER = "<!-- runnable: pytest, checked by tests/docs/test_connector_readmes.py -->"


def example(connector: str) -> str:
    text = (ROOT / "connectors" / connector / "README.md").read_text(encoding="utf-8")
    match = re.search(re.escape(MARKER) + r"\n```python\n(.*?)```", text, re.DOTALL)
    assert match is not None, f"connectors/{connector}/README.md has no runnable example"
    return match.group(1)


@pytest.mark.parametrize("connector", ["sftp_invoice_pull", "supplier_master_pull"])
def test_the_readme_example_passes(connector: str, tmp_path: Path) -> None:
    test_file = tmp_path / f"test_{connector}_readme.py"
    test_file.write_text(example(connector), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path), str(test_file)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "1 passed" in result.stdout
