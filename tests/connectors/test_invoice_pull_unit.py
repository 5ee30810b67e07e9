"""The invoice pull's config, sidecar parsing, settling and pairing, without a network."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connectors.sftp_invoice_pull.sftp_invoice_pull import PullConfig, sidecar_rules
from nuntiq_sdk import ConfigError, JobContext
from nuntiq_sdk.sftp import (  # the drop folder's building blocks, in the SDK
    DocumentProblem,
    RemoteFile,
    Sidecar,
    pair_documents,
    read_sidecar,
    settled,
    suffixed,
)


@pytest.fixture
def config(tmp_path: Path) -> Iterator[Any]:
    contexts: list[JobContext] = []

    def make(**values: Any) -> PullConfig:
        settings = {
            "customer_number": "10000001",
            "secrets": {"api_token": "t"},
            "config": {"api_base_url": "http://127.0.0.1:9/v1", "connector_name": "c", "remote_inbox": "/in", **values},
        }
        contexts.append(JobContext.from_settings(settings, environ={}, work_dir=tmp_path))
        return PullConfig.from_context(contexts[-1])

    yield make
    for context in contexts:
        context.close()


def test_config_defaults_put_archive_error_and_state_under_the_inbox(config: Any) -> None:
    made = config()
    assert (made.remote_archive, made.remote_error, made.remote_state_dir) == (
        "/in/archive",
        "/in/error",
        "/in/.nuntiq-state",
    )
    assert (made.max_files, made.settle_seconds, made.incomplete_max_age_seconds) == (50, 2.0, 86400)


def test_config_problems_are_reported_together_with_their_values(config: Any) -> None:
    with pytest.raises(ConfigError) as caught:
        config(remote_archive="/in/../etc", max_files=0, original_patterns=["*.json"])
    text = str(caught.value)
    for expected in ("config.remote_archive", "'/in/../etc'", "config.max_files", "0",
                     "config.original_patterns", "['*.json']"):  # fmt: skip
        assert expected in text
    with pytest.raises(ConfigError, match="four different folders"):  # a rule across entries, once they are good
        config(remote_error="/in")


def test_a_sidecar_gives_fields_original_and_attachments(config: Any) -> None:
    data = json.dumps({"original": "a.pdf", "attachments": ["a.xml"], "supplier_code": "S"}).encode()
    parsed = read_sidecar(b"\xef\xbb\xbf" + data, sidecar_rules(config()))
    assert parsed == Sidecar({"supplier_code": "S"}, "a.pdf", ("a.xml",))


@pytest.mark.parametrize(
    ("data", "field", "value", "reason"),
    [
        (b'{"fields": {', None, None, "not valid JSON"),
        (b"[1, 2]", None, "list", "must hold a JSON object"),
        (b'{"source_key": "x"}', "source_key", "x", "set by the connector"),
        (b'{"original": "../a.pdf"}', "original", "../a.pdf", "not a plain file name"),
        (b'{"attachments": ["ok.xml", "sub\\\\x.xml"]}', "attachments[1]", "sub\\x.xml", "not a plain file name"),
        (b'{"attachments": [".hidden"]}', "attachments[0]", ".hidden", "hidden"),
        (b'{"attachments": "a.xml"}', "attachments", "a.xml", "must be a list"),
        (b"\xff\xfe{}", None, None, "not UTF-8"),
    ],
)
def test_a_bad_sidecar_names_the_field_and_the_value(
    config: Any, data: bytes, field: Any, value: Any, reason: str
) -> None:
    problem = read_sidecar(data, sidecar_rules(config()))
    assert isinstance(problem, DocumentProblem)
    assert (problem.field, problem.value) == (field, value)
    assert reason in problem.reason


def test_only_files_unchanged_between_two_listings_are_settled() -> None:
    first = {"a.pdf": RemoteFile("a.pdf", 10, 1), "b.pdf": RemoteFile("b.pdf", 10, 1)}
    second = {**first, "b.pdf": RemoteFile("b.pdf", 20, 2), "c.pdf": RemoteFile("c.pdf", 5, 3)}
    assert settled(first, second) == ({"a.pdf": first["a.pdf"]}, ["b.pdf", "c.pdf"])


def test_a_collision_suffix_goes_before_the_extension() -> None:
    assert [suffixed("INV-1.pdf", 0), suffixed("INV-1.pdf", 2), suffixed("a.b.json", 1), suffixed("README", 3)] == [
        "INV-1.pdf", "INV-1-2.pdf", "a.b-1.json", "README-3",
    ]  # fmt: skip


def test_two_possible_originals_need_the_sidecar_to_name_one(config: Any) -> None:
    files = {n: RemoteFile(n, 1, 0, "/in") for n in ("I.pdf", "I.xml", "I.json")}
    rules = sidecar_rules(config())

    def pair(sidecar: bytes) -> Any:
        return pair_documents(files, rules, now=0, read=lambda entry: sidecar, max_documents=50)

    [document] = pair(b"{}").documents

    assert document.problem is not None
    assert (document.problem.field, document.problem.value) == ("original", ["I.pdf", "I.xml"])
    [chosen] = pair(b'{"original": "I.xml", "attachments": ["I.pdf"]}').documents
    assert (chosen.problem, chosen.original, [a.name for a in chosen.attachments]) == (None, files["I.xml"], ["I.pdf"])
