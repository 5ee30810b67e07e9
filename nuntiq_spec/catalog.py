"""The lifecycle code catalog: 28 codes, their tiers and the state machine.

The data is the ``x-nuntiq-catalog`` extension of the ``LifecycleCode`` schema
in the Customer API spec. The SDK (typo guard, ``LIFECYCLE_CODES``, through
``nuntiq_sdk.catalog``) and the sandbox (state machine, catalog endpoint) both
use ``CATALOG`` from here.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from nuntiq_spec._loader import component_schema

__all__ = ["CATALOG", "LIFECYCLE_CODES", "TIER_NAMES", "LifecycleCatalog"]

TIER_NAMES: Mapping[int, str] = {1: "intake", 2: "buyer-side", 3: "financial"}


@attrs.frozen
class LifecycleCatalog:
    codes: tuple[str, ...]
    tiers: Mapping[str, int]
    transitions: Mapping[str, tuple[str, ...]]
    initial: tuple[str, ...]

    @classmethod
    def from_spec(cls) -> LifecycleCatalog:
        schema = component_schema("LifecycleCode")
        data = schema["x-nuntiq-catalog"]
        codes = tuple(schema["enum"])
        entries = data["codes"]
        if set(entries) != set(codes):
            raise ValueError(f"x-nuntiq-catalog and the LifecycleCode enum disagree: {set(entries) ^ set(codes)}")
        return cls(
            codes=codes,
            tiers={code: int(entries[code]["tier"]) for code in codes},
            transitions={code: tuple(entries[code]["next"]) for code in codes},
            initial=tuple(data["initial"]),
        )

    def __contains__(self, code: object) -> bool:
        return code in self.tiers

    def tier(self, code: str) -> int:
        return self.tiers[code]

    def is_terminal(self, code: str) -> bool:
        return not self.transitions[code]

    def next_codes(self, current: str | None) -> tuple[str, ...]:
        """Codes an invoice accepts after ``current`` (``None``: an empty timeline)."""
        return self.initial if current is None else self.transitions[current]

    def codes_in_tier(self, tier: int) -> tuple[str, ...]:
        return tuple(code for code in self.codes if self.tiers[code] == tier)


CATALOG = LifecycleCatalog.from_spec()
LIFECYCLE_CODES: tuple[str, ...] = CATALOG.codes
