"""The Customer API spec the SDK reads its schemas and constraints from (loaded by ``nuntiq_spec``)."""

from __future__ import annotations

from nuntiq_spec import component_schema, customer_api_spec, resolve, spec_cache, use_spec

__all__ = ["component_schema", "customer_api_spec", "resolve", "spec_cache", "use_spec"]
