import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import respx
from ra_contracts.defaults import TARGET_JOB_TITLES
from ra_runtime.http import RetryPolicy
from ra_sourcing.sources.base import SourceError, SourcingCriteria
from ra_sourcing.sources.http import MAX_DESCRIPTION_CHARS
from ra_sourcing.sources.jsearch import JSEARCH_URL, JSearchSource, date_posted_filter

HR_TITLES = ["HR Manager", "HR Director", "HR Generalist", "HR Business Partner"]
PAGES = {1: "jsearch/search_page1.json", 2: "jsearch/search_page2.json", 3: "jsearch/search_page3.json"}

Recorded = Callable[[str], Any]


def source(retry: RetryPolicy, clock: Callable[[], datetime], **kwargs: Any) -> JSearchSource:
    return JSearchSource("test-key", retry=retry, clock=clock, **{"pages_per_query": 1, **kwargs})


def pages_by_number(recorded: Recorded) -> Callable[[httpx.Request], httpx.Response]:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=recorded(PAGES[int(request.url.params["page"])]))

    return answer


def yielding(answer: Callable[[httpx.Request], httpx.Response]) -> Callable[[httpx.Request], Any]:
    """The same answers, but each request gives way to the others first, as on a real network."""

    async def answer_later(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0)
        return answer(request)

    return answer_later


async def test_maps_a_recorded_page(respx_mock: respx.MockRouter, recorded: Recorded, retry, clock) -> None:
    route = respx_mock.get(JSEARCH_URL).respond(200, json=recorded("jsearch/search_page1.json"))

    result = await source(retry, clock).fetch(SourcingCriteria(target_job_titles=HR_TITLES))

    request = route.calls.last.request
    assert request.headers["X-RapidAPI-Key"] == "test-key"
    assert request.headers["X-RapidAPI-Host"] == "jsearch.p.rapidapi.com"
    assert dict(request.url.params) == {
        "query": "HR Manager OR HR Director OR HR Generalist OR HR Business Partner",
        "page": "1",
        "num_pages": "1",
        "date_posted": "month",
        "country": "us",
    }
    assert result.errors == [] and result.requests == 1
    # 10 recorded: one without employer is skipped, one posted 48 days ago is outside the window.
    by_company = {p.company_name: p for p in result.postings}
    assert len(result.postings) == 8
    assert "Ironwood Fabrication" not in by_company

    keystone = by_company["Keystone Precision Components"]
    assert keystone.source == "jsearch" and keystone.sources == ["jsearch"]
    assert keystone.external_id == recorded("jsearch/search_page1.json")["data"][0]["job_id"]
    assert (keystone.job_title, keystone.city, keystone.state, keystone.country) == ("HR Manager", "Dallas", "TX", "US")
    assert keystone.job_link == "https://careers.keystoneprecision.com/jobs/4101-hr-manager"
    assert (keystone.salary_min, keystone.salary_max, keystone.salary_currency) == (85000, 105000, "USD")
    assert keystone.posted_at == datetime(2026, 2, 26, 14, 5, tzinfo=UTC)
    assert keystone.employment_type == "Full-time"
    assert keystone.description and keystone.description.startswith("Keystone Precision Components is looking")
    assert keystone.contact_email is None

    hourly = by_company["Riverbend Regional Medical Center"]
    assert hourly.state == "TN"  # older answers give the code, newer the name
    assert (hourly.salary_min, hourly.salary_max) == (28, 34)  # an hourly rate is stored as given
    remote = by_company["Magnolia Senior Living"]
    assert remote.state is None and remote.city is None
    no_apply_link = by_company["Prairie Grain Cooperative"]
    assert no_apply_link.job_link and no_apply_link.job_link.startswith("https://www.google.com/search?")
    assert no_apply_link.employment_type == "Part-time" and no_apply_link.salary_min is None
    assert no_apply_link.salary_currency is None
    assert by_company["Harbor Foods"].employment_type == "Contract"


async def test_long_descriptions_are_cut(respx_mock: respx.MockRouter, recorded: Recorded, retry, clock) -> None:
    page = recorded("jsearch/search_page1.json")
    page["data"][0]["job_description"] = "Lead the plant. " * 3000
    respx_mock.get(JSEARCH_URL).respond(200, json=page)

    result = await source(retry, clock).fetch(SourcingCriteria(target_job_titles=HR_TITLES))

    description = result.postings[0].description
    assert description is not None and MAX_DESCRIPTION_CHARS <= len(description) <= MAX_DESCRIPTION_CHARS + 2


