"""The Settings page's "Test" button for the validators: each provider's cheapest authenticated call, answered
with recorded responses, and how its outcome becomes the test's status."""

from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx
from ra_contracts.providers import ProviderTestResult
from ra_contracts.settings import SETTINGS
from ra_runtime.provider_tests import run_provider_check
from ra_validation.provider_checks import PROVIDER_CHECKS
from ra_validation.providers.base import CHECK_ADDRESS
from ra_validation.providers.clearout import CREDITS_URL as CLEAROUT_CREDITS_URL
from ra_validation.providers.emailable import ACCOUNT_URL as EMAILABLE_ACCOUNT_URL
from ra_validation.providers.hunter import ACCOUNT_URL as HUNTER_ACCOUNT_URL
from ra_validation.providers.mailboxvalidator import SINGLE_VALIDATION_URL
from ra_validation.providers.neverbounce import ACCOUNT_INFO_URL
from ra_validation.providers.reacher import HOSTED_API_URL
from ra_validation.providers.zerobounce import CREDITS_URL as ZEROBOUNCE_CREDITS_URL

Recorded = Callable[[str], Any]
KEY = "secret_0000"

#: provider -> (method, url, recorded ok answer, what the detail says)
ACCOUNT_CALLS: dict[str, tuple[str, str, str, str]] = {
    "neverbounce": ("GET", ACCOUNT_INFO_URL, "neverbounce/account_info.json", "4,880 credits left"),
    "zerobounce": ("GET", ZEROBOUNCE_CREDITS_URL, "zerobounce/credits.json", "2,375 credits left"),
    "hunter": ("GET", HUNTER_ACCOUNT_URL, "hunter/account.json", "958 verifications left this period"),
    "clearout": ("GET", CLEAROUT_CREDITS_URL, "clearout/credits.json", "1,520 credits left"),
    "emailable": ("GET", EMAILABLE_ACCOUNT_URL, "emailable/account.json", "9,850 credits left"),
    "mailboxvalidator": ("GET", SINGLE_VALIDATION_URL, "mailboxvalidator/valid.json", "99 credits left"),
    "reacher": ("POST", f"{HOSTED_API_URL}/check_email", "reacher/invalid_no_mx.json", "answered a check"),
}
#: Providers whose recorded 401 is an HTTP 401 (NeverBounce and ZeroBounce say it inside a 200).
HTTP_401 = {
    "hunter": "hunter/error_401.json",
    "clearout": "clearout/error_401.json",
    "emailable": "emailable/error_401.json",
    "reacher": "reacher/error_401.json",
}


def settings(**values: Any) -> Callable[[str], Any]:
    return lambda key: values[key] if key in values else SETTINGS[key].default


def keyed(provider: str) -> Callable[[str], Any]:
    return settings(**{f"{provider}_api_key": KEY})


async def run_check(provider: str, get: Callable[[str], Any]) -> ProviderTestResult:
    return await run_provider_check(provider, lambda: PROVIDER_CHECKS[provider](get), secrets=[KEY])


@pytest.mark.parametrize("provider", sorted(ACCOUNT_CALLS))
async def test_a_working_key_is_ok_with_what_the_account_says(
    provider: str, respx_mock: respx.MockRouter, recorded: Recorded
) -> None:
    method, url, answer, says = ACCOUNT_CALLS[provider]
    route = respx_mock.route(method=method, url__startswith=url).respond(200, json=recorded(answer))

    result = await run_check(provider, keyed(provider))

    assert (result.ok, result.status) == (True, "ok"), result.detail
    assert says in result.detail
    assert route.call_count == 1  # one attempt, nothing else sent


@pytest.mark.parametrize("provider", sorted(ACCOUNT_CALLS))
async def test_no_key_is_not_configured_without_a_request(provider: str, respx_mock: respx.MockRouter) -> None:
    result = await run_check(provider, settings())
    assert (result.ok, result.status) == (False, "not_configured")
    assert f"{provider}_api_key" in result.detail
    assert not respx_mock.calls


