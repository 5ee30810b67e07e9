"""The SupplierLoad page's example: upsert, change one field, plan a save, discard a draft, search.

Run against a demo sandbox with NUNTIQ_API_URL and NUNTIQ_API_TOKEN set.
"""

from nuntiq_sdk import JobContext
from nuntiq_sdk.objects.supplier import SupplierLoad

context = JobContext.from_settings({"customer_number": "10000001", "secrets": {}, "config": {}})

load = SupplierLoad(context)
supplier = load.new(supplier_code="SUP-900", name="Example Supplies GmbH", country_code="DE", currency_code="EUR")
supplier.locations.new(location_code="MAIN", name="Berlin HQ")
supplier.bank_accounts.new(iban="DE89370400440532013000", currency_code="EUR")
result = load.save_all()
print("first save:", result)

supplier.email = "ap@example-supplies.example"
supplier.name = "Example Supplies GmbH"  # same value: not sent
print("second save:", load.save_all())

draft = load.new(supplier_code="SUP-901", country_code="??")  # half-built; we change our mind
print("plan:", load.save_all(dry_run=True))  # what a save would do, nothing sent
load.discard(draft)
print("third save, nothing changed:", load.save_all().requests, "requests")

for found in SupplierLoad(context).search(supplier_code="SUP-900"):
    print("found:", found.supplier_code, found.email, [loc.location_code for loc in found.locations])
