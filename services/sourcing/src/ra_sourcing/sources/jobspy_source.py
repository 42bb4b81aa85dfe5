"""JobSpy (``python-jobspy``): key-free scraping of Indeed, LinkedIn, Glassdoor, ZipRecruiter and Google.

One search per batch of ``titles_per_search`` target titles joined with ``OR`` (as for JSearch: 37
titles make ten searches), each over every configured board, nationwide (``location="United States"``,
``country_indeed="USA"``), ``results_wanted`` per board and ``hours_old`` = 24 × the posting window.
Google Jobs only reads ``google_search_term``, so it gets the same titles in Google's phrasing.

``scrape_jobs`` blocks, so each search runs in a worker thread, at most ``concurrency`` at once, and is
given up after ``search_timeout_seconds`` (ten times the per-request timeout in Settings). A thread
cannot be cancelled: a search given up on finishes in the background and its rows are dropped. A search
that raises or times out, and a board JobSpy reports as failed (``DataFrame.attrs["errors"]``), is one
entry in ``FetchResult.errors``; the source fails only when every search failed.

Rows map to postings with ``source="jobspy"`` and ``external_id="<site>:<JobSpy id>"``; the board is
visible in the id only (``sources`` stays ``["jobspy"]``). JobSpy's ``location`` is one text
("Dallas, TX, USA"), split here into city and state. Salaries are stored as given, whatever their
``interval`` (hourly amounts stay hourly). The first address in ``emails`` (found in the description)
pre-fills the contact email. Empty cells (NaN, NaT, None) become None.
"""

from __future__ import annotations

import asyncio
import importlib.util
import math
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Self

from pydantic import ValidationError

from ra_sourcing.sources.base import FetchResult, JobPosting, SourceError, SourcingCriteria
from ra_sourcing.sources.http import (
    FetchLedger,
    amount_or_none,
    clip_description,
    employment_type_label,
    is_us,
    or_query,
    parse_timestamp,
    text_or_none,
    title_batches,
    unique_postings,
    us_state_code,
)

DEFAULT_SITES: tuple[str, ...] = ("indeed", "linkedin", "glassdoor", "zip_recruiter", "google")

#: ``scrape_jobs``'s signature: keyword arguments in, a pandas DataFrame out.
ScrapeJobs = Callable[..., Any]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _scrape_jobs(**kwargs: Any) -> Any:
    # Imported on first use: jobspy pulls in its scrapers (about a second) and only this source needs it.
    from jobspy import scrape_jobs

    return scrape_jobs(**kwargs)


def _google_window(days: int) -> str:
    if days <= 1:
        return "since yesterday"
    if days <= 3:
        return "in the last 3 days"
    if days <= 7:
        return "in the last week"
    return "in the last month"


