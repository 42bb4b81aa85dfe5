"""How job titles are written for display, shared by sourcing (posting titles) and enrichment (contact
titles) so that both read "Sr. HR Mgr" the same way. The vocabulary lives in :mod:`ra_contracts.defaults`."""

from __future__ import annotations

import re
from functools import lru_cache

from ra_contracts.defaults import JOB_TITLE_ABBREVIATIONS, JOB_TITLE_ACRONYMS

_TITLE_SEPARATORS = re.compile(r"([/\-(),:|]+)")
_LOWERCASE_WORDS = frozenset({"a", "an", "and", "at", "for", "in", "of", "on", "or", "the", "to", "with"})


def _display_word(word: str, first: bool) -> str:
    key = word.rstrip(".").lower()
    expansion = JOB_TITLE_ABBREVIATIONS.get(key)
    if expansion is not None:
        return expansion
    if key in JOB_TITLE_ACRONYMS:
        return word.upper()
    if key in _LOWERCASE_WORDS and not first:
        return word.lower()
    if word.islower() or word.isupper():
        return word[:1].upper() + word[1:].lower()
    # Mixed case ("McKesson", "eCommerce") was chosen by someone; keep it.
    return word


@lru_cache(maxsize=65536)
def display_job_title(title: str) -> str:
    """``"  sr. warehouse mgr "`` -> ``"Senior Warehouse Manager"``: trimmed, abbreviations expanded, title-cased."""
    words: list[str] = []
    for token in title.split():
        parts = _TITLE_SEPARATORS.split(token)
        words.append(
            "".join(
                part if not part or _TITLE_SEPARATORS.fullmatch(part) else _display_word(part, not words)
                for part in parts
            )
        )
    return " ".join(words)
