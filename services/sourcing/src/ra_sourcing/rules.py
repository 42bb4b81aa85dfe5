"""Lead-sourcing rules (SOP §2.2 steps 3-4): normalisation, screening, quality scoring and dedup.

Everything here is pure: no I/O, no clock. The pipeline calls ``screen_postings`` on what the sources
returned and then ``dedup_batch`` on what was kept, so an excluded posting can never win a duplicate
group; the database check against existing leads happens afterwards, in the service.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache

from ra_contracts.titles import display_job_title as normalize_job_title

from ra_sourcing.sources.base import JobPosting, SourcingCriteria


class SkipReason(StrEnum):
    """Why a fetched posting did not become a lead; counted as "skipped" on the pipeline run."""

    DUPLICATE_IN_BATCH = "duplicate_in_batch"
    EXCLUDED_IT = "excluded_it"
    EXCLUDED_STAFFING = "excluded_staffing"
    TITLE_NOT_TARGETED = "title_not_targeted"
    STATE_NOT_TARGETED = "state_not_targeted"
    MISSING_COMPANY = "missing_company"


@dataclass(frozen=True, slots=True)
class ScreenResult:
    kept: list[JobPosting] = field(default_factory=list)
    skipped: list[tuple[JobPosting, str]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class DedupResult:
    kept: list[JobPosting] = field(default_factory=list)
    skipped: list[tuple[JobPosting, str]] = field(default_factory=list)


# --- company names -----------------------------------------------------------------------------

_LEADING_THE = re.compile(r"^the\s+", re.IGNORECASE)
# One or more legal suffixes at the end ("Acme Co., Inc."), each after a space or comma. Dots are
# optional between letters so "L.L.C." and "P.C." go as well as "LLC" and "PC".
_LEGAL_SUFFIXES = re.compile(
    r"(?:[\s,]+(?:inc|corp|ltd|co|l\.?l\.?c|l\.?l\.?p|l\.?p|p\.?l\.?l\.?c|p\.?c)\.?)+[\s,;.]*$",
    re.IGNORECASE,
)
# Apostrophes and dots vanish instead of becoming spaces so "McDonald's" and "U.S." stay one word.
_SILENT_CHARACTERS = str.maketrans("", "", "'’.")
_SPECIAL_CHARACTERS = re.compile(r"[\W_]+")


@lru_cache(maxsize=65536)
def normalize_company_name(name: str) -> str:
    """Company name as used for matching: ``"The Acme Co., Inc."`` -> ``"acme"`` (SOP §2.2 step 3)."""
    text = _LEGAL_SUFFIXES.sub("", _LEADING_THE.sub("", name.strip()))
    text = _SPECIAL_CHARACTERS.sub(" ", text.translate(_SILENT_CHARACTERS).lower())
    return " ".join(text.split())


# --- job titles --------------------------------------------------------------------------------

_NON_ALPHANUMERIC = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=16384)
def _title_match_form(title: str) -> str:
    # Padded with spaces so containment only ever matches whole words ("Site Manager" must not
    # match "Website Manager"), and "&" read as "and" so both spellings of a title agree.
    text = normalize_job_title(title).lower().replace("&", " and ")
    return f" {' '.join(_NON_ALPHANUMERIC.sub(' ', text).split())} "


@lru_cache(maxsize=64)
def _target_forms(target_titles: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(form for form in map(_title_match_form, target_titles) if form.strip())


def matches_target(title: str, target_titles: Iterable[str]) -> bool:
    """A posting is targeted when its title contains a target title, or the other way round."""
    posting = _title_match_form(title)
    if not posting.strip():
        return False
    return any(wanted in posting or posting in wanted for wanted in _target_forms(tuple(target_titles)))


# --- exclusions --------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _keyword_matcher(keywords: tuple[str, ...]) -> tuple[re.Pattern[str] | None, tuple[str, ...]]:
    cleaned = tuple(keyword.strip() for keyword in keywords if keyword.strip())
    if not cleaned:
        return None, cleaned
    # One group per keyword so the match says which keyword fired; spaces inside a keyword also
    # accept hyphens ("full stack" finds "Full-Stack") and a plural "s" is tolerated.
    alternatives = "|".join(
        "(" + r"[\s\-]+".join(re.escape(word) for word in keyword.split()) + ")" for keyword in cleaned
    )
    return re.compile(rf"(?<!\w)(?:{alternatives})s?(?!\w)", re.IGNORECASE), cleaned


def _first_keyword(text: str, keywords: Sequence[str]) -> str | None:
    pattern, cleaned = _keyword_matcher(tuple(keywords))
    if pattern is None:
        return None
    match = pattern.search(text)
    if match is None or match.lastindex is None:
        return None
    return cleaned[match.lastindex - 1]


def is_excluded(title: str, company: str, it_keywords: Sequence[str], staffing_keywords: Sequence[str]) -> str | None:
    """Why the posting is excluded (``"it_keyword:<kw>"`` / ``"staffing_keyword:<kw>"``), else None.

    Keywords match whole words of the title or the company name, case-insensitively.
    """
    # "|" keeps a multi-word keyword from spanning the end of the title and the start of the company.
    text = f"{title} | {company}"
    keyword = _first_keyword(text, it_keywords)
    if keyword is not None:
        return f"it_keyword:{keyword}"
    keyword = _first_keyword(text, staffing_keywords)
    if keyword is not None:
        return f"staffing_keyword:{keyword}"
    return None


# --- quality and dedup -------------------------------------------------------------------------


def _filled(value: str | None) -> bool:
    return value is not None and value.strip() != ""


def quality_score(posting: JobPosting) -> int:
    """How complete a posting is; decides which duplicate survives (SOP §2.2 step 4)."""
    score = 0
    if _filled(posting.contact_email) or _filled(posting.contact_phone):
        score += 10
    if posting.salary_min is not None or posting.salary_max is not None:
        score += 3
    if _filled(posting.job_link):
        score += 2
    if _filled(posting.state):
        score += 1
    return score


def dedup_key(posting: JobPosting) -> str:
    """``normalized company | normalized job title (lowercase) | state`` (SOP §2.2 step 4)."""
    company = normalize_company_name(posting.company_name)
    title = normalize_job_title(posting.job_title).lower()
    return f"{company}|{title}|{(posting.state or '').upper()}"


def _preference(posting: JobPosting, position: int) -> tuple[int, bool, float, int]:
    posted = posting.posted_at
    return (
        -quality_score(posting),
        posted is None,
        posted.timestamp() if posted is not None else 0.0,
        position,
    )


def _merged_sources(best: JobPosting, group: Iterable[JobPosting]) -> list[str]:
    merged = dict.fromkeys(best.sources or [best.source])
    for posting in group:
        merged.update(dict.fromkeys(posting.sources or [posting.source]))
    return list(merged)


def dedup_batch(postings: Sequence[JobPosting]) -> DedupResult:
    """Keep the best posting per dedup key: highest quality score, then earliest posted, then first seen.

    The kept posting lists the sources of every duplicate it absorbed.
    """
    groups: dict[str, list[int]] = {}
    for position, posting in enumerate(postings):
        groups.setdefault(dedup_key(posting), []).append(position)

    kept: list[JobPosting] = []
    dropped: list[int] = []
    for positions in groups.values():
        if len(positions) == 1:
            kept.append(postings[positions[0]])
            continue
        best_position = min(positions, key=lambda position: _preference(postings[position], position))
        best = postings[best_position]
        group = [postings[position] for position in positions]
        kept.append(best.model_copy(update={"sources": _merged_sources(best, group)}))
        dropped.extend(position for position in positions if position != best_position)

    dropped.sort()
    skipped: list[tuple[JobPosting, str]] = [
        (postings[position], SkipReason.DUPLICATE_IN_BATCH) for position in dropped
    ]
    return DedupResult(kept=kept, skipped=skipped)


# --- screening ---------------------------------------------------------------------------------


def screen_postings(postings: Iterable[JobPosting], criteria: SourcingCriteria) -> ScreenResult:
    """Drop postings the firm cannot sell to, in the order a user would explain it.

    Empty target lists mean "no restriction". A posting without a state is kept: the board did not
    say where the job is, which is no reason to lose the lead.
    """
    target_titles = tuple(criteria.target_job_titles)
    target_states = frozenset(state.upper() for state in criteria.target_states)
    result = ScreenResult()
    for posting in postings:
        reason = _screen_reason(posting, criteria, target_titles, target_states)
        if reason is None:
            result.kept.append(posting)
        else:
            result.skipped.append((posting, reason))
    return result


def _screen_reason(
    posting: JobPosting,
    criteria: SourcingCriteria,
    target_titles: tuple[str, ...],
    target_states: frozenset[str],
) -> SkipReason | None:
    if not normalize_company_name(posting.company_name):
        return SkipReason.MISSING_COMPANY
    exclusion = is_excluded(
        posting.job_title,
        posting.company_name,
        criteria.exclude_it_keywords,
        criteria.exclude_staffing_keywords,
    )
    if exclusion is not None:
        if exclusion.startswith("it_keyword:"):
            return SkipReason.EXCLUDED_IT
        return SkipReason.EXCLUDED_STAFFING
    if target_titles and not matches_target(posting.job_title, target_titles):
        return SkipReason.TITLE_NOT_TARGETED
    if target_states and posting.state and posting.state.upper() not in target_states:
        return SkipReason.STATE_NOT_TARGETED
    return None
