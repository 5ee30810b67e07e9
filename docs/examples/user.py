"""The UserLoad page's example: upsert users, then a dry run of deactivate_inactive()."""

from nuntiq_sdk import JobContext
from nuntiq_sdk.objects.user import UserLoad

context = JobContext.from_settings({"customer_number": "10000001", "secrets": {}, "config": {}})

load = UserLoad(context)
load.new(email="jane.example@example.com", display_name="Jane Example", kind="human", roles=["AP_CLERK"])
load.new(email="erp-bot@example.com", display_name="ERP integration", kind="service", roles=["INTEGRATION"])
print("users:", load.save_all())
print("service accounts:", [u.email for u in UserLoad(context).search(kind="service")])
preview = load.deactivate_inactive(inactive_days=90, dry_run=True)
print("would deactivate:", preview.count)
