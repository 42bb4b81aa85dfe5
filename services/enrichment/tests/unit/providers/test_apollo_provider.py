import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx
from ra_contracts.defaults import DECISION_MAKER_TITLES
from ra_enrichment.providers.apollo import PEOPLE_SEARCH_URL, ApolloContactProvider
from ra_enrichment.providers.base import ContactCandidate, ContactProvider, ContactSearch
from ra_enrichment.providers.errors import ProviderError
from ra_runtime.http import RetryPolicy

Recorded = Callable[[str], Any]


def apollo(retry: RetryPolicy) -> ApolloContactProvider:
    return ApolloContactProvider("test-key", retry=retry)


async def test_people_at_the_company_become_candidates(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy, summit_foods: ContactSearch
) -> None:
    route = respx_mock.post(PEOPLE_SEARCH_URL).respond(200, json=recorded("apollo/people_search.json"))

    found = await apollo(retry).search(summit_foods)

    request = route.calls.last.request
    assert request.headers["X-Api-Key"] == "test-key"
    assert json.loads(request.content) == {
        "q_organization_name": "Summit Foods",
        "person_titles": list(DECISION_MAKER_TITLES),
        "person_locations": ["Columbus, Ohio"],
        "page": 1,
        "per_page": 10,
    }
    # The saved contact first, listed once although Apollo names her twice; Robert Chen (Summit Health
    # Partners) and Dana (no last name) are not kept.
    assert found == [
        ContactCandidate(
            first_name="Linda",
            last_name="Okafor",
            email="linda.okafor@summitfoods.example",
            phone="+16145550177",
            title="Senior Recruiter",
            source="apollo",
            linkedin_url="http://www.linkedin.com/in/linda-okafor-4b1a2",
        ),
        ContactCandidate(
            first_name="Maria",
            last_name="Garcia",
            email="maria.garcia@summitfoods.example",
            phone="+16145550142",
            title="HR Manager",
            source="apollo",
            linkedin_url="http://www.linkedin.com/in/maria-garcia-hr",
        ),
        ContactCandidate(
            first_name="James",
            last_name="Whitfield",
            email=None,
            title="Director of Talent Acquisition",
            source="apollo",
            linkedin_url="http://www.linkedin.com/in/jameswhitfield",
        ),
        ContactCandidate(first_name="Priya", last_name="Natarajan", title="Plant Manager", source="apollo"),
    ]
    assert isinstance(apollo(retry), ContactProvider)


async def test_locked_emails_are_no_email(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy, summit_foods: ContactSearch
) -> None:
    respx_mock.post(PEOPLE_SEARCH_URL).respond(200, json=recorded("apollo/people_search.json"))

    found = await apollo(retry).search(summit_foods)

    assert all(c.email is None or "email_not_unlocked" not in c.email for c in found)
    assert next(c for c in found if c.last_name == "Whitfield").email is None


async def test_the_limit_caps_the_page_and_the_answer(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy
) -> None:
    route = respx_mock.post(PEOPLE_SEARCH_URL).respond(200, json=recorded("apollo/people_search.json"))
    query = ContactSearch(company_name="Summit Foods", normalized_company="summit foods", state="OH", limit=2)

    found = await apollo(retry).search(query)

    body = json.loads(route.calls.last.request.content)
    assert (body["per_page"], body["person_locations"]) == (2, ["Ohio"])
    assert [c.last_name for c in found] == ["Okafor", "Garcia"]


async def test_no_match_is_an_empty_answer(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy
) -> None:
    route = respx_mock.post(PEOPLE_SEARCH_URL).respond(200, json=recorded("apollo/people_search_empty.json"))
    query = ContactSearch(company_name="Quiet Pines Bakery", normalized_company="quiet pines bakery")

    assert await apollo(retry).search(query) == []
    assert "person_locations" not in json.loads(route.calls.last.request.content)


async def test_people_of_other_companies_only_is_an_empty_answer(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy
) -> None:
    respx_mock.post(PEOPLE_SEARCH_URL).respond(200, json=recorded("apollo/people_search.json"))
    query = ContactSearch(company_name="Summitview Foods LLC", normalized_company="summitview foods")

    assert await apollo(retry).search(query) == []


