"""``lib.*``: the import names the product docs print, for connectors run by ``nuntiq run``.

The product docs' connectors import ``lib.objects.invoice``, ``lib.delta`` and
``lib.context``; in this SDK those modules are ``nuntiq_sdk.objects.invoice``,
``nuntiq_sdk.delta`` and ``nuntiq_sdk._context``. ``install()`` (called by the
runner before it loads a connector) puts a finder on ``sys.meta_path`` that
answers ``lib`` and ``lib.<name>`` with the SDK's own module objects, so
``lib.objects.invoice.InvoiceLoad is nuntiq_sdk.objects.invoice.InvoiceLoad``
(never a second copy of a module). Nothing is installed in site-packages, and
a real ``lib`` package on the path (a connector's own folder, say) still wins.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
from collections.abc import Sequence
from types import ModuleType

__all__ = ["ALIASES", "install", "target_of"]

PREFIX = "lib"

# lib.<name> -> the SDK module; below ``lib.objects`` every module maps to its namesake.
ALIASES = {
    "lib.context": "nuntiq_sdk._context",
    "lib.delta": "nuntiq_sdk.delta",
    "lib.objects": "nuntiq_sdk.objects",
}


def target_of(fullname: str) -> str | None:
    """The SDK module behind ``lib.<...>``, or None when the docs name no such module."""
    if fullname in ALIASES:
        return ALIASES[fullname]
    parent, _, leaf = fullname.rpartition(".")
    if parent == "lib.objects" and leaf and not leaf.startswith("_"):
        return f"nuntiq_sdk.objects.{leaf}"
    return None


class _LibPackage(ModuleType):
    """Marks the ``lib`` module this finder made."""


class _AliasLoader(importlib.abc.Loader):
    """Hands out the SDK's module itself; its name and spec stay the SDK's."""

    def __init__(self, target: str | None) -> None:
        self.target = target

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        if self.target is None:  # ``lib`` itself: an empty package holding the aliases
            module = _LibPackage(PREFIX, "The product docs' import names for the Nuntiq SDK (nuntiq_sdk._lib_alias).")
            module.__path__ = []
            return module
        real = importlib.import_module(self.target)
        self._real_spec = real.__spec__
        return real

    def exec_module(self, module: ModuleType) -> None:
        if self.target is not None:
            module.__spec__ = self._real_spec  # the import system stamped the alias's spec on it


class _LibFinder(importlib.abc.MetaPathFinder):
    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname == PREFIX:
            if importlib.machinery.PathFinder.find_spec(fullname, path) is not None:
                return None  # a real ``lib`` package wins
            return importlib.machinery.ModuleSpec(fullname, _AliasLoader(None), is_package=True)
        if not fullname.startswith(PREFIX + ".") or not isinstance(sys.modules.get(PREFIX), _LibPackage):
            return None  # another ``lib`` owns the name
        module = target_of(fullname)
        if module is None or importlib.util.find_spec(module) is None:
            return None  # ModuleNotFoundError names the ``lib.`` module the connector asked for
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(module), is_package=fullname == "lib.objects")


_FINDER = _LibFinder()


def install() -> None:
    """Make ``lib.*`` importable in this process (idempotent).

    The finder goes first: below ``lib.objects`` (the SDK's own package, with
    its real ``__path__``) the path finder would otherwise load a second copy
    of each module under the alias name.
    """
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)
