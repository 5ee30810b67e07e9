"""A push environment: the API sandbox, a fresh tenant with invoices, an SFTP server, settings.json.

``push_world`` runs against the embedded SFTP server; tests that want
OpenSSH's sshd build a ``PushWorld`` around ``OpenSSHServer`` themselves.
The connector runs as a real job: ``nuntiq run PATH --settings settings.json``
in a subprocess, with the API URL and token in its environment.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import connectors.acme_erp_sftp_push.acme_erp_sftp_push as push_connector
from nuntiq_sandbox.pytest_plugin import SFTP_USER as SFTP_USER  # the push tests log in as the harness's user
from nuntiq_sandbox.pytest_plugin import SFTPDropFolder, invoice_spec
from nuntiq_sandbox.testing import ApiToken, SandboxServer, Tenant

CONNECTOR = Path(push_connector.__file__)
SEED_CONNECTOR = Path(__file__).with_name("seed_004_sftp_push.py")
OUTBOX = "/inbound/invoices"
SENT = "/inbound/invoices/sent"


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
def push_world(sandbox: SandboxServer, nuntiq_sftp: SFTPDropFolder, tmp_path: Path) -> PushWorld:
    """The harness's SFTP server; the tenant comes from ``sandbox`` (a crash-test module brings its own)."""
    work = tmp_path / "work"
    work.mkdir()
    world = PushWorld(sandbox, nuntiq_sftp.server, nuntiq_sftp.root, work)
    world.config["sftp_user"] = nuntiq_sftp.user
    world.secrets["sftp_password"] = nuntiq_sftp.password
    return world


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


RUN_TIMEOUT = 60  # seconds for one `nuntiq run`; a healthy run takes about one
HEADER = "invoice_number\tdate\tcurrency\ttotal\tsupplier_code\tline_count"
NO_WORK = {"claimed": 0, "pushed": 0, "failed": 0}


def summary_of(pushed: int = 0, failed: int = 0, claimed: int | None = None, **others: int) -> dict[str, int]:
    counts = {"recovered": 0, "unreported": 0, "already_delivered": 0, "lease_lost": 0, **others}
    return {"claimed": pushed + failed if claimed is None else claimed, "pushed": pushed, "failed": failed, **counts}


def csv_row(number: str) -> str:
    """The CSV row invoice_spec(number) renders to (nuntiq_sandbox.pytest_plugin.invoice_spec: its fields, 2 lines)."""
    return f"{number}\t2026-11-02\tEUR\t1190.00\tSUP-100\t2"


def outbox_names(world: PushWorld) -> list[str]:
    """What the ERP sees in its outbox: visible files only (not sent/, not the connector's hidden state)."""
    return sorted(p.name for p in world.outbox.iterdir() if p.is_file() and not p.name.startswith("."))


def run_ok(world: PushWorld, **config: Any) -> dict[str, Any]:
    result = world.run(timeout=RUN_TIMEOUT, **config)
    assert result.returncode == 0, f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    return run_summary(result)


def assert_failed(world: PushWorld, token: str, *reason_words: str) -> dict[str, Any]:
    """The invoice ended at 97 with the connector's failure code and a message saying why."""
    invoice = world.status(token)
    assert invoice["status"] == 97, invoice
    assert invoice["failure_code"] == "SFTP_UPLOAD_FAILED", invoice
    message = invoice["failure_message"] or ""
    for word in reason_words:
        assert word.lower() in message.lower(), f"{word!r} not in failure_message {message!r}"
    assert invoice["lease_live"] is False, invoice
    return invoice


def assert_released(world: PushWorld, tokens: list[str]) -> None:
    """Nothing claimed any more: every invoice back at 90 with no live lease, none at 92/93/97."""
    for token in tokens:
        invoice = world.status(token)
        assert invoice["status"] == 90, invoice
        assert invoice["lease_live"] is False, invoice


# -- scenarios every SFTP server variant must pass (embedded and OpenSSH call the same ones) --------


def check_delivered_without_posix_rename(world: PushWorld) -> None:
    """The server refuses posix-rename: every file still arrives, and a taken name still gets a suffix."""
    tokens = world.invoices(3)
    day = today_utc()
    taken = world.outbox / f"INV-0002-{day}.csv"
    taken.write_bytes(b"already here")

    assert run_ok(world) == summary_of(pushed=3)

    assert world.statuses(tokens) == [100] * 3
    assert outbox_names(world) == sorted(
        [f"INV-0001-{day}.csv", f"INV-0002-{day}.csv", f"INV-0002-{day}-1.csv", f"INV-0003-{day}.csv"]
    )
    assert taken.read_bytes() == b"already here"
    assert temp_files(world.outbox) == []


def check_every_invoice_fails_with_the_denied_path(world: PushWorld, count: int) -> None:
    """The server refuses the writes or the renames: each invoice 97 naming the remote path, nothing left behind."""
    tokens = world.invoices(count)

    assert run_ok(world) == summary_of(failed=count)

    messages = [assert_failed(world, token, "denied")["failure_message"] for token in tokens]
    assert all(world.config["remote_outbox"] in message for message in messages), messages
    assert world.delivered() == [], "nothing may appear under a final name"
    assert temp_files(world.outbox) == []  # the outbox and the journal's state folder
