"""Calling an outside JSON API (job boards, contact providers): retries, and failures sorted by kind.

A request is retried on 429, 5xx, timeouts and dropped connections, waiting what the provider's
``Retry-After`` (or ``X-RateLimit-Reset``) asks, when it is reasonable, or else an exponential backoff with jitter. Whatever still
fails after the last attempt becomes an :class:`ExternalServiceError` whose ``kind`` says why:

============================  =================  ========
answer                        kind               retried
============================  =================  ========
401 / 403                     ``auth``           no
429 saying quota or credits   ``quota``          no
401-422 saying credits        ``quota``          no
429 (a burst limit)           ``rate_limited``   yes
5xx, dropped connection       ``unavailable``    yes
timeout                       ``timeout``        yes
other status, not JSON        ``bad_response``   no
============================  =================  ========

``config`` is never raised here; it is the kind callers use for a service they cannot call at all (no key).
A service names its own error by subclassing :class:`JsonApi` with another ``error_type``, so its callers
catch one exception whichever layer found the failure.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, ClassVar, Literal

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt, wait_exponential_jitter

DEFAULT_USER_AGENT = "ra/0.1 (outreach platform for a staffing firm)"
# How much of a provider's error text is kept in a message.
_DETAIL_CHARS = 200
# An X-RateLimit-Reset above this is an epoch timestamp, below it a number of seconds.
_EPOCH_2001 = 1_000_000_000

ExternalServiceErrorKind = Literal["config", "auth", "quota", "rate_limited", "timeout", "unavailable", "bad_response"]

Sleep = Callable[[float], Awaitable[None]]


class ExternalServiceError(Exception):
    """An outside service could not answer (no key, key refused, quota spent, down, nonsense …).

    ``kind`` says which, so a run can report "quota exhausted" differently from "key refused".
    """

    def __init__(self, kind: ExternalServiceErrorKind, message: str) -> None:
        super().__init__(message)
        self.kind: ExternalServiceErrorKind = kind
        self.message = message

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry one request. Tests pass a tiny backoff and a recording ``sleep``."""

    attempts: int = 4
    backoff_initial: float = 1.0
    backoff_max: float = 20.0
    jitter: float = 1.0
    #: A ``Retry-After`` longer than this is not waited for: the request is given up as rate limited.
    max_retry_after: float = 60.0
    sleep: Sleep = asyncio.sleep


class _RetryableAnswer(Exception):
    """A 429 or 5xx worth another attempt."""

    def __init__(self, status: int, detail: str, retry_after: float | None) -> None:
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.detail = detail
        self.retry_after = retry_after


_RETRYABLE_ERRORS = (_RetryableAnswer, httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)
# A 429 that names a quota, credits or a long window (RapidAPI "exceeded the MONTHLY quota", Apollo "…
# times per hour. Please upgrade your plan") will not clear within a run; RapidAPI's "rate limit per
# second" and Apollo's "per minute" will.
_QUOTA_WORDS = re.compile(
    r"\bquota\b|\bcredits?\b|insufficient_?credits|per (?:hour|day|month)\b|\b(?:daily|monthly)\b", re.IGNORECASE
)
# Apollo's "insufficient credits" text and INSUFFICIENT_CREDITS code, Seamless's ``insufficientCredits`` code.
_CREDIT_WORDS = re.compile(r"\bcredits?\b|\bquota\b|insufficient_?credits", re.IGNORECASE)


@asynccontextmanager
async def open_client(
    client: httpx.AsyncClient | None, timeout: float, *, user_agent: str = DEFAULT_USER_AGENT
) -> AsyncIterator[httpx.AsyncClient]:
    """The injected client as it is (its owner closes it), or a fresh one closed afterwards."""
    if client is not None:
        yield client
        return
    async with httpx.AsyncClient(timeout=timeout, headers={"User-Agent": user_agent}) as own:
        yield own


