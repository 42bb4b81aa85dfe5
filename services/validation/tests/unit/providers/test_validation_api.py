"""The shared plumbing: restating a provider's answer for the runtime, and the small readers adapters use."""

import gzip

import httpx
import pytest
from ra_validation.providers import PAID_VALIDATORS, EmailValidator
from ra_validation.providers.base import answer_as, flag, reason_word


def test_a_restated_answer_keeps_the_body_and_headers_but_not_the_wire_encoding() -> None:
    request = httpx.Request("GET", "https://api.example/verify")
    original = httpx.Response(
        200,
        content=gzip.compress(b'{"status": "throttle_triggered"}'),
        headers={"Content-Encoding": "gzip", "Retry-After": "3"},
        request=request,
    )

    restated = answer_as(original, 429)

    assert restated.status_code == 429 and restated.headers["Retry-After"] == "3"
    assert restated.json() == {"status": "throttle_triggered"} and restated.request is request


@pytest.mark.parametrize(
    ("text", "word"),
    [("Mailbox Not Found", "mailbox_not_found"), (" greylisted ", "greylisted"), ("", None), (None, None)],
)
def test_reason_word(text: str | None, word: str | None) -> None:
    assert reason_word(text) == word


@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, True), ("True", True), ("yes", True), (1, True), ("no", False), (False, False), (None, None), ("?", None)],
)
def test_flag(value: object, expected: bool | None) -> None:
    assert flag(value) is expected


def test_every_settings_choice_has_an_adapter_that_is_an_email_validator() -> None:
    assert set(PAID_VALIDATORS) == {
        "neverbounce",
        "zerobounce",
        "hunter",
        "clearout",
        "emailable",
        "mailboxvalidator",
        "reacher",
    }
    for name, cls in PAID_VALIDATORS.items():
        validator = cls.from_settings(lambda key: None)
        assert isinstance(validator, EmailValidator) and validator.name == name and validator.paid
