"""Where the spec files live, and the operationId -> method-name rule (shared by the app and handlers).

The Customer API spec itself comes from ``nuntiq_spec``, the loader the SDK
uses too; only the sandbox's own admin spec is read from YAML here.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from nuntiq_spec import customer_api_spec

__all__ = ["ADMIN_SPEC", "CUSTOMER_SPEC", "allowed_methods", "customer_spec", "snake_case", "spec_dir"]

_HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

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


def customer_spec() -> dict[str, Any]:
    """The Customer API spec as plain data (``$ref`` left in place), as the SDK reads it; do not mutate."""
    return customer_api_spec()


@cache
def _path_methods() -> tuple[tuple[re.Pattern[str], tuple[str, ...], int], ...]:
    """Every path of both specs, as (full-path regex, its methods, its number of parameters), read once."""
    from nuntiq_sandbox._constants import ADMIN_BASE_PATH, API_BASE_PATH

    table: list[tuple[re.Pattern[str], tuple[str, ...], int]] = []
    admin = yaml.safe_load((spec_dir() / ADMIN_SPEC).read_text(encoding="utf-8"))
    for spec, base in ((customer_spec(), API_BASE_PATH), (admin, ADMIN_BASE_PATH)):
        for template, item in spec.get("paths", {}).items():
            methods = tuple(sorted(m.upper() for m in item if m in _HTTP_METHODS))
            regex = re.sub(r"\\{[^}/]+\\}", "[^/]+", re.escape(base + template))
            table.append((re.compile(regex), methods, template.count("{")))
    return tuple(table)


def allowed_methods(path: str) -> list[str]:
    """The methods the specs define for a request path (for a 405's ``Allow``), all of them:
    the router answers with those of the first route that matched the path only. A literal
    segment wins over a parameter (``/invoices/claim`` is not ``/invoices/{invoice_token}``)."""
    best: tuple[int, set[str]] = (1 << 30, set())
    for pattern, methods, parameters in _path_methods():
        if pattern.fullmatch(path):
            if parameters < best[0]:
                best = (parameters, set(methods))
            elif parameters == best[0]:
                best[1].update(methods)
    return sorted(best[1])