async def test_37_titles_make_10_queries_of_at_most_4_titles_and_3_pages_each(
    respx_mock: respx.MockRouter, recorded: Recorded, retry, clock
) -> None:
    route = respx_mock.get(JSEARCH_URL).mock(side_effect=pages_by_number(recorded))

    result = await source(retry, clock, pages_per_query=3).fetch(SourcingCriteria())

    assert len(TARGET_JOB_TITLES) == 37
    params = [call.request.url.params for call in route.calls]
    queries = list(dict.fromkeys(p["query"] for p in params))
    assert len(queries) == 10 and len(route.calls) == 30 and result.requests == 30
    batches = [query.split(" OR ") for query in queries]
    assert [len(batch) for batch in batches] == [4] * 9 + [1]
    assert [title for batch in batches for title in batch] == list(TARGET_JOB_TITLES)
    for query in queries:
        assert sorted(int(p["page"]) for p in params if p["query"] == query) == [1, 2, 3]
    assert {(p["num_pages"], p["date_posted"], p["country"]) for p in params} == {("1", "month", "us")}
    # Every query got the same recorded pages: each job is returned once.
    assert len(result.postings) == len({p.external_id for p in result.postings}) == 8 + 10 + 4
    assert result.errors == []


async def test_an_empty_page_ends_its_query(respx_mock: respx.MockRouter, recorded: Recorded, retry, clock) -> None:
    route = respx_mock.get(JSEARCH_URL).respond(200, json=recorded("jsearch/search_empty.json"))

    result = await source(retry, clock, pages_per_query=3).fetch(SourcingCriteria(target_job_titles=HR_TITLES * 2))

    # Eight titles: two queries, each stopped after its empty first page.
    assert len(route.calls) == 2 and result.requests == 2
    assert result.postings == [] and result.errors == []


async def test_requests_stay_within_the_concurrency_limit(recorded: Recorded, retry, clock) -> None:
    in_flight = peak = 0

    async def answer(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.005)
        in_flight -= 1
        return httpx.Response(200, json=recorded("jsearch/search_page1.json"))

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as client:
        result = await source(retry, clock, client=client, concurrency=3).fetch(SourcingCriteria())

    assert result.requests == 10 and peak == 3


def test_posting_window_becomes_date_posted() -> None:
    assert [date_posted_filter(days) for days in (1, 2, 3, 5, 7, 14, 30, 60)] == [
        "today",
        "3days",
        "3days",
        "week",
        "week",
        "month",
        "month",
        "all",
    ]


async def test_a_single_targeted_state_narrows_every_query(
    respx_mock: respx.MockRouter, recorded: Recorded, retry, clock
) -> None:
    route = respx_mock.get(JSEARCH_URL).respond(200, json=recorded("jsearch/search_empty.json"))
    criteria = SourcingCriteria(target_job_titles=HR_TITLES, target_states=["tx"], posted_within_days=7)

    await source(retry, clock).fetch(criteria)

    params = route.calls.last.request.url.params
    assert params["query"].endswith(" in Texas") and params["date_posted"] == "week"
    assert JSearchSource("k").queries(SourcingCriteria(target_job_titles=HR_TITLES, target_states=["TX", "OK"])) == [
        "HR Manager OR HR Director OR HR Generalist OR HR Business Partner"
    ]


async def test_max_results_caps_postings_and_stops_asking(
    respx_mock: respx.MockRouter, recorded: Recorded, retry, clock
) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        # Each query gets jobs of its own, so none is a duplicate of another query's.
        page = recorded(PAGES[int(request.url.params["page"])])
        for job in page["data"]:
            job["job_id"] += request.url.params["query"][:10]
        return httpx.Response(200, json=page)

    route = respx_mock.get(JSEARCH_URL).mock(side_effect=yielding(answer))

    result = await source(retry, clock, pages_per_query=3, concurrency=2).fetch(SourcingCriteria(max_results=20))

    assert len(result.postings) == 20
    # Pages 1 of four queries (8 postings kept each) passed the cap; the other 26 requests were not sent.
    assert [c.request.url.params["page"] for c in route.calls] == ["1"] * 4
    assert result.requests == 4


