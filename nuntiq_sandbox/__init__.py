"""A stateful local sandbox of the Nuntiq Customer API, routed and validated from the spec ``nuntiq_spec`` loads.

``create_app()`` builds the ASGI app; ``serve()`` runs it on uvicorn (the
``nuntiq sandbox`` command); ``nuntiq_sandbox.testing.SandboxServer`` starts
one in a subprocess for tests; ``nuntiq_sandbox.sftp`` is an embedded SFTP
server; ``nuntiq_sandbox.pytest_plugin`` is the connector test harness. The
server stack is the ``[sandbox]`` extra. The names below load on first use, so
that a job importing a constant or the test harness does not pay for the ASGI stack.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nuntiq_sandbox._app import SandboxApp, create_app, spec_dir
    from nuntiq_sandbox._constants import PERMISSIONS, TOKEN_PATTERN
    from nuntiq_sandbox._server import serve
    from nuntiq_sandbox._tokens import generate_token, mask_token

__all__ = [
    "PERMISSIONS",
    "TOKEN_PATTERN",
    "SandboxApp",
    "create_app",
    "generate_token",
    "mask_token",
    "serve",
    "spec_dir",
]

_HOMES = {
    "PERMISSIONS": "_constants",
    "TOKEN_PATTERN": "_constants",
    "SandboxApp": "_app",
    "create_app": "_app",
    "spec_dir": "_app",
    "generate_token": "_tokens",
    "mask_token": "_tokens",
    "serve": "_server",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'nuntiq_sandbox' has no attribute {name!r}")
    return getattr(importlib.import_module(f"nuntiq_sandbox.{_HOMES[name]}"), name)


def __dir__() -> list[str]:
    return sorted(__all__)
