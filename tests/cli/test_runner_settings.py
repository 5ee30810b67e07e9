"""``nuntiq run`` checks the whole settings file in one round, and ``--describe`` lists what a connector reads."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONNECTORS = ROOT / "connectors"


def _nuntiq(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nuntiq_cli", *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=120
    )


def test_five_mistakes_across_config_sftp_and_secrets_come_in_one_config_error(tmp_path: Path) -> None:
    settings = tmp_path / "settings.json"
    settings.write_text(
        json.dumps(
            {
                "customer_number": "10000001",
                "secrets": {"api_token": "ntq_sk_" + "0" * 40, "sftp_password": 12345},  # 1: not text
                "config": {
                    "api_base_url": "http://127.0.0.1:9/v1",
                    "connector_name": "acme_erp_push",
                    "remote_outbox": "inbound/invoices",  # 2: not absolute
                    "batch_size": "20",  # 3: text, not a number
                    "sftp_host": "127.0.0.1",
                    "sftp_user": "acme",
                    "sftp_port": True,  # 4: a bool is not a port
                    "sftp_timeout_seconds": 0,  # 5: 0 does not mean "default"
                    "sftp_host_key_fingerprint": "SHA256:abc",
                },
            }
        )
    )
    connector = CONNECTORS / "acme_erp_sftp_push" / "acme_erp_sftp_push.py"  # the file works as well as the folder
    result = _nuntiq("run", str(connector), "--settings", str(settings), "--work-dir", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "settings.json (5 problems): " in result.stderr, result.stderr
    for expected in (
        "secrets.sftp_password must be a string, got int",
        "config.remote_outbox must be an absolute remote path",
        "config.batch_size must be a whole number, got '20'",
        "config.sftp_port must be a whole number, got True",
        "config.sftp_timeout_seconds must be at least 0.1, got 0",
    ):
        assert expected in result.stderr, (expected, result.stderr)
    assert "12345" not in result.stderr + result.stdout


@pytest.mark.parametrize("connector", ["acme_erp_sftp_push", "sftp_invoice_pull", "supplier_master_pull"])
def test_describe_lists_the_api_the_sftp_and_the_connector_settings_without_a_settings_file(
    connector: str, tmp_path: Path
) -> None:
    result = _nuntiq("run", str(CONNECTORS / connector), "--describe", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["Setting", "Type", "Required", "Default", "Description"]
    keys = {line.split()[0] for line in lines[1:]}
    assert {"customer_number", "config.api_base_url", "secrets.api_token", "config.connector_name"} <= keys
    assert {"config.sftp_host", "config.sftp_port", "secrets.sftp_password", "config.sftp_known_hosts"} <= keys


def test_without_settings_or_describe_run_says_what_is_missing(tmp_path: Path) -> None:
    result = _nuntiq("run", str(CONNECTORS / "acme_erp_sftp_push"), cwd=tmp_path)
    assert result.returncode == 2
    assert "--settings is required" in result.stderr


@pytest.mark.parametrize("connector", ["acme_erp_sftp_push", "sftp_invoice_pull", "supplier_master_pull"])
def test_each_connector_folder_holds_its_docs_and_a_settings_example_that_passes_the_check(
    connector: str, tmp_path: Path
) -> None:
    from nuntiq_cli._runner import load_module
    from nuntiq_sdk.settings import check_settings

    folder = CONNECTORS / connector
    assert (folder / "README.md").is_file()
    example = json.loads((folder / "settings.json").read_text())
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text("")
    config = {**example["config"], "sftp_known_hosts": str(known_hosts)}  # the example's path is the server's
    module = load_module(folder)  # the folder, as `nuntiq run connectors/X` takes it
    assert module.__file__ == str(folder / f"{connector}.py")
    assert check_settings(module.SETTINGS, config, example["secrets"]) == []


def test_a_folder_without_its_connector_is_refused_by_name(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = _nuntiq("run", str(tmp_path / "empty"), "--describe", cwd=tmp_path)
    assert result.returncode == 2
    assert "holds no empty.py" in result.stderr
