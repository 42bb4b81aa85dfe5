"""Whether the employer a provider names is the company searched for, loosely.

People searches match company names by relevance, so an answer for "Summit Foods" can hold someone at
"Summit Health". A person is kept when one company's key contains the other's as whole words:
"Summit Foods" matches "Summit Foods, Inc." and "The Summit Foods Company", not "Summit Health" or
"Summitview Foods". Keys are lowercase words without punctuation, a leading "The" or legal suffixes.
"""

from __future__ import annotations

import re

from ra_enrichment.providers.base import ContactSearch

# "&" reads as "and"; apostrophes and dots vanish so "McDonald's" and "U.S." stay one word.
_SILENT = re.compile(r"['’.]")
_NOT_WORD = re.compile(r"[\W_]+")
_LEGAL_WORDS = frozenset(
    ("inc", "incorporated", "corp", "corporation", "co", "company", "ltd", "limited", "llc", "llp", "lp", "pllc", "pc")
)


def company_key(name: str) -> str:
    """``"The Summit Foods Co., Inc."`` -> ``"summit foods"``; blank when nothing is left."""
    words = _NOT_WORD.sub(" ", _SILENT.sub("", name.lower().replace("&", " and "))).split()
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    while len(words) > 1 and words[-1] in _LEGAL_WORDS:
        words.pop()
    return " ".join(words)


def searched_keys(query: ContactSearch) -> frozenset[str]:
    """The keys of the company as the lead names it and as sourcing normalised it."""
    return frozenset({company_key(query.company_name), company_key(query.normalized_company)} - {""})


def same_company(keys: frozenset[str], employer: str | None) -> bool:
    """Whether ``employer`` is one of the searched companies (``keys`` from :func:`searched_keys`)."""
    if not employer:
        return False
    found = company_key(employer)
    if not found:
        return False
    padded = f" {found} "
    return any(f" {key} " in padded or padded in f" {key} " for key in keys)
