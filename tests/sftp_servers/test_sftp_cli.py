"""``python -m nuntiq_sandbox.sftp``: the process the demo starts, found through its ready file."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import paramiko
import pytest

from .conftest import PASSWORD, USER

pytestmark = [pytest.mark.live, pytest.mark.timeout(60)]

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def test_the_command_serves_a_folder_until_sigterm(tmp_path: Path) -> None:
    root, ready_file, known_hosts = tmp_path / "drop", tmp_path / "ready.json", tmp_path / "known_hosts"
    command = [sys.executable, "-m", "nuntiq_sandbox.sftp", "--root", str(root), "--port", "0"]
    command += ["--user", USER, "--user", "auditor:looks-only", "--mkdir", "/inbound/invoices/sent"]
    command += ["--ready-file", str(ready_file), "--known-hosts", str(known_hosts)]
    # The push user's password comes from the environment, so it never shows in a process listing.
    env = {**os.environ, "NUNTIQ_SFTP_PASSWORD": PASSWORD, "PYTHONUNBUFFERED": "1"}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PROJECT_ROOT), env.get("PYTHONPATH")) if p)
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        deadline = time.monotonic() + 20
        while not ready_file.exists():
            assert process.poll() is None, process.communicate()[1].decode()
            assert time.monotonic() < deadline, "the SFTP server did not write its ready file"
            time.sleep(0.05)
        ready = json.loads(ready_file.read_text())
        assert ready["host"] == "127.0.0.1"
        assert ready["fingerprint_sha256"].startswith("SHA256:")
        assert known_hosts.read_text() == ready["known_hosts_line"] + "\n"
        assert (root / "inbound/invoices/sent").is_dir()

        client = paramiko.SSHClient()
        client.load_host_keys(str(known_hosts))
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
        try:
            client.connect(
                ready["host"], ready["port"], username=USER, password=PASSWORD, allow_agent=False, look_for_keys=False
            )
            sftp = client.open_sftp()
            with sftp.open("/inbound/invoices/INV-1.csv.tmp", "wb") as handle:
                handle.write(b"invoice_number\nINV-1\n")
            sftp.posix_rename("/inbound/invoices/INV-1.csv.tmp", "/inbound/invoices/INV-1.csv")
        finally:
            client.close()
        assert (root / "inbound/invoices/INV-1.csv").read_bytes() == b"invoice_number\nINV-1\n"

        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=15)

    assert process.returncode == 0, stderr.decode()
    expected = f"SFTP server listening on 127.0.0.1:{ready['port']} (host key {ready['fingerprint_sha256']})"
    assert stdout.decode().splitlines() == [expected]
    assert PASSWORD not in stdout.decode() + stderr.decode()


def test_the_command_needs_a_login(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "nuntiq_sandbox.sftp", "--root", str(tmp_path)],
        capture_output=True,
        timeout=30,
        cwd=PROJECT_ROOT,
    )
    assert result.returncode == 2
    assert b"--user or --authorized-keys" in result.stderr


def test_latency_ms_delays_every_request_of_the_served_folder(tmp_path: Path) -> None:
    root, ready_file, known_hosts = tmp_path / "drop", tmp_path / "ready.json", tmp_path / "known_hosts"
    command = [sys.executable, "-m", "nuntiq_sandbox.sftp", "--root", str(root), "--user", f"{USER}:{PASSWORD}"]
    command += ["--latency-ms", "200", "--ready-file", str(ready_file), "--known-hosts", str(known_hosts)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=PROJECT_ROOT)
    try:
        deadline = time.monotonic() + 20
        while not ready_file.exists():
            assert process.poll() is None, process.communicate()[1].decode()
            assert time.monotonic() < deadline, "the SFTP server did not write its ready file"
            time.sleep(0.05)
        ready = json.loads(ready_file.read_text())
        client = paramiko.SSHClient()
        client.load_host_keys(str(known_hosts))
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
        try:
            client.connect(
                ready["host"], ready["port"], username=USER, password=PASSWORD, allow_agent=False, look_for_keys=False
            )
            sftp = client.open_sftp()
            started = time.monotonic()
            for _ in range(3):
                sftp.listdir("/")
            assert time.monotonic() - started >= 3 * 0.2
        finally:
            client.close()
    finally:
        process.terminate()
        process.communicate(timeout=15)


def test_a_negative_latency_is_refused(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "nuntiq_sandbox.sftp", "--root", str(tmp_path), "--user", "u:p"]
    result = subprocess.run([*command, "--latency-ms", "-5"], capture_output=True, timeout=30, cwd=PROJECT_ROOT)
    assert result.returncode == 2
    assert b"--latency-ms must be >= 0, got -5" in result.stderr
