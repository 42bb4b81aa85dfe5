"""The Settings page's "Test" button for the job sources: the cheapest authenticated call per source,
answered with recorded responses, and how its outcome becomes the test's status."""

from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx
from ra_contracts.providers import ProviderTestResult
from ra_contracts.settings import SETTINGS
from ra_runtime.provider_tests import run_provider_check
from ra_sourcing.sources.apollo import AUTH_HEALTH_URL
from ra_sourcing.sources.checks import SOURCE_CHECKS
from ra_sourcing.sources.jsearch import CHECK_QUERY, JSEARCH_URL

Recorded = Callable[[str], Any]
KEY = "rapid-key-0001"


def settings(**values: Any) -> Callable[[str], Any]:
    return lambda key: values[key] if key in values else SETTINGS[key].default


async def run_check(provider: str, get: Callable[[str], Any]) -> ProviderTestResult:
    return await run_provider_check(provider, lambda: SOURCE_CHECKS[provider](get), secrets=[KEY])


async def test_jsearch_ok_is_one_small_search(respx_mock: respx.MockRouter, recorded: Recorded) -> None:
    route = respx_mock.get(JSEARCH_URL).respond(200, json=recorded("jsearch/search_page1.json"))

    result = await run_check("jsearch", settings(jsearch_api_key=KEY))

    assert (result.ok, result.status) == (True, "ok")
    assert "found 10 postings" in result.detail and KEY not in result.detail
    request = route.calls.last.request
    assert request.headers["X-RapidAPI-Key"] == KEY
    assert dict(request.url.params) == {
        "query": CHECK_QUERY,
        "page": "1",
        "num_pages": "1",
        "date_posted": "today",
        "country": "us",
    }


@pytest.mark.parametrize(
    ("status", "answer", "expected"),
    [
        (401, "jsearch/error_invalid_key_401.json", "auth"),
        (403, "jsearch/error_not_subscribed_403.json", "auth"),
        (429, "jsearch/error_rate_limit_429.json", "rate_limited"),
        (429, "jsearch/error_quota_429.json", "rate_limited"),
    ],
)
async def test_jsearch_refusals(
    status: int, answer: str, expected: str, respx_mock: respx.MockRouter, recorded: Recorded
) -> None:
    route = respx_mock.get(JSEARCH_URL).respond(status, json=recorded(answer))
    result = await run_check("jsearch", settings(jsearch_api_key=KEY))
    assert (result.ok, result.status) == (False, expected), result.detail
    assert route.call_count == 1  # asked once: a person is waiting


async def test_jsearch_timeout(respx_mock: respx.MockRouter) -> None:
    respx_mock.get(JSEARCH_URL).mock(side_effect=httpx.ConnectTimeout("slow"))
    result = await run_check("jsearch", settings(jsearch_api_key=KEY))
    assert (result.ok, result.status) == (False, "timeout")


@pytest.mark.parametrize("provider", ["jsearch", "apollo"])
async def test_no_key_is_not_configured_without_a_request(provider: str, respx_mock: respx.MockRouter) -> None:
    result = await run_check(provider, settings())
    assert (result.ok, result.status) == (False, "not_configured")
    assert f"{provider}_api_key" in result.detail
    assert not respx_mock.calls


async def test_apollo_ok_is_auth_health(respx_mock: respx.MockRouter, recorded: Recorded) -> None:
    route = respx_mock.get(AUTH_HEALTH_URL).respond(200, json=recorded("apollo/auth_health.json"))
    result = await run_check("apollo", settings(apollo_api_key=KEY))
    assert (result.ok, result.status) == (True, "ok")
    assert "no credits used" in result.detail
    assert route.calls.last.request.headers["X-Api-Key"] == KEY


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (401, "apollo/error_invalid_key_401.json", "auth"),
        (200, {"healthy": True, "is_logged_in": False}, "auth"),
        (429, "apollo/error_rate_limit_429.json", "rate_limited"),
        (503, {"error": "maintenance"}, "unreachable"),
    ],
)
async def test_apollo_refusals(
    status: int, body: Any, expected: str, respx_mock: respx.MockRouter, recorded: Recorded
) -> None:
    respx_mock.get(AUTH_HEALTH_URL).respond(status, json=recorded(body) if isinstance(body, str) else body)
    result = await run_check("apollo", settings(apollo_api_key=KEY))
    assert (result.ok, result.status) == (False, expected), result.detail


async def test_apollo_timeout(respx_mock: respx.MockRouter) -> None:
    respx_mock.get(AUTH_HEALTH_URL).mock(side_effect=httpx.ReadTimeout("slow"))
    assert (await run_check("apollo", settings(apollo_api_key=KEY))).status == "timeout"


async def test_jobspy_is_ok_when_it_can_be_built_and_scrapes_nothing(respx_mock: respx.MockRouter) -> None:
    result = await run_check("jobspy", settings(jobspy_sites=["indeed", "linkedin"]))
    assert (result.ok, result.status) == (True, "ok")
    assert "indeed, linkedin" in result.detail and "nothing was scraped" in result.detail
    assert not respx_mock.calls

    empty = await run_check("jobspy", settings(jobspy_sites=[]))
    assert (empty.ok, empty.status) == (False, "not_configured")
