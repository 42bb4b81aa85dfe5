"""JSearch (Google for Jobs via RapidAPI): ``GET https://jsearch.p.rapidapi.com/search``.

The SOP's optimisation: instead of one query per target title, titles are combined ``titles_per_query``
at a time with ``OR``. The 37 default titles at 4 a query make ceil(37 / 4) = 10 queries (nine of four
titles and one of one). The SOP's "9 queries instead of 37" is 37 // 4, which would need one query of
five titles; the setting caps a query at 4 titles because longer queries run into JSearch's timeouts, so
the cap wins and the last query is short. Each query fetches up to ``pages_per_query`` pages (``page`` =
1, 2, …, ``num_pages=1``: one request per page, so a lost page costs only its own ten results); a page
with no results ends its query. Queries run concurrently, ``concurrency`` requests in flight.

Location: JSearch has no filter for several states, so queries are national (``country=us``) and the
screening step drops postings in states that are not targeted. Only when exactly one state is targeted
is ``in <State>`` added to every query, which narrows results at no extra request.

The posting window becomes ``date_posted`` (``today`` for 1 day, ``3days``, ``week`` up to 7, ``month``
up to 30, else ``all``), and postings older than the window are dropped here as well, since ``month``
is wider than, say, a 14-day window.

Salaries are stored as JSearch gives them together with ``job_salary_currency`` (USD when absent: the
search is US-only). ``job_salary_period`` may be ``HOUR``/``MONTH``; :class:`JobPosting` has no period
field, so such amounts are stored unconverted (an hourly 28.0 stays 28.0) rather than guessed into a
yearly figure.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Self

import httpx
from pydantic import ValidationError
from ra_contracts.defaults import US_STATE_NAMES
from ra_runtime.http import RetryPolicy

from ra_sourcing.sources.base import FetchResult, JobPosting, SourceError, SourcingCriteria
from ra_sourcing.sources.http import (
    FetchLedger,
    JsonApi,
    amount_or_none,
    clip_description,
    country_code,
    employment_type_label,
    is_us,
    open_client,
    or_query,
    parse_timestamp,
    text_or_none,
    title_batches,
    unique_postings,
    us_state_code,
)

JSEARCH_URL = "https://jsearch.p.rapidapi.com/search"
JSEARCH_HOST = "jsearch.p.rapidapi.com"
#: What the connection test searches for.
CHECK_QUERY = "HR Manager"


def _utc_now() -> datetime:
    return datetime.now(UTC)


def date_posted_filter(days: int) -> str:
    """JSearch's ``date_posted`` value that covers a window of ``days`` days."""
    if days <= 1:
        return "today"
    if days <= 3:
        return "3days"
    if days <= 7:
        return "week"
    if days <= 30:
        return "month"
    return "all"


