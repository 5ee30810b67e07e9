"""The supplier pull's config and CSV parsing, without a network: every problem names its line, field and value."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from connectors.supplier_master_pull.supplier_master_pull import PullConfig, parse_csv, read_cursor
from nuntiq_sdk import ConfigError, JobContext


@pytest.fixture
def make_context(tmp_path: Any) -> Iterator[Any]:
    contexts: list[JobContext] = []

    def make(**config: Any) -> JobContext:
        settings = {
            "customer_number": "10000001",
            "secrets": {"api_token": "t"},
            "config": {
                "api_base_url": "http://127.0.0.1:9/v1",
                "connector_name": "c",
                "remote_folder": "/in",
                **config,
            },
        }
        contexts.append(JobContext.from_settings(settings, environ={}, work_dir=tmp_path))
        return contexts[-1]

    yield make
    for context in contexts:
        context.close()


def test_config_problems_are_reported_together(make_context: Any) -> None:
    context = make_context(
        remote_folder="in/../x", delimiter=";;",
        column_map={"Lief": "supplier.supplier_kode"}, encoding="klingon",
    )  # fmt: skip
    with pytest.raises(ConfigError) as raised:
        PullConfig.from_context(context)
    text = str(raised.value)
    for expected in (
        "config.remote_folder must be an absolute remote path",
        "config.delimiter must be one character",
        "config.column_map['Lief']: target 'supplier.supplier_kode' is not a supplier field",
        "did you mean 'supplier_code'",
        "config.encoding is not a known text encoding, got 'klingon'",
    ):
        assert expected in text


def test_a_rule_across_entries_is_checked_once_the_entries_are_good(make_context: Any) -> None:
    with pytest.raises(ConfigError, match="would delete every supplier whose row is bad"):
        PullConfig.from_context(make_context(mode="full_load", on_bad_rows="skip_rows"))


def test_a_quoted_field_over_two_lines_keeps_the_line_numbers_right(make_context: Any) -> None:
    config = PullConfig.from_context(make_context())
    data = b'supplier_code,name,active\nSUP-1,"Acme\nSupplies",yes\nSUP-2,Bolt,maybe\n'
    parsed = parse_csv("f.csv", data, config)
    assert [str(bad) for bad in parsed.problems] == [
        "f.csv line 4: active: 'maybe' is not a yes/no value (true/false, yes/no, 1/0)"
    ]
    assert parsed.records["SUP-1"].values == {"supplier_code": "SUP-1", "name": "Acme\nSupplies", "active": True}


def test_bytes_that_are_not_utf8_name_their_line(make_context: Any) -> None:
    config = PullConfig.from_context(make_context())
    parsed = parse_csv("f.csv", b"supplier_code,name\nSUP-1,M\xfcller\n", config)
    assert [(bad.line, bad.message) for bad in parsed.problems] == [(2, "is not utf-8 text")]


def test_a_header_without_supplier_code_rejects_the_file_at_line_1(make_context: Any) -> None:
    config = PullConfig.from_context(make_context())
    parsed = parse_csv("f.csv", b"code,name\nSUP-1,Acme\n", config)
    assert [(bad.line, bad.field) for bad in parsed.problems] == [(1, "-")]
    assert "no supplier_code column" in parsed.problems[0].message


def test_a_child_row_without_its_key_is_a_bad_row(make_context: Any) -> None:
    config = PullConfig.from_context(make_context())
    parsed = parse_csv("f.csv", b"supplier_code,name,location_code,location_name\nSUP-1,Acme,,Berlin\n", config)
    assert [str(bad) for bad in parsed.problems] == ["f.csv line 2: location_code: is empty but location_name is set"]


def test_a_foreign_cursor_is_refused_not_misread() -> None:
    assert read_cursor(None) is None
    assert read_cursor('{"mtime": 5, "name": "a.csv", "sha256": "ab"}') == ((5, "a.csv"), "ab")
    with pytest.raises(ValueError, match="not this connector's"):
        read_cursor("2026-11-01T00:00:00Z")
