import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import respx
from ra_runtime.http import RetryPolicy
from ra_sourcing.sources.apollo import ORGANIZATION_SEARCH_URL, ApolloJobSource
from ra_sourcing.sources.base import SourceError, SourcingCriteria

Recorded = Callable[[str], Any]

KEYSTONE = "e5ef1a5144e7df9203f4ab7a"
GREAT_LAKES = "ae7f06088c7edc94a6c0df81"
RIVERBEND = "0bd551b149e414f682e099f7"
CASCADE = "8f5466d46bc304926a3ad782"
NORTHSTAR = "2881cad9389f559944e353b9"  # found as an account (already in the team's CRM)
ALL_ORGANIZATIONS = (KEYSTONE, GREAT_LAKES, RIVERBEND, CASCADE, NORTHSTAR)
POSTINGS_PATTERN = r"https://api\.apollo\.io/api/v1/organizations/(?P<org>[0-9a-f]+)/job_postings"


def source(retry: RetryPolicy, clock: Callable[[], datetime], **kwargs: Any) -> ApolloJobSource:
    return ApolloJobSource("test-key", retry=retry, clock=clock, **{"organizations_per_page": 3, **kwargs})


def search_pages(recorded: Recorded) -> Callable[[httpx.Request], httpx.Response]:
    def answer(request: httpx.Request) -> httpx.Response:
        page = request.url.params["page"]
        return httpx.Response(200, json=recorded(f"apollo/organization_search_page{page}.json"))

    return answer


def recorded_postings(recorded: Recorded) -> Callable[[httpx.Request, str], httpx.Response]:
    def answer(request: httpx.Request, org: str) -> httpx.Response:
        return httpx.Response(200, json=recorded(f"apollo/job_postings_{org}.json"))

    return answer


def mock_apollo(respx_mock: respx.MockRouter, recorded: Recorded) -> tuple[respx.Route, respx.Route]:
    search = respx_mock.post(ORGANIZATION_SEARCH_URL).mock(side_effect=search_pages(recorded))
    postings = respx_mock.get(url__regex=POSTINGS_PATTERN).mock(side_effect=recorded_postings(recorded))
    return search, postings


async def test_postings_of_companies_hiring_for_target_titles(
    respx_mock: respx.MockRouter, recorded: Recorded, retry, clock
) -> None:
    search, postings_route = mock_apollo(respx_mock, recorded)

    result = await source(retry, clock).fetch(SourcingCriteria())

    assert result.errors == []
    assert result.requests == len(search.calls) + len(postings_route.calls) == 2 + 5
    assert {call.request.url.path.split("/")[-2] for call in postings_route.calls} == set(ALL_ORGANIZATIONS)
    assert postings_route.calls.last.request.headers["X-Api-Key"] == "test-key"
    # Kept: targeted titles, in the US, inside 30 days. Dropped: CNC Programmer, Software Engineer,
    # Plant Manager in Mexico, a Warehouse Supervisor from December, Forklift Operator, Registered Nurse.
    assert sorted(p.job_title for p in result.postings) == [
        "Director of Nursing",
        "Fleet Manager",
        "HR Manager",
        "Nurse Manager - ICU",
        "Production Supervisor - 2nd Shift",
        "Safety Manager",
        "Transportation Manager",
        "Warehouse Manager",
    ]
    hr = next(p for p in result.postings if p.job_title == "HR Manager")
    assert hr.source == "apollo" and hr.sources == ["apollo"]
    assert (hr.company_name, hr.industry) == ("Keystone Precision Components", "machinery")
    assert (hr.city, hr.state, hr.country) == ("Dallas", "TX", "US")
    assert hr.job_link == "https://www.linkedin.com/jobs/view/hr-manager-at-keystone-precision-components-4129876501"
    assert hr.posted_at == datetime(2026, 2, 24, 7, 9, 57, 751000, tzinfo=UTC)
    assert hr.external_id == recorded(f"apollo/job_postings_{KEYSTONE}.json")["organization_job_postings"][0]["id"]
    # The documented job posting carries no contact, so none is made up.
    assert all(p.contact_email is None and p.contact_first_name is None for p in result.postings)
    undated = next(p for p in result.postings if p.job_title == "Nurse Manager - ICU")
    assert undated.posted_at is None
    fleet = next(p for p in result.postings if p.job_title == "Fleet Manager")
    assert (fleet.company_name, fleet.state, fleet.industry) == (
        "Northstar Freight Lines",
        None,
        "transportation/trucking/railroad",
    )


