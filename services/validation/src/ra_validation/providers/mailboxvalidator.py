"""MailboxValidator (v2 single validation) as an email validator.

``GET https://api.mailboxvalidator.com/v2/validation/single?key=…&email=…&format=json`` (the key can only
go in the query). The answer is a flat object of checks, each true, false or null (not checked):
``is_syntax``, ``is_domain``, ``is_smtp``, ``is_verified``, ``is_server_down``, ``is_greylisted``,
``is_disposable``, ``is_suppressed``, ``is_role``, ``is_high_risk``, ``is_catchall``, the overall
``status`` and ``credits_available``. Failures are ``{"error": {"error_code", "error_message"}}`` (sent
with 400/401):

=============  ============================================================
error_code     becomes
=============  ============================================================
10001–10003    ``auth`` (key not found, disabled, expired)
10004          ``quota`` (insufficient credits)
10005          retried as a 503 ("unknown error"), then ``unavailable``
other          ``bad_response`` (10000: a parameter is missing)
=============  ============================================================

The checks are read in this order; the first that applies decides:

=======================================  ==============  ===================
check                                    status          sub_status
=======================================  ==============  ===================
``is_syntax`` false                      ``invalid``     ``syntax``
``is_domain`` false                      ``invalid``     ``no_mx``
``is_disposable`` true                   ``invalid``     ``disposable``
``is_suppressed`` true                   ``invalid``     ``do_not_mail``
``is_high_risk`` true                    ``invalid``     ``high_risk``
``is_greylisted`` true                   ``unknown``     ``greylisted``
``is_server_down`` true                  ``unknown``     ``server_down``
``is_catchall`` true                     ``catch_all``   ``role`` / none
``is_verified`` true                     ``valid``       ``role`` / none
``is_verified`` false, ``is_smtp`` true  ``invalid``     ``mailbox_not_found``
``is_smtp`` false                        ``unknown``     ``no_connect``
otherwise ``status`` true                ``valid``       ``role`` / none
otherwise ``status`` false               ``invalid``     ``mailbox_not_found``
otherwise                                ``unknown``     none
=======================================  ==============  ===================

``status`` is MailboxValidator's overall judgement and can be false for reasons the table keeps apart
(a role or catch-all address whose mailbox exists), so the single checks decide and ``status`` is only
the fallback; role addresses with a verified mailbox are ``valid`` with sub_status ``role``.
"""

from __future__ import annotations

from typing import Any

import httpx

from ra_validation.providers.base import (
    CHECK_ADDRESS,
    PaidValidator,
    ValidationApi,
    ValidationProviderError,
    Verdict,
    VerdictStatus,
    answer_as,
    as_object,
    credits_left,
    flag,
    json_body_of,
)

SINGLE_VALIDATION_URL = "https://api.mailboxvalidator.com/v2/validation/single"

_AUTH_CODES = frozenset({10001, 10002, 10003})
_QUOTA_CODES = frozenset({10004})
_TRANSIENT_CODES = frozenset({10005})


class MailboxValidatorValidator(PaidValidator):
    """MailboxValidator's single validation (``provider="mailboxvalidator"``)."""

    name = "mailboxvalidator"
    label = "MailboxValidator"
    key_setting = "mailboxvalidator_api_key"

    def screen(self, response: httpx.Response) -> httpx.Response:
        body = json_body_of(response)
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            return response
        code = error.get("error_code")
        code = int(code) if isinstance(code, int | str) and str(code).isdigit() else None
        message = f"MailboxValidator error {code}: {error.get('error_message') or 'no message'}"
        if code in _AUTH_CODES:
            raise ValidationProviderError("auth", message)
        if code in _QUOTA_CODES:
            raise ValidationProviderError("quota", message)
        if code in _TRANSIENT_CODES:
            return answer_as(response, 503)
        raise ValidationProviderError("bad_response", message)

    async def account(self, api: ValidationApi, api_key: str | None) -> str:
        """One real validation of :data:`~ra_validation.providers.base.CHECK_ADDRESS` (no free account call is
        documented; this spends one credit, and its answer says how many are left)."""
        params = {"key": api_key, "email": CHECK_ADDRESS, "format": "json"}
        body = as_object(await api.request("GET", SINGLE_VALIDATION_URL, params=params), self.label)
        return credits_left(self.label, body.get("credits_available")) + " (the test used one)"

    async def ask(self, api: ValidationApi, email: str, api_key: str | None) -> Verdict:
        params = {"key": api_key, "email": email, "format": "json"}
        body = as_object(await api.request("GET", SINGLE_VALIDATION_URL, params=params), self.label)
        status, sub_status = mailboxvalidator_verdict(body)
        return self.verdict(email, status, sub_status, body)


def mailboxvalidator_verdict(body: dict[str, Any]) -> tuple[VerdictStatus, str | None]:
    """Status and sub_status of one validation (see the module docstring)."""
    if "status" not in body and "is_syntax" not in body:
        raise ValidationProviderError("bad_response", "MailboxValidator answered without 'status' or checks")

    def check(name: str) -> bool | None:
        return flag(body.get(name))

    role = "role" if check("is_role") else None
    if check("is_syntax") is False:
        return "invalid", "syntax"
    if check("is_domain") is False:
        return "invalid", "no_mx"
    if check("is_disposable"):
        return "invalid", "disposable"
    if check("is_suppressed"):
        return "invalid", "do_not_mail"
    if check("is_high_risk"):
        return "invalid", "high_risk"
    if check("is_greylisted"):
        return "unknown", "greylisted"
    if check("is_server_down"):
        return "unknown", "server_down"
    if check("is_catchall"):
        return "catch_all", role
    if check("is_verified"):
        return "valid", role
    if check("is_smtp") is True and check("is_verified") is False:
        return "invalid", "mailbox_not_found"
    if check("is_smtp") is False:
        return "unknown", "no_connect"
    overall = check("status")
    if overall is True:
        return "valid", role
    if overall is False:
        return "invalid", "mailbox_not_found"
    return "unknown", None
