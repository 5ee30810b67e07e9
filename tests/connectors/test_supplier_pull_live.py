"""The supplier master pull, live: CSV files on the embedded SFTP server, loaded into the sandbox by a real job."""

from __future__ import annotations

import time
from typing import Any

import pytest

import connectors.supplier_master_pull.supplier_master_pull as pull_connector
from nuntiq_sandbox.pytest_plugin import ConnectorRunner, Seeder, SFTPDropFolder

pytestmark = pytest.mark.live

FOLDER = "/outbound/suppliers"
CONFIG = {"connector_name": "acme_supplier_pull", "remote_folder": FOLDER}
HEADER = "supplier_code,name,country_code,currency_code,location_code,location_name,iban,is_primary\n"
GOOD = (
    HEADER
    + "SUP-1,Acme Supplies GmbH,DE,EUR,MAIN,Berlin HQ,DE89370400440532013000,yes\n"
    + "SUP-1,,,,WH,Hamburg Warehouse,,\n"
    + "SUP-2,Bolt BV,NL,EUR,,,,\n"
)
BAD_LINE_3 = GOOD.replace("SUP-1,,,,WH,", "SUP-1,,Germany,,WH,")  # line 3: country differs and is no ISO code


def put(sftp: SFTPDropFolder, name: str, text: str, *, age: int = 0) -> None:
    """A file with a distinct mtime (``age`` seconds ago), as an ERP export would arrive."""
    sftp.put(f"{FOLDER}/{name}", text, mtime=time.time() - age)


def run(run_connector: ConnectorRunner, **config: Any) -> dict[str, Any]:
    summary: dict[str, Any] = run_connector(pull_connector, config={**CONFIG, **config}).assert_ok()
    return summary


def test_an_incremental_load_upserts_suppliers_with_their_locations_and_bank_accounts(
    nuntiq_sftp: SFTPDropFolder, nuntiq_seed: Seeder, run_connector: ConnectorRunner
) -> None:
    nuntiq_seed.suppliers([{"supplier_code": "SUP-0", "name": "Kept GmbH"}])
    put(nuntiq_sftp, "suppliers_1.csv", GOOD)

    summary = run(run_connector)

    assert {k: summary[k] for k in ("files_processed", "rows", "suppliers", "created", "bad_rows")} == {
        "files_processed": 1, "rows": 3, "suppliers": 2, "created": 2, "bad_rows": [],
    }  # fmt: skip
    rows = {row["supplier_code"]: row for row in nuntiq_seed.supplier_rows()}
    assert sorted(rows) == ["SUP-0", "SUP-1", "SUP-2"]  # incremental: SUP-0 stays
    assert [loc["location_code"] for loc in rows["SUP-1"]["locations"]] == ["MAIN", "WH"]
    assert rows["SUP-1"]["bank_accounts"] == [{"iban": "DE89370400440532013000", "is_primary": True}]
    assert rows["SUP-2"]["country_code"] == "NL"


def test_a_full_load_replaces_the_supplier_table(
    nuntiq_sftp: SFTPDropFolder, nuntiq_seed: Seeder, run_connector: ConnectorRunner
) -> None:
    nuntiq_seed.suppliers([{"supplier_code": "SUP-0", "name": "Gone GmbH"}, {"supplier_code": "SUP-2", "name": "Old"}])
    put(nuntiq_sftp, "suppliers_old.csv", HEADER + "SUP-9,Superseded,DE,EUR,,,,\n", age=60)
    put(nuntiq_sftp, "suppliers_new.csv", GOOD)

    summary = run(run_connector, mode="full_load")

    assert nuntiq_seed.supplier_codes() == ["SUP-1", "SUP-2"]
    assert (summary["created"], summary["updated"], summary["deleted"]) == (1, 1, 1)
    assert (summary["files_processed"], summary["files_superseded"]) == (1, 1)


def test_a_file_with_one_bad_row_is_rejected_whole_by_line_then_accepted_when_fixed(
    nuntiq_sftp: SFTPDropFolder, nuntiq_seed: Seeder, run_connector: ConnectorRunner
) -> None:
    put(nuntiq_sftp, "suppliers.csv", BAD_LINE_3, age=30)

    rejected = run_connector(pull_connector, config=CONFIG)

    summary = rejected.assert_ok()
    assert nuntiq_seed.supplier_codes() == []  # nothing saved, not even SUP-2
    assert (summary["files_rejected"], summary["files_processed"]) == (1, 0)
    assert summary["bad_rows"] == [
        {"file": "suppliers.csv", "line": 3, "field": "country_code", "value": "Germany",
         "message": "differs from 'DE' on line 2 for supplier SUP-1"},
    ]  # fmt: skip
    assert "suppliers.csv line 3: country_code: 'Germany' differs" in rejected.stderr
    assert rejected.messages(step="rejected")[0].startswith("Rejected suppliers.csv: 1 problem(s), nothing saved")

    put(nuntiq_sftp, "suppliers.csv", GOOD)  # the ERP fixes the file in place
    fixed = run(run_connector)

    assert (fixed["files_processed"], fixed["files_rejected"], fixed["bad_rows"]) == (1, 0, [])
    assert nuntiq_seed.supplier_codes() == ["SUP-1", "SUP-2"]


