"""The supplier master pull with the API recorded once and replayed with the network blocked.

The connector runs in the test process against an embedded SFTP server on
127.0.0.1, so loopback stays open (``allowed_hosts``): the SFTP server is the
test's own, not the network. Every API request - delta runs, the supplier
upsert, the search that checks the result - is replayed from
``tests/cassettes/test_supplier_pull_recorded/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import connectors.supplier_master_pull.supplier_master_pull as pull_connector
from nuntiq_sandbox.pytest_plugin import SFTPDropFolder
from nuntiq_sandbox.testing import ApiToken
from nuntiq_sdk.objects.supplier import SupplierLoad
from tests.sdk.conftest import World, vcr_cassette_dir, vcr_config, world

pytestmark = [pytest.mark.vcr, pytest.mark.block_network(allowed_hosts=[r"127\.0\.0\.1"])]
__all__ = ["vcr_cassette_dir", "vcr_config", "world"]  # fixtures, imported to be found here

FOLDER = "/outbound/suppliers"
HEADER = "supplier_code,name,country_code,currency_code,location_code,location_name,iban\n"
GOOD = HEADER + "SUP-1,Acme Supplies GmbH,DE,EUR,MAIN,Berlin HQ,DE89370400440532013000\n" + "SUP-2,Bolt BV,NL,EUR,,,\n"
BAD_LINE_3 = GOOD.replace("SUP-2,Bolt BV,NL,", "SUP-2,Bolt BV,Netherlands,")
# Fixed modification times: the delta cursor (sent to the API) holds them, and replay matches request bodies.
MTIME_BAD, MTIME_FIXED = 1_794_000_000, 1_794_000_600


def run_pull(world: World, sftp: SFTPDropFolder, token: ApiToken, work_dir: Path) -> dict[str, Any]:
    return world.run_connector(
        pull_connector, token, sftp, work_dir, connector_name="acme_supplier_pull", remote_folder=FOLDER
    )


def test_a_bad_row_rejects_the_file_by_line_and_the_fixed_file_is_loaded(
    world: World, nuntiq_sftp: SFTPDropFolder, tmp_path: Path
) -> None:
    _, token = world.tenant()
    nuntiq_sftp.put(f"{FOLDER}/suppliers.csv", BAD_LINE_3, mtime=MTIME_BAD)

    rejected = run_pull(world, nuntiq_sftp, token, tmp_path / "first")

    assert (rejected["files_rejected"], rejected["files_processed"]) == (1, 0)
    assert [(bad["line"], bad["field"], bad["value"]) for bad in rejected["bad_rows"]] == [
        (3, "country_code", "Netherlands")
    ]
    assert list(SupplierLoad(world.context(token)).get_all()) == []  # nothing saved, not even SUP-1

    nuntiq_sftp.put(f"{FOLDER}/suppliers.csv", GOOD, mtime=MTIME_FIXED)
    fixed = run_pull(world, nuntiq_sftp, token, tmp_path / "second")
    again = run_pull(world, nuntiq_sftp, token, tmp_path / "third")

    assert (fixed["files_processed"], fixed["created"], fixed["bad_rows"]) == (1, 2, [])
    assert (again["files_processed"], again["files_skipped"]) == (0, 1)  # delta_run: already processed
    suppliers = {s.supplier_code: s for s in SupplierLoad(world.context(token)).get_all()}
    assert sorted(suppliers) == ["SUP-1", "SUP-2"]
    assert suppliers["SUP-1"].bank_accounts[0].iban == "DE89370400440532013000"
