from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx
from ra_runtime.http import RetryPolicy
from ra_validation.providers.base import EmailValidator, ValidationProviderError
from ra_validation.providers.neverbounce import SINGLE_CHECK_URL, NeverBounceValidator

Recorded = Callable[[str], Any]
EMAIL = "maria.garcia@summitfoods.example"


def neverbounce(retry: RetryPolicy, http: httpx.AsyncClient) -> NeverBounceValidator:
    return NeverBounceValidator("secret_test", retry=retry, client=http)


@pytest.mark.parametrize(
    ("fixture", "status", "sub_status"),
    [
        ("valid", "valid", None),
        ("valid_role", "valid", "role"),
        ("invalid", "invalid", "mailbox_not_found"),
        ("invalid_bad_syntax", "invalid", "syntax"),
        ("invalid_no_mx", "invalid", "no_mx"),
        ("disposable", "invalid", "disposable"),
        ("catchall", "catch_all", None),
        ("unknown", "unknown", "connect_fails"),
    ],
)
async def test_each_documented_result_becomes_a_verdict(
    respx_mock: respx.MockRouter,
    recorded: Recorded,
    retry: RetryPolicy,
    fixture: str,
    status: str,
    sub_status: str,
    http: httpx.AsyncClient,
) -> None:
    body = recorded(f"neverbounce/{fixture}.json")
    respx_mock.get(SINGLE_CHECK_URL).respond(200, json=body)

    verdict = await neverbounce(retry, http).check(f" {EMAIL} ")

    assert (verdict.email, verdict.status, verdict.sub_status) == (EMAIL, status, sub_status)
    assert verdict.provider == "neverbounce" and verdict.raw == body
    assert verdict.checked_at.tzinfo is not None


async def test_the_key_and_address_go_in_the_query(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy, http: httpx.AsyncClient
) -> None:
    route = respx_mock.get(SINGLE_CHECK_URL).respond(200, json=recorded("neverbounce/valid.json"))

    await neverbounce(retry, http).check(EMAIL)

    params = route.calls.last.request.url.params
    assert (params["key"], params["email"], params["timeout"]) == ("secret_test", EMAIL, "25")
    assert isinstance(neverbounce(retry, http), EmailValidator) and neverbounce(retry, http).paid


async def test_missing_key_is_a_config_error(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(SINGLE_CHECK_URL)

    with pytest.raises(ValidationProviderError) as raised:
        await NeverBounceValidator.from_settings({"neverbounce_api_key": ""}.__getitem__).check(EMAIL)

    assert raised.value.kind == "config" and "set neverbounce_api_key in Settings" in raised.value.message
    assert not route.called


def test_from_settings_reads_the_key() -> None:
    validator = NeverBounceValidator.from_settings({"neverbounce_api_key": " secret_live "}.__getitem__)
    assert validator.api_key == "secret_live"


async def test_an_auth_failure_in_a_200_is_an_auth_error(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy, http: httpx.AsyncClient
) -> None:
    route = respx_mock.get(SINGLE_CHECK_URL).respond(200, json=recorded("neverbounce/auth_failure.json"))

    with pytest.raises(ValidationProviderError) as raised:
        await neverbounce(retry, http).check(EMAIL)

    assert len(route.calls) == 1
    assert raised.value.kind == "auth" and "Invalid API key" in raised.value.message


async def test_a_throttle_is_retried_then_succeeds(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy, waits: list[float], http: httpx.AsyncClient
) -> None:
    route = respx_mock.get(SINGLE_CHECK_URL).mock(
        side_effect=[
            httpx.Response(200, json=recorded("neverbounce/throttle_triggered.json")),
            httpx.Response(429, json=recorded("neverbounce/throttle_triggered.json"), headers={"Retry-After": "2"}),
            httpx.Response(200, json=recorded("neverbounce/valid.json")),
        ]
    )

    verdict = await neverbounce(retry, http).check(EMAIL)

    assert len(route.calls) == 3 and waits == [0.01, 2.0]
    assert verdict.status == "valid"


async def test_a_throttle_that_never_lifts_is_rate_limited(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy, http: httpx.AsyncClient
) -> None:
    route = respx_mock.get(SINGLE_CHECK_URL).respond(200, json=recorded("neverbounce/throttle_triggered.json"))

    with pytest.raises(ValidationProviderError) as raised:
        await neverbounce(retry, http).check(EMAIL)

    assert len(route.calls) == 4 and raised.value.kind == "rate_limited"


async def test_temporarily_unavailable_is_retried_then_unavailable(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy, http: httpx.AsyncClient
) -> None:
    route = respx_mock.get(SINGLE_CHECK_URL).respond(200, json=recorded("neverbounce/temp_unavail.json"))

    with pytest.raises(ValidationProviderError) as raised:
        await neverbounce(retry, http).check(EMAIL)

    assert len(route.calls) == 4 and raised.value.kind == "unavailable"


async def test_spent_credits_are_a_quota_error_without_retrying(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy, http: httpx.AsyncClient
) -> None:
    route = respx_mock.get(SINGLE_CHECK_URL).respond(200, json=recorded("neverbounce/general_failure_credits.json"))

    with pytest.raises(ValidationProviderError) as raised:
        await neverbounce(retry, http).check(EMAIL)

    assert len(route.calls) == 1
    assert raised.value.kind == "quota" and "Insufficient credit balance" in raised.value.message


async def test_another_general_failure_is_a_bad_response(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy, http: httpx.AsyncClient
) -> None:
    respx_mock.get(SINGLE_CHECK_URL).respond(200, json=recorded("neverbounce/general_failure_missing_param.json"))

    with pytest.raises(ValidationProviderError) as raised:
        await neverbounce(retry, http).check(EMAIL)

    assert raised.value.kind == "bad_response" and "Missing required parameter" in raised.value.message


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("<html>Bad Gateway</html>", "malformed JSON (200)"),
        ('["valid"]', "a JSON list, not an object"),
        ('{"status": "success", "result": "maybe", "flags": []}', "unknown result 'maybe'"),
    ],
)
async def test_an_unusable_answer_is_a_bad_response(
    respx_mock: respx.MockRouter, retry: RetryPolicy, body: str, expected: str, http: httpx.AsyncClient
) -> None:
    respx_mock.get(SINGLE_CHECK_URL).respond(200, text=body)

    with pytest.raises(ValidationProviderError) as raised:
        await neverbounce(retry, http).check(EMAIL)

    assert raised.value.kind == "bad_response" and expected in raised.value.message
