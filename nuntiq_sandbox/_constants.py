"""The sandbox's fixed values, in one place so handlers, seed and harness agree."""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = [
    "ADMIN_BASE_PATH",
    "ADMIN_KEY_HEADER",
    "ADMIN_KEY_PATTERN",
    "ADMIN_KEY_PREFIX",
    "API_BASE_PATH",
    "BODY_IDLE_TIMEOUT_SECONDS",
    "CLAIMABLE_STATUSES",
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "HEADER_TIMEOUT_SECONDS",
    "INGESTION_MAX_FILE_BYTES",
    "INTAKE_LIMIT",
    "JSON_BODY_MAX_BYTES",
    "KEEP_ALIVE_TIMEOUT_SECONDS",
    "OCCURRED_AT_WINDOW_DAYS",
    "OPERATION_PERMISSIONS",
    "OTHER_BODY_MAX_BYTES",
    "PERMISSIONS",
    "POLL_LIMIT_DEFAULT",
    "POLL_LIMIT_MAX",
    "REQUEST_ID_HEADER",
    "STATUS_FAILED",
    "STATUS_INTAKE_RECEIVED",
    "STATUS_INTEGRATING",
    "STATUS_NAMES",
    "STATUS_PENDING_INTEGRATION",
    "STATUS_PENDING_RESULT",
    "STATUS_PROCESSED",
    "STATUS_RETRIGGERED",
    "TOKEN_PATTERN",
    "TOKEN_PREFIX",
    "status_name",
]

API_BASE_PATH = "/v1"
ADMIN_BASE_PATH = "/_sandbox"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8700

REQUEST_ID_HEADER = "X-Request-Id"
ADMIN_KEY_HEADER = "X-Sandbox-Admin-Key"

# Recognizable on purpose: tests scan cassettes and logs for this shape.
TOKEN_PREFIX = "ntq_sk_"  # noqa: S105 - a prefix, not a secret
TOKEN_PATTERN = re.compile(r"ntq_sk_[0-9a-f]{40}")
# The admin key the sandbox generates when none is given (a given one may be any text).
ADMIN_KEY_PREFIX = "ntq_sbx_"
ADMIN_KEY_PATTERN = re.compile(r"ntq_sbx_[0-9a-f]{40}")

PERMISSIONS: tuple[str, ...] = (
    "INVOICE_READ",
    "INVOICE_INTEGRATE",
    "LIFECYCLE_READ",
    "LIFECYCLE_WRITE",
    "LIFECYCLE_READ_INTERNAL",
    "DELTA_STATE",
    "MASTER_DATA_READ",
    "MASTER_DATA_WRITE",
    "USER_ADMIN",
    "INVOICE_IMPORT",
)

