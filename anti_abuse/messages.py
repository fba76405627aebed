"""Why a vote does not count, in words: voting's text for each exclusion reason code."""
from __future__ import annotations

from app.catalog_text import say


def exclusion_message(reason: str | None, lang: str) -> str | None:
    """Why a vote does not count, in `lang` (Korean when unknown): voting's words for its reason codes."""
    if reason is None:
        return None
    found = say("voting", f"exclusion.{reason}", lang)
    return reason if found == f"exclusion.{reason}" else found