class JSearchSource:
    """Job postings from JSearch; see the module docstring for how queries are built."""

    name = "jsearch"

    def __init__(
        self,
        api_key: str | None,
        *,
        titles_per_query: int = 4,
        pages_per_query: int = 3,
        timeout_seconds: float = 30.0,
        concurrency: int = 3,
        client: httpx.AsyncClient | None = None,
        retry: RetryPolicy | None = None,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.api_key = api_key.strip() if api_key else None
        self.titles_per_query = max(1, titles_per_query)
        self.pages_per_query = max(1, pages_per_query)
        self.timeout_seconds = timeout_seconds
        self.concurrency = max(1, concurrency)
        self._client = client
        self.retry = retry or RetryPolicy()
        self._clock = clock

    @classmethod
    def from_settings(cls, get: Callable[[str], Any]) -> Self:
        return cls(
            api_key=get("jsearch_api_key") or None,
            titles_per_query=int(get("jsearch_titles_per_query")),
            pages_per_query=int(get("jsearch_pages_per_query")),
            timeout_seconds=float(get("source_timeout_seconds")),
        )

    async def check_connection(self) -> str:
        """The Settings page's test: the smallest real search (one title, today, one page).

        RapidAPI has no free call that proves a key works for JSearch, so this spends one request of the
        plan's quota. Raises :class:`SourceError` (``config`` without a key, before anything is sent).
        """
        if not self.api_key:
            raise SourceError("config", "JSearch has no API key: set jsearch_api_key in Settings")
        headers = {"X-RapidAPI-Key": self.api_key, "X-RapidAPI-Host": JSEARCH_HOST}
        params = {"query": CHECK_QUERY, "page": 1, "num_pages": 1, "date_posted": "today", "country": "us"}
        async with open_client(self._client, self.timeout_seconds) as client:
            api = JsonApi(client, timeout=self.timeout_seconds, retry=self.retry, headers=headers)
            jobs = _jobs_of(await api.request("GET", JSEARCH_URL, params=params))
        return f"key accepted: a one-page search found {len(jobs)} postings (one request of the plan's quota)"

    def queries(self, criteria: SourcingCriteria) -> list[str]:
        """The search queries one fetch sends, in order."""
        states = criteria.target_states
        where = f" in {US_STATE_NAMES[states[0]]}" if len(states) == 1 and states[0] in US_STATE_NAMES else ""
        return [or_query(batch) + where for batch in title_batches(criteria.target_job_titles, self.titles_per_query)]

    async def fetch(self, criteria: SourcingCriteria) -> FetchResult:
        if not self.api_key:
            raise SourceError("config", "JSearch has no API key: set jsearch_api_key in Settings")
        queries = self.queries(criteria)
        if not queries:
            raise SourceError("config", "JSearch has nothing to search for: set target_job_titles in Settings")
        cutoff = self._clock() - timedelta(days=criteria.posted_within_days)
        ledger = FetchLedger(self.name)
        found: dict[tuple[int, int], list[JobPosting]] = {}
        limit = asyncio.Semaphore(self.concurrency)
        headers = {"X-RapidAPI-Key": self.api_key, "X-RapidAPI-Host": JSEARCH_HOST}

        async with open_client(self._client, self.timeout_seconds) as client:
            api = JsonApi(client, timeout=self.timeout_seconds, retry=self.retry, headers=headers)

            def enough() -> bool:
                wanted = criteria.max_results
                return wanted is not None and len({p.external_id for ps in found.values() for p in ps}) >= wanted

            async def run_query(number: int, query: str) -> None:
                for page in range(1, self.pages_per_query + 1):
                    label = f"jsearch query {number}/{len(queries)} page {page}"
                    params = {
                        "query": query,
                        "page": page,
                        "num_pages": 1,
                        "date_posted": date_posted_filter(criteria.posted_within_days),
                        "country": "us",
                    }
                    try:
                        async with limit:
                            # Checked once this request has its turn: others may have filled the cap or spent
                            # the quota meanwhile.
                            if enough():
                                return
                            if ledger.halted is not None:
                                ledger.not_sent(label)
                                continue
                            payload = await api.request("GET", JSEARCH_URL, params=params)
                        jobs = _jobs_of(payload)
                    except SourceError as exc:
                        ledger.lost(label, exc)
                        why = None if ledger.halted is not None else f"page {page} failed"
                        for later in range(page + 1, self.pages_per_query + 1):
                            ledger.not_sent(f"jsearch query {number}/{len(queries)} page {later}", why)
                        return
                    ledger.ok()
                    postings = [p for p in map(map_jsearch_job, jobs) if p is not None]
                    found[(number, page)] = [p for p in postings if p.posted_at is None or p.posted_at >= cutoff]
                    if not jobs:
                        return

            await asyncio.gather(*(run_query(number, query) for number, query in enumerate(queries, start=1)))
            requests = api.requests

        postings = unique_postings(p for key in sorted(found) for p in found[key])
        if criteria.max_results is not None:
            postings = postings[: criteria.max_results]
        return ledger.result(postings, requests)


def _jobs_of(payload: Any) -> list[dict[str, Any]]:
    if not isinstance(payload, dict):
        raise SourceError("bad_response", f"unexpected answer: a JSON {type(payload).__name__}, not an object")
    if payload.get("status") == "ERROR":
        error = payload.get("error")
        message = error.get("message") if isinstance(error, dict) else error
        raise SourceError("bad_response", f"JSearch error: {message or 'no message'}")
    data = payload.get("data")
    if not isinstance(data, list):
        raise SourceError("bad_response", "unexpected answer: no 'data' list")
    return [job for job in data if isinstance(job, dict)]


def map_jsearch_job(job: dict[str, Any]) -> JobPosting | None:
    """One JSearch ``data`` entry as a posting; None for entries without employer, title or id."""
    company = text_or_none(job.get("employer_name"))
    title = text_or_none(job.get("job_title"))
    external_id = text_or_none(job.get("job_id"))
    if company is None or title is None or external_id is None:
        return None
    country = job.get("job_country")
    if isinstance(country, str) and country.strip() and not is_us(country):
        return None  # the search is US-only; a posting abroad is JSearch answering beyond the query
    salary_min = amount_or_none(job.get("job_min_salary"))
    salary_max = amount_or_none(job.get("job_max_salary"))
    has_salary = salary_min is not None or salary_max is not None
    posted_at = parse_timestamp(job.get("job_posted_at_datetime_utc")) or parse_timestamp(
        job.get("job_posted_at_timestamp")
    )
    try:
        return JobPosting(
            source="jsearch",
            external_id=external_id,
            company_name=company,
            job_title=title,
            city=text_or_none(job.get("job_city")),
            state=us_state_code(job.get("job_state")),
            country=country_code(country),
            job_link=text_or_none(job.get("job_apply_link")) or text_or_none(job.get("job_google_link")),
            salary_min=salary_min,
            salary_max=salary_max,
            salary_currency=(text_or_none(job.get("job_salary_currency")) or "USD") if has_salary else None,
            posted_at=posted_at,
            description=clip_description(job.get("job_description")),
            employment_type=employment_type_label(job.get("job_employment_type")),
        )
    except ValidationError:
        return None
