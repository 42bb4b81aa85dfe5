"""What an email validator answers (SOP §4.1), the protocol every provider adapter meets, and the HTTP
plumbing they share.

A :class:`Verdict` is one of the SOP's four statuses plus, in ``sub_status``, the provider's reason in a
small shared vocabulary where one fits:

=====================  ===========================================================================
sub_status             meaning
=====================  ===========================================================================
``mailbox_not_found``  the server says there is no such mailbox (or it is disabled)
``syntax``             not a well-formed address
``no_mx``              the domain has no mail server (no MX / bad DNS)
``disposable``         a throwaway-address domain
``role``               a shared mailbox (info@, admin@, sales@ …)
``spamtrap``           a known or likely spam trap
``abuse``              a known complainer
``toxic``              an address the provider calls toxic (abuse, bots, breaches)
``do_not_mail``        on a suppression list, or the provider says "do not mail" for another reason
``full_inbox``         the mailbox is over quota
``greylisted``         the server asked to try again later
``timeout``            the check ran out of time (the provider's, or ours while it was still working)
=====================  ===========================================================================

Anything else is the provider's own word, lowercased (``webmail``, ``server_down`` …). Every provider
maps to the statuses the same way: confirmed deliverable → ``valid``; no such mailbox, bad syntax or
domain, disposable, spam trap, abuse, do-not-mail → ``invalid`` (SOP: "do NOT send"); accept-all domain →
``catch_all``; risky, unknown, greylisted, timed out → ``unknown``.

Failures are :class:`ValidationProviderError` with the runtime's kinds (``config`` for a missing key,
``auth``, ``quota``, ``rate_limited``, ``timeout``, ``unavailable``, ``bad_response``); "this address does
not exist" is a verdict, never an error.

Providers say "slow down", "out of credits" or "still working" in their own ways (NeverBounce inside a 200
body, Hunter with 403 and 429, Emailable with 249 …). Each adapter gives :class:`ValidationApi` a
``screen`` that reads every answer before the runtime's :class:`~ra_runtime.http.JsonApi` looks at the
status code and restates it in the runtime's terms: :func:`answer_as` (e.g. as a 429, so it is retried
then reported as ``rate_limited``), :func:`still_verifying` (retried, then :class:`StillVerifying`), or a
:class:`ValidationProviderError` raised straight away.
"""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal, NoReturn, Protocol, Self, cast, runtime_checkable

import httpx
from pydantic import BaseModel, ConfigDict, Field
from ra_runtime.http import ExternalServiceError, JsonApi, RetryPolicy, open_client

VerdictStatus = Literal["valid", "invalid", "catch_all", "unknown"]

#: Reads one HTTP answer before the runtime does; returns it (maybe restated) or raises.
Screen = Callable[[httpx.Response], httpx.Response]

USER_AGENT = "ra-validation/0.1 (email validation for a staffing firm)"
#: The address connection tests check when a provider has no free account call: example.com publishes a
#: null MX (RFC 7505), so a verifier answers from DNS at once, without talking to a mail server.
CHECK_ADDRESS = "connection-test@example.com"
# Headers that describe the bytes on the wire; a restated answer carries the decoded body.
_WIRE_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})
_NOT_A_WORD = re.compile(r"[^a-z0-9]+")
_CREDIT_WORDS = re.compile(r"\bcredits?\b|\bquota\b|\bbalance\b|insufficient", re.IGNORECASE)


class Verdict(BaseModel):
    """One address checked by one provider. ``raw`` is the provider's answer as received, kept for audit."""

    model_config = ConfigDict(frozen=True)

    email: str
    status: VerdictStatus
    sub_status: str | None = None
    provider: str
    raw: dict[str, Any] = Field(default_factory=dict)
    checked_at: datetime = Field(default_factory=lambda: datetime.now(UTC))


@runtime_checkable
class EmailValidator(Protocol):
    """A validation provider (NeverBounce, ZeroBounce …, demo). ``paid`` providers spend credits per check."""

    name: str
    paid: bool

    async def check(self, email: str) -> Verdict: ...


class ValidationProviderError(ExternalServiceError):
    """A provider could not answer about an address; ``kind`` says why (see the module docstring)."""


