from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx
from ra_runtime.http import RetryPolicy
from ra_validation.providers.base import ValidationProviderError
from ra_validation.providers.hunter import EMAIL_VERIFIER_URL, HunterValidator

Recorded = Callable[[str], Any]
EMAIL = "maria.garcia@summitfoods.example"


def hunter(retry: RetryPolicy, http: httpx.AsyncClient) -> HunterValidator:
    return HunterValidator("hunter-test", retry=retry, client=http)


@pytest.mark.parametrize(
    ("fixture", "status", "sub_status"),
    [
        ("valid", "valid", None),
        ("invalid", "invalid", "mailbox_not_found"),
        ("invalid_syntax", "invalid", "syntax"),
        ("invalid_no_mx", "invalid", "no_mx"),
        ("accept_all", "catch_all", None),
        ("webmail", "valid", "webmail"),
        ("webmail_unconfirmed", "unknown", "webmail"),
        ("disposable", "invalid", "disposable"),
        ("unknown", "unknown", "blocked"),
    ],
)
async def test_each_documented_status_becomes_a_verdict(
    respx_mock: respx.MockRouter,
    recorded: Recorded,
    retry: RetryPolicy,
    fixture: str,
    status: str,
    sub_status: str,
    http: httpx.AsyncClient,
) -> None:
    body = recorded(f"hunter/{fixture}.json")
    respx_mock.get(EMAIL_VERIFIER_URL).respond(200, json=body)

    verdict = await hunter(retry, http).check(body["data"]["email"])

    assert (verdict.email, verdict.status, verdict.sub_status) == (body["data"]["email"], status, sub_status)
    assert verdict.provider == "hunter" and verdict.raw == body


@pytest.mark.parametrize(
    ("result", "accept_all", "status"),
    [
        ("deliverable", False, "valid"),
        ("undeliverable", False, "invalid"),
        ("risky", True, "catch_all"),
        ("risky", False, "unknown"),
    ],
)
async def test_an_answer_with_only_the_deprecated_result_still_maps(
    respx_mock: respx.MockRouter,
    retry: RetryPolicy,
    result: str,
    accept_all: bool,
    status: str,
    http: httpx.AsyncClient,
) -> None:
    respx_mock.get(EMAIL_VERIFIER_URL).respond(
        200, json={"data": {"email": EMAIL, "result": result, "accept_all": accept_all}}
    )

    assert (await hunter(retry, http).check(EMAIL)).status == status


async def test_the_key_goes_in_a_header_not_the_url(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy, http: httpx.AsyncClient
) -> None:
    route = respx_mock.get(EMAIL_VERIFIER_URL).respond(200, json=recorded("hunter/valid.json"))

    await hunter(retry, http).check(EMAIL)

    request = route.calls.last.request
    assert request.headers["X-API-KEY"] == "hunter-test"
    assert dict(request.url.params) == {"email": EMAIL}


