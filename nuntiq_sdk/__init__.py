"""The Nuntiq connector SDK: what a connector author uses, from one place.

``JobContext`` and every Load, ``delta_run``, the SFTP delivery helpers, the
result types the Loads hand out (read-only views generated from the spec) and
the branches of the exception tree; the whole tree is in ``nuntiq_sdk.errors``.
The core lives in private modules; ``tests/unit/test_exports.py`` guards this list.

Importing the package stays cheap: a Load's module (with its generated endpoint
functions), the result views or paramiko are imported when a name is first used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from nuntiq_sdk import errors
from nuntiq_sdk._context import JobContext
from nuntiq_sdk._exceptions import (
    APIConnectionError,
    APIResponseError,
    APIStatusError,
    ConfigError,
    FieldProblem,
    JobIncompleteError,
    NuntiqError,
    ValidationError,
)
from nuntiq_sdk._version import __version__ as __version__

if TYPE_CHECKING:
    from nuntiq_sdk._baseload import (
        BaseLoad,
        FailedRow,
        FullLoadSummary,
        InvalidRow,
        PlannedRow,
        SavePlan,
        SaveResult,
        StreamFailedRow,
        StreamResult,
    )
    from nuntiq_sdk._entity import DynamicEntity, Entity, EntityList
    from nuntiq_sdk._generated.entities import (
        BankAccount,
        Organization,
        OrgIdentifier,
        Payment,
        PaymentLine,
        PostalAddress,
        PurchaseOrder,
        PurchaseOrderLine,
        Receipt,
        ReceiptLine,
        Supplier,
        SupplierLocation,
        User,
    )
    from nuntiq_sdk._generated.views import (
        AcknowledgeOutcome,
        Address,
        AttachmentRecord,
        CustomerDataColumn,
        CustomerDataTable,
        DeactivateInactiveResult,
        DeltaRun,
        DeltaState,
        IngestionFile,
        IntegrationResultOutcome,
        InvoiceImport,
        InvoiceLineRecord,
        InvoiceRecord,
        InvoiceStatusResponse,
        Lease,
        LifecycleMessage,
        LifecycleMessageWriteResponse,
        ProblemDetails,
        ProblemFieldError,
        UserRecord,
    )
    from nuntiq_sdk._http import build_api_client
    from nuntiq_sdk._logging import ConnectorLogger
    from nuntiq_sdk._transport import RetryTransport
    from nuntiq_sdk.delta import DeltaRunHandle, delta_run, get_delta_state
    from nuntiq_sdk.objects.customer_data_table import CustomerDataTableLoad
    from nuntiq_sdk.objects.ingestion import IngestionLoad, InvoiceDraft, StagedFile
    from nuntiq_sdk.objects.invoice import (
        Attachment,
        IntegrationResult,
        Invoice,
        InvoiceLine,
        InvoiceLoad,
        LeasedInvoice,
        LeaseKeeper,
    )
    from nuntiq_sdk.objects.lifecycle_message import LifecycleMessageDraft, LifecycleMessageLoad
    from nuntiq_sdk.objects.organization import OrganizationLoad
    from nuntiq_sdk.objects.payment import PaymentLoad
    from nuntiq_sdk.objects.purchase_order import PurchaseOrderLineLoad, PurchaseOrderLoad
    from nuntiq_sdk.objects.receipt import ReceiptLoad
    from nuntiq_sdk.objects.supplier import SupplierLoad
    from nuntiq_sdk.objects.user import UserLoad
    from nuntiq_sdk.sftp import DeliveryJournal, SFTPConnection, SFTPSettings, connect_sftp, safe_remote_name

# Imported on first use: name -> module.
_LAZY = {
    "AcknowledgeOutcome": "nuntiq_sdk._generated.views",
    "Address": "nuntiq_sdk._generated.views",
    "Attachment": "nuntiq_sdk.objects.invoice",
    "AttachmentRecord": "nuntiq_sdk._generated.views",
    "BankAccount": "nuntiq_sdk._generated.entities",
    "BaseLoad": "nuntiq_sdk._baseload",
    "ConnectorLogger": "nuntiq_sdk._logging",
    "CustomerDataColumn": "nuntiq_sdk._generated.views",
    "CustomerDataTable": "nuntiq_sdk._generated.views",
    "CustomerDataTableLoad": "nuntiq_sdk.objects.customer_data_table",
    "DeactivateInactiveResult": "nuntiq_sdk._generated.views",
    "DeliveryJournal": "nuntiq_sdk.sftp",
    "DeltaRun": "nuntiq_sdk._generated.views",
    "DeltaRunHandle": "nuntiq_sdk.delta",
    "DeltaState": "nuntiq_sdk._generated.views",
    "DynamicEntity": "nuntiq_sdk._entity",
    "Entity": "nuntiq_sdk._entity",
    "EntityList": "nuntiq_sdk._entity",
    "FailedRow": "nuntiq_sdk._baseload",
    "FullLoadSummary": "nuntiq_sdk._baseload",
    "IngestionFile": "nuntiq_sdk._generated.views",
    "IngestionLoad": "nuntiq_sdk.objects.ingestion",
    "IntegrationResult": "nuntiq_sdk.objects.invoice",
    "IntegrationResultOutcome": "nuntiq_sdk._generated.views",
    "InvalidRow": "nuntiq_sdk._baseload",
    "Invoice": "nuntiq_sdk.objects.invoice",
    "InvoiceDraft": "nuntiq_sdk.objects.ingestion",
    "InvoiceImport": "nuntiq_sdk._generated.views",
    "InvoiceLine": "nuntiq_sdk.objects.invoice",
    "InvoiceLineRecord": "nuntiq_sdk._generated.views",
    "InvoiceLoad": "nuntiq_sdk.objects.invoice",
    "InvoiceRecord": "nuntiq_sdk._generated.views",
    "InvoiceStatusResponse": "nuntiq_sdk._generated.views",
    "Lease": "nuntiq_sdk._generated.views",
    "LeaseKeeper": "nuntiq_sdk.objects.invoice",
    "LeasedInvoice": "nuntiq_sdk.objects.invoice",
    "LifecycleMessage": "nuntiq_sdk._generated.views",
    "LifecycleMessageDraft": "nuntiq_sdk.objects.lifecycle_message",
    "LifecycleMessageLoad": "nuntiq_sdk.objects.lifecycle_message",
    "LifecycleMessageWriteResponse": "nuntiq_sdk._generated.views",
    "OrgIdentifier": "nuntiq_sdk._generated.entities",
    "Organization": "nuntiq_sdk._generated.entities",
    "OrganizationLoad": "nuntiq_sdk.objects.organization",
    "Payment": "nuntiq_sdk._generated.entities",
    "PaymentLine": "nuntiq_sdk._generated.entities",
    "PaymentLoad": "nuntiq_sdk.objects.payment",
    "PlannedRow": "nuntiq_sdk._baseload",
    "PostalAddress": "nuntiq_sdk._generated.entities",
    "ProblemDetails": "nuntiq_sdk._generated.views",
    "ProblemFieldError": "nuntiq_sdk._generated.views",
    "PurchaseOrder": "nuntiq_sdk._generated.entities",
    "PurchaseOrderLine": "nuntiq_sdk._generated.entities",
    "PurchaseOrderLineLoad": "nuntiq_sdk.objects.purchase_order",
    "PurchaseOrderLoad": "nuntiq_sdk.objects.purchase_order",
    "Receipt": "nuntiq_sdk._generated.entities",
    "ReceiptLine": "nuntiq_sdk._generated.entities",
    "ReceiptLoad": "nuntiq_sdk.objects.receipt",
    "RetryTransport": "nuntiq_sdk._transport",
    "SFTPConnection": "nuntiq_sdk.sftp",
    "SFTPSettings": "nuntiq_sdk.sftp",
    "SavePlan": "nuntiq_sdk._baseload",
    "SaveResult": "nuntiq_sdk._baseload",
    "StagedFile": "nuntiq_sdk.objects.ingestion",
    "StreamFailedRow": "nuntiq_sdk._baseload",
    "StreamResult": "nuntiq_sdk._baseload",
    "Supplier": "nuntiq_sdk._generated.entities",
    "SupplierLoad": "nuntiq_sdk.objects.supplier",
    "SupplierLocation": "nuntiq_sdk._generated.entities",
    "User": "nuntiq_sdk._generated.entities",
    "UserLoad": "nuntiq_sdk.objects.user",
    "UserRecord": "nuntiq_sdk._generated.views",
    "build_api_client": "nuntiq_sdk._http",
    "connect_sftp": "nuntiq_sdk.sftp",
    "delta_run": "nuntiq_sdk.delta",
    "get_delta_state": "nuntiq_sdk.delta",
    "safe_remote_name": "nuntiq_sdk.sftp",
}

__all__ = [
    "APIConnectionError",
    "APIResponseError",
    "APIStatusError",
    "AcknowledgeOutcome",
    "Address",
    "Attachment",
    "AttachmentRecord",
    "BankAccount",
    "BaseLoad",
    "ConfigError",
    "ConnectorLogger",
    "CustomerDataColumn",
    "CustomerDataTable",
    "CustomerDataTableLoad",
    "DeactivateInactiveResult",
    "DeliveryJournal",
    "DeltaRun",
    "DeltaRunHandle",
    "DeltaState",
    "DynamicEntity",
    "Entity",
    "EntityList",
    "FailedRow",
    "FieldProblem",
    "FullLoadSummary",
    "IngestionFile",
    "IngestionLoad",
    "IntegrationResult",
    "IntegrationResultOutcome",
    "InvalidRow",
    "Invoice",
    "InvoiceDraft",
    "InvoiceImport",
    "InvoiceLine",
    "InvoiceLineRecord",
    "InvoiceLoad",
    "InvoiceRecord",
    "InvoiceStatusResponse",
    "JobContext",
    "JobIncompleteError",
    "Lease",
    "LeaseKeeper",
    "LeasedInvoice",
    "LifecycleMessage",
    "LifecycleMessageDraft",
    "LifecycleMessageLoad",
    "LifecycleMessageWriteResponse",
    "NuntiqError",
    "OrgIdentifier",
    "Organization",
    "OrganizationLoad",
    "Payment",
    "PaymentLine",
    "PaymentLoad",
    "PlannedRow",
    "PostalAddress",
    "ProblemDetails",
    "ProblemFieldError",
    "PurchaseOrder",
    "PurchaseOrderLine",
    "PurchaseOrderLineLoad",
    "PurchaseOrderLoad",
    "Receipt",
    "ReceiptLine",
    "ReceiptLoad",
    "RetryTransport",
    "SFTPConnection",
    "SFTPSettings",
    "SavePlan",
    "SaveResult",
    "StagedFile",
    "StreamFailedRow",
    "StreamResult",
    "Supplier",
    "SupplierLoad",
    "SupplierLocation",
    "User",
    "UserLoad",
    "UserRecord",
    "ValidationError",
    "build_api_client",
    "connect_sftp",
    "delta_run",
    "errors",
    "get_delta_state",
    "safe_remote_name",
]


if not TYPE_CHECKING:  # hidden from type checkers, so a misspelt import is still an error there

    def __getattr__(name: str) -> Any:
        """A lazily exported name, imported from its module on first use.

        The leaf exceptions still resolve here for code written before they moved
        to ``nuntiq_sdk.errors``; they are not part of the package's export list.
        """
        module = _LAZY.get(name)
        if module is not None:
            value = getattr(importlib.import_module(module), name)
        elif name in errors.__all__:
            value = getattr(errors, name)
        else:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        globals()[name] = value
        return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
