from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx
from ra_runtime.http import RetryPolicy
from ra_validation.providers.base import ValidationProviderError
from ra_validation.providers.zerobounce import CREDITS_URL, VALIDATE_URL, ZeroBounceValidator

Recorded = Callable[[str], Any]
EMAIL = "maria.garcia@summitfoods.example"


def zerobounce(retry: RetryPolicy, http: httpx.AsyncClient) -> ZeroBounceValidator:
    return ZeroBounceValidator("zb-test", retry=retry, client=http)


@pytest.mark.parametrize(
    ("fixture", "status", "sub_status"),
    [
        ("valid", "valid", None),
        ("valid_role_accept_all", "valid", "role"),
        ("invalid_mailbox_not_found", "invalid", "mailbox_not_found"),
        ("invalid_syntax", "invalid", "syntax"),
        ("invalid_no_dns", "invalid", "no_mx"),
        ("invalid_quota_exceeded", "invalid", "full_inbox"),
        ("catch_all", "catch_all", None),
        ("spamtrap", "invalid", "spamtrap"),
        ("abuse", "invalid", "abuse"),
        ("do_not_mail_role", "invalid", "role"),
        ("do_not_mail_disposable", "invalid", "disposable"),
        ("do_not_mail_toxic", "invalid", "toxic"),
        ("do_not_mail_global_suppression", "invalid", "do_not_mail"),
        ("unknown_greylisted", "unknown", "greylisted"),
        ("unknown_timeout", "unknown", "timeout"),
        ("unknown_antispam", "unknown", "antispam_system"),
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
    body = recorded(f"zerobounce/{fixture}.json")
    respx_mock.get(VALIDATE_URL).respond(200, json=body)

    verdict = await zerobounce(retry, http).check(body["address"])

    assert (verdict.email, verdict.status, verdict.sub_status) == (body["address"], status, sub_status)
    assert verdict.provider == "zerobounce" and verdict.raw == body


async def test_the_request_carries_key_address_blank_ip_and_a_time_budget(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy, http: httpx.AsyncClient
) -> None:
    route = respx_mock.get(VALIDATE_URL).respond(200, json=recorded("zerobounce/valid.json"))

    await zerobounce(retry, http).check(EMAIL)

    params = route.calls.last.request.url.params
    assert dict(params) == {"api_key": "zb-test", "email": EMAIL, "ip_address": "", "timeout": "25"}


async def test_missing_key_is_a_config_error(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(VALIDATE_URL)

    with pytest.raises(ValidationProviderError) as raised:
        await ZeroBounceValidator.from_settings({"zerobounce_api_key": None}.__getitem__).check(EMAIL)

    assert raised.value.kind == "config" and "set zerobounce_api_key in Settings" in raised.value.message
    assert not route.called


def test_from_settings_reads_the_key() -> None:
    assert ZeroBounceValidator.from_settings({"zerobounce_api_key": "zb-live"}.__getitem__).api_key == "zb-live"


async def test_a_refused_key_is_told_apart_by_the_credit_balance(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy, http: httpx.AsyncClient
) -> None:
    respx_mock.get(VALIDATE_URL).respond(200, json=recorded("zerobounce/error_key_or_credits.json"))
    credits = respx_mock.get(CREDITS_URL).respond(200, json=recorded("zerobounce/credits_invalid_key.json"))

    with pytest.raises(ValidationProviderError) as raised:
        await zerobounce(retry, http).check(EMAIL)

    assert credits.calls.last.request.url.params["api_key"] == "zb-test"
    assert raised.value.kind == "auth" and "Invalid API Key" in raised.value.message


async def test_spent_credits_are_a_quota_error(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy, http: httpx.AsyncClient
) -> None:
    validate = respx_mock.get(VALIDATE_URL).respond(200, json=recorded("zerobounce/error_key_or_credits.json"))
    respx_mock.get(CREDITS_URL).respond(200, json=recorded("zerobounce/credits_none_left.json"))

    with pytest.raises(ValidationProviderError) as raised:
        await zerobounce(retry, http).check(EMAIL)

    assert len(validate.calls) == 1 and raised.value.kind == "quota"


async def test_when_the_balance_cannot_be_read_the_refusal_is_still_reported(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy, http: httpx.AsyncClient
) -> None:
    respx_mock.get(VALIDATE_URL).respond(200, json=recorded("zerobounce/error_key_or_credits.json"))
    respx_mock.get(CREDITS_URL).respond(200, text="not json")

    with pytest.raises(ValidationProviderError) as raised:
        await zerobounce(retry, http).check(EMAIL)

    assert raised.value.kind == "auth" and "key or credits" in raised.value.message


async def test_the_api_shield_is_rate_limited_without_retrying(
    respx_mock: respx.MockRouter, retry: RetryPolicy, http: httpx.AsyncClient
) -> None:
    route = respx_mock.get(VALIDATE_URL).respond(403, text="Forbidden")

    with pytest.raises(ValidationProviderError) as raised:
        await zerobounce(retry, http).check(EMAIL)

    assert len(route.calls) == 1 and raised.value.kind == "rate_limited"


async def test_429_is_retried_then_succeeds(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy, waits: list[float], http: httpx.AsyncClient
) -> None:
    route = respx_mock.get(VALIDATE_URL).mock(
        side_effect=[
            httpx.Response(429, text="Too Many Requests"),
            httpx.Response(200, json=recorded("zerobounce/valid.json")),
        ]
    )

    verdict = await zerobounce(retry, http).check(EMAIL)

    assert len(route.calls) == 2 and waits == [0.01] and verdict.status == "valid"


async def test_401_is_an_auth_error(respx_mock: respx.MockRouter, retry: RetryPolicy, http: httpx.AsyncClient) -> None:
    respx_mock.get(VALIDATE_URL).respond(401, json={"error": "Unauthorized"})

    with pytest.raises(ValidationProviderError) as raised:
        await zerobounce(retry, http).check(EMAIL)

    assert raised.value.kind == "auth"


async def test_server_errors_are_retried_then_unavailable(
    respx_mock: respx.MockRouter, retry: RetryPolicy, http: httpx.AsyncClient
) -> None:
    route = respx_mock.get(VALIDATE_URL).respond(520, text="Unexpected unknown error")

    with pytest.raises(ValidationProviderError) as raised:
        await zerobounce(retry, http).check(EMAIL)

    assert len(route.calls) == 4 and raised.value.kind == "unavailable"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("{'status': 'valid'", "malformed JSON (200)"),
        ('{"address": "a@b.example", "status": "perhaps"}', "unknown status 'perhaps'"),
    ],
)
async def test_an_unusable_answer_is_a_bad_response(
    respx_mock: respx.MockRouter, retry: RetryPolicy, body: str, expected: str, http: httpx.AsyncClient
) -> None:
    respx_mock.get(VALIDATE_URL).respond(200, text=body)

    with pytest.raises(ValidationProviderError) as raised:
        await zerobounce(retry, http).check(EMAIL)

    assert raised.value.kind == "bad_response" and expected in raised.value.message
