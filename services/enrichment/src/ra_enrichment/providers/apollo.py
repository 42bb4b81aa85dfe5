"""Apollo.io People Search as a contact provider (SOP §3.2): decision-makers at the lead's company.

One ``POST /api/v1/mixed_people/search`` per lead, key in ``X-Api-Key``, JSON body::

    {"q_organization_name": "Summit Foods", "person_titles": [...query.titles],
     "person_locations": ["Columbus, Ohio"], "page": 1, "per_page": query.limit}

``person_locations`` is the job's city and state ("Columbus, Ohio"), the state alone ("Ohio") or the
city alone, and is left out when the lead has neither; an empty title list sends no title filter. The
search has no company-domain filter here because :class:`ContactSearch` carries no domain.

The answer lists ``people`` (Apollo's database) and ``contacts`` (people the team already saved in
Apollo, whose emails are unlocked); both are read, contacts first, and a person listed in both is kept
once. Apollo matches the company name by relevance, so only people whose ``organization.name`` (a
contact's ``organization_name``) loosely names the searched company are kept
(:mod:`ra_enrichment.providers.companies`). Locked emails (``email_not_unlocked@domain.com``) and
missing ones become ``email=None``: unlocking costs credits per person and is not done here. The phone is
the first of ``phone_numbers`` (``sanitized_number``, else ``raw_number``), else ``sanitized_phone``.
People without a first and last name (the newer ``api_search`` endpoint obfuscates last names) are
skipped.

A missing key is a ``config`` :class:`ProviderError` raised by :meth:`search`, not by the constructor,
so a provider can always be built from Settings and the run reports the missing key. The other failure
kinds are those of :mod:`ra_enrichment.providers.errors`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Self

import httpx
from ra_contracts.defaults import US_STATE_NAMES
from ra_runtime.http import RetryPolicy, open_client

from ra_enrichment.providers.base import ContactCandidate, ContactSearch
from ra_enrichment.providers.companies import same_company, searched_keys
from ra_enrichment.providers.errors import ProviderApi, ProviderError

APOLLO_API = "https://api.apollo.io/api/v1"
PEOPLE_SEARCH_URL = f"{APOLLO_API}/mixed_people/search"
#: Apollo's placeholder for an email that exists but has not been unlocked with credits.
LOCKED_EMAIL_LOCAL_PART = "email_not_unlocked"
_MAX_PER_PAGE = 100
_USER_AGENT = "ra-enrichment/0.1 (contact enrichment for a staffing firm)"


class ApolloContactProvider:
    """People at the lead's company from Apollo's People Search (``source="apollo"``)."""

    name = "apollo"

    def __init__(
        self,
        api_key: str | None,
        *,
        timeout_seconds: float = 30.0,
        client: httpx.AsyncClient | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.api_key = api_key.strip() if api_key else None
        self.timeout_seconds = timeout_seconds
        self._client = client
        self.retry = retry or RetryPolicy()

    @classmethod
    def from_settings(cls, get: Callable[[str], Any]) -> Self:
        return cls(api_key=get("apollo_api_key") or None)

    def search_body(self, query: ContactSearch) -> dict[str, Any]:
        """The People Search request for one lead."""
        body: dict[str, Any] = {"q_organization_name": query.company_name.strip()}
        titles = [title.strip() for title in query.titles if title.strip()]
        if titles:
            body["person_titles"] = titles
        location = person_location(query.city, query.state)
        if location:
            body["person_locations"] = [location]
        body |= {"page": 1, "per_page": min(_MAX_PER_PAGE, query.limit)}
        return body

    async def search(self, query: ContactSearch) -> list[ContactCandidate]:
        if not self.api_key:
            raise ProviderError("config", "Apollo has no API key: set apollo_api_key in Settings")
        headers = {
            "X-Api-Key": self.api_key,
            "Cache-Control": "no-cache",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        async with open_client(self._client, self.timeout_seconds, user_agent=_USER_AGENT) as client:
            api = ProviderApi(client, timeout=self.timeout_seconds, retry=self.retry, headers=headers)
            payload = await api.request("POST", PEOPLE_SEARCH_URL, json_body=self.search_body(query))

        keys = searched_keys(query)
        candidates: list[ContactCandidate] = []
        for person in _people_of(payload):
            if not same_company(keys, _employer(person)):
                continue
            candidate = map_apollo_person(person)
            if candidate is not None:
                candidates.append(candidate)
        return candidates[: query.limit]


def person_location(city: str | None, state: str | None) -> str | None:
    """``("Columbus", "OH")`` -> ``"Columbus, Ohio"``; either part alone; None without both."""
    city = (city or "").strip()
    state = (state or "").strip()
    state_name = US_STATE_NAMES.get(state.upper(), state)
    return ", ".join(part for part in (city, state_name) if part) or None


def _people_of(payload: Any) -> list[dict[str, Any]]:
    """Saved contacts, then people, each person once."""
    if not isinstance(payload, dict):
        raise ProviderError("bad_response", f"unexpected answer: a JSON {type(payload).__name__}, not an object")
    people = payload.get("people")
    contacts = payload.get("contacts", [])
    if not isinstance(people, list) or not isinstance(contacts, list):
        raise ProviderError("bad_response", "unexpected answer: no 'people' list")
    found: list[dict[str, Any]] = []
    seen: set[str] = set()
    # A saved contact's own id is the CRM record's; the person it was saved from is its person_id.
    for item, id_key in [(c, "person_id") for c in contacts] + [(p, "id") for p in people]:
        if not isinstance(item, dict):
            continue
        person_id = _text(item.get(id_key))
        if person_id is not None:
            if person_id in seen:
                continue
            seen.add(person_id)
        found.append(item)
    return found


def _employer(person: dict[str, Any]) -> str | None:
    organization = person.get("organization")
    if isinstance(organization, dict) and _text(organization.get("name")):
        return _text(organization.get("name"))
    account = person.get("account")
    if isinstance(account, dict) and _text(account.get("name")):
        return _text(account.get("name"))
    return _text(person.get("organization_name"))


def map_apollo_person(person: dict[str, Any]) -> ContactCandidate | None:
    """One person (or saved contact) as a candidate; None without a first and last name."""
    first_name = _text(person.get("first_name"))
    last_name = _text(person.get("last_name"))
    if first_name is None or last_name is None:
        return None
    return ContactCandidate(
        first_name=first_name,
        last_name=last_name,
        email=unlocked_email(person.get("email")),
        phone=_phone(person),
        title=_text(person.get("title")),
        source="apollo",
        linkedin_url=_text(person.get("linkedin_url")),
    )


def unlocked_email(value: object) -> str | None:
    """The email, or None when it is missing, not an address or Apollo's locked placeholder."""
    email = _text(value)
    if email is None or "@" not in email:
        return None
    if email.split("@", 1)[0].lower() == LOCKED_EMAIL_LOCAL_PART:
        return None
    return email


def _phone(person: dict[str, Any]) -> str | None:
    numbers = person.get("phone_numbers")
    if isinstance(numbers, list):
        for number in numbers:
            if isinstance(number, dict):
                phone = _text(number.get("sanitized_number")) or _text(number.get("raw_number"))
                if phone:
                    return phone
    return _text(person.get("sanitized_phone"))


def _text(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    return value.strip() or None