async def test_missing_key_is_a_config_error_without_any_request(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(JSEARCH_URL)

    with pytest.raises(SourceError) as raised:
        await JSearchSource(api_key="").fetch(SourcingCriteria())

    assert raised.value.kind == "config" and "set jsearch_api_key in Settings" in raised.value.message
    assert not route.called


def test_from_settings_reads_the_live_values() -> None:
    values = {
        "jsearch_api_key": "live-key",
        "jsearch_titles_per_query": 5,
        "jsearch_pages_per_query": 2,
        "source_timeout_seconds": 12,
    }
    built = JSearchSource.from_settings(values.__getitem__)
    assert (built.api_key, built.titles_per_query, built.pages_per_query, built.timeout_seconds) == (
        "live-key",
        5,
        2,
        12.0,
    )
    assert JSearchSource.from_settings({**values, "jsearch_api_key": ""}.__getitem__).api_key is None


@pytest.mark.parametrize(
    ("status", "fixture"),
    [(401, "jsearch/error_invalid_key_401.json"), (403, "jsearch/error_not_subscribed_403.json")],
)
async def test_a_refused_key_fails_the_source(
    respx_mock: respx.MockRouter, recorded: Recorded, retry, clock, status: int, fixture: str
) -> None:
    route = respx_mock.get(JSEARCH_URL).respond(status, json=recorded(fixture))

    with pytest.raises(SourceError) as raised:
        await source(retry, clock, concurrency=1).fetch(SourcingCriteria())

    assert raised.value.kind == "auth"
    assert f"key refused ({status})" in raised.value.message
    assert recorded(fixture)["message"] in raised.value.message
    assert len(route.calls) == 1  # the other nine queries were not sent with a refused key


async def test_429_is_retried_after_the_time_retry_after_asks(
    respx_mock: respx.MockRouter, recorded: Recorded, retry, clock, waits: list[float]
) -> None:
    route = respx_mock.get(JSEARCH_URL).mock(
        side_effect=[
            httpx.Response(429, json=recorded("jsearch/error_rate_limit_429.json"), headers={"Retry-After": "2"}),
            httpx.Response(429, json=recorded("jsearch/error_rate_limit_429.json")),
            httpx.Response(200, json=recorded("jsearch/search_page1.json")),
        ]
    )

    result = await source(retry, clock).fetch(SourcingCriteria(target_job_titles=HR_TITLES))

    assert len(route.calls) == 3 and result.requests == 3
    assert waits[0] == 2.0 and 0 < waits[1] <= 0.02  # Retry-After first, then the backoff
    assert len(result.postings) == 8 and result.errors == []


async def test_429_that_never_clears_is_rate_limited_after_every_attempt(
    respx_mock: respx.MockRouter, recorded: Recorded, retry, clock
) -> None:
    route = respx_mock.get(JSEARCH_URL).respond(429, json=recorded("jsearch/error_rate_limit_429.json"))

    with pytest.raises(SourceError) as raised:
        await source(retry, clock).fetch(SourcingCriteria(target_job_titles=HR_TITLES))

    assert len(route.calls) == 4
    assert raised.value.kind == "rate_limited"
    assert raised.value.message.startswith("jsearch query 1/1 page 1: rate limited (429) after 4 attempts: ")
    assert "rate limit per second" in raised.value.message


async def test_spent_quota_is_not_retried_and_surfaces_the_providers_message(
    respx_mock: respx.MockRouter, recorded: Recorded, retry, clock
) -> None:
    route = respx_mock.get(JSEARCH_URL).respond(429, json=recorded("jsearch/error_quota_429.json"))

    with pytest.raises(SourceError) as raised:
        await source(retry, clock, concurrency=1).fetch(SourcingCriteria())

    assert len(route.calls) == 1  # the other queries would only fail the same way
    assert raised.value.kind == "quota"
    assert "exceeded the MONTHLY quota for Requests" in raised.value.message
    assert raised.value.message.endswith("(no request succeeded, 10 lost)")


async def test_quota_spent_midway_keeps_what_was_fetched(
    respx_mock: respx.MockRouter, recorded: Recorded, retry, clock
) -> None:
    respx_mock.get(JSEARCH_URL).mock(
        side_effect=[
            httpx.Response(200, json=recorded("jsearch/search_page1.json")),
            httpx.Response(200, json=recorded("jsearch/search_page2.json")),
            httpx.Response(429, json=recorded("jsearch/error_quota_429.json")),
        ]
    )

    result = await source(retry, clock, concurrency=1).fetch(SourcingCriteria())

    assert len(result.postings) == 18 and result.requests == 3
    assert len(result.errors) == 8  # queries 3-10, one page each
    assert result.errors[0].startswith("jsearch query 3/10 page 1: quota exhausted (429): You have exceeded")
    assert result.errors[1] == "jsearch query 4/10 page 1: not sent, quota exhausted earlier in this run"


async def test_timeouts_are_retried_then_reported(respx_mock: respx.MockRouter, retry, clock) -> None:
    route = respx_mock.get(JSEARCH_URL).mock(side_effect=httpx.ReadTimeout("read timed out"))

    with pytest.raises(SourceError) as raised:
        await source(retry, clock).fetch(SourcingCriteria(target_job_titles=HR_TITLES))

    assert len(route.calls) == 4
    assert raised.value.kind == "timeout"
    assert raised.value.message == "jsearch query 1/1 page 1: timed out after 4 attempts"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("<html><body>502 Bad Gateway</body></html>", "malformed JSON (200)"),
        ('{"status": "OK", "data": {"job_id": "x"}}', "no 'data' list"),
        ('{"status": "ERROR", "error": {"message": "Invalid query", "code": 400}}', "JSearch error: Invalid query"),
    ],
)
async def test_an_unusable_answer_is_a_bad_response(
    respx_mock: respx.MockRouter, retry, clock, body: str, expected: str
) -> None:
    respx_mock.get(JSEARCH_URL).respond(200, text=body)

    with pytest.raises(SourceError) as raised:
        await source(retry, clock).fetch(SourcingCriteria(target_job_titles=HR_TITLES))

    assert raised.value.kind == "bad_response" and expected in raised.value.message


