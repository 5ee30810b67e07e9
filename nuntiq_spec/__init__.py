"""The Customer API spec, the lifecycle catalog and the spec's format checks, loaded once for everyone.

The SDK, the sandbox and ``tools/`` all read them from here, so there is one
loader and one copy of each rule. This package imports nothing else of the
project's (an import-linter contract in ``pyproject.toml`` keeps it so) and
needs nothing beyond the standard library and attrs.
"""

from __future__ import annotations

from nuntiq_spec._loader import component_schema, customer_api_spec, resolve, spec_cache, spec_path, use_spec

__all__ = ["component_schema", "customer_api_spec", "resolve", "spec_cache", "spec_path", "use_spec"]
