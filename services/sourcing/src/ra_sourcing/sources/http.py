"""What the job-board adapters share: HTTP with retries, failures as :class:`SourceError`, field mapping.

A request is retried on 429, 5xx, timeouts and dropped connections, waiting what the provider's
``Retry-After`` asks (when it is reasonable) or else an exponential backoff with jitter. Whatever still
fails after the last attempt becomes a :class:`SourceError` whose ``kind`` says why:

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

A :class:`FetchLedger` keeps the books of one ``fetch``: every lost request is one message in
``FetchResult.errors``; after ``auth`` or ``quota`` the remaining requests are not sent (they would fail
the same way and burn quota); and the source fails as a whole only when no request succeeded.

The field helpers at the end (US state codes, timestamps, description length, employment types) keep
the adapters' mappings consistent, JobSpy's rows included.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from ra_contracts.defaults import US_STATE_NAMES
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from ra_sourcing.sources.base import FetchResult, JobPosting, SourceError, SourceErrorKind

USER_AGENT = "ra-sourcing/0.1 (lead sourcing for a staffing firm)"
#: Long enough for any real posting; a board that pastes a whole careers site into one field is cut here.
MAX_DESCRIPTION_CHARS = 20_000
# How much of a provider's error text is kept in a message.
_DETAIL_CHARS = 200

Sleep = Callable[[float], Awaitable[None]]


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
_QUOTA_WORDS = re.compile(r"\bquota\b|\bcredits?\b|per (?:hour|day|month)\b|\b(?:daily|monthly)\b", re.IGNORECASE)
_CREDIT_WORDS = re.compile(r"\bcredits?\b|\bquota\b", re.IGNORECASE)


@asynccontextmanager
async def open_client(client: httpx.AsyncClient | None, timeout: float) -> AsyncIterator[httpx.AsyncClient]:
    """The injected client as it is (its owner closes it), or a fresh one closed afterwards."""
    if client is not None:
        yield client
        return
    async with httpx.AsyncClient(timeout=timeout, headers={"User-Agent": USER_AGENT}) as own:
        yield own


class JsonApi:
    """JSON requests to one provider, retried per the policy. ``requests`` counts what was sent."""

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

    async def request(
        self,
        method: str,
        url: str,
        *,
        params: Any = None,
        json_body: Any = None,
    ) -> Any:
        """The decoded JSON answer, or :class:`SourceError` (see the module docstring for the kinds)."""
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
                    raise SourceError("quota", f"quota exhausted (429): {detail}")
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                if retry_after is not None and retry_after > self.retry.max_retry_after:
                    raise SourceError("rate_limited", f"rate limited ({status}), asked to wait {retry_after:g} s")
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
                raise SourceError("rate_limited", f"rate limited (429) after {tries}{_suffix(exc.detail)}") from None
            raise SourceError(
                "unavailable", f"server error ({exc.status}) after {tries}{_suffix(exc.detail)}"
            ) from None
        except httpx.TimeoutException:
            raise SourceError("timeout", f"timed out after {_attempts(attempts)}") from None
        except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
            raise SourceError("unavailable", f"connection failed after {_attempts(attempts)}: {exc!r}") from None
        except httpx.HTTPError as exc:  # a proxy refusing, a redirect loop …: not worth another attempt
            raise SourceError("unavailable", f"request failed: {exc!r}") from None
        if response is None:  # unreachable: the loop runs at least once and returns or raises
            raise SourceError("unavailable", "no answer")
        return _decoded(response)

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome is not None else None
        if isinstance(exc, _RetryableAnswer) and exc.retry_after is not None:
            return exc.retry_after
        return float(self._backoff(state))


def _attempts(count: int) -> str:
    return f"{count} attempt" if count == 1 else f"{count} attempts"


def _suffix(detail: str) -> str:
    return f": {detail}" if detail else ""


def _decoded(response: httpx.Response) -> Any:
    status = response.status_code
    if status in (401, 402, 403, 422) and _CREDIT_WORDS.search(detail := provider_detail(response)):
        # Apollo answers a spent credit balance with 4xx (422/403) rather than 429.
        raise SourceError("quota", f"out of credits ({status}): {detail}")
    if status in (401, 403):
        raise SourceError("auth", f"key refused ({status}){_suffix(provider_detail(response))}")
    if not 200 <= status < 300:
        raise SourceError("bad_response", f"unexpected answer ({status}){_suffix(provider_detail(response))}")
    try:
        return response.json()
    except ValueError:
        snippet = " ".join(response.text.split())[:80]
        raise SourceError("bad_response", f"malformed JSON ({status}): {snippet!r}") from None


def provider_detail(response: httpx.Response) -> str:
    """The provider's own words: ``message`` / ``error`` of a JSON body, else the start of the text."""
    text = response.text
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    if isinstance(body, dict):
        for key in ("message", "error", "detail", "error_message"):
            value = body.get(key)
            if isinstance(value, dict):
                value = value.get("message")
            if isinstance(value, str) and value.strip():
                return " ".join(value.split())[:_DETAIL_CHARS]
    return " ".join(text.split())[:_DETAIL_CHARS]


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


# --- one fetch's book-keeping ----------------------------------------------------------------------

# When every request failed, the source reports the most telling kind.
_KIND_PRIORITY: tuple[SourceErrorKind, ...] = (
    "auth",
    "quota",
    "rate_limited",
    "timeout",
    "unavailable",
    "bad_response",
    "config",
)


