"""The BaseLoad page's save_all(rows=...) example: rows from a generator saved in chunks, a bad row chunked vs strict.

Run against a demo sandbox with NUNTIQ_API_URL and NUNTIQ_API_TOKEN set.
"""

from collections.abc import Iterator
from typing import Any

from nuntiq_sdk import JobContext, ValidationError
from nuntiq_sdk.objects.supplier import SupplierLoad

context = JobContext.from_settings({"customer_number": "10000001", "secrets": {}, "config": {}})
IBANS = ["DE89370400440532013000", "GB29NWBK60161331926819", "NL91ABNA0417164300"]


def rows_from_the_erp(count: int, bad_at: int | None = None) -> Iterator[dict[str, Any]]:
    """What a file reader would yield: one new dict per row, made when it is asked for."""
    for n in range(count):
        yield {
            "supplier_code": f"STREAM-{n:05d}",
            "name": f"Streamed Supplier {n}",
            "country_code": "??" if n == bad_at else "DE",
            "bank_accounts": [{"iban": IBANS[n % len(IBANS)], "currency_code": "EUR"}],
        }


load = SupplierLoad(context)
result = load.save_all(rows=rows_from_the_erp(2500))  # chunks of 1000: 3 requests
print("stream:", result)
print("again:", load.save_all(rows=rows_from_the_erp(2500)))  # safe to repeat: all unchanged

try:  # strict: every row checked before the first request
    load.save_all(rows=rows_from_the_erp(2500, bad_at=1700), strict=True)
except ValidationError as error:
    print("strict:", error)

try:  # chunked: chunks before the bad row's are saved
    load.save_all(rows=(dict(row, name="Renamed") for row in rows_from_the_erp(2500, bad_at=1700)))
except ValidationError as error:
    print("chunked:", error, "|", *error.__notes__)
