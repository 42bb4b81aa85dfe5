"""NeverBounce (v4 single check) as an email validator.

``GET https://api.neverbounce.com/v4/single/check?key=…&email=…&timeout=…`` (the key can only go in the
query). ``timeout`` is how many seconds NeverBounce may spend on the address, a few under our own.

NeverBounce answers almost everything with HTTP 200 and says what happened in the body's ``status``:

======================  ===============================================================
``status``              becomes
======================  ===============================================================
``success``             a verdict from ``result`` and ``flags`` (below)
``auth_failure``        ``auth`` (also ``bad_referrer``: the app's trusted domains)
``throttle_triggered``  retried as a 429, then ``rate_limited``
``temp_unavail``        retried as a 503, then ``unavailable``
``general_failure``     ``quota`` when the message is about credits, else ``bad_response``
======================  ===============================================================

=================  ==============  ===============================================================
``result``         status          sub_status
=================  ==============  ===============================================================
``valid``          ``valid``       ``role`` with the ``role_account`` flag, else none
``invalid``        ``invalid``     ``syntax`` (``bad_syntax`` flag), ``no_mx`` (``bad_dns`` flag, or
                                   flags without ``has_dns_mx``), else ``mailbox_not_found``
``disposable``     ``invalid``     ``disposable``
``catchall``       ``catch_all``   ``role`` with the ``role_account`` flag, else none
``unknown``        ``unknown``     ``connect_fails`` / ``temporary_dns_error`` when flagged, else none
=================  ==============  ===============================================================

Not checked against the live service: the exact wording of the "out of credits" failure.
"""

from __future__ import annotations

from typing import Any

import httpx

from ra_validation.providers.base import (
    PaidValidator,
    ValidationApi,
    ValidationProviderError,
    Verdict,
    VerdictStatus,
    answer_as,
    as_object,
    credits_left,
    json_body_of,
    says_credits,
)

SINGLE_CHECK_URL = "https://api.neverbounce.com/v4/single/check"
ACCOUNT_INFO_URL = "https://api.neverbounce.com/v4/account/info"


class NeverBounceValidator(PaidValidator):
    """NeverBounce's real-time single check (``provider="neverbounce"``)."""

    name = "neverbounce"
    label = "NeverBounce"
    key_setting = "neverbounce_api_key"

    def screen(self, response: httpx.Response) -> httpx.Response:
        body = json_body_of(response)
        if not isinstance(body, dict):
            return response
        status = body.get("status")
        message = str(body.get("message") or "")
        if status in ("auth_failure", "bad_referrer"):
            raise ValidationProviderError("auth", f"NeverBounce refused the key ({status}): {message}")
        if status == "throttle_triggered":
            return answer_as(response, 429)
        if status == "temp_unavail":
            return answer_as(response, 503)
        if status == "general_failure":
            if says_credits(message):
                raise ValidationProviderError("quota", f"NeverBounce is out of credits: {message}")
            raise ValidationProviderError("bad_response", f"NeverBounce could not check the address: {message}")
        return response

    async def account(self, api: ValidationApi, api_key: str | None) -> str:
        """``GET /v4/account/info`` (free): the paid and free credits left."""
        body = as_object(await api.request("GET", ACCOUNT_INFO_URL, params={"key": api_key}), self.label)
        info = body.get("credits_info")
        if body.get("status") != "success" or not isinstance(info, dict):
            raise ValidationProviderError("bad_response", f"NeverBounce answered status {body.get('status')!r}")
        parts = [info.get("paid_credits_remaining"), info.get("free_credits_remaining")]
        numbers = [p for p in parts if isinstance(p, int | float) and not isinstance(p, bool)]
        return credits_left(self.label, sum(numbers) if numbers else None)

    async def ask(self, api: ValidationApi, email: str, api_key: str | None) -> Verdict:
        params = {"key": api_key, "email": email, "timeout": int(self.budget_seconds(3, 60))}
        body = as_object(await api.request("GET", SINGLE_CHECK_URL, params=params), self.label)
        if body.get("status") != "success":
            raise ValidationProviderError("bad_response", f"NeverBounce answered status {body.get('status')!r}")
        status, sub_status = neverbounce_verdict(body)
        return self.verdict(email, status, sub_status, body)


def neverbounce_verdict(body: dict[str, Any]) -> tuple[VerdictStatus, str | None]:
    """Status and sub_status of a successful single check (see the module docstring)."""
    result = body.get("result")
    raw_flags = body.get("flags")
    flags = {f for f in raw_flags if isinstance(f, str)} if isinstance(raw_flags, list) else set()
    role = "role" if "role_account" in flags else None
    if result == "valid":
        return "valid", role
    if result == "invalid":
        if "bad_syntax" in flags:
            return "invalid", "syntax"
        if "bad_dns" in flags or (flags and "has_dns_mx" not in flags):
            return "invalid", "no_mx"
        return "invalid", "mailbox_not_found"
    if result == "disposable":
        return "invalid", "disposable"
    if result == "catchall":
        return "catch_all", role
    if result == "unknown":
        return "unknown", next((f for f in ("connect_fails", "temporary_dns_error") if f in flags), None)
    raise ValidationProviderError("bad_response", f"NeverBounce answered an unknown result {result!r}")
