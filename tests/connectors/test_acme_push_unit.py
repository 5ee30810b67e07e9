"""The push connector's pure parts: rendering, file names, configuration."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from connectors.acme_erp_sftp_push.acme_erp_sftp_push import (
    PushConfig,
    attachment_filename,
    invoice_filename,
    render_csv,
)
from nuntiq_sdk import ConfigError, JobContext


def test_csv_is_tab_separated_utf8_with_bom() -> None:
    body = render_csv([["INV-1", "2026-11-02", "EUR", "1190.00", "SUP-100", 2], ["Ä-2", "", "", "", "", 0]])
    assert body.startswith(b"\xef\xbb\xbf")
    lines = body.decode("utf-8-sig").splitlines()
    assert lines[0] == "invoice_number\tdate\tcurrency\ttotal\tsupplier_code\tline_count"
    assert lines[1] == "INV-1\t2026-11-02\tEUR\t1190.00\tSUP-100\t2"
    assert lines[2].startswith("Ä-2\t")


def test_file_names() -> None:
    day = datetime(2026, 11, 21, tzinfo=UTC)
    assert invoice_filename("INV/2026:42", day) == "INV_2026_42-20261121.csv"
    assert attachment_filename("INV-1-20261121.csv", "scan 1.PDF") == "INV-1-20261121-scan_1.PDF"
    assert attachment_filename("INV-1-20261121.csv", "../../evil") == "INV-1-20261121-evil"


def _context(tmp_path: Path, **config: object) -> JobContext:
    settings = {
        "customer_number": "10000001",
        "secrets": {"api_token": "ntq_sk_" + "0" * 40},
        "config": {"api_base_url": "http://127.0.0.1:9/v1", **config},
    }
    return JobContext.from_settings(settings, environ={}, work_dir=tmp_path)


def test_config_defaults(tmp_path: Path) -> None:
    with _context(tmp_path, connector_name="acme_erp_push", remote_outbox="/inbound/invoices/") as context:
        config = PushConfig.from_context(context)
    assert config.remote_outbox == "/inbound/invoices"
    assert config.remote_state_dir == "/inbound/invoices/.nuntiq-state"
    assert (config.batch_size, config.lease_ttl_seconds, config.file_mode, config.push_attachments) == (
        20,
        600,
        "per_invoice",
        False,
    )


def test_every_config_problem_is_listed(tmp_path: Path) -> None:
    bad = {"remote_outbox": "inbound/../x", "batch_size": 0, "file_mode": "zip", "push_attachments": "yes"}
    with _context(tmp_path, **bad) as context, pytest.raises(ConfigError) as caught:
        PushConfig.from_context(context)
    text = str(caught.value)
    for key in ("connector_name", "remote_outbox", "batch_size", "file_mode", "push_attachments"):
        assert key in text
