"""Clearout (v2 instant verify) as an email validator.

``POST https://api.clearout.io/v2/email_verify/instant`` with ``{"email": …, "timeout": …}`` (``timeout``
in milliseconds of Clearout's own time, a few seconds under ours) and the token in ``Authorization`` in
the ``Bearer:<token>`` form Clearout's documentation shows (its OpenAPI calls it a bearer token; its Node
SDK sends the bare token; the form was not checked against the live service).

Answers (Clearout's OpenAPI document):

=================================  =============================================================
answer                             becomes
=================================  =============================================================
200 ``{"status": "success", …}``   a verdict (below)
200/4xx ``{"status": "failed"}``   by ``error.code``: 1000 → ``auth``; 1002 (credits), 1017
                                   (daily verify limit) or a message about credits → ``quota``;
                                   anything else → ``bad_response``
401                                ``auth``
402                                ``quota`` (credits exhausted)
429                                retried, then ``rate_limited``
400 "validation failed"            ``invalid`` / ``syntax`` when the failing field is the
                                   email's format (``string.email``), so one malformed address
                                   does not stop a run; otherwise ``bad_response``
524 "Timeout Occurred"             asked again per the retry policy, then ``unknown`` /
                                   ``timeout``
=================================  =============================================================

===============  ==============  ============================================================
``data.status``  status          sub_status
===============  ==============  ============================================================
``valid``        ``valid``       ``role`` when ``role`` is "yes", else none
``invalid``      ``invalid``     from ``sub_status.desc`` (below), else ``mailbox_not_found``
``catch_all``    ``catch_all``   ``role`` when ``role`` is "yes", else none
``unknown``      ``unknown``     from ``sub_status.desc``, else none
===============  ==============  ============================================================

``disposable`` "yes" makes any answer ``invalid`` / ``disposable`` (SOP: disposable addresses are not
sent to). ``sub_status.desc`` is free text; it is read for the shared words (mailbox not found / does
not exist → ``mailbox_not_found``, syntax → ``syntax``, MX / DNS / domain → ``no_mx``, full / quota →
``full_inbox``, greylist → ``greylisted``, timeout / timed out → ``timeout``, spam trap → ``spamtrap``),
else kept as one lowercase word. ``"Success"`` (code 200) carries no reason.
"""

from __future__ import annotations

import re
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
    flag,
    json_body_of,
    reason_word,
    says_credits,
    still_verifying,
)

INSTANT_VERIFY_URL = "https://api.clearout.io/v2/email_verify/instant"
CREDITS_URL = "https://api.clearout.io/v2/email_verify/getcredits"

_AUTH_CODES = frozenset({1000})
_QUOTA_CODES = frozenset({1002, 1017})
# Read in order: the first that matches names the reason.
_DESC_WORDS = (
    (
        re.compile(r"not (?:be )?found|not exist|doesn'?t exist|no such|unknown user|disabled", re.I),
        "mailbox_not_found",
    ),
    (re.compile(r"syntax", re.I), "syntax"),
    (re.compile(r"\bmx\b|\bdns\b|domain", re.I), "no_mx"),
    (re.compile(r"full|quota", re.I), "full_inbox"),
    (re.compile(r"grey ?list|gray ?list", re.I), "greylisted"),
    (re.compile(r"time ?out|timed out", re.I), "timeout"),
    (re.compile(r"spam ?trap", re.I), "spamtrap"),
    (re.compile(r"disposable", re.I), "disposable"),
    (re.compile(r"\brole\b", re.I), "role"),
)


class ClearoutValidator(PaidValidator):
    """Clearout's instant verification (``provider="clearout"``)."""

    name = "clearout"
    label = "Clearout"
    key_setting = "clearout_api_key"

    def headers(self, api_key: str | None) -> dict[str, str]:
        return {"Accept": "application/json", "Content-Type": "application/json", "Authorization": f"Bearer:{api_key}"}

    def screen(self, response: httpx.Response) -> httpx.Response:
        status = response.status_code
        if status == 524:
            return still_verifying(response)
        body = json_body_of(response)
        if status == 400 and _bad_email_format(body):
            return answer_as(response, 200)
        failed = isinstance(body, dict) and body.get("status") == "failed"
        error = body.get("error") if failed and isinstance(body, dict) else None
        code = error.get("code") if isinstance(error, dict) else None
        message = str(error.get("message") or "") if isinstance(error, dict) else ""
        if status == 401 or code in _AUTH_CODES:
            raise ValidationProviderError("auth", f"Clearout refused the token ({status}): {message}".rstrip(": "))
        if status == 402 or code in _QUOTA_CODES or (failed and says_credits(message)):
            raise ValidationProviderError("quota", f"Clearout is out of credits ({status}): {message}".rstrip(": "))
        if failed and status == 200:
            raise ValidationProviderError("bad_response", f"Clearout could not verify the address: {message}")
        return response

    async def account(self, api: ValidationApi, api_key: str | None) -> str:
        """``GET /v2/email_verify/getcredits`` (free): the credits available."""
        body = as_object(await api.request("GET", CREDITS_URL), self.label)
        data = body.get("data")
        if body.get("status") != "success" or not isinstance(data, dict):
            raise ValidationProviderError("bad_response", f"Clearout answered status {body.get('status')!r}")
        return credits_left(self.label, data.get("available_credits"))

    async def ask(self, api: ValidationApi, email: str, api_key: str | None) -> Verdict:
        request = {"email": email, "timeout": int(self.budget_seconds(10, 180) * 1000)}
        body = as_object(await api.request("POST", INSTANT_VERIFY_URL, json_body=request), self.label)
        if _bad_email_format(body):
            return self.verdict(email, "invalid", "syntax", body)
        data = body.get("data")
        if body.get("status") != "success" or not isinstance(data, dict):
            raise ValidationProviderError("bad_response", f"Clearout answered status {body.get('status')!r}")
        status, sub_status = clearout_verdict(data)
        return self.verdict(email, status, sub_status, body)


def clearout_verdict(data: dict[str, Any]) -> tuple[VerdictStatus, str | None]:
    """Status and sub_status of one instant verification's ``data`` (see the module docstring)."""
    status = data.get("status")
    if flag(data.get("disposable")):
        return "invalid", "disposable"
    role = "role" if flag(data.get("role")) else None
    if status == "valid":
        return "valid", role
    if status == "invalid":
        return "invalid", _reason(data) or "mailbox_not_found"
    if status == "catch_all":
        return "catch_all", role
    if status == "unknown":
        return "unknown", _reason(data)
    raise ValidationProviderError("bad_response", f"Clearout answered an unknown status {status!r}")


def _bad_email_format(body: Any) -> bool:
    """A 400 "validation failed" whose reason is the email's format (not, say, a missing field)."""
    error = body.get("error") if isinstance(body, dict) and body.get("status") == "failed" else None
    reasons = error.get("reasons") if isinstance(error, dict) else None
    for reason in reasons if isinstance(reasons, list) else []:
        if not isinstance(reason, dict) or "email" not in (reason.get("field") or []):
            continue
        described = " ".join(str(part) for part in [*(reason.get("types") or []), *(reason.get("messages") or [])])
        if "string.email" in described or "valid email" in described:
            return True
    return False


def _reason(data: dict[str, Any]) -> str | None:
    sub_status = data.get("sub_status")
    desc = sub_status.get("desc") if isinstance(sub_status, dict) else sub_status
    if not isinstance(desc, str) or not desc.strip() or desc.strip().lower() == "success":
        return None
    for pattern, word in _DESC_WORDS:
        if pattern.search(desc):
            return word
    return reason_word(desc)
