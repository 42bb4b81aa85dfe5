import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from ra_sourcing.sources.base import SourceError, SourcingCriteria
from ra_sourcing.sources.jobspy_source import DEFAULT_SITES, JobSpySource

HR_AND_PLANT = ["HR Manager", "HR Director", "Plant Manager", "Operations Manager"]


class RecordedScrape:
    """Stands in for ``jobspy.scrape_jobs``: answers from a recorded CSV of its real column layout.

    A search gets the recorded rows of the boards it names whose title contains one of its titles.
    """

    def __init__(self, csv: Path) -> None:
        self.frame = pd.read_csv(csv)
        # A real frame holds datetime.date objects (and NaT for unknown dates), not text.
        self.frame["date_posted"] = pd.to_datetime(self.frame["date_posted"]).dt.date
        self.calls: list[dict[str, Any]] = []
        self.board_errors: dict[str, str] = {}
        self._lock = threading.Lock()

    def __call__(self, **kwargs: Any) -> pd.DataFrame:
        with self._lock:
            self.calls.append(kwargs)
        titles = [title.lower() for title in kwargs["search_term"].split(" OR ")]
        wanted = self.frame["site"].isin(kwargs["site_name"]) & self.frame["title"].map(
            lambda title: any(t in title.lower() for t in titles)
        )
        answer = self.frame[wanted & ~self.frame["site"].isin(list(self.board_errors))].reset_index(drop=True)
        answer.attrs = {"errors": dict(self.board_errors), "warnings": {}}
        return answer


@pytest.fixture
def scrape(fixture_path: Callable[[str], Path]) -> RecordedScrape:
    return RecordedScrape(fixture_path("jobspy/scrape_jobs.csv"))


@pytest.fixture
def release() -> Iterator[threading.Event]:
    """Lets a blocked fake search finish once the test is over (a thread cannot be cancelled)."""
    event = threading.Event()
    yield event
    event.set()


def source(scrape: Callable[..., Any], clock: Callable[[], datetime], **kwargs: Any) -> JobSpySource:
    return JobSpySource(scrape=scrape, clock=clock, **kwargs)


async def test_maps_recorded_rows(scrape: RecordedScrape, clock) -> None:
    result = await source(scrape, clock).fetch(SourcingCriteria())

    assert result.errors == [] and result.requests == 10
    # Dropped: a row without company, a plant in Canada, a posting from January.
    assert sorted(p.job_title for p in result.postings) == [
        "EHS Manager",
        "HR Manager",
        "Logistics Manager",
        "Maintenance Manager",
        "Plant Manager",
        "Transportation Manager",
        "Warehouse Manager",
        "Warehouse Supervisor - 2nd Shift",
    ]
    by_title = {p.job_title: p for p in result.postings}

    plant = by_title["Plant Manager"]
    assert (plant.source, plant.sources, plant.external_id) == ("jobspy", ["jobspy"], "indeed:in-5e409e577046a1b2")
    assert (plant.company_name, plant.city, plant.state, plant.country) == (
        "Keystone Precision Components",
        "Dallas",
        "TX",
        "US",
    )
    assert plant.job_link == "https://careers.keystoneprecision.com/jobs/4101"  # the employer's own page
    assert (plant.salary_min, plant.salary_max, plant.salary_currency) == (125000.0, 150000.0, "USD")
    assert plant.industry == "Industrial Machinery Manufacturing"
    assert plant.posted_at == datetime(2026, 2, 26, tzinfo=UTC)
    assert plant.employment_type == "Full-time"
    assert plant.contact_email == "hr@keystoneprecision.com"
    assert plant.description and plant.description.startswith("**Plant Manager**")

    hourly = by_title["Warehouse Supervisor - 2nd Shift"]
    assert (hourly.salary_min, hourly.salary_max) == (24.5, 29.0)
    hr = by_title["HR Manager"]
    assert hr.external_id == "linkedin:li-4129876501" and hr.job_link == "https://www.linkedin.com/jobs/view/4129876501"
    assert hr.salary_min is None and hr.salary_currency is None and hr.description is None
    state_only = by_title["Logistics Manager"]
    assert (state_only.city, state_only.state) == (None, "TX")
    assert by_title["Transportation Manager"].employment_type == "Full-time"  # "fulltime, contract"
    remote = by_title["Warehouse Manager"]
    assert (remote.city, remote.state, remote.posted_at, remote.employment_type) == (None, None, None, None)
    assert remote.external_id == "google:go-UmVkc3RvbmVXaHNl"


async def test_one_search_per_four_titles_over_every_board(scrape: RecordedScrape, clock) -> None:
    await source(scrape, clock, results_per_search=25).fetch(SourcingCriteria(posted_within_days=14))

    assert len(scrape.calls) == 10
    batches = [call["search_term"].split(" OR ") for call in scrape.calls]
    assert sorted(len(batch) for batch in batches) == [1] + [4] * 9
    for call in scrape.calls:
        assert call["site_name"] == list(DEFAULT_SITES)
        assert (call["location"], call["country_indeed"]) == ("United States", "USA")
        assert (call["results_wanted"], call["hours_old"]) == (25, 14 * 24)
        assert call["google_search_term"] == f"{call['search_term']} jobs in the United States in the last month"


