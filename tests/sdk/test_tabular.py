"""nuntiq_sdk.tabular without a network: every problem names its file, line, column and value."""

from __future__ import annotations

import pytest

from nuntiq_sdk import FieldProblem
from nuntiq_sdk.objects.supplier import Supplier
from nuntiq_sdk.settings import check_settings
from nuntiq_sdk.tabular import (
    CsvFormat,
    Nesting,
    RowProblem,
    column_map,
    nest_rows,
    read_csv,
    whole_number,
    yes_no,
)

SUPPLIERS = Nesting.of(Supplier, "supplier", {"location": "locations", "bank_account": "bank_accounts"})
COLUMNS = column_map(
    {
        "code": "supplier.supplier_code",
        "name": "supplier.name",
        "active": "supplier.active",
        "days": "supplier.payment_terms_days",
        "loc": "location.location_code",
        "loc_name": "location.name",
    }
)


def read(text: str) -> list[str]:
    """Every problem of ``text``, the file's and its rows', as the log shows them."""
    table = read_csv("f.csv", text.encode(), COLUMNS, required=["supplier.supplier_code"])
    return [str(p) for p in table.problems] + [str(p) for row in table.rows for p in row.problems]


def test_a_format_reads_tab_and_refuses_a_bad_delimiter_or_encoding_by_name() -> None:
    assert CsvFormat(delimiter="tab").separator == "\t"
    with pytest.raises(ValueError, match=r"CsvFormat\.delimiter must be one character \(or 'tab'\), got ';;'"):
        CsvFormat(delimiter=";;")
    with pytest.raises(ValueError, match=r"CsvFormat\.encoding is not a known text encoding, got 'klingon'"):
        CsvFormat(encoding="klingon")
    assert check_settings(CsvFormat, {"delimiter": '"', "encoding": "klingon"}, {}) == [
        "config.delimiter must be one character (or 'tab'), got '\"'",
        "config.encoding is not a known text encoding, got 'klingon'",
    ]


def test_a_custom_header_replaces_the_default_one_and_headers_ignore_case() -> None:
    columns = column_map(
        {"supplier_code": "supplier.supplier_code", "name": "supplier.name"}, {" Lief ": "supplier.supplier_code"}
    )
    assert columns == {"name": "supplier.name", "lief": "supplier.supplier_code"}
    table = read_csv("f.csv", b"LIEF,Name,Other\nK-1,Acme,x\n", columns)
    assert (table.headers, [row.values for row in table.rows]) == (
        {"supplier.supplier_code": "LIEF", "supplier.name": "Name"},
        [{"supplier.supplier_code": "K-1", "supplier.name": "Acme"}],
    )


def test_rows_keep_the_line_they_start_on_across_quoted_line_breaks_and_blank_lines() -> None:
    table = read_csv("f.csv", b'code,name\n\nS-1,"two\nlines"\n  ,  \nS-2,Bolt\n', COLUMNS)
    assert [(row.line, row.values["supplier.name"]) for row in table.rows] == [(3, "two\nlines"), (6, "Bolt")]
    assert (table.row_count, table.problems) == (2, [])


def test_cells_are_converted_and_a_bad_cell_names_its_line_column_and_value() -> None:
    table = read_csv(
        "f.csv",
        b"code,Active,days\nS-1,yes,30\nS-2,maybe,thirty\n",
        COLUMNS,
        converters={"supplier.active": yes_no, "supplier.payment_terms_days": whole_number},
    )
    assert table.rows[0].values == {
        "supplier.supplier_code": "S-1",
        "supplier.active": True,
        "supplier.payment_terms_days": 30,
    }
    assert [p.to_dict() for p in table.rows[1].problems] == [
        {"file": "f.csv", "line": 3, "field": "Active", "value": "maybe",
         "message": "is not a yes/no value (true/false, yes/no, 1/0)"},
        {"file": "f.csv", "line": 3, "field": "days", "value": "thirty", "message": "is not a whole number"},
    ]  # fmt: skip
    assert table.rows[1].values == {"supplier.supplier_code": "S-2"}


def test_structural_problems_name_the_line_or_the_file() -> None:
    assert read("name\nAcme\n") == ["f.csv line 1: -: the header has no supplier_code column (['code'])"]
    assert read("code,name,Code\n") == ["f.csv line 1: Code: maps to supplier.supplier_code like an earlier column"]
    assert read("code,name\nS-1,Acme,extra\n") == ["f.csv line 2: -: has 3 fields, the header has 2"]
    unterminated = read_csv("f.csv", b'code,name\nS-1,Acme\nS-2,"Bolt\n', COLUMNS)
    assert [row.line for row in unterminated.rows] == [2]
    assert [(p.line, p.field) for p in unterminated.problems] == [(None, "-")]
    assert "is not valid CSV" in unterminated.problems[0].message


