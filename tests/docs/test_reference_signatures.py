"""The reference pages show the typed signatures the code declares (rewrite: `python -m tools.doc_signatures`)."""

from __future__ import annotations

import pytest

from tools.doc_signatures import PAGES, REFERENCE, current, render


@pytest.mark.parametrize("page", sorted(PAGES))
def test_the_page_shows_the_codes_signatures(page: str) -> None:
    section = current((REFERENCE / page).read_text(encoding="utf-8"))
    assert section is not None, f"docs/reference/{page} has no typed signatures; run `python -m tools.doc_signatures`"
    assert section == render(page), f"docs/reference/{page} is stale; run `python -m tools.doc_signatures`"


def test_no_documented_signature_names_a_generated_model() -> None:
    for page in PAGES:
        assert "generated_client" not in render(page), page