class JobSpySource:
    """Postings scraped by JobSpy; see the module docstring."""

    name = "jobspy"

    def __init__(
        self,
        *,
        sites: Sequence[str] = DEFAULT_SITES,
        results_per_search: int = 30,
        titles_per_search: int = 4,
        search_timeout_seconds: float = 300.0,
        concurrency: int = 2,
        scrape: ScrapeJobs | None = None,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.sites = [site for site in sites if site]
        self.results_per_search = max(1, results_per_search)
        self.titles_per_search = max(1, titles_per_search)
        self.search_timeout_seconds = search_timeout_seconds
        self.concurrency = max(1, concurrency)
        self._scrape = scrape or _scrape_jobs
        self._clock = clock

    @classmethod
    def from_settings(cls, get: Callable[[str], Any]) -> Self:
        return cls(
            sites=list(get("jobspy_sites")),
            results_per_search=int(get("jobspy_results_per_search")),
            search_timeout_seconds=10 * float(get("source_timeout_seconds")),
        )

    def searches(self, criteria: SourcingCriteria) -> list[dict[str, Any]]:
        """The keyword arguments of every ``scrape_jobs`` call one fetch makes, in order."""
        searches = []
        for batch in title_batches(criteria.target_job_titles, self.titles_per_search):
            term = or_query(batch)
            kwargs: dict[str, Any] = {
                "site_name": list(self.sites),
                "search_term": term,
                "location": "United States",
                "results_wanted": self.results_per_search,
                "hours_old": 24 * criteria.posted_within_days,
                "country_indeed": "USA",
                "verbose": 0,
            }
            if "google" in self.sites:
                kwargs["google_search_term"] = (
                    f"{term} jobs in the United States {_google_window(criteria.posted_within_days)}"
                )
            searches.append(kwargs)
        return searches

    async def check_connection(self) -> str:
        """The Settings page's test of a key-free source: nothing is scraped (one search takes minutes and
        boards throttle scrapers), so "ok" means the adapter was built from Settings, has boards to scrape
        and can load JobSpy (``python-jobspy``, imported on first use otherwise)."""
        if not self.sites:
            raise SourceError("config", "JobSpy has no job boards to scrape: set jobspy_sites in Settings")
        if self._scrape is _scrape_jobs and importlib.util.find_spec("jobspy") is None:
            raise SourceError("config", "JobSpy is not installed in the sourcing service (python-jobspy)")
        return (
            f"JobSpy needs no key: the adapter is ready to scrape {', '.join(self.sites)}; "
            "nothing was scraped (a search takes minutes and boards throttle scrapers)"
        )

    async def fetch(self, criteria: SourcingCriteria) -> FetchResult:
        if not self.sites:
            raise SourceError("config", "JobSpy has no job boards to scrape: set jobspy_sites in Settings")
        searches = self.searches(criteria)
        if not searches:
            raise SourceError("config", "JobSpy has nothing to search for: set target_job_titles in Settings")
        earliest = (self._clock() - timedelta(days=criteria.posted_within_days)).date()
        ledger = FetchLedger(self.name)
        found: dict[int, list[JobPosting]] = {}
        limit = asyncio.Semaphore(self.concurrency)
        started = 0

        def enough() -> bool:
            wanted = criteria.max_results
            return wanted is not None and len({p.external_id for ps in found.values() for p in ps}) >= wanted

        async def run(number: int, kwargs: dict[str, Any]) -> None:
            nonlocal started
            label = f"jobspy search {number}/{len(searches)}"
            async with limit:
                if enough():
                    return
                started += 1
                try:
                    frame = await asyncio.wait_for(
                        asyncio.to_thread(self._scrape, **kwargs), timeout=self.search_timeout_seconds
                    )
                except TimeoutError:
                    ledger.lost(label, SourceError("timeout", f"timed out after {self.search_timeout_seconds:g} s"))
                    return
                except Exception as exc:  # a scraper can fail in any way; it costs this search only
                    ledger.lost(label, SourceError("unavailable", f"failed: {type(exc).__name__}: {exc}"[:300]))
                    return
            rows = _rows_of(frame)
            if rows is None:
                ledger.lost(label, SourceError("bad_response", f"scrape_jobs returned a {type(frame).__name__}"))
                return
            board_errors = _board_errors(frame)
            for site, message in board_errors.items():
                ledger.lost(f"{label} ({site})", SourceError("unavailable", message))
            if not rows and board_errors and set(board_errors) >= set(kwargs["site_name"]):
                return  # every board failed: the search failed (its errors are recorded above)
            ledger.ok()
            postings = (map_jobspy_row(row) for row in rows)
            found[number] = [
                p for p in postings if p is not None and (p.posted_at is None or p.posted_at.date() >= earliest)
            ]

        await asyncio.gather(*(run(number, kwargs) for number, kwargs in enumerate(searches, start=1)))
        postings = unique_postings(p for number in sorted(found) for p in found[number])
        if criteria.max_results is not None:
            postings = postings[: criteria.max_results]
        return ledger.result(postings, started)


def _rows_of(frame: Any) -> list[dict[str, Any]] | None:
    to_dict = getattr(frame, "to_dict", None)
    if not callable(to_dict) or not hasattr(frame, "columns"):
        return None
    rows = to_dict("records")
    return [row for row in rows if isinstance(row, dict)] if isinstance(rows, list) else None


def _board_errors(frame: Any) -> dict[str, str]:
    attrs = getattr(frame, "attrs", None)
    errors = attrs.get("errors") if isinstance(attrs, dict) else None
    if not isinstance(errors, dict):
        return {}
    return {str(site): str(message)[:300] for site, message in errors.items() if message}


def _cell(row: dict[str, Any], column: str) -> Any:
    """The value of a DataFrame cell, None for every pandas spelling of "empty"."""
    value = row.get(column)
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    # pandas.NA and NaT: compared with anything they are not True; avoid importing pandas for that.
    if type(value).__name__ in ("NAType", "NaTType"):
        return None
    return value


def _location(text: str | None) -> tuple[str | None, str | None, bool]:
    """``"Dallas, TX, USA"`` -> ``("Dallas", "TX", True)``; the flag is False for a place abroad."""
    if not text:
        return None, None, True
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if parts and is_us(parts[-1]):
        parts.pop()
    elif len(parts) >= 2 and us_state_code(parts[-1]) is None:
        return None, None, False  # "Toronto, ON, Canada"
    state = us_state_code(parts[-1]) if parts else None
    if state is not None:
        parts.pop()
    city = parts[0] if parts and parts[0].lower() not in ("remote", "anywhere") else None
    return city, state, True


def map_jobspy_row(row: dict[str, Any]) -> JobPosting | None:
    """One row of ``scrape_jobs``'s DataFrame as a posting; None without company, title or a US place."""
    site = text_or_none(_cell(row, "site"))
    company = text_or_none(_cell(row, "company"))
    title = text_or_none(_cell(row, "title"))
    job_url = text_or_none(_cell(row, "job_url"))
    job_id = text_or_none(_cell(row, "id")) or job_url
    if site is None or company is None or title is None or job_id is None:
        return None
    city, state, in_us = _location(text_or_none(_cell(row, "location")))
    if not in_us:
        return None
    salary_min = amount_or_none(_cell(row, "min_amount"))
    salary_max = amount_or_none(_cell(row, "max_amount"))
    has_salary = salary_min is not None or salary_max is not None
    emails = text_or_none(_cell(row, "emails"))
    try:
        return JobPosting(
            source="jobspy",
            external_id=f"{site}:{job_id}",
            company_name=company,
            job_title=title,
            city=city,
            state=state,
            country="US",
            job_link=text_or_none(_cell(row, "job_url_direct")) or job_url,
            salary_min=salary_min,
            salary_max=salary_max,
            salary_currency=(text_or_none(_cell(row, "currency")) or "USD") if has_salary else None,
            industry=text_or_none(_cell(row, "company_industry")),
            posted_at=parse_timestamp(_cell(row, "date_posted")),
            description=clip_description(_cell(row, "description")),
            employment_type=employment_type_label(_cell(row, "job_type")),
            contact_email=emails.split(",")[0].strip() if emails else None,
        )
    except ValidationError:
        return None
