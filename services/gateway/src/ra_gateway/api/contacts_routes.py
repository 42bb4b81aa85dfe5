"""``/contacts`` (SOP Appendix B "Contacts"): owned by the enrichment service, reached over NATS request/reply.

Reads are open to every role; adding, editing and deleting contacts need an operator or an admin.
Parameters are checked here, so a bad one is a 422 at the edge and the owner only sees clean requests.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field
from ra_contracts.contacts import CONTACT_SORT_FIELDS, ContactInput, ContactPatch, Priority
from ra_runtime.queries import ask
from ra_runtime.stats import DEFAULT_DAYS

from ra_gateway.api.deps import Config, Context
from ra_gateway.api.schemas import Page, PageSize
from ra_gateway.api.trends import CreatedOnDay, TrendDaysQ
from ra_gateway.auth import AnyUser, OperatorUser

router = APIRouter(prefix="/contacts", tags=["contacts"])

_OWNER_DOWN: dict[int | str, dict[str, Any]] = {503: {"description": "The enrichment service is not answering"}}
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "Unknown contact"}, **_OWNER_DOWN}

ContactSort = Literal[CONTACT_SORT_FIELDS]  # type: ignore[valid-type]
ValidationFilter = Literal["valid", "invalid", "catch_all", "unknown", "none"]


def contact_filters(
    lead_id: Annotated[uuid.UUID | None, Query()] = None,
    priority: Annotated[Priority | None, Query()] = None,
    validation_status: Annotated[ValidationFilter | None, Query(description="'none' = not validated yet")] = None,
    source: Annotated[
        str | None, Query(pattern=r"^[A-Za-z0-9_-]{1,32}$", description="apollo, demo, manual, …")
    ] = None,
    search: Annotated[str | None, Query(max_length=200, description="Part of a name, email, title or company")] = None,
) -> dict[str, Any]:
    params = {
        "lead_id": str(lead_id) if lead_id else None,
        "priority": priority,
        "validation_status": validation_status,
        "source": source.lower() if source else None,
        "search": (search.strip() or None) if search else None,
    }
    return {k: v for k, v in params.items() if v is not None}


ContactFilters = Annotated[dict[str, Any], Depends(contact_filters)]


@router.get("", responses=_OWNER_DOWN)
async def list_contacts(
    _: AnyUser,
    ctx: Context,
    config: Config,
    filters: ContactFilters,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[PageSize, Query()] = PageSize.TWENTY_FIVE,
    sort: Annotated[ContactSort, Query()] = "priority",
    order: Annotated[Literal["asc", "desc"], Query()] = "asc",
) -> Page:
    """Contacts, best priority first by default."""
    params = filters | {"page": page, "page_size": int(page_size), "sort": sort, "order": order}
    data = await ask(ctx.nc, "q.enrichment.contacts.list", params, timeout=config.query_timeout_seconds)
    return Page.model_validate(data)


class ContactStats(BaseModel):
    """Counts of the matching contacts now, and how many of them were created per UTC day of the window."""

    model_config = ConfigDict(extra="allow")

    total: int
    by_priority: dict[str, int] = Field(description="P1 … P5 ('none': not ranked)")
    by_validation_status: dict[str, int] = Field(description="valid, invalid, … ('none': not validated yet)")
    by_source: dict[str, int] = Field(description="apollo, demo, manual, …")
    trend: list[CreatedOnDay] = Field(description="One entry per UTC day, today included, oldest first")


# Declared before /{contact_id} so that "stats" is not read as an id.
@router.get("/stats", responses=_OWNER_DOWN)
async def contact_stats(
    _: AnyUser, ctx: Context, config: Config, filters: ContactFilters, days: TrendDaysQ = DEFAULT_DAYS
) -> ContactStats:
    """Counts by priority, by validation status (``none`` = not validated yet) and by source, and contacts
    created per UTC day over the last ``days`` days."""
    params = filters | {"days": days}
    data = await ask(ctx.nc, "q.enrichment.contacts.stats", params, timeout=config.query_timeout_seconds)
    return ContactStats.model_validate(data)


@router.post("", status_code=status.HTTP_201_CREATED, responses={409: {"description": "Email already on the lead"}})
async def create_contact(user: OperatorUser, ctx: Context, config: Config, contact: ContactInput) -> dict[str, Any]:
    """Add a contact to a lead by hand (emits ``contact.created``; the lead's summary follows)."""
    body = {"actor": user.email, "contact": contact.model_dump(mode="json", exclude_unset=True)}
    data: dict[str, Any] = await ask(ctx.nc, "q.enrichment.contacts.create", body, timeout=config.query_timeout_seconds)
    return data


@router.get("/{contact_id}", responses=_NOT_FOUND)
async def get_contact(contact_id: uuid.UUID, _: AnyUser, ctx: Context, config: Config) -> dict[str, Any]:
    data: dict[str, Any] = await ask(
        ctx.nc, "q.enrichment.contacts.get", {"contact_id": str(contact_id)}, timeout=config.query_timeout_seconds
    )
    return data


@router.put("/{contact_id}", responses={409: {"description": "Email already on the lead"}, **_NOT_FOUND})
async def update_contact(
    contact_id: uuid.UUID, user: OperatorUser, ctx: Context, config: Config, changes: ContactPatch
) -> dict[str, Any]:
    """Change a contact (only the fields sent). A new email clears its validation status."""
    body = {
        "actor": user.email,
        "contact_id": str(contact_id),
        "changes": changes.model_dump(mode="json", exclude_unset=True),
    }
    data: dict[str, Any] = await ask(ctx.nc, "q.enrichment.contacts.update", body, timeout=config.query_timeout_seconds)
    return data


@router.delete("/{contact_id}", status_code=status.HTTP_204_NO_CONTENT, responses=_NOT_FOUND)
async def delete_contact(contact_id: uuid.UUID, user: OperatorUser, ctx: Context, config: Config) -> Response:
    await ask(
        ctx.nc,
        "q.enrichment.contacts.delete",
        {"actor": user.email, "contact_id": str(contact_id)},
        timeout=config.query_timeout_seconds,
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
