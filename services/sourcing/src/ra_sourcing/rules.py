"""Lead-sourcing rules (SOP §2.2 steps 3-4): normalisation, screening, quality scoring and dedup.

Everything here is pure: no I/O, no clock. ``prepare_batch`` takes what the sources returned and
collapses staffing-agency reposts, then screens, then deduplicates in the batch, so an excluded posting
can never win a duplicate group; the database check against existing leads happens afterwards, in the
service.

A batch can hold 100,000 postings in which nearly every company spelling is distinct, more than the
module's LRU caches hold, so the batch functions work out what they need from each distinct string
once, in a memo that lives as long as the batch (:class:`_BatchMemo`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import Final, NamedTuple

from ra_contracts.titles import display_job_title as normalize_job_title

from ra_sourcing.sources.base import JobPosting, SourcingCriteria

#: Share of 3-word shingles two descriptions must have in common (Jaccard) to be the same job.
REPOST_SIMILARITY = 0.8


class SkipReason(StrEnum):
    """Why a fetched posting did not become a lead; counted as "skipped" on the pipeline run."""

    DUPLICATE_IN_BATCH = "duplicate_in_batch"
    EXCLUDED_IT = "excluded_it"
    EXCLUDED_STAFFING = "excluded_staffing"
    TITLE_NOT_TARGETED = "title_not_targeted"
    STATE_NOT_TARGETED = "state_not_targeted"
    MISSING_COMPANY = "missing_company"
    STAFFING_REPOST = "staffing_repost"
    INDUSTRY_NOT_TARGETED = "industry_not_targeted"


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


def _company_core(name: str) -> str:
    # The name without surrounding spaces, a leading "The" or legal suffixes; case and punctuation kept.
    return _LEGAL_SUFFIXES.sub("", _LEADING_THE.sub("", name.strip()))


# ASCII names take a bytes path several times faster than the regex (a batch holds tens of thousands of
# names), with the same result: this table lowercases letters and turns all but letters and digits into
# spaces; the silent characters are deleted first.
_ASCII_WORDS_ONLY = bytes(
    ord(chr(code).lower()) if code < 128 and chr(code).isalnum() else ord(" ") for code in range(256)
)
_ASCII_SILENT = b"'."


def _normalized_core(core: str) -> str:
    if core.isascii():
        return b" ".join(core.encode().translate(_ASCII_WORDS_ONLY, _ASCII_SILENT).split()).decode()
    text = _SPECIAL_CHARACTERS.sub(" ", core.translate(_SILENT_CHARACTERS).lower())
    return " ".join(text.split())


@lru_cache(maxsize=65536)
def normalize_company_name(name: str) -> str:
    """Company name as used for matching: ``"The Acme Co., Inc."`` -> ``"acme"`` (SOP §2.2 step 3)."""
    return _normalized_core(_company_core(name))


@lru_cache(maxsize=64)
def _agency_matcher(agency_names: tuple[str, ...]) -> re.Pattern[str] | None:
    # Matched against normalised company names, and only up to a word boundary, so "Aerotek Inc" and
    # "Robert Half International" are agencies while "Voltaic Foods" is not one of "Volt".
    names = sorted({normalize_company_name(name) for name in agency_names} - {""}, key=len, reverse=True)
    if not names:
        return None
    return re.compile(f"(?:{'|'.join(map(re.escape, names))})(?: |$)")


def is_staffing_agency(company: str, agency_names: Sequence[str]) -> bool:
    """Whether the company is one of the known agencies: its normalised name is one, or starts with one."""
    matcher = _agency_matcher(tuple(agency_names))
    return matcher is not None and matcher.match(normalize_company_name(company)) is not None


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


def _form_matches(posting: str, target_forms: tuple[str, ...]) -> bool:
    if not posting.strip():
        return False
    return any(wanted in posting or posting in wanted for wanted in target_forms)


def matches_target(title: str, target_titles: Iterable[str]) -> bool:
    """A posting is targeted when its title contains a target title, or the other way round."""
    return _form_matches(_title_match_form(title), _target_forms(tuple(target_titles)))


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


# --- what a batch derives from each distinct string --------------------------------------------

# Words that could match inside what a company's core name leaves out: the leading "The", a legal
# suffix, or any run of an abbreviation's letters ("L.LC" holds "lc"). Keywords without them match
# the core exactly as they match the whole name.
_ABBREVIATIONS = ("llc", "llp", "lp", "pllc", "pc")
_OUTSIDE_CORE_WORDS = frozenset(
    {"the", "inc", "corp", "ltd", "co"}
    | {abbreviation[start:end] for abbreviation in _ABBREVIATIONS for start in range(4) for end in range(start + 1, 5)}
) - {""}


def _keywords_fit_core(keywords: Iterable[str]) -> bool:
    return all(
        word.isalnum() and word.lower() not in _OUTSIDE_CORE_WORDS for keyword in keywords for word in keyword.split()
    )


#: What a company name says: ``(normalized name, has an IT keyword, is a staffing firm's)``, the last
#: meaning a staffing keyword in the name or one of the known agencies. A plain tuple, not a NamedTuple:
#: the garbage collector stops tracking tuples of strings and bools, and a batch makes tens of thousands.
_Company = tuple[str, bool, bool]
_NAME: Final = 0
_STAFFING: Final = 2


class _Title(NamedTuple):
    #: ``normalize_job_title(title).lower()``, the title part of the dedup and repost keys.
    key: str
    it_keyword: bool
    staffing_keyword: bool
    targeted: bool


class _BatchMemo:
    """What the rules derive from each distinct company name and title, worked out once per batch.

    Boards repeat a company under many spellings ("The Summit Foods, Inc.", "SUMMIT FOODS LLC"), so
    the keyword search and the rest of the normalisation run once per core name (lowercased, without
    "The" and legal suffixes) when the keywords allow it (:func:`_keywords_fit_core`). Keyword flags
    are kept per string instead of searching ``"title | company"`` as :func:`is_excluded` does; the
    separator keeps a keyword from spanning both, so the answer is the same.
    """

    __slots__ = (
        "_agency",
        "_any",
        "_by_core",
        "_by_name",
        "_it",
        "_on_core",
        "_restrict_titles",
        "_staffing",
        "_targets",
        "_titles",
    )

    def __init__(
        self,
        *,
        it_keywords: Sequence[str] = (),
        staffing_keywords: Sequence[str] = (),
        agency_names: Sequence[str] = (),
        target_titles: Sequence[str] = (),
    ) -> None:
        self._it = _keyword_matcher(tuple(it_keywords))[0]
        self._staffing = _keyword_matcher(tuple(staffing_keywords))[0]
        # Most names carry no keyword at all; one search over both lists settles those.
        self._any = _keyword_matcher(tuple(it_keywords) + tuple(staffing_keywords))[0]
        self._on_core = _keywords_fit_core([*it_keywords, *staffing_keywords])
        self._agency = _agency_matcher(tuple(agency_names))
        self._restrict_titles = bool(target_titles)
        self._targets = _target_forms(tuple(target_titles))
        self._by_name: dict[str, _Company] = {}
        self._by_core: dict[str, _Company] = {}
        self._titles: dict[str, _Title] = {}

    @classmethod
    def for_criteria(cls, criteria: SourcingCriteria) -> _BatchMemo:
        return cls(
            it_keywords=criteria.exclude_it_keywords,
            staffing_keywords=criteria.exclude_staffing_keywords,
            agency_names=_agency_names(criteria),
            target_titles=criteria.target_job_titles,
        )

    def _keywords(self, text: str) -> tuple[bool, bool]:
        if self._any is None or self._any.search(text) is None:
            return False, False
        return (
            self._it is not None and self._it.search(text) is not None,
            self._staffing is not None and self._staffing.search(text) is not None,
        )

    def company(self, name: str) -> _Company:
        found = self._by_name.get(name)
        if found is not None:
            return found
        core = _company_core(name)
        # Searched, and shared by every spelling with the same core, is the lowercased core (IGNORECASE
        # and lower() agree on ASCII only); when the keywords rule that out, the name itself.
        text = (core.lower() if core.isascii() else core) if self._on_core else name
        found = self._by_core.get(text)
        if found is None:
            normalized = _normalized_core(core)
            it_keyword, staffing = self._keywords(text)
            if not staffing and normalized and self._agency is not None:
                staffing = self._agency.match(normalized) is not None
            found = self._by_core[text] = (normalized, it_keyword, staffing)
        self._by_name[name] = found
        return found

    def title(self, title: str) -> _Title:
        found = self._titles.get(title)
        if found is None:
            it_keyword, staffing_keyword = self._keywords(title)
            targeted = not self._restrict_titles or _form_matches(_title_match_form(title), self._targets)
            key = normalize_job_title(title).lower()
            found = self._titles[title] = _Title(key, it_keyword, staffing_keyword, targeted)
        return found


def _agency_names(criteria: SourcingCriteria) -> tuple[str, ...]:
    return tuple(getattr(criteria, "staffing_agency_names", ()))


class _Batch:
    """The postings of a batch, each with what its company and title say and its job key.

    The rules pass positions in this batch from step to step, so nothing is looked up twice.
    """

    __slots__ = ("companies", "jobs", "postings", "titles")

    def __init__(self, postings: Sequence[JobPosting], memo: _BatchMemo) -> None:
        company, title = memo.company, memo.title
        self.postings = postings
        self.companies = [company(posting.company_name) for posting in postings]
        self.titles = [title(posting.job_title) for posting in postings]
        #: ``title|STATE``: the job, whoever posts it; the dedup key is the company's name plus this.
        self.jobs = [
            f"{facts.key}|{(posting.state or '').upper()}" for posting, facts in zip(postings, self.titles, strict=True)
        ]


# --- staffing-agency reposts -------------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+")


def _shingles(description: str) -> frozenset[int]:
    """Hashed 3-word shingles of the lowercased description, without punctuation; empty if no words."""
    if description.isascii():
        words = description.encode().translate(_ASCII_WORDS_ONLY).split()
    else:
        words = [word.encode() for word in _WORD.findall(description.lower())]
    if len(words) < 3:
        return frozenset((hash(tuple(words)),)) if words else frozenset()
    return frozenset(map(hash, zip(words, words[1:], words[2:], strict=False)))


def collapse_staffing_reposts(
    postings: Sequence[JobPosting],
    *,
    agency_names: Sequence[str],
    staffing_keywords: Sequence[str],
    threshold: float = REPOST_SIMILARITY,
) -> DedupResult:
    """Skip staffing firms' reposts of jobs in the batch as ``staffing_repost`` (beyond the SOP).

    A posting is a staffing firm's when its company name has a staffing keyword (whole words) or its
    normalised name is, or starts with, one of ``agency_names``. Postings are near-identical when they
    share the normalised title and the state and their descriptions' 3-word shingles overlap by at least
    ``threshold`` (Jaccard); a posting without a description is never near-identical to anything.
    Among near-identical postings (transitively, through a staffing firm's posting):

    * if an employer posted the job, every staffing firm's posting of it is a repost;
    * if only staffing firms did, the first firm's postings stay (screening excludes them later) and
      the other firms' are reposts.

    Postings of one company are never reposts of each other: that is in-batch dedup's business.
    """
    _check_threshold(threshold)
    batch = _Batch(postings, _BatchMemo(staffing_keywords=staffing_keywords, agency_names=agency_names))
    kept, reposts = _collapse_reposts(batch, range(len(postings)), threshold)
    return DedupResult(
        kept=[postings[position] for position in kept],
        skipped=[(postings[position], SkipReason.STAFFING_REPOST) for position in reposts],
    )


def _check_threshold(threshold: float) -> None:
    if not 0 < threshold <= 1:
        raise ValueError(f"the repost similarity threshold must be in (0, 1], got {threshold}")


def _collapse_reposts(batch: _Batch, positions: Sequence[int], threshold: float) -> tuple[list[int], list[int]]:
    """Kept and repost positions, both in batch order."""
    # Descriptions are only compared inside job groups (title and state) that hold a staffing firm's
    # posting and something else: a small share of the batch.
    postings, companies, jobs = batch.postings, batch.companies, batch.jobs
    staffed = {jobs[position] for position in positions if companies[position][_STAFFING]}
    if not staffed:
        return list(positions), []
    groups: dict[str, list[int]] = {}
    for position in positions:
        job = jobs[position]
        if job in staffed and companies[position][_NAME] and postings[position].description:
            groups.setdefault(job, []).append(position)
    reposts: set[int] = set()
    for group in groups.values():
        if len(group) > 1:
            reposts.update(_reposts_in_group(batch, group, threshold))
    if not reposts:
        return list(positions), []
    return [position for position in positions if position not in reposts], sorted(reposts)


def _reposts_in_group(batch: _Batch, group: list[int], threshold: float) -> list[int]:
    """The reposts among postings of one job (title and state), in no particular order."""
    companies = batch.companies
    # Postings with the same description are one node (a board's duplicates, a verbatim repost), so
    # each description is shingled and compared once.
    node_of: dict[str, int] = {}
    shingles: list[frozenset[int]] = []
    members: list[list[int]] = []
    staffing: list[bool] = []
    for position in group:
        description = batch.postings[position].description or ""
        node = node_of.get(description)
        if node is None:
            found = _shingles(description)
            node = node_of[description] = len(shingles) if found else -1
            if found:
                shingles.append(found)
                members.append([])
                staffing.append(False)
        if node >= 0:
            members[node].append(position)
            staffing[node] = staffing[node] or companies[position][_STAFFING]
    if not any(staffing):
        return []

    # Union-find over near-identical pairs of nodes that involve a staffing firm's posting. Pairs of
    # employers' nodes are never compared: joining them could not change what happens to any staffing
    # firm's posting.
    parent = list(range(len(shingles)))

    def root(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    sizes = [len(found) for found in shingles]
    for a, a_is_staffing in enumerate(staffing):
        if not a_is_staffing:
            continue
        shingles_a, size_a = shingles[a], sizes[a]
        # The Jaccard index is at most smaller size / larger size.
        low, high = threshold * size_a, size_a / threshold
        for b, shingles_b in enumerate(shingles):
            size_b = sizes[b]
            if b == a or (staffing[b] and b < a) or size_b < low or size_b > high:
                continue
            root_a, root_b = root(a), root(b)
            if root_a == root_b:
                continue
            common = len(shingles_a & shingles_b)
            if common >= threshold * (size_a + size_b - common):
                parent[root_a] = root_b

    clusters: dict[int, list[int]] = {}
    for node, positions in enumerate(members):
        clusters.setdefault(root(node), []).extend(positions)
    reposts: list[int] = []
    for positions in clusters.values():
        if len(positions) < 2:
            continue
        if not all(companies[position][_STAFFING] for position in positions):
            reposts.extend(position for position in positions if companies[position][_STAFFING])
        else:
            first = companies[min(positions)][_NAME]
            reposts.extend(position for position in positions if companies[position][_NAME] != first)
    return reposts


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
    kept, dropped = _dedup(_Batch(postings, _BatchMemo()), range(len(postings)))
    return DedupResult(kept=kept, skipped=[(postings[position], SkipReason.DUPLICATE_IN_BATCH) for position in dropped])


def _dedup(batch: _Batch, positions: Sequence[int]) -> tuple[list[JobPosting], list[int]]:
    """The kept postings, in the order their key was first seen, and the dropped positions, in batch order."""
    postings, companies, jobs = batch.postings, batch.companies, batch.jobs
    # Each group is chained backwards through ``preceding`` rather than kept in a list per key for the
    # whole pass: tens of thousands of live small lists would cost a full garbage collection.
    last_seen: dict[str, int] = {}  # in the order keys were first seen: updating a key keeps its place
    preceding = [-1] * len(postings)
    for position in positions:
        key = f"{companies[position][_NAME]}|{jobs[position]}"  # dedup_key(), from the memo
        preceding[position] = last_seen.get(key, -1)
        last_seen[key] = position

    kept: list[JobPosting] = []
    dropped: list[int] = []
    for last in last_seen.values():
        if preceding[last] < 0:
            kept.append(postings[last])
            continue
        group: list[int] = []
        link = last
        while link >= 0:
            group.append(link)
            link = preceding[link]
        group.reverse()
        best_position = min(group, key=lambda position: _preference(postings[position], position))
        best = postings[best_position]
        sources = _merged_sources(best, (postings[position] for position in group))
        # Copy only when the sources grew: the postings passed in are never modified.
        kept.append(best if sources == best.sources else best.model_copy(update={"sources": sources}))
        dropped.extend(position for position in group if position != best_position)
    dropped.sort()
    return kept, dropped


# --- screening ---------------------------------------------------------------------------------


def screen_postings(postings: Iterable[JobPosting], criteria: SourcingCriteria) -> ScreenResult:
    """Drop postings the firm cannot sell to, in the order a user would explain it.

    Empty target lists mean "no restriction". A posting without a state is kept: the board did not
    say where the job is, which is no reason to lose the lead. A known staffing agency's posting
    (``criteria.staffing_agency_names``) is excluded like one whose name has a staffing keyword.
    """
    batch = _Batch(list(postings), _BatchMemo.for_criteria(criteria))
    kept, skipped, reasons = _screen(
        batch, range(len(batch.postings)), _target_states(criteria), tuple(criteria.industries)
    )
    return ScreenResult(
        kept=[batch.postings[position] for position in kept],
        skipped=[(batch.postings[position], reason) for position, reason in zip(skipped, reasons, strict=True)],
    )


def _target_states(criteria: SourcingCriteria) -> frozenset[str]:
    return frozenset(state.upper() for state in criteria.target_states)


# Words of the target industries too generic to tell an industry by ("Information Systems" is not
# "Hospitals & Health Systems").
_GENERIC_INDUSTRY_WORDS = frozenset(
    {"systems", "system", "services", "service", "equipment", "materials", "devices", "supply", "chain",
     "living", "term", "long", "senior", "building", "industrial", "general"}
)  # fmt: skip
_INDUSTRY_WORD = re.compile(r"[a-z]{4,}")


@lru_cache(maxsize=64)
def _industry_words(targets: tuple[str, ...]) -> tuple[str, ...]:
    """The telling words of each target industry (all of its words when none is telling), singular."""
    out: set[str] = set()
    for target in targets:
        words = set(_INDUSTRY_WORD.findall(target.lower()))
        telling = (words - _GENERIC_INDUSTRY_WORDS) or words
        out |= {w.removesuffix("s") for w in telling}
    return tuple(sorted(out))


@lru_cache(maxsize=4096)
def industry_targeted(industry: str, targets: tuple[str, ...]) -> bool:
    """Whether a board's industry label is one of the target industries, loosely: boards name industries
    their own way ("Hospital & Health Care", "Truck Transportation"), so it is enough that a telling word
    of a target industry ("hospital", "transportation") occurs in the label. No targets: any industry."""
    words = _industry_words(targets)
    if not words:
        return True
    text = industry.lower()
    return any(w in text for w in words)


def _off_industry(posting: JobPosting, targets: tuple[str, ...]) -> bool:
    """A posting whose source names an industry outside the targets. Most boards name none: kept."""
    return bool(targets and posting.industry and not industry_targeted(posting.industry, targets))


def _screen(
    batch: _Batch, positions: Sequence[int], target_states: frozenset[str], industries: tuple[str, ...] = ()
) -> tuple[list[int], list[int], list[SkipReason]]:
    """Kept positions, skipped positions and why each was skipped."""
    postings, companies, titles = batch.postings, batch.companies, batch.titles
    kept: list[int] = []
    skipped: list[int] = []
    reasons: list[SkipReason] = []
    for position in positions:
        reason = _screen_reason(companies[position], titles[position], postings[position].state, target_states)
        if reason is None and _off_industry(postings[position], industries):
            reason = SkipReason.INDUSTRY_NOT_TARGETED
        if reason is None:
            kept.append(position)
        else:
            skipped.append(position)
            reasons.append(reason)
    return kept, skipped, reasons


def _screen_reason(
    company: _Company, title: _Title, state: str | None, target_states: frozenset[str]
) -> SkipReason | None:
    name, it_keyword, staffing = company
    if not name:
        return SkipReason.MISSING_COMPANY
    if title.it_keyword or it_keyword:
        return SkipReason.EXCLUDED_IT
    if title.staffing_keyword or staffing:
        return SkipReason.EXCLUDED_STAFFING
    if not title.targeted:
        return SkipReason.TITLE_NOT_TARGETED
    if target_states and state and state.upper() not in target_states:
        return SkipReason.STATE_NOT_TARGETED
    return None


# --- the whole batch ---------------------------------------------------------------------------


def prepare_batch(
    postings: Sequence[JobPosting], criteria: SourcingCriteria, *, repost_threshold: float = REPOST_SIMILARITY
) -> tuple[list[JobPosting], Counter[str]]:
    """The postings of a fetched batch worth storing, and how many were skipped for each reason.

    Three steps, in this order:

    1. :func:`collapse_staffing_reposts` (``staffing_repost``);
    2. :func:`screen_postings` (``missing_company``, ``excluded_it``, ``excluded_staffing``,
       ``title_not_targeted``, ``state_not_targeted``);
    3. :func:`dedup_batch` (``duplicate_in_batch``).

    Reposts are collapsed before screening because screening drops every staffing firm's posting as
    ``excluded_staffing``: after it, there would be no reposts left to find, and the run would report
    an agency's copy of an employer's job as "a staffing agency is hiring" when the truth is "this
    employer's job was reposted by an agency". Screening comes before dedup so that an excluded posting
    can never win a duplicate group in place of a good one.
    """
    _check_threshold(repost_threshold)
    batch = _Batch(postings, _BatchMemo.for_criteria(criteria))
    kept, reposts = _collapse_reposts(batch, range(len(postings)), repost_threshold)
    kept, _, reasons = _screen(batch, kept, _target_states(criteria), tuple(criteria.industries))
    leads, duplicates = _dedup(batch, kept)
    skipped: Counter[str] = Counter()
    for reason, count in Counter(reasons).items():
        skipped[str(reason)] = count
    if reposts:
        skipped[SkipReason.STAFFING_REPOST.value] = len(reposts)
    if duplicates:
        skipped[SkipReason.DUPLICATE_IN_BATCH.value] = len(duplicates)
    return leads, skipped