class JsonApi:
    """JSON requests to one provider, retried per the policy. ``requests`` counts what was sent."""

    #: What a failed request raises; a subclass names its service's own (sub)class.
    error_type: ClassVar[type[ExternalServiceError]] = ExternalServiceError

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        timeout: float,
        retry: RetryPolicy,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.client = client
        self.timeout = timeout
        self.retry = retry
        self.headers = headers or {}
        self.requests = 0
        self._backoff = wait_exponential_jitter(
            multiplier=retry.backoff_initial, max=retry.backoff_max, jitter=retry.jitter
        )

    def _error(self, kind: ExternalServiceErrorKind, message: str) -> ExternalServiceError:
        return self.error_type(kind, message)

    async def request(
        self,
        method: str,
        url: str,
        *,
        params: Any = None,
        json_body: Any = None,
    ) -> Any:
        """The decoded JSON answer, or ``error_type`` (see the module docstring for the kinds)."""
        attempts = 0

        async def send() -> httpx.Response:
            nonlocal attempts
            attempts += 1
            self.requests += 1
            response = await self.client.request(
                method, url, params=params, json=json_body, headers=self.headers, timeout=self.timeout
            )
            status = response.status_code
            if status == 429 or status >= 500:
                detail = provider_detail(response)
                if status == 429 and _QUOTA_WORDS.search(detail):
                    raise self._error("quota", f"quota exhausted (429): {detail}")
                retry_after = _asked_wait(response)
                if retry_after is not None and retry_after > self.retry.max_retry_after:
                    raise self._error("rate_limited", f"rate limited ({status}), asked to wait {retry_after:g} s")
                raise _RetryableAnswer(status, detail, retry_after)
            return response

        retrying = AsyncRetrying(
            stop=stop_after_attempt(max(1, self.retry.attempts)),
            wait=self._wait,
            retry=retry_if_exception(lambda exc: isinstance(exc, _RETRYABLE_ERRORS)),
            sleep=self.retry.sleep,
            reraise=True,
        )
        response: httpx.Response | None = None
        try:
            async for attempt in retrying:
                with attempt:
                    response = await send()
        except _RetryableAnswer as exc:
            tries = _attempts(attempts)
            if exc.status == 429:
                raise self._error("rate_limited", f"rate limited (429) after {tries}{_suffix(exc.detail)}") from None
            raise self._error(
                "unavailable", f"server error ({exc.status}) after {tries}{_suffix(exc.detail)}"
            ) from None
        except httpx.TimeoutException:
            raise self._error("timeout", f"timed out after {_attempts(attempts)}") from None
        except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
            raise self._error("unavailable", f"connection failed after {_attempts(attempts)}: {exc!r}") from None
        except httpx.HTTPError as exc:  # a proxy refusing, a redirect loop …: not worth another attempt
            raise self._error("unavailable", f"request failed: {exc!r}") from None
        if response is None:  # unreachable: the loop runs at least once and returns or raises
            raise self._error("unavailable", "no answer")
        return self._decoded(response)

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome is not None else None
        if isinstance(exc, _RetryableAnswer) and exc.retry_after is not None:
            return exc.retry_after
        return float(self._backoff(state))

    def _decoded(self, response: httpx.Response) -> Any:
        status = response.status_code
        detail = provider_detail(response)
        if status in (401, 402, 403, 422) and (
            _CREDIT_WORDS.search(detail) or _CREDIT_WORDS.search(_error_code(response))
        ):
            # Apollo answers a spent credit balance with 4xx (422/403) rather than 429, Seamless with 422.
            raise self._error("quota", f"out of credits ({status}): {detail}")
        if status in (401, 403):
            raise self._error("auth", f"key refused ({status}){_suffix(detail)}")
        if not 200 <= status < 300:
            raise self._error("bad_response", f"unexpected answer ({status}){_suffix(detail)}")
        try:
            return response.json()
        except ValueError:
            snippet = " ".join(response.text.split())[:80]
            raise self._error("bad_response", f"malformed JSON ({status}): {snippet!r}") from None


def _attempts(count: int) -> str:
    return f"{count} attempt" if count == 1 else f"{count} attempts"


def _suffix(detail: str) -> str:
    return f": {detail}" if detail else ""


def provider_detail(response: httpx.Response) -> str:
    """The provider's own words: ``message`` / ``error`` / ``msg`` of a JSON body, else the start of the text."""
    text = response.text
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    if isinstance(body, dict):
        for key in ("message", "error", "detail", "error_message", "msg"):
            value = body.get(key)
            if isinstance(value, dict):
                value = value.get("message")
            if isinstance(value, str) and value.strip():
                return " ".join(value.split())[:_DETAIL_CHARS]
    return " ".join(text.split())[:_DETAIL_CHARS]


def _error_code(response: httpx.Response) -> str:
    # A machine-readable code beside the message: Apollo's ``error_code``, Seamless's ``code``.
    try:
        body = response.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    return " ".join(value for key in ("code", "error_code") if isinstance(value := body.get(key), str))


def _asked_wait(response: httpx.Response) -> float | None:
    """The wait a 429 or 503 asks for: ``Retry-After``, else ``X-RateLimit-Reset`` (Seamless sends that)."""
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    if retry_after is not None:
        return retry_after
    reset = response.headers.get("X-RateLimit-Reset")
    try:
        value = float(reset) if reset is not None else math.nan
    except ValueError:
        return None
    if math.isnan(value) or math.isinf(value):
        return None
    # An epoch timestamp (the documented form) or, from some providers, seconds to wait.
    seconds = value - datetime.now(UTC).timestamp() if value > _EPOCH_2001 else value
    return max(0.0, seconds)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date); None when absent or garbled."""
    if value is None or not value.strip():
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    if math.isnan(seconds) or math.isinf(seconds):
        return None
    return max(0.0, seconds)
