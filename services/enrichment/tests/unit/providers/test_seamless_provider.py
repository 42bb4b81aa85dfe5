import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx
from ra_contracts.defaults import DECISION_MAKER_TITLES
from ra_enrichment.providers.base import ContactCandidate, ContactProvider, ContactSearch
from ra_enrichment.providers.errors import ProviderError
from ra_enrichment.providers.seamless import (
    CONTACT_RESEARCH_URL,
    CONTACT_SEARCH_URL,
    RESEARCH_POLL_URL,
    SeamlessContactProvider,
)
from ra_runtime.http import RetryPolicy

Recorded = Callable[[str], Any]

ANGELA = "3f1c9a2e-7b4d-3e61-9a0f-5c2d8e7b1a40"
MARCUS = "8a2d4b6c-1e3f-3a57-b9c8-0d1e2f3a4b5c"
HANNAH = "c7e9f1a3-5b7d-3c9e-8f1a-2b4c6d8e0f12"
REQUEST_IDS = ["Rq7Hk2Lm9Np4Qs6Tv8Wx_", "Ab3Cd5Ef7Gh9Ij1Kl3Mn_", "Op5Qr7St9Uv1Wx3Yz5Ab_"]


def seamless(retry: RetryPolicy, **kwargs: Any) -> SeamlessContactProvider:
    return SeamlessContactProvider("test-key", retry=retry, poll_interval_seconds=3, **kwargs)


def mock_seamless(
    respx_mock: respx.MockRouter, recorded: Recorded, *polls: str
) -> tuple[respx.Route, respx.Route, respx.Route]:
    search = respx_mock.post(CONTACT_SEARCH_URL).respond(200, json=recorded("seamless/search_contacts.json"))
    research = respx_mock.post(CONTACT_RESEARCH_URL).respond(202, json=recorded("seamless/research_accepted.json"))
    poll = respx_mock.get(RESEARCH_POLL_URL).mock(
        side_effect=[httpx.Response(200, json=recorded(f"seamless/{name}.json")) for name in polls]
    )
    return search, research, poll


async def test_researched_people_at_the_company_become_candidates(
    respx_mock: respx.MockRouter,
    recorded: Recorded,
    retry: RetryPolicy,
    waits: list[float],
    summit_foods: ContactSearch,
) -> None:
    search, research, poll = mock_seamless(respx_mock, recorded, "poll_researching", "poll_done")

    found = await seamless(retry).search(summit_foods)

    # 19 titles, at most 10 a search: the first search found three Summit Foods people (and one at Summit
    # Health Partners, not kept), fewer than the 10 wanted, so the second batch was searched as well.
    bodies = [json.loads(call.request.content) for call in search.calls]
    assert [body["jobTitle"] for body in bodies] == [list(DECISION_MAKER_TITLES[:10]), list(DECISION_MAKER_TITLES[10:])]
    assert bodies[0] | {"jobTitle": None} == {
        "companyName": ["Summit Foods"],
        "limit": 25,
        "contactState": ["Ohio"],
        "jobTitle": None,
    }
    assert search.calls.last.request.headers["Token"] == "test-key"
    assert json.loads(research.calls.last.request.content) == {"searchResultIds": [ANGELA, MARCUS, HANNAH]}
    assert [call.request.url.params["requestIds"] for call in poll.calls] == [",".join(REQUEST_IDS)] * 2
    assert waits == [3, 3]  # one poll interval before each poll
    # Hannah's research came back "missing": no candidate.
    assert found == [
        ContactCandidate(
            first_name="Angela",
            last_name="Brooks",
            email="abrooks@summitfoods.example",
            phone="614.555.0163",
            title="Director of Human Resources",
            source="seamless",
            linkedin_url="https://www.linkedin.com/in/angela-brooks-hr",
        ),
        # A duplicate (researched before) with blanks: email1, the direct line and the search result fill in.
        ContactCandidate(
            first_name="Marcus",
            last_name="Delgado",
            email="mdelgado@summitfoods.example",
            phone="(614) 555-0188",
            title="Talent Acquisition Manager",
            source="seamless",
            linkedin_url="https://www.linkedin.com/in/marcusdelgado",
        ),
    ]
    assert isinstance(seamless(retry), ContactProvider)


async def test_enough_people_in_the_first_search_researches_only_the_limit(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy
) -> None:
    search, research, _ = mock_seamless(respx_mock, recorded, "poll_done")
    query = ContactSearch(company_name="Summit Foods Inc.", normalized_company="summit foods", limit=2)

    found = await seamless(retry).search(query)

    assert len(search.calls) == 1 and "contactState" not in json.loads(search.calls.last.request.content)
    assert json.loads(research.calls.last.request.content) == {"searchResultIds": [ANGELA, MARCUS]}
    assert [c.last_name for c in found] == ["Brooks", "Delgado"]


async def test_no_match_is_an_empty_answer_and_spends_no_credit(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy, summit_foods: ContactSearch
) -> None:
    search = respx_mock.post(CONTACT_SEARCH_URL).mock(
        side_effect=[
            httpx.Response(200, json=recorded("seamless/search_contacts_empty.json")),
            httpx.Response(200, json=recorded("seamless/search_contacts_other_companies.json")),
        ]
    )
    research = respx_mock.post(CONTACT_RESEARCH_URL)

    assert await seamless(retry).search(summit_foods) == []
    assert len(search.calls) == 2 and not research.called


