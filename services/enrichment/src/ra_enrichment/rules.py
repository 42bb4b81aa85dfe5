"""Contact-enrichment rules (SOP §3.2): normalise what a provider found, rank it P1-P5, keep the best.

Pure functions only; the service decides which leads to enrich and stores the result.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

from ra_contracts.defaults import PRIORITY_TITLE_PATTERNS
from ra_contracts.titles import display_job_title as normalize_contact_title

from ra_enrichment.providers.base import ContactCandidate

DEFAULT_MAX_CONTACTS = 4

# --- titles ------------------------------------------------------------------------------------
# Same reading of titles as lead sourcing uses for postings, so "Sr. HR Mgr" means the same job in
# both services; the vocabulary is shared through ra_contracts.defaults.

_NON_ALPHANUMERIC = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=16384)
def _title_match_form(title: str) -> str:
    return " ".join(_NON_ALPHANUMERIC.sub(" ", normalize_contact_title(title).lower()).split())


# --- priority ----------------------------------------------------------------------------------

_PriorityLevels = tuple[tuple[str, re.Pattern[str]], ...]


@lru_cache(maxsize=32)
def _compile_levels(patterns: tuple[tuple[str, tuple[str, ...]], ...]) -> _PriorityLevels:
    levels: list[tuple[str, re.Pattern[str]]] = []
    for level, level_patterns in sorted(patterns):
        alternatives = "|".join(f"(?:{_usable(pattern.strip())})" for pattern in level_patterns if pattern.strip())
        if alternatives:
            levels.append((level, re.compile(rf"(?<![a-z0-9])(?:{alternatives})(?![a-z0-9])", re.IGNORECASE)))
    return tuple(levels)


def _usable(pattern: str) -> str:
    """The pattern, or (when a person typed something that is not a valid regular expression, say
    "C++ lead") the same text matched literally."""
    try:
        re.compile(pattern)
    except re.error:
        return re.escape(pattern)
    return pattern


def _priority_levels(patterns: Mapping[str, Sequence[str]]) -> _PriorityLevels:
    return _compile_levels(tuple((level, tuple(values)) for level, values in patterns.items()))


def _priority_for(title: str | None, levels: _PriorityLevels) -> str | None:
    if not title:
        return None
    text = _title_match_form(title)
    for level, pattern in levels:
        if pattern.search(text):
            return level
    return None


def assign_priority(title: str | None, patterns: Mapping[str, Sequence[str]] = PRIORITY_TITLE_PATTERNS) -> str | None:
    """The first level, P1 to P5, whose patterns match the title; None when not a decision-maker."""
    return _priority_for(title, _priority_levels(patterns))


# --- contact fields ----------------------------------------------------------------------------

_EMAIL = re.compile(
    r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
)
_MAX_EMAIL_LENGTH = 254
_LETTER_RUN = re.compile(r"[^\W\d_]+")
_NON_DIGIT = re.compile(r"\D")


def normalize_email(email: str | None) -> str | None:
    """Lowercased address when it is syntactically valid, else None (deliverability is checked later)."""
    if email is None:
        return None
    text = email.strip().lower()
    if len(text) > _MAX_EMAIL_LENGTH or not _EMAIL.match(text):
        return None
    return text


def normalize_person_name(name: str) -> str:
    """``"  mary-jane o'neil "`` -> ``"Mary-Jane O'Neil"``."""
    text = " ".join(name.split())
    if not (text.islower() or text.isupper()):
        # Mixed case ("McDonald", "DeVries") is how the person writes it; recasing would break it.
        return text
    return _LETTER_RUN.sub(lambda run: run.group(0).capitalize(), text)


def normalize_phone(phone: str | None) -> str | None:
    """US numbers as ``+1XXXXXXXXXX``; anything else (extensions, other countries) just trimmed."""
    if phone is None:
        return None
    text = phone.strip()
    if not text:
        return None
    if text.startswith("+") and not text.startswith("+1"):
        return text
    digits = _NON_DIGIT.sub("", text)
    if len(digits) == 10:
        return f"+1{digits}"
    if len(digits) == 11 and digits.startswith("1"):
        return f"+{digits}"
    return text


def normalize_contact(candidate: ContactCandidate) -> ContactCandidate | None:
    """The candidate with tidy fields, or None when it has no usable email (outreach needs one)."""
    email = normalize_email(candidate.email)
    if email is None:
        return None
    title = normalize_contact_title(candidate.title) if candidate.title else ""
    linkedin_url = candidate.linkedin_url.strip() if candidate.linkedin_url else ""
    return candidate.model_copy(
        update={
            "first_name": normalize_person_name(candidate.first_name),
            "last_name": normalize_person_name(candidate.last_name),
            "email": email,
            "phone": normalize_phone(candidate.phone),
            "title": title or None,
            "linkedin_url": linkedin_url or None,
        }
    )


# --- selection ---------------------------------------------------------------------------------


def select_contacts(
    candidates: Iterable[ContactCandidate],
    max_contacts: int = DEFAULT_MAX_CONTACTS,
    patterns: Mapping[str, Sequence[str]] = PRIORITY_TITLE_PATTERNS,
) -> list[ContactCandidate]:
    """The contacts to attach to one lead, best first (SOP §3.2 contact discovery flow).

    Candidates without a valid email are dropped, then repeats of an email already seen for this lead,
    then people whose title is not a decision-maker's. The rest are ordered by priority, keeping the
    provider's order within a level, and cut to ``max_contacts``.
    """
    if max_contacts <= 0:
        return []
    levels = _priority_levels(patterns)
    seen_emails: set[str] = set()
    ranked: list[tuple[str, int, ContactCandidate]] = []
    for position, candidate in enumerate(candidates):
        contact = normalize_contact(candidate)
        if contact is None or contact.email is None or contact.email in seen_emails:
            continue
        seen_emails.add(contact.email)
        priority = _priority_for(contact.title, levels)
        if priority is None:
            continue
        contact.priority = priority
        ranked.append((priority, position, contact))
    ranked.sort(key=lambda entry: (entry[0], entry[1]))
    return [contact for _, _, contact in ranked[:max_contacts]]
