"""The tabular page's example: an ERP's supplier CSV read, nested, checked, and the good suppliers saved.

Run against a demo sandbox with NUNTIQ_API_URL and NUNTIQ_API_TOKEN set.
"""

from nuntiq_sdk import JobContext, ValidationError
from nuntiq_sdk.objects.supplier import Supplier, SupplierLoad
from nuntiq_sdk.tabular import CsvFormat, Nesting, column_map, nest_rows, read_csv

EXPORT = """Lieferant;Name;Land;Aktiv;location_code;location_name;iban
TAB-1;Acme Supplies GmbH;DE;ja;MAIN;Berlin HQ;DE89370400440532013000
TAB-1;;;;WH;Hamburg Warehouse;
TAB-2;Bolt BV;NL;yes;;;
TAB-3;Cobalt AG;CH;yes;;;CH9300762011623852957
TAB-4;Delta SA;FR;yes;;;DE89370400440532013001
""".encode("latin-1")

nesting = Nesting.of(Supplier, "supplier", {"location": "locations", "bank_account": "bank_accounts"})
columns = column_map(
    {"location_code": "location.location_code", "location_name": "location.name", "iban": "bank_account.iban"},
    {"Lieferant": "supplier.supplier_code", "Name": "supplier.name", "Land": "supplier.country_code",
     "Aktiv": "supplier.active"},
)  # fmt: skip
table = read_csv(
    "suppliers.csv", EXPORT, columns, csv_format=CsvFormat(delimiter=";", encoding="latin-1"),
    required=["supplier.supplier_code"], converters=nesting.converters(columns.values()),
)  # fmt: skip
nested = nest_rows(table, nesting)
for problem in nested.problems:  # 'ja' is not a yes/no value: TAB-1's first row is bad
    print("bad row:", problem)

context = JobContext.from_settings({"customer_number": "10000001", "secrets": {}, "config": {}})
skipped = {nested.record_at(problem.line) for problem in nested.problems}
load = SupplierLoad(context)
for key, record in nested.records.items():
    if key not in skipped:
        load.new(**record.entity_values())
try:
    load.save_all()
except ValidationError as exc:  # found before anything is sent; placed back on their lines
    for problem in nested.locate(exc.problems):
        print("refused by the SDK:", problem)
        skipped.add(nested.record_at(problem.line))
    load = SupplierLoad(context)
    for key, record in nested.records.items():
        if key not in skipped:
            load.new(**record.entity_values())
    print("saved:", load.save_all())
