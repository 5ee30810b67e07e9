"""The lifecycle catalog read from the spec: 28 codes, three tiers, a closed state machine."""

from __future__ import annotations

from nuntiq_sdk.catalog import CATALOG, LIFECYCLE_CODES
from nuntiq_sdk.objects.lifecycle_message import LIFECYCLE_CODES as DOCS_LIFECYCLE_CODES


def test_twenty_eight_codes_in_three_tiers() -> None:
    assert len(LIFECYCLE_CODES) == 28
    assert len(set(LIFECYCLE_CODES)) == 28
    assert [len(CATALOG.codes_in_tier(t)) for t in (1, 2, 3)] == [8, 13, 7]
    assert DOCS_LIFECYCLE_CODES is LIFECYCLE_CODES


def test_rejected_and_cancelled_are_the_only_terminal_codes() -> None:
    assert {c for c in LIFECYCLE_CODES if CATALOG.is_terminal(c)} == {"REJECTED", "CANCELLED"}


def test_every_code_is_reachable_and_every_transition_names_a_code() -> None:
    reached = set(CATALOG.initial)
    frontier = list(reached)
    while frontier:
        for code in CATALOG.next_codes(frontier.pop()):
            assert code in CATALOG
            if code not in reached:
                reached.add(code)
                frontier.append(code)
    assert reached == set(LIFECYCLE_CODES)