async def test_organization_search_filters_and_pagination(
    respx_mock: respx.MockRouter, recorded: Recorded, retry, clock
) -> None:
    search, _ = mock_apollo(respx_mock, recorded)
    criteria = SourcingCriteria(
        target_job_titles=["HR Manager", "Plant Manager"],
        target_states=["TX", "OH"],
        industries=["Manufacturing"],
        posted_within_days=14,
    )

    await source(retry, clock, max_organization_pages=5).fetch(criteria)

    # total_pages is 2: the third page is never asked for.
    assert [call.request.url.params["page"] for call in search.calls] == ["1", "2"]
    first = search.calls[0].request
    assert first.method == "POST" and first.headers["X-Api-Key"] == "test-key"
    params = first.url.params
    assert params["per_page"] == "3"
    assert params.get_list("q_organization_job_titles[]") == ["HR Manager", "Plant Manager"]
    assert params.get_list("organization_job_locations[]") == ["Texas", "Ohio"]
    assert params["organization_job_posted_at_range[min]"] == "2026-02-15"
    assert params["organization_job_posted_at_range[max]"] == "2026-03-01"
    assert params.get_list("q_organization_keyword_tags[]") == ["Manufacturing"]
    everywhere = ApolloJobSource("k", clock=clock).search_params(SourcingCriteria(), 1)
    assert ("organization_job_locations[]", "United States") in everywhere


async def test_organization_pages_are_bounded(respx_mock: respx.MockRouter, recorded: Recorded, retry, clock) -> None:
    search, postings_route = mock_apollo(respx_mock, recorded)

    await source(retry, clock, max_organization_pages=1).fetch(SourcingCriteria())

    assert len(search.calls) == 1 and len(postings_route.calls) == 3


async def test_no_company_found_is_an_empty_result(
    respx_mock: respx.MockRouter, recorded: Recorded, retry, clock
) -> None:
    search = respx_mock.post(ORGANIZATION_SEARCH_URL).respond(
        200, json=recorded("apollo/organization_search_empty.json")
    )

    result = await source(retry, clock).fetch(SourcingCriteria())

    assert result.postings == [] and result.errors == [] and result.requests == 1
    assert len(search.calls) == 1


async def test_max_results_stops_asking_for_more_postings(
    respx_mock: respx.MockRouter, recorded: Recorded, retry, clock
) -> None:
    respx_mock.post(ORGANIZATION_SEARCH_URL).mock(side_effect=search_pages(recorded))
    answer = recorded_postings(recorded)

    async def answer_later(request: httpx.Request, org: str) -> httpx.Response:
        await asyncio.sleep(0)  # the others get their turn, as on a real network
        return answer(request, org)

    postings_route = respx_mock.get(url__regex=POSTINGS_PATTERN).mock(side_effect=answer_later)

    result = await source(retry, clock, concurrency=2).fetch(SourcingCriteria(max_results=3))

    assert [p.job_title for p in result.postings] == [
        "HR Manager",
        "Production Supervisor - 2nd Shift",
        "Warehouse Manager",
    ]
    assert len(postings_route.calls) == 2  # the first two companies gave enough; three more were not asked


