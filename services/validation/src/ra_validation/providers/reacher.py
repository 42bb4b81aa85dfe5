"""Reacher (v0 check_email) as an email validator: the hosted API or a self-hosted Reacher.

``POST {reacher_api_url}/check_email`` with ``{"to_email": …}``. ``reacher_api_url`` defaults to the
hosted ``https://api.reacher.email/v0``, which needs ``reacher_api_key`` (sent as the ``Authorization``
header, bare, as Reacher's quick start shows). A self-hosted Reacher (``http://reacher:8080/v0`` …) needs
no key; one is still sent when set. Reacher talks to the mail server itself, so a check can take tens of
seconds: the default timeout is 60 s. 401/403 → ``auth``; 429 → retried, then ``rate_limited`` (``quota``
when the message names a quota or credits); 5xx and timeouts → retried, then ``unavailable`` / ``timeout``.

================  ==============  ==================================================================
``is_reachable``  status          sub_status
================  ==============  ==================================================================
``safe``          ``valid``       ``role`` with ``misc.is_role_account``, else none
``invalid``       ``invalid``     ``syntax`` (``syntax.is_valid_syntax`` false), ``no_mx``
                                  (``mx.accepts_mail`` false), ``full_inbox``
                                  (``smtp.has_full_inbox``), else ``mailbox_not_found``
``risky``         ``invalid``     ``disposable`` (``misc.is_disposable``), checked first
``risky``         ``catch_all``   ``role`` / none, when ``smtp.is_catch_all``
``risky``         ``unknown``     ``full_inbox``, when ``smtp.has_full_inbox``
``risky``         ``valid``       ``role``, when ``misc.is_role_account`` and ``smtp.is_deliverable``
``risky``         ``unknown``     ``role`` / none, otherwise
``unknown``       ``unknown``     ``timeout`` when the SMTP error mentions a timeout, else the SMTP
                                  error's ``type`` as one word, else none
================  ==============  ==================================================================
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Self

import httpx
from ra_runtime.http import RetryPolicy

from ra_validation.providers.base import (
    CHECK_ADDRESS,
    PaidValidator,
    ValidationApi,
    ValidationProviderError,
    Verdict,
    VerdictStatus,
    as_object,
    flag,
    reason_word,
)

HOSTED_API_URL = "https://api.reacher.email/v0"


class ReacherValidator(PaidValidator):
    """Reacher's ``check_email`` (``provider="reacher"``), hosted or self-hosted."""

    name = "reacher"
    label = "Reacher"
    key_setting = "reacher_api_key"
    default_timeout = 60.0

    def __init__(
        self,
        api_key: str | None,
        *,
        api_url: str | None = None,
        timeout_seconds: float | None = None,
        client: httpx.AsyncClient | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        super().__init__(api_key, timeout_seconds=timeout_seconds, client=client, retry=retry)
        self.api_url = (api_url or "").strip().rstrip("/") or HOSTED_API_URL

    @classmethod
    def from_settings(cls, get: Callable[[str], Any], *, client: httpx.AsyncClient | None = None) -> Self:
        return cls(api_key=get("reacher_api_key") or None, api_url=get("reacher_api_url") or None, client=client)

    @property
    def hosted(self) -> bool:
        return self.api_url == HOSTED_API_URL

    @property
    def check_url(self) -> str:
        return f"{self.api_url}/check_email"

    def require_key(self) -> str | None:
        if self.hosted and not self.api_key:
            raise ValidationProviderError(
                "config",
                "Reacher has no API key: set reacher_api_key in Settings (or point reacher_api_url at a "
                "self-hosted Reacher, which needs none)",
            )
        return self.api_key

    def headers(self, api_key: str | None) -> dict[str, str]:
        headers = {"Accept": "application/json", "Content-Type": "application/json"}
        if api_key:
            headers["Authorization"] = api_key
        return headers

    async def account(self, api: ValidationApi, api_key: str | None) -> str:
        """One real ``check_email`` of :data:`~ra_validation.providers.base.CHECK_ADDRESS`: Reacher has no other
        endpoint. The domain takes no mail (a null MX), so Reacher answers from DNS without an SMTP
        conversation; on the hosted plan it counts as one verification."""
        body = as_object(await api.request("POST", self.check_url, json_body={"to_email": CHECK_ADDRESS}), self.label)
        where = "the hosted Reacher" if self.hosted else f"Reacher at {self.api_url}"
        return f"{where} answered a check of {CHECK_ADDRESS} ({body.get('is_reachable') or 'no verdict'})"

    async def ask(self, api: ValidationApi, email: str, api_key: str | None) -> Verdict:
        body = as_object(await api.request("POST", self.check_url, json_body={"to_email": email}), self.label)
        status, sub_status = reacher_verdict(body)
        return self.verdict(email, status, sub_status, body)


def reacher_verdict(body: dict[str, Any]) -> tuple[VerdictStatus, str | None]:
    """Status and sub_status of one ``check_email`` answer (see the module docstring)."""
    reachable = body.get("is_reachable")
    misc = _part(body, "misc")
    mx = _part(body, "mx")
    smtp = _part(body, "smtp")
    syntax = _part(body, "syntax")
    role = flag(misc.get("is_role_account")) is True
    if reachable == "safe":
        return "valid", "role" if role else None
    if reachable == "invalid":
        if flag(syntax.get("is_valid_syntax")) is False:
            return "invalid", "syntax"
        if flag(mx.get("accepts_mail")) is False:
            return "invalid", "no_mx"
        if flag(smtp.get("has_full_inbox")):
            return "invalid", "full_inbox"
        return "invalid", "mailbox_not_found"
    if reachable == "risky":
        if flag(misc.get("is_disposable")):
            return "invalid", "disposable"
        if flag(smtp.get("is_catch_all")):
            return "catch_all", "role" if role else None
        if flag(smtp.get("has_full_inbox")):
            return "unknown", "full_inbox"
        if role and flag(smtp.get("is_deliverable")):
            return "valid", "role"
        return "unknown", "role" if role else None
    if reachable == "unknown":
        return "unknown", _smtp_error(smtp)
    raise ValidationProviderError("bad_response", f"Reacher answered an unknown is_reachable {reachable!r}")


def _part(body: dict[str, Any], key: str) -> dict[str, Any]:
    part = body.get(key)
    return part if isinstance(part, dict) else {}


def _smtp_error(smtp: dict[str, Any]) -> str | None:
    """When the SMTP step failed Reacher puts ``{"type", "message"}`` where the SMTP details would be."""
    message = str(smtp.get("message") or "")
    if "timeout" in message.lower() or "timed out" in message.lower():
        return "timeout"
    return reason_word(smtp.get("type"))
