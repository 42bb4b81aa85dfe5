from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx
from ra_runtime.http import RetryPolicy
from ra_validation.providers.base import ValidationProviderError
from ra_validation.providers.mailboxvalidator import SINGLE_VALIDATION_URL, MailboxValidatorValidator

Recorded = Callable[[str], Any]
EMAIL = "maria.garcia@summitfoods.example"


def mailboxvalidator(retry: RetryPolicy, http: httpx.AsyncClient) -> MailboxValidatorValidator:
    return MailboxValidatorValidator("MBV-TEST", retry=retry, client=http)


@pytest.mark.parametrize(
    ("fixture", "status", "sub_status"),
    [
        ("valid", "valid", None),
        ("valid_role", "valid", "role"),
        ("invalid_not_verified", "invalid", "mailbox_not_found"),
        ("invalid_syntax", "invalid", "syntax"),
        ("invalid_domain", "invalid", "no_mx"),
        ("disposable", "invalid", "disposable"),
        ("suppressed", "invalid", "do_not_mail"),
        ("catch_all", "catch_all", None),
        ("greylisted", "unknown", "greylisted"),
        ("server_down", "unknown", "server_down"),
    ],
)
async def test_each_documented_outcome_becomes_a_verdict(
    respx_mock: respx.MockRouter,
    recorded: Recorded,
    retry: RetryPolicy,
    fixture: str,
    status: str,
    sub_status: str,
    http: httpx.AsyncClient,
) -> None:
    body = recorded(f"mailboxvalidator/{fixture}.json")
    respx_mock.get(SINGLE_VALIDATION_URL).respond(200, json=body)

    verdict = await mailboxvalidator(retry, http).check(body["email_address"])

    assert (verdict.email, verdict.status, verdict.sub_status) == (body["email_address"], status, sub_status)
    assert verdict.provider == "mailboxvalidator" and verdict.raw == body


@pytest.mark.parametrize(("overall", "status"), [("True", "valid"), ("False", "invalid"), (None, "unknown")])
async def test_without_mailbox_checks_the_overall_status_decides(
    respx_mock: respx.MockRouter, retry: RetryPolicy, overall: str | None, status: str, http: httpx.AsyncClient
) -> None:
    respx_mock.get(SINGLE_VALIDATION_URL).respond(200, json={"email_address": EMAIL, "status": overall})

    assert (await mailboxvalidator(retry, http).check(EMAIL)).status == status


async def test_the_key_and_address_go_in_the_query(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy, http: httpx.AsyncClient
) -> None:
    route = respx_mock.get(SINGLE_VALIDATION_URL).respond(200, json=recorded("mailboxvalidator/valid.json"))

    await mailboxvalidator(retry, http).check(EMAIL)

    assert dict(route.calls.last.request.url.params) == {"key": "MBV-TEST", "email": EMAIL, "format": "json"}


async def test_missing_key_is_a_config_error(respx_mock: respx.MockRouter) -> None:
    route = respx_mock.get(SINGLE_VALIDATION_URL)

    with pytest.raises(ValidationProviderError) as raised:
        await MailboxValidatorValidator.from_settings({"mailboxvalidator_api_key": ""}.__getitem__).check(EMAIL)

    assert raised.value.kind == "config" and "set mailboxvalidator_api_key in Settings" in raised.value.message
    assert not route.called


def test_from_settings_reads_the_key() -> None:
    getter = {"mailboxvalidator_api_key": "MBV-LIVE"}.__getitem__
    assert MailboxValidatorValidator.from_settings(getter).api_key == "MBV-LIVE"


async def test_an_unknown_key_is_an_auth_error(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy, http: httpx.AsyncClient
) -> None:
    route = respx_mock.get(SINGLE_VALIDATION_URL).respond(
        401, json=recorded("mailboxvalidator/error_api_key_not_found.json")
    )

    with pytest.raises(ValidationProviderError) as raised:
        await mailboxvalidator(retry, http).check(EMAIL)

    assert len(route.calls) == 1
    assert (raised.value.kind, raised.value.message) == ("auth", "MailboxValidator error 10001: API key not found.")


async def test_insufficient_credits_are_a_quota_error(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy, http: httpx.AsyncClient
) -> None:
    route = respx_mock.get(SINGLE_VALIDATION_URL).respond(
        401, json=recorded("mailboxvalidator/error_insufficient_credits.json")
    )

    with pytest.raises(ValidationProviderError) as raised:
        await mailboxvalidator(retry, http).check(EMAIL)

    assert len(route.calls) == 1 and raised.value.kind == "quota"


async def test_an_unknown_error_is_retried_then_unavailable(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy, http: httpx.AsyncClient
) -> None:
    route = respx_mock.get(SINGLE_VALIDATION_URL).respond(400, json=recorded("mailboxvalidator/error_unknown.json"))

    with pytest.raises(ValidationProviderError) as raised:
        await mailboxvalidator(retry, http).check(EMAIL)

    assert len(route.calls) == 4 and raised.value.kind == "unavailable"


async def test_429_is_retried_then_succeeds(
    respx_mock: respx.MockRouter, recorded: Recorded, retry: RetryPolicy, waits: list[float], http: httpx.AsyncClient
) -> None:
    route = respx_mock.get(SINGLE_VALIDATION_URL).mock(
        side_effect=[
            httpx.Response(429, text="Too Many Requests"),
            httpx.Response(200, json=recorded("mailboxvalidator/valid.json")),
        ]
    )

    verdict = await mailboxvalidator(retry, http).check(EMAIL)

    assert len(route.calls) == 2 and waits == [0.01] and verdict.status == "valid"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("<html></html>", "malformed JSON (200)"),
        ('{"credits_available": 10}', "without 'status' or checks"),
        ('{"error": {"error_code": 10000, "error_message": "Missing parameter."}}', "10000: Missing parameter."),
    ],
)
async def test_an_unusable_answer_is_a_bad_response(
    respx_mock: respx.MockRouter, retry: RetryPolicy, body: str, expected: str, http: httpx.AsyncClient
) -> None:
    respx_mock.get(SINGLE_VALIDATION_URL).respond(200, text=body)

    with pytest.raises(ValidationProviderError) as raised:
        await mailboxvalidator(retry, http).check(EMAIL)

    assert raised.value.kind == "bad_response" and expected in raised.value.message