# operationId -> the permission it needs (None: any valid token). An operation
# missing here (added to the spec, not yet implemented) needs no permission and
# answers 501 from the resolver.
OPERATION_PERMISSIONS: Mapping[str, str | None] = {
    "claimInvoices": "INVOICE_INTEGRATE",
    "getInvoice": "INVOICE_READ",
    "acknowledgeInvoice": "INVOICE_INTEGRATE",
    "reportIntegrationResult": "INVOICE_INTEGRATE",
    "extendInvoiceLease": "INVOICE_INTEGRATE",
    "releaseInvoiceLease": "INVOICE_INTEGRATE",
    "acknowledgeInvoices": "INVOICE_INTEGRATE",
    "reportIntegrationResults": "INVOICE_INTEGRATE",
    "downloadAttachment": "INVOICE_READ",
    "postLifecycleMessage": "LIFECYCLE_WRITE",
    "listInvoiceLifecycleMessages": "LIFECYCLE_READ",
    "postLifecycleMessageByReference": "LIFECYCLE_WRITE",
    "pollLifecycleMessages": "LIFECYCLE_READ",
    "getLifecycleCatalog": None,
    "startDeltaRun": "DELTA_STATE",
    "getDeltaRun": "DELTA_STATE",
    "completeDeltaRun": "DELTA_STATE",
    "heartbeatDeltaRun": "DELTA_STATE",
    "failDeltaRun": "DELTA_STATE",
    "getDeltaState": "DELTA_STATE",
    "uploadIngestionFile": "INVOICE_IMPORT",
    "getIngestionFile": "INVOICE_IMPORT",
    "submitInvoiceImport": "INVOICE_IMPORT",
    "getInvoiceImport": "INVOICE_IMPORT",
    "listSuppliers": "MASTER_DATA_READ",
    "upsertSuppliers": "MASTER_DATA_WRITE",
    "deleteSuppliers": "MASTER_DATA_WRITE",
    "stageSupplierRows": "MASTER_DATA_WRITE",
    "listOrganizations": "MASTER_DATA_READ",
    "upsertOrganizations": "MASTER_DATA_WRITE",
    "deleteOrganizations": "MASTER_DATA_WRITE",
    "stageOrganizationRows": "MASTER_DATA_WRITE",
    "listPurchaseOrders": "MASTER_DATA_READ",
    "upsertPurchaseOrders": "MASTER_DATA_WRITE",
    "deletePurchaseOrders": "MASTER_DATA_WRITE",
    "stagePurchaseOrderRows": "MASTER_DATA_WRITE",
    "listPurchaseOrderLines": "MASTER_DATA_READ",
    "upsertPurchaseOrderLines": "MASTER_DATA_WRITE",
    "deletePurchaseOrderLines": "MASTER_DATA_WRITE",
    "stagePurchaseOrderLineRows": "MASTER_DATA_WRITE",
    "listReceipts": "MASTER_DATA_READ",
    "upsertReceipts": "MASTER_DATA_WRITE",
    "deleteReceipts": "MASTER_DATA_WRITE",
    "stageReceiptRows": "MASTER_DATA_WRITE",
    "listPayments": "MASTER_DATA_READ",
    "upsertPayments": "MASTER_DATA_WRITE",
    "deletePayments": "MASTER_DATA_WRITE",
    "stagePaymentRows": "MASTER_DATA_WRITE",
    "listUsers": "USER_ADMIN",
    "upsertUsers": "USER_ADMIN",
    "deleteUsers": "USER_ADMIN",
    "stageUserRows": "USER_ADMIN",
    "deactivateInactiveUsers": "USER_ADMIN",
    "listCustomerDataTables": "MASTER_DATA_READ",
    "listCustomerDataRows": "MASTER_DATA_READ",
    "upsertCustomerDataRows": "MASTER_DATA_WRITE",
    "deleteCustomerDataRows": "MASTER_DATA_WRITE",
    "stageCustomerDataRows": "MASTER_DATA_WRITE",
    "startFullLoad": "MASTER_DATA_WRITE",
    "getFullLoad": "MASTER_DATA_WRITE",
    "abortFullLoad": "MASTER_DATA_WRITE",
    "commitFullLoad": "MASTER_DATA_WRITE",
}

INTAKE_LIMIT = 90
# An imported invoice waits here (RECEIVED) until intake completes.
STATUS_INTAKE_RECEIVED = 10
# The largest ingestion file the API accepts (the spec's upload body maxLength).
INGESTION_MAX_FILE_BYTES = 52_428_800
# Request limits (README "Limits"): a JSON body (1,000 rows of the largest master-data object fit
# with room to spare), any other body, and the timeouts for a request's headers and a stalled body.
JSON_BODY_MAX_BYTES = 10_485_760
OTHER_BODY_MAX_BYTES = 1_048_576
HEADER_TIMEOUT_SECONDS = 10.0
KEEP_ALIVE_TIMEOUT_SECONDS = 5.0
BODY_IDLE_TIMEOUT_SECONDS = 30.0
STATUS_PENDING_INTEGRATION = 90
STATUS_RETRIGGERED = 91
STATUS_INTEGRATING = 92
STATUS_PENDING_RESULT = 93
STATUS_FAILED = 97
STATUS_PROCESSED = 100
CLAIMABLE_STATUSES = (STATUS_PENDING_INTEGRATION, STATUS_RETRIGGERED)

# Values of the spec's InvoiceStatusName enum.
STATUS_NAMES: Mapping[int, str] = {
    STATUS_PENDING_INTEGRATION: "PendingIntegration",
    STATUS_RETRIGGERED: "PendingIntegrationRetriggered",
    STATUS_INTEGRATING: "Integrating",
    STATUS_PENDING_RESULT: "PendingResult",
    STATUS_FAILED: "IntegrationFailed",
    STATUS_PROCESSED: "Processed",
}

OCCURRED_AT_WINDOW_DAYS = 30
POLL_LIMIT_DEFAULT = 500
POLL_LIMIT_MAX = 5000


def status_name(status: int) -> str:
    return "Intake" if status < INTAKE_LIMIT else STATUS_NAMES[status]
