"""What a contact (ContactDetails) is made of when a person writes one through the API. The gateway checks
requests against these models and the enrichment service, which owns contacts, checks them again."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints, field_validator, model_validator

Priority = Literal["P1", "P2", "P3", "P4", "P5"]
#: Email validation outcomes (SOP §4) as contacts carry them; ``None`` = not validated yet.
VALIDATION_STATUSES: Final[tuple[str, ...]] = ("valid", "invalid", "catch_all", "unknown")

Name = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


def _email(value: str | None) -> str | None:
    if value is None:
        return None
    text = value.strip().lower()
    if not text:
        return None
    local, at, domain = text.partition("@")
    if not at or not local or "." not in domain or " " in text or len(text) > 320:
        raise ValueError("not an email address")
    return text


class _ContactBase(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    first_name: Name | None = None
    last_name: Name | None = None
    phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)] | None = None
    title: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] | None = None
    priority: Priority | None = None


class ContactInput(_ContactBase):
    """A contact added by hand to a lead. The email is required (outreach needs one) and unique per lead."""

    lead_id: uuid.UUID
    email: str

    @field_validator("email")
    @classmethod
    def _check_email(cls, value: str) -> str:
        checked = _email(value)
        if checked is None:
            raise ValueError("an email address is required")
        return checked


class ContactPatch(_ContactBase):
    """``PUT /contacts/{id}``: the fields to change (absent = unchanged, ``null`` = cleared)."""

    email: str | None = None

    @field_validator("email")
    @classmethod
    def _check_email(cls, value: str | None) -> str | None:
        return _email(value)

    @model_validator(mode="after")
    def _email_stays(self) -> ContactPatch:
        if "email" in self.model_fields_set and self.email is None:
            raise ValueError("an email address cannot be cleared")
        return self

    def changes(self) -> dict[str, Any]:
        return self.model_dump(include=self.model_fields_set)


#: Columns ``GET /contacts`` can sort by.
CONTACT_SORT_FIELDS: Final[tuple[str, ...]] = (
    "created_at",
    "updated_at",
    "priority",
    "first_name",
    "last_name",
    "email",
    "title",
    "company_name",
    "state",
    "source",
    "validation_status",
)
