"""The lifecycle code catalog: 28 codes, their tiers and the state machine.

Public home for connectors; the data and its loader live in ``nuntiq_spec``,
which the sandbox reads too, so both agree on every code and transition.
"""

from __future__ import annotations

from nuntiq_spec.catalog import CATALOG, LIFECYCLE_CODES, TIER_NAMES, LifecycleCatalog

__all__ = ["CATALOG", "LIFECYCLE_CODES", "TIER_NAMES", "LifecycleCatalog"]
