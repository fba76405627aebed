"""Prompt screening as contest's prompt check: a citizen's own prompt (first or follow-up) holding
personal data or a blocked term is refused before any model is called, with a message that says what
was found (masked); nothing of it is stored. Curated prompts come from the ministry and are not screened.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from anti_abuse.screening import BLOCKLIST_FILE, ScreenPolicy, load_policy, screen_prompt
from app.config import ConfigError
from app.i18n import current_lang
from contest.service import PromptRefusal

# The API error code per kind of finding (the first finding decides; the message names them all).
CODES = {"too_short": "prompt_too_short", "too_long": "prompt_too_long", "blocked": "prompt_blocked",
         "phone": "personal_data", "rrn": "personal_data", "email": "personal_data", "card": "personal_data"}


def prompt_check(policy: ScreenPolicy) -> Callable[[str], PromptRefusal | None]:
    """The check contest runs on each citizen prompt, screening with `policy`."""

    def check(text: str) -> PromptRefusal | None:
        screening = screen_prompt(text, policy)
        if screening.ok:
            return None
        return PromptRefusal(CODES[screening.findings[0].kind], " ".join(screening.messages(current_lang())))

    return check


def policy_for(max_chars: int, blocklist_file: str = "") -> ScreenPolicy:
    """The blocklist (ARENA_PROMPT_BLOCKLIST_FILE, else the curated one shipped here) with the arena's own
    prompt length limit; a file that cannot be read stops the start."""
    path = Path(blocklist_file) if blocklist_file else BLOCKLIST_FILE
    try:
        return load_policy(path, max_chars=max_chars)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"ARENA_PROMPT_BLOCKLIST_FILE: {path} is not a blocklist file ({exc})") from exc
