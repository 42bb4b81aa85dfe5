"""Hunter (v2 Email Verifier) as an email validator.

``GET https://api.hunter.io/v2/email-verifier?email=…`` with the key in the ``X-API-KEY`` header (Hunter
also takes ``?api_key=``; the header keeps the key out of URLs and request logs).

Hunter's status codes mean something other than usual, per its documentation:

=======  ==========================================================================================
answer   becomes
=======  ==========================================================================================
202      verification still running: asked again per the retry policy (Hunter says to repeat the
         call), then an ``unknown`` / ``timeout`` verdict, which the pipeline checks again later
401      ``auth``
403      the per-second/per-minute rate limit: retried as a 429, then ``rate_limited``
429      the plan's monthly usage is spent: ``quota``, not retried
451      Hunter will not process this person's data: an ``unknown`` / ``restricted`` verdict
400      about the address (error id ``invalid_email``, or details calling the email invalid): an
         ``invalid`` / ``syntax`` verdict, so one malformed address does not stop a run; any other
         400 is ``bad_response``
=======  ==========================================================================================

Errors are ``{"errors": [{"id", "code", "details"}]}``; their ``details`` go into the message.

================  ==============  ====================================================================
``data.status``   status          sub_status
================  ==============  ====================================================================
``valid``         ``valid``       none
``invalid``       ``invalid``     ``syntax`` (``regexp`` false), ``no_mx`` (``mx_records`` false),
                                  else ``mailbox_not_found``
``accept_all``    ``catch_all``   none
``webmail``       ``valid``       ``webmail``, when ``result`` is ``deliverable`` or ``smtp_check`` true
``webmail``       ``unknown``     ``webmail``, otherwise
``disposable``    ``invalid``     ``disposable``
``unknown``       ``unknown``     ``blocked`` when ``block`` is true, else none
================  ==============  ====================================================================

An answer with only the deprecated ``result``: ``deliverable`` → ``valid``, ``undeliverable`` →
``invalid`` / ``mailbox_not_found``, ``risky`` → ``catch_all`` when ``accept_all``, else ``unknown``.
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
    flag,
    json_body_of,
    still_verifying,
)

EMAIL_VERIFIER_URL = "https://api.hunter.io/v2/email-verifier"
ACCOUNT_URL = "https://api.hunter.io/v2/account"


class HunterValidator(PaidValidator):
    """Hunter's Email Verifier (``provider="hunter"``)."""

    name = "hunter"
    label = "Hunter"
    key_setting = "hunter_api_key"

    def headers(self, api_key: str | None) -> dict[str, str]:
        return {"Accept": "application/json", "X-API-KEY": api_key or ""}

    def screen(self, response: httpx.Response) -> httpx.Response:
        status = response.status_code
        if status == 202:
            return still_verifying(response)
        if status == 401:
            raise ValidationProviderError("auth", f"Hunter refused the key (401){_details(response)}")
        if status == 403:
            return answer_as(response, 429)
        if status == 429:
            raise ValidationProviderError(
                "quota", f"Hunter's monthly verifications are spent (429){_details(response)}"
            )
        if status == 451 or (status == 400 and _about_the_address(json_body_of(response))):
            return answer_as(response, 200)
        return response

    async def account(self, api: ValidationApi, api_key: str | None) -> str:
        """``GET /v2/account`` (free, not counted in the quota): the plan and its verifications left."""
        body = as_object(await api.request("GET", ACCOUNT_URL), self.label)
        data = body.get("data")
        if not isinstance(data, dict):
            raise ValidationProviderError("bad_response", "Hunter answered without a 'data' object")
        requests = data.get("requests")
        verifications = requests.get("verifications") if isinstance(requests, dict) else None
        if not isinstance(verifications, dict):
            return f"key accepted by Hunter (plan {data.get('plan_name') or 'unknown'})"
        available, used = verifications.get("available"), verifications.get("used")
        left = available - used if isinstance(available, int) and isinstance(used, int) else None
        return credits_left(self.label, left, "verifications") + f" this period (plan {data.get('plan_name')})"

    async def ask(self, api: ValidationApi, email: str, api_key: str | None) -> Verdict:
        body = as_object(await api.request("GET", EMAIL_VERIFIER_URL, params={"email": email}), self.label)
        if _error_code(body) == 451:
            return self.verdict(email, "unknown", "restricted", body)
        if _error_code(body) == 400:
            return self.verdict(email, "invalid", "syntax", body)
        data = body.get("data")
        if not isinstance(data, dict):
            raise ValidationProviderError("bad_response", "Hunter answered without a 'data' object")
        status, sub_status = hunter_verdict(data)
        return self.verdict(email, status, sub_status, body)


def hunter_verdict(data: dict[str, Any]) -> tuple[VerdictStatus, str | None]:
    """Status and sub_status of one verification's ``data`` (see the module docstring)."""
    status = data.get("status")
    result = data.get("result")
    if status == "valid":
        return "valid", None
    if status == "invalid" or (status is None and result == "undeliverable"):
        if flag(data.get("regexp")) is False:
            return "invalid", "syntax"
        if flag(data.get("mx_records")) is False:
            return "invalid", "no_mx"
        return "invalid", "mailbox_not_found"
    if status == "accept_all":
        return "catch_all", None
    if status == "webmail":
        confirmed = result == "deliverable" or flag(data.get("smtp_check")) is True
        return ("valid" if confirmed else "unknown"), "webmail"
    if status == "disposable":
        return "invalid", "disposable"
    if status == "unknown":
        return "unknown", "blocked" if flag(data.get("block")) else None
    if status is None and result == "deliverable":
        return "valid", None
    if status is None and result == "risky":
        return ("catch_all" if flag(data.get("accept_all")) else "unknown"), None
    raise ValidationProviderError("bad_response", f"Hunter answered an unknown status {status!r}")


def _errors(body: Any) -> list[dict[str, Any]]:
    errors = body.get("errors") if isinstance(body, dict) else None
    return [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []


def _error_code(body: dict[str, Any]) -> int | None:
    for error in _errors(body):
        code = error.get("code")
        if isinstance(code, int):
            return code
    return None


def _about_the_address(body: Any) -> bool:
    for error in _errors(body):
        details = str(error.get("details") or "").lower()
        if error.get("id") == "invalid_email" or ("email" in details and "invalid" in details):
            return True
    return False


def _details(response: httpx.Response) -> str:
    details = [str(e["details"]) for e in _errors(json_body_of(response)) if e.get("details")]
    return f": {'; '.join(details)}" if details else ""
