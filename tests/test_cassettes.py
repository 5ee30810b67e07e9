"""No cassette holds a token or secret, and every cassette belongs to a test."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.recording import CASSETTES, LEAK_PATTERNS

ALL_CASSETTES = sorted(CASSETTES.rglob("*.yaml"))


def leaks(text: str) -> list[str]:
    return [match.group(0) for pattern in LEAK_PATTERNS for match in pattern.finditer(text)]


def test_there_are_cassettes() -> None:
    assert len(ALL_CASSETTES) >= 30


@pytest.mark.parametrize("path", ALL_CASSETTES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_cassette_holds_no_secret(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert leaks(text) == [], f"{path} holds what looks like a credential"
    for interaction in yaml.safe_load(text)["interactions"]:
        assert "authorization" not in {h.lower() for h in interaction["request"]["headers"]}


@pytest.mark.parametrize(
    "planted",
    [
        "token: ntq_sk_" + "a1" * 20,
        "Authorization: Bearer abcdef0123456789",
        "    authorization:\n    - x",
        "sftp_password: rotated-quarterly",
    ],
)
def test_the_scan_finds_a_planted_secret(planted: str) -> None:
    assert leaks(planted)


def test_every_cassette_belongs_to_a_test() -> None:
    tests_dir = CASSETTES.parent
    for path in ALL_CASSETTES:
        module = next(tests_dir.rglob(f"{path.parent.name}.py"), None)
        assert module is not None, f"{path} has no test module"
        assert f"def {path.stem}(" in module.read_text(encoding="utf-8"), f"{path} has no test"