async def test_lost_queries_are_errors_next_to_the_postings_of_the_others(
    respx_mock: respx.MockRouter, recorded: Recorded, retry, clock
) -> None:
    third_query = " OR ".join(TARGET_JOB_TITLES[8:12])

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.params["query"] == third_query:
            return httpx.Response(503, json={"message": "Service Unavailable"})
        return pages_by_number(recorded)(request)

    respx_mock.get(JSEARCH_URL).mock(side_effect=answer)

    result = await source(retry, clock, pages_per_query=3).fetch(SourcingCriteria())

    assert len(result.postings) == 22
    assert result.errors == [
        "jsearch query 3/10 page 1: server error (503) after 4 attempts: Service Unavailable",
        "jsearch query 3/10 page 2: not sent, page 1 failed",
        "jsearch query 3/10 page 3: not sent, page 1 failed",
    ]
    assert result.requests == 9 * 3 + 4


async def test_a_dropped_connection_is_retried_then_unavailable(respx_mock: respx.MockRouter, retry, clock) -> None:
    route = respx_mock.get(JSEARCH_URL).mock(side_effect=httpx.ConnectError("connection refused"))

    with pytest.raises(SourceError) as raised:
        await source(retry, clock).fetch(SourcingCriteria(target_job_titles=HR_TITLES))

    assert len(route.calls) == 4 and raised.value.kind == "unavailable"
    assert raised.value.message.startswith("jsearch query 1/1 page 1: connection failed after 4 attempts")


async def test_a_retry_after_longer_than_the_policy_allows_is_not_waited_for(
    respx_mock: respx.MockRouter, recorded: Recorded, retry, clock, waits: list[float]
) -> None:
    route = respx_mock.get(JSEARCH_URL).respond(
        429, json=recorded("jsearch/error_rate_limit_429.json"), headers={"Retry-After": "3600"}
    )

    with pytest.raises(SourceError) as raised:
        await source(retry, clock).fetch(SourcingCriteria(target_job_titles=HR_TITLES))

    assert len(route.calls) == 1 and waits == []
    assert raised.value.kind == "rate_limited" and "asked to wait 3600 s" in raised.value.message
