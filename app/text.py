"""Text as people see it: one folding shared by display names, prompt screening and identity checks."""
from __future__ import annotations

import unicodedata


def visible(text: str) -> str:
    """Full-width and compatibility forms folded (NFKC: full-width digits and letters become ASCII),
    invisible format characters (zero-width spaces and joiners, direction marks) dropped."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if unicodedata.category(ch) != "Cf")
