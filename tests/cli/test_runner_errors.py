"""What a person reads when a job fails: at most two console lines, no traceback, the fix, the log; exit codes.

Each failure is a real one: a sandbox that refuses a token, a port nobody
listens on, a URL without ``/v1``, an SFTP server that refuses the login or
presents an unknown host key. ``nuntiq run`` runs in this process (``main``),
so its console is the captured stderr.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest

from nuntiq_cli.__main__ import build_parser, main
from nuntiq_sandbox.pytest_plugin import SFTPDropFolder, invoice_spec
from nuntiq_sandbox.testing import SandboxServer
from tests.connectors.conftest import CONNECTOR as PUSH_CONNECTOR

CLAIMING = "from nuntiq_sdk.objects.invoice import InvoiceLoad\n\ndef run(context):\n    InvoiceLoad(context).claim()\n"
TOKEN = "ntq_sk_" + "7" * 40


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Job:
    def __init__(self, tmp_path: Path) -> None:
        self.tmp = tmp_path
        self.work = tmp_path / "job"
        self.log = self.work / "logs" / "connector.jsonl"
        self.token = TOKEN

    def run(
        self, code: str | Path, *, secrets: dict[str, str] | None = None, verbose: bool = False, **config: Any
    ) -> int:
        if isinstance(code, Path):
            connector = code
        else:
            connector = self.tmp / "connector.py"
            connector.write_text(code)
        settings = self.tmp / "settings.json"
        body = {
            "customer_number": "10000001",
            "secrets": {"api_token": self.token, **(secrets or {})},
            "config": config,
        }
        settings.write_text(json.dumps(body))
        argv = ["run", str(connector), "--settings", str(settings), "--work-dir", str(self.work)]
        return main([*argv, "--verbose"] if verbose else argv)

    def log_exception(self) -> str:
        entries = [json.loads(line) for line in self.log.read_text().splitlines()]
        return "\n".join(entry.get("exception", "") for entry in entries)


@pytest.fixture
def job(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Job:
    monkeypatch.delenv("NUNTIQ_API_URL", raising=False)
    monkeypatch.delenv("NUNTIQ_API_TOKEN", raising=False)
    return Job(tmp_path)


def failure_lines(err: str) -> list[str]:
    """The console lines from the ERROR record on (what a person reads about the failure)."""
    lines = err.splitlines()
    first = next(i for i, line in enumerate(lines) if " ERROR " in line)
    return lines[first:]


def assert_readable(err: str, job: Job, *words: str) -> list[str]:
    lines = failure_lines(err)
    assert "Traceback" not in err, err
    assert 1 <= len(lines) <= 2, err
    text = "\n".join(lines)
    for word in words:
        assert word in text, f"{word!r} not in:\n{text}"
    assert str(job.log) in lines[-1], err
    assert "Traceback" in job.log_exception()  # the traceback is kept, in the log
    assert job.token not in err
    assert job.token not in job.log.read_text()
    return lines


# -- the API -----------------------------------------------------------------------------------


@pytest.mark.live
def test_a_wrong_token_reads_as_two_lines_and_exits_1(
    job: Job, sandbox: SandboxServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert job.run(CLAIMING, api_base_url=sandbox.api_url) == 1
    err = capsys.readouterr().err
    host = sandbox.api_url.split("//")[1].split("/")[0]
    lines = assert_readable(err, job, "401", "POST /v1/invoices/claim", host, "request_id=", "secrets.api_token")
    assert lines[0].split(" ERROR ")[1].lstrip().startswith("run")


def test_an_unreachable_host_names_host_and_port(job: Job, capsys: pytest.CaptureFixture[str]) -> None:
    port = free_port()
    assert job.run(CLAIMING, api_base_url=f"http://127.0.0.1:{port}/v1", api_max_retries=0) == 1
    err = capsys.readouterr().err
    assert_readable(err, job, f"127.0.0.1:{port}", "could not reach", "config.api_base_url")


@pytest.mark.live
def test_a_url_without_v1_gets_the_fix(job: Job, sandbox: SandboxServer, capsys: pytest.CaptureFixture[str]) -> None:
    assert job.run(CLAIMING, api_base_url=sandbox.base_url) == 1
    err = capsys.readouterr().err
    assert_readable(err, job, "404", "should end in /v1")


@pytest.mark.live
def test_verbose_shows_the_traceback(job: Job, sandbox: SandboxServer, capsys: pytest.CaptureFixture[str]) -> None:
    assert job.run(CLAIMING, api_base_url=sandbox.api_url, verbose=True) == 1
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err
    assert "AuthenticationError" in err
    assert TOKEN not in err


# -- settings and the connector's own errors -----------------------------------------------------


def test_a_missing_config_key_exits_2(job: Job, capsys: pytest.CaptureFixture[str]) -> None:
    assert job.run(CLAIMING) == 2
    err = capsys.readouterr().err
    assert "api_base_url" in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_a_config_error_raised_inside_the_connector_exits_2(job: Job, capsys: pytest.CaptureFixture[str]) -> None:
    code = (
        "from nuntiq_sdk import ConfigError\n\ndef run(context):\n    raise ConfigError(['config.outbox is missing'])\n"
    )
    assert job.run(code, api_base_url="http://127.0.0.1:9/v1") == 2
    err = capsys.readouterr().err
    assert_readable(err, job, "config.outbox is missing", "Fix the settings")


def test_a_job_left_incomplete_prints_its_summary_and_exits_1(job: Job, capsys: pytest.CaptureFixture[str]) -> None:
    code = (
        "from nuntiq_sdk import JobIncompleteError\n\ndef run(context):\n"
        "    raise JobIncompleteError('2 invoice(s) not reported', {'pushed': 5, 'unreported': 2})\n"
    )
    assert job.run(code, api_base_url="http://127.0.0.1:9/v1") == 1
    out, err = capsys.readouterr()
    assert json.loads(out) == {"pushed": 5, "unreported": 2}
    assert "2 invoice(s) not reported" in failure_lines(err)[0]


def test_a_password_inside_a_settings_url_is_redacted(job: Job, capsys: pytest.CaptureFixture[str]) -> None:
    """The SFTP password pasted into the API URL: the settings error must not print it."""
    password = "Tr0ub4dor&3-horse"
    url = f"sftp://acme:{password}@files.example.com:22/out"
    assert job.run(CLAIMING, secrets={"sftp_password": password}, api_base_url=url) == 2
    err = capsys.readouterr().err
    assert "api_base_url" in err
    assert password not in err
    assert "sftp://acme:***@files.example.com" in err


def test_a_short_secret_does_not_garble_a_settings_error(job: Job, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        job.run(
            CLAIMING, secrets={"sftp_password": "12"}, api_base_url="http://127.0.0.1:9/v1/x12", api_max_retries=120
        )
        == 2
    )
    err = capsys.readouterr().err
    assert "from 0 to 25, got 120" in err  # "12" is a secret, but not this "12"


def test_run_help_documents_the_exit_codes_and_verbose() -> None:
    parser = build_parser()
    run_parser = parser._subparsers._group_actions[0].choices["run"]  # type: ignore[union-attr]
    text = run_parser.format_help()
    assert "--verbose" in text
    for line in ("0  done", "1  the job failed", "2  bad arguments or settings"):
        assert line in text


# -- SFTP --------------------------------------------------------------------------------------


@pytest.mark.live
@pytest.mark.parametrize(
    ("problem", "words"),
    [
        pytest.param("password", ["SFTP login", "sftp_user", "secrets.sftp_password"], id="login-refused"),
        pytest.param("host_key", ["is not in", "config.sftp_known_hosts"], id="unknown-host-key"),
        pytest.param("down", ["cannot reach SFTP server", "config.sftp_port"], id="server-down"),
    ],
)
def test_sftp_failures_read_as_two_lines(
    job: Job,
    sandbox: SandboxServer,
    nuntiq_sftp: SFTPDropFolder,
    capsys: pytest.CaptureFixture[str],
    problem: str,
    words: list[str],
) -> None:
    tenant, token = sandbox.admin.create_tenant_with_token()
    sandbox.admin.create_invoice(tenant.tenant_id, **invoice_spec("INV-ERR-1"))
    config = {**nuntiq_sftp.config(), "connector_name": "errors", "remote_outbox": "/inbound/invoices"}
    secrets = dict(nuntiq_sftp.secrets())
    if problem == "password":
        secrets["sftp_password"] = "wrong-password-1"
    elif problem == "host_key":
        (job.tmp / "empty_known_hosts").write_text("")
        config["sftp_known_hosts"] = str(job.tmp / "empty_known_hosts")
        config.pop("sftp_host_key_fingerprint", None)
    else:
        config["sftp_port"] = free_port()
    job.token = token.token
    code = job.run(PUSH_CONNECTOR, secrets=secrets, api_base_url=sandbox.api_url, **config)
    err = capsys.readouterr().err
    assert code == 1, err
    lines = failure_lines(err)
    assert "Traceback" not in err, err
    assert len(lines) == 2, err
    assert f"{config['sftp_host']}:{config['sftp_port']}" in lines[0], err
    for word in words:
        assert word in "\n".join(lines), f"{word!r} not in {lines}"
    assert secrets["sftp_password"] not in err


@pytest.mark.live
def test_a_push_that_leaves_invoices_unreported_prints_its_summary_and_exits_1(
    job: Job, sandbox: SandboxServer, nuntiq_sftp: SFTPDropFolder, capsys: pytest.CaptureFixture[str]
) -> None:
    tenant, token = sandbox.admin.create_tenant_with_token()
    for n in range(3):
        sandbox.admin.create_invoice(tenant.tenant_id, **invoice_spec(f"INV-UNREP-{n}"))
    (nuntiq_sftp.root / "outbox").mkdir()
    sandbox.admin.add_fault(r"/integration-results$", method="POST", status=500, count=1)  # the batch's report
    job.token = token.token
    config = {**nuntiq_sftp.config(), "connector_name": "unreported", "remote_outbox": "/outbox"}
    try:
        code = job.run(
            PUSH_CONNECTOR, secrets=nuntiq_sftp.secrets(), api_base_url=sandbox.api_url, api_max_retries=0, **config
        )
    finally:
        sandbox.admin.clear_faults()
    out, err = capsys.readouterr()
    assert code == 1, err
    summary = json.loads(out)
    assert (summary["pushed"], summary["unreported"]) == (0, 3)
    assert "3 invoice(s) handled but not reported" in err
