"""A stateful local sandbox of the Nuntiq Customer API, routed and validated from openapi/.

``create_app()`` builds the ASGI app; ``serve()`` runs it on uvicorn (the
``nuntiq sandbox`` command); ``nuntiq_sandbox.testing.SandboxServer`` starts
one in a subprocess for tests.
"""

import warnings

with warnings.catch_warnings():
    # connexion's import trips deprecation warnings in its dependencies (starlette.testclient,
    # jsonschema.RefResolver) that a sandbox user can do nothing about.
    warnings.simplefilter("ignore")
    import connexion  # noqa: F401

from nuntiq_sandbox._app import SandboxApp, create_app, spec_dir
from nuntiq_sandbox._auth import generate_token, mask_token
from nuntiq_sandbox._constants import PERMISSIONS, TOKEN_PATTERN
from nuntiq_sandbox._server import serve

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
