"""The package's one export list: sorted, resolvable, and complete for the core modules."""

from __future__ import annotations

import importlib
import inspect

import pytest

import nuntiq_sdk
from nuntiq_sdk import _exceptions

CORE_MODULES = [
    "nuntiq_sdk._config",
    "nuntiq_sdk._context",
    "nuntiq_sdk._exceptions",
    "nuntiq_sdk._http",
    "nuntiq_sdk._logging",
    "nuntiq_sdk._transport",
    "nuntiq_sdk._util",
]

# Core names that stay private to the SDK (the Loads import them from their modules).
INTERNAL = {"call", "send", "error_from_response"}


def test_export_list_is_sorted_unique_and_resolvable() -> None:
    names = list(nuntiq_sdk.__all__)
    assert names == sorted(names)
    assert len(names) == len(set(names))
    for name in names:
        assert getattr(nuntiq_sdk, name) is not None, name


@pytest.mark.parametrize("module_name", CORE_MODULES)
def test_core_modules_declare_what_they_export(module_name: str) -> None:
    module = importlib.import_module(module_name)
    exported = list(module.__all__)
    assert exported == sorted(exported), module_name
    for name in exported:
        assert hasattr(module, name), f"{module_name}.{name}"


def test_every_exception_is_exported_from_the_package() -> None:
    for name in _exceptions.__all__:
        if name in INTERNAL:
            continue
        assert name in nuntiq_sdk.__all__, name
        assert getattr(nuntiq_sdk, name) is getattr(_exceptions, name)


def test_the_core_public_names_are_exported() -> None:
    for name in ("JobContext", "ConnectorLogger", "FieldProblem", "build_api_client", "RetryTransport"):
        assert name in nuntiq_sdk.__all__


def test_exception_classes_all_derive_from_the_root() -> None:
    classes = [obj for _, obj in inspect.getmembers(_exceptions, inspect.isclass) if issubclass(obj, Exception)]
    assert len(classes) > 30
    for cls in classes:
        assert issubclass(cls, nuntiq_sdk.NuntiqError), cls
