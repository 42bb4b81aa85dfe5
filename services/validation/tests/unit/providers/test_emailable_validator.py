from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx
from ra_runtime.http import RetryPolicy
from ra_validation.providers.base import ValidationProviderError
from ra_validation.providers.emailable import VERIFY_URL, EmailableValidator

Recorded = Callable[[str], Any]
EMAIL = "maria.garcia@summitfoods.example"


def emailable(retry: RetryPolicy, http: httpx.AsyncClient) -> EmailableValidator:
    return EmailableValidator("live_test", retry=retry, client=http)


@pytest.mark.parametrize(
    ("fixture", "status", "sub_status"),
    [
        ("deliverable", "valid", None),
        ("deliverable_role", "valid", "role"),
        ("undeliverable_rejected", "invalid", "mailbox_not_found"),
        ("undeliverable_invalid_email", "invalid", "syntax"),
        ("undeliverable_invalid_domain", "invalid", "no_mx"),
        ("risky_accept_all", "catch_all", None),
        ("risky_disposable", "invalid", "disposable"),
        ("risky_mailbox_full", "unknown", "full_inbox"),
        ("risky_low_quality", "unknown", "low_quality"),
        ("unknown_timeout", "unknown", "timeout"),
        ("unknown_unavailable_smtp", "unknown", "unavailable_smtp"),
    ],
)
async def test_each_documented_state_becomes_a_verdict(
    respx_mock: respx.MockRouter,
    recorded: Recorded,
    retry: RetryPolicy,
    fixture: str,
    status: str,
    sub_status: str,
    http: httpx.AsyncClient,
) -> None:
    body = recorded(f"emailable/{fixture}.json")
    respx_mock.get(VERIFY_URL).respond(200, json=body)

    verdict = await emailable(retry, http).check(body["email"])

    assert (verdict.email, verdict.status, verdict.sub_status) == (body["email"], status, sub_status)
    assert verdict.provider == "emailable" and verdict.raw == body


async def test_the_key_goes_in_the_authorization_header(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy, http: httpx.AsyncClient
) -> None:
    route = respx_mock.get(VERIFY_URL).respond(200, json=recorded("emailable/deliverable.json"))

    await emailable(retry, http).check(EMAIL)

    request = route.calls.last.request
    assert request.headers["Authorization"] == "Bearer live_test"
    assert dict(request.url.params) == {"email": EMAIL, "timeout": "10"}


async def test_missing_key_is_a_config_error(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(VERIFY_URL)

    with pytest.raises(ValidationProviderError) as raised:
        await EmailableValidator.from_settings({"emailable_api_key": ""}.__getitem__).check(EMAIL)

    assert raised.value.kind == "config" and "set emailable_api_key in Settings" in raised.value.message
    assert not route.called


def test_from_settings_reads_the_key() -> None:
    assert EmailableValidator.from_settings({"emailable_api_key": "live_x"}.__getitem__).api_key == "live_x"


async def test_249_is_asked_again_until_verified(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy, waits: list[float], http: httpx.AsyncClient
) -> None:
    route = respx_mock.get(VERIFY_URL).mock(
        side_effect=[
            httpx.Response(249, json=recorded("emailable/try_again_249.json")),
            httpx.Response(200, json=recorded("emailable/deliverable.json")),
        ]
    )

    verdict = await emailable(retry, http).check(EMAIL)

    assert len(route.calls) == 2 and waits == [0.01] and verdict.status == "valid"


async def test_249_forever_is_unknown_timeout(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy, http: httpx.AsyncClient
) -> None:
    route = respx_mock.get(VERIFY_URL).respond(249, json=recorded("emailable/try_again_249.json"))

    verdict = await emailable(retry, http).check(EMAIL)

    assert len(route.calls) == 4 and (verdict.status, verdict.sub_status) == ("unknown", "timeout")


async def test_a_refused_key_is_an_auth_error(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy, http: httpx.AsyncClient
) -> None:
    route = respx_mock.get(VERIFY_URL).respond(401, json=recorded("emailable/error_401.json"))

    with pytest.raises(ValidationProviderError) as raised:
        await emailable(retry, http).check(EMAIL)

    assert len(route.calls) == 1
    assert (raised.value.kind, raised.value.message) == ("auth", "key refused (401): API key is invalid")


async def test_402_is_a_quota_error(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy, http: httpx.AsyncClient
) -> None:
    route = respx_mock.get(VERIFY_URL).respond(402, json=recorded("emailable/error_402.json"))

    with pytest.raises(ValidationProviderError) as raised:
        await emailable(retry, http).check(EMAIL)

    assert len(route.calls) == 1
    assert (raised.value.kind, raised.value.message) == (
        "quota",
        "Emailable is out of credits (402): Insufficient credits",
    )


async def test_429_is_retried_then_succeeds(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy, waits: list[float], http: httpx.AsyncClient
) -> None:
    route = respx_mock.get(VERIFY_URL).mock(
        side_effect=[
            httpx.Response(429, json=recorded("emailable/error_429.json"), headers={"Retry-After": "1"}),
            httpx.Response(200, json=recorded("emailable/deliverable.json")),
        ]
    )

    verdict = await emailable(retry, http).check(EMAIL)

    assert len(route.calls) == 2 and waits == [1.0] and verdict.status == "valid"


async def test_429_forever_is_rate_limited(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy, http: httpx.AsyncClient
) -> None:
    route = respx_mock.get(VERIFY_URL).respond(429, json=recorded("emailable/error_429.json"))

    with pytest.raises(ValidationProviderError) as raised:
        await emailable(retry, http).check(EMAIL)

    assert len(route.calls) == 4 and raised.value.kind == "rate_limited"


@pytest.mark.parametrize(
    ("body", "expected"),
    [("<html></html>", "malformed JSON (200)"), ('{"state": "sunny"}', "unknown state 'sunny'")],
)
async def test_an_unusable_answer_is_a_bad_response(
    respx_mock: respx.MockRouter, retry: RetryPolicy, body: str, expected: str, http: httpx.AsyncClient
) -> None:
    respx_mock.get(VERIFY_URL).respond(200, text=body)

    with pytest.raises(ValidationProviderError) as raised:
        await emailable(retry, http).check(EMAIL)

    assert raised.value.kind == "bad_response" and expected in raised.value.message
