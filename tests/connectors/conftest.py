"""A push environment: the API sandbox, a fresh tenant with invoices, an SFTP server, settings.json.

``push_world`` runs against the embedded SFTP server; tests that want
OpenSSH's sshd build a ``PushWorld`` around ``OpenSSHServer`` themselves.
The connector runs as a real job: ``nuntiq run PATH --settings settings.json``
in a subprocess, with the API URL and token in its environment.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import connectors.acme_erp_sftp_push as push_connector
from nuntiq_sandbox.sftp import EmbeddedSFTPServer
from nuntiq_sandbox.testing import ApiToken, SandboxServer, Tenant
from tests.sdk.conftest import invoice_spec

CONNECTOR = Path(push_connector.__file__)
SEED_CONNECTOR = Path(__file__).with_name("seed_004_sftp_push.py")
OUTBOX = "/inbound/invoices"
SENT = "/inbound/invoices/sent"
SFTP_USER = "nuntiq_push"


class PushWorld:
    """One tenant's invoices, one SFTP server, and the settings a job needs to move them."""

    def __init__(self, sandbox: SandboxServer, server: Any, root: Path, work: Path, *, remote_base: str = "") -> None:
        self.sandbox = sandbox
        self.server = server
        self.root = root  # the local folder behind the server's "/"
        self.work = work
        self.remote_base = remote_base  # a prefix for servers without a chroot (OpenSSH)
        self.tenant: Tenant
        self.token: ApiToken
        self.tenant, self.token = sandbox.admin.create_tenant_with_token()
        self.outbox = root / (remote_base + OUTBOX).lstrip("/")
        self.sent = root / (remote_base + SENT).lstrip("/")
        self.sent.mkdir(parents=True, exist_ok=True)
        self.known_hosts = work / "known_hosts"
        server.write_known_hosts(self.known_hosts)
        self.secrets: dict[str, str] = {}
        self.config: dict[str, Any] = {
            "connector_name": "acme_erp_push",
            "sftp_host": server.host,
            "sftp_port": server.port,
            "sftp_known_hosts": str(self.known_hosts),
            "remote_outbox": remote_base + OUTBOX,
            "remote_sent": remote_base + SENT,
            "batch_size": 20,
        }

    def invoices(self, count: int, **overrides: Any) -> list[str]:
        """``count`` invoices at 90 with distinct numbers, oldest first; returns their tokens."""
        specs = [
            {"tenant_id": self.tenant.tenant_id, **invoice_spec(f"INV-{n + 1:04d}", **overrides)} for n in range(count)
        ]
        for n, spec in enumerate(specs):
            spec["created_at"] = f"2026-11-{1 + n // 1440:02d}T{(n // 60) % 24:02d}:{n % 60:02d}:00Z"
        return self.sandbox.admin.create_invoices(specs)

    def write_settings(self, **config: Any) -> Path:
        path = self.work / "settings.json"
        body = {"customer_number": "10000001", "secrets": self.secrets, "config": {**self.config, **config}}
        path.write_text(json.dumps(body, indent=2))
        return path

    def env(self) -> dict[str, str]:
        return {**os.environ, "NUNTIQ_API_URL": self.sandbox.api_url, "NUNTIQ_API_TOKEN": self.token.token}

    def run(
        self, connector: Path = CONNECTOR, *, timeout: float = 120, **config: Any
    ) -> subprocess.CompletedProcess[str]:
        """``nuntiq run connector --settings settings.json`` as a job would run it."""
        settings = self.write_settings(**config)
        command = [sys.executable, "-m", "nuntiq_cli", "run", str(connector), "--settings", str(settings)]
        command += ["--work-dir", str(self.work / "job")]
        return subprocess.run(command, env=self.env(), capture_output=True, text=True, timeout=timeout, check=False)

    def status(self, token: str) -> dict[str, Any]:
        return self.sandbox.admin.get_invoice(token)

    def statuses(self, tokens: list[str]) -> list[int]:
        return [self.status(t)["status"] for t in tokens]

    def delivered(self) -> list[Path]:
        """The CSV files the ERP sees (outbox and sent/), hidden and temporary files excluded."""
        return sorted(
            p for folder in (self.outbox, self.sent) if folder.exists()
            for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")
        )  # fmt: skip

    def leftovers(self) -> list[Path]:
        return sorted(p for p in self.outbox.iterdir() if p.name.endswith(".tmp"))


@pytest.fixture
def push_world(sandbox: SandboxServer, tmp_path: Path) -> Iterator[PushWorld]:
    password = secrets.token_urlsafe(12)
    root = tmp_path / "sftp"
    root.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    with EmbeddedSFTPServer(root, users={SFTP_USER: password}) as server:
        world = PushWorld(sandbox, server, root, work)
        world.config["sftp_user"] = SFTP_USER
        world.secrets["sftp_password"] = password
        yield world


# -- helpers for the live push tests (test_push_embedded_live.py, test_push_openssh_live.py) --


def run_summary(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """The summary JSON ``nuntiq run`` printed on stdout (the log goes to stderr)."""
    assert result.stdout.strip(), f"no summary on stdout (exit {result.returncode}); stderr:\n{result.stderr}"
    summary = json.loads(result.stdout)
    assert isinstance(summary, dict), result.stdout
    return summary


def today_utc() -> str:
    """The date the connector puts into file names (UTC), ``YYYYMMDD``."""
    return f"{datetime.now(UTC):%Y%m%d}"


def temp_files(folder: Path) -> list[Path]:
    """Every ``*.tmp`` below ``folder``, the connector's hidden state folder included."""
    return sorted(p for p in folder.rglob("*.tmp")) if folder.exists() else []


def job_log(world: PushWorld) -> str:
    """The job's log file, ``<work>/job/logs/connector.jsonl`` (empty if the job wrote none)."""
    path = world.work / "job" / "logs" / "connector.jsonl"
    return path.read_text(encoding="utf-8") if path.exists() else ""
