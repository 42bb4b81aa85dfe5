"""Reads answered by the owning services over NATS (``q.*``): contacts (enrichment). Leads and clients have
their own modules.

Parameters are checked here, so a bad one is a 422 at the edge and owners only ever see clean queries.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from ra_runtime.queries import ask

from ra_gateway.api.deps import Config, Context
from ra_gateway.api.schemas import Page, PageSize
from ra_gateway.auth import AnyUser

router = APIRouter(tags=["leads and contacts"])

_OWNER_DOWN: dict[int | str, dict[str, Any]] = {503: {"description": "The owning service is not answering"}}

Priority = Literal["P1", "P2", "P3", "P4", "P5"]


def _present(**params: Any) -> dict[str, Any]:
    return {k: v for k, v in params.items() if v is not None}


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
