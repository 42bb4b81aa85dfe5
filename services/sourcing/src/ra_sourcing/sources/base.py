"""What a job source hands to the lead-sourcing pipeline, and what it is asked for (SOP §2.2)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from pydantic import AwareDatetime, BaseModel, Field, field_validator, model_validator
from ra_contracts.defaults import (
    EXCLUDE_IT_KEYWORDS,
    EXCLUDE_STAFFING_KEYWORDS,
    STAFFING_AGENCY_NAMES,
    TARGET_INDUSTRIES,
    TARGET_JOB_TITLES,
    US_STATE_NAMES,
    US_STATES,
)
from ra_runtime.http import ExternalServiceError, ExternalServiceErrorKind

_STATE_CODE_BY_NAME = {name.lower(): code for code, name in US_STATE_NAMES.items()}


class JobPosting(BaseModel):
    """One job posting as fetched from a source, before it becomes a lead.

    ``sources`` lists every place the same job was seen; it starts as ``[source]`` and grows when
    in-batch deduplication merges duplicates into the best posting.
    """

    source: str
    external_id: str
    company_name: str
    job_title: str
    city: str | None = None
    state: str | None = Field(default=None, description="Two-letter code, e.g. TX")
    country: str = "US"
    job_link: str | None = None
    salary_min: float | None = None
    salary_max: float | None = None
    salary_currency: str | None = None
    industry: str | None = None
    posted_at: AwareDatetime | None = None
    description: str | None = None
    employment_type: str | None = None
    contact_first_name: str | None = None
    contact_last_name: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None
    contact_title: str | None = None
    sources: list[str] = Field(default_factory=list)

    @field_validator("state", mode="before")
    @classmethod
    def _state_as_code(cls, value: object) -> object:
        # Boards disagree on "TX" vs "Texas"; the dedup key needs one spelling.
        if not isinstance(value, str):
            return value
        text = value.strip()
        if not text:
            return None
        if len(text) == 2 and text.isalpha():
            return text.upper()
        code = _STATE_CODE_BY_NAME.get(text.lower())
        if code is None:
            raise ValueError(f"state must be a two-letter code or a US state name, got {value!r}")
        return code

    @model_validator(mode="after")
    def _seen_on_own_source(self) -> JobPosting:
        if not self.sources:
            self.sources = [self.source]
        return self


class SourcingCriteria(BaseModel):
    """What to fetch, loaded from Settings (SOP §2.2 step 1). Empty target lists mean "any"."""

    target_job_titles: list[str] = Field(default_factory=lambda: list(TARGET_JOB_TITLES))
    target_states: list[str] = Field(default_factory=lambda: list(US_STATES))
    exclude_it_keywords: list[str] = Field(default_factory=lambda: list(EXCLUDE_IT_KEYWORDS))
    exclude_staffing_keywords: list[str] = Field(default_factory=lambda: list(EXCLUDE_STAFFING_KEYWORDS))
    industries: list[str] = Field(default_factory=lambda: list(TARGET_INDUSTRIES))
    staffing_agency_names: list[str] = Field(default_factory=lambda: list(STAFFING_AGENCY_NAMES))
    posted_within_days: int = Field(default=30, ge=1)
    max_results: int | None = Field(default=None, ge=1)

    @field_validator("target_states")
    @classmethod
    def _states_upper(cls, value: list[str]) -> list[str]:
        return [state.strip().upper() for state in value if state.strip()]


SourceErrorKind = ExternalServiceErrorKind


class SourceError(ExternalServiceError):
    """The source as a whole could not be used (no key, key refused, quota spent, board down …).

    ``kind`` says which, so the run can report "quota exhausted" differently from "key refused".
    """


@dataclass
class FetchResult:
    """What one source returned: postings, plus the requests that failed without failing the source.

    A source that got some pages and lost others (a 429 after every retry on query 7 of 9) returns the
    postings it has and one message per lost request in ``errors``; the run counts each as an error.
    """

    postings: list[JobPosting] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    #: HTTP requests (or scrapes) made, for the run's per-source report.
    requests: int = 0


@runtime_checkable
class JobSource(Protocol):
    """A job board adapter. ``fetch`` returns raw postings; screening and dedup happen afterwards.

    ``fetch`` raises :class:`SourceError` when the source cannot be used at all; anything it could fetch
    is returned even when some requests failed (see :class:`FetchResult`).
    """

    name: str

    async def fetch(self, criteria: SourcingCriteria) -> FetchResult: ...


#: Builds a source from the live settings (``ServiceContext.settings.get``).
SourceFactory = Callable[[Callable[[str], Any]], JobSource]
