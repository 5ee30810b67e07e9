"""The package's one export list: what a connector author uses, resolvable, and no generated model in sight."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

import nuntiq_sdk
import nuntiq_sdk.objects
from nuntiq_sdk import _exceptions, errors, sftp
from nuntiq_sdk._generated import entities, views

CORE_MODULES = [
    "nuntiq_sdk._config",
    "nuntiq_sdk._context",
    "nuntiq_sdk._exceptions",
    "nuntiq_sdk._http",
    "nuntiq_sdk._logging",
    "nuntiq_sdk._transport",
    "nuntiq_sdk._util",
    "nuntiq_sdk._generated.views",
    "nuntiq_sdk.errors",
]

# Core names that stay private to the SDK (the Loads import them from their modules).
INTERNAL = {"call", "send", "error_from_response"}

# The branches of the exception tree a connector catches; the leaves are in nuntiq_sdk.errors.
ROOT_ERRORS = {
    "APIConnectionError",
    "APIResponseError",
    "APIStatusError",
    "ConfigError",
    "FieldProblem",
    "JobIncompleteError",
    "NuntiqError",
    "ValidationError",
}

DRAFT_BASES = {"InvoiceImportRequest", "LifecycleMessageCreate"}

SURFACE = {
    *ROOT_ERRORS,
    "JobContext",
    "errors",
    # Loads and what they build
    "BaseLoad",
    "CustomerDataTableLoad",
    "IngestionLoad",
    "InvoiceLoad",
    "LifecycleMessageLoad",
    "OrganizationLoad",
    "PaymentLoad",
    "PurchaseOrderLineLoad",
    "PurchaseOrderLoad",
    "ReceiptLoad",
    "SupplierLoad",
    "UserLoad",
    "Entity",
    "EntityList",
    "DynamicEntity",
    # the generated master-data entities (drafts are reached as InvoiceDraft, LifecycleMessageDraft)
    *(n for n in entities.__all__ if not n.endswith(("Values", "List")) and n not in DRAFT_BASES),
    "InvoiceDraft",
    "LifecycleMessageDraft",
    "StagedFile",
    # results
    "Attachment",
    "FailedRow",
    "FullLoadSummary",
    "InvalidRow",
    "PlannedRow",
    "SavePlan",
    "Invoice",
    "InvoiceLine",
    "IntegrationResult",
    "LeaseKeeper",
    "LeasedInvoice",
    "SaveResult",
    *(name for name in views.__all__ if inspect.isclass(getattr(views, name))),
    # delta runs
    "DeltaRunHandle",
    "delta_run",
    "get_delta_state",
    # SFTP delivery
    "DeliveryJournal",
    "SFTPConnection",
    "SFTPSettings",
    "connect_sftp",
    "safe_remote_name",
    # plumbing a connector may tune
    "ConnectorLogger",
    "RetryTransport",
    "build_api_client",
}


def test_export_list_is_sorted_unique_and_resolvable() -> None:
    names = list(nuntiq_sdk.__all__)
    assert names == sorted(names)
    assert len(names) == len(set(names))
    for name in names:
        assert getattr(nuntiq_sdk, name) is not None, name


def test_the_export_list_is_the_connector_authors_surface() -> None:
    assert set(nuntiq_sdk.__all__) == SURFACE


def test_an_unknown_name_is_an_attribute_error_naming_it() -> None:
    with pytest.raises(AttributeError, match="'SuplierLoad'"):
        _ = nuntiq_sdk.SuplierLoad  # type: ignore[attr-defined]


@pytest.mark.parametrize("module_name", CORE_MODULES)
def test_core_modules_declare_what_they_export(module_name: str) -> None:
    module = importlib.import_module(module_name)
    exported = list(module.__all__)
    assert exported == sorted(exported), module_name
    for name in exported:
        assert hasattr(module, name), f"{module_name}.{name}"


def _load_classes() -> Iterator[type]:
    for info in pkgutil.iter_modules(nuntiq_sdk.objects.__path__, "nuntiq_sdk.objects."):
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if inspect.isclass(obj) and obj.__module__ == module.__name__ and name.endswith("Load"):
                yield obj


def test_every_load_is_exported() -> None:
    loads = list(_load_classes())
    assert len(loads) >= 11
    for cls in loads:
        assert getattr(nuntiq_sdk, cls.__name__) is cls, cls.__name__


def test_the_whole_error_tree_is_in_errors_and_its_branches_at_the_root() -> None:
    leaves = [name for name in _exceptions.__all__ if name not in INTERNAL]
    for name in leaves:
        assert getattr(errors, name) is getattr(_exceptions, name), name
    assert errors.SFTPDeliveryError is sftp.SFTPDeliveryError
    assert errors.HostKeyVerificationError is sftp.HostKeyVerificationError
    for name in ROOT_ERRORS:
        assert getattr(nuntiq_sdk, name) is getattr(errors, name)


def test_leaf_errors_still_resolve_from_the_root_for_older_code() -> None:
    assert nuntiq_sdk.LeaseMismatchError is errors.LeaseMismatchError  # type: ignore[attr-defined]
    assert "LeaseMismatchError" not in nuntiq_sdk.__all__


def _drawn_tree() -> dict[str, str]:
    """child -> parent, read from the tree drawn in ``nuntiq_sdk.errors``' docstring."""
    doc = errors.__doc__ or ""
    parents: dict[str, str] = {}
    stack: list[tuple[int, str]] = []
    for line in doc.splitlines():
        found = re.match(r"^(\s*(?:[│ ]   )*)(?:[├└]── )?([A-Z]\w+Error)\b", line)
        if not found or not line.startswith("    "):
            continue
        depth = len(found.group(1)) + (4 if "── " in line else 0)
        name = found.group(2)
        while stack and stack[-1][0] >= depth:
            stack.pop()
        if stack:
            parents[name] = stack[-1][1]
        stack.append((depth, name))
    return parents


