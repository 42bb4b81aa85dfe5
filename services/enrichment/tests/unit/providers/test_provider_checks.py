"""The Settings page's "Test" button for the contact providers: Seamless's free contact search, answered with
recorded responses, and how its outcome becomes the test's status."""

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx
from ra_contracts.providers import ProviderTestResult
from ra_contracts.settings import SETTINGS
from ra_enrichment.providers.checks import PROVIDER_CHECKS
from ra_enrichment.providers.seamless import CHECK_COMPANY, CONTACT_RESEARCH_URL, CONTACT_SEARCH_URL
from ra_runtime.provider_tests import run_provider_check

Recorded = Callable[[str], Any]
KEY = "seamless-key-0001"


def settings(**values: Any) -> Callable[[str], Any]:
    return lambda key: values[key] if key in values else SETTINGS[key].default


async def run_check(get: Callable[[str], Any]) -> ProviderTestResult:
    return await run_provider_check("seamless", lambda: PROVIDER_CHECKS["seamless"](get), secrets=[KEY])


async def test_ok_is_one_free_search_and_no_research(respx_mock: respx.MockRouter, recorded: Recorded) -> None:
    search = respx_mock.post(CONTACT_SEARCH_URL).respond(200, json=recorded("seamless/search_contacts.json"))
    research = respx_mock.post(CONTACT_RESEARCH_URL)

    result = await run_check(settings(seamless_api_key=KEY))

    assert (result.ok, result.status) == (True, "ok")
    assert "found 4 people" in result.detail and "no credits spent" in result.detail
    request = search.calls.last.request
    assert request.headers["Token"] == KEY
    assert json.loads(request.read())["companyName"] == [CHECK_COMPANY]
    assert not research.called


@pytest.mark.parametrize(
    ("status", "answer", "expected"),
    [
        (401, "seamless/error_invalid_key_401.json", "auth"),
        (429, "seamless/error_rate_limit_429.json", "rate_limited"),
        (422, "seamless/error_insufficient_credits_422.json", "rate_limited"),
    ],
)
async def test_refusals(
    status: int, answer: str, expected: str, respx_mock: respx.MockRouter, recorded: Recorded
) -> None:
    route = respx_mock.post(CONTACT_SEARCH_URL).respond(status, json=recorded(answer))
    result = await run_check(settings(seamless_api_key=KEY))
    assert (result.ok, result.status) == (False, expected), result.detail
    assert route.call_count == 1  # asked once: a person is waiting


async def test_timeout(respx_mock: respx.MockRouter) -> None:
    respx_mock.post(CONTACT_SEARCH_URL).mock(side_effect=httpx.ReadTimeout("slow"))
    result = await run_check(settings(seamless_api_key=KEY))
    assert (result.ok, result.status) == (False, "timeout")


async def test_no_key_is_not_configured_without_a_request(respx_mock: respx.MockRouter) -> None:
    result = await run_check(settings())
    assert (result.ok, result.status) == (False, "not_configured")
    assert "seamless_api_key" in result.detail
    assert not respx_mock.calls
