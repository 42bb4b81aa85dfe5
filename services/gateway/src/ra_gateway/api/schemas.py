"""Request and response bodies of the HTTP API."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import IntEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ra_gateway.auth import CurrentUser
from ra_gateway.models import Role, User
from ra_gateway.settings_service import SettingView

# --- auth -----------------------------------------------------------------------------------------------


class UserOut(BaseModel):
    id: uuid.UUID
    email: str
    full_name: str
    role: Role
    is_active: bool
    created_at: datetime
    last_login_at: datetime | None

    @classmethod
    def of(cls, user: User | CurrentUser) -> UserOut:
        return cls(
            id=user.id,
            email=user.email,
            full_name=user.full_name,
            role=user.role,  # type: ignore[arg-type]  # the database constrains it to Role
            is_active=user.is_active,
            created_at=user.created_at,
            last_login_at=user.last_login_at,
        )


class LoginRequest(BaseModel):
    email: str = Field(max_length=254)
    # Longer than any password the policy accepts, so an over-long guess is simply wrong, not a 422 hint.
    password: str = Field(max_length=1024)


class RefreshRequest(BaseModel):
    refresh_token: str = Field(max_length=4096)


class TokenResponse(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the access token expires")
    user: UserOut


class RegisterRequest(BaseModel):
    email: str = Field(max_length=254)
    password: str = Field(max_length=1024, description="At least 10 characters")
    full_name: str = Field("", max_length=200)
    role: Role = "viewer"


# --- settings -------------------------------------------------------------------------------------------


class SettingOut(BaseModel):
    key: str
    value: Any = Field(description="The current value; for secrets only a mask such as 'sk••••1234'")
    is_set: bool = Field(description="A value is present (for secrets: a key has been saved)")
    is_default: bool
    type: str
    secret: bool
    section: str
    description: str
    default: Any
    choices: list[str]
    minimum: float | None
    maximum: float | None
    unit: str
    updated_by: str | None
    updated_at: datetime | None

    @classmethod
    def of(cls, view: SettingView) -> SettingOut:
        spec = view.spec
        return cls(
            key=spec.key,
            value=view.value,
            is_set=view.is_set,
            is_default=view.is_default,
            type=spec.type,
            secret=spec.secret,
            section=spec.section,
            description=spec.description,
            default=spec.default,
            choices=list(spec.choices),
            minimum=spec.minimum,
            maximum=spec.maximum,
            unit=spec.unit,
            updated_by=view.updated_by,
            updated_at=view.updated_at,
        )


class SettingList(BaseModel):
    items: list[SettingOut]


class SettingUpdate(BaseModel):
    value: Any = Field(description="The new value, of the setting's type; for a secret, '' removes it")


class SettingsInitialized(BaseModel):
    initialized: list[str] = Field(description="Keys that had no value and now hold their default")


# --- pipelines ------------------------------------------------------------------------------------------

PipelineName = Literal["lead_sourcing", "contact_enrichment", "email_validation", "outreach"]


class LeadSourcingRunRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sources: list[str] | None = Field(default=None, description="Job sources to use; default: the enabled ones")
    max_results: int | None = Field(default=None, ge=1, le=100_000, description="Cap on postings per source")


class ContactEnrichmentRunRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int | None = Field(default=None, ge=1, le=1_000_000, description="Enrich at most this many leads")


class EmailValidationRunRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int | None = Field(default=None, ge=1, le=1_000_000, description="Validate at most this many contacts")


class OutreachRunRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: Literal["mailmerge", "send"] | None = Field(
        default=None,
        description="mailmerge = a CSV and a guide for your email client; send = through the ready mailboxes. "
        "Default: the outreach_send_mode setting (mailmerge → mailmerge, smtp → send)",
    )
    dry_run: bool = Field(default=False, description="Send mode: work out who would be written to; send nothing")
    limit: int | None = Field(default=None, ge=1, le=100_000, description="Reach at most this many contacts")
    template_id: uuid.UUID | None = Field(default=None, description="Send mode: the template; default: the default one")


class RunAccepted(BaseModel):
    run_id: uuid.UUID
    pipeline: PipelineName
    status: Literal["queued"] = "queued"


class PipelineRun(BaseModel):
    """A run as its owning service reports it; a run not picked up yet is shown as ``queued``."""

    model_config = ConfigDict(extra="allow")

    run_id: uuid.UUID
    pipeline: str
    status: str
    started_at: datetime | None = None
    finished_at: datetime | None = None
    counts: dict[str, int] = Field(default_factory=dict)
    error_message: str | None = None
    requested_at: datetime | None = Field(default=None, description="When it was requested through the API")
    requested_by: str | None = None


class PipelineRunList(BaseModel):
    items: list[PipelineRun]
    total: int
    limit: int
    offset: int
    unavailable: list[str] = Field(
        default_factory=list, description="Services that did not answer: their runs are missing from the list"
    )


# --- proxied reads --------------------------------------------------------------------------------------


class PageSize(IntEnum):
    """The page sizes the dashboard's tables offer."""

    TEN = 10
    TWENTY_FIVE = 25
    FIFTY = 50
    HUNDRED = 100


class Page(BaseModel):
    """One page of an owner's list; items are passed through as the owning service shapes them."""

    model_config = ConfigDict(extra="allow")

    items: list[dict[str, Any]]
    total: int
    page: int
    page_size: int