async def test_missing_key_is_a_config_error(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(EMAIL_VERIFIER_URL)

    with pytest.raises(ValidationProviderError) as raised:
        await HunterValidator.from_settings({"hunter_api_key": ""}.__getitem__).check(EMAIL)

    assert raised.value.kind == "config" and "set hunter_api_key in Settings" in raised.value.message
    assert not route.called


def test_from_settings_reads_the_key() -> None:
    assert HunterValidator.from_settings({"hunter_api_key": "h-live"}.__getitem__).api_key == "h-live"


async def test_pending_verification_is_asked_again_until_it_finishes(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy, waits: list[float], http: httpx.AsyncClient
) -> None:
    route = respx_mock.get(EMAIL_VERIFIER_URL).mock(
        side_effect=[
            httpx.Response(202, json=recorded("hunter/pending_202.json")),
            httpx.Response(202, json=recorded("hunter/pending_202.json")),
            httpx.Response(200, json=recorded("hunter/valid.json")),
        ]
    )

    verdict = await hunter(retry, http).check(EMAIL)

    assert len(route.calls) == 3 and len(waits) == 2 and verdict.status == "valid"


async def test_verification_that_never_finishes_is_unknown_timeout(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy, http: httpx.AsyncClient
) -> None:
    pending = recorded("hunter/pending_202.json")
    route = respx_mock.get(EMAIL_VERIFIER_URL).respond(202, json=pending)

    verdict = await hunter(retry, http).check(EMAIL)

    assert len(route.calls) == 4
    assert (verdict.status, verdict.sub_status, verdict.raw) == ("unknown", "timeout", pending)


async def test_a_refused_key_is_an_auth_error(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy, http: httpx.AsyncClient
) -> None:
    route = respx_mock.get(EMAIL_VERIFIER_URL).respond(401, json=recorded("hunter/error_401.json"))

    with pytest.raises(ValidationProviderError) as raised:
        await hunter(retry, http).check(EMAIL)

    assert len(route.calls) == 1
    assert (raised.value.kind, raised.value.message) == (
        "auth",
        "Hunter refused the key (401): No user found for the API key supplied",
    )


async def test_403_is_hunters_rate_limit_retried_then_succeeds(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy, waits: list[float], http: httpx.AsyncClient
) -> None:
    route = respx_mock.get(EMAIL_VERIFIER_URL).mock(
        side_effect=[
            httpx.Response(403, json=recorded("hunter/error_403_rate_limit.json")),
            httpx.Response(200, json=recorded("hunter/valid.json")),
        ]
    )

    verdict = await hunter(retry, http).check(EMAIL)

    assert len(route.calls) == 2 and waits == [0.01] and verdict.status == "valid"


async def test_a_rate_limit_that_never_lifts_is_rate_limited(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy, http: httpx.AsyncClient
) -> None:
    route = respx_mock.get(EMAIL_VERIFIER_URL).respond(403, json=recorded("hunter/error_403_rate_limit.json"))

    with pytest.raises(ValidationProviderError) as raised:
        await hunter(retry, http).check(EMAIL)

    assert len(route.calls) == 4 and raised.value.kind == "rate_limited"


async def test_429_is_the_spent_monthly_usage_without_retrying(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy, http: httpx.AsyncClient
) -> None:
    route = respx_mock.get(EMAIL_VERIFIER_URL).respond(429, json=recorded("hunter/error_429_usage_limit.json"))

    with pytest.raises(ValidationProviderError) as raised:
        await hunter(retry, http).check(EMAIL)

    assert len(route.calls) == 1
    assert raised.value.kind == "quota" and "usage limit" in raised.value.message


async def test_451_is_an_unknown_verdict_hunter_may_not_give(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy, http: httpx.AsyncClient
) -> None:
    body = recorded("hunter/error_451_restricted.json")
    respx_mock.get(EMAIL_VERIFIER_URL).respond(451, json=body)

    verdict = await hunter(retry, http).check(EMAIL)

    assert (verdict.status, verdict.sub_status, verdict.raw) == ("unknown", "restricted", body)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("<!DOCTYPE html><title>Hunter</title>", "malformed JSON (200)"),
        ('{"meta": {}}', "without a 'data' object"),
        ('{"data": {"status": "sparkly"}}', "unknown status 'sparkly'"),
    ],
)
async def test_an_unusable_answer_is_a_bad_response(
    respx_mock: respx.MockRouter, retry: RetryPolicy, body: str, expected: str, http: httpx.AsyncClient
) -> None:
    respx_mock.get(EMAIL_VERIFIER_URL).respond(200, text=body)

    with pytest.raises(ValidationProviderError) as raised:
        await hunter(retry, http).check(EMAIL)

    assert raised.value.kind == "bad_response" and expected in raised.value.message


async def test_a_malformed_address_is_an_invalid_verdict_not_an_error(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy, http: httpx.AsyncClient
) -> None:
    body = recorded("hunter/error_400_invalid_email.json")
    respx_mock.get(EMAIL_VERIFIER_URL).respond(400, json=body)

    verdict = await hunter(retry, http).check("maria.garcia@summitfoods")

    assert (verdict.status, verdict.sub_status, verdict.raw) == ("invalid", "syntax", body)


async def test_another_400_is_a_bad_response(
    respx_mock: respx.MockRouter, retry: RetryPolicy, http: httpx.AsyncClient
) -> None:
    respx_mock.get(EMAIL_VERIFIER_URL).respond(
        400, json={"errors": [{"id": "wrong_params", "code": 400, "details": "You are missing the email parameter"}]}
    )

    with pytest.raises(ValidationProviderError) as raised:
        await hunter(retry, http).check(EMAIL)

    assert raised.value.kind == "bad_response"