async def test_missing_key_is_a_config_error(respx_mock: respx.MockRouter, summit_foods: ContactSearch) -> None:
    route = respx_mock.post(PEOPLE_SEARCH_URL)

    with pytest.raises(ProviderError) as raised:
        await ApolloContactProvider.from_settings({"apollo_api_key": ""}.__getitem__).search(summit_foods)

    assert raised.value.kind == "config" and "set apollo_api_key in Settings" in raised.value.message
    assert not route.called


def test_from_settings_reads_the_key() -> None:
    assert ApolloContactProvider.from_settings({"apollo_api_key": " live-key "}.__getitem__).api_key == "live-key"


async def test_a_refused_key_is_an_auth_error(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy, summit_foods: ContactSearch
) -> None:
    route = respx_mock.post(PEOPLE_SEARCH_URL).respond(401, json=recorded("apollo/error_invalid_key_401.json"))

    with pytest.raises(ProviderError) as raised:
        await apollo(retry).search(summit_foods)

    assert len(route.calls) == 1
    assert (raised.value.kind, raised.value.message) == ("auth", "key refused (401): Invalid access credentials.")


async def test_429_is_retried_then_succeeds(
    respx_mock: respx.MockRouter,
    recorded: Recorded,
    retry: RetryPolicy,
    waits: list[float],
    summit_foods: ContactSearch,
) -> None:
    route = respx_mock.post(PEOPLE_SEARCH_URL).mock(
        side_effect=[
            httpx.Response(429, json=recorded("apollo/error_rate_limit_429.json"), headers={"Retry-After": "2"}),
            httpx.Response(429, json=recorded("apollo/error_rate_limit_429.json")),
            httpx.Response(200, json=recorded("apollo/people_search.json")),
        ]
    )

    found = await apollo(retry).search(summit_foods)

    assert len(route.calls) == 3 and waits == [2.0, 0.02]
    assert len(found) == 4


async def test_429_forever_is_rate_limited(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy, summit_foods: ContactSearch
) -> None:
    route = respx_mock.post(PEOPLE_SEARCH_URL).respond(429, json=recorded("apollo/error_rate_limit_429.json"))

    with pytest.raises(ProviderError) as raised:
        await apollo(retry).search(summit_foods)

    assert len(route.calls) == 4 and raised.value.kind == "rate_limited"
    assert "200 times per minute" in raised.value.message


async def test_spent_credits_are_a_quota_error_without_retrying(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy, summit_foods: ContactSearch
) -> None:
    route = respx_mock.post(PEOPLE_SEARCH_URL).respond(422, json=recorded("apollo/error_insufficient_credits_422.json"))

    with pytest.raises(ProviderError) as raised:
        await apollo(retry).search(summit_foods)

    assert len(route.calls) == 1
    assert raised.value.kind == "quota" and "insufficient credits" in raised.value.message


async def test_timeouts_are_retried_then_reported(
    respx_mock: respx.MockRouter, retry: RetryPolicy, summit_foods: ContactSearch
) -> None:
    route = respx_mock.post(PEOPLE_SEARCH_URL).mock(side_effect=httpx.ReadTimeout("read timed out"))

    with pytest.raises(ProviderError) as raised:
        await apollo(retry).search(summit_foods)

    assert len(route.calls) == 4
    assert (raised.value.kind, raised.value.message) == ("timeout", "timed out after 4 attempts")


async def test_server_errors_are_retried_then_unavailable(
    respx_mock: respx.MockRouter, retry: RetryPolicy, summit_foods: ContactSearch
) -> None:
    route = respx_mock.post(PEOPLE_SEARCH_URL).respond(503, text="Service Unavailable")

    with pytest.raises(ProviderError) as raised:
        await apollo(retry).search(summit_foods)

    assert len(route.calls) == 4 and raised.value.kind == "unavailable"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("<!DOCTYPE html><title>Apollo</title>", "malformed JSON (200)"),
        ('{"pagination": {"page": 1}}', "no 'people' list"),
        ("[]", "a JSON list, not an object"),
    ],
)
async def test_an_unusable_answer_is_a_bad_response(
    respx_mock: respx.MockRouter, retry: RetryPolicy, summit_foods: ContactSearch, body: str, expected: str
) -> None:
    respx_mock.post(PEOPLE_SEARCH_URL).respond(200, text=body)

    with pytest.raises(ProviderError) as raised:
        await apollo(retry).search(summit_foods)

    assert raised.value.kind == "bad_response" and expected in raised.value.message
