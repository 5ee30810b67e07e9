"""What a job runner needs besides ``JobContext``: the API environment variables and the ``lib.*`` imports.

``nuntiq run`` and the connector test harness (``nuntiq_sandbox.pytest_plugin``)
both run connectors the way the product docs describe; they read these from
here rather than from the SDK's private modules.
"""

from __future__ import annotations

from nuntiq_sdk._config import ENV_API_TOKEN, ENV_API_URL
from nuntiq_sdk._lib_alias import install as install_lib_alias

__all__ = ["ENV_API_TOKEN", "ENV_API_URL", "install_lib_alias"]