async def test_missing_key_is_a_config_error(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.post(ORGANIZATION_SEARCH_URL)

    with pytest.raises(SourceError) as raised:
        await ApolloJobSource(None).fetch(SourcingCriteria())

    assert raised.value.kind == "config" and "set apollo_api_key in Settings" in raised.value.message
    assert not route.called


def test_from_settings_reads_the_live_values() -> None:
    values = {"apollo_api_key": " live-key ", "source_timeout_seconds": 45}
    built = ApolloJobSource.from_settings(values.__getitem__)
    assert (built.api_key, built.timeout_seconds) == ("live-key", 45.0)


async def test_a_refused_key_fails_the_source(respx_mock: respx.MockRouter, recorded: Recorded, retry, clock) -> None:
    respx_mock.post(ORGANIZATION_SEARCH_URL).respond(401, json=recorded("apollo/error_invalid_key_401.json"))

    with pytest.raises(SourceError) as raised:
        await source(retry, clock).fetch(SourcingCriteria())

    assert raised.value.kind == "auth"
    assert raised.value.message == "apollo organization search page 1: key refused (401): Invalid access credentials."


async def test_429_is_retried_then_succeeds(
    respx_mock: respx.MockRouter, recorded: Recorded, retry, clock, waits: list[float]
) -> None:
    respx_mock.post(ORGANIZATION_SEARCH_URL).mock(
        side_effect=[
            httpx.Response(429, json=recorded("apollo/error_rate_limit_429.json"), headers={"Retry-After": "1"}),
            httpx.Response(200, json=recorded("apollo/organization_search_page1.json")),
        ]
    )
    respx_mock.get(url__regex=POSTINGS_PATTERN).mock(side_effect=recorded_postings(recorded))

    result = await source(retry, clock, max_organization_pages=1).fetch(SourcingCriteria())

    assert waits == [1.0]
    assert result.errors == [] and len(result.postings) == 5 and result.requests == 2 + 3


async def test_hourly_limit_is_a_spent_quota_with_the_providers_message(
    respx_mock: respx.MockRouter, recorded: Recorded, retry, clock
) -> None:
    search = respx_mock.post(ORGANIZATION_SEARCH_URL).respond(429, json=recorded("apollo/error_hourly_limit_429.json"))

    with pytest.raises(SourceError) as raised:
        await source(retry, clock).fetch(SourcingCriteria())

    assert len(search.calls) == 1
    assert raised.value.kind == "quota"
    assert "is 400 times per hour. Please upgrade your plan" in raised.value.message


async def test_429_forever_is_rate_limited_after_every_attempt(
    respx_mock: respx.MockRouter, recorded: Recorded, retry, clock
) -> None:
    search = respx_mock.post(ORGANIZATION_SEARCH_URL).respond(429, json=recorded("apollo/error_rate_limit_429.json"))

    with pytest.raises(SourceError) as raised:
        await source(retry, clock).fetch(SourcingCriteria())

    assert len(search.calls) == 4
    assert raised.value.kind == "rate_limited"
    assert raised.value.message.startswith("apollo organization search page 1: rate limited (429) after 4 attempts")
    assert "50 times per minute" in raised.value.message


async def test_credits_running_out_midway_keep_the_postings_already_fetched(
    respx_mock: respx.MockRouter, recorded: Recorded, retry, clock
) -> None:
    respx_mock.post(ORGANIZATION_SEARCH_URL).mock(side_effect=search_pages(recorded))
    served = 0

    def postings(request: httpx.Request, org: str) -> httpx.Response:
        nonlocal served
        served += 1
        if served > 2:
            return httpx.Response(422, json=recorded("apollo/error_insufficient_credits_422.json"))
        return httpx.Response(200, json=recorded(f"apollo/job_postings_{org}.json"))

    respx_mock.get(url__regex=POSTINGS_PATTERN).mock(side_effect=postings)

    result = await source(retry, clock, concurrency=1).fetch(SourcingCriteria())

    assert [p.company_name for p in result.postings] == ["Keystone Precision Components"] * 2 + [
        "Great Lakes Cold Storage"
    ]
    assert result.errors == [
        "apollo organization 3/5 (Riverbend Regional Medical Center) job postings page 1: out of credits (422): "
        "You have insufficient credits to perform this action. Please purchase more credits or upgrade your plan.",
        "apollo organization 4/5 (Cascade Building Materials) job postings page 1: not sent, "
        "quota exhausted earlier in this run",
        "apollo organization 5/5 (Northstar Freight Lines) job postings page 1: not sent, "
        "quota exhausted earlier in this run",
    ]


async def test_no_credits_at_all_is_a_quota_error(
    respx_mock: respx.MockRouter, recorded: Recorded, retry, clock
) -> None:
    respx_mock.post(ORGANIZATION_SEARCH_URL).respond(422, json=recorded("apollo/error_insufficient_credits_422.json"))

    with pytest.raises(SourceError) as raised:
        await source(retry, clock).fetch(SourcingCriteria())

    assert raised.value.kind == "quota" and "insufficient credits" in raised.value.message


async def test_timeouts_are_retried_then_reported(respx_mock: respx.MockRouter, retry, clock) -> None:
    search = respx_mock.post(ORGANIZATION_SEARCH_URL).mock(side_effect=httpx.ReadTimeout("read timed out"))

    with pytest.raises(SourceError) as raised:
        await source(retry, clock).fetch(SourcingCriteria())

    assert len(search.calls) == 4
    assert raised.value.kind == "timeout"
    assert raised.value.message == "apollo organization search page 1: timed out after 4 attempts"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("<!DOCTYPE html><title>Apollo</title>", "malformed JSON (200)"),
        ('{"pagination": {"page": 1}}', "no 'organizations' list"),
    ],
)
async def test_an_unusable_search_answer_is_a_bad_response(
    respx_mock: respx.MockRouter, retry, clock, body: str, expected: str
) -> None:
    respx_mock.post(ORGANIZATION_SEARCH_URL).respond(200, text=body)

    with pytest.raises(SourceError) as raised:
        await source(retry, clock).fetch(SourcingCriteria())

    assert raised.value.kind == "bad_response" and expected in raised.value.message


async def test_one_company_failing_costs_only_its_postings(
    respx_mock: respx.MockRouter, recorded: Recorded, retry, clock
) -> None:
    respx_mock.post(ORGANIZATION_SEARCH_URL).mock(side_effect=search_pages(recorded))

    def postings(request: httpx.Request, org: str) -> httpx.Response:
        if org == RIVERBEND:
            return httpx.Response(200, text='{"organization_job_postings": "none"}')
        if org == CASCADE:
            return httpx.Response(502, text="Bad Gateway")
        return httpx.Response(200, json=recorded(f"apollo/job_postings_{org}.json"))

    respx_mock.get(url__regex=POSTINGS_PATTERN).mock(side_effect=postings)

    result = await source(retry, clock).fetch(SourcingCriteria())

    assert {p.company_name for p in result.postings} == {
        "Keystone Precision Components",
        "Great Lakes Cold Storage",
        "Northstar Freight Lines",
    }
    assert result.errors == [
        "apollo organization 3/5 (Riverbend Regional Medical Center) job postings page 1: "
        "unexpected answer: no 'organization_job_postings' list",
        "apollo organization 4/5 (Cascade Building Materials) job postings page 1: "
        "server error (502) after 4 attempts: Bad Gateway",
    ]