@pytest.mark.parametrize("provider", sorted(HTTP_401))
async def test_a_refused_key_is_auth(provider: str, respx_mock: respx.MockRouter, recorded: Recorded) -> None:
    method, url, _, _ = ACCOUNT_CALLS[provider]
    respx_mock.route(method=method, url__startswith=url).respond(401, json=recorded(HTTP_401[provider]))
    result = await run_check(provider, keyed(provider))
    assert (result.ok, result.status) == (False, "auth"), result.detail


async def test_a_refusal_inside_a_200_is_auth_and_the_key_is_never_echoed(
    respx_mock: respx.MockRouter, recorded: Recorded
) -> None:
    respx_mock.get(url__startswith=ACCOUNT_INFO_URL).respond(200, json=recorded("neverbounce/auth_failure.json"))
    result = await run_check("neverbounce", keyed("neverbounce"))
    assert (result.status, KEY in result.detail) == ("auth", False)
    assert "Invalid API key '***'" in result.detail

    respx_mock.get(url__startswith=ZEROBOUNCE_CREDITS_URL).respond(
        200, json=recorded("zerobounce/credits_invalid_key.json")
    )
    assert (await run_check("zerobounce", keyed("zerobounce"))).status == "auth"


async def test_no_credits_left_is_rate_limited(respx_mock: respx.MockRouter, recorded: Recorded) -> None:
    respx_mock.get(url__startswith=ZEROBOUNCE_CREDITS_URL).respond(
        200, json=recorded("zerobounce/credits_none_left.json")
    )
    result = await run_check("zerobounce", keyed("zerobounce"))
    assert (result.ok, result.status) == (False, "rate_limited")
    assert "no credits left" in result.detail


@pytest.mark.parametrize("provider", ["emailable", "clearout", "reacher"])
async def test_429_is_rate_limited_at_once(provider: str, respx_mock: respx.MockRouter, recorded: Recorded) -> None:
    method, url, _, _ = ACCOUNT_CALLS[provider]
    route = respx_mock.route(method=method, url__startswith=url).respond(
        429, json=recorded(f"{provider}/error_429.json")
    )
    result = await run_check(provider, keyed(provider))
    assert (result.ok, result.status) == (False, "rate_limited"), result.detail
    assert route.call_count == 1  # reported to the person waiting, not retried


@pytest.mark.parametrize("provider", ["neverbounce", "hunter"])
async def test_a_timeout_is_timeout(provider: str, respx_mock: respx.MockRouter) -> None:
    method, url, _, _ = ACCOUNT_CALLS[provider]
    respx_mock.route(method=method, url__startswith=url).mock(side_effect=httpx.ReadTimeout("slow"))
    result = await run_check(provider, keyed(provider))
    assert (result.ok, result.status) == (False, "timeout")


async def test_an_outage_is_unreachable(respx_mock: respx.MockRouter) -> None:
    respx_mock.get(url__startswith=EMAILABLE_ACCOUNT_URL).mock(side_effect=httpx.ConnectError("refused"))
    assert (await run_check("emailable", keyed("emailable"))).status == "unreachable"


async def test_reacher_checks_the_null_mx_address_and_a_self_hosted_one_needs_no_key(
    respx_mock: respx.MockRouter, recorded: Recorded
) -> None:
    route = respx_mock.post("http://reacher:8080/v0/check_email").respond(
        200, json=recorded("reacher/invalid_no_mx.json")
    )
    result = await run_check("reacher", settings(reacher_api_url="http://reacher:8080/v0"))
    assert result.ok and "Reacher at http://reacher:8080/v0" in result.detail
    assert route.calls.last.request.read() == b'{"to_email":"' + CHECK_ADDRESS.encode() + b'"}'
    assert "Authorization" not in route.calls.last.request.headers


async def test_builtin_is_ok_without_any_network_call(respx_mock: respx.MockRouter) -> None:
    result = await run_check(
        "builtin", settings(builtin_helo_name="mx.staffing.example", builtin_dns_server="10.0.0.2")
    )
    assert (result.ok, result.status) == (True, "ok")
    assert "no connection was made" in result.detail
    assert "EHLO mx.staffing.example" in result.detail and "10.0.0.2:53" in result.detail
    assert not respx_mock.calls


async def test_builtin_with_an_unusable_dns_server_is_not_configured() -> None:
    result = await run_check("builtin", settings(builtin_dns_server="dns.example"))
    assert (result.ok, result.status) == (False, "not_configured")
