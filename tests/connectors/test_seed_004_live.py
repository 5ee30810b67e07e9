"""The product docs' connector (seed 004), unchanged, `lib.` imports included, runs through `nuntiq run`."""

from __future__ import annotations

import pytest

from tests.connectors.conftest import SEED_CONNECTOR, PushWorld

pytestmark = pytest.mark.live


def test_the_docs_connector_runs_unchanged_and_every_invoice_ends_processed(push_world: PushWorld) -> None:
    tokens = push_world.invoices(5)
    result = push_world.run(SEED_CONNECTOR)
    assert result.returncode == 0, result.stderr
    assert '"pushed": 5' in result.stdout
    assert push_world.statuses(tokens) == [100] * 5
    assert len(push_world.delivered()) == 5
    assert push_world.token.token not in result.stdout + result.stderr
    assert push_world.secrets["sftp_password"] not in result.stdout + result.stderr


def test_our_connector_delivers_the_same_files(push_world: PushWorld) -> None:
    tokens = push_world.invoices(5)
    result = push_world.run()
    assert result.returncode == 0, result.stderr
    assert push_world.statuses(tokens) == [100] * 5
    files = push_world.delivered()
    assert [f.name.split("-2")[0] for f in files] == [f"INV-{n:04d}" for n in range(1, 6)]
    body = files[0].read_bytes()
    assert body.startswith(b"\xef\xbb\xbf")
    assert body.decode("utf-8-sig").splitlines()[1].split("\t") == [
        "INV-0001", "2026-11-02", "EUR", "1190.00", "SUP-100", "2",
    ]  # fmt: skip
    assert push_world.status(tokens[0])["external_id_1"] == f"/inbound/invoices/{files[0].name}"