class StillVerifying(Exception):
    """The provider was still working on the address after every attempt; ``body`` is its last answer."""

    def __init__(self, body: dict[str, Any], attempts: int) -> None:
        super().__init__(f"still verifying after {attempts} attempts")
        self.body = body
        self.attempts = attempts


class _Pending(httpx.TimeoutException):
    """An answer saying "not finished, ask again": retried by the runtime like a timeout."""


class _ScreenedClient:
    """The HTTP client as :class:`JsonApi` sees it: every answer goes through the provider's screen first."""

    def __init__(self, client: httpx.AsyncClient, screen: Screen) -> None:
        self._client = client
        self._screen = screen
        self.pending: httpx.Response | None = None

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        self.pending = None
        response = await self._client.request(method, url, **kwargs)
        try:
            return self._screen(response)
        except _Pending:
            self.pending = response
            raise


class ValidationApi(JsonApi):
    """The runtime's JSON client (retries, ``Retry-After``) failing with :class:`ValidationProviderError`,
    with the provider's ``screen`` reading each answer first."""

    error_type = ValidationProviderError

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        timeout: float,
        retry: RetryPolicy,
        headers: dict[str, str] | None = None,
        screen: Screen | None = None,
    ) -> None:
        self._screened = _ScreenedClient(client, screen or (lambda response: response))
        # JsonApi only ever calls ``client.request``, which the screened client provides.
        super().__init__(cast(httpx.AsyncClient, self._screened), timeout=timeout, retry=retry, headers=headers)

    async def request(self, method: str, url: str, *, params: Any = None, json_body: Any = None) -> Any:
        """The decoded answer; :class:`StillVerifying` when the provider never finished."""
        before = self.requests
        try:
            return await super().request(method, url, params=params, json_body=json_body)
        except ValidationProviderError as exc:
            pending = self._screened.pending
            if exc.kind != "timeout" or pending is None:
                raise
            body = json_body_of(pending)
            raise StillVerifying(body if isinstance(body, dict) else {}, self.requests - before) from None


def answer_as(response: httpx.Response, status: int) -> httpx.Response:
    """The same answer with another status code, so the runtime treats it as that (429 → retried, then
    ``rate_limited``; 503 → retried, then ``unavailable``; 200 → decoded and handed to the adapter)."""
    headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in _WIRE_HEADERS]
    return httpx.Response(status, headers=headers, content=response.content, request=response.request)


def still_verifying(response: httpx.Response) -> NoReturn:
    """Raise for an answer meaning "not finished yet": asked again per the retry policy, then
    :class:`StillVerifying` (which adapters turn into ``unknown`` / ``timeout``)."""
    raise _Pending("the provider is still verifying the address", request=response.request)


def json_body_of(response: httpx.Response) -> Any:
    """The decoded JSON body, or None when it is not JSON."""
    try:
        return json.loads(response.content or b"null")
    except ValueError:
        return None


def as_object(payload: Any, provider: str) -> dict[str, Any]:
    """The answer as a JSON object, else a ``bad_response``."""
    if not isinstance(payload, dict):
        raise ValidationProviderError(
            "bad_response", f"{provider}: unexpected answer: a JSON {type(payload).__name__}, not an object"
        )
    return payload


def says_credits(text: str) -> bool:
    """True when a provider's message is about spent credits or quota."""
    return bool(_CREDIT_WORDS.search(text))


def reason_word(value: object) -> str | None:
    """A provider's reason as one lowercase word: ``"Mailbox Not Found"`` → ``"mailbox_not_found"``."""
    if not isinstance(value, str):
        return None
    word = _NOT_A_WORD.sub("_", value.strip().lower()).strip("_")
    return word or None


