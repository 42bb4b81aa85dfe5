"""What a lead and a client (ClientInfo) are made of when a person writes one: by hand through the API, or
by importing a CSV/XLSX file. The gateway checks requests against these models and the sourcing service,
which owns leads and clients, checks them again before storing.

Lead statuses and the changes a person may make (SOP §2–§5: NEW → ENRICHED → VALIDATED, then outreach):

========== ===========================================================================================
NEW        found by a job source (or entered/imported); waiting for contacts
ENRICHED   contacts found (set by the enrichment pipeline, or by hand)
VALIDATED  at least one contact has a valid email (set by the validation pipeline, or by hand)
CONTACTED  outreach went out to the lead's contacts
RESPONDED  a contact answered
CONVERTED  the company became a client of the desk
ARCHIVED   not pursued (any status can be archived; an archived lead can be reopened as NEW)
========== ===========================================================================================
"""

from __future__ import annotations

import re
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Final

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from ra_contracts.defaults import US_STATE_NAMES, US_STATES


class LeadStatus(StrEnum):
    NEW = "NEW"
    ENRICHED = "ENRICHED"
    VALIDATED = "VALIDATED"
    CONTACTED = "CONTACTED"
    RESPONDED = "RESPONDED"
    CONVERTED = "CONVERTED"
    ARCHIVED = "ARCHIVED"


_S = LeadStatus
#: Status changes a person may make from the dashboard's dropdown (the pipelines move leads forward on
#: their own: NEW → ENRICHED on ``lead.enriched``, → VALIDATED on a valid contact).
LEAD_TRANSITIONS: Final[dict[LeadStatus, frozenset[LeadStatus]]] = {
    _S.NEW: frozenset({_S.ENRICHED, _S.ARCHIVED}),
    _S.ENRICHED: frozenset({_S.NEW, _S.VALIDATED, _S.ARCHIVED}),
    _S.VALIDATED: frozenset({_S.ENRICHED, _S.CONTACTED, _S.ARCHIVED}),
    _S.CONTACTED: frozenset({_S.VALIDATED, _S.RESPONDED, _S.ARCHIVED}),
    _S.RESPONDED: frozenset({_S.CONTACTED, _S.CONVERTED, _S.ARCHIVED}),
    _S.CONVERTED: frozenset({_S.RESPONDED, _S.ARCHIVED}),
    _S.ARCHIVED: frozenset({_S.NEW}),
}


def transition_error(current: str, wanted: str) -> str | None:
    """Why ``current → wanted`` is not allowed, or None when it is (same status = no change, allowed)."""
    try:
        frm, to = LeadStatus(current), LeadStatus(wanted)
    except ValueError:
        return f"unknown status {wanted!r}; one of: {', '.join(s.value for s in LeadStatus)}"
    if frm == to or to in LEAD_TRANSITIONS[frm]:
        return None
    allowed = ", ".join(sorted(s.value for s in LEAD_TRANSITIONS[frm]))
    return f"a {frm.value} lead cannot become {to.value}; allowed: {allowed}"


_STATE_BY_NAME = {name.lower(): code for code, name in US_STATE_NAMES.items()}
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)

Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=50_000)]
Money = Annotated[Decimal, Field(ge=0, le=Decimal("99999999.99"), decimal_places=2)]


