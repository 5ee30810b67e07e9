"""A connector author's own ``mypy --strict`` sees the SDK's types (``py.typed``, generated entities).

The probes in ``tests/typing_probes/`` are checked from a folder outside the
repository, so mypy finds ``nuntiq_sdk`` as an installed package: without
``py.typed`` every import would be ``import-untyped``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

PROBES = Path(__file__).parents[1] / "typing_probes"


def _mypy(folder: Path, *files: str) -> list[str]:
    command = [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "--cache-dir", str(folder / ".mypy")]
    result = subprocess.run([*command, *files], cwd=folder, capture_output=True, text=True, check=False, timeout=300)
    assert result.stderr == "", result.stderr
    return result.stdout.splitlines()


def test_a_correct_connector_passes_and_a_misspelt_or_mistyped_field_fails_on_its_line(tmp_path: Path) -> None:
    for probe in PROBES.glob("*.py"):
        shutil.copy(probe, tmp_path / probe.name)
    assert (Path(__file__).parents[2] / "nuntiq_sdk" / "py.typed").exists()

    assert _mypy(tmp_path, "good_connector.py") == []

    reported = _mypy(tmp_path, "bad_connector.py")
    source = (tmp_path / "bad_connector.py").read_text().splitlines()
    expected = {
        number: match.group(1)
        for number, line in enumerate(source, start=1)
        if (match := re.search(r"# expected: ([a-z-]+)", line))
    }
    found = {
        int(match.group(1)): match.group(2)
        for line in reported
        if (match := re.match(r"bad_connector\.py:(\d+): error: .*\[([a-z-]+)\]$", line))
    }
    assert len(expected) == 2
    assert found == expected, reported