async def test_missing_key_is_a_config_error(respx_mock: respx.MockRouter, summit_foods: ContactSearch) -> None:
    route = respx_mock.post(CONTACT_SEARCH_URL)

    with pytest.raises(ProviderError) as raised:
        await SeamlessContactProvider.from_settings({"seamless_api_key": None}.__getitem__).search(summit_foods)

    assert raised.value.kind == "config" and "set seamless_api_key in Settings" in raised.value.message
    assert not route.called


def test_from_settings_reads_the_key() -> None:
    assert SeamlessContactProvider.from_settings({"seamless_api_key": "live-key\n"}.__getitem__).api_key == "live-key"


async def test_a_refused_key_is_an_auth_error(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy, summit_foods: ContactSearch
) -> None:
    respx_mock.post(CONTACT_SEARCH_URL).respond(401, json=recorded("seamless/error_invalid_key_401.json"))

    with pytest.raises(ProviderError) as raised:
        await seamless(retry).search(summit_foods)

    assert (raised.value.kind, raised.value.message) == ("auth", "key refused (401): Invalid API key")


async def test_429_waits_for_the_rate_limit_reset_then_succeeds(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy, waits: list[float]
) -> None:
    query = ContactSearch(company_name="Summit Foods", normalized_company="summit foods", limit=3)
    limited = httpx.Response(
        429, json=recorded("seamless/error_rate_limit_429.json"), headers={"X-RateLimit-Reset": "5"}
    )
    respx_mock.post(CONTACT_SEARCH_URL).mock(
        side_effect=[limited, httpx.Response(200, json=recorded("seamless/search_contacts.json"))]
    )
    respx_mock.post(CONTACT_RESEARCH_URL).respond(202, json=recorded("seamless/research_accepted.json"))
    respx_mock.get(RESEARCH_POLL_URL).respond(200, json=recorded("seamless/poll_done.json"))

    found = await seamless(retry).search(query)

    assert waits == [5.0, 3]  # the reset Seamless asked for, then one poll interval
    assert [c.last_name for c in found] == ["Brooks", "Delgado"]


async def test_credits_exhausted_at_research_is_a_quota_error(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy, summit_foods: ContactSearch
) -> None:
    respx_mock.post(CONTACT_SEARCH_URL).respond(200, json=recorded("seamless/search_contacts.json"))
    research = respx_mock.post(CONTACT_RESEARCH_URL).respond(
        422, json=recorded("seamless/error_insufficient_credits_422.json")
    )
    poll = respx_mock.get(RESEARCH_POLL_URL)

    with pytest.raises(ProviderError) as raised:
        await seamless(retry).search(summit_foods)

    assert len(research.calls) == 1 and not poll.called
    assert raised.value.kind == "quota"
    assert raised.value.message == (
        "out of credits (422): Your organization does not have enough research credits for this request."
    )


async def test_research_refused_for_credits_is_a_quota_error(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy, summit_foods: ContactSearch
) -> None:
    mock_seamless(respx_mock, recorded, "poll_no_credits")

    with pytest.raises(ProviderError) as raised:
        await seamless(retry).search(summit_foods)

    assert (raised.value.kind, raised.value.message) == ("quota", "research refused: No license or credits available")


async def test_research_never_finishing_is_a_timeout(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy, summit_foods: ContactSearch
) -> None:
    _, _, poll = mock_seamless(respx_mock, recorded, *["poll_researching"] * 3)

    with pytest.raises(ProviderError) as raised:
        await seamless(retry, max_polls=3).search(summit_foods)

    assert len(poll.calls) == 3
    assert (raised.value.kind, raised.value.message) == ("timeout", "research of 3 contacts not finished after 3 polls")


async def test_search_timeouts_are_retried_then_reported(
    respx_mock: respx.MockRouter, retry: RetryPolicy, summit_foods: ContactSearch
) -> None:
    route = respx_mock.post(CONTACT_SEARCH_URL).mock(side_effect=httpx.ConnectTimeout("connect timed out"))

    with pytest.raises(ProviderError) as raised:
        await seamless(retry).search(summit_foods)

    assert len(route.calls) == 4
    assert (raised.value.kind, raised.value.message) == ("timeout", "timed out after 4 attempts")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("<html><body>502 Bad Gateway</body></html>", "malformed JSON (200)"),
        ('{"supplementalData": {"isMore": false}}', "no 'data' list"),
    ],
)
async def test_an_unusable_search_answer_is_a_bad_response(
    respx_mock: respx.MockRouter, retry: RetryPolicy, summit_foods: ContactSearch, body: str, expected: str
) -> None:
    respx_mock.post(CONTACT_SEARCH_URL).respond(200, text=body)

    with pytest.raises(ProviderError) as raised:
        await seamless(retry).search(summit_foods)

    assert raised.value.kind == "bad_response" and expected in raised.value.message


async def test_an_unusable_research_answer_is_a_bad_response(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy, summit_foods: ContactSearch
) -> None:
    respx_mock.post(CONTACT_SEARCH_URL).respond(200, json=recorded("seamless/search_contacts.json"))
    respx_mock.post(CONTACT_RESEARCH_URL).respond(202, json={"success": True})

    with pytest.raises(ProviderError) as raised:
        await seamless(retry).search(summit_foods)

    assert raised.value.kind == "bad_response" and "no 'requestIds' list" in raised.value.message
