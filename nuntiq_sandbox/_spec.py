"""Where the spec files live, and the operationId -> method-name rule (shared by the app and handlers)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml

__all__ = ["ADMIN_SPEC", "CUSTOMER_SPEC", "customer_spec", "snake_case", "spec_dir"]

CUSTOMER_SPEC = "customer-api.yaml"
ADMIN_SPEC = "sandbox-admin.yaml"


def spec_dir() -> Path:
    """The packaged copy of ``openapi/`` (in a wheel), else the repository's."""
    packaged = Path(__file__).resolve().parent / "_openapi"
    if (packaged / CUSTOMER_SPEC).is_file():
        return packaged
    return Path(__file__).resolve().parent.parent / "openapi"


def snake_case(operation_id: str) -> str:
    """``claimInvoices`` -> ``claim_invoices``."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", operation_id).lower()


@cache
def customer_spec() -> dict[str, Any]:
    """The Customer API spec as plain data (``$ref`` left in place), read once per process."""
    return dict(yaml.safe_load((spec_dir() / CUSTOMER_SPEC).read_text(encoding="utf-8")))
