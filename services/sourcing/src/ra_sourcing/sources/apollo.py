"""Apollo.io job postings: companies hiring for the target titles, then each company's open postings.

1. ``POST /api/v1/mixed_companies/search`` (Organization Search; filters as query parameters, as
   documented): ``q_organization_job_titles[]`` = the target titles, ``organization_job_locations[]`` =
   the targeted states ("United States" when all are targeted), ``organization_job_posted_at_range`` =
   the posting window and, unless ``industry_keywords`` is off, ``q_organization_keyword_tags[]`` = the
   target industries. Up to ``max_organization_pages`` pages of ``organizations_per_page`` are read;
   both ``organizations`` and ``accounts`` (companies already in the team's Apollo CRM, whose
   organisation id is ``organization_id``) count.
2. ``GET /api/v1/organizations/{id}/job_postings`` for every company found, ``concurrency`` at a time,
   up to ``job_posting_pages`` pages of ``job_postings_per_page``.

Apollo lists every opening of a company, so postings are kept only when their title loosely matches a
target title (:func:`ra_sourcing.rules.matches_target`), they are in the US and inside the posting
window; screening and dedup still run afterwards. Every call costs Apollo credits, hence the bounds.

Contacts stay empty: a documented job posting carries no poster or hiring manager (id, title, url,
city, state, country, posted_at, last_seen_at), and Apollo's People Search returns no email or phone
without a paid enrichment per person, which is the contact-enrichment service's job, not sourcing's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Self

import httpx
from pydantic import ValidationError
from ra_contracts.defaults import US_STATE_NAMES, US_STATES
from ra_runtime.http import RetryPolicy

from ra_sourcing.rules import matches_target
from ra_sourcing.sources.base import FetchResult, JobPosting, SourceError, SourcingCriteria
from ra_sourcing.sources.http import (
    FetchLedger,
    JsonApi,
    country_code,
    is_us,
    open_client,
    parse_timestamp,
    text_or_none,
    unique_postings,
    us_state_code,
)

APOLLO_API = "https://api.apollo.io/api/v1"
ORGANIZATION_SEARCH_URL = f"{APOLLO_API}/mixed_companies/search"
#: Apollo's key check (documented under Authentication): no credits, no master key needed.
AUTH_HEALTH_URL = f"{APOLLO_API}/auth/health"


def _utc_now() -> datetime:
    return datetime.now(UTC)


def job_postings_url(organization_id: str) -> str:
    return f"{APOLLO_API}/organizations/{organization_id}/job_postings"


@dataclass(frozen=True)
class ApolloOrganization:
    id: str
    name: str
    industry: str | None


class ApolloJobSource:
    """Job postings of companies Apollo says are hiring for the target titles (see the module docstring)."""

    name = "apollo"

    def __init__(
        self,
        api_key: str | None,
        *,
        timeout_seconds: float = 30.0,
        organizations_per_page: int = 25,
        max_organization_pages: int = 2,
        job_postings_per_page: int = 100,
        job_posting_pages: int = 1,
        industry_keywords: bool = True,
        concurrency: int = 3,
        client: httpx.AsyncClient | None = None,
        retry: RetryPolicy | None = None,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.api_key = api_key.strip() if api_key else None
        self.timeout_seconds = timeout_seconds
        self.organizations_per_page = min(100, max(1, organizations_per_page))
        self.max_organization_pages = max(1, max_organization_pages)
        self.job_postings_per_page = min(100, max(1, job_postings_per_page))
        self.job_posting_pages = max(1, job_posting_pages)
        self.industry_keywords = industry_keywords
        self.concurrency = max(1, concurrency)
        self._client = client
        self.retry = retry or RetryPolicy()
        self._clock = clock

    @classmethod
    def from_settings(cls, get: Callable[[str], Any]) -> Self:
        return cls(api_key=get("apollo_api_key") or None, timeout_seconds=float(get("source_timeout_seconds")))

    async def check_connection(self) -> str:
        """The Settings page's test: ``GET /auth/health``, which costs no credits.

        Apollo answers ``{"healthy": true, "is_logged_in": true}`` for a key it accepts; ``is_logged_in``
        false (or a 401) means the key is refused. The same key serves enrichment's People Search, which
        this does not exercise (it would spend credits).
        """
        if not self.api_key:
            raise SourceError("config", "Apollo has no API key: set apollo_api_key in Settings")
        async with open_client(self._client, self.timeout_seconds) as client:
            api = JsonApi(client, timeout=self.timeout_seconds, retry=self.retry, headers=self._headers())
            payload = await api.request("GET", AUTH_HEALTH_URL)
        if not isinstance(payload, dict):
            raise SourceError("bad_response", f"unexpected answer: a JSON {type(payload).__name__}, not an object")
        if payload.get("is_logged_in") is False:
            raise SourceError("auth", "Apollo did not accept the key (is_logged_in: false)")
        return "key accepted by Apollo (auth/health; no credits used)"

    def _headers(self) -> dict[str, str]:
        return {
            "X-Api-Key": self.api_key or "",
            "Cache-Control": "no-cache",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }

    def search_params(self, criteria: SourcingCriteria, page: int) -> list[tuple[str, str | int]]:
        """Organization Search query parameters for one page."""
        today = self._clock().date()
        since = today - timedelta(days=criteria.posted_within_days)
        states = [s for s in criteria.target_states if s in US_STATE_NAMES]
        covers_us = not states or set(US_STATES) <= set(states)
        locations = ["United States"] if covers_us else [US_STATE_NAMES[s] for s in states]
        params: list[tuple[str, str | int]] = [("page", page), ("per_page", self.organizations_per_page)]
        params += [("q_organization_job_titles[]", title) for title in criteria.target_job_titles]
        params += [("organization_job_locations[]", location) for location in locations]
        params += [
            ("organization_job_posted_at_range[min]", since.isoformat()),
            ("organization_job_posted_at_range[max]", today.isoformat()),
        ]
        if self.industry_keywords:
            params += [("q_organization_keyword_tags[]", industry) for industry in criteria.industries]
        return params

    async def fetch(self, criteria: SourcingCriteria) -> FetchResult:
        if not self.api_key:
            raise SourceError("config", "Apollo has no API key: set apollo_api_key in Settings")
        if not criteria.target_job_titles:
            raise SourceError("config", "Apollo has nothing to search for: set target_job_titles in Settings")
        cutoff = self._clock() - timedelta(days=criteria.posted_within_days)
        ledger = FetchLedger(self.name)

        async with open_client(self._client, self.timeout_seconds) as client:
            api = JsonApi(client, timeout=self.timeout_seconds, retry=self.retry, headers=self._headers())
            organizations = await self._organizations(api, ledger, criteria)
            found = await self._job_postings(api, ledger, organizations, criteria, cutoff)
            requests = api.requests

        postings = unique_postings(p for index in sorted(found) for p in found[index])
        if criteria.max_results is not None:
            postings = postings[: criteria.max_results]
        return ledger.result(postings, requests)

    async def _organizations(
        self, api: JsonApi, ledger: FetchLedger, criteria: SourcingCriteria
    ) -> list[ApolloOrganization]:
        organizations: dict[str, ApolloOrganization] = {}
        for page in range(1, self.max_organization_pages + 1):
            label = f"apollo organization search page {page}"
            try:
                payload = await api.request("POST", ORGANIZATION_SEARCH_URL, params=self.search_params(criteria, page))
                batch, total_pages = _organizations_of(payload)
            except SourceError as exc:
                # Later pages are not asked for: the run goes on with the companies found so far.
                ledger.lost(label, exc)
                break
            # Not ledger.ok(): the source has fetched something only once a job-postings call succeeds.
            for organization in batch:
                organizations.setdefault(organization.id, organization)
            if not batch or (total_pages is not None and page >= total_pages):
                break
        return list(organizations.values())

    async def _job_postings(
        self,
        api: JsonApi,
        ledger: FetchLedger,
        organizations: list[ApolloOrganization],
        criteria: SourcingCriteria,
        cutoff: datetime,
    ) -> dict[tuple[int, int], list[JobPosting]]:
        found: dict[tuple[int, int], list[JobPosting]] = {}
        limit = asyncio.Semaphore(self.concurrency)

        def enough() -> bool:
            wanted = criteria.max_results
            return wanted is not None and len({p.external_id for ps in found.values() for p in ps}) >= wanted

        async def run(number: int, organization: ApolloOrganization) -> None:
            for page in range(1, self.job_posting_pages + 1):
                label = (
                    f"apollo organization {number}/{len(organizations)} ({organization.name}) job postings page {page}"
                )
                try:
                    async with limit:
                        # Checked once this request has its turn: others may have filled the cap or spent
                        # the credits meanwhile.
                        if enough():
                            return
                        if ledger.halted is not None:
                            ledger.not_sent(label)
                            return
                        payload = await api.request(
                            "GET",
                            job_postings_url(organization.id),
                            params={"page": page, "per_page": self.job_postings_per_page},
                        )
                    raw, total_pages = _job_postings_of(payload)
                except SourceError as exc:
                    ledger.lost(label, exc)
                    return
                ledger.ok()
                postings = (map_apollo_job_posting(item, organization) for item in raw)
                found[(number, page)] = [
                    p
                    for p in postings
                    if p is not None
                    and (not criteria.target_job_titles or matches_target(p.job_title, criteria.target_job_titles))
                    and (p.posted_at is None or p.posted_at >= cutoff)
                ]
                if not raw or total_pages is None or page >= total_pages:
                    return

        await asyncio.gather(*(run(number, org) for number, org in enumerate(organizations, start=1)))
        return found


def _pagination_total(payload: dict[str, Any]) -> int | None:
    pagination = payload.get("pagination")
    if not isinstance(pagination, dict):
        return None
    total = pagination.get("total_pages")
    return total if isinstance(total, int) else None


def _organizations_of(payload: Any) -> tuple[list[ApolloOrganization], int | None]:
    if not isinstance(payload, dict):
        raise SourceError("bad_response", f"unexpected answer: a JSON {type(payload).__name__}, not an object")
    organizations = payload.get("organizations")
    accounts = payload.get("accounts", [])
    if not isinstance(organizations, list) or not isinstance(accounts, list):
        raise SourceError("bad_response", "unexpected answer: no 'organizations' list")
    found: list[ApolloOrganization] = []
    # An account's own id is the CRM record's; the company's is its organization_id.
    for item, id_key in [(o, "id") for o in organizations] + [(a, "organization_id") for a in accounts]:
        if not isinstance(item, dict):
            continue
        organization_id = text_or_none(item.get(id_key))
        name = text_or_none(item.get("name"))
        if organization_id is None or name is None:
            continue
        industry = text_or_none(item.get("industry"))
        if industry is None and isinstance(item.get("industries"), list) and item["industries"]:
            industry = text_or_none(item["industries"][0])
        found.append(ApolloOrganization(id=organization_id, name=name, industry=industry))
    return found, _pagination_total(payload)


def _job_postings_of(payload: Any) -> tuple[list[dict[str, Any]], int | None]:
    if not isinstance(payload, dict) or not isinstance(payload.get("organization_job_postings"), list):
        raise SourceError("bad_response", "unexpected answer: no 'organization_job_postings' list")
    items = [item for item in payload["organization_job_postings"] if isinstance(item, dict)]
    return items, _pagination_total(payload)


def map_apollo_job_posting(item: dict[str, Any], organization: ApolloOrganization) -> JobPosting | None:
    """One ``organization_job_postings`` entry as a posting; None without id or title, or outside the US."""
    external_id = text_or_none(item.get("id"))
    title = text_or_none(item.get("title"))
    if external_id is None or title is None:
        return None
    country = item.get("country")
    if isinstance(country, str) and country.strip() and not is_us(country):
        return None
    try:
        return JobPosting(
            source="apollo",
            external_id=external_id,
            company_name=organization.name,
            job_title=title,
            city=text_or_none(item.get("city")),
            state=us_state_code(item.get("state")),
            country=country_code(country),
            job_link=text_or_none(item.get("url")),
            industry=organization.industry,
            posted_at=parse_timestamp(item.get("posted_at")),
        )
    except ValidationError:
        return None