class FetchLedger:
    """Which requests of one fetch succeeded or were lost, and whether the rest is still worth sending."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.errors: list[str] = []
        self.succeeded = 0
        self.failures: list[tuple[str, SourceError]] = []
        #: Set by an ``auth`` or ``quota`` failure: later requests are recorded as lost without being sent.
        self.halted: SourceError | None = None

    def ok(self) -> None:
        self.succeeded += 1

    def lost(self, label: str, error: SourceError) -> None:
        message = f"{label}: {error.message}"
        self.errors.append(message)
        self.failures.append((message, error))
        if error.kind in ("auth", "quota") and self.halted is None:
            self.halted = error

    def not_sent(self, label: str, why: str | None = None) -> None:
        if why is None:
            halted = self.halted
            why = (
                "key refused earlier in this run"
                if halted and halted.kind == "auth"
                else "quota exhausted earlier in this run"
            )
        self.errors.append(f"{label}: not sent, {why}")

    def result(self, postings: list[JobPosting], requests: int) -> FetchResult:
        """The fetch's result, or :class:`SourceError` when the key was refused or nothing succeeded."""
        auth = next((message for message, error in self.failures if error.kind == "auth"), None)
        if auth is not None:
            # A refused key is the user's to fix; partial results would hide that.
            raise SourceError("auth", auth)
        if self.succeeded == 0 and self.failures:
            kind = self._overall_kind()
            first = next(message for message, error in self.failures if error.kind == kind)
            lost = len(self.errors)
            raise SourceError(kind, f"{first} (no request succeeded, {lost} lost)" if lost > 1 else first)
        return FetchResult(postings=postings, errors=list(self.errors), requests=requests)

    def _overall_kind(self) -> SourceErrorKind:
        kinds = Counter(error.kind for _, error in self.failures)
        if kinds["quota"]:
            return "quota"
        top = max(kinds.values())
        return next(kind for kind in _KIND_PRIORITY if kinds[kind] == top)


# --- mapping provider fields -----------------------------------------------------------------------

_STATE_CODES_BY_NAME = {name.lower(): code for code, name in US_STATE_NAMES.items()}
_US_NAMES = frozenset({"us", "usa", "u.s.", "u.s.a.", "united states", "united states of america"})
_EMPLOYMENT_TYPES = {
    "fulltime": "Full-time",
    "parttime": "Part-time",
    "contract": "Contract",
    "contractor": "Contract",
    "temporary": "Temporary",
    "intern": "Internship",
    "internship": "Internship",
    "perdiem": "Per diem",
}


def title_batches(titles: Sequence[str], size: int) -> list[list[str]]:
    """Titles in order, ``size`` a batch: 37 titles at 4 a batch are ten batches (nine of 4, one of 1)."""
    cleaned = [title.strip() for title in titles if title.strip()]
    size = max(1, size)
    return [cleaned[start : start + size] for start in range(0, len(cleaned), size)]


def unique_postings(postings: Iterable[JobPosting]) -> list[JobPosting]:
    """First sighting of each ``external_id``: overlapping queries of one source return a job twice."""
    seen: set[str] = set()
    unique: list[JobPosting] = []
    for posting in postings:
        if posting.external_id not in seen:
            seen.add(posting.external_id)
            unique.append(posting)
    return unique


def or_query(titles: Iterable[str]) -> str:
    return " OR ".join(titles)


def us_state_code(value: object) -> str | None:
    """``"TX"`` or ``"Texas"`` -> ``"TX"``; anything else (a province, "Remote", blank) -> None."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if len(text) == 2 and text.upper() in US_STATE_NAMES:
        return text.upper()
    return _STATE_CODES_BY_NAME.get(text.lower())


def is_us(value: object) -> bool:
    return isinstance(value, str) and value.strip().lower() in _US_NAMES


def country_code(value: object) -> str:
    """``"US"`` for every spelling of the United States (and when unknown), else the board's own text."""
    if not isinstance(value, str) or not value.strip() or is_us(value):
        return "US"
    return value.strip()


def parse_timestamp(value: object) -> datetime | None:
    """An aware UTC datetime from ISO text (``Z`` included), epoch seconds, a date or a datetime."""
    if value is None or isinstance(value, bool):
        return None
    when: datetime
    if isinstance(value, datetime):
        when = value
    elif isinstance(value, date):
        when = datetime(value.year, value.month, value.day)
    elif isinstance(value, int | float):
        if math.isnan(value) or math.isinf(value):
            return None
        try:
            when = datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    elif isinstance(value, str) and value.strip():
        try:
            when = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    else:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def clip_description(value: object) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    return text if len(text) <= MAX_DESCRIPTION_CHARS else text[:MAX_DESCRIPTION_CHARS].rstrip() + " …"


def employment_type_label(value: object) -> str | None:
    """``FULLTIME`` / ``fulltime`` / ``Full-time`` -> ``Full-time``; several (``"fulltime, contract"``) -> the first."""
    if not isinstance(value, str) or not value.strip():
        return None
    first = value.split(",")[0].strip()
    key = re.sub(r"[^a-z]", "", first.lower())
    return _EMPLOYMENT_TYPES.get(key, first)


def text_or_none(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    text = value.strip()
    return text or None


def amount_or_none(value: object) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        amount = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if math.isnan(amount) or math.isinf(amount) or amount <= 0:
        return None
    return amount