def test_the_sdks_validation_problems_are_reported_by_line_field_and_value(
    nuntiq_sftp: SFTPDropFolder, nuntiq_seed: Seeder, run_connector: ConnectorRunner
) -> None:
    text = (
        HEADER
        + "SUP-1,Acme,DE,EUR,MAIN,Berlin,DE89370400440532013001,yes\n"  # line 2: IBAN checksum wrong
        + "SUP-2,Bolt BV,XX,EUR,,,,\n"  # line 3: no such country
        + "SUP-3,,NL,EUR,,,,\n"  # line 4: a new supplier needs a name
    )
    put(nuntiq_sftp, "s.csv", text)

    summary = run(run_connector)

    located = sorted((bad["line"], bad["field"], bad["value"]) for bad in summary["bad_rows"])
    assert located == [(2, "iban", "DE89370400440532013001"), (3, "country_code", "XX"), (4, "name", None)]
    assert all(bad["message"] for bad in summary["bad_rows"])
    assert nuntiq_seed.supplier_codes() == []


def test_skip_rows_saves_the_good_suppliers_and_reports_the_bad_rows(
    nuntiq_sftp: SFTPDropFolder, nuntiq_seed: Seeder, run_connector: ConnectorRunner
) -> None:
    text = GOOD + "SUP-3,Cobalt AG,CH,CHF,,,,\n" + "SUP-4,Delta SA,FR,EURO,,,,\n" + "SUP-5,Echo,DE,EUR,,,,,extra\n"
    put(nuntiq_sftp, "s.csv", text)

    summary = run(run_connector, on_bad_rows="skip_rows")

    assert nuntiq_seed.supplier_codes() == ["SUP-1", "SUP-2", "SUP-3"]
    assert sorted((bad["line"], bad["field"], bad["value"]) for bad in summary["bad_rows"]) == [
        (6, "currency_code", "EURO"), (7, "-", None),
    ]  # fmt: skip
    assert "has 9 fields, the header has 8" in summary["bad_rows"][-1]["message"]
    assert (summary["files_processed"], summary["files_rejected"], summary["created"]) == (1, 0, 3)

    again = run(run_connector, on_bad_rows="skip_rows")  # processed despite its bad rows: not read again
    assert (again["files_skipped"], again["files_processed"]) == (1, 0)


def test_a_rerun_skips_processed_files_and_reads_a_changed_one_again(
    nuntiq_sftp: SFTPDropFolder, nuntiq_seed: Seeder, run_connector: ConnectorRunner
) -> None:
    put(nuntiq_sftp, "a.csv", HEADER + "SUP-1,Acme,DE,EUR,,,,\n", age=120)
    put(nuntiq_sftp, "b.csv", HEADER + "SUP-2,Bolt,NL,EUR,,,,\n", age=60)
    first = run(run_connector)
    assert (first["files_processed"], first["created"]) == (2, 2)

    second = run(run_connector)
    assert (second["files_seen"], second["files_skipped"], second["files_processed"]) == (2, 2, 0)

    put(nuntiq_sftp, "b.csv", HEADER + "SUP-2,Bolt Renamed,NL,EUR,,,,\n")
    third = run(run_connector)
    assert (third["files_skipped"], third["files_processed"], third["updated"]) == (1, 1, 1)
    assert nuntiq_seed.supplier_rows()[1]["name"] == "Bolt Renamed"


def test_a_rejected_file_holds_back_the_later_ones_until_it_is_fixed(
    nuntiq_sftp: SFTPDropFolder, nuntiq_seed: Seeder, run_connector: ConnectorRunner
) -> None:
    put(nuntiq_sftp, "1.csv", HEADER + "SUP-1,Acme,DE,EUR,,,,\n", age=180)
    put(nuntiq_sftp, "2.csv", HEADER + ",No Code,DE,EUR,,,,\n", age=120)
    put(nuntiq_sftp, "3.csv", HEADER + "SUP-3,Cobalt,CH,CHF,,,,\n", age=60)

    summary = run(run_connector)

    assert (summary["files_processed"], summary["files_rejected"], summary["files_held_back"]) == (1, 1, 1)
    assert summary["bad_rows"][0] | {"message": ""} == {
        "file": "2.csv", "line": 2, "field": "supplier_code", "value": None, "message": "",
    }  # fmt: skip
    assert nuntiq_seed.supplier_codes() == ["SUP-1"]

    put(nuntiq_sftp, "2.csv", HEADER + "SUP-2,Bolt,NL,EUR,,,,\n")
    after = run(run_connector)
    assert (after["files_skipped"], after["files_processed"]) == (1, 2)
    assert nuntiq_seed.supplier_codes() == ["SUP-1", "SUP-2", "SUP-3"]


def test_a_custom_column_map_semicolons_and_a_bom(
    nuntiq_sftp: SFTPDropFolder, nuntiq_seed: Seeder, run_connector: ConnectorRunner
) -> None:
    text = "\ufeffLieferant;Name;Land;Zahlungsziel;Ignored\nK-100;Müller & Söhne KG;DE;30;x\n"
    nuntiq_sftp.put(f"{FOLDER}/lieferanten.txt", text.encode("utf-8"))
    column_map = {"Lieferant": "supplier.supplier_code", "Name": "supplier.name", "Land": "supplier.country_code",
                  "Zahlungsziel": "supplier.payment_terms_days"}  # fmt: skip

    run(run_connector, delimiter=";", file_pattern="*.txt", column_map=column_map)

    assert nuntiq_seed.supplier_rows() == [
        {"supplier_code": "K-100", "name": "Müller & Söhne KG", "country_code": "DE", "payment_terms_days": 30}
    ]


def test_an_unreachable_sftp_server_fails_the_run_and_keeps_the_cursor(
    nuntiq_sftp: SFTPDropFolder, nuntiq_seed: Seeder, run_connector: ConnectorRunner
) -> None:
    put(nuntiq_sftp, "a.csv", HEADER + "SUP-1,Acme,DE,EUR,,,,\n")
    nuntiq_sftp.server.stop()

    result = run_connector(pull_connector, config=CONFIG)

    assert result.exit_code == 1
    assert "cannot reach SFTP server" in result.stderr
    assert nuntiq_seed.supplier_codes() == []
