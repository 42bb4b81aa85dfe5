import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx
from ra_runtime.http import RetryPolicy
from ra_validation.providers.base import ValidationProviderError
from ra_validation.providers.reacher import HOSTED_API_URL, ReacherValidator

Recorded = Callable[[str], Any]
EMAIL = "maria.garcia@summitfoods.example"
HOSTED_CHECK_URL = f"{HOSTED_API_URL}/check_email"
SELF_HOSTED_CHECK_URL = "http://reacher.internal:8080/v0/check_email"


def reacher(retry: RetryPolicy, http: httpx.AsyncClient) -> ReacherValidator:
    return ReacherValidator("reacher-test", retry=retry, client=http)


@pytest.mark.parametrize(
    ("fixture", "status", "sub_status"),
    [
        ("safe", "valid", None),
        ("invalid", "invalid", "mailbox_not_found"),
        ("invalid_syntax", "invalid", "syntax"),
        ("invalid_no_mx", "invalid", "no_mx"),
        ("risky_catch_all", "catch_all", None),
        ("risky_disposable", "invalid", "disposable"),
        ("risky_role", "valid", "role"),
        ("risky_full_inbox", "unknown", "full_inbox"),
        ("unknown_smtp_timeout", "unknown", "timeout"),
    ],
)
async def test_each_documented_reachability_becomes_a_verdict(
    respx_mock: respx.MockRouter,
    recorded: Recorded,
    retry: RetryPolicy,
    fixture: str,
    status: str,
    sub_status: str,
    http: httpx.AsyncClient,
) -> None:
    body = recorded(f"reacher/{fixture}.json")
    respx_mock.post(HOSTED_CHECK_URL).respond(200, json=body)

    verdict = await reacher(retry, http).check(body["input"])

    assert (verdict.email, verdict.status, verdict.sub_status) == (body["input"], status, sub_status)
    assert verdict.provider == "reacher" and verdict.raw == body


async def test_the_hosted_api_gets_the_key_in_authorization(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy, http: httpx.AsyncClient
) -> None:
    route = respx_mock.post(HOSTED_CHECK_URL).respond(200, json=recorded("reacher/safe.json"))

    await reacher(retry, http).check(EMAIL)

    request = route.calls.last.request
    assert request.headers["Authorization"] == "reacher-test"
    assert json.loads(request.content) == {"to_email": EMAIL}


async def test_a_self_hosted_reacher_needs_no_key(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy, http: httpx.AsyncClient
) -> None:
    route = respx_mock.post(SELF_HOSTED_CHECK_URL).respond(200, json=recorded("reacher/safe.json"))
    settings = {"reacher_api_key": "", "reacher_api_url": "http://reacher.internal:8080/v0/"}
    validator = ReacherValidator.from_settings(settings.__getitem__, client=http)
    validator.retry = retry

    verdict = await validator.check(EMAIL)

    assert verdict.status == "valid"
    assert "Authorization" not in route.calls.last.request.headers


def test_from_settings_defaults_to_the_hosted_api() -> None:
    validator = ReacherValidator.from_settings({"reacher_api_key": "r-live", "reacher_api_url": ""}.__getitem__)

    assert (validator.api_key, validator.check_url, validator.timeout_seconds) == ("r-live", HOSTED_CHECK_URL, 60.0)


async def test_the_hosted_api_without_a_key_is_a_config_error(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.post(HOSTED_CHECK_URL)
    settings = {"reacher_api_key": None, "reacher_api_url": HOSTED_API_URL}

    with pytest.raises(ValidationProviderError) as raised:
        await ReacherValidator.from_settings(settings.__getitem__).check(EMAIL)

    assert raised.value.kind == "config" and "set reacher_api_key in Settings" in raised.value.message
    assert not route.called


async def test_a_refused_key_is_an_auth_error(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy, http: httpx.AsyncClient
) -> None:
    route = respx_mock.post(HOSTED_CHECK_URL).respond(401, json=recorded("reacher/error_401.json"))

    with pytest.raises(ValidationProviderError) as raised:
        await reacher(retry, http).check(EMAIL)

    assert len(route.calls) == 1
    assert (raised.value.kind, raised.value.message) == ("auth", "key refused (401): Invalid API token")


async def test_429_is_retried_then_succeeds(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy, waits: list[float], http: httpx.AsyncClient
) -> None:
    route = respx_mock.post(HOSTED_CHECK_URL).mock(
        side_effect=[
            httpx.Response(429, json=recorded("reacher/error_429.json")),
            httpx.Response(200, json=recorded("reacher/safe.json")),
        ]
    )

    verdict = await reacher(retry, http).check(EMAIL)

    assert len(route.calls) == 2 and waits == [0.01] and verdict.status == "valid"


async def test_a_spent_monthly_quota_is_a_quota_error(
    respx_mock: respx.MockRouter, retry: RetryPolicy, http: httpx.AsyncClient
) -> None:
    route = respx_mock.post(HOSTED_CHECK_URL).respond(429, json={"error": "You exceeded your monthly quota"})

    with pytest.raises(ValidationProviderError) as raised:
        await reacher(retry, http).check(EMAIL)

    assert len(route.calls) == 1 and raised.value.kind == "quota"


@pytest.mark.parametrize(
    ("body", "expected"),
    [("not json", "malformed JSON (200)"), ('{"input": "a@b.example", "is_reachable": "perhaps"}', "'perhaps'")],
)
async def test_an_unusable_answer_is_a_bad_response(
    respx_mock: respx.MockRouter, retry: RetryPolicy, body: str, expected: str, http: httpx.AsyncClient
) -> None:
    respx_mock.post(HOSTED_CHECK_URL).respond(200, text=body)

    with pytest.raises(ValidationProviderError) as raised:
        await reacher(retry, http).check(EMAIL)

    assert raised.value.kind == "bad_response" and expected in raised.value.message
