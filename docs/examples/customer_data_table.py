"""The CustomerDataTableLoad page's example: read the tenant's table definitions, write and read rows."""

from generated_client.api.customer_data import list_customer_data_tables
from nuntiq_sdk import JobContext
from nuntiq_sdk._http import call
from nuntiq_sdk.objects.customer_data_table import CustomerDataTableLoad

context = JobContext.from_settings({"customer_number": "10000001", "secrets": {}, "config": {}})

tables = call(list_customer_data_tables.sync_detailed, client=context.api).data
print("tables:", [t.table_name for t in tables])
for table in tables:
    load = CustomerDataTableLoad(context, table.table_name)
    print(table.table_name, "key:", load.key_columns, "columns:", load.fields)
    rows = list(load.get_all())
    print("rows:", len(rows))