def test_text_in_another_encoding_and_a_bom() -> None:
    latin = read_csv(
        "f.csv",
        "code;name\nS-1;Müller\n".encode("latin-1"),
        COLUMNS,
        csv_format=CsvFormat(delimiter=";", encoding="latin-1"),
    )
    assert latin.rows[0].values["supplier.name"] == "Müller"
    bom = read_csv("f.csv", "\ufeffcode,name\nS-1,Acme\n".encode(), COLUMNS)
    assert bom.headers["supplier.supplier_code"] == "code"
    broken = read_csv("f.csv", b"code,name\nS-1,Acme\nS-2,M\xfcller\n", COLUMNS)
    assert [(p.line, p.value, p.message) for p in broken.problems] == [(3, b"\xfc", "is not utf-8 text")]


def test_a_nesting_reads_keys_and_cell_types_from_the_spec() -> None:
    assert (SUPPLIERS.key, dict(SUPPLIERS.children)) == (
        "supplier_code", {"location": ("locations", "location_code"), "bank_account": ("bank_accounts", "iban")},
    )  # fmt: skip
    converters = SUPPLIERS.converters(
        ["supplier.active", "supplier.payment_terms_days", "location.active", "supplier.name"]
    )
    assert converters == {
        "supplier.active": yes_no,
        "supplier.payment_terms_days": whole_number,
        "location.active": yes_no,
    }
    assert SUPPLIERS.target_problem("supplier.name") is None
    assert "did you mean 'supplier_code'" in str(SUPPLIERS.target_problem("supplier.supplier_kode"))
    assert "part one of supplier, location, bank_account" in str(SUPPLIERS.target_problem("vendor.name"))
    with pytest.raises(ValueError, match="'lines' is not a list of keyed children of Supplier"):
        Nesting.of(Supplier, "supplier", {"line": "lines"})


def test_rows_of_one_key_nest_into_one_record_with_its_children() -> None:
    text = b"code,name,loc,loc_name\nS-1,Acme,MAIN,Berlin\nS-2,Bolt,,\nS-1,,WH,Hamburg\nS-1,,MAIN,Berlin\n"
    nested = nest_rows(read_csv("f.csv", text, COLUMNS), SUPPLIERS)
    assert nested.problems == []
    assert nested.records["S-1"].entity_values() == {
        "supplier_code": "S-1", "name": "Acme",
        "locations": [{"location_code": "MAIN", "name": "Berlin"}, {"location_code": "WH", "name": "Hamburg"}],
    }  # fmt: skip
    assert (nested.records["S-1"].lines, nested.record_at(3), nested.record_at(99)) == ([2, 4, 5], "S-2", None)


def test_rows_that_contradict_each_other_are_problems_naming_the_earlier_line() -> None:
    text = b"code,name,loc,loc_name\nS-1,Acme,MAIN,Berlin\nS-1,Acme AG,,\nS-1,,MAIN,Bonn\n,Orphan,,\nS-2,Bolt,,Paris\n"
    nested = nest_rows(read_csv("f.csv", text, COLUMNS), SUPPLIERS)
    assert [str(p) for p in nested.problems] == [
        "f.csv line 3: name: 'Acme AG' differs from 'Acme' on line 2 for supplier S-1",
        "f.csv line 4: loc: 'MAIN' appears on line 2 too, with other values, for supplier S-1",
        "f.csv line 5: code: is empty",
        "f.csv line 6: loc: is empty but loc_name is set",
    ]
    assert nested.records["S-1"].values == {"supplier_code": "S-1", "name": "Acme"}  # the bad rows left nothing


def test_a_loads_problems_are_located_back_to_their_line_and_column() -> None:
    nested = nest_rows(
        read_csv("f.csv", b"code,name,loc,loc_name\nS-1,Acme,MAIN,Berlin\nS-1,,WH,x\n", COLUMNS), SUPPLIERS
    )
    located = nested.locate(
        [
            FieldProblem("name", "Acme", "is too long", row="supplier_code=S-1"),
            FieldProblem("locations[location_code=WH].name", "x", "is too short", row="supplier_code=S-1"),
            FieldProblem("name", None, "is required", row="supplier_code=S-9"),
        ]
    )
    assert located == [
        RowProblem("f.csv", 2, "name", "Acme", "is too long"),
        RowProblem("f.csv", 3, "loc_name", "x", "is too short"),
        RowProblem("f.csv", None, "name", None, "is required [supplier_code=S-9]"),
    ]


def test_a_target_outside_the_nesting_is_refused_by_name() -> None:
    table = read_csv("f.csv", b"code,vendor\nS-1,x\n", {"code": "supplier.supplier_code", "vendor": "vendor.name"})
    with pytest.raises(ValueError, match=r"target 'vendor\.name' is not '<part>\.<field>'"):
        nest_rows(table, SUPPLIERS)


def test_a_table_without_its_key_column_nests_into_no_records() -> None:
    nested = nest_rows(read_csv("f.csv", b"name\nAcme\n", COLUMNS), SUPPLIERS)
    assert (nested.records, [str(p) for p in nested.problems]) == (
        {}, ["f.csv line 1: -: the header has no column for supplier.supplier_code"],
    )  # fmt: skip