async def test_google_search_term_only_when_google_is_scraped(scrape: RecordedScrape, clock) -> None:
    await source(scrape, clock, sites=["indeed", "linkedin"]).fetch(SourcingCriteria(target_job_titles=HR_AND_PLANT))

    [call] = scrape.calls
    assert call["site_name"] == ["indeed", "linkedin"] and "google_search_term" not in call


async def test_at_most_two_searches_run_at_once(scrape: RecordedScrape, clock) -> None:
    running = peak = 0
    lock = threading.Lock()

    def slow_scrape(**kwargs: Any) -> pd.DataFrame:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.01)
        with lock:
            running -= 1
        return scrape(**kwargs)

    result = await source(slow_scrape, clock).fetch(SourcingCriteria())

    assert result.requests == 10 and peak == 2


async def test_an_empty_answer_is_an_empty_result(clock) -> None:
    empty = pd.DataFrame(columns=["id", "site", "job_url", "title", "company", "location", "date_posted"])

    result = await source(lambda **_: empty, clock).fetch(SourcingCriteria(target_job_titles=HR_AND_PLANT))

    assert result.postings == [] and result.errors == [] and result.requests == 1


async def test_a_failing_search_is_an_error_not_a_failed_source(scrape: RecordedScrape, clock) -> None:
    def flaky(**kwargs: Any) -> pd.DataFrame:
        if kwargs["search_term"].startswith("HR Manager"):
            raise ConnectionError("Connection reset by peer")
        return scrape(**kwargs)

    result = await source(flaky, clock).fetch(SourcingCriteria())

    assert result.errors == ["jobspy search 1/10: failed: ConnectionError: Connection reset by peer"]
    assert len(result.postings) == 7 and "HR Manager" not in {p.job_title for p in result.postings}


async def test_a_search_past_its_timeout_is_given_up(scrape: RecordedScrape, clock, release: threading.Event) -> None:
    def stuck_on_hr(**kwargs: Any) -> pd.DataFrame:
        if kwargs["search_term"].startswith("HR Manager"):
            release.wait(5)
        return scrape(**kwargs)

    result = await source(stuck_on_hr, clock, search_timeout_seconds=0.05).fetch(SourcingCriteria())

    assert result.errors == ["jobspy search 1/10: timed out after 0.05 s"]
    assert len(result.postings) == 7


async def test_boards_jobspy_reports_as_failed_are_errors(scrape: RecordedScrape, clock) -> None:
    scrape.board_errors = {"linkedin": "response status code 429 (blocked: use a proxy)"}

    result = await source(scrape, clock).fetch(SourcingCriteria(target_job_titles=HR_AND_PLANT))

    assert result.errors == ["jobspy search 1/1 (linkedin): response status code 429 (blocked: use a proxy)"]
    assert [p.external_id for p in result.postings] == ["indeed:in-5e409e577046a1b2"]


async def test_every_search_failing_fails_the_source(scrape: RecordedScrape, clock, release: threading.Event) -> None:
    def broken(**kwargs: Any) -> pd.DataFrame:
        raise RuntimeError("Glassdoor: no CSRF token")

    with pytest.raises(SourceError) as raised:
        await source(broken, clock).fetch(SourcingCriteria(target_job_titles=HR_AND_PLANT * 2))
    assert raised.value.kind == "unavailable"
    assert raised.value.message == (
        "jobspy search 1/2: failed: RuntimeError: Glassdoor: no CSRF token (no request succeeded, 2 lost)"
    )

    def stuck(**kwargs: Any) -> pd.DataFrame:
        release.wait(5)
        return scrape(**kwargs)

    with pytest.raises(SourceError) as raised:
        await source(stuck, clock, search_timeout_seconds=0.02).fetch(SourcingCriteria(target_job_titles=HR_AND_PLANT))
    assert raised.value.kind == "timeout"

    scrape.board_errors = dict.fromkeys(["indeed", "linkedin"], "response status code 403")
    with pytest.raises(SourceError) as raised:
        await source(scrape, clock, sites=["indeed", "linkedin"]).fetch(
            SourcingCriteria(target_job_titles=HR_AND_PLANT)
        )
    assert raised.value.kind == "unavailable" and "(indeed): response status code 403" in raised.value.message


async def test_something_else_than_a_dataframe_is_a_bad_response(scrape: RecordedScrape, clock) -> None:
    with pytest.raises(SourceError) as raised:
        await source(lambda **_: [{"title": "HR Manager"}], clock).fetch(
            SourcingCriteria(target_job_titles=HR_AND_PLANT)
        )

    assert raised.value.kind == "bad_response" and "returned a list" in raised.value.message


async def test_max_results_caps_postings_and_searches(scrape: RecordedScrape, clock) -> None:
    result = await source(scrape, clock, concurrency=1).fetch(SourcingCriteria(max_results=2))

    assert len(result.postings) == 2
    assert result.requests == len(scrape.calls) == 2  # HR found one, Plant/Operations the second


def test_from_settings_reads_the_live_values() -> None:
    values = {
        "jobspy_sites": ["indeed", "zip_recruiter"],
        "jobspy_results_per_search": 50,
        "source_timeout_seconds": 20,
    }
    built = JobSpySource.from_settings(values.__getitem__)
    assert (built.sites, built.results_per_search, built.search_timeout_seconds) == (
        ["indeed", "zip_recruiter"],
        50,
        200.0,
    )
