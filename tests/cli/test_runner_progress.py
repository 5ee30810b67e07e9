"""`nuntiq run` shows a live status line on a terminal, and only plain lines otherwise."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

SETTINGS = (
    '{"customer_number": "1", "secrets": {"api_token": "ntq_sk_x"},'
    ' "config": {"api_base_url": "http://127.0.0.1:9/v1"}}'
)
CONNECTOR = """
import time

def run(context):
    for n in range(3):
        context.logger.info(f"pushed {n}", step="pushed")
        time.sleep(0.3)
    return {"pushed": 3}
"""


def _files(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "settings.json").write_text(SETTINGS)
    (tmp_path / "slow.py").write_text(CONNECTOR)
    return tmp_path / "slow.py", tmp_path / "settings.json"


def test_a_terminal_gets_a_status_line_under_the_log(tmp_path: Path) -> None:
    connector, settings = _files(tmp_path)
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "nuntiq_cli", "run", str(connector), "--settings", str(settings)],
        stdout=subprocess.PIPE,
        stderr=terminal,
        stdin=subprocess.DEVNULL,
    )
    os.close(terminal)
    seen = b""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        ready, _, _ = select.select([controller], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(controller, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        elif process.poll() is not None:
            break
    process.wait(timeout=30)
    os.close(controller)
    text = seen.decode("utf-8", "replace")
    assert process.returncode == 0
    assert "\x1b[K" in text  # the status line is redrawn in place
    assert "slow" in text
    assert "pushed 3" in text  # three records counted under the step "pushed"


def test_a_pipe_gets_plain_lines_only(tmp_path: Path) -> None:
    connector, settings = _files(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "nuntiq_cli", "run", str(connector), "--settings", str(settings)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0
    assert "\x1b" not in result.stderr
    assert len(result.stderr.splitlines()) == 3
    assert '"pushed": 3' in result.stdout
