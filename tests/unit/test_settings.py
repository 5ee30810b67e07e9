"""Declared connector settings: one declaration, one checker, every problem in one round, the same rules everywhere."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

import attrs
import pytest

from nuntiq_sdk import ConfigError, JobContext
from nuntiq_sdk.settings import (
    check_settings,
    describe_settings,
    format_settings_table,
    group,
    option,
    read_settings,
    secret,
)


@attrs.frozen
class ServerSettings:
    """Where the files go."""

    host: str = option(help="Server name.")
    port: int = option(default=22, minimum=1, maximum=65535, help="TCP port.")
    timeout_seconds: float = option(default=30.0, minimum=0.001, help="Seconds per operation.")
    password: str | None = secret(required=False, help="Password.")
    private_key: str | None = secret(required=False, help="Private key text.")

    def problems(self) -> list[str]:
        return [] if self.password or self.private_key else ["no credential: set secrets.sftp_password"]


@attrs.frozen
class Declared:
    connector_name: str = option(help="Names the stream.")
    server: ServerSettings = group(ServerSettings, prefix="sftp_")
    remote_outbox: str = option(remote_path=True, help="Folder the ERP reads.")
    batch_size: int = option(default=20, minimum=1, maximum=500, help="Invoices per batch.")
    file_mode: Literal["per_invoice", "batch"] = option(default="per_invoice", help="Files per invoice or batch.")
    push_attachments: bool = option(default=False, help="Also upload attachments.")


GOOD = {"connector_name": "acme", "sftp_host": "sftp.example", "remote_outbox": "/inbound/invoices/"}
SECRETS = {"sftp_password": "s3cr3t-value"}


def test_a_good_file_reads_typed_with_defaults_and_a_normalised_path() -> None:
    assert check_settings(Declared, GOOD, SECRETS) == []
    context = JobContext.from_settings(
        {
            "customer_number": "1",
            "secrets": {"api_token": "tok", **SECRETS},
            "config": {"api_base_url": "http://127.0.0.1:1/v1", **GOOD},
        },
        environ={},
    )
    with context:
        settings = read_settings(Declared, context)
    assert settings.server == ServerSettings(host="sftp.example", password="s3cr3t-value")
    assert settings.remote_outbox == "/inbound/invoices"
    assert (settings.batch_size, settings.file_mode, settings.push_attachments) == (20, "per_invoice", False)
    assert "s3cr3t" not in repr(settings)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("batch_size", True, "config.batch_size must be a whole number, got True"),
        ("batch_size", "20", "config.batch_size must be a whole number, got '20'"),
        ("batch_size", 20.0, "config.batch_size must be a whole number, got 20.0"),
        ("batch_size", 0, "config.batch_size must be at least 1, got 0"),
        ("batch_size", 501, "config.batch_size must be at most 500, got 501"),
        ("sftp_port", 22.9, "config.sftp_port must be a whole number, got 22.9"),
        ("sftp_port", True, "config.sftp_port must be a whole number, got True"),
        ("sftp_timeout_seconds", float("nan"), "config.sftp_timeout_seconds must be a finite number, got nan"),
        ("sftp_timeout_seconds", float("inf"), "config.sftp_timeout_seconds must be a finite number, got inf"),
        ("sftp_timeout_seconds", 0, "config.sftp_timeout_seconds must be at least 0.001, got 0"),
        ("sftp_timeout_seconds", "30", "config.sftp_timeout_seconds must be a number, got '30'"),
        ("file_mode", "zip", "config.file_mode must be one of 'per_invoice', 'batch', got 'zip'"),
        ("push_attachments", "yes", "config.push_attachments must be true or false, got 'yes'"),
        ("push_attachments", 1, "config.push_attachments must be true or false, got 1"),
        ("connector_name", "", "config.connector_name must not be empty"),
        ("connector_name", "a\x00b", "config.connector_name must not hold control characters, got 'a\\x00b'"),
        ("sftp_host", 42, "config.sftp_host must be text, got 42"),
        ("remote_outbox", "inbound", "config.remote_outbox must be an absolute remote path"),
        ("remote_outbox", "/inbound/../etc", "config.remote_outbox must be an absolute remote path"),
        ("remote_outbox", None, "config.remote_outbox must not be null"),
    ],
)
def test_each_rule_names_the_entry_and_the_value(key: str, value: object, message: str) -> None:
    assert [p for p in check_settings(Declared, {**GOOD, key: value}, SECRETS) if p.startswith(message)], (
        check_settings(Declared, {**GOOD, key: value}, SECRETS)
    )


def test_five_mistakes_across_config_sftp_and_secrets_come_in_one_config_error(tmp_path: Path) -> None:
    settings = tmp_path / "settings.json"
    config = {"sftp_port": True, "batch_size": "20", "remote_outbox": "relative", "file_mode": "zip"}
    settings.write_text(json.dumps({"customer_number": "1", "secrets": {"api_token": 5}, "config": config}))
    with pytest.raises(ConfigError) as raised:
        JobContext.from_settings(settings, environ={}, declared=Declared)
    problems = raised.value.problems
    for expected in (
        "secrets.api_token must be a string",
        "API base URL is missing",
        "config.connector_name is missing",
        "config.sftp_host is missing",
        "config.sftp_port must be a whole number, got True",
        "config.batch_size must be a whole number, got '20'",
        "config.remote_outbox must be an absolute remote path",
        "config.file_mode must be one of",
    ):
        assert any(p.startswith(expected) for p in problems), (expected, problems)


def test_a_secret_is_never_shown_and_cross_field_rules_run_once_the_fields_are_good() -> None:
    problems = check_settings(Declared, GOOD, {"sftp_password": 12345})
    assert problems == ["secrets.sftp_password must be text, got (hidden)"]
    assert check_settings(Declared, GOOD, {}) == ["no credential: set secrets.sftp_password"]


def test_the_declaration_describes_itself_for_a_settings_file_writer() -> None:
    rows = {row.key: row for row in describe_settings(Declared)}
    assert list(rows) == [
        "config.connector_name",
        "config.sftp_host",
        "config.sftp_port",
        "config.sftp_timeout_seconds",
        "secrets.sftp_password",
        "secrets.sftp_private_key",
        "config.remote_outbox",
        "config.batch_size",
        "config.file_mode",
        "config.push_attachments",
    ]
    assert (rows["config.sftp_port"].type, rows["config.sftp_port"].default) == ("integer 1..65535", "22")
    assert rows["config.file_mode"].type == "'per_invoice' | 'batch'"
    assert rows["config.connector_name"].required
    table = format_settings_table(list(rows.values()))
    assert table.splitlines()[0].split() == ["Setting", "Type", "Required", "Default", "Description"]
    assert "config.remote_outbox" in table
