"""Emailable (v1 verify) as an email validator.

``GET https://api.emailable.com/v1/verify?email=…&timeout=…`` with the key as ``Authorization: Bearer …``
(Emailable also takes ``?api_key=``; the header keeps the key out of URLs and request logs). ``timeout``
is 2–10 seconds of Emailable's own time, a few under ours.

==========  =================================================================================
answer      becomes
==========  =================================================================================
249         "still verifying, ask again": asked again per the retry policy, then ``unknown`` /
            ``timeout`` (the pipeline checks it again later)
401, 403    ``auth``
402         ``quota`` (not enough credits)
429         retried, then ``rate_limited``
500, 503    retried, then ``unavailable``
==========  =================================================================================

=================  ==============  =============================================================
``state``          status          sub_status
=================  ==============  =============================================================
``deliverable``    ``valid``       ``role`` when ``role`` is true, else none
``undeliverable``  ``invalid``     ``invalid_email`` → ``syntax``; ``invalid_domain`` → ``no_mx``;
                                   ``rejected_email`` → ``mailbox_not_found``; else its own word
                                   (``invalid_smtp``)
``risky``          ``catch_all``   when ``accept_all`` is true (``role`` as above)
``risky``          ``unknown``     otherwise: ``full_inbox`` (``mailbox_full``), ``role``, else the
                                   ``reason`` (``low_quality``, ``low_deliverability``)
``unknown``        ``unknown``     ``timeout`` and ``no_connect`` → ``timeout``; else its own word
                                   (``unavailable_smtp``, ``unexpected_error``)
=================  ==============  =============================================================

``disposable`` true makes any answer ``invalid`` / ``disposable`` (SOP: not sent to).
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
    as_object,
    credits_left,
    flag,
    json_body_of,
    reason_word,
    still_verifying,
)

VERIFY_URL = "https://api.emailable.com/v1/verify"
ACCOUNT_URL = "https://api.emailable.com/v1/account"

_REASON_WORDS = {
    "invalid_email": "syntax",
    "invalid_domain": "no_mx",
    "rejected_email": "mailbox_not_found",
    "no_connect": "timeout",
}


class EmailableValidator(PaidValidator):
    """Emailable's single verification (``provider="emailable"``)."""

    name = "emailable"
    label = "Emailable"
    key_setting = "emailable_api_key"

    def headers(self, api_key: str | None) -> dict[str, str]:
        return {"Accept": "application/json", "Authorization": f"Bearer {api_key}"}

    def screen(self, response: httpx.Response) -> httpx.Response:
        if response.status_code == 249:
            return still_verifying(response)
        if response.status_code == 402:
            body = json_body_of(response)
            message = body.get("message") if isinstance(body, dict) else None
            raise ValidationProviderError(
                "quota", f"Emailable is out of credits (402): {message or 'payment required'}"
            )
        return response

    async def account(self, api: ValidationApi, api_key: str | None) -> str:
        """``GET /v1/account`` (free): the credits available."""
        body = as_object(await api.request("GET", ACCOUNT_URL), self.label)
        return credits_left(self.label, body.get("available_credits"))

    async def ask(self, api: ValidationApi, email: str, api_key: str | None) -> Verdict:
        params = {"email": email, "timeout": int(self.budget_seconds(2, 10))}
        body = as_object(await api.request("GET", VERIFY_URL, params=params), self.label)
        status, sub_status = emailable_verdict(body)
        return self.verdict(email, status, sub_status, body)


def emailable_verdict(body: dict[str, Any]) -> tuple[VerdictStatus, str | None]:
    """Status and sub_status of one verification (see the module docstring)."""
    state = body.get("state")
    if state not in ("deliverable", "undeliverable", "risky", "unknown"):
        raise ValidationProviderError("bad_response", f"Emailable answered an unknown state {state!r}")
    if flag(body.get("disposable")):
        return "invalid", "disposable"
    word = reason_word(body.get("reason"))
    reason = _REASON_WORDS.get(word, word) if word else None
    role = "role" if flag(body.get("role")) else None
    if state == "deliverable":
        return "valid", role
    if state == "undeliverable":
        return "invalid", reason or "mailbox_not_found"
    if state == "risky":
        if flag(body.get("accept_all")):
            return "catch_all", role
        if flag(body.get("mailbox_full")):
            return "unknown", "full_inbox"
        return "unknown", role or reason
    return "unknown", reason
