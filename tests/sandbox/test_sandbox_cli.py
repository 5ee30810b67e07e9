"""``nuntiq sandbox``: the ready line with the real port, the token file, refusals."""

from __future__ import annotations

import os
import re
import signal
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from nuntiq_cli.__main__ import main
from nuntiq_sandbox import TOKEN_PATTERN

pytestmark = pytest.mark.live

READY_LINE = re.compile(
    r"Nuntiq sandbox listening on (http://127\.0\.0\.1:(\d+)) \(customer API /v1, admin /_sandbox\)"
)


def _wait_for(path: Path, process: subprocess.Popen[bytes], timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the sandbox exited early"
        if path.exists() and path.read_text().endswith("\n"):
            return path.read_text().strip()
        time.sleep(0.05)
    raise AssertionError(f"no ready file within {timeout} s")


def test_sandbox_command_end_to_end(tmp_path: Path) -> None:
    ready, token_file, out = tmp_path / "ready", tmp_path / "token", tmp_path / "stdout"
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUNTIQ_SANDBOX_")}
    command = [sys.executable, "-m", "nuntiq_cli", "sandbox", "--port", "0", "--seed", "demo"]
    command += ["--token-file", str(token_file), "--ready-file", str(ready)]
    with open(out, "wb") as stdout:
        process = subprocess.Popen(command, stdout=stdout, stderr=subprocess.PIPE, env=env)
    try:
        base_url = _wait_for(ready, process)
        time.sleep(0.1)
        printed = out.read_text()
        match = READY_LINE.search(printed)
        assert match, printed
        assert match.group(1) == base_url
        assert int(match.group(2)) > 0
        token = token_file.read_text().strip()
        assert TOKEN_PATTERN.fullmatch(token)
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        assert token not in printed
        assert f"ntq_sk_\u2026{token[-4:]}" in printed
        response = httpx.get(base_url + "/v1/invoices/7f3a...", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=15)
    assert process.returncode == 0, err.decode()
    assert token not in err.decode()


def test_refuses_a_malformed_demo_token(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sandbox", "--seed", "demo", "--demo-token", "ntq_sk_tooshort", "--port", "0"]) == 2
    assert "--demo-token" in capsys.readouterr().err


def test_refuses_a_busy_port(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["sandbox", "--port", str(port)]) == 1
    assert "cannot listen" in capsys.readouterr().err


def test_unknown_subcommand_and_seed() -> None:
    with pytest.raises(SystemExit) as caught:
        main(["sandbox", "--seed", "bogus"])
    assert caught.value.code == 2
    with pytest.raises(SystemExit):
        main([])
