"""SFTP names and settings: safe whatever the input, and host key verification is not optional."""

from __future__ import annotations

from pathlib import Path

import pytest

from nuntiq_sdk import ConfigError, JobContext
from nuntiq_sdk.sftp import SFTPSettings, safe_remote_name


@pytest.mark.parametrize(
    ("stem", "expected"),
    [
        ("INV-2026-0042", "INV-2026-0042.csv"),
        ("../../etc/passwd", "etc_passwd.csv"),
        ("a/b\\c", "a_b_c.csv"),
        ("Ünïcødé №5", "n_c_d_5.csv"),
        ("", "UNKNOWN.csv"),
        (None, "UNKNOWN.csv"),
        ("...", "UNKNOWN.csv"),
        ("CON", "_CON.csv"),
        ("x" * 300, "x" * 100 + ".csv"),
        ("tab\there\nnewline\x00nul", "tab_here_newline_nul.csv"),
    ],
)
def test_remote_names_are_safe_whatever_the_invoice_number_holds(stem: object, expected: str) -> None:
    name = safe_remote_name(stem, ".csv")
    assert name == expected
    assert "/" not in name
    assert name.isascii()


def test_an_unsafe_extension_is_refused() -> None:
    with pytest.raises(ValueError, match="extension"):
        safe_remote_name("x", ".c/v")


def _context(tmp_path: Path, config: dict[str, object], secrets: dict[str, str]) -> JobContext:
    settings = {
        "customer_number": "10000001",
        "secrets": {"api_token": "ntq_sk_" + "0" * 40, **secrets},
        "config": {"api_base_url": "http://127.0.0.1:9/v1", **config},
    }
    return JobContext.from_settings(settings, environ={}, work_dir=tmp_path)


def test_settings_without_host_key_verification_are_refused(tmp_path: Path) -> None:
    context = _context(tmp_path, {"sftp_host": "127.0.0.1", "sftp_user": "u"}, {"sftp_password": "pw"})
    with context, pytest.raises(ConfigError, match="host key verification"):
        SFTPSettings.from_context(context)


def test_every_settings_problem_is_listed(tmp_path: Path) -> None:
    context = _context(
        tmp_path,
        {"sftp_port": "abc", "sftp_known_hosts": str(tmp_path / "missing"), "sftp_host_key_fingerprint": "md5:xx"},
        {},
    )
    with context, pytest.raises(ConfigError) as caught:
        SFTPSettings.from_context(context)
    text = str(caught.value)
    for fragment in ("sftp_host", "sftp_user", "sftp_port", "sftp_known_hosts", "SHA256:"):
        assert fragment in text


def test_valid_settings_do_not_show_the_password(tmp_path: Path) -> None:
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text("")
    context = _context(
        tmp_path,
        {"sftp_host": "sftp.example", "sftp_port": 2222, "sftp_user": "u", "sftp_known_hosts": str(known_hosts)},
        {"sftp_password": "rotated-quarterly"},
    )
    with context:
        settings = SFTPSettings.from_context(context)
    assert (settings.host, settings.port, settings.password) == ("sftp.example", 2222, "rotated-quarterly")
    assert "rotated-quarterly" not in repr(settings)
