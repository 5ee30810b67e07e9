"""The one formatter of generated SDK code: the project's ruff settings, wherever the code is written.

``--isolated`` with the settings spelled out, so the drift test (which writes
into a temporary folder, outside this project's pyproject) formats exactly as
``nox -s generate`` does.
"""

from __future__ import annotations

import subprocess
import sys

OPTIONS = ("--isolated", "--line-length", "120", "--target-version", "py311")


def format_source(source: str, name: str = "generated.py") -> str:
    """``source`` formatted by ruff; a formatting failure names the generated module."""
    command = [sys.executable, "-m", "ruff", "format", *OPTIONS, "--stdin-filename", name, "-"]
    result = subprocess.run(command, input=source, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"ruff format failed on the generated {name}:\n{result.stderr}")
    return result.stdout