def test_the_docstring_draws_the_real_tree() -> None:
    drawn = _drawn_tree()
    classes = {name: getattr(errors, name) for name in errors.__all__ if name != "FieldProblem"}
    assert set(drawn) == set(classes) - {"NuntiqError"}
    for name, parent in drawn.items():
        assert classes[parent] in classes[name].__mro__[1:], f"{name} is drawn under {parent}"
        nearest = next(base for base in classes[name].__mro__[1:] if base.__name__ in classes)
        assert nearest.__name__ == parent, f"{name} is drawn under {parent}, derives from {nearest.__name__}"


def test_exception_classes_all_derive_from_the_root() -> None:
    classes = [obj for _, obj in inspect.getmembers(_exceptions, inspect.isclass) if issubclass(obj, Exception)]
    assert len(classes) > 30
    for cls in classes:
        assert issubclass(cls, nuntiq_sdk.NuntiqError), cls


def _public_members(cls: type) -> Iterator[tuple[str, Any]]:
    for name, member in vars(cls).items():
        if name.startswith("_") and name != "__iter__":
            continue
        if isinstance(member, property):
            yield name, member.fget
        elif isinstance(member, (classmethod, staticmethod)):
            yield name, member.__func__
        elif inspect.isfunction(member):
            yield name, member


def _generated_names(annotation: str, module: Any) -> list[str]:
    found = []
    for token in re.findall(r"[A-Za-z_][\w.]*", annotation):
        obj = vars(module).get(token.split(".")[0])
        for part in token.split(".")[1:]:
            obj = getattr(obj, part, None)
        if getattr(obj, "__module__", "").startswith("generated_client.models"):
            found.append(token)
    return found


def test_no_public_method_returns_a_generated_model() -> None:
    offenders = []
    for name in nuntiq_sdk.__all__:
        obj = getattr(nuntiq_sdk, name)
        if not inspect.isclass(obj) or issubclass(obj, BaseException):
            continue
        module = sys.modules[obj.__module__]
        for cls in (obj, *(base for base in obj.__mro__[1:] if base.__module__.startswith("nuntiq_sdk"))):
            annotations = {f"{cls.__name__}.{k}": v for k, v in vars(cls).get("__annotations__", {}).items()}
            for member_name, function in _public_members(cls):
                if "return" in function.__annotations__:
                    annotations[f"{cls.__name__}.{member_name}()"] = function.__annotations__["return"]
            for where, annotation in annotations.items():
                if where.split(".")[-1].startswith("_"):
                    continue
                generated = _generated_names(str(annotation), sys.modules[cls.__module__] or module)
                if generated:
                    offenders.append(f"{where} -> {annotation}")
    assert not offenders, offenders


def test_importing_the_package_loads_no_endpoint_module_and_no_paramiko() -> None:
    heavy = ("generated_client.api", "paramiko", "nuntiq_sdk.objects")
    code = f"import sys, nuntiq_sdk; print(sorted(m for m in sys.modules if m.startswith({heavy!r})))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"
