"""Reads answered by the owning services over NATS (``q.*``): leads (sourcing), contacts (enrichment).

Parameters are checked here, so a bad one is a 422 at the edge and owners only ever see clean queries.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from ra_contracts.defaults import US_STATES
from ra_runtime.queries import ask

from ra_gateway.api.deps import Config, Context
from ra_gateway.api.schemas import Page, PageSize
from ra_gateway.auth import AnyUser
from ra_gateway.errors import InvalidValue

router = APIRouter(tags=["leads and contacts"])

_OWNER_DOWN: dict[int | str, dict[str, Any]] = {503: {"description": "The owning service is not answering"}}

Priority = Literal["P1", "P2", "P3", "P4", "P5"]


def _present(**params: Any) -> dict[str, Any]:
    return {k: v for k, v in params.items() if v is not None}


@router.get("/leads", responses=_OWNER_DOWN)
async def list_leads(
    _: AnyUser,
    ctx: Context,
    config: Config,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[PageSize, Query()] = PageSize.TWENTY_FIVE,
    status: Annotated[str | None, Query(pattern=r"^[A-Za-z_]{1,32}$", description="NEW, ENRICHED, …")] = None,
    source: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9_-]{1,32}$")] = None,
    state: Annotated[str | None, Query(min_length=2, max_length=2, description="Two-letter US state")] = None,
    search: Annotated[str | None, Query(max_length=200)] = None,
    sort: Annotated[str | None, Query(pattern=r"^[a-z_]{1,40}$", description="A lead field, e.g. created_at")] = None,
    order: Annotated[Literal["asc", "desc"], Query()] = "desc",
) -> Page:
    if state is not None and state.upper() not in US_STATES:
        raise InvalidValue(("query", "state"), "must be a two-letter US state code")
    params = _present(
        page=page,
        page_size=int(page_size),
        status=status.upper() if status else None,
        source=source.lower() if source else None,
        state=state.upper() if state else None,
        search=(search.strip() or None) if search else None,
        sort=sort,
        order=order,
    )
    data = await ask(ctx.nc, "q.sourcing.leads.list", params, timeout=config.query_timeout_seconds)
    return Page.model_validate(data)


@router.get("/leads/{lead_id}", responses={404: {"description": "Unknown lead"}, **_OWNER_DOWN})
async def get_lead(lead_id: uuid.UUID, _: AnyUser, ctx: Context, config: Config) -> dict[str, Any]:
    data: dict[str, Any] = await ask(
        ctx.nc, "q.sourcing.leads.get", {"lead_id": str(lead_id)}, timeout=config.query_timeout_seconds
    )
    return data


@router.get("/contacts", responses=_OWNER_DOWN)
async def list_contacts(
    _: AnyUser,
    ctx: Context,
    config: Config,
    lead_id: Annotated[uuid.UUID | None, Query()] = None,
    priority: Annotated[Priority | None, Query()] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[PageSize, Query()] = PageSize.TWENTY_FIVE,
) -> Page:
    params = _present(lead_id=str(lead_id) if lead_id else None, priority=priority, page=page, page_size=int(page_size))
    data = await ask(ctx.nc, "q.enrichment.contacts.list", params, timeout=config.query_timeout_seconds)
    return Page.model_validate(data)
