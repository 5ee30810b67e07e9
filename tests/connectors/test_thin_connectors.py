"""Every connector keeps only its domain: at most 300 code lines, no paramiko, no raw SFTP client."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

CONNECTORS = Path(__file__).resolve().parents[2] / "connectors"
MAX_CODE_LINES = 300
THIN = sorted(p.name for p in CONNECTORS.iterdir() if (p / f"{p.name}.py").is_file())


def test_every_connector_is_checked() -> None:
    assert THIN == ["acme_erp_sftp_push", "sftp_invoice_pull", "supplier_master_pull"]


def code_lines(text: str) -> int:
    """Lines that are neither blank nor a comment (``grep -cvE '^\\s*($|#)'``)."""
    return sum(1 for line in text.splitlines() if not re.match(r"^\s*($|#)", line))


@pytest.mark.parametrize("connector", THIN)
def test_the_connector_is_at_most_300_code_lines(connector: str) -> None:
    lines = code_lines((CONNECTORS / connector / f"{connector}.py").read_text(encoding="utf-8"))
    assert lines <= MAX_CODE_LINES, f"{connector}.py has {lines} code lines"


@pytest.mark.parametrize("connector", THIN)
def test_the_connector_never_reaches_paramiko_or_the_raw_sftp_client(connector: str) -> None:
    tree = ast.parse((CONNECTORS / connector / f"{connector}.py").read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not any(name.split(".")[0] == "paramiko" for name in imported)
    # SFTPConnection.sftp is the paramiko client: a connector reads `connection.sftp` nowhere.
    raw = [
        ast.unparse(node)
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr == "sftp" and "connection" in ast.unparse(node.value)
    ]
    assert raw == []


def test_the_line_count_rule_counts_code_only() -> None:
    assert code_lines("import x\n\n# a comment\n    # indented\nx = 1  # trailing\n") == 2
