"""What the job-board adapters share: the runtime's JSON client failing as :class:`SourceError`, field mapping.

Requests go through :class:`ra_runtime.http.JsonApi` (retries on 429, 5xx, timeouts and dropped
connections, honouring ``Retry-After``); whatever still fails becomes a :class:`SourceError` whose ``kind``
says why (``auth``, ``quota``, ``rate_limited``, ``unavailable``, ``timeout``, ``bad_response``; the table is
in :mod:`ra_runtime.http`).

A :class:`FetchLedger` keeps the books of one ``fetch``: every lost request is one message in
``FetchResult.errors``; after ``auth`` or ``quota`` the remaining requests are not sent (they would fail
the same way and burn quota); and the source fails as a whole only when no request succeeded.

The field helpers at the end (US state codes, timestamps, description length, employment types) keep
the adapters' mappings consistent, JobSpy's rows included.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, date, datetime

import httpx
from ra_contracts.defaults import US_STATE_NAMES
from ra_runtime import http as runtime_http

from ra_sourcing.sources.base import FetchResult, JobPosting, SourceError, SourceErrorKind

USER_AGENT = "ra-sourcing/0.1 (lead sourcing for a staffing firm)"
#: Long enough for any real posting; a board that pastes a whole careers site into one field is cut here.
MAX_DESCRIPTION_CHARS = 20_000


class JsonApi(runtime_http.JsonApi):
    """The runtime's JSON client, failing with :class:`SourceError` as the adapters and the ledger expect."""

    error_type = SourceError


def open_client(client: httpx.AsyncClient | None, timeout: float) -> AbstractAsyncContextManager[httpx.AsyncClient]:
    """The injected client as it is, or a fresh one (closed afterwards) that says it is lead sourcing."""
    return runtime_http.open_client(client, timeout, user_agent=USER_AGENT)


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
