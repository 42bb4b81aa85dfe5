import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx
from ra_runtime.http import RetryPolicy
from ra_validation.providers.base import ValidationProviderError
from ra_validation.providers.clearout import INSTANT_VERIFY_URL, ClearoutValidator

Recorded = Callable[[str], Any]
EMAIL = "maria.garcia@summitfoods.example"


def clearout(retry: RetryPolicy, http: httpx.AsyncClient) -> ClearoutValidator:
    return ClearoutValidator("co-test", retry=retry, client=http)


@pytest.mark.parametrize(
    ("fixture", "status", "sub_status"),
    [
        ("valid", "valid", None),
        ("valid_role", "valid", "role"),
        ("invalid_mailbox_not_found", "invalid", "mailbox_not_found"),
        ("invalid_syntax", "invalid", "syntax"),
        ("disposable", "invalid", "disposable"),
        ("catch_all", "catch_all", None),
        ("unknown_greylisted", "unknown", "greylisted"),
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
    body = recorded(f"clearout/{fixture}.json")
    respx_mock.post(INSTANT_VERIFY_URL).respond(200, json=body)

    verdict = await clearout(retry, http).check(body["data"]["email_address"])

    assert (verdict.status, verdict.sub_status) == (status, sub_status)
    assert verdict.provider == "clearout" and verdict.raw == body


async def test_the_request_is_a_json_post_with_a_bearer_token_and_a_time_budget(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy, http: httpx.AsyncClient
) -> None:
    route = respx_mock.post(INSTANT_VERIFY_URL).respond(200, json=recorded("clearout/valid.json"))

    await clearout(retry, http).check(EMAIL)

    request = route.calls.last.request
    assert request.headers["Authorization"] == "Bearer:co-test"
    assert json.loads(request.content) == {"email": EMAIL, "timeout": 25000}


async def test_missing_key_is_a_config_error(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.post(INSTANT_VERIFY_URL)

    with pytest.raises(ValidationProviderError) as raised:
        await ClearoutValidator.from_settings({"clearout_api_key": ""}.__getitem__).check(EMAIL)

    assert raised.value.kind == "config" and "set clearout_api_key in Settings" in raised.value.message
    assert not route.called


def test_from_settings_reads_the_key() -> None:
    assert ClearoutValidator.from_settings({"clearout_api_key": "co-live"}.__getitem__).api_key == "co-live"


async def test_an_invalid_token_is_an_auth_error(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy, http: httpx.AsyncClient
) -> None:
    route = respx_mock.post(INSTANT_VERIFY_URL).respond(401, json=recorded("clearout/error_401.json"))

    with pytest.raises(ValidationProviderError) as raised:
        await clearout(retry, http).check(EMAIL)

    assert len(route.calls) == 1
    assert raised.value.kind == "auth" and "Invalid API Token" in raised.value.message


@pytest.mark.parametrize(("status_code", "fixture"), [(402, "error_402"), (200, "error_daily_limit")])
async def test_exhausted_credits_or_daily_limit_are_a_quota_error(
    respx_mock: respx.MockRouter,
    recorded: Recorded,
    retry: RetryPolicy,
    status_code: int,
    fixture: str,
    http: httpx.AsyncClient,
) -> None:
    route = respx_mock.post(INSTANT_VERIFY_URL).respond(status_code, json=recorded(f"clearout/{fixture}.json"))

    with pytest.raises(ValidationProviderError) as raised:
        await clearout(retry, http).check(EMAIL)

    assert len(route.calls) == 1 and raised.value.kind == "quota"


async def test_429_is_retried_then_succeeds(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy, waits: list[float], http: httpx.AsyncClient
) -> None:
    route = respx_mock.post(INSTANT_VERIFY_URL).mock(
        side_effect=[
            httpx.Response(429, json=recorded("clearout/error_429.json")),
            httpx.Response(200, json=recorded("clearout/valid.json")),
        ]
    )

    verdict = await clearout(retry, http).check(EMAIL)

    assert len(route.calls) == 2 and waits == [0.01] and verdict.status == "valid"


async def test_clearouts_own_timeout_is_asked_again_then_unknown(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy, http: httpx.AsyncClient
) -> None:
    body = recorded("clearout/error_524_timeout.json")
    route = respx_mock.post(INSTANT_VERIFY_URL).respond(524, json=body)

    verdict = await clearout(retry, http).check(EMAIL)

    assert len(route.calls) == 4
    assert (verdict.status, verdict.sub_status, verdict.raw) == ("unknown", "timeout", body)


@pytest.mark.parametrize(
    ("status_code", "body", "expected"),
    [
        (200, "<html>oops</html>", "malformed JSON (200)"),
        (200, '{"status": "failed", "error": {"code": 1099, "message": "Something odd"}}', "Something odd"),
        (400, '{"status": "failed", "error": {"message": "validation failed"}}', "unexpected answer (400)"),
        (200, '{"status": "success", "data": {"status": "maybe"}}', "unknown status 'maybe'"),
    ],
)
async def test_an_unusable_answer_is_a_bad_response(
    respx_mock: respx.MockRouter,
    retry: RetryPolicy,
    status_code: int,
    body: str,
    expected: str,
    http: httpx.AsyncClient,
) -> None:
    respx_mock.post(INSTANT_VERIFY_URL).respond(status_code, text=body)

    with pytest.raises(ValidationProviderError) as raised:
        await clearout(retry, http).check(EMAIL)

    assert raised.value.kind == "bad_response" and expected in raised.value.message


async def test_a_malformed_address_is_an_invalid_verdict_not_an_error(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy, http: httpx.AsyncClient
) -> None:
    body = recorded("clearout/error_400_invalid_email.json")
    respx_mock.post(INSTANT_VERIFY_URL).respond(400, json=body)

    verdict = await clearout(retry, http).check("maria.garcia@summitfoods")

    assert (verdict.status, verdict.sub_status, verdict.raw) == ("invalid", "syntax", body)


async def test_a_request_clearout_rejects_for_another_reason_is_a_bad_response(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy, http: httpx.AsyncClient
) -> None:
    respx_mock.post(INSTANT_VERIFY_URL).respond(400, json=recorded("clearout/error_400_missing_email.json"))

    with pytest.raises(ValidationProviderError) as raised:
        await clearout(retry, http).check(EMAIL)

    assert raised.value.kind == "bad_response" and "validation failed" in raised.value.message