def state_code(value: object) -> object:
    """``"Texas"``, ``"tx"`` and ``" TX "`` all become ``"TX"``; other text is refused."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if not text:
        return None
    code = text.upper() if len(text) == 2 else _STATE_BY_NAME.get(text.lower())
    if code not in US_STATES:
        raise ValueError(f"not a US state: {value!r}")
    return code


class _LeadBase(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    city: Text | None = None
    state: str | None = Field(None, description="Two-letter US state code (a state name is accepted)")
    country: Annotated[str, StringConstraints(min_length=2, max_length=2, to_upper=True)] | None = None
    industry: Text | None = None
    job_link: Annotated[str, StringConstraints(max_length=2000)] | None = None
    salary_min: Money | None = None
    salary_max: Money | None = None
    salary_currency: Annotated[str, StringConstraints(min_length=3, max_length=3, to_upper=True)] | None = None
    employment_type: Text | None = None
    description: LongText | None = None
    posted_at: AwareDatetime | None = None
    contact_first_name: Text | None = None
    contact_last_name: Text | None = None
    contact_email: Annotated[str, StringConstraints(max_length=320, to_lower=True)] | None = None
    contact_phone: Annotated[str, StringConstraints(max_length=50)] | None = None
    contact_title: Text | None = None

    @field_validator("state", mode="before")
    @classmethod
    def _state(cls, value: object) -> object:
        return state_code(value)

    @field_validator("job_link")
    @classmethod
    def _link(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not _URL.match(value):
            raise ValueError("must be an http(s) URL")
        return value

    @field_validator("contact_email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if value.count("@") != 1 or " " in value or "." not in value.split("@")[1]:
            raise ValueError("not an email address")
        return value

    @field_validator(
        "city", "industry", "employment_type", "description", "contact_first_name", "contact_last_name",
        "contact_phone", "contact_title", "country", "salary_currency", mode="before",
    )  # fmt: skip
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _salary_range(self) -> _LeadBase:
        if self.salary_min is not None and self.salary_max is not None and self.salary_min > self.salary_max:
            raise ValueError("salary_min is above salary_max")
        return self


class LeadInput(_LeadBase):
    """A lead entered by hand or imported. Company and job title are required; the rest is optional."""

    company_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    job_title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    country: Annotated[str, StringConstraints(min_length=2, max_length=2, to_upper=True)] | None = "US"


class LeadPatch(_LeadBase):
    """``PUT /leads/{id}``: the fields to change (absent = unchanged, ``null`` = cleared). Status changes go
    through the status route so their rules apply."""

    company_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)] | None = None
    job_title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)] | None = None

    @model_validator(mode="after")
    def _required_stay(self) -> LeadPatch:
        for name in ("company_name", "job_title"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be cleared")
        return self

    def changes(self) -> dict[str, Any]:
        return self.model_dump(include=self.model_fields_set)


class ClientStatus(StrEnum):
    """Where the desk stands with a company (set by people; new companies start as PROSPECT)."""

    PROSPECT = "PROSPECT"
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"
    DO_NOT_CONTACT = "DO_NOT_CONTACT"


class ClientCategory(StrEnum):
    """How often the company posts jobs we target, from its leads of the last 90 days (kept by sourcing)."""

    REGULAR = "REGULAR"  # 10 or more postings
    OCCASIONAL = "OCCASIONAL"  # 3–9 postings
    PROSPECT = "PROSPECT"  # 1–2 postings, or none recently


def client_category(recent_postings: int) -> ClientCategory:
    if recent_postings >= 10:
        return ClientCategory.REGULAR
    if recent_postings >= 3:
        return ClientCategory.OCCASIONAL
    return ClientCategory.PROSPECT


class _ClientBase(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    industry: Text | None = None
    status: ClientStatus | None = None
    website: Annotated[str, StringConstraints(max_length=500)] | None = None
    notes: Annotated[str, StringConstraints(max_length=10_000)] | None = None


class ClientInput(_ClientBase):
    company_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    status: ClientStatus = ClientStatus.PROSPECT


class ClientPatch(_ClientBase):
    company_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)] | None = None

    def changes(self) -> dict[str, Any]:
        return self.model_dump(include=self.model_fields_set)


#: Columns ``GET /leads`` can sort by (every column a person sees in the table).
LEAD_SORT_FIELDS: Final[tuple[str, ...]] = (
    "created_at",
    "updated_at",
    "posted_at",
    "company_name",
    "job_title",
    "city",
    "state",
    "status",
    "industry",
    "salary_min",
    "salary_max",
    "contact_count",
    "quality_score",
)
CLIENT_SORT_FIELDS: Final[tuple[str, ...]] = (
    "company_name",
    "lead_count",
    "recent_lead_count",
    "category",
    "status",
    "industry",
    "first_seen_at",
    "last_seen_at",
)
