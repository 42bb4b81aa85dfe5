"""ZeroBounce (v2 validate) as an email validator.

``GET https://api.zerobounce.net/v2/validate?api_key=…&email=…&ip_address=&timeout=…`` (the key can only
go in the query; ``ip_address`` is required but may be blank; ``timeout`` is 3–60 seconds of ZeroBounce's
own time, a few under ours, after which it answers ``unknown`` / ``timeout_exceeded``).

A refused key and a spent balance both come back as HTTP 200 with one ambiguous body,
``{"error": "Invalid API Key or your account ran out of credits"}``; the adapter then asks the free
``GET /v2/getcredits`` which it is (``"Credits": "-1"`` = bad key → ``auth``; ``0`` → ``quota``). HTTP 403
is ZeroBounce's "API shield" blocking the caller for minutes to hours (its documentation says it is not a
credentials failure), so it is ``rate_limited`` without retrying; 429 is retried then ``rate_limited``.

===============  ==============  =============================================================
``status``       status          sub_status (from ZeroBounce's ``sub_status``)
===============  ==============  =============================================================
``valid``        ``valid``       ``role`` for ``role_based_accept_all``, else its own word or none
                                 (``alias_address``, ``leading_period_removed``, ``accept_all`` …)
``invalid``      ``invalid``     ``mailbox_not_found``; ``failed_syntax_check`` → ``syntax``;
                                 ``no_dns_entries`` → ``no_mx``; ``mailbox_quota_exceeded`` →
                                 ``full_inbox``; else its own word (``possible_typo`` …)
``catch-all``    ``catch_all``   its own word or none
``spamtrap``     ``invalid``     ``spamtrap``
``abuse``        ``invalid``     ``abuse``
``do_not_mail``  ``invalid``     ``role_based`` / ``role_based_catch_all`` → ``role``;
                                 ``disposable``; ``toxic``; ``possible_trap`` → ``spamtrap``;
                                 ``global_suppression`` → ``do_not_mail``; else its own word
                                 (``mx_forward``), or ``do_not_mail`` when blank
``unknown``      ``unknown``     ``greylisted``; ``timeout_exceeded`` and
                                 ``mail_server_did_not_respond`` → ``timeout``; else its own word
===============  ==============  =============================================================

Not checked against the live service: whether the ambiguous error can also arrive with a 4xx status (an
SDK's test suggests 400; that would surface as ``bad_response`` carrying the same text).
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
    reason_word,
)

ZEROBOUNCE_API = "https://api.zerobounce.net/v2"
VALIDATE_URL = f"{ZEROBOUNCE_API}/validate"
CREDITS_URL = f"{ZEROBOUNCE_API}/getcredits"

_SUB_STATUS_WORDS = {
    "role_based": "role",
    "role_based_catch_all": "role",
    "role_based_accept_all": "role",
    "failed_syntax_check": "syntax",
    "no_dns_entries": "no_mx",
    "mailbox_quota_exceeded": "full_inbox",
    "possible_trap": "spamtrap",
    "global_suppression": "do_not_mail",
    "timeout_exceeded": "timeout",
    "mail_server_did_not_respond": "timeout",
}


class ZeroBounceValidator(PaidValidator):
    """ZeroBounce's real-time validation (``provider="zerobounce"``)."""

    name = "zerobounce"
    label = "ZeroBounce"
    key_setting = "zerobounce_api_key"

    def screen(self, response: httpx.Response) -> httpx.Response:
        if response.status_code == 403:
            raise ValidationProviderError(
                "rate_limited", "ZeroBounce's API shield is blocking requests (403); it lifts by itself"
            )
        return response

    async def account(self, api: ValidationApi, api_key: str | None) -> str:
        """``GET /v2/getcredits`` (free): ``-1`` means the key is unknown."""
        body = as_object(await api.request("GET", CREDITS_URL, params={"api_key": api_key}), self.label)
        try:
            credits = float(body["Credits"])
        except (KeyError, TypeError, ValueError):
            raise ValidationProviderError("bad_response", "ZeroBounce answered without 'Credits'") from None
        if credits < 0:
            raise ValidationProviderError("auth", "ZeroBounce refused the key (Credits: -1)")
        return credits_left(self.label, credits)

    async def ask(self, api: ValidationApi, email: str, api_key: str | None) -> Verdict:
        params = {"api_key": api_key, "email": email, "ip_address": "", "timeout": int(self.budget_seconds(3, 60))}
        body = as_object(await api.request("GET", VALIDATE_URL, params=params), self.label)
        refusal = _error_text(body)
        if refusal is not None:
            raise await self._key_or_credits(api, api_key, refusal)
        status, sub_status = zerobounce_verdict(body)
        return self.verdict(email, status, sub_status, body)

    async def _key_or_credits(self, api: ValidationApi, api_key: str | None, refusal: str) -> ValidationProviderError:
        """ZeroBounce's one error says "bad key or no credits"; its free credit balance tells which."""
        try:
            balance = await api.request("GET", CREDITS_URL, params={"api_key": api_key})
            credits = float(balance["Credits"]) if isinstance(balance, dict) else None
        except (ValidationProviderError, KeyError, TypeError, ValueError):
            credits = None
        if credits is not None and credits < 0:
            return ValidationProviderError("auth", f"ZeroBounce refused the key: {refusal}")
        if credits == 0:
            return ValidationProviderError("quota", f"ZeroBounce is out of credits: {refusal}")
        if credits is None:
            return ValidationProviderError("auth", f"ZeroBounce refused the request (key or credits): {refusal}")
        return ValidationProviderError("bad_response", f"ZeroBounce refused the request: {refusal}")


def _error_text(body: dict[str, Any]) -> str | None:
    error = body.get("error", body.get("Error"))
    if isinstance(error, list):
        error = "; ".join(str(part) for part in error)
    if isinstance(error, str) and error.strip():
        return error.strip()
    return None


def zerobounce_verdict(body: dict[str, Any]) -> tuple[VerdictStatus, str | None]:
    """Status and sub_status of one validation (see the module docstring)."""
    status = body.get("status")
    word = reason_word(body.get("sub_status"))
    sub_status = _SUB_STATUS_WORDS.get(word, word) if word else None
    if status == "valid":
        return "valid", sub_status
    if status == "invalid":
        return "invalid", sub_status or "mailbox_not_found"
    if status == "catch-all":
        return "catch_all", sub_status
    if status in ("spamtrap", "abuse"):
        return "invalid", status
    if status == "do_not_mail":
        return "invalid", sub_status or "do_not_mail"
    if status == "unknown":
        return "unknown", sub_status
    raise ValidationProviderError("bad_response", f"ZeroBounce answered an unknown status {status!r}")
