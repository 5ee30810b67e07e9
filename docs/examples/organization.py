"""The OrganizationLoad page's example: a parent unit and a child with an identifier."""

from nuntiq_sdk import JobContext
from nuntiq_sdk.objects.organization import OrganizationLoad

context = JobContext.from_settings({"customer_number": "10000001", "secrets": {}, "config": {}})

load = OrganizationLoad(context)
unit = load.new(org_code="EX-EMEA", name="Example EMEA")
unit.identifiers.new(scheme="VAT", value="NL123456789B01")
load.new(org_code="EX-EMEA-NL", name="Example NL", parent_org_code="EX-EMEA")
print("saved:", load.save_all())
children = list(OrganizationLoad(context).search(parent_org_code="EX-EMEA"))
print("children of EX-EMEA:", [u.org_code for u in children])
