"""A tiny connector for the harness's own tests: lists an SFTP folder, counts the tenant's suppliers.

``config.fail_with`` makes it raise (to test a failed job); the job
parameter ``echo`` is returned in the summary.
"""

from __future__ import annotations

from typing import Any

from nuntiq_sdk import JobContext
from nuntiq_sdk.objects.supplier import SupplierLoad
from nuntiq_sdk.sftp import connect_sftp


def run(context: JobContext) -> dict[str, Any]:
    failure = context.get_config("fail_with")
    if failure:
        raise RuntimeError(failure)
    summary: dict[str, Any] = {"suppliers": sum(1 for _ in SupplierLoad(context).get_all())}
    folder = context.get_config("remote_folder")
    if folder:
        with connect_sftp(context) as connection:
            summary["files"] = connection.list_names(folder)
    if "echo" in context.job_params:
        summary["echo"] = context.job_params["echo"]
    context.logger.info(f"Counted {summary['suppliers']} supplier(s)", step="count")
    return summary
