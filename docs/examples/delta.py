"""delta_run: read the previous cursor, advance it on success.

Run against a demo sandbox with NUNTIQ_API_URL and NUNTIQ_API_TOKEN set.
"""

from datetime import UTC, datetime

from nuntiq_sdk import JobContext
from nuntiq_sdk.delta import delta_run, get_delta_state
from nuntiq_sdk.objects.lifecycle_message import LifecycleMessageLoad

context = JobContext.from_settings({"customer_number": "10000001", "secrets": {}, "config": {}})
load = LifecycleMessageLoad(context)

with delta_run(context, "docs_example", "lifecycle_poll", cursor_type="timestamp_utc") as r:
    since = r.previous_cursor or "2026-01-01T00:00:00Z"
    seen = 0
    last = since
    for m in load.poll_since(since=since, ext_references={1: "CUSTOMER-A"}):
        seen += 1
        last = m.recorded_at
    print(f"previous cursor {r.previous_cursor!r}; {seen} message(s) since then")
    r.set_new_cursor(last if seen else datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    r.set_records_processed(seen)
    r.set_metadata({"ext_reference_1": "CUSTOMER-A"})

state = get_delta_state(context, "docs_example", "lifecycle_poll")
print("stored cursor:", state.cursor)
