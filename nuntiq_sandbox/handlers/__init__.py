"""Handlers, one class per spec tag; the resolver maps operationIds to their methods."""

from nuntiq_sandbox.handlers.admin import AdminHandlers
from nuntiq_sandbox.handlers.delta import DeltaHandlers
from nuntiq_sandbox.handlers.ingestion import IngestionHandlers
from nuntiq_sandbox.handlers.invoices import InvoiceHandlers
from nuntiq_sandbox.handlers.lifecycle import LifecycleHandlers
from nuntiq_sandbox.handlers.master_data import MasterDataHandlers

__all__ = [
    "AdminHandlers",
    "DeltaHandlers",
    "IngestionHandlers",
    "InvoiceHandlers",
    "LifecycleHandlers",
    "MasterDataHandlers",
]