def flag(value: object) -> bool | None:
    """A provider's yes/no field (``true``, ``"True"``, ``"yes"``, ``1``) as a bool; None when absent or odd."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("true", "yes", "1"):
            return True
        if text in ("false", "no", "0"):
            return False
    return None


def credits_left(label: str, credits: object, what: str = "credits") -> str:
    """``"key accepted: 1,200 credits left"``; ``quota`` when none are left (the key works, checks would not)."""
    if isinstance(credits, str) and credits.strip().lstrip("-").isdigit():
        credits = int(credits.strip())
    if not isinstance(credits, int | float) or isinstance(credits, bool):
        return f"key accepted by {label}"
    if credits <= 0:
        raise ValidationProviderError("quota", f"{label} accepted the key but has no {what} left")
    return f"key accepted by {label}: {credits:,.0f} {what} left"


def missing_key(provider: str, setting: str) -> ValidationProviderError:
    return ValidationProviderError("config", f"{provider} has no API key: set {setting} in Settings")


class PaidValidator(ABC):
    """What the key-based adapters share: the key from Settings (checked at call time, so an adapter can
    always be built and the run reports the missing key), the client, the retry policy, and turning
    :class:`StillVerifying` into an ``unknown`` / ``timeout`` verdict (the pipeline checks those again later).

    A subclass names itself and its setting and implements :meth:`ask`; it may add ``headers`` and a
    ``screen``.
    """

    name: str
    #: The provider as people spell it, for messages.
    label: ClassVar[str]
    #: The Settings key holding the API key.
    key_setting: ClassVar[str]
    paid: bool = True
    #: Seconds our HTTP client waits; providers that take a server-side time budget get a little less.
    default_timeout: ClassVar[float] = 30.0

    def __init__(
        self,
        api_key: str | None,
        *,
        timeout_seconds: float | None = None,
        client: httpx.AsyncClient | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.api_key = api_key.strip() if isinstance(api_key, str) and api_key.strip() else None
        self.timeout_seconds = timeout_seconds if timeout_seconds is not None else self.default_timeout
        self._client = client
        self.retry = retry or RetryPolicy()

    @classmethod
    def from_settings(cls, get: Callable[[str], Any], *, client: httpx.AsyncClient | None = None) -> Self:
        """Built from Settings; pass ``client`` to share one connection pool across checks (its owner
        closes it), else each check opens and closes its own."""
        return cls(api_key=get(cls.key_setting) or None, client=client)

    def budget_seconds(self, low: float, high: float) -> float:
        """How long the provider may work on one address: a few seconds under our own timeout, so a slow
        check comes back as the provider's "timed out" verdict rather than our timeout."""
        return min(high, max(low, self.timeout_seconds - 5))

    def headers(self, api_key: str | None) -> dict[str, str]:
        return {"Accept": "application/json"}

    def screen(self, response: httpx.Response) -> httpx.Response:
        return response

    @abstractmethod
    async def ask(self, api: ValidationApi, email: str, api_key: str | None) -> Verdict:
        """The provider's single check of ``email``, mapped to a verdict (each adapter's own)."""

    @abstractmethod
    async def account(self, api: ValidationApi, api_key: str | None) -> str:
        """The provider's cheapest authenticated call (an account or credits endpoint where there is one),
        described for people; each adapter its own. Raises :class:`ValidationProviderError`."""

    async def check_connection(self) -> str:
        """The Settings page's test: :meth:`account` through the same client, headers and screen as a check
        (``config`` without a key, before anything is sent)."""
        api_key = self.require_key()
        async with self._api(api_key) as api:
            return await self.account(api, api_key)

    @asynccontextmanager
    async def _api(self, api_key: str | None) -> AsyncIterator[ValidationApi]:
        """The provider's client, with its headers, retries and error screen (one per check)."""
        async with open_client(self._client, self.timeout_seconds, user_agent=USER_AGENT) as client:
            yield ValidationApi(
                client,
                timeout=self.timeout_seconds,
                retry=self.retry,
                headers=self.headers(api_key),
                screen=self.screen,
            )

    def require_key(self) -> str | None:
        if not self.api_key:
            raise missing_key(self.label, self.key_setting)
        return self.api_key

    async def check(self, email: str) -> Verdict:
        api_key = self.require_key()
        address = email.strip()
        async with self._api(api_key) as api:
            try:
                return await self.ask(api, address, api_key)
            except StillVerifying as exc:
                return self.verdict(address, "unknown", "timeout", exc.body)

    def verdict(self, email: str, status: VerdictStatus, sub_status: str | None, raw: dict[str, Any]) -> Verdict:
        return Verdict(email=email, status=status, sub_status=sub_status, provider=self.name, raw=raw)
